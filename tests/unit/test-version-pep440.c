/*
 * test-version-pep440.c - the PEP 440 comparator (src/lib/version-pep440.c)
 * against pypa/packaging's sorted VERSIONS list, osv-scanner's PyPI fixture
 * and hand-written normalisation and rejection cases.
 * Vectors: tests/vectors/versions/pep440 (see SOURCE.md there).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/koban.h"
#include "version-internal.h"

#ifndef KB_TEST_VECTORS
#error "KB_TEST_VECTORS must name the tests/vectors directory"
#endif

#define VEC_DIR KB_TEST_VECTORS "/versions/pep440/"
#define MAX_LINES 512
#define LINE_MAX_LEN 512

static int sgn(int c)
{
	return (c > 0) - (c < 0);
}

/* Compare, assert success, return the sign. */
static int cmp_ok(const char *a, const char *b)
{
	int r = 12345;
	int rc = kb_vcmp_pep440(a, b, &r);
	if (rc != 0)
		fail_msg("kb_vcmp_pep440(\"%s\", \"%s\") failed: %d", a, b, rc);
	assert_int_not_equal(r, 12345);
	return sgn(r);
}

/* a vs b gives want, and b vs a the opposite. */
static void check_both(const char *a, const char *b, int want)
{
	int got = cmp_ok(a, b);
	if (got != want)
		fail_msg("\"%s\" vs \"%s\": got %d, want %d", a, b, got, want);
	got = cmp_ok(b, a);
	if (got != -want)
		fail_msg("\"%s\" vs \"%s\": got %d, want %d", b, a, got, -want);
}

static bool is_invalid(const char *v)
{
	int r = 0;
	return kb_vcmp_pep440(v, "1.0", &r) == KB_EINVAL && kb_vcmp_pep440("1.0", v, &r) == KB_EINVAL;
}

/* Lines of a vector file with the trailing newline removed, skipping blank
 * lines and lines starting with comment (NULL: keep all non-blank lines). */
static size_t read_lines(const char *name, const char *comment, char lines[][LINE_MAX_LEN], size_t max)
{
	char path[1024];
	snprintf(path, sizeof path, "%s%s", VEC_DIR, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char buf[LINE_MAX_LEN];
	size_t n = 0;
	while (fgets(buf, sizeof buf, f)) {
		size_t len = strlen(buf);
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (!len || (comment && strncmp(buf, comment, strlen(comment)) == 0))
			continue;
		assert_true(n < max);
		memcpy(lines[n++], buf, len + 1);
	}
	fclose(f);
	return n;
}

static char sorted[MAX_LINES][LINE_MAX_LEN];

/* pypa/packaging's VERSIONS: every adjacent pair, then every pair i < j. */
static void test_packaging_sorted(void **state)
{
	(void)state;
	size_t n = read_lines("packaging-sorted-versions.txt", "#", sorted, MAX_LINES);
	assert_int_equal(n, 92);
	size_t adjacent = 0, pairs = 0;
	for (size_t i = 0; i + 1 < n; i++, adjacent++)
		check_both(sorted[i], sorted[i + 1], -1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(cmp_ok(sorted[i], sorted[i]), 0);
		for (size_t j = i + 1; j < n; j++, pairs++)
			check_both(sorted[i], sorted[j], -1);
	}
	assert_int_equal(adjacent, 91);
	assert_int_equal(pairs, 92 * 91 / 2);
	print_message("packaging VERSIONS: %zu versions, %zu adjacent pairs, %zu ordered pairs passed\n",
		      n, adjacent, pairs);
}

/*
 * Skip list for osv-scanner-pypi-versions.txt: its "legacy versions" section
 * compares strings that are not PEP 440 versions (pypa/packaging dropped
 * LegacyVersion in 22.0 and raises InvalidVersion for them). A strict
 * comparator cannot order them; the test checks instead that each is rejected.
 */
static const char *const osv_legacy_skip[] = {
	"0.1-bulbasaur", "0.1-charmander", "0.9-doduo", "0.9-eevee", "0.9-fearow",
	"0.9-gyarados", "0.9-horsea", "0.9-ivysaur",
	"-class.-jw.util.version.version-pre",
	"-class.-jw.util.version.version-preview",
	"-class.-jw.util.version.version-dev",
};

static bool in_skip_list(const char *v)
{
	for (size_t i = 0; i < sizeof osv_legacy_skip / sizeof osv_legacy_skip[0]; i++)
		if (strcmp(v, osv_legacy_skip[i]) == 0)
			return true;
	return false;
}

static char osv_lines[MAX_LINES][LINE_MAX_LEN];

static void test_osv_fixture(void **state)
{
	(void)state;
	size_t n = read_lines("osv-scanner-pypi-versions.txt", "//", osv_lines, MAX_LINES);
	size_t passed = 0, skipped = 0;
	for (size_t i = 0; i < n; i++) {
		char a[LINE_MAX_LEN], op[8], b[LINE_MAX_LEN], extra[2];
		int k = sscanf(osv_lines[i], "%511s %7s %511s %1s", a, op, b, extra);
		if (k != 3)
			fail_msg("malformed vector line: %s", osv_lines[i]);
		int want = 0;
		if (strcmp(op, "<") == 0)
			want = -1;
		else if (strcmp(op, ">") == 0)
			want = 1;
		else if (strcmp(op, "=") == 0)
			want = 0;
		else
			fail_msg("unknown operator in: %s", osv_lines[i]);
		if (in_skip_list(a) || in_skip_list(b)) {
			/* Skipped: not PEP 440. Whichever side is listed must be rejected. */
			if (in_skip_list(a))
				assert_true(is_invalid(a));
			if (in_skip_list(b))
				assert_true(is_invalid(b));
			skipped++;
			continue;
		}
		check_both(a, b, want);
		passed++;
	}
	assert_int_equal(passed, 26); /* every non-legacy comparison in the fixture */
	assert_int_equal(skipped, 11);
	print_message("osv-scanner pypi fixture: %zu comparisons passed (both directions), %zu skipped\n",
		      passed, skipped);
}

/* pypa/packaging test_normalized_versions and others: spellings that are equal. */
static void test_normalisation(void **state)
{
	(void)state;
	static const char *const eq[][2] = {
		{ "1.0dev", "1.0.dev0" }, { "1.0.dev", "1.0.dev0" }, { "1.0dev1", "1.0.dev1" },
		{ "1.0-dev", "1.0.dev0" }, { "1.0-DEV1", "1.0.dev1" }, { "1.0_dev_1", "1.0.dev1" },
		{ "1.0a", "1.0a0" }, { "1.0.a", "1.0a0" }, { "1.0-a1", "1.0a1" },
		{ "1.0alpha", "1.0a0" }, { "1.0.ALPHA1", "1.0a1" }, { "1.0_alpha_1", "1.0a1" },
		{ "1.0b", "1.0b0" }, { "1.0-beta1", "1.0b1" }, { "1.0BETA", "1.0b0" },
		{ "1.0c", "1.0rc0" }, { "1.0.c1", "1.0rc1" }, { "1.0-RC1", "1.0rc1" },
		{ "1.0pre", "1.0rc0" }, { "1.0-preview2", "1.0rc2" }, { "1.0c1", "1.0rc1" },
		{ "1.0post", "1.0.post0" }, { "1.0-post1", "1.0.post1" }, { "1.0r", "1.0.post0" },
		{ "1.0rev", "1.0.post0" }, { "1.0.r1", "1.0.post1" }, { "1.0-5", "1.0.post5" },
		{ "1.0-r5", "1.0.post5" }, { "1.0-rev5", "1.0.post5" }, { "1.0.post.", "1.0.post0" },
		{ "1.0+AbC", "1.0+abc" }, { "1.0+abc-1_2", "1.0+abc.1.2" }, { "1.0+01", "1.0+1" },
		{ "1.01", "1.1" }, { "1.0a05", "1.0a5" }, { "1.0c056", "1.0rc56" },
		{ "1.0.post000", "1.0.post0" }, { "1.1.dev09000", "1.1.dev9000" },
		{ "00!1.2", "1.2" }, { "0100!0.0", "100!0.0" }, { "0!1.0", "1.0" },
		{ "v1.0", "1.0" }, { "V1.0", "1.0" }, { "   v1.0\t\n", "1.0" },
		{ "1.0", "1.0.0" }, { "1", "1.0.0.0.0" }, { "0", "0.0" }, { "1.0a1", "1.0.0a1" },
		{ "1.0a1.post2.dev3", "1.0A1-POST2-DEV3" }, { "1.0a1-2", "1.0a1.post2" },
	};
	for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++)
		check_both(eq[i][0], eq[i][1], 0);
}

/* Hand-written orderings for the rules the vectors touch lightly. */
static void test_ordering(void **state)
{
	(void)state;
	static const char *const lt[][2] = {
		{ "1.0.dev0", "1.0a0" },            /* dev-only before any pre */
		{ "1.0a1.dev0", "1.0a1" },
		{ "1.0a1", "1.0a1.post0.dev0" },
		{ "1.0a1.post0.dev0", "1.0a1.post0" },
		{ "1.0a9", "1.0b0" },
		{ "1.0b9", "1.0rc0" },
		{ "1.0rc9", "1.0" },
		{ "1.0", "1.0.post0.dev0" },
		{ "1.0.post0", "1.0.0.1" },
		{ "1.0", "1.0+0" },
		{ "1.0+abc", "1.0+abc.0" },          /* a prefix sorts first */
		{ "1.0+z", "1.0+0" },                /* numbers after text */
		{ "1.0+9", "1.0+10" },
		{ "1.0+a10", "1.0+a9" },             /* text compares as text */
		{ "1.0.post1+z", "1.0.post2" },
		{ "9!0", "10!0" },
		{ "1!0.0.dev0", "2!0" },
		{ "1.99999999999999999999", "1.100000000000000000000" },
		{ "18446744073709551615", "18446744073709551616" },
		{ "1.0.dev18446744073709551616", "1.0.dev18446744073709551617" },
		{ "1.2", "1.10" },
	};
	for (size_t i = 0; i < sizeof lt / sizeof lt[0]; i++)
		check_both(lt[i][0], lt[i][1], -1);
}

static void test_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", " ", "v", "1.0-", "a.b", "1..0", "1.0.", ".1.0", ".", "..", "1..2.3",
		"french toast", "1.0+a+", "1.0++", "1.0+_foobar", "1.0+foo&asd", "1.0+1+1",
		"1. 0", "1 .0", "1. 0a1", "1 .0a1", "1.0 a1", "1.0a 1",
		"\xd9\xa0\xd9\xa1\xd9\xa2.\xd9\xa3\xd9\xa4\xd9\xa5.\xd9\xa6\xd9\xa7\xd9\xa8\xd9\xa9",
		"1.0+\xc4\xb0", "1.0+", "1.0+.", "1.0+a.", "1.0+a..b", "!1.0", "1!", "1!!1",
		"1.0a1a1", "1.0.dev1.post1", "1.0.post1a1", "vv1.0", "1.0x",
		"1.0.0-", "1_0", "1-0-0", "1.0.", "0x10", "-1.0", "+1.0", "1.0 +abc",
		"1.0--1", "1.0..dev", "1.0dev..", "1.0.post1.post2", "1.0rc1rc2", "1.0-bulbasaur",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = 99;
		if (kb_vcmp_pep440(bad[i], "1.0", &r) != KB_EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(r, 99);
		assert_int_equal(kb_vcmp_pep440("1.0", bad[i], &r), KB_EINVAL);
		assert_int_equal(r, 99);
	}
	int r;
	assert_int_equal(kb_vcmp_pep440(NULL, "1.0", &r), KB_EINVAL);
	assert_int_equal(kb_vcmp_pep440("1.0", NULL, &r), KB_EINVAL);
	assert_int_equal(kb_vcmp_pep440("1.0", "1.0", NULL), KB_EINVAL);
}

/* The release bound: PEP440_MAX_RELEASE (32) segments parse, 33 do not. */
static void test_limits(void **state)
{
	(void)state;
	char v[KB_VERSION_MAX_LEN + 2];
	size_t k = 0;
	for (int i = 0; i < 32; i++)
		k += (size_t)snprintf(v + k, sizeof v - k, i ? ".%d" : "%d", i % 10);
	assert_int_equal(cmp_ok(v, "0.1.2.3.4.5.6.7.8.9"), 1);
	char w[sizeof v + 4];
	snprintf(w, sizeof w, "%s.1", v);
	int r = 99;
	assert_int_equal(kb_vcmp_pep440(w, "1.0", &r), KB_EINVAL);
	/* Trailing zeros still count towards the bound (they are in the input). */
	snprintf(w, sizeof w, "%s.0", v);
	assert_int_equal(kb_vcmp_pep440(w, "1.0", &r), KB_EINVAL);
	assert_int_equal(r, 99);

	/* Longest input accepted: KB_VERSION_MAX_LEN bytes; one more is a limit. */
	memset(v, '9', KB_VERSION_MAX_LEN);
	v[KB_VERSION_MAX_LEN] = '\0';
	assert_int_equal(cmp_ok(v, "1"), 1);
	v[KB_VERSION_MAX_LEN] = '9';
	v[KB_VERSION_MAX_LEN + 1] = '\0';
	assert_int_equal(kb_vcmp_pep440(v, "1", &r), KB_ELIMIT);
	assert_int_equal(r, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packaging_sorted),
		cmocka_unit_test(test_osv_fixture),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_ordering),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
