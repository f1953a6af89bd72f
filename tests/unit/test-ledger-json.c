/*
 * test-ledger-json.c - koban's own ledger JSON (ledger-json.c over
 * json-stream.c, through the import driver).
 *
 * 1. A full document: every asset field, interfaces as objects and as inline
 *    strings, components as objects and as purl strings; list fields given as
 *    arrays; a version written as a number.
 * 2. Partial updates: a null field clears it, an absent field leaves it alone;
 *    an `interfaces` / `components` array replaces what the asset had, null or
 *    absent leaves it.
 * 3. Errors, each with the code, err.file, the exact err.line / err.column and
 *    the store left exactly as it was: wrong "version" or "koban"; JSON syntax
 *    errors (at the offending character); an asset without a name (at that
 *    asset's '{'); bad interfaces / components (at their '{'); a top-level
 *    array; nesting deeper than KB_JSON_MAX_DEPTH (at the '[' that is one too
 *    deep), with the deepest accepted nesting imported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-stream.h" /* KB_JSON_MAX_DEPTH */
#include "koban/ledger.h"
#include "koban/store.h"

/* ------------------------------------------------------------------ text */

typedef struct text {
	char *p;
	size_t len, cap;
} text;

static void text_addn(text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *p = realloc(t->p, cap);
		assert_non_null(p);
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void text_add(text *t, const char *s)
{
	text_addn(t, s, strlen(s));
}

static void text_printf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(text *t, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof small);
	text_addn(t, small, (size_t)n);
}

static void text_free(text *t)
{
	free(t->p);
	t->p = NULL;
	t->len = t->cap = 0;
}

static const char *text_str(const text *t)
{
	return t->p ? t->p : "";
}

/* ------------------------------------------------------------------ store */

static int setup(void **state)
{
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err);
	if (r < 0) {
		fprintf(stderr, "kb_store_open: %s\n", err.msg);
		return -1;
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	kb_store_close(*state);
	return 0;
}

static const char *nz(const char *s)
{
	return s ? s : "~";
}

static int dump_asset_cb(const kb_asset *a, void *ctx)
{
	text *t = ctx;
	for (int f = 0; f < KB_AF__COUNT; f++) {
		text_add(t, nz(a->field[f]));
		text_add(t, "|");
	}
	text_printf(t, "%lld|%lld\n", (long long)a->n_interfaces, (long long)a->n_components);
	return 0;
}

static int dump_iface_cb(const kb_interface *i, void *ctx)
{
	text *t = ctx;
	text_printf(t, "%s|%s|%d|%s|%s|%s|%d\n", i->asset, i->address, i->port, i->protocol,
	            kb_role_name(i->role), kb_exposure_name(i->exposure), i->exposure_given ? 1 : 0);
	return 0;
}

static int dump_comp_cb(const kb_component *c, void *ctx)
{
	text *t = ctx;
	text_printf(t, "%s|%s|%s|%s|%s|%s|%s|%s|%s\n", c->asset, nz(c->ecosystem), c->name, nz(c->version),
	            nz(c->purl), nz(c->cpe), kb_source_name(c->source), nz(c->evidence), nz(c->origin));
	return 0;
}

static char *dump_assets(kb_store *s)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_assets(s, NULL, dump_asset_cb, &t, &err), 0);
	text_add(&t, "");
	return t.p;
}

static char *dump_ifaces(kb_store *s)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_interfaces(s, 0, dump_iface_cb, &t, &err), 0);
	text_add(&t, "");
	return t.p;
}

static char *dump_comps(kb_store *s)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_components(s, 0, dump_comp_cb, &t, &err), 0);
	text_add(&t, "");
	return t.p;
}

/* The whole ledger as text, to show a failed import changed nothing. */
static char *dump_all(kb_store *s)
{
	text t = { 0 };
	char *a = dump_assets(s), *i = dump_ifaces(s), *c = dump_comps(s);
	text_add(&t, a);
	text_add(&t, "--\n");
	text_add(&t, i);
	text_add(&t, "--\n");
	text_add(&t, c);
	free(a);
	free(i);
	free(c);
	return t.p;
}

static int count_cb_a(const kb_asset *a, void *ctx)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int count_cb_i(const kb_interface *i, void *ctx)
{
	(void)i;
	(*(int *)ctx)++;
	return 0;
}

static int count_cb_c(const kb_component *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static int count_assets(kb_store *s)
{
	int n = 0;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_assets(s, NULL, count_cb_a, &n, &err), 0);
	return n;
}

static int count_ifaces(kb_store *s)
{
	int n = 0;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_interfaces(s, 0, count_cb_i, &n, &err), 0);
	return n;
}

static int count_comps(kb_store *s)
{
	int n = 0;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_components(s, 0, count_cb_c, &n, &err), 0);
	return n;
}

/* ------------------------------------------------------------------ import */

struct warnings {
	int n;
	uint64_t line[8], column[8];
	char file[8][KB_ERROR_FILE_MAX];
	char msg[8][KB_ERROR_MSG_MAX];
};

static void on_warn(const kb_error *w, void *ctx)
{
	struct warnings *ws = ctx;
	if (ws->n < 8) {
		ws->line[ws->n] = w->line;
		ws->column[ws->n] = w->column;
		snprintf(ws->file[ws->n], sizeof ws->file[0], "%s", w->file);
		snprintf(ws->msg[ws->n], sizeof ws->msg[0], "%s", w->msg);
	}
	ws->n++;
}

static int imp_len(kb_store *s, const char *name, const char *data, size_t len, const kb_import_opts *o,
                   kb_import_stats *st, kb_error *err)
{
	kb_import_opts def = { .format = KB_LEDGER_FMT_AUTO };
	kb_import_stats tmp;
	kb_error_clear(err);
	return kb_ledger_import_mem(s, name, data, len, o ? o : &def, st ? st : &tmp, err);
}

static int imp(kb_store *s, const char *name, const char *data, const kb_import_opts *o, kb_import_stats *st,
               kb_error *err)
{
	return imp_len(s, name, data, strlen(data), o, st, err);
}

/* Import that must succeed. */
static void imp_ok_len(kb_store *s, const char *name, const char *data, size_t len, const kb_import_opts *o,
                       kb_import_stats *st)
{
	kb_error err;
	int r = imp_len(s, name, data, len, o, st, &err);
	if (r != 0) {
		char buf[2048];
		kb_error_format(&err, buf, sizeof buf);
		fail_msg("import of %s failed (%d): %s", name, r, buf);
	}
}

static void imp_ok(kb_store *s, const char *name, const char *data, const kb_import_opts *o, kb_import_stats *st)
{
	imp_ok_len(s, name, data, strlen(data), o, st);
}

static void check_err_(const kb_error *e, int r, int code, const char *file, uint64_t line, uint64_t col,
                       const char *needle, const char *needle2, int at)
{
	char buf[2048];
	kb_error_format(e, buf, sizeof buf);
	if (r != code || e->code != code || strcmp(e->file, file) != 0 || e->line != line || e->column != col ||
	    (needle && !strstr(e->msg, needle)) || (needle2 && !strstr(e->msg, needle2)))
		fail_msg("line %d: expected %s at %s:%llu:%llu containing \"%s\"%s%s%s; got r=%s code=%s: %s", at,
		         kb_err_name(code), file, (unsigned long long)line, (unsigned long long)col,
		         needle ? needle : "", needle2 ? " and \"" : "", needle2 ? needle2 : "",
		         needle2 ? "\"" : "", kb_err_name(r), kb_err_name(e->code), buf);
}

#define check_err(e, r, code, file, line, col, needle, needle2) \
	check_err_((e), (r), (code), (file), (line), (col), (needle), (needle2), __LINE__)

/* Import `data` as `name` expecting the located error; the ledger must be
 * exactly as it was before. */
static void expect_fail_(kb_store *s, const char *name, const char *data, size_t len, const kb_import_opts *o,
                         int code, uint64_t line, uint64_t col, const char *needle, const char *needle2, int at)
{
	char *before = dump_all(s);
	int na = count_assets(s), nc = count_comps(s), ni = count_ifaces(s);
	kb_import_stats st;
	memset(&st, 0xA5, sizeof st);
	kb_import_stats untouched = st;
	kb_error err;
	int r = imp_len(s, name, data, len, o, &st, &err);
	check_err_(&err, r, code, name, line, col, needle, needle2, at);
	/* ret_stats is written only on success */
	assert_memory_equal(&st, &untouched, sizeof st);
	char *after = dump_all(s);
	assert_string_equal(before, after);
	assert_int_equal(count_assets(s), na);
	assert_int_equal(count_comps(s), nc);
	assert_int_equal(count_ifaces(s), ni);
	free(before);
	free(after);
}

#define expect_fail(s, name, data, o, code, line, col, needle, needle2) \
	expect_fail_((s), (name), (data), strlen(data), (o), (code), (line), (col), (needle), (needle2), __LINE__)

/* ------------------------------------------------------------------ 1. full document */

static const char full_json[] =
	"{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	" {\"name\": \"web\", \"category\": \"Internal\", \"business_owner\": \"Shop\", \"technical_owner\": \"ops\",\n"
	"  \"vendor\": \"nginx\", \"product\": \"nginx\", \"version\": \"1.25.3\", \"modules\": [\"ltm\", \"asm\", \"LTM\"],\n"
	"  \"form_factor\": \"vm\", \"environment\": \"prod\", \"tags\": [\"pci\", \"edge\"],\n"
	"  \"notes\": \"line1\\nline2, \\\"q\\\" \\u00fc \xc3\xbc\",\n"
	"  \"interfaces\": [\n"
	"    {\"address\": \"10.0.0.1\", \"port\": 443, \"protocol\": \"TCP\", \"role\": \"service\"},\n"
	"    {\"address\": \"2001:db8::5\", \"port\": 22, \"protocol\": \"tcp\", \"role\": \"mgmt\", \"exposure\": \"public\"},\n"
	"    \"management 203.0.113.9:8443/tcp\",\n"
	"    {\"address\": \"db.example.com\"}\n"
	"  ],\n"
	"  \"components\": [\n"
	"    {\"ecosystem\": \"npm\", \"name\": \"left-pad\", \"version\": \"1.3.0\", \"source\": \"scan\",\n"
	"     \"evidence\": \"/srv/x\", \"origin\": \"scan-1\", \"cpe\": \"cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:*:*:*\"},\n"
	"    \"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1\",\n"
	"    {\"purl\": \"pkg:pypi/Django@4.2\"},\n"
	"    {\"name\": \"openssl\", \"version\": \"3.0.13\", \"source\": \"sbom\", \"evidence\": \"web.cdx.json#openssl\",\n"
	"     \"origin\": \"web.cdx.json\"}\n"
	"  ]},\n"
	" {\"name\": \"appliance\", \"category\": \"external\", \"version\": 17.1, \"unknown_key\": {\"a\": [1, 2]}},\n"
	" {\"name\": \"crm\", \"category\": \"saas\", \"version\": 7, \"interfaces\": [], \"components\": []}\n"
	"]}\n";

static const char full_assets[] =
	"appliance|external|~|~|~|~|17.1|~|~|~|~|~|0|0\n"
	"crm|saas|~|~|~|~|7|~|~|~|~|~|0|0\n"
	"web|internal|Shop|ops|nginx|nginx|1.25.3|ASM,LTM|virtual|prod|edge,pci|line1\nline2, \"q\" \xc3\xbc \xc3\xbc|4|4\n";
static const char full_ifaces[] = "web|10.0.0.1|443|tcp|service|internal|0\n"
                                  "web|2001:db8::5|22|tcp|management|public|1\n"
                                  "web|203.0.113.9|8443|tcp|management|public|0\n"
                                  "web|db.example.com|0||service|unknown|0\n";
static const char full_comps[] =
	"web||openssl|3.0.13|~|~|sbom|web.cdx.json#openssl|web.cdx.json\n"
	"web|Maven|org.apache.logging.log4j:log4j-core|2.14.1|pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1|"
	"~|declared||ledger.json\n"
	"web|PyPI|django|4.2|pkg:pypi/django@4.2|~|declared||\n"
	"web|npm|left-pad|1.3.0|~|cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:*:*:*|scan|/srv/x|scan-1\n";

static void check_full(kb_store *s)
{
	char *a = dump_assets(s), *i = dump_ifaces(s), *c = dump_comps(s);
	assert_string_equal(a, full_assets);
	assert_string_equal(i, full_ifaces);
	assert_string_equal(c, full_comps);
	free(a);
	free(i);
	free(c);
}

static void test_full_document(void **state)
{
	kb_store *s = *state;
	struct warnings ws = { 0 };
	kb_import_opts o = { .warn = on_warn, .ctx = &ws };
	kb_import_stats st;
	imp_ok(s, "exports/ledger.json", full_json, &o, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.assets_created, 3);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.assets_unchanged, 0);
	assert_int_equal(st.interfaces, 4);
	assert_int_equal(st.components, 4);
	assert_int_equal(st.warnings, 1);
	assert_int_equal(st.bytes, strlen(full_json));
	assert_int_equal(ws.n, 1);
	assert_string_equal(ws.file[0], "exports/ledger.json");
	assert_non_null(strstr(ws.msg[0], "\"unknown_key\""));
	check_full(s);

	/* importing it again changes nothing and duplicates nothing */
	imp_ok(s, "exports/ledger.json", full_json, &o, &st);
	assert_int_equal(st.assets_created, 0);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.assets_unchanged, 3);
	assert_int_equal(st.interfaces, 4);
	assert_int_equal(st.components, 4);
	check_full(s);
	assert_int_equal(count_assets(s), 3);
	assert_int_equal(count_ifaces(s), 4);
	assert_int_equal(count_comps(s), 4);
}

/* Detection is by content: a name without ".json" and a forced format work too. */
static void test_detect_and_forced_format(void **state)
{
	kb_store *s = *state;
	kb_import_opts forced = { .format = KB_LEDGER_FMT_JSON };
	kb_import_stats st;
	imp_ok(s, "ledger.txt", full_json, NULL, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	imp_ok(s, "-", full_json, &forced, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	assert_int_equal(count_assets(s), 3);
	/* the "-" document named itself the origin of its purl-string component */
	int n = 0;
	char *c = dump_comps(s);
	for (const char *p = c; (p = strstr(p, "|-\n")); p++)
		n++;
	assert_int_equal(n, 1);
	free(c);
	/* a UTF-8 byte-order mark before the document */
	text t = { 0 };
	text_add(&t, "\xEF\xBB\xBF");
	text_add(&t, full_json);
	imp_ok(s, "bom.json", text_str(&t), NULL, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	assert_int_equal(st.records, 3);
	text_free(&t);
	/* columns on its first line count from after the mark */
	expect_fail(s, "bom.json", "\xEF\xBB\xBF{\"koban\": @}", NULL, KB_EPARSE, 1, 11, "expected valid JSON", NULL);
}

/* ------------------------------------------------------------------ 2. partial updates */

static const char base_json[] =
	"{\"koban\":\"ledger\",\"version\":1,\"assets\":[\n"
	"{\"name\":\"web\",\"category\":\"internal\",\"vendor\":\"nginx\",\"product\":\"nginx\",\"notes\":\"old\","
	"\"tags\":[\"a\"],\"interfaces\":[\"10.0.0.1:443/tcp\"],\"components\":[\"pkg:npm/left-pad@1.3.0\"]}\n"
	"]}\n";

static void test_null_clears_absent_leaves(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	char *a = dump_assets(s);
	assert_string_equal(a, "web|internal|~|~|nginx|nginx|~|~|~|~|a|old|1|1\n");
	free(a);

	kb_import_stats st;
	imp_ok(s, "upd.json",
	       "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"vendor\":null,\"notes\":\"new\","
	       "\"tags\":null,\"environment\":\"prod\"}]}",
	       NULL, &st);
	assert_int_equal(st.assets_updated, 1);
	assert_int_equal(st.assets_unchanged, 0);
	assert_int_equal(st.interfaces, 0);
	assert_int_equal(st.components, 0);
	a = dump_assets(s);
	assert_string_equal(a, "web|internal|~|~|~|nginx|~|~|~|prod|~|new|1|1\n");
	free(a);

	/* null lists leave the rows alone */
	imp_ok(s, "upd.json",
	       "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"interfaces\":null,"
	       "\"components\":null}]}",
	       NULL, NULL);
	assert_int_equal(count_ifaces(s), 1);
	assert_int_equal(count_comps(s), 1);
	/* an empty array replaces: interfaces cleared, components kept */
	imp_ok(s, "upd.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"interfaces\":[]}]}",
	       NULL, NULL);
	assert_int_equal(count_ifaces(s), 0);
	assert_int_equal(count_comps(s), 1);
	/* a components array replaces components of every source and origin */
	imp_ok(s, "x.csv", "asset,name,source,origin\nweb,scanned,scan,host-1\n", NULL, NULL);
	assert_int_equal(count_comps(s), 2);
	imp_ok(s, "upd.json",
	       "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"components\":[{\"name\":\"z\"}]}]}",
	       NULL, NULL);
	char *c = dump_comps(s);
	assert_string_equal(c, "web||z||~|~|declared||\n");
	free(c);
	a = dump_assets(s);
	assert_string_equal(a, "web|internal|~|~|~|nginx|~|~|~|prod|~|new|0|1\n");
	free(a);
	/* "assets": [] and no assets key at all are valid, empty documents */
	imp_ok(s, "e.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[]}", NULL, &st);
	assert_int_equal(st.records, 0);
	imp_ok(s, "e.json", "{\"version\":1,\"koban\":\"ledger\"}", NULL, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(count_assets(s), 1);
}

/* ------------------------------------------------------------------ 3. errors */

static void test_err_version_and_magic(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	/* a version before the assets: nothing read */
	expect_fail(s, "v.json",
	            "{\"koban\": \"ledger\",\n"
	            " \"version\": 2,\n"
	            " \"assets\": [{\"name\": \"x\", \"category\": \"internal\"}]}\n",
	            NULL, KB_EFORMAT, 2, 13, "\"version\": expected 1", NULL);
	/* after the assets: they are rolled back */
	expect_fail(s, "v.json",
	            "{\"koban\": \"ledger\", \"assets\": [{\"name\": \"x\", \"category\": \"internal\"},\n"
	            "  {\"name\": \"web\", \"vendor\": \"changed\"}],\n"
	            " \"version\": \"1\"}\n",
	            NULL, KB_EFORMAT, 3, 13, "\"version\": expected 1", NULL);
	expect_fail(s, "k.json", "{\"koban\": \"inventory\", \"version\": 1, \"assets\": []}", NULL, KB_EFORMAT, 1, 11,
	            "\"koban\": expected \"ledger\"", NULL);
	/* forced JSON without the "koban" key */
	kb_import_opts forced = { .format = KB_LEDGER_FMT_JSON };
	expect_fail(s, "n.json", "{\"version\": 1, \"assets\": [{\"name\": \"x\", \"category\": \"internal\"}]}",
	            &forced, KB_EFORMAT, 1, 1, "no \"koban\": \"ledger\" key", NULL);
	/* detected by name: JSON of no known kind */
	expect_fail(s, "n.json", "{\"version\": 1, \"assets\": []}", NULL, KB_EFORMAT, 1, 1,
	            "without \"bomFormat\", \"spdxVersion\" or \"koban\"", NULL);
}

static void test_err_syntax(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	/* a missing comma: the error is at the unexpected token */
	expect_fail(s, "syn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"},\n"
	            "  {\"name\": \"b\" \"category\": \"internal\"}\n"
	            "]}\n",
	            NULL, KB_EPARSE, 3, 16, "expected valid JSON", NULL);
	/* a character that starts no JSON token */
	expect_fail(s, "syn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"},\n"
	            "  {\"name\": \"b\", \"category\": @}\n"
	            "]}\n",
	            NULL, KB_EPARSE, 3, 29, "expected valid JSON", NULL);
	/* the document ends early: at the end */
	expect_fail(s, "syn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"}\n",
	            NULL, KB_EPARSE, 3, 1, "ends early", NULL);
	/* trailing garbage */
	expect_fail(s, "syn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[]} x", NULL, KB_EPARSE, 1, 44,
	            "expected valid JSON", NULL);
	/* an error after the first 64 KiB chunk is still located exactly */
	text t = { 0 };
	text_add(&t, "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n");
	for (int i = 0; i < 3000; i++)
		text_printf(&t, "  {\"name\": \"asset-%04d\", \"category\": \"internal\"},\n", i);
	text_add(&t, "  {\"name\": \"last\" \"category\": \"internal\"}\n]}\n");
	assert_true(t.len > 2 * 65536);
	expect_fail(s, "big.json", text_str(&t), NULL, KB_EPARSE, 3002, 19, "expected valid JSON", NULL);
	text_free(&t);
}

static void test_err_asset_without_name(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	expect_fail(s, "nn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"},\n"
	            "  {\"category\": \"internal\",\n"
	            "   \"interfaces\": [{\"address\": \"10.0.0.1\"}], \"vendor\": \"x\"}\n"
	            "]}\n",
	            NULL, KB_EINVAL, 3, 3, "asset: expected a \"name\"", NULL);
	/* several assets on one line: the column names the right one */
	expect_fail(s, "nn.json",
	            "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"a\",\"category\":\"client\"},"
	            "{\"name\":\"\",\"category\":\"client\"}]}",
	            NULL, KB_EINVAL, 1, 74, "name: expected a system name", NULL);
	expect_fail(s, "nn.json",
	            "{\"koban\":\"ledger\",\"version\":1,\"assets\":[\n\n    {\"name\":\"a\",\"category\":\"dmz-ish\"}]}",
	            NULL, KB_EINVAL, 3, 5, "expected one of external, internal, saas, client", "dmz-ish");
	expect_fail(s, "nn.json",
	            "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"newbie\",\"vendor\":\"x\"}]}", NULL,
	            KB_EINVAL, 1, 41, "\"newbie\" is new", "expected a category");
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"category\":null}]}",
	            NULL, KB_EINVAL, 1, 41, "category: expected one of", NULL);
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"vendor\":true}]}",
	            NULL, KB_EINVAL, 1, 41, "\"vendor\": expected a string or null", NULL);
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[\"web\"]}", NULL, KB_EINVAL, 1, 41,
	            "expected an object for each asset", NULL);
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":{\"name\":\"web\"}}", NULL, KB_EINVAL,
	            1, 40, "expected an array of assets", NULL);
}

static void test_err_interfaces_components(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	const char head[] = "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	                    "  {\"name\": \"web\", \"category\": \"internal\",\n";
	text t = { 0 };
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [\"10.0.0.9\",\n"
	             "      {\"port\": 22}]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 4, 7, "interface: expected an \"address\"", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [{\"address\": \"10.0.0.9\", \"port\": 70000}]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "expected \"port\" 0-65535", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [{\"address\": \"10.0.0.9\", \"role\": \"boss\"}]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "expected management or service", NULL);
	text_free(&t);
	/* an inline string is located at its asset */
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [\"10.0.0.9:99999\"]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 2, 3, "expected a port 1-65535", NULL);
	text_free(&t);

	text_add(&t, head);
	text_add(&t, "   \"components\": [\"pkg:npm/a@1\",\n"
	             "     {\"ecosystem\": \"npm\", \"version\": \"1\"}]}]}\n");
	expect_fail(s, "c.json", text_str(&t), NULL, KB_EINVAL, 4, 6, "expected a name (or a purl)", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"components\": [{\"name\": \"a\"}, {\"purl\": \"pkg:\"}]}]}\n");
	kb_error err;
	int r = imp(s, "c.json", text_str(&t), NULL, NULL, &err);
	assert_true(r == KB_EPARSE || r == KB_EINVAL);
	expect_fail(s, "c.json", text_str(&t), NULL, r, 3, 34, "purl \"pkg:\"", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"components\": [{\"name\": \"a\", \"source\": \"guess\"}]}]}\n");
	expect_fail(s, "c.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "expected declared, sbom or scan", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"components\": [{\"name\": 5}]}]}\n");
	expect_fail(s, "c.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "\"name\"", "expected a string");
	text_free(&t);
	/* a failed component after many good ones, in a later asset */
	text_add(&t, "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n");
	for (int i = 0; i < 50; i++) {
		text_printf(&t, "  {\"name\": \"a%02d\", \"category\": \"internal\", \"components\": [", i);
		for (int j = 0; j < 200; j++)
			text_printf(&t, "%s\"pkg:npm/p%d@%d\"", j ? ", " : "", j, i);
		text_add(&t, "]},\n");
	}
	text_add(&t, "  {\"name\": \"z\", \"category\": \"internal\", \"components\": [{\"name\": \"ok\"},\n"
	             "     {\"version\": \"1\"}]}\n]}\n");
	expect_fail(s, "late.json", text_str(&t), NULL, KB_EINVAL, 53, 6, "expected a name (or a purl)", NULL);
	text_free(&t);
}

static void test_err_top_level_array(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	expect_fail(s, "arr.json", "[{\"koban\": \"ledger\", \"version\": 1, \"assets\": []}]", NULL, KB_EFORMAT, 1, 1,
	            "expected a JSON object at the top level, found an array", NULL);
	expect_fail(s, "arr.json", "\n  [{\"koban\": \"ledger\"}]", NULL, KB_EFORMAT, 2, 3, "found an array", NULL);
	expect_fail(s, "arr.json", "[]", NULL, KB_EFORMAT, 1, 1, "found JSON without", NULL);
	kb_import_opts forced = { .format = KB_LEDGER_FMT_JSON };
	expect_fail(s, "arr", "[1, 2]", &forced, KB_EFORMAT, 1, 1, "found an array", NULL);
	expect_fail(s, "num", "\n 42\n", &forced, KB_EFORMAT, 2, 2, "expected a JSON object at the top level", NULL);
}

/* Containers are counted from the top-level object (1). */
static void test_depth_limit(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	const char pre[] = "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"deep\",\"category\":\"internal\","
	                   "\"x_extra\":";
	size_t pl = strlen(pre);
	/* object, assets array, asset object: 3 levels; n more arrays */
	for (int n = KB_JSON_MAX_DEPTH - 3; n <= KB_JSON_MAX_DEPTH - 2; n++) {
		text t = { 0 };
		text_add(&t, pre);
		for (int i = 0; i < n; i++)
			text_add(&t, "[");
		for (int i = 0; i < n; i++)
			text_add(&t, "]");
		text_add(&t, "}]}");
		if (3 + n <= KB_JSON_MAX_DEPTH) {
			imp_ok(s, "deep.json", text_str(&t), NULL, NULL);
			assert_int_equal(count_assets(s), 2);
		} else {
			expect_fail(s, "deeper.json", text_str(&t), NULL, KB_ELIMIT, 1, pl + (size_t)n,
			            "JSON nested deeper than the limit of 64 levels", NULL);
		}
		text_free(&t);
	}
	/* the limit holds in values nobody wants too */
	for (int n = KB_JSON_MAX_DEPTH - 1; n <= KB_JSON_MAX_DEPTH; n++) {
		text t = { 0 };
		text_add(&t, "{\"koban\":\"ledger\",\"version\":1,\n\"skipped\":");
		for (int i = 0; i < n; i++)
			text_add(&t, "[");
		for (int i = 0; i < n; i++)
			text_add(&t, "]");
		text_add(&t, ",\"assets\":[]}");
		if (1 + n <= KB_JSON_MAX_DEPTH)
			imp_ok(s, "deep.json", text_str(&t), NULL, NULL);
		else
			expect_fail(s, "deeper.json", text_str(&t), NULL, KB_ELIMIT, 2, 10 + (size_t)n, "nested deeper",
			            NULL);
		text_free(&t);
	}
	/* objects count as well as arrays */
	text t = { 0 };
	text_add(&t, pre);
	for (int i = 0; i < KB_JSON_MAX_DEPTH - 2; i++)
		text_add(&t, "{\"k\":");
	text_add(&t, "1");
	for (int i = 0; i < KB_JSON_MAX_DEPTH - 2; i++)
		text_add(&t, "}");
	text_add(&t, "}]}");
	expect_fail(s, "deeper.json", text_str(&t), NULL, KB_ELIMIT, 1, pl + 5 * (KB_JSON_MAX_DEPTH - 3) + 1,
	            "nested deeper", NULL);
	text_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_and_forced_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_clears_absent_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_version_and_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_asset_without_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_interfaces_components, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_top_level_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
