/*
 * cmd-iocs.c - `koban iocs import [--format F] FILE...`: indicators of
 * compromise from STIX 2.1 bundles, MISP events, CSV and plain lists, each
 * file in one transaction (a bad one is reported with its location and the
 * others are still imported). What a reader cannot use is reported, never
 * dropped in silence: a line per unsupported pattern or attribute on
 * standard error, and the counts at the end.
 */
#include "cli.h"
#include "exposure-cli.h"
#include "koban/ioc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage_iocs[] = "koban iocs import [--format stix|misp|csv|list] FILE...";

static void on_unsupported(const kb_ioc_unsupported *u, void *ctx)
{
	cli *c = ctx;
	if (c->quiet)
		return;
	if (u->line)
		fprintf(stderr, "%s:%llu: not imported: %s\n", u->source, (unsigned long long)u->line, u->reason);
	else
		fprintf(stderr, "%s: %s%s%s%s: not imported: %s\n", u->source, u->ref ? u->ref : "",
		        u->ref && u->where ? " " : "", u->where ? "at " : "", u->where ? u->where : "", u->reason);
}

int cmd_iocs(cli *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "import") != 0) {
		fprintf(stderr, "usage: %s\n", usage_iocs);
		return EXIT_ERROR;
	}
	kb_ioc_import_opts o = { .format = KB_IOC_FMT_AUTO, .today = cli_today(), .unsupported = on_unsupported,
		                 .ctx = c };
	char **paths = calloc((size_t)argc, sizeof *paths);
	int n = 0;
	for (int i = 2; paths && i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--format", &v)) {
			bool ok = false;
			for (int f = KB_IOC_FMT_AUTO; f <= KB_IOC_FMT_LIST && !ok; f++)
				if (strcmp(v, kb_ioc_format_name((kb_ioc_format)f)) == 0) {
					o.format = (kb_ioc_format)f;
					ok = true;
				}
			if (!ok) {
				cli_usage_error(usage_iocs, "--format: expected stix, misp, csv or list, found \"%s\"", v);
				free(paths);
				return EXIT_ERROR;
			}
		} else {
			paths[n++] = argv[i];
		}
	}
	if (!paths || !n) {
		cli_usage_error(usage_iocs, "name at least one file");
		free(paths);
		return EXIT_ERROR;
	}
	kb_store *s;
	if (cli_open_store(c, true, &s) < 0) {
		free(paths);
		return EXIT_ERROR;
	}
	size_t files = 0, failed = 0, total = 0, unsupported = 0, inactive = 0;
	for (int i = 0; i < n; i++) {
		kb_ioc_import_stats st;
		kb_error err;
		kb_error_clear(&err);
		if (kb_iocs_import_file(s, paths[i], &o, &st, &err) < 0) {
			cli_report(&err);
			failed++;
			continue;
		}
		files++;
		total += st.imported;
		unsupported += st.unsupported;
		inactive += st.revoked + st.expired + st.context;
		if (c->fmt == OUT_JSON) {
			json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:b}", "type", "iocs", "file",
			                      paths[i], "status", "ok", "format", kb_ioc_format_name(st.format), "imported",
			                      (json_int_t)st.imported, "unsupported", (json_int_t)st.unsupported, "revoked",
			                      (json_int_t)st.revoked, "expired", (json_int_t)st.expired, "context",
			                      (json_int_t)st.context, "replaced", st.replaced);
			char *js = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			if (js)
				puts(js);
			free(js);
			json_decref(j);
		} else if (c->fmt == OUT_TABLE && !c->quiet) {
			printf("%s: %s, %zu IOCs (%zu revoked, %zu expired, %zu for context only), %zu not supported\n",
			       paths[i], kb_ioc_format_name(st.format), st.imported, st.revoked, st.expired, st.context,
			       st.unsupported);
		}
	}
	if (c->fmt == OUT_TABLE && !c->quiet && n > 1)
		printf("%zu of %d files imported: %zu IOCs, %zu not matched (revoked, expired, context), %zu not supported\n",
		       files, n, total, inactive, unsupported);
	kb_store_close(s);
	free(paths);
	return failed ? EXIT_ERROR : EXIT_CLEAN;
}
