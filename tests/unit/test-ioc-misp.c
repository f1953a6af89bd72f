/*
 * test-ioc-misp.c - MISP events: the three wrappers, Object[].Attribute[],
 * composite types, to_ids, deleted, timestamps, errors and the event limit.
 */
#include "ioc-test-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define EVENT_BODY                                                                                             \
	"{\"info\":\"Log4Shell campaign\",\"uuid\":\"e1\",\"Attribute\":[\n"                                         \
	" {\"uuid\":\"a1\",\"type\":\"ip-dst\",\"value\":\"203.0.113.7\",\"to_ids\":true},\n"                      \
	" {\"uuid\":\"a2\",\"type\":\"domain\",\"value\":\"C2.Evil.Example\",\"to_ids\":\"1\",\"comment\":\"c2\"},\n" \
	" {\"uuid\":\"a3\",\"type\":\"ip-src\",\"value\":\"10.9.8.7\",\"to_ids\":false},\n"                        \
	" {\"uuid\":\"a4\",\"type\":\"domain|ip\",\"value\":\"dual.example|198.51.100.9\",\"to_ids\":true},\n"     \
	" {\"uuid\":\"a5\",\"type\":\"ip-dst|port\",\"value\":\"198.51.100.10|1389\",\"to_ids\":true},\n"          \
	" {\"uuid\":\"a6\",\"type\":\"filename|sha256\",\"value\":\"Exploit.class|"                                \
	"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\",\"to_ids\":1},\n"                         \
	" {\"uuid\":\"a7\",\"type\":\"text\",\"value\":\"just words\"},\n"                                           \
	" {\"uuid\":\"a8\",\"type\":\"url\",\"value\":\"hxxp://evil[.]example/x\",\"to_ids\":true,"                  \
	"\"deleted\":true},\n"                                                                                       \
	" {\"uuid\":\"a9\",\"type\":\"ip-dst\",\"value\":\"2001:db8::/32\",\"to_ids\":true,"                         \
	"\"timestamp\":\"1639094400\"},\n"                                                                           \
	" {\"uuid\":\"a10\",\"type\":\"ip-dst\",\"value\":\"not-an-ip\",\"to_ids\":true}\n"                          \
	"],\"Object\":[{\"name\":\"file\",\"Attribute\":[\n"                                                          \
	" {\"uuid\":\"o1\",\"type\":\"md5\",\"value\":\"D41D8CD98F00B204E9800998ECF8427E\",\"to_ids\":true},\n"    \
	" {\"uuid\":\"o2\",\"type\":\"malware-sample\",\"value\":\"x.zip|0cc175b9c0f1b6a831c399e269772661\","    \
	"\"to_ids\":true}]}]}"

static void check_event(const got *g)
{
	assert_true(has_line(g, "ipv4 203.0.113.7"));
	assert_true(has_line(g, "domain c2.evil.example"));
	assert_true(has_line(g, "ipv4 10.9.8.7 noids"));
	assert_true(has_line(g, "domain dual.example"));
	assert_true(has_line(g, "ipv4 198.51.100.9"));
	assert_true(has_line(g, "ipv4 198.51.100.10"));
	assert_false(has_line(g, "port 1389"));
	assert_true(has_line(g, "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_false(has_line(g, "file-name Exploit.class"));
	assert_true(has_line(g, "ipv6 2001:db8::/32"));
	assert_true(has_line(g, "md5 d41d8cd98f00b204e9800998ecf8427e"));
	assert_true(has_line(g, "md5 0cc175b9c0f1b6a831c399e269772661"));
	assert_true(has_line(g, "! attribute type text is not supported"));
	assert_true(has_line(g, "! attribute ip-dst: 'not-an-ip' is not a valid ipv4"));
	assert_false(strstr(g->text, "evil.example/x"));
	assert_int_equal(g->n_ioc, 10);
	assert_int_equal(g->n_unsup, 2);
	assert_int_equal(g->ignored, 1);
}

static void test_wrappers(void **state)
{
	(void)state;
	got g;
	kb_error err = { 0 };
	assert_int_equal(parse_into(&g, "{\"Event\":" EVENT_BODY "}", KB_IOC_FMT_AUTO, &err), 0);
	check_event(&g);
	assert_int_equal(parse_into(&g, "{\"response\":[{\"Event\":" EVENT_BODY "}]}", KB_IOC_FMT_AUTO, &err), 0);
	check_event(&g);
	assert_int_equal(parse_into(&g, EVENT_BODY, KB_IOC_FMT_MISP, &err), 0);
	check_event(&g);
	assert_int_equal(parse_into(&g, "[{\"Event\":" EVENT_BODY "}]", KB_IOC_FMT_MISP, &err), 0);
	check_event(&g);
	assert_int_equal(kb_ioc_sniff("{\"response\":[]}", 15), KB_IOC_FMT_MISP);
}

typedef struct seen {
	char first[32], last[32], ref[32], label[64];
} seen;

static int keep_first(const kb_ioc *ioc, void *ctx)
{
	seen *s = ctx;
	snprintf(s->first, sizeof s->first, "%s", ioc->first_seen ? ioc->first_seen : "-");
	snprintf(s->last, sizeof s->last, "%s", ioc->last_seen ? ioc->last_seen : "-");
	snprintf(s->ref, sizeof s->ref, "%s", ioc->ref ? ioc->ref : "-");
	snprintf(s->label, sizeof s->label, "%s", ioc->label ? ioc->label : "-");
	return 0;
}

static void test_fields(void **state)
{
	(void)state;
	const char *doc = "{\"Event\":{\"info\":\"ev\",\"Attribute\":[{\"uuid\":\"u1\",\"type\":\"domain\",\"value\":"
	                  "\"a.example\",\"timestamp\":\"1639094400\",\"first_seen\":\"2021-12-09T00:00:00Z\"}]}}";
	seen s;
	kb_ioc_sink sink = { .ioc = keep_first, .ctx = &s };
	kb_error err = { 0 };
	assert_int_equal(kb_ioc_parse("m.json", doc, strlen(doc), KB_IOC_FMT_MISP, &sink, &err), 0);
	assert_string_equal(s.first, "2021-12-09T00:00:00Z");
	assert_string_equal(s.last, "2021-12-10T00:00:00Z");
	assert_string_equal(s.ref, "u1");
	assert_string_equal(s.label, "ev");
}

static void test_errors(void **state)
{
	(void)state;
	got g;
	kb_error err = { 0 };
	assert_int_equal(parse_into(&g, "{\"Event\":{\"Attribute\":[{\"type\":\"domain\"}]}}", KB_IOC_FMT_MISP, &err),
	                 KB_EINVAL);
	assert_string_equal(err.msg, "Event.Attribute[0]: expected \"type\" and \"value\" strings");
	assert_int_equal(parse_into(&g, "{\"Event\":{\"Object\":[{\"Attribute\":5}]}}", KB_IOC_FMT_MISP, &err),
	                 KB_EINVAL);
	assert_string_equal(err.msg, "Event.Object[0].Attribute: expected an array of attributes");
	assert_int_equal(parse_into(&g, "{\"nothing\":1}", KB_IOC_FMT_MISP, &err), KB_EFORMAT);
	assert_int_equal(parse_into(&g, "{\"Event\":{\n\"Attribute\":[}}", KB_IOC_FMT_MISP, &err), KB_EPARSE);
	assert_int_equal(err.line, 2);
	assert_int_equal(parse_into(&g, "{\"Event\":{\"Attribute\":[{\"type\":\"domain|ip\",\"value\":\"a.example\"}]}}",
	                            KB_IOC_FMT_MISP, &err),
	                 0);
	assert_int_equal(g.n_unsup, 1);
}

static void test_event_limit(void **state)
{
	(void)state;
	size_t cap = (size_t)KB_MISP_MAX_EVENTS * 4 + 64;
	char *doc = malloc(cap);
	size_t n = (size_t)snprintf(doc, cap, "{\"response\":[");
	for (unsigned i = 0; i <= KB_MISP_MAX_EVENTS; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s{}", i ? "," : "");
	snprintf(doc + n, cap - n, "]}");
	got *g = malloc(sizeof *g);
	kb_error err = { 0 };
	assert_int_equal(parse_into(g, doc, KB_IOC_FMT_MISP, &err), KB_ELIMIT);
	assert_true(strstr(err.msg, "more than the limit of 100000"));
	free(g);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrappers),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_event_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
