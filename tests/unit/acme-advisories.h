/*
 * acme-advisories.h - test helper: read one of the real advisory records
 * bundled with examples/acme (advisories/cve/... as CVE JSON 5, anything else
 * as OSV) or fail the test. The caller frees it with kb_advisory_free().
 */
#ifndef KOBAN_TEST_ACME_ADVISORIES_H
#define KOBAN_TEST_ACME_ADVISORIES_H

#include "koban/advisory.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define ACME KB_TEST_VECTORS "/../../examples/acme/advisories/"

static inline kb_advisory *load(const char *rel)
{
	char path[1024];
	snprintf(path, sizeof path, "%s%s", ACME, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	kb_advisory *a = NULL;
	kb_error err;
	int r = strncmp(rel, "cve/", 4) == 0 ? kb_advisory_parse_cve5(path, buf, (size_t)n, &a, &err)
	                                     : kb_advisory_parse_osv(path, buf, (size_t)n, &a, &err);
	free(buf);
	if (r != 0)
		fail_msg("%s: %s", rel, err.msg);
	return a;
}

#endif
