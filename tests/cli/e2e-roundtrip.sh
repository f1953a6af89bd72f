#!/usr/bin/env bash
# Export -> import -> export gives the same ledger, in JSON and in CSV; and
# importing the same files twice never duplicates a row.
set -u
KOBAN=$(realpath "$1")
SRC=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
A="$SRC/examples/acme"

"$KOBAN" --db a.db triage "$A" >/dev/null
check '[ $? = 1 ]' "triage of acme reports findings"
"$KOBAN" --db a.db ledger set portal-web-01.acme.example 'notes=multi
line, "quoted", ünïcode' >/dev/null
"$KOBAN" --db a.db ledger export -o a.json
"$KOBAN" --db a.db ledger export --format csv -o a-csv

"$KOBAN" --db b.db ledger import -q a.json
"$KOBAN" --db b.db ledger export -o b.json
check 'cmp -s a.json b.json' "JSON round trip identical"

"$KOBAN" --db c.db ledger import -q a-csv/components.csv a-csv/interfaces.csv a-csv/assets.csv
"$KOBAN" --db c.db ledger export -o c.json
"$KOBAN" --db c.db ledger export --csv -o c-csv
check 'cmp -s a.json c.json' "CSV round trip identical (as JSON)"
for s in assets interfaces components; do
	check "cmp -s a-csv/$s.csv c-csv/$s.csv" "CSV sheet $s identical"
done

# Re-import: same counts, nothing duplicated.
before=$("$KOBAN" --db c.db ledger export | wc -c)
"$KOBAN" --db c.db ledger import -q a-csv/assets.csv a-csv/interfaces.csv a-csv/components.csv
"$KOBAN" --db c.db ledger import -q --asset portal-web-01.acme.example "$A/sboms/portal-web-01.acme.example.cdx.json"
"$KOBAN" --db c.db ledger import -q --asset portal-web-01.acme.example "$A/sboms/portal-web-01.acme.example.cdx.json"
"$KOBAN" --db c.db ledger export -o c2.json
check 'cmp -s c.json c2.json' "re-import changes nothing"
check '[ "$before" -gt 1000 ]' "export is not empty"
exit $fail
