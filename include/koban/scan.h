/*
 * scan.h - `koban scan`: where Java and its libraries hide in file trees,
 * archives inside archives included.
 *
 * kb_scanner_run() walks the roots with the file walker (scanwalk.h: two
 * worker threads, links never followed), opens every file that is a ZIP by
 * content as an archive (zip.h), asks javaid.h what each archive level holds,
 * and goes down into every nested archive - an entry whose name ends like an
 * archive (.jar .war .ear .zip .hpi .jpi .aar .nar .sar .rar .par .kar
 * .apk .jmod) or whose stored bytes start with a ZIP header - to the ZIP
 * reader's depth limit. Each library copy, each Java runtime and each archive
 * that could not be read is one result; a broken or hostile archive is a
 * result about that archive, never the end of the scan.
 *
 * A result's chain names where it is: the file's path, then "!/" and the
 * entry's name for each nested archive
 * ("srv/app.ear!/WEB-INF/lib/shop.war!/WEB-INF/lib/log4j-core-2.14.1.jar").
 * `inner` is the copy's place inside the last archive of the chain (a
 * pom.properties, or the package root of a shaded copy), "" when at the top.
 *
 * Results reach `cb` serialized (never two at once), so the caller prints or
 * stores without locking; everything in a result is borrowed for the call.
 * kb_scan_result_component() turns a library result into a ledger component
 * (source scan, evidence the chain), and kb_scan_store() writes a scan's
 * components for one asset, replacing that asset's earlier scan results for
 * the same roots, in one transaction.
 */
#ifndef KOBAN_SCAN_H
#define KOBAN_SCAN_H

#include "koban/javaid.h"
#include "koban/ledger.h"
#include "koban/scanwalk.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_scan_result_kind {
	KB_SCAN_RESULT_LIBRARY = 1,  /* a library copy or Maven artifact: `id` */
	KB_SCAN_RESULT_JAVA,         /* a Java runtime: `java` */
	KB_SCAN_RESULT_BROKEN,       /* an archive that could not be read, or not all of it: `error` */
} kb_scan_result_kind;

typedef struct kb_scan_result {
	kb_scan_result_kind kind;
	const char *root;               /* the root it was found under, as given */
	const char *chain;              /* the file, then "!/entry" per nested archive */
	const char *inner;              /* LIBRARY: the copy's place in the last archive, "" at its top */
	const kb_javaid_finding *id;    /* LIBRARY */
	const kb_scan_java *java;       /* JAVA */
	const kb_error *error;          /* BROKEN: what, and where in the archive (offset) */
} kb_scan_result;

typedef void (*kb_scan_result_cb)(void *ctx, const kb_scan_result *r);

typedef struct kb_scanner_opts {
	kb_scan_opts walk;                     /* xdev, include_fs, excludes, paths from "-" */
	const kb_javaid_hash_table *hashes;    /* NULL: the built-in table */
	void (*progress)(void *ctx, const kb_scan_counters *c); /* may be NULL; serialized */
	void (*error)(void *ctx, const kb_error *err);          /* files that could not be read; may be NULL */
} kb_scanner_opts;

/* Scan the roots; cb gets every result. Returns 0 when the scan ran (files
 * that could not be read are reported through opts->error and counted), or
 * a negative code when it could not. *ret_counters (may be NULL) gets the
 * final counters. */
int kb_scanner_run(const char *const *roots, size_t n_roots, const kb_scanner_opts *opts, kb_scan_result_cb cb,
                   void *ctx, kb_scan_counters *ret_counters, kb_error *err);

/* The ledger component a library result stands for (Maven coordinates and a
 * version are needed: false otherwise), in one allocation the caller frees
 * (*ret_mem): every string of *ret points into it. A chain is at most
 * KB_ZIP_MAX_DEPTH + 1 names of KB_ZIP_MAX_NAME_LEN bytes plus the file's
 * path, so no chain is ever cut. */
bool kb_scan_result_component(const kb_scan_result *r, kb_component *ret, char **ret_mem);

/* Write components found by a scan of `roots` to asset `asset` (which must
 * exist) in one transaction: the asset's earlier scan components whose
 * origin is one of the roots are deleted first. Each component's origin
 * must be its root. */
int kb_scan_store(kb_store *s, const char *asset, const char *const *roots, size_t n_roots,
                  const kb_component *comps, size_t n, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
