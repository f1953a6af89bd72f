/*
 * hunt.h - what `koban hunt` found, kept in the store and linked to the
 * ledger's assets.
 *
 * A hit is one match in one log line: a Log4Shell/Text4Shell payload
 * (attempt, scanner, success sign, second stage) or an IOC. Hits are
 * identified by (file, byte offset, kind, what), so hunting the same logs
 * again - after new IOCs arrive - updates them instead of adding copies.
 * Records are borrowed (strings live for the call or the callback).
 */
#ifndef KOBAN_HUNT_H
#define KOBAN_HUNT_H

#include "koban/koban.h"
#include "koban/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_hunt_hit {
	const char *file;     /* as given to the hunt ("-" for standard input); never NULL */
	uint64_t line;        /* 1-based */
	uint64_t offset;      /* byte offset in the (decompressed) stream */
	const char *time;     /* as the line wrote it, or NULL */
	bool has_epoch;
	int64_t epoch;        /* seconds since 1970 UTC, when has_epoch */
	const char *source;   /* client address of the line, or NULL */
	const char *host;     /* the host the log came from (line, server address, path, --asset), or NULL */
	int64_t asset_id;     /* the ledger asset, 0 when not linked */
	const char *asset;    /* its name (filled by kb_hunt_hits_list), or NULL */
	const char *kind;     /* "log4shell", "text4shell" or "ioc" */
	const char *cls;      /* "attempt", "scanner", "success", "second-stage" or "ioc" */
	const char *what;     /* the decoded payload, or the matched token */
	const char *detail;   /* CVE, callback, exfiltrated lookups; the IOC and its source */
	const char *first_hunted, *last_hunted; /* filled by kb_hunt_hits_list */
} kb_hunt_hit;

/* Keep n hits in one transaction (nested inside the caller's, if any):
 * new ones are inserted, known ones updated (class, detail, fields, asset
 * when given, last_hunted). KB_EINVAL when a hit lacks file, kind, class or
 * what, or has an unknown class; nothing is kept then. */
int kb_hunt_hits_put(kb_store *s, const kb_hunt_hit *hits, size_t n, kb_error *err);

typedef struct kb_hunt_hit_filter {
	const char *asset;    /* asset name, exact; NULL: any */
	const char *cls;      /* class; NULL: any */
	bool unlinked;        /* only hits not linked to an asset */
} kb_hunt_hit_filter;

typedef int (*kb_hunt_hit_cb)(const kb_hunt_hit *h, void *ctx);
/* Kept hits, ordered by file, line and offset. A non-zero return from cb
 * stops the walk and is returned. */
int kb_hunt_hits_list(kb_store *s, const kb_hunt_hit_filter *f, kb_hunt_hit_cb cb, void *ctx, kb_error *err);
/* Hits kept, all together. */
int kb_hunt_hits_count(kb_store *s, int64_t *ret, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
