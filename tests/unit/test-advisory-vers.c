/*
 * test-advisory-vers.c - version range specifiers (package-url/vers-spec)
 * into range events: the interval shapes, "=" and "!=", exclusive bounds,
 * sorting, the scheme a type implies, free-text comparator lists, the
 * specifiers the rules reject, and the limits. Each parsed range is also
 * evaluated with kb_range_eval() against the vers rules for checking a version.
 */
#include "advisory-vers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static kb_vers *ok(const char *s)
{
	kb_vers *v = NULL;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_vers_is(s) ? kb_vers_parse(s, strlen(s), &v, &err) : kb_vers_parse_text(s, strlen(s), &v, &err);
	if (r != 0)
		fail_msg("%s: %s (%s)", s, kb_err_name(r), err.msg);
	return v;
}

static void bad(const char *s, int code, const char *needle)
{
	kb_vers *v = (kb_vers *)0x1;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_vers_is(s) ? kb_vers_parse(s, strlen(s), &v, &err) : kb_vers_parse_text(s, strlen(s), &v, &err);
	if (r != code)
		fail_msg("%s: expected %s, got %s (%s)", s, kb_err_name(code), kb_err_name(r), err.msg);
	assert_ptr_equal(v, (kb_vers *)0x1);
	if (needle && !strstr(err.msg, needle))
		fail_msg("%s: message \"%s\" lacks \"%s\"", s, err.msg, needle);
}

/* Is `ver` in the set: in the events or exact versions, and not excluded? */
static bool in(const kb_vers *v, const char *ver)
{
	kb_range rg = { KB_RANGE_ECOSYSTEM, v->events, v->n_events };
	kb_affected a = { v->scheme, &rg, v->n_events ? 1 : 0, v->exact, v->n_exact };
	kb_range_verdict out;
	kb_error err;
	if (kb_range_eval(&a, ver, &out, &err) != 0)
		fail_msg("eval %s: %s", ver, err.msg);
	for (size_t i = 0; i < v->n_excluded; i++) {
		int d = 1;
		if (kb_version_cmp(v->scheme, ver, v->excluded[i], &d) == 0 && d == 0)
			return false;
	}
	return out.affected;
}

static void expect_events(const kb_vers *v, const char *want)
{
	char got[512] = "";
	for (size_t i = 0; i < v->n_events; i++) {
		static const char *const k[] = { "introduced", "fixed", "last_affected", "limit" };
		char one[128];
		snprintf(one, sizeof one, "%s%s=%s", i ? " " : "", k[v->events[i].kind], v->events[i].version);
		strncat(got, one, sizeof got - strlen(got) - 1);
	}
	if (strcmp(got, want) != 0)
		fail_msg("events \"%s\", expected \"%s\"", got, want);
}

static void test_intervals(void **state)
{
	(void)state;
	kb_vers *v = ok("vers:npm/>=1.0.0|<2.0.0");
	assert_string_equal(v->type, "npm");
	assert_int_equal(v->scheme, KB_VS_SEMVER);
	assert_false(v->by_content);
	expect_events(v, "introduced=1.0.0 fixed=2.0.0");
	assert_false(in(v, "0.9.9"));
	assert_true(in(v, "1.0.0"));
	assert_true(in(v, "1.9.9-rc.1"));
	assert_false(in(v, "2.0.0"));
	kb_vers_free(v);

	/* the spec's example: one version, or 2.0.0 up to 5.0.0 */
	v = ok("vers:npm/1.2.3|>=2.0.0|<5.0.0");
	expect_events(v, "introduced=2.0.0 fixed=5.0.0");
	assert_int_equal(v->n_exact, 1);
	assert_string_equal(v->exact[0], "1.2.3");
	assert_true(in(v, "1.2.3"));
	assert_false(in(v, "1.2.4"));
	assert_true(in(v, "4.9.0"));
	kb_vers_free(v);

	/* from the beginning; and last_affected */
	v = ok("vers:maven/<=2.14.1");
	assert_int_equal(v->scheme, KB_VS_MAVEN);
	expect_events(v, "introduced=0 last_affected=2.14.1");
	assert_true(in(v, "2.0-beta9"));
	assert_true(in(v, "2.14.1"));
	assert_false(in(v, "2.15.0"));
	kb_vers_free(v);

	/* several intervals, one open above, given out of order */
	v = ok("vers:intdot/>=17.5.0|<17.5.1.3|>=21.0|>=17.1.0|<17.1.3");
	assert_int_equal(v->scheme, KB_VS_INTDOT);
	assert_false(v->by_content);
	expect_events(v, "introduced=17.1.0 fixed=17.1.3 introduced=17.5.0 fixed=17.5.1.3 introduced=21.0");
	assert_true(in(v, "17.1.1.3"));
	assert_false(in(v, "17.1.3.0"));
	assert_false(in(v, "17.2"));
	assert_true(in(v, "17.5.1"));
	assert_true(in(v, "22.1"));
	kb_vers_free(v);

	/* "*" is every version */
	v = ok("vers:all/*");
	assert_true(v->by_content);
	expect_events(v, "introduced=0");
	assert_true(in(v, "1.0"));
	kb_vers_free(v);

	/* blanks are ignored, empty constraints skipped, versions percent-decoded */
	v = ok("vers: rpm / >= 1.0 || < 1.1%7e2 |");
	assert_int_equal(v->scheme, KB_VS_RPM);
	expect_events(v, "introduced=1.0 fixed=1.1~2");
	kb_vers_free(v);
	/* sorted in the scheme's order: in RPM, 1.0~2 comes before 1.0 */
	v = ok("vers:rpm/>=1.0|<1.0%7E2");
	expect_events(v, "introduced=0 fixed=1.0~2 introduced=1.0");
	kb_vers_free(v);
}

static void test_exclusions(void **state)
{
	(void)state;
	/* ">" leaves its version out; "!=" inside the set too */
	kb_vers *v = ok("vers:pypi/>1.0|<2.0|!=1.5|!=3.0");
	assert_int_equal(v->scheme, KB_VS_PEP440);
	expect_events(v, "introduced=1.0 fixed=2.0");
	assert_int_equal(v->n_excluded, 2); /* 3.0 is outside: dropped */
	assert_string_equal(v->excluded[0], "1.0");
	assert_string_equal(v->excluded[1], "1.5");
	assert_false(in(v, "1.0"));
	assert_true(in(v, "1.0.1"));
	assert_false(in(v, "1.5"));
	assert_true(in(v, "1.6"));
	kb_vers_free(v);

	/* only "!=": everything but those */
	v = ok("vers:deb/!=1.0-1|!=2.0-1");
	expect_events(v, "introduced=0");
	assert_int_equal(v->n_excluded, 2);
	assert_false(in(v, "1.0-1"));
	assert_true(in(v, "1.0-2"));
	kb_vers_free(v);

	/* several intervals with an exclusion and a closed upper bound */
	v = ok("vers:intdot/>=5.0|<5.5.2|!=5.2.1|>=6.0|<=6.1");
	expect_events(v, "introduced=5.0 fixed=5.5.2 introduced=6.0 last_affected=6.1");
	assert_int_equal(v->n_excluded, 1);
	assert_false(in(v, "5.2.1"));
	assert_true(in(v, "5.2.1.1"));
	assert_true(in(v, "6.1"));
	assert_false(in(v, "6.1.1"));
	kb_vers_free(v);
}

static void test_schemes(void **state)
{
	(void)state;
	kb_vers *v = ok("vers:generic/>=1.0|<2.0");
	assert_true(v->by_content);
	assert_int_equal(v->scheme, KB_VS_INTDOT); /* dotted numbers: 1.0 == 1.0.0 */
	kb_vers_free(v);
	v = ok("vers:generic/>=1.0a|<2.0");
	assert_int_equal(v->scheme, KB_VS_GENERIC);
	kb_vers_free(v);
	v = ok("vers:acme-firmware/>=V2.1|<V2.9.2");
	assert_true(v->by_content);
	assert_int_equal(v->scheme, KB_VS_INTDOT);
	kb_vers_free(v);
	v = ok("vers:golang/<v1.2.3");
	assert_int_equal(v->scheme, KB_VS_SEMVER);
	kb_vers_free(v);
	v = ok("vers:apk/<1.2.3-r4");
	assert_int_equal(v->scheme, KB_VS_ALPINE);
	kb_vers_free(v);
	v = ok("vers:semver/<1.2.3");
	assert_int_equal(v->scheme, KB_VS_SEMVER);
	assert_false(v->by_content);
	kb_vers_free(v);
	v = ok("vers:NPM/<1.2.3");
	assert_string_equal(v->type, "npm");
	kb_vers_free(v);
}

static void test_text(void **state)
{
	(void)state;
	kb_vers *v = ok("< 17.1.3");
	assert_string_equal(v->type, "generic");
	assert_int_equal(v->scheme, KB_VS_INTDOT);
	expect_events(v, "introduced=0 fixed=17.1.3");
	kb_vers_free(v);
	v = ok(">=2.0, <2.5; == 3.0");
	expect_events(v, "introduced=2.0 fixed=2.5");
	assert_int_equal(v->n_exact, 1);
	assert_string_equal(v->exact[0], "3.0");
	kb_vers_free(v);
	v = ok("<=4.2 != 4.1");
	expect_events(v, "introduced=0 last_affected=4.2");
	assert_int_equal(v->n_excluded, 1);
	kb_vers_free(v);
	v = ok(">= V3.1 < V4.1.0");
	expect_events(v, "introduced=V3.1 fixed=V4.1.0");
	kb_vers_free(v);

	bad("17.x", KB_EINVAL, "comparator");
	bad("17.1.0", KB_EINVAL, "comparator"); /* a bare version is no range */
	bad("all versions before 17.1.3", KB_EINVAL, "comparator");
	bad("< 17.x and later", KB_EINVAL, NULL);
	bad("<= latest", KB_EINVAL, "digit");
	bad("=< 1.0", KB_EINVAL, "comparator");
	bad(">1.0*", KB_EINVAL, NULL);
	bad("", KB_EINVAL, "none");
	bad(">=2.0 >=3.0", KB_EINVAL, "cannot follow");
}

static void test_rejected(void **state)
{
	(void)state;
	kb_vers *v;
	kb_error err;
	assert_int_equal(kb_vers_parse("npm/1.0.0", 9, &v, &err), KB_EINVAL);
	assert_non_null(strstr(err.msg, "vers:"));
	bad("vers:/1.0", KB_EINVAL, "versioning scheme");
	bad("vers:npm", KB_EINVAL, "versioning scheme");
	bad("vers:n?m/1.0.0", KB_EINVAL, "letters");
	bad("vers:npm/", KB_EINVAL, "at least one constraint");
	bad("vers:npm/||", KB_EINVAL, "at least one constraint");
	bad("vers:npm/*|1.0.0", KB_EINVAL, "stand alone");
	bad("vers:npm/>=", KB_EINVAL, "expected a version");
	bad("vers:npm/1.0%zz", KB_EINVAL, "percent");
	bad("vers:npm/1.0%00", KB_EINVAL, "percent");
	bad("vers:npm/>=<1.0.0", KB_EINVAL, "comparator inside");
	bad("vers:npm/1.0", KB_EINVAL, "not a valid semver version");
	bad("vers:npm/>=1.0.0|<=1.0.0", KB_EINVAL, "in two constraints");
	bad("vers:npm/>=1.0.0|>=2.0.0", KB_EINVAL, "cannot follow");
	bad("vers:npm/<1.0.0|<2.0.0", KB_EINVAL, "cannot follow");
	bad("vers:npm/1.0.0|<2.0.0", KB_EINVAL, "cannot follow");
	bad("vers:npm/>1.0.0|2.0.0", KB_EINVAL, "cannot follow");
	assert_int_equal(kb_vers_parse("vers:npm/1.0.0\0x", 16, &v, &err), KB_EINVAL);
	assert_true(kb_vers_is("  vers:npm/1.0.0"));
	assert_false(kb_vers_is("version 1.0"));
	assert_false(kb_vers_is(NULL));
	assert_null(kb_vers_free(NULL));
}

static void test_limits(void **state)
{
	(void)state;
	/* KB_VERS_MAX_LEN: the string, vers or free text */
	char *s = malloc(KB_VERS_MAX_LEN + 2);
	assert_non_null(s);
	memset(s, '1', KB_VERS_MAX_LEN + 1);
	memcpy(s, "vers:generic/", 13);
	s[KB_VERS_MAX_LEN + 1] = '\0';
	bad(s, KB_ELIMIT, "limit of 4096");
	s[KB_VERS_MAX_LEN] = '\0'; /* at the limit: too long a version instead */
	bad(s, KB_ELIMIT, "limit of 256");
	memset(s, ' ', KB_VERS_MAX_LEN + 1);
	s[0] = '<', s[1] = '1';
	bad(s, KB_ELIMIT, "limit of 4096");
	s[KB_VERS_MAX_LEN] = '\0';
	kb_vers *v = ok(s);
	kb_vers_free(v);
	free(s);

	/* KB_VERS_MAX_CONSTRAINTS: 128 constraints read, 129 do not */
	char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof buf, "vers:intdot/");
	for (int i = 0; i < KB_VERS_MAX_CONSTRAINTS; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s1.%d", i ? "|" : "", i);
	v = ok(buf);
	assert_int_equal(v->n_exact, KB_VERS_MAX_CONSTRAINTS);
	kb_vers_free(v);
	snprintf(buf + n, sizeof buf - n, "|2.0");
	bad(buf, KB_ELIMIT, "limit of 128");

	/* KB_VERSION_MAX_LEN: a version no scheme would compare */
	char longv[300] = "vers:maven/<";
	memset(longv + 12, '7', 257);
	longv[269] = '\0';
	bad(longv, KB_ELIMIT, "limit of 256");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intervals), cmocka_unit_test(test_exclusions), cmocka_unit_test(test_schemes),
		cmocka_unit_test(test_text),      cmocka_unit_test(test_rejected),   cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
