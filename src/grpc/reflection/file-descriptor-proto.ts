import {
  type EnumDescriptor,
  type FieldDescriptor,
  FieldType,
  type FileDescriptor,
  type MessageDescriptor,
  type ServiceDescriptor,
  WireType,
  WireWriter,
} from '../../protobuf/index.js';

/**
 * Serializes a parsed .proto file as a google.protobuf.FileDescriptorProto (descriptor.proto field
 * numbers), what server reflection sends. Covers messages, nested and map-entry types, enums,
 * oneofs (proto3 `optional` as protoc's synthetic oneofs), packed overrides and services; custom
 * options, defaults and extensions are left out.
 *
 * @example
 * const bytes = encodeFileDescriptorProto(schema.files.get('grpc/testing/test.proto')!);
 */
export function encodeFileDescriptorProto(file: FileDescriptor): Uint8Array {
  const w = new WireWriter();
  str(w, 1, file.name);
  if (file.packageName) str(w, 2, file.packageName);
  for (const imp of file.imports) str(w, 3, imp.path);
  for (const m of file.messages) nested(w, 4, () => message(w, m, file.syntax === 'proto3'));
  for (const e of file.enums) nested(w, 5, () => enumType(w, e));
  for (const s of file.services) nested(w, 6, () => service(w, s));
  file.imports.forEach((imp, i) => {
    if (imp.kind === 'public') int(w, 10, i);
  });
  if (file.syntax === 'proto3') str(w, 12, 'proto3');
  return w.finish().slice();
}

function str(w: WireWriter, field: number, s: string): void {
  w.tag(field, WireType.LEN);
  w.string(s);
}

function int(w: WireWriter, field: number, n: number): void {
  w.tag(field, WireType.VARINT);
  w.int32(n);
}

function nested(w: WireWriter, field: number, body: () => void): void {
  w.tag(field, WireType.LEN);
  w.fork();
  body();
  w.join();
}

function message(w: WireWriter, m: MessageDescriptor, proto3: boolean): void {
  str(w, 1, m.name);
  const synthetic: FieldDescriptor[] = m.fields.filter((f) => f.proto3Optional);
  for (const f of m.fields) {
    nested(w, 2, () => field(w, f, proto3, m.oneofs.length + synthetic.indexOf(f)));
  }
  for (const n of m.messages) nested(w, 3, () => message(w, n, proto3));
  for (const e of m.enums) nested(w, 4, () => enumType(w, e));
  for (const [start, end] of m.extensionRanges) {
    nested(w, 5, () => {
      int(w, 1, start);
      int(w, 2, end + 1);
    });
  }
  if (m.isMapEntry) nested(w, 7, () => int(w, 7, 1)); // MessageOptions.map_entry
  for (const o of m.oneofs) nested(w, 8, () => str(w, 1, o.name));
  for (const f of synthetic) nested(w, 8, () => str(w, 1, `_${f.name}`));
}

const PACKABLE = new Set<FieldType>([FieldType.STRING, FieldType.BYTES, FieldType.MESSAGE, FieldType.GROUP]);

function field(w: WireWriter, f: FieldDescriptor, proto3: boolean, syntheticIndex: number): void {
  str(w, 1, f.name);
  int(w, 3, f.number);
  int(w, 4, f.repeated ? 3 : f.required ? 2 : 1);
  int(w, 5, f.type);
  const target = f.messageType?.fullName ?? f.enumType?.fullName;
  if (target) str(w, 6, `.${target}`);
  if (f.oneof) int(w, 9, f.oneof.index);
  else if (f.proto3Optional) int(w, 9, syntheticIndex);
  str(w, 10, f.jsonName);
  const packable = f.repeated && !PACKABLE.has(f.type);
  if (packable && f.packed !== proto3) nested(w, 8, () => int(w, 2, f.packed ? 1 : 0)); // FieldOptions.packed
  if (f.proto3Optional) int(w, 17, 1);
}

function enumType(w: WireWriter, e: EnumDescriptor): void {
  str(w, 1, e.name);
  for (const v of e.values) {
    nested(w, 2, () => {
      str(w, 1, v.name);
      int(w, 2, v.number);
    });
  }
}

function service(w: WireWriter, s: ServiceDescriptor): void {
  str(w, 1, s.name);
  for (const m of s.methods) {
    nested(w, 2, () => {
      str(w, 1, m.name);
      str(w, 2, `.${m.inputType?.fullName ?? m.inputTypeName.replace(/^\./, '')}`);
      str(w, 3, `.${m.outputType?.fullName ?? m.outputTypeName.replace(/^\./, '')}`);
      if (m.clientStreaming) int(w, 5, 1);
      if (m.serverStreaming) int(w, 6, 1);
    });
  }
}
