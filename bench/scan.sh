#!/usr/bin/env bash
# Scan benchmark: koban's full nested scan of a generated tree of Java
# applications (bench/gen-tree.py, MEGABYTES of files, default 1,100) against
# `find ... | xargs -n 1 unzip -l`, which only lists the top-level archives
# (one archive per unzip: a second name would be read as a pattern).
# Prints wall time, CPU time and peak RSS of each, and the CPU ratio.
# Usage: bench/scan.sh KOBAN [MEGABYTES]
set -eu
KOBAN=$(realpath "$1")
MB=${2:-1100}
here=$(cd "$(dirname "$0")" && pwd)
tree=$here/out/tree-$MB
[ -d "$tree" ] || python3 "$here/gen-tree.py" "$tree" "$MB"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v unzip >/dev/null || { echo "unzip is needed: apt-get install unzip"; exit 2; }
cat "$tree"/*/*.* "$tree"/*/lib/* >/dev/null 2>&1 || true # warm the page cache for both
run() {
	local label=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err" || true
	read -r wall user sys rss < <(tail -n 1 "$work/t")
	cpu=$(python3 -c "print($user + $sys)")
	printf '%-44s %7.2f s wall %7.2f s cpu %8.1f MiB peak\n' "$label" "$wall" "$cpu" "$(python3 -c "print($rss/1024)")"
	echo "$cpu" >>"$work/cpu"
}
echo "tree: $(du -sm "$tree" | cut -f1) MiB, $(find "$tree" -type f | wc -l) files"
run "koban scan (every level, every archive)" "$KOBAN" --no-progress --csv scan "$tree"
echo "  $(grep -c log4j-core "$work/out") log4j-core copies, $(tail -n +2 "$work/out" | wc -l) rows"
run "find | xargs unzip -l (top level only)" sh -c "find '$tree' -type f \\( -name '*.jar' -o -name '*.war' -o -name '*.ear' \\) -print0 | xargs -0 -n 1 unzip -l"
k=$(sed -n 1p "$work/cpu"); u=$(sed -n 2p "$work/cpu")
python3 -c "print(f'CPU: koban / unzip -l = {$k / $u:.2f}')"
