/* test-version-alpine.c - apk-tools ordering against univers' 716 cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "version-internal.h"

static int cmp(const char *a, const char *b)
{
	int r = 99;
	assert_int_equal(kb_vcmp_alpine(a, b, &r), 0);
	return r < 0 ? -1 : r > 0 ? 1 : 0;
}

static void check(const char *a, const char *b, int want)
{
	int g1 = cmp(a, b), g2 = cmp(b, a);
	if (g1 != want || g2 != -want)
		fail_msg("%s vs %s: want %d got %d/%d", a, b, want, g1, g2);
}

static void test_vectors(void **state)
{
	json_error_t err;
	json_t *root = json_load_file(KB_TEST_VECTORS "/versions/alpine/alpine_version_cmp.json", 0, &err);
	size_t i, n = 0;
	(void)state;
	assert_non_null(root);
	assert_true(json_is_array(root));
	for (i = 0; i < json_array_size(root); i++) {
		json_t *c = json_array_get(root, i);
		const char *type = json_string_value(json_object_get(c, "test_type"));
		json_t *vs = json_object_get(json_object_get(c, "input"), "versions");
		json_t *exp = json_object_get(c, "expected_output");
		const char *a = json_string_value(json_array_get(vs, 0));
		const char *b = json_string_value(json_array_get(vs, 1));
		assert_non_null(type);
		assert_non_null(a);
		assert_non_null(b);
		if (strcmp(type, "equality") == 0) {
			check(a, b, json_is_true(exp) ? 0 : 1);
		} else {
			const char *lo = json_string_value(json_array_get(exp, 0));
			assert_non_null(lo);
			if (strcmp(a, b) == 0)
				check(a, b, 0);
			else
				check(a, b, strcmp(lo, a) == 0 ? -1 : 1);
		}
		n++;
	}
	json_decref(root);
	assert_true(n >= 716);
}

static void test_hand(void **state)
{
	(void)state;
	check("1.0_alpha", "1.0_beta", -1);
	check("1.1_rc1", "1.1", -1);
	/* apk 2.x quirk kept on purpose: after a zero-only part the next token
	 * is a phantom number, so "1.0_rc1" sorts after "1.0". */
	check("1.0_rc1", "1.0", 1);
	check("1.0", "1.0_cvs", -1);
	check("1.0_git", "1.0_hg", -1);
	check("1.0_hg", "1.0_p1", -1);
	check("1.0-r1", "1.0-r2", -1);
	check("1.01", "1.1", -1);   /* leading zero: fraction-like */
	check("1.001", "1.01", -1);
	check("1.0a", "1.0", 1);
	check("1.2.3", "1.2.3", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
