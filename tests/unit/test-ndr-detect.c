/*
 * test-ndr-detect.c - every detector both ways, on flows the test writes
 * into a store: a baseline day (2026-11-19, Thursday) and an analysis day
 * (2026-11-20, Friday), UTC, business hours Mon-Fri 08:00-18:00. Also the
 * pairing of unidirectional records, the stitching of cut sessions, the
 * ranking formula and --host.
 */
#include "koban/detect.h"
#include "ndr-internal.h"
#include "koban/flowstore.h"
#include "koban/ioc.h"
#include "koban/ledger.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define DAY1 INT64_C(1763510400) /* 2026-11-19T00:00:00Z */
#define DAY2 INT64_C(1763596800) /* 2026-11-20T00:00:00Z */
#define S(x) ((int64_t)(x) * 1000000)

static kb_store *store;
static kb_flow_writer *w;
static kb_detect_config cfg;

static kb_ip ip(const char *s)
{
	kb_ip a;
	assert_int_equal(kb_ip_parse(s, strlen(s), &a), 0);
	return a;
}

/* One flow; `state` NULL: no state. */
static void put(const char *o, const char *r, uint16_t port, int64_t start_s, double dur_s, uint64_t ob, uint64_t rb,
                const char *state)
{
	kb_flow f;
	memset(&f, 0, sizeof f);
	f.orig = ip(o);
	f.resp = ip(r);
	f.orig_port = 40000;
	f.resp_port = port;
	f.proto = 6;
	f.start_us = S(start_s);
	f.duration_us = (int64_t)(dur_s * 1e6);
	f.orig_bytes = ob;
	f.resp_bytes = rb;
	f.orig_pkts = ob ? 10 : 1;
	f.resp_pkts = rb ? 10 : 0;
	if (state) {
		snprintf(f.state, sizeof f.state, "%s", state);
		f.flags |= KB_FLOW_HAS_STATE;
	}
	kb_error err;
	assert_int_equal(kb_flow_writer_put(w, &f, &err), 0);
}

static void begin(void)
{
	kb_error err;
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &store, &err), 0);
	static const char ledger[] = "name,category,interfaces\n"
	                             "bigip-01,external,management 10.20.0.11:443/tcp\n";
	assert_int_equal(kb_ledger_import_mem(store, "l.csv", ledger, strlen(ledger), NULL, NULL, &err), 0);
	assert_int_equal(kb_flow_writer_begin(store, "t", KB_FLOWFMT_ZEEK, &w, &err), 0);
	kb_detect_config_default(&cfg);
	cfg.baseline_since_us = S(DAY1);
	cfg.baseline_until_us = S(DAY2);
	assert_int_equal(kb_cidr_parse("10.20.5.10", 10, &cfg.admins[0]), 0);
	cfg.n_admins = 1;
	/* a little ordinary traffic on both days, so the window has a start and an end */
	for (int d = 0; d < 2; d++)
		for (int h = 0; h < 24; h++)
			put("10.0.9.1", "198.51.100.200", 443, (d ? DAY2 : DAY1) + h * 3600 + 17, 2, 500, 5000, "SF");
}

static kb_detect_result *run(const kb_ioc_set *iocs)
{
	kb_error err;
	kb_flow_import_stats st;
	if (w) {
		assert_int_equal(kb_flow_writer_end(w, &st, &err), 0);
		w = NULL;
	}
	kb_detect_opts o = { .config = &cfg, .iocs = iocs };
	kb_detect_result *res = NULL;
	int r = kb_detect_run(store, &o, &res, &err);
	if (r < 0)
		fail_msg("kb_detect_run: %s", err.msg);
	return res;
}

static void dump(const kb_detect_result *res)
{
	if (!getenv("KB_TEST_DUMP"))
		return;
	for (size_t i = 0; i < res->n_detections; i++) {
		char a[KB_IP_TEXT_MAX];
		kb_ip_format(&res->detections[i].host, a, sizeof a);
		print_message("%s %s %s | %s | %s\n", a, res->detections[i].kind, res->detections[i].peer,
		              res->detections[i].summary, res->detections[i].evidence);
	}
}

static const kb_detection *find(const kb_detect_result *res, const char *host, const char *kind)
{
	dump(res);
	kb_ip a = ip(host);
	for (size_t i = 0; i < res->n_detections; i++)
		if (memcmp(res->detections[i].host.b, a.b, 16) == 0 && (!kind || strcmp(res->detections[i].kind, kind) == 0))
			return &res->detections[i];
	return NULL;
}

static void end(kb_detect_result *res)
{
	kb_detect_result_free(res);
	kb_store_close(store);
	store = NULL;
}

static void test_beacon(void **state)
{
	(void)state;
	begin();
	unsigned seed = 1;
	int64_t t = DAY2 + 30;
	while (t < DAY2 + 86400) {
		put("10.0.0.5", "198.51.100.1", 443, t, 0.4, 650, 250, "SF");
		seed = seed * 1103515245u + 12345u;
		t += 55 + (seed >> 16) % 11; /* 60 s +- 5 */
	}
	/* Poisson arrivals, mean 60 s, random sizes: not a beacon */
	double pt = (double)DAY2 + 10;
	while (pt < (double)DAY2 + 86400) {
		put("10.0.0.6", "198.51.100.2", 443, (int64_t)pt, 0.3, 300 + (uint64_t)(pt) % 5000, 4000, "SF");
		seed = seed * 1103515245u + 12345u;
		double u = ((seed >> 8) & 0xffff) / 65536.0;
		pt += -60.0 * log(1 - u);
	}
	/* a poller that polled the same way the day before: a habit, shown with less threat */
	for (int64_t pt2 = DAY1 + 100; pt2 < DAY2 + 86400; pt2 += 900)
		put("10.0.0.7", "198.51.100.3", 443, pt2, 0.4, 800, 3000, "SF");
	kb_detect_result *res = run(NULL);
	const kb_detection *d = find(res, "10.0.0.5", "beacon");
	assert_non_null(d);
	assert_true(d->certainty >= 80);
	assert_int_equal(d->threat, 70);
	const kb_detection *h = find(res, "10.0.0.7", "beacon");
	assert_non_null(h);
	assert_int_equal(h->threat, 40);
	assert_non_null(strstr(h->evidence, "in_baseline=yes"));
	assert_non_null(strstr(d->evidence, "period_s=60"));
	assert_true(d->n_samples == KB_DETECT_MAX_SAMPLES);
	assert_null(find(res, "10.0.0.6", "beacon"));
	end(res);
}

static void test_uncommon_port(void **state)
{
	(void)state;
	begin();
	for (int i = 0; i < 10; i++)
		put("10.0.0.7", "203.0.113.9", 5888, DAY2 + 3600 + i * 600, 5, 1000, 1000, "SF");
	/* 8443 is used by five hosts: not rare */
	for (int h = 0; h < 5; h++)
		for (int i = 0; i < 3; i++) {
			char src[32];
			snprintf(src, sizeof src, "10.0.1.%d", h + 1);
			put(src, "203.0.113.20", 8443, DAY2 + 7200 + i * 60 + h, 1, 100, 100, "SF");
		}
	/* 5999 tried but never established: not a conversation */
	put("10.0.0.8", "203.0.113.21", 5999, DAY2 + 100, 0, 0, 0, "S0");
	kb_detect_result *res = run(NULL);
	const kb_detection *d = find(res, "10.0.0.7", "uncommon-port");
	assert_non_null(d);
	assert_non_null(strstr(d->peer, ":5888/tcp"));
	assert_null(find(res, "10.0.1.1", "uncommon-port"));
	assert_null(find(res, "10.0.0.8", "uncommon-port"));
	end(res);
}

static void test_long_connection(void **state)
{
	(void)state;
	begin();
	put("10.0.0.8", "203.0.113.10", 22, DAY2 + 100, 5 * 3600, 10000, 10000, "SF");
	/* a service every host uses for hours (a meeting service) */
	for (int h = 0; h < 6; h++) {
		char src[32];
		snprintf(src, sizeof src, "10.0.2.%d", h + 1);
		put(src, "203.0.113.11", 443, DAY2 + 9 * 3600 + h, 2 * 3600, 1000, 1000, "SF");
	}
	/* half an hour: not long */
	put("10.0.0.9", "203.0.113.12", 22, DAY2 + 100, 1800, 100, 100, "SF");
	kb_detect_result *res = run(NULL);
	const kb_detection *d = find(res, "10.0.0.8", "long-connection");
	assert_non_null(d);
	assert_true(d->threat > 30 && d->threat < 60);
	assert_null(find(res, "10.0.2.1", "long-connection"));
	assert_null(find(res, "10.0.0.9", "long-connection"));
	end(res);
}

static void test_exfiltration(void **state)
{
	(void)state;
	begin();
	/* staging: pull 1 GB from inside, then 2 GB out to a host nobody else uses */
	put("10.0.0.9", "10.0.5.5", 445, DAY2 + 50000, 600, 2000, 1000000000, "SF");
	for (int i = 0; i < 4; i++)
		put("10.0.0.9", "203.0.113.12", 443, DAY2 + 52000 + i * 120, 100, 500000000, 10000, "SF");
	/* an upload without a pull before it */
	put("10.0.0.10", "203.0.113.13", 443, DAY2 + 30000, 300, 300000000, 1000, "SF");
	/* the same volume to a destination four hosts use (a backup service): no upload */
	for (int h = 0; h < 4; h++) {
		char src[32];
		snprintf(src, sizeof src, "10.0.3.%d", h + 1);
		put(src, "203.0.113.14", 443, DAY2 + 40000 + h, 300, 300000000, 1000, "SF");
		put(src, "203.0.113.14", 443, DAY1 + 40000 + h, 300, 300000000, 1000, "SF");
	}
	kb_detect_result *res = run(NULL);
	const kb_detection *d = find(res, "10.0.0.9", "staging");
	assert_non_null(d);
	assert_non_null(strstr(d->evidence, "pulled_before=1.0 GB"));
	d = find(res, "10.0.0.10", "exfiltration");
	assert_non_null(d);
	assert_non_null(strstr(d->peer, "203.0.113.13"));
	assert_null(find(res, "10.0.3.1", NULL));
	end(res);
}

static void test_lateral(void **state)
{
	(void)state;
	begin();
	for (int i = 0; i < 12; i++) {
		char dst[32];
		snprintf(dst, sizeof dst, "10.0.6.%d", i + 1);
		put("10.0.0.11", dst, i % 2 ? 445 : 3389, DAY2 + 46800 + i * 30, 2, 100, 100, i % 6 ? "SF" : "REJ");
		put("10.20.5.10", dst, 3389, DAY2 + 46800 + i * 30, 2, 100, 100, "SF"); /* the admin: fine */
	}
	/* habits: the same admin pairs on both days are not new */
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < 3; i++) {
			char dst[32];
			snprintf(dst, sizeof dst, "10.0.7.%d", i + 1);
			put("10.0.0.12", dst, 445, (d ? DAY2 : DAY1) + 40000 + i, 2, 100, 100, "SF");
		}
	/* two admin paths never seen before */
	put("10.0.0.13", "10.0.8.1", 5985, DAY2 + 40000, 2, 100, 100, "SF");
	put("10.0.0.13", "10.0.8.2", 22, DAY2 + 40100, 2, 100, 100, "SF");
	kb_detect_result *res = run(NULL);
	const kb_detection *d = find(res, "10.0.0.11", "lateral-fanout");
	assert_non_null(d);
	assert_string_equal(d->peer, "10 internal hosts"); /* the two refused are attempts */
	assert_non_null(strstr(d->evidence, "attempted=12"));
	assert_null(find(res, "10.20.5.10", NULL));
	assert_null(find(res, "10.0.0.12", NULL));
	assert_non_null(find(res, "10.0.0.13", "lateral-new-admin"));
	end(res);
}

static void test_scans(void **state)
{
	(void)state;
	begin();
	cfg.scan_min_targets = 50;
	for (int i = 0; i < 60; i++) {
		char dst[32];
		snprintf(dst, sizeof dst, "10.0.10.%d", i + 1);
		put("10.0.0.14", dst, 22, DAY2 + 3600 + i, 0, 0, 0, "S0");        /* horizontal */
		put("10.0.0.15", "10.0.11.1", (uint16_t)(1000 + i), DAY2 + 3600 + i, 0, 0, 0, "REJ"); /* vertical */
		put("10.0.0.16", dst, 443, DAY2 + 3600 + i, 1, 100, 1000, "SF");  /* real connections */
	}
	for (int i = 0; i < 49; i++) { /* one short of the threshold */
		char dst[32];
		snprintf(dst, sizeof dst, "10.0.12.%d", i + 1);
		put("10.0.0.17", dst, 23, DAY2 + 3600 + i, 0, 0, 0, "S0");
	}
	kb_detect_result *res = run(NULL);
	const kb_detection *d = find(res, "10.0.0.14", "scan-horizontal");
	assert_non_null(d);
	assert_non_null(strstr(d->peer, "60 hosts on port 22"));
	assert_non_null(find(res, "10.0.0.15", "scan-vertical"));
	assert_null(find(res, "10.0.0.16", NULL));
	assert_null(find(res, "10.0.0.17", NULL));
	end(res);
}

static void test_console(void **state)
{
	(void)state;
	begin();
	/* a workstation at 02:00 (outside business hours) */
	put("10.0.0.18", "10.20.0.11", 443, DAY2 + 2 * 3600, 30, 1000, 20000, "SF");
	/* the admin at 10:00: fine */
	put("10.20.5.10", "10.20.0.11", 443, DAY2 + 10 * 3600, 30, 1000, 20000, "SF");
	/* a poller that is an admin source, at night on both days: a habit */
	assert_int_equal(kb_cidr_parse("10.20.0.30", 10, &cfg.admins[1]), 0);
	cfg.n_admins = 2;
	put("10.20.0.30", "10.20.0.11", 443, DAY1 + 3 * 3600, 1, 100, 100, "SF");
	put("10.20.0.30", "10.20.0.11", 443, DAY2 + 3 * 3600, 1, 100, 100, "SF");
	/* another port of the management address is not the console the ledger names */
	put("10.0.0.19", "10.20.0.11", 80, DAY2 + 2 * 3600, 1, 100, 100, "SF");
	kb_detect_result *res = run(NULL);
	const kb_detection *d = find(res, "10.0.0.18", "console-off-hours");
	assert_non_null(d);
	assert_int_equal(d->threat, 85);
	assert_non_null(strstr(d->peer, "bigip-01"));
	assert_null(find(res, "10.20.5.10", NULL));
	assert_null(find(res, "10.20.0.30", NULL));
	assert_null(find(res, "10.0.0.19", NULL));
	end(res);
}

static void test_ioc_and_dns(void **state)
{
	(void)state;
	begin();
	put("10.0.0.20", "192.0.2.66", 1389, DAY2 + 3600, 1, 100, 2000, "SF");
	put("10.0.0.21", "192.0.2.70", 443, DAY2 + 3600, 1, 100, 2000, "SF"); /* not an indicator */
	kb_error err;
	/* DNS: an indicator looked up by a client; 150 names under one domain from another client */
	kb_flow_name n = { .kind = KB_FLOW_NAME_DNS_QUERY, .ts_us = S(DAY2 + 3000), .orig = ip("10.0.0.22"),
		           .resp = ip("10.0.0.53"), .resp_port = 53, .name = "x5e9.evil.example", .rcode = 0 };
	assert_int_equal(kb_flow_writer_put_name(w, &n, &err), 0);
	char q[128];
	for (int i = 0; i < 150; i++) {
		snprintf(q, sizeof q, "%08x%08x.t.tunnel.example", (unsigned)i * 2654435761u, (unsigned)i);
		n.orig = ip("10.0.0.23");
		n.name = q;
		n.ts_us = S(DAY2 + 4000 + i);
		assert_int_equal(kb_flow_writer_put_name(w, &n, &err), 0);
	}
	for (int i = 0; i < 50; i++) { /* a CDN with a few dozen names: not a tunnel */
		snprintf(q, sizeof q, "img%d.cdn.example", i);
		n.orig = ip("10.0.0.24");
		n.name = q;
		assert_int_equal(kb_flow_writer_put_name(w, &n, &err), 0);
	}
	kb_ioc_set_builder *b = NULL;
	kb_ioc_set *set = NULL;
	assert_int_equal(kb_ioc_set_builder_new(&b), 0);
	kb_ioc i1 = { .type = KB_IOC_IPV4, .value = "192.0.2.64/30", .source = "t", .to_ids = true, .confidence = 90 };
	kb_ioc i2 = { .type = KB_IOC_DOMAIN, .value = "evil.example", .source = "t", .to_ids = true, .confidence = -1 };
	assert_int_equal(kb_ioc_set_add(b, &i1), 0);
	assert_int_equal(kb_ioc_set_add(b, &i2), 0);
	assert_int_equal(kb_ioc_set_build(b, &set), 0);
	kb_detect_result *res = run(set);
	const kb_detection *d = find(res, "10.0.0.20", "ioc-contact");
	assert_non_null(d);
	assert_int_equal(d->certainty, 90);
	assert_int_equal(d->threat, 75);
	assert_null(find(res, "10.0.0.21", NULL));
	d = find(res, "10.0.0.22", "ioc-contact");
	assert_non_null(d);
	assert_string_equal(d->peer, "evil.example");
	d = find(res, "10.0.0.23", "dns-c2");
	assert_non_null(d);
	assert_string_equal(d->peer, "tunnel.example");
	assert_null(find(res, "10.0.0.24", NULL));
	kb_detect_result_free(res);
	/* no IOCs: no IOC detections */
	res = run(NULL);
	assert_null(find(res, "10.0.0.20", "ioc-contact"));
	end(res);
	kb_ioc_set_free(set);
}

static void put_uni(const char *o, const char *r, uint16_t op, uint16_t rp, int64_t start_s, double dur_s, uint64_t ob,
                    uint8_t flags)
{
	kb_flow f;
	memset(&f, 0, sizeof f);
	f.orig = ip(o);
	f.resp = ip(r);
	f.orig_port = op;
	f.resp_port = rp;
	f.proto = 6;
	f.start_us = S(start_s);
	f.duration_us = (int64_t)(dur_s * 1e6);
	f.orig_bytes = ob;
	f.orig_pkts = 5;
	f.flags = flags;
	kb_error err;
	assert_int_equal(kb_flow_writer_put(w, &f, &err), 0);
}

/* NetFlow halves are paired and cut sessions stitched before analysis: a
 * 5-hour session exported as ten 30-minute halves each way is one long
 * connection of 5 hours, both directions counted. */
static void test_pairing_and_stitching(void **state)
{
	(void)state;
	begin();
	for (int i = 0; i < 10; i++) {
		int64_t t = DAY2 + 3600 + i * 1800;
		put_uni("10.0.0.30", "203.0.113.30", 50000, 22, t, 1800, 1000, KB_FLOW_UNIDIR | KB_FLOW_PARTIAL);
		put_uni("203.0.113.30", "10.0.0.30", 22, 50000, t + 1, 1799, 5000, KB_FLOW_UNIDIR | KB_FLOW_PARTIAL);
	}
	kb_detect_result *res = run(NULL);
	assert_true(res->stats.paired >= 1);
	assert_true(res->stats.stitched >= 1);
	const kb_detection *d = find(res, "10.0.0.30", "long-connection");
	assert_non_null(d);
	assert_non_null(strstr(d->evidence, "bytes_in=50.0 kB"));
	assert_null(find(res, "203.0.113.30", NULL));
	end(res);
}

static void test_ranking_and_host(void **state)
{
	(void)state;
	begin();
	/* 10.0.0.40: an uncommon port and a console at night; 10.0.0.41: a console at night only */
	for (int i = 0; i < 5; i++)
		put("10.0.0.40", "203.0.113.40", 6666, DAY2 + 3600 + i * 60, 5, 1000, 1000, "SF");
	put("10.0.0.40", "10.20.0.11", 443, DAY2 + 7200, 1, 100, 100, "SF");
	put("10.0.0.41", "10.20.0.11", 443, DAY2 + 7200, 1, 100, 100, "SF");
	kb_detect_result *res = run(NULL);
	assert_true(res->n_hosts >= 2);
	assert_memory_equal(res->hosts[0].host.b, ip("10.0.0.40").b, 16);
	/* threat = max + 0.25 * rest, certainty = 1 - prod(1 - c), priority = threat * certainty */
	const kb_detection *a = find(res, "10.0.0.40", "uncommon-port"), *b = find(res, "10.0.0.40", "console-off-hours");
	assert_non_null(a);
	assert_non_null(b);
	double t = fmax(a->threat, b->threat) / 100.0 + 0.25 * fmin(a->threat, b->threat) / 100.0;
	t = t > 1 ? 1 : t;
	double c = 1 - (1 - a->certainty / 100.0) * (1 - b->certainty / 100.0);
	assert_int_equal(res->hosts[0].threat, (unsigned)lround(t * 100));
	assert_int_equal(res->hosts[0].certainty, (unsigned)lround(c * 100));
	assert_int_equal(res->hosts[0].priority, (unsigned)lround(t * c * 100));
	kb_detect_result_free(res);
	kb_detect_opts o = { .config = &cfg };
	kb_ip only = ip("10.0.0.41");
	o.only_host = &only;
	kb_error err;
	assert_int_equal(kb_detect_run(store, &o, &res, &err), 0);
	assert_int_equal(res->n_hosts, 1);
	assert_int_equal(res->n_detections, 1);
	end(res);
}

/* NDR_MAX_DETECTIONS: one rare port per flow, more flows than detections
 * are kept; the rest are counted, and the ranking stays whole. */
static void test_detection_limit(void **state)
{
	(void)state;
	begin();
	size_t want = NDR_MAX_DETECTIONS + 25, made = 0;
	for (uint32_t i = 0; made < want; i++) {
		uint16_t port = (uint16_t)(1 + i % 65535);
		if (port == 53 || port == 80 || port == 123 || port == 443)
			continue;
		char src[32];
		snprintf(src, sizeof src, "10.1.%u.%u", (i / 65535) % 256, 1 + i % 200);
		kb_flow f;
		memset(&f, 0, sizeof f);
		f.orig = ip(src);
		f.resp = ip("203.0.113.99");
		f.resp_port = port;
		f.proto = i / 65535 ? 17 : 6;
		f.start_us = S(DAY2 + 100 + (int64_t)(made % 80000));
		f.duration_us = 1000000;
		f.orig_bytes = f.resp_bytes = 100;
		f.orig_pkts = f.resp_pkts = 1;
		kb_error err;
		assert_int_equal(kb_flow_writer_put(w, &f, &err), 0);
		made++;
	}
	kb_detect_result *res = run(NULL);
	assert_int_equal(res->n_detections, NDR_MAX_DETECTIONS);
	assert_true(res->stats.dropped_detections >= 25);
	size_t sum = 0;
	for (size_t i = 0; i < res->n_hosts; i++)
		sum += res->hosts[i].n_detections;
	assert_int_equal(sum, res->n_detections);
	end(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beacon),          cmocka_unit_test(test_uncommon_port),
		cmocka_unit_test(test_long_connection), cmocka_unit_test(test_exfiltration),
		cmocka_unit_test(test_lateral),         cmocka_unit_test(test_scans),
		cmocka_unit_test(test_console),         cmocka_unit_test(test_ioc_and_dns),
		cmocka_unit_test(test_pairing_and_stitching), cmocka_unit_test(test_ranking_and_host),
		cmocka_unit_test(test_detection_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
