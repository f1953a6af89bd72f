#!/usr/bin/env bash
# Golden CLI tests (after zstd's): each folder in cases/ holds
#   cmd            a shell snippet; $KOBAN is the binary, $SRC the source tree,
#                  and it runs in a fresh empty directory
#   stdout.exact   expected standard output (optional)
#   stderr.exact   expected standard error (optional)
#   exit           expected exit status (default 0)
# Set KOBAN_REGEN=1 to rewrite the expectations from the current output.
set -u
KOBAN=$(realpath "$1")
CASES=$(realpath "$2")/cases
SRC=$(realpath "$2/../..")
export KOBAN SRC
unset KOBAN_DB
pass=0 fail=0
for dir in "$CASES"/*/; do
	name=$(basename "$dir")
	work=$(mktemp -d)
	(cd "$work" && bash -c "$(cat "$dir/cmd")") >"$work/.out" 2>"$work/.err"
	rc=$?
	want_rc=$(cat "$dir/exit" 2>/dev/null || echo 0)
	ok=1
	if [ "${KOBAN_REGEN:-0}" = 1 ]; then
		cp "$work/.out" "$dir/stdout.exact"
		[ -s "$work/.err" ] && cp "$work/.err" "$dir/stderr.exact" || rm -f "$dir/stderr.exact"
		echo "$rc" >"$dir/exit"
	else
		[ "$rc" = "$want_rc" ] || { echo "$name: exit $rc, expected $want_rc"; ok=0; }
		if [ -f "$dir/stdout.exact" ] && ! diff -u "$dir/stdout.exact" "$work/.out"; then
			echo "$name: stdout differs"; ok=0
		fi
		if [ -f "$dir/stderr.exact" ] && ! diff -u "$dir/stderr.exact" "$work/.err"; then
			echo "$name: stderr differs"; ok=0
		fi
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); cat "$work/.err"; fi
	rm -rf "$work"
done
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
