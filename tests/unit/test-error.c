/*
 * test-error.c - error codes (kb_err_name, kb_strerror) and located errors
 * (kb_error_set, kb_error_clear, kb_error_format), including truncation of
 * messages and file names longer than the fixed fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/koban.h"

static const struct {
	int code;
	const char *name;
	const char *text;
} expected_codes[] = {
	{ KB_OK, "KB_OK", "success" },
	{ KB_ENOMEM, "KB_ENOMEM", "out of memory" },
	{ KB_EIO, "KB_EIO", "input/output error" },
	{ KB_EPARSE, "KB_EPARSE", "malformed input" },
	{ KB_EINVAL, "KB_EINVAL", "invalid value" },
	{ KB_ENOTFOUND, "KB_ENOTFOUND", "not found" },
	{ KB_ESTORE, "KB_ESTORE", "store error" },
	{ KB_ELIMIT, "KB_ELIMIT", "limit exceeded" },
	{ KB_EFORMAT, "KB_EFORMAT", "unrecognised format" },
	{ KB_EEXIST, "KB_EEXIST", "already exists" },
	{ KB_ESCHEMA, "KB_ESCHEMA", "store schema is newer than this program" },
};

#define N_CODES (sizeof expected_codes / sizeof expected_codes[0])

static void test_codes_values(void **state)
{
	(void)state;
	/* The numeric values are ABI: they must not move. */
	assert_int_equal(KB_OK, 0);
	assert_int_equal(KB_ENOMEM, -1);
	assert_int_equal(KB_EIO, -2);
	assert_int_equal(KB_EPARSE, -3);
	assert_int_equal(KB_EINVAL, -4);
	assert_int_equal(KB_ENOTFOUND, -5);
	assert_int_equal(KB_ESTORE, -6);
	assert_int_equal(KB_ELIMIT, -7);
	assert_int_equal(KB_EFORMAT, -8);
	assert_int_equal(KB_EEXIST, -9);
	assert_int_equal(KB_ESCHEMA, -10);
}

static void test_err_name_every_code(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CODES; i++)
		assert_string_equal(kb_err_name(expected_codes[i].code), expected_codes[i].name);
}

static void test_strerror_every_code(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CODES; i++)
		assert_string_equal(kb_strerror(expected_codes[i].code), expected_codes[i].text);
}

static void test_unknown_code(void **state)
{
	(void)state;
	const int unknown[] = { 1, 42, -11, -100, INT32_MIN, INT32_MAX };
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		const char *n = kb_err_name(unknown[i]);
		const char *t = kb_strerror(unknown[i]);
		assert_non_null(n);
		assert_non_null(t);
		assert_string_equal(n, "KB_E?");
		assert_string_equal(t, "unknown error");
	}
}

static void test_set_returns_code_and_fills(void **state)
{
	(void)state;
	kb_error e;
	memset(&e, 0x5a, sizeof e); /* garbage: set must overwrite every field it owns */
	e.sys_errno = 0;
	int r = kb_error_set(&e, KB_EPARSE, "assets.csv", 3, 7, 120, "expected %s, found %d", "a name", 42);
	assert_int_equal(r, KB_EPARSE);
	assert_int_equal(e.code, KB_EPARSE);
	assert_string_equal(e.file, "assets.csv");
	assert_int_equal(e.line, 3);
	assert_int_equal(e.column, 7);
	assert_int_equal(e.offset, 120);
	assert_string_equal(e.msg, "expected a name, found 42");
}

static void test_set_null_error_and_null_file(void **state)
{
	(void)state;
	assert_int_equal(kb_error_set(NULL, KB_EINVAL, "x", 1, 1, 0, "ignored"), KB_EINVAL);
	assert_int_equal(kb_error_set(NULL, KB_OK, NULL, 0, 0, KB_NO_OFFSET, "ignored"), KB_OK);

	kb_error e;
	memset(&e, 'x', sizeof e);
	assert_int_equal(kb_error_set(&e, KB_ESTORE, NULL, 0, 0, KB_NO_OFFSET, "%s", "disk on fire"),
	                 KB_ESTORE);
	assert_string_equal(e.file, "");
	assert_int_equal(e.line, 0);
	assert_int_equal(e.column, 0);
	assert_true(e.offset == KB_NO_OFFSET);
	assert_string_equal(e.msg, "disk on fire");
}

static void test_clear(void **state)
{
	(void)state;
	kb_error e;
	kb_error_set(&e, KB_EIO, "f", 1, 2, 3, "boom");
	e.sys_errno = 5;
	kb_error_clear(&e);
	assert_int_equal(e.code, KB_OK);
	assert_int_equal(e.sys_errno, 0);
	assert_string_equal(e.file, "");
	assert_string_equal(e.msg, "");
	assert_int_equal(e.line, 0);
	assert_int_equal(e.column, 0);
	assert_true(e.offset == KB_NO_OFFSET);
	kb_error_clear(NULL); /* must not crash */
}

static void format(const kb_error *e, char *buf, size_t size)
{
	memset(buf, '#', size);
	kb_error_format(e, buf, size);
}

static void test_format_file_line_column(void **state)
{
	(void)state;
	kb_error e;
	char buf[256];
	kb_error_set(&e, KB_EPARSE, "assets.csv", 12, 5, 300, "expected a quote");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "assets.csv:12:5: expected a quote");
}

static void test_format_file_line(void **state)
{
	(void)state;
	kb_error e;
	char buf[256];
	kb_error_set(&e, KB_EINVAL, "assets.csv", 12, 0, 300, "bad category");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "assets.csv:12: bad category");
}

static void test_format_file_offset(void **state)
{
	(void)state;
	kb_error e;
	char buf[256];
	kb_error_set(&e, KB_EPARSE, "sbom.json", 0, 0, 4096, "unexpected '}'");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "sbom.json: byte 4096: unexpected '}'");

	kb_error_set(&e, KB_EPARSE, "sbom.json", 0, 0, 0, "empty document");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "sbom.json: byte 0: empty document");

	/* A column without a line is not a location on its own. */
	kb_error_set(&e, KB_EPARSE, "sbom.json", 0, 9, 17, "x");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "sbom.json: byte 17: x");
}

static void test_format_file_only(void **state)
{
	(void)state;
	kb_error e;
	char buf[256];
	kb_error_set(&e, KB_EIO, "missing.csv", 0, 0, KB_NO_OFFSET, "cannot open");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "missing.csv: cannot open");
}

static void test_format_no_file(void **state)
{
	(void)state;
	kb_error e;
	char buf[256];
	kb_error_set(&e, KB_EINVAL, NULL, 4, 2, 99, "category: expected one of external");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "category: expected one of external");

	kb_error_set(&e, KB_EINVAL, "", 0, 0, KB_NO_OFFSET, "plain");
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "plain");
}

static void test_format_empty_message_uses_strerror(void **state)
{
	(void)state;
	kb_error e;
	char buf[256];
	kb_error_clear(&e);
	e.code = KB_ENOTFOUND;
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "not found");

	kb_error_clear(&e);
	e.code = KB_ELIMIT;
	snprintf(e.file, sizeof e.file, "%s", "big.csv");
	e.line = 7;
	format(&e, buf, sizeof buf);
	assert_string_equal(buf, "big.csv:7: limit exceeded");
}

static void test_long_message_truncated(void **state)
{
	(void)state;
	size_t n = 4 * KB_ERROR_MSG_MAX;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'm', n);
	big[n] = '\0';

	kb_error e;
	assert_int_equal(kb_error_set(&e, KB_EPARSE, "f", 1, 1, 0, "%s", big), KB_EPARSE);
	assert_int_equal(strlen(e.msg), KB_ERROR_MSG_MAX - 1);
	assert_memory_equal(e.msg, big, KB_ERROR_MSG_MAX - 1);
	free(big);
}

static void test_long_file_truncated(void **state)
{
	(void)state;
	size_t n = 3 * KB_ERROR_FILE_MAX;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'f', n);
	big[n] = '\0';

	kb_error e;
	kb_error_set(&e, KB_EPARSE, big, 1, 2, 0, "x");
	assert_int_equal(strlen(e.file), KB_ERROR_FILE_MAX - 1);

	/* The full formatted message fits in a buffer sized for both fields. */
	size_t size = KB_ERROR_FILE_MAX + KB_ERROR_MSG_MAX + 64;
	char *out = malloc(size);
	assert_non_null(out);
	format(&e, out, size);
	assert_int_equal(strlen(out), (KB_ERROR_FILE_MAX - 1) + strlen(":1:2: x"));
	assert_string_equal(out + KB_ERROR_FILE_MAX - 1, ":1:2: x");
	free(out);
	free(big);
}

static void test_format_small_buffers(void **state)
{
	(void)state;
	kb_error e;
	kb_error_set(&e, KB_EPARSE, "assets.csv", 12, 5, 0, "expected a quote");

	/* Every size from 1 up: always NUL-terminated, never past size, a prefix
	 * of the full text. */
	const char *full = "assets.csv:12:5: expected a quote";
	size_t flen = strlen(full);
	for (size_t size = 1; size <= flen + 2; size++) {
		char buf[64];
		memset(buf, '#', sizeof buf);
		kb_error_format(&e, buf, size);
		size_t want = size - 1 < flen ? size - 1 : flen;
		assert_int_equal(strlen(buf), want);
		assert_memory_equal(buf, full, want);
		for (size_t i = size; i < sizeof buf; i++)
			assert_int_equal(buf[i], '#');
	}

	/* Size 0 writes nothing at all. */
	char one = '#';
	kb_error_format(&e, &one, 0);
	assert_int_equal(one, '#');
}

static void test_format_long_everything_small_buffer(void **state)
{
	(void)state;
	char big[8 * KB_ERROR_MSG_MAX];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	kb_error e;
	kb_error_set(&e, KB_EPARSE, big, UINT64_MAX - 1, UINT64_MAX - 1, UINT64_MAX - 1, "%s", big);

	char buf[100];
	memset(buf, '#', sizeof buf);
	kb_error_format(&e, buf, 40);
	assert_int_equal(strlen(buf), 39);
	assert_int_equal(buf[40], '#');

	/* Large location numbers are printed in full. */
	kb_error_set(&e, KB_EPARSE, "f", UINT64_MAX - 1, 18446744073709551614u, 0, "m");
	char out[128];
	kb_error_format(&e, out, sizeof out);
	assert_string_equal(out, "f:18446744073709551614:18446744073709551614: m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_values),
		cmocka_unit_test(test_err_name_every_code),
		cmocka_unit_test(test_strerror_every_code),
		cmocka_unit_test(test_unknown_code),
		cmocka_unit_test(test_set_returns_code_and_fills),
		cmocka_unit_test(test_set_null_error_and_null_file),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_format_file_line_column),
		cmocka_unit_test(test_format_file_line),
		cmocka_unit_test(test_format_file_offset),
		cmocka_unit_test(test_format_file_only),
		cmocka_unit_test(test_format_no_file),
		cmocka_unit_test(test_format_empty_message_uses_strerror),
		cmocka_unit_test(test_long_message_truncated),
		cmocka_unit_test(test_long_file_truncated),
		cmocka_unit_test(test_format_small_buffers),
		cmocka_unit_test(test_format_long_everything_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
