#!/usr/bin/env bash
# koban flows + koban detect end to end, on data the test writes: acme's two
# days of traffic (examples/acme/gen-flows.py) ranked with its detect.conf,
# the exit statuses, --host, --json and --csv, bad inputs named with their
# line, a file that fails leaving nothing behind, re-import replacing,
# delete, and the NetFlow collector on loopback.
set -u
KOBAN=$(realpath "$1")
SRC=$(realpath "$2")
work=$(mktemp -d)
trap 'kill $lp 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
export KOBAN_DB=$work/d.db
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }

python3 "$SRC/examples/acme/gen-flows.py" flows >/dev/null
"$KOBAN" -q ledger import "$SRC"/examples/acme/ledger/*.csv
"$KOBAN" -q iocs import "$SRC"/examples/acme/iocs/* 2>/dev/null
"$KOBAN" flows import flows/conn.log flows/dns.log flows/ssl.log >imp 2>err
check '[ $? = 0 ] && grep -q "3 of 3 files imported" imp' "import: $(cat imp err)"

"$KOBAN" --json detect --config flows/detect.conf >det.json 2>err
rc=$?
check '[ $rc = 1 ]' "detections above the threshold: exit 1 (got $rc): $(cat err)"
rank() { grep '"type":"host_rank"' det.json | grep "\"host\":\"$1\"" | grep -o '"rank":[0-9]*' | cut -d: -f2; }
poisson=$(rank 10.50.0.41); poisson=${poisson:-999}
for h in 10.50.0.23 10.50.0.77 10.50.0.66 10.50.0.88; do
	r=$(rank $h)
	check '[ -n "$r" ] && [ "$r" -lt "$poisson" ]' "$h ranks above the Poisson chatter (rank ${r:-none}, chatter $poisson)"
done
check '! grep -q "\"host\":\"10.50.0.41\",\"kind\":\"beacon\"" det.json' "Poisson chatter is not a beacon"
check 'grep -q "\"host\":\"10.50.0.23\",\"kind\":\"beacon\"" det.json' "the beacon"
check 'grep -q "\"host\":\"10.50.0.77\",\"kind\":\"console-off-hours\"" det.json' "the console at night"
check 'grep -q "\"host\":\"10.50.0.66\",\"kind\":\"lateral-fanout\"" det.json' "the fan-out"
check 'grep -q "\"host\":\"10.50.0.88\",\"kind\":\"staging\"" det.json' "the staged exfiltration"
check 'grep -q "\"host\":\"10.50.0.90\",\"kind\":\"uncommon-port\"" det.json' "port 5888"
check 'grep -q "\"kind\":\"ioc-contact\"" det.json' "the IOC contact"
check 'grep "\"kind\":\"beacon\"" det.json | grep -q "\"samples\":\"2026-11-20T"' "sample flows in NDJSON"

"$KOBAN" --csv detect --config flows/detect.conf --host 10.50.0.23 >one.csv 2>err
check '[ "$(tail -n +2 one.csv | cut -d, -f1 | sort -u)" = "10.50.0.23" ]' "--host keeps one host: $(cat one.csv err | head -3)"
"$KOBAN" detect --config flows/detect.conf --since 2026-11-19T02:00 --until 2026-11-19T04:00 >win.txt 2>err
check '! grep -q "beacon" win.txt && grep -q "detections" win.txt' "a window before the plants: no beacon: $(cat win.txt err | tail -3)"

"$KOBAN" detect --config flows/detect.conf --until 2026-11-20T06:00 >until.txt 2>err
check 'grep -q "from 2653 flows (36760 baseline)" until.txt' "--until alone: from the baseline's end: $(tail -1 until.txt) $(cat err)"

# bad inputs: a located error, nothing of the file kept, the others imported
printf 'timezone = Mars/Olympus\n' >bad.conf
"$KOBAN" detect --config bad.conf >/dev/null 2>err
rc=$?
check '[ $rc = 2 ] && grep -q "bad.conf:1" err' "a bad config: exit 2 with its line ($rc): $(cat err)"
head -20 flows/conn.log >broken.log
printf '1763596800.0\tCbad\t10.0.0.1\tx\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tS0\t-\t-\t0\tS\t1\t40\t0\t0\t-\n' >>broken.log
"$KOBAN" flows import broken.log flows/conn.log >imp2 2>err
rc=$?
check '[ $rc = 2 ] && grep -q "broken.log:21" err' "a bad row: exit 2, file and line named ($rc): $(cat err)"
check '! "$KOBAN" flows list | grep -q broken.log' "the bad file left nothing"
check 'grep -q "yes" imp2' "re-importing conn.log replaced it"
printf 'not a flow log\n' >words.txt
"$KOBAN" flows import words.txt >/dev/null 2>err
rc=$?
check '[ $rc = 2 ] && grep -q "expected a Zeek log" err' "an unknown format is named ($rc): $(cat err)"
"$KOBAN" flows delete flows/dns.log
check '! "$KOBAN" flows list | grep -q dns.log' "delete"

# the collector: three datagrams on loopback, one malformed
export KOBAN_DB=$work/l.db
port=$((20000 + $$ % 20000))
"$KOBAN" -q flows listen --packets 3 --for 20 127.0.0.1:$port >listen.out 2>listen.err &
lp=$!
sleep 0.5
python3 - "$port" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def v5(n, base):
    hdr = struct.pack('!HHIIIIBBH', 5, n, 100000, 1763600000, 0, 1, 0, 0, 0)
    return hdr + b''.join(struct.pack('!4s4s4sHHIIIIHHBBBBHHBBH', bytes([10, 0, 0, base + i]), bytes([192, 0, 2, 7]),
                                      bytes(4), 0, 0, 10, 1000, 99000, 99500, 40000 + i, 443, 0, 0x1b, 6, 0, 0, 0,
                                      24, 24, 0) for i in range(n))
for p in (v5(2, 1), b'\x00\x05garbage', v5(3, 10)):
    s.sendto(p, ('127.0.0.1', port))
    time.sleep(0.05)
PY
wait $lp
rc=$?
check '[ $rc = 0 ]' "listen exits 0 after --packets ($rc): $(cat listen.err)"
check 'grep -q "datagram 2" listen.err' "the malformed datagram is reported: $(cat listen.err)"
n=$("$KOBAN" --csv flows list | tail -n +2 | cut -d, -f3)
check '[ "$n" = 5 ]' "five NetFlow records kept (got $n)"
exit $fail
