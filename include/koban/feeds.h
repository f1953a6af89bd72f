/*
 * feeds.h - the feeds that rank and date findings (issue 3): CISA's Known
 * Exploited Vulnerabilities catalog (JSON), FIRST EPSS scores (CSV), and
 * endoflife.date release cycles (product API v1 JSON). Each import is one
 * transaction; a row keeps its source file and import time; importing a newer
 * copy of a feed updates its rows (these dates change: BIG-IP 15.1 and 16.1
 * moved twice in a year).
 */
#ifndef KOBAN_FEEDS_H
#define KOBAN_FEEDS_H

#include "koban/store.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_feed { KB_FEED_AUTO = 0, KB_FEED_KEV, KB_FEED_EPSS, KB_FEED_EOL, KB_FEED_VEX } kb_feed;

#define KB_FEED_MAX_BYTES (256u << 20) /* one feed file */

typedef struct kb_feed_stats {
	kb_feed feed;
	uint64_t rows;
} kb_feed_stats;

/* Import one feed file, detected by content (KEV: "vulnerabilities" with
 * "cveID"; EPSS: a "#model_version" line or a "cve,epss,percentile" header;
 * end-of-life: "result" with "releases"; OpenVEX: an openvex.dev "@context"
 * with "statements"). Errors are located (line:column for syntax, the JSON
 * path or the CSV line otherwise); nothing is kept from a failed file. */
int kb_feed_import_file(kb_store *s, const char *path, kb_feed_stats *ret, kb_error *err);
const char *kb_feed_name(kb_feed f);
/* Is this file one of the feeds? (a cheap look at its start) */
bool kb_feed_sniff(const char *path, kb_feed *ret);

typedef struct kb_kev_entry {
	char date_added[16];
	char due_date[16];
	char ransomware[16]; /* "Known" / "Unknown" */
} kb_kev_entry;

/* KEV facts for a CVE id; KB_ENOTFOUND when it is not in the catalog. */
int kb_kev_lookup(kb_store *s, const char *cve, kb_kev_entry *ret, kb_error *err);

/* The EPSS score of a CVE; KB_ENOTFOUND when none is stored. */
int kb_epss_lookup(kb_store *s, const char *cve, double *ret_epss, double *ret_percentile, kb_error *err);

typedef struct kb_eol_info {
	char product[64];     /* endoflife.date product ("big-ip") */
	char cycle[32];       /* the release cycle of the version ("15.1") */
	bool eol;             /* end of life on `today` */
	char eol_from[16];    /* the date, "" when not known */
	char next_cycle[32];  /* the lowest supported cycle above it, "" when none */
	char next_latest[64]; /* that cycle's latest version */
	char next_eol[16];    /* when that cycle ends */
	char source[256];
} kb_eol_info;

/* The release cycle of `version` of the product known by `name` (an asset's
 * product, or a component's purl without version), and whether it has ended on
 * `today` (YYYY-MM-DD). The cycle is the longest cycle name that is a prefix
 * of the version at a '.' boundary. KB_ENOTFOUND when the product or cycle is
 * unknown. */
int kb_eol_lookup(kb_store *s, const char *name, const char *version, const char *today, kb_eol_info *ret,
                  kb_error *err);

typedef struct kb_vex_statement {
	char status[24];         /* not_affected, affected, fixed, under_investigation */
	char justification[64];
	char impact[256];
	char source[256];
} kb_vex_statement;

/* The VEX statement about `vulnerability` in `product` (a purl, tried with
 * and then without its version; an asset name; or "ASSET#PURL" for a
 * subcomponent of a product); KB_ENOTFOUND when none. */
int kb_vex_lookup(kb_store *s, const char *vulnerability, const char *product, kb_vex_statement *ret,
                  kb_error *err);

/* Rows stored for a feed (KEV entries, EPSS scores, end-of-life cycles, VEX
 * statements). */
int kb_feed_count(kb_store *s, kb_feed f, int64_t *ret, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
