/*
 * ledger-query.c - read the ledger: assets with filters, one asset, and the
 * interfaces and components of one asset or of all.
 *
 * Rows are streamed to a callback straight from the SQLite statement, so
 * listing a 100,000-asset ledger holds one row in memory at a time.
 */
#include "koban/ledger.h"
#include "store-internal.h"
#include "util-buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char asset_cols[] =
	"a.id, a.name, a.category, a.business_owner, a.technical_owner, a.vendor, a.product,"
	" a.version, a.modules, a.form_factor, a.environment, a.tags, a.notes,"
	" (SELECT count(*) FROM interface i WHERE i.asset_id = a.id),"
	" (SELECT count(*) FROM component c WHERE c.asset_id = a.id)";

/* Column order in asset_cols for each field. */
static const kb_asset_field col_field[] = {
	KB_AF_NAME,    KB_AF_CATEGORY, KB_AF_BUSINESS_OWNER, KB_AF_TECHNICAL_OWNER, KB_AF_VENDOR,
	KB_AF_PRODUCT, KB_AF_VERSION,  KB_AF_MODULES,        KB_AF_FORM_FACTOR,     KB_AF_ENVIRONMENT,
	KB_AF_TAGS,    KB_AF_NOTES,
};

static void row_to_asset(sqlite3_stmt *st, kb_asset *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(st, 0);
	for (size_t i = 0; i < sizeof col_field / sizeof col_field[0]; i++)
		a->field[col_field[i]] = kb_column_text(st, (int)i + 1);
	a->n_interfaces = sqlite3_column_int64(st, 13);
	a->n_components = sqlite3_column_int64(st, 14);
}

/* Interface columns at `col`: id, address, port, protocol, role, exposure, exposure_given. */
#define IFACE_COLS "i.id, i.address, i.port, i.protocol, i.role, i.exposure, i.exposure_given"

static void row_to_interface(sqlite3_stmt *st, int col, const char *asset, kb_interface *it)
{
	*it = (kb_interface){
		.id = sqlite3_column_int64(st, col),
		.asset = asset,
		.address = kb_column_text(st, col + 1),
		.port = sqlite3_column_int(st, col + 2),
		.protocol = kb_column_text(st, col + 3),
		.exposure_given = sqlite3_column_int(st, col + 6) != 0,
	};
	kb_role_parse(kb_column_text(st, col + 4), &it->role);
	kb_exposure_parse(kb_column_text(st, col + 5), &it->exposure);
}

static int walk_assets(kb_store *s, sqlite3_stmt *st, kb_asset_cb cb, void *ctx, kb_error *err, int *count)
{
	int rc, r = 0;
	*count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_asset a;
		row_to_asset(st, &a);
		(*count)++;
		r = cb(&a, ctx);
		if (r)
			return r;
	}
	if (rc != SQLITE_DONE)
		return kb_store_fail(s, err, "read assets");
	return 0;
}

int kb_ledger_assets(kb_store *s, const kb_asset_filter *f, kb_asset_cb cb, void *ctx, kb_error *err)
{
	kb_buf sql;
	kb_buf_init(&sql, 8192);
	int r = kb_buf_printf(&sql, "SELECT %s FROM asset a WHERE 1", asset_cols);
	char *category = NULL;
	if (r == 0 && f && f->category) {
		r = kb_asset_value_normalize(KB_AF_CATEGORY, f->category, &category, err);
		if (r == 0)
			r = kb_buf_puts(&sql, " AND a.category = ?1");
	}
	if (r == 0 && f && f->owner)
		r = kb_buf_puts(&sql, " AND (instr(lower(coalesce(a.business_owner,'')), lower(?2)) > 0"
		                      " OR instr(lower(coalesce(a.technical_owner,'')), lower(?2)) > 0)");
	if (r == 0 && f && f->tag)
		r = kb_buf_puts(&sql, " AND instr(',' || lower(coalesce(a.tags,'')) || ',', ',' || lower(?3) || ',') > 0");
	if (r == 0 && f && f->component)
		/* exact name, or the artifact after a ':' or '/' (no LIKE: '_' and '%' are literal) */
		r = kb_buf_puts(&sql, " AND EXISTS (SELECT 1 FROM component c WHERE c.asset_id = a.id AND"
		                      " (lower(c.name) = lower(?4) OR substr(lower(c.name), -length(?4) - 1)"
		                      " IN (':' || lower(?4), '/' || lower(?4))))");
	if (r == 0 && f && f->name_like)
		r = kb_buf_puts(&sql, " AND instr(lower(a.name), lower(?5)) > 0");
	if (r == 0)
		r = kb_buf_puts(&sql, " ORDER BY a.name");
	sqlite3_stmt *st = NULL;
	if (r == 0)
		r = kb_store_prepare(s, kb_buf_str(&sql), &st, err);
	kb_buf_free(&sql);
	if (r == 0 && f) {
		kb_bind_text_or_null(st, 1, category);
		kb_bind_text_or_null(st, 2, f->owner);
		kb_bind_text_or_null(st, 3, f->tag);
		kb_bind_text_or_null(st, 4, f->component);
		kb_bind_text_or_null(st, 5, f->name_like);
	}
	int count;
	if (r == 0)
		r = walk_assets(s, st, cb, ctx, err, &count);
	sqlite3_finalize(st);
	free(category);
	return r;
}

int kb_ledger_asset(kb_store *s, const char *name, kb_asset_cb cb, void *ctx, kb_error *err)
{
	char sql[1024];
	snprintf(sql, sizeof sql, "SELECT %s FROM asset a WHERE a.name = ?1", asset_cols);
	sqlite3_stmt *st;
	int r = kb_store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, name);
	int count;
	r = walk_assets(s, st, cb, ctx, err, &count);
	sqlite3_finalize(st);
	if (r == 0 && count == 0)
		r = kb_error_set(err, KB_ENOTFOUND, NULL, 0, 0, KB_NO_OFFSET,
		                 "no asset named \"%.200s\" in the ledger", name);
	return r;
}

int kb_ledger_interfaces(kb_store *s, int64_t asset_id, kb_interface_cb cb, void *ctx, kb_error *err)
{
	sqlite3_stmt *st;
	int r = kb_store_prepare(s,
	                         "SELECT a.name, " IFACE_COLS " FROM interface i JOIN asset a ON a.id = i.asset_id"
	                         " WHERE ?1 = 0 OR i.asset_id = ?1"
	                         " ORDER BY a.name, i.address, i.port, i.protocol",
	                         &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, asset_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_interface it;
		row_to_interface(st, 1, kb_column_text(st, 0), &it);
		r = cb(&it, ctx);
		if (r)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(s, err, "read interfaces");
	sqlite3_finalize(st);
	return r;
}

int kb_ledger_components(kb_store *s, int64_t asset_id, kb_component_cb cb, void *ctx, kb_error *err)
{
	/* two statements: "?1 = 0 OR asset_id = ?1" would scan every component
	 * for each asset (SQLite cannot use the key through the OR) */
	static const char sql_all[] = "SELECT 0, a.name, c.ecosystem, c.name, c.version, c.purl, c.cpe,"
	                              " c.source, c.evidence, c.origin FROM component c"
	                              " JOIN asset a ON a.id = c.asset_id"
	                              " ORDER BY a.name, c.ecosystem, c.name, c.version, c.source, c.evidence";
	static const char sql_one[] = "SELECT 0, a.name, c.ecosystem, c.name, c.version, c.purl, c.cpe,"
	                              " c.source, c.evidence, c.origin FROM component c"
	                              " JOIN asset a ON a.id = c.asset_id WHERE c.asset_id = ?1"
	                              " ORDER BY c.ecosystem, c.name, c.version, c.source, c.evidence";
	sqlite3_stmt *st;
	int r = kb_store_cached(s, asset_id ? sql_one : sql_all, &st, err);
	if (r < 0)
		return r;
	if (asset_id)
		sqlite3_bind_int64(st, 1, asset_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_component c = {
			.asset = kb_column_text(st, 1),
			.ecosystem = kb_column_text(st, 2),
			.name = kb_column_text(st, 3),
			.version = kb_column_text(st, 4),
			.purl = kb_column_text(st, 5),
			.cpe = kb_column_text(st, 6),
			.evidence = kb_column_text(st, 8),
			.origin = kb_column_text(st, 9),
		};
		kb_source_parse(kb_column_text(st, 7), &c.source);
		r = cb(&c, ctx);
		if (r)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(s, err, "read components");
	sqlite3_reset(st);
	return r;
}

int kb_ledger_count_by(kb_store *s, kb_asset_field f, kb_count_cb cb, void *ctx, kb_error *err)
{
	if (f >= KB_AF__COUNT)
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET, "unknown field");
	char sql[256];
	const char *col = kb_asset_field_name(f);
	snprintf(sql, sizeof sql,
	         "SELECT %s, count(*) AS n FROM asset GROUP BY %s ORDER BY %s IS NULL, n DESC, %s", col, col,
	         col, col);
	sqlite3_stmt *st;
	int r = kb_store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = cb(kb_column_text(st, 0), sqlite3_column_int64(st, 1), ctx);
		if (r)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(s, err, "count assets");
	sqlite3_finalize(st);
	return r;
}

static int management(kb_store *s, bool public_only, kb_asset_interface_cb cb, void *ctx, kb_error *err)
{
	char sql[2048];
	snprintf(sql, sizeof sql,
	         "SELECT %s, " IFACE_COLS
	         " FROM interface i JOIN asset a ON a.id = i.asset_id"
	         " WHERE i.role = 'management'%s"
	         " ORDER BY a.name, i.address, i.port, i.protocol",
	         asset_cols, public_only ? " AND i.exposure = 'public'" : "");
	sqlite3_stmt *st;
	int r = kb_store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_asset a;
		row_to_asset(st, &a);
		kb_interface it;
		row_to_interface(st, 15, a.field[KB_AF_NAME], &it);
		r = cb(&a, &it, ctx);
		if (r)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(s, err, "read interfaces");
	sqlite3_finalize(st);
	return r;
}

int kb_ledger_public_management(kb_store *s, kb_asset_interface_cb cb, void *ctx, kb_error *err)
{
	return management(s, true, cb, ctx, err);
}

int kb_ledger_management(kb_store *s, kb_asset_interface_cb cb, void *ctx, kb_error *err)
{
	return management(s, false, cb, ctx, err);
}
