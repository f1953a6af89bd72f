#!/usr/bin/env python3
"""Write two days of acme's network traffic as Zeek 6 logs, for `koban detect`.

gen-flows.py OUTDIR

OUTDIR/conn.log, dns.log, ssl.log: Zeek TSV logs as a sensor on acme's core
network writes them, 2026-11-19 00:00 to 2026-11-21 00:00 UTC, rows in time
order, unique uids (every dns.log and ssl.log row has its conn.log row).
OUTDIR/detect.conf: the settings `koban detect` reads. OUTDIR/README.txt:
this text. Deterministic (one seeded generator, no set iteration): the same
bytes every run, each file written to a temporary name and renamed.

Times: Europe/Berlin is UTC+1 in November; business hours 08:00-18:00
Berlin = 07:00-17:00 UTC. 2026-11-19 is a Thursday, 2026-11-20 a Friday.

Day 1, 2026-11-19, is the baseline: ordinary traffic only. Day 2, 2026-11-20,
has the same ordinary traffic (new random draws) and the plants below.
Every public address comes from the documentation ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24), as everywhere in the acme bundle; no
address used by a plant as a destination is used by ordinary traffic unless
said so.

Organisation (addresses from ledger/assets.csv where the ledger has them):
  workstations   10.50.0.11-10.50.0.92 (82 hosts, Windows; a few stay on
                 overnight). 10.50.0.12 and 10.50.0.14 are network engineers:
                 they RDP to the jump hosts.
  DNS, LDAP, Kerberos, NTP, GPO (SMB, RPC): dc01 10.10.0.10, dc02 10.10.0.11
                 (the ledger's DNS servers; no 10.10.0.53 in the ledger). The
                 DCs forward cache misses to 198.51.100.53 and .54.
  file server    files01 10.10.2.20:445 (10.40.0.15 is bigip-cloud-ve-01's
                 management address in the ledger, not a file server).
  jump hosts     jump01 10.10.5.5 (ledger: the only host allowed onto the F5
                 management network) and 10.10.5.6, a second jump host in the
                 jump-host subnet 10.10.5.0/24 (not in the ledger). In business
                 hours on both days they open the management consoles:
                 10.20.0.11:443 and :22 (bigip-edge-01) every day, and
                 10.20.0.12:8443/:22, 10.20.0.5, 10.20.0.30, 10.30.0.21,
                 10.40.0.15, 10.10.1.50:443/:5480, 10.10.2.21, 10.20.0.40,
                 10.20.0.45, 10.30.60.10:22 ... (TLS by address, no SNI).
  BIG-IQ         bigiq-cm-01 10.20.0.30 polls 10.20.0.11, 10.20.0.12:8443 and
                 10.20.0.5 on 443 every 10 minutes, day and night, both days
                 (an admin source too: see detect.conf, which also names
                 the jump hosts and the two network engineers).
  servers        orders-api 10.30.20.15 and portal-web-01 10.50.1.21 ->
                 pg-prod-01 10.30.70.10:5432 (pools)
                 and kafka-01 10.30.80.10:9092 (long-lived); legacy-billing
                 10.30.40.21 -> kafka; bigip-int-01's self IP 10.30.10.5 ->
                 orders-api, hr-tomcat, reports-tomcat; log shippers on six
                 servers -> elastic-01 10.30.60.10:9200 every 5 minutes;
                 jenkins-01 10.30.50.10 polls api.github.example
                 (203.0.113.140:443) every 15 minutes; dc01 <-> dc02
                 replication.
  the Internet   ~400 web destinations with Zipf popularity (443, some 80),
                 names under .example; 198.51.100.69 static.cdnprovider.example
                 is the second most popular; telemetry.vendor.example
                 192.0.2.200:443 every ~30 minutes from every running
                 workstation; Teams sessions of 1-3 hours (benign long
                 connections) to 192.0.2.11:443.

Plants, all on 2026-11-20 (UTC times; Berlin = UTC+1):
  a. beacon: 10.50.0.23 -> 203.0.113.34:443, 00:00-24:00, one TLS 1.2
     connection every 60 s +- 5 s (uniform jitter on each interval), orig
     600-700 B, resp 200-300 B; ssl.log server_name cdn-update.c2-example.net;
     dns.log A queries for that name to dc01 whenever the 300 s TTL runs out.
  b. Poisson chatter (must NOT rank as a beacon): 10.50.0.41 ->
     198.51.100.69:443 (static.cdnprovider.example, a CDN every workstation
     uses on both days), exponential inter-arrival times, mean 60 s,
     00:00-24:00, random sizes.
  c. night-time console access: 10.50.0.77 (an ordinary workstation, not an
     admin source) -> bigip-edge-01's management 10.20.0.11: 12 HTTPS
     connections to :443 and 2 SSH sessions to :22, 01:00-01:20 UTC
     (02:00-02:20 Berlin).
  d. SMB/RDP fan-out: 10.50.0.66 -> 30 internal hosts (20 workstations
     10.50.0.x and 10 servers) on 445 and 3389, 13:00-13:10 UTC (14:00
     Berlin); none of these pairs occurs on 2026-11-19 (10.50.0.66's
     ordinary SMB goes to the DCs and files01 only); outcomes SF, REJ and S0.
  e. exfiltration with staging: 10.50.0.88 pulls 1.5 GB from files01
     10.10.2.20:445 in 3 SMB connections, 15:00-15:20 UTC (16:00 Berlin),
     then pushes 2.0 GB to 192.0.2.9:443 (upload.transfer-example.net; no
     other host ever talks to it) in 4 TLS connections, 15:30-15:42 UTC.
  f. uncommon external port: 10.50.0.90 -> 203.0.113.77:5888/tcp, 36
     established connections (no Zeek service) 11:00-16:00 UTC; no other host
     ever uses port 5888.
  g. IOC contact (examples/acme/iocs: 192.0.2.66, 192.0.2.66|1389,
     x5e9.attacker.example.net): portal-web-01 10.50.1.21, whose logs/ show
     a successful Log4Shell lookup on 2026-11-19 02:14:07, is hit again:
     at 09:14:05 UTC it looks up x5e9.attacker.example.net, then connects
     to 192.0.2.66:1389 (LDAP) and 192.0.2.66:5874 (HTTP, the payload host
     of the 19 Nov attempt). Not in the brief's list; an extra for the IOC
     detector.
  h. DNS C2 / tunnel: 10.50.0.55 sends 400 TXT queries for distinct
     subdomains of t.tunnel-example.org (40 hex characters each) to dc01,
     10:00-11:00 UTC. Not in the brief's list either.
Benign traps on both days: periodic internal log shipping (5 min), Jenkins
SCM polling (15 min, external), BIG-IQ polling management consoles at night,
telemetry every ~30 min to one popular address, Kafka connections of 8 h,
Teams connections of 1-3 h, jump-host RDP to the DCs.
"""
import bisect
import hashlib
import calendar
import os
import sys
import random

DAY0 = calendar.timegm((2026, 11, 19, 0, 0, 0))
DAY = 86400

WORKSTATIONS = ["10.50.0.%d" % i for i in range(11, 93)]
NETENG = ["10.50.0.12", "10.50.0.14"]
DCS = ["10.10.0.10", "10.10.0.11"]
FILES = "10.10.2.20"
JUMPS = ["10.10.5.5", "10.10.5.6"]
BIGIQ = "10.20.0.30"
UPSTREAM_DNS = ["198.51.100.53", "198.51.100.54"]
TELEMETRY = ("192.0.2.200", "telemetry.vendor.example")
TEAMS = ("192.0.2.11", "teams.m365.example")
GITHUB = ("203.0.113.140", "api.github.example")

BEACON_SRC, BEACON_DST, BEACON_NAME = "10.50.0.23", "203.0.113.34", "cdn-update.c2-example.net"
POISSON_SRC, CDN = "10.50.0.41", ("198.51.100.69", "static.cdnprovider.example")
NIGHT_SRC, CONSOLE = "10.50.0.77", "10.20.0.11"
FANOUT_SRC = "10.50.0.66"
EXFIL_SRC, EXFIL_DST, EXFIL_NAME = "10.50.0.88", "192.0.2.9", "upload.transfer-example.net"
ODDPORT_SRC, ODDPORT_DST, ODDPORT = "10.50.0.90", "203.0.113.77", 5888
IOC_SRC, IOC_DST, IOC_NAME = "10.50.1.21", "192.0.2.66", "x5e9.attacker.example.net"
TUNNEL_SRC, TUNNEL_ZONE = "10.50.0.55", "t.tunnel-example.org"

# Always on (beacon and chatter hosts run all night on day 2 anyway).
OVERNIGHT = ["10.50.0.17", "10.50.0.23", "10.50.0.31", "10.50.0.41", "10.50.0.58", "10.50.0.73", "10.50.0.84"]
HR_USERS = ["10.50.0.%d" % i for i in range(60, 70)]
DEVS = ["10.50.0.%d" % i for i in range(30, 45)]

# Management consoles the jump hosts open: (address, port, service).
CONSOLES = [("10.20.0.11", 443, "ssl"), ("10.20.0.11", 22, "ssh"), ("10.20.0.12", 8443, "ssl"),
            ("10.20.0.12", 22, "ssh"), ("10.20.0.5", 443, "ssl"), ("10.20.0.5", 22, "ssh"),
            ("10.20.0.30", 443, "ssl"), ("10.20.0.30", 22, "ssh"), ("10.30.0.21", 443, "ssl"),
            ("10.30.0.21", 22, "ssh"), ("10.40.0.15", 443, "ssl"), ("10.10.1.50", 443, "ssl"),
            ("10.10.1.50", 5480, "ssl"), ("10.10.2.21", 443, "ssl"), ("10.10.2.21", 22, "ssh"),
            ("10.20.0.40", 443, "ssl"), ("10.20.0.45", 443, "ssl"), ("10.30.60.10", 22, "ssh"),
            ("10.30.70.10", 22, "ssh"), ("10.30.80.10", 22, "ssh"), ("10.30.50.10", 22, "ssh")]

INTERNAL_NAMES = {
    "dc01.corp.acme.example": "10.10.0.10", "dc02.corp.acme.example": "10.10.0.11",
    "files01.acme.example": FILES, "hr.acme.example": "10.30.10.5", "reports.acme.example": "10.30.10.5",
    "jenkins.acme.example": "10.30.50.10", "portal-stg.acme.example": "10.150.1.21",
    "elastic-01.acme.example": "10.30.60.10", "pg-prod-01.acme.example": "10.30.70.10",
    "kafka-01.acme.example": "10.30.80.10", "orders-api.acme.example": "10.30.20.15",
}

DETECT_CONF = """\
# koban detect settings for the acme example traffic (gen-flows.py).
# Lists are space-separated.
internal = 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16
timezone = Europe/Berlin
business_hours = Mon-Fri 08:00-18:00
# jump01 and the second jump host; BIG-IQ (it polls the BIG-IPs day and
# night); the network engineers' workstations (they RDP to the jump hosts,
# whose management interface is RDP)
admin_sources = 10.10.5.5 10.10.5.6 10.20.0.30
admin_sources = 10.50.0.12 10.50.0.14
# the ordinary day the second day is compared with: [start, end)
baseline = 2026-11-19T00:00:00Z 2026-11-20T00:00:00Z
"""

INTERNAL_PREFIXES = ("10.", "192.168.") + tuple("172.%d." % i for i in range(16, 32))
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

CONN_FIELDS = [("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"),
               ("id.resp_h", "addr"), ("id.resp_p", "port"), ("proto", "enum"), ("service", "string"),
               ("duration", "interval"), ("orig_bytes", "count"), ("resp_bytes", "count"),
               ("conn_state", "string"), ("local_orig", "bool"), ("local_resp", "bool"),
               ("missed_bytes", "count"), ("history", "string"), ("orig_pkts", "count"),
               ("orig_ip_bytes", "count"), ("resp_pkts", "count"), ("resp_ip_bytes", "count"),
               ("tunnel_parents", "set[string]")]
DNS_FIELDS = [("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"),
              ("id.resp_h", "addr"), ("id.resp_p", "port"), ("proto", "enum"), ("trans_id", "count"),
              ("rtt", "interval"), ("query", "string"), ("qclass", "count"), ("qclass_name", "string"),
              ("qtype", "count"), ("qtype_name", "string"), ("rcode", "count"), ("rcode_name", "string"),
              ("AA", "bool"), ("TC", "bool"), ("RD", "bool"), ("RA", "bool"), ("Z", "count"),
              ("answers", "vector[string]"), ("TTLs", "vector[interval]"), ("rejected", "bool")]
SSL_FIELDS = [("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"),
              ("id.resp_h", "addr"), ("id.resp_p", "port"), ("version", "string"), ("cipher", "string"),
              ("curve", "string"), ("server_name", "string"), ("resumed", "bool"), ("last_alert", "string"),
              ("next_protocol", "string"), ("established", "bool"), ("ssl_history", "string"),
              ("cert_chain_fps", "vector[string]"), ("client_cert_chain_fps", "vector[string]"),
              ("sni_matches_cert", "bool")]
DNS_ROW = "%.6f\t%s\t%s\t%d\t%s\t53\tudp\t%d\t%.6f\t%s\t1\tC_INTERNET\t%d\t%s\t%d\t%s\tF\tF\tT\tT\t0\t%s\t%s\tF"
QTYPES = {1: "A", 28: "AAAA", 33: "SRV", 16: "TXT", 12: "PTR"}


def utc(day, h, m=0, s=0.0):
    return DAY0 + day * DAY + h * 3600 + m * 60 + s


def is_internal(a):
    return a.startswith(INTERNAL_PREFIXES)


def npk(n):
    return (n + 1447) // 1448


def external_pool(rnd):
    """[(address, name, ttl)] by popularity rank; plants and acme's own
    public addresses left out."""
    reserved = {"198.51.100.%d" % i for i in (9, 20, 21, 40, 53, 54, 69, 80, 90)}
    reserved |= {"203.0.113.%d" % i for i in (10, 11, 12, 30, 34, 40, 50, 51, 77, 140, 200)}
    reserved |= {"192.0.2.%d" % i for i in list(range(64, 72)) + [9, 11, 99, 200]}
    cands = ["%s.%d" % (net, i) for net in ("192.0.2", "198.51.100", "203.0.113") for i in range(1, 255)]
    cands = [a for a in cands if a not in reserved]
    rnd.shuffle(cands)
    top = [("192.0.2.10", "outlook.m365.example", 300), (CDN[0], CDN[1], 60),
           ("192.0.2.12", "login.m365.example", 300), ("203.0.113.90", "www.search.example", 300),
           ("198.51.100.120", "cdn.jsdelivr-like.example", 300), ("203.0.113.91", "slack.example", 300),
           ("192.0.2.13", "sharepoint.m365.example", 300), ("198.51.100.121", "fonts.static.example", 300)]
    used = {a for a, _, _ in top}
    pool = list(top)
    words = ["news", "shop", "docs", "wiki", "mail", "maps", "video", "blog", "forum", "travel", "bank", "weather",
             "jobs", "sport", "music", "code", "cloud", "photo", "learn", "press"]
    i = 0
    for a in cands:
        if a in used:
            continue
        pool.append((a, "www.%s%d.example" % (words[i % len(words)], i), rnd.choice((60, 300, 300, 3600))))
        i += 1
        if len(pool) == 400:
            break
    return pool


class Gen:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.conn, self.dns, self.ssl = [], [], []
        self.uids = set()
        self.cache = {}     # (host, name) -> expiry
        self.dc_cache = {}  # (dc, name) -> expiry
        self.names = {}     # name -> (addresses, ttl)
        for n, a in INTERNAL_NAMES.items():
            self.names[n] = ([a], 1200)
        self.pool = external_pool(self.rnd)
        for a, n, ttl in self.pool:
            self.names[n] = ([a], ttl)
        for a, n in (TELEMETRY, TEAMS, GITHUB, CDN):
            self.names.setdefault(n, ([a], 300))
        self.names[BEACON_NAME] = ([BEACON_DST], 300)
        self.names[EXFIL_NAME] = ([EXFIL_DST], 600)
        self.names[IOC_NAME] = ([IOC_DST], 60)
        self.cum = list(self._cum(1.1))

    def _cum(self, s):
        t = 0.0
        for r in range(len(self.pool)):
            t += 1.0 / (r + 1) ** s
            yield t

    def web_dest(self):
        return self.pool[bisect.bisect_left(self.cum, self.rnd.random() * self.cum[-1])]

    def uid(self):
        while True:
            u = "C" + "".join(self.rnd.choice(B62) for _ in range(17))
            if u not in self.uids:
                self.uids.add(u)
                return u

    def eport(self, host):
        if host.startswith(("10.50.", "10.10.5.", "10.10.0.")):
            return self.rnd.randint(49152, 65535)
        return self.rnd.randint(32768, 60999)

    def row(self, ts, o, op, r, rp, proto, svc, dur, ob, rb, state, hist, opk, oib, rpk, rib):
        u = self.uid()
        d = "-" if dur is None else "%.6f" % dur
        obs = "-" if ob is None else str(ob)
        rbs = "-" if rb is None else str(rb)
        self.conn.append((ts, u, "%.6f\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t0\t%s\t%d\t%d\t%d\t%d\t-" % (
            ts, u, o, op, r, rp, proto, svc or "-", d, obs, rbs, state, "T" if is_internal(o) else "F",
            "T" if is_internal(r) else "F", hist, opk, oib, rpk, rib)))
        return u, op

    def tcp(self, ts, o, r, rp, svc, dur, ob, rb, state="SF", op=None):
        """One TCP connection as Zeek logs it; returns (uid, orig port)."""
        op = op or self.eport(o)
        rnd = self.rnd
        if state == "S0":
            if rnd.random() < 0.5:
                return self.row(ts, o, op, r, rp, "tcp", None, None, None, None, "S0", "S", 1, 52, 0, 0)
            return self.row(ts, o, op, r, rp, "tcp", None, rnd.uniform(2.9, 3.1), 0, 0, "S0", "S", 2, 104, 0, 0)
        if state == "REJ":
            return self.row(ts, o, op, r, rp, "tcp", None, rnd.uniform(0.0002, 0.002), 0, 0, "REJ", "Sr", 1, 52, 1, 40)
        dur = max(dur, 0.0005)
        opk = 2 + npk(ob) + max(1, npk(rb) // 2)
        rpk = 2 + npk(rb) + npk(ob) // 2
        if state == "SF":
            hist = rnd.choice(("ShADadFf", "ShADadFf", "ShADadfF", "ShADdaFf"))
        elif state == "RSTO":
            hist, rpk = "ShADadR", rpk - 1
        else:
            hist, opk = "ShADadr", opk - 1
        return self.row(ts, o, op, r, rp, "tcp", svc, dur, ob, rb, state, hist, opk, ob + opk * 52 + 8,
                        rpk, rb + rpk * 52 + 8)

    def udp(self, ts, o, r, rp, svc, dur, ob, rb, op=None):
        op = op or self.eport(o)
        if rb is None:
            return self.row(ts, o, op, r, rp, "udp", svc, None, None, None, "S0", "D", 1, ob + 28, 0, 0)
        return self.row(ts, o, op, r, rp, "udp", svc, dur, ob, rb, "SF", "Dd", 1, ob + 28, 1, rb + 28)

    def tls(self, ts, o, r, rp, name, dur, ob, rb, version="TLSv13", state="SF", svc="ssl"):
        u, op = self.tcp(ts, o, r, rp, svc, dur, ob, rb, state)
        rnd = self.rnd
        if version == "TLSv13":
            f = ("TLSv13", "TLS_AES_128_GCM_SHA256" if rnd.random() < 0.7 else "TLS_AES_256_GCM_SHA384",
                 "x25519", name or "-", "T" if rnd.random() < 0.3 else "F", "-",
                 "h2" if rnd.random() < 0.8 else "http/1.1", "T", "CsiI", "-", "-", "-")
        else:
            fp = hashlib.sha256(("cert " + r).encode()).hexdigest()
            f = ("TLSv12", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "secp256r1", name or "-", "F", "-", "-", "T",
                 "CsxknGIi", fp, "(empty)", "T" if name else "-")
        self.ssl.append((ts, u, "%.6f\t%s\t%s\t%d\t%s\t%d\t%s" % (ts, u, o, op, r, rp, "\t".join(f))))
        return u

    def query(self, ts, host, name, qtype=1, server=None, answers=None, ttl=None, rcode=0, rtt=None):
        """A DNS exchange host -> server (default: the host's DC); a DC
        forwards what its cache does not hold to an upstream resolver."""
        rnd = self.rnd
        server = server or dc_of(host)
        if answers is None and qtype == 1 and name in self.names and rcode == 0:
            answers, ttl = self.names[name]
        up = None
        if rtt is None:
            rtt = rnd.uniform(0.0003, 0.002) if is_internal(server) else rnd.uniform(0.008, 0.04)
            key = (server, name, qtype)
            if is_internal(server) and not name.endswith("acme.example") and self.dc_cache.get(key, 0) < ts:
                self.dc_cache[key] = ts + (ttl or 300)
                up = rnd.uniform(0.008, 0.04)
                rtt += up
        ans = ",".join(answers) if answers else "-"
        ttls = ",".join("%.6f" % ttl for _ in answers) if answers else "-"
        qlen = 12 + len(name) + 2 + 4
        rlen = qlen + sum(16 + (len(a) if qtype == 16 else 0) for a in (answers or ()))
        u, op = self.udp(ts, host, server, 53, "dns", rtt, qlen, rlen)
        self.dns.append((ts, u, DNS_ROW % (
            ts, u, host, op, server, rnd.randint(1, 65535), rtt, name, qtype, QTYPES[qtype], rcode,
            "NOERROR" if rcode == 0 else "NXDOMAIN", ans, ttls)))
        if up is not None:
            self.query(ts + rnd.uniform(0.0001, 0.0003), server, name, qtype, rnd.choice(UPSTREAM_DNS), answers, ttl,
                       rcode, up)

    def resolve(self, ts, host, name):
        """Look name up unless host's cache still holds it."""
        key = (host, name)
        if self.cache.get(key, 0) < ts:
            self.cache[key] = ts + self.names[name][1]
            self.query(ts - self.rnd.uniform(0.005, 0.05), host, name)
            if host.startswith("10.50.") and self.rnd.random() < 0.2:
                self.query(ts - self.rnd.uniform(0.005, 0.05), host, name, 28, answers=[])

    def web(self, ts, host, dest=None):
        """A page view: a lookup and one to four connections."""
        rnd = self.rnd
        a, name, _ = dest or self.web_dest()
        self.resolve(ts, host, name)
        for k in range(1 if rnd.random() < 0.6 else rnd.randint(2, 4)):
            t = ts + k * rnd.uniform(0.01, 0.3)
            ob = int(rnd.lognormvariate(7.4, 0.8))
            rb = int(rnd.lognormvariate(9.5, 1.6))
            dur = rnd.lognormvariate(1.5, 1.3) + rb / 5e6
            state = "SF" if rnd.random() < 0.93 else rnd.choice(("RSTO", "RSTR"))
            if rnd.random() < 0.004:
                self.tcp(t, host, a, 443, None, None, None, None, "S0")
            elif rnd.random() < 0.05:
                self.tcp(t, host, a, 80, "http", dur, ob // 2, rb, state)
            else:
                self.tls(t, host, a, 443, name, dur, ob, rb, state=state)


def hash_addr(a):
    h = 0
    for c in a:
        h = (h * 131 + ord(c)) % (1 << 61)
    return h


def dc_of(host):
    return DCS[hash_addr(host) % 4 == 0]


def workstation_day(g, ws, day):
    rnd = g.rnd
    always = ws in OVERNIGHT or (day == 1 and ws in (BEACON_SRC, POISSON_SRC))
    on = utc(day, 6, 0) + rnd.uniform(0, 2.5 * 3600)
    off = utc(day, 15, 30) + rnd.uniform(0, 2.5 * 3600)
    lo, hi = (utc(day, 0), utc(day, 24)) if always else (on, off)
    dc = dc_of(ws)
    # Logon: Kerberos, LDAP, GPO over SMB and RPC; repeated every ~90 min.
    t = on
    while t < off:
        g.resolve(t, ws, "dc01.corp.acme.example" if dc == DCS[0] else "dc02.corp.acme.example")
        g.query(t + 0.01, ws, "_ldap._tcp.dc._msdcs.corp.acme.example", 33, answers=["dc01.corp.acme.example"], ttl=600)
        g.query(t + 0.015, ws, "wpad.corp.acme.example", rcode=3)
        g.udp(t + 0.02, ws, dc, 389, "ldap_udp", 0.001, 180, 320)
        g.tcp(t + 0.05, ws, dc, 88, "krb_tcp", rnd.uniform(0.005, 0.03), 1400 + rnd.randint(0, 300), 1500 + rnd.randint(0, 200))
        g.udp(t + 0.07, ws, dc, 88, "krb", 0.002, 1300 + rnd.randint(0, 200), 1400 + rnd.randint(0, 200))
        g.tcp(t + 0.1, ws, dc, 389, "ldap_tcp", rnd.uniform(0.05, 2), 2000 + rnd.randint(0, 3000), 5000 + rnd.randint(0, 20000))
        g.tcp(t + 0.3, ws, dc, 135, "dce_rpc", rnd.uniform(0.01, 0.05), 200, 150)
        g.tcp(t + 0.4, ws, dc, 445, "smb,krb,gssapi", rnd.uniform(0.5, 5), rnd.randint(4000, 20000), rnd.randint(10000, 200000))
        t += 5400 + rnd.uniform(-1800, 1800)
    # NTP (w32time) about hourly, telemetry every ~30 min, while running.
    t = lo + rnd.uniform(0, 3600)
    while t < hi:
        g.udp(t, ws, dc, 123, "ntp", rnd.uniform(0.0003, 0.001), 48, 48, op=123)
        t += rnd.uniform(3300, 3900)
    t = lo + rnd.uniform(0, 1800)
    while t < hi:
        g.web(t, ws, (TELEMETRY[0], TELEMETRY[1], 300))
        t += 1800 * rnd.uniform(0.8, 1.2)
    # Browsing and SaaS: ~7 page views an hour, fewer over lunch; a little
    # background traffic at night on machines left on.
    t = lo
    while True:
        h = ((t - DAY0) % DAY) / 3600.0
        busy = on <= t < off
        rate = (7 if not 11 <= h < 12 else 3) if busy else 0.6
        t += rnd.expovariate(rate / 3600.0)
        if t >= hi:
            break
        g.web(t, ws, None if busy else g.pool[rnd.randrange(12)])
    # Teams: one long-lived connection a day.
    g.resolve(on + 60, ws, TEAMS[1])
    g.tls(on + 60, ws, TEAMS[0], 443, TEAMS[1], rnd.uniform(3600, 3 * 3600), rnd.randint(200000, 2000000),
          rnd.randint(500000, 5000000))
    # File server.
    for _ in range(rnd.randint(4, 14)):
        t = rnd.uniform(on + 300, off)
        g.resolve(t, ws, "files01.acme.example")
        g.tcp(t, ws, FILES, 445, "smb,krb,gssapi", rnd.lognormvariate(4, 1.5), int(rnd.lognormvariate(11, 1.5)),
              int(rnd.lognormvariate(13.5, 1.7)))
    # Internal applications.
    if ws in HR_USERS:
        for _ in range(rnd.randint(5, 30)):
            t = rnd.uniform(on, off)
            g.resolve(t, ws, "hr.acme.example")
            g.tls(t, ws, "10.30.10.5", 443, "hr.acme.example", rnd.uniform(1, 120), rnd.randint(800, 9000),
                  rnd.randint(5000, 400000), "TLSv12")
    if ws in DEVS:
        for _ in range(rnd.randint(10, 40)):
            t = rnd.uniform(on, off)
            if rnd.random() < 0.6:
                g.resolve(t, ws, "jenkins.acme.example")
                g.tcp(t, ws, "10.30.50.10", 8080, "http", rnd.uniform(0.2, 30), rnd.randint(600, 5000),
                      rnd.randint(3000, 900000))
            else:
                g.resolve(t, ws, "portal-stg.acme.example")
                g.tls(t, ws, "10.150.1.21", 8443, "portal-stg.acme.example", rnd.uniform(0.2, 60),
                      rnd.randint(800, 6000), rnd.randint(4000, 600000), "TLSv12")
    if ws in NETENG:
        for _ in range(rnd.randint(2, 4)):
            t = rnd.uniform(on, off - 1800)
            g.tcp(t, ws, rnd.choice(JUMPS), 3389, "rdp", rnd.uniform(600, 5400), rnd.randint(2000000, 9000000),
                  rnd.randint(10000000, 90000000))


def admin_day(g, day):
    """Jump hosts opening consoles and RDP in business hours; BIG-IQ polling."""
    rnd = g.rnd
    sessions = [("10.20.0.11", 443, "ssl"), ("10.20.0.11", 22, "ssh"), ("10.20.0.11", 443, "ssl"),
                ("10.20.0.11", 22, "ssh")] + [rnd.choice(CONSOLES) for _ in range(14)]
    for i, (addr, port, svc) in enumerate(sessions):
        j = JUMPS[i % 2]
        t = utc(day, 7, 15) + rnd.uniform(0, 9.25 * 3600)
        if svc == "ssh":
            g.tcp(t, j, addr, port, "ssh", rnd.uniform(120, 2400), rnd.randint(4000, 60000), rnd.randint(8000, 400000))
        else:
            for k in range(rnd.randint(6, 25)):
                g.tls(t + k * rnd.uniform(5, 60), j, addr, port, None, rnd.uniform(0.2, 90), rnd.randint(900, 8000),
                      rnd.randint(3000, 300000), "TLSv12")
        if rnd.random() < 0.3:
            g.row(t - 2, j, 8, addr, 0, "icmp", None, 3.003, 192, 192, "OTH", "-", 4, 304, 4, 304)
    for _ in range(3):
        t = utc(day, 7, 30) + rnd.uniform(0, 9 * 3600)
        g.tcp(t, rnd.choice(JUMPS), rnd.choice(DCS), 3389, "rdp", rnd.uniform(300, 3600), rnd.randint(1000000, 5000000),
              rnd.randint(5000000, 40000000))
    for addr, port in (("10.20.0.11", 443), ("10.20.0.12", 8443), ("10.20.0.5", 443)):
        t = utc(day, 0) + rnd.uniform(0, 600)
        while t < utc(day, 24):
            g.tls(t, BIGIQ, addr, port, None, rnd.uniform(0.3, 2), rnd.randint(1500, 2500), rnd.randint(6000, 30000),
                  "TLSv12")
            t += 600 + rnd.uniform(-3, 3)


def servers_day(g, day):
    rnd = g.rnd
    d0, d1 = utc(day, 0), utc(day, 24)

    def business(t):
        h = ((t - DAY0) % DAY) / 3600.0
        return 7 <= h < 17

    # orders-api's and the portal's connection pools to PostgreSQL:
    # connections renewed every ~30 minutes.
    for src in ["10.30.20.15"] * 8 + ["10.50.1.21"] * 4:
        t = d0 + rnd.uniform(0, 1800)
        while t < d1:
            dur = rnd.uniform(1500, 1900)
            g.tcp(t, src, "10.30.70.10", 5432, "postgresql", dur, rnd.randint(2000000, 9000000),
                  rnd.randint(5000000, 40000000))
            t += dur + rnd.uniform(0.5, 5)
    # Kafka producers and consumers: long-lived connections, 8 hours.
    for src in ("10.30.20.15", "10.30.40.21", "10.30.40.21"):
        t = d0 + rnd.uniform(0, 600)
        while t < d1:
            dur = 8 * 3600 + rnd.uniform(-60, 60)
            g.tcp(t, src, "10.30.80.10", 9092, None, dur, rnd.randint(50000000, 200000000),
                  rnd.randint(5000000, 30000000))
            t += dur + rnd.uniform(1, 10)
    # bigip-int-01 (self IP 10.30.10.5) to its pool members.
    for dst, port, per_h in (("10.30.20.15", 8443, 40), ("10.30.30.10", 8443, 12), ("10.30.30.20", 8080, 8)):
        t = d0
        while True:
            t += rnd.expovariate((per_h if business(t) else per_h / 8) / 3600.0)
            if t >= d1:
                break
            if port == 8443:
                g.tls(t, "10.30.10.5", dst, port, None, rnd.uniform(0.05, 30), rnd.randint(800, 20000),
                      rnd.randint(2000, 200000), "TLSv12")
            else:
                g.tcp(t, "10.30.10.5", dst, port, "http", rnd.uniform(0.05, 30), rnd.randint(600, 8000),
                      rnd.randint(2000, 500000))
    # Log shippers to Elasticsearch, every 5 minutes.
    for src in ("10.30.20.15", "10.30.30.10", "10.30.30.20", "10.30.40.21", "10.30.50.10", "10.30.80.10"):
        t = d0 + rnd.uniform(0, 300)
        while t < d1:
            g.tcp(t, src, "10.30.60.10", 9200, "http", rnd.uniform(0.02, 0.4), rnd.randint(20000, 400000),
                  rnd.randint(300, 900))
            t += 300 + rnd.uniform(-2, 2)
    # Jenkins SCM polling, every 15 minutes.
    t = d0 + rnd.uniform(0, 900)
    while t < d1:
        g.resolve(t, "10.30.50.10", GITHUB[1])
        g.tls(t, "10.30.50.10", GITHUB[0], 443, GITHUB[1], rnd.uniform(0.2, 0.8), rnd.randint(1400, 1700),
              rnd.randint(4000, 9000))
        t += 900 + rnd.uniform(-1, 1)
    # DC replication.
    t = d0 + rnd.uniform(0, 900)
    while t < d1:
        g.tcp(t, "10.10.0.10", "10.10.0.11", 135, "dce_rpc", 0.01, 220, 160)
        g.tcp(t + 0.05, "10.10.0.10", "10.10.0.11", 49668, "dce_rpc", rnd.uniform(0.1, 2), rnd.randint(3000, 60000),
              rnd.randint(3000, 80000))
        g.tcp(t + 7, "10.10.0.11", "10.10.0.10", 389, "ldap_tcp", rnd.uniform(0.1, 1), rnd.randint(1000, 5000),
              rnd.randint(2000, 30000))
        t += 900 + rnd.uniform(-30, 30)
    # Everyone's NTP and lookups.
    for src in ("10.30.20.15", "10.30.30.10", "10.30.30.20", "10.30.40.21", "10.30.50.10", "10.30.60.10",
                "10.30.70.10", "10.30.80.10", "10.20.0.11", "10.20.0.12", "10.20.0.5", "10.20.0.30", "10.10.5.5",
                "10.10.5.6", FILES, "10.50.1.21"):
        t = d0 + rnd.uniform(0, 1024)
        while t < d1:
            g.udp(t, src, DCS[0], 123, "ntp", rnd.uniform(0.0003, 0.001), 48, 48)
            t += 1024
        t = d0
        while True:
            t += rnd.expovariate(2 / 3600.0)
            if t >= d1:
                break
            n = rnd.choice(("kafka-01.acme.example", "pg-prod-01.acme.example", "elastic-01.acme.example",
                            "dc01.corp.acme.example"))
            g.query(t, src, n, ttl=1200)


def plants(g):
    rnd = g.rnd
    d = 1
    # a. beacon
    t = utc(d, 0) + rnd.uniform(0, 30)
    while t < utc(d, 24):
        g.resolve(t, BEACON_SRC, BEACON_NAME)
        g.tls(t, BEACON_SRC, BEACON_DST, 443, BEACON_NAME, rnd.uniform(0.12, 0.35), rnd.randint(600, 700),
              rnd.randint(200, 300), "TLSv12")
        t += 60 + rnd.uniform(-5, 5)
    # b. Poisson chatter to a popular CDN
    t = utc(d, 0)
    while True:
        t += rnd.expovariate(1 / 60.0)
        if t >= utc(d, 24):
            break
        g.resolve(t, POISSON_SRC, CDN[1])
        g.tls(t, POISSON_SRC, CDN[0], 443, CDN[1], rnd.lognormvariate(0.5, 1.2), int(rnd.lognormvariate(7.2, 0.7)),
              int(rnd.lognormvariate(9.5, 1.5)))
    # c. night-time console access from a workstation
    t = utc(d, 1, 0) + rnd.uniform(5, 40)
    for k in range(12):
        g.tls(t, NIGHT_SRC, CONSOLE, 443, None, rnd.uniform(0.3, 40), rnd.randint(900, 9000), rnd.randint(4000, 250000),
              "TLSv12")
        t += rnd.uniform(20, 90)
    g.tcp(utc(d, 1, 6, 12.5), NIGHT_SRC, CONSOLE, 22, "ssh", 312.4, 48211, 391022)
    g.tcp(utc(d, 1, 13, 40.2), NIGHT_SRC, CONSOLE, 22, "ssh", 377.9, 21904, 1204455)
    # d. SMB/RDP fan-out
    peers = [w for w in WORKSTATIONS if w != FANOUT_SRC]
    targets = sorted(rnd.sample(peers, 20), key=lambda a: int(a.rsplit(".", 1)[1]))
    servers = ["10.30.20.15", "10.30.30.10", "10.30.30.20", "10.30.40.21", "10.30.50.10", "10.30.60.10",
               "10.30.70.10", "10.30.80.10", "10.10.5.5", "10.10.1.50"]
    t = utc(d, 13, 0) + rnd.uniform(0, 20)
    for h in targets + servers:
        windows = h.startswith(("10.50.", "10.10."))
        for port in (445, 3389):
            if windows and rnd.random() < (0.55 if port == 445 else 0.3) or h == "10.10.5.5":
                svc = "smb,gssapi,ntlm" if port == 445 else "rdp"
                g.tcp(t, FANOUT_SRC, h, port, svc, rnd.uniform(0.05, 2.5), rnd.randint(900, 4000), rnd.randint(600, 3000))
            else:
                g.tcp(t, FANOUT_SRC, h, port, None, None, None, None, "S0" if windows and rnd.random() < 0.6 else "REJ")
            t += rnd.uniform(1, 6)
        t += rnd.uniform(2, 10)
    # e. staging then exfiltration
    t = utc(d, 15, 0) + rnd.uniform(0, 30)
    for gb in (0.55, 0.5, 0.45):
        dur = rnd.uniform(330, 380)
        g.tcp(t, EXFIL_SRC, FILES, 445, "smb,krb,gssapi", dur, rnd.randint(3000000, 6000000), int(gb * 1e9))
        t += dur + rnd.uniform(5, 20)
    t = utc(d, 15, 30) + rnd.uniform(0, 10)
    g.resolve(t, EXFIL_SRC, EXFIL_NAME)
    for k in range(4):
        dur = rnd.uniform(150, 175)
        g.tls(t, EXFIL_SRC, EXFIL_DST, 443, EXFIL_NAME, dur, int(0.5e9) + rnd.randint(-5000000, 5000000),
              rnd.randint(400000, 900000))
        t += dur + rnd.uniform(2, 8)
    # f. uncommon external port
    times = sorted(rnd.uniform(utc(d, 11), utc(d, 16)) for _ in range(36))
    for t in times:
        g.tcp(t, ODDPORT_SRC, ODDPORT_DST, ODDPORT, None, rnd.uniform(5, 60), rnd.randint(400, 6000),
              rnd.randint(1000, 40000))
    # g. IOC contact: Log4Shell callbacks from portal-web-01
    t = utc(d, 9, 14, 5.12)
    g.query(t, IOC_SRC, IOC_NAME)
    g.tcp(t + 1.9, IOC_SRC, IOC_DST, 1389, "ldap_tcp", 0.21, 94, 312)
    g.tcp(t + 2.4, IOC_SRC, IOC_DST, 5874, "http", 0.35, 212, 2318)
    # h. DNS tunnel: 400 distinct TXT subdomains
    t = utc(d, 10, 0)
    for _ in range(400):
        t += rnd.uniform(3, 15)
        name = "%040x.%s" % (rnd.getrandbits(160), TUNNEL_ZONE)
        g.query(t, TUNNEL_SRC, name, 16, DCS[0], answers=["TXT 32 %032x" % rnd.getrandbits(128)], ttl=0)


def header(path, fields, opened):
    return ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t%s\n"
            "#fields\t%s\n#types\t%s\n" % (path, opened, "\t".join(f for f, _ in fields),
                                           "\t".join(t for _, t in fields)))


def write(path, text):
    data = text.encode()
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def log(path, fields, rows):
    rows.sort(key=lambda r: (r[0], r[1]))
    return "%s%s\n#close\t2026-11-21-00-00-05\n" % (header(path, fields, "2026-11-19-00-00-05"),
                                                       "\n".join(r[2] for r in rows))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-flows.py OUTDIR")
    out = sys.argv[1]
    g = Gen(20261119)
    for day in (0, 1):
        for ws in WORKSTATIONS:
            workstation_day(g, ws, day)
        admin_day(g, day)
        servers_day(g, day)
    plants(g)
    end = utc(2, 0)
    g.conn = [r for r in g.conn if r[0] < end]
    keep = {r[1] for r in g.conn}
    g.dns = [r for r in g.dns if r[1] in keep]
    g.ssl = [r for r in g.ssl if r[1] in keep]
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "conn.log"), log("conn", CONN_FIELDS, g.conn))
    write(os.path.join(out, "dns.log"), log("dns", DNS_FIELDS, g.dns))
    write(os.path.join(out, "ssl.log"), log("ssl", SSL_FIELDS, g.ssl))
    write(os.path.join(out, "detect.conf"), DETECT_CONF)
    write(os.path.join(out, "README.txt"), "Generated by examples/acme/gen-flows.py; do not edit.\n\n" +
          __doc__.strip() + "\n\nRows: conn.log %d, dns.log %d, ssl.log %d.\n" % (
        len(g.conn), len(g.dns), len(g.ssl)))


if __name__ == "__main__":
    main()
