#!/usr/bin/env python3
"""Generate an advisory set and a ledger for the exposure benchmark.

gen-advisories.py OUTDIR ADVISORIES COMPONENTS

OUTDIR/osv/NNN/GHSA-*.json: ADVISORIES OSV records over a universe of 50,000
Maven, npm and PyPI packages with a power-law popularity (weight 1/(k+10):
the most advised package gets about 1.2% of all advisories, some 6,000 of
500,000, like the Linux kernel in a distribution's feed; most packages get a
handful), each with 1 to 6 ECOSYSTEM ranges; OUTDIR/ledger/assets.csv and OUTDIR/ledger/components.csv: COMPONENTS
components on COMPONENTS/10 assets, drawn from the same universe with the same
popularity, at versions spread over the advisories' ranges. Deterministic.
"""
import csv
import json
import os
import random
import sys

out, n_adv, n_comp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(7)
ECOS = [("Maven", "maven"), ("npm", "npm"), ("PyPI", "pypi")]
UNIVERSE = 50000

def package(k):
    eco, t = ECOS[k % 3]
    if eco == "Maven":
        return eco, f"org.example{k % 701}:lib-{k}", f"pkg:maven/org.example{k % 701}/lib-{k}"
    if eco == "npm":
        return eco, f"pkg-{k}", f"pkg:npm/pkg-{k}"
    return eco, f"py-{k}", f"pkg:pypi/py-{k}"

WEIGHTS = [1.0 / (k + 10) for k in range(UNIVERSE)]
CUM = []
_t = 0.0
for _w in WEIGHTS:
    _t += _w
    CUM.append(_t)

def popular():
    import bisect
    return min(bisect.bisect_left(CUM, rnd.random() * _t), UNIVERSE - 1)

os.makedirs(os.path.join(out, "osv"), exist_ok=True)
for i in range(n_adv):
    k = popular()
    eco, name, _ = package(k)
    ranges = []
    for r in range(rnd.randint(1, 6)):
        major = r + 1
        lo = f"{major}.{rnd.randint(0, 3)}.0"
        hi = f"{major}.{rnd.randint(4, 9)}.{rnd.randint(0, 9)}"
        ranges.append({"type": "ECOSYSTEM", "events": [{"introduced": lo}, {"fixed": hi}]})
    doc = {"schema_version": "1.6.0", "id": f"GHSA-bench-{i:07d}", "modified": "2026-01-01T00:00:00Z",
           "aliases": [f"CVE-2099-{i:07d}"], "summary": f"bench advisory {i}",
           "affected": [{"package": {"ecosystem": eco, "name": name}, "ranges": ranges}],
           "database_specific": {"severity": rnd.choice(["LOW", "MODERATE", "HIGH", "CRITICAL"])}}
    d = os.path.join(out, "osv", f"{i // 10000:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, doc["id"] + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))

os.makedirs(os.path.join(out, "ledger"), exist_ok=True)
n_assets = max(1, n_comp // 10)
with open(os.path.join(out, "ledger", "assets.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "category"])
    for a in range(n_assets):
        w.writerow([f"app-{a:06d}", "internal"])
with open(os.path.join(out, "ledger", "components.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["asset", "purl"])
    for c in range(n_comp):
        k = popular()
        _, _, purl = package(k)
        v = f"{rnd.randint(1, 6)}.{rnd.randint(0, 9)}.{rnd.randint(0, 9)}"
        w.writerow([f"app-{c // 10:06d}", f"{purl}@{v}"])
