/*
 * test-ioc-list.c - plain lists (type detection per line, comments,
 * defanged values, unsupported lines), CSV sheets (columns by name, errors,
 * limits) and the store: import in one transaction, replace on re-import,
 * merging, expiry and revocation against `today`.
 */
#include "ioc-test-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

static void test_detect(void **state)
{
	(void)state;
	static const struct {
		const char *in, *type, *out;
	} cases[] = {
		{ "198.51.100.7", "ipv4", "198.51.100.7" },
		{ "198.51.100.77/24", "ipv4", "198.51.100.0/24" },
		{ "10.0.0.1/32", "ipv4", "10.0.0.1" },
		{ "2001:DB8::0:1", "ipv6", "2001:db8::1" },
		{ "2001:db8:1::/48", "ipv6", "2001:db8:1::/48" },
		{ "Evil.Example.", "domain", "evil.example" },
		{ "*.evil.example", "domain", "evil.example" },
		{ "evil[.]example", "domain", "evil.example" },
		{ "hxxps://evil[.]example/a", "url", "https://evil.example/a" },
		{ "x@Evil.Example", "email", "x@evil.example" },
		{ "a[@]evil.example", "email", "a@evil.example" },
		{ "D41D8CD98F00B204E9800998ECF8427E", "md5", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "12345678901234567890123456789012", "md5", "12345678901234567890123456789012" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[KB_IOC_MAX_VALUE_BYTES + 1];
		kb_ioc_type t;
		if (kb_ioc_detect(cases[i].in, strlen(cases[i].in), &t, out, sizeof out) != 0)
			fail_msg("%s not detected", cases[i].in);
		assert_string_equal(kb_ioc_type_name(t), cases[i].type);
		assert_string_equal(out, cases[i].out);
	}
	static const char *const bad[] = { "1.2.3.4.5", "256.1.1.1", "010.1.1.1", "1.2.3.4/33", "localhost",
		                           "1.2.3", "abc", "d41d8cd98f00b204e9800998ecf8427", "a b.example",
		                           "http://", "2001:db8::/129", "x@", "-evil.example" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[KB_IOC_MAX_VALUE_BYTES + 1];
		kb_ioc_type t;
		if (kb_ioc_detect(bad[i], strlen(bad[i]), &t, out, sizeof out) == 0)
			fail_msg("%s detected as %s %s", bad[i], kb_ioc_type_name(t), out);
	}
	char longv[KB_IOC_MAX_VALUE_BYTES + 40] = "http://a.example/";
	memset(longv + 17, 'a', KB_IOC_MAX_VALUE_BYTES + 10);
	longv[KB_IOC_MAX_VALUE_BYTES + 27] = '\0';
	char out[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type t;
	assert_int_equal(kb_ioc_detect(longv, strlen(longv), &t, out, sizeof out), KB_EINVAL);
}

static void test_list(void **state)
{
	(void)state;
	got g;
	kb_error err = { 0 };
	const char *doc = "\xEF\xBB\xBF# acme IOCs\n"
	                  "198.51.100.7\r\n"
	                  "\n"
	                  "  evil.example   # the C2\n"
	                  "http://evil.example/#frag\n"
	                  "not an ioc at all\n"
	                  "1.2.3.4.5\n"
	                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
	                  "2001:db8::/32";
	assert_int_equal(parse_into(&g, doc, KB_IOC_FMT_AUTO, &err), 0);
	assert_true(has_line(&g, "ipv4 198.51.100.7"));
	assert_true(has_line(&g, "domain evil.example"));
	assert_true(has_line(&g, "url http://evil.example/#frag"));
	assert_true(has_line(&g, "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_true(has_line(&g, "ipv6 2001:db8::/32"));
	assert_int_equal(g.n_ioc, 5);
	assert_int_equal(g.n_unsup, 2);
	assert_true(strstr(g.text, "! 'not an ioc at all' is not an IPv4"));
	/* the line of an unsupported value */
	struct {
		uint64_t line;
	} where = { 0 };
	(void)where;
	/* the line limit */
	size_t n = KB_IOC_MAX_LINE_BYTES + 10;
	char *big = malloc(n + 20);
	strcpy(big, "1.2.3.4\n");
	memset(big + 8, 'a', n);
	big[8 + n] = '\0';
	assert_int_equal(parse_into(&g, big, KB_IOC_FMT_LIST, &err), KB_ELIMIT);
	assert_int_equal(err.line, 2);
	free(big);
}

static uint64_t last_line;
static void line_of(const kb_ioc_unsupported *u, void *ctx)
{
	(void)ctx;
	last_line = u->line;
}

static void test_list_lines(void **state)
{
	(void)state;
	const char *doc = "a.example\nb.example\n???\n";
	kb_ioc_sink sink = { .unsupported = line_of };
	kb_error err = { 0 };
	assert_int_equal(kb_ioc_parse("l.txt", doc, strlen(doc), KB_IOC_FMT_LIST, &sink, &err), 0);
	assert_int_equal(last_line, 3);
}

static void test_csv(void **state)
{
	(void)state;
	got g;
	kb_error err = { 0 };
	const char *doc = "# exported\n"
	                  "Type,Value,First Seen,Confidence,Valid Until,Revoked,to_ids,Comment\n"
	                  "ip-dst,203.0.113.1,2021-12-10,90,,,1,c2\n"
	                  "domain,\"Evil.Example\",,,2022-01-01,no,true,\n"
	                  ",d41d8cd98f00b204e9800998ecf8427e,,,,,,detected\n"
	                  "sha256,nothex,,,,,,\n"
	                  "yara,rule x {},,,,,,\n"
	                  "url,http://r.example/,,,,yes,0,\n"
	                  "\n";
	assert_int_equal(kb_ioc_sniff(doc, strlen(doc)), KB_IOC_FMT_CSV);
	assert_int_equal(parse_into(&g, doc, KB_IOC_FMT_AUTO, &err), 0);
	assert_true(has_line(&g, "ipv4 203.0.113.1"));
	assert_true(has_line(&g, "domain evil.example until=2022-01-01"));
	assert_true(has_line(&g, "md5 d41d8cd98f00b204e9800998ecf8427e"));
	assert_true(has_line(&g, "url http://r.example/ revoked noids"));
	assert_true(has_line(&g, "! 'nothex' is not a valid sha256"));
	assert_true(has_line(&g, "! type yara is not supported"));
	assert_int_equal(g.n_ioc, 4);
	/* semicolons */
	assert_int_equal(parse_into(&g, "indicator;type\nx.example;domain\n", KB_IOC_FMT_CSV, &err), 0);
	assert_true(has_line(&g, "domain x.example"));
}

static void test_csv_errors(void **state)
{
	(void)state;
	got g;
	kb_error err = { 0 };
	assert_int_equal(parse_into(&g, "type,value\ndomain,a.example\ndomain,b.example,extra\n", KB_IOC_FMT_CSV, &err),
	                 KB_EPARSE);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.msg, "expected 2 fields as in the header, found 3");
	assert_int_equal(parse_into(&g, "type,what\ndomain,a.example\n", KB_IOC_FMT_CSV, &err), KB_EPARSE);
	assert_true(strstr(err.msg, "value column"));
	assert_int_equal(parse_into(&g, "value\n\"open\n", KB_IOC_FMT_CSV, &err), KB_EPARSE);
	assert_int_equal(parse_into(&g, "value\na\"b\n", KB_IOC_FMT_CSV, &err), KB_EPARSE);
	assert_int_equal(err.line, 2);
	/* the column limit */
	char hdr[1024] = "value";
	for (int i = 0; i < KB_IOC_MAX_COLUMNS; i++)
		strcat(hdr, ",x");
	assert_int_equal(parse_into(&g, hdr, KB_IOC_FMT_CSV, &err), KB_ELIMIT);
	/* the record limit */
	size_t n = KB_IOC_MAX_LINE_BYTES + 10;
	char *big = malloc(n + 32);
	strcpy(big, "value\n\"");
	memset(big + 7, 'a', n);
	strcpy(big + 7 + n, "\"\n");
	assert_int_equal(parse_into(&g, big, KB_IOC_FMT_CSV, &err), KB_ELIMIT);
	free(big);
}

/* --- the store ----------------------------------------------------- */

static int64_t q_count(kb_store *s)
{
	int64_t n = -1;
	kb_error err;
	assert_int_equal(kb_iocs_count(s, &n, &err), 0);
	return n;
}

static void test_store(void **state)
{
	(void)state;
	kb_store *s = NULL;
	kb_error err = { 0 };
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	const char *v1 = "a.example\n198.51.100.0/24\nb.example\n";
	kb_ioc_import_stats st;
	kb_ioc_import_opts o = { .today = "2026-01-01" };
	assert_int_equal(kb_iocs_import_mem(s, "feed.txt", v1, strlen(v1), &o, &st, &err), 0);
	assert_int_equal(st.imported, 3);
	assert_false(st.replaced);
	assert_int_equal(st.format, KB_IOC_FMT_LIST);
	/* a re-import replaces what the file said */
	const char *v2 = "a.example\nc.example\n";
	assert_int_equal(kb_iocs_import_mem(s, "feed.txt", v2, strlen(v2), &o, &st, &err), 0);
	assert_true(st.replaced);
	assert_int_equal(q_count(s), 2);
	/* another source keeps its own rows */
	assert_int_equal(kb_iocs_import_mem(s, "other.txt", v1, strlen(v1), &o, &st, &err), 0);
	assert_int_equal(q_count(s), 5);
	/* a bad file imports nothing and leaves the old rows */
	const char *bad = "{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\",\"pattern\":\"[file:name = 'q']\"},"
	                  "{\"type\":7}]}";
	assert_int_equal(kb_iocs_import_mem(s, "feed.txt", bad, strlen(bad), &o, &st, &err), KB_EINVAL);
	assert_int_equal(q_count(s), 5);
	/* merging, revocation, expiry, to_ids */
	const char *stix =
		"{\"type\":\"bundle\",\"objects\":["
		"{\"type\":\"indicator\",\"id\":\"indicator--1\",\"revoked\":true,\"pattern\":\"[domain-name:value = 'r.example']\"},"
		"{\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern\":\"[domain-name:value = 'twice.example']\",\"revoked\":true},"
		"{\"type\":\"indicator\",\"id\":\"indicator--3\",\"pattern\":\"[domain-name:value = 'twice.example']\"},"
		"{\"type\":\"indicator\",\"id\":\"indicator--4\",\"valid_until\":\"2025-06-01T00:00:00Z\","
		"\"pattern\":\"[domain-name:value = 'old.example']\"},"
		"{\"type\":\"indicator\",\"id\":\"indicator--5\",\"valid_until\":\"2026-06-01T00:00:00Z\","
		"\"pattern\":\"[domain-name:value = 'soon.example']\"},"
		"{\"type\":\"indicator\",\"id\":\"indicator--6\",\"pattern_type\":\"yara\",\"pattern\":\"rule x {}\"}"
		"]}";
	int unsup = 0;
	o.unsupported = NULL;
	assert_int_equal(kb_iocs_import_mem(s, "s.json", stix, strlen(stix), &o, &st, &err), 0);
	(void)unsup;
	assert_int_equal(st.format, KB_IOC_FMT_STIX);
	assert_int_equal(st.read, 5);
	assert_int_equal(st.imported, 4);
	assert_int_equal(st.revoked, 1);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.unsupported, 1);
	const char *misp = "{\"Event\":{\"Attribute\":[{\"type\":\"domain\",\"value\":\"ctx.example\",\"to_ids\":false}]}}";
	assert_int_equal(kb_iocs_import_mem(s, "m.json", misp, strlen(misp), &o, &st, &err), 0);
	assert_int_equal(st.context, 1);
	kb_ioc_set *set = NULL;
	assert_int_equal(kb_iocs_load(s, "2026-01-01", &set, &err), 0);
	assert_non_null(kb_ioc_match_domain(set, "x.twice.example", 15));
	assert_null(kb_ioc_match_domain(set, "r.example", 9));
	assert_null(kb_ioc_match_domain(set, "old.example", 11));
	assert_non_null(kb_ioc_match_domain(set, "soon.example", 12));
	assert_null(kb_ioc_match_domain(set, "ctx.example", 11));
	const kb_ioc *m = kb_ioc_match_ipv4(set, 0xC6336405); /* 198.51.100.5 */
	assert_non_null(m);
	assert_string_equal(m->value, "198.51.100.0/24");
	assert_string_equal(m->source, "other.txt");
	set = kb_ioc_set_free(set);
	/* later, soon.example has expired too */
	assert_int_equal(kb_iocs_load(s, "2026-07-01", &set, &err), 0);
	assert_null(kb_ioc_match_domain(set, "soon.example", 12));
	set = kb_ioc_set_free(set);
	kb_store_close(s);
}

static void test_file_limit(void **state)
{
	(void)state;
	char path[] = "/tmp/koban-ioc-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)KB_IOC_MAX_FILE_BYTES + 1), 0);
	close(fd);
	kb_store *s = NULL;
	kb_error err = { 0 };
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	kb_ioc_import_stats st;
	assert_int_equal(kb_iocs_import_file(s, path, NULL, &st, &err), KB_ELIMIT);
	assert_true(strstr(err.msg, "more than the limit"));
	unlink(path);
	assert_int_equal(kb_iocs_import_file(s, "/nonexistent/x", NULL, &st, &err), KB_ENOTFOUND);
	got g;
	kb_ioc_sink sink = { .ioc = got_ioc, .ctx = &g };
	assert_int_equal(kb_ioc_parse("x", "", (size_t)KB_IOC_MAX_FILE_BYTES + 1, KB_IOC_FMT_LIST, &sink, &err),
	                 KB_ELIMIT);
	kb_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),     cmocka_unit_test(test_list),  cmocka_unit_test(test_list_lines),
		cmocka_unit_test(test_csv),        cmocka_unit_test(test_csv_errors), cmocka_unit_test(test_store),
		cmocka_unit_test(test_file_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
