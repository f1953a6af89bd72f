/*
 * range.c - evaluate a version against an advisory's affected ranges; see
 * range.h for the model and the OSV rules.
 *
 * Each evaluable range is evaluated on its own: its events are put in version
 * order (insertion sort of at most KB_RANGE_MAX_EVENTS indices; "0" first),
 * walked once to decide whether v is affected, and, when it is, the first
 * `fixed` event above v is the fix on v's branch. Across ranges: affected if
 * any range (or the explicit version list) says so, and the fix is the
 * smallest one the affecting ranges give.
 */
#include "range-internal.h"

#include <string.h>

static bool is_zero(const kb_range_event *e)
{
	return e->kind == KB_EVENT_INTRODUCED && strcmp(e->version, "0") == 0;
}

struct cmpctx {
	kb_vscheme scheme;
	const kb_vorder *o;
	kb_error *err;
	int rc;
};

/* a <=> b, remembering the first failure in c->rc. */
static int vcmp(struct cmpctx *c, const char *a, const char *b)
{
	int r = 0;
	int rc = kb_vorder_cmp(c->o, c->scheme, a, b, &r);
	if (rc < 0 && c->rc == 0) {
		c->rc = rc;
		kb_error_set(c->err, rc, NULL, 0, 0, KB_NO_OFFSET, "version \"%.80s\" or \"%.80s\": not a valid %s version",
		             a, b, kb_vscheme_name(c->scheme));
	}
	return r;
}

static int ev_cmp(struct cmpctx *c, const kb_range_event *x, const kb_range_event *y)
{
	bool zx = is_zero(x), zy = is_zero(y);
	if (zx || zy)
		return zx == zy ? 0 : zx ? -1 : 1;
	return vcmp(c, x->version, y->version);
}

static int eval_range(const kb_range *rg, kb_vscheme scheme, const kb_vorder *o, const char *v, bool *affected,
                      const char **fixed, bool *below_all, bool *above_all, kb_error *err)
{
	if (rg->n_events > KB_RANGE_MAX_EVENTS)
		return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
		                    "a range with %zu events: more than the limit of %d", rg->n_events,
		                    KB_RANGE_MAX_EVENTS);
	struct cmpctx c = { rg->type == KB_RANGE_SEMVER ? KB_VS_SEMVER : scheme, o, err, 0 };
	size_t order[KB_RANGE_MAX_EVENTS];
	size_t n = rg->n_events;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && ev_cmp(&c, &rg->events[order[j - 1]], &rg->events[i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	bool vuln = false;
	size_t after = n; /* first event above v */
	for (size_t k = 0; k < n; k++) {
		const kb_range_event *e = &rg->events[order[k]];
		int d = is_zero(e) ? 1 : vcmp(&c, v, e->version); /* v <=> e */
		if (d < 0 && after == n)
			after = k;
		switch (e->kind) {
		case KB_EVENT_INTRODUCED:
			if (d >= 0)
				vuln = true;
			if (d >= 0 || is_zero(e))
				*below_all = false;
			break;
		case KB_EVENT_FIXED:
		case KB_EVENT_LIMIT:
			if (d >= 0)
				vuln = false;
			break;
		case KB_EVENT_LAST_AFFECTED:
			if (d > 0)
				vuln = false;
			break;
		}
		if (!is_zero(e) && d <= 0)
			*above_all = false;
	}
	if (c.rc < 0)
		return c.rc;
	*affected = vuln;
	*fixed = NULL;
	if (vuln && after < n && rg->events[order[after]].kind == KB_EVENT_FIXED)
		*fixed = rg->events[order[after]].version;
	return 0;
}

static bool smaller(kb_vscheme scheme, const kb_vorder *o, const char *a, const char *b)
{
	int d = 0;
	return kb_vorder_cmp(o, scheme, a, b, &d) == 0 && d < 0;
}

int kb_range_eval(const kb_affected *a, const char *version, kb_range_verdict *ret, kb_error *err)
{
	return kb_range_eval_ordered(a, version, NULL, ret, err);
}

int kb_range_eval_ordered(const kb_affected *a, const char *version, const kb_vorder *o, kb_range_verdict *ret,
                          kb_error *err)
{
	kb_range_verdict out = { .affected = false, .fixed = NULL, .before_all = true, .after_all = true };
	bool any_range = false;
	for (size_t i = 0; i < a->n_ranges; i++) {
		const kb_range *rg = &a->ranges[i];
		if (rg->type == KB_RANGE_GIT)
			continue; /* commits, not versions: skip it, and go on to the next range */
		any_range = true;
		bool aff = false;
		const char *fix = NULL;
		int r = eval_range(rg, a->scheme, o, version, &aff, &fix, &out.before_all, &out.after_all, err);
		if (r < 0)
			return r;
		if (!aff)
			continue;
		kb_vscheme sc = rg->type == KB_RANGE_SEMVER ? KB_VS_SEMVER : a->scheme;
		if (fix && (!out.fixed || smaller(sc, o, fix, out.fixed)))
			out.fixed = fix; /* the smallest fix above v over the affecting ranges */
		out.affected = true;
	}
	for (size_t i = 0; i < a->n_versions && !out.affected; i++) {
		int d = 1;
		int r = kb_vorder_cmp(o, a->scheme, version, a->versions[i], &d);
		if (r == KB_EINVAL) {
			/* a listed version the scheme cannot read: compare as written */
			d = strcmp(version, a->versions[i]);
		} else if (r < 0) {
			return kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "version \"%.80s\": %s", version,
			                    kb_strerror(r));
		}
		if (d == 0)
			out.affected = true;
	}
	if (!any_range) {
		out.before_all = false;
		out.after_all = false;
	}
	if (out.affected) {
		out.before_all = false;
		out.after_all = false;
	}
	*ret = out;
	return 0;
}
