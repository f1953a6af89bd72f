/* test-version-rpm.c - rpmvercmp ordering against rpm's own test vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "version-internal.h"

static int cmp(const char *a, const char *b)
{
	int r = 99;
	assert_int_equal(kb_vcmp_rpm(a, b, &r), 0);
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
	FILE *f = fopen(KB_TEST_VECTORS "/versions/rpm/rpmvercmp.at", "r");
	char line[1024], a[300], b[300];
	int res, n = 0;
	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "RPMVERCMP(", 10) != 0)
			continue;
		if (sscanf(line + 10, "%299[^,], %299[^,], %d)", a, b, &res) != 3)
			fail_msg("bad line %s", line);
		check(a, b, res);
		n++;
	}
	fclose(f);
	assert_true(n >= 69);
}

static void test_hand(void **state)
{
	(void)state;
	check("1.0^", "1.0", 1);
	check("1.0^git1", "1.0.1", -1);
	check("1.0~rc1^git1", "1.0~rc1", 1);
	check("1:1.0-1", "2.0-1", 1);
	check("1.0-1.el8", "1.0-2.el8", -1);
	check("1.0", "1.0-5", -1); /* a missing release compares as "" */
	check("1.0-1", "1.0-1.1", -1);
	check("", "", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
