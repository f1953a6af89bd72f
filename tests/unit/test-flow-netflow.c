/*
 * test-flow-netflow.c - the NetFlow v5 / v9 / IPFIX decoder (kb_nf_*, koban/flow.h).
 * Packets are written byte by byte here: v5 times (with uptime wrap) and
 * counters; v9 template then data; data before its template; a template
 * replaced mid-stream; IPFIX withdrawal (one and all); two exporters and two
 * observation domains with the same template ID; options templates skipped;
 * variable-length and enterprise fields; biflow; reduced-size integers;
 * time fields of every kind; set padding; each limit; every malformed case
 * with its byte offset; kb_nf_looks_like.
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

#include "koban/flow.h"

/* ---- packet writer ---------------------------------------------------------------- */

typedef struct pk {
	uint8_t b[1 << 17];
	size_t n;
} pk;

static pk P;

static void u8(pk *p, unsigned v)
{
	assert_true(p->n < sizeof p->b);
	p->b[p->n++] = (uint8_t)v;
}

static void u16(pk *p, unsigned v)
{
	u8(p, v >> 8);
	u8(p, v);
}

static void u32(pk *p, uint32_t v)
{
	u16(p, v >> 16);
	u16(p, v & 0xffff);
}

static void u64(pk *p, uint64_t v)
{
	u32(p, (uint32_t)(v >> 32));
	u32(p, (uint32_t)v);
}

static void put16(pk *p, size_t at, unsigned v)
{
	p->b[at] = (uint8_t)(v >> 8);
	p->b[at + 1] = (uint8_t)v;
}

static void addr4(pk *p, unsigned a, unsigned b, unsigned c, unsigned d)
{
	u8(p, a);
	u8(p, b);
	u8(p, c);
	u8(p, d);
}

static void v9_begin(pk *p, uint32_t uptime, uint32_t secs, uint32_t source)
{
	p->n = 0;
	u16(p, 9);
	u16(p, 1); /* count: not used by the decoder */
	u32(p, uptime);
	u32(p, secs);
	u32(p, 1); /* sequence */
	u32(p, source);
}

static void ipfix_begin(pk *p, uint32_t export_secs, uint32_t domain)
{
	p->n = 0;
	u16(p, 10);
	u16(p, 0);
	u32(p, export_secs);
	u32(p, 1);
	u32(p, domain);
}

static void ipfix_end(pk *p)
{
	put16(p, 2, (unsigned)p->n);
}

static size_t set_begin(pk *p, unsigned id)
{
	size_t at = p->n;
	u16(p, id);
	u16(p, 0);
	return at;
}

static void set_end(pk *p, size_t at)
{
	put16(p, at + 2, (unsigned)(p->n - at));
}

static void tfield(pk *p, unsigned ie, unsigned len)
{
	u16(p, ie);
	u16(p, len);
}

static void tfield_pen(pk *p, unsigned ie, unsigned len, uint32_t pen)
{
	u16(p, ie | 0x8000);
	u16(p, len);
	u32(p, pen);
}

/* ---- the sink ----------------------------------------------------------------------- */

#define MAXGOT 2048
static kb_flow GOT[MAXGOT];
static size_t NGOT;
static int STOP_AFTER; /* 0: never */
static kb_error E;

static int on_flow(void *ctx, const kb_flow *f)
{
	(void)ctx;
	if (NGOT < MAXGOT)
		GOT[NGOT] = *f;
	NGOT++;
	if (STOP_AFTER && NGOT == (size_t)STOP_AFTER)
		return 7;
	return 0;
}

static const kb_flow_sink SINK = { on_flow, NULL, NULL };
static const int64_t RECV = 1800000000ll * 1000000;

static int feed_from(kb_nf *nf, const kb_ip *exporter)
{
	kb_error_clear(&E);
	return kb_nf_packet(nf, exporter, RECV, P.b, P.n, &SINK, &E);
}

static int feed(kb_nf *nf)
{
	return feed_from(nf, NULL);
}

static kb_ip ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	kb_ip x;
	memset(&x, 0, sizeof x);
	x.b[10] = x.b[11] = 0xff;
	x.b[12] = (uint8_t)a;
	x.b[13] = (uint8_t)b;
	x.b[14] = (uint8_t)c;
	x.b[15] = (uint8_t)d;
	return x;
}

static void ip_is(const kb_ip *got, kb_ip want)
{
	assert_memory_equal(got->b, want.b, 16);
}

static kb_nf *fresh(void)
{
	kb_nf *nf = NULL;
	assert_int_equal(kb_nf_new(&nf), 0);
	NGOT = 0;
	STOP_AFTER = 0;
	return nf;
}

static kb_nf_stats stats(const kb_nf *nf)
{
	kb_nf_stats s;
	kb_nf_get_stats(nf, &s);
	return s;
}

/* The error is `code` at `offset` and its message contains `what`. */
static void error_is(int rc, int code, uint64_t offset, const char *what)
{
	assert_int_equal(rc, code);
	assert_int_equal(E.code, code);
	if (E.offset != offset || !strstr(E.msg, what))
		fail_msg("error at %llu \"%s\": expected at %llu containing \"%s\"", (unsigned long long)E.offset, E.msg,
		         (unsigned long long)offset, what);
}

/* ---- v5 ------------------------------------------------------------------------------ */

static void v5_record(pk *p, uint32_t first, uint32_t last, unsigned sport, unsigned dport, unsigned proto,
                      unsigned flags, uint32_t pkts, uint32_t octets)
{
	addr4(p, 10, 0, 0, 1);
	addr4(p, 192, 0, 2, 80);
	addr4(p, 10, 0, 0, 254); /* nexthop */
	u16(p, 1);
	u16(p, 2);
	u32(p, pkts);
	u32(p, octets);
	u32(p, first);
	u32(p, last);
	u16(p, sport);
	u16(p, dport);
	u8(p, 0);
	u8(p, flags);
	u8(p, proto);
	u8(p, 0);
	u16(p, 64512);
	u16(p, 64513);
	u8(p, 24);
	u8(p, 24);
	u16(p, 0);
}

static void v5_header(pk *p, unsigned count, uint32_t uptime, uint32_t secs, uint32_t nsecs)
{
	p->n = 0;
	u16(p, 5);
	u16(p, count);
	u32(p, uptime);
	u32(p, secs);
	u32(p, nsecs);
	u32(p, 77);
	u8(p, 0);
	u8(p, 0);
	u16(p, 0);
}

static void test_v5(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	v5_header(&P, 3, 100000, 1700000000, 500000000);
	v5_record(&P, 90000, 99000, 49152, 443, 6, 0x1b, 12, 3400);
	v5_record(&P, 95000, 95000, 0, 0x0303, 1, 0, 1, 56);   /* ICMP port unreachable */
	v5_record(&P, 99999, 100000, 53, 53000, 17, 0, 1, 80);
	assert_int_equal(P.n, 24 + 3 * 48);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 3);
	const int64_t base = 1700000000ll * 1000000 + 500000;
	assert_int_equal(GOT[0].start_us, base - 10000000);
	assert_int_equal(GOT[0].duration_us, 9000000);
	ip_is(&GOT[0].orig, ip4(10, 0, 0, 1));
	ip_is(&GOT[0].resp, ip4(192, 0, 2, 80));
	assert_int_equal(GOT[0].orig_port, 49152);
	assert_int_equal(GOT[0].resp_port, 443);
	assert_int_equal(GOT[0].proto, 6);
	assert_int_equal(GOT[0].tcp_flags, 0x1b);
	assert_int_equal(GOT[0].orig_pkts, 12);
	assert_int_equal(GOT[0].orig_bytes, 3400);
	assert_int_equal(GOT[0].resp_pkts, 0);
	assert_int_equal(GOT[0].flags, KB_FLOW_UNIDIR);
	assert_int_equal(GOT[0].line, 0);
	assert_null(GOT[0].uid);
	assert_int_equal(GOT[1].orig_port, 3);
	assert_int_equal(GOT[1].resp_port, 3);
	assert_int_equal(GOT[1].duration_us, 0);
	assert_int_equal(GOT[2].start_us, base - 1000);

	/* the router's uptime wrapped between First and the export */
	NGOT = 0;
	v5_header(&P, 1, 1000, 1700000000, 0);
	v5_record(&P, 0xfffff000u, 500, 1, 2, 6, 0, 1, 1);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);
	assert_int_equal(GOT[0].start_us, 1700000000ll * 1000000 - 5096000);
	assert_int_equal(GOT[0].duration_us, 4596000);

	/* a packet longer than its records is fine; count 0 too */
	NGOT = 0;
	v5_header(&P, 1, 1000, 1700000000, 0);
	v5_record(&P, 0, 0, 1, 2, 6, 0, 1, 1);
	u32(&P, 0);
	assert_int_equal(feed(nf), 0);
	v5_header(&P, 0, 1000, 1700000000, 0);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);

	kb_nf_stats s = stats(nf);
	assert_int_equal(s.packets, 4);
	assert_int_equal(s.records, 5);
	assert_int_equal(s.malformed, 0);
	kb_nf_free(nf);
}

/* ---- v9 ------------------------------------------------------------------------------ */

/* v9 template 256: src, dst, sport, dport, proto, flags, octets (4 bytes:
 * reduced), packets (8), first, last, input interface (unmapped). 36 bytes. */
static void v9_template_256(pk *p)
{
	size_t s = set_begin(p, 0);
	u16(p, 256);
	u16(p, 11);
	tfield(p, 8, 4);
	tfield(p, 12, 4);
	tfield(p, 7, 2);
	tfield(p, 11, 2);
	tfield(p, 4, 1);
	tfield(p, 6, 1);
	tfield(p, 1, 4);
	tfield(p, 2, 8);
	tfield(p, 22, 4);
	tfield(p, 21, 4);
	tfield(p, 10, 2);
	set_end(p, s);
}

static void v9_record_256(pk *p, unsigned last_octet, uint32_t first, uint32_t last, uint32_t octets)
{
	addr4(p, 172, 16, 0, last_octet);
	addr4(p, 198, 51, 100, 7);
	u16(p, 50000 + last_octet);
	u16(p, 22);
	u8(p, 6);
	u8(p, 0x02);
	u32(p, octets);
	u64(p, 3);
	u32(p, first);
	u32(p, last);
	u16(p, 5);
}

static void v9_data_256(pk *p, unsigned nrec, unsigned first_octet, uint32_t first, uint32_t last, unsigned pad)
{
	size_t s = set_begin(p, 256);
	for (unsigned i = 0; i < nrec; i++)
		v9_record_256(p, first_octet + i, first, last, 1000 + i);
	for (unsigned i = 0; i < pad; i++)
		u8(p, 0);
	set_end(p, s);
}

static void test_v9(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	kb_ip exp = ip4(10, 9, 9, 9);
	/* the template, then in the same packet two records and 2 bytes of padding */
	v9_begin(&P, 50000, 1700000000, 1);
	v9_template_256(&P);
	v9_data_256(&P, 2, 1, 40000, 45000, 2);
	assert_int_equal(feed_from(nf, &exp), 0);
	assert_int_equal(NGOT, 2);
	ip_is(&GOT[0].orig, ip4(172, 16, 0, 1));
	ip_is(&GOT[1].orig, ip4(172, 16, 0, 2));
	ip_is(&GOT[0].resp, ip4(198, 51, 100, 7));
	assert_int_equal(GOT[0].orig_port, 50001);
	assert_int_equal(GOT[0].resp_port, 22);
	assert_int_equal(GOT[0].proto, 6);
	assert_int_equal(GOT[0].tcp_flags, 2);
	assert_int_equal(GOT[0].orig_bytes, 1000);
	assert_int_equal(GOT[1].orig_bytes, 1001);
	assert_int_equal(GOT[0].orig_pkts, 3);
	assert_int_equal(GOT[0].start_us, 1700000000ll * 1000000 - 10000000);
	assert_int_equal(GOT[0].duration_us, 5000000);
	assert_int_equal(GOT[0].flags, KB_FLOW_UNIDIR);

	/* a later packet: data only, times against its own header */
	NGOT = 0;
	v9_begin(&P, 1000, 1700000100, 1);
	v9_data_256(&P, 1, 9, 0xffffff00u, 900, 0); /* uptime wrapped: 1256 ms behind */
	assert_int_equal(feed_from(nf, &exp), 0);
	assert_int_equal(NGOT, 1);
	assert_int_equal(GOT[0].start_us, 1700000100ll * 1000000 - 1256000);
	assert_int_equal(GOT[0].duration_us, 1156000);

	/* the same template ID from another source ID is another template: held */
	NGOT = 0;
	v9_begin(&P, 1000, 1700000100, 2);
	v9_data_256(&P, 1, 9, 0, 0, 0);
	assert_int_equal(feed_from(nf, &exp), 0);
	assert_int_equal(NGOT, 0);
	kb_nf_stats s = stats(nf);
	assert_int_equal(s.pending, 1);
	assert_int_equal(s.templates, 1);
	assert_int_equal(s.records, 3);

	/* the v9 header's clock at 0: the receive time is the base */
	NGOT = 0;
	v9_begin(&P, 5000, 0, 1);
	v9_data_256(&P, 1, 9, 4000, 5000, 0);
	assert_int_equal(feed_from(nf, &exp), 0);
	assert_int_equal(GOT[0].start_us, RECV - 1000000);

	/* trailing zero bytes after the last flowset are padding */
	NGOT = 0;
	v9_begin(&P, 5000, 1700000000, 1);
	v9_data_256(&P, 1, 9, 4000, 5000, 0);
	u16(&P, 0);
	u16(&P, 0);
	u8(&P, 0);
	assert_int_equal(feed_from(nf, &exp), 0);
	assert_int_equal(NGOT, 1);
	kb_nf_free(nf);
}

static void test_late_template(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	/* two data sets before the template, in two packets with their own clocks */
	v9_begin(&P, 50000, 1700000000, 7);
	v9_data_256(&P, 2, 1, 40000, 45000, 0);
	assert_int_equal(feed(nf), 0);
	v9_begin(&P, 60000, 1700000010, 7);
	v9_data_256(&P, 1, 3, 59000, 59500, 0);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 0);
	kb_nf_stats s = stats(nf);
	assert_int_equal(s.pending, 2);
	assert_int_equal(s.records, 0);

	/* the template comes with one more data set: held sets first, in order */
	v9_begin(&P, 70000, 1700000020, 7);
	v9_template_256(&P);
	v9_data_256(&P, 1, 4, 69000, 69000, 0);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 4);
	for (unsigned i = 0; i < 4; i++)
		ip_is(&GOT[i].orig, ip4(172, 16, 0, 1 + i));
	assert_int_equal(GOT[0].start_us, 1700000000ll * 1000000 - 10000000);
	assert_int_equal(GOT[2].start_us, 1700000010ll * 1000000 - 1000000);
	assert_int_equal(GOT[2].duration_us, 500000);
	assert_int_equal(GOT[3].start_us, 1700000020ll * 1000000 - 1000000);
	s = stats(nf);
	assert_int_equal(s.pending, 2);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(s.records, 4);

	/* once decoded they are gone: the template again decodes nothing more */
	NGOT = 0;
	v9_begin(&P, 70000, 1700000020, 7);
	v9_template_256(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 0);
	kb_nf_free(nf);
}

/* ---- IPFIX ---------------------------------------------------------------------------- */

/* An IPFIX template: `n` (ie, len) pairs. */
static void ipfix_template(pk *p, unsigned tid, const unsigned *fields, size_t n)
{
	size_t s = set_begin(p, 2);
	u16(p, tid);
	u16(p, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		tfield(p, fields[2 * i], fields[2 * i + 1]);
	set_end(p, s);
}

static const unsigned LAYOUT_A[] = { 8, 4, 12, 4, 1, 4 };         /* src, dst, octets */
static const unsigned LAYOUT_B[] = { 12, 4, 8, 4, 7, 2, 11, 2 };  /* dst, src, sport, dport */

static void test_template_changed(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	ipfix_begin(&P, 1700000000, 1);
	ipfix_template(&P, 300, LAYOUT_A, 3);
	size_t s = set_begin(&P, 300);
	addr4(&P, 10, 0, 0, 1);
	addr4(&P, 10, 0, 0, 2);
	u32(&P, 999);
	set_end(&P, s);
	/* replaced in the same message: the next set uses the new layout */
	ipfix_template(&P, 300, LAYOUT_B, 4);
	s = set_begin(&P, 300);
	addr4(&P, 10, 0, 0, 1);
	addr4(&P, 10, 0, 0, 2);
	u16(&P, 1234);
	u16(&P, 80);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 2);
	ip_is(&GOT[0].orig, ip4(10, 0, 0, 1));
	assert_int_equal(GOT[0].orig_bytes, 999);
	assert_int_equal(GOT[0].resp_port, 0);
	ip_is(&GOT[1].orig, ip4(10, 0, 0, 2));
	ip_is(&GOT[1].resp, ip4(10, 0, 0, 1));
	assert_int_equal(GOT[1].orig_port, 1234);
	assert_int_equal(GOT[1].resp_port, 80);
	assert_int_equal(GOT[1].orig_bytes, 0);
	/* no time field: the export time */
	assert_int_equal(GOT[0].start_us, 1700000000ll * 1000000);
	assert_int_equal(GOT[0].duration_us, -1);
	kb_nf_stats st = stats(nf);
	assert_int_equal(st.templates, 2);
	kb_nf_free(nf);
}

static void data_a(pk *p, unsigned tid, unsigned last_octet)
{
	size_t s = set_begin(p, tid);
	addr4(p, 10, 0, 0, last_octet);
	addr4(p, 10, 0, 1, 1);
	u32(p, 5);
	set_end(p, s);
}

static void test_withdrawal(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	ipfix_begin(&P, 1700000000, 1);
	ipfix_template(&P, 300, LAYOUT_A, 3);
	ipfix_template(&P, 301, LAYOUT_A, 3);
	size_t s = set_begin(&P, 3); /* an options template 302: not withdrawn by "all data templates" */
	u16(&P, 302);
	u16(&P, 2);
	u16(&P, 1);
	tfield(&P, 149, 4);
	tfield(&P, 41, 8);
	set_end(&P, s);
	data_a(&P, 300, 1);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);

	/* withdraw 300: its data is held again, 301 still decodes */
	ipfix_begin(&P, 1700000000, 1);
	s = set_begin(&P, 2);
	u16(&P, 300);
	u16(&P, 0);
	set_end(&P, s);
	data_a(&P, 300, 2);
	data_a(&P, 301, 3);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 2);
	ip_is(&GOT[1].orig, ip4(10, 0, 0, 3));
	assert_int_equal(stats(nf).pending, 1);

	/* all data templates of the domain (ID 2, count 0), with padding after it */
	ipfix_begin(&P, 1700000000, 1);
	s = set_begin(&P, 2);
	u16(&P, 2);
	u16(&P, 0);
	u16(&P, 0);
	set_end(&P, s);
	data_a(&P, 301, 4);
	s = set_begin(&P, 302);
	u32(&P, 1);
	u64(&P, 2);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 2);
	assert_int_equal(stats(nf).pending, 2); /* 301 held, 302 (options) skipped */

	/* the template again: the held set of 300 decodes, then 301's */
	ipfix_begin(&P, 1700000000, 1);
	ipfix_template(&P, 300, LAYOUT_A, 3);
	ipfix_template(&P, 301, LAYOUT_A, 3);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 4);
	ip_is(&GOT[2].orig, ip4(10, 0, 0, 2));
	ip_is(&GOT[3].orig, ip4(10, 0, 0, 4));

	/* all options templates (ID 3, count 0): 302 goes; another domain's 300 stays */
	ipfix_begin(&P, 1700000000, 2);
	ipfix_template(&P, 300, LAYOUT_A, 3);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	ipfix_begin(&P, 1700000000, 1);
	s = set_begin(&P, 3);
	u16(&P, 3);
	u16(&P, 0);
	set_end(&P, s);
	s = set_begin(&P, 2);
	u16(&P, 2);
	u16(&P, 0);
	set_end(&P, s);
	s = set_begin(&P, 302);
	u32(&P, 1);
	u64(&P, 2);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(stats(nf).pending, 3);
	ipfix_begin(&P, 1700000000, 2);
	data_a(&P, 300, 5);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 5);
	assert_int_equal(stats(nf).malformed, 0);
	kb_nf_free(nf);
}

static void test_exporters_domains(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	kb_ip a = ip4(192, 0, 2, 1), b = ip4(192, 0, 2, 2);
	/* exporter a, domain 1: layout A; exporter b, domain 1: layout B; a, domain 2: layout B */
	ipfix_begin(&P, 1700000000, 1);
	ipfix_template(&P, 256, LAYOUT_A, 3);
	ipfix_end(&P);
	assert_int_equal(feed_from(nf, &a), 0);
	ipfix_begin(&P, 1700000000, 1);
	ipfix_template(&P, 256, LAYOUT_B, 4);
	ipfix_end(&P);
	assert_int_equal(feed_from(nf, &b), 0);
	ipfix_begin(&P, 1700000000, 2);
	ipfix_template(&P, 256, LAYOUT_B, 4);
	ipfix_end(&P);
	assert_int_equal(feed_from(nf, &a), 0);

	for (unsigned round = 0; round < 2; round++) {
		NGOT = 0;
		ipfix_begin(&P, 1700000000, 1);
		size_t s = set_begin(&P, 256);
		addr4(&P, 1, 1, 1, 1);
		addr4(&P, 2, 2, 2, 2);
		u16(&P, 0x0102);
		u16(&P, 0x0304);
		set_end(&P, s);
		ipfix_end(&P);
		assert_int_equal(feed_from(nf, round ? &b : &a), 0);
		assert_int_equal(NGOT, 1);
		if (round == 0) { /* layout A */
			ip_is(&GOT[0].orig, ip4(1, 1, 1, 1));
			assert_int_equal(GOT[0].orig_bytes, 0x01020304);
			assert_int_equal(GOT[0].orig_port, 0);
		} else {          /* layout B */
			ip_is(&GOT[0].orig, ip4(2, 2, 2, 2));
			assert_int_equal(GOT[0].orig_port, 0x0102);
			assert_int_equal(GOT[0].orig_bytes, 0);
		}
	}
	NGOT = 0;
	ipfix_begin(&P, 1700000000, 2);
	size_t s = set_begin(&P, 256);
	addr4(&P, 1, 1, 1, 1);
	addr4(&P, 2, 2, 2, 2);
	u16(&P, 7);
	u16(&P, 8);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed_from(nf, &a), 0);
	assert_int_equal(NGOT, 1);
	assert_int_equal(GOT[0].orig_port, 7);
	/* exporter b, domain 2 has no template 256 */
	assert_int_equal(feed_from(nf, &b), 0);
	assert_int_equal(NGOT, 1);
	assert_int_equal(stats(nf).pending, 1);
	kb_nf_free(nf);
}

static void test_options(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	/* v9: options template 257 (scope: system 4 bytes; option: sampling interval 4), its data, then flows */
	v9_begin(&P, 1000, 1700000000, 1);
	size_t s = set_begin(&P, 1);
	u16(&P, 257);
	u16(&P, 4);
	u16(&P, 4);
	tfield(&P, 1, 4);
	tfield(&P, 34, 4);
	u16(&P, 0); /* padding */
	set_end(&P, s);
	s = set_begin(&P, 257);
	u32(&P, 1);
	u32(&P, 100);
	set_end(&P, s);
	v9_template_256(&P);
	v9_data_256(&P, 1, 1, 0, 0, 0);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);
	kb_nf_stats st = stats(nf);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.templates, 2);
	assert_int_equal(st.records, 1);

	/* IPFIX: options template with an enterprise scope field, its data skipped */
	ipfix_begin(&P, 1700000000, 1);
	s = set_begin(&P, 3);
	u16(&P, 400);
	u16(&P, 2);
	u16(&P, 1);
	tfield_pen(&P, 1, 4, 9);
	tfield(&P, 160, 8);
	set_end(&P, s);
	s = set_begin(&P, 400);
	for (int i = 0; i < 3; i++) {
		u32(&P, 1);
		u64(&P, 1);
	}
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);
	st = stats(nf);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.records, 1);
	kb_nf_free(nf);
}

static void test_varlen(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	/* src, interfaceName (variable), octets (variable), dport */
	ipfix_begin(&P, 1700000000, 1);
	size_t s = set_begin(&P, 2);
	u16(&P, 500);
	u16(&P, 4);
	tfield(&P, 8, 4);
	tfield(&P, 82, 65535);
	tfield(&P, 1, 65535);
	tfield(&P, 11, 2);
	set_end(&P, s);
	s = set_begin(&P, 500);
	/* short form */
	addr4(&P, 10, 1, 1, 1);
	u8(&P, 3);
	u8(&P, 'e');
	u8(&P, 't');
	u8(&P, 'h');
	u8(&P, 2);
	u16(&P, 0x0102);
	u16(&P, 443);
	/* long form: 255 then 300 */
	addr4(&P, 10, 1, 1, 2);
	u8(&P, 255);
	u16(&P, 300);
	for (int i = 0; i < 300; i++)
		u8(&P, 'x');
	u8(&P, 8);
	u64(&P, 1ull << 40);
	u16(&P, 80);
	/* empty, and a 9-byte integer that cannot be read (ignored) */
	addr4(&P, 10, 1, 1, 3);
	u8(&P, 0);
	u8(&P, 9);
	for (int i = 0; i < 9; i++)
		u8(&P, 0xff);
	u16(&P, 53);
	u8(&P, 0); /* padding */
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 3);
	ip_is(&GOT[0].orig, ip4(10, 1, 1, 1));
	assert_int_equal(GOT[0].orig_bytes, 0x0102);
	assert_int_equal(GOT[0].resp_port, 443);
	ip_is(&GOT[1].orig, ip4(10, 1, 1, 2));
	assert_int_equal(GOT[1].orig_bytes, 1ull << 40);
	assert_int_equal(GOT[1].resp_port, 80);
	ip_is(&GOT[2].orig, ip4(10, 1, 1, 3));
	assert_int_equal(GOT[2].orig_bytes, 0);
	assert_int_equal(GOT[2].resp_port, 53);
	assert_int_equal(stats(nf).malformed, 0);
	kb_nf_free(nf);
}

static void test_enterprise_biflow(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	/* an enterprise field that reuses IE 8's number is not the source address */
	ipfix_begin(&P, 1700000000, 1);
	size_t s = set_begin(&P, 2);
	u16(&P, 256);
	u16(&P, 5);
	tfield_pen(&P, 8, 4, 9);
	tfield(&P, 8, 4);
	tfield_pen(&P, 100, 6, 2636);
	tfield(&P, 2, 2);
	tfield_pen(&P, 1, 4, 9); /* not reverse: not biflow */
	set_end(&P, s);
	s = set_begin(&P, 256);
	addr4(&P, 6, 6, 6, 6);
	addr4(&P, 10, 2, 2, 2);
	for (int i = 0; i < 6; i++)
		u8(&P, 0xaa);
	u16(&P, 17);
	u32(&P, 5);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);
	ip_is(&GOT[0].orig, ip4(10, 2, 2, 2));
	assert_int_equal(GOT[0].orig_pkts, 17);
	assert_int_equal(GOT[0].resp_bytes, 0);
	assert_int_equal(GOT[0].flags, KB_FLOW_UNIDIR);

	/* biflow (RFC 5103): reverse octets and packets, reverse TCP flags */
	NGOT = 0;
	ipfix_begin(&P, 1700000000, 1);
	s = set_begin(&P, 2);
	u16(&P, 257);
	u16(&P, 8);
	tfield(&P, 8, 4);
	tfield(&P, 12, 4);
	tfield(&P, 1, 8);
	tfield(&P, 2, 4);
	tfield_pen(&P, 1, 8, 29305);
	tfield_pen(&P, 2, 4, 29305);
	tfield(&P, 6, 1);
	tfield_pen(&P, 6, 1, 29305);
	set_end(&P, s);
	s = set_begin(&P, 257);
	addr4(&P, 10, 0, 0, 1);
	addr4(&P, 10, 0, 0, 2);
	u64(&P, 100);
	u32(&P, 2);
	u64(&P, 5000);
	u32(&P, 4);
	u8(&P, 0x02);
	u8(&P, 0x12);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);
	assert_int_equal(GOT[0].orig_bytes, 100);
	assert_int_equal(GOT[0].orig_pkts, 2);
	assert_int_equal(GOT[0].resp_bytes, 5000);
	assert_int_equal(GOT[0].resp_pkts, 4);
	assert_int_equal(GOT[0].tcp_flags, 0x12);
	assert_int_equal(GOT[0].flags & KB_FLOW_UNIDIR, 0);
	kb_nf_free(nf);
}

/* One IPFIX template of `n` (ie, len) pairs and one record of the given bytes. */
static void one_record(kb_nf *nf, uint32_t export_secs, const unsigned *fields, size_t n, const uint8_t *rec,
                       size_t len)
{
	NGOT = 0;
	ipfix_begin(&P, export_secs, 9);
	ipfix_template(&P, 600, fields, n);
	size_t s = set_begin(&P, 600);
	for (size_t i = 0; i < len; i++)
		u8(&P, rec[i]);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);
}

static void test_times_and_fields(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	const int64_t T = 1700000000ll * 1000000;
	/* flowStart/EndMilliseconds */
	static const unsigned ms[] = { 152, 8, 153, 8 };
	uint8_t r1[16];
	memset(r1, 0, sizeof r1);
	uint64_t a = 1700000000123ull, b = 1700000002623ull;
	for (int i = 0; i < 8; i++) {
		r1[i] = (uint8_t)(a >> (56 - 8 * i));
		r1[8 + i] = (uint8_t)(b >> (56 - 8 * i));
	}
	one_record(nf, 1700000100, ms, 2, r1, 16);
	assert_int_equal(GOT[0].start_us, T + 123000);
	assert_int_equal(GOT[0].duration_us, 2500000);

	/* flowStart/EndSeconds, end reason active timeout */
	static const unsigned secs[] = { 150, 4, 151, 4, 136, 1 };
	const uint8_t r2[] = { 0x65, 0x53, 0xf1, 0x00, 0x65, 0x53, 0xf1, 0x3c, 2 }; /* 1700000000, +60 */
	one_record(nf, 1700000100, secs, 3, r2, sizeof r2);
	assert_int_equal(GOT[0].start_us, T);
	assert_int_equal(GOT[0].duration_us, 60000000);
	assert_int_equal(GOT[0].flags, KB_FLOW_UNIDIR | KB_FLOW_PARTIAL);
	/* idle timeout: not partial */
	const uint8_t r2b[] = { 0x65, 0x53, 0xf1, 0x00, 0x65, 0x53, 0xf1, 0x3c, 1 };
	one_record(nf, 1700000100, secs, 3, r2b, sizeof r2b);
	assert_int_equal(GOT[0].flags, KB_FLOW_UNIDIR);

	/* NTP microseconds and nanoseconds: 1700000000 + 2208988800 = 0xe8fe6f80; fraction 0.5 */
	static const unsigned ntp[] = { 154, 8, 157, 8 };
	const uint8_t r3[] = { 0xe8, 0xfe, 0x6f, 0x80, 0x80, 0, 0, 0, 0xe8, 0xfe, 0x6f, 0x81, 0, 0, 0, 0 };
	one_record(nf, 1700000100, ntp, 2, r3, sizeof r3);
	assert_int_equal(GOT[0].start_us, T + 500000);
	assert_int_equal(GOT[0].duration_us, 500000);

	/* uptime relative to systemInitTimeMilliseconds */
	static const unsigned up[] = { 160, 8, 22, 4, 21, 4 };
	uint8_t r4[16];
	uint64_t init = 1699990000000ull; /* 10000 s before T */
	for (int i = 0; i < 8; i++)
		r4[i] = (uint8_t)(init >> (56 - 8 * i));
	const uint8_t upv[] = { 0x00, 0x98, 0x96, 0x80, 0x00, 0x98, 0x9a, 0x68 }; /* 10000000, 10001000 */
	memcpy(r4 + 8, upv, 8);
	one_record(nf, 1700000100, up, 3, r4, 16);
	assert_int_equal(GOT[0].start_us, T);
	assert_int_equal(GOT[0].duration_us, 1000000);
	/* ... without it: the duration, ended around the export time */
	one_record(nf, 1700000100, up + 2, 2, upv, 8);
	assert_int_equal(GOT[0].start_us, T + 100000000 - 1000000);
	assert_int_equal(GOT[0].duration_us, 1000000);

	/* only an end: start at the end, duration unknown */
	one_record(nf, 1700000100, ms + 2, 1, r1 + 8, 8);
	assert_int_equal(GOT[0].start_us, T + 2623000);
	assert_int_equal(GOT[0].duration_us, -1);

	/* no time at all and no export time: the receive time */
	static const unsigned none[] = { 4, 1 };
	const uint8_t r5[] = { 17 };
	one_record(nf, 0, none, 1, r5, 1);
	assert_int_equal(GOT[0].start_us, RECV);
	assert_int_equal(GOT[0].proto, 17);

	/* IPv6 and ICMPv6 type/code (echo request 128/0) */
	static const unsigned v6[] = { 27, 16, 28, 16, 4, 1, 139, 2, 11, 2 };
	uint8_t r6[16 + 16 + 1 + 2 + 2];
	memset(r6, 0, sizeof r6);
	r6[0] = 0x20;
	r6[1] = 0x01;
	r6[2] = 0x0d;
	r6[3] = 0xb8;
	r6[15] = 1;
	r6[16] = 0x20;
	r6[17] = 0x01;
	r6[18] = 0x0d;
	r6[19] = 0xb8;
	r6[31] = 2;
	r6[32] = 58;
	r6[33] = 128;
	r6[34] = 0;
	r6[36] = 99; /* dport: ignored for ICMP when the type/code field is there */
	one_record(nf, 1700000100, v6, 5, r6, sizeof r6);
	assert_memory_equal(GOT[0].orig.b, r6, 16);
	assert_memory_equal(GOT[0].resp.b, r6 + 16, 16);
	assert_int_equal(GOT[0].proto, 58);
	assert_int_equal(GOT[0].orig_port, 128);
	assert_int_equal(GOT[0].resp_port, 0);

	/* ICMP type/code from the destination port when no ICMP field; totals without deltas */
	static const unsigned icmp[] = { 4, 1, 11, 2, 85, 4, 86, 2 };
	const uint8_t r7[] = { 1, 0x08, 0x00, 0, 0, 0x10, 0, 0, 9 };
	one_record(nf, 1700000100, icmp, 4, r7, sizeof r7);
	assert_int_equal(GOT[0].orig_port, 8);
	assert_int_equal(GOT[0].resp_port, 0);
	assert_int_equal(GOT[0].orig_bytes, 0x1000);
	assert_int_equal(GOT[0].orig_pkts, 9);

	/* reduced-size encoding: 1, 3 and 8-byte octet counts; a 3-byte address is ignored */
	static const unsigned red1[] = { 1, 1, 8, 3 };
	const uint8_t r8[] = { 200, 1, 2, 3 };
	one_record(nf, 1700000100, red1, 2, r8, sizeof r8);
	assert_int_equal(GOT[0].orig_bytes, 200);
	ip_is(&GOT[0].orig, (kb_ip){ { 0 } });
	static const unsigned red3[] = { 1, 3 };
	const uint8_t r9[] = { 1, 2, 3 };
	one_record(nf, 1700000100, red3, 1, r9, sizeof r9);
	assert_int_equal(GOT[0].orig_bytes, 0x010203);
	static const unsigned red8[] = { 1, 8 };
	const uint8_t r10[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };
	one_record(nf, 1700000100, red8, 1, r10, sizeof r10);
	assert_int_equal(GOT[0].orig_bytes, 0xfffffffffffffffeull);
	kb_nf_free(nf);
}

/* ---- limits --------------------------------------------------------------------------- */

/* Templates first..last (one field: the source address) in one IPFIX template set. */
static void many_templates(kb_nf *nf, unsigned first, unsigned last)
{
	ipfix_begin(&P, 1700000000, 1);
	size_t s = set_begin(&P, 2);
	for (unsigned t = first; t <= last; t++) {
		u16(&P, t);
		u16(&P, 1);
		tfield(&P, 8, 4);
	}
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
}

static void src_data(kb_nf *nf, unsigned tid)
{
	ipfix_begin(&P, 1700000000, 1);
	size_t s = set_begin(&P, tid);
	addr4(&P, 10, 0, tid >> 8, tid & 0xff);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
}

static void test_limit_templates(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	assert_true(256 + KB_NF_MAX_TEMPLATES < 65536);
	many_templates(nf, 256, 256 + KB_NF_MAX_TEMPLATES - 1);
	assert_int_equal(stats(nf).templates, KB_NF_MAX_TEMPLATES);
	src_data(nf, 256);
	assert_int_equal(NGOT, 1);
	/* 256 refreshed: 257 is now the oldest and goes when one more comes */
	many_templates(nf, 256, 256);
	many_templates(nf, 256 + KB_NF_MAX_TEMPLATES, 256 + KB_NF_MAX_TEMPLATES);
	NGOT = 0;
	src_data(nf, 257);
	assert_int_equal(NGOT, 0);
	assert_int_equal(stats(nf).pending, 1);
	src_data(nf, 256);
	src_data(nf, 258);
	src_data(nf, 256 + KB_NF_MAX_TEMPLATES);
	assert_int_equal(NGOT, 3);
	ip_is(&GOT[2].orig, ip4(10, 0, (256 + KB_NF_MAX_TEMPLATES) >> 8, (256 + KB_NF_MAX_TEMPLATES) & 0xff));
	kb_nf_free(nf);
}

static void test_limit_fields(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	/* KB_NF_MAX_TEMPLATE_FIELDS fields: accepted; one more: refused, the next template still read */
	ipfix_begin(&P, 1700000000, 1);
	size_t s = set_begin(&P, 2);
	u16(&P, 256);
	u16(&P, KB_NF_MAX_TEMPLATE_FIELDS);
	for (int i = 0; i < KB_NF_MAX_TEMPLATE_FIELDS; i++)
		tfield(&P, i == 0 ? 8 : 210, 4);
	size_t second = P.n;
	u16(&P, 257);
	u16(&P, KB_NF_MAX_TEMPLATE_FIELDS + 1);
	for (int i = 0; i <= KB_NF_MAX_TEMPLATE_FIELDS; i++)
		tfield_pen(&P, 8, 4, 9);
	u16(&P, 258);
	u16(&P, 1);
	tfield(&P, 8, 4);
	set_end(&P, s);
	ipfix_end(&P);
	int rc = feed(nf);
	error_is(rc, KB_ELIMIT, second, "template 257 at byte");
	assert_non_null(strstr(E.msg, "129 fields"));
	kb_nf_stats st = stats(nf);
	assert_int_equal(st.templates, 2);
	assert_int_equal(st.malformed, 1);

	NGOT = 0;
	ipfix_begin(&P, 1700000000, 1);
	s = set_begin(&P, 256);
	addr4(&P, 10, 0, 0, 1);
	for (int i = 1; i < KB_NF_MAX_TEMPLATE_FIELDS; i++)
		u32(&P, 0);
	set_end(&P, s);
	s = set_begin(&P, 258);
	addr4(&P, 10, 0, 0, 2);
	set_end(&P, s);
	ipfix_end(&P);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 2);
	ip_is(&GOT[0].orig, ip4(10, 0, 0, 1));
	src_data(nf, 257);
	assert_int_equal(NGOT, 2);
	assert_int_equal(stats(nf).pending, 1);

	/* v9 options template past the limit */
	v9_begin(&P, 1000, 1700000000, 1);
	s = set_begin(&P, 1);
	size_t rec = P.n;
	u16(&P, 259);
	u16(&P, 4);
	u16(&P, 4 * KB_NF_MAX_TEMPLATE_FIELDS);
	for (int i = 0; i <= KB_NF_MAX_TEMPLATE_FIELDS; i++)
		tfield(&P, 34, 4);
	set_end(&P, s);
	error_is(feed(nf), KB_ELIMIT, rec, "129 fields");
	kb_nf_free(nf);
}

static void test_limit_pending(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	/* data sets of 1004 bytes (250 records of 4) for templates 256, 257, ... */
	const size_t per = 1004, fit = KB_NF_MAX_PENDING / per;
	for (unsigned t = 256; t < 256 + fit + 1; t++) {
		ipfix_begin(&P, 1700000000, 1);
		size_t s = set_begin(&P, t);
		for (int i = 0; i < 250; i++)
			addr4(&P, 10, 0, t & 0xff, (unsigned)i);
		set_end(&P, s);
		ipfix_end(&P);
		assert_int_equal(feed(nf), 0);
		assert_int_equal(stats(nf).dropped, t < 256 + fit ? 0 : 1);
	}
	kb_nf_stats st = stats(nf);
	assert_int_equal(st.pending, fit + 1);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(NGOT, 0);
	/* 256's was the oldest: dropped; 257's and the last are still there */
	many_templates(nf, 256, 257);
	assert_int_equal(NGOT, 250);
	ip_is(&GOT[0].orig, ip4(10, 0, 1, 0));
	many_templates(nf, (unsigned)(256 + fit), (unsigned)(256 + fit));
	assert_int_equal(NGOT, 500);
	kb_nf_free(nf);
}

/* ---- malformed -------------------------------------------------------------------------- */

static void test_malformed(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	P.n = 1;
	P.b[0] = 0;
	error_is(feed(nf), KB_EPARSE, 0, "packet of 1 bytes");
	P.n = 0;
	u16(&P, 7);
	u16(&P, 1);
	error_is(feed(nf), KB_EPARSE, 0, "version 7 at byte 0: expected 5, 9 or 10");

	/* v5 */
	v5_header(&P, 1, 0, 0, 0);
	P.n = 23;
	error_is(feed(nf), KB_EPARSE, 0, "v5 header at byte 0: 23 bytes, expected 24");
	v5_header(&P, 31, 0, 0, 0);
	error_is(feed(nf), KB_EPARSE, 2, "v5 count 31 at byte 2: expected at most 30");
	v5_header(&P, 2, 0, 0, 0);
	v5_record(&P, 0, 0, 1, 2, 6, 0, 1, 1);
	error_is(feed(nf), KB_EPARSE, 2, "v5 count 2 at byte 2: expected 120 bytes, the packet has 72");
	assert_int_equal(NGOT, 0);

	/* v9 header and set lengths */
	v9_begin(&P, 0, 0, 0);
	P.n = 19;
	error_is(feed(nf), KB_EPARSE, 0, "v9 header at byte 0: 19 bytes, expected 20");
	v9_begin(&P, 0, 0, 0);
	u16(&P, 256);
	u16(&P, 3);
	error_is(feed(nf), KB_EPARSE, 20, "set length 3 at byte 20: expected at least 4");
	assert_string_equal(E.msg, "set length 3 at byte 20: expected at least 4");
	v9_begin(&P, 0, 0, 0);
	u16(&P, 256);
	u16(&P, 40);
	u32(&P, 1);
	error_is(feed(nf), KB_EPARSE, 20, "set length 40 at byte 20: expected at most 8 (the bytes left)");

	/* IPFIX header */
	ipfix_begin(&P, 0, 0);
	P.n = 15;
	error_is(feed(nf), KB_EPARSE, 0, "IPFIX header at byte 0: 15 bytes, expected 16");
	ipfix_begin(&P, 0, 0);
	put16(&P, 2, 100);
	error_is(feed(nf), KB_EPARSE, 2, "IPFIX message length 100 at byte 2: expected 16 to 16");
	put16(&P, 2, 12);
	error_is(feed(nf), KB_EPARSE, 2, "IPFIX message length 12");
	ipfix_begin(&P, 0, 0);
	u16(&P, 0);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 16, "2 bytes at byte 16: expected a set header (4 bytes)");

	/* templates */
	ipfix_begin(&P, 0, 0);
	size_t s = set_begin(&P, 2);
	u16(&P, 255);
	u16(&P, 1);
	tfield(&P, 8, 4);
	set_end(&P, s);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 20, "template ID 255 at byte 20: expected 256 or more");
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 2);
	u16(&P, 5);
	u16(&P, 0);
	set_end(&P, s);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 20, "template withdrawal for ID 5 at byte 20");
	v9_begin(&P, 0, 0, 0);
	s = set_begin(&P, 0);
	u16(&P, 256);
	u16(&P, 0);
	set_end(&P, s);
	error_is(feed(nf), KB_EPARSE, 26, "template 256 at byte 24: field count 0: expected at least 1");
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 2);
	u16(&P, 256);
	u16(&P, 3);
	tfield(&P, 8, 4);
	tfield(&P, 12, 4);
	u16(&P, 1);
	set_end(&P, s);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 32, "template 256 at byte 20: field 3 at byte 32: expected 4 bytes, 2 left in the set");
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 2);
	u16(&P, 256);
	u16(&P, 1);
	u16(&P, 0x8001);
	u16(&P, 4);
	u16(&P, 0);
	set_end(&P, s);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 28, "field 1: expected an enterprise number at byte 28, 2 bytes left");
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 3);
	u16(&P, 256);
	u16(&P, 1);
	u16(&P, 0);
	tfield(&P, 8, 4);
	set_end(&P, s);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 24, "scope field count 0 at byte 24: expected 1 to 1");
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 3);
	u16(&P, 256);
	u16(&P, 1);
	set_end(&P, s);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 24, "expected a scope field count at byte 24");
	v9_begin(&P, 0, 0, 0);
	s = set_begin(&P, 1);
	u16(&P, 256);
	u16(&P, 2);
	u16(&P, 4);
	tfield(&P, 1, 4);
	tfield(&P, 2, 4);
	set_end(&P, s);
	error_is(feed(nf), KB_EPARSE, 26, "scope length 2 and option length 4: expected multiples of 4");
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 2);
	u16(&P, 256);
	u16(&P, 2);
	tfield(&P, 8, 0);
	tfield(&P, 210, 0);
	set_end(&P, s);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, 20, "template 256 at byte 20: its records have 0 bytes");
	assert_int_equal(NGOT, 0);

	/* data: records before the bad part are delivered, the next set is still read */
	ipfix_begin(&P, 1700000000, 0);
	ipfix_template(&P, 300, LAYOUT_A, 3);
	size_t d = set_begin(&P, 300);
	for (unsigned i = 1; i <= 2; i++) {
		addr4(&P, 10, 0, 0, i);
		addr4(&P, 10, 0, 0, 9);
		u32(&P, i);
	}
	for (int i = 0; i < 7; i++)
		u8(&P, 1);
	set_end(&P, d);
	data_a(&P, 300, 3);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, d + 4 + 24,
	         "data record of template 300 at byte 64: 7 bytes left, expected a record of 12 bytes or padding");
	assert_int_equal(NGOT, 3);
	ip_is(&GOT[2].orig, ip4(10, 0, 0, 3));

	/* a framing error after a good set: the good records were delivered */
	NGOT = 0;
	ipfix_begin(&P, 1700000000, 0);
	data_a(&P, 300, 4);
	d = P.n;
	u16(&P, 300);
	u16(&P, 2);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, d, "set length 2");
	assert_int_equal(NGOT, 1);

	/* variable-length fields that overrun the set */
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 2);
	u16(&P, 301);
	u16(&P, 2);
	tfield(&P, 82, 65535);
	tfield(&P, 8, 4);
	set_end(&P, s);
	d = set_begin(&P, 301);
	u8(&P, 10);
	u32(&P, 1);
	u8(&P, 1);
	set_end(&P, d);
	ipfix_end(&P);
	error_is(feed(nf), KB_EPARSE, d + 5, "field 1 of 10 bytes: 5 bytes left in the set");
	ipfix_begin(&P, 0, 0);
	s = set_begin(&P, 2);
	u16(&P, 302);
	u16(&P, 2);
	tfield(&P, 8, 4);
	tfield(&P, 82, 65535);
	set_end(&P, s);
	d = set_begin(&P, 302);
	addr4(&P, 10, 0, 0, 1);
	u8(&P, 255);
	u16(&P, 2);
	u16(&P, 0x4142);
	addr4(&P, 10, 0, 0, 2);
	u8(&P, 255); /* the second record's long length is cut */
	u8(&P, 1);
	set_end(&P, d);
	ipfix_end(&P);
	NGOT = 0;
	error_is(feed(nf), KB_EPARSE, d + 4 + 14, "expected a 2-byte length after 255, 1 bytes left");
	assert_int_equal(NGOT, 1);

	/* a held set found malformed when its template comes: reported at the template */
	NGOT = 0;
	v9_begin(&P, 0, 1700000000, 5);
	s = set_begin(&P, 256);
	for (int i = 0; i < 41; i++)
		u8(&P, 0xee);
	set_end(&P, s);
	assert_int_equal(feed(nf), 0);
	v9_begin(&P, 0, 1700000000, 5);
	v9_template_256(&P);
	error_is(feed(nf), KB_EPARSE, 24, "data set held for template 256 from an earlier packet, at its byte 36: 5 bytes left");
	assert_int_equal(NGOT, 1);

	/* the state is still good */
	NGOT = 0;
	v9_begin(&P, 0, 1700000000, 5);
	v9_data_256(&P, 1, 1, 0, 0, 0);
	assert_int_equal(feed(nf), 0);
	assert_int_equal(NGOT, 1);
	kb_nf_stats st = stats(nf);
	assert_int_equal(st.malformed, 26);
	kb_nf_free(nf);
}

static void test_sink_stop(void **state)
{
	(void)state;
	kb_nf *nf = fresh();
	STOP_AFTER = 2;
	v5_header(&P, 3, 1000, 1700000000, 0);
	for (int i = 0; i < 3; i++)
		v5_record(&P, 0, 0, 1, 2, 6, 0, 1, 1);
	assert_int_equal(feed(nf), 7);
	assert_int_equal(NGOT, 2);
	/* a NULL flow callback: records are counted, not delivered */
	kb_flow_sink none = { NULL, NULL, NULL };
	assert_int_equal(kb_nf_packet(nf, NULL, 0, P.b, P.n, &none, NULL), 0);
	assert_int_equal(stats(nf).records, 5);
	kb_nf_free(nf);
	kb_nf_free(NULL);
}

static void test_looks_like(void **state)
{
	(void)state;
	v5_header(&P, 2, 0, 0, 0);
	v5_record(&P, 0, 0, 1, 2, 6, 0, 1, 1);
	assert_false(kb_nf_looks_like(P.b, P.n));
	v5_record(&P, 0, 0, 1, 2, 6, 0, 1, 1);
	assert_true(kb_nf_looks_like(P.b, P.n));
	u8(&P, 0);
	assert_true(kb_nf_looks_like(P.b, P.n));
	v5_header(&P, 0, 0, 0, 0);
	assert_false(kb_nf_looks_like(P.b, P.n));

	v9_begin(&P, 0, 0, 0);
	v9_template_256(&P);
	assert_true(kb_nf_looks_like(P.b, P.n));
	put16(&P, 22, 500); /* the first flowset's length past the end */
	assert_false(kb_nf_looks_like(P.b, P.n));
	v9_begin(&P, 0, 0, 0);
	put16(&P, 2, 900);
	v9_template_256(&P);
	assert_false(kb_nf_looks_like(P.b, P.n));
	P.n = 19;
	assert_false(kb_nf_looks_like(P.b, P.n));

	ipfix_begin(&P, 0, 0);
	ipfix_template(&P, 300, LAYOUT_A, 3);
	ipfix_end(&P);
	assert_true(kb_nf_looks_like(P.b, P.n));
	u8(&P, 0);
	assert_false(kb_nf_looks_like(P.b, P.n));
	const uint8_t dns[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	assert_false(kb_nf_looks_like(dns, sizeof dns));
	assert_false(kb_nf_looks_like(dns, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v5),
		cmocka_unit_test(test_v9),
		cmocka_unit_test(test_late_template),
		cmocka_unit_test(test_template_changed),
		cmocka_unit_test(test_withdrawal),
		cmocka_unit_test(test_exporters_domains),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_varlen),
		cmocka_unit_test(test_enterprise_biflow),
		cmocka_unit_test(test_times_and_fields),
		cmocka_unit_test(test_limit_templates),
		cmocka_unit_test(test_limit_fields),
		cmocka_unit_test(test_limit_pending),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sink_stop),
		cmocka_unit_test(test_looks_like),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
