/*
 * test-advisory-cve5.c - CVE JSON 5 records into the advisory model, on F5's
 * October 2025 BIG-IP record shape: vendor/product/modules, lessThan ranges on
 * vendor dotted versions, "unaffected" fixed versions, defaultStatus
 * "unknown" (end-of-support branches are not evaluated), CVSS from the CNA or
 * CISA's ADP container; plus lessThanOrEqual, semver, open-ended "*" and the
 * located errors.
 */
#include "koban/advisory.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char f5[] =
	"{\"dataType\": \"CVE_RECORD\", \"dataVersion\": \"5.1\",\n"
	" \"cveMetadata\": {\"cveId\": \"CVE-2025-53521\", \"assignerShortName\": \"f5\", \"state\": \"PUBLISHED\",\n"
	"                 \"datePublished\": \"2025-10-15T13:55:00Z\", \"dateUpdated\": \"2026-03-27T00:00:00Z\"},\n"
	" \"containers\": {\"cna\": {\n"
	"   \"title\": \"BIG-IP APM vulnerability\",\n"
	"   \"descriptions\": [{\"lang\": \"en\", \"value\": \"When a BIG-IP APM access policy is configured...\"}],\n"
	"   \"affected\": [{\"vendor\": \"F5\", \"product\": \"BIG-IP\", \"modules\": [\"APM\"],\n"
	"     \"defaultStatus\": \"unknown\",\n"
	"     \"versions\": [\n"
	"       {\"version\": \"17.5.0\", \"lessThan\": \"17.5.1.3\", \"status\": \"affected\", \"versionType\": \"custom\"},\n"
	"       {\"version\": \"17.1.0\", \"lessThan\": \"17.1.3\", \"status\": \"affected\", \"versionType\": \"custom\"},\n"
	"       {\"version\": \"16.1.0\", \"lessThan\": \"16.1.6.1\", \"status\": \"affected\", \"versionType\": \"custom\"},\n"
	"       {\"version\": \"15.1.0\", \"lessThan\": \"15.1.10.8\", \"status\": \"affected\", \"versionType\": \"custom\"},\n"
	"       {\"version\": \"17.5.1.3\", \"status\": \"unaffected\"},\n"
	"       {\"version\": \"17.1.3\", \"status\": \"unaffected\"},\n"
	"       {\"version\": \"21.0.0\", \"status\": \"unknown\"}]}],\n"
	"   \"metrics\": [{\"format\": \"CVSS\", \"cvssV3_1\": {\"version\": \"3.1\", \"baseScore\": 9.8,\n"
	"      \"baseSeverity\": \"CRITICAL\", \"vectorString\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}},\n"
	"     {\"format\": \"CVSS\", \"cvssV4_0\": {\"version\": \"4.0\", \"baseScore\": 9.3, \"baseSeverity\": \"CRITICAL\",\n"
	"      \"vectorString\": \"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\"}}]\n"
	" }}}\n";

static kb_advisory *parse_ok(const char *doc)
{
	kb_advisory *a = NULL;
	kb_error err;
	if (kb_advisory_parse_cve5("c.json", doc, strlen(doc), &a, &err) != 0)
		fail_msg("parse: %s", err.msg);
	return a;
}

static kb_range_verdict eval(const kb_affected *m, const char *v)
{
	kb_range_verdict out;
	kb_error err;
	if (kb_range_eval(m, v, &out, &err) != 0)
		fail_msg("eval %s: %s", v, err.msg);
	return out;
}

static void test_f5(void **state)
{
	(void)state;
	kb_advisory *a = parse_ok(f5);
	assert_string_equal(a->id, "CVE-2025-53521");
	assert_string_equal(a->summary, "BIG-IP APM vulnerability");
	assert_string_equal(a->severity, "CRITICAL"); /* CVSS 4.0 first */
	assert_true(a->cvss_score > 9.2 && a->cvss_score < 9.4);
	assert_non_null(strstr(a->cvss_vector, "CVSS:4.0/"));
	assert_string_equal(a->modified, "2026-03-27T00:00:00Z");
	assert_int_equal(a->n_affected, 1);
	const kb_advisory_affected *af = &a->affected[0];
	assert_string_equal(af->vendor, "F5");
	assert_string_equal(af->product, "BIG-IP");
	assert_int_equal(af->n_modules, 1);
	assert_string_equal(af->modules[0], "APM");
	assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(af->match.scheme, KB_VS_INTDOT);
	assert_int_equal(af->match.n_ranges, 4);
	assert_int_equal(af->unaffected.n_versions, 2);
	/* F5's guidance per branch */
	assert_string_equal(eval(&af->match, "17.5.0").fixed, "17.5.1.3");
	assert_string_equal(eval(&af->match, "17.1.1.3").fixed, "17.1.3");
	assert_string_equal(eval(&af->match, "16.1.4.1").fixed, "16.1.6.1");
	assert_string_equal(eval(&af->match, "15.1.10.2").fixed, "15.1.10.8");
	/* fixed versions: not in a range, and listed unaffected (17.1.3 == 17.1.3.0) */
	assert_false(eval(&af->match, "17.1.3.0").affected);
	assert_true(eval(&af->unaffected, "17.1.3.0").affected);
	/* 17.0: in no range, not listed: the default, unknown (never evaluated) */
	kb_range_verdict v = eval(&af->match, "17.0.0.2");
	assert_false(v.affected);
	assert_false(eval(&af->unaffected, "17.0.0.2").affected);
	/* 21.0: newer than every range */
	assert_true(eval(&af->match, "21.0.0").after_all);
	kb_advisory_free(a);
}

static void test_other_shapes(void **state)
{
	(void)state;
	kb_advisory *a = parse_ok(
		"{\"dataType\": \"CVE_RECORD\", \"dataVersion\": \"5.0\", \"cveMetadata\": {\"cveId\": \"CVE-1\"},"
		" \"containers\": {\"cna\": {\"descriptions\": [{\"lang\": \"en\", \"value\": \"Text.\"}],"
		"  \"affected\": ["
		"   {\"vendor\": \"Acme\", \"product\": \"lib\", \"defaultStatus\": \"unaffected\", \"versions\": ["
		"     {\"version\": \"1.0.0\", \"lessThanOrEqual\": \"1.4.2\", \"status\": \"affected\", \"versionType\": \"semver\"}]},"
		"   {\"vendor\": \"Acme\", \"product\": \"app\", \"versions\": ["
		"     {\"version\": \"2.0\", \"lessThan\": \"*\", \"status\": \"affected\"},"
		"     {\"version\": \"1.5-rc1\", \"status\": \"affected\"}]},"
		"   {\"vendor\": \"Apache\", \"product\": \"Log4j\", \"packageName\": \"org.apache.logging.log4j:log4j-core\","
		"    \"collectionURL\": \"https://repo.maven.apache.org/maven2\", \"versions\": ["
		"     {\"version\": \"2.0-beta9\", \"lessThan\": \"2.15.0\", \"status\": \"affected\", \"versionType\": \"maven\"}]}]},"
		"  \"adp\": [{\"metrics\": [{\"cvssV3_1\": {\"baseScore\": 7.5, \"baseSeverity\": \"HIGH\","
		"    \"vectorString\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\"}}]}]}}");
	assert_string_equal(a->summary, "Text.");
	assert_string_equal(a->severity, "HIGH"); /* from the ADP container */
	const kb_advisory_affected *lib = &a->affected[0], *app = &a->affected[1], *l4j = &a->affected[2];
	assert_int_equal(lib->default_status, KB_VSTATUS_UNAFFECTED);
	assert_int_equal(lib->match.scheme, KB_VS_SEMVER);
	assert_int_equal(lib->match.ranges[0].type, KB_RANGE_SEMVER);
	assert_true(eval(&lib->match, "1.4.2").affected);
	assert_false(eval(&lib->match, "1.4.3").affected);
	assert_int_equal(app->default_status, KB_VSTATUS_UNKNOWN); /* absent: unknown */
	assert_int_equal(app->match.scheme, KB_VS_GENERIC);      /* not all dotted digits */
	assert_true(eval(&app->match, "99.0").affected);         /* lessThan "*": no upper bound */
	assert_true(eval(&app->match, "1.5-rc1").affected);      /* exact version */
	assert_false(eval(&app->match, "1.6").affected);
	assert_string_equal(l4j->ecosystem, "Maven");
	assert_string_equal(l4j->package, "org.apache.logging.log4j:log4j-core");
	assert_int_equal(l4j->match.scheme, KB_VS_MAVEN);
	assert_string_equal(eval(&l4j->match, "2.14.1").fixed, "2.15.0");
	kb_advisory_free(a);
}

static void expect_err(const char *doc, int code, const char *needle)
{
	kb_advisory *a = (kb_advisory *)0x1;
	kb_error err;
	memset(&err, 0, sizeof err);
	int r = kb_advisory_parse_cve5("bad.json", doc, strlen(doc), &a, &err);
	if (r != code)
		fail_msg("expected %s, got %s (%s)", kb_err_name(code), kb_err_name(r), err.msg);
	assert_ptr_equal(a, (kb_advisory *)0x1);
	assert_string_equal(err.file, "bad.json");
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

#define HEAD "{\"dataType\": \"CVE_RECORD\", \"dataVersion\": \"5.1\", \"cveMetadata\": {\"cveId\": \"CVE-2\"}, " \
	     "\"containers\": {\"cna\": {\"affected\": ["

static void test_errors(void **state)
{
	(void)state;
	kb_advisory *a;
	kb_error err;
	assert_int_equal(kb_advisory_parse_cve5("s.json", "{\"dataType\":", 12, &a, &err), KB_EPARSE);
	assert_int_equal(err.line, 1);
	expect_err("{\"id\": \"GHSA-x\"}", KB_EFORMAT, "expected a CVE JSON 5 record");
	expect_err("{\"dataType\": \"CVE_RECORD\", \"dataVersion\": \"4.0\"}", KB_EFORMAT, "dataVersion 5.x");
	expect_err(HEAD "{\"vendor\": \"F5\"}]}}}", KB_EINVAL,
	           "containers.cna.affected[0]: expected \"product\" or \"packageName\"");
	expect_err(HEAD "{\"product\": \"p\", \"versions\": [{\"version\": \"1\", \"status\": \"affected\"},"
	                " {\"version\": \"2\", \"status\": \"broken\"}]}]}}}",
	           KB_EINVAL, "containers.cna.affected[0].versions[1]: status: expected affected, unaffected or unknown");
	expect_err(HEAD "{\"product\": \"p\", \"versions\": [{\"version\": \"1\", \"lessThan\": \"2\","
	                " \"lessThanOrEqual\": \"2\", \"status\": \"affected\"}]}]}}}",
	           KB_EINVAL, "not both");
	expect_err(HEAD "{\"product\": \"p\", \"defaultStatus\": \"maybe\"}]}}}", KB_EINVAL, "defaultStatus");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f5),
		cmocka_unit_test(test_other_shapes),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
