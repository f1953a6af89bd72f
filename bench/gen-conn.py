#!/usr/bin/env python3
"""Generate the flow benchmark's input: one day of connections, twice.

gen-conn.py OUTFILE ROWS [PAIRS]

OUTFILE: a Zeek 6 conn.log (TSV, the usual 21 columns) of ROWS connections
over 2026-11-19 (UTC), rows in time order, unique uids. PAIRS distinct
(originator, responder) pairs, default ROWS: every row its own pair, the
worst case for per-pair state. With fewer pairs the rows go round the
pairs in a scrambled order, each pair ROWS/PAIRS times. Originators are internal (10.200.0.0/16, up to 60,000 of them);
responders are public (44.0.0.0-47.255.255.255) or, for one pair in five,
internal (10.0.0.0/8) on admin and directory ports (22, 88, 135, 389, 445,
3389, 5985, 5986, 53/udp, 8080).

OUTFILE.nf5: the same connections as NetFlow v5, one record per row (src =
originator, the originator's packets and IP bytes), 30 records to a packet,
each packet (24-byte header + records, as it goes on the wire) preceded by
its length as 2 bytes big-endian; bench/nf-replay.py sends them. sysUptime
counts from 2026-11-18 23:00 UTC; a packet's export time is one second after
the end of its last flow.

Deterministic (random.Random(1) builds the tables; rows index them).
Built in chunks of 51,000 rows: about 6 us a row, a minute for 10,000,000.
"""
import math
import os
import random
import struct
import sys

T0 = 1795046400  # 2026-11-19T00:00:00Z
BOOT = T0 - 3600
SPAN = 86400.0
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHUNK = 30 * 1700  # whole v5 packets
MAX_ORIGS = 60000
MAX_PAIRS = 1 << 24
UID_SPACE = 238328 ** 2  # 62^6: the uid's last six characters, a permutation of the row number

FIELDS = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state "
          "local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents")
TYPES = ("time string addr port addr port enum string interval count count string bool bool count string count "
         "count count count set[string]")

# (port, proto, service, weight)
EXTERNAL = [(443, "tcp", "ssl", 75), (80, "tcp", "http", 12), (123, "udp", "ntp", 3), (8443, "tcp", "ssl", 3),
            (22, "tcp", "ssh", 2), (0, "tcp", "-", 5)]
INTERNAL = [(445, "tcp", "smb,krb,gssapi", 25), (3389, "tcp", "rdp", 10), (22, "tcp", "ssh", 10),
            (135, "tcp", "dce_rpc", 10), (5985, "tcp", "http", 5), (5986, "tcp", "ssl", 2), (389, "tcp", "ldap_tcp", 10),
            (88, "tcp", "krb_tcp", 8), (53, "udp", "dns", 15), (8080, "tcp", "http", 5)]
TCP_FLAGS = {"SF": 0x1b, "S0": 0x02, "REJ": 0x02, "RSTO": 0x1e, "RSTR": 0x1a}


def npk(n):
    return (n + 1447) // 1448


def profiles(rnd, table, local_resp, n=4096):
    """n connection shapes: (resp port, conn.log columns from proto on,
    v5 prot, tcp flags, packets, IP bytes, duration in ms)."""
    ports = [p for p, _, _, w in table for _ in range(w)]
    by_port = {p: (proto, svc) for p, proto, svc, _ in table}
    out = []
    for _ in range(n):
        port = rnd.choice(ports)
        proto, svc = by_port[port]
        if port == 0:
            port = rnd.randint(1024, 65000)
        if proto == "udp":
            ob, rb = rnd.randint(40, 120), rnd.randint(40, 400)
            dur = rnd.uniform(0.0003, 0.05)
            if rnd.random() < 0.05:
                cols = "udp\t%s\t-\t-\t-\tS0\tT\t%s\t0\tD\t1\t%d\t0\t0\t-" % (svc, local_resp, ob + 28)
                out.append((port, cols, 17, 0, 1, ob + 28, 0))
            else:
                cols = "udp\t%s\t%.6f\t%d\t%d\tSF\tT\t%s\t0\tDd\t1\t%d\t1\t%d\t-" % (svc, dur, ob, rb, local_resp, ob + 28,
                                                                                  rb + 28)
                out.append((port, cols, 17, 0, 1, ob + 28, int(dur * 1000)))
            continue
        x = rnd.random()
        state = "SF" if x < 0.9 else "S0" if x < 0.94 else "REJ" if x < 0.97 else "RSTO" if x < 0.985 else "RSTR"
        if state == "S0":
            cols = "tcp\t-\t-\t-\t-\tS0\tT\t%s\t0\tS\t1\t52\t0\t0\t-" % local_resp
            out.append((port, cols, 6, TCP_FLAGS[state], 1, 52, 0))
            continue
        if state == "REJ":
            dur = rnd.uniform(0.0002, 0.002)
            cols = "tcp\t-\t%.6f\t0\t0\tREJ\tT\t%s\t0\tSr\t1\t52\t1\t40\t-" % (dur, local_resp)
            out.append((port, cols, 6, TCP_FLAGS[state], 1, 52, int(dur * 1000)))
            continue
        ob = int(rnd.lognormvariate(7.5, 1.0))
        rb = int(rnd.lognormvariate(9.5, 1.8))
        dur = min(rnd.lognormvariate(1.0, 1.5) + rb / 5e6, 3000.0)
        opk = 2 + npk(ob) + max(1, npk(rb) // 2)
        rpk = 2 + npk(rb) + npk(ob) // 2
        hist = {"SF": "ShADadFf", "RSTO": "ShADadR", "RSTR": "ShADadr"}[state]
        cols = "tcp\t%s\t%.6f\t%d\t%d\t%s\tT\t%s\t0\t%s\t%d\t%d\t%d\t%d\t-" % (
            svc, dur, ob, rb, state, local_resp, hist, opk, ob + opk * 52 + 8, rpk, rb + rpk * 52 + 8)
        out.append((port, cols, 6, TCP_FLAGS[state], opk, ob + opk * 52 + 8, int(dur * 1000)))
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: gen-conn.py OUTFILE ROWS [PAIRS]")
    path, rows = sys.argv[1], int(sys.argv[2])
    pairs = int(sys.argv[3]) if len(sys.argv) == 4 else rows
    if not 0 < pairs <= MAX_PAIRS or not 0 < rows <= UID_SPACE:
        sys.exit("gen-conn.py: need 0 < PAIRS <= %d and 0 < ROWS" % MAX_PAIRS)
    rnd = random.Random(1)
    norig = max(1, min(MAX_ORIGS, pairs // 10))
    origs = ["10.200.%d.%d" % (o >> 8, o & 255) for o in range(norig)]
    origs_i = [(10 << 24) | (200 << 16) | o for o in range(norig)]
    ext = profiles(rnd, EXTERNAL, "F")
    intl = profiles(rnd, INTERNAL, "T")
    tails = ["".join(rnd.choice(B62) for _ in range(11)) for _ in range(4096)]
    t3 = [a + b + c for a in B62 for b in B62 for c in B62]
    step = SPAN / rows
    hdr = struct.Struct(">HHIIIIBBH")
    rec = struct.Struct(">IIIHHIIIIHHxBBBHHBBxx")
    plen = struct.Struct(">H")
    mult = 2654435761 % pairs or 1  # coprime with pairs: any `pairs` consecutive rows cover every pair
    while math.gcd(mult, pairs) != 1:
        mult += 1
    seq = 0
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w") as f, open(tmp + ".nf5", "wb") as nf:
        f.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
                "#open\t2026-11-19-00-00-05\n#fields\t%s\n#types\t%s\n" % (FIELDS.replace(" ", "\t"),
                                                                        TYPES.replace(" ", "\t")))
        for c0 in range(0, rows, CHUNK):
            c1 = min(rows, c0 + CHUNK)
            lines = []
            pkt = []
            out = bytearray()
            last_end = 0.0
            for i in range(c0, c1):
                p = (i * mult + 7) % pairs
                o = p % norig
                r = (p * 0x9E3779 + 0x5A5A5A) & 0xFFFFFF
                r ^= r >> 12
                if p % 5 == 0:
                    prof = intl[(i * 2654435761 >> 7) & 4095]
                    ri = (10 << 24) | r
                else:
                    prof = ext[(i * 2654435761 >> 7) & 4095]
                    ri = ((44 + (r >> 22)) << 24) | ((r >> 16 & 63) << 16) | (r & 0xFFFF)
                rs = "%d.%d.%d.%d" % (ri >> 24, ri >> 16 & 255, ri >> 8 & 255, ri & 255)
                ts = T0 + (i + (i * 0.6180339887) % 1.0) * step
                sport = 49152 + ((i * 40503 + 12345) & 0x3FFF)
                port, cols, prot, flags, dpk, doct, dms = prof
                k = i * 2654435761 % UID_SPACE
                lines.append("%.6f\tC%s%s%s\t%s\t%d\t%s\t%d\t%s" % (
                    ts, tails[i & 4095], t3[k // 238328], t3[k % 238328], origs[o], sport, rs, port, cols))
                first = int((ts - BOOT) * 1000)
                pkt.append(rec.pack(origs_i[o], ri, 0, 0, 0, dpk, doct, first, first + dms, sport, port, flags,
                                    prot, 0, 0, 0, 0, 0))
                end = ts + dms / 1000.0
                if end > last_end:
                    last_end = end
                if len(pkt) == 30 or i == rows - 1:
                    export = int(last_end) + 1
                    body = hdr.pack(5, len(pkt), (export - BOOT) * 1000, export, 0, seq, 0, 0, 0) + b"".join(pkt)
                    out += plen.pack(len(body))
                    out += body
                    seq += len(pkt)
                    pkt = []
                    last_end = 0.0
            f.write("\n".join(lines))
            f.write("\n")
            nf.write(out)
            if pkt:
                sys.exit("gen-conn.py: internal error: chunk does not end on a packet")
        f.write("#close\t2026-11-20-00-00-05\n")
    os.replace(tmp + ".nf5", path + ".nf5")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
