#!/usr/bin/env bash
# Exposure benchmark: ADVISORIES generated OSV records against COMPONENTS
# components (bench/gen-advisories.py; a power-law package popularity),
# plus an EPSS score for every CVE and a 1,500-entry KEV
# catalogue (bench/gen-feeds.py). Prints load time (advisories import), match
# time (koban exposure --csv, and the library alone: bench/exposure-run.c)
# and peak memory of each. Usage: bench/exposure.sh KOBAN [ADVISORIES COMPONENTS]
set -eu
KOBAN=$(realpath "$1")
NA=${2:-500000}
NC=${3:-100000}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/out/adv-$NA-$NC
[ -f "$out/ledger/components.csv" ] || python3 "$here/gen-advisories.py" "$out" "$NA" "$NC"
[ -f "$out/feeds/epss.csv" ] || python3 "$here/gen-feeds.py" "$out" "$NA"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
	local label=$1; shift
	# exit 1 means findings, not failure
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/out" || [ $? -eq 1 ]
	read -r wall user sys rss < <(tail -n 1 "$work/t") # after "Command exited with non-zero status"
	printf '%-40s %8.2f s wall %8.2f s cpu %8.1f MiB peak\n' "$label" "$wall" \
		"$(python3 -c "print($user + $sys)")" "$(python3 -c "print($rss/1024)")"
}
echo "input: $NA advisories, $NC components on $((NC / 10)) systems"
"$KOBAN" -q --db "$work/b.db" ledger import "$out/ledger/assets.csv" "$out/ledger/components.csv"
run "load: koban advisories import" "$KOBAN" -q --no-progress --db "$work/b.db" advisories import "$out/osv" \
	"$out/feeds/kev.json" "$out/feeds/epss.csv"
run "match: koban exposure --csv" "$KOBAN" --db "$work/b.db" exposure --csv
echo "  findings: $(($(wc -l <"$work/out") - 1)), $(wc -c <"$work/out") bytes of CSV"
runner=$(dirname "$KOBAN")/../../bench/exposure-run
if [ -x "$runner" ]; then
	run "match: the library alone (exposure-run)" "$runner" "$work/b.db"
	cat "$work/out"
fi
