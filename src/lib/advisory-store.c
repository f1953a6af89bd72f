/*
 * advisory-store.c - advisories in the store: import (validate, then keep the
 * document whole) and lookup by the package or product they name.
 *
 * A document is stored as written, with its source and import time, and read
 * again by its reader when matched: the model lives in one place (the
 * readers) and nothing of a feed is lost in translation. advisory_key holds
 * one row per package (ecosystem without its ":release" part, name) and per
 * product (vendor, product), lower-cased, for lookup.
 */
#include "koban/advisory.h"
#include "store-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KB_KEEP 1 /* a kb_advisory_cb return: the callback keeps the advisory */

static char *lower_dup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	p[n] = '\0';
	return p;
}

static int parse(const char *name, const void *data, size_t len, kb_advisory_format *fmt, kb_advisory **ret,
                 kb_error *err)
{
	if (*fmt == KB_ADV_FMT_AUTO) {
		size_t n = len < 65536 ? len : 65536;
		bool cve = memmem(data, n, "\"dataType\"", 10) && memmem(data, n, "CVE_RECORD", 10);
		*fmt = cve ? KB_ADV_FMT_CVE5 : KB_ADV_FMT_OSV;
	}
	return *fmt == KB_ADV_FMT_CVE5 ? kb_advisory_parse_cve5(name, data, len, ret, err)
	                               : kb_advisory_parse_osv(name, data, len, ret, err);
}

static int put_key(kb_store *s, sqlite3_stmt *st, int64_t doc, const char *k1, const char *k2, size_t *count,
                   kb_error *err)
{
	if (!k1 || !k2 || !*k2)
		return 0;
	size_t n1 = strcspn(k1, ":"); /* "Debian:12" is found as "debian" */
	char *a = lower_dup(k1, n1), *b = lower_dup(k2, strlen(k2));
	int r = (a && b) ? 0 : KB_ENOMEM;
	if (r == 0) {
		sqlite3_reset(st);
		kb_bind_text(st, 1, a);
		kb_bind_text(st, 2, b);
		sqlite3_bind_int64(st, 3, doc);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = kb_store_fail(s, err, "index advisory");
		else if (sqlite3_changes(s->db))
			(*count)++;
	}
	free(a);
	free(b);
	return r;
}

int kb_advisories_import_mem(kb_store *s, const char *name, const void *data, size_t len, kb_advisory_format fmt,
                             kb_advisory_import_stats *ret, kb_error *err)
{
	kb_advisory *a = NULL;
	int r = parse(name, data, len, &fmt, &a, err);
	if (r < 0)
		return r;
	kb_advisory_import_stats st = { .format = fmt };
	snprintf(st.id, sizeof st.id, "%s", a->id);
	sqlite3_stmt *del = NULL, *ins = NULL, *key = NULL;
	r = kb_store_begin(s, err);
	if (r == 0)
		r = kb_store_prepare(s, "DELETE FROM advisory_doc WHERE advisory = ?1", &del, err);
	if (r == 0)
		r = kb_store_prepare(s, "INSERT INTO advisory_doc(advisory, format, source, body) VALUES (?1, ?2, ?3, ?4)",
		                     &ins, err);
	if (r == 0)
		r = kb_store_prepare(s, "INSERT OR IGNORE INTO advisory_key(k1, k2, doc_id) VALUES (?1, ?2, ?3)", &key,
		                     err);
	if (r == 0) {
		kb_bind_text(del, 1, a->id);
		if (sqlite3_step(del) != SQLITE_DONE)
			r = kb_store_fail(s, err, "replace advisory");
		else
			st.replaced = sqlite3_changes(s->db) > 0;
	}
	if (r == 0) {
		kb_bind_text(ins, 1, a->id);
		kb_bind_text(ins, 2, fmt == KB_ADV_FMT_CVE5 ? "cve5" : "osv");
		kb_bind_text(ins, 3, name);
		sqlite3_bind_text(ins, 4, data, (int)len, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			r = kb_store_fail(s, err, "store advisory");
	}
	int64_t doc = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; r == 0 && i < a->n_affected; i++) {
		const kb_advisory_affected *af = &a->affected[i];
		r = put_key(s, key, doc, af->ecosystem, af->package, &st.keys, err);
		if (r == 0)
			r = put_key(s, key, doc, af->vendor, af->product, &st.keys, err);
	}
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	sqlite3_finalize(key);
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	kb_advisory_free(a);
	if (r == 0 && ret)
		*ret = st;
	return r;
}

int kb_advisories_import_file(kb_store *s, const char *path, kb_advisory_format fmt,
                              kb_advisory_import_stats *ret, kb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return kb_error_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, path, 0, 0, KB_NO_OFFSET,
		                    "cannot open: %s", strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return kb_error_set(err, KB_EINVAL, path, 0, 0, KB_NO_OFFSET, "expected a file");
	}
	if ((uint64_t)sb.st_size > KB_ADVISORY_MAX_BYTES) {
		fclose(f);
		return kb_error_set(err, KB_ELIMIT, path, 0, 0, KB_NO_OFFSET,
		                    "%lld bytes: more than the limit of %u for one advisory", (long long)sb.st_size,
		                    (unsigned)KB_ADVISORY_MAX_BYTES);
	}
	size_t n = (size_t)sb.st_size;
	char *buf = malloc(n ? n : 1);
	if (!buf) {
		fclose(f);
		return KB_ENOMEM;
	}
	size_t got = fread(buf, 1, n, f);
	fclose(f);
	int r = got == n ? kb_advisories_import_mem(s, path, buf, n, fmt, ret, err)
	                 : kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "read failed");
	free(buf);
	return r;
}

static const char sql_kb_advisories_naming[] =
	"SELECT d.format, d.source, d.body FROM advisory_key k"
		                     " JOIN advisory_doc d ON d.id = k.doc_id WHERE k.k1 = ?1 AND k.k2 = ?2"
		                     " ORDER BY d.advisory";

int kb_advisories_naming(kb_store *s, const char *k1, const char *k2, kb_advisory_cb cb, void *ctx, kb_error *err)
{
	if (!k1 || !k2)
		return 0;
	char *a = lower_dup(k1, strcspn(k1, ":")), *b = lower_dup(k2, strlen(k2));
	sqlite3_stmt *st = NULL;
	int r = (a && b) ? 0 : KB_ENOMEM;
	if (r == 0)
		r = kb_store_cached(s, sql_kb_advisories_naming, &st, err);
	if (r == 0) {
		kb_bind_text(st, 1, a);
		kb_bind_text(st, 2, b);
		int rc;
		while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			kb_advisory_format fmt = strcmp(kb_column_text(st, 0), "cve5") == 0 ? KB_ADV_FMT_CVE5 : KB_ADV_FMT_OSV;
			const char *source = kb_column_text(st, 1);
			const void *body = sqlite3_column_text(st, 2);
			size_t len = (size_t)sqlite3_column_bytes(st, 2);
			kb_advisory *adv = NULL;
			r = parse(source, body, len, &fmt, &adv, err);
			if (r == 0)
				r = cb(adv, source, ctx);
			if (r == KB_KEEP) /* the callback took it */
				r = 0;
			else
				kb_advisory_free(adv);
		}
		if (r == 0 && rc != SQLITE_DONE)
			r = kb_store_fail(s, err, "read advisories");
	}
	sqlite3_reset(st);
	free(a);
	free(b);
	return r;
}

struct list {
	kb_advisory **items;
	size_t n, cap;
};

static int keep_cb(const kb_advisory *a, const char *source, void *ctx)
{
	(void)source;
	struct list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		kb_advisory **p = realloc(l->items, cap * sizeof *p);
		if (!p)
			return KB_ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = (kb_advisory *)a;
	return KB_KEEP;
}

int kb_advisories_load(kb_store *s, const char *k1, const char *k2, kb_advisory ***ret, size_t *ret_n,
                       kb_error *err)
{
	struct list l = { 0 };
	int r = kb_advisories_naming(s, k1, k2, keep_cb, &l, err);
	if (r < 0) {
		kb_advisory_list_free(l.items, l.n);
		return r;
	}
	*ret = l.items;
	*ret_n = l.n;
	return 0;
}

void kb_advisory_list_free(kb_advisory **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kb_advisory_free(list[i]);
	free(list);
}


int kb_advisories_known(kb_store *s, const char *id, int64_t *ret, kb_error *err)
{
	sqlite3_stmt *st;
	/* by id, or by the quoted alias in the stored document */
	int r = kb_store_prepare(s,
	                         "SELECT EXISTS (SELECT 1 FROM advisory_doc WHERE advisory = ?1 COLLATE NOCASE"
	                         " OR instr(body, '\"' || ?1 || '\"') > 0)",
	                         &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else
		r = kb_store_fail(s, err, "find advisory");
	sqlite3_finalize(st);
	return r;
}
