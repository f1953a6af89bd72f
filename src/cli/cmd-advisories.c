/*
 * cmd-advisories.c - `koban advisories import FILE|DIR...`: OSV, CVE JSON 5,
 * CSAF and vendor status list documents, and the feeds that rank and date
 * them; directories are walked for *.json, *.csv, *.yml, *.yaml and *.zip,
 * and ZIPs (OSV's all.zip) are read entry by entry. Each document is one
 * savepoint inside a batch transaction: a malformed one is reported with its
 * location and rolled back alone, and the others are still imported.
 */
#include "cli.h"
#include "exposure-cli.h"
#include "koban/feeds.h"
#include "koban/zip.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_import[] = "koban advisories import [--format osv|cve5|csaf|cisagov] FILE|DIR...";
/* Besides OSV and CVE JSON 5 documents, the same command takes the feeds that
 * rank and date them: CISA KEV JSON, EPSS CSV, endoflife.date product data. */

#define ADVISORIES_MAX_DEPTH 16 /* directory levels walked below an argument */
/* Documents imported per transaction: each is its own savepoint inside it (a
 * bad one is rolled back alone), and committing once per batch instead of
 * once per document is what makes a 500,000-record feed load in seconds. */
#define ADVISORIES_BATCH 8192
/* Bytes inflated from one ZIP of advisories: OSV's all.zip of every
 * ecosystem inflates to a few GiB; each document is also held to
 * KB_ADVISORY_MAX_BYTES. */
#define ADVISORIES_ZIP_MAX_INFLATED (64ull << 30)

struct totals {
	unsigned ok, failed, replaced, feeds;
	unsigned in_batch;
	bool batch_open;
};

/* Close the open batch (when one is) and open the next. */
static void batch_next(kb_store *s, struct totals *t, bool reopen)
{
	kb_error err;
	kb_error_clear(&err);
	if (t->batch_open && kb_store_commit(s, &err) < 0) {
		cli_report(&err);
		t->failed += t->in_batch; /* rolled back: none of them is stored */
		t->ok -= t->in_batch < t->ok ? t->in_batch : t->ok;
	}
	t->batch_open = false;
	t->in_batch = 0;
	if (reopen)
		t->batch_open = kb_store_begin(s, &err) == 0;
}

/* Count one imported document (and say so with --json). */
static void imported(cli *c, kb_store *s, const char *path, const kb_advisory_import_stats *st, struct totals *t)
{
	t->ok += st->advisories ? (unsigned)st->advisories : 1;
	t->replaced += st->replaced;
	if (t->batch_open && ++t->in_batch >= ADVISORIES_BATCH)
		batch_next(s, t, true);
	if (c->fmt == OUT_JSON) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:I}", "type", "advisory", "file", path,
		                      "status", "ok", "id", st->id, "format", kb_advisory_format_name(st->format),
		                      "advisories", (json_int_t)st->advisories, "replaced", st->replaced, "names",
		                      (json_int_t)st->keys);
		char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (js)
			puts(js);
		free(js);
		json_decref(o);
	}
	progress_update(c, "advisories", t->ok + t->failed, 0, t->ok);
}

static void import_one(cli *c, kb_store *s, const char *path, kb_advisory_format fmt, struct totals *t)
{
	kb_advisory_import_stats st;
	kb_error err;
	kb_error_clear(&err);
	kb_feed feed;
	if (fmt == KB_ADV_FMT_AUTO && kb_feed_sniff(path, &feed)) {
		kb_feed_stats fs;
		if (kb_feed_import_file(s, path, &fs, &err) < 0) {
			cli_report(&err);
			t->failed++;
			return;
		}
		t->feeds++;
		if (c->fmt == OUT_JSON) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "feed", "file", path, "status", "ok", "feed",
			                      kb_feed_name(fs.feed), "rows", (json_int_t)fs.rows);
			char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			if (js)
				puts(js);
			free(js);
			json_decref(o);
		}
		return;
	}
	if (kb_advisories_import_file(s, path, fmt, &st, &err) < 0) {
		cli_report(&err);
		t->failed++;
		return;
	}
	imported(c, s, path, &st, t);
}

/* A ZIP of advisories (OSV's all.zip dumps): every *.json, *.yml or *.yaml
 * entry is one document, named "all.zip!/GHSA-....json" in errors; a bad
 * entry is reported and the others are still imported. */
static void import_zip(cli *c, kb_store *s, const char *path, kb_advisory_format fmt, struct totals *t)
{
	kb_zip_budget budget;
	kb_zip_budget_init(&budget, ADVISORIES_ZIP_MAX_INFLATED);
	kb_zip *z = NULL;
	kb_error err;
	kb_error_clear(&err);
	if (kb_zip_open_file(path, &budget, &z, &err) < 0) {
		cli_report(&err);
		t->failed++;
		return;
	}
	kb_zip_entry e;
	int r;
	while ((r = kb_zip_next(z, &e, &err)) == 1) {
		size_t nl = e.name_len;
		bool doc = !e.is_dir && ((nl > 5 && strcmp(e.name + nl - 5, ".json") == 0) ||
		                         (nl > 4 && strcmp(e.name + nl - 4, ".yml") == 0) ||
		                         (nl > 5 && strcmp(e.name + nl - 5, ".yaml") == 0));
		if (!doc)
			continue;
		char *name = malloc(strlen(path) + nl + 3);
		if (!name) {
			cli_error("out of memory");
			t->failed++;
			break;
		}
		sprintf(name, "%s!/%s", path, e.name);
		kb_error_clear(&err);
		kb_zip_data d = { 0 };
		kb_advisory_import_stats st;
		if (e.uncompressed_size > KB_ADVISORY_MAX_BYTES) {
			kb_error_set(&err, KB_ELIMIT, name, 0, 0, KB_NO_OFFSET,
			             "%llu bytes: more than the limit of %u for one advisory",
			             (unsigned long long)e.uncompressed_size, (unsigned)KB_ADVISORY_MAX_BYTES);
			cli_report(&err);
			t->failed++;
		} else if (kb_zip_read(z, &e, &d, &err) < 0 ||
		           kb_advisories_import_mem(s, name, d.bytes, d.size, fmt, &st, &err) < 0) {
			if (!err.file[0])
				kb_error_set(&err, err.code ? err.code : KB_EIO, name, 0, 0, KB_NO_OFFSET, "%s", err.msg);
			cli_report(&err);
			t->failed++;
		} else {
			imported(c, s, name, &st, t);
		}
		kb_zip_data_clear(&d);
		free(name);
	}
	if (r < 0) {
		cli_report(&err);
		t->failed++;
	}
	kb_zip_free(z);
}

static bool is_zip(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char m[4] = { 0 };
	size_t n = f ? fread(m, 1, 4, f) : 0;
	if (f)
		fclose(f);
	size_t pl = strlen(path);
	return (n == 4 && memcmp(m, "PK\3\4", 4) == 0) || (n == 4 && memcmp(m, "PK\5\6", 4) == 0) ||
	       (pl > 4 && strcmp(path + pl - 4, ".zip") == 0);
}

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void walk(cli *c, kb_store *s, const char *path, int depth, kb_advisory_format fmt, struct totals *t)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		cli_error("%s: cannot read: no such file or directory", path);
		t->failed++;
		return;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (is_zip(path))
			import_zip(c, s, path, fmt, t);
		else
			import_one(c, s, path, fmt, t);
		return;
	}
	if (depth >= ADVISORIES_MAX_DEPTH) {
		cli_error("%s: more than %d directory levels deep; not read", path, ADVISORIES_MAX_DEPTH);
		t->failed++;
		return;
	}
	struct dirent **ents;
	int n = scandir(path, &ents, no_dots, alphasort);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(ents[i]->d_name) + 2;
		char *p = malloc(len);
		if (p) {
			snprintf(p, len, "%s/%s", path, ents[i]->d_name);
			struct stat st;
			size_t nl = strlen(p);
			if (stat(p, &st) == 0 && (S_ISDIR(st.st_mode) || (nl > 5 && strcmp(p + nl - 5, ".json") == 0) ||
			                          (nl > 4 && strcmp(p + nl - 4, ".csv") == 0) ||
			                          (nl > 4 && strcmp(p + nl - 4, ".yml") == 0) ||
			                          (nl > 5 && strcmp(p + nl - 5, ".yaml") == 0) ||
			                          (nl > 4 && strcmp(p + nl - 4, ".zip") == 0)))
				walk(c, s, p, depth + 1, fmt, t);
			free(p);
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
}

int cli_import_advisories(cli *c, kb_store *s, int n, char *const paths[], kb_advisory_format fmt, unsigned *ok,
                          unsigned *failed)
{
	struct totals t = { 0 };
	batch_next(s, &t, true);
	for (int i = 0; i < n; i++)
		walk(c, s, paths[i], 0, fmt, &t);
	batch_next(s, &t, false);
	progress_clear(c);
	if (ok)
		*ok = t.ok + t.feeds;
	if (failed)
		*failed = t.failed;
	return t.failed ? EXIT_ERROR : EXIT_CLEAN;
}

static int advisories_import(cli *c, int argc, char **argv)
{
	kb_advisory_format fmt = KB_ADV_FMT_AUTO;
	char **paths = calloc((size_t)argc + 1, sizeof *paths);
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--format", &v)) {
			if (strcmp(v, "osv") == 0)
				fmt = KB_ADV_FMT_OSV;
			else if (strcmp(v, "cve5") == 0 || strcmp(v, "cve") == 0)
				fmt = KB_ADV_FMT_CVE5;
			else if (strcmp(v, "csaf") == 0)
				fmt = KB_ADV_FMT_CSAF;
			else if (strcmp(v, "cisagov") == 0)
				fmt = KB_ADV_FMT_CISAGOV;
			else {
				cli_usage_error(usage_import, "--format: expected osv, cve5, csaf or cisagov, found \"%s\"", v);
				free(paths);
				return EXIT_ERROR;
			}
		} else {
			paths[n++] = argv[i];
		}
	}
	if (!n) {
		cli_usage_error(usage_import, "name at least one file or directory");
		free(paths);
		return EXIT_ERROR;
	}
	kb_store *s;
	if (cli_open_store(c, true, &s) < 0) {
		free(paths);
		return EXIT_ERROR;
	}
	unsigned ok = 0, failed = 0;
	int status = cli_import_advisories(c, s, n, paths, fmt, &ok, &failed);
	if (c->fmt == OUT_TABLE && !c->quiet)
		printf("%u advisories imported, %u failed\n", ok, failed);
	kb_store_close(s);
	free(paths);
	return status;
}

int cmd_advisories(cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return advisories_import(c, argc - 1, argv + 1);
	fprintf(stderr, "usage: %s\n", usage_import);
	return EXIT_ERROR;
}
