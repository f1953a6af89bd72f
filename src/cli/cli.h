/*
 * cli.h - what the verbs of the koban command share: global options, the
 * store, output in three shapes (aligned table on a terminal, NDJSON, CSV),
 * progress on stderr, and the exit codes. Only this layer prints or exits.
 */
#ifndef KOBAN_CLI_H
#define KOBAN_CLI_H

#include "koban/koban.h"
#include "koban/ledger.h"
#include "koban/store.h"

#include <stdbool.h>
#include <stdio.h>

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_ERROR = 2 };

typedef enum { OUT_TABLE, OUT_JSON, OUT_CSV } out_format;

typedef struct cli {
	const char *db_path;
	bool db_explicit;      /* --db given on the command line */
	out_format fmt;
	bool quiet;
	bool progress;         /* stderr is a terminal and not --quiet/--no-progress */
	bool color;
	const char *prog;
} cli;

typedef struct verb {
	const char *name;
	int (*run)(cli *c, int argc, char **argv);
	const char *summary;
} verb;

int cmd_ledger(cli *c, int argc, char **argv);
int cmd_triage(cli *c, int argc, char **argv);
int cmd_advisories(cli *c, int argc, char **argv);
int cmd_exposure(cli *c, int argc, char **argv);
int cmd_scans(cli *c, int argc, char **argv);
int cmd_scan(cli *c, int argc, char **argv);
int cmd_iocs(cli *c, int argc, char **argv);
int cmd_hunt(cli *c, int argc, char **argv);
int cmd_flows(cli *c, int argc, char **argv);
int cmd_detect(cli *c, int argc, char **argv);
struct kb_detect_config;
struct kb_detect_opts;
/* Run the detectors on the store's flows; print the ranked hosts and the
 * detections. EXIT_FINDINGS when a host ranks at or above the threshold. */
int cli_detect_report(cli *c, kb_store *s, const struct kb_detect_config *cfg, const struct kb_detect_opts *o,
                      bool *ret_alarm);

struct kb_ioc_set;
struct kb_scan_opts;
struct kb_asset_resolver;
typedef struct cli_hunt_opts {
	const struct kb_ioc_set *iocs;           /* NULL: Log4Shell only */
	kb_store *store;                         /* keep hits and callback hosts here; NULL: not kept */
	const struct kb_asset_resolver *assets;  /* link hits to assets by host; NULL: not linked */
	const char *asset;                       /* --asset: every hit is this asset's (asset_id > 0) */
	int64_t asset_id;
	const struct kb_scan_opts *walk;
	FILE *emit;                              /* callback hosts, one per line; NULL: not written */
} cli_hunt_opts;
/* Hunt the roots (and standard input when from_stdin) with the Log4Shell
 * detector and, when o->iocs is not NULL, the IOCs; print one table of hits
 * and the summaries; keep them in o->store. EXIT_FINDINGS on hits. */
int cli_hunt_run(cli *c, const cli_hunt_opts *o, const char *const *roots, size_t nroots, bool from_stdin,
                 bool *ret_hits);

/* One root of a scan, and the asset whose ledger it fills (NULL: none). */
typedef struct cli_scan_job {
	const char *root;
	const char *asset;
} cli_scan_job;
struct kb_scanner_opts;
/* Scan the roots, print one table (with an ASSET column when asked), write
 * each asset's components to s (may be NULL). EXIT_ERROR when the scan could
 * not run, files could not be read or storing failed; *ret_vulnerable says
 * whether a vulnerable copy was found, *ret_failed (may be NULL) whether the
 * scan itself or storing failed (not merely some files). */
int cli_scan_run(cli *c, kb_store *s, const cli_scan_job *jobs, size_t njobs, const struct kb_scanner_opts *opts,
                 bool all, bool asset_column, bool *ret_vulnerable, bool *ret_failed);

/* Messages on stderr, "koban: error: ..." */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_report(const kb_error *e);              /* a located error */
void cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open the store named by --db / $KOBAN_DB / ./koban.db. */
int cli_open_store(cli *c, bool create, kb_store **ret);

/* Output records. A table collects rows and prints them aligned at the end;
 * JSON and CSV print each row at once. Column keys double as JSON keys and
 * CSV header names; titles are the human headers. */
typedef struct table table;
table *table_new(cli *c, int ncols, const char *const keys[], const char *const titles[]);
/* values: ncols strings, NULL for empty. `numeric` marks columns written as
 * JSON numbers (bit i for column i). */
void table_row(table *t, const char *const values[]);
void table_set_numeric(table *t, unsigned mask);
/* Print (table mode) and free. */
void table_end(table *t);
/* In JSON mode, each row gets {"type": kind} first; NULL for none. */
void table_set_kind(table *t, const char *kind);
/* Columns (bit i: column i) a terminal does not show; NDJSON and CSV keep them. */
void table_set_hidden(table *t, unsigned mask);

/* Progress line on stderr: shown only when c->progress; throttled. */
void progress_update(cli *c, const char *what, uint64_t done, uint64_t total, uint64_t records);
void progress_clear(cli *c);

/* "2026-11-20T01:00:00Z" of microseconds since 1970 (UTC). */
void cli_iso_time(int64_t us, char *out, size_t size);

/* Human section heading (table mode only). */
void cli_heading(cli *c, const char *title);

/* Parse "--opt VALUE" / "--opt=VALUE" at argv[*i]; advances *i. */
bool opt_value(int argc, char **argv, int *i, const char *name, const char **ret);

#endif
