/*
 * store.c - open, configure and close the SQLite store; transactions.
 *
 * Settings chosen for an import-heavy, single-writer tool: WAL
 * (readers never block the writer), synchronous=NORMAL (durable at
 * checkpoints, safe against corruption), foreign keys on, a 64 MiB page cache
 * (a constant: memory does not grow with the input) and in-memory temp tables.
 */
#include "store-internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Process-wide SQLite settings, applied once before SQLite initialises:
 * no memory statistics (they take a global mutex on every allocation, which
 * showed as 2% of a bulk import), and a connection never shared between two
 * threads at once (koban's writer hands the connection over, it never shares
 * it), so SQLite can skip its per-connection mutex. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

int kb_store_fail(kb_store *s, kb_error *err, const char *what)
{
	return kb_error_set(err, KB_ESTORE, s && s->path ? s->path : "", 0, 0, KB_NO_OFFSET,
	                    "%s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : "no database");
}

int kb_store_prepare(kb_store *s, const char *sql, sqlite3_stmt **ret, kb_error *err)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, ret, NULL) != SQLITE_OK)
		return kb_store_fail(s, err, "prepare statement");
	return 0;
}

int kb_store_cached(kb_store *s, const char *sql, sqlite3_stmt **ret, kb_error *err)
{
	size_t i = 0;
	for (; i < KB_STORE_CACHED_STATEMENTS && s->cached[i].sql; i++)
		if (s->cached[i].sql == sql) {
			sqlite3_reset(s->cached[i].st);
			sqlite3_clear_bindings(s->cached[i].st);
			*ret = s->cached[i].st;
			return 0;
		}
	sqlite3_stmt *st;
	int r = kb_store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	if (i == KB_STORE_CACHED_STATEMENTS) { /* full: the first one goes */
		sqlite3_finalize(s->cached[0].st);
		memmove(&s->cached[0], &s->cached[1], sizeof s->cached[0] * (KB_STORE_CACHED_STATEMENTS - 1));
		i--;
	}
	s->cached[i].sql = sql;
	s->cached[i].st = st;
	*ret = st;
	return 0;
}

int kb_store_exec(kb_store *s, const char *sql, kb_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		kb_error_set(err, KB_ESTORE, s->path, 0, 0, KB_NO_OFFSET, "%s",
		             msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return KB_ESTORE;
	}
	return 0;
}

int kb_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s || !*s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

int kb_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	return sqlite3_bind_text(st, idx, s ? s : "", -1, SQLITE_STATIC);
}

const char *kb_column_text(sqlite3_stmt *st, int idx)
{
	return (const char *)sqlite3_column_text(st, idx);
}

int kb_store_open(const char *path, unsigned flags, kb_store **ret, kb_error *err)
{
	pthread_once(&sqlite_once, sqlite_setup);
	kb_store *s = calloc(1, sizeof *s);
	if (!s)
		return kb_error_set(err, KB_ENOMEM, path, 0, 0, KB_NO_OFFSET, "out of memory");
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return kb_error_set(err, KB_ENOMEM, path, 0, 0, KB_NO_OFFSET, "out of memory");
	}
	int oflags = (flags & KB_STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & KB_STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int code = rc == SQLITE_CANTOPEN ? KB_ENOTFOUND : KB_ESTORE;
		kb_error_set(err, code, path, 0, 0, KB_NO_OFFSET, "cannot open store: %s",
		             s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		kb_store_close(s);
		return code;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, KB_STORE_BUSY_TIMEOUT_MS);
	/* Page size stays SQLite's 4 KiB: 16 KiB saved 5% on a sorted 1M-row CSV
	 * import but cost 50% on a 1M-component SBOM, whose keys arrive in random
	 * order (larger pages mean larger moves on every insert). */
	int r = kb_store_exec(s,
	                      "PRAGMA foreign_keys=ON;"
	                      "PRAGMA synchronous=NORMAL;"
	                      "PRAGMA cache_size=-65536;"
	                      "PRAGMA temp_store=MEMORY;",
	                      err);
	if (r == 0 && !(flags & KB_STORE_READONLY) && strcmp(path, KB_STORE_MEMORY) != 0)
		r = kb_store_exec(s, "PRAGMA journal_mode=WAL;", err);
	if (r == 0) {
		/* A file that is not a database fails here, on the first read. */
		if (flags & KB_STORE_READONLY) {
			if (kb_store_schema_version(s) > kb_store_schema_latest())
				r = kb_error_set(err, KB_ESCHEMA, path, 0, 0, KB_NO_OFFSET,
				                 "store schema %d is newer than this koban (%d)",
				                 kb_store_schema_version(s), kb_store_schema_latest());
		} else {
			r = kb_store_migrate(s, err);
		}
	}
	if (r < 0) {
		kb_store_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

kb_store *kb_store_close(kb_store *s)
{
	if (!s)
		return NULL;
	while (s->depth)
		kb_store_rollback(s);
	for (size_t i = 0; i < KB_STORE_CACHED_STATEMENTS; i++)
		sqlite3_finalize(s->cached[i].st);
	if (s->db)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
	return NULL;
}

int kb_store_begin(kb_store *s, kb_error *err)
{
	if (s->depth >= KB_STORE_MAX_NESTING)
		return kb_error_set(err, KB_ELIMIT, s->path, 0, 0, KB_NO_OFFSET,
		                    "transactions nested %u deep: the limit is %u", s->depth, KB_STORE_MAX_NESTING);
	char sql[32];
	if (s->depth)
		snprintf(sql, sizeof sql, "SAVEPOINT kb_%u", s->depth);
	int r = kb_store_exec(s, s->depth ? sql : "BEGIN IMMEDIATE", err);
	if (r == 0)
		s->depth++;
	return r;
}

int kb_store_commit(kb_store *s, kb_error *err)
{
	if (!s->depth)
		return kb_error_set(err, KB_EINVAL, s->path, 0, 0, KB_NO_OFFSET, "no transaction is open");
	char sql[32];
	if (s->depth > 1)
		snprintf(sql, sizeof sql, "RELEASE kb_%u", s->depth - 1);
	int r = kb_store_exec(s, s->depth > 1 ? sql : "COMMIT", err);
	if (r == 0)
		s->depth--;
	else
		kb_store_rollback(s);
	return r;
}

void kb_store_rollback(kb_store *s)
{
	if (!s->depth)
		return;
	if (s->depth > 1) {
		char sql[64];
		snprintf(sql, sizeof sql, "ROLLBACK TO kb_%u; RELEASE kb_%u", s->depth - 1, s->depth - 1);
		sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	} else {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	s->depth--;
}

int kb_store_schema_version(kb_store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}
