#!/usr/bin/env bash
# Ledger import benchmark: koban against sqlite3's own CSV import, same input,
# same run. Prints components/s, CPU seconds and peak memory of each, and the
# ratio. Usage: bench/ledger-import.sh KOBAN [ASSETS COMPONENTS]
#
#   1. CSV: assets.csv (100,000 assets, 2 interfaces each) then components.csv
#      (1,000,000 components as asset,purl rows) into a fresh store;
#      peer: `sqlite3 .import components.csv` into a plain table.
#   2. CycloneDX: the same 1,000,000 components as 100 SBOMs of 10,000 in a
#      bundle triaged by one `koban triage` (with the 100,000-asset sheet), and
#      as one SBOM of 1,000,000 components attached to one asset.
#   3. Memory: the same CSV and SBOM imports at a tenth and at twice the size;
#      peak RSS must not grow with the input once the page cache is full.
set -eu
KOBAN=$(realpath "$1")
NA=${2:-100000}
NC=${3:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/out/$NA-$NC
small=$here/out/$((NA / 10))-$((NC / 10))
[ -f "$out/sbom.cdx.json" ] || python3 "$here/gen-ledger.py" "$out" "$NA" "$NC" 100
[ -f "$small/sbom.cdx.json" ] || python3 "$here/gen-ledger.py" "$small" $((NA / 10)) $((NC / 10)) 100
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run LABEL CMD... -> sets wall, cpu, rss (KiB)
run() {
	local label=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null
	read -r wall user sys rss <"$work/t"
	cpu=$(python3 -c "print(round($user + $sys, 2))")
	printf '%-44s %8.2f s wall %8.2f s cpu %8.1f MiB peak\n' "$label" "$wall" "$cpu" "$(python3 -c "print($rss/1024)")"
}
rate() { python3 -c "print(f'{$1/$2:,.0f}')"; }

echo "input: $NA assets, $NC components ($(du -h "$out/components.csv" | cut -f1) CSV, $(du -h "$out/sbom.cdx.json" | cut -f1) CycloneDX)"
echo "machine: $(nproc) cores; $(uname -r)"
echo

run "koban ledger import assets.csv" "$KOBAN" -q --db "$work/k.db" ledger import "$out/assets.csv"
run "koban ledger import components.csv" "$KOBAN" -q --db "$work/k.db" ledger import "$out/components.csv"
k_wall=$wall k_cpu=$cpu k_rss=$rss
run "sqlite3 .import components.csv (peer)" sqlite3 "$work/p.db" -cmd ".mode csv" ".import $out/components.csv comp"
p_wall=$wall p_cpu=$cpu
echo "  koban  $(rate "$NC" "$k_wall") components/s (wall), $(rate "$NC" "$k_cpu") per cpu-second"
echo "  sqlite3 $(rate "$NC" "$p_wall") rows/s (wall), $(rate "$NC" "$p_cpu") per cpu-second"
echo "  ratio koban/sqlite3: wall $(python3 -c "print(round($k_wall/$p_wall, 2))")x, cpu $(python3 -c "print(round($k_cpu/$p_cpu, 2))")x"
echo

# A bundle: the assets sheet and 100 SBOMs, imported by one `koban triage`
# (the main job), which also prints its report.
mkdir -p "$work/bundle/ledger"
ln -s "$out/assets.csv" "$work/bundle/ledger/assets.csv"
ln -s "$out/sboms" "$work/bundle/sboms"
run "koban triage: assets + 100 SBOMs x $((NC / 100))" "$KOBAN" -q --db "$work/t.db" triage "$work/bundle"
echo "  koban  $(rate "$NC" "$wall") SBOM components/s (wall, including the $NA assets)"
# The same SBOMs with a ledger of just the 100 assets they describe: the SBOM
# import alone.
mkdir -p "$work/sbom-only/ledger"
head -n 101 "$out/assets.csv" >"$work/sbom-only/ledger/assets.csv"
ln -s "$out/sboms" "$work/sbom-only/sboms"
run "koban triage: 100 assets + 100 SBOMs x $((NC / 100))" "$KOBAN" -q --db "$work/t2.db" triage "$work/sbom-only"
echo "  koban  $(rate "$NC" "$wall") SBOM components/s (wall), $(rate "$NC" "$cpu") per cpu-second"
printf 'name,category\nbench-app,internal\n' >"$work/one.csv"
"$KOBAN" -q --db "$work/one.db" ledger import "$work/one.csv"
run "koban import 1 SBOM x $NC" "$KOBAN" -q --db "$work/one.db" ledger import --asset bench-app "$out/sbom.cdx.json"
big_sbom_rss=$rss
echo "  koban  $(rate "$NC" "$wall") components/s (wall), $(rate "$NC" "$cpu") per cpu-second"
echo

# Memory: peak RSS at a tenth, once and twice the input. SQLite's page cache
# (64 MiB, a constant) fills up on the way to the full size; past that, peak
# memory must stay flat. The doubled inputs repeat every row (upserts).
"$KOBAN" -q --db "$work/m.db" ledger import "$small/assets.csv"
run "memory: components.csv at 1/10 size" "$KOBAN" -q --db "$work/m.db" ledger import "$small/components.csv"
small_csv_rss=$rss
{ cat "$out/components.csv"; tail -n +2 "$out/components.csv"; } >"$work/components2x.csv"
run "memory: components.csv at 2x size" "$KOBAN" -q --db "$work/k.db" ledger import "$work/components2x.csv"
big2_csv_rss=$rss
"$KOBAN" -q --db "$work/m1.db" ledger import "$work/one.csv"
run "memory: 1 SBOM at 1/10 size" "$KOBAN" -q --db "$work/m1.db" ledger import --asset bench-app "$small/sbom.cdx.json"
small_sbom_rss=$rss
{ head -n -1 "$out/sbom.cdx.json"; echo ","; tail -n +2 "$out/sbom.cdx.json"; } >"$work/sbom2x.cdx.json"
run "memory: 1 SBOM at 2x size" "$KOBAN" -q --db "$work/one.db" ledger import --asset bench-app "$work/sbom2x.cdx.json"
big2_sbom_rss=$rss
mib() { python3 -c "print(round($1/1024, 1))"; }
echo "  peak MiB at 1/10, 1x, 2x: CSV $(mib $small_csv_rss), $(mib $k_rss), $(mib $big2_csv_rss);" \
     "SBOM $(mib $small_sbom_rss), $(mib $big_sbom_rss), $(mib $big2_sbom_rss)"
