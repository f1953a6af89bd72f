/*
 * test-buf.c - the bounded growable buffer (src/lib/util-buf.h): appends of
 * every kind, the NUL-terminator invariant, reset, detach, and the ceiling:
 * an append past `max` fails with KB_ELIMIT and leaves the contents unchanged,
 * while reaching `max` exactly is allowed.
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
#include "util-buf.h"

/* The invariants of util-buf.h, checked after every operation. */
static void check_invariants(const kb_buf *b)
{
	assert_true(b->len <= b->max);
	assert_non_null(kb_buf_str(b));
	if (b->data) {
		assert_true(b->len < b->cap);
		assert_int_equal(b->data[b->len], '\0');
		assert_int_equal(strlen(b->data), b->len); /* no embedded NUL in these tests */
		assert_ptr_equal(kb_buf_str(b), b->data);
	} else {
		assert_int_equal(b->len, 0);
		assert_string_equal(kb_buf_str(b), "");
	}
}

static void test_init_empty(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 100);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 100);
	assert_string_equal(kb_buf_str(&b), "");
	check_invariants(&b);
	kb_buf_free(&b);
	kb_buf_free(&b); /* twice is harmless */
}

static void test_append_puts_putc(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 1024);
	assert_int_equal(kb_buf_append(&b, "abc", 3), 0);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "abc");
	assert_int_equal(kb_buf_append(&b, "defXYZ", 3), 0); /* only n bytes */
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "abcdef");
	assert_int_equal(kb_buf_puts(&b, "-ghi"), 0);
	check_invariants(&b);
	assert_int_equal(kb_buf_putc(&b, '!'), 0);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "abcdef-ghi!");
	assert_int_equal(b.len, 11);
	assert_int_equal(kb_buf_append(&b, "ignored", 0), 0);
	assert_int_equal(kb_buf_puts(&b, ""), 0);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "abcdef-ghi!");
	kb_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_empty_append_allocates_terminator(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 16);
	assert_int_equal(kb_buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "");
	kb_buf_free(&b);
}

static void test_growth_many_appends(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 1u << 20);
	char expect[10001];
	for (int i = 0; i < 10000; i++) {
		char c = (char)('a' + i % 26);
		assert_int_equal(kb_buf_putc(&b, c), 0);
		expect[i] = c;
		assert_int_equal(b.data[b.len], '\0');
	}
	expect[10000] = '\0';
	check_invariants(&b);
	assert_int_equal(b.len, 10000);
	assert_string_equal(kb_buf_str(&b), expect);
	kb_buf_free(&b);
}

static void test_printf(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 4096);
	assert_int_equal(kb_buf_printf(&b, "%s=%d", "port", 443), 0);
	check_invariants(&b);
	assert_int_equal(kb_buf_printf(&b, "/%c%s", 't', "cp"), 0);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "port=443/tcp");
	assert_int_equal(kb_buf_printf(&b, "%s", ""), 0);
	assert_string_equal(kb_buf_str(&b), "port=443/tcp");
	kb_buf_free(&b);
}

static void test_printf_long(void **state)
{
	(void)state;
	/* Lengths around the 256-byte stack buffer in kb_buf_printf, and far past. */
	const size_t lens[] = { 254, 255, 256, 257, 300, 1000, 5000 };
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t n = lens[k];
		char *s = malloc(n + 1);
		assert_non_null(s);
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('A' + i % 26);
		s[n] = '\0';

		kb_buf b;
		kb_buf_init(&b, 10000);
		assert_int_equal(kb_buf_puts(&b, "<"), 0);
		assert_int_equal(kb_buf_printf(&b, "%s|%d", s, 7), 0);
		check_invariants(&b);
		assert_int_equal(b.len, 1 + n + 2);
		assert_int_equal(b.data[0], '<');
		assert_memory_equal(b.data + 1, s, n);
		assert_string_equal(b.data + 1 + n, "|7");
		kb_buf_free(&b);
		free(s);
	}
}

static void test_printf_long_over_limit(void **state)
{
	(void)state;
	char s[600];
	memset(s, 'q', sizeof s - 1);
	s[sizeof s - 1] = '\0';
	kb_buf b;
	kb_buf_init(&b, 500);
	assert_int_equal(kb_buf_puts(&b, "keep"), 0);
	assert_int_equal(kb_buf_printf(&b, "%s", s), KB_ELIMIT);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "keep");
	kb_buf_free(&b);
	/* Short printf past the limit too. */
	kb_buf_init(&b, 8);
	assert_int_equal(kb_buf_puts(&b, "1234567"), 0);
	assert_int_equal(kb_buf_printf(&b, "%d", 42), KB_ELIMIT);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "1234567");
	assert_int_equal(kb_buf_printf(&b, "%d", 8), 0);
	assert_string_equal(kb_buf_str(&b), "12345678");
	kb_buf_free(&b);
}

static void test_limit(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 10);
	assert_int_equal(kb_buf_puts(&b, "hello"), 0);
	size_t cap_before = b.cap;

	/* 5 + 6 = 11 > 10: refused, nothing changes. */
	assert_int_equal(kb_buf_append(&b, "world!", 6), KB_ELIMIT);
	check_invariants(&b);
	assert_int_equal(b.len, 5);
	assert_string_equal(kb_buf_str(&b), "hello");
	assert_int_equal(b.cap, cap_before);

	assert_int_equal(kb_buf_puts(&b, "world!"), KB_ELIMIT);
	assert_string_equal(kb_buf_str(&b), "hello");

	/* A huge n must not wrap around the limit arithmetic. */
	assert_int_equal(kb_buf_append(&b, "x", SIZE_MAX), KB_ELIMIT);
	assert_int_equal(kb_buf_append(&b, "x", SIZE_MAX - 4), KB_ELIMIT);
	assert_string_equal(kb_buf_str(&b), "hello");
	assert_int_equal(b.len, 5);

	/* Exactly reaching max is fine. */
	assert_int_equal(kb_buf_puts(&b, "world"), 0);
	check_invariants(&b);
	assert_int_equal(b.len, 10);
	assert_string_equal(kb_buf_str(&b), "helloworld");
	assert_true(b.cap <= b.max + 1);

	/* Full: one more byte of any kind is refused. */
	assert_int_equal(kb_buf_putc(&b, 'x'), KB_ELIMIT);
	assert_int_equal(kb_buf_append(&b, "x", 1), KB_ELIMIT);
	assert_int_equal(kb_buf_printf(&b, "%c", 'x'), KB_ELIMIT);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "helloworld");
	/* ... but nothing is still nothing. */
	assert_int_equal(kb_buf_append(&b, "", 0), 0);
	assert_string_equal(kb_buf_str(&b), "helloworld");

	/* After reset the full room is there again. */
	kb_buf_reset(&b);
	assert_int_equal(kb_buf_puts(&b, "0123456789"), 0);
	assert_string_equal(kb_buf_str(&b), "0123456789");
	kb_buf_free(&b);
}

static void test_limit_first_append(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 3);
	assert_int_equal(kb_buf_puts(&b, "four"), KB_ELIMIT);
	assert_null(b.data); /* nothing allocated for a refused append */
	check_invariants(&b);
	assert_int_equal(kb_buf_puts(&b, "abc"), 0);
	assert_string_equal(kb_buf_str(&b), "abc");
	assert_int_equal(b.cap, 4);
	kb_buf_free(&b);

	/* max 0: only empty contents. */
	kb_buf_init(&b, 0);
	assert_int_equal(kb_buf_putc(&b, 'a'), KB_ELIMIT);
	assert_int_equal(kb_buf_append(&b, "", 0), 0);
	check_invariants(&b);
	assert_string_equal(kb_buf_str(&b), "");
	kb_buf_free(&b);
}

static void test_limit_large_exact(void **state)
{
	(void)state;
	/* Exactly max after many doublings, where the capped capacity matters. */
	const size_t max = 1000;
	kb_buf b;
	kb_buf_init(&b, max);
	for (size_t i = 0; i < max; i++)
		assert_int_equal(kb_buf_putc(&b, 'z'), 0);
	check_invariants(&b);
	assert_int_equal(b.len, max);
	assert_int_equal(b.cap, max + 1);
	assert_int_equal(kb_buf_putc(&b, 'z'), KB_ELIMIT);
	assert_int_equal(b.len, max);
	check_invariants(&b);
	kb_buf_free(&b);
}

static void test_reset(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 100);
	kb_buf_reset(&b); /* on an empty buffer */
	check_invariants(&b);
	assert_int_equal(kb_buf_puts(&b, "some text"), 0);
	char *mem = b.data;
	size_t cap = b.cap;
	kb_buf_reset(&b);
	check_invariants(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(kb_buf_str(&b), "");
	assert_ptr_equal(b.data, mem); /* memory kept */
	assert_int_equal(b.cap, cap);
	assert_int_equal(kb_buf_puts(&b, "new"), 0);
	assert_string_equal(kb_buf_str(&b), "new");
	kb_buf_free(&b);
}

static void test_detach(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 100);
	assert_int_equal(kb_buf_puts(&b, "owned"), 0);
	char *mem = b.data;
	char *p = kb_buf_detach(&b);
	assert_ptr_equal(p, mem);
	assert_string_equal(p, "owned");
	/* The buffer no longer owns it and is empty but usable. */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 100);
	check_invariants(&b);
	assert_int_equal(kb_buf_puts(&b, "again"), 0);
	assert_string_equal(kb_buf_str(&b), "again");
	assert_ptr_not_equal(b.data, p);
	kb_buf_free(&b);
	/* p outlives the buffer. */
	assert_string_equal(p, "owned");
	free(p);
}

static void test_detach_empty(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 10);
	char *p = kb_buf_detach(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	check_invariants(&b);

	/* Detach after reset gives "" in the kept memory. */
	assert_int_equal(kb_buf_puts(&b, "abc"), 0);
	kb_buf_reset(&b);
	p = kb_buf_detach(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	kb_buf_free(&b);
}

static void test_binary_bytes(void **state)
{
	(void)state;
	kb_buf b;
	kb_buf_init(&b, 64);
	const char bytes[] = { 'a', '\0', 'b', (char)0xff };
	assert_int_equal(kb_buf_append(&b, bytes, sizeof bytes), 0);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, bytes, sizeof bytes);
	assert_int_equal(b.data[4], '\0');
	kb_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_append_puts_putc),
		cmocka_unit_test(test_empty_append_allocates_terminator),
		cmocka_unit_test(test_growth_many_appends),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_printf_long),
		cmocka_unit_test(test_printf_long_over_limit),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_limit_first_append),
		cmocka_unit_test(test_limit_large_exact),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_detach_empty),
		cmocka_unit_test(test_binary_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
