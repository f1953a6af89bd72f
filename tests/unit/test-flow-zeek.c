/*
 * test-flow-zeek.c - kb_ip_* (parse, format, round trips, inet_pton's rules)
 * and the Zeek log reader (koban/flow.h): conn.log TSV with the header
 * variants Zeek and datasets produce (another #separator, extra ip_proto
 * and label columns, reordered and repeated #fields, (empty) and -), ssl,
 * http and dns names, JSON lines with float and ISO 8601 times, nested ids,
 * _path and missing keys, every error with its line and column, and the
 * KB_ZEEK_MAX_FIELDS, KB_ZEEK_MAX_LINE and header-value limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/flow.h"

/* ---- a sink that keeps copies ---------------------------------------------------------- */

#define KEEP 16

struct got {
	int nflows, nnames;
	kb_flow f[KEEP];
	char fuid[KEEP][64];
	kb_flow_name n[KEEP];
	char nname[KEEP][128];
	char nuid[KEEP][64];
	int stop_after; /* 0: never */
};

static int on_flow(void *ctx, const kb_flow *f)
{
	struct got *g = ctx;
	assert_true(g->nflows < KEEP);
	g->f[g->nflows] = *f;
	snprintf(g->fuid[g->nflows], sizeof g->fuid[0], "%s", f->uid ? f->uid : "(null)");
	g->nflows++;
	if (g->stop_after && g->nflows == g->stop_after)
		return 42;
	return 0;
}

static int on_name(void *ctx, const kb_flow_name *n)
{
	struct got *g = ctx;
	assert_true(g->nnames < KEEP);
	assert_non_null(n->name);
	assert_true(n->name[0] != '\0');
	g->n[g->nnames] = *n;
	snprintf(g->nname[g->nnames], sizeof g->nname[0], "%s", n->name);
	snprintf(g->nuid[g->nnames], sizeof g->nuid[0], "%s", n->uid ? n->uid : "(null)");
	g->nnames++;
	return 0;
}

static struct got G;
static kb_flow_sink SINK = { on_flow, on_name, &G };
static kb_error E;

static int line_at(kb_zeek *z, const char *s, uint64_t lineno)
{
	kb_error_clear(&E);
	return kb_zeek_line(z, s, strlen(s), lineno, &SINK, &E);
}

/* Feed every line of `text` from line 1; each must be accepted. Returns lines fed. */
static uint64_t feed(kb_zeek *z, const char *text)
{
	uint64_t no = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		kb_error_clear(&E);
		int rc = kb_zeek_line(z, p, n, ++no, &SINK, &E);
		if (rc != 0)
			fail_msg("line %llu: %s (%s)", (unsigned long long)no, kb_err_name(rc), E.msg);
		p += n + (nl ? 1 : 0);
	}
	return no;
}

static kb_zeek *reader(kb_zeek_log hint)
{
	memset(&G, 0, sizeof G);
	kb_zeek *z = NULL;
	assert_int_equal(kb_zeek_new("conn.log", hint, &z), 0);
	return z;
}

static void ip_is(const kb_ip *a, const char *want)
{
	char buf[KB_IP_TEXT_MAX];
	kb_ip_format(a, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void err_is(int rc, int code, uint64_t line, uint64_t col, const char *msg_part)
{
	assert_int_equal(rc, code);
	assert_int_equal(E.code, code);
	assert_int_equal(E.line, line);
	assert_int_equal(E.column, col);
	assert_string_equal(E.file, "conn.log");
	if (!strstr(E.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", E.msg, msg_part);
}

#define CONN_HEADER                                                                                            \
	"#separator \\x09\n"                                                                                   \
	"#set_separator\t,\n"                                                                                  \
	"#empty_field\t(empty)\n"                                                                              \
	"#unset_field\t-\n"                                                                                    \
	"#path\tconn\n"                                                                                        \
	"#open\t2026-11-21-02-00-00\n"                                                                         \
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\t" \
	"resp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"    \
	"resp_pkts\tresp_ip_bytes\ttunnel_parents\n"                                                           \
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\t"    \
	"bool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n"

/* ---- kb_ip ----------------------------------------------------------------------------- */

static void test_ip(void **state)
{
	(void)state;
	kb_ip a = kb_ip_v4(0xC0000207u);
	assert_true(kb_ip_is_v4(&a));
	ip_is(&a, "192.0.2.7");
	kb_ip b;
	assert_int_equal(kb_ip_parse("192.0.2.7", 9, &b), 0);
	assert_memory_equal(a.b, b.b, 16);
	assert_int_equal(kb_ip_parse("::ffff:192.0.2.7", 16, &b), 0);
	assert_memory_equal(a.b, b.b, 16);
	assert_int_equal(kb_ip_parse("2001:0db8:0:0:0:0:0:1", 21, &b), 0);
	assert_false(kb_ip_is_v4(&b));
	ip_is(&b, "2001:db8::1");
	assert_int_equal(kb_ip_parse("::1", 3, &b), 0);
	ip_is(&b, "::1");
	/* a span, not a C string: the length decides */
	assert_int_equal(kb_ip_parse("10.0.0.1\t443", 8, &b), 0);
	ip_is(&b, "10.0.0.1");
	static const char *const round[] = { "0.0.0.0", "255.255.255.255", "10.1.2.3", "fe80::1:2",
		                             "2001:db8:85a3::8a2e:370:7334", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
	for (size_t i = 0; i < sizeof round / sizeof round[0]; i++) {
		assert_int_equal(kb_ip_parse(round[i], strlen(round[i]), &b), 0);
		ip_is(&b, round[i]);
	}
	/* the longest literal (45 bytes) parses; 46 bytes never do */
	const char *longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
	assert_int_equal(strlen(longest), 45);
	assert_int_equal(kb_ip_parse(longest, 45, &b), 0);
	assert_int_equal(kb_ip_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555", 46, &b), KB_EINVAL);
	assert_int_equal(kb_ip_parse("1.2.3.4\0", 8, &b), KB_EINVAL);
	assert_int_equal(kb_ip_parse("::1\0", 4, &b), KB_EINVAL);
	assert_int_equal(kb_ip_parse("", 0, &b), KB_EINVAL);
	/* the dotted-quad fast path follows inet_pton(AF_INET) exactly */
	static const char *const v4[] = { "1.2.3.4", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3",
		                          ".1.2.3", "1.2.3.", "0.0.0.0", "00.0.0.0", "1.2.3.4 ", " 1.2.3.4",
		                          "1.2.3.-4", "255.255.255.256", "1.2.3.04", "9.99.199.249", "1234.1.1.1",
		                          "a.b.c.d", "1.2.3.4x", "[::1]", "fe80::1%eth0", "::ffff:1.2.3.4", "1:2" };
	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		unsigned char ref[16];
		int want = strchr(v4[i], ':') ? inet_pton(AF_INET6, v4[i], ref) : inet_pton(AF_INET, v4[i], ref);
		int got = kb_ip_parse(v4[i], strlen(v4[i]), &b);
		if ((want == 1) != (got == 0))
			fail_msg("\"%s\": inet_pton %d, kb_ip_parse %d", v4[i], want, got);
	}
	/* a short buffer is truncated, always terminated */
	char small[5];
	kb_ip_format(&a, small, sizeof small);
	assert_string_equal(small, "192.");
	kb_ip_format(&a, small, 0);
}

/* ---- TSV conn.log ---------------------------------------------------------------------- */

static void test_tsv_conn(void **state)
{
	(void)state;
	kb_zeek *z = reader(KB_ZEEK_UNKNOWN);
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_UNKNOWN);
	feed(z, CONN_HEADER
	     "1795226400.123456\tCAbc1\t10.0.0.1\t40000\t192.0.2.7\t443\ttcp\tssl\t3.000007\t517\t4301\tSF\tT\tF\t0\t"
	     "ShADadfF\t9\t901\t8\t4633\t-\n"
	     "1795226401\t-\t10.0.0.2\t5353\t8.8.8.8\t53\tudp\t-\t-\t-\t-\tS0\t-\t-\t0\tD\t1\t48\t0\t0\t(empty)\n"
	     "1795226402.5\tC3\t2001:db8::1\t128\t2001:db8::2\t0\ticmp\t(empty)\t0.000001\t0\t0\tOTH\tF\tT\t0\t-\t"
	     "1\t48\t0\t0\t-\n"
	     "1795226403.000001\tC4\t10.0.0.3\t8\t10.0.0.4\t0\ticmp\t-\t.5\t18446744073709551615\t0\tRSTOS0\tT\tT\t"
	     "0\t-\t1\t1\t0\t0\t-\n"
	     "#close\t2026-11-21-03-00-00\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_CONN);
	assert_int_equal(G.nflows, 4);
	const kb_flow *f = &G.f[0];
	assert_int_equal(f->start_us, 1795226400123456ll);
	assert_int_equal(f->duration_us, 3000007);
	ip_is(&f->orig, "10.0.0.1");
	ip_is(&f->resp, "192.0.2.7");
	assert_int_equal(f->orig_port, 40000);
	assert_int_equal(f->resp_port, 443);
	assert_int_equal(f->proto, 6);
	assert_string_equal(f->state, "SF");
	assert_string_equal(f->service, "ssl");
	assert_int_equal(f->flags, KB_FLOW_HAS_STATE | KB_FLOW_ORIG_LOCAL);
	assert_int_equal(f->orig_bytes, 517);
	assert_int_equal(f->resp_bytes, 4301);
	assert_int_equal(f->orig_pkts, 9);
	assert_int_equal(f->resp_pkts, 8);
	assert_int_equal(f->tcp_flags, 0);
	assert_string_equal(G.fuid[0], "CAbc1");
	assert_int_equal(f->line, 9);
	/* unset: no uid, unknown duration, zero counters, no service */
	f = &G.f[1];
	assert_int_equal(f->start_us, 1795226401000000ll);
	assert_string_equal(G.fuid[1], "(null)");
	assert_int_equal(f->duration_us, -1);
	assert_int_equal(f->proto, 17);
	assert_string_equal(f->service, "");
	assert_int_equal(f->orig_bytes, 0);
	assert_int_equal(f->orig_pkts, 1);
	assert_int_equal(f->flags, KB_FLOW_HAS_STATE);
	/* ICMP over IPv6 is 58; (empty) is an empty value */
	f = &G.f[2];
	assert_int_equal(f->start_us, 1795226402500000ll);
	assert_int_equal(f->proto, 58);
	ip_is(&f->orig, "2001:db8::1");
	assert_int_equal(f->orig_port, 128);
	assert_int_equal(f->duration_us, 1);
	assert_string_equal(f->service, "");
	assert_int_equal(f->flags, KB_FLOW_HAS_STATE | KB_FLOW_RESP_LOCAL);
	f = &G.f[3];
	assert_int_equal(f->start_us, 1795226403000001ll);
	assert_int_equal(f->proto, 1);
	assert_int_equal(f->duration_us, 500000);
	assert_true(f->orig_bytes == UINT64_MAX);
	assert_string_equal(f->state, "RSTOS0");
	assert_int_equal(f->flags, KB_FLOW_HAS_STATE | KB_FLOW_ORIG_LOCAL | KB_FLOW_RESP_LOCAL);
	kb_zeek_free(z);
	kb_zeek_free(NULL);
}

static void test_tsv_variants(void **state)
{
	(void)state;
	/* another separator, another unset token, extra columns (ip_proto, a
	 * dataset's labels), reordered columns, no #path: the kind comes from the
	 * columns; a CRLF line end; fraction digits past the sixth dropped */
	kb_zeek *z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "#separator \\x7c\n"
	        "#unset_field|NA\n"
	        "#fields|id.resp_p|id.resp_h|ip_proto|ts|id.orig_h|proto|id.orig_p|conn_state|orig_bytes|label|detailed-label\n"
	        "443|192.0.2.7|6|1795226400.1234569|10.0.0.1|tcp|40000|S1|NA|Malicious|C&C\r\n"
	        "53|192.0.2.8|17|1795226401|10.0.0.1|udp|1234|SF|12|Benign|-\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_CONN);
	assert_int_equal(G.nflows, 2);
	assert_int_equal(G.f[0].start_us, 1795226400123456ll);
	assert_int_equal(G.f[0].resp_port, 443);
	assert_int_equal(G.f[0].orig_port, 40000);
	ip_is(&G.f[0].resp, "192.0.2.7");
	assert_int_equal(G.f[0].orig_bytes, 0);
	assert_int_equal(G.f[0].duration_us, -1);
	assert_string_equal(G.fuid[0], "(null)");
	assert_int_equal(G.f[1].orig_bytes, 12);
	assert_string_equal(G.f[1].state, "SF");
	/* a second file concatenated: a new header, a new #fields order; "-"
	 * is literal text again only if #unset_field says so */
	uint64_t base = 6;
	const char *second[] = {
		"#separator \\x09",
		"#unset_field\t-",
		"#path\tconn",
		"#fields\tuid\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice",
		"CX\t1795226500\t10.9.9.9\t1\t10.9.9.8\t22\ttcp\t-",
	};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(line_at(z, second[i], base + i), 0);
	assert_int_equal(G.nflows, 3);
	assert_string_equal(G.fuid[2], "CX");
	assert_int_equal(G.f[2].resp_port, 22);
	assert_int_equal(G.f[2].line, base + 4);
	assert_int_equal(G.f[2].duration_us, -1);
	assert_string_equal(G.f[2].state, "");
	assert_int_equal(G.f[2].flags, 0);
	/* a multi-byte separator */
	assert_int_equal(line_at(z, "#separator \\x3a\\x3a", 20), 0);
	assert_int_equal(line_at(z, "#fields::ts::id.orig_h::id.orig_p::id.resp_h::id.resp_p::service", 21), 0);
	assert_int_equal(line_at(z, "1795226600::10.0.0.1::1::10.0.0.2::2::http,ssl", 22), 0);
	assert_int_equal(G.nflows, 4);
	assert_string_equal(G.f[3].service, "http,ssl");
	/* a service list longer than the field keeps whole names */
	assert_int_equal(line_at(z, "1795226600::10.0.0.1::1::10.0.0.2::2::http,ssl,dns,smb,krb_tcp,gssapi,dce_rpc", 23), 0);
	assert_string_equal(G.f[4].service, "http,ssl,dns,smb,krb_tcp,gssapi");
	/* blank lines and unknown header lines are nothing */
	assert_int_equal(line_at(z, "", 24), 0);
	assert_int_equal(line_at(z, "# a comment", 25), 0);
	/* the sink stops the reader with its own value */
	G.stop_after = 6;
	assert_int_equal(line_at(z, "1795226600::10.0.0.1::1::10.0.0.2::2::-", 26), 42);
	kb_zeek_free(z);
}

static void test_tsv_kinds(void **state)
{
	(void)state;
	/* #path decides over the hint; another log's rows are skipped */
	kb_zeek *z = reader(KB_ZEEK_CONN);
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_UNKNOWN);
	feed(z, "#separator \\x09\n#path\tfiles\n#fields\tts\tfuid\tid.orig_h\n1795226400\tF1\t10.0.0.1\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_OTHER);
	assert_int_equal(G.nflows + G.nnames, 0);
	kb_zeek_free(z);
	/* the hint decides without #path */
	z = reader(KB_ZEEK_DNS);
	feed(z, "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\n"
	        "1795226400\tC1\t10.0.0.1\t53000\t10.0.0.53\t53\texample.com\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_DNS);
	assert_int_equal(G.nnames, 1);
	assert_int_equal(G.n[0].qtype, 0);
	assert_int_equal(G.n[0].rcode, 0xffff);
	kb_zeek_free(z);
	/* neither: the columns decide, or nothing does */
	z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_HTTP);
	feed(z, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_SSL);
	feed(z, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_CONN);
	feed(z, "#fields\tts\tpeer\tmessage\n1795226400\tp\tm\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_OTHER);
	kb_zeek_free(z);
	/* a sink without a flow callback skips conn rows, even broken ones */
	z = reader(KB_ZEEK_CONN);
	kb_flow_sink names_only = { NULL, on_name, &G };
	const char *l = "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p";
	assert_int_equal(kb_zeek_line(z, l, strlen(l), 1, &names_only, &E), 0);
	l = "x\ty\tz\tw\tv";
	assert_int_equal(kb_zeek_line(z, l, strlen(l), 2, &names_only, &E), 0);
	assert_int_equal(kb_zeek_line(z, l, strlen(l), 2, NULL, &E), 0);
	kb_zeek_free(z);
}

static void test_tsv_names(void **state)
{
	(void)state;
	kb_zeek *z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "#separator \\x09\n#path\tssl\n"
	        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tserver_name\tja3\n"
	        "1795226400.5\tC1\t10.0.0.1\t40000\t192.0.2.7\t443\tTLSv13\tTLS_AES_128_GCM_SHA256\tWww.Example.COM\tab\n"
	        "1795226401\tC2\t10.0.0.1\t40001\t192.0.2.7\t443\tTLSv13\tx\t-\t-\n"
	        "1795226401\tC3\t10.0.0.1\t40001\t192.0.2.7\t443\tTLSv13\tx\t(empty)\t-\n"
	        "1795226402\tC4\t2001:db8::5\t40002\t2001:db8::6\t8443\tTLSv12\tx\tb\\x09c.example\t-\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_SSL);
	assert_int_equal(G.nnames, 2);
	assert_int_equal(G.n[0].kind, KB_FLOW_NAME_SNI);
	assert_string_equal(G.nname[0], "Www.Example.COM");
	assert_string_equal(G.nuid[0], "C1");
	assert_int_equal(G.n[0].ts_us, 1795226400500000ll);
	assert_int_equal(G.n[0].orig_port, 40000);
	assert_int_equal(G.n[0].resp_port, 443);
	ip_is(&G.n[0].resp, "192.0.2.7");
	assert_int_equal(G.n[0].line, 4);
	assert_int_equal(G.n[0].rcode, 0);
	/* names are as logged (Zeek's escapes kept) */
	assert_string_equal(G.nname[1], "b\\x09c.example");
	ip_is(&G.n[1].orig, "2001:db8::5");
	kb_zeek_free(z);

	z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "#separator \\x09\n#path\thttp\n"
	        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\n"
	        "1795226400\tCh\t10.0.0.1\t40000\t192.0.2.7\t80\t1\tGET\tmgmt.example:8080\t/tmui/login.jsp\n"
	        "1795226400\t-\t10.0.0.1\t40000\t192.0.2.7\t80\t1\tGET\t-\t/\n");
	assert_int_equal(G.nnames, 1);
	assert_int_equal(G.n[0].kind, KB_FLOW_NAME_HTTP_HOST);
	assert_string_equal(G.nname[0], "mgmt.example:8080");
	assert_string_equal(G.nuid[0], "Ch");
	kb_zeek_free(z);

	z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "#separator \\x09\n#path\tdns\n"
	        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqclass\tqtype\t"
	        "qtype_name\trcode\trcode_name\n"
	        "1795226400\tCd\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\taGVsbG8.t.example\t1\t16\tTXT\t3\tNXDOMAIN\n"
	        "1795226400\t-\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\twww.example\t1\t1\tA\t-\t-\n");
	assert_int_equal(G.nnames, 2);
	assert_int_equal(G.n[0].kind, KB_FLOW_NAME_DNS_QUERY);
	assert_string_equal(G.nname[0], "aGVsbG8.t.example");
	assert_int_equal(G.n[0].qtype, 16);
	assert_int_equal(G.n[0].rcode, 3);
	assert_string_equal(G.nuid[1], "(null)");
	assert_null(G.n[1].uid);
	assert_int_equal(G.n[1].rcode, 0xffff);
	/* DNS number errors */
	err_is(line_at(z, "1795226400\tCd\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\tx.example\t1\t65536\tA\t0\tN", 9),
	       KB_EINVAL, 9, 60, "qtype: expected a DNS query type 0-65535");
	err_is(line_at(z, "1795226400\tCd\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\tx.example\t1\t1\tA\tx\tN", 10),
	       KB_EINVAL, 10, 64, "rcode: expected a DNS response code");
	kb_zeek_free(z);
}

/* ---- TSV errors ------------------------------------------------------------------------ */

static void test_tsv_errors(void **state)
{
	(void)state;
	kb_zeek *z = reader(KB_ZEEK_UNKNOWN);
	err_is(line_at(z, "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2", 1), KB_EPARSE, 1, 1,
	       "expected a #fields header before rows");
	uint64_t n = feed(z, CONN_HEADER);
	const char *good = "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1.5\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-";
	struct {
		const char *row;
		int code;
		uint64_t col;
		const char *msg;
	} cases[] = {
		{ "1795226400\tC1\t10.0.0.1\t70000\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 24, "id.orig_p: expected a port 0-65535" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t+2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 35, "id.resp_p: expected a port 0-65535" },
		{ "1795226400\tC1\t10.0.0.1\t-\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 24, "id.orig_p: expected a port" },
		{ "17952264OO\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 1, "ts: expected seconds since 1970" },
		{ "-\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 1, "ts: expected" },
		{ "1795226400\tC1\t10.0.0.256\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 15, "id.orig_h: expected an IPv4 or IPv6 address" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\tsctp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 37, "proto: expected tcp, udp, icmp or unknown_transport" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1e3\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 43, "duration: expected seconds" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t18446744073709551616\t2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 45, "orig_bytes: expected a count (digits only)" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t-2\tSF\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 47, "resp_bytes: expected a count" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSUPERLONG\tT\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 49, "conn_state: expected a connection state" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\ttrue\tF\t0\t-\t1\t2\t3\t4\t-",
		  KB_EINVAL, 52, "local_orig: expected T or F" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1x\t2\t3\t4\t-",
		  KB_EINVAL, 60, "orig_pkts: expected a count" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2\t3.0\t4\t-",
		  KB_EINVAL, 64, "resp_pkts: expected a count" },
		{ "1795226400\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t2\tSF\tT\tF\t0\t-\t1\t2",
		  KB_EPARSE, 63, "expected 21 columns as the #fields header at line 7 says, found 18" },
		{ "1795226400", KB_EPARSE, 11, "found 1" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = line_at(z, cases[i].row, n + 1 + i);
		if (rc != cases[i].code || E.column != cases[i].col || !strstr(E.msg, cases[i].msg))
			fail_msg("case %zu: %s %llu:%llu %s", i, kb_err_name(rc), (unsigned long long)E.line,
			         (unsigned long long)E.column, E.msg);
		assert_int_equal(E.line, n + 1 + i);
		/* the reader's state stays valid: the next good row is read */
		assert_int_equal(line_at(z, good, 100), 0);
	}
	assert_int_equal(G.nflows, (int)(sizeof cases / sizeof cases[0]));
	char buf[600];
	line_at(z, cases[0].row, 77);
	kb_error_format(&E, buf, sizeof buf);
	assert_string_equal(buf, "conn.log:77:24: id.orig_p: expected a port 0-65535");

	/* a #fields header without a column the kind needs: reported at the
	 * header, then every row says why it cannot be read */
	err_is(line_at(z, "#fields\tts\tuid\tid.orig_p\tid.resp_h\tid.resp_p", 200), KB_EPARSE, 200, 1,
	       "expected a id.orig_h column in the #fields header of this conn log");
	err_is(line_at(z, "1795226400\tC\t1\t10.0.0.2\t2", 201), KB_EPARSE, 201, 1,
	       "the one at line 200 has no id.orig_h column");
	/* a #separator without a value */
	err_is(line_at(z, "#separator ", 202), KB_EPARSE, 202, 12, "expected a #separator value");
	kb_zeek_free(z);
}

static void test_limits(void **state)
{
	(void)state;
	/* KB_ZEEK_MAX_FIELDS columns are fine, one more is KB_ELIMIT */
	size_t cap = 16 * (KB_ZEEK_MAX_FIELDS + 2) + 64;
	char *h = malloc(cap), *row = malloc(cap);
	for (int extra = 0; extra <= 1; extra++) {
		kb_zeek *z = reader(KB_ZEEK_CONN);
		strcpy(h, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p");
		strcpy(row, "1795226400\t10.0.0.1\t1\t10.0.0.2\t2");
		for (int i = 5; i < KB_ZEEK_MAX_FIELDS + extra; i++) {
			sprintf(h + strlen(h), "\tx%d", i);
			strcat(row, "\t-");
		}
		int rc = line_at(z, h, 1);
		if (!extra) {
			assert_int_equal(rc, 0);
			assert_int_equal(line_at(z, row, 2), 0);
			assert_int_equal(G.nflows, 1);
		} else {
			err_is(rc, KB_ELIMIT, 1, strlen(h) - 4 + 1, "expected at most 256 columns in #fields");
			err_is(line_at(z, row, 2), KB_EPARSE, 2, 1, "has more than 256 columns");
			/* a later #path does not make that header usable */
			assert_int_equal(line_at(z, "#path\tconn", 3), 0);
			err_is(line_at(z, row, 4), KB_EPARSE, 4, 1, "has more than 256 columns");
			/* a later #fields does */
			assert_int_equal(line_at(z, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p", 5), 0);
			assert_int_equal(line_at(z, "1795226400\t10.0.0.1\t1\t10.0.0.2\t2", 6), 0);
			assert_int_equal(G.nflows, 1);
		}
		kb_zeek_free(z);
	}
	free(h);
	free(row);

	/* a line of KB_ZEEK_MAX_LINE bytes is read, one more byte is KB_ELIMIT */
	kb_zeek *z = reader(KB_ZEEK_CONN);
	assert_int_equal(line_at(z, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tlabel", 1), 0);
	char *big = malloc(KB_ZEEK_MAX_LINE + 2);
	strcpy(big, "1795226400\t10.0.0.1\t1\t10.0.0.2\t2\t");
	size_t used = strlen(big);
	memset(big + used, 'a', KB_ZEEK_MAX_LINE + 1 - used);
	assert_int_equal(kb_zeek_line(z, big, KB_ZEEK_MAX_LINE, 2, &SINK, &E), 0);
	assert_int_equal(G.nflows, 1);
	kb_error_clear(&E);
	assert_int_equal(kb_zeek_line(z, big, KB_ZEEK_MAX_LINE + 1, 3, &SINK, &E), KB_ELIMIT);
	assert_int_equal(E.line, 3);
	assert_true(strstr(E.msg, "at most 1048576 bytes") != NULL);
	/* a JSON line too */
	big[0] = '{';
	assert_int_equal(kb_zeek_line(z, big, KB_ZEEK_MAX_LINE + 1, 4, &SINK, &E), KB_ELIMIT);
	free(big);
	kb_zeek_free(z);

	/* header values: 16 bytes after decoding are fine, 17 are not */
	z = reader(KB_ZEEK_CONN);
	assert_int_equal(line_at(z, "#unset_field\t0123456789abcdef", 1), 0);
	err_is(line_at(z, "#unset_field\t0123456789abcdefg", 2), KB_ELIMIT, 2, 14, "at most 16 bytes");
	err_is(line_at(z, "#separator \\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09",
	               3), KB_ELIMIT, 3, 12, "at most 16 bytes");
	assert_int_equal(line_at(z, "#empty_field\t\\x28e\\x29", 4), 0);
	assert_int_equal(line_at(z, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tservice", 5), 0);
	assert_int_equal(line_at(z, "1795226400\t10.0.0.1\t1\t10.0.0.2\t0123456789abcdef\t(e)", 6), KB_EINVAL);
	assert_string_equal(E.msg, "id.resp_p: expected a port 0-65535");
	assert_int_equal(line_at(z, "1795226400\t10.0.0.1\t1\t10.0.0.2\t2\t(e)", 7), 0);
	assert_string_equal(G.f[0].service, "");
	kb_zeek_free(z);
}

/* ---- JSON lines ------------------------------------------------------------------------ */

static void test_json_conn(void **state)
{
	(void)state;
	kb_zeek *z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "{\"ts\":1795226400.123456,\"uid\":\"CJ1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":40000,"
	        "\"id.resp_h\":\"192.0.2.7\",\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":2.5,"
	        "\"orig_bytes\":10,\"resp_bytes\":20,\"conn_state\":\"SF\",\"local_orig\":true,\"local_resp\":false,"
	        "\"missed_bytes\":0,\"history\":\"ShADadFf\",\"orig_pkts\":3,\"resp_pkts\":4,\"ip_proto\":6}\n"
	        /* ISO 8601 times, unset fields omitted */
	        "{\"ts\":\"2026-11-21T02:00:00.123456Z\",\"uid\":\"CJ2\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	        "\"id.resp_h\":\"2001:db8::9\",\"id.resp_p\":2,\"proto\":\"icmp\",\"conn_state\":\"OTH\"}\n"
	        "{\"ts\":\"2026-11-21T03:00:00+01:00\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	        "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"proto\":\"udp\",\"conn_state\":\"S0\",\"duration\":0}\n"
	        "{\"ts\":\"2026-11-21 01:30:00.5-0030\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	        "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"proto\":\"udp\",\"conn_state\":\"S0\"}\n"
	        /* strings for numbers, a nested id, an integer ts */
	        "{\"ts\":1795226400,\"id\":{\"orig_h\":\"10.0.0.7\",\"orig_p\":\"7\",\"resp_h\":\"10.0.0.8\",\"resp_p\":8},"
	        "\"orig_bytes\":\"99\",\"conn_state\":\"S1\",\"local_orig\":\"T\",\"uid\":null}\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_CONN);
	assert_int_equal(G.nflows, 5);
	const kb_flow *f = &G.f[0];
	assert_int_equal(f->start_us, 1795226400123456ll);
	assert_int_equal(f->duration_us, 2500000);
	assert_int_equal(f->proto, 6);
	assert_int_equal(f->orig_port, 40000);
	assert_int_equal(f->resp_bytes, 20);
	assert_int_equal(f->resp_pkts, 4);
	assert_int_equal(f->flags, KB_FLOW_HAS_STATE | KB_FLOW_ORIG_LOCAL);
	assert_string_equal(G.fuid[0], "CJ1");
	assert_string_equal(f->service, "ssl");
	assert_int_equal(f->line, 1);
	f = &G.f[1];
	assert_int_equal(f->start_us, 1795226400123456ll);
	assert_int_equal(f->duration_us, -1);
	assert_int_equal(f->orig_bytes, 0);
	assert_int_equal(f->proto, 58);
	assert_string_equal(f->service, "");
	assert_int_equal(G.f[2].start_us, 1795226400000000ll);
	assert_int_equal(G.f[2].duration_us, 0);
	assert_int_equal(G.f[3].start_us, 1795226400500000ll);
	f = &G.f[4];
	assert_int_equal(f->start_us, 1795226400000000ll);
	ip_is(&f->orig, "10.0.0.7");
	assert_int_equal(f->orig_port, 7);
	assert_int_equal(f->resp_port, 8);
	assert_int_equal(f->orig_bytes, 99);
	assert_string_equal(G.fuid[4], "(null)");
	assert_int_equal(f->flags, KB_FLOW_HAS_STATE | KB_FLOW_ORIG_LOCAL);
	kb_zeek_free(z);
}

static void test_json_names(void **state)
{
	(void)state;
	/* the keys of the first object decide */
	kb_zeek *z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "{\"ts\":1795226400.5,\"uid\":\"Cs\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\","
	        "\"id.resp_p\":443,\"version\":\"TLSv13\",\"cipher\":\"x\",\"server_name\":\"a.example\"}\n"
	        "{\"ts\":1795226400.5,\"uid\":\"Cs\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\","
	        "\"id.resp_p\":443,\"version\":\"TLSv13\",\"cipher\":\"x\"}\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_SSL);
	assert_int_equal(G.nnames, 1);
	assert_string_equal(G.nname[0], "a.example");
	assert_int_equal(G.n[0].kind, KB_FLOW_NAME_SNI);
	kb_zeek_free(z);
	/* the hint decides */
	z = reader(KB_ZEEK_HTTP);
	feed(z, "{\"ts\":\"2026-11-21T02:00:00Z\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\","
	        "\"id.resp_p\":80,\"host\":\"h.example\"}\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_HTTP);
	assert_int_equal(G.nnames, 1);
	assert_int_equal(G.n[0].kind, KB_FLOW_NAME_HTTP_HOST);
	assert_int_equal(G.n[0].ts_us, 1795226400000000ll);
	assert_null(G.n[0].uid);
	kb_zeek_free(z);
	/* _path decides each row (Zeek's JSON streaming form mixes logs) */
	z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "{\"_path\":\"dns\",\"ts\":1795226400,\"uid\":\"Cd\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":5353,"
	        "\"id.resp_h\":\"10.0.0.53\",\"id.resp_p\":53,\"query\":\"q.example\",\"qtype\":28,\"rcode\":0}\n"
	        "{\"_path\":\"conn\",\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":5353,"
	        "\"id.resp_h\":\"10.0.0.53\",\"id.resp_p\":53,\"proto\":\"udp\"}\n"
	        "{\"_path\":\"weird\",\"ts\":1795226400,\"name\":\"x\"}\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_DNS);
	assert_int_equal(G.nnames, 1);
	assert_int_equal(G.n[0].qtype, 28);
	assert_int_equal(G.n[0].rcode, 0);
	assert_string_equal(G.nname[0], "q.example");
	assert_int_equal(G.nflows, 1);
	assert_int_equal(G.f[0].proto, 17);
	kb_zeek_free(z);
	/* objects of another log are skipped */
	z = reader(KB_ZEEK_UNKNOWN);
	feed(z, "{\"ts\":1795226400,\"fuid\":\"F1\",\"mime_type\":\"text/plain\"}\n");
	assert_int_equal(kb_zeek_kind(z), KB_ZEEK_OTHER);
	assert_int_equal(G.nflows + G.nnames, 0);
	kb_zeek_free(z);
}

static void test_json_errors(void **state)
{
	(void)state;
	kb_zeek *z = reader(KB_ZEEK_CONN);
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\"", 1), KB_EPARSE, 1, 40,
	       "expected a JSON object on one line");
	err_is(line_at(z, "{\"ts\":1,}", 2), KB_EPARSE, 2, 9, "expected a JSON object");
	err_is(line_at(z, "{} {}", 3), KB_EPARSE, 3, 4, "expected a JSON object");
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2}", 4),
	       KB_EINVAL, 4, 1, "expected a \"id.orig_h\" key");
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\" : 70000,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2}", 5),
	       KB_EINVAL, 5, 55, "id.orig_p: expected a port 0-65535");
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":-1,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2}", 6),
	       KB_EINVAL, 6, 53, "id.orig_p: expected a port");
	err_is(line_at(z, "{\"ts\":-5.5,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2}", 7),
	       KB_EINVAL, 7, 7, "ts: expected seconds since 1970");
	err_is(line_at(z, "{\"ts\":\"2026-02-30T00:00:00Z\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2}", 8),
	       KB_EINVAL, 8, 7, "or an ISO 8601 time");
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":[1],\"id.orig_p\":1,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2}", 9),
	       KB_EINVAL, 9, 30, "id.orig_h: expected an IPv4 or IPv6 address");
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"orig_bytes\":1.5}", 10),
	       KB_EINVAL, 10, 105, "orig_bytes: expected a count");
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"duration\":\"long\"}", 11),
	       KB_EINVAL, 11, 103, "duration: expected seconds");
	err_is(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	                  "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"uid\":7}", 12),
	       KB_EINVAL, 12, 98, "uid: expected text");
	err_is(line_at(z, "{\"ts\":1795226400,\"id\":{\"orig_h\":\"10.0.0.1\",\"orig_p\":1,"
	                  "\"resp_h\":\"10.0.0.2\",\"resp_p\":99999}}", 13),
	       KB_EINVAL, 13, 84, "id.resp_p: expected a port");
	err_is(line_at(z, "[1,2]", 14), KB_EPARSE, 14, 1, "expected a JSON object");
	assert_int_equal(G.nflows, 0);
	/* still usable */
	assert_int_equal(line_at(z, "{\"ts\":1795226400,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
	                            "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2}", 15), 0);
	assert_int_equal(G.nflows, 1);
	kb_zeek_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_tsv_conn),
		cmocka_unit_test(test_tsv_variants),
		cmocka_unit_test(test_tsv_kinds),
		cmocka_unit_test(test_tsv_names),
		cmocka_unit_test(test_tsv_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_json_conn),
		cmocka_unit_test(test_json_names),
		cmocka_unit_test(test_json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
