#!/usr/bin/env bash
# Flow benchmark: koban against nfdump on the same connections, same run.
# Usage: bench/flows.sh KOBAN [ROWS [PAIRS]]   (defaults 10,000,000 rows, PAIRS = ROWS)
#
#   input  bench/gen-conn.py: a Zeek conn.log of ROWS connections over one day
#          with PAIRS distinct (originator, responder) pairs, and the same
#          connections as NetFlow v5 packets (conn.log.nf5), kept in
#          bench/out/flows-ROWS-PAIRS/ for the next run.
#   koban  `koban flows import conn.log`, then `koban detect` (every
#          detector); CPU seconds and peak RSS of each, rows per CPU second.
#          While those commands are missing or fail, say so and go on.
#   peer   nfcapd (nfdump 1.7) collects the v5 packets replayed over
#          loopback (bench/nf-replay.py, paced; replayed again slower if a
#          record is lost), then nfdump computes the comparable aggregates:
#          top talkers (-s srcip/bytes), admin-port fan-out (-A srcip,dstport
#          over dst ports 22 135 445 3389 5985 5986), per-pair counts
#          (-A srcip,dstip). nfcapd's own CPU is printed apart: it is the
#          decoding that koban's import does, but it runs while the packets
#          arrive.
# Environment: NF_PPS (replay rate, packets/s, default 10000), NF_PORT
# (default 29000 + PID % 1000), DETECT_ARGS (extra arguments for detect).
set -eu
[ $# -ge 1 ] || { echo "usage: bench/flows.sh KOBAN [ROWS [PAIRS]]" >&2; exit 2; }
KOBAN=$1
ROWS=${2:-10000000}
PAIRS=${3:-$ROWS}
PPS=${NF_PPS:-10000}
PORT=${NF_PORT:-$((29000 + $$ % 1000))}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/out/flows-$ROWS-$PAIRS
mkdir -p "$out"
if [ ! -f "$out/conn.log" ] || [ ! -f "$out/conn.log.nf5" ]; then
	start=$(date +%s.%N)
	python3 "$here/gen-conn.py" "$out/conn.log" "$ROWS" "$PAIRS"
	echo "generated $out/conn.log and conn.log.nf5 in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
fi
cat >"$out/detect.conf" <<'EOF'
internal = 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16
timezone = Europe/Berlin
business_hours = Mon-Fri 08:00-18:00
admin_sources = 10.200.0.1
EOF
work=$(mktemp -d "$out/run.XXXXXX")
nfpid=
cleanup() {
	if [ -n "$nfpid" ]; then kill -TERM "$nfpid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# run LABEL CMD... -> status, wall, cpu (s), rss (KiB); output in $work/last.out
run() {
	local label=$1; shift
	status=0
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/last.out" 2>"$work/last.err" || status=$?
	read -r wall user sys rss < <(tail -n 1 "$work/t")
	cpu=$(python3 -c "print(round($user + $sys, 2))")
	printf '%-46s %8.2f s wall %8.2f s cpu %8.1f MiB peak%s\n' "$label" "$wall" "$cpu" \
		"$(python3 -c "print($rss/1024)")" "$([ "$status" = 0 ] || echo "  (exit $status)")"
}
calc() { python3 -c "print($1)"; }

echo "input: $ROWS connections, $PAIRS pairs; conn.log $(du -h "$out/conn.log" | cut -f1)," \
	"v5 $(du -h "$out/conn.log.nf5" | cut -f1)"
echo "machine: $(nproc) cores; $(uname -r); $(nfdump -V 2>&1 | head -n 1)"
echo

# ---- koban
k_ok=0
run "koban flows import conn.log" "$KOBAN" -q --db "$work/k.db" flows import "$out/conn.log"
if [ "$status" = 0 ]; then
	ki_cpu=$cpu ki_rss=$rss
	head -n 3 "$work/last.out" | sed 's/^/    | /'
	# shellcheck disable=SC2086
	run "koban detect" "$KOBAN" -q --db "$work/k.db" detect --config "$out/detect.conf" ${DETECT_ARGS:-}
	# detect exits 1 when it finds something.
	if [ "$status" -le 1 ]; then
		k_ok=1 kd_cpu=$cpu kd_rss=$rss
		k_cpu=$(calc "round($ki_cpu + $kd_cpu, 2)")
		k_rss=$((ki_rss > kd_rss ? ki_rss : kd_rss))
		echo "  koban  $(calc "f'{$ROWS/max($k_cpu, 0.01):,.0f}'") rows per cpu-second (import + detect," \
			"$k_cpu s), peak $(calc "round($k_rss/1024, 1)") MiB"
		head -n 5 "$work/last.out" | sed 's/^/    | /'
	else
		echo "  koban detect failed: $(head -n 2 "$work/last.err" | tr "\n" " ")"
	fi
else
	echo "  koban flows import failed: $(head -n 2 "$work/last.err" | tr "\n" " ")"
fi
rm -f "$work/k.db"*
echo

# ---- nfcapd + nfdump
nfdir=$work/nfcapd
received=0
attempt=0
while [ "$received" != "$ROWS" ] && [ $attempt -lt 3 ]; do
	attempt=$((attempt + 1))
	rm -rf "$nfdir"; mkdir -p "$nfdir"
	nfcapd -w "$nfdir" -b 127.0.0.1 -p "$PORT" -t 3600 -B 8388608 >"$work/nfcapd.log" 2>&1 &
	nfpid=$!
	for _ in $(seq 50); do grep -q "Startup" "$work/nfcapd.log" && break; sleep 0.1; done
	python3 "$here/nf-replay.py" "$out/conn.log.nf5" 127.0.0.1 "$PORT" "$PPS" 2>"$work/replay.log"
	sleep 1
	read -r nf_ut nf_st < <(awk '{print $14, $15}' "/proc/$nfpid/stat")
	nfc_rss=$(awk '/^VmHWM/ {print $2}' "/proc/$nfpid/status")
	kill -TERM "$nfpid"
	wait "$nfpid" || true
	nfpid=
	nfc_cpu=$(calc "round(($nf_ut + $nf_st) / $(getconf CLK_TCK), 2)")
	received=$(nfdump -R "$nfdir" -I | awk '$1 == "Flows:" {print $2}')
	received=${received:-0}
	used_pps=$PPS
	echo "replay at $PPS packets/s: $(sed 's/^nf-replay: //' "$work/replay.log"); nfcapd received $received of $ROWS records"
	if [ "$received" != "$ROWS" ]; then PPS=$((PPS / 2)); fi
done
printf '%-46s %8s   %8s   %8.2f s cpu %8.1f MiB peak\n' "nfcapd: receive and store (during the replay)" "" "" \
	"$nfc_cpu" "$(calc "$nfc_rss/1024")"
if [ "$received" != "$ROWS" ]; then echo "  nfcapd lost records even at $used_pps packets/s: the nfdump figures below are over $received"; fi

run "nfdump -s srcip/bytes (top talkers)" nfdump -R "$nfdir" -q -n 20 -s srcip/bytes
n1_cpu=$cpu n1_rss=$rss
run "nfdump -A srcip,dstport (admin ports)" nfdump -R "$nfdir" -q -A srcip,dstport \
	'dst port in [ 22 135 445 3389 5985 5986 ]'
n2_cpu=$cpu n2_rss=$rss n2_lines=$(wc -l <"$work/last.out")
run "nfdump -A srcip,dstip (per pair)" nfdump -R "$nfdir" -q -A srcip,dstip
n3_cpu=$cpu n3_rss=$rss n3_lines=$(wc -l <"$work/last.out")
rm -f "$work/last.out"
n_cpu=$(calc "round($n1_cpu + $n2_cpu + $n3_cpu, 2)")
n_rss=$(printf '%s\n' "$n1_rss" "$n2_rss" "$n3_rss" | sort -n | tail -n 1)
echo "  nfdump groups: $n2_lines (source, admin port), $n3_lines pairs"
echo "  nfdump $(calc "f'{$received/max($n_cpu, 0.01):,.0f}'") rows per cpu-second (three queries, $n_cpu s)," \
	"$(calc "f'{$received/max($n_cpu + $nfc_cpu, 0.01):,.0f}'") with nfcapd's; peak $(calc "round($n_rss/1024, 1)") MiB"
if [ $k_ok = 1 ]; then
	echo "  ratio koban/nfdump rows per cpu-second: $(calc "round(($ROWS/max($k_cpu, 0.01))/($received/max($n_cpu, 0.01)), 2)")x" \
		"($(calc "round(($ROWS/max($k_cpu, 0.01))/($received/max($n_cpu + $nfc_cpu, 0.01)), 2)")x with nfcapd);" \
		"peak RSS koban $(calc "round($k_rss/1024, 1)") MiB vs nfdump $(calc "round($n_rss/1024, 1)") MiB"
fi
