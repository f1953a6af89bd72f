/*
 * ledger-csv.c - the ledger as a security team keeps it: spreadsheets.
 *
 * Three sheets, told apart by their header row:
 *   assets      name, category, owners, vendor, product, version, modules, form
 *               factor, environment, tags, notes (any subset, any order, common
 *               aliases), plus optional inline `interfaces`, `components` and
 *               `management_address` cells;
 *   interfaces  asset, address, port, protocol, role, exposure;
 *   components  asset, ecosystem, name, version, purl, cpe, source, evidence, origin.
 *
 * libcsv parses RFC 4180. To name the line of every error, the input is fed to
 * libcsv one physical line at a time; when the parser is between records at the
 * start of a line, that line is where the next record begins. Fields of one
 * record are copied into one bounded buffer (KB_IMPORT_MAX_ROW_BYTES) so a
 * runaway quoted field cannot take all memory. Memory use does not depend on
 * the number of rows.
 */
#include "ledger-import.h"
#include "util-buf.h"
#include "util-str.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum col_kind {
	COL_IGNORED = 0,
	COL_FIELD,          /* an asset field (assets sheet) */
	COL_INTERFACES,     /* inline interfaces (assets sheet) */
	COL_COMPONENTS,     /* inline components (assets sheet) */
	COL_MGMT_ADDRESS,   /* shorthand management interface (assets sheet) */
	COL_ASSET,          /* interfaces / components sheets */
	COL_ADDRESS, COL_PORT, COL_PROTOCOL, COL_ROLE, COL_EXPOSURE,
	COL_ECOSYSTEM, COL_NAME, COL_VERSION, COL_PURL, COL_CPE, COL_SOURCE, COL_EVIDENCE, COL_ORIGIN,
};

struct column {
	enum col_kind kind;
	kb_asset_field field;
	char *header; /* as written */
};

struct csv_state {
	kb_import_ctx *c;
	kb_sheet sheet;
	struct column cols[KB_IMPORT_MAX_COLUMNS];
	int ncols;
	int col_of[COL_ORIGIN + 1];   /* first column of each kind, -1 if absent */
	uint32_t present;             /* asset fields present (assets sheet) */
	int name_col;                 /* column of the asset name (assets sheet) */
	bool header_done;
	/* current record */
	kb_buf data;
	size_t off[KB_IMPORT_MAX_COLUMNS];
	bool isnull[KB_IMPORT_MAX_COLUMNS];
	int nfields;
	bool too_many;
	uint64_t row_line;
	int r;                        /* first error; callbacks stop doing work once set */
};

static const struct {
	const char *name;
	enum col_kind kind;
} special_cols[] = {
	{ "interfaces", COL_INTERFACES },     { "interface", COL_INTERFACES },
	{ "components", COL_COMPONENTS },     { "packages", COL_COMPONENTS },
	{ "management_address", COL_MGMT_ADDRESS }, { "management_ip", COL_MGMT_ADDRESS },
	{ "mgmt_ip", COL_MGMT_ADDRESS },      { "mgmt_address", COL_MGMT_ADDRESS },
	{ "management_interface", COL_MGMT_ADDRESS },
};

static const struct {
	const char *name;
	enum col_kind kind;
} sheet_cols[] = {
	{ "asset", COL_ASSET },       { "asset_name", COL_ASSET },
	{ "address", COL_ADDRESS },   { "ip", COL_ADDRESS },          { "ip_address", COL_ADDRESS },
	{ "port", COL_PORT },         { "protocol", COL_PROTOCOL },   { "proto", COL_PROTOCOL },
	{ "role", COL_ROLE },         { "exposure", COL_EXPOSURE },   { "ecosystem", COL_ECOSYSTEM },
	{ "name", COL_NAME },         { "component", COL_NAME },      { "package", COL_NAME },
	{ "version", COL_VERSION },   { "purl", COL_PURL },           { "cpe", COL_CPE },
	{ "source", COL_SOURCE },     { "evidence", COL_EVIDENCE },   { "origin", COL_ORIGIN },
};

static const char *cell(struct csv_state *st, int col)
{
	if (col < 0 || col >= st->nfields || st->isnull[col])
		return NULL;
	return st->data.data + st->off[col];
}

static const char *cell_kind(struct csv_state *st, enum col_kind k)
{
	return cell(st, st->col_of[k]);
}

/* The cell of a column kind, trimmed in place (cells live in st->data);
 * NULL when absent or blank. */
static char *cell_trimmed(struct csv_state *st, enum col_kind k)
{
	char *v = (char *)cell_kind(st, k);
	if (!v)
		return NULL;
	size_t n;
	char *t = (char *)kb_str_trim(v, &n);
	t[n] = '\0';
	return n ? t : NULL;
}

static int fail(struct csv_state *st, int code, int col)
{
	st->r = kb_import_locate(st->c, code, st->row_line, col >= 0 ? (uint64_t)col + 1 : 0, KB_NO_OFFSET);
	return st->r;
}

/* Prefix the model layer's message with the column's header. */
static int fail_col(struct csv_state *st, int code, int col)
{
	kb_error *e = st->c->err;
	if (e && col >= 0 && col < st->ncols) {
		char msg[KB_ERROR_MSG_MAX];
		memcpy(msg, e->msg, sizeof msg);
		const char *h = st->cols[col].header;
		size_t hl = strlen(h);
		if (strncmp(msg, h, hl) != 0 || msg[hl] != ':')
			snprintf(e->msg, sizeof e->msg, "column \"%.40s\": %.400s", h, msg);
	}
	return fail(st, code, col);
}

static unsigned char pick_delimiter(const unsigned char *p, size_t n)
{
	const unsigned char *nl = memchr(p, '\n', n);
	size_t len = nl ? (size_t)(nl - p) : n;
	if (memchr(p, ',', len))
		return ',';
	if (memchr(p, ';', len))
		return ';';
	if (memchr(p, '\t', len))
		return '\t';
	return ',';
}

/* Which sheet a header (folded names) describes. */
static kb_sheet sheet_of(char *const *folded, int n)
{
	bool has_asset = false, has_address = false, has_compname = false;
	for (int i = 0; i < n; i++) {
		const char *f = folded[i];
		if (strcmp(f, "asset") == 0 || strcmp(f, "asset_name") == 0)
			has_asset = true;
		else if (strcmp(f, "address") == 0 || strcmp(f, "ip") == 0 || strcmp(f, "ip_address") == 0)
			has_address = true;
		else if (strcmp(f, "name") == 0 || strcmp(f, "purl") == 0 || strcmp(f, "component") == 0 ||
		         strcmp(f, "package") == 0)
			has_compname = true;
	}
	if (has_asset && has_address)
		return KB_SHEET_INTERFACES;
	if (has_asset && has_compname)
		return KB_SHEET_COMPONENTS;
	return KB_SHEET_ASSETS;
}

kb_sheet kb_csv_sheet_of_line(const char *line, size_t len)
{
	char *copy = kb_strndup(line, len);
	if (!copy)
		return KB_SHEET_NONE;
	unsigned char delim = pick_delimiter((const unsigned char *)copy, len);
	char *folded[KB_IMPORT_MAX_COLUMNS];
	int n = 0;
	char *save = NULL;
	char sep[2] = { (char)delim, 0 };
	for (char *tok = strtok_r(copy, sep, &save); tok && n < KB_IMPORT_MAX_COLUMNS;
	     tok = strtok_r(NULL, sep, &save)) {
		char *t = tok;
		size_t tl = strlen(t);
		if (tl >= 2 && t[0] == '"' && t[tl - 1] == '"') {
			t[tl - 1] = '\0';
			t++;
		}
		if (kb_str_fold_header(t, &folded[n]) == 0)
			n++;
	}
	kb_sheet sh = sheet_of(folded, n);
	for (int i = 0; i < n; i++)
		free(folded[i]);
	free(copy);
	return sh;
}

static int parse_header(struct csv_state *st)
{
	for (int k = 0; k <= COL_ORIGIN; k++)
		st->col_of[k] = -1;
	st->ncols = st->nfields;
	char *folded[KB_IMPORT_MAX_COLUMNS] = { 0 };
	int r = 0;
	for (int i = 0; i < st->ncols && r == 0; i++) {
		const char *h = cell(st, i);
		st->cols[i].header = strdup(h ? h : "");
		if (!st->cols[i].header || kb_str_fold_header(h ? h : "", &folded[i]) < 0)
			r = KB_ENOMEM;
	}
	if (r == 0)
		st->sheet = sheet_of(folded, st->ncols);
	for (int i = 0; i < st->ncols && r == 0; i++) {
		struct column *col = &st->cols[i];
		if (!folded[i][0]) {
			col->kind = COL_IGNORED;
			continue;
		}
		if (st->sheet == KB_SHEET_ASSETS) {
			kb_asset_field f;
			for (size_t j = 0; j < sizeof special_cols / sizeof special_cols[0]; j++)
				if (strcmp(folded[i], special_cols[j].name) == 0)
					col->kind = special_cols[j].kind;
			if (col->kind == COL_IGNORED && kb_asset_field_lookup(folded[i], &f) == 0) {
				col->kind = COL_FIELD;
				col->field = f;
				if (st->present & KB_AF_MASK(f)) {
					st->r = kb_error_set(st->c->err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
					                     "column \"%.40s\": field %s appears twice in the header",
					                     col->header, kb_asset_field_name(f));
					r = fail(st, KB_EINVAL, i);
					break;
				}
				st->present |= KB_AF_MASK(f);
				if (f == KB_AF_NAME)
					st->name_col = i;
			}
		} else {
			for (size_t j = 0; j < sizeof sheet_cols / sizeof sheet_cols[0]; j++)
				if (strcmp(folded[i], sheet_cols[j].name) == 0)
					col->kind = sheet_cols[j].kind;
		}
		if (col->kind == COL_IGNORED) {
			kb_import_warn(st->c, st->row_line, (uint64_t)i + 1,
			               "column \"%.40s\" is not a ledger field; it is ignored", col->header);
		} else if (col->kind != COL_FIELD) {
			if (st->col_of[col->kind] >= 0) {
				kb_error_set(st->c->err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
				             "column \"%.40s\" appears twice in the header", col->header);
				r = fail(st, KB_EINVAL, i);
				break;
			}
			st->col_of[col->kind] = i;
		}
	}
	for (int i = 0; i < st->ncols; i++)
		free(folded[i]);
	if (r == 0 && st->sheet == KB_SHEET_ASSETS && !(st->present & KB_AF_MASK(KB_AF_NAME))) {
		kb_error_set(st->c->err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		             "expected a header row naming the columns: an assets sheet needs \"name\" "
		             "(and \"category\" for new systems), an interfaces sheet \"asset\" and "
		             "\"address\", a components sheet \"asset\" and \"name\" or \"purl\"");
		r = fail(st, KB_EINVAL, -1);
	}
	if (r == 0) {
		st->c->stats->sheet = st->sheet;
		st->header_done = true;
	}
	return r;
}

/* Split an inline cell into entries on ';' and newlines. */
static int for_each_entry(struct csv_state *st, int col, const char *s,
                          int (*fn)(struct csv_state *, int, char *, void *), void *arg)
{
	char *copy = strdup(s);
	if (!copy)
		return KB_ENOMEM;
	int r = 0, n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ";\n\r", &save); tok && r == 0; tok = strtok_r(NULL, ";\n\r", &save)) {
		size_t len;
		char *t = (char *)kb_str_trim(tok, &len);
		if (!len)
			continue;
		t[len] = '\0';
		if (++n > KB_IMPORT_MAX_INLINE) {
			kb_error_set(st->c->err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
			             "more than %d entries in one cell", KB_IMPORT_MAX_INLINE);
			r = fail_col(st, KB_ELIMIT, col);
			break;
		}
		r = fn(st, col, t, arg);
	}
	free(copy);
	return r;
}

static int put_inline_interface(struct csv_state *st, int col, char *entry, void *arg)
{
	int64_t id = *(int64_t *)arg;
	kb_interface it;
	char *storage = NULL;
	int r = kb_interface_parse(entry, &it, &storage, st->c->err);
	if (r == 0)
		r = kb_ledger_put_interface(st->c->w, id, &it, st->c->err);
	if (r == 0)
		st->c->stats->interfaces++;
	free(storage);
	return r < 0 ? fail_col(st, r, col) : 0;
}

static int put_inline_component(struct csv_state *st, int col, char *entry, void *arg)
{
	int64_t id = *(int64_t *)arg;
	kb_component comp = { .source = KB_SOURCE_DECLARED, .origin = st->c->origin, .evidence = "" };
	char *at = NULL;
	if (strncasecmp(entry, "pkg:", 4) == 0) {
		comp.purl = entry;
	} else {
		/* name@version, for a spreadsheet that does not know purls */
		at = strrchr(entry, '@');
		if (at && at != entry) {
			*at = '\0';
			comp.version = at + 1;
		}
		comp.name = entry;
	}
	int r = kb_ledger_put_component_at(st->c->w, id, &comp, st->row_line, (uint64_t)col + 1, st->c->err);
	if (r == 0)
		st->c->stats->components++;
	/* on_row() ignores do_asset_row()'s result: the failure must be in st->r.
	 * A failure of this entry (not a late one from an earlier row) is about
	 * the components cell: say so. */
	if (r < 0 && st->c->err && st->c->err->line == st->row_line)
		return fail_col(st, r, col);
	return r < 0 ? (st->r = kb_import_written_fail(st->c, r)) : 0;
}

static int do_asset_row(struct csv_state *st)
{
	kb_asset a = { 0 };
	char *vals[KB_AF__COUNT] = { 0 };
	int r = 0;
	for (int i = 0; i < st->ncols && r == 0; i++) {
		if (st->cols[i].kind != COL_FIELD)
			continue;
		kb_asset_field f = st->cols[i].field;
		r = kb_asset_value_normalize(f, cell(st, i), &vals[f], st->c->err);
		if (r < 0)
			r = fail_col(st, r, i);
		a.field[f] = vals[f];
	}
	int64_t id = 0;
	kb_put_result put = KB_PUT_UNCHANGED;
	if (r == 0) {
		r = kb_ledger_put_asset(st->c->w, &a, st->present, &id, &put, st->c->err);
		if (r < 0)
			r = fail(st, r, st->name_col); /* e.g. a new asset with no category: the row's name */
	}
	if (r == 0) {
		if (put == KB_PUT_CREATED)
			st->c->stats->assets_created++;
		else if (put == KB_PUT_UPDATED)
			st->c->stats->assets_updated++;
		else
			st->c->stats->assets_unchanged++;
	}
	/* Inline cells describe the asset completely: they replace what the sheet said before. */
	int col = st->col_of[COL_INTERFACES];
	if (r == 0 && col >= 0) {
		r = kb_ledger_clear_interfaces(st->c->w, id, st->c->err);
		const char *s = cell(st, col);
		if (r == 0 && s)
			r = for_each_entry(st, col, s, put_inline_interface, &id);
	}
	col = st->col_of[COL_MGMT_ADDRESS];
	if (r == 0 && col >= 0 && !kb_str_empty(cell(st, col))) {
		kb_interface it;
		char *storage = NULL;
		r = kb_interface_parse(cell(st, col), &it, &storage, st->c->err);
		if (r == 0) {
			it.role = KB_ROLE_MANAGEMENT;
			r = kb_ledger_put_interface(st->c->w, id, &it, st->c->err);
		}
		free(storage);
		if (r < 0)
			r = fail_col(st, r, col);
		else
			st->c->stats->interfaces++;
	}
	col = st->col_of[COL_COMPONENTS];
	if (r == 0 && col >= 0) {
		r = kb_ledger_clear_components(st->c->w, id, KB_SOURCE_DECLARED, st->c->origin, st->c->err);
		const char *s = cell(st, col);
		if (r == 0 && s)
			r = for_each_entry(st, col, s, put_inline_component, &id);
	}
	for (int f = 0; f < KB_AF__COUNT; f++)
		free(vals[f]);
	return r;
}

/* The trimmed asset cell of an interfaces or components row, or a located error. */
static int row_asset(struct csv_state *st, const char **ret)
{
	const char *t = cell_trimmed(st, COL_ASSET);
	if (!t) {
		kb_error_set(st->c->err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		             "column \"asset\": expected the name of an asset, found an empty cell");
		return fail(st, KB_EINVAL, st->col_of[COL_ASSET]);
	}
	*ret = t;
	return 0;
}

static int row_asset_id(struct csv_state *st, int64_t *id)
{
	int col = st->col_of[COL_ASSET];
	const char *name = NULL;
	int r = row_asset(st, &name);
	if (r < 0)
		return r;
	r = kb_ledger_asset_id(st->c->w, name, id, st->c->err);
	if (r == KB_ENOTFOUND)
		strncat(st->c->err->msg, " (list the asset in an assets sheet imported first)",
		        sizeof st->c->err->msg - strlen(st->c->err->msg) - 1);
	return r < 0 ? fail(st, r, col) : 0;
}

static int do_interface_row(struct csv_state *st)
{
	int64_t id;
	int r = row_asset_id(st, &id);
	if (r < 0)
		return r;
	kb_interface it = { .protocol = "", .role = KB_ROLE_SERVICE };
	kb_error *e = st->c->err;
	size_t alen;
	const char *addr = cell_kind(st, COL_ADDRESS);
	addr = addr ? kb_str_trim(addr, &alen) : NULL;
	char *a = addr ? kb_strndup(addr, alen) : NULL;
	it.address = a;
	if (!a || !*a) {
		kb_error_set(e, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		             "column \"address\": expected an IP address or host name, found an empty cell");
		r = fail(st, KB_EINVAL, st->col_of[COL_ADDRESS]);
	}
	const char *v = cell_kind(st, COL_PORT);
	if (r == 0 && !kb_str_empty(v)) {
		char *end;
		long p = strtol(v, &end, 10);
		while (*end == ' ')
			end++;
		if (*end || p < 1 || p > 65535) {
			kb_error_set(e, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			             "column \"port\": expected a port 1-65535, found \"%.40s\"", v);
			r = fail(st, KB_EINVAL, st->col_of[COL_PORT]);
		}
		it.port = (int)p;
	}
	char *proto = r == 0 ? cell_trimmed(st, COL_PROTOCOL) : NULL;
	if (proto) {
		for (char *q = proto; *q; q++)
			*q = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
		it.protocol = proto;
	}
	char *role = r == 0 ? cell_trimmed(st, COL_ROLE) : NULL;
	if (role && kb_role_parse(role, &it.role) < 0) {
		kb_error_set(e, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		             "column \"role\": expected management or service, found \"%.40s\"", role);
		r = fail(st, KB_EINVAL, st->col_of[COL_ROLE]);
	}
	char *exposure = r == 0 ? cell_trimmed(st, COL_EXPOSURE) : NULL;
	if (exposure) {
		if (kb_exposure_parse(exposure, &it.exposure) < 0) {
			kb_error_set(e, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			             "column \"exposure\": expected public, internal or unknown, found \"%.40s\"",
			             exposure);
			r = fail(st, KB_EINVAL, st->col_of[COL_EXPOSURE]);
		}
		it.exposure_given = true;
	}
	if (r == 0) {
		r = kb_ledger_put_interface(st->c->w, id, &it, e);
		if (r < 0)
			r = fail(st, r, st->col_of[COL_ADDRESS]);
		else
			st->c->stats->interfaces++;
	}
	free(a);
	return r;
}

/* A failure of a components-sheet write. The writer resolves asset names late
 * and locates what it finds with the row's line and the name/purl column;
 * KB_ENOTFOUND can only be the asset, so name the asset column. */
static int component_fail(struct csv_state *st, int r)
{
	r = kb_import_written_fail(st->c, r);
	kb_error *e = st->c->err;
	if (r == KB_ENOTFOUND && e && st->col_of[COL_ASSET] >= 0) {
		e->column = (uint64_t)st->col_of[COL_ASSET] + 1;
		strncat(e->msg, " (list the asset in an assets sheet imported first)",
		        sizeof e->msg - strlen(e->msg) - 1);
	}
	return st->r = r;
}

static int do_component_row(struct csv_state *st)
{
	int col = st->col_of[COL_ASSET];
	const char *t = NULL;
	int r = row_asset(st, &t);
	if (r < 0)
		return r;
	kb_component comp = {
		.asset = t,
		.ecosystem = cell_kind(st, COL_ECOSYSTEM),
		.name = cell_kind(st, COL_NAME),
		.version = cell_kind(st, COL_VERSION),
		.purl = cell_kind(st, COL_PURL),
		.cpe = cell_kind(st, COL_CPE),
		.evidence = cell_kind(st, COL_EVIDENCE),
		.origin = cell_kind(st, COL_ORIGIN),
		.source = KB_SOURCE_DECLARED,
	};
	const char *src = cell_kind(st, COL_SOURCE);
	if (!kb_str_empty(src) && kb_source_parse(src, &comp.source) < 0) {
		kb_error_set(st->c->err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		             "column \"source\": expected declared, sbom or scan, found \"%.40s\"", src);
		return fail(st, KB_EINVAL, st->col_of[COL_SOURCE]);
	}
	/* Errors name the purl column when there is a purl, else the name column;
	 * an unknown asset, found later by the writer, names the asset column. */
	int at = comp.purl && *comp.purl && st->col_of[COL_PURL] >= 0 ? st->col_of[COL_PURL] : st->col_of[COL_NAME];
	if (at < 0)
		at = col;
	r = kb_ledger_put_component_at(st->c->w, 0, &comp, st->row_line, (uint64_t)at + 1, st->c->err);
	if (r < 0)
		return component_fail(st, r);
	st->c->stats->components++;
	return 0;
}

static void on_field(void *data, size_t len, void *arg)
{
	struct csv_state *st = arg;
	if (st->r)
		return;
	if (st->nfields == KB_IMPORT_MAX_COLUMNS) {
		st->too_many = true;
		return;
	}
	st->off[st->nfields] = st->data.len;
	st->isnull[st->nfields] = data == NULL;
	int r = data ? kb_buf_append(&st->data, data, len) : 0;
	if (r == 0)
		r = kb_buf_putc(&st->data, '\0');
	if (r < 0) {
		kb_error_set(st->c->err, r, NULL, 0, 0, KB_NO_OFFSET,
		             r == KB_ELIMIT ? "record longer than the limit of %u bytes" : "out of memory",
		             (unsigned)KB_IMPORT_MAX_ROW_BYTES);
		fail(st, r, st->nfields);
		return;
	}
	st->nfields++;
}

static bool row_blank(struct csv_state *st)
{
	for (int i = 0; i < st->nfields; i++) {
		const char *v = cell(st, i);
		if (!kb_str_empty(v))
			return false;
	}
	return true;
}

static void on_row(int term, void *arg)
{
	(void)term;
	struct csv_state *st = arg;
	if (st->r)
		return;
	if (st->too_many) {
		kb_error_set(st->c->err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
		             "more than %d fields in one record", KB_IMPORT_MAX_COLUMNS);
		fail(st, KB_ELIMIT, -1);
		return;
	}
	if (!st->header_done) {
		parse_header(st);
	} else if (!row_blank(st)) {
		if (st->nfields != st->ncols) {
			kb_error_set(st->c->err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET,
			             "expected %d fields as in the header, found %d", st->ncols, st->nfields);
			fail(st, KB_EPARSE, st->nfields < st->ncols ? st->nfields : st->ncols);
		} else {
			st->c->stats->records++;
			switch (st->sheet) {
			case KB_SHEET_ASSETS: do_asset_row(st); break;
			case KB_SHEET_INTERFACES: do_interface_row(st); break;
			case KB_SHEET_COMPONENTS: do_component_row(st); break;
			case KB_SHEET_NONE: break;
			}
		}
	}
	st->nfields = 0;
	kb_buf_reset(&st->data);
}

int kb_import_csv(kb_import_ctx *c)
{
	struct csv_state *st = calloc(1, sizeof *st);
	if (!st)
		return KB_ENOMEM;
	st->c = c;
	kb_buf_init(&st->data, KB_IMPORT_MAX_ROW_BYTES);
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
		free(st);
		return KB_ENOMEM;
	}
	unsigned char *buf = malloc(KB_READ_CHUNK);
	int r = buf ? 0 : KB_ENOMEM;
	uint64_t line = 1;
	bool line_start = true, first = true;
	while (r == 0) {
		ssize_t n = kb_reader_read(c->rd, buf, KB_READ_CHUNK, c->err);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0)
			break;
		size_t pos = 0;
		if (first) {
			if (n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
				pos = 3; /* UTF-8 byte-order mark from a spreadsheet */
			csv_set_delim(&p, pick_delimiter(buf + pos, (size_t)n - pos));
			first = false;
		}
		while (pos < (size_t)n && r == 0) {
			if (line_start && p.pstate == 0)
				st->row_line = line;
			const unsigned char *nl = memchr(buf + pos, '\n', (size_t)n - pos);
			size_t seg = nl ? (size_t)(nl - (buf + pos)) + 1 : (size_t)n - pos;
			size_t done = csv_parse(&p, buf + pos, seg, on_field, on_row, st);
			if (st->r) {
				r = st->r;
				break;
			}
			if (done != seg) {
				kb_error_set(c->err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET,
				             "malformed CSV: a quote may only open a field, and a closing quote "
				             "must be followed by a delimiter or the end of the line");
				r = kb_import_locate(c, KB_EPARSE, line, (uint64_t)st->nfields + 1,
				                     c->rd->done - (uint64_t)n + pos + done);
				break;
			}
			if (p.entry_pos > KB_IMPORT_MAX_ROW_BYTES || st->data.len + p.entry_pos > KB_IMPORT_MAX_ROW_BYTES) {
				kb_error_set(c->err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
				             "record longer than the limit of %u bytes (an unclosed quote?)",
				             (unsigned)KB_IMPORT_MAX_ROW_BYTES);
				r = kb_import_locate(c, KB_ELIMIT, st->row_line, (uint64_t)st->nfields + 1, KB_NO_OFFSET);
				break;
			}
			pos += seg;
			line_start = nl != NULL;
			if (nl)
				line++;
		}
	}
	if (r == 0) {
		if (csv_fini(&p, on_field, on_row, st) != 0) {
			kb_error_set(c->err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET,
			             "malformed CSV: a quoted field is not closed before the end of the file");
			r = kb_import_locate(c, KB_EPARSE, st->row_line, (uint64_t)st->nfields + 1, KB_NO_OFFSET);
		} else if (st->r) {
			r = st->r;
		}
	}
	/* the last rows' failures, while the sheet's columns are known */
	if (r == 0 && st->sheet == KB_SHEET_COMPONENTS) {
		r = kb_ledger_writer_flush(c->w, c->err);
		if (r < 0)
			r = component_fail(st, r);
	}
	if (r == 0 && !st->header_done) {
		kb_error_set(c->err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET,
		             "expected a header row naming the columns, found no rows");
		r = kb_import_locate(c, KB_EPARSE, 1, 0, KB_NO_OFFSET);
	}
	csv_free(&p);
	free(buf);
	for (int i = 0; i < st->ncols; i++)
		free(st->cols[i].header);
	kb_buf_free(&st->data);
	free(st);
	return r;
}
