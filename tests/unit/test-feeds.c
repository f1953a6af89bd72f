/*
 * test-feeds.c - CISA KEV, EPSS and endoflife.date imports and lookups, on
 * the real data bundled with acme, plus located errors and re-import.
 */
#include "koban/feeds.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define ACME KB_TEST_VECTORS "/../../examples/acme/advisories/"

static int setup(void **state)
{
	kb_store *s = NULL;
	if (kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, NULL) < 0)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	kb_store_close(*state);
	return 0;
}

static void import_ok(kb_store *s, const char *rel, kb_feed want, uint64_t min_rows)
{
	kb_feed_stats st;
	kb_error err;
	char path[1024];
	snprintf(path, sizeof path, "%s%s", ACME, rel);
	if (kb_feed_import_file(s, path, &st, &err) != 0)
		fail_msg("%s: %s", rel, err.msg);
	assert_int_equal(st.feed, want);
	assert_true(st.rows >= min_rows);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/koban-feed-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_kev_epss(void **state)
{
	kb_store *s = *state;
	import_ok(s, "kev.json", KB_FEED_KEV, 4);
	import_ok(s, "epss.csv", KB_FEED_EPSS, 4);
	kb_kev_entry k;
	kb_error err;
	assert_int_equal(kb_kev_lookup(s, "CVE-2025-53521", &k, &err), 0);
	assert_string_equal(k.date_added, "2026-03-27");
	assert_int_equal(kb_kev_lookup(s, "CVE-2021-44228", &k, &err), 0);
	assert_string_equal(k.date_added, "2021-12-10");
	assert_int_equal(kb_kev_lookup(s, "CVE-2025-53856", &k, &err), KB_ENOTFOUND);
	double e = 0, p = 0;
	assert_int_equal(kb_epss_lookup(s, "CVE-2021-44228", &e, &p, &err), 0);
	assert_true(e > 0.9 && p > 0.99);
	/* a newer copy updates */
	char *path = write_tmp("#model_version:v2025.03.14,score_date:2026-11-21T00:00:00+0000\n"
	                       "cve,epss,percentile\nCVE-2021-44228,0.5,0.6\n");
	kb_feed_stats st;
	assert_int_equal(kb_feed_import_file(s, path, &st, &err), 0);
	assert_int_equal(kb_epss_lookup(s, "CVE-2021-44228", &e, &p, &err), 0);
	assert_true(e > 0.49 && e < 0.51);
	unlink(path);
	free(path);
	/* a bad row: located, nothing kept */
	path = write_tmp("cve,epss,percentile\nCVE-2021-44228,0.7,0.7\nCVE-2021-45046,lots,0.1\n");
	assert_int_equal(kb_feed_import_file(s, path, &st, &err), KB_EINVAL);
	assert_int_equal(err.line, 3);
	assert_int_equal(kb_epss_lookup(s, "CVE-2021-44228", &e, &p, &err), 0);
	assert_true(e > 0.49 && e < 0.51); /* the file's first row was rolled back */
	unlink(path);
	free(path);
	path = write_tmp("cve,epss,percentile\nCVE-1,0.1\n");
	assert_int_equal(kb_feed_import_file(s, path, &st, &err), KB_EPARSE);
	assert_int_equal(err.line, 2);
	unlink(path);
	free(path);
	path = write_tmp("{\"vulnerabilities\": [{\"cveID\": \"CVE-1\"}, {\"vendorProject\": \"x\", \"cveID\": 3}]}");
	assert_int_equal(kb_feed_import_file(s, path, &st, &err), KB_EINVAL);
	assert_non_null(strstr(err.msg, "vulnerabilities[1]"));
	unlink(path);
	free(path);
}

static void test_eol(void **state)
{
	kb_store *s = *state;
	import_ok(s, "eol/f5-big-ip.json", KB_FEED_EOL, 6);
	import_ok(s, "eol/log4j.json", KB_FEED_EOL, 2);
	kb_eol_info e;
	kb_error err;
	assert_int_equal(kb_eol_lookup(s, "BIG-IP", "15.1.10.2", "2026-11-22", &e, &err), 0);
	assert_string_equal(e.product, "big-ip");
	assert_string_equal(e.cycle, "15.1");
	assert_true(e.eol);
	assert_string_equal(e.eol_from, "2024-12-31");
	assert_string_equal(e.next_cycle, "17.1"); /* 16.1 and 17.0 have ended too */
	assert_string_equal(e.next_eol, "2027-03-31");
	assert_int_equal(kb_eol_lookup(s, "big-ip", "17.1.1.3", "2026-11-22", &e, &err), 0);
	assert_false(e.eol);
	/* the same cycle before its end date */
	assert_int_equal(kb_eol_lookup(s, "BIG-IP", "15.1.10.2", "2024-06-01", &e, &err), 0);
	assert_false(e.eol);
	/* a component by its purl */
	assert_int_equal(kb_eol_lookup(s, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "2.14.1", "2026-11-22",
	                               &e, &err),
	                 0);
	assert_string_equal(e.product, "log4j");
	assert_int_equal(kb_eol_lookup(s, "BIG-IP", "99.1", "2026-11-22", &e, &err), KB_ENOTFOUND);
	assert_int_equal(kb_eol_lookup(s, "NetScaler", "14.1", "2026-11-22", &e, &err), KB_ENOTFOUND);
	/* not a feed */
	char *path = write_tmp("{\"id\": \"GHSA-x\"}");
	kb_feed_stats st;
	assert_int_equal(kb_feed_import_file(s, path, &st, &err), KB_EFORMAT);
	unlink(path);
	free(path);
}

static void test_vex(void **state)
{
	kb_store *s = *state;
	import_ok(s, "vex/acme-portal-log4j.openvex.json", KB_FEED_VEX, 2);
	kb_vex_statement v;
	kb_error err;
	/* scoped to the product, by name or alias, any case, with or without the purl's version */
	assert_int_equal(kb_vex_lookup(s, "CVE-2021-45046",
	                               "portal-web-stg-01.acme.example#pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
	                               &v, &err),
	                 0);
	assert_string_equal(v.status, "not_affected");
	assert_string_equal(v.justification, "vulnerable_code_cannot_be_controlled_by_adversary");
	assert_int_equal(kb_vex_lookup(s, "ghsa-7rjr-3q55-vv33", "PORTAL-WEB-STG-01.acme.example", &v, &err), 0);
	/* not about other systems with the same package, nor other CVEs */
	assert_int_equal(kb_vex_lookup(s, "CVE-2021-45046", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", &v,
	                               &err),
	                 KB_ENOTFOUND);
	assert_int_equal(kb_vex_lookup(s, "CVE-2021-44228", "portal-web-stg-01.acme.example", &v, &err), KB_ENOTFOUND);
	/* not_affected without a justification or impact statement is refused */
	char *path = write_tmp("{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": ["
	                       "{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"x\"}],"
	                       " \"status\": \"not_affected\"}]}");
	kb_feed_stats st;
	assert_int_equal(kb_feed_import_file(s, path, &st, &err), KB_EINVAL);
	assert_non_null(strstr(err.msg, "statements[0]: not_affected needs a justification"));
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kev_epss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vex, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
