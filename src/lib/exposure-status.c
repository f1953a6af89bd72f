/*
 * exposure-status.c - per-advisory status and the move-to version; see
 * exposure.h for the rules. Pure: entries and versions in, verdicts out.
 */
#include "range-internal.h"
#include "util-str.h"

#include <ctype.h>
#include <string.h>

const char *kb_fstatus_name(kb_fstatus s)
{
	switch (s) {
	case KB_FS_AFFECTED: return "affected";
	case KB_FS_FIXED: return "fixed";
	case KB_FS_NOT_AFFECTED: return "not affected";
	case KB_FS_UNKNOWN_NOT_EVALUATED: return "unknown: branch never evaluated";
	case KB_FS_UNKNOWN_NEWER: return "unknown: newer than the advisory";
	case KB_FS_UNKNOWN_NO_VERSION: return "unknown: no version";
	case KB_FS_UNKNOWN_BAD_VERSION: return "unknown: version not readable";
	case KB_FS_NOT_AFFECTED_VEX: return "not affected (VEX)";
	}
	return "unknown";
}

/* Length of the "major.minor" prefix of a dotted version, 0 if it has none. */
static size_t branch_len(const char *v)
{
	size_t i = 0;
	int dots = 0;
	while (v[i] && (isdigit((unsigned char)v[i]) || v[i] == '.')) {
		if (v[i] == '.' && ++dots == 2)
			return i;
		i++;
	}
	return dots == 1 ? i : 0;
}

static bool same_branch(const char *a, const char *b)
{
	size_t na = branch_len(a), nb = branch_len(b);
	return na && na == nb && strncmp(a, b, na) == 0;
}

/* Is v at or past the start of some evaluable range, on that range's branch
 * when the scheme is vendor dotted numbers? */
static bool on_covered_branch(const kb_affected *m, const char *v, const kb_vorder *o)
{
	for (size_t i = 0; i < m->n_ranges; i++) {
		const kb_range *rg = &m->ranges[i];
		if (rg->type == KB_RANGE_GIT)
			continue;
		for (size_t e = 0; e < rg->n_events; e++) {
			const kb_range_event *ev = &rg->events[e];
			if (ev->kind != KB_EVENT_INTRODUCED)
				continue;
			int d = 1;
			if (m->scheme == KB_VS_INTDOT) {
				/* on the range's branch, and not before the range starts */
				if (same_branch(ev->version, v) && kb_vorder_cmp(o, KB_VS_INTDOT, v, ev->version, &d) == 0 && d >= 0)
					return true;
				continue;
			}
			if (strcmp(ev->version, "0") == 0 ||
			    (kb_vorder_cmp(o, rg->type == KB_RANGE_SEMVER ? KB_VS_SEMVER : m->scheme, v, ev->version, &d) == 0 &&
			     d >= 0))
				return true;
		}
	}
	return false;
}

static bool modules_match(const kb_advisory_affected *af, const char *modules)
{
	if (!af->n_modules || !modules)
		return true; /* all modules, or the asset's are unknown: assume provisioned */
	for (size_t i = 0; i < af->n_modules; i++)
		if (kb_str_ieq(af->modules[i], "All Modules") || kb_str_ieq(af->modules[i], "all") ||
		    kb_str_list_has(modules, af->modules[i]))
			return true; /* F5 writes "All Modules" for a flaw in the base system */
	return false;
}

int kb_exposure_status(const kb_advisory_affected *af, const char *version, const char *modules,
                       kb_fstatus *ret_status, const char **ret_fix, kb_error *err)
{
	return kb_exposure_status_ordered(af, version, modules, NULL, ret_status, ret_fix, err);
}

int kb_exposure_status_ordered(const kb_advisory_affected *af, const char *version, const char *modules,
                               const kb_vorder *o, kb_fstatus *ret_status, const char **ret_fix, kb_error *err)
{
	const char *fix = NULL;
	kb_fstatus st;
	if (!modules_match(af, modules)) {
		st = KB_FS_NOT_AFFECTED;
	} else if (!version || !*version) {
		st = KB_FS_UNKNOWN_NO_VERSION;
	} else {
		kb_range_verdict in, un;
		int r = kb_range_eval_ordered(&af->match, version, o, &in, err);
		if (r == 0)
			r = kb_range_eval_ordered(&af->unaffected, version, o, &un, err);
		if (r == KB_EINVAL || r == KB_ELIMIT) {
			/* "1.0" is no SemVer version: say so for this advisory, do not stop */
			*ret_status = KB_FS_UNKNOWN_BAD_VERSION;
			if (ret_fix)
				*ret_fix = NULL;
			return 0;
		}
		if (r < 0)
			return r;
		bool covered = on_covered_branch(&af->match, version, o);
		if (un.affected) { /* a version the advisory marks unaffected, even inside a range */
			st = covered ? KB_FS_FIXED : KB_FS_NOT_AFFECTED;
		} else if (in.affected) {
			st = KB_FS_AFFECTED;
			fix = in.fixed;
		} else if (af->default_status == KB_VSTATUS_AFFECTED) {
			st = KB_FS_AFFECTED;
		} else if (af->default_status == KB_VSTATUS_UNKNOWN) {
			/* on a branch the advisory covers, past its fix: fixed (17.5.1.3
			 * against a record whose 17.5 fix is 17.5.1), whatever else */
			if (covered)
				st = KB_FS_FIXED;
			else if (in.after_all)
				st = KB_FS_UNKNOWN_NEWER;
			else
				st = KB_FS_UNKNOWN_NOT_EVALUATED;
		} else {
			st = covered ? KB_FS_FIXED : KB_FS_NOT_AFFECTED;
		}
	}
	*ret_status = st;
	if (ret_fix)
		*ret_fix = fix;
	return 0;
}

int kb_exposure_move_to(const kb_advisory_affected *const *afs, size_t n, const char *version,
                        const char *modules, const char **ret, bool *ret_fixable, kb_error *err)
{
	const char *cand = NULL;
	bool fixable = true, any = false;
	kb_vscheme scheme = n ? afs[0]->match.scheme : KB_VS_GENERIC;
	for (size_t i = 0; i < n; i++) {
		kb_fstatus st;
		const char *fix;
		int r = kb_exposure_status(afs[i], version, modules, &st, &fix, err);
		if (r < 0)
			return r;
		if (st != KB_FS_AFFECTED)
			continue;
		any = true;
		if (!fix) {
			fixable = false;
			continue;
		}
		int d = 1;
		if (!cand || (kb_version_cmp(scheme, fix, cand, &d) == 0 && d > 0))
			cand = fix;
	}
	/* The candidate itself may be hit by another advisory: move up until none does. */
	for (int round = 0; cand && round < KB_MOVETO_MAX_ROUNDS; round++) {
		const char *next = cand;
		for (size_t i = 0; i < n; i++) {
			kb_fstatus st;
			const char *fix;
			int r = kb_exposure_status(afs[i], cand, modules, &st, &fix, err);
			if (r < 0)
				return r;
			int d = 1;
			if (st == KB_FS_AFFECTED && fix && kb_version_cmp(scheme, fix, next, &d) == 0 && d > 0)
				next = fix;
			else if (st == KB_FS_AFFECTED && !fix)
				fixable = false;
		}
		if (next == cand)
			break;
		cand = next;
	}
	*ret = any ? cand : NULL;
	if (ret_fixable)
		*ret_fixable = fixable;
	return 0;
}
