import type { ProtoSchema } from '../../protobuf/proto-schema.js';
import type { GrpcChannel } from '../channel.js';
import { makeClient, type ServiceClient } from '../client.js';
import type { ClientCall } from '../client-call.js';
import { GrpcError } from '../errors.js';
import { Metadata } from '../metadata.js';
import { GrpcStatus, statusName } from '../status.js';

/** The stubs the interop cases call (gRPC's interop-test-descriptions.md, TestService). */
export interface InteropContext {
  testService: ServiceClient;
  unimplementedService: ServiceClient;
}

/**
 * Stubs for the interop services on `channel`; `schema` must hold grpc/testing/test.proto.
 *
 * @example
 * const schema = loadProtoSchema(['grpc/testing/test.proto'], { includePaths: ['protos'] });
 * const ctx = interopContext(new GrpcChannel('127.0.0.1:50051'), schema);
 * await INTEROP_CASES.large_unary(ctx);
 */
export function interopContext(channel: GrpcChannel, schema: ProtoSchema): InteropContext {
  return {
    testService: makeClient(schema.service('grpc.testing.TestService'), channel, { schema }),
    unimplementedService: makeClient(schema.service('grpc.testing.UnimplementedService'), channel, {
      schema,
    }),
  };
}

/** An interop assertion that did not hold. */
export class InteropFailure extends Error {}

function check(ok: unknown, what: string): asserts ok {
  if (!ok) throw new InteropFailure(what);
}

const zeros = (n: number) => ({ body: new Uint8Array(n) });

interface Payload {
  body?: Uint8Array;
}
const bodySize = (m: { payload?: Payload }) => m.payload?.body?.length ?? 0;

function checkZeros(m: { payload?: Payload }, size: number, what: string): void {
  check(bodySize(m) === size, `${what}: payload body is ${bodySize(m)} bytes, expected ${size}`);
  check(m.payload?.body?.every((b) => b === 0) ?? size === 0, `${what}: payload body is not all zeros`);
}

/** Awaits a failing call and checks its status code (and message, if given). */
async function expectStatus(
  p: Promise<unknown>,
  code: GrpcStatus,
  what: string,
  message?: string,
): Promise<GrpcError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof GrpcError)) throw e;
    check(
      e.status === code,
      `${what}: status ${statusName(e.status)} (${e.details}), expected ${statusName(code)}`,
    );
    if (message !== undefined) {
      check(
        e.details === message,
        `${what}: message ${JSON.stringify(e.details)}, expected ${JSON.stringify(message)}`,
      );
    }
    return e;
  }
  throw new InteropFailure(`${what}: succeeded, expected ${statusName(code)}`);
}

/** Reads all responses of a call. */
async function collect<T>(call: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const m of call) out.push(m);
  return out;
}

const LARGE_REQUEST = { responseSize: 314159, payload: zeros(271828) };
const STREAM_SIZES = [31415, 9, 2653, 58979];
const REQUEST_SIZES = [27182, 8, 1828, 45904];

async function statusOnly(call: ClientCall): Promise<{ code: GrpcStatus; details: string }> {
  return call.status;
}

/** The cases, by their interop names. Each throws InteropFailure (or GrpcError) on failure. */
export const INTEROP_CASES: Record<string, (ctx: InteropContext) => Promise<void>> = {
  async empty_unary({ testService }) {
    const res = await testService.emptyCall({});
    check(Object.keys(res).length === 0, 'empty_unary: response is not empty');
  },

  async large_unary({ testService }) {
    checkZeros(await testService.unaryCall(LARGE_REQUEST), 314159, 'large_unary');
  },

  async client_compressed_unary({ testService }) {
    // The feature probe: an uncompressed request that claims to be compressed must be refused.
    await expectStatus(
      testService.unaryCall({ ...LARGE_REQUEST, expectCompressed: { value: true } }),
      GrpcStatus.INVALID_ARGUMENT,
      'client_compressed_unary probe',
    );
    const compressed = await testService.unaryCall(
      { ...LARGE_REQUEST, expectCompressed: { value: true } },
      { compression: 'gzip' },
    );
    checkZeros(compressed, 314159, 'client_compressed_unary (compressed)');
    const plain = await testService.unaryCall({ ...LARGE_REQUEST, expectCompressed: { value: false } });
    checkZeros(plain, 314159, 'client_compressed_unary (uncompressed)');
  },

  async server_compressed_unary({ testService }) {
    for (const want of [true, false]) {
      const p = testService.unaryCall({ ...LARGE_REQUEST, responseCompressed: { value: want } });
      checkZeros(await p, 314159, 'server_compressed_unary');
      const n = (p.call as ClientCall).compressedMessagesReceived;
      check(
        want ? n === 1 : n === 0,
        `server_compressed_unary: response_compressed=${want} but the compressed flag was ${n === 1}`,
      );
    }
  },

  async client_streaming({ testService }) {
    const call = testService.streamingInputCall();
    for (const n of REQUEST_SIZES) call.write({ payload: zeros(n) });
    call.end();
    const res = await call.response;
    check(
      res.aggregatedPayloadSize === 74922,
      `client_streaming: aggregated ${res.aggregatedPayloadSize}, expected 74922`,
    );
  },

  async server_streaming({ testService }) {
    const call = testService.streamingOutputCall({
      responseParameters: STREAM_SIZES.map((size) => ({ size })),
    });
    const got = await collect<{ payload?: Payload }>(call);
    check(got.length === 4, `server_streaming: ${got.length} responses, expected 4`);
    for (const [i, m] of got.entries()) checkZeros(m, STREAM_SIZES[i], `server_streaming response ${i}`);
  },

  async ping_pong({ testService }) {
    const call = testService.fullDuplexCall();
    const it = call[Symbol.asyncIterator]();
    for (let i = 0; i < 4; i++) {
      call.write({ responseParameters: [{ size: STREAM_SIZES[i] }], payload: zeros(REQUEST_SIZES[i]) });
      const r = await it.next();
      check(!r.done, `ping_pong: stream ended before response ${i}`);
      checkZeros(r.value, STREAM_SIZES[i], `ping_pong response ${i}`);
    }
    call.end();
    const r = await it.next();
    check(r.done, 'ping_pong: more than four responses');
  },

  async empty_stream({ testService }) {
    const call = testService.fullDuplexCall();
    call.end();
    const got = await collect(call);
    check(got.length === 0, `empty_stream: ${got.length} responses, expected 0`);
  },

  async cancel_after_begin({ testService }) {
    const call = testService.streamingInputCall();
    call.cancel();
    const s = await statusOnly(call);
    check(
      s.code === GrpcStatus.CANCELLED,
      `cancel_after_begin: status ${statusName(s.code)}, expected CANCELLED`,
    );
  },

  async cancel_after_first_response({ testService }) {
    const call = testService.fullDuplexCall();
    const it = call[Symbol.asyncIterator]();
    call.write({ responseParameters: [{ size: 31415 }], payload: zeros(27182) });
    const r = await it.next();
    check(!r.done, 'cancel_after_first_response: no first response');
    checkZeros(r.value, 31415, 'cancel_after_first_response');
    call.cancel();
    const s = await statusOnly(call);
    check(
      s.code === GrpcStatus.CANCELLED,
      `cancel_after_first_response: status ${statusName(s.code)}, expected CANCELLED`,
    );
  },

  async timeout_on_sleeping_server({ testService }) {
    const call = testService.fullDuplexCall({ timeoutMs: 1 });
    call.write({ payload: zeros(27182) });
    const s = await statusOnly(call);
    check(
      s.code === GrpcStatus.DEADLINE_EXCEEDED,
      `timeout_on_sleeping_server: status ${statusName(s.code)}, expected DEADLINE_EXCEEDED`,
    );
  },

  async status_code_and_message({ testService }) {
    const responseStatus = { code: 2, message: 'test status message' };
    await expectStatus(
      testService.unaryCall({ responseStatus }),
      GrpcStatus.UNKNOWN,
      'status_code_and_message (unary)',
      responseStatus.message,
    );
    const call = testService.fullDuplexCall();
    call.write({ responseStatus });
    call.end();
    await expectStatus(
      collect(call),
      GrpcStatus.UNKNOWN,
      'status_code_and_message (full duplex)',
      responseStatus.message,
    );
  },

  async special_status_message({ testService }) {
    const message = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
    await expectStatus(
      testService.unaryCall({ responseStatus: { code: 2, message } }),
      GrpcStatus.UNKNOWN,
      'special_status_message',
      message,
    );
  },

  async custom_metadata({ testService }) {
    const metadata = () =>
      new Metadata()
        .set('x-grpc-test-echo-initial', 'test_initial_metadata_value')
        .set('x-grpc-test-echo-trailing-bin', Uint8Array.of(0xab, 0xab, 0xab));
    const checkEcho = async (call: ClientCall, what: string) => {
      const initial = await call.metadata;
      check(
        initial.get('x-grpc-test-echo-initial') === 'test_initial_metadata_value',
        `${what}: initial metadata x-grpc-test-echo-initial is ${JSON.stringify(initial.get('x-grpc-test-echo-initial'))}`,
      );
      const trailing = (await call.status).metadata.get('x-grpc-test-echo-trailing-bin');
      check(
        trailing instanceof Uint8Array && Buffer.from(trailing).equals(Buffer.from([0xab, 0xab, 0xab])),
        `${what}: trailing metadata x-grpc-test-echo-trailing-bin is ${String(trailing)}`,
      );
    };
    const unary = testService.unaryCall(LARGE_REQUEST, { metadata: metadata() });
    checkZeros(await unary, 314159, 'custom_metadata (unary)');
    await checkEcho(unary.call, 'custom_metadata (unary)');
    const call = testService.fullDuplexCall({ metadata: metadata() });
    call.write({ responseParameters: [{ size: 314159 }], payload: zeros(271828) });
    call.end();
    const got = await collect<{ payload?: Payload }>(call);
    check(got.length === 1, `custom_metadata (full duplex): ${got.length} responses, expected 1`);
    checkZeros(got[0], 314159, 'custom_metadata (full duplex)');
    await checkEcho(call, 'custom_metadata (full duplex)');
  },

  async unimplemented_method({ testService }) {
    await expectStatus(testService.unimplementedCall({}), GrpcStatus.UNIMPLEMENTED, 'unimplemented_method');
  },

  async unimplemented_service({ unimplementedService }) {
    await expectStatus(
      unimplementedService.unimplementedCall({}),
      GrpcStatus.UNIMPLEMENTED,
      'unimplemented_service',
    );
  },
};

/** The case names in the order the interop descriptions list them. */
export const INTEROP_CASE_NAMES = Object.keys(INTEROP_CASES);

/**
 * Runs cases by name (`all` for every one) and reports each; resolves with the names that failed.
 *
 * @example
 * const failed = await runInteropCases(ctx, ['all'], (name, err) => console.log(name, err ? 'FAIL' : 'ok'));
 */
export async function runInteropCases(
  ctx: InteropContext,
  names: readonly string[],
  report: (name: string, error: Error | undefined, ms: number) => void = () => {},
): Promise<string[]> {
  const list = names.includes('all') ? INTEROP_CASE_NAMES : names;
  const failed: string[] = [];
  for (const name of list) {
    const run = INTEROP_CASES[name];
    if (!run)
      throw new RangeError(`unknown interop test case ${name} (known: ${INTEROP_CASE_NAMES.join(', ')})`);
    const t0 = performance.now();
    try {
      await run(ctx);
      report(name, undefined, performance.now() - t0);
    } catch (e) {
      failed.push(name);
      report(name, e as Error, performance.now() - t0);
    }
  }
  return failed;
}
