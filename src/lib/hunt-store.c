/*
 * hunt-store.c - hunt hits in the store (table hunt_hit, migration 8).
 *
 * Writing is an upsert keyed by (file, offset, kind, what): a second hunt
 * over the same logs refreshes the rows it finds again (class and detail
 * may change when the detector or the IOCs did) and stamps last_hunted;
 * rows it does not find again stay, since a rotated-away log is still
 * evidence. A batch is one savepoint: all or nothing.
 */
#include "koban/hunt.h"
#include "store-internal.h"

#include <string.h>

static const char sql_put[] =
	"INSERT INTO hunt_hit(file, line, offset, kind, class, what, detail, time, epoch, source, host, asset_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
	" ON CONFLICT(file, offset, kind, what) DO UPDATE SET"
	"  line = excluded.line, class = excluded.class, detail = excluded.detail,"
	"  time = excluded.time, epoch = excluded.epoch, source = excluded.source,"
	"  host = coalesce(excluded.host, hunt_hit.host),"
	"  asset_id = coalesce(excluded.asset_id, hunt_hit.asset_id),"
	"  last_hunted = strftime('%Y-%m-%dT%H:%M:%SZ','now')";

static bool known_class(const char *c)
{
	static const char *const classes[] = { "attempt", "scanner", "success", "second-stage", "ioc" };
	for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
		if (strcmp(c, classes[i]) == 0)
			return true;
	return false;
}

static int put_one(kb_store *s, sqlite3_stmt *st, const kb_hunt_hit *h, size_t i, kb_error *err)
{
	if (!h->file || !*h->file || !h->kind || !*h->kind || !h->cls || !h->what || !*h->what)
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		                    "hit %zu: expected a file, a kind, a class and what matched", i + 1);
	if (!known_class(h->cls))
		return kb_error_set(err, KB_EINVAL, h->file, h->line, 0, h->offset,
		                    "hit class \"%s\": expected attempt, scanner, success, second-stage or ioc", h->cls);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	kb_bind_text(st, 1, h->file);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)h->line);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)h->offset);
	kb_bind_text(st, 4, h->kind);
	kb_bind_text(st, 5, h->cls);
	kb_bind_text(st, 6, h->what);
	kb_bind_text(st, 7, h->detail);
	kb_bind_text_or_null(st, 8, h->time);
	if (h->has_epoch)
		sqlite3_bind_int64(st, 9, h->epoch);
	kb_bind_text_or_null(st, 10, h->source);
	kb_bind_text_or_null(st, 11, h->host);
	if (h->asset_id > 0)
		sqlite3_bind_int64(st, 12, h->asset_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return kb_store_fail(s, err, "keep a hunt hit");
	return 0;
}

int kb_hunt_hits_put(kb_store *s, const kb_hunt_hit *hits, size_t n, kb_error *err)
{
	if (n == 0)
		return 0;
	int r = kb_store_begin(s, err);
	if (r < 0)
		return r;
	sqlite3_stmt *st = NULL;
	r = kb_store_cached(s, sql_put, &st, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = put_one(s, st, &hits[i], i, err);
	if (st)
		sqlite3_reset(st);
	if (r == 0)
		return kb_store_commit(s, err);
	kb_store_rollback(s);
	return r;
}

int kb_hunt_hits_list(kb_store *s, const kb_hunt_hit_filter *f, kb_hunt_hit_cb cb, void *ctx, kb_error *err)
{
	static const char sql[] =
		"SELECT h.file, h.line, h.offset, h.time, h.epoch, h.source, h.host, h.asset_id, a.name,"
		" h.kind, h.class, h.what, h.detail, h.first_hunted, h.last_hunted"
		" FROM hunt_hit h LEFT JOIN asset a ON a.id = h.asset_id"
		" WHERE (?1 IS NULL OR a.name = ?1) AND (?2 IS NULL OR h.class = ?2) AND (?3 = 0 OR h.asset_id IS NULL)"
		" ORDER BY h.file, h.line, h.offset, h.kind, h.what";
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	kb_bind_text_or_null(st, 1, f ? f->asset : NULL);
	kb_bind_text_or_null(st, 2, f ? f->cls : NULL);
	sqlite3_bind_int(st, 3, f && f->unlinked);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_hunt_hit h = {
			.file = kb_column_text(st, 0),
			.line = (uint64_t)sqlite3_column_int64(st, 1),
			.offset = (uint64_t)sqlite3_column_int64(st, 2),
			.time = kb_column_text(st, 3),
			.has_epoch = sqlite3_column_type(st, 4) != SQLITE_NULL,
			.epoch = sqlite3_column_int64(st, 4),
			.source = kb_column_text(st, 5),
			.host = kb_column_text(st, 6),
			.asset_id = sqlite3_column_int64(st, 7),
			.asset = kb_column_text(st, 8),
			.kind = kb_column_text(st, 9),
			.cls = kb_column_text(st, 10),
			.what = kb_column_text(st, 11),
			.detail = kb_column_text(st, 12),
			.first_hunted = kb_column_text(st, 13),
			.last_hunted = kb_column_text(st, 14),
		};
		if ((r = cb(&h, ctx)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	return rc == SQLITE_DONE ? 0 : kb_store_fail(s, err, "read hunt hits");
}

int kb_hunt_hits_count(kb_store *s, int64_t *ret, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s, "SELECT count(*) FROM hunt_hit", &st, err);
	if (r < 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return kb_store_fail(s, err, "count hunt hits");
	}
	*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}
