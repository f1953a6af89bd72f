/*
 * test-cpe.c - CPE names: both forms, escapes, wildcards, errors, the limit.
 */
#include "koban/cpe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void test_forms(void **state)
{
	(void)state;
	kb_cpe c;
	assert_int_equal(kb_cpe_parse("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", &c, NULL), 0);
	assert_int_equal(c.part, 'a');
	assert_string_equal(c.vendor, "apache");
	assert_string_equal(c.product, "log4j");
	assert_string_equal(c.version, "2.14.1");
	assert_true(kb_cpe_specific(&c));
	assert_int_equal(kb_cpe_parse("cpe:/h:F5:BIG-IP%20i4800:15.1", &c, NULL), 0);
	assert_int_equal(c.part, 'h');
	assert_string_equal(c.vendor, "f5");
	assert_string_equal(c.product, "big-ip i4800");
	assert_string_equal(c.version, "15.1");
	/* formatted-string escapes: "\:" is part of the value */
	assert_int_equal(kb_cpe_parse("cpe:2.3:a:acme:widget\\:pro:1\\.0:*:*:*:*:*:*:*", &c, NULL), 0);
	assert_string_equal(c.product, "widget:pro");
	assert_string_equal(c.version, "1.0");
	/* a URI may stop early: missing parts are wildcards */
	assert_int_equal(kb_cpe_parse("cpe:/a:acme", &c, NULL), 0);
	assert_string_equal(c.vendor, "acme");
	assert_string_equal(c.product, "");
	assert_false(kb_cpe_specific(&c));
}

static void test_wildcards(void **state)
{
	(void)state;
	kb_cpe c;
	assert_int_equal(kb_cpe_parse("cpe:2.3:a:*:*:*:*:*:*:*:*:*:*", &c, NULL), 0);
	assert_false(kb_cpe_specific(&c));
	assert_int_equal(kb_cpe_parse("cpe:2.3:a:acme:-:1.0:*:*:*:*:*:*:*", &c, NULL), 0);
	assert_false(kb_cpe_specific(&c));
	assert_int_equal(kb_cpe_parse("cpe:2.3:*:acme:x:*:*:*:*:*:*:*:*", &c, NULL), 0);
	assert_int_equal(c.part, 0);
	assert_string_equal(c.version, "");
}

static void test_errors(void **state)
{
	(void)state;
	kb_cpe c;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_cpe_parse("pkg:maven/a/b@1", &c, &err), KB_EINVAL);
	assert_non_null(strstr(err.msg, "expected a CPE name"));
	assert_int_equal(kb_cpe_parse("cpe:2.3:x:a:b:1", &c, &err), KB_EINVAL);
	assert_non_null(strstr(err.msg, "expected part a, o or h"));
	assert_int_equal(kb_cpe_parse("cpe:2.3:a:a:b\\", &c, &err), KB_EINVAL);
	assert_int_equal(err.offset, 14);
	assert_int_equal(kb_cpe_parse("cpe:/a:a%2:b", &c, &err), KB_EINVAL);
	assert_int_equal(kb_cpe_parse(NULL, &c, NULL), KB_EINVAL);
}

static void test_limit(void **state)
{
	(void)state;
	char s[512], v[KB_CPE_MAX_PART + 2];
	kb_cpe c;
	memset(v, 'v', KB_CPE_MAX_PART);
	v[KB_CPE_MAX_PART] = '\0';
	snprintf(s, sizeof s, "cpe:2.3:a:%s:p:1:*:*:*:*:*:*:*", v);
	assert_int_equal(kb_cpe_parse(s, &c, NULL), 0);
	assert_int_equal(strlen(c.vendor), KB_CPE_MAX_PART);
	v[KB_CPE_MAX_PART] = 'v';
	v[KB_CPE_MAX_PART + 1] = '\0';
	snprintf(s, sizeof s, "cpe:2.3:a:%s:p:1:*:*:*:*:*:*:*", v);
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_cpe_parse(s, &c, &err), KB_ELIMIT);
	assert_non_null(strstr(err.msg, "longer than 128 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
