/*
 * advisory.h - advisories in one model, whatever feed they came from (OSV,
 * CVE JSON 5, CSAF): an advisory names what it affects, and each affected
 * entry carries a kb_affected (scheme, ranges, explicit versions) that
 * kb_range_eval() evaluates (range.h).
 *
 * An affected entry is either a package (ecosystem + name, as OSV and the
 * ledger's components spell them) or a product (vendor + product + modules, as
 * F5's CVE records and the ledger's assets spell them). `default_status` is
 * what the advisory says of versions outside every range: OSV means
 * "unaffected"; F5's CVE records say "unknown" (end-of-support branches are
 * not evaluated), which is not the same as not affected.
 *
 * A parsed kb_advisory owns everything it points to; free it with
 * kb_advisory_free(). Its fields are read-only to callers.
 */
#ifndef KOBAN_ADVISORY_H
#define KOBAN_ADVISORY_H

#include "koban/range.h"
#include "koban/store.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_vstatus { KB_VSTATUS_UNAFFECTED = 0, KB_VSTATUS_AFFECTED, KB_VSTATUS_UNKNOWN } kb_vstatus;

typedef struct kb_advisory_affected {
	const char *ecosystem;          /* OSV ecosystem ("Maven", "Debian:12"), or NULL */
	const char *package;            /* package name as the ecosystem spells it, or NULL */
	const char *purl;               /* OSV package.purl, or NULL */
	const char *vendor, *product;   /* CVE 5 / CSAF product identity, or NULL */
	const char *const *modules;     /* modules the entry is limited to (F5 "APM"); none: all */
	size_t n_modules;
	kb_affected match;              /* versions and ranges marked affected */
	kb_affected unaffected;         /* versions and ranges marked unaffected (CVE 5 "unaffected") */
	kb_vstatus default_status;      /* everything else */
} kb_advisory_affected;

typedef struct kb_advisory {
	const char *id;                 /* "GHSA-jfh8-c2jp-5v3q", "CVE-2025-53521" */
	const char *const *aliases;
	size_t n_aliases;
	const char *summary;            /* may be NULL */
	const char *severity;           /* "CRITICAL", "HIGH", "MODERATE"/"MEDIUM", "LOW", or NULL */
	const char *cvss_vector;        /* CVSS vector string, or NULL */
	double cvss_score;              /* base score when the document states it, else 0 */
	const char *published, *modified, *withdrawn; /* RFC 3339 or NULL */
	const kb_advisory_affected *affected;
	size_t n_affected;
	void *owner_;                   /* private: what the strings live in */
} kb_advisory;

/* Limits on one advisory document; each hit gives KB_ELIMIT. */
#define KB_ADVISORY_MAX_BYTES (16u << 20) /* one OSV or CVE document */
#define KB_ADVISORY_MAX_AFFECTED 4096      /* affected entries */
#define KB_ADVISORY_MAX_RANGES 1024        /* ranges in one affected entry */

/* Parse one OSV document (ossf/osv-schema 1.x). `name` is used in errors:
 * syntax errors carry line and column, others the JSON path of the bad
 * member ("affected[1].ranges[0].events[2]"). *ret is the caller's. */
int kb_advisory_parse_osv(const char *name, const void *data, size_t len, kb_advisory **ret, kb_error *err);

/* Parse one CVE JSON 5 record (CVE_RECORD, dataVersion 5.x) from its CNA
 * container: vendor, product, modules, versions with lessThan /
 * lessThanOrEqual and status, defaultStatus (absent means "unknown", as the
 * schema says), the CVSS metric with the highest version, descriptions. Errors
 * as for kb_advisory_parse_osv(). */
int kb_advisory_parse_cve5(const char *name, const void *data, size_t len, kb_advisory **ret, kb_error *err);

/* Accepts NULL; returns NULL. */
kb_advisory *kb_advisory_free(kb_advisory *a);

/* ---- the store -------------------------------------------------------------- */

typedef enum kb_advisory_format { KB_ADV_FMT_AUTO = 0, KB_ADV_FMT_OSV, KB_ADV_FMT_CVE5 } kb_advisory_format;

typedef struct kb_advisory_import_stats {
	kb_advisory_format format;
	char id[128];       /* the advisory's id */
	bool replaced;      /* an earlier copy of it was replaced */
	size_t keys;        /* packages and products it names */
} kb_advisory_import_stats;

/* Import one advisory document (format detected from its content unless
 * given) in one transaction: it is parsed and validated first (a malformed
 * document gives a located error and stores nothing), then stored whole with
 * its source name and import time, replacing an earlier document with the
 * same id. */
int kb_advisories_import_mem(kb_store *s, const char *name, const void *data, size_t len, kb_advisory_format fmt,
                             kb_advisory_import_stats *ret, kb_error *err);
int kb_advisories_import_file(kb_store *s, const char *path, kb_advisory_format fmt,
                              kb_advisory_import_stats *ret, kb_error *err);

/* Call cb with every stored advisory that names the package (ecosystem, name)
 * or the product (vendor, product); matching ignores case and an ecosystem's
 * ":release" suffix. The advisory is borrowed for the call. */
typedef int (*kb_advisory_cb)(const kb_advisory *a, const char *source, void *ctx);
int kb_advisories_naming(kb_store *s, const char *k1, const char *k2, kb_advisory_cb cb, void *ctx, kb_error *err);

/* The same, as a list the caller owns: *ret holds *ret_n advisories, freed
 * with kb_advisory_list_free(). */
int kb_advisories_load(kb_store *s, const char *k1, const char *k2, kb_advisory ***ret, size_t *ret_n,
                       kb_error *err);
void kb_advisory_list_free(kb_advisory **list, size_t n);

/* Is an advisory with this id or alias stored? (*ret 1 or 0) */
int kb_advisories_known(kb_store *s, const char *id, int64_t *ret, kb_error *err);


#ifdef __cplusplus
}
#endif
#endif
