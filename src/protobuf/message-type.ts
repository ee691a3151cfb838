import type { EnumDescriptor, MessageDescriptor } from './descriptors.js';
import {
  type FromJsonOptions,
  type JsonValue,
  messageFromJson,
  messageToJson,
  type ToJsonOptions,
} from './json-mapping.js';
import { type DecodeOptions, decodeMessage } from './message-decoder.js';
import { type EncodeOptions, encodeMessage } from './message-encoder.js';
import { createMessage, type ProtoMessage } from './message-shape.js';

/** What a MessageType needs from its schema (kept minimal so MessageType does not import ProtoSchema). */
export interface SchemaLookup {
  message(fullName: string): MessageType;
  enumDescriptor(fullName: string): EnumDescriptor;
}

/**
 * One message type of a schema, with the reflection-driven codec bound to it.
 *
 * @example
 * const Ping = schema.message('demo.Ping');
 * const bytes = Ping.encode({ id: 'x', seq: 1n });
 * Ping.decode(bytes).seq; // 1n
 * Ping.toJson(Ping.decode(bytes)); // { id: 'x', seq: '1' }
 */
export class MessageType {
  constructor(
    readonly descriptor: MessageDescriptor,
    readonly schema: SchemaLookup,
  ) {}

  get fullName(): string {
    return this.descriptor.fullName;
  }

  /** A new message with defaults set (see createMessage), optionally with some fields filled in. */
  create(init?: Record<string, unknown>): ProtoMessage {
    return createMessage(this.descriptor, init);
  }

  encode(msg: Record<string, unknown>, options?: EncodeOptions): Uint8Array {
    return encodeMessage(this.descriptor, msg, options);
  }

  decode(bytes: Uint8Array, options?: DecodeOptions): ProtoMessage {
    return decodeMessage(this.descriptor, bytes, options);
  }

  /** The proto3 JSON form; google.protobuf.Any values are resolved against this type's schema. */
  toJson(msg: ProtoMessage, options?: ToJsonOptions): JsonValue {
    return messageToJson(this.descriptor, msg, { typeRegistry: this.registry, ...options });
  }

  fromJson(json: unknown, options?: FromJsonOptions): ProtoMessage {
    return messageFromJson(this.descriptor, json, { typeRegistry: this.registry, ...options });
  }

  private readonly registry = (fullName: string): MessageDescriptor | undefined => {
    try {
      return this.schema.message(fullName).descriptor;
    } catch {
      return undefined;
    }
  };
}
