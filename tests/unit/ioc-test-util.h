/*
 * ioc-test-util.h - a sink for the IOC reader tests: every IOC as one line
 * "type value" (with " revoked", " until=DATE", " noids" when so), every
 * unsupported thing as "! reason", in the order they came.
 */
#ifndef KOBAN_IOC_TEST_UTIL_H
#define KOBAN_IOC_TEST_UTIL_H

#include "koban/ioc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct got {
	char text[65536];
	size_t len;
	size_t n_ioc, n_unsup, ignored;
} got;

static int got_ioc(const kb_ioc *ioc, void *ctx)
{
	got *g = ctx;
	g->n_ioc++;
	int w = snprintf(g->text + g->len, sizeof g->text - g->len, "%s %s%s%s%s%s\n", kb_ioc_type_name(ioc->type),
	                 ioc->value, ioc->revoked ? " revoked" : "", ioc->valid_until ? " until=" : "",
	                 ioc->valid_until ? ioc->valid_until : "", ioc->to_ids ? "" : " noids");
	if (w > 0 && (size_t)w < sizeof g->text - g->len)
		g->len += (size_t)w;
	return 0;
}

static void got_unsup(const kb_ioc_unsupported *u, void *ctx)
{
	got *g = ctx;
	g->n_unsup++;
	int w = snprintf(g->text + g->len, sizeof g->text - g->len, "! %s\n", u->reason);
	if (w > 0 && (size_t)w < sizeof g->text - g->len)
		g->len += (size_t)w;
}

/* Parse doc in fmt into g; returns the reader's code. */
static int parse_into(got *g, const char *doc, kb_ioc_format fmt, kb_error *err)
{
	memset(g, 0, sizeof *g);
	kb_ioc_sink sink = { .ioc = got_ioc, .unsupported = got_unsup, .ctx = g, .n_ignored = &g->ignored };
	return kb_ioc_parse("t.json", doc, strlen(doc), fmt, &sink, err);
}

static bool has_line(const got *g, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = g->text; (p = strstr(p, line)) != NULL; p++)
		if ((p == g->text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

#endif
