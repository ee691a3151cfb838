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
 * One message type of a schema, with the reflection-driven codec bound to it. `T` is the shape of its
 * messages: ProtoMessage by default, or a TypeScript type written (or generated) for the schema.
 *
 * @example
 * const Ping = schema.message('demo.Ping');
 * const bytes = Ping.encode({ id: 'x', seq: 1n });
 * Ping.decode(bytes).seq; // 1n
 * Ping.toJson(Ping.decode(bytes)); // { id: 'x', seq: '1' }
 * const Typed = schema.message<{ id: string; seq: bigint }>('demo.Ping'); // decode() returns that type
 */
export class MessageType<T extends object = ProtoMessage> {
  constructor(
    readonly descriptor: MessageDescriptor,
    readonly schema: SchemaLookup,
  ) {}

  get fullName(): string {
    return this.descriptor.fullName;
  }

  /** A new message with defaults set (see createMessage), optionally with some fields filled in. */
  create(init?: Partial<T>): T {
    return createMessage(this.descriptor, init as Record<string, unknown> | undefined) as T;
  }

  encode(msg: T, options?: EncodeOptions): Uint8Array {
    return encodeMessage(this.descriptor, msg as Record<string, unknown>, options);
  }

  decode(bytes: Uint8Array, options?: DecodeOptions): T {
    return decodeMessage(this.descriptor, bytes, options) as T;
  }

  /** The proto3 JSON form; google.protobuf.Any values are resolved against this type's schema. */
  toJson(msg: T, options?: ToJsonOptions): JsonValue {
    return messageToJson(this.descriptor, msg as ProtoMessage, { typeRegistry: this.registry, ...options });
  }

  fromJson(json: unknown, options?: FromJsonOptions): T {
    return messageFromJson(this.descriptor, json, { typeRegistry: this.registry, ...options }) as T;
  }

  private readonly registry = (fullName: string): MessageDescriptor | undefined => {
    try {
      return this.schema.message(fullName).descriptor;
    } catch {
      return undefined;
    }
  };
}
