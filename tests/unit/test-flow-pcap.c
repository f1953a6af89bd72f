/*
 * test-flow-pcap.c - flows from pcap files (kb_flows_read_pcap, koban/flow.h).
 * The test writes its own captures (classic pcap: a 24-byte file header and
 * 16-byte record headers; pcapng: section, interface and enhanced packet
 * blocks): Ethernet with 802.1Q and QinQ tags and a non-IP frame, Linux
 * cooked v1 and v2, raw IP, BSD loopback in both byte orders, a NetFlow v5
 * export packet to port 2055 (decoded, numbered by its packet) and the same
 * to another port (a session, unless all_udp_export), nanosecond times,
 * pcapng, a file truncated inside a record (KB_EPARSE at its packet number,
 * the sessions before it delivered), an unknown link type, a file that is
 * not a capture, a missing file, and a sink that stops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "koban/flow.h"

#define MAXF 32
#define SEC 1000000ll

typedef struct got {
	kb_flow f[MAXF];
	size_t n;
	int stop_with;
} got;

static int keep(void *ctx, const kb_flow *f)
{
	got *g = ctx;
	assert_true(g->n < MAXF);
	g->f[g->n++] = *f;
	return g->stop_with;
}

/* ---- bytes ---- */

typedef struct bytes {
	uint8_t b[8192];
	size_t n;
} bytes;

static void raw(bytes *o, const void *p, size_t n)
{
	assert_true(o->n + n <= sizeof o->b);
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void le32(bytes *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	raw(o, b, 4);
}

static void le16(bytes *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	raw(o, b, 2);
}

static void be16(bytes *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	raw(o, b, 2);
}

static void be32(bytes *o, uint32_t v)
{
	be16(o, (uint16_t)(v >> 16));
	be16(o, (uint16_t)v);
}

static void zeros(bytes *o, size_t n)
{
	assert_true(o->n + n <= sizeof o->b);
	memset(o->b + o->n, 0, n);
	o->n += n;
}

/* ---- packets ---- */

static const uint32_t C = 0xc0a80001, SV = 0xc0a80002, EXP = 0xc0a80009, COL = 0xc0a8000a;

/* IPv4 + UDP (payload given) or TCP (flags, no payload). */
static void ip4_udp(bytes *o, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, const void *pl, size_t n)
{
	uint8_t h[20] = { 0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17 };
	size_t tot = 28 + n;
	h[2] = (uint8_t)(tot >> 8);
	h[3] = (uint8_t)tot;
	for (int i = 0; i < 4; i++) {
		h[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		h[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	raw(o, h, 20);
	be16(o, sp);
	be16(o, dp);
	be16(o, (uint16_t)(8 + n));
	be16(o, 0);
	if (n)
		raw(o, pl, n);
}

static void ip4_tcp(bytes *o, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, uint8_t flags)
{
	uint8_t h[20] = { 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6 };
	for (int i = 0; i < 4; i++) {
		h[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		h[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	raw(o, h, 20);
	be16(o, sp);
	be16(o, dp);
	zeros(o, 8);
	uint8_t t[8] = { 5 << 4, flags, 0xff, 0xff };
	raw(o, t, 8);
}

static void ip6_udp(bytes *o, uint8_t last_src, uint8_t last_dst, uint16_t sp, uint16_t dp, size_t n)
{
	uint8_t h[40] = { 0x60 };
	h[4] = (uint8_t)((8 + n) >> 8);
	h[5] = (uint8_t)(8 + n);
	h[6] = 17;
	h[7] = 64;
	h[8] = h[24] = 0x20;
	h[9] = h[25] = 0x01;
	h[10] = h[26] = 0x0d;
	h[11] = h[27] = 0xb8;
	h[23] = last_src;
	h[39] = last_dst;
	raw(o, h, 40);
	be16(o, sp);
	be16(o, dp);
	be16(o, (uint16_t)(8 + n));
	be16(o, 0);
	zeros(o, n);
}

static void ether(bytes *o, const uint16_t *tags, size_t ntags, uint16_t type)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6 };
	raw(o, macs, 12);
	for (size_t i = 0; i < ntags; i++) {
		be16(o, tags[i]);
		be16(o, (uint16_t)(100 + i)); /* the VLAN id */
	}
	be16(o, type);
}

/* A NetFlow v5 export packet with one record. */
static void nf5(bytes *o)
{
	be16(o, 5);
	be16(o, 1);
	be32(o, 100000);      /* sysUptime ms */
	be32(o, 1700000000);  /* unix_secs */
	be32(o, 0);
	be32(o, 1);           /* sequence */
	zeros(o, 4);
	be32(o, 0x0a010101);  /* src */
	be32(o, 0x0a020202);  /* dst */
	be32(o, 0);
	be16(o, 1);
	be16(o, 2);
	be32(o, 7);           /* packets */
	be32(o, 700);         /* octets */
	be32(o, 90000);       /* First */
	be32(o, 95000);       /* Last */
	be16(o, 51000);
	be16(o, 443);
	uint8_t x[4] = { 0, 0x1b, 6, 0 };
	raw(o, x, 4);
	zeros(o, 8);
}

/* ---- capture files ---- */

static char dir[] = "/tmp/kb-test-pcap-XXXXXX";

typedef struct cap {
	bytes file;
	bool nano;
} cap;

static void cap_start(cap *c, uint32_t linktype, bool nano)
{
	memset(c, 0, sizeof *c);
	c->nano = nano;
	le32(&c->file, nano ? 0xa1b23c4d : 0xa1b2c3d4);
	le16(&c->file, 2);
	le16(&c->file, 4);
	le32(&c->file, 0);
	le32(&c->file, 0);
	le32(&c->file, 65535);
	le32(&c->file, linktype);
}

/* One record: `sub` is the time's fraction (micro- or nanoseconds). */
static void cap_pkt(cap *c, uint32_t sec, uint32_t sub, const bytes *p)
{
	le32(&c->file, sec);
	le32(&c->file, sub);
	le32(&c->file, (uint32_t)p->n);
	le32(&c->file, (uint32_t)p->n);
	raw(&c->file, p->b, p->n);
}

static const char *save(const char *name, const bytes *b)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->b, 1, b->n, f), b->n);
	fclose(f);
	return path;
}

static int read_all(const char *path, const kb_pcap_opts *o, got *g, kb_error *err)
{
	kb_flow_sink sink = { keep, NULL, g };
	kb_error_clear(err);
	return kb_flows_read_pcap(path, o, &sink, err);
}

static void is_v4(const kb_ip *a, uint32_t v)
{
	kb_ip w = kb_ip_v4(v);
	assert_memory_equal(a->b, w.b, 16);
}

/* ---- tests ---- */

static void test_ethernet_vlan(void **state)
{
	(void)state;
	cap c;
	cap_start(&c, 1, false);
	bytes p = { .n = 0 };
	static const uint16_t q[1] = { 0x8100 }, qinq[2] = { 0x88a8, 0x8100 };
	ether(&p, q, 1, 0x0800);
	ip4_tcp(&p, C, 40000, SV, 80, 0x02);
	cap_pkt(&c, 1000, 1, &p);
	p.n = 0;
	ether(&p, NULL, 0, 0x0806); /* ARP: skipped */
	zeros(&p, 28);
	cap_pkt(&c, 1000, 2, &p);
	p.n = 0;
	ether(&p, qinq, 2, 0x0800);
	ip4_tcp(&p, SV, 80, C, 40000, 0x12);
	cap_pkt(&c, 1000, 500, &p);
	p.n = 0;
	ether(&p, NULL, 0, 0x86dd);
	ip6_udp(&p, 1, 2, 5353, 5353, 10);
	cap_pkt(&c, 1001, 0, &p);
	p.n = 0;
	ether(&p, NULL, 0, 0x0800);
	ip4_tcp(&p, C, 40000, SV, 80, 0x10);
	zeros(&p, 6); /* Ethernet padding: not IP bytes */
	cap_pkt(&c, 1001, 1, &p);

	got g = { .n = 0 };
	kb_error err;
	assert_int_equal(read_all(save("eth.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 2);
	const kb_flow *f = &g.f[0];
	assert_int_equal(f->proto, 6);
	is_v4(&f->orig, C);
	is_v4(&f->resp, SV);
	assert_int_equal(f->orig_port, 40000);
	assert_int_equal(f->resp_port, 80);
	assert_int_equal(f->orig_pkts, 2);
	assert_int_equal(f->resp_pkts, 1);
	assert_int_equal(f->orig_bytes, 80);
	assert_int_equal(f->resp_bytes, 40);
	assert_int_equal(f->start_us, 1000 * SEC + 1);
	assert_int_equal(f->duration_us, SEC);
	assert_string_equal(f->state, "S1");
	assert_int_equal(f->line, 1);
	f = &g.f[1];
	assert_int_equal(f->proto, 17);
	assert_int_equal(f->orig.b[15], 1);
	assert_int_equal(f->resp.b[15], 2);
	assert_int_equal(f->orig_bytes, 58);
	assert_int_equal(f->line, 4);
}

static void test_sll_raw_loop(void **state)
{
	(void)state;
	got g;
	kb_error err;
	bytes p;

	/* Linux cooked v1: 16 bytes, the protocol last */
	cap c;
	cap_start(&c, 113, false);
	p.n = 0;
	zeros(&p, 14);
	be16(&p, 0x0800);
	ip4_udp(&p, C, 40000, SV, 53, "q", 1);
	cap_pkt(&c, 5, 0, &p);
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("sll.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].resp_port, 53);
	assert_int_equal(g.f[0].orig_bytes, 29);

	/* Linux cooked v2: 20 bytes, the protocol first */
	cap_start(&c, 276, false);
	p.n = 0;
	be16(&p, 0x86dd);
	zeros(&p, 18);
	ip6_udp(&p, 3, 4, 40000, 53, 0);
	cap_pkt(&c, 5, 0, &p);
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("sll2.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].orig.b[15], 3);
	assert_int_equal(g.f[0].orig_bytes, 48);

	/* raw IP (LINKTYPE_RAW 101), IPv4 and IPv6 in one file */
	cap_start(&c, 101, false);
	p.n = 0;
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 5, 0, &p);
	p.n = 0;
	ip6_udp(&p, 5, 6, 40000, 53, 0);
	cap_pkt(&c, 5, 1, &p);
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("raw.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.f[1].line, 2);

	/* LINKTYPE_IPV4 (228) */
	cap_start(&c, 228, false);
	p.n = 0;
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 5, 0, &p);
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("ipv4.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 1);

	/* BSD loopback: AF_INET in the writer's byte order (little endian), AF_INET6 as
	 * FreeBSD (28) big endian; then DLT_LOOP, always big endian */
	cap_start(&c, 0, false);
	p.n = 0;
	le32(&p, 2);
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 5, 0, &p);
	p.n = 0;
	be32(&p, 28);
	ip6_udp(&p, 7, 8, 40000, 53, 0);
	cap_pkt(&c, 5, 1, &p);
	p.n = 0;
	le32(&p, 7); /* another family: skipped */
	ip4_udp(&p, C, 40001, SV, 53, NULL, 0);
	cap_pkt(&c, 5, 2, &p);
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("null.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.f[1].orig.b[15], 7);

	cap_start(&c, 108, false);
	p.n = 0;
	be32(&p, 2);
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 5, 0, &p);
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("loop.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 1);
}

static void test_netflow(void **state)
{
	(void)state;
	cap c;
	cap_start(&c, 101, false);
	bytes nf = { .n = 0 };
	nf5(&nf);
	bytes p = { .n = 0 };
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 10, 0, &p);
	p.n = 0;
	ip4_udp(&p, EXP, 50000, COL, 2055, nf.b, nf.n);
	cap_pkt(&c, 11, 0, &p);
	p.n = 0;
	ip4_udp(&p, EXP, 50001, COL, 9999, nf.b, nf.n); /* not a collector port */
	cap_pkt(&c, 12, 0, &p);
	const char *path = save("nf.pcap", &c.file);

	got g = { .n = 0 };
	kb_error err;
	assert_int_equal(read_all(path, NULL, &g, &err), 0);
	assert_int_equal(g.n, 3);
	const kb_flow *f = &g.f[0]; /* export records come as they are decoded, sessions at the end */
	assert_true(f->flags & KB_FLOW_UNIDIR);
	is_v4(&f->orig, 0x0a010101);
	is_v4(&f->resp, 0x0a020202);
	assert_int_equal(f->orig_port, 51000);
	assert_int_equal(f->resp_port, 443);
	assert_int_equal(f->proto, 6);
	assert_int_equal(f->orig_pkts, 7);
	assert_int_equal(f->orig_bytes, 700);
	assert_int_equal(f->start_us, (1700000000ll - 10) * SEC);
	assert_int_equal(f->line, 2);
	assert_int_equal(g.f[1].resp_port, 53);
	assert_false(g.f[1].flags & KB_FLOW_UNIDIR);
	assert_int_equal(g.f[2].resp_port, 9999);
	assert_int_equal(g.f[2].line, 3);

	/* every UDP port when asked */
	kb_pcap_opts o = { .all_udp_export = true };
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(path, &o, &g, &err), 0);
	assert_int_equal(g.n, 3);
	assert_true(g.f[0].flags & KB_FLOW_UNIDIR);
	assert_true(g.f[1].flags & KB_FLOW_UNIDIR);
	assert_int_equal(g.f[1].line, 3);
	assert_int_equal(g.f[2].resp_port, 53);
}

static void test_nanoseconds_and_pcapng(void **state)
{
	(void)state;
	cap c;
	cap_start(&c, 101, true);
	bytes p = { .n = 0 };
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 7, 123456789, &p);
	got g = { .n = 0 };
	kb_error err;
	assert_int_equal(read_all(save("nano.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].start_us, 7 * SEC + 123456);

	/* pcapng: section header, interface (Ethernet), one enhanced packet */
	bytes f = { .n = 0 };
	le32(&f, 0x0a0d0d0a);
	le32(&f, 28);
	le32(&f, 0x1a2b3c4d);
	le16(&f, 1);
	le16(&f, 0);
	le32(&f, 0xffffffff);
	le32(&f, 0xffffffff);
	le32(&f, 28);
	le32(&f, 1);
	le32(&f, 20);
	le16(&f, 1);
	le16(&f, 0);
	le32(&f, 65535);
	le32(&f, 20);
	p.n = 0;
	ether(&p, NULL, 0, 0x0800);
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	size_t pad = (4 - p.n % 4) % 4;
	uint64_t ts = 1700000000ull * 1000000 + 42;
	le32(&f, 6);
	le32(&f, (uint32_t)(32 + p.n + pad));
	le32(&f, 0);
	le32(&f, (uint32_t)(ts >> 32));
	le32(&f, (uint32_t)ts);
	le32(&f, (uint32_t)p.n);
	le32(&f, (uint32_t)p.n);
	raw(&f, p.b, p.n);
	zeros(&f, pad);
	le32(&f, (uint32_t)(32 + p.n + pad));
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("one.pcapng", &f), NULL, &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].start_us, (int64_t)ts);
	assert_int_equal(g.f[0].orig_bytes, 28);
}

static void test_truncated(void **state)
{
	(void)state;
	cap c;
	cap_start(&c, 101, false);
	bytes p = { .n = 0 };
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 1, 0, &p);
	p.n = 0;
	ip4_tcp(&p, C, 40001, SV, 80, 0x02);
	cap_pkt(&c, 2, 0, &p);
	cap_pkt(&c, 3, 0, &p);
	c.file.n -= 10; /* the third record's data cut short */
	const char *path = save("cut.pcap", &c.file);
	got g = { .n = 0 };
	kb_error err;
	assert_int_equal(read_all(path, NULL, &g, &err), KB_EPARSE);
	assert_int_equal(g.n, 2); /* the sessions of packets 1 and 2, flushed */
	assert_int_equal(g.f[1].orig_port, 40001);
	assert_int_equal(err.code, KB_EPARSE);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.msg, "packet 3"));

	/* cut inside a record header */
	c.file.n -= p.n + 16 - 10 - 5;
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("cut2.pcap", &c.file), NULL, &g, &err), KB_EPARSE);
	assert_int_equal(g.n, 2);
	assert_int_equal(err.line, 3);

	/* a file header only: no packets, no error */
	c.file.n = 24;
	memset(&g, 0, sizeof g);
	assert_int_equal(read_all(save("empty.pcap", &c.file), NULL, &g, &err), 0);
	assert_int_equal(g.n, 0);
}

static void test_bad_files(void **state)
{
	(void)state;
	got g = { .n = 0 };
	kb_error err;
	cap c;
	cap_start(&c, 105, false); /* IEEE 802.11 */
	const char *path = save("wifi.pcap", &c.file);
	assert_int_equal(read_all(path, NULL, &g, &err), KB_EFORMAT);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.msg, "IEEE802_11"));
	assert_non_null(strstr(err.msg, "105"));

	bytes t = { .n = 0 };
	raw(&t, "#fields\tts\tuid\n", 15);
	for (int i = 0; i < 4; i++)
		raw(&t, "line of text\n", 13);
	assert_int_equal(read_all(save("conn.log", &t), NULL, &g, &err), KB_EFORMAT);
	assert_non_null(strstr(err.msg, "pcap"));

	char missing[300];
	snprintf(missing, sizeof missing, "%s/none.pcap", dir);
	assert_int_equal(read_all(missing, NULL, &g, &err), KB_EIO);
	assert_string_equal(err.file, missing);
	assert_int_equal(g.n, 0);

	/* invalid session options */
	cap_start(&c, 101, false);
	kb_pcap_opts o = { .sess = { .idle_us = -5 } };
	assert_int_equal(read_all(save("ok.pcap", &c.file), &o, &g, &err), KB_EINVAL);
}

static void test_sink_stops(void **state)
{
	(void)state;
	cap c;
	cap_start(&c, 101, false);
	bytes nf = { .n = 0 };
	nf5(&nf);
	bytes p = { .n = 0 };
	ip4_udp(&p, C, 40000, SV, 53, NULL, 0);
	cap_pkt(&c, 10, 0, &p);
	p.n = 0;
	ip4_udp(&p, EXP, 50000, COL, 2055, nf.b, nf.n);
	cap_pkt(&c, 11, 0, &p);
	const char *path = save("stop.pcap", &c.file);
	got g = { .n = 0, .stop_with = 5 };
	kb_error err;
	assert_int_equal(read_all(path, NULL, &g, &err), 5); /* at the export record */
	assert_int_equal(g.n, 1);
	assert_true(g.f[0].flags & KB_FLOW_UNIDIR);
	/* no sink at all */
	assert_int_equal(kb_flows_read_pcap(path, NULL, NULL, &err), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	static const char *names[] = { "eth.pcap", "sll.pcap", "sll2.pcap", "raw.pcap", "ipv4.pcap", "null.pcap",
		                       "loop.pcap", "nf.pcap", "nano.pcap", "one.pcapng", "cut.pcap", "cut2.pcap",
		                       "empty.pcap", "wifi.pcap", "conn.log", "ok.pcap", "stop.pcap" };
	char p[300];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_vlan),
		cmocka_unit_test(test_sll_raw_loop),
		cmocka_unit_test(test_netflow),
		cmocka_unit_test(test_nanoseconds_and_pcapng),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_sink_stops),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
