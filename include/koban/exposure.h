/*
 * exposure.h - what one advisory means for one installed version, and what to
 * move to (issue 3: the matching engine's verdicts).
 *
 * Status of an installed version against one affected entry:
 *   affected        inside an affected range or listed affected;
 *   fixed           on a branch the advisory covers, at or past its fix (or
 *                   listed unaffected after having been in range);
 *   not affected    outside the advisory, which says so (OSV's default);
 *   unknown: branch never evaluated  the advisory's default is "unknown"
 *                   (F5: end-of-support branches are not evaluated) and the
 *                   version is on no branch it covers, or older than all;
 *   unknown: newer than the advisory  past every version it speaks of;
 *   unknown: no version  the ledger does not know the installed version;
 *   unknown: version not readable  the installed version, or a version the
 *                   advisory names, is not valid in the advisory's scheme;
 *   not affected (VEX)  an OpenVEX statement says so (shown with --all).
 * A branch, for vendor dotted versions, is the first two numbers (17.1); for
 * other schemes a version belongs to the range it falls in.
 *
 * Move-to: per advisory the fix on the version's own branch; per component
 * the largest of those; then that candidate is checked against every
 * advisory again, and moved up while one of them still affects it.
 */
#ifndef KOBAN_EXPOSURE_H
#define KOBAN_EXPOSURE_H

#include "koban/advisory.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_fstatus {
	KB_FS_AFFECTED,
	KB_FS_FIXED,
	KB_FS_NOT_AFFECTED,
	KB_FS_UNKNOWN_NOT_EVALUATED,
	KB_FS_UNKNOWN_NEWER,
	KB_FS_UNKNOWN_NO_VERSION,
	KB_FS_UNKNOWN_BAD_VERSION, /* the version is not valid in the advisory's scheme */
	KB_FS_NOT_AFFECTED_VEX,    /* an OpenVEX statement says not_affected (hidden unless asked) */
} kb_fstatus;

/* "affected", "fixed", "not affected", "unknown: branch never evaluated",
 * "unknown: newer than the advisory", "unknown: no version". */
const char *kb_fstatus_name(kb_fstatus s);

#define KB_MOVETO_MAX_ROUNDS 16 /* re-checks of a move-to candidate */

/* Status of `version` (NULL or "": unknown) against one affected entry.
 * `modules` is the asset's provisioned modules as a normalised list ("APM,LTM")
 * or NULL when unknown: an entry limited to modules none of which is
 * provisioned gives "not affected". *ret_fix (may be NULL) gets the fix on
 * the version's branch when affected, else NULL; it is borrowed from `af`. */
int kb_exposure_status(const kb_advisory_affected *af, const char *version, const char *modules,
                       kb_fstatus *ret_status, const char **ret_fix, kb_error *err);

/* The version to move to from `version` given every affected entry that names
 * the component or product (n of them): NULL in *ret when nothing affects it
 * or no fix is known. *ret_fixable is false when an affecting entry has no
 * fix on the branch. Borrowed from the entries. */
int kb_exposure_move_to(const kb_advisory_affected *const *afs, size_t n, const char *version,
                        const char *modules, const char **ret, bool *ret_fixable, kb_error *err);

/* ---- the engine over the store ---------------------------------------------- */

#include "koban/ledger.h"

/* One system's verdict for one product (the asset's own vendor/product/
 * version/modules) or one component, over every advisory that names it. */
typedef struct kb_finding {
	const kb_asset *asset;      /* borrowed */
	bool product;               /* the asset itself, not a component */
	const char *ecosystem;      /* components: the ecosystem; products: the vendor */
	const char *name;           /* package or product name */
	const char *version;        /* installed version, "" when unknown */
	kb_fstatus status;          /* the worst over the advisories (affected first) */
	const char *move_to;        /* NULL when nothing to move to */
	bool fixable;               /* false when an affecting advisory names no fix */
	const char *advisories;     /* ids behind the status, comma-separated */
	const char *severity;       /* highest severity among them, or NULL */
	const char *kev_added;      /* date a CVE behind it entered CISA KEV, or NULL */
	double epss;                /* highest EPSS score among them, 0 when none */
	/* End of life, from endoflife.date data, when the product is known there. */
	const char *cycle;          /* the version's release cycle ("15.1"), or NULL */
	bool eol;                   /* that cycle has ended */
	const char *eol_from;       /* since when, or NULL */
	const char *supported_cycle;/* the lowest supported cycle above, or NULL */
	const char *supported_move; /* the lowest safe version on it, or NULL */
	const char *supported_until;/* when that cycle ends, or NULL */
	const char *vex;            /* the VEX justification when status is not affected (VEX), or NULL */
} kb_finding;

typedef int (*kb_finding_cb)(const kb_finding *f, void *ctx);

typedef struct kb_exposure_filter {
	const char *asset;          /* exact asset name, or NULL */
	const char *category;       /* asset category, or NULL */
	bool all;                   /* also "fixed" and "not affected" verdicts */
	const char *today;          /* YYYY-MM-DD for end-of-life dates; NULL: the current UTC date */
	const char *advisory;       /* only this advisory (its id or an alias): the verdicts it alone gives */
	bool kev;                   /* only verdicts behind which stands a known-exploited CVE */
	bool eol;                   /* only verdicts on an end-of-life cycle */
	bool cpe;                   /* also match components known only by a CPE name, by the CPE
	                               vendor:product advisories give (never a wildcard vendor or product) */
	bool reference;             /* judge every version against every advisory by the reference rules,
	                               never by steps (slower; tests compare the two) */
} kb_exposure_filter;

/* Evaluate every asset of the ledger (filtered) against the stored
 * advisories and call cb for each verdict, assets in name order. */
int kb_exposure_run(kb_store *s, const kb_exposure_filter *f, kb_finding_cb cb, void *ctx, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
