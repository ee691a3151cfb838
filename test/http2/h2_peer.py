"""A python3-h2 peer for wirestack's HTTP/2 tests, sans-IO over a line protocol.

Run with /usr/bin/python3 (Debian's python3-h2). Usage: h2_peer.py client|server

Each line on stdin is the base64 of bytes from wirestack (possibly empty); after each one this
script answers with one line: the base64 of its own output, or `DONE <json>` when its scenario is
over. Exit status 3 means python3-h2 is missing.
"""
import base64
import hashlib
import json
import sys

try:
    import h2.config
    import h2.connection
    import h2.events
    import h2.errors
except ImportError:
    sys.stderr.write("python3-h2 is missing: apt-get install python3-h2 (and run /usr/bin/python3)\n")
    sys.exit(3)

BODY_SIZE = 3 * 1024 * 1024 + 123
BIG_SIZE = 2 * 1024 * 1024 + 7


def body_bytes(n, seed):
    block = bytes((i * 31 + seed) & 0xFF for i in range(4096))
    return (block * (n // 4096 + 1))[:n]


class Sender:
    """Sends queued bodies as flow control allows, then trailers or END_STREAM."""

    def __init__(self, conn):
        self.conn = conn
        self.queue = {}  # stream_id -> [bytes, offset, trailers or None]

    def add(self, stream_id, data, trailers=None):
        self.queue[stream_id] = [data, 0, trailers]

    def pump(self):
        for sid in list(self.queue):
            data, off, trailers = self.queue[sid]
            while off < len(data):
                window = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
                if window <= 0:
                    break
                chunk = data[off : off + window]
                self.conn.send_data(sid, chunk)
                off += len(chunk)
            self.queue[sid][1] = off
            if off >= len(data):
                if trailers:
                    self.conn.send_headers(sid, trailers, end_stream=True)
                else:
                    self.conn.end_stream(sid)
                del self.queue[sid]

    def drop(self, stream_id):
        self.queue.pop(stream_id, None)


def run(step):
    """Drives the line protocol; step(events) returns a result dict when done, else None."""
    for line in sys.stdin:
        data = base64.b64decode(line.strip()) if line.strip() else b""
        result = step(data)
        if result is not None:
            sys.stdout.write("DONE " + json.dumps(result) + "\n")
            sys.stdout.flush()
            return
        sys.stdout.flush()


def client():
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sender = Sender(conn)
    state = {"bodies": {}, "headers": {}, "trailers": {}, "ended": set(), "resets": {}, "phase": 0, "goaway": None}
    upload = body_bytes(BODY_SIZE, 1)
    req = lambda path, method: [(":method", method), (":scheme", "http"), (":authority", "wirestack.test"), (":path", path)]

    # Stream 1: a 3 MB upload with request trailers, echoed back with response trailers.
    conn.send_headers(1, req("/echo", "POST"))
    sender.add(1, upload, trailers=[("x-client-trailer", "yes")])
    # Stream 3: a 2 MB download.
    conn.send_headers(3, req("/big", "GET"), end_stream=True)
    # Stream 5: an upload the client cancels part-way.
    conn.send_headers(5, req("/echo", "POST"))
    conn.send_data(5, b"partial")
    # Stream 7: the server resets it.
    conn.send_headers(7, req("/reset", "GET"), end_stream=True)

    def step(data):
        events = conn.receive_data(data) if data else []
        for ev in events:
            if isinstance(ev, h2.events.ResponseReceived):
                state["headers"][ev.stream_id] = dict(ev.headers)
                if ev.stream_id == 5:
                    conn.reset_stream(5, h2.errors.ErrorCodes.CANCEL)
            elif isinstance(ev, h2.events.DataReceived):
                state["bodies"].setdefault(ev.stream_id, []).append(ev.data)
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                state["trailers"][ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.StreamEnded):
                state["ended"].add(ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                state["resets"][ev.stream_id] = int(ev.error_code)
            elif isinstance(ev, h2.events.ConnectionTerminated):
                state["goaway"] = int(ev.error_code)
        sender.pump()
        if state["phase"] == 0 and {1, 3} <= state["ended"] and 7 in state["resets"]:
            state["phase"] = 1
            conn.close_connection(error_code=0, last_stream_id=0)
        out = conn.data_to_send()
        if state["phase"] == 1 and not out:
            echoed = b"".join(state["bodies"].get(1, []))
            big = b"".join(state["bodies"].get(3, []))
            return {
                "echo_ok": echoed == upload,
                "echo_len": len(echoed),
                "echo_status": state["headers"].get(1, {}).get(":status"),
                "echo_trailers": state["trailers"].get(1),
                "big_len": len(big),
                "big_sha": hashlib.sha256(big).hexdigest(),
                "resets": state["resets"],
            }
        sys.stdout.write(base64.b64encode(out).decode() + "\n")
        return None

    # The client speaks first.
    sys.stdout.write(base64.b64encode(conn.data_to_send()).decode() + "\n")
    sys.stdout.flush()
    run(step)


def server():
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    conn.initiate_connection()
    sender = Sender(conn)
    state = {"requests": {}, "bodies": {}, "trailers": {}, "resets": {}, "goaway": None, "done": False}

    def respond(sid):
        path = state["requests"][sid].get(":path")
        if path == "/echo":
            body = b"".join(state["bodies"].get(sid, []))
            conn.send_headers(sid, [(":status", "200"), ("content-type", "application/octet-stream")])
            sender.add(sid, body, trailers=[("x-server-trailer", hashlib.sha256(body).hexdigest())])
        elif path == "/big":
            conn.send_headers(sid, [(":status", "200")])
            sender.add(sid, body_bytes(BIG_SIZE, 2))
        elif path == "/last":
            conn.send_headers(sid, [(":status", "204")], end_stream=True)
            conn.close_connection(error_code=0, last_stream_id=sid)
            state["done"] = True

    def step(data):
        events = conn.receive_data(data) if data else []
        for ev in events:
            if isinstance(ev, h2.events.RequestReceived):
                state["requests"][ev.stream_id] = dict(ev.headers)
                if dict(ev.headers).get(":path") == "/reset":
                    conn.reset_stream(ev.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
            elif isinstance(ev, h2.events.DataReceived):
                state["bodies"].setdefault(ev.stream_id, []).append(ev.data)
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                state["trailers"][ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.StreamEnded):
                if ev.stream_id in state["requests"]:
                    respond(ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                state["resets"][ev.stream_id] = int(ev.error_code)
                sender.drop(ev.stream_id)
            elif isinstance(ev, h2.events.ConnectionTerminated):
                state["goaway"] = int(ev.error_code)
        sender.pump()
        out = conn.data_to_send()
        if state["done"] and not out:
            return {
                "upload_lens": {str(k): len(b"".join(v)) for k, v in state["bodies"].items()},
                "request_trailers": {str(k): v for k, v in state["trailers"].items()},
                "resets": {str(k): v for k, v in state["resets"].items()},
            }
        sys.stdout.write(base64.b64encode(out).decode() + "\n")
        return None

    run(step)


def client_many():
    """60 concurrent streams with padded DATA, a 40 KB header (HEADERS + CONTINUATION), and
    SETTINGS_HEADER_TABLE_SIZE=0 so our encoder must send a dynamic table size update."""
    import h2.settings

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.HEADER_TABLE_SIZE: 0})
    state = {"acked": False, "started": False, "bodies": {}, "headers": {}, "ended": set(), "closing": False}
    ids = [1 + 2 * i for i in range(60)]

    def start():
        for i, sid in enumerate(ids):
            headers = [(":method", "POST"), (":scheme", "http"), (":authority", "wirestack.test"), (":path", "/echo")]
            headers.append(("x-index", str(i)))
            if i == 0:
                headers.append(("x-large", "v" * 40000))
            conn.send_headers(sid, headers)
            conn.send_data(sid, ("body-%d-" % i).encode() * 50, pad_length=17)
            conn.end_stream(sid)

    def step(data):
        events = conn.receive_data(data) if data else []
        for ev in events:
            if isinstance(ev, h2.events.SettingsAcknowledged):
                state["acked"] = True
            elif isinstance(ev, h2.events.ResponseReceived):
                state["headers"][ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                state["bodies"].setdefault(ev.stream_id, []).append(ev.data)
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                state["ended"].add(ev.stream_id)
        if state["acked"] and not state["started"]:
            state["started"] = True
            start()
        if state["started"] and not state["closing"] and set(ids) <= state["ended"]:
            state["closing"] = True
            conn.close_connection()
        out = conn.data_to_send()
        if state["closing"] and not out:
            ok = all(
                b"".join(state["bodies"].get(sid, [])) == ("body-%d-" % i).encode() * 50 for i, sid in enumerate(ids)
            )
            return {
                "streams": len(state["ended"]),
                "bodies_ok": ok,
                "x_index": [state["headers"][sid].get("x-index") for sid in ids],
                "large_len": len(state["headers"][1].get("x-large", "")),
                "table_size": conn.decoder.header_table_size,
            }
        sys.stdout.write(base64.b64encode(out).decode() + "\n")
        return None

    sys.stdout.write(base64.b64encode(conn.data_to_send()).decode() + "\n")
    sys.stdout.flush()
    run(step)


if __name__ == "__main__":
    {"client": client, "server": server, "client-many": client_many}[sys.argv[1]]()
