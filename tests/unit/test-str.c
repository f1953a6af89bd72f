/*
 * test-str.c - string helpers (src/lib/util-str.h): trimming, case-insensitive
 * comparison, emptiness, header folding and list normalisation.
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
#include "util-str.h"

static void check_trim(const char *in, size_t want_skip, size_t want_len)
{
	size_t len = 12345;
	const char *t = kb_str_trim(in, &len);
	assert_ptr_equal(t, in + want_skip);
	assert_int_equal(len, want_len);
	/* Also without a length pointer. */
	assert_ptr_equal(kb_str_trim(in, NULL), in + want_skip);
}

static void test_trim(void **state)
{
	(void)state;
	check_trim("abc", 0, 3);
	check_trim("  abc  ", 2, 3);
	check_trim("\t\r\n abc def \n", 4, 7);
	check_trim("", 0, 0);
	check_trim("   ", 3, 0);
	check_trim(" \t\n", 3, 0);
	check_trim("x", 0, 1);
	check_trim(" x", 1, 1);
	check_trim("x ", 0, 1);

	/* The input is not modified. */
	char buf[] = "  keep me  ";
	size_t len;
	const char *t = kb_str_trim(buf, &len);
	assert_string_equal(buf, "  keep me  ");
	assert_memory_equal(t, "keep me", len);
	assert_int_equal(len, 7);
}

static void test_ieq(void **state)
{
	(void)state;
	assert_true(kb_str_ieq("abc", "abc"));
	assert_true(kb_str_ieq("ABC", "abc"));
	assert_true(kb_str_ieq("MgMt", "mgmt"));
	assert_true(kb_str_ieq("", ""));
	assert_false(kb_str_ieq("abc", "abd"));
	assert_false(kb_str_ieq("a", "ab"));
	assert_false(kb_str_ieq("ab", "a"));
	assert_false(kb_str_ieq(" a", "a"));
	assert_false(kb_str_ieq(NULL, "a"));
	assert_false(kb_str_ieq("a", NULL));
	assert_false(kb_str_ieq(NULL, NULL));
}

static void test_empty(void **state)
{
	(void)state;
	assert_true(kb_str_empty(NULL));
	assert_true(kb_str_empty(""));
	assert_true(kb_str_empty(" "));
	assert_true(kb_str_empty(" \t\r\n\v\f"));
	assert_false(kb_str_empty("x"));
	assert_false(kb_str_empty("  x  "));
	assert_false(kb_str_empty("0"));
}

static void test_strndup(void **state)
{
	(void)state;
	char *p = kb_strndup("abcdef", 3);
	assert_non_null(p);
	assert_string_equal(p, "abc");
	free(p);
	p = kb_strndup("abc", 0);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	/* Copies exactly n bytes even across a NUL. */
	p = kb_strndup("a\0b", 3);
	assert_non_null(p);
	assert_memory_equal(p, "a\0b", 4);
	free(p);
}

static void check_fold(const char *in, const char *want)
{
	char *out = (char *)0x1;
	assert_int_equal(kb_str_fold_header(in, &out), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_fold_header(void **state)
{
	(void)state;
	check_fold("Business Owner", "business_owner");
	check_fold("  Tech-Owner  ", "tech_owner");
	check_fold("\xEF\xBB\xBFName", "name");
	check_fold("\xEF\xBB\xBF" "Business Owner", "business_owner");
	check_fold("IP Address (mgmt)", "ip_address_mgmt");
	check_fold("business-owner", "business_owner");
	check_fold("business_owner", "business_owner");
	check_fold("BUSINESS__OWNER", "business_owner");
	check_fold("Business Owner(s)", "business_owner_s");
	check_fold("__name__", "name");
	check_fold("Software Version 2", "software_version_2");
	check_fold("a.b/c\\d", "a_b_c_d");
	check_fold("", "");
	check_fold("   ", "");
	check_fold("---", "");
	check_fold("x", "x");
	/* Only a whole BOM is skipped; short prefixes of one are not read past. */
	check_fold("\xEF", "");
	check_fold("\xEF\xBB", "");
	check_fold("\xEF" "a", "a");
}

static void check_list(const char *in, bool upper, const char *want)
{
	char *out = (char *)0x1;
	assert_int_equal(kb_str_normalize_list(in, upper, &out), 0);
	if (want == NULL) {
		assert_null(out);
	} else {
		assert_non_null(out);
		assert_string_equal(out, want);
		free(out);
	}
}

static void test_normalize_list(void **state)
{
	(void)state;
	check_list("LTM, apm;ASM", true, "APM,ASM,LTM");
	check_list("ltm", true, "LTM");
	check_list("LTM,ltm, Ltm ;LTM", true, "LTM");
	check_list("b,a,b,c,a", false, "a,b,c");
	check_list("asm\nltm\r\napm", true, "APM,ASM,LTM");
	check_list(" , ; \n", true, NULL);
	check_list("", true, NULL);
	check_list("", false, NULL);
	check_list("   ", false, NULL);
	check_list(NULL, true, NULL);
	check_list(NULL, false, NULL);
	check_list(",,a,,", false, "a");
	/* Inner spaces survive; outer ones do not. */
	check_list("  big ip ,a", false, "a,big ip");
}

static void test_normalize_list_no_upper(void **state)
{
	(void)state;
	/* Tags keep their case; sorting is by byte value, so "Prod" < "pci". */
	check_list("pci, Prod", false, "Prod,pci");
	check_list("web, Web, web", false, "Web,web");
	check_list("LTM, apm;ASM", false, "ASM,LTM,apm");
}

static void test_normalize_list_many(void **state)
{
	(void)state;
	/* More than the initial item capacity, in reverse order, with repeats. */
	char in[2048] = "";
	size_t o = 0;
	for (int i = 99; i >= 0; i--)
		o += (size_t)snprintf(in + o, sizeof in - o, "m%02d;M%02d, ", i, i);
	assert_true(o < sizeof in);
	char *out = NULL;
	assert_int_equal(kb_str_normalize_list(in, true, &out), 0);
	assert_non_null(out);
	char want[1024] = "";
	o = 0;
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(want + o, sizeof want - o, "%sM%02d", i ? "," : "", i);
	assert_string_equal(out, want);
	free(out);
}

static void test_list_has(void **state)
{
	(void)state;
	assert_true(kb_str_list_has("APM,ASM,LTM", "APM"));
	assert_true(kb_str_list_has("APM,ASM,LTM", "asm"));
	assert_true(kb_str_list_has("APM,ASM,LTM", "ltm"));
	assert_true(kb_str_list_has("single", "SINGLE"));
	assert_false(kb_str_list_has("APM,ASM,LTM", "AS"));
	assert_false(kb_str_list_has("APM,ASM,LTM", "ASMX"));
	assert_false(kb_str_list_has("APM,ASM,LTM", "APM,ASM"));
	assert_false(kb_str_list_has("APM,ASM,LTM", "GTM"));
	assert_false(kb_str_list_has("APM,ASM,LTM", ""));
	assert_false(kb_str_list_has("", "APM"));
	assert_false(kb_str_list_has("", ""));
	assert_false(kb_str_list_has(NULL, "APM"));
	assert_false(kb_str_list_has("APM", NULL));
	assert_false(kb_str_list_has("LTMX,XLTM", "LTM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_ieq),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_strndup),
		cmocka_unit_test(test_fold_header),
		cmocka_unit_test(test_normalize_list),
		cmocka_unit_test(test_normalize_list_no_upper),
		cmocka_unit_test(test_normalize_list_many),
		cmocka_unit_test(test_list_has),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
