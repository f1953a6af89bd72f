/*
 * ledger-export.c - write the ledger out so that it imports back identically.
 *
 * JSON: one koban ledger document (see ledger-json.c); CSV: three sheets. Both
 * are streamed: the asset, interface and component cursors are all ordered by
 * asset name and merged, so exporting a 100,000-asset ledger holds one asset's
 * rows at a time. The order is total (name, then each key column), so the same
 * ledger always gives byte-identical output.
 */
#include "koban/ledger.h"
#include "store-internal.h"
#include "util-buf.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_FLUSH (1u << 16)

static const char sql_assets[] =
	"SELECT name, category, business_owner, technical_owner, vendor, product, version, modules,"
	" form_factor, environment, tags, notes FROM asset ORDER BY name";
static const kb_asset_field asset_cols[] = {
	KB_AF_NAME,    KB_AF_CATEGORY, KB_AF_BUSINESS_OWNER, KB_AF_TECHNICAL_OWNER, KB_AF_VENDOR,
	KB_AF_PRODUCT, KB_AF_VERSION,  KB_AF_MODULES,        KB_AF_FORM_FACTOR,     KB_AF_ENVIRONMENT,
	KB_AF_TAGS,    KB_AF_NOTES,
};
static const char sql_ifaces[] =
	"SELECT a.name, i.address, i.port, i.protocol, i.role, i.exposure, i.exposure_given"
	" FROM interface i JOIN asset a ON a.id = i.asset_id"
	" ORDER BY a.name, i.address, i.port, i.protocol";
static const char sql_comps[] =
	"SELECT a.name, c.ecosystem, c.name, c.version, c.purl, c.cpe, c.source, c.evidence, c.origin"
	" FROM component c JOIN asset a ON a.id = c.asset_id"
	" ORDER BY a.name, c.source, c.ecosystem, c.name, c.version, c.evidence";

struct out {
	kb_write_fn w;
	void *ctx;
	kb_buf buf;
	int r;
};

static int flush(struct out *o)
{
	if (o->r == 0 && o->buf.len)
		o->r = o->w(o->buf.data, o->buf.len, o->ctx);
	kb_buf_reset(&o->buf);
	return o->r;
}

static void put(struct out *o, const char *s, size_t n)
{
	if (o->r)
		return;
	o->r = kb_buf_append(&o->buf, s, n);
	if (o->r == 0 && o->buf.len >= EXPORT_FLUSH)
		flush(o);
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* RFC 4180: quote a field holding a delimiter, quote, line break or edge space. */
static void csv_field(struct out *o, const char *s, bool first)
{
	if (!first)
		put(o, ",", 1);
	if (!s || !*s)
		return;
	size_t n = strlen(s);
	/* libcsv drops blanks (space and tab) at the edges of an unquoted field */
	bool quote = strpbrk(s, ",\"\r\n;") != NULL || s[0] == ' ' || s[n - 1] == ' ' || s[0] == '\t' ||
	             s[n - 1] == '\t';
	if (!quote) {
		put(o, s, n);
		return;
	}
	put(o, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			put(o, "\"", 1);
		put(o, p, 1);
	}
	put(o, "\"", 1);
}

static int run_stmt(kb_store *s, const char *sql, sqlite3_stmt **st, kb_error *err)
{
	return kb_store_prepare(s, sql, st, err);
}

int kb_ledger_export_csv(kb_store *s, kb_sheet sheet, kb_write_fn w, void *ctx, kb_error *err)
{
	struct out o = { .w = w, .ctx = ctx };
	kb_buf_init(&o.buf, 2 * EXPORT_FLUSH + 2 * KB_LEDGER_MAX_FIELD_BYTES * KB_AF__COUNT);
	sqlite3_stmt *st = NULL;
	int ncols = 0;
	int r = 0;
	switch (sheet) {
	case KB_SHEET_ASSETS:
		puts_(&o, "name,category,business_owner,technical_owner,vendor,product,version,modules,"
		          "form_factor,environment,tags,notes\n");
		r = run_stmt(s, sql_assets, &st, err);
		ncols = 12;
		break;
	case KB_SHEET_INTERFACES:
		puts_(&o, "asset,address,port,protocol,role,exposure\n");
		r = run_stmt(s, sql_ifaces, &st, err);
		break;
	case KB_SHEET_COMPONENTS:
		puts_(&o, "asset,ecosystem,name,version,purl,cpe,source,evidence,origin\n");
		r = run_stmt(s, sql_comps, &st, err);
		ncols = 9;
		break;
	default:
		r = kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET, "unknown sheet");
	}
	int rc = SQLITE_DONE;
	while (r == 0 && o.r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sheet == KB_SHEET_INTERFACES) {
			char port[16] = "";
			if (sqlite3_column_int(st, 2))
				snprintf(port, sizeof port, "%d", sqlite3_column_int(st, 2));
			csv_field(&o, kb_column_text(st, 0), true);
			csv_field(&o, kb_column_text(st, 1), false);
			csv_field(&o, port, false);
			csv_field(&o, kb_column_text(st, 3), false);
			csv_field(&o, kb_column_text(st, 4), false);
			csv_field(&o, sqlite3_column_int(st, 6) ? kb_column_text(st, 5) : NULL, false);
		} else {
			for (int i = 0; i < ncols; i++)
				csv_field(&o, kb_column_text(st, i), i == 0);
		}
		put(&o, "\n", 1);
	}
	if (r == 0 && rc != SQLITE_DONE && o.r == 0)
		r = kb_store_fail(s, err, "export");
	sqlite3_finalize(st);
	if (r == 0)
		flush(&o);
	if (r == 0 && o.r)
		r = kb_error_set(err, o.r, NULL, 0, 0, KB_NO_OFFSET, "writing the export failed: %s",
		                 kb_strerror(o.r));
	kb_buf_free(&o.buf);
	return r;
}

static void json_put(struct out *o, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!s) {
		o->r = KB_ENOMEM;
		return;
	}
	puts_(o, s);
	free(s);
}

static void set_str(json_t *obj, const char *key, const char *v)
{
	json_object_set_new(obj, key, v ? json_string(v) : json_null());
}

int kb_ledger_export_json(kb_store *s, kb_write_fn w, void *ctx, kb_error *err)
{
	struct out o = { .w = w, .ctx = ctx };
	kb_buf_init(&o.buf, 64u << 20);
	sqlite3_stmt *sa = NULL, *si = NULL, *sc = NULL;
	int r = run_stmt(s, sql_assets, &sa, err);
	if (r == 0)
		r = run_stmt(s, sql_ifaces, &si, err);
	if (r == 0)
		r = run_stmt(s, sql_comps, &sc, err);
	int ri = SQLITE_DONE, rcm = SQLITE_DONE, ra = SQLITE_DONE;
	if (r == 0) {
		ri = sqlite3_step(si);
		rcm = sqlite3_step(sc);
	}
	puts_(&o, "{\"koban\":\"ledger\",\"version\":1,\"assets\":[");
	bool first = true;
	while (r == 0 && o.r == 0 && (ra = sqlite3_step(sa)) == SQLITE_ROW) {
		const char *name = kb_column_text(sa, 0);
		json_t *a = json_object();
		for (size_t i = 0; i < sizeof asset_cols / sizeof asset_cols[0]; i++)
			set_str(a, kb_asset_field_name(asset_cols[i]), kb_column_text(sa, (int)i));
		json_t *ifs = json_array(), *cs = json_array();
		while (ri == SQLITE_ROW && strcmp(kb_column_text(si, 0), name) == 0) {
			json_t *e = json_object();
			json_object_set_new(e, "address", json_string(kb_column_text(si, 1)));
			if (sqlite3_column_int(si, 2))
				json_object_set_new(e, "port", json_integer(sqlite3_column_int(si, 2)));
			if (*kb_column_text(si, 3))
				json_object_set_new(e, "protocol", json_string(kb_column_text(si, 3)));
			json_object_set_new(e, "role", json_string(kb_column_text(si, 4)));
			if (sqlite3_column_int(si, 6))
				json_object_set_new(e, "exposure", json_string(kb_column_text(si, 5)));
			json_array_append_new(ifs, e);
			ri = sqlite3_step(si);
		}
		while (rcm == SQLITE_ROW && strcmp(kb_column_text(sc, 0), name) == 0) {
			static const char *const keys[] = { NULL,  "ecosystem", "name",   "version", "purl",
				                            "cpe", "source",    "evidence", "origin" };
			json_t *e = json_object();
			for (int i = 1; i < 9; i++) {
				const char *v = kb_column_text(sc, i);
				if (v && *v)
					json_object_set_new(e, keys[i], json_string(v));
			}
			json_array_append_new(cs, e);
			rcm = sqlite3_step(sc);
		}
		json_object_set_new(a, "interfaces", ifs);
		json_object_set_new(a, "components", cs);
		puts_(&o, first ? "\n" : ",\n");
		first = false;
		json_put(&o, a);
		json_decref(a);
	}
	if (r == 0 && o.r == 0 &&
	    (ra != SQLITE_DONE || (ri != SQLITE_DONE && ri != SQLITE_ROW) || (rcm != SQLITE_DONE && rcm != SQLITE_ROW)))
		r = kb_store_fail(s, err, "export");
	puts_(&o, "\n]}\n");
	sqlite3_finalize(sa);
	sqlite3_finalize(si);
	sqlite3_finalize(sc);
	if (r == 0)
		flush(&o);
	if (r == 0 && o.r)
		r = kb_error_set(err, o.r, NULL, 0, 0, KB_NO_OFFSET, "writing the export failed: %s",
		                 kb_strerror(o.r));
	kb_buf_free(&o.buf);
	return r;
}
