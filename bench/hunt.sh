#!/usr/bin/env bash
# Hunt benchmark (issue 5): a generated access log of MEGABYTES (default 500)
# with planted Log4Shell payloads and IOC lines, and IOCS indicators (default
# 100,000; bench/gen-access-log.py). In one run: koban hunt with Log4Shell and
# the IOCs on, `grep -F -f` and `rg -F -f` with the same IOCs, `grep -P` with
# the widely published Log4Shell regex; then the same log gzip-compressed
# against igzip decompressing alone. Prints CPU time, MB/s per CPU second, the
# ratios, and how many of the planted lines each found.
# (Written ahead of `koban hunt`, issue 5: the command and its options are
# what the issue names; the script is checked when the command lands.)
# Usage: bench/hunt.sh KOBAN [MEGABYTES [IOCS]]
set -eu
KOBAN=$(realpath "$1")
MB=${2:-500}
NI=${3:-100000}
here=$(cd "$(dirname "$0")" && pwd)
d=$here/out/hunt-$MB-$NI
[ -f "$d/access.log" ] || python3 "$here/gen-access-log.py" "$d" "$MB" "$NI"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$d/access.log
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null
REGEX='(?i)\$\{jndi:(ldap[s]?|rmi|dns|nis|iiop|corba|nds|http):/'
run() {
	local label=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err" || true
	read -r wall user sys rss < <(tail -n 1 "$work/t")
	cpu=$(python3 -c "print($user + $sys)")
	printf '%-40s %7.2f s wall %7.2f s cpu %8.0f MB/s/cpu %7.1f MiB\n' "$label" "$wall" "$cpu" \
		"$(python3 -c "print($bytes / 1e6 / max($cpu, 0.001))")" "$(python3 -c "print($rss/1024)")"
	echo "$cpu" >>"$work/cpus"
}
planted() { sed -n "s/^$1 [0-9]* //p" "$d/planted.txt" | tr ' ' '\n' | grep -c . ; }
found() { # line numbers in $work/out (first field before ':') that are planted of kind $1
	python3 - "$d/planted.txt" "$1" "$work/lines" <<'PY'
import sys
want = set()
for l in open(sys.argv[1]):
    k, n, *rest = l.split()
    if k == sys.argv[2]:
        want = set(map(int, rest))
got = set(int(x) for x in open(sys.argv[3]).read().split())
print(f"{len(want & got)} of {len(want)} planted {sys.argv[2]} lines")
PY
}
echo "input: $((bytes / 1048576)) MiB, $(wc -l <"$log") lines, $NI IOCs"
run "koban iocs import ($NI)" "$KOBAN" -q --db "$work/h.db" iocs import "$d/iocs.txt"
run "koban hunt (Log4Shell + IOCs)" "$KOBAN" --no-progress --db "$work/h.db" --csv hunt "$log"
python3 -c "import csv,sys; r=csv.DictReader(open('$work/out')); print('\n'.join(x['line'] for x in r))" >"$work/lines"
echo "  $(found log4shell); $(found ioc)"
run "grep -F -f iocs.txt" grep -n -F -f "$d/iocs.txt" "$log"
cut -d: -f1 "$work/out" >"$work/lines"; echo "  $(found ioc)"
run "rg -F -f iocs.txt" rg -n -F -f "$d/iocs.txt" "$log"
cut -d: -f1 "$work/out" >"$work/lines"; echo "  $(found ioc)"
run "grep -P (published Log4Shell regex)" grep -n -P "$REGEX" "$log"
cut -d: -f1 "$work/out" >"$work/lines"; echo "  $(found log4shell)"
python3 - "$work/cpus" <<'PY'
import sys
c = [float(x) for x in open(sys.argv[1])]
print(f"CPU: grep -F / koban = {c[2] / c[1]:.1f}x, rg -F / koban = {c[3] / c[1]:.1f}x, grep -P / koban = {c[4] / c[1]:.1f}x")
PY
[ -f "$log.gz" ] || gzip -c "$log" >"$log.gz"
if command -v igzip >/dev/null; then
	run "igzip -dc (decompression alone)" igzip -dc "$log.gz"
else
	run "gzip -dc (decompression alone)" gzip -dc "$log.gz"
fi
run "koban hunt access.log.gz" "$KOBAN" --no-progress --db "$work/h.db" --csv hunt "$log.gz"
