#!/usr/bin/env python3
"""Write acme's artifacts: the application trees of its Java systems.

gen-artifacts.py OUTDIR

OUTDIR/ASSET/... for each acme system that runs Java: the jars, wars and
ears as the systems hold them (nested, prefixed, shaded, with a mitigated
copy), so that `koban triage examples/acme` can show where every Log4j copy
is and fill the ledger from it. Nothing here is a real Apache jar: the class
files are stand-ins that carry the strings real releases carry (the markers
koban reads when a jar has no pom.properties), and every jar has the
pom.properties a Maven build writes. Deterministic: the same bytes every
run (fixed timestamps, sorted entries), written to a temporary name and
renamed, so that two runs at once (tests in parallel) never see half a file.
"""
import io
import os
import sys
import zipfile

STAMP = (2021, 12, 10, 9, 0, 0)


def jar(entries, stored=False):
    """A ZIP of (name, bytes) pairs, deterministic."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def cls(*strings):
    """A stand-in class file: the magic, a version, and the constant strings."""
    body = b"".join(len(s).to_bytes(2, "big") + s.encode() for s in strings)
    return b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + body


def pom(group, artifact, version):
    return (f"#Created by Apache Maven 3.6.3\nversion={version}\ngroupId={group}\n"
            f"artifactId={artifact}\n").encode()


def manifest(title, version):
    return (f"Manifest-Version: 1.0\r\nImplementation-Title: {title}\r\n"
            f"Implementation-Version: {version}\r\nCreated-By: Apache Maven\r\n\r\n").encode()


CORE = "org/apache/logging/log4j/core/"

# What the classes of each release line say (facts/log4j.md): JndiLookup,
# JndiManager, DataSourceConnectionSource, and whether NoSqlAppender and
# SetUtils exist.
LINES = {
    "2.11.1": dict(lookup=["Error looking up JNDI resource [{}]."], manager=[], nosql=True, setutils=True),
    "2.14.1": dict(lookup=["Error looking up JNDI resource [{}]."], manager=[], nosql=True, setutils=True),
    "2.12.2": dict(lookup=[], manager=["Unsupported JNDI URI - {}", "isJndiEnabled"], nosql=True, setutils=True),
    "2.3.1": dict(lookup=[], manager=["Unsupported JNDI URI - {}"], nosql=False, setutils=True, dscs=[]),
    "2.17.1": dict(lookup=["JNDI must be enabled by setting log4j2.enableJndiLookup=true"],
                   manager=["Invalid JNDI URI - {}", "log4j2.enableJndi", "isJndiEnabled"], nosql=True,
                   setutils=False, dscs=["log4j2.enableJndiJdbc=true"]),
}


def log4j_core(version, prefix="", jndi_lookup=True, with_pom=True):
    """The entries of a log4j-core jar (or of a copy of it shaded under prefix)."""
    line = LINES[version]
    root = prefix + CORE
    e = []
    if with_pom and not prefix:  # a shaded copy keeps its pom.properties, not its manifest
        e.append(("META-INF/MANIFEST.MF", manifest("Apache Log4j Core", version)))
        e.append(("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                  pom("org.apache.logging.log4j", "log4j-core", version)))
    e.append((root + "Logger.class", cls("org.apache.logging.log4j.core.Logger")))
    e.append((root + "LoggerContext.class", cls("org.apache.logging.log4j.core.LoggerContext")))
    if jndi_lookup:
        e.append((root + "lookup/JndiLookup.class", cls("JndiLookup", *line["lookup"])))
    e.append((root + "net/JndiManager.class", cls("JndiManager", *line["manager"])))
    if line["nosql"]:
        e.append((root + "appender/nosql/NoSqlAppender.class", cls("NoSqlAppender")))
    if line["setutils"]:
        e.append((root + "util/SetUtils.class", cls("SetUtils")))
    if "dscs" in line:
        e.append((root + "appender/db/jdbc/DataSourceConnectionSource.class",
                  cls("DataSourceConnectionSource", *line["dscs"])))
    return e


def library(group, artifact, version, classes):
    e = [("META-INF/maven/%s/%s/pom.properties" % (group, artifact), pom(group, artifact, version))]
    return e + [(c, cls(c)) for c in classes]


def log4j_api(version):
    return jar(library("org.apache.logging.log4j", "log4j-api", version, ["org/apache/logging/log4j/Logger.class"]))


def spring(version):
    return jar(library("org.springframework", "spring-core", version,
                       ["org/springframework/core/SpringVersion.class"]))


def tree():
    """{ASSET: {relative path: bytes}}"""
    t = {}
    # The customer portal: an EAR holding a WAR (stored, as EARs often hold
    # them), Log4j 2.14.1 in its WEB-INF/lib.
    shop = jar([("WEB-INF/web.xml", b"<web-app/>"),
                ("WEB-INF/lib/log4j-core-2.14.1.jar", jar(log4j_core("2.14.1"))),
                ("WEB-INF/lib/log4j-api-2.14.1.jar", log4j_api("2.14.1")),
                ("WEB-INF/lib/spring-core-5.3.13.jar", spring("5.3.13"))])
    t["portal-web-01.acme.example"] = {
        "opt/portal/portal.ear": jar([("META-INF/application.xml", b"<application/>"), ("shop.war", shop)],
                                     stored=True)}
    # Its staging twin runs a Spring Boot executable jar behind a launch
    # script (a prefixed ZIP).
    boot = jar([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n"),
                ("BOOT-INF/lib/log4j-core-2.14.1.jar", jar(log4j_core("2.14.1"), stored=True)),
                ("BOOT-INF/lib/log4j-api-2.14.1.jar", log4j_api("2.14.1"))], stored=True)
    t["portal-web-stg-01.acme.example"] = {
        "opt/portal/portal-3.5.0-rc2.jar": b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\nexit 0\n" + boot}
    # HR's Tomcat: the application's 2.12.2, and an older copy in Tomcat's
    # shared lib/ that an operator mitigated in December 2021 by deleting
    # JndiLookup.class (the JNDI CVEs cannot be reached; the others remain).
    t["hr-tomcat-01.acme.example"] = {
        "opt/tomcat/webapps/hr.war": jar([("WEB-INF/lib/log4j-core-2.12.2.jar", jar(log4j_core("2.12.2")))]),
        "opt/tomcat/lib/log4j-core-2.11.1.jar": jar(log4j_core("2.11.1", jndi_lookup=False)),
    }
    t["reports-tomcat-01.acme.example"] = {
        "opt/tomcat/webapps/reports.war": jar([("WEB-INF/lib/log4j-core-2.3.1.jar", jar(log4j_core("2.3.1")))])}
    # Elasticsearch ships its own Java runtime next to its jars.
    t["elastic-01.acme.example"] = {
        "usr/share/elasticsearch/lib/log4j-core-2.11.1.jar": jar(log4j_core("2.11.1")),
        "usr/share/elasticsearch/lib/log4j-api-2.11.1.jar": log4j_api("2.11.1"),
        "usr/share/elasticsearch/jdk/bin/java": b"#!/bin/sh\n# stand-in for the java launcher\n",
        "usr/share/elasticsearch/jdk/release": b'IMPLEMENTOR="AdoptOpenJDK"\nJAVA_VERSION="15.0.1"\n',
        "usr/share/elasticsearch/jdk/lib/modules": b"stand-in for the module image\n",
    }
    # Billing still runs Log4j 1.2.17 with JMSAppender and SocketServer.
    t["legacy-billing-01.acme.example"] = {
        "opt/billing/lib/log4j-1.2.17.jar": jar(
            library("log4j", "log4j", "1.2.17", ["org/apache/log4j/Logger.class", "org/apache/log4j/net/JMSAppender.class",
                                                  "org/apache/log4j/net/SocketServer.class",
                                                  "org/apache/log4j/jdbc/JDBCAppender.class"]))}
    # A Minecraft server on a laptop: Log4j shaded into the server jar under
    # Mojang's package (relocated, not removed: still vulnerable).
    t["minecraft-server-jdoe-laptop"] = {
        "home/jdoe/minecraft/server.jar": jar(
            [("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nMain-Class: net.minecraft.server.Main\r\n\r\n")]
            + log4j_core("2.14.1", prefix="com/mojang/shaded/")
            + [("net/minecraft/server/Main.class", cls("net.minecraft.server.Main"))])}
    return t


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o755 if path.endswith("/bin/java") else 0o644)
    os.replace(tmp, path)


def main():
    out = sys.argv[1]
    for asset, files in tree().items():
        for rel, data in sorted(files.items()):
            write(os.path.join(out, asset, rel), data)


if __name__ == "__main__":
    main()
