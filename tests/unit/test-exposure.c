/*
 * test-exposure.c - status per advisory and move-to per component, on the
 * real records bundled with acme: exactly the outcomes issue 3 asks acme's
 * triage to show (15.1 -> 15.1.10.8, 16.1 -> 16.1.6.1, 17.1 -> 17.1.3,
 * 17.5.0 -> 17.5.1.3, 17.0 never evaluated, 21.0 newer; log4j-core 2.14.1 ->
 * 2.17.1, 2.12.2 -> 2.12.4, 2.3.1 -> 2.3.2), the APM-only record against an
 * LTM-only device, F5's "All Modules", and the re-check of a move-to that a
 * later advisory still hits.
 */
#include "koban/exposure.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme-advisories.h"

/* Every affected entry of the loaded advisories that names `name`. */
static size_t entries(kb_advisory *const *advs, size_t nadv, const char *name, const kb_advisory_affected **out)
{
	size_t n = 0;
	for (size_t i = 0; i < nadv; i++)
		for (size_t j = 0; j < advs[i]->n_affected; j++) {
			const kb_advisory_affected *af = &advs[i]->affected[j];
			const char *nm = af->product ? af->product : af->package;
			if (nm && strcmp(nm, name) == 0)
				out[n++] = af;
		}
	return n;
}

static void expect_move(const kb_advisory_affected *const *afs, size_t n, const char *v, const char *mods,
                        const char *want)
{
	const char *got = (const char *)0x1;
	bool fixable = false;
	kb_error err;
	assert_int_equal(kb_exposure_move_to(afs, n, v, mods, &got, &fixable, &err), 0);
	if (!want && got)
		fail_msg("%s: expected nothing to move to, got %s", v, got);
	if (want && (!got || strcmp(got, want) != 0))
		fail_msg("%s: expected move-to %s, got %s", v, want, got ? got : "none");
}

static kb_fstatus status(const kb_advisory_affected *af, const char *v, const char *mods)
{
	kb_fstatus st;
	kb_error err;
	assert_int_equal(kb_exposure_status(af, v, mods, &st, NULL, &err), 0);
	return st;
}

static void test_big_ip(void **state)
{
	(void)state;
	kb_advisory *advs[] = { load("cve/CVE-2025-53521.json"), load("cve/CVE-2025-53856.json"),
		                load("cve/CVE-2025-53868.json") };
	const kb_advisory_affected *afs[8];
	size_t n = entries(advs, 3, "BIG-IP", afs);
	assert_int_equal(n, 3);
	const char *mods = "APM,LTM";
	expect_move(afs, n, "15.1.10.2", mods, "15.1.10.8");
	expect_move(afs, n, "16.1.4.1", mods, "16.1.6.1");
	expect_move(afs, n, "17.1.1.3", mods, "17.1.3");
	expect_move(afs, n, "17.1.2", mods, "17.1.3");
	expect_move(afs, n, "17.5.0", mods, "17.5.1.3"); /* 53868 alone would say 17.5.1 */
	expect_move(afs, n, "17.5.1.3", mods, NULL);
	expect_move(afs, n, "17.0.0.2", mods, NULL);
	expect_move(afs, n, "21.0.0", mods, NULL);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(status(afs[i], "17.0.0.2", mods), KB_FS_UNKNOWN_NOT_EVALUATED);
		assert_int_equal(status(afs[i], "14.1.5", mods), KB_FS_UNKNOWN_NOT_EVALUATED);
		assert_int_equal(status(afs[i], "21.0.0", mods), KB_FS_UNKNOWN_NEWER);
		assert_int_equal(status(afs[i], "17.1.1.3", mods), KB_FS_AFFECTED);
		assert_int_equal(status(afs[i], "", mods), KB_FS_UNKNOWN_NO_VERSION);
	}
	assert_int_equal(status(afs[0], "17.5.1.3", mods), KB_FS_FIXED);
	/* CVE-2025-53868 fixes 17.5 at 17.5.1: 17.5.1.3 is past every event it
	 * names, but on a branch it covers, so fixed, not "newer" */
	assert_int_equal(status(afs[2], "17.5.1.3", mods), KB_FS_FIXED);
	/* CVE-2025-53521 is APM only: an LTM-only device is not affected by it */
	assert_int_equal(status(afs[0], "17.1.1.3", "LTM"), KB_FS_NOT_AFFECTED);
	assert_int_equal(status(afs[1], "17.1.1.3", "LTM"), KB_FS_AFFECTED); /* "All Modules" */
	assert_int_equal(status(afs[0], "17.1.1.3", NULL), KB_FS_AFFECTED);  /* modules unknown */
	expect_move(afs, n, "17.5.0", "LTM", "17.5.1.3");
	for (size_t i = 0; i < 3; i++)
		kb_advisory_free(advs[i]);
}

static void test_log4j(void **state)
{
	(void)state;
	kb_advisory *advs[] = { load("osv/GHSA-jfh8-c2jp-5v3q.json"), load("osv/GHSA-7rjr-3q55-vv33.json"),
		                load("osv/GHSA-p6xc-xr62-6r2g.json"), load("osv/GHSA-8489-44mv-ggj8.json") };
	const kb_advisory_affected *afs[32];
	size_t n = entries(advs, 4, "org.apache.logging.log4j:log4j-core", afs);
	assert_true(n >= 4);
	expect_move(afs, n, "2.14.1", NULL, "2.17.1");
	expect_move(afs, n, "2.12.2", NULL, "2.12.4");
	expect_move(afs, n, "2.3.1", NULL, "2.3.2");
	expect_move(afs, n, "2.11.1", NULL, "2.12.4");
	expect_move(afs, n, "2.17.1", NULL, NULL);
	/* 2.17.1 against Log4Shell: fixed (on the 2.x line), not "not affected" */
	kb_fstatus st = KB_FS_AFFECTED;
	for (size_t i = 0; i < advs[0]->n_affected; i++)
		if (advs[0]->affected[i].package &&
		    strcmp(advs[0]->affected[i].package, "org.apache.logging.log4j:log4j-core") == 0 &&
		    advs[0]->affected[i].match.n_ranges && status(&advs[0]->affected[i], "2.17.1", NULL) == KB_FS_FIXED)
			st = KB_FS_FIXED;
	assert_int_equal(st, KB_FS_FIXED);
	for (size_t i = 0; i < 4; i++)
		kb_advisory_free(advs[i]);
}

static void test_recheck(void **state)
{
	(void)state;
	/* A: [1.0, 1.5) fixed 1.5; B: [1.5, 1.7) fixed 1.7, C: [1.7, 1.8) last_affected 1.8 (no fix) */
	static const kb_range_event a_ev[] = { { KB_EVENT_INTRODUCED, "1.0" }, { KB_EVENT_FIXED, "1.5" } };
	static const kb_range_event b_ev[] = { { KB_EVENT_INTRODUCED, "1.5" }, { KB_EVENT_FIXED, "1.7" } };
	static const kb_range a_r = { KB_RANGE_ECOSYSTEM, a_ev, 2 }, b_r = { KB_RANGE_ECOSYSTEM, b_ev, 2 };
	kb_advisory_affected a = { .match = { KB_VS_MAVEN, &a_r, 1, NULL, 0 } };
	kb_advisory_affected b = { .match = { KB_VS_MAVEN, &b_r, 1, NULL, 0 } };
	const kb_advisory_affected *afs[] = { &a, &b };
	expect_move(afs, 2, "1.2", NULL, "1.7"); /* 1.5 fixes A but B hits 1.5 */
	expect_move(afs, 2, "1.6", NULL, "1.7");
	expect_move(afs, 2, "1.7", NULL, NULL);
	static const kb_range_event c_ev[] = { { KB_EVENT_INTRODUCED, "1.7" }, { KB_EVENT_LAST_AFFECTED, "1.8" } };
	static const kb_range c_r = { KB_RANGE_ECOSYSTEM, c_ev, 2 };
	kb_advisory_affected c = { .match = { KB_VS_MAVEN, &c_r, 1, NULL, 0 } };
	const kb_advisory_affected *abc[] = { &a, &b, &c };
	const char *got;
	bool fixable = true;
	assert_int_equal(kb_exposure_move_to(abc, 3, "1.2", NULL, &got, &fixable, NULL), 0);
	assert_string_equal(got, "1.7");
	assert_false(fixable); /* 1.7 is hit by C, which names no fix */
}

static void test_edges(void **state)
{
	(void)state;
	/* a CVE record: 17.1.2 <= v < 17.1.4 affected, 17.1.3 listed unaffected, default unknown */
	static const kb_range_event ev[] = { { KB_EVENT_INTRODUCED, "17.1.2" }, { KB_EVENT_FIXED, "17.1.4" } };
	static const kb_range rg = { KB_RANGE_ECOSYSTEM, ev, 2 };
	static const char *const unaff[] = { "17.1.3" };
	kb_advisory_affected af = { .match = { KB_VS_INTDOT, &rg, 1, NULL, 0 },
		                    .unaffected = { KB_VS_INTDOT, NULL, 0, unaff, 1 },
		                    .default_status = KB_VSTATUS_UNKNOWN };
	assert_int_equal(status(&af, "17.1.2", NULL), KB_FS_AFFECTED);
	assert_int_equal(status(&af, "17.1.3", NULL), KB_FS_FIXED);              /* listed unaffected wins */
	assert_int_equal(status(&af, "17.1.1", NULL), KB_FS_UNKNOWN_NOT_EVALUATED); /* before the range */
	assert_int_equal(status(&af, "17.1.4", NULL), KB_FS_FIXED);
	/* a version the scheme cannot read is a verdict, not a failure */
	static const kb_range_event sev[] = { { KB_EVENT_INTRODUCED, "1.0.0" }, { KB_EVENT_FIXED, "1.3.0" } };
	static const kb_range srg = { KB_RANGE_SEMVER, sev, 2 };
	kb_advisory_affected sa = { .match = { KB_VS_SEMVER, &srg, 1, NULL, 0 } };
	assert_int_equal(status(&sa, "1.0", NULL), KB_FS_UNKNOWN_BAD_VERSION);
	assert_string_equal(kb_fstatus_name(KB_FS_UNKNOWN_BAD_VERSION), "unknown: version not readable");
	const kb_advisory_affected *one[] = { &sa };
	expect_move(one, 1, "1.0", NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_ip),
		cmocka_unit_test(test_log4j),
		cmocka_unit_test(test_recheck),
		cmocka_unit_test(test_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
