/*
 * ioc-store.c - IOCs in the store: import one document in one transaction,
 * and load the live ones into a matching set.
 *
 * Import deletes what the same source (the name given) said before, then
 * upserts each IOC the reader hands over; the same (type, value) said twice
 * by one file is merged into one row (see kb_iocs_import_mem in ioc.h). A
 * reader failure rolls the whole file back. Expiry is judged at load time
 * against the caller's `today`, so the store never has to be rewritten when
 * a date passes; import only counts what is already expired.
 */
#include "ioc-internal.h"
#include "store-internal.h"
#include "util-file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char sql_del[] = "DELETE FROM ioc WHERE source = ?1";
static const char sql_ins[] =
	"INSERT INTO ioc(type, value, source, first_seen, last_seen, confidence, valid_until, revoked, to_ids, ref, label)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	" ON CONFLICT(type, value, source) DO UPDATE SET"
	"  first_seen = CASE WHEN ioc.first_seen IS NULL OR excluded.first_seen < ioc.first_seen"
	"               THEN coalesce(excluded.first_seen, ioc.first_seen) ELSE ioc.first_seen END,"
	"  last_seen = CASE WHEN ioc.last_seen IS NULL OR excluded.last_seen > ioc.last_seen"
	"              THEN coalesce(excluded.last_seen, ioc.last_seen) ELSE ioc.last_seen END,"
	"  confidence = CASE WHEN ioc.confidence IS NULL THEN excluded.confidence"
	"               WHEN excluded.confidence IS NULL THEN ioc.confidence"
	"               ELSE max(ioc.confidence, excluded.confidence) END,"
	"  valid_until = CASE WHEN ioc.valid_until IS NULL OR excluded.valid_until IS NULL THEN NULL"
	"                ELSE max(ioc.valid_until, excluded.valid_until) END,"
	"  revoked = ioc.revoked AND excluded.revoked,"
	"  to_ids = ioc.to_ids OR excluded.to_ids,"
	"  ref = coalesce(ioc.ref, excluded.ref),"
	"  label = coalesce(ioc.label, excluded.label)";
static const char sql_stats[] =
	"SELECT count(*), coalesce(sum(revoked), 0),"
	" coalesce(sum(NOT revoked AND valid_until IS NOT NULL AND substr(valid_until, 1, 10) < ?2), 0),"
	" coalesce(sum(NOT revoked AND NOT to_ids), 0) FROM ioc WHERE source = ?1";

static void utc_today(char out[16])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

typedef struct imp {
	kb_store *s;
	sqlite3_stmt *ins;
	kb_error *err;
	size_t read;
	const kb_ioc_import_opts *opts;
	size_t unsupported;
} imp;

static int put_ioc(const kb_ioc *ioc, void *arg)
{
	imp *c = arg;
	sqlite3_stmt *st = c->ins;
	sqlite3_reset(st);
	kb_bind_text(st, 1, kb_ioc_type_name(ioc->type));
	kb_bind_text(st, 2, ioc->value);
	kb_bind_text(st, 3, ioc->source);
	kb_bind_text_or_null(st, 4, ioc->first_seen);
	kb_bind_text_or_null(st, 5, ioc->last_seen);
	if (ioc->confidence >= 0 && ioc->confidence <= 100)
		sqlite3_bind_int(st, 6, ioc->confidence);
	else
		sqlite3_bind_null(st, 6);
	kb_bind_text_or_null(st, 7, ioc->valid_until);
	sqlite3_bind_int(st, 8, ioc->revoked);
	sqlite3_bind_int(st, 9, ioc->to_ids);
	kb_bind_text_or_null(st, 10, ioc->ref);
	kb_bind_text_or_null(st, 11, ioc->label);
	int r = 0;
	if (sqlite3_step(st) != SQLITE_DONE)
		r = kb_store_fail(c->s, c->err, "store IOC");
	sqlite3_reset(st);
	c->read++;
	return r;
}

static void on_unsup(const kb_ioc_unsupported *u, void *arg)
{
	imp *c = arg;
	c->unsupported++;
	if (c->opts && c->opts->unsupported)
		c->opts->unsupported(u, c->opts->ctx);
}

int kb_iocs_import_mem(kb_store *s, const char *name, const void *data, size_t len,
                       const kb_ioc_import_opts *opts, kb_ioc_import_stats *ret, kb_error *err)
{
	if (!name)
		name = "-";
	kb_ioc_format fmt = opts ? opts->format : KB_IOC_FMT_AUTO;
	if (fmt == KB_IOC_FMT_AUTO)
		fmt = kb_ioc_sniff(data, len);
	char today[16];
	if (opts && opts->today)
		snprintf(today, sizeof today, "%s", opts->today);
	else
		utc_today(today);
	kb_ioc_import_stats st = { .format = fmt };
	imp c = { .s = s, .err = err, .opts = opts };
	sqlite3_stmt *del = NULL, *q = NULL;
	int r = kb_store_begin(s, err);
	if (r < 0)
		return r;
	r = kb_store_cached(s, sql_del, &del, err);
	if (r == 0)
		r = kb_store_cached(s, sql_ins, &c.ins, err);
	if (r == 0) {
		kb_bind_text(del, 1, name);
		if (sqlite3_step(del) != SQLITE_DONE)
			r = kb_store_fail(s, err, "replace IOCs");
		else
			st.replaced = sqlite3_changes(s->db) > 0;
		sqlite3_reset(del);
	}
	if (r == 0) {
		kb_ioc_sink sink = { .ioc = put_ioc, .unsupported = on_unsup, .ctx = &c, .n_ignored = &st.ignored };
		r = kb_ioc_parse(name, data, len, fmt, &sink, err);
	}
	if (r == 0)
		r = kb_store_cached(s, sql_stats, &q, err);
	if (r == 0) {
		kb_bind_text(q, 1, name);
		kb_bind_text(q, 2, today);
		if (sqlite3_step(q) == SQLITE_ROW) {
			st.imported = (size_t)sqlite3_column_int64(q, 0);
			st.revoked = (size_t)sqlite3_column_int64(q, 1);
			st.expired = (size_t)sqlite3_column_int64(q, 2);
			st.context = (size_t)sqlite3_column_int64(q, 3);
		} else {
			r = kb_store_fail(s, err, "count IOCs");
		}
		sqlite3_reset(q);
	}
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	if (r == 0 && ret) {
		st.read = c.read;
		st.unsupported = c.unsupported;
		*ret = st;
	}
	return r;
}

int kb_iocs_import_file(kb_store *s, const char *path, const kb_ioc_import_opts *opts, kb_ioc_import_stats *ret,
                        kb_error *err)
{
	char *buf = NULL;
	size_t n = 0;
	int r = kb_file_read_whole(path, KB_IOC_MAX_FILE_BYTES, "IOC file", &buf, &n, err);
	if (r == 0)
		r = kb_iocs_import_mem(s, path, buf, n, opts, ret, err);
	free(buf);
	return r;
}

int kb_iocs_put(kb_store *s, const kb_ioc *iocs, size_t n, kb_error *err)
{
	if (n == 0)
		return 0;
	imp c = { .s = s, .err = err };
	int r = kb_store_begin(s, err);
	if (r < 0)
		return r;
	r = kb_store_cached(s, sql_ins, &c.ins, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char v[KB_IOC_MAX_VALUE_BYTES + 1];
		kb_ioc_type t = iocs[i].type;
		kb_ioc one = iocs[i];
		if (!one.value || !one.source || !*one.source ||
		    kb_ioc_normalize(&t, one.value, strlen(one.value), v, sizeof v) < 0) {
			r = kb_error_set(err, KB_EINVAL, one.source, one.line, 0, KB_NO_OFFSET,
			                 "IOC \"%s\": expected a value of type %s and a source",
			                 one.value ? one.value : "", kb_ioc_type_name(iocs[i].type));
			break;
		}
		one.type = t;
		one.value = v;
		r = put_ioc(&one, &c);
	}
	if (r == 0)
		return kb_store_commit(s, err);
	kb_store_rollback(s);
	return r;
}

int kb_iocs_count(kb_store *s, int64_t *ret, kb_error *err)
{
	sqlite3_stmt *st;
	int r = kb_store_prepare(s, "SELECT count(*) FROM ioc", &st, err);
	if (r < 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else
		r = kb_store_fail(s, err, "count IOCs");
	sqlite3_finalize(st);
	return r;
}

int kb_iocs_load(kb_store *s, const char *today, kb_ioc_set **ret, kb_error *err)
{
	char day[16];
	if (today)
		snprintf(day, sizeof day, "%s", today);
	else
		utc_today(day);
	sqlite3_stmt *st;
	int r = kb_store_prepare(s,
	                         "SELECT type, value, source, first_seen, last_seen, confidence, valid_until,"
	                         " ref, label FROM ioc WHERE revoked = 0 AND to_ids = 1"
	                         " AND (valid_until IS NULL OR substr(valid_until, 1, 10) >= ?1)",
	                         &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, day);
	kb_ioc_set_builder *b = NULL;
	r = kb_ioc_set_builder_new(&b);
	int rc = SQLITE_DONE;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_ioc ioc = {
			.type = kb_ioc_type_named(kb_column_text(st, 0)),
			.value = kb_column_text(st, 1),
			.source = kb_column_text(st, 2),
			.first_seen = kb_column_text(st, 3),
			.last_seen = kb_column_text(st, 4),
			.confidence = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 5),
			.valid_until = kb_column_text(st, 6),
			.to_ids = true,
			.ref = kb_column_text(st, 7),
			.label = kb_column_text(st, 8),
		};
		r = kb_ioc_set_add(b, &ioc);
		if (r == KB_EINVAL) /* a row this koban does not understand (written by hand) */
			r = 0;
		else if (r < 0)
			r = kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET,
			                 r == KB_ELIMIT ? "more live IOCs than the limit of %u in one set" : "out of memory",
			                 (unsigned)KB_IOC_SET_MAX);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(s, err, "read IOCs");
	sqlite3_finalize(st);
	if (r < 0) {
		kb_ioc_set_builder_free(b);
		return r;
	}
	r = kb_ioc_set_build(b, ret);
	if (r < 0)
		return kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	return 0;
}
