/*
 * test-version.c - the dispatcher (length limit, bad scheme, result
 * normalised to -1/0/1), the ecosystem mapping, and the two schemes koban
 * defines itself: intdot (vendor dotted numbers, F5's guidance versions) and
 * the generic fallback.
 */
#include "koban/version.h"
#include "version-internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int cmp(kb_vscheme s, const char *a, const char *b)
{
	int r = 99;
	assert_int_equal(kb_version_cmp(s, a, b, &r), 0);
	int back = 99;
	assert_int_equal(kb_version_cmp(s, b, a, &back), 0);
	assert_int_equal(r, -back); /* antisymmetric */
	return r;
}

static void test_intdot_f5(void **state)
{
	(void)state;
	/* F5 versions: missing trailing parts are 0 */
	assert_int_equal(cmp(KB_VS_INTDOT, "17.5.1", "17.5.1.0"), 0);
	assert_int_equal(cmp(KB_VS_INTDOT, "17.5.1", "17.5.1.3"), -1);
	assert_int_equal(cmp(KB_VS_INTDOT, "17.5.1.3", "17.5.1.3"), 0);
	assert_int_equal(cmp(KB_VS_INTDOT, "17.1.1.3", "17.1.3"), -1);
	assert_int_equal(cmp(KB_VS_INTDOT, "16.1.6.1", "16.1.6"), 1);
	assert_int_equal(cmp(KB_VS_INTDOT, "15.1.10.8", "15.1.9.99"), 1); /* numeric, not text */
	assert_int_equal(cmp(KB_VS_INTDOT, "21.0.0", "17.5.1.3"), 1);
	assert_int_equal(cmp(KB_VS_INTDOT, "v1.8.3", "1.8.3"), 0);
	assert_int_equal(cmp(KB_VS_INTDOT, "1.10", "1.9"), 1);
	assert_int_equal(cmp(KB_VS_INTDOT, "007.1", "7.1"), 0);
	/* a tag after the numbers never outranks a higher base version */
	assert_int_equal(cmp(KB_VS_INTDOT, "17.1.1.3-0.0.5", "17.1.3"), -1);
	assert_int_equal(cmp(KB_VS_INTDOT, "17.1.1.3-0.0.5", "17.1.1.3"), 1);
	/* numbers longer than any integer type */
	assert_int_equal(cmp(KB_VS_INTDOT, "1.99999999999999999999999", "1.100000000000000000000000"), -1);
}

static void test_generic(void **state)
{
	(void)state;
	assert_int_equal(cmp(KB_VS_GENERIC, "1.2", "1.2.1"), -1);
	assert_int_equal(cmp(KB_VS_GENERIC, "1.10", "1.9"), 1);
	assert_int_equal(cmp(KB_VS_GENERIC, "1.2rc1", "1.2"), -1);
	assert_int_equal(cmp(KB_VS_GENERIC, "R32", "R31"), 1);
	assert_int_equal(cmp(KB_VS_GENERIC, "22.7R2.5", "22.7R2.3"), 1);
	assert_int_equal(cmp(KB_VS_GENERIC, "10.2.9-h1", "10.2.9-h2"), -1);
	assert_int_equal(cmp(KB_VS_GENERIC, "ABC", "abc"), 0);
	assert_int_equal(cmp(KB_VS_GENERIC, "", ""), 0);
	assert_int_equal(cmp(KB_VS_GENERIC, "", "1"), -1);
	assert_int_equal(cmp(KB_VS_GENERIC, "1.0a", "1.0b"), -1);
	assert_int_equal(cmp(KB_VS_GENERIC, "1.02", "1.2"), 0);
}

static void test_dispatch(void **state)
{
	(void)state;
	int r = 7;
	char big[KB_VERSION_MAX_LEN + 2];
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(kb_version_cmp(KB_VS_GENERIC, big, "1", &r), KB_ELIMIT);
	assert_int_equal(r, 7); /* untouched on failure */
	big[KB_VERSION_MAX_LEN] = '\0'; /* exactly at the limit: fine */
	assert_int_equal(kb_version_cmp(KB_VS_GENERIC, big, "1", &r), 0);
	assert_int_equal(r, 1);
	assert_int_equal(kb_version_cmp(KB_VS__COUNT, "1", "2", &r), KB_EINVAL);
	assert_int_equal(kb_version_cmp(KB_VS_GENERIC, NULL, "2", &r), KB_EINVAL);
	/* results are normalised to -1, 0, 1 whatever a comparator returns */
	for (int s = 0; s < KB_VS__COUNT; s++) {
		r = 7;
		int rc = kb_version_cmp((kb_vscheme)s, "1.0.0", "2.0.0", &r);
		assert_int_equal(rc, 0);
		assert_int_equal(r, -1);
	}
}

static void test_ecosystems(void **state)
{
	(void)state;
	assert_int_equal(kb_vscheme_for_ecosystem("Maven"), KB_VS_MAVEN);
	assert_int_equal(kb_vscheme_for_ecosystem("npm"), KB_VS_SEMVER);
	assert_int_equal(kb_vscheme_for_ecosystem("Go"), KB_VS_SEMVER);
	assert_int_equal(kb_vscheme_for_ecosystem("crates.io"), KB_VS_SEMVER);
	assert_int_equal(kb_vscheme_for_ecosystem("PyPI"), KB_VS_PEP440);
	assert_int_equal(kb_vscheme_for_ecosystem("Debian:12"), KB_VS_DEBIAN);
	assert_int_equal(kb_vscheme_for_ecosystem("Ubuntu:22.04:LTS"), KB_VS_DEBIAN);
	assert_int_equal(kb_vscheme_for_ecosystem("Alpine:v3.19"), KB_VS_ALPINE);
	assert_int_equal(kb_vscheme_for_ecosystem("Red Hat"), KB_VS_RPM);
	assert_int_equal(kb_vscheme_for_ecosystem("Rocky Linux:9"), KB_VS_RPM);
	assert_int_equal(kb_vscheme_for_ecosystem("Debianx"), KB_VS_GENERIC);
	assert_int_equal(kb_vscheme_for_ecosystem(""), KB_VS_GENERIC);
	assert_int_equal(kb_vscheme_for_ecosystem(NULL), KB_VS_GENERIC);
	for (int s = 0; s < KB_VS__COUNT; s++) {
		kb_vscheme back;
		assert_int_equal(kb_vscheme_parse(kb_vscheme_name((kb_vscheme)s), &back), 0);
		assert_int_equal(back, s);
	}
	kb_vscheme x;
	assert_int_equal(kb_vscheme_parse("nope", &x), KB_EINVAL);
}

static unsigned next(unsigned *st)
{
	*st = *st * 1103515245u + 12345u;
	return (*st >> 8) & 0xffff;
}

static void gen(unsigned *st, kb_vscheme sc, char *out, size_t n)
{
	static const char *const maven[] = { "", "", "-SNAPSHOT", "-alpha-1", ".RELEASE", "-1", "a1", ".Final", "-rc2",
		                             "-sp1", ".0", "-0" };
	static const char *const semver[] = { "", "", "-rc.1", "-alpha", "+build.5", "-0.3.7", "-x.7.z.92" };
	static const char *const pep[] = { "", "", "a1", "b2", "rc1", ".post1", ".dev1", "+local.7", "-1", ".post1.dev2" };
	size_t parts = sc == KB_VS_SEMVER ? 3 : 1 + next(st) % 5, w = 0;
	if (sc == KB_VS_PEP440 && next(st) % 9 == 0)
		w += (size_t)snprintf(out + w, n - w, "%u!", next(st) % 3);
	for (size_t i = 0; i < parts; i++)
		w += (size_t)snprintf(out + w, n - w, "%s%u", i ? "." : "", next(st) % 4 == 0 ? next(st) % 12 : next(st) % 3);
	const char *suf = sc == KB_VS_MAVEN ? maven[next(st) % 12] : sc == KB_VS_SEMVER ? semver[next(st) % 7] : pep[next(st) % 10];
	snprintf(out + w, n - w, "%s", suf);
}

/* The sort key never disagrees with the scheme's own order. */
static void test_prefix_agrees(void **state)
{
	(void)state;
	static const kb_vscheme schemes[] = { KB_VS_MAVEN, KB_VS_SEMVER, KB_VS_PEP440 };
	unsigned st = 42, decided = 0;
	for (size_t k = 0; k < 3; k++)
		for (int i = 0; i < 20000; i++) {
			char a[64], b[64];
			gen(&st, schemes[k], a, sizeof a);
			gen(&st, schemes[k], b, sizeof b);
			uint32_t pa[KB_VPREFIX_PARTS], pb[KB_VPREFIX_PARTS];
			int d = 0;
			if (!kb_version_prefix(schemes[k], a, pa) || !kb_version_prefix(schemes[k], b, pb) ||
			    kb_version_cmp(schemes[k], a, b, &d) != 0)
				continue;
			int m = memcmp(pa, pb, sizeof pa) == 0 ? 0 : 1;
			for (size_t j = 0; m && j < KB_VPREFIX_PARTS; j++)
				if (pa[j] != pb[j]) {
					m = pa[j] < pb[j] ? -1 : 1;
					break;
				}
			if (m == 0)
				continue;
			decided++;
			if ((d < 0) != (m < 0) || d == 0)
				fail_msg("%s: \"%s\" vs \"%s\": scheme says %d, key says %d", kb_vscheme_name(schemes[k]), a, b, d, m);
		}
	assert_true(decided > 20000);
	uint32_t p[KB_VPREFIX_PARTS];
	assert_false(kb_version_prefix(KB_VS_DEBIAN, "1.0", p));
	assert_false(kb_version_prefix(KB_VS_PEP440, "1!2.0", p));
	assert_false(kb_version_prefix(KB_VS_MAVEN, "1.2.3.4.5", p));
	assert_false(kb_version_prefix(KB_VS_MAVEN, "1234567890.1", p));
	assert_false(kb_version_prefix(KB_VS_SEMVER, "v1.2.3", p));
	assert_true(kb_version_prefix(KB_VS_PEP440, "1.10.dev1", p));
	assert_int_equal(p[0], 1);
	assert_int_equal(p[1], 10);
	assert_int_equal(p[2], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intdot_f5),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_ecosystems),
		cmocka_unit_test(test_prefix_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
