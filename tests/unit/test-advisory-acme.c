/*
 * test-advisory-acme.c - the real advisory records bundled with the example
 * company (copied from CVEProject/cvelistV5 and github/advisory-database, see
 * examples/acme/README.md) read and evaluated: each advisory alone gives the
 * fix on the asset's branch that F5 and Apache published. The per-component
 * move-to (the largest of these, re-checked) belongs to the exposure engine.
 */
#include "koban/advisory.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme-advisories.h"

/* The fix one advisory gives `version` over all entries for `product` (or
 * package); NULL when not affected. */
static const char *fix_for(const kb_advisory *a, const char *product, const char *version, bool *affected)
{
	*affected = false;
	const char *fix = NULL;
	for (size_t i = 0; i < a->n_affected; i++) {
		const kb_advisory_affected *af = &a->affected[i];
		const char *name = af->product ? af->product : af->package;
		if (!name || strcmp(name, product) != 0)
			continue;
		kb_range_verdict v;
		kb_error err;
		assert_int_equal(kb_range_eval(&af->match, version, &v, &err), 0);
		if (v.affected) {
			*affected = true;
			fix = v.fixed;
		}
	}
	return fix;
}

static void expect_fix(const kb_advisory *a, const char *product, const char *version, const char *want)
{
	bool aff;
	const char *got = fix_for(a, product, version, &aff);
	if (!want) {
		if (aff)
			fail_msg("%s %s %s: expected not affected", a->id, product, version);
		return;
	}
	if (!aff || !got || strcmp(got, want) != 0)
		fail_msg("%s %s %s: expected fix %s, got %s", a->id, product, version, want, got ? got : "none");
}

static void test_f5(void **state)
{
	(void)state;
	static const char *const cves[] = { "cve/CVE-2025-53521.json", "cve/CVE-2025-53856.json" };
	for (size_t i = 0; i < 2; i++) {
		kb_advisory *a = load(cves[i]);
		assert_int_equal(a->affected[0].default_status, KB_VSTATUS_UNKNOWN);
		expect_fix(a, "BIG-IP", "15.1.10.2", "15.1.10.8");
		expect_fix(a, "BIG-IP", "16.1.4.1", "16.1.6.1");
		expect_fix(a, "BIG-IP", "17.1.1.3", "17.1.3");
		expect_fix(a, "BIG-IP", "17.1.2", "17.1.3");
		expect_fix(a, "BIG-IP", "17.5.0", "17.5.1.3");
		expect_fix(a, "BIG-IP", "17.5.1.3", NULL);
		expect_fix(a, "BIG-IP", "17.0.0.2", NULL); /* not evaluated: the default, unknown */
		expect_fix(a, "BIG-IP", "21.0.0", NULL);
		kb_advisory_free(a);
	}
	kb_advisory *a = load("cve/CVE-2025-53868.json");
	expect_fix(a, "BIG-IP", "17.5.0", "17.5.1"); /* appliance mode: 17.5 fixed earlier */
	kb_advisory_free(a);
	a = load("cve/CVE-2025-61955.json");
	expect_fix(a, "F5OS - Appliance", "1.8.0", "1.8.3");
	kb_advisory_free(a);
}

static void test_log4j(void **state)
{
	(void)state;
	const char *pkg = "org.apache.logging.log4j:log4j-core";
	kb_advisory *a = load("osv/GHSA-jfh8-c2jp-5v3q.json"); /* CVE-2021-44228, with a GIT range first */
	assert_int_equal(a->affected[0].match.ranges[0].type, KB_RANGE_GIT);
	expect_fix(a, pkg, "2.14.1", "2.15.0");
	expect_fix(a, pkg, "2.12.2", NULL);
	expect_fix(a, pkg, "2.17.1", NULL);
	kb_advisory_free(a);
	a = load("osv/GHSA-7rjr-3q55-vv33.json"); /* CVE-2021-45046 */
	expect_fix(a, pkg, "2.14.1", "2.16.0");
	expect_fix(a, pkg, "2.3.1", NULL);
	kb_advisory_free(a);
	a = load("osv/GHSA-p6xc-xr62-6r2g.json"); /* CVE-2021-45105 */
	expect_fix(a, pkg, "2.14.1", "2.17.0");
	expect_fix(a, pkg, "2.12.2", "2.12.3");
	kb_advisory_free(a);
	a = load("osv/GHSA-8489-44mv-ggj8.json"); /* CVE-2021-44832 */
	expect_fix(a, pkg, "2.14.1", "2.17.1");
	expect_fix(a, pkg, "2.12.2", "2.12.4");
	expect_fix(a, pkg, "2.3.1", "2.3.2");
	expect_fix(a, pkg, "2.17.1", NULL);
	kb_advisory_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f5),
		cmocka_unit_test(test_log4j),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
