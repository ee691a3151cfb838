"""gRPC interop cases (interop-test-descriptions.md) with Python grpcio as the client.

Usage: /usr/bin/python3 interop_client.py HOST:PORT DESCRIPTOR_SET [CASE...]
The message classes come from a FileDescriptorSet made by `protoc --descriptor_set_out
--include_imports`, and calls go through grpcio's generic stubs, so no generated code is needed.
Prints one line per case, `ok NAME` or `FAIL NAME: why`; exits 1 if any case failed.
"""
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

address, descriptor_path = sys.argv[1], sys.argv[2]
selected = set(sys.argv[3:])

fds = descriptor_pb2.FileDescriptorSet()
with open(descriptor_path, "rb") as f:
    fds.ParseFromString(f.read())
pool = descriptor_pool.DescriptorPool()
for fd in fds.file:
    pool.Add(fd)
factory = message_factory.MessageFactory(pool)


def cls(name):
    return factory.GetPrototype(pool.FindMessageTypeByName(name))


Empty = cls("grpc.testing.Empty")
SimpleRequest = cls("grpc.testing.SimpleRequest")
SimpleResponse = cls("grpc.testing.SimpleResponse")
StreamingInputCallRequest = cls("grpc.testing.StreamingInputCallRequest")
StreamingInputCallResponse = cls("grpc.testing.StreamingInputCallResponse")
StreamingOutputCallRequest = cls("grpc.testing.StreamingOutputCallRequest")
StreamingOutputCallResponse = cls("grpc.testing.StreamingOutputCallResponse")

channel = grpc.insecure_channel(address)
gzip_channel = grpc.insecure_channel(address, compression=grpc.Compression.Gzip)
SVC = "/grpc.testing.TestService/"


def stub(kind, method, req, res, ch=channel):
    return getattr(ch, kind)(SVC + method, request_serializer=req.SerializeToString,
                             response_deserializer=res.FromString)


def empty_unary():
    r = stub("unary_unary", "EmptyCall", Empty, Empty)(Empty(), timeout=10)
    assert r.ByteSize() == 0


def large_unary():
    req = SimpleRequest(response_size=314159)
    req.payload.body = bytes(271828)
    r = stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse)(req, timeout=10)
    assert len(r.payload.body) == 314159, len(r.payload.body)


def client_streaming():
    def reqs():
        for n in (27182, 8, 1828, 45904):
            m = StreamingInputCallRequest()
            m.payload.body = bytes(n)
            yield m
    r = stub("stream_unary", "StreamingInputCall", StreamingInputCallRequest,
             StreamingInputCallResponse)(reqs(), timeout=10)
    assert r.aggregated_payload_size == 74922, r.aggregated_payload_size


def server_streaming():
    req = StreamingOutputCallRequest()
    sizes = [31415, 9, 2653, 58979]
    for s in sizes:
        req.response_parameters.add(size=s)
    got = [len(m.payload.body) for m in stub("unary_stream", "StreamingOutputCall",
                                             StreamingOutputCallRequest,
                                             StreamingOutputCallResponse)(req, timeout=10)]
    assert got == sizes, got


def ping_pong():
    import queue
    q = queue.Queue()
    reqs, resps = [27182, 8, 1828, 45904], [31415, 9, 2653, 58979]

    def gen():
        while True:
            item = q.get()
            if item is None:
                return
            yield item

    it = stub("stream_stream", "FullDuplexCall", StreamingOutputCallRequest,
              StreamingOutputCallResponse)(gen(), timeout=10)
    for a, b in zip(reqs, resps):
        m = StreamingOutputCallRequest()
        m.response_parameters.add(size=b)
        m.payload.body = bytes(a)
        q.put(m)
        r = next(it)
        assert len(r.payload.body) == b
    q.put(None)
    assert list(it) == []


def empty_stream():
    got = list(stub("stream_stream", "FullDuplexCall", StreamingOutputCallRequest,
                    StreamingOutputCallResponse)(iter([]), timeout=10))
    assert got == []


def cancel_after_begin():
    import threading
    ev = threading.Event()

    def reqs():
        ev.wait(5)
        return
        yield

    fut = stub("stream_unary", "StreamingInputCall", StreamingInputCallRequest,
               StreamingInputCallResponse).future(reqs(), timeout=10)
    fut.cancel()
    ev.set()
    try:
        fut.result()
        raise AssertionError("no error")
    except grpc.FutureCancelledError:
        pass


def cancel_after_first_response():
    import queue
    q = queue.Queue()

    def gen():
        while True:
            item = q.get()
            if item is None:
                return
            yield item

    call = stub("stream_stream", "FullDuplexCall", StreamingOutputCallRequest,
                StreamingOutputCallResponse)(gen(), timeout=10)
    m = StreamingOutputCallRequest()
    m.response_parameters.add(size=31415)
    m.payload.body = bytes(27182)
    q.put(m)
    assert len(next(call).payload.body) == 31415
    call.cancel()
    q.put(None)
    assert call.code() == grpc.StatusCode.CANCELLED, call.code()


def timeout_on_sleeping_server():
    import queue
    q = queue.Queue()

    def gen():
        m = StreamingOutputCallRequest()
        m.payload.body = bytes(27182)
        yield m
        q.get()

    call = stub("stream_stream", "FullDuplexCall", StreamingOutputCallRequest,
                StreamingOutputCallResponse)(gen(), timeout=0.001)
    try:
        list(call)
        raise AssertionError("no error")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, e.code()
    finally:
        q.put(None)


def expect_status(fn, code, message):
    try:
        fn()
        raise AssertionError("no error")
    except grpc.RpcError as e:
        assert e.code() == code, e.code()
        assert e.details() == message, repr(e.details())


def status_code_and_message():
    msg = "test status message"
    req = SimpleRequest()
    req.response_status.code = 2
    req.response_status.message = msg
    expect_status(lambda: stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse)(req, timeout=10),
                  grpc.StatusCode.UNKNOWN, msg)
    s = StreamingOutputCallRequest()
    s.response_status.code = 2
    s.response_status.message = msg
    expect_status(lambda: list(stub("stream_stream", "FullDuplexCall", StreamingOutputCallRequest,
                                    StreamingOutputCallResponse)(iter([s]), timeout=10)),
                  grpc.StatusCode.UNKNOWN, msg)


def special_status_message():
    msg = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
    req = SimpleRequest()
    req.response_status.code = 2
    req.response_status.message = msg
    expect_status(lambda: stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse)(req, timeout=10),
                  grpc.StatusCode.UNKNOWN, msg)


def custom_metadata():
    md = (("x-grpc-test-echo-initial", "test_initial_metadata_value"),
          ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab"))
    req = SimpleRequest(response_size=314159)
    req.payload.body = bytes(271828)
    _, call = stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse).with_call(
        req, metadata=md, timeout=10)
    assert ("x-grpc-test-echo-initial", "test_initial_metadata_value") in call.initial_metadata()
    assert ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in call.trailing_metadata()
    s = StreamingOutputCallRequest()
    s.response_parameters.add(size=314159)
    s.payload.body = bytes(271828)
    bidi = stub("stream_stream", "FullDuplexCall", StreamingOutputCallRequest,
                StreamingOutputCallResponse)(iter([s]), metadata=md, timeout=10)
    assert [len(m.payload.body) for m in bidi] == [314159]
    assert ("x-grpc-test-echo-initial", "test_initial_metadata_value") in bidi.initial_metadata()
    assert ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in bidi.trailing_metadata()


def unimplemented_method():
    try:
        stub("unary_unary", "UnimplementedCall", Empty, Empty)(Empty(), timeout=10)
        raise AssertionError("no error")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code()


def unimplemented_service():
    try:
        channel.unary_unary("/grpc.testing.UnimplementedService/UnimplementedCall",
                            request_serializer=Empty.SerializeToString,
                            response_deserializer=Empty.FromString)(Empty(), timeout=10)
        raise AssertionError("no error")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code()


def client_compressed_unary():
    req = SimpleRequest(response_size=314159)
    req.payload.body = bytes(271828)
    req.expect_compressed.value = True
    try:
        stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse)(req, timeout=10)
        raise AssertionError("probe succeeded")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.code()
    r = stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse, gzip_channel)(req, timeout=10)
    assert len(r.payload.body) == 314159
    req.expect_compressed.value = False
    r = stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse)(req, timeout=10)
    assert len(r.payload.body) == 314159


def server_compressed_unary():
    for compressed in (True, False):
        req = SimpleRequest(response_size=314159)
        req.payload.body = bytes(271828)
        req.response_compressed.value = compressed
        r = stub("unary_unary", "UnaryCall", SimpleRequest, SimpleResponse)(req, timeout=10)
        assert len(r.payload.body) == 314159


CASES = [empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
         cancel_after_begin, cancel_after_first_response, timeout_on_sleeping_server,
         status_code_and_message, special_status_message, custom_metadata, unimplemented_method,
         unimplemented_service, client_compressed_unary, server_compressed_unary]

failed = 0
for case in CASES:
    if selected and case.__name__ not in selected:
        continue
    try:
        case()
        print("ok", case.__name__, flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
        failed += 1
        print("FAIL", case.__name__ + ":", type(e).__name__, e, flush=True)
sys.exit(1 if failed else 0)
