/*
 * feeds.c - CISA KEV, FIRST EPSS and endoflife.date cycles into the store, and
 * the lookups the exposure engine makes; see feeds.h.
 *
 * KEV and end-of-life files are JSON documents parsed whole with jansson
 * (bounded by KB_FEED_MAX_BYTES); schema errors name the JSON path. EPSS is
 * CSV read line by line through libcsv, so errors name the line. Each import
 * is one transaction of upserts.
 */
#include "koban/feeds.h"
#include "koban/version.h"
#include "advisory-internal.h"
#include "store-internal.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *kb_feed_name(kb_feed f)
{
	switch (f) {
	case KB_FEED_KEV: return "kev";
	case KB_FEED_EPSS: return "epss";
	case KB_FEED_EOL: return "eol";
	case KB_FEED_VEX: return "openvex";
	case KB_FEED_AUTO: break;
	}
	return "auto";
}

static kb_feed detect(const char *p, size_t n)
{
	if (n >= 14 && strncmp(p, "#model_version", 14) == 0)
		return KB_FEED_EPSS;
	if (n >= 19 && strncmp(p, "cve,epss,percentile", 19) == 0)
		return KB_FEED_EPSS;
	if (memmem(p, n, "\"vulnerabilities\"", 17) && memmem(p, n, "\"cveID\"", 7))
		return KB_FEED_KEV;
	if (memmem(p, n, "openvex", 7) && memmem(p, n, "\"statements\"", 12))
		return KB_FEED_VEX;
	if (memmem(p, n, "\"releases\"", 10) || memmem(p, n, "\"releaseCycle\"", 14) || memmem(p, n, "\"cycle\"", 7))
		return KB_FEED_EOL;
	return KB_FEED_AUTO;
}

bool kb_feed_sniff(const char *path, kb_feed *ret)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char buf[8192];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	kb_feed k = detect(buf, n);
	if (k == KB_FEED_AUTO)
		return false;
	*ret = k;
	return true;
}

static char *slurp(const char *path, size_t *len, kb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		kb_error_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, path, 0, 0, KB_NO_OFFSET, "cannot open: %s",
		             strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > KB_FEED_MAX_BYTES) {
		kb_error_set(err, KB_ELIMIT, path, 0, 0, KB_NO_OFFSET,
		             "expected a feed file of at most %u bytes", (unsigned)KB_FEED_MAX_BYTES);
		fclose(f);
		return NULL;
	}
	size_t n = (size_t)sb.st_size;
	char *b = malloc(n + 1);
	if (b && fread(b, 1, n, f) != n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (!b) {
		kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "read failed");
		return NULL;
	}
	b[n] = '\0';
	*len = n;
	return b;
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- KEV ---- */

static int import_kev(kb_store *s, const char *path, const char *data, size_t len, kb_feed_stats *st,
                      kb_error *err)
{
	json_t *root = NULL;
	int r = kb_adv_load(path, data, len, "a KEV catalog", &root, err);
	if (r < 0)
		return r;
	json_t *vulns = json_object_get(root, "vulnerabilities");
	sqlite3_stmt *ins = NULL;
	if (!json_is_array(vulns))
		r = kb_error_set(err, KB_EFORMAT, path, 0, 0, KB_NO_OFFSET, "vulnerabilities: expected an array");
	if (r == 0)
		r = kb_store_prepare(s,
		                     "INSERT INTO kev(cve, vendor, product, name, date_added, due_date, ransomware, source)"
		                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(cve) DO UPDATE SET"
		                     " vendor = excluded.vendor, product = excluded.product, name = excluded.name,"
		                     " date_added = excluded.date_added, due_date = excluded.due_date,"
		                     " ransomware = excluded.ransomware, source = excluded.source,"
		                     " imported = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
		                     &ins, err);
	size_t i;
	json_t *v;
	json_array_foreach (vulns, i, v) {
		if (r < 0)
			break;
		const char *cve = jstr(v, "cveID");
		if (!json_is_object(v) || !cve) {
			r = kb_error_set(err, KB_EINVAL, path, 0, 0, KB_NO_OFFSET,
			                 "vulnerabilities[%zu]: expected an object with \"cveID\"", i);
			break;
		}
		sqlite3_reset(ins);
		kb_bind_text(ins, 1, cve);
		kb_bind_text_or_null(ins, 2, jstr(v, "vendorProject"));
		kb_bind_text_or_null(ins, 3, jstr(v, "product"));
		kb_bind_text_or_null(ins, 4, jstr(v, "vulnerabilityName"));
		kb_bind_text_or_null(ins, 5, jstr(v, "dateAdded"));
		kb_bind_text_or_null(ins, 6, jstr(v, "dueDate"));
		kb_bind_text_or_null(ins, 7, jstr(v, "knownRansomwareCampaignUse"));
		kb_bind_text(ins, 8, path);
		if (sqlite3_step(ins) != SQLITE_DONE)
			r = kb_store_fail(s, err, "store KEV entry");
		else
			st->rows++;
	}
	sqlite3_finalize(ins);
	json_decref(root);
	return r;
}

/* ---- EPSS ---- */

struct epss_row {
	char field[3][64];
	int n;
	bool too_long;
};

static void epss_field(void *d, size_t len, void *ctx)
{
	struct epss_row *row = ctx;
	if (row->n < 3) {
		if (len >= sizeof row->field[0])
			row->too_long = true;
		else {
			memcpy(row->field[row->n], d ? d : "", d ? len : 0);
			row->field[row->n][d ? len : 0] = '\0';
		}
	}
	row->n++;
}

static void epss_end(int c, void *ctx)
{
	(void)c;
	(void)ctx;
}

static int import_epss(kb_store *s, const char *path, const char *data, size_t len, kb_feed_stats *st,
                       kb_error *err)
{
	sqlite3_stmt *ins = NULL;
	int r = kb_store_prepare(s,
	                         "INSERT INTO epss(cve, epss, percentile, score_date, source) VALUES (?1, ?2, ?3, ?4, ?5)"
	                         " ON CONFLICT(cve) DO UPDATE SET epss = excluded.epss,"
	                         " percentile = excluded.percentile, score_date = excluded.score_date,"
	                         " source = excluded.source, imported = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
	                         &ins, err);
	char score_date[32] = "";
	uint64_t line = 0;
	const char *p = data, *end = data + len;
	bool header = false;
	while (r == 0 && p < end) {
		line++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n && p[0] == '#') {
			const char *sd = memmem(p, n, "score_date:", 11);
			if (sd) {
				size_t k = 0;
				sd += 11;
				while (sd + k < p + n && sd[k] != ',' && k < 10)
					k++;
				memcpy(score_date, sd, k);
				score_date[k] = '\0';
			}
		} else if (n) {
			struct epss_row row = { .n = 0 };
			struct csv_parser cp;
			csv_init(&cp, CSV_STRICT | CSV_APPEND_NULL);
			size_t done = csv_parse(&cp, p, n, epss_field, epss_end, &row);
			csv_fini(&cp, epss_field, epss_end, &row);
			csv_free(&cp);
			if (done != n || row.n != 3 || row.too_long) {
				r = kb_error_set(err, KB_EPARSE, path, line, 0, KB_NO_OFFSET,
				                 "expected three fields: cve,epss,percentile");
			} else if (!header && strcmp(row.field[0], "cve") == 0) {
				header = true;
			} else {
				char *e1, *e2;
				double epss = strtod(row.field[1], &e1), pct = strtod(row.field[2], &e2);
				if (strncmp(row.field[0], "CVE-", 4) != 0 || *e1 || *e2 || epss < 0 || epss > 1 || pct < 0 ||
				    pct > 1) {
					r = kb_error_set(err, KB_EINVAL, path, line, 0, KB_NO_OFFSET,
					                 "expected a CVE id and two numbers between 0 and 1, found \"%.80s\"",
					                 row.field[0]);
				} else {
					sqlite3_reset(ins);
					kb_bind_text(ins, 1, row.field[0]);
					sqlite3_bind_double(ins, 2, epss);
					sqlite3_bind_double(ins, 3, pct);
					kb_bind_text_or_null(ins, 4, score_date);
					kb_bind_text(ins, 5, path);
					if (sqlite3_step(ins) != SQLITE_DONE)
						r = kb_store_fail(s, err, "store EPSS score");
					else
						st->rows++;
				}
			}
		}
		p = nl ? nl + 1 : end;
	}
	sqlite3_finalize(ins);
	return r;
}

/* ---- end-of-life ---- */

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int add_name(kb_store *s, sqlite3_stmt *st, const char *product, const char *name, kb_error *err)
{
	if (!name || !*name)
		return 0;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", name);
	if (strncmp(buf, "pkg:", 4) == 0) /* a purl names the product without its version */
		buf[strcspn(buf, "@?#")] = '\0';
	lower(buf);
	sqlite3_reset(st);
	kb_bind_text(st, 1, buf);
	kb_bind_text(st, 2, product);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : kb_store_fail(s, err, "store end-of-life name");
}

static int import_eol(kb_store *s, const char *path, const char *data, size_t len, kb_feed_stats *st,
                      kb_error *err)
{
	json_t *root = NULL;
	int r = kb_adv_load(path, data, len, "endoflife.date product data", &root, err);
	if (r < 0)
		return r;
	json_t *res = json_object_get(root, "result");
	const char *product = jstr(res, "name");
	json_t *rels = json_object_get(res, "releases");
	if (!product || !json_is_array(rels)) {
		json_decref(root);
		return kb_error_set(err, KB_EFORMAT, path, 0, 0, KB_NO_OFFSET,
		                    "expected endoflife.date API v1 product data: result.name and result.releases");
	}
	char prod[128];
	snprintf(prod, sizeof prod, "%s", product);
	lower(prod);
	sqlite3_stmt *p1 = NULL, *p2 = NULL, *p3 = NULL, *del = NULL;
	r = kb_store_prepare(s,
	                     "INSERT INTO eol_product(product, label, source) VALUES (?1, ?2, ?3)"
	                     " ON CONFLICT(product) DO UPDATE SET label = excluded.label, source = excluded.source,"
	                     " imported = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
	                     &p1, err);
	if (r == 0)
		r = kb_store_prepare(s, "INSERT OR IGNORE INTO eol_name(name, product) VALUES (?1, ?2)", &p2, err);
	if (r == 0)
		r = kb_store_prepare(s,
		                     "INSERT INTO eol_cycle(product, cycle, release_date, eol_from, is_eol, latest)"
		                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(product, cycle) DO UPDATE SET"
		                     " release_date = excluded.release_date, eol_from = excluded.eol_from,"
		                     " is_eol = excluded.is_eol, latest = excluded.latest",
		                     &p3, err);
	if (r == 0)
		r = kb_store_prepare(s, "DELETE FROM eol_cycle WHERE product = ?1", &del, err);
	if (r == 0) {
		kb_bind_text(p1, 1, prod);
		kb_bind_text_or_null(p1, 2, jstr(res, "label"));
		kb_bind_text(p1, 3, path);
		if (sqlite3_step(p1) != SQLITE_DONE)
			r = kb_store_fail(s, err, "store end-of-life product");
		kb_bind_text(del, 1, prod); /* the new copy of the product replaces its cycles */
		if (r == 0 && sqlite3_step(del) != SQLITE_DONE)
			r = kb_store_fail(s, err, "replace end-of-life cycles");
	}
	if (r == 0)
		r = add_name(s, p2, prod, prod, err);
	if (r == 0)
		r = add_name(s, p2, prod, jstr(res, "label"), err);
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(res, "aliases"), i, v)
		if (r == 0 && json_is_string(v))
			r = add_name(s, p2, prod, json_string_value(v), err);
	json_array_foreach (json_object_get(res, "identifiers"), i, v) {
		const char *type = jstr(v, "type"), *id = jstr(v, "id");
		if (r == 0 && type && id && strcmp(type, "purl") == 0)
			r = add_name(s, p2, prod, id, err);
	}
	json_array_foreach (rels, i, v) {
		if (r < 0)
			break;
		const char *cycle = jstr(v, "name");
		if (!json_is_object(v) || !cycle) {
			r = kb_error_set(err, KB_EINVAL, path, 0, 0, KB_NO_OFFSET,
			                 "result.releases[%zu]: expected an object with \"name\"", i);
			break;
		}
		json_t *is_eol = json_object_get(v, "isEol");
		sqlite3_reset(p3);
		kb_bind_text(p3, 1, prod);
		kb_bind_text(p3, 2, cycle);
		kb_bind_text_or_null(p3, 3, jstr(v, "releaseDate"));
		kb_bind_text_or_null(p3, 4, jstr(v, "eolFrom"));
		sqlite3_bind_int(p3, 5, json_is_true(is_eol));
		kb_bind_text_or_null(p3, 6, jstr(json_object_get(v, "latest"), "name"));
		if (sqlite3_step(p3) != SQLITE_DONE)
			r = kb_store_fail(s, err, "store end-of-life cycle");
		else
			st->rows++;
	}
	sqlite3_finalize(p1);
	sqlite3_finalize(p2);
	sqlite3_finalize(p3);
	sqlite3_finalize(del);
	json_decref(root);
	return r;
}

/* ---- OpenVEX ---- */

static const char *vex_id(json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v); /* OpenVEX 0.0.x: plain strings */
	const char *id = jstr(v, "@id");
	return id ? id : jstr(v, "name");
}

static int put_vex(kb_store *s, sqlite3_stmt *ins, const char *vuln, const char *product, json_t *stmt,
                   const char *author, const char *path, kb_feed_stats *st, kb_error *err)
{
	char v[256], p[512];
	snprintf(v, sizeof v, "%s", vuln);
	snprintf(p, sizeof p, "%s", product);
	lower(v);
	lower(p);
	sqlite3_reset(ins);
	kb_bind_text(ins, 1, v);
	kb_bind_text(ins, 2, p);
	kb_bind_text(ins, 3, jstr(stmt, "status"));
	kb_bind_text_or_null(ins, 4, jstr(stmt, "justification"));
	kb_bind_text_or_null(ins, 5, jstr(stmt, "impact_statement"));
	kb_bind_text_or_null(ins, 6, jstr(stmt, "action_statement"));
	kb_bind_text_or_null(ins, 7, author);
	kb_bind_text(ins, 8, path);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return kb_store_fail(s, err, "store VEX statement");
	st->rows++;
	return 0;
}

static int import_vex(kb_store *s, const char *path, const char *data, size_t len, kb_feed_stats *st,
                      kb_error *err)
{
	json_t *root = NULL;
	int r = kb_adv_load(path, data, len, "an OpenVEX document", &root, err);
	if (r < 0)
		return r;
	json_t *stmts = json_object_get(root, "statements");
	const char *author = jstr(root, "author");
	sqlite3_stmt *ins = NULL;
	if (!json_is_array(stmts))
		r = kb_error_set(err, KB_EFORMAT, path, 0, 0, KB_NO_OFFSET, "statements: expected an array");
	if (r == 0)
		r = kb_store_prepare(s,
		                     "INSERT INTO vex(vulnerability, product, status, justification, impact, action, author,"
		                     " source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		                     " ON CONFLICT(vulnerability, product) DO UPDATE SET status = excluded.status,"
		                     " justification = excluded.justification, impact = excluded.impact,"
		                     " action = excluded.action, author = excluded.author, source = excluded.source,"
		                     " imported = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
		                     &ins, err);
	static const char *const statuses[] = { "not_affected", "affected", "fixed", "under_investigation" };
	size_t i;
	json_t *stmt;
	json_array_foreach (stmts, i, stmt) {
		if (r < 0)
			break;
		json_t *vul = json_object_get(stmt, "vulnerability");
		const char *vname = vex_id(vul);
		const char *status = jstr(stmt, "status");
		bool known = false;
		for (size_t k = 0; status && k < 4; k++)
			known |= strcmp(status, statuses[k]) == 0;
		json_t *products = json_object_get(stmt, "products");
		if (!json_is_object(stmt) || !vname || !known || !json_is_array(products)) {
			r = kb_error_set(err, KB_EINVAL, path, 0, 0, KB_NO_OFFSET,
			                 "statements[%zu]: expected a vulnerability, products and a status of not_affected, "
			                 "affected, fixed or under_investigation",
			                 i);
			break;
		}
		if (strcmp(status, "not_affected") == 0 && !jstr(stmt, "justification") && !jstr(stmt, "impact_statement")) {
			r = kb_error_set(err, KB_EINVAL, path, 0, 0, KB_NO_OFFSET,
			                 "statements[%zu]: not_affected needs a justification or an impact_statement", i);
			break;
		}
		/* the vulnerability's name and its aliases, each in every product and subcomponent */
		const char *names[17];
		size_t nn = 0;
		names[nn++] = vname;
		size_t a;
		json_t *al;
		json_array_foreach (json_object_get(vul, "aliases"), a, al)
			if (nn < 17 && json_is_string(al))
				names[nn++] = json_string_value(al);
		size_t j;
		json_t *prod;
		json_array_foreach (products, j, prod) {
			const char *pid = vex_id(prod);
			for (size_t k = 0; pid && k < nn && r == 0; k++)
				r = put_vex(s, ins, names[k], pid, stmt, author, path, st, err);
			size_t q;
			json_t *sub;
			/* a subcomponent is scoped to its product: "PRODUCT#SUBCOMPONENT" */
			json_array_foreach (json_object_get(prod, "subcomponents"), q, sub) {
				const char *sid = vex_id(sub);
				char scoped[512];
				snprintf(scoped, sizeof scoped, "%s#%s", pid ? pid : "", sid ? sid : "");
				for (size_t k = 0; pid && sid && k < nn && r == 0; k++)
					r = put_vex(s, ins, names[k], scoped, stmt, author, path, st, err);
			}
		}
	}
	sqlite3_finalize(ins);
	json_decref(root);
	return r;
}

static const char sql_kb_vex_lookup[] =
	"SELECT status, justification, impact, source FROM vex"
	                         " WHERE vulnerability = ?1 AND product = ?2";

int kb_vex_lookup(kb_store *s, const char *vulnerability, const char *product, kb_vex_statement *ret,
                  kb_error *err)
{
	if (!vulnerability || !product || !*product)
		return KB_ENOTFOUND;
	char v[256], p[512];
	snprintf(v, sizeof v, "%s", vulnerability);
	snprintf(p, sizeof p, "%s", product);
	lower(v);
	lower(p);
	sqlite3_stmt *st;
	int r = kb_store_cached(s, sql_kb_vex_lookup, &st, err);
	if (r < 0)
		return r;
	r = KB_ENOTFOUND;
	for (int pass = 0; pass < 2 && r == KB_ENOTFOUND; pass++) {
		if (pass == 1) { /* the purl without its version: a statement about every version */
			char *purl = strstr(p, "pkg:"); /* "pkg:..." or "asset#pkg:..." */
			if (!purl || !strchr(purl, '@'))
				break;
			purl[strcspn(purl, "@")] = '\0';
		}
		sqlite3_reset(st);
		kb_bind_text(st, 1, v);
		kb_bind_text(st, 2, p);
		if (sqlite3_step(st) == SQLITE_ROW) {
			kb_vex_statement x;
			memset(&x, 0, sizeof x);
			snprintf(x.status, sizeof x.status, "%s", kb_column_text(st, 0));
			snprintf(x.justification, sizeof x.justification, "%s",
			         kb_column_text(st, 1) ? kb_column_text(st, 1) : "");
			snprintf(x.impact, sizeof x.impact, "%s", kb_column_text(st, 2) ? kb_column_text(st, 2) : "");
			snprintf(x.source, sizeof x.source, "%s", kb_column_text(st, 3));
			*ret = x;
			r = 0;
		}
	}
	sqlite3_reset(st);
	return r;
}

int kb_feed_import_file(kb_store *s, const char *path, kb_feed_stats *ret, kb_error *err)
{
	size_t len = 0;
	char *data = slurp(path, &len, err);
	if (!data)
		return err && err->code ? err->code : KB_EIO;
	kb_feed f = detect(data, len < 65536 ? len : 65536);
	kb_feed_stats st = { .feed = f };
	int r = 0;
	if (f == KB_FEED_AUTO)
		r = kb_error_set(err, KB_EFORMAT, path, 1, 1, 0,
		                 "expected a CISA KEV catalog, an EPSS CSV, endoflife.date product data or OpenVEX");
	if (r == 0)
		r = kb_store_begin(s, err);
	if (r == 0) {
		if (f == KB_FEED_KEV)
			r = import_kev(s, path, data, len, &st, err);
		else if (f == KB_FEED_VEX)
			r = import_vex(s, path, data, len, &st, err);
		else if (f == KB_FEED_EPSS)
			r = import_epss(s, path, data, len, &st, err);
		else
			r = import_eol(s, path, data, len, &st, err);
		if (r == 0)
			r = kb_store_commit(s, err);
		else
			kb_store_rollback(s);
	}
	free(data);
	if (r == 0 && ret)
		*ret = st;
	return r;
}

static const char sql_kb_kev_lookup[] =
	"SELECT date_added, due_date, ransomware FROM kev WHERE cve = ?1";

int kb_kev_lookup(kb_store *s, const char *cve, kb_kev_entry *ret, kb_error *err)
{
	sqlite3_stmt *st;
	int r = kb_store_cached(s, sql_kb_kev_lookup, &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, cve);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		kb_kev_entry e;
		memset(&e, 0, sizeof e);
		snprintf(e.date_added, sizeof e.date_added, "%s", kb_column_text(st, 0) ? kb_column_text(st, 0) : "");
		snprintf(e.due_date, sizeof e.due_date, "%s", kb_column_text(st, 1) ? kb_column_text(st, 1) : "");
		snprintf(e.ransomware, sizeof e.ransomware, "%s", kb_column_text(st, 2) ? kb_column_text(st, 2) : "");
		*ret = e;
	} else {
		r = rc == SQLITE_DONE ? KB_ENOTFOUND : kb_store_fail(s, err, "read KEV");
	}
	sqlite3_reset(st);
	return r;
}

static const char sql_kb_epss_lookup[] =
	"SELECT epss, percentile FROM epss WHERE cve = ?1";

int kb_epss_lookup(kb_store *s, const char *cve, double *ret_epss, double *ret_percentile, kb_error *err)
{
	sqlite3_stmt *st;
	int r = kb_store_cached(s, sql_kb_epss_lookup, &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, cve);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret_epss = sqlite3_column_double(st, 0);
		*ret_percentile = sqlite3_column_double(st, 1);
	} else {
		r = rc == SQLITE_DONE ? KB_ENOTFOUND : kb_store_fail(s, err, "read EPSS");
	}
	sqlite3_reset(st);
	return r;
}

/* Is `cycle` a prefix of `version` at a '.' boundary ("15.1" of "15.1.10.2")? */
static bool cycle_of(const char *cycle, const char *version)
{
	size_t n = strlen(cycle);
	return strncmp(cycle, version, n) == 0 && (version[n] == '\0' || version[n] == '.' || version[n] == '-');
}

static const char sql_kb_eol_lookup[] =
	"SELECT c.product, c.cycle, c.eol_from, c.is_eol, c.latest, p.source"
	                         " FROM eol_name n JOIN eol_cycle c ON c.product = n.product"
	                         " JOIN eol_product p ON p.product = n.product WHERE n.name = ?1";

int kb_eol_lookup(kb_store *s, const char *name, const char *version, const char *today, kb_eol_info *ret,
                  kb_error *err)
{
	if (!name || !version || !*version)
		return KB_ENOTFOUND;
	char key[512];
	snprintf(key, sizeof key, "%s", name);
	if (strncmp(key, "pkg:", 4) == 0)
		key[strcspn(key, "@?#")] = '\0';
	lower(key);
	sqlite3_stmt *st;
	int r = kb_store_cached(s, sql_kb_eol_lookup, &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, key);
	kb_eol_info best;
	memset(&best, 0, sizeof best);
	size_t best_len = 0;
	int rc;
	/* pass 1: the version's cycle (the longest matching name) */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cycle = kb_column_text(st, 1);
		if (!cycle || !cycle_of(cycle, version) || strlen(cycle) <= best_len)
			continue;
		best_len = strlen(cycle);
		memset(&best, 0, sizeof best);
		snprintf(best.product, sizeof best.product, "%s", kb_column_text(st, 0));
		snprintf(best.cycle, sizeof best.cycle, "%s", cycle);
		const char *eol_from = kb_column_text(st, 2);
		snprintf(best.eol_from, sizeof best.eol_from, "%s", eol_from ? eol_from : "");
		/* a date decides against `today`; the feed's flag only when it gives no date */
		best.eol = (eol_from && today) ? strcmp(eol_from, today) <= 0 : sqlite3_column_int(st, 3) != 0;
		snprintf(best.source, sizeof best.source, "%s", kb_column_text(st, 5));
	}
	if (rc != SQLITE_DONE)
		r = kb_store_fail(s, err, "read end-of-life data");
	/* pass 2: the lowest cycle above it that is still supported */
	if (r == 0 && best_len) {
		sqlite3_reset(st);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *cycle = kb_column_text(st, 1), *eol_from = kb_column_text(st, 2);
			bool ended = (eol_from && today) ? strcmp(eol_from, today) <= 0 : sqlite3_column_int(st, 3) != 0;
			int d = 0;
			if (ended || kb_version_cmp(KB_VS_INTDOT, cycle, best.cycle, &d) != 0 || d <= 0)
				continue;
			int dn = -1;
			if (best.next_cycle[0] && kb_version_cmp(KB_VS_INTDOT, cycle, best.next_cycle, &dn) == 0 && dn >= 0)
				continue;
			snprintf(best.next_cycle, sizeof best.next_cycle, "%s", cycle);
			const char *latest = kb_column_text(st, 4);
			snprintf(best.next_latest, sizeof best.next_latest, "%s", latest ? latest : "");
			snprintf(best.next_eol, sizeof best.next_eol, "%s", eol_from ? eol_from : "");
		}
	}
	sqlite3_reset(st);
	if (r < 0)
		return r;
	if (!best_len)
		return KB_ENOTFOUND;
	*ret = best;
	return 0;
}

int kb_feed_count(kb_store *s, kb_feed f, int64_t *ret, kb_error *err)
{
	const char *sql = f == KB_FEED_KEV    ? "SELECT count(*) FROM kev"
	                  : f == KB_FEED_EPSS ? "SELECT count(*) FROM epss"
	                  : f == KB_FEED_EOL  ? "SELECT count(*) FROM eol_cycle"
	                  : f == KB_FEED_VEX  ? "SELECT count(*) FROM vex"
	                                      : NULL;
	if (!sql)
		return KB_EINVAL;
	sqlite3_stmt *st;
	int r = kb_store_prepare(s, sql, &st, err);
	if (r < 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else
		r = kb_store_fail(s, err, "count feed rows");
	sqlite3_finalize(st);
	return r;
}
