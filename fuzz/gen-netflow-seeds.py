#!/usr/bin/env python3
# Writes fuzz/seeds/netflow/: inputs for fuzz-netflow.c, each a series of
# packets as (exporter byte, 2-byte big-endian length, packet).
# Usage: fuzz/gen-netflow-seeds.py [DIR]
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds", "netflow")
os.makedirs(out, exist_ok=True)


def frame(exporter, pkt):
    return bytes([exporter]) + struct.pack(">H", len(pkt)) + pkt


def ip(a, b, c, d):
    return bytes([a, b, c, d])


def v5(records, uptime=100000, secs=1700000000):
    hdr = struct.pack(">HHIIIIBBH", 5, len(records), uptime, secs, 500000000, 1, 0, 0, 0)
    body = b""
    for src, dst, sport, dport, proto, first, last in records:
        body += src + dst + ip(0, 0, 0, 0) + struct.pack(">HHIIII", 1, 2, 3, 1500, first, last)
        body += struct.pack(">HHBBBBHHBBH", sport, dport, 0, 0x1b, proto, 0, 0, 0, 24, 24, 0)
    return hdr + body


def set_(sid, body, pad=0):
    body += b"\0" * pad
    return struct.pack(">HH", sid, len(body) + 4) + body


def tmpl(tid, fields, v9=False, options_scope=None):
    """fields: (ie, len) or (ie, len, pen)."""
    b = struct.pack(">HH", tid, len(fields))
    if options_scope is not None:
        b += struct.pack(">H", options_scope)
    for f in fields:
        if len(f) == 3:
            b += struct.pack(">HHI", f[0] | 0x8000, f[1], f[2])
        else:
            b += struct.pack(">HH", f[0], f[1])
    return b


def v9(sets, uptime=50000, secs=1700000000, source=1):
    return struct.pack(">HHIIII", 9, len(sets), uptime, secs, 1, source) + b"".join(sets)


def ipfix(sets, export=1700000000, domain=1):
    body = b"".join(sets)
    return struct.pack(">HHIII", 10, 16 + len(body), export, 1, domain) + body


V9_FIELDS = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (1, 4), (2, 8), (22, 4), (21, 4)]


def v9_record(n):
    return ip(172, 16, 0, n) + ip(198, 51, 100, 7) + struct.pack(">HHBBIQII", 50000 + n, 22, 6, 2, 1000, 3, 40000, 45000)


seeds = {}
seeds["v5.bin"] = frame(0, v5([(ip(10, 0, 0, 1), ip(192, 0, 2, 80), 49152, 443, 6, 90000, 99000),
                               (ip(10, 0, 0, 2), ip(192, 0, 2, 1), 0, 0x0303, 1, 95000, 95000)]))

# v9: data before its template, then the template, an options template and its data, more data
late = v9([set_(256, v9_record(1) + v9_record(2))])
opts = struct.pack(">HHH", 257, 4, 4) + struct.pack(">HHHH", 1, 4, 34, 4)
full = v9([set_(0, tmpl(256, V9_FIELDS)), set_(1, opts, pad=2), set_(257, struct.pack(">II", 1, 100)),
           set_(256, v9_record(3), pad=2)], uptime=60000)
seeds["v9.bin"] = frame(0, late) + frame(0, full) + frame(1, v9([set_(256, v9_record(4))]))

# IPFIX: enterprise, variable-length and biflow fields, times, withdrawal, options
fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 8), (2, 4), (1, 8, 29305), (2, 4, 29305),
          (100, 2, 2636), (82, 65535), (152, 8), (153, 8), (136, 1)]
rec = (ip(10, 0, 0, 1) + ip(10, 0, 0, 2) + struct.pack(">HHBQI", 1234, 80, 6, 100, 2) + struct.pack(">QI", 5000, 4)
       + b"\xaa\xbb" + b"\x03eth" + struct.pack(">QQB", 1700000000123, 1700000002623, 2))
rec_long = (ip(10, 0, 0, 3) + ip(10, 0, 0, 4) + struct.pack(">HHBQI", 1, 2, 17, 1, 1) + struct.pack(">QI", 0, 0)
            + b"\0\0" + b"\xff\x01\x00" + b"x" * 256 + struct.pack(">QQB", 0, 0, 1))
p1 = ipfix([set_(2, tmpl(300, fields)), set_(300, rec + rec_long, pad=3),
            set_(3, tmpl(301, [(149, 4), (160, 8)], options_scope=1)), set_(301, struct.pack(">IQ", 1, 1699990000000))])
p2 = ipfix([set_(2, struct.pack(">HH", 300, 0)), set_(300, rec)])
p3 = ipfix([set_(2, tmpl(302, [(27, 16), (28, 16), (4, 1), (139, 2), (160, 8), (22, 4), (21, 4)])),
            set_(302, b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\1" + b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\2"
                 + struct.pack(">BHQII", 58, 0x8000, 1699990000000, 10000000, 10001000))], domain=2)
seeds["ipfix.bin"] = frame(0, p1) + frame(0, p2) + frame(2, p3) + frame(0, ipfix([set_(2, tmpl(300, fields))]))

# the same template ID, two exporters, two layouts; all-templates withdrawal
a = ipfix([set_(2, tmpl(256, [(8, 4), (12, 4), (1, 4)])), set_(256, ip(1, 1, 1, 1) + ip(2, 2, 2, 2) + b"\0\0\1\0")])
b = ipfix([set_(2, tmpl(256, [(12, 4), (8, 4), (7, 2), (11, 2)])), set_(256, ip(1, 1, 1, 1) + ip(2, 2, 2, 2) + b"\1\2\3\4")])
w = ipfix([set_(2, struct.pack(">HH", 2, 0), pad=0), set_(256, ip(1, 1, 1, 1) + ip(2, 2, 2, 2) + b"\0\0\1\0")])
seeds["ipfix-exporters.bin"] = frame(0, a) + frame(1, b) + frame(0, w) + frame(1, b)

for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
