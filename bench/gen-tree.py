#!/usr/bin/env python3
"""Generate a file tree of Java applications for the scan benchmark.

gen-tree.py OUTDIR MEGABYTES

OUTDIR/app-NNNN/ directories until the tree holds about MEGABYTES of files:
library jars (200-2,000 class-like entries, deflated, some incompressible
resources), WARs holding jars in WEB-INF/lib (deflated, as Maven writes
them), EARs holding WARs, Spring Boot jars holding stored jars in
BOOT-INF/lib, a log4j-core stand-in in one application of ten, and ordinary
files (logs, configs) beside them. Deterministic for a given size.
"""
import io
import os
import random
import sys
import zipfile

out, megabytes = sys.argv[1], int(sys.argv[2])
rnd = random.Random(3)
STAMP = (2024, 1, 1, 0, 0, 0)


def jar(entries, stored=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            i = zipfile.ZipInfo(name, STAMP)
            i.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            z.writestr(i, data)
    return buf.getvalue()


def class_bytes(n):
    # class files compress about 2:1: half random, half repeated constant pool text
    return b"\xca\xfe\xba\xbe" + rnd.randbytes(n // 2) + b"java/lang/Object" * (n // 32)


def library(k):
    group, artifact = f"com.example{k % 97}", f"lib{k}"
    n = rnd.randint(200, 2000)
    e = [(f"META-INF/maven/{group}/{artifact}/pom.properties",
          f"groupId={group}\nartifactId={artifact}\nversion=1.{k % 10}.0\n".encode())]
    for i in range(n):
        e.append((f"com/example{k % 97}/lib{k}/pkg{i % 20}/Class{i}.class", class_bytes(rnd.randint(300, 1500))))
    if k % 5 == 0:
        e.append((f"assets/blob{k}.bin", rnd.randbytes(rnd.randint(50_000, 400_000))))
    return jar(e)


def log4j(version="2.14.1"):
    root = "org/apache/logging/log4j/core/"
    return jar([("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                 f"groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion={version}\n".encode()),
                (root + "lookup/JndiLookup.class", class_bytes(800) + b"Error looking up JNDI resource [{}]."),
                (root + "net/JndiManager.class", class_bytes(900)),
                (root + "LoggerContext.class", class_bytes(2000))])


libs = [library(k) for k in range(60)]  # a pool reused across applications, as real estates do
total, app = 0, 0
target = megabytes << 20
while total < target:
    d = os.path.join(out, f"app-{app:04d}")
    os.makedirs(os.path.join(d, "lib"), exist_ok=True)
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    files = {}
    pick = rnd.sample(range(len(libs)), rnd.randint(8, 25))
    kind = app % 4
    extra = [("WEB-INF/lib/log4j-core-2.14.1.jar", log4j())] if app % 10 == 0 else []
    if kind == 0:  # plain lib/ directory
        for k in pick:
            files[f"lib/lib{k}.jar"] = libs[k]
    elif kind == 1:  # a WAR
        files["app.war"] = jar([(f"WEB-INF/lib/lib{k}.jar", libs[k]) for k in pick] + extra)
    elif kind == 2:  # an EAR holding a WAR, stored
        war = jar([(f"WEB-INF/lib/lib{k}.jar", libs[k]) for k in pick] + extra)
        files["app.ear"] = jar([("app.war", war), ("META-INF/application.xml", b"<application/>")], stored=True)
    else:  # a Spring Boot jar: stored jars in BOOT-INF/lib
        files["app.jar"] = jar([(f"BOOT-INF/lib/lib{k}.jar", libs[k]) for k in pick]
                               + [(n.replace("WEB-INF", "BOOT-INF"), b) for n, b in extra], stored=True)
    files["logs/app.log"] = b"".join(b"2024-01-01 INFO request served in %d ms\n" % rnd.randint(1, 900)
                                     for _ in range(5000))
    files["conf.properties"] = b"server.port=8080\n"
    for rel, data in files.items():
        with open(os.path.join(d, rel), "wb") as f:
            f.write(data)
        total += len(data)
    app += 1
print(f"{app} applications, {total / 1048576:.0f} MiB")
