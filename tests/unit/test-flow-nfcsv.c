/*
 * test-flow-nfcsv.c - the nfdump CSV reader (koban/flow.h): nfdump 1.7.1's
 * own output (lines copied from `TZ=UTC nfdump -r ... -o csv` of an nfpcapd
 * capture: TCP, UDP, ICMP, ICMP6 over IPv6, and -b bidirectional
 * aggregation), output without a header (-q), the later column names,
 * reordered and missing columns, the Summary block and appended exports,
 * and every error with its line and column.
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

#define KEEP 16

struct got {
	int n;
	kb_flow f[KEEP];
	int stop_after;
};

static int on_flow(void *ctx, const kb_flow *f)
{
	struct got *g = ctx;
	assert_true(g->n < KEEP);
	assert_null(f->uid);
	g->f[g->n++] = *f;
	return g->stop_after && g->n == g->stop_after ? 7 : 0;
}

static struct got G;
static kb_flow_sink SINK = { on_flow, NULL, &G };
static kb_error E;

static kb_nfcsv *reader(void)
{
	memset(&G, 0, sizeof G);
	kb_nfcsv *r = NULL;
	assert_int_equal(kb_nfcsv_new("flows.csv", &r), 0);
	return r;
}

static int line_at(kb_nfcsv *r, const char *s, uint64_t lineno)
{
	kb_error_clear(&E);
	return kb_nfcsv_line(r, s, strlen(s), lineno, &SINK, &E);
}

static void feed(kb_nfcsv *r, const char *text)
{
	uint64_t no = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		kb_error_clear(&E);
		int rc = kb_nfcsv_line(r, p, n, ++no, &SINK, &E);
		if (rc != 0)
			fail_msg("line %llu: %s (%s)", (unsigned long long)no, kb_err_name(rc), E.msg);
		p += n + (nl ? 1 : 0);
	}
}

static void ip_is(const kb_ip *a, const char *want)
{
	char buf[KB_IP_TEXT_MAX];
	kb_ip_format(a, buf, sizeof buf);
	assert_string_equal(buf, want);
}

#define HEADER                                                                                                  \
	"ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln," \
	"ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr\n"
#define TAIL                                                                                                    \
	",0,0,0,0,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,"         \
	"00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,"     \
	"    0.000,0.0.0.0,17/1,0,2026-11-22 10:35:38.161\n"
#define SUMMARY "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n4,245,6,1044,3,40\n"

static const int64_t T0 = 1795312800000000ll; /* 2026-11-22 02:00:00 UTC */

static void test_nfdump_171(void **state)
{
	(void)state;
	kb_nfcsv *r = reader();
	feed(r, HEADER
	     "2026-11-22 02:00:01,2026-11-22 02:00:01,0.000,10.0.0.1,8.8.8.8,5353,53,UDP,........,0,0,1,48,0,0" TAIL
	     "2026-11-22 02:00:02,2026-11-22 02:00:02,0.000,10.0.0.1,192.0.2.7,0,2048,ICMP,........,0,0,1,32,0,0" TAIL
	     "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,192.0.2.7,40000,443,TCP,...AP.SF,0,0,3,125,0,0" TAIL
	     "2026-11-22 02:00:00,2026-11-22 02:00:00,0.000,192.0.2.7,10.0.0.1,443,40000,TCP,...A..S.,0,0,1,40,0,0" TAIL
	     "2026-11-22 02:00:00,2026-11-22 02:00:00,0.000,2001:db8::1,2001:db8::2,0,32768,ICMP6,........,0,0,1,48,0,0" TAIL
	     SUMMARY);
	assert_int_equal(G.n, 5);
	const kb_flow *f = &G.f[0];
	assert_int_equal(f->start_us, T0 + 1000000);
	assert_int_equal(f->duration_us, 0);
	ip_is(&f->orig, "10.0.0.1");
	ip_is(&f->resp, "8.8.8.8");
	assert_int_equal(f->orig_port, 5353);
	assert_int_equal(f->resp_port, 53);
	assert_int_equal(f->proto, 17);
	assert_int_equal(f->orig_pkts, 1);
	assert_int_equal(f->orig_bytes, 48);
	assert_int_equal(f->resp_pkts, 0);
	assert_int_equal(f->flags, KB_FLOW_UNIDIR);
	assert_string_equal(f->state, "");
	assert_string_equal(f->service, "");
	assert_int_equal(f->line, 2);
	/* ICMP echo request: dp = type * 256 + code */
	f = &G.f[1];
	assert_int_equal(f->proto, 1);
	assert_int_equal(f->orig_port, 8);
	assert_int_equal(f->resp_port, 0);
	f = &G.f[2];
	assert_int_equal(f->start_us, T0);
	assert_int_equal(f->duration_us, 877000);
	assert_int_equal(f->proto, 6);
	assert_int_equal(f->tcp_flags, 0x1b); /* ACK PSH SYN FIN */
	assert_int_equal(f->orig_bytes, 125);
	assert_int_equal(G.f[3].tcp_flags, 0x12);
	f = &G.f[4];
	ip_is(&f->orig, "2001:db8::1");
	assert_int_equal(f->proto, 58);
	assert_int_equal(f->orig_port, 128);
	assert_int_equal(f->resp_port, 0);
	kb_nfcsv_free(r);
	kb_nfcsv_free(NULL);

	/* -b: both directions in one record */
	r = reader();
	feed(r, HEADER "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,192.0.2.7,40000,443,TCP,...AP.SF,0,0,3,125,1,40" TAIL);
	assert_int_equal(G.n, 1);
	assert_int_equal(G.f[0].flags, 0);
	assert_int_equal(G.f[0].resp_pkts, 1);
	assert_int_equal(G.f[0].resp_bytes, 40);
	kb_nfcsv_free(r);

	/* -q: no header, the 1.7.1 order; CRLF line ends */
	r = reader();
	feed(r, "2026-11-22 02:00:01,2026-11-22 02:00:01,0.000,10.0.0.1,8.8.8.8,5353,53,UDP,........,0,0,1,48,0,0" TAIL
	        "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,192.0.2.7,40000,443,TCP,...AP.SF,0,0,3,125,0,0\r\n");
	assert_int_equal(G.n, 2);
	assert_int_equal(G.f[1].tcp_flags, 0x1b);
	assert_int_equal(G.f[1].orig_bytes, 125);
	kb_nfcsv_free(r);
}

static void test_columns(void **state)
{
	(void)state;
	/* later nfdump names, ".mmm" times, numeric (padded) protocols, IPv6 */
	kb_nfcsv *r = reader();
	feed(r, "firstSeen,lastSeen,duration,proto,srcAddr,srcPort,dstAddr,dstPort,flags,inPackets,inBytes,label\n"
	        "2026-11-22 02:00:00.123,2026-11-22 02:00:01.000,0.877,6    ,2001:db8::1,40000,2001:db8::2,443,0x1b,3,125,x\n"
	        "1795312800.5,1795312801.5,1.000,47,10.0.0.1,0,10.0.0.2,0,........,2,200,y\n"
	        "2026-11-22 02:00:00.000,2026-11-22 02:00:00.000,0.000,1,10.0.0.1,0,10.0.0.2,3.1,0,1,56,z\n");
	assert_int_equal(G.n, 3);
	const kb_flow *f = &G.f[0];
	assert_int_equal(f->start_us, T0 + 123000);
	assert_int_equal(f->duration_us, 877000);
	assert_int_equal(f->proto, 6);
	ip_is(&f->resp, "2001:db8::2");
	assert_int_equal(f->tcp_flags, 0x1b);
	assert_int_equal(f->flags, KB_FLOW_UNIDIR);
	assert_int_equal(G.f[1].start_us, T0 + 500000);
	assert_int_equal(G.f[1].proto, 47);
	/* ICMP written as type.code */
	assert_int_equal(G.f[2].orig_port, 3);
	assert_int_equal(G.f[2].resp_port, 1);
	kb_nfcsv_free(r);

	/* only what is needed, reordered; no td: te - ts; protocol names */
	r = reader();
	feed(r, "da,sa,ts,te,pr\n"
	        "10.0.0.2,10.0.0.1,2026-11-22 02:00:00,2026-11-22 02:01:00.250,GRE\n"
	        "10.0.0.2,10.0.0.1,2026-11-22 02:00:00,2026-11-22 02:00:00,udp\n"
	        "10.0.0.2,10.0.0.1,2026-11-22 02:00:00,2026-11-22 02:00:00,IGP\n");
	assert_int_equal(G.n, 3);
	assert_int_equal(G.f[0].duration_us, 60250000);
	assert_int_equal(G.f[0].proto, 47);
	ip_is(&G.f[0].orig, "10.0.0.1");
	assert_int_equal(G.f[0].orig_pkts, 0);
	assert_int_equal(G.f[1].proto, 17);
	assert_int_equal(G.f[2].proto, 0); /* a name this reader does not know */
	kb_nfcsv_free(r);

	/* neither td nor te: duration unknown; ICMP without dp has no type or
	 * code, whatever sp says (fuzz regression) */
	r = reader();
	feed(r, "ts,sa,da,sp,pr\n2026-11-22 02:00:00,10.0.0.1,10.0.0.2,1234,ICMP\n");
	assert_int_equal(G.f[0].duration_us, -1);
	assert_int_equal(G.f[0].proto, 1);
	assert_int_equal(G.f[0].orig_port, 0);
	assert_int_equal(G.f[0].resp_port, 0);
	kb_nfcsv_free(r);
}

static void test_summary(void **state)
{
	(void)state;
	kb_nfcsv *r = reader();
	/* rows end at Summary; what follows is not read; an appended export's
	 * header starts rows again; an empty line ends them too */
	feed(r, "ts,sa,da,ipkt\n"
	        "2026-11-22 02:00:00,10.0.0.1,10.0.0.2,1\n"
	        SUMMARY
	        "ts,sa,da,ipkt\n"
	        "2026-11-22 02:00:00,10.0.0.3,10.0.0.4,2\n"
	        "\n"
	        "garbage, not a row\n"
	        "firstSeen,srcAddr,dstAddr\n"
	        "2026-11-22 02:00:00,10.0.0.5,10.0.0.6\n"
	        "ts,da,sa\n"
	        "2026-11-22 02:00:00,10.0.0.7,10.0.0.8\n");
	assert_int_equal(G.n, 4);
	ip_is(&G.f[3].orig, "10.0.0.8");
	assert_int_equal(G.f[1].orig_pkts, 2);
	assert_int_equal(G.f[1].line, 7);
	ip_is(&G.f[2].orig, "10.0.0.5");
	kb_nfcsv_free(r);
	/* leading blank lines before the header are nothing */
	r = reader();
	feed(r, "\n\nts,sa,da\n2026-11-22 02:00:00,10.0.0.1,10.0.0.2\n");
	assert_int_equal(G.n, 1);
	/* the sink stops the reader with its own value */
	G.stop_after = 2;
	assert_int_equal(line_at(r, "2026-11-22 02:00:00,10.0.0.1,10.0.0.2", 5), 7);
	/* a sink without a flow callback reads and drops */
	kb_flow_sink none = { NULL, NULL, NULL };
	const char *l = "2026-11-22 02:00:00,10.0.0.1,10.0.0.2";
	assert_int_equal(kb_nfcsv_line(r, l, strlen(l), 6, &none, &E), 0);
	assert_int_equal(kb_nfcsv_line(r, l, strlen(l), 6, NULL, &E), 0);
	kb_nfcsv_free(r);
}

static void test_errors(void **state)
{
	(void)state;
	kb_nfcsv *r = reader();
	assert_int_equal(line_at(r, "te,td,sa,da", 1), KB_EPARSE);
	assert_int_equal(E.line, 1);
	assert_int_equal(E.column, 1);
	assert_string_equal(E.file, "flows.csv");
	assert_non_null(strstr(E.msg, "expected the nfdump CSV header"));
	/* still waiting for a header */
	assert_int_equal(line_at(r, "ts,te,td,sa,da,sp,dp,pr,flg,ipkt,ibyt,opkt,obyt", 2), 0);
	const char *good = "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,.A....,1,2,0,0";
	struct {
		const char *row;
		int code;
		uint64_t col;
		const char *msg;
	} cases[] = {
		{ "2026-11-22 25:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,.A....,1,2,0,0", KB_EINVAL, 1,
		  "ts: expected a time such as 2026-11-21 02:00:00.123" },
		{ "0000-00-00 00:00:00.000,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,.A....,1,2,0,0", KB_EINVAL, 1,
		  "ts: expected a time" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,-1,10.0.0.1,10.0.0.2,1,2,TCP,.A....,1,2,0,0", KB_EINVAL, 41,
		  "td: expected seconds such as 0.877" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.x,10.0.0.2,1,2,TCP,.A....,1,2,0,0", KB_EINVAL, 47,
		  "sa: expected an IPv4 or IPv6 address" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,,1,2,TCP,.A....,1,2,0,0", KB_EINVAL, 56,
		  "da: expected an IPv4 or IPv6 address" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,65536,2,TCP,.A....,1,2,0,0", KB_EINVAL, 65,
		  "sp: expected a port 0-65535" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,x,TCP,.A....,1,2,0,0", KB_EINVAL, 67,
		  "dp: expected a port 0-65535" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,8.256,ICMP,.A....,1,2,0,0", KB_EINVAL, 67,
		  "dp: expected an ICMP type.code" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,256,.A....,1,2,0,0", KB_EINVAL, 69,
		  "pr: expected a protocol name such as TCP or a number 0-255" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,,.A....,1,2,0,0", KB_EINVAL, 69,
		  "pr: expected a protocol" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,.A..X.,1,2,0,0", KB_EINVAL, 73,
		  "flg: expected TCP flags such as ...AP.SF" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,0x1g,1,2,0,0", KB_EINVAL, 73,
		  "flg: expected TCP flags" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,.A....,1 M,2,0,0", KB_EINVAL, 80,
		  "ipkt: expected a count (digits only)" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,.A....,1,2,0,99999999999999999999",
		  KB_EINVAL, 86, "obyt: expected a count" },
		{ "2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,10.0.0.2,1,2,TCP,.A....,1,2,0", KB_EPARSE, 85,
		  "expected at least 13 columns, found 12" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = line_at(r, cases[i].row, 10 + i);
		if (rc != cases[i].code || E.column != cases[i].col || !strstr(E.msg, cases[i].msg))
			fail_msg("case %zu: %s %llu:%llu %s", i, kb_err_name(rc), (unsigned long long)E.line,
			         (unsigned long long)E.column, E.msg);
		assert_int_equal(E.line, 10 + i);
		assert_int_equal(line_at(r, good, 100), 0);
	}
	assert_int_equal(G.n, (int)(sizeof cases / sizeof cases[0]));
	kb_nfcsv_free(r);

	/* te before ts when te gives the duration */
	r = reader();
	assert_int_equal(line_at(r, "ts,te,sa,da", 1), 0);
	assert_int_equal(line_at(r, "2026-11-22 02:00:01,2026-11-22 02:00:00,10.0.0.1,10.0.0.2", 2), KB_EINVAL);
	assert_int_equal(E.column, 21);
	assert_non_null(strstr(E.msg, "te: expected a time such as 2026-11-21 02:00:01.000, not before ts"));
	kb_nfcsv_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfdump_171),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
