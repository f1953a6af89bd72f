/*
 * store-internal.h - what the library's modules see of a store: the SQLite
 * handle and a helper that turns a SQLite failure into a kb_error.
 */
#ifndef KOBAN_STORE_INTERNAL_H
#define KOBAN_STORE_INTERNAL_H

#include "koban/store.h"

#include <sqlite3.h>
#include <stdbool.h>

#define KB_STORE_CACHED_STATEMENTS 32

struct kb_store {
	sqlite3 *db;
	char *path;
	unsigned depth; /* open transactions: 0 none, 1 BEGIN, more are savepoints */
	/* Prepared statements of the lookups made once per finding, kept for
	 * the life of the store (kb_store_cached). */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cached[KB_STORE_CACHED_STATEMENTS];
};

/* Fill err from the connection's last error; returns KB_ESTORE. `what` says
 * what was being done ("insert component"). */
int kb_store_fail(kb_store *s, kb_error *err, const char *what);

/* Prepare `sql`; on failure fill err. */
int kb_store_prepare(kb_store *s, const char *sql, sqlite3_stmt **ret, kb_error *err);

/* A prepared statement for `sql` (a string literal: the cache is keyed by its
 * address) that the store keeps: reset, bindings cleared. The caller resets it
 * after use and never finalizes it. */
int kb_store_cached(kb_store *s, const char *sql, sqlite3_stmt **ret, kb_error *err);

/* Run SQL that returns no rows. */
int kb_store_exec(kb_store *s, const char *sql, kb_error *err);

/* Migrations: applies every step past user_version. */
int kb_store_migrate(kb_store *s, kb_error *err);

/* Bind a C string, or NULL when s is NULL or empty. */
int kb_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);
/* Bind a C string, "" when NULL. */
int kb_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Column text or NULL. */
const char *kb_column_text(sqlite3_stmt *st, int idx);

#endif
