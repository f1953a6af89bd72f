#!/usr/bin/env bash
# Advisories and exposure end to end on acme's real records: the outcomes
# issue 3 lists, priority order, filters, JSON, re-import, and a malformed
# advisory among good ones.
set -u
KOBAN=$(realpath "$1")
SRC=$(realpath "$2")
A="$SRC/examples/acme"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export KOBAN_DB=$work/x.db
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
row() { grep -E "^$1 " out | grep -q -- "$2"; }

"$KOBAN" ledger import -q "$A/ledger/assets.csv"
"$KOBAN" advisories import "$A/advisories/osv" "$A/advisories/cve" >imp 2>err
rc=$?
check '[ $rc = 0 ] && grep -q "^8 advisories imported, 0 failed" imp' "import acme advisories ($rc): $(cat err)"
"$KOBAN" exposure >out
rc=$?
check '[ $rc = 1 ]' "findings: exit 1 (got $rc)"
check 'head -2 out | tail -1 | grep -q "exposed"' "exposed management interfaces come first"
check 'row bigip-int-01.acme.example "BIG-IP 15.1.10.2 .*affected .*15.1.10.8"' "15.1 -> 15.1.10.8"
check 'row bigip-dmz-03.acme.example "BIG-IP 16.1.4.1 .*affected .*16.1.6.1"' "16.1 -> 16.1.6.1"
check 'row bigip-edge-01.acme.example "BIG-IP 17.1.1.3 .*affected .*17.1.3 "' "17.1.1.3 -> 17.1.3"
check 'row bigip-stg-ve-01.acme.example "BIG-IP 17.1.2 .*affected .*17.1.3 "' "17.1.2 -> 17.1.3"
check 'row bigip-vpn-ve-01.acme.example "BIG-IP 17.5.0 .*affected .*17.5.1.3"' "17.5.0 -> 17.5.1.3"
check 'row bigip-lab-ve-01.acme.example "BIG-IP 17.0.0.2 .*unknown: branch never evaluated"' "17.0 never evaluated"
check 'row bigip-v21-eval-01.acme.example "BIG-IP 21.0.0 .*unknown: newer than the advisory"' "21.0 newer"
check '! grep -q "^bigip-cloud-ve-01" out' "17.5.1.3 is fixed: not listed by default"
check 'row portal-web-01.acme.example "log4j-core 2.14.1 .*affected .*2.17.1"' "log4j 2.14.1 -> 2.17.1"
check 'row hr-tomcat-01.acme.example "log4j-core 2.12.2 .*affected .*2.12.4"' "log4j 2.12.2 -> 2.12.4"
check 'row reports-tomcat-01.acme.example "log4j-core 2.3.1 .*affected .*2.3.2"' "log4j 2.3.1 -> 2.3.2"
check '! grep -q "log4j-core 2.17.1" out' "log4j 2.17.1 is not listed"

# KEV and end-of-life data: the rest of acme's advisories folder
"$KOBAN" advisories import "$A/advisories" >imp 2>err
check 'grep -q "^13 advisories imported, 0 failed" imp' "whole folder with KEV, EPSS, end-of-life, VEX: $(cat imp err)"
# OpenVEX: the team's statement sets CVE-2021-45046 aside on the staging portal only
"$KOBAN" exposure --advisory CVE-2021-45046 >out
check '! grep -q "^portal-web-stg-01" out && grep -q "^portal-web-01.acme.example " out' "VEX hides the finding it covers, and only that one"
"$KOBAN" exposure --advisory CVE-2021-45046 --all >out
check 'row portal-web-stg-01.acme.example "not affected (VEX) .*VEX: vulnerable_code_cannot_be_controlled_by_adversary"' "--all shows it with the justification"
KOBAN_TODAY=2026-11-22 "$KOBAN" exposure >out
check 'row bigip-int-01.acme.example "affected + end-of-life .*15.1.10.8 .*15.1 is end-of-life since 2024-12-31: move to 17.1.3 on 17.1"' "15.1 end-of-life with the supported branch"
check 'row bigip-dmz-03.acme.example "16.1.4.1 .*affected + end-of-life .*16.1.6.1"' "16.1 end-of-life"
check 'row bigip-lab-ve-01.acme.example "unknown: branch never evaluated + end-of-life"' "17.0 never evaluated and end-of-life"
check 'row bigip-vpn-ve-01.acme.example "17.5.0 .*known exploited (CISA KEV 2026-03-27)"' "KEV named"
# a management port seen open from outside comes first
"$KOBAN" scans import --from external "$A/scans/external-2026-11-20.xml" >imp
check 'grep -q "external scan, 12 hosts" imp' "scan imported"
KOBAN_TODAY=2026-11-22 "$KOBAN" exposure >out
check 'head -2 out | tail -1 | grep -q "^bigip-dmz-03.acme.example .*management 198.51.100.20:443/tcp .*exposed .*seen open from outside: external-2026-11-20.xml"' "the interface seen open from outside is first"
"$KOBAN" scans import external.xml 2>err
check '[ $? = 2 ] && grep -q "from external or --from internal" err' "--from is required"
KOBAN_TODAY=2024-06-01 "$KOBAN" exposure >out
check 'row bigip-int-01.acme.example "BIG-IP 15.1.10.2  *affected  "' "end-of-life follows the date"

"$KOBAN" exposure --all >out
check 'row bigip-cloud-ve-01.acme.example "BIG-IP 17.5.1.3 .*fixed"' "--all shows fixed"
"$KOBAN" exposure --category client >out
check '[ "$(tail -n +2 out | cut -d" " -f1 | sort -u | tr "\n" " ")" = "minecraft-server-jdoe-laptop " ]' "--category"
"$KOBAN" exposure --asset bigip-int-01.acme.example --json >out
check 'python3 -c "import json; rs=[json.loads(l) for l in open(\"out\")]; assert len(rs)==1 and rs[0][\"type\"]==\"exposure\" and rs[0][\"move_to\"]==\"15.1.10.8\""' "--asset and --json"

# re-import replaces; a malformed document is located and does not stop the rest
"$KOBAN" --json advisories import "$A/advisories/osv/GHSA-jfh8-c2jp-5v3q.json" >out
check 'grep -q "\"replaced\":true" out' "re-import replaces"
mkdir more
cp "$A/advisories/osv/GHSA-p6xc-xr62-6r2g.json" more/
printf '{"id": "GHSA-bad",\n "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}]}\n' > more/bad.json
printf '{"id": "GHSA-broken", "affected": [\n' > more/broken.json
"$KOBAN" advisories import more >imp 2>err
rc=$?
check '[ $rc = 2 ]' "a bad advisory: exit 2"
check 'grep -q "more/bad.json: affected\[0\].ranges\[0\].events\[0\]: expected exactly one of" err' "schema error has its path: $(cat err)"
check 'grep -q "more/broken.json:2:0: expected valid JSON\|more/broken.json:1:.*expected valid JSON\|more/broken.json:2:.*expected valid JSON" err' "syntax error has its line"
check 'grep -q "^1 advisories imported, 2 failed" imp' "the good one is imported"

# CSAF and a vendor status list (cisagov log4j-affected-db YAML) in one store,
# read by content whatever the file is called; a list re-imported replaces
# what it said before, and a YAML syntax error is located.
export KOBAN_DB=$work/y.db
printf 'name,category,vendor,product,version\ngw-1,internal,Example Corp,Gateway,2.10.0\ngw-2,internal,Example Corp,Gateway,8.0.1\n' >gw.csv
"$KOBAN" ledger import -q gw.csv
cp "$SRC/tests/vectors/cisagov/sample.yml" list.data
"$KOBAN" advisories import list.data "$SRC/tests/vectors/csaf" >imp 2>err
rc=$?
check '[ $rc = 0 ] && grep -q "^7 advisories imported, 0 failed" imp' "import a status list and CSAF ($rc): $(cat imp err)"
"$KOBAN" exposure >out
check 'row gw-1 "Gateway 2.10.0 .*affected .*8.0.1 .*CVE-2021-44228"' "a status list's range: $(cat out)"
check '! grep -q "^gw-2 .*affected" out' "8.0.1 is fixed: not affected"
"$KOBAN" advisories import --format cisagov list.data >imp 2>err
check 'grep -q "^4 advisories imported, 0 failed" imp' "re-import: $(cat imp err)"
printf 'software:\n  - vendor: [unclosed\n' >bad.yml
"$KOBAN" advisories import bad.yml >imp 2>err
rc=$?
check '[ $rc = 2 ] && grep -q "bad.yml:[0-9]*:[0-9]*:" err' "YAML error located ($rc): $(cat err)"

# OSV all.zip: every JSON entry is a document; a bad entry and one past the
# size limit are reported by their chain and the others still imported.
export KOBAN_DB=$work/z.db
python3 - "$A/advisories/osv" all.zip <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(src)):
        z.write(os.path.join(src, n), n)
    z.writestr("bad.json", '{"id": "X-1", "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{}]}]}]}')
    z.writestr("huge.json", " " * (16 * 1024 * 1024 + 1))
    z.writestr("README.txt", "not an advisory")
PY
"$KOBAN" advisories import all.zip >imp 2>err
rc=$?
check '[ $rc = 2 ] && grep -q "^4 advisories imported, 2 failed" imp' "all.zip: 4 imported, 2 failed ($rc): $(cat imp err)"
check 'grep -q "all.zip!/bad.json: affected\[0\]" err' "a bad entry is named by its chain: $(cat err)"
check 'grep -q "all.zip!/huge.json: .*more than the limit" err' "an entry past the size limit: $(cat err)"

# CPE matching only when asked: a component known only by its CPE is matched
# by the CPE vendor:product a CVE record gives; a wildcard vendor/product CPE
# (in the ledger or in the record) never matches anything.
export KOBAN_DB=$work/c.db
printf 'name,category\nw1,internal\nw2,internal\nw3,internal\n' >cpe-a.csv
printf 'asset,name,version,cpe\nw1,widget-server,1.3.0,cpe:2.3:a:acme:widget_server:1.3.0:*:*:*:*:*:*:*\nw2,thing,1.3.0,cpe:2.3:a:*:*:1.3.0:*:*:*:*:*:*:*\nw3,widget-server,,cpe:/a:acme:widget_server:1.5\n' >cpe-c.csv
"$KOBAN" ledger import -q cpe-a.csv cpe-c.csv
"$KOBAN" advisories import -q "$SRC/tests/vectors/cpe/CVE-2099-0001.json"
"$KOBAN" exposure >out
rc=$?
check '[ $rc = 0 ]' "no CPE matching unless asked ($rc): $(cat out)"
"$KOBAN" exposure --cpe --all >out
rc=$?
check '[ $rc = 1 ] && row w1 "acme:widget_server 1.3.0 .*affected .*1.4.2"' "--cpe matches by vendor:product ($rc): $(cat out)"
check 'row w3 "acme:widget_server 1.5 .*not affected"' "the CPE's own version when the ledger has none"
check '! grep -q "^w2 " out' "a wildcard CPE matches nothing"
exit $fail
