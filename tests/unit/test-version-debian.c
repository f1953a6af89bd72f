/* test-version-debian.c - dpkg ordering: public vectors, hand cases, and a
 * differential run against the real `dpkg --compare-versions`. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "version-internal.h"

#define DIR KB_TEST_VECTORS "/versions/debian/"

static int cmp(const char *a, const char *b)
{
	int r = 99;
	assert_int_equal(kb_vcmp_debian(a, b, &r), 0);
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
	FILE *f = fopen(DIR "dpkg_version_cases.txt", "r");
	char line[1024], a[300], b[300];
	int res, n = 0;
	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%299s %299s %d", a, b, &res) != 3)
			continue;
		check(a, b, res);
		n++;
	}
	fclose(f);
	assert_true(n >= 44);
}

static void test_hand(void **state)
{
	(void)state;
	/* F5-style dotted numbers: dpkg says 17.5.1 < 17.5.1.0; vendor
	 * numbering wants them equal, which is what KB_VS_INTDOT is for. */
	check("17.5.1", "17.5.1.0", -1);
	/* Debian's log4j 1.2 backport: a revision makes it newer. */
	check("1.2.17-11", "1.2.17", 1);
	check("1:1.0", "2.0", 1);
	check("1.0~rc1", "1.0", -1);
	check("1.0~~", "1.0~", -1);
	check("", "", 0);
	check("0:", "", 0);
	check("1.2-3-4", "1.2-3-5", -1);
	check("1.0+b1", "1.0", 1);
	check("00000000000000000000000001", "2", -1);
}

/* Tiny fixed-seed PRNG so the run is reproducible. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void gen_part(char *out, size_t *len, int first_digit)
{
	static const char cs[] = "0123456789000abcxyzAZ.+~~.";
	unsigned k = 1 + rnd(6), i;
	if (first_digit)
		out[(*len)++] = (char)('0' + rnd(10));
	for (i = 0; i < k; i++)
		out[(*len)++] = cs[rnd(sizeof cs - 1)];
}

static void gen(char *out)
{
	size_t len = 0;
	if (rnd(4) == 0)
		len += (size_t)sprintf(out, "%u:", rnd(3));
	gen_part(out, &len, 1);
	if (rnd(2)) {
		out[len++] = '-';
		gen_part(out, &len, 0);
		if (rnd(4) == 0) {
			out[len++] = '-';
			gen_part(out, &len, 1);
		}
	}
	out[len] = 0;
}

static void test_differential(void **state)
{
	enum { N = 3000 };
	static char va[N][64], vb[N][64];
	char tmpl[] = "/tmp/kb-dpkg-XXXXXX", cmd[256], line[32];
	FILE *f, *p;
	int fd, i, mismatches = 0;
	(void)state;

	if (system("command -v dpkg >/dev/null 2>&1") != 0) {
		skip();
		return;
	}
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (i = 0; i < N; i++) {
		gen(va[i]);
		if (rnd(5) == 0)
			strcpy(vb[i], va[i]);
		else
			gen(vb[i]);
		fprintf(f, "%s %s\n", va[i], vb[i]);
	}
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\" 2>/dev/null; then echo lt; "
		 "elif dpkg --compare-versions \"$a\" eq \"$b\" 2>/dev/null; then echo eq; else echo gt; fi; done < %s",
		 tmpl);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (i = 0; i < N && fgets(line, sizeof line, p); i++) {
		int want = line[0] == 'l' ? -1 : line[0] == 'e' ? 0 : 1;
		int got = cmp(va[i], vb[i]);
		if (got != want) {
			if (mismatches < 10)
				print_message("mismatch: %s %s dpkg=%d koban=%d\n", va[i], vb[i], want, got);
			mismatches++;
		}
	}
	pclose(p);
	unlink(tmpl);
	assert_int_equal(i, N);
	assert_int_equal(mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_hand),
		cmocka_unit_test(test_differential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
