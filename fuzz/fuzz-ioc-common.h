/*
 * fuzz-ioc-common.h - what the IOC reader targets share: a sink that checks
 * each IOC's value is normalised (it normalises to itself) and puts it into
 * a matching set, which is then built and probed with the IOC's own value.
 */
#ifndef KOBAN_FUZZ_IOC_COMMON_H
#define KOBAN_FUZZ_IOC_COMMON_H

#include "koban/ioc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int fz_ioc(const kb_ioc *ioc, void *ctx)
{
	char out[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type t = ioc->type;
	if (kb_ioc_normalize(&t, ioc->value, strlen(ioc->value), out, sizeof out) != 0 || t != ioc->type ||
	    strcmp(out, ioc->value) != 0)
		abort();
	if (kb_ioc_set_add(ctx, ioc) != 0)
		abort();
	return 0;
}

static void fz_unsup(const kb_ioc_unsupported *u, void *ctx)
{
	(void)ctx;
	if (!u->reason || !u->source)
		abort();
}

static void fz_run(const uint8_t *data, size_t size, kb_ioc_format fmt)
{
	kb_ioc_set_builder *b = NULL;
	if (kb_ioc_set_builder_new(&b) != 0)
		return;
	size_t ignored = 0;
	kb_ioc_sink sink = { .ioc = fz_ioc, .unsupported = fz_unsup, .ctx = b, .n_ignored = &ignored };
	kb_error err = { 0 };
	kb_ioc_parse("fuzz", data, size, fmt, &sink, &err);
	kb_ioc_set *s = NULL;
	if (kb_ioc_set_build(b, &s) != 0)
		return;
	kb_ioc_set_free(s);
}

#endif
