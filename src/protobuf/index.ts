// wirestack/protobuf: .proto parsing, the binary wire format and the proto3 JSON mapping.
export { base64Decode, base64Encode } from './base64.js';
export {
  EnumDescriptor,
  type EnumValue,
  FieldDescriptor,
  FieldType,
  FileDescriptor,
  MessageDescriptor,
  type MethodDescriptor,
  OneofDescriptor,
  type Options,
  type OptionValue,
  ServiceDescriptor,
  type Syntax,
} from './descriptors.js';
export { ProtoEncodeError, ProtoSyntaxError, type SourceLocation } from './errors.js';
export {
  type FromJsonOptions,
  type JsonValue,
  messageFromJson,
  messageToJson,
  type ToJsonOptions,
} from './json-mapping.js';
export { type DecodeOptions, decodeMessage } from './message-decoder.js';
export { type EncodeOptions, encodeMessage } from './message-encoder.js';
export {
  createMessage,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MESSAGE_BYTES,
  type ProtoMessage,
  UNKNOWN_FIELDS,
} from './message-shape.js';
export { MessageType } from './message-type.js';
export { loadProtoSchema } from './proto-loader.js';
export { DEFAULT_MAX_NESTING, ProtoParser, type ProtoParserOptions } from './proto-parser.js';
export { type ProtoFileReader, ProtoSchema, type ProtoSchemaOptions } from './proto-schema.js';
export { ProtoTokenizer, type Token } from './proto-tokenizer.js';
export { generateTypeScript, type TypeScriptGeneratorOptions } from './typescript-generator.js';
export { WELL_KNOWN_TYPES } from './well-known-types.js';
export { WireReader } from './wire-reader.js';
export { MAX_FIELD_NUMBER, WireType } from './wire-type.js';
export { varintSize, WireWriter } from './wire-writer.js';
