/*
 * cmd-scan.c - `koban scan [--asset NAME] PATH...`: where Java, Log4j and
 * every library with a pom.properties hide, archives inside archives
 * included. One row per library copy, Java runtime and unreadable archive,
 * sorted by where they are (the two walker threads finish in any order);
 * Maven artifacts that are not of the Log4j family are rows only with --all,
 * but all of them become ledger components with --asset. Exit 1 when a
 * vulnerable copy is found, 2 when files could not be read (and nothing
 * vulnerable was found), 0 otherwise.
 */
#include "cli.h"
#include "koban/scan.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_scan[] =
	"koban scan [--asset NAME] [--all] [--xdev] [--include-fs] [--exclude GLOB]... [--null] PATH...|-";

#define SCAN_MALLOC_THRESHOLD (128 * 1024) /* allocations this large are mmapped, and freed back */

struct row {
	char *cells[7]; /* asset, chain, product, version, how, status, why */
};

struct state {
	cli *c;
	bool all, asset_column, store_components;
	const cli_scan_job *jobs;
	size_t njobs;
	struct row *rows;
	size_t n, cap;
	kb_component *comps;     /* for --asset */
	char **comp_bufs;
	size_t nc, capc;
	bool vulnerable, oom;
	unsigned errors;
};

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

/* The job a result belongs to: by its root, or (Java runtimes, which the
 * walker reports without one) by the path it starts with. NULL when none. */
static const cli_scan_job *job_of(const struct state *st, const kb_scan_result *r)
{
	for (size_t i = 0; i < st->njobs; i++) {
		const char *root = st->jobs[i].root;
		size_t n = strlen(root);
		if ((*r->root && strcmp(root, r->root) == 0) ||
		    (!*r->root && strncmp(r->chain, root, n) == 0 && (r->chain[n] == '/' || r->chain[n] == '\0')))
			return &st->jobs[i];
	}
	return NULL;
}

static const char *asset_of(const struct state *st, const kb_scan_result *r)
{
	const cli_scan_job *j = job_of(st, r);
	return j && j->asset ? j->asset : "";
}

/* Where, for the table: the chain, or with an asset column the chain below
 * the asset's root (the column already says whose files these are). */
static const char *where_of(const struct state *st, const kb_scan_result *r, const char *chain)
{
	const cli_scan_job *j = st->asset_column ? job_of(st, r) : NULL;
	size_t n = j ? strlen(j->root) : 0;
	if (j && strncmp(chain, j->root, n) == 0 && chain[n] == '/')
		return chain + n + 1;
	return chain;
}

static void add_row(struct state *st, const char *asset, const char *const cells[6])
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct row *p = realloc(st->rows, cap * sizeof *p);
		if (!p) {
			st->oom = true;
			return;
		}
		st->rows = p;
		st->cap = cap;
	}
	st->rows[st->n].cells[0] = dup0(asset);
	for (int i = 0; i < 6; i++)
		st->rows[st->n].cells[i + 1] = dup0(cells[i]);
	st->n++;
}

static void add_component(struct state *st, const kb_scan_result *r)
{
	char *mem = NULL;
	kb_component c;
	if (!kb_scan_result_component(r, &c, &mem))
		return;
	if (st->nc == st->capc) {
		size_t cap = st->capc ? st->capc * 2 : 64;
		kb_component *p = realloc(st->comps, cap * sizeof *p);
		char **b = p ? realloc(st->comp_bufs, cap * sizeof *b) : NULL;
		if (p)
			st->comps = p;
		if (!b) {
			free(mem);
			st->oom = true;
			return;
		}
		st->comp_bufs = b;
		st->capc = cap;
	}
	st->comps[st->nc] = c;
	st->comp_bufs[st->nc++] = mem;
}

static void on_result(void *ctx, const kb_scan_result *r)
{
	struct state *st = ctx;
	char version[256], why[1024];
	const char *cells[6];
	switch (r->kind) {
	case KB_SCAN_RESULT_JAVA:
		cells[0] = where_of(st, r, r->chain);
		cells[1] = "Java";
		cells[2] = r->java->version ? r->java->version : "";
		cells[3] = r->java->has_release ? "release" : "layout";
		cells[4] = "Java present";
		snprintf(why, sizeof why, "%s%s%s", r->java->implementor ? r->java->implementor : "",
		         r->java->implementor && r->java->has_modules ? "; " : "", r->java->has_modules ? "lib/modules" : "");
		cells[5] = why;
		add_row(st, asset_of(st, r), cells);
		return;
	case KB_SCAN_RESULT_BROKEN: {
		char msg[1024];
		kb_error_format(r->error, msg, sizeof msg);
		cells[0] = where_of(st, r, r->chain);
		cells[1] = "(archive)";
		cells[2] = "";
		cells[3] = "";
		cells[4] = "unreadable";
		cells[5] = msg;
		add_row(st, asset_of(st, r), cells);
		return;
	}
	case KB_SCAN_RESULT_LIBRARY:
		break;
	}
	const kb_javaid_finding *id = r->id;
	if (st->store_components) /* only --asset and triage write them */
		add_component(st, r);
	if (id->kind == KB_JAVAID_MAVEN && !st->all)
		return;
	if (id->status == KB_JAVAID_VULNERABLE)
		st->vulnerable = true;
	/* a copy at its library's own package path is the archive itself; a
	 * shaded or relocated copy is named by where it sits inside */
	static const char *const home[] = { [KB_JAVAID_LOG4J_CORE] = "org/apache/logging/log4j/core/",
		                            [KB_JAVAID_LOG4J1] = "org/apache/log4j/",
		                            [KB_JAVAID_RELOAD4J] = "org/apache/log4j/",
		                            [KB_JAVAID_LOG4J1_BRIDGE] = "org/apache/log4j/",
		                            [KB_JAVAID_LOGBACK_CLASSIC] = "ch/qos/logback/classic/" };
	bool at_home = (size_t)id->kind < sizeof home / sizeof home[0] && home[id->kind] && r->inner &&
	               strcmp(r->inner, home[id->kind]) == 0;
	size_t wl = strlen(r->chain) + (r->inner ? strlen(r->inner) : 0) + 3;
	char *where = malloc(wl);
	if (!where) {
		st->oom = true;
		return;
	}
	if (r->inner && *r->inner && id->kind != KB_JAVAID_MAVEN && !at_home)
		snprintf(where, wl, "%s!/%s", r->chain, r->inner);
	else
		snprintf(where, wl, "%s", r->chain);
	char product[512];
	if (id->kind == KB_JAVAID_MAVEN)
		snprintf(product, sizeof product, "%s:%s", id->group ? id->group : "?", id->artifact ? id->artifact : "?");
	else
		snprintf(product, sizeof product, "%s", kb_javaid_kind_name(id->kind));
	if (id->version)
		snprintf(version, sizeof version, "%s", id->version);
	else if (id->version_min || id->version_max)
		snprintf(version, sizeof version, "%s..%s", id->version_min ? id->version_min : "",
		         id->version_max ? id->version_max : "");
	else
		version[0] = '\0';
	size_t w = 0;
	why[0] = '\0';
	if (id->cves && *id->cves)
		w += (size_t)snprintf(why + w, sizeof why - w, "%s", id->cves);
	if (id->cves_possible && *id->cves_possible && w < sizeof why)
		w += (size_t)snprintf(why + w, sizeof why - w, "%smaybe %s", w ? "; " : "", id->cves_possible);
	if (id->cves_mitigated && *id->cves_mitigated && w < sizeof why)
		w += (size_t)snprintf(why + w, sizeof why - w, "%smitigated %s", w ? "; " : "", id->cves_mitigated);
	if (id->jndi != KB_JAVAID_JNDI_NA && w < sizeof why)
		w += (size_t)snprintf(why + w, sizeof why - w, "%s%s %s", w ? "; " : "",
		                      id->kind == KB_JAVAID_LOG4J_CORE ? "JndiLookup" : "JMSAppender",
		                      kb_javaid_jndi_name(id->jndi));
	if (id->notes && *id->notes && w < sizeof why)
		snprintf(why + w, sizeof why - w, "%s%s", w ? "; " : "", id->notes);
	cells[0] = where_of(st, r, where);
	cells[1] = product;
	cells[2] = version;
	cells[3] = kb_javaid_how_name(id->how);
	cells[4] = id->kind == KB_JAVAID_MAVEN ? "" : kb_javaid_status_name(id->status);
	cells[5] = why;
	add_row(st, asset_of(st, r), cells);
	free(where);
}

static void on_error(void *ctx, const kb_error *err)
{
	struct state *st = ctx;
	st->errors++;
	if (st->c->progress)
		fputs("\r\033[K", stderr);
	cli_report(err);
}

static void on_progress(void *ctx, const kb_scan_counters *k)
{
	struct state *st = ctx;
	if (!st->c->progress)
		return;
	fprintf(stderr, "\r\033[Kscan: %llu files, %.1f MiB, %llu archives, %llu findings",
	        (unsigned long long)k->files, (double)k->bytes / 1048576.0, (unsigned long long)k->archives,
	        (unsigned long long)k->findings);
}

static int cmp_row(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	for (int i = 0; i < 7; i++) {
		int d = strcmp(a->cells[i], b->cells[i]);
		if (d)
			return d;
	}
	return 0;
}

int cli_scan_run(cli *c, kb_store *s, const cli_scan_job *jobs, size_t njobs, const kb_scanner_opts *opts, bool all,
                 bool asset_column, bool *ret_vulnerable, bool *ret_failed)
{
	bool failed = false;
	/* Inflated nested archives come and go in sizes of megabytes; glibc would
	 * keep them in the heap once freed (its mmap threshold grows with each
	 * large free), so a scan's resident memory would follow the largest ones
	 * seen rather than the ones open. Fixed thresholds give them back. */
	mallopt(M_MMAP_THRESHOLD, SCAN_MALLOC_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, SCAN_MALLOC_THRESHOLD);
	struct state st = { .c = c, .all = all, .asset_column = asset_column, .store_components = s != NULL,
		            .jobs = jobs, .njobs = njobs };
	kb_scanner_opts o = *opts;
	o.progress = on_progress;
	o.error = on_error;
	const char **roots = calloc(njobs + 1, sizeof *roots);
	if (!roots) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < njobs; i++)
		roots[i] = jobs[i].root;
	kb_error err;
	kb_error_clear(&err);
	kb_scan_counters k;
	int status = EXIT_CLEAN;
	int r = kb_scanner_run(roots, njobs, &o, on_result, &st, &k, &err);
	if (c->progress)
		fputs("\r\033[K", stderr);
	if (r < 0) {
		cli_report(&err);
		status = EXIT_ERROR;
		failed = true;
	} else if (st.oom) {
		cli_error("out of memory");
		status = EXIT_ERROR;
		failed = true;
	}
	if (status == EXIT_CLEAN) {
		if (st.n)
			qsort(st.rows, st.n, sizeof *st.rows, cmp_row);
		static const char *const keys[] = { "asset", "chain", "product", "version", "how", "status", "why" };
		static const char *const titles[] = { "ASSET", "WHERE", "PRODUCT", "VERSION", "HOW", "STATUS", "WHY" };
		int skip = asset_column ? 0 : 1;
		table *t = table_new(c, 7 - skip, keys + skip, titles + skip);
		table_set_kind(t, "scan");
		for (size_t i = 0; i < st.n; i++)
			table_row(t, (const char *const *)st.rows[i].cells + skip);
		table_end(t);
		if (c->fmt == OUT_TABLE && !c->quiet)
			printf("%llu files, %.1f MiB, %llu archives, %llu findings%s\n", (unsigned long long)k.files,
			       (double)k.bytes / 1048576.0, (unsigned long long)k.archives,
			       (unsigned long long)k.findings, st.errors ? "; some files could not be read" : "");
		/* the components, asset by asset, each asset's roots replacing its earlier scan of them */
		for (size_t j = 0; j < njobs && s; j++) {
			if (!jobs[j].asset)
				continue;
			bool first = true;
			for (size_t q = 0; q < j; q++)
				if (jobs[q].asset && strcmp(jobs[q].asset, jobs[j].asset) == 0)
					first = false;
			if (!first)
				continue;
			const char **aroots = calloc(njobs, sizeof *aroots);
			kb_component *comps = calloc(st.nc + 1, sizeof *comps);
			size_t na = 0, ncomp = 0;
			if (!aroots || !comps) {
				free(aroots);
				free(comps);
				cli_error("out of memory");
				status = EXIT_ERROR;
				failed = true;
				break;
			}
			for (size_t q = 0; q < njobs; q++)
				if (jobs[q].asset && strcmp(jobs[q].asset, jobs[j].asset) == 0)
					aroots[na++] = jobs[q].root;
			for (size_t i = 0; i < st.nc; i++)
				for (size_t q = 0; q < na; q++)
					if (strcmp(st.comps[i].origin, aroots[q]) == 0) {
						comps[ncomp] = st.comps[i];
						comps[ncomp++].asset = jobs[j].asset;
						break;
					}
			kb_error_clear(&err);
			if (kb_scan_store(s, jobs[j].asset, aroots, na, comps, ncomp, &err) < 0) {
				cli_report(&err);
				status = EXIT_ERROR;
				failed = true;
			} else if (c->fmt == OUT_TABLE && !c->quiet && !asset_column) {
				printf("%s: %zu components from the scan written to the ledger\n", jobs[j].asset, ncomp);
			}
			free(aroots);
			free(comps);
		}
	}
	if (ret_vulnerable)
		*ret_vulnerable = st.vulnerable;
	if (ret_failed)
		*ret_failed = failed;
	if (status == EXIT_CLEAN && st.errors)
		status = EXIT_ERROR;
	for (size_t i = 0; i < st.n; i++)
		for (int j = 0; j < 7; j++)
			free(st.rows[i].cells[j]);
	free(st.rows);
	for (size_t i = 0; i < st.nc; i++)
		free(st.comp_bufs[i]);
	free(st.comp_bufs);
	free(st.comps);
	free(roots);
	return status;
}

int cmd_scan(cli *c, int argc, char **argv)
{
	const char *asset = NULL;
	bool all = false;
	kb_scanner_opts o = { 0 };
	const char **excludes = calloc((size_t)argc + 1, sizeof *excludes);
	cli_scan_job *jobs = calloc((size_t)argc + 1, sizeof *jobs);
	size_t nex = 0, njobs = 0;
	if (!excludes || !jobs) {
		cli_error("out of memory");
		free(excludes);
		free(jobs);
		return EXIT_ERROR;
	}
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--asset", &v))
			asset = v;
		else if (opt_value(argc, argv, &i, "--exclude", &v))
			excludes[nex++] = v;
		else if (strcmp(argv[i], "--xdev") == 0)
			o.walk.xdev = true;
		else if (strcmp(argv[i], "--include-fs") == 0)
			o.walk.include_fs = true;
		else if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--null") == 0)
			o.walk.paths_nul = true;
		else if (argv[i][0] == '-' && argv[i][1] == '-') {
			cli_usage_error(usage_scan, "unknown option %s", argv[i]);
			free(excludes);
			free(jobs);
			return EXIT_ERROR;
		} else
			jobs[njobs++].root = argv[i];
	}
	if (!njobs) {
		cli_usage_error(usage_scan, "name at least one file or directory (or - to read paths)");
		free(excludes);
		free(jobs);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < njobs; i++)
		jobs[i].asset = asset;
	kb_store *s = NULL;
	if (asset && cli_open_store(c, false, &s) < 0) {
		free(excludes);
		free(jobs);
		return EXIT_ERROR;
	}
	o.walk.excludes = excludes;
	o.walk.n_excludes = nex;
	o.walk.paths_in = stdin;
	o.walk.paths_name = "-";
	bool vulnerable = false;
	bool failed = false;
	int status = cli_scan_run(c, s, jobs, njobs, &o, all, false, &vulnerable, &failed);
	kb_store_close(s);
	free(excludes);
	free(jobs);
	/* the scan or the ledger failed: 2; files that could not be read do not
	 * hide what was found in the others */
	if (failed)
		return EXIT_ERROR;
	return vulnerable ? EXIT_FINDINGS : status;
}
