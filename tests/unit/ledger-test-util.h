/*
 * ledger-test-util.h - helpers shared by the ledger import/export unit tests
 * (test-ledger-csv.c, -json.c, -sbom.c, -export.c). Test-only; everything is
 * static inline so a test that leaves a helper unused gets no warning.
 *
 * - text: a growable NUL-terminated buffer (text_addn/_add/_printf/_str/_free).
 * - setup/teardown: a fresh in-memory kb_store per test (cmocka state).
 * - dump_assets/_ifaces/_comps/_all: the ledger as text through the query
 *   API, to compare whole ledgers; count_assets/_ifaces/_comps.
 * - struct warnings + on_warn: collect opts.warn reports.
 * - imp/imp_len/imp_ok/imp_ok_len: kb_ledger_import_mem wrappers (opts NULL
 *   means format auto; stats NULL means discard them).
 * - check_err/expect_fail/expect_fail_/expect_fail_at/pos_of: a failed
 *   import with the exact code, file, line:column and message parts, and
 *   the store (and the stats) left exactly as they were.
 */
#ifndef KOBAN_LEDGER_TEST_UTIL_H
#define KOBAN_LEDGER_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/ledger.h"
#include "koban/store.h"

/* ------------------------------------------------------------------ text */

typedef struct text {
	char *p;
	size_t len, cap;
} text;

static inline void text_addn(text *t, const char *s, size_t n)
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

static inline void text_add(text *t, const char *s)
{
	text_addn(t, s, strlen(s));
}

static inline void text_printf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void text_printf(text *t, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof small);
	text_addn(t, small, (size_t)n);
}

static inline void text_free(text *t)
{
	free(t->p);
	t->p = NULL;
	t->len = t->cap = 0;
}

static inline const char *text_str(const text *t)
{
	return t->p ? t->p : "";
}

/* ------------------------------------------------------------------ store */

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
	kb_store_close(*state);
	return 0;
}

static inline const char *nz(const char *s)
{
	return s ? s : "~";
}

static inline int dump_asset_cb(const kb_asset *a, void *ctx)
{
	text *t = ctx;
	for (int f = 0; f < KB_AF__COUNT; f++) {
		text_add(t, nz(a->field[f]));
		text_add(t, "|");
	}
	text_printf(t, "%lld|%lld\n", (long long)a->n_interfaces, (long long)a->n_components);
	return 0;
}

static inline int dump_iface_cb(const kb_interface *i, void *ctx)
{
	text *t = ctx;
	text_printf(t, "%s|%s|%d|%s|%s|%s|%d\n", i->asset, i->address, i->port, i->protocol,
	            kb_role_name(i->role), kb_exposure_name(i->exposure), i->exposure_given ? 1 : 0);
	return 0;
}

static inline int dump_comp_cb(const kb_component *c, void *ctx)
{
	text *t = ctx;
	text_printf(t, "%s|%s|%s|%s|%s|%s|%s|%s|%s\n", c->asset, nz(c->ecosystem), c->name, nz(c->version),
	            nz(c->purl), nz(c->cpe), kb_source_name(c->source), nz(c->evidence), nz(c->origin));
	return 0;
}

static inline char *dump_assets(kb_store *s)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_assets(s, NULL, dump_asset_cb, &t, &err), 0);
	text_add(&t, "");
	return t.p;
}

static inline char *dump_ifaces(kb_store *s)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_interfaces(s, 0, dump_iface_cb, &t, &err), 0);
	text_add(&t, "");
	return t.p;
}

static inline char *dump_comps(kb_store *s)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_components(s, 0, dump_comp_cb, &t, &err), 0);
	text_add(&t, "");
	return t.p;
}

/* The whole ledger as text, to show a failed import changed nothing. */
static inline char *dump_all(kb_store *s)
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

static inline int count_cb_a(const kb_asset *a, void *ctx)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static inline int count_cb_i(const kb_interface *i, void *ctx)
{
	(void)i;
	(*(int *)ctx)++;
	return 0;
}

static inline int count_cb_c(const kb_component *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static inline int count_assets(kb_store *s)
{
	int n = 0;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_assets(s, NULL, count_cb_a, &n, &err), 0);
	return n;
}

static inline int count_ifaces(kb_store *s)
{
	int n = 0;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_interfaces(s, 0, count_cb_i, &n, &err), 0);
	return n;
}

static inline int count_comps(kb_store *s)
{
	int n = 0;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_components(s, 0, count_cb_c, &n, &err), 0);
	return n;
}

/* ------------------------------------------------------------------ import */

/* Warnings collected through opts.warn (the first 8 kept; n counts all). */
struct warnings {
	int n;
	uint64_t line[8], column[8];
	char file[8][KB_ERROR_FILE_MAX];
	char msg[8][KB_ERROR_MSG_MAX];
};

static inline void on_warn(const kb_error *w, void *ctx)
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

static inline int imp_len(kb_store *s, const char *name, const char *data, size_t len, const kb_import_opts *o,
                          kb_import_stats *st, kb_error *err)
{
	kb_import_opts def = { .format = KB_LEDGER_FMT_AUTO };
	kb_import_stats tmp;
	kb_error_clear(err);
	return kb_ledger_import_mem(s, name, data, len, o ? o : &def, st ? st : &tmp, err);
}

static inline int imp(kb_store *s, const char *name, const char *data, const kb_import_opts *o,
                      kb_import_stats *st, kb_error *err)
{
	return imp_len(s, name, data, strlen(data), o, st, err);
}

/* Import that must succeed. */
static inline void imp_ok_len(kb_store *s, const char *name, const char *data, size_t len,
                              const kb_import_opts *o, kb_import_stats *st)
{
	kb_error err;
	int r = imp_len(s, name, data, len, o, st, &err);
	if (r != 0) {
		char buf[2048];
		kb_error_format(&err, buf, sizeof buf);
		fail_msg("import of %s failed (%d): %s", name, r, buf);
	}
}

static inline void imp_ok(kb_store *s, const char *name, const char *data, const kb_import_opts *o,
                          kb_import_stats *st)
{
	imp_ok_len(s, name, data, strlen(data), o, st);
}

static inline void check_err_(const kb_error *e, int r, int code, const char *file, uint64_t line, uint64_t col,
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
static inline void expect_fail_(kb_store *s, const char *name, const char *data, size_t len,
                                const kb_import_opts *o, int code, uint64_t line, uint64_t col, const char *needle,
                                const char *needle2, int at)
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

/* Line and column (1-based, in bytes) of the one occurrence of `needle`. */
static inline void pos_of(const char *doc, const char *needle, uint64_t *line, uint64_t *col)
{
	const char *p = strstr(doc, needle);
	assert_non_null(p);
	assert_null(strstr(p + 1, needle));
	uint64_t l = 1;
	const char *ls = doc;
	for (const char *q = doc; q < p; q++)
		if (*q == '\n') {
			l++;
			ls = q + 1;
		}
	*line = l;
	*col = (uint64_t)(p - ls) + 1;
}

static inline void expect_fail_at(kb_store *s, const char *name, const char *doc, const kb_import_opts *o,
                                  int code, const char *needle, const char *msg, const char *msg2)
{
	uint64_t line, col;
	pos_of(doc, needle, &line, &col);
	expect_fail_(s, name, doc, strlen(doc), o, code, line, col, msg, msg2, __LINE__);
}

#endif /* KOBAN_LEDGER_TEST_UTIL_H */
