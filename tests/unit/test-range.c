/*
 * test-range.c - affected/fixed evaluation on the advisories koban exists
 * for: the four Log4j CVEs (GitHub advisory ranges, Maven ordering) and F5's
 * October 2025 BIG-IP ranges (vendor dotted versions), plus the OSV rules:
 * introduced "0", last_affected, limit, a GIT range before an ECOSYSTEM range,
 * explicit version lists, strict-scheme errors and the event limit.
 */
#include "koban/range.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define EV(k, v) { KB_EVENT_##k, v }
#define RANGE(t, evs) { KB_RANGE_##t, evs, sizeof evs / sizeof evs[0] }

static kb_range_verdict eval(const kb_affected *a, const char *v)
{
	kb_range_verdict out;
	kb_error err;
	int r = kb_range_eval(a, v, &out, &err);
	if (r != 0)
		fail_msg("eval %s: %s", v, err.msg);
	return out;
}

static void expect(const kb_affected *a, const char *v, bool affected, const char *fixed)
{
	kb_range_verdict out = eval(a, v);
	if (out.affected != affected)
		fail_msg("%s: expected %saffected", v, affected ? "" : "not ");
	if (fixed)
		assert_non_null(out.fixed);
	if (fixed && strcmp(out.fixed, fixed) != 0)
		fail_msg("%s: expected fix %s, got %s", v, fixed, out.fixed);
	if (!fixed && out.fixed)
		fail_msg("%s: expected no fix, got %s", v, out.fixed);
}

/* CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q): [2.13.0, 2.15.0), [0, 2.3.1), [2.4, 2.12.2) */
static const kb_range_event l1a[] = { EV(INTRODUCED, "2.13.0"), EV(FIXED, "2.15.0") };
static const kb_range_event l1b[] = { EV(INTRODUCED, "0"), EV(FIXED, "2.3.1") };
static const kb_range_event l1c[] = { EV(INTRODUCED, "2.4"), EV(FIXED, "2.12.2") };
static const kb_range log4shell_r[] = { RANGE(ECOSYSTEM, l1a), RANGE(ECOSYSTEM, l1b), RANGE(ECOSYSTEM, l1c) };
static const kb_affected log4shell = { KB_VS_MAVEN, log4shell_r, 3, NULL, 0 };

/* CVE-2021-45105: [2.4.0, 2.12.3), [2.13.0, 2.17.0), [0, 2.3.1) */
static const kb_range_event l3a[] = { EV(INTRODUCED, "2.4.0"), EV(FIXED, "2.12.3") };
static const kb_range_event l3b[] = { EV(INTRODUCED, "2.13.0"), EV(FIXED, "2.17.0") };
static const kb_range_event l3c[] = { EV(INTRODUCED, "0"), EV(FIXED, "2.3.1") };
static const kb_range cve45105_r[] = { RANGE(ECOSYSTEM, l3a), RANGE(ECOSYSTEM, l3b), RANGE(ECOSYSTEM, l3c) };
static const kb_affected cve45105 = { KB_VS_MAVEN, cve45105_r, 3, NULL, 0 };

/* CVE-2021-44832: fixed in 2.3.2, 2.12.4, 2.17.1, written as one range */
static const kb_range_event l4[] = { EV(INTRODUCED, "0"),      EV(FIXED, "2.3.2"),  EV(INTRODUCED, "2.4"),
	                             EV(FIXED, "2.12.4"),      EV(INTRODUCED, "2.13.0"), EV(FIXED, "2.17.1") };
static const kb_range cve44832_r[] = { RANGE(ECOSYSTEM, l4) };
static const kb_affected cve44832 = { KB_VS_MAVEN, cve44832_r, 1, NULL, 0 };

static void test_log4j(void **state)
{
	(void)state;
	expect(&log4shell, "2.14.1", true, "2.15.0");
	expect(&log4shell, "2.12.1", true, "2.12.2");
	expect(&log4shell, "2.12.2", false, NULL);
	expect(&log4shell, "2.3", true, "2.3.1");
	expect(&log4shell, "2.3.1", false, NULL);
	expect(&log4shell, "2.0-beta9", true, "2.3.1"); /* "0" covers the betas */
	expect(&log4shell, "2.4.0", true, "2.12.2");    /* 2.4 == 2.4.0 in Maven */
	expect(&log4shell, "2.15.0", false, NULL);
	expect(&log4shell, "2.17.1", false, NULL);
	assert_true(eval(&log4shell, "2.17.1").after_all);
	assert_false(eval(&log4shell, "2.12.2").after_all);
	assert_false(eval(&log4shell, "2.12.2").before_all);

	expect(&cve45105, "2.12.2", true, "2.12.3");
	expect(&cve45105, "2.16.0", true, "2.17.0");
	expect(&cve45105, "2.17.0", false, NULL);

	expect(&cve44832, "2.17.0", true, "2.17.1");
	expect(&cve44832, "2.12.3", true, "2.12.4");
	expect(&cve44832, "2.3.1", true, "2.3.2");
	expect(&cve44832, "2.3.2", false, NULL);
	expect(&cve44832, "2.17.1", false, NULL);
	/* unsorted events are sorted first */
	static const kb_range_event shuffled[] = { EV(FIXED, "2.17.1"), EV(INTRODUCED, "2.13.0"), EV(FIXED, "2.3.2"),
		                                   EV(INTRODUCED, "0"),     EV(FIXED, "2.12.4"),     EV(INTRODUCED, "2.4") };
	static const kb_range sr[] = { RANGE(ECOSYSTEM, shuffled) };
	static const kb_affected s = { KB_VS_MAVEN, sr, 1, NULL, 0 };
	expect(&s, "2.17.0", true, "2.17.1");
	expect(&s, "2.12.4", false, NULL);
}

/* CVE-2025-53521: 17.5.0-<17.5.1.3, 17.1.0-<17.1.3, 16.1.0-<16.1.6.1, 15.1.0-<15.1.10.8 */
static const kb_range_event f1[] = { EV(INTRODUCED, "17.5.0"), EV(FIXED, "17.5.1.3") };
static const kb_range_event f2[] = { EV(INTRODUCED, "17.1.0"), EV(FIXED, "17.1.3") };
static const kb_range_event f3[] = { EV(INTRODUCED, "16.1.0"), EV(FIXED, "16.1.6.1") };
static const kb_range_event f4[] = { EV(INTRODUCED, "15.1.0"), EV(FIXED, "15.1.10.8") };
static const kb_range f5_r[] = { RANGE(ECOSYSTEM, f1), RANGE(ECOSYSTEM, f2), RANGE(ECOSYSTEM, f3),
	                         RANGE(ECOSYSTEM, f4) };
static const kb_affected f5 = { KB_VS_INTDOT, f5_r, 4, NULL, 0 };

static void test_f5(void **state)
{
	(void)state;
	expect(&f5, "17.5.0", true, "17.5.1.3");
	expect(&f5, "17.5.1", true, "17.5.1.3");
	expect(&f5, "17.5.1.3", false, NULL);
	expect(&f5, "17.1.1.3", true, "17.1.3");
	expect(&f5, "17.1.2", true, "17.1.3");
	expect(&f5, "16.1.4.1", true, "16.1.6.1");
	expect(&f5, "15.1.10.2", true, "15.1.10.8");
	/* 17.0 was never evaluated: not in any range, between them */
	kb_range_verdict v = eval(&f5, "17.0.0.2");
	assert_false(v.affected);
	assert_false(v.before_all);
	assert_false(v.after_all);
	/* 21.0: newer than the advisory; 14.1: older than every range */
	assert_true(eval(&f5, "21.0.0").after_all);
	assert_false(eval(&f5, "21.0.0").affected);
	assert_true(eval(&f5, "14.1.5").before_all);
	assert_false(eval(&f5, "14.1.5").before_all && eval(&f5, "14.1.5").after_all);
}

static void test_osv_rules(void **state)
{
	(void)state;
	/* last_affected: v == e is affected, no fix known */
	static const kb_range_event la[] = { EV(INTRODUCED, "0"), EV(LAST_AFFECTED, "1.2.3") };
	static const kb_range lar[] = { RANGE(SEMVER, la) };
	static const kb_affected lastaff = { KB_VS_GENERIC, lar, 1, NULL, 0 };
	expect(&lastaff, "1.2.3", true, NULL);
	expect(&lastaff, "1.2.4", false, NULL);
	expect(&lastaff, "0.0.1", true, NULL);
	/* limit bounds the range */
	static const kb_range_event lim[] = { EV(INTRODUCED, "1.0.0"), EV(LIMIT, "2.0.0") };
	static const kb_range limr[] = { RANGE(SEMVER, lim) };
	static const kb_affected limited = { KB_VS_SEMVER, limr, 1, NULL, 0 };
	expect(&limited, "1.5.0", true, NULL);
	expect(&limited, "2.0.0", false, NULL);
	/* a GIT range first must not hide the ECOSYSTEM range after it */
	static const kb_range_event git[] = { EV(INTRODUCED, "0"), EV(FIXED, "7b1bd8a5e4f0a8e3c0c2b6c5d0a9f3e2d1c0b9a8") };
	static const kb_range gr[] = { RANGE(GIT, git), RANGE(ECOSYSTEM, l1a) };
	static const kb_affected gitfirst = { KB_VS_MAVEN, gr, 2, NULL, 0 };
	expect(&gitfirst, "2.14.1", true, "2.15.0");
	/* a GIT range alone says nothing about versions */
	static const kb_range onlygit[] = { RANGE(GIT, git) };
	static const kb_affected og = { KB_VS_MAVEN, onlygit, 1, NULL, 0 };
	kb_range_verdict v = eval(&og, "2.14.1");
	assert_false(v.affected);
	assert_false(v.before_all);
	assert_false(v.after_all);
	/* explicit versions, compared under the scheme */
	static const char *const listed[] = { "1.0", "1.1.0" };
	static const kb_affected lst = { KB_VS_MAVEN, NULL, 0, listed, 2 };
	expect(&lst, "1.0.0", true, NULL);
	expect(&lst, "1.1", true, NULL);
	expect(&lst, "1.2", false, NULL);
}

static void test_errors_and_limits(void **state)
{
	(void)state;
	kb_range_verdict v = { .affected = true };
	kb_error err;
	/* a SEMVER range and a version SemVer cannot read */
	static const kb_range_event se[] = { EV(INTRODUCED, "1.0.0"), EV(FIXED, "1.2.0") };
	static const kb_range sr[] = { RANGE(SEMVER, se) };
	static const kb_affected sa = { KB_VS_GENERIC, sr, 1, NULL, 0 };
	assert_int_equal(kb_range_eval(&sa, "1.2", &v, &err), KB_EINVAL);
	assert_non_null(strstr(err.msg, "semver"));
	assert_true(v.affected); /* untouched */
	/* KB_RANGE_MAX_EVENTS */
	kb_range_event *many = calloc(KB_RANGE_MAX_EVENTS + 1, sizeof *many);
	assert_non_null(many);
	for (int i = 0; i <= KB_RANGE_MAX_EVENTS; i++)
		many[i] = (kb_range_event){ i % 2 ? KB_EVENT_FIXED : KB_EVENT_INTRODUCED, "1.0" };
	kb_range big = { KB_RANGE_ECOSYSTEM, many, KB_RANGE_MAX_EVENTS + 1 };
	kb_affected ba = { KB_VS_MAVEN, &big, 1, NULL, 0 };
	assert_int_equal(kb_range_eval(&ba, "1.0", &v, &err), KB_ELIMIT);
	big.n_events = KB_RANGE_MAX_EVENTS;
	assert_int_equal(kb_range_eval(&ba, "1.0", &v, &err), 0);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log4j),
		cmocka_unit_test(test_f5),
		cmocka_unit_test(test_osv_rules),
		cmocka_unit_test(test_errors_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
