/*
 * test-advisory-osv.c - OSV documents into the advisory model: every field
 * koban reads, the Log4Shell record with a GIT range before its ECOSYSTEM
 * ranges evaluated end to end, located errors (line:column for syntax, JSON
 * path for schema), and each limit.
 */
#include "koban/advisory.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char log4shell[] =
	"{\n"
	"  \"schema_version\": \"1.6.0\",\n"
	"  \"id\": \"GHSA-jfh8-c2jp-5v3q\",\n"
	"  \"modified\": \"2025-01-10T12:00:00Z\",\n"
	"  \"published\": \"2021-12-10T00:40:56Z\",\n"
	"  \"aliases\": [\"CVE-2021-44228\"],\n"
	"  \"summary\": \"Remote code injection in Log4j\",\n"
	"  \"severity\": [{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H\"}],\n"
	"  \"affected\": [{\n"
	"    \"package\": {\"ecosystem\": \"Maven\", \"name\": \"org.apache.logging.log4j:log4j-core\",\n"
	"                \"purl\": \"pkg:maven/org.apache.logging.log4j/log4j-core\"},\n"
	"    \"ranges\": [\n"
	"      {\"type\": \"GIT\", \"repo\": \"https://github.com/apache/logging-log4j2\",\n"
	"       \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"c77b3cb39312b83b053d23a2158b99ac7de44dd3\"}]},\n"
	"      {\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"2.13.0\"}, {\"fixed\": \"2.15.0\"}]},\n"
	"      {\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"2.3.1\"}]},\n"
	"      {\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"2.4\"}, {\"fixed\": \"2.12.2\"}]}\n"
	"    ],\n"
	"    \"database_specific\": {\"source\": \"github\"}\n"
	"  }],\n"
	"  \"database_specific\": {\"severity\": \"CRITICAL\", \"cwe_ids\": [\"CWE-20\", \"CWE-400\", \"CWE-502\"]}\n"
	"}\n";

static kb_advisory *parse_ok(const char *doc)
{
	kb_advisory *a = NULL;
	kb_error err;
	int r = kb_advisory_parse_osv("t.json", doc, strlen(doc), &a, &err);
	if (r != 0)
		fail_msg("parse: %s", err.msg);
	return a;
}

static void expect_err(const char *doc, int code, uint64_t line, uint64_t col, const char *needle)
{
	kb_advisory *a = (kb_advisory *)0x1;
	kb_error err;
	memset(&err, 0, sizeof err);
	int r = kb_advisory_parse_osv("bad.json", doc, strlen(doc), &a, &err);
	if (r != code)
		fail_msg("expected %s, got %s (%s)", kb_err_name(code), kb_err_name(r), err.msg);
	assert_ptr_equal(a, (kb_advisory *)0x1); /* untouched */
	assert_string_equal(err.file, "bad.json");
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, col);
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_log4shell(void **state)
{
	(void)state;
	kb_advisory *a = parse_ok(log4shell);
	assert_string_equal(a->id, "GHSA-jfh8-c2jp-5v3q");
	assert_int_equal(a->n_aliases, 1);
	assert_string_equal(a->aliases[0], "CVE-2021-44228");
	assert_string_equal(a->summary, "Remote code injection in Log4j");
	assert_string_equal(a->severity, "CRITICAL");
	assert_string_equal(a->cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
	assert_string_equal(a->published, "2021-12-10T00:40:56Z");
	assert_null(a->withdrawn);
	assert_int_equal(a->n_affected, 1);
	const kb_advisory_affected *af = &a->affected[0];
	assert_string_equal(af->ecosystem, "Maven");
	assert_string_equal(af->package, "org.apache.logging.log4j:log4j-core");
	assert_int_equal(af->match.scheme, KB_VS_MAVEN);
	assert_int_equal(af->match.n_ranges, 4);
	assert_int_equal(af->match.ranges[0].type, KB_RANGE_GIT);
	assert_int_equal(af->default_status, KB_VSTATUS_UNAFFECTED);
	/* the GIT range first does not hide the ECOSYSTEM ranges */
	kb_range_verdict v;
	kb_error err;
	assert_int_equal(kb_range_eval(&af->match, "2.14.1", &v, &err), 0);
	assert_true(v.affected);
	assert_string_equal(v.fixed, "2.15.0");
	assert_int_equal(kb_range_eval(&af->match, "2.12.2", &v, &err), 0);
	assert_false(v.affected);
	assert_int_equal(kb_range_eval(&af->match, "2.3", &v, &err), 0);
	assert_string_equal(v.fixed, "2.3.1");
	kb_advisory_free(a);
	assert_null(kb_advisory_free(NULL));
}

static void test_minimal_and_versions(void **state)
{
	(void)state;
	kb_advisory *a = parse_ok("{\"id\": \"OSV-1\", \"affected\": [{\"package\": {\"ecosystem\": \"PyPI\","
	                          " \"name\": \"requests\"}, \"versions\": [\"2.0\", \"2.1\"]}]}");
	assert_int_equal(a->affected[0].match.scheme, KB_VS_PEP440);
	assert_int_equal(a->affected[0].match.n_versions, 2);
	kb_range_verdict v;
	assert_int_equal(kb_range_eval(&a->affected[0].match, "2.0.0", &v, NULL), 0);
	assert_true(v.affected);
	kb_advisory_free(a);
	a = parse_ok("{\"id\": \"OSV-2\"}"); /* no affected: a withdrawn or placeholder record */
	assert_int_equal(a->n_affected, 0);
	kb_advisory_free(a);
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("{\"id\": \"X\",\n \"affected\": [}", KB_EPARSE, 2, 15, "expected valid JSON");
	expect_err("[]", KB_EFORMAT, 1, 1, "expected an OSV document: a JSON object");
	expect_err("{\"summary\": \"x\"}", KB_EFORMAT, 0, 0, "no \"id\"");
	expect_err("{\"id\": 7}", KB_EINVAL, 0, 0, "id: expected a string");
	expect_err("{\"id\": \"X\", \"affected\": [{\"package\": {\"ecosystem\": \"npm\"}}]}", KB_EINVAL, 0, 0,
	           "affected[0].package: expected \"ecosystem\" and \"name\"");
	expect_err("{\"id\": \"X\", \"affected\": [{\"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": []}]}]}",
	           KB_EINVAL, 0, 0, "affected[0].ranges[0].events: expected a non-empty array");
	expect_err("{\"id\": \"X\", \"affected\": [{\"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"introduced\": "
	           "\"0\"}]}, {\"type\": \"RANGE\", \"events\": [{\"introduced\": \"0\"}]}]}]}",
	           KB_EINVAL, 0, 0, "affected[0].ranges[1]: expected \"type\": ECOSYSTEM, SEMVER or GIT");
	expect_err("{\"id\": \"X\", \"affected\": [{\"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": "
	           "\"0\", \"fixed\": \"1\"}]}]}]}",
	           KB_EINVAL, 0, 0, "affected[0].ranges[0].events[0]: expected exactly one of");
	expect_err("{\"id\": \"X\", \"affected\": [{\"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": "
	           "\"0\"}, {\"fixed\": \"1\"}, {\"last_affected\": \"2\"}]}]}]}",
	           KB_EINVAL, 0, 0, "fixed or last_affected, never both");
	expect_err("{\"id\": \"X\", \"aliases\": [\"A\", 3]}", KB_EINVAL, 0, 0, "aliases[1]: expected a string");
	expect_err("{\"id\": \"X\", \"id\": \"Y\"}", KB_EPARSE, 1, 16, "duplicate");
}

/* {"id": "L", "affected": [ N entries ]} or one entry with N ranges / events */
static char *repeat_doc(const char *head, const char *item, size_t n, const char *tail)
{
	size_t len = strlen(head) + n * (strlen(item) + 1) + strlen(tail) + 1;
	char *d = malloc(len);
	assert_non_null(d);
	strcpy(d, head);
	size_t o = strlen(head);
	for (size_t i = 0; i < n; i++) {
		if (i)
			d[o++] = ',';
		memcpy(d + o, item, strlen(item));
		o += strlen(item);
	}
	strcpy(d + o, tail);
	return d;
}

static void test_limits(void **state)
{
	(void)state;
	kb_advisory *a = NULL;
	kb_error err;
	/* KB_ADVISORY_MAX_AFFECTED */
	char *d = repeat_doc("{\"id\": \"L\", \"affected\": [", "{}", KB_ADVISORY_MAX_AFFECTED + 1, "]}");
	assert_int_equal(kb_advisory_parse_osv("l.json", d, strlen(d), &a, &err), KB_ELIMIT);
	free(d);
	d = repeat_doc("{\"id\": \"L\", \"affected\": [", "{}", KB_ADVISORY_MAX_AFFECTED, "]}");
	assert_int_equal(kb_advisory_parse_osv("l.json", d, strlen(d), &a, &err), 0);
	a = kb_advisory_free(a);
	free(d);
	/* KB_ADVISORY_MAX_RANGES */
	const char *rg = "{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}]}";
	d = repeat_doc("{\"id\": \"L\", \"affected\": [{\"ranges\": [", rg, KB_ADVISORY_MAX_RANGES + 1, "]}]}");
	assert_int_equal(kb_advisory_parse_osv("l.json", d, strlen(d), &a, &err), KB_ELIMIT);
	assert_non_null(strstr(err.msg, "affected[0].ranges"));
	free(d);
	/* KB_RANGE_MAX_EVENTS */
	d = repeat_doc("{\"id\": \"L\", \"affected\": [{\"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [",
	               "{\"introduced\": \"1\"}", KB_RANGE_MAX_EVENTS + 1, "]}]}]}");
	assert_int_equal(kb_advisory_parse_osv("l.json", d, strlen(d), &a, &err), KB_ELIMIT);
	free(d);
	/* KB_ADVISORY_MAX_BYTES */
	size_t big = KB_ADVISORY_MAX_BYTES + 1;
	d = malloc(big);
	assert_non_null(d);
	memset(d, ' ', big);
	assert_int_equal(kb_advisory_parse_osv("big.json", d, big, &a, &err), KB_ELIMIT);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log4shell),
		cmocka_unit_test(test_minimal_and_versions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
