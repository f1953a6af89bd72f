#!/usr/bin/env python3
"""Feeds for the exposure benchmark's advisories (gen-advisories.py ids).

gen-feeds.py OUTDIR ADVISORIES

OUTDIR/feeds/epss.csv: an EPSS score for every CVE alias (CVE-2099-NNNNNNN),
as FIRST publishes one for every CVE; OUTDIR/feeds/kev.json: 1,500 of them in
a CISA KEV catalogue (about its real size). Deterministic.
"""
import json
import os
import random
import sys

out, n_adv = sys.argv[1], int(sys.argv[2])
rnd = random.Random(11)
os.makedirs(os.path.join(out, "feeds"), exist_ok=True)
with open(os.path.join(out, "feeds", "epss.csv"), "w") as f:
    f.write("#model_version:v2025.03.14,score_date:2026-11-20T00:00:00+0000\n")
    f.write("cve,epss,percentile\n")
    for i in range(n_adv):
        e = rnd.random() ** 4
        f.write(f"CVE-2099-{i:07d},{e:.5f},{min(0.99999, e ** 0.25):.5f}\n")
vulns = []
for i in sorted(rnd.sample(range(n_adv), min(1500, n_adv))):
    vulns.append({"cveID": f"CVE-2099-{i:07d}", "vendorProject": "Example", "product": "bench",
                  "vulnerabilityName": f"bench {i}", "dateAdded": "2026-01-15",
                  "shortDescription": "bench", "requiredAction": "Apply updates.",
                  "dueDate": "2026-02-05", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []})
with open(os.path.join(out, "feeds", "kev.json"), "w") as f:
    json.dump({"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.11.20",
               "dateReleased": "2026-11-20T14:00:00.0000Z", "count": len(vulns), "vulnerabilities": vulns}, f)
