/*
 * test-flow-session.c - sessions from packets (kb_sess_*, koban/flow.h):
 * TCP conn_state (SF with counts each way and the close grace, S0 at flush
 * and at idle timeout, REJ and a new session on a new SYN, RSTO, RSTR, SH,
 * OTH midstream, S1 and the established idle timeout), the direction rules
 * (SYN-ACK first, service port first), UDP and ICMP request/response
 * pairing, UDP idle timeout, the active timeout's partial records, LRU
 * eviction at max_active and its ceiling, IPv4 options and fragments (the
 * fragment table and its slot limit), IPv6 extension headers and their
 * limit, and malformed packets counted and skipped. The packets are built
 * here, header by header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "koban/flow.h"
#include "flow-session-internal.h"

#define SEC 1000000ll
#define MAXF 64

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

/* ---- a sink that keeps the flows ---- */

typedef struct got {
	kb_flow f[MAXF];
	size_t n;
	int stop_with;     /* returned by the sink ... */
	size_t stop_after; /* ... for the flow that makes this many (0: for every flow) */
} got;

static int keep(void *ctx, const kb_flow *f)
{
	got *g = ctx;
	assert_true(g->n < MAXF);
	g->f[g->n++] = *f;
	return !g->stop_after || g->n == g->stop_after ? g->stop_with : 0;
}

typedef struct T {
	kb_sess *s;
	got g;
	kb_flow_sink sink;
} T;

static T *mk(const kb_sess_opts *o)
{
	T *t = calloc(1, sizeof *t);
	assert_non_null(t);
	assert_int_equal(kb_sess_new(o, &t->s), 0);
	t->sink.flow = keep;
	t->sink.ctx = &t->g;
	return t;
}

static void done(T *t)
{
	kb_sess_free(t->s);
	free(t);
}

static void flush(T *t)
{
	assert_int_equal(kb_sess_flush(t->s, &t->sink), 0);
}

static kb_sess_stats stats(T *t)
{
	kb_sess_stats st;
	kb_sess_get_stats(t->s, &st);
	return st;
}

/* ---- packet builders ---- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* A transport header (+ zeroed payload) into b: TCP 20, UDP 8, ICMP 8 bytes. */
static size_t l4(uint8_t *b, uint8_t proto, unsigned sp, unsigned dp, uint8_t flags, size_t data)
{
	size_t h = proto == 6 ? 20 : 8;
	memset(b, 0, h + data);
	if (proto == 1 || proto == 58) {
		b[0] = (uint8_t)sp;
		b[1] = (uint8_t)dp;
		return h + data;
	}
	put16(b, sp);
	put16(b + 2, dp);
	if (proto == 6) {
		b[12] = 5 << 4;
		b[13] = flags;
	} else {
		put16(b + 4, (unsigned)(8 + data));
	}
	return h + data;
}

/* IPv4 header (ihl 20 + opt bytes of options) before `l4len` bytes already at b + 20 + opt. */
static size_t ip4(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, size_t opt, size_t l4len, uint16_t frag,
                  uint16_t id)
{
	size_t ihl = 20 + opt;
	b[0] = (uint8_t)(0x40 | ihl / 4);
	b[1] = 0;
	put16(b + 2, (unsigned)(ihl + l4len));
	put16(b + 4, id);
	put16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	put16(b + 10, 0);
	put32(b + 12, src);
	put32(b + 16, dst);
	memset(b + 20, 1, opt); /* NOP options */
	return ihl + l4len;
}

static const uint32_t C = 0x0a000001, SV = 0x0a000002, C2 = 0x0a000003;

static int send4(T *t, int64_t ts, uint32_t src, unsigned sp, uint32_t dst, unsigned dp, uint8_t proto,
                 uint8_t flags, size_t data)
{
	uint8_t b[2048];
	size_t n = l4(b + 20, proto, sp, dp, flags, data);
	n = ip4(b, src, dst, proto, 0, n, 0, 1);
	return kb_sess_packet(t->s, ts, b, n, n, &t->sink, NULL);
}

static void tcp(T *t, int64_t ts, uint32_t src, unsigned sp, uint32_t dst, unsigned dp, uint8_t flags, size_t data)
{
	assert_int_equal(send4(t, ts, src, sp, dst, dp, 6, flags, data), 0);
}

static void udp(T *t, int64_t ts, uint32_t src, unsigned sp, uint32_t dst, unsigned dp, size_t data)
{
	assert_int_equal(send4(t, ts, src, sp, dst, dp, 17, 0, data), 0);
}

static void is_v4(const kb_ip *a, uint32_t v)
{
	kb_ip w;
	memset(w.b, 0, 10);
	w.b[10] = w.b[11] = 0xff;
	put32(w.b + 12, v);
	assert_memory_equal(a->b, w.b, 16);
}

static void handshake(T *t, int64_t ts)
{
	tcp(t, ts, C, 40000, SV, 80, SYN, 0);
	tcp(t, ts + 1000, SV, 80, C, 40000, SYN | ACK, 0);
	tcp(t, ts + 2000, C, 40000, SV, 80, ACK, 0);
}

/* ---- TCP ---- */

static void test_sf(void **state)
{
	(void)state;
	T *t = mk(NULL);
	handshake(t, 0);
	tcp(t, 3000, C, 40000, SV, 80, PSH | ACK, 100);
	tcp(t, 4000, SV, 80, C, 40000, PSH | ACK, 200);
	tcp(t, 5000, C, 40000, SV, 80, FIN | ACK, 0);
	tcp(t, 6000, SV, 80, C, 40000, FIN | ACK, 0);
	tcp(t, 7000, C, 40000, SV, 80, ACK, 0); /* within the close grace: same session */
	/* the grace runs from the last packet */
	udp(t, 7000 + KB_SESS_CLOSE_US - 1, C, 50000, SV, 53, 10);
	assert_int_equal(t->g.n, 0);
	udp(t, 7000 + KB_SESS_CLOSE_US, C, 50000, SV, 53, 10);
	assert_int_equal(t->g.n, 1);
	const kb_flow *f = &t->g.f[0];
	assert_string_equal(f->state, "SF");
	assert_true(f->flags & KB_FLOW_HAS_STATE);
	assert_false(f->flags & KB_FLOW_PARTIAL);
	is_v4(&f->orig, C);
	is_v4(&f->resp, SV);
	assert_int_equal(f->orig_port, 40000);
	assert_int_equal(f->resp_port, 80);
	assert_int_equal(f->proto, 6);
	assert_int_equal(f->orig_pkts, 5);
	assert_int_equal(f->resp_pkts, 3);
	assert_int_equal(f->orig_bytes, 5 * 40 + 100);
	assert_int_equal(f->resp_bytes, 3 * 40 + 200);
	assert_int_equal(f->start_us, 0);
	assert_int_equal(f->duration_us, 7000);
	assert_int_equal(f->tcp_flags, SYN | ACK | PSH | FIN);
	assert_int_equal(f->line, 1);
	assert_null(f->uid);
	flush(t);
	assert_int_equal(t->g.n, 2);
	assert_int_equal(t->g.f[1].proto, 17);
	assert_int_equal(t->g.f[1].line, 9);
	assert_int_equal(t->g.f[1].orig_pkts, 2);
	assert_false(t->g.f[1].flags & KB_FLOW_HAS_STATE);
	assert_string_equal(t->g.f[1].state, "");
	assert_int_equal(stats(t).sessions, 2);
	assert_int_equal(stats(t).active, 0);
	done(t);
}

static void test_s0(void **state)
{
	(void)state;
	T *t = mk(NULL);
	tcp(t, 0, C, 40000, SV, 22, SYN, 0);
	tcp(t, 1 * SEC, C, 40000, SV, 22, SYN, 0); /* retransmitted: same session */
	flush(t);
	assert_int_equal(t->g.n, 1);
	assert_string_equal(t->g.f[0].state, "S0");
	assert_int_equal(t->g.f[0].orig_pkts, 2);
	assert_int_equal(t->g.f[0].resp_pkts, 0);
	assert_int_equal(t->g.f[0].duration_us, SEC);
	done(t);

	/* ended by the idle timeout, and only then */
	kb_sess_opts o = { .idle_us = 10 * SEC };
	t = mk(&o);
	tcp(t, 0, C, 40000, SV, 22, SYN, 0);
	udp(t, 10 * SEC - 1, C2, 5000, SV, 53, 1);
	assert_int_equal(t->g.n, 0);
	udp(t, 10 * SEC, C2, 5000, SV, 53, 1);
	assert_int_equal(t->g.n, 1);
	assert_string_equal(t->g.f[0].state, "S0");
	done(t);
}

static void test_rej(void **state)
{
	(void)state;
	T *t = mk(NULL);
	tcp(t, 0, C, 40000, SV, 23, SYN, 0);
	tcp(t, 100, SV, 23, C, 40000, RST | ACK, 0);
	/* a new SYN on the same key after the RST: a new session */
	tcp(t, 1 * SEC, C, 40000, SV, 23, SYN, 0);
	assert_int_equal(t->g.n, 1);
	assert_string_equal(t->g.f[0].state, "REJ");
	assert_int_equal(t->g.f[0].orig_pkts, 1);
	assert_int_equal(t->g.f[0].resp_pkts, 1);
	assert_int_equal(t->g.f[0].tcp_flags, SYN | RST | ACK);
	tcp(t, 1 * SEC + 100, SV, 23, C, 40000, RST | ACK, 0);
	flush(t);
	assert_int_equal(t->g.n, 2);
	assert_string_equal(t->g.f[1].state, "REJ");
	assert_int_equal(t->g.f[1].line, 3);
	assert_int_equal(t->g.f[1].start_us, SEC);
	done(t);
}

static void test_rsto_rstr(void **state)
{
	(void)state;
	T *t = mk(NULL);
	handshake(t, 0);
	tcp(t, 3000, C, 40000, SV, 80, RST, 0);
	handshake(t, 10 * SEC); /* a SYN after the reset: a new session */
	tcp(t, 10 * SEC + 3000, SV, 80, C, 40000, RST | ACK, 0);
	flush(t);
	assert_int_equal(t->g.n, 2);
	assert_string_equal(t->g.f[0].state, "RSTO");
	assert_int_equal(t->g.f[0].orig_pkts, 3);
	assert_string_equal(t->g.f[1].state, "RSTR");
	assert_int_equal(t->g.f[1].resp_pkts, 2);
	is_v4(&t->g.f[1].orig, C);
	done(t);
}

static void test_sh_s1_oth(void **state)
{
	(void)state;
	T *t = mk(NULL);
	tcp(t, 0, C, 40000, SV, 80, SYN | FIN, 0);
	handshake(t, 10);                                      /* port 40000 again but still open: */
	tcp(t, 20, C, 40001, SV, 8080, ACK | PSH, 10);         /* midstream, both ports high */
	tcp(t, 30, SV, 8080, C, 40001, ACK, 0);
	tcp(t, 40, SV, 443, C, 50000, ACK | PSH, 10);          /* midstream from the service port: flipped */
	flush(t);
	assert_int_equal(t->g.n, 3);
	/* the SYN+FIN session took the handshake's packets: the SYN-ACK answered it */
	assert_string_equal(t->g.f[0].state, "S2");
	assert_string_equal(t->g.f[1].state, "OTH");
	is_v4(&t->g.f[1].orig, C);
	assert_int_equal(t->g.f[1].resp_port, 8080);
	assert_string_equal(t->g.f[2].state, "OTH");
	is_v4(&t->g.f[2].orig, C);
	assert_int_equal(t->g.f[2].orig_port, 50000);
	assert_int_equal(t->g.f[2].resp_port, 443);
	assert_int_equal(t->g.f[2].orig_pkts, 0);
	assert_int_equal(t->g.f[2].resp_pkts, 1);
	done(t);

	t = mk(NULL);
	tcp(t, 0, C, 40000, SV, 80, SYN | FIN, 0);
	flush(t);
	assert_int_equal(t->g.n, 1);
	assert_string_equal(t->g.f[0].state, "SH");
	done(t);

	t = mk(NULL);
	handshake(t, 0);
	flush(t);
	assert_string_equal(t->g.f[0].state, "S1");
	done(t);
}

static void test_synack_first(void **state)
{
	(void)state;
	T *t = mk(NULL);
	tcp(t, 0, SV, 80, C, 40000, SYN | ACK, 0);
	tcp(t, 10, C, 40000, SV, 80, ACK, 0);
	tcp(t, 20, C, 40000, SV, 80, ACK | PSH, 50);
	flush(t);
	assert_int_equal(t->g.n, 1);
	const kb_flow *f = &t->g.f[0];
	is_v4(&f->orig, C);
	is_v4(&f->resp, SV);
	assert_int_equal(f->orig_port, 40000);
	assert_int_equal(f->resp_port, 80);
	assert_int_equal(f->orig_pkts, 2);
	assert_int_equal(f->resp_pkts, 1);
	assert_int_equal(f->resp_bytes, 40);
	assert_int_equal(f->orig_bytes, 40 + 90);
	assert_string_equal(f->state, "S1");
	done(t);
}

static void test_tcp_idle(void **state)
{
	(void)state;
	kb_sess_opts o = { .idle_us = 10 * SEC, .tcp_idle_us = 100 * SEC };
	T *t = mk(&o);
	handshake(t, 0);
	udp(t, 50 * SEC, C2, 5000, SV, 53, 1); /* established: the short timeout does not apply */
	assert_int_equal(t->g.n, 0);
	udp(t, 100 * SEC + 2000, C2, 5001, SV, 53, 1);
	assert_int_equal(t->g.n, 2); /* the first UDP session (idle) and the TCP one */
	assert_int_equal(t->g.f[0].proto, 17);
	assert_string_equal(t->g.f[1].state, "S1");
	assert_false(t->g.f[1].flags & KB_FLOW_PARTIAL);
	done(t);
}

/* ---- UDP, ICMP ---- */

static void test_udp_pairing(void **state)
{
	(void)state;
	T *t = mk(NULL);
	udp(t, 0, C, 40001, SV, 53, 30);
	udp(t, 500, SV, 53, C, 40001, 90);
	udp(t, 600, SV, 123, C, 40002, 40); /* a reply seen first: the service side is the responder */
	udp(t, 700, C, 40003, C2, 40004, 1);
	udp(t, 800, C2, 40004, C, 40003, 1);
	flush(t);
	assert_int_equal(t->g.n, 3);
	const kb_flow *f = &t->g.f[0];
	is_v4(&f->orig, C);
	assert_int_equal(f->orig_port, 40001);
	assert_int_equal(f->resp_port, 53);
	assert_int_equal(f->orig_pkts, 1);
	assert_int_equal(f->resp_pkts, 1);
	assert_int_equal(f->orig_bytes, 20 + 8 + 30);
	assert_int_equal(f->resp_bytes, 20 + 8 + 90);
	assert_int_equal(f->duration_us, 500);
	assert_int_equal(f->tcp_flags, 0);
	f = &t->g.f[1];
	is_v4(&f->orig, C);
	assert_int_equal(f->orig_port, 40002);
	assert_int_equal(f->resp_port, 123);
	assert_int_equal(f->orig_pkts, 0);
	assert_int_equal(f->resp_pkts, 1);
	f = &t->g.f[2];
	is_v4(&f->orig, C);
	assert_int_equal(f->orig_pkts, 1);
	assert_int_equal(f->resp_pkts, 1);
	done(t);
}

static void test_udp_idle(void **state)
{
	(void)state;
	kb_sess_opts o = { .idle_us = SEC };
	T *t = mk(&o);
	udp(t, 0, C, 40001, SV, 53, 1);
	udp(t, SEC / 2, SV, 53, C, 40001, 1);
	udp(t, SEC / 2 + SEC, C, 40001, SV, 53, 1); /* idle for a second: a new session */
	assert_int_equal(t->g.n, 1);
	assert_int_equal(t->g.f[0].orig_pkts, 1);
	assert_int_equal(t->g.f[0].resp_pkts, 1);
	assert_false(t->g.f[0].flags & KB_FLOW_PARTIAL);
	flush(t);
	assert_int_equal(t->g.n, 2);
	assert_int_equal(t->g.f[1].line, 3);
	assert_int_equal(t->g.f[1].start_us, SEC / 2 + SEC);
	done(t);
}

static void test_icmp(void **state)
{
	(void)state;
	T *t = mk(NULL);
	assert_int_equal(send4(t, 0, C, 8, SV, 0, 1, 0, 56), 0);     /* echo request */
	assert_int_equal(send4(t, 10, SV, 0, C, 0, 1, 0, 56), 0);    /* echo reply */
	assert_int_equal(send4(t, 20, SV, 3, C, 3, 1, 0, 28), 0);    /* port unreachable: its own */
	flush(t);
	assert_int_equal(t->g.n, 2);
	assert_int_equal(t->g.f[0].proto, 1);
	assert_int_equal(t->g.f[0].orig_port, 8);
	assert_int_equal(t->g.f[0].resp_port, 0);
	assert_int_equal(t->g.f[0].orig_pkts, 1);
	assert_int_equal(t->g.f[0].resp_pkts, 1);
	assert_int_equal(t->g.f[1].orig_port, 3);
	assert_int_equal(t->g.f[1].resp_port, 3);
	is_v4(&t->g.f[1].orig, SV);
	done(t);
}

/* ---- timeouts and limits ---- */

static void test_active_timeout(void **state)
{
	(void)state;
	kb_sess_opts o = { .active_us = 10 * SEC, .idle_us = 100 * SEC };
	T *t = mk(&o);
	for (int i = 0; i <= 8; i++)
		udp(t, i * 3 * SEC, i % 2 ? SV : C, i % 2 ? 53 : 40001, i % 2 ? C : SV, i % 2 ? 40001 : 53, 2);
	flush(t);
	assert_int_equal(t->g.n, 3);
	const kb_flow *f = t->g.f;
	assert_true(f[0].flags & KB_FLOW_PARTIAL);
	assert_int_equal(f[0].start_us, 0);
	assert_int_equal(f[0].duration_us, 9 * SEC);
	assert_int_equal(f[0].orig_pkts + f[0].resp_pkts, 4); /* 0 3 6 9 */
	assert_int_equal(f[0].line, 1);
	assert_true(f[1].flags & KB_FLOW_PARTIAL);
	assert_int_equal(f[1].start_us, 12 * SEC);
	assert_int_equal(f[1].orig_pkts, 2); /* 12 18 */
	assert_int_equal(f[1].resp_pkts, 2); /* 15 21 */
	assert_int_equal(f[1].line, 5);
	is_v4(&f[1].orig, C); /* the continuation keeps the direction */
	assert_false(f[2].flags & KB_FLOW_PARTIAL);
	assert_int_equal(f[2].orig_pkts, 1);
	assert_int_equal(f[2].start_us, 24 * SEC);
	done(t);
}

/* The defaults: KB_SESS_IDLE_US, KB_SESS_TCP_IDLE_US, KB_SESS_ACTIVE_US. */
static void test_default_timeouts(void **state)
{
	(void)state;
	T *t = mk(NULL);
	udp(t, 0, C, 40001, SV, 53, 1);
	handshake(t, 0);
	udp(t, KB_SESS_IDLE_US - 1, C2, 40002, SV, 53, 1);
	assert_int_equal(t->g.n, 0);
	udp(t, KB_SESS_IDLE_US, C2, 40002, SV, 53, 1);
	assert_int_equal(t->g.n, 1);
	assert_int_equal(t->g.f[0].orig_port, 40001);
	/* established TCP: a packet before the active timeout, then one at it */
	tcp(t, KB_SESS_ACTIVE_US - 1, C, 40000, SV, 80, ACK, 0);
	assert_int_equal(t->g.n, 2); /* the second UDP session went idle meanwhile */
	tcp(t, KB_SESS_ACTIVE_US, SV, 80, C, 40000, ACK, 0);
	assert_int_equal(t->g.n, 3);
	assert_true(t->g.f[2].flags & KB_FLOW_PARTIAL);
	assert_string_equal(t->g.f[2].state, "S1");
	assert_int_equal(t->g.f[2].orig_pkts, 3);
	/* the continuation is established too: only the TCP idle timeout ends it */
	udp(t, KB_SESS_ACTIVE_US + KB_SESS_TCP_IDLE_US - 1, C2, 40003, SV, 53, 1);
	assert_int_equal(t->g.n, 3);
	udp(t, KB_SESS_ACTIVE_US + KB_SESS_TCP_IDLE_US, C2, 40004, SV, 53, 1);
	assert_int_equal(t->g.n, 4);
	const kb_flow *f = &t->g.f[3];
	assert_false(f->flags & KB_FLOW_PARTIAL);
	assert_int_equal(f->resp_pkts, 1);
	assert_int_equal(f->start_us, KB_SESS_ACTIVE_US);
	assert_string_equal(f->state, "S1");
	done(t);
}

static void test_lru_eviction(void **state)
{
	(void)state;
	kb_sess_opts o = { .max_active = 3 };
	T *t = mk(&o);
	for (unsigned i = 1; i <= 3; i++)
		udp(t, i, C, 40000 + i, SV, 53, 1);
	assert_int_equal(stats(t).active, 3);
	udp(t, 4, C, 40004, SV, 53, 1); /* the fourth ends the least recent (the first) */
	assert_int_equal(t->g.n, 1);
	assert_int_equal(t->g.f[0].orig_port, 40001);
	assert_true(t->g.f[0].flags & KB_FLOW_PARTIAL);
	udp(t, 5, SV, 53, C, 40002, 1); /* the second is now recent */
	udp(t, 6, C, 40005, SV, 53, 1);
	assert_int_equal(t->g.n, 2);
	assert_int_equal(t->g.f[1].orig_port, 40003);
	kb_sess_stats st = stats(t);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.active, 3);
	flush(t);
	assert_int_equal(t->g.n, 5);
	assert_int_equal(t->g.f[2].orig_port, 40002); /* flush: oldest first */
	assert_int_equal(t->g.f[2].resp_pkts, 1);
	assert_int_equal(t->g.f[3].orig_port, 40004);
	assert_int_equal(t->g.f[4].orig_port, 40005);
	done(t);

	/* the ceiling, and bad options */
	kb_sess *s = NULL;
	o.max_active = KB_SESS_MAX_ACTIVE + 1;
	assert_int_equal(kb_sess_new(&o, &s), KB_EINVAL);
	o.max_active = KB_SESS_MAX_ACTIVE;
	assert_int_equal(kb_sess_new(&o, &s), 0);
	kb_sess_free(s);
	kb_sess_opts neg = { .idle_us = -1 };
	assert_int_equal(kb_sess_new(&neg, &s), KB_EINVAL);
	kb_sess_free(NULL);
}

static void test_many_sessions(void **state)
{
	(void)state;
	/* more sessions than the first hash table holds: the table grows, nothing is lost */
	T *t = mk(NULL);
	uint8_t b[64];
	for (uint32_t i = 0; i < 5000; i++) {
		size_t n = l4(b + 20, 17, 1024 + (i % 60000), 53, 0, 0);
		n = ip4(b, C + (i / 1000), SV, 17, 0, n, 0, 0);
		assert_int_equal(kb_sess_packet(t->s, i, b, n, n, &t->sink, NULL), 0);
		memcpy(b + 12, b + 16, 4); /* and the reply */
		put32(b + 16, C + (i / 1000));
		put16(b + 20, 53);
		put16(b + 22, 1024 + (i % 60000));
		assert_int_equal(kb_sess_packet(t->s, i, b, n, n, &t->sink, NULL), 0);
	}
	kb_sess_stats st = stats(t);
	assert_int_equal(st.active, 5000);
	size_t count = 0;
	got *g = &t->g;
	for (;;) {
		/* the sink stops after each batch of MAXF: flush picks up where it stopped */
		g->n = 0;
		g->stop_with = 1;
		g->stop_after = MAXF;
		int r = kb_sess_flush(t->s, &t->sink);
		count += g->n;
		for (size_t i = 0; i < g->n; i++)
			assert_int_equal(g->f[i].orig_pkts + 10 * g->f[i].resp_pkts, 11);
		if (!r)
			break;
		assert_int_equal(r, 1);
	}
	assert_int_equal(count, 5000);
	done(t);
}

/* ---- IP layers ---- */

static void test_ipv4_options_and_fragments(void **state)
{
	(void)state;
	T *t = mk(NULL);
	uint8_t b[256];
	/* options: the transport header after them */
	size_t n = l4(b + 28, 17, 40000, 53, 0, 4);
	n = ip4(b, C, SV, 17, 8, n, 0, 1);
	assert_int_equal(kb_sess_packet(t->s, 0, b, n, n, &t->sink, NULL), 0);
	/* a first fragment (MF) with id 5, and its later fragment */
	n = l4(b + 20, 17, 40010, 53, 0, 32);
	n = ip4(b, C, SV, 17, 0, n, 0x2000, 5);
	assert_int_equal(kb_sess_packet(t->s, 1, b, n, n, &t->sink, NULL), 0);
	memset(b + 20, 0xee, 40); /* no transport header in a later fragment */
	n = ip4(b, C, SV, 17, 0, 40, 5, 5);
	assert_int_equal(kb_sess_packet(t->s, 2, b, n, n, &t->sink, NULL), 0);
	/* a later fragment whose first was never seen: an IP-only session */
	n = ip4(b, C, SV, 17, 0, 40, 5, 6);
	assert_int_equal(kb_sess_packet(t->s, 3, b, n, n, &t->sink, NULL), 0);
	/* KB_SESS_FRAG_SLOTS: id 7 and id 7 + slots share a slot; the later one wins */
	n = l4(b + 20, 17, 40020, 53, 0, 32);
	n = ip4(b, C, SV, 17, 0, n, 0x2000, 7);
	assert_int_equal(kb_sess_packet(t->s, 4, b, n, n, &t->sink, NULL), 0);
	n = l4(b + 20, 17, 40021, 53, 0, 32);
	n = ip4(b, C, SV, 17, 0, n, 0x2000, 7 + KB_SESS_FRAG_SLOTS);
	assert_int_equal(kb_sess_packet(t->s, 5, b, n, n, &t->sink, NULL), 0);
	n = ip4(b, C, SV, 17, 0, 40, 5, 7);
	assert_int_equal(kb_sess_packet(t->s, 6, b, n, n, &t->sink, NULL), 0);
	n = ip4(b, C, SV, 17, 0, 40, 5, 7 + KB_SESS_FRAG_SLOTS);
	assert_int_equal(kb_sess_packet(t->s, 7, b, n, n, &t->sink, NULL), 0);
	/* a first fragment too short for its TCP header: IP-only too */
	memset(b + 20, 0, 8);
	n = ip4(b, C, SV, 6, 0, 8, 0x2000, 9);
	assert_int_equal(kb_sess_packet(t->s, 8, b, n, n, &t->sink, NULL), 0);
	flush(t);
	kb_sess_stats st = stats(t);
	assert_int_equal(st.fragments, 4);
	assert_int_equal(st.frag_matched, 2);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(t->g.n, 6);
	const kb_flow *f = t->g.f;
	assert_int_equal(f[0].orig_port, 40000);
	assert_int_equal(f[0].orig_bytes, 28 + 8 + 4);
	assert_int_equal(f[1].orig_port, 40010);
	assert_int_equal(f[1].orig_pkts, 2);
	assert_int_equal(f[1].orig_bytes, 20 + 40 + 20 + 40);
	assert_int_equal(f[2].orig_port, 0); /* IP-only: the unmatched later fragments of ids 6 and 7 */
	assert_int_equal(f[2].resp_port, 0);
	assert_int_equal(f[2].proto, 17);
	assert_int_equal(f[2].orig_pkts, 2);
	assert_int_equal(f[3].orig_port, 40020);
	assert_int_equal(f[3].orig_pkts, 1);
	assert_int_equal(f[4].orig_port, 40021);
	assert_int_equal(f[4].orig_pkts, 2);
	assert_int_equal(f[5].proto, 6);
	assert_int_equal(f[5].orig_port, 0);
	assert_false(f[5].flags & KB_FLOW_HAS_STATE);
	done(t);
}

static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* IPv6 header with `next`, before plen bytes already at b + 40. */
static size_t ip6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t next, size_t plen)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, (unsigned)plen);
	b[6] = next;
	b[7] = 64;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	return 40 + plen;
}

/* `count` destination-options headers of 8 bytes, then `last`. */
static size_t ext_chain(uint8_t *b, unsigned count, uint8_t last)
{
	for (unsigned i = 0; i < count; i++) {
		memset(b + 8 * i, 0, 8);
		b[8 * i] = i + 1 < count ? 60 : last;
	}
	return 8 * count;
}

static void test_ipv6(void **state)
{
	(void)state;
	T *t = mk(NULL);
	uint8_t b[512];
	/* hop-by-hop (8 bytes), destination options (16 bytes), TCP SYN */
	memset(b + 40, 0, 24);
	b[40] = 60;
	b[48] = 6;
	b[49] = 1;
	size_t n = 24 + l4(b + 64, 6, 40000, 443, SYN, 0);
	n = ip6(b, A6, B6, 0, n);
	assert_int_equal(kb_sess_packet(t->s, 0, b, n, n, &t->sink, NULL), 0);
	n = l4(b + 40, 6, 443, 40000, SYN | ACK, 0);
	n = ip6(b, B6, A6, 6, n);
	assert_int_equal(kb_sess_packet(t->s, 1, b, n, n, &t->sink, NULL), 0);
	/* a fragment header: the first fragment has the UDP ports, the later one is matched */
	memset(b + 40, 0, 8);
	b[40] = 17;
	b[43] = 1; /* M */
	put32(b + 44, 0xabcdef01);
	n = 8 + l4(b + 48, 17, 40001, 53, 0, 100);
	n = ip6(b, A6, B6, 44, n);
	assert_int_equal(kb_sess_packet(t->s, 2, b, n, n, &t->sink, NULL), 0);
	put16(b + 42, 100 << 3);
	n = ip6(b, A6, B6, 44, 8 + 60);
	assert_int_equal(kb_sess_packet(t->s, 3, b, n, n, &t->sink, NULL), 0);
	/* KB_SESS_MAX_EXT_HEADERS headers are followed, one more is malformed */
	n = ext_chain(b + 40, KB_SESS_MAX_EXT_HEADERS, 17);
	n += l4(b + 40 + n, 17, 40002, 53, 0, 0);
	n = ip6(b, A6, B6, 60, n);
	assert_int_equal(kb_sess_packet(t->s, 4, b, n, n, &t->sink, NULL), 0);
	n = ext_chain(b + 40, KB_SESS_MAX_EXT_HEADERS + 1, 17);
	n += l4(b + 40 + n, 17, 40003, 53, 0, 0);
	n = ip6(b, A6, B6, 60, n);
	assert_int_equal(kb_sess_packet(t->s, 5, b, n, n, &t->sink, NULL), 0);
	flush(t);
	assert_int_equal(stats(t).malformed, 1);
	assert_int_equal(stats(t).frag_matched, 1);
	assert_int_equal(t->g.n, 3);
	const kb_flow *f = t->g.f;
	assert_memory_equal(f[0].orig.b, A6, 16);
	assert_memory_equal(f[0].resp.b, B6, 16);
	assert_int_equal(f[0].proto, 6);
	assert_int_equal(f[0].resp_port, 443);
	assert_int_equal(f[0].orig_bytes, 40 + 24 + 20);
	assert_int_equal(f[0].resp_pkts, 1);
	assert_string_equal(f[0].state, "S1");
	assert_int_equal(f[1].proto, 17);
	assert_int_equal(f[1].orig_pkts, 2);
	assert_int_equal(f[1].orig_bytes, 40 + 8 + 108 + 40 + 68);
	assert_int_equal(f[2].orig_port, 40002);
	assert_int_equal(f[2].orig_bytes, 40 + 8 * KB_SESS_MAX_EXT_HEADERS + 8);
	done(t);
}

static void test_icmpv6(void **state)
{
	(void)state;
	T *t = mk(NULL);
	uint8_t b[128];
	size_t n = l4(b + 40, 58, 128, 0, 0, 16); /* echo request */
	n = ip6(b, A6, B6, 58, n);
	assert_int_equal(kb_sess_packet(t->s, 0, b, n, n, &t->sink, NULL), 0);
	n = l4(b + 40, 58, 129, 0, 0, 16); /* echo reply */
	n = ip6(b, B6, A6, 58, n);
	assert_int_equal(kb_sess_packet(t->s, 5, b, n, n, &t->sink, NULL), 0);
	n = l4(b + 40, 58, 135, 0, 0, 16); /* neighbour solicitation: another session */
	n = ip6(b, A6, B6, 58, n);
	assert_int_equal(kb_sess_packet(t->s, 6, b, n, n, &t->sink, NULL), 0);
	flush(t);
	assert_int_equal(t->g.n, 2);
	assert_int_equal(t->g.f[0].proto, 58);
	assert_int_equal(t->g.f[0].orig_port, 128);
	assert_int_equal(t->g.f[0].resp_pkts, 1);
	assert_int_equal(t->g.f[0].orig_bytes, 40 + 24);
	assert_int_equal(t->g.f[1].orig_port, 135);
	done(t);
}

static void test_malformed(void **state)
{
	(void)state;
	T *t = mk(NULL);
	uint8_t b[128];
	size_t n;
	unsigned bad = 0;
#define BAD(len) do { \
		assert_int_equal(kb_sess_packet(t->s, 0, b, (len), (len), &t->sink, NULL), 0); \
		bad++; \
	} while (0)
	assert_int_equal(kb_sess_packet(t->s, 0, NULL, 0, 0, &t->sink, NULL), 0);
	bad++;
	n = l4(b + 20, 6, 1, 2, SYN, 0);
	n = ip4(b, C, SV, 6, 0, n, 0, 1);
	BAD(0);
	BAD(10);                  /* short IPv4 header */
	BAD(39);                  /* TCP header cut, not a fragment */
	b[0] = 0x44;              /* ihl 16 bytes */
	BAD(n);
	b[0] = 0x4f;              /* ihl 60 bytes, longer than the packet */
	BAD(n);
	b[0] = 0x45;
	put16(b + 2, 19);         /* total length below the header */
	BAD(n);
	put16(b + 2, 40);
	b[32] = 4 << 4;           /* TCP data offset below 5 */
	BAD(n);
	b[0] = 0x75;              /* version 7 */
	BAD(n);
	n = ip6(b, A6, B6, 60, 16); /* an extension header longer than the packet */
	b[40] = 17;
	b[41] = 4;
	BAD(n);
	BAD(30);                  /* short IPv6 header */
	n = ip6(b, A6, B6, 17, 4);  /* UDP cut short */
	BAD(n);
	/* a total length larger than captured: counted as what the header says */
	n = l4(b + 20, 17, 40000, 53, 0, 0);
	n = ip4(b, C, SV, 17, 0, n, 0, 1);
	put16(b + 2, 1500);
	assert_int_equal(kb_sess_packet(t->s, 0, b, n, 1514, &t->sink, NULL), 0);
	/* a total length of 0 (segmentation offload): the wire length */
	put16(b + 2, 0);
	assert_int_equal(kb_sess_packet(t->s, 0, b, n, 9000, &t->sink, NULL), 0);
	flush(t);
	kb_sess_stats st = stats(t);
	assert_int_equal(st.malformed, bad);
	assert_int_equal(st.packets, bad + 2);
	assert_int_equal(t->g.n, 1);
	assert_int_equal(t->g.f[0].orig_bytes, 1500 + 9000);
#undef BAD
	done(t);
}

static void test_sink_stops(void **state)
{
	(void)state;
	kb_sess_opts o = { .idle_us = SEC };
	T *t = mk(&o);
	udp(t, 0, C, 40001, SV, 53, 1);
	t->g.stop_with = 42;
	/* the expiry of the first session stops the packet that swept it */
	assert_int_equal(send4(t, 2 * SEC, C, 40002, SV, 53, 17, 0, 1), 42);
	assert_int_equal(t->g.n, 1);
	t->g.stop_with = 0;
	udp(t, 2 * SEC + 1, C, 40003, SV, 53, 1);
	flush(t);
	assert_int_equal(t->g.n, 2);
	assert_int_equal(t->g.f[1].orig_port, 40003);
	assert_int_equal(t->g.f[1].line, 3);
	done(t);

	/* the packet numbers the pcap reader sets */
	t = mk(NULL);
	kb_sess_set_packet_number(t->s, 100);
	udp(t, 0, C, 40001, SV, 53, 1);
	udp(t, 1, C, 40002, SV, 53, 1);
	flush(t);
	assert_int_equal(t->g.f[0].line, 100);
	assert_int_equal(t->g.f[1].line, 101);
	done(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sf),
		cmocka_unit_test(test_s0),
		cmocka_unit_test(test_rej),
		cmocka_unit_test(test_rsto_rstr),
		cmocka_unit_test(test_sh_s1_oth),
		cmocka_unit_test(test_synack_first),
		cmocka_unit_test(test_tcp_idle),
		cmocka_unit_test(test_udp_pairing),
		cmocka_unit_test(test_udp_idle),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_active_timeout),
		cmocka_unit_test(test_default_timeouts),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_many_sessions),
		cmocka_unit_test(test_ipv4_options_and_fragments),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_icmpv6),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sink_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
