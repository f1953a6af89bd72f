#!/usr/bin/env bash
# The ledger verbs end to end on data this test writes: sheets given in any
# order, filters, set (atomic, validated), delete (cascades), stdin, NDJSON.
set -u
KOBAN=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export KOBAN_DB=$work/l.db
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
names() { "$KOBAN" ledger list --csv "$@" | tail -n +2 | cut -d, -f1 | tr '\n' ' '; }

cat > assets.csv <<'CSV'
Name,Category,Business Owner,Tech Owner,Vendor,Product,Version,Modules,Form Factor,Env,Tags
bigip-01,External-Facing,Pat <pat@x.example>,Net Team <net@x.example>,F5,BIG-IP,17.1.1.3,"ltm, apm",VE,production,"ed-26-01;pci"
shop-01,external,Pat <pat@x.example>,Web Team <web@x.example>,Acme,Shop,3.2,,virtual,production,pci
crm,SaaS,Sam <sam@x.example>,,Salesforce,Sales Cloud,,,saas,,
laptop-chrome,client software,Sam <sam@x.example>,Desk <desk@x.example>,Google,Chrome,141.0,,software,,
CSV
cat > interfaces.csv <<'CSV'
asset,address,port,protocol,role,exposure
bigip-01,203.0.113.7,443,TCP,management,
bigip-01,10.1.1.7,443,tcp,service,
shop-01,10.9.9.9,8443,tcp,mgmt,public
CSV
cat > components.csv <<'CSV'
asset,purl,evidence
shop-01,pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1,WEB-INF/lib/log4j-core-2.14.1.jar
shop-01,pkg:maven/org.springframework/spring-core@5.3.12,
bigip-01,pkg:generic/openssl@1.0.2u,
CSV
# sheets that refer to assets come first on the command line: koban reorders
"$KOBAN" ledger import components.csv interfaces.csv assets.csv >out 2>err
check '[ $? = 0 ]' "import in any order: $(cat err)"
check 'grep -q "4 assets new" out' "assets created"

check '[ "$(names --category external)" = "bigip-01 shop-01 " ]' "filter by category (alias normalised)"
check '[ "$(names --category client)" = "laptop-chrome " ]' "client software -> client"
check '[ "$(names --owner "net team")" = "bigip-01 " ]' "filter by owner substring"
check '[ "$(names --tag pci)" = "bigip-01 shop-01 " ]' "filter by tag"
check '[ "$(names --component log4j-core)" = "shop-01 " ]' "filter by component artifact name"
check '[ "$(names --component org.apache.logging.log4j:log4j-core)" = "shop-01 " ]' "filter by full component name"
check '[ "$("$KOBAN" ledger show bigip-01 --json | python3 -c "import json,sys; a=json.load(sys.stdin); print(a[\"modules\"], a[\"form_factor\"], a[\"tags\"])")" = "APM,LTM virtual ed-26-01,pci" ]' "modules, form factor, tags normalised"
exp=$("$KOBAN" ledger show shop-01 --json | python3 -c "import json,sys; a=json.load(sys.stdin); print(a['interfaces'][0]['exposure'], a['interfaces'][0]['exposure_given'])")
check '[ "$exp" = "public True" ]' "given exposure kept ($exp)"

# set: several fields in one transaction; a bad one changes nothing
"$KOBAN" ledger set crm technical_owner="CRM Admins <crm@x.example>" version=2026.1
check '[ $? = 0 ]' "set two fields"
"$KOBAN" ledger set crm version=2026.2 category=cloudy 2>err
check '[ $? = 2 ]' "bad category refused"
check 'grep -q "category: expected one of external, internal, saas, client" err' "message says what was expected"
check '[ "$("$KOBAN" ledger list --csv --name crm | tail -1 | cut -d, -f5)" = "2026.1" ]' "failed set changed nothing"
"$KOBAN" ledger set crm colour=blue 2>err
check '[ $? = 2 ] && grep -q "unknown field \"colour\"" err' "unknown field refused"
"$KOBAN" ledger set nosuch version=1 2>err
check '[ $? = 2 ] && grep -q "no asset named \"nosuch\"" err' "unknown asset refused"
"$KOBAN" ledger set shop-01 name=shop-02 version=3.3
check '[ "$(names --name shop)" = "shop-02 " ]' "rename then set by the new name"
"$KOBAN" ledger set shop-02 name=bigip-01 2>err
check '[ $? = 2 ] && grep -q "already exists" err' "rename onto an existing name refused"

# delete cascades to interfaces and components
"$KOBAN" ledger delete shop-02
check '[ "$("$KOBAN" ledger export | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(len(a[\"components\"]) for a in d[\"assets\"]), sum(len(a[\"interfaces\"]) for a in d[\"assets\"]))")" = "1 2" ]' "delete removed the asset's rows"
check '[ "$(sqlite3 l.db "select count(*) from component where asset_id not in (select id from asset)")" = 0 ]' "no orphan components"

# stdin, and NDJSON that parses line by line
printf 'name,category\npiped-01,internal\n' | "$KOBAN" ledger import - >out
check 'grep -q "^<stdin>: csv assets sheet, 1 records" out' "import from stdin"
check '"$KOBAN" ledger list --json | python3 -c "import json,sys; [json.loads(l) for l in sys.stdin]"' "list --json is NDJSON"
check '[ "$("$KOBAN" ledger list --json | wc -l)" = 4 ]' "one record per asset"
exit $fail
