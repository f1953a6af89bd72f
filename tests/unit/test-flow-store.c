/*
 * test-flow-store.c - flow records in the store: import by content (Zeek
 * TSV, Zeek JSON, nfdump CSV), one transaction per file, replacement, runs
 * sorted and merged in time order across sources, the run limit, names,
 * damaged runs reported.
 */
#include "koban/flowstore.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static kb_store *mem_store(void)
{
	kb_store *s = NULL;
	kb_error err;
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	return s;
}

static char *write_tmp(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "/tmp/kb-flowstore-%d-%s", (int)getpid(), name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char conn_tsv[] =
	"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n"
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n"
	"1763600030.000000\tC3\t10.0.0.1\t40002\t192.0.2.7\t443\ttcp\tssl\t1.5\t100\t200\tSF\n"
	"1763600010.000000\tC1\t10.0.0.1\t40000\t192.0.2.7\t443\ttcp\tssl\t1.5\t100\t200\tSF\n"
	"1763600020.000000\tC2\t10.0.0.2\t40001\t2001:db8::8\t80\ttcp\t-\t-\t-\t-\tS0\n";

static const char conn_json[] =
	"{\"ts\":1763600015.0,\"uid\":\"J1\",\"id.orig_h\":\"10.0.0.3\",\"id.orig_p\":5353,\"id.resp_h\":\"10.0.0.53\","
	"\"id.resp_p\":53,\"proto\":\"udp\",\"conn_state\":\"SF\",\"orig_bytes\":40,\"resp_bytes\":80}\n";

static int64_t collect(kb_store *s, int64_t since, int64_t until, int64_t *ts, size_t cap, size_t *n)
{
	kb_flow_cursor *c = NULL;
	kb_error err;
	assert_int_equal(kb_flow_cursor_open(s, since, until, &c, &err), 0);
	kb_flow f;
	int r;
	*n = 0;
	int64_t last = INT64_MIN;
	while ((r = kb_flow_cursor_next(c, &f, &err)) == 1) {
		assert_true(f.start_us >= last);
		last = f.start_us;
		if (*n < cap)
			ts[*n] = f.start_us;
		(*n)++;
	}
	assert_int_equal(r, 0);
	kb_flow_cursor_free(c);
	return last;
}

static void test_import_and_merge(void **state)
{
	(void)state;
	kb_store *s = mem_store();
	kb_error err;
	kb_flow_import_stats st;
	char tsv[256], json[256];
	snprintf(tsv, sizeof tsv, "%s", write_tmp("conn.log", conn_tsv));
	snprintf(json, sizeof json, "%s", write_tmp("conn.json", conn_json));
	assert_int_equal(kb_flows_import_file(s, tsv, NULL, &st, &err), 0);
	assert_int_equal(st.format, KB_FLOWFMT_ZEEK);
	assert_string_equal(st.detail, "conn");
	assert_int_equal(st.flows, 3);
	assert_int_equal(st.t_min_us, 1763600010000000LL);
	assert_int_equal(st.t_max_us, 1763600030000000LL);
	assert_false(st.replaced);
	assert_int_equal(kb_flows_import_file(s, json, NULL, &st, &err), 0);
	assert_int_equal(st.flows, 1);
	/* merged across sources, in time order */
	int64_t ts[8];
	size_t n;
	collect(s, 0, INT64_MAX, ts, 8, &n);
	assert_int_equal(n, 4);
	assert_int_equal(ts[1], 1763600015000000LL);
	/* a window */
	collect(s, 1763600015000000LL, 1763600030000000LL, ts, 8, &n);
	assert_int_equal(n, 2);
	/* importing again replaces */
	assert_int_equal(kb_flows_import_file(s, tsv, NULL, &st, &err), 0);
	assert_true(st.replaced);
	collect(s, 0, INT64_MAX, ts, 8, &n);
	assert_int_equal(n, 4);
	int64_t lo, hi;
	assert_int_equal(kb_flow_span(s, &lo, &hi, &err), 0);
	assert_int_equal(lo, 1763600010000000LL);
	assert_int_equal(hi, 1763600030000000LL);
	/* delete one source */
	assert_int_equal(kb_flow_source_delete(s, json, &err), 0);
	assert_int_equal(kb_flow_source_delete(s, json, &err), KB_ENOTFOUND);
	collect(s, 0, INT64_MAX, ts, 8, &n);
	assert_int_equal(n, 3);
	unlink(tsv);
	unlink(json);
	kb_store_close(s);
}

static void test_bad_file_keeps_nothing(void **state)
{
	(void)state;
	kb_store *s = mem_store();
	kb_error err;
	char bad[sizeof conn_tsv + 64];
	snprintf(bad, sizeof bad, "%s%s", conn_tsv, "1763600040.0\tC4\t10.0.0.1\t99999\t192.0.2.7\t443\ttcp\t-\t-\t-\t-\tSF\n");
	char *p = write_tmp("bad-conn.log", bad);
	kb_error_clear(&err);
	int r = kb_flows_import_file(s, p, NULL, NULL, &err);
	assert_true(r == KB_EINVAL || r == KB_EPARSE);
	assert_int_equal(err.line, 11);
	assert_non_null(strstr(err.file, "bad-conn.log"));
	int64_t lo = -1, hi = -1;
	assert_int_equal(kb_flow_span(s, &lo, &hi, &err), 0);
	assert_int_equal(lo, 0);
	/* not a flow format at all */
	p = write_tmp("words.txt", "hello world\n");
	kb_error_clear(&err);
	assert_int_equal(kb_flows_import_file(s, p, NULL, NULL, &err), KB_EFORMAT);
	unlink(p);
	kb_store_close(s);
}

static int count_name(kb_flow_name_kind kind, const char *name, void *ctx)
{
	if (kind == KB_FLOW_NAME_SNI && strcmp(name, "c2.example.net") == 0)
		(*(int *)ctx)++;
	return 0;
}

static int count_query(int64_t ts, const kb_ip *client, const char *name, void *ctx)
{
	(void)ts;
	(void)client;
	(void)name;
	(*(int *)ctx)++;
	return 0;
}

/* The writer directly: names, the run limit, reversed input sorted. */
static void test_writer_runs(void **state)
{
	(void)state;
	kb_store *s = mem_store();
	kb_error err;
	kb_flow_writer *w = NULL;
	assert_int_equal(kb_flow_writer_begin(s, "gen", KB_FLOWFMT_ZEEK, &w, &err), 0);
	kb_flow f;
	memset(&f, 0, sizeof f);
	f.orig = kb_ip_v4(0x0a000001);
	f.resp = kb_ip_v4(0xc0000207);
	f.proto = 6;
	f.resp_port = 443;
	f.duration_us = -1;
	size_t total = KB_FLOW_RUN_RECORDS + 10;
	for (size_t i = 0; i < total; i++) {
		f.start_us = (int64_t)(total - i) * 1000; /* backwards: every run must be sorted */
		f.orig_bytes = i;
		assert_int_equal(kb_flow_writer_put(w, &f, &err), 0);
	}
	kb_flow_name nm = { .kind = KB_FLOW_NAME_SNI, .ts_us = 5, .orig = f.orig, .resp = f.resp, .resp_port = 443,
		            .name = "c2.example.net" };
	assert_int_equal(kb_flow_writer_put_name(w, &nm, &err), 0);
	nm.kind = KB_FLOW_NAME_DNS_QUERY;
	nm.name = "a.c2.example.net";
	assert_int_equal(kb_flow_writer_put_name(w, &nm, &err), 0);
	kb_flow_import_stats st;
	assert_int_equal(kb_flow_writer_end(w, &st, &err), 0);
	/* KB_FLOW_RUN_RECORDS hit: the first run sorted alone, stored as KB_FLOW_BLOB_RECORDS blobs, then the rest */
	assert_int_equal(st.runs, KB_FLOW_RUN_RECORDS / KB_FLOW_BLOB_RECORDS + 1);
	assert_int_equal(st.flows, total);
	assert_int_equal(st.names, 2);
	int64_t ts[2];
	size_t n;
	int64_t last = collect(s, 0, INT64_MAX, ts, 2, &n);
	assert_int_equal(n, total);
	assert_int_equal(ts[0], 1000);
	assert_int_equal(last, (int64_t)total * 1000);
	int k = 0;
	assert_int_equal(kb_flow_names_between(s, &f.resp, &f.orig, count_name, &k, &err), 0);
	assert_int_equal(k, 1);
	k = 0;
	assert_int_equal(kb_flow_dns_queries(s, 0, 100, count_query, &k, &err), 0);
	assert_int_equal(k, 1);
	/* an aborted writer leaves nothing */
	assert_int_equal(kb_flow_writer_begin(s, "gone", KB_FLOWFMT_ZEEK, &w, &err), 0);
	assert_int_equal(kb_flow_writer_put(w, &f, &err), 0);
	kb_flow_writer_abort(w);
	collect(s, 0, INT64_MAX, ts, 2, &n);
	assert_int_equal(n, total);
	kb_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_and_merge),
		cmocka_unit_test(test_bad_file_keeps_nothing),
		cmocka_unit_test(test_writer_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
