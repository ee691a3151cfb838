// A minimal copy of protobuf's well-known types: the message shapes and field numbers only (no comments,
// no language options), enough for files importing them to load without /usr/include. Written for
// wirestack; the field numbers are the wire contract and match protobuf's.

const header = (pkgFile: string) => `syntax = "proto3";\npackage google.protobuf;\n// ${pkgFile}\n`;

const wrappers = [
  ['DoubleValue', 'double'],
  ['FloatValue', 'float'],
  ['Int64Value', 'int64'],
  ['UInt64Value', 'uint64'],
  ['Int32Value', 'int32'],
  ['UInt32Value', 'uint32'],
  ['BoolValue', 'bool'],
  ['StringValue', 'string'],
  ['BytesValue', 'bytes'],
]
  .map(([name, type]) => `message ${name} { ${type} value = 1; }`)
  .join('\n');

/** Source text by import path, e.g. `google/protobuf/timestamp.proto`. */
export const WELL_KNOWN_TYPES: Readonly<Record<string, string>> = Object.assign(Object.create(null), {
  'google/protobuf/any.proto': `${header('any')}message Any { string type_url = 1; bytes value = 2; }\n`,
  'google/protobuf/timestamp.proto': `${header('timestamp')}message Timestamp { int64 seconds = 1; int32 nanos = 2; }\n`,
  'google/protobuf/duration.proto': `${header('duration')}message Duration { int64 seconds = 1; int32 nanos = 2; }\n`,
  'google/protobuf/empty.proto': `${header('empty')}message Empty {}\n`,
  'google/protobuf/field_mask.proto': `${header('field_mask')}message FieldMask { repeated string paths = 1; }\n`,
  'google/protobuf/wrappers.proto': `${header('wrappers')}${wrappers}\n`,
  'google/protobuf/struct.proto': `${header('struct')}
message Struct { map<string, Value> fields = 1; }
message Value {
  oneof kind {
    NullValue null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}
enum NullValue { NULL_VALUE = 0; }
message ListValue { repeated Value values = 1; }
`,
});
