/*
 * range-internal.h - version comparison with a shortcut: a caller that has
 * already put a set of version strings in order (exposure-steps.c ranks every
 * version one package's advisories name) passes a kb_vorder, and comparisons
 * between two of those strings become a comparison of ranks instead of two
 * parses. Everything else goes to kb_version_cmp(). The rules of range.c and
 * exposure-status.c stay in one place; only the comparisons get faster.
 */
#ifndef KOBAN_RANGE_INTERNAL_H
#define KOBAN_RANGE_INTERNAL_H

#include "koban/exposure.h"
#include "koban/range.h"

typedef struct kb_vorder {
	/* 1 with *ret set when the order knows both a and b under scheme sc, else 0 */
	int (*known)(const void *ctx, kb_vscheme sc, const char *a, const char *b, int *ret);
	const void *ctx;
} kb_vorder;

static inline int kb_vorder_cmp(const kb_vorder *o, kb_vscheme sc, const char *a, const char *b, int *ret)
{
	if (o && o->known(o->ctx, sc, a, b, ret))
		return 0;
	return kb_version_cmp(sc, a, b, ret);
}

/* kb_range_eval() and kb_exposure_status() with an order (NULL: none). */
int kb_range_eval_ordered(const kb_affected *a, const char *version, const kb_vorder *o, kb_range_verdict *ret,
                          kb_error *err);
int kb_exposure_status_ordered(const kb_advisory_affected *af, const char *version, const char *modules,
                               const kb_vorder *o, kb_fstatus *ret_status, const char **ret_fix, kb_error *err);

#endif
