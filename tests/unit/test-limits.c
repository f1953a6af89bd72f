/*
 * test-limits.c - the import limits not covered by the per-reader tests:
 * KB_IMPORT_SNIFF_BYTES (format detection reads a bounded prefix),
 * KB_JSON_MAX_ITEM_BYTES (one JSON item), KB_LEDGER_MAX_COMPONENT_BYTES (one
 * component's text). Each is hit just past the limit, and the value at the
 * limit (or the forced format) still imports.
 */
#include "json-stream.h"
#include "koban/ledger.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int setup(void **state)
{
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	if (kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err) < 0)
		return -1;
	static const char base[] = "name,category\nshop,external\n";
	kb_import_opts o = { .format = KB_LEDGER_FMT_CSV };
	if (kb_ledger_import_mem(s, "base.csv", base, sizeof base - 1, &o, NULL, &err) < 0)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	kb_store_close(*state);
	return 0;
}

static int count_cb(const kb_component *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static int components(kb_store *s)
{
	int n = 0;
	assert_int_equal(kb_ledger_components(s, 0, count_cb, &n, NULL), 0);
	return n;
}

/* A CycloneDX document whose "bomFormat" key comes after `pad` bytes of an
 * unread top-level member. */
static char *padded_bom(size_t pad, size_t *len)
{
	const char *head = "{\"metadata\": {\"comment\": \"";
	const char *tail = "\"}, \"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\","
	                   " \"components\": [{\"name\": \"a\", \"version\": \"1\"}]}";
	size_t n = strlen(head) + pad + strlen(tail);
	char *d = malloc(n + 1);
	assert_non_null(d);
	strcpy(d, head);
	memset(d + strlen(head), 'x', pad);
	strcpy(d + strlen(head) + pad, tail);
	*len = n;
	return d;
}

static void test_sniff_bytes(void **state)
{
	kb_store *s = *state;
	kb_error err;
	size_t len;
	/* the key inside the sniffed prefix: detected */
	char *d = padded_bom(KB_IMPORT_SNIFF_BYTES / 2, &len);
	kb_import_opts o = { .asset = "shop" };
	assert_int_equal(kb_ledger_import_mem(s, "near.json", d, len, &o, NULL, &err), 0);
	free(d);
	/* past the prefix: not recognised, said so at 1:1 */
	d = padded_bom(KB_IMPORT_SNIFF_BYTES, &len);
	int r = kb_ledger_import_mem(s, "far.json", d, len, &o, NULL, &err);
	assert_int_equal(r, KB_EFORMAT);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 1);
	assert_non_null(strstr(err.msg, "bomFormat"));
	/* --format says what detection could not */
	o.format = KB_LEDGER_FMT_CYCLONEDX;
	assert_int_equal(kb_ledger_import_mem(s, "far.json", d, len, &o, NULL, &err), 0);
	free(d);
}

/* One component whose "name" is n bytes. */
static char *big_name_bom(size_t n, size_t *len)
{
	const char *head = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": [\n"
	                   "{\"version\": \"1\", \"name\": \"";
	const char *tail = "\"}]}";
	size_t total = strlen(head) + n + strlen(tail);
	char *d = malloc(total + 1);
	assert_non_null(d);
	strcpy(d, head);
	memset(d + strlen(head), 'n', n);
	strcpy(d + strlen(head) + n, tail);
	*len = total;
	return d;
}

static void test_json_item_bytes(void **state)
{
	kb_store *s = *state;
	kb_error err;
	size_t len;
	int before = components(s);
	char *d = big_name_bom(KB_JSON_MAX_ITEM_BYTES + 1, &len);
	kb_import_opts o = { .asset = "shop" };
	int r = kb_ledger_import_mem(s, "huge.cdx.json", d, len, &o, NULL, &err);
	free(d);
	assert_int_equal(r, KB_ELIMIT);
	assert_non_null(strstr(err.msg, "larger than the limit"));
	assert_int_equal(err.line, 2);
	assert_int_equal(components(s), before);
}

static void test_component_bytes(void **state)
{
	kb_store *s = *state;
	kb_error err;
	size_t len;
	int before = components(s);
	/* at the limit: name + version "1" + evidence and origin, both "e.json" */
	size_t at = KB_LEDGER_MAX_COMPONENT_BYTES - 1 - 2 * strlen("e.json");
	char *d = big_name_bom(at, &len);
	kb_import_opts o = { .asset = "shop" };
	assert_int_equal(kb_ledger_import_mem(s, "e.json", d, len, &o, NULL, &err), 0);
	free(d);
	assert_int_equal(components(s), before + 1);
	/* one byte more: refused, located at the component */
	d = big_name_bom(at + 1, &len);
	int r = kb_ledger_import_mem(s, "e.json", d, len, &o, NULL, &err);
	free(d);
	assert_int_equal(r, KB_ELIMIT);
	assert_non_null(strstr(err.msg, "more than the limit"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 1);
	assert_int_equal(components(s), before + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sniff_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_item_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_component_bytes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
