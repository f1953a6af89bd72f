#!/usr/bin/env python3
"""Send the NetFlow packets of a .nf5 file (bench/gen-conn.py) over UDP.

nf-replay.py FILE HOST PORT [PPS]

FILE holds export packets, each preceded by its length (2 bytes, big
endian). They go to HOST:PORT in file order at PPS packets a second at most
(default 10,000: 300,000 v5 records a second), paced in bursts of 50
packets, so that a collector on the same machine (nfcapd) keeps up: its
socket buffer holds only so many packets. PPS 0: no pacing. Prints packets,
bytes and seconds to stderr.
"""
import socket
import struct
import sys
import time

BURST = 50


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: nf-replay.py FILE HOST PORT [PPS]")
    path, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pps = float(sys.argv[4]) if len(sys.argv) == 5 else 10000.0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((host, port))
    send = sock.send
    gap = BURST / pps if pps > 0 else 0.0
    packets = nbytes = 0
    start = time.monotonic()
    due = start
    rest = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            buf = rest + chunk
            off, end = 0, len(buf)
            while off + 2 <= end:
                n = struct.unpack_from(">H", buf, off)[0]
                if off + 2 + n > end:
                    break
                send(buf[off + 2:off + 2 + n])
                off += 2 + n
                packets += 1
                nbytes += n
                if gap and packets % BURST == 0:
                    due += gap
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            rest = buf[off:]
    if rest:
        sys.exit("nf-replay.py: %s: %d bytes of a truncated packet at the end" % (path, len(rest)))
    secs = time.monotonic() - start
    print("nf-replay: %d packets, %d bytes in %.2f s (%.0f packets/s)" % (packets, nbytes, secs, packets / max(secs, 1e-9)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
