/**
 * The kind of object a string-keyed MessagePack map decodes to: an ordinary object whose prototype is
 * a frozen, empty object with a null prototype. Nothing is inherited from `Object.prototype`, so keys
 * such as `__proto__`, `constructor` or `toString` are plain own data properties: decoding cannot
 * change any prototype, and the shared prototype itself cannot be modified.
 *
 * Why not `Object.create(null)`: V8 puts null-prototype objects in slow dictionary mode, which made
 * decoding a small document 25% slower and every later property read slower too; instances of a
 * constructor stay in fast mode.
 *
 * @example
 * const obj = new MsgpackDecoder().decode(bytesOf({ __proto__: 1 })) as Record<string, unknown>;
 * Object.getPrototypeOf(obj) === MsgpackRecord.prototype; // true
 * obj.__proto__; // 1, an own property
 */
export const MsgpackRecord = function MsgpackRecord() {} as unknown as new () => Record<string, unknown>;
MsgpackRecord.prototype = Object.freeze(Object.create(null));
