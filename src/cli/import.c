/*
 * import.c - import many ledger files, as `ledger import` and `triage` do.
 *
 * Files are probed first and imported assets-first (asset sheets and ledger
 * JSON, then interface and component sheets, then SBOMs), so a command line or
 * a bundle may list them in any order. Each file is its own transaction: one
 * bad file is reported and rolled back, and the others are still imported.
 */
#include "import.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct job {
	const char *path;
	const char *asset;
	int phase;
	int order;
};

static int phase_of(const char *path, kb_ledger_format forced)
{
	kb_ledger_format f = forced;
	kb_sheet sheet = KB_SHEET_NONE;
	if (f == KB_LEDGER_FMT_AUTO && kb_ledger_probe_file(path, &f, &sheet) < 0)
		return 0;
	if (f == KB_LEDGER_FMT_CYCLONEDX || f == KB_LEDGER_FMT_SPDX)
		return 2;
	if (f == KB_LEDGER_FMT_CSV && forced == KB_LEDGER_FMT_AUTO &&
	    (sheet == KB_SHEET_INTERFACES || sheet == KB_SHEET_COMPONENTS))
		return 1;
	return 0;
}

static int cmp_job(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	if (x->phase != y->phase)
		return x->phase - y->phase;
	return x->order - y->order;
}

struct prog {
	cli *c;
};

static void on_progress(const kb_import_progress *p, void *ctx)
{
	struct prog *pg = ctx;
	progress_update(pg->c, p->file, p->bytes_done, p->bytes_total, p->records);
}

static void on_warn(const kb_error *w, void *ctx)
{
	struct prog *pg = ctx;
	progress_clear(pg->c);
	char buf[KB_ERROR_MSG_MAX + KB_ERROR_FILE_MAX + 64];
	kb_error_format(w, buf, sizeof buf);
	if (!pg->c->quiet)
		cli_warn("%s", buf);
}

static const char *sheet_name(kb_sheet s)
{
	switch (s) {
	case KB_SHEET_ASSETS: return "assets";
	case KB_SHEET_INTERFACES: return "interfaces";
	case KB_SHEET_COMPONENTS: return "components";
	case KB_SHEET_NONE: break;
	}
	return NULL;
}

int cli_import_files(cli *c, kb_store *s, int n, const char *const paths[], const char *const assets[],
                     kb_ledger_format fmt, import_totals *tot)
{
	struct job *jobs = calloc((size_t)n + 1, sizeof *jobs);
	if (!jobs) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	for (int i = 0; i < n; i++) {
		jobs[i].path = paths[i];
		jobs[i].asset = assets ? assets[i] : NULL;
		jobs[i].phase = jobs[i].asset ? 2 : phase_of(paths[i], fmt);
		jobs[i].order = i;
	}
	qsort(jobs, (size_t)n, sizeof *jobs, cmp_job);
	struct prog pg = { c };
	int status = EXIT_CLEAN;
	for (int i = 0; i < n; i++) {
		kb_import_opts opts = {
			.format = fmt,
			.asset = jobs[i].asset,
			.progress = on_progress,
			.warn = on_warn,
			.ctx = &pg,
		};
		kb_import_stats st;
		kb_error err;
		kb_error_clear(&err);
		int r = kb_ledger_import_file(s, jobs[i].path, &opts, &st, &err);
		progress_clear(c);
		if (r < 0) {
			cli_report(&err);
			status = EXIT_ERROR;
			if (tot)
				tot->failed++;
			if (c->fmt == OUT_JSON) {
				char buf[KB_ERROR_MSG_MAX + KB_ERROR_FILE_MAX + 64];
				kb_error_format(&err, buf, sizeof buf);
				json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "type", "import", "file",
				                      jobs[i].path, "status", "error", "code", kb_err_name(err.code),
				                      "line", (json_int_t)err.line, "column", (json_int_t)err.column,
				                      "error", buf);
				char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
				if (js)
					puts(js);
				free(js);
				json_decref(o);
			}
			continue;
		}
		if (tot) {
			tot->files++;
			tot->assets_created += st.assets_created;
			tot->assets_updated += st.assets_updated;
			tot->assets_unchanged += st.assets_unchanged;
			tot->interfaces += st.interfaces;
			tot->components += st.components;
			tot->warnings += st.warnings;
		}
		const char *sheet = st.format == KB_LEDGER_FMT_CSV ? sheet_name(st.sheet) : NULL;
		if (c->fmt == OUT_JSON) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "type",
			                      "import", "file", jobs[i].path, "status", "ok", "format",
			                      kb_ledger_format_name(st.format),
			                      "sheet", sheet, "asset", jobs[i].asset, "records", (json_int_t)st.records,
			                      "assets_created", (json_int_t)st.assets_created, "assets_updated",
			                      (json_int_t)st.assets_updated, "assets_unchanged",
			                      (json_int_t)st.assets_unchanged, "interfaces", (json_int_t)st.interfaces,
			                      "components", (json_int_t)st.components, "warnings",
			                      (json_int_t)st.warnings, "bytes", (json_int_t)st.bytes);
			char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			if (js)
				puts(js);
			free(js);
			json_decref(o);
		} else if (!c->quiet && !(tot && tot->silent)) {
			printf("%s: %s%s%s%s, %llu records: %llu assets new, %llu updated, %llu unchanged, "
			       "%llu interfaces, %llu components\n",
			       strcmp(jobs[i].path, "-") == 0 ? "<stdin>" : jobs[i].path, kb_ledger_format_name(st.format),
			       sheet ? " " : "", sheet ? sheet : "",
			       sheet ? " sheet" : "", (unsigned long long)st.records,
			       (unsigned long long)st.assets_created, (unsigned long long)st.assets_updated,
			       (unsigned long long)st.assets_unchanged, (unsigned long long)st.interfaces, (unsigned long long)st.components);
		}
	}
	free(jobs);
	return status;
}
