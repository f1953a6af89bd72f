#!/usr/bin/env bash
# Bad input, end to end: a malformed CSV row, an unknown category, an SBOM that
# is not JSON, a component with no name. Each must be reported as
# file:line[:column] with what was expected, leave nothing from that file in
# the store, not stop the other files, and make the exit status 2.
set -u
KOBAN=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }

cat > good.csv <<'CSV'
name,category,technical_owner,interfaces,components
shop-01,external,Ann <ann@example.com>,"management 203.0.113.9:443/tcp",pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1
shop-02,internal,Bob <bob@example.com>,,
CSV
# line 3 has a field too few
cat > malformed.csv <<'CSV'
name,category,technical_owner
ok-01,internal,Ann
broken-01,internal
CSV
# line 2 column 2 is not a category
cat > category.csv <<'CSV'
name,category
dmz-01,dmz-ish
CSV
printf 'this is not JSON\n' > shop-01.cdx.json
cat > noname.cdx.json <<'JSON'
{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "components": [
    { "type": "library", "name": "ok-lib", "version": "1.0" },
    { "type": "library", "version": "2.0",
      "purl": "" }
  ]
}
JSON

"$KOBAN" --db k.db ledger import good.csv malformed.csv category.csv >out 2>err
rc=$?
check '[ $rc = 2 ]' "CSV batch exits 2 (got $rc)"
check 'grep -q "^koban: error: malformed.csv:3:3: expected 3 fields as in the header, found 2" err' "malformed row located"
check 'grep -q "^koban: error: category.csv:2:2: category: expected one of external, internal, saas, client; found \"dmz-ish\"" err' "unknown category located"
check '[ "$("$KOBAN" --db k.db ledger list --csv | tail -n +2 | cut -d, -f1 | tr "\n" " ")" = "shop-01 shop-02 " ]' "only the good file imported"

"$KOBAN" --db k.db ledger import --asset shop-01 shop-01.cdx.json noname.cdx.json >out 2>err
rc=$?
check '[ $rc = 2 ]' "SBOM batch exits 2 (got $rc)"
check 'grep -q "^koban: error: shop-01.cdx.json:1:1: expected valid JSON" err' "non-JSON SBOM located: $(cat err)"
check 'grep -q "^koban: error: noname.cdx.json:6:5: component: expected a \"name\"" err' "nameless component located: $(cat err)"
n=$("$KOBAN" --db k.db ledger show shop-01 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["components"]))')
check '[ "$n" = 1 ]' "no SBOM component imported from the failed files (have $n)"

# A failing file does not stop a later good one.
printf 'name,category\nlate-01,client\n' > late.csv
"$KOBAN" --db k.db ledger import category.csv late.csv >out 2>err
check '[ $? = 2 ]' "mixed batch exits 2"
check '"$KOBAN" --db k.db ledger show late-01 >/dev/null' "good file after a bad one imported"

# JSON output reports each failure as a record.
"$KOBAN" --db k.db ledger import --json category.csv >out 2>err
check 'grep -q "\"status\":\"error\",\"code\":\"KB_EINVAL\",\"line\":2,\"column\":2" out' "JSON error record"
exit $fail
