/*
 * test-version-maven.c - kb_vcmp_maven() (src/lib/version-maven.c): every
 * comparison in the public vector files under KB_TEST_VECTORS
 * "/versions/maven/", each with an exact case count: maven-versions.txt
 * (osv-scanner format: "a < b", "a = b", "a > b" per line, blank lines, "//"
 * and "#" comments) and univers' maven_version_cmp.json (977 cases built from
 * Maven's ComparableVersionTest), every comparison checked both ways (sources
 * in SOURCE.md); plus hand-written cases (log4j ranges, qualifier order,
 * trimming).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/koban.h"
#include "version-internal.h"

#define VEC_DIR KB_TEST_VECTORS "/versions/maven/"
#define TXT_CASES 101   /* maven-versions.txt: 102 comparisons, one skipped */
#define TXT_SKIPPED 1
#define UNIVERS_JSON VEC_DIR "maven_version_cmp.json"
#define UNIVERS_CASES 977 /* entries in maven_version_cmp.json */

/* Vector lines we do not satisfy, with the reason. Keep short. */
static const char *const skip_lines[] = {
	/* From the Maven POM docs' prose. ComparableVersion 3.x parses "1-ga-1"
	 * as [1, [[1]]] (the "" is trimmed before the nested list) and "1-1" as
	 * [1, [1]]; list < int, so "1-ga-1" < "1-1". We follow the code. */
	"1-1 = 1-ga-1",
	NULL,
};

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static int cmp(const char *a, const char *b)
{
	int r = 12345;
	assert_int_equal(kb_vcmp_maven(a, b, &r), 0);
	assert_int_not_equal(r, 12345);
	return sign(r);
}

/* a OP b, and b against a gives the opposite; 0 if not (after printing). */
static int check(const char *a, int want, const char *b)
{
	int ab = cmp(a, b), ba = cmp(b, a);
	if (ab == want && ba == -want)
		return 1;
	print_error("maven: %s vs %s: got %d/%d, want %d\n", a, b, ab, ba, want);
	return 0;
}

static void expect(const char *a, int want, const char *b)
{
	if (!check(a, want, b))
		fail();
}

static int is_skipped(const char *line)
{
	for (size_t i = 0; skip_lines[i]; i++)
		if (strcmp(skip_lines[i], line) == 0)
			return 1;
	return 0;
}

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Returns the number of comparisons checked; *skipped counts skip-list hits. */
static size_t run_file(const char *path, size_t *skipped, size_t *failed)
{
	char line[1024];
	size_t n = 0, lineno = 0;
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		static const char *const ops[] = {" < ", " = ", " > "};
		static const int wants[] = {-1, 0, 1};
		char *s = trim(line), *op = NULL;
		int want = 0;
		lineno++;
		if (*s == '\0' || *s == '#' || (s[0] == '/' && s[1] == '/'))
			continue;
		if (is_skipped(s)) {
			(*skipped)++;
			continue;
		}
		for (size_t i = 0; i < 3 && !op; i++)
			if ((op = strstr(s, ops[i])) != NULL)
				want = wants[i];
		if (!op)
			fail_msg("%s:%zu: cannot parse: %s", path, lineno, s);
		*op = '\0';
		if (!check(trim(s), want, trim(op + 3)))
			(*failed)++;
		n++;
	}
	fclose(f);
	return n;
}

static void test_vectors(void **state)
{
	size_t total, skipped = 0, failed = 0;
	(void)state;

	total = run_file(VEC_DIR "maven-versions.txt", &skipped, &failed);
	print_message("maven vectors: maven-versions.txt: %zu comparisons, %zu failed, %zu skipped\n",
		      total, failed, skipped);
	assert_int_equal(failed, 0);
	assert_int_equal(total, TXT_CASES);
	assert_int_equal(skipped, TXT_SKIPPED);
}

/* Pairs from maven_version_cmp.json we do not satisfy, "lower|higher" (or
 * "a|b" for equalities), each with its reason. Keep short. None so far: all
 * 977 cases agree with ComparableVersion 3.5 - 3.8, which koban follows. */
static const char *const skip_pairs[] = {
	NULL,
};

static int is_skipped_pair(const char *a, const char *b)
{
	char key[2 * KB_VERSION_MAX_LEN + 2];
	snprintf(key, sizeof(key), "%s|%s", a, b);
	for (size_t i = 0; skip_pairs[i]; i++)
		if (strcmp(skip_pairs[i], key) == 0)
			return 1;
	return 0;
}

/* univers format: a list of {"test_type": "comparison", "input": {"versions":
 * [...]}, "expected_output": [sorted]} or {"test_type": "equality", ...,
 * "expected_output": true}. Every pair implied is checked both ways: each
 * earlier sorted version below each later one; equal versions all equal. */
static void test_univers_json(void **state)
{
	json_error_t err;
	json_t *root = json_load_file(UNIVERS_JSON, 0, &err);
	size_t cases = 0, pairs = 0, failed = 0, skipped = 0;
	(void)state;

	if (!root)
		fail_msg("%s:%d: %s", UNIVERS_JSON, err.line, err.text);
	assert_true(json_is_array(root));
	for (size_t i = 0; i < json_array_size(root); i++) {
		json_t *c = json_array_get(root, i);
		const char *type = json_string_value(json_object_get(c, "test_type"));
		json_t *in = json_object_get(json_object_get(c, "input"), "versions");
		json_t *exp = json_object_get(c, "expected_output");
		json_t *list;
		int want;

		assert_non_null(type);
		assert_true(json_is_array(in));
		assert_true(json_array_size(in) >= 2);
		if (strcmp(type, "equality") == 0) {
			assert_true(json_is_true(exp)); /* the file holds no "not equal" cases */
			list = in;
			want = 0;
		} else {
			assert_string_equal(type, "comparison");
			assert_true(json_is_array(exp));
			assert_int_equal(json_array_size(exp), json_array_size(in));
			list = exp;
			want = -1;
		}
		for (size_t x = 0; x < json_array_size(list); x++)
			for (size_t y = x + 1; y < json_array_size(list); y++) {
				const char *a = json_string_value(json_array_get(list, x));
				const char *b = json_string_value(json_array_get(list, y));
				assert_non_null(a);
				assert_non_null(b);
				if (is_skipped_pair(a, b)) {
					skipped++;
					continue;
				}
				if (!check(a, want, b))
					failed++;
				pairs++;
			}
		cases++;
	}
	json_decref(root);
	print_message("maven univers json: %zu cases, %zu pairs, %zu failed, %zu skipped\n", cases,
		      pairs, failed, skipped);
	assert_int_equal(failed, 0);
	assert_int_equal(cases, UNIVERS_CASES);
}

static void test_log4j(void **state)
{
	(void)state;
	expect("2.14.1", -1, "2.15.0");
	expect("2.4", 0, "2.4.0");
	expect("2.4", 0, "2.4-final");
	expect("2.4", 0, "2.4.0-ga");
	expect("2.0-beta9", -1, "2.0-rc1");
	expect("2.0-rc1", -1, "2.0");
	expect("2.0", -1, "2.0.1");
	expect("2.0-beta9", -1, "2.0");
	expect("2.12.2", -1, "2.12.4");
	expect("2.12.4", -1, "2.13.0");
	expect("2.16.0", -1, "2.17.1");
	expect("2.3.1", -1, "2.3.2");
}

static void test_qualifier_order(void **state)
{
	static const char *const order[] = {
		"1-alpha", "1-alpha1", "1-alpha-2", "1-beta", "1-b3", "1-milestone", "1-m2", "1-rc",
		"1-cr2",   "1-snapshot", "1",       "1-sp",   "1-sp1", "1-abc",   "1-xyz", "1-1",
		"1.1",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			expect(order[i], i < j ? -1 : i > j ? 1 : 0, order[j]);
}

static void test_misc(void **state)
{
	(void)state;
	expect("1.0-SNAPSHOT", 0, "1-snapshot");
	expect("1.0.0.Final", 0, "1");
	expect("1.0.RELEASE", 0, "1.0");
	expect("1.0", 0, "1.0.0.0.0");
	expect("", 0, "0");
	expect("", 0, "");
	expect("", -1, "1");
	expect("-", 0, "0");
	expect(".", 0, "");
	expect("99999999999999999999999", -1, "100000000000000000000000");
	expect("0000000000000000000000001", 0, "1");
	expect("1.2.3-20240101.123456-1", 1, "1.2.3"); /* numbers after '-' follow the release */
	expect("1.2.3-SNAPSHOT", -1, "1.2.3");
	expect("5.3.0.RC1", -1, "5.3.0");
	expect("5.3.0.M1", -1, "5.3.0.RC1");
}

static void test_limits(void **state)
{
	char big[KB_VERSION_MAX_LEN + 2];
	char alt[KB_VERSION_MAX_LEN + 1];
	int r = 0;
	(void)state;
	/* Worst-case node counts at the limit: alternating digits and letters. */
	for (size_t i = 0; i < KB_VERSION_MAX_LEN; i++)
		alt[i] = (i % 2) ? 'a' : '1';
	alt[KB_VERSION_MAX_LEN] = '\0';
	assert_int_equal(kb_vcmp_maven(alt, alt, &r), 0);
	assert_int_equal(r, 0);
	for (size_t i = 0; i < KB_VERSION_MAX_LEN; i++)
		alt[i] = (i % 2) ? '-' : '.';
	assert_int_equal(kb_vcmp_maven(alt, "0", &r), 0);
	assert_int_equal(r, 0);
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(kb_vcmp_maven(big, "1", &r), KB_ELIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_univers_json),
		cmocka_unit_test(test_log4j),
		cmocka_unit_test(test_qualifier_order),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
