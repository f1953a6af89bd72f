/*
 * store.h - the embedded store: one SQLite file holding the ledger (and, as
 * koban grows, advisories, findings, events and the journal).
 *
 * Opening a store applies every pending schema migration (PRAGMA user_version
 * counts them) in one transaction, turns on WAL and foreign keys. A store is
 * used from one thread at a time. Every import runs inside one transaction
 * begun with kb_store_begin() and ended with kb_store_commit() or
 * kb_store_rollback(), so a failed input leaves nothing behind.
 */
#ifndef KOBAN_STORE_H
#define KOBAN_STORE_H

#include "koban/koban.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_store kb_store;

#define KB_STORE_MEMORY ":memory:" /* path for a store that lives only in memory */
#define KB_STORE_DEFAULT_PATH "koban.db"
#define KB_STORE_BUSY_TIMEOUT_MS 5000 /* how long to wait for another writer */

enum {
	KB_STORE_CREATE = 1 << 0, /* create the file when it does not exist */
	KB_STORE_READONLY = 1 << 1,
};

/* Open (and migrate) the store at `path`. *ret is owned by the caller, closed
 * with kb_store_close(). A store written by a newer koban gives KB_ESCHEMA. */
int kb_store_open(const char *path, unsigned flags, kb_store **ret, kb_error *err);
/* Accepts NULL; returns NULL. Rolls back an open transaction. */
kb_store *kb_store_close(kb_store *s);

/* Transactions nest: the outermost is BEGIN IMMEDIATE ... COMMIT, inner ones
 * are savepoints, so an importer's own transaction can run inside a batch a
 * caller opened (a directory of 500,000 advisories in a few transactions, one
 * savepoint per file: a bad file is rolled back alone). Nesting deeper than
 * KB_STORE_MAX_NESTING gives KB_ELIMIT; commit without a transaction gives
 * KB_EINVAL. */
#define KB_STORE_MAX_NESTING 8u
int kb_store_begin(kb_store *s, kb_error *err);
int kb_store_commit(kb_store *s, kb_error *err);
/* Undoes the innermost open transaction. Never fails observably; safe to call
 * when no transaction is open. */
void kb_store_rollback(kb_store *s);

/* The schema version this store is at, and the one this program writes. */
int kb_store_schema_version(kb_store *s);
int kb_store_schema_latest(void);

#ifdef __cplusplus
}
#endif
#endif
