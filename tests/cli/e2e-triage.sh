#!/usr/bin/env bash
# triage end to end on bundles this test writes: SBOM naming (ASSET.cdx.json,
# ASSET.spdx.json, sboms/ASSET/*.json), a bad SBOM not stopping the rest, the
# fresh-store rule for --db, exit statuses, the TRIAGE_MAX_FILES limit, and the
# store's busy timeout (KB_STORE_BUSY_TIMEOUT_MS) against a writer holding the
# lock.
set -u
KOBAN=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }

mkdir -p org/ledger org/sboms/api-01
cat > org/ledger/assets.csv <<'CSV'
name,category,technical_owner,interfaces
edge-01,external,Net <net@x.example>,"management 192.0.2.10:443/tcp; service 192.0.2.11:443/tcp"
api-01,internal,,"service 10.0.0.5:8080/tcp"
shop-01,external,Web <web@x.example>,"management 10.0.0.9:22/tcp"
CSV
cat > org/sboms/shop-01.cdx.json <<'JSON'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
 {"name": "log4j-core", "group": "org.apache.logging.log4j", "version": "2.14.1",
  "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]}
JSON
cat > org/sboms/api-01/app.json <<'JSON'
{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-a", "name": "requests", "versionInfo": "2.31.0",
 "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
                   "referenceLocator": "pkg:pypi/requests@2.31.0"}]}]}
JSON

"$KOBAN" triage org >out 2>err
check '[ $? = 1 ]' "public management interface: exit 1"
check 'grep -q "imported 3 of 3 files: 3 systems, 4 interfaces, 2 components" out' "summary line: $(head -2 out | tail -1)"
check 'grep -q "^edge-01  *192.0.2.10  *443" out' "public management interface listed"
check '! grep -q "shop-01.*10.0.0.9" <(sed -n "/Management interfaces/,\$p" out)' "internal management not listed"
check 'grep -q "^api-01  *internal" out' "system without a technical owner listed"
check '[ ! -e koban.db ]' "triage without --db leaves no store behind"

"$KOBAN" triage --json org >out
check 'python3 -c "import json,sys; rs=[json.loads(l) for l in open(\"out\")]; assert any(r[\"type\"]==\"owner\" and r[\"technical_owner\"] is None for r in rs)"' "JSON: no owner is null"
check '[ "$(grep -c "\"type\":\"public_management\"" out)" = 1 ]' "JSON: one public management record"
check '[ "$("$KOBAN" triage -q org | head -1)" = "" ]' "quiet: no summary lines"

# a broken SBOM and an SBOM for an unknown asset: both reported, the rest imported, exit 2
printf '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"version": "1"}]}' > org/sboms/edge-01.cdx.json
printf '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}' > org/sboms/ghost-99.cdx.json
"$KOBAN" triage org >out 2>err
check '[ $? = 2 ]' "failed inputs: exit 2"
check 'grep -q "edge-01.cdx.json:1:65: component: expected a \"name\"" err' "bad SBOM located: $(cat err)"
check 'grep -q "ghost-99.cdx.json: SBOM for asset \"ghost-99\": no such asset" err' "unknown asset named"
check 'grep -q "imported 3 of 5 files" out' "others imported"
rm org/sboms/edge-01.cdx.json org/sboms/ghost-99.cdx.json

# --db: a fresh store only
"$KOBAN" --db t.db triage org >/dev/null
check '[ -s t.db ]' "--db keeps the store"
"$KOBAN" --db t.db triage org >/dev/null 2>err
check '[ $? = 2 ] && grep -q "exists; triage builds a fresh store" err' "existing store refused"
"$KOBAN" --db t.db triage --replace org >/dev/null
check '[ $? = 1 ]' "--replace starts afresh"
check '[ "$("$KOBAN" --db t.db ledger list --csv | wc -l)" = 4 ]' "store holds the bundle once"

# TRIAGE_MAX_FILES = 100000 files in one folder
mkdir -p many/ledger
(cd many/ledger && seq -f "f%06g.csv" 0 100000 | xargs touch)
"$KOBAN" triage many >out 2>err
rc=$?
check '[ $rc = 2 ] && grep -q "more than 100000 files in the bundle" err' "file-count limit (exit $rc): $(head -c 300 err)"
check 'grep -q "imported 0 of 0 files" out' "nothing of a bundle past the limit is imported"

# KB_STORE_BUSY_TIMEOUT_MS = 5000: another writer holds the store for 8 s
"$KOBAN" --db busy.db ledger import -q org/ledger/assets.csv
python3 - busy.db <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open("locked", "w").close()
time.sleep(8)
c.execute("ROLLBACK")
PY
holder=$!
while [ ! -e locked ]; do sleep 0.1; done
start=$(date +%s)
"$KOBAN" --db busy.db ledger import org/ledger/assets.csv >out 2>err
rc=$?
took=$(( $(date +%s) - start ))
check '[ $rc = 2 ] && grep -qi "locked" err' "a held store: located error, exit 2 ($(cat err))"
check '[ $took -ge 4 ] && [ $took -le 7 ]' "waited about 5 s for the lock (took $took s)"
wait $holder
"$KOBAN" --db busy.db ledger import -q org/ledger/assets.csv
check '[ $? = 0 ]' "lock released: import works"
exit $fail
