/*
 * exposure-internal.h - what the exposure engine's two files share.
 *
 * exposure-engine.c runs the ledger against the store: it gathers every
 * distinct (ecosystem, name, version) of the components in scope, has
 * exposure-steps.c judge all versions of one package at once, keeps each
 * verdict in a map, and then walks the assets in name order, handing out the
 * verdict of each component (and judging each asset's own product, and any
 * verdict a VEX statement may change, one by one with the reference rules of
 * exposure-status.c).
 */
#ifndef KOBAN_EXPOSURE_INTERNAL_H
#define KOBAN_EXPOSURE_INTERNAL_H

#include "koban/exposure.h"
#include "koban/feeds.h"

#include "util-buf.h"
#include "util-map.h"

#include <stdint.h>

/* One affected entry that names the package or product being judged, and the
 * advisory it belongs to. Entries of one advisory are adjacent. */
typedef struct xp_entry {
	const kb_advisory_affected *af;
	const kb_advisory *owner;
	const char *kev;  /* the date a CVE of the advisory entered CISA KEV, or NULL */
	double epss;      /* the highest EPSS score of its CVEs, 0 when none */
} xp_entry;

/* A verdict before it is given to an asset: the finding with asset NULL, and
 * the strings it points to, owned here. */
typedef struct xp_verdict {
	kb_finding fd;
	bool show;      /* passes --all, --kev and --eol */
	bool vex_open;  /* an advisory behind it has a VEX statement: judge per asset */
	int uses;       /* assets still to be given it; cleared after the last */
	char *ecosystem, *name, *version, *ids, *move_to, *severity, *sup_move;
	char kev[16];
	char vex[320];
	kb_eol_info *eol;
} xp_verdict;

struct xp_run {
	kb_store *s;
	const kb_exposure_filter *f;
	kb_finding_cb cb;
	void *ctx;
	kb_error *err;
	const kb_asset *asset;   /* the asset being judged, NULL while verdicts are gathered */
	char today[16];
	kb_buf ids;
	kb_map kev;              /* CVE id -> date added (char *), when KEV data is stored */
	struct xp_scores *epss;  /* CVE -> EPSS score, when EPSS data is stored (a feed of every CVE) */
	kb_map vex_ids;          /* lower-cased vulnerability ids with a VEX statement */
	kb_map verdicts;         /* "eco\x1fname\x1fversion" -> xp_verdict * (or &xp_none) */
	bool have_vex, have_eol;
	void *cache;             /* exposure-engine.c's parsed advisories per name */
};

/* EPSS scores by CVE number: every CVE has one, so the table holds hundreds
 * of thousands; keys are numbers (year * 10^12 + sequence), not strings. */
struct xp_scores {
	struct { uint64_t cve; float score; } *slot; /* cve 0: empty */
	size_t cap, n;
};

/* "CVE-2021-44228" as a number; false when it is not a CVE id. */
bool xp_cve_number(const char *id, uint64_t *ret);

extern xp_verdict xp_none;   /* a package no advisory names */

/* The order of statuses, worst highest: affected, unknown: never evaluated,
 * unknown: newer, unknown: no version or unreadable, fixed, not affected. */
static inline int xp_rank(kb_fstatus s)
{
	static const signed char rank[] = {
		[KB_FS_AFFECTED] = 6,          [KB_FS_UNKNOWN_NOT_EVALUATED] = 5, [KB_FS_UNKNOWN_NEWER] = 4,
		[KB_FS_UNKNOWN_NO_VERSION] = 3, [KB_FS_UNKNOWN_BAD_VERSION] = 3,   [KB_FS_FIXED] = 2,
		[KB_FS_NOT_AFFECTED_VEX] = 1,   [KB_FS_NOT_AFFECTED] = 1,
	};
	return (unsigned)s < sizeof rank ? rank[s] : 1;
}

/* Statuses of the entries, one byte each (a kb_fstatus). */
typedef signed char xp_st;

/* Complete a verdict from per-entry statuses: the advisories behind the
 * worst status, their highest severity, KEV and EPSS, end of life and the
 * supported branch to move to. `out` is zeroed first; the caller frees it
 * with xp_verdict_clear(). */
int xp_finish(struct xp_run *ru, const xp_entry *e, size_t n, const xp_st *st, kb_fstatus worst,
              const char *move, bool fixable, bool product, const char *k1, const char *k2, const char *version,
              const char *modules, const char *purl, const char *vex_why, xp_verdict *out);
void xp_verdict_clear(xp_verdict *v);

/* Is any advisory behind an open status (worse than fixed) the subject of a
 * VEX statement? */
bool xp_vex_open(struct xp_run *ru, const xp_entry *e, size_t n, const xp_st *st);

/* The entries of `advs` that name (k1, k2): a product when `product`, else a
 * package; limited to the --advisory filter. *ret is malloc'd. */
int xp_entries(struct xp_run *ru, kb_advisory *const *advs, size_t nadv, bool product, const char *k1,
               const char *k2, xp_entry **ret, size_t *ret_n);

/* exposure-steps.c: verdicts for the versions vers[0..nv) (purls beside them)
 * of one package named by k1/k2, stored in ru->verdicts under `keys`. Uses
 * the stepped evaluation when every entry allows it, else the reference
 * rules version by version. */
int xp_judge_versions(struct xp_run *ru, const char *k1, const char *k2, const xp_entry *e, size_t n,
                      char *const *vers, char *const *purls, char *const *keys, size_t nv);

/* The reference: one version against the entries, statuses and move-to by
 * kb_exposure_status() and kb_exposure_move_to(); VEX per ru->asset. */
int xp_judge_one(struct xp_run *ru, const xp_entry *e, size_t n, bool product, const char *k1, const char *k2,
                 const char *version, const char *modules, const char *purl, xp_verdict *out);

#endif
