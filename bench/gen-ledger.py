#!/usr/bin/env python3
"""Generate a large synthetic ledger for the import benchmark.

gen-ledger.py OUTDIR ASSETS COMPONENTS [SBOM_FILES]

Writes OUTDIR/assets.csv (ASSETS rows, every asset field, one management and
one service interface inline), OUTDIR/components.csv (COMPONENTS rows spread
evenly over the assets, real-looking Maven/npm/PyPI purls), and
OUTDIR/sbom.cdx.json (the same number of components as one CycloneDX 1.5 BOM,
every tenth with a nested child), and OUTDIR/sboms/ASSET.cdx.json: the same
components again split over SBOM_FILES (default 100) SBOMs for the first
SBOM_FILES assets, the shape of a real estate. Deterministic: the same arguments give the
same bytes.
"""
import csv
import json
import os
import random
import sys

out, n_assets, n_comps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n_sboms = int(sys.argv[4]) if len(sys.argv) > 4 else 100
os.makedirs(out, exist_ok=True)
rnd = random.Random(42)
cats = ["external", "internal", "saas", "client"]
forms = {"external": "virtual", "internal": "hardware", "saas": "saas", "client": "software"}
owners = [f"Owner {i} <owner{i}@example.com>" for i in range(200)]
libs = [
    ("maven", "org.apache.logging.log4j", "log4j-core", ["2.14.1", "2.12.2", "2.3.1", "2.17.1"]),
    ("maven", "org.springframework", "spring-core", ["5.3.12", "5.3.39", "6.1.4"]),
    ("maven", "com.fasterxml.jackson.core", "jackson-databind", ["2.12.5", "2.15.2"]),
    ("npm", None, "lodash", ["4.17.20", "4.17.21"]),
    ("npm", "@babel", "core", ["7.22.5", "7.24.0"]),
    ("pypi", None, "requests", ["2.31.0", "2.28.1"]),
    ("golang", "github.com/gin-gonic", "gin", ["v1.9.1"]),
]

def purl(i):
    t, ns, name, versions = libs[i % len(libs)]
    v = versions[(i // len(libs)) % len(versions)]
    # vary the name so rows are distinct within an asset
    nm = f"{name}-{i % 97}" if i % 3 else name
    ns_enc = ns.replace("@", "%40") + "/" if ns else ""
    return f"pkg:{t}/{ns_enc}{nm}@{v}", (ns, nm, v)

names = [f"host-{i:06d}.corp.example" for i in range(n_assets)]
with open(os.path.join(out, "assets.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "category", "business_owner", "technical_owner", "vendor", "product",
                "version", "modules", "form_factor", "environment", "tags", "interfaces", "notes"])
    for i, n in enumerate(names):
        c = cats[i % 4]
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        pub = f"203.0.113.{i % 250 + 1}"
        w.writerow([n, c, rnd.choice(owners), rnd.choice(owners), "F5" if i % 10 == 0 else "Acme",
                    "BIG-IP" if i % 10 == 0 else "app", f"17.1.{i % 4}", "LTM,APM" if i % 10 == 0 else "",
                    forms[c], "production", "bench,generated",
                    f"management {ip}:443/tcp; service {pub}:443/tcp", f"generated asset {i}"])

with open(os.path.join(out, "components.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["asset", "purl"])
    per = max(1, n_comps // n_assets)
    for i in range(n_comps):
        w.writerow([names[(i // per) % n_assets], purl(i)[0]])

def write_sbom(path, start, count):
    with open(path, "w") as f:
        f.write('{"bomFormat":"CycloneDX","specVersion":"1.5",'
                '"serialNumber":"urn:uuid:00000000-0000-4000-8000-%012d",' % start +
                '"version":1,"metadata":{"component":{"type":"application","name":"bench"}},"components":[\n')
        i = start
        end = start + count
        first = True
        while i < end:
            p, (ns, nm, v) = purl(i)
            c = {"type": "library", "bom-ref": f"c{i}", "name": nm, "version": v, "purl": p}
            if ns:
                c["group"] = ns
            i += 1
            if i % 10 == 0 and i < end:
                p2, (ns2, nm2, v2) = purl(i)
                c["components"] = [{"type": "library", "bom-ref": f"c{i}", "name": nm2, "version": v2,
                                    "purl": p2}]
                i += 1
            f.write(("" if first else ",\n") + json.dumps(c, separators=(",", ":")))
            first = False
        f.write("\n]}\n")

write_sbom(os.path.join(out, "sbom.cdx.json"), 0, n_comps)
os.makedirs(os.path.join(out, "sboms"), exist_ok=True)
per = n_comps // n_sboms
for k in range(n_sboms):
    write_sbom(os.path.join(out, "sboms", names[k] + ".cdx.json"), k * per, per)
