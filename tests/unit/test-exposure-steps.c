/*
 * test-exposure-steps.c - the stepped engine (exposure-steps.c) gives exactly
 * the verdicts of the reference rules, version by version, on generated
 * estates: packages in Maven, npm (SemVer), PyPI and Debian with advisories of
 * several ranges each (introduced/fixed/last_affected/limit, listed versions,
 * withdrawn ones), and installed versions on and between every boundary,
 * including versions a strict scheme cannot read.
 */
#include "koban/exposure.h"
#include "koban/ledger.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct lines {
	char **v;
	size_t n, cap;
};

static int collect(const kb_finding *f, void *ctx)
{
	struct lines *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	char buf[8192];
	snprintf(buf, sizeof buf, "%s|%s|%s|%s|%d|%s|%d|%s|%s", f->asset->field[KB_AF_NAME], f->ecosystem, f->name,
	         f->version, (int)f->status, f->move_to ? f->move_to : "-", f->fixable, f->advisories,
	         f->severity ? f->severity : "-");
	l->v[l->n++] = strdup(buf);
	return 0;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

struct eco {
	const char *osv, *purl_prefix, *name_prefix;
	bool semver;
};

static const struct eco ecos[] = {
	{ "Maven", "maven/org.example/", "org.example:", false },
	{ "npm", "npm/", "", true },
	{ "PyPI", "pypi/", "", false },
	{ "Debian", "deb/debian/", "", false },
};

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffff;
}

static void version(unsigned *s, const struct eco *e, char *out, size_t n)
{
	unsigned a = rnd(s) % 4, b = rnd(s) % 6, c = rnd(s) % 5;
	if (e->semver)
		snprintf(out, n, "%u.%u.%u%s", a, b, c, rnd(s) % 7 == 0 ? "-rc.1" : "");
	else if (e->osv[0] == 'D')
		snprintf(out, n, "%u.%u-%u%s", a, b, c, rnd(s) % 7 == 0 ? "~deb12u1" : "");
	else if (e->osv[0] == 'P')
		snprintf(out, n, "%u.%u.%u%s", a, b, c, rnd(s) % 7 == 0 ? "rc1" : "");
	else
		snprintf(out, n, "%u.%u%s", a, b, rnd(s) % 3 ? "" : ".0"); /* 1.2 == 1.2.0 in Maven */
}

/* One generated estate: returns the number of findings compared. */
static size_t estate(unsigned seed)
{
	kb_store *s = NULL;
	kb_error err;
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	unsigned st = seed;
	char doc[16384], v1[64], v2[64];
	for (int i = 0; i < 60; i++) {
		const struct eco *e = &ecos[rnd(&st) % 4];
		int pkg = (int)(rnd(&st) % 5);
		size_t w = (size_t)snprintf(doc, sizeof doc,
		                            "{\"id\":\"ADV-%u-%d\",\"modified\":\"2026-01-01T00:00:00Z\",%s"
		                            "\"database_specific\":{\"severity\":\"%s\"},"
		                            "\"affected\":[{\"package\":{\"ecosystem\":\"%s\",\"name\":\"%sp%d\"},\"ranges\":[",
		                            seed, i, rnd(&st) % 13 == 0 ? "\"withdrawn\":\"2026-02-01T00:00:00Z\"," : "",
		                            rnd(&st) % 2 ? "HIGH" : "CRITICAL", e->osv, e->name_prefix, pkg);
		int nr = 1 + (int)(rnd(&st) % 3);
		for (int r = 0; r < nr; r++) {
			version(&st, e, v1, sizeof v1);
			version(&st, e, v2, sizeof v2);
			const char *kind = rnd(&st) % 4 == 0 ? "last_affected" : rnd(&st) % 9 == 0 ? "limit" : "fixed";
			w += (size_t)snprintf(doc + w, sizeof doc - w,
			                      "%s{\"type\":\"%s\",\"events\":[{\"introduced\":\"%s\"},{\"%s\":\"%s\"}]}",
			                      r ? "," : "", e->semver ? "SEMVER" : "ECOSYSTEM",
			                      rnd(&st) % 5 == 0 ? "0" : v1, kind, v2);
		}
		version(&st, e, v1, sizeof v1);
		w += (size_t)snprintf(doc + w, sizeof doc - w, "],\"versions\":[\"%s\"]}]}", v1);
		kb_error_clear(&err);
		if (kb_advisories_import_mem(s, "gen.json", doc, w, KB_ADV_FMT_OSV, NULL, &err) != 0)
			fail_msg("%s: %s\n%s", err.file, err.msg, doc);
	}
	/* components: every package at many versions on a few assets, plus an
	 * unreadable version and an empty one */
	char csv[65536];
	size_t w = (size_t)snprintf(csv, sizeof csv, "name,category,components\n");
	for (int a = 0; a < 6; a++) {
		w += (size_t)snprintf(csv + w, sizeof csv - w, "app-%d,internal,\"", a);
		for (int c = 0; c < 40; c++) {
			const struct eco *e = &ecos[rnd(&st) % 4];
			version(&st, e, v1, sizeof v1);
			const char *v = c == 0 ? "not a version!" : v1;
			w += (size_t)snprintf(csv + w, sizeof csv - w, "%spkg:%sp%u@%s", c ? ";" : "", e->purl_prefix,
			                      rnd(&st) % 5, v);
		}
		w += (size_t)snprintf(csv + w, sizeof csv - w, "\"\n");
	}
	kb_import_opts io = { 0 };
	kb_error_clear(&err);
	if (kb_ledger_import_mem(s, "estate.csv", csv, w, &io, NULL, &err) != 0)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	struct lines ref = { 0 }, fast = { 0 };
	kb_exposure_filter fr = { .all = true, .reference = true, .today = "2026-11-22" };
	kb_exposure_filter ff = { .all = true, .today = "2026-11-22" };
	assert_int_equal(kb_exposure_run(s, &fr, collect, &ref, &err), 0);
	assert_int_equal(kb_exposure_run(s, &ff, collect, &fast, &err), 0);
	assert_int_equal(ref.n, fast.n);
	for (size_t i = 0; i < ref.n; i++)
		assert_string_equal(ref.v[i], fast.v[i]);
	size_t n = ref.n;
	lines_free(&ref);
	lines_free(&fast);
	kb_store_close(s);
	return n;
}

static void test_same_as_reference(void **state)
{
	(void)state;
	size_t total = 0;
	for (unsigned seed = 1; seed <= 40; seed++)
		total += estate(seed);
	print_message("%zu verdicts compared\n", total);
	assert_true(total > 1000); /* the estates do produce verdicts to compare */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
