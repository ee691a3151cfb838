"""The python3-hpack side of test/hpack/python-hpack.test.ts: one JSON request on stdin, one JSON
answer on stdout. Strings travel as hex so that every octet survives unchanged."""
import json
import sys

try:
    from hpack import Decoder, Encoder, NeverIndexedHeaderTuple
    from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH
    from hpack.table import HeaderTable
except ImportError as e:
    sys.stderr.write("python3-hpack is missing (%s): apt-get install python3-hpack\n" % e)
    sys.exit(3)


def table_of(header_table):
    return [[bytes(n).hex(), bytes(v).hex()] for n, v in header_table.dynamic_entries]


req = json.load(sys.stdin)
if req["mode"] == "decode":
    d = Decoder()
    d.max_header_list_size = 1 << 24
    out = {"lists": [], "tables": []}
    for block in req["blocks"]:
        fields = d.decode(bytes.fromhex(block), raw=True)
        out["lists"].append([[f[0].hex(), f[1].hex(), isinstance(f, NeverIndexedHeaderTuple)] for f in fields])
        out["tables"].append(table_of(d.header_table))
elif req["mode"] == "encode":
    e = Encoder()
    out = {"blocks": [], "tables": []}
    for item in req["items"]:
        if item.get("tableSize") is not None:
            e.header_table_size = item["tableSize"]
        headers = [(bytes.fromhex(n), bytes.fromhex(v), s) for n, v, s in item["list"]]
        out["blocks"].append(e.encode(headers, huffman=item["huffman"]).hex())
        out["tables"].append(table_of(e.header_table))
elif req["mode"] == "tables":
    out = {
        "codes": list(REQUEST_CODES),
        "lengths": list(REQUEST_CODES_LENGTH),
        "static": [[n.decode("latin1"), v.decode("latin1")] for n, v in HeaderTable.STATIC_TABLE],
    }
else:
    raise SystemExit("unknown mode")
json.dump(out, sys.stdout)
