#!/usr/bin/env bash
# koban scan end to end on trees this test writes (python3 zipfile for the
# ordinary archives, the project's own ZIP writer - gen-zip-seeds - for the
# hostile ones): nesting to depth 8 and past the limit, ZIP64 with 70,000
# entries, a prefixed jar, data descriptors, a fake end record in the
# comment, a self-nesting zip (a deflate quine), an overlap bomb, a truncated
# jar, a fat jar with a vulnerable and a safe copy, a relocated JndiLookup,
# agent classes under other extensions, links and ledger writing.
set -u
KOBAN=$(realpath "$1")
SRC=$(realpath "$2")
GEN=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }

mkdir -p tree hostile
"$GEN" hostile >/dev/null
python3 - tree <<'PY'
import io, os, sys, zipfile
out = sys.argv[1]
STAMP = (2021, 12, 10, 0, 0, 0)

class NoSeek(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors."""
    def __init__(self): self.b = bytearray()
    def writable(self): return True
    def write(self, d): self.b += d; return len(d)

def jar(entries, stored=False, comment=b"", seekable=True):
    buf = io.BytesIO() if seekable else NoSeek()
    with zipfile.ZipFile(buf, "w", allowZip64=True) as z:
        for name, data in entries:
            i = zipfile.ZipInfo(name, STAMP)
            i.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            z.writestr(i, data)
        z.comment = comment
    return bytes(buf.getvalue() if seekable else buf.b)

def cls(*s):
    return b"\xca\xfe\xba\xbe\0\0\0\x34" + b"".join(len(x).to_bytes(2, "big") + x.encode() for x in s)

def core(version, prefix="", lookup=True, pom=True, ext=".class"):
    root = prefix + "org/apache/logging/log4j/core/"
    lines = {"2.14.1": (["Error looking up JNDI resource [{}]."], []),
             "2.17.1": (["JNDI must be enabled by setting log4j2.enableJndiLookup=true"],
                        ["Invalid JNDI URI - {}", "log4j2.enableJndi", "isJndiEnabled"])}
    lk, mg = lines[version]
    e = []
    if pom:
        e.append((prefix + "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                  f"groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion={version}\n".encode()))
    e.append((root + "LoggerContext" + ext, cls("LoggerContext")))
    if lookup:
        e.append((root + "lookup/JndiLookup" + ext, cls("JndiLookup", *lk)))
    e.append((root + "net/JndiManager" + ext, cls("JndiManager", *mg)))
    e.append((root + "appender/nosql/NoSqlAppender" + ext, cls("NoSqlAppender")))
    if version == "2.17.1":
        e.append((root + "appender/db/jdbc/DataSourceConnectionSource" + ext,
                  cls("DataSourceConnectionSource", "log4j2.enableJndiJdbc=true")))
    else:
        e.append((root + "util/SetUtils" + ext, cls("SetUtils")))
    return e

def put(name, data):
    p = os.path.join(out, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "wb").write(data)

# nesting: 8 levels (found); 18 archives, 17 nested (past the reader's limit of 16)
def chain(levels):
    inner = jar(core("2.14.1"))
    for i in range(levels - 1):
        inner = jar([(f"lib/level{levels - 1 - i}.jar", inner)], stored=(i % 2 == 0))
    return inner
put("deep/deep8.jar", chain(8))
put("deep/deep18.jar", chain(18))
# ZIP64: 70,000 entries
put("big/zip64.jar", jar(core("2.14.1") + [(f"pad/{i:05d}.txt", b"") for i in range(70000)], stored=True))
# a launcher script in front of the archive
put("bin/app.run", b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n" + jar(core("2.14.1")))
# data descriptors (written by a stream that cannot seek)
put("desc/streamed.jar", jar(core("2.14.1"), seekable=False))
# a fake end record inside the comment
put("fake/comment.jar", jar(core("2.14.1"), comment=b"PK\x05\x06" + b"\0" * 16 + b"\x05\0" + b"PK\x05\x06"))
# a truncated jar
put("broken/cut.jar", jar(core("2.14.1"))[:300])
# a fat jar: a vulnerable copy and a safe one shaded beside it
put("fat/fat.jar", jar(core("2.14.1", pom=False) + core("2.17.1", prefix="shaded/", pom=False)))
# a relocated JndiLookup at the root of a jar: present, not removed
put("reloc/reloc.jar", jar([("lookup/JndiLookup.class", cls("JndiLookup", "Error looking up JNDI resource [{}].")),
                            ("net/JndiManager.class", cls("JndiManager"))]))
# an APM agent's classes stored as .esclazz
put("agent/agent.jar", jar(core("2.14.1", prefix="co/elastic/apm/agent/shaded/", pom=False, ext=".esclazz")))
# a removed JndiLookup (the official mitigation)
put("mitigated/log4j-core-2.14.1.jar", jar(core("2.14.1", lookup=False)))
# a file that is a zip under another name, and one that is not a zip at all
put("misc/plugin.hpi", jar(core("2.14.1")))
put("misc/notes.txt", b"log4j-core-2.14.1.jar is mentioned here, nothing more\n")
PY
ln -s "$work/tree/deep" tree/link-to-deep
ln -s "$work/tree/misc/plugin.hpi" tree/link-to-file

"$KOBAN" --json scan tree hostile >out.json 2>err
rc=$?
check '[ $rc = 1 ]' "vulnerable copies: exit 1 (got $rc): $(head -5 err)"
row() { python3 - "$@" <<'PY'
import json, re, sys
want = dict(a.split("=", 1) for a in sys.argv[1:])
for line in open("out.json"):
    r = json.loads(line)
    if r.get("type") != "scan":
        continue
    if all(re.search(v, r.get(k) or "") for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
PY
}
check 'row chain="deep8.jar!/lib/level1.jar!/lib/level2.jar!/.*level7.jar$" product="^log4j-core$" version="^2.14.1$" status=vulnerable' "depth 8: the copy and its whole chain"
check 'row chain="deep18.jar!/" status=unreadable why="depth|deep|nest"' "past the nesting limit: a finding about the archive"
check '! row chain="deep18.jar" product="^log4j-core$"' "nothing is read past the limit"
check 'row chain="zip64.jar$" product="^log4j-core$" status=vulnerable' "ZIP64 with 70,000 entries"
check 'row chain="app.run$" product="^log4j-core$" status=vulnerable' "a prefixed (launcher) jar, by content"
check 'row chain="streamed.jar$" product="^log4j-core$" status=vulnerable' "data descriptors"
check 'row chain="comment.jar$" product="^log4j-core$" status=vulnerable' "a fake end record in the comment does not fool it"
check 'row chain="cut.jar$" status=unreadable' "a truncated jar is a finding"
check 'row chain="fat.jar$" product="^log4j-core$" status=vulnerable' "the fat jar's vulnerable copy"
check 'row chain="fat.jar!/shaded/" product="^log4j-core$" status=safe' "and its safe copy, reported on its own"
check 'row chain="reloc.jar" product="^log4j-core$" status=vulnerable why="relocated"' "a relocated JndiLookup is not mitigated"
check 'row chain="agent.jar" product="^log4j-core$" why="present|relocated"' ".esclazz classes are classes"
check 'row chain="log4j-core-2.14.1.jar$" product="^log4j-core$" status=mitigated why="removed"' "JndiLookup removed: mitigated"
check 'row chain="plugin.hpi$" product="^log4j-core$"' "an .hpi is a zip"
check 'row chain="quine.zip" status=unreadable why="itself|contains"' "a self-nesting zip is refused, and the scan finishes"
check 'row chain="overlap.zip" status=unreadable why="overlap"' "an overlap bomb is refused"
check '! grep -q "link-to" out.json' "links are not followed"
check '! grep -q "notes.txt" out.json' "a text file is not an archive"

# the same tree from stdin, with an exclude
printf '%s\n' "$work/tree/fat" "$work/tree/reloc" | "$KOBAN" --json scan --exclude 'reloc*' - >out2.json 2>/dev/null
check 'grep -q "fat.jar" out2.json && ! grep -q "reloc.jar" out2.json' "paths from stdin, --exclude"

# --asset writes the components and replaces the asset's earlier scan of the same root
export KOBAN_DB=$work/s.db
printf 'name,category\napp-1,internal\n' >a.csv
"$KOBAN" ledger import -q a.csv
"$KOBAN" -q scan --asset app-1 tree/mitigated tree/fat >/dev/null 2>&1
scan_components() { "$KOBAN" --json ledger show app-1 | python3 -c 'import json, sys; print(sum(c["source"] == "scan" for c in json.loads(sys.stdin.readline())["components"]))'; }
n1=$(scan_components)
"$KOBAN" -q scan --asset app-1 tree/mitigated tree/fat >/dev/null 2>&1
n2=$(scan_components)
check '[ "$n1" -ge 1 ] && [ "$n1" = "$n2" ]' "a second scan replaces the first ($n1 then $n2 scan components)"
"$KOBAN" -q scan --asset no-such-asset tree/fat >/dev/null 2>err
check '[ $? = 2 ] && grep -q "no asset" err' "an unknown asset is an error"

# acme: triage scans artifacts/ASSET/ and the ledger holds what it found
python3 "$SRC/examples/acme/gen-artifacts.py" "$work/acme-artifacts" >/dev/null
cp -r "$SRC/examples/acme" acme && rm -rf acme/artifacts && cp -r "$work/acme-artifacts" acme/artifacts
KOBAN_TODAY=2026-11-22 "$KOBAN" triage --db "$work/acme.db" acme >triage.out 2>triage.err
check 'grep -q "== Java and Log4j in the artifacts ==" triage.out' "triage has the scan section"
check 'grep -q "^hr-tomcat-01.acme.example .*opt/tomcat/lib/log4j-core-2.11.1.jar .*mitigated" triage.out' "the mitigated copy: $(grep hr-tomcat triage.out | head -3)"
check 'grep -q "^minecraft-server-jdoe-laptop .*com/mojang/shaded/.* vulnerable" triage.out' "the relocated copy"
export KOBAN_DB=$work/acme.db
hr=$("$KOBAN" --json ledger show hr-tomcat-01.acme.example | python3 -c 'import json, sys; print(" ".join(sorted(c["version"] for c in json.loads(sys.stdin.readline())["components"] if c["source"] == "scan" and c["name"] == "org.apache.logging.log4j:log4j-core")))')
check '[ "$hr" = "2.11.1 2.11.1 2.12.2 2.12.2" ]' "the ledger holds the scanned copies (pom and classes of each): $hr"
exit $fail
