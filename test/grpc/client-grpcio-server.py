"""A Python grpcio (gRPC C core) server implementing grpc.testing.TestService, for our client's tests.

Usage: /usr/bin/python3 client-grpcio-server.py DESCRIPTOR_SET
DESCRIPTOR_SET comes from `protoc --descriptor_set_out=FILE --include_imports grpc/testing/test.proto`;
message classes are built from it at run time and the service is a generic handler, so no
generated code is needed. Prints "listening on 127.0.0.1:PORT" once serving.
"""

import sys
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

fds = descriptor_pb2.FileDescriptorSet()
with open(sys.argv[1], "rb") as f:
    fds.ParseFromString(f.read())
pool = descriptor_pool.DescriptorPool()
for fd in fds.file:
    pool.Add(fd)
factory = message_factory.MessageFactory(pool)


def cls(name):
    return factory.GetPrototype(pool.FindMessageTypeByName("grpc.testing." + name))


Empty = cls("Empty")
SimpleRequest = cls("SimpleRequest")
SimpleResponse = cls("SimpleResponse")
StreamingInputCallRequest = cls("StreamingInputCallRequest")
StreamingInputCallResponse = cls("StreamingInputCallResponse")
StreamingOutputCallRequest = cls("StreamingOutputCallRequest")
StreamingOutputCallResponse = cls("StreamingOutputCallResponse")

CODES = {c.value[0]: c for c in grpc.StatusCode}


def echo_metadata(context):
    md = dict(context.invocation_metadata())
    if "x-grpc-test-echo-initial" in md:
        context.send_initial_metadata([("x-grpc-test-echo-initial", md["x-grpc-test-echo-initial"])])
    if "x-grpc-test-echo-trailing-bin" in md:
        context.set_trailing_metadata([("x-grpc-test-echo-trailing-bin", md["x-grpc-test-echo-trailing-bin"])])


def fail_with(context, status):
    context.set_code(CODES[status.code])
    context.set_details(status.message)


def empty_call(request, context):
    return Empty()


def unary_call(request, context):
    echo_metadata(context)
    if request.response_status.code != 0:
        fail_with(context, request.response_status)
        return SimpleResponse()
    if request.HasField("response_compressed") and request.response_compressed.value:
        context.set_compression(grpc.Compression.Gzip)
    resp = SimpleResponse()
    resp.payload.body = b"\0" * request.response_size
    return resp


def streaming_output_call(request, context):
    for p in request.response_parameters:
        if p.interval_us:
            time.sleep(p.interval_us / 1e6)
        resp = StreamingOutputCallResponse()
        resp.payload.body = b"\0" * p.size
        yield resp


def streaming_input_call(request_iterator, context):
    total = sum(len(r.payload.body) for r in request_iterator)
    return StreamingInputCallResponse(aggregated_payload_size=total)


def full_duplex_call(request_iterator, context):
    echo_metadata(context)
    for request in request_iterator:
        if request.response_status.code != 0:
            fail_with(context, request.response_status)
            return
        for p in request.response_parameters:
            resp = StreamingOutputCallResponse()
            resp.payload.body = b"\0" * p.size
            yield resp


def rpc(kind, fn, req, resp):
    return getattr(grpc, kind + "_rpc_method_handler")(
        fn, request_deserializer=req.FromString, response_serializer=resp.SerializeToString
    )


handler = grpc.method_handlers_generic_handler(
    "grpc.testing.TestService",
    {
        "EmptyCall": rpc("unary_unary", empty_call, Empty, Empty),
        "UnaryCall": rpc("unary_unary", unary_call, SimpleRequest, SimpleResponse),
        "StreamingOutputCall": rpc(
            "unary_stream", streaming_output_call, StreamingOutputCallRequest, StreamingOutputCallResponse
        ),
        "StreamingInputCall": rpc(
            "stream_unary", streaming_input_call, StreamingInputCallRequest, StreamingInputCallResponse
        ),
        "FullDuplexCall": rpc(
            "stream_stream", full_duplex_call, StreamingOutputCallRequest, StreamingOutputCallResponse
        ),
    },
)

server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(f"listening on 127.0.0.1:{port}", flush=True)
server.wait_for_termination()
