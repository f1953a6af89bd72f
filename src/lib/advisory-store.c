/*
 * advisory-store.c - advisories in the store: import (validate, then keep the
 * document whole) and lookup by the package or product they name.
 *
 * A document is stored as written, with its source and import time (the
 * evidence), and what its reader made of it is stored beside it as a compact
 * record (advisory-pack.c): advisory_key holds one row per package (ecosystem
 * without its ":release" part, name) and per product (vendor, product),
 * lower-cased, with the record, clustered by that name and then by advisory
 * id. Looking up one name reads one run of rows, in order, and no JSON; a
 * row without a record (written before records existed, or by a koban whose
 * record layout differs) is read from its document by its reader.
 */
#include "advisory-internal.h"
#include "koban/cpe.h"
#include "store-internal.h"
#include "util-file.h"

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

const char *kb_advisory_format_name(kb_advisory_format fmt)
{
	switch (fmt) {
	case KB_ADV_FMT_OSV: return "osv";
	case KB_ADV_FMT_CVE5: return "cve5";
	case KB_ADV_FMT_CSAF: return "csaf";
	case KB_ADV_FMT_CISAGOV: return "cisagov";
	case KB_ADV_FMT_AUTO: break;
	}
	return "auto";
}

static kb_advisory_format format_named(const char *s)
{
	for (int f = KB_ADV_FMT_OSV; f <= KB_ADV_FMT_CSAF; f++)
		if (strcmp(s, kb_advisory_format_name((kb_advisory_format)f)) == 0)
			return (kb_advisory_format)f;
	return KB_ADV_FMT_AUTO;
}

/* The format of a document, from its first 64 KiB: CVE records name their
 * dataType, CSAF documents their csaf_version, vendor status lists are YAML
 * with a top-level `software:` list; anything else is read as OSV. */
static kb_advisory_format sniff(const void *data, size_t len)
{
	size_t n = len < 65536 ? len : 65536;
	const char *p = data;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i < n && p[i] != '{' && p[i] != '[') {
		if ((n >= 9 && memcmp(p, "software:", 9) == 0) || memmem(data, n, "\nsoftware:", 10))
			return KB_ADV_FMT_CISAGOV;
	}
	if (memmem(data, n, "\"dataType\"", 10) && memmem(data, n, "CVE_RECORD", 10))
		return KB_ADV_FMT_CVE5;
	if (memmem(data, n, "\"csaf_version\"", 14))
		return KB_ADV_FMT_CSAF;
	return KB_ADV_FMT_OSV;
}

/* Parse a document into the advisories it holds (one, except for lists). */
static int parse(const char *name, const void *data, size_t len, kb_advisory_format fmt, kb_advisory ***ret,
                 size_t *ret_n, kb_error *err)
{
	kb_advisory *a = NULL;
	int r;
	switch (fmt) {
	case KB_ADV_FMT_CISAGOV: return kb_advisory_parse_cisagov(name, data, len, ret, ret_n, err);
	case KB_ADV_FMT_CVE5: r = kb_advisory_parse_cve5(name, data, len, &a, err); break;
	case KB_ADV_FMT_CSAF: r = kb_advisory_parse_csaf(name, data, len, &a, err); break;
	case KB_ADV_FMT_OSV:
	case KB_ADV_FMT_AUTO: r = kb_advisory_parse_osv(name, data, len, &a, err); break;
	default: return kb_error_set(err, KB_EINVAL, name, 0, 0, KB_NO_OFFSET, "unknown advisory format");
	}
	if (r < 0)
		return r;
	kb_advisory **v = malloc(sizeof *v);
	if (!v) {
		kb_advisory_free(a);
		return KB_ENOMEM;
	}
	v[0] = a;
	*ret = v;
	*ret_n = 1;
	return 0;
}

/* Does this format hold many advisories per file, each file speaking for
 * itself (its name is the origin)? */
static bool is_list(kb_advisory_format fmt)
{
	return fmt == KB_ADV_FMT_CISAGOV;
}

static int put_key(kb_store *s, sqlite3_stmt *st, int64_t doc, const kb_advisory *adv, kb_advisory_format fmt,
                   const char *origin, const kb_buf *rec, const char *k1, const char *k2, size_t *count,
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
		kb_bind_text(st, 3, adv->id);
		kb_bind_text(st, 4, kb_advisory_format_name(fmt));
		kb_bind_text(st, 5, origin);
		sqlite3_bind_int64(st, 6, doc);
		sqlite3_bind_blob(st, 7, rec->data, (int)rec->len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = kb_store_fail(s, err, "index advisory");
		else if (sqlite3_changes(s->db))
			(*count)++;
	}
	sqlite3_reset(st);
	free(a);
	free(b);
	return r;
}

static const char sql_del_one[] = "DELETE FROM advisory_doc WHERE format = ?1 AND advisory = ?2 AND origin = ?3";
static const char sql_del_origin[] = "DELETE FROM advisory_doc WHERE format = ?1 AND origin = ?2";
static const char sql_ins_doc[] =
	"INSERT INTO advisory_doc(advisory, format, origin, source, body) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_ins_key[] = "INSERT OR IGNORE INTO advisory_key(k1, k2, advisory, format, origin, doc_id, packed)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/* Store one parsed advisory with its document and record. */
static int store_one(kb_store *s, const kb_advisory *a, kb_advisory_format fmt, const char *origin,
                     const char *name, const void *data, size_t len, kb_buf *rec, kb_advisory_import_stats *st,
                     kb_error *err)
{
	sqlite3_stmt *del = NULL, *ins = NULL, *key = NULL;
	int r = kb_store_cached(s, sql_del_one, &del, err);
	if (r == 0)
		r = kb_store_cached(s, sql_ins_doc, &ins, err);
	if (r == 0)
		r = kb_store_cached(s, sql_ins_key, &key, err);
	if (r == 0) {
		kb_buf_reset(rec);
		r = kb_adv_pack(a, rec);
		if (r < 0)
			r = kb_error_set(err, r, name, 0, 0, KB_NO_OFFSET, "advisory %s: record too large", a->id);
	}
	if (r == 0) {
		kb_bind_text(del, 1, kb_advisory_format_name(fmt));
		kb_bind_text(del, 2, a->id);
		kb_bind_text(del, 3, origin);
		if (sqlite3_step(del) != SQLITE_DONE)
			r = kb_store_fail(s, err, "replace advisory");
		else if (sqlite3_changes(s->db) > 0)
			st->replaced = true;
		sqlite3_reset(del);
	}
	if (r == 0) {
		kb_bind_text(ins, 1, a->id);
		kb_bind_text(ins, 2, kb_advisory_format_name(fmt));
		kb_bind_text(ins, 3, origin);
		kb_bind_text(ins, 4, name);
		sqlite3_bind_text(ins, 5, data, (int)len, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			r = kb_store_fail(s, err, "store advisory");
		sqlite3_reset(ins);
	}
	int64_t doc = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; r == 0 && i < a->n_affected; i++) {
		const kb_advisory_affected *af = &a->affected[i];
		r = put_key(s, key, doc, a, fmt, origin, rec, af->ecosystem, af->package, &st->keys, err);
		if (r == 0)
			r = put_key(s, key, doc, a, fmt, origin, rec, af->vendor, af->product, &st->keys, err);
		kb_cpe c;
		char vp[2 * KB_CPE_MAX_PART + 2];
		if (r == 0 && af->cpe && kb_cpe_parse(af->cpe, &c, NULL) == 0 && kb_cpe_specific(&c)) {
			snprintf(vp, sizeof vp, "%s:%s", c.vendor, c.product);
			r = put_key(s, key, doc, a, fmt, origin, rec, "cpe", vp, &st->keys, err);
		}
	}
	return r;
}

int kb_advisories_import_mem(kb_store *s, const char *name, const void *data, size_t len, kb_advisory_format fmt,
                             kb_advisory_import_stats *ret, kb_error *err)
{
	if (fmt == KB_ADV_FMT_AUTO)
		fmt = sniff(data, len);
	kb_advisory **advs = NULL;
	size_t n = 0;
	int r = parse(name, data, len, fmt, &advs, &n, err);
	if (r < 0)
		return r;
	kb_advisory_import_stats st = { .format = fmt, .advisories = n };
	if (n)
		snprintf(st.id, sizeof st.id, "%s", advs[0]->id);
	const char *base = strrchr(name, '/');
	const char *origin = is_list(fmt) ? (base ? base + 1 : name) : "";
	kb_buf rec;
	kb_buf_init(&rec, KB_ADVISORY_MAX_BYTES);
	r = kb_store_begin(s, err);
	if (r == 0 && is_list(fmt)) { /* the file speaks for itself: what it no longer says goes */
		sqlite3_stmt *del = NULL;
		r = kb_store_cached(s, sql_del_origin, &del, err);
		if (r == 0) {
			kb_bind_text(del, 1, kb_advisory_format_name(fmt));
			kb_bind_text(del, 2, origin);
			if (sqlite3_step(del) != SQLITE_DONE)
				r = kb_store_fail(s, err, "replace advisories");
			else if (sqlite3_changes(s->db) > 0)
				st.replaced = true;
			sqlite3_reset(del);
		}
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		r = store_one(s, advs[i], fmt, origin, name, data, len, &rec, &st, err);
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	kb_buf_free(&rec);
	kb_advisory_list_free(advs, n);
	if (r == 0 && ret)
		*ret = st;
	return r;
}

int kb_advisories_import_file(kb_store *s, const char *path, kb_advisory_format fmt,
                              kb_advisory_import_stats *ret, kb_error *err)
{
	char *buf = NULL;
	size_t n = 0;
	int r = kb_file_read_whole(path, KB_ADVISORY_MAX_BYTES, "advisory", &buf, &n, err);
	if (r == 0)
		r = kb_advisories_import_mem(s, path, buf, n, fmt, ret, err);
	free(buf);
	return r;
}

static const char sql_kb_advisories_naming[] =
	"SELECT format, doc_id, packed, doc_id, advisory FROM advisory_key"
	" WHERE k1 = ?1 AND k2 = ?2 ORDER BY advisory, format, origin";

/* The advisory of one row: its record, or, for a row written before records
 * existed (or by a koban whose record layout differs), its document. */
static const char sql_body[] = "SELECT body, source FROM advisory_doc WHERE id = ?1";

static int row_advisory(kb_store *s, sqlite3_stmt *st, kb_advisory **ret, kb_error *err)
{
	const void *rec = sqlite3_column_blob(st, 2);
	size_t rn = (size_t)sqlite3_column_bytes(st, 2);
	if (rec && kb_adv_unpack(rec, rn, ret) == 0)
		return 0;
	kb_advisory_format fmt = format_named(kb_column_text(st, 0));
	sqlite3_stmt *q = NULL;
	int r = kb_store_cached(s, sql_body, &q, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(q, 1, sqlite3_column_int64(st, 3));
	if (sqlite3_step(q) != SQLITE_ROW) {
		r = kb_store_fail(s, err, "read advisory");
		sqlite3_reset(q);
		return r;
	}
	const void *body = sqlite3_column_text(q, 0);
	size_t len = (size_t)sqlite3_column_bytes(q, 0);
	const char *source = kb_column_text(q, 1);
	kb_advisory **v = NULL;
	size_t n = 0;
	r = parse(source, body, len, fmt, &v, &n, err);
	sqlite3_reset(q);
	if (r < 0)
		return r;
	/* a list's row is one advisory of the file: the one with this row's id */
	const char *id = kb_column_text(st, 4);
	size_t pick = 0;
	for (size_t i = 0; id && i < n; i++)
		if (strcmp(v[i]->id, id) == 0)
			pick = i;
	if (!n) {
		free(v);
		return kb_error_set(err, KB_EFORMAT, NULL, 0, 0, KB_NO_OFFSET, "stored document holds no advisory");
	}
	*ret = v[pick];
	for (size_t i = 0; i < n; i++)
		if (i != pick)
			kb_advisory_free(v[i]);
	free(v);
	return 0;
}

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
			kb_advisory *adv = NULL;
			r = row_advisory(s, st, &adv, err);
			if (r == 0)
				r = cb(adv, ctx);
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

static int keep_cb(const kb_advisory *a, void *ctx)
{
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
