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
	/* The vendor's own words when its versions were free text (vendor status
	 * lists: "affected: < 8.0.1, 7.x; fixed: 8.0.1"), kept whole whether or
	 * not they could be read into ranges; NULL for structured feeds. */
	const char *statement;
	/* The CPE name of the product the entry speaks of (CVE 5 "cpes", a CSAF
	 * product's cpe helper), or NULL; matched against components' CPEs only
	 * when asked (koban exposure --cpe), and never when its vendor or product
	 * is a wildcard. */
	const char *cpe;
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

/* Limits on one CSAF document (besides the ones above); each hit gives KB_ELIMIT. */
#define KB_CSAF_MAX_DEPTH 32              /* product_tree branches nested, and relationships chained */
#define KB_CSAF_MAX_PRODUCTS 100000       /* products the product tree defines */
#define KB_CSAF_MAX_VULNERABILITIES 4096  /* entries of vulnerabilities[] */
#define KB_CSAF_MAX_STATUSES 1000000      /* product references in product_status and vendor_fix
                                           * remediations, over the document, groups expanded */

/* Parse one CSAF 2.0 document (OASIS csaf-v2.0; "2.1" is read the same way)
 * of at most KB_ADVISORY_MAX_BYTES into one advisory: document.tracking.id
 * is its id, every vulnerability's cve and ids[].text its aliases, the title
 * its summary, the aggregate severity (or the highest CVSS v3 / v4 base
 * score) its severity. Products come from the product tree (branches walked
 * for vendor, product name and version or version range, full_product_names,
 * relationships resolved to their component, purl and cpe helpers); each
 * vulnerability's product_status and vendor_fix remediations give one
 * affected entry per product identity (ecosystem + package from a purl, else
 * vendor + product), entries equal to an earlier vulnerability's dropped.
 * product_version_range is read as vers ("vers:intdot/>=17.1.0|<17.1.3") or
 * as a list of comparators; any other text is kept in `statement` and makes
 * the entry's default_status KB_VSTATUS_UNKNOWN. advisory-csaf.c explains the
 * mapping. Errors as for kb_advisory_parse_osv(): syntax errors carry line
 * and column, others the JSON path ("vulnerabilities[0].product_status.fixed[2]");
 * a product id that the product tree does not define is an error. *ret is
 * the caller's. */
int kb_advisory_parse_csaf(const char *name, const void *data, size_t len, kb_advisory **ret, kb_error *err);

/* Limits on one vendor status list; each hit gives KB_ELIMIT. */
#define KB_VSL_MAX_ENTRIES 100000  /* software entries in one file */
#define KB_VSL_MAX_CVES 256        /* distinct CVE ids in one file */
#define KB_VSL_MAX_STATUSES 400000 /* (software entry, CVE) statuses in one file */
#define KB_VSL_MAX_NAME 256        /* bytes of one vendor or product name */
#define KB_VSL_MAX_DEPTH 64        /* YAML collections nested in one another */

/* Parse one vendor status list in the shape of cisagov/log4j-affected-db
 * (data/cisagov_*.yml: a YAML mapping with a `software` list, each entry with
 * vendor, product and `cves` mapping a CVE id to investigated,
 * affected_versions, fixed_versions, unaffected_versions) of at most
 * KB_ADVISORY_MAX_BYTES. Gives one advisory per CVE the file names (id
 * upper-cased, "CVE-2021-44228"; in order of first appearance), each with one
 * vendor + product entry per software entry that carries that CVE. The
 * vendor's version strings are kept whole in `statement`; those that read as
 * versions or ranges ("2.0 - 2.14.1", "< 8.0.1", "7.x", "All versions", an
 * exact version) become ranges, and an entry with any string that does not,
 * or not investigated, or with nothing listed, has default_status
 * KB_VSTATUS_UNKNOWN (see advisory-cisagov.c for the encodings). Errors:
 * YAML syntax errors carry line and column; others the line and column of
 * the offending node and the path to it ("software[3].cves: expected a
 * mapping ..."). On success *ret holds *ret_n advisories (NULL and 0 for an
 * empty list), the caller's, freed with kb_advisory_list_free(); on failure
 * neither is written. */
int kb_advisory_parse_cisagov(const char *name, const void *data, size_t len, kb_advisory ***ret, size_t *ret_n,
                              kb_error *err);

/* Accepts NULL; returns NULL. */
kb_advisory *kb_advisory_free(kb_advisory *a);

/* ---- the store -------------------------------------------------------------- */

typedef enum kb_advisory_format { KB_ADV_FMT_AUTO = 0, KB_ADV_FMT_OSV, KB_ADV_FMT_CVE5, KB_ADV_FMT_CISAGOV, KB_ADV_FMT_CSAF } kb_advisory_format;

/* "osv", "cve5", ... as the store and the command spell the format. */
const char *kb_advisory_format_name(kb_advisory_format fmt);

typedef struct kb_advisory_import_stats {
	kb_advisory_format format;
	char id[128];       /* the advisory's id */
	bool replaced;      /* an earlier copy of it was replaced */
	size_t advisories;  /* advisories the document holds (lists hold many) */
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
typedef int (*kb_advisory_cb)(const kb_advisory *a, void *ctx);
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
