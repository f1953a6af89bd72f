/*
 * cmd-scans.c - `koban scans import --from external|internal FILE...`: nmap
 * XML output, one transaction per file. A management port seen open from
 * outside makes `koban exposure` list the interface as exposed, whatever
 * address the ledger gives it.
 */
#include "cli.h"
#include "koban/netscan.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage_scans[] = "koban scans import --from external|internal FILE...";

int cli_import_scans(cli *c, kb_store *s, int n, char *const paths[], const kb_vantage *from, unsigned *ok,
                     unsigned *failed);

int cli_import_scans(cli *c, kb_store *s, int n, char *const paths[], const kb_vantage *from, unsigned *ok,
                     unsigned *failed)
{
	int status = EXIT_CLEAN;
	for (int i = 0; i < n; i++) {
		kb_netscan_stats st;
		kb_error err;
		kb_error_clear(&err);
		if (kb_netscan_import_file(s, paths[i], from[i], &st, &err) < 0) {
			cli_report(&err);
			status = EXIT_ERROR;
			(*failed)++;
			continue;
		}
		(*ok)++;
		if (c->fmt == OUT_JSON) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "type", "scan", "file", paths[i], "status",
			                      "ok", "from", kb_vantage_name(from[i]), "hosts", (json_int_t)st.hosts, "ports",
			                      (json_int_t)st.ports, "open", (json_int_t)st.open);
			char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			if (js)
				puts(js);
			free(js);
			json_decref(o);
		} else if (!c->quiet && c->fmt == OUT_TABLE) {
			printf("%s: %s scan, %llu hosts, %llu ports, %llu open\n", paths[i], kb_vantage_name(from[i]),
			       (unsigned long long)st.hosts, (unsigned long long)st.ports, (unsigned long long)st.open);
		}
	}
	return status;
}

int cmd_scans(cli *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "import") != 0) {
		fprintf(stderr, "usage: %s\n", usage_scans);
		return EXIT_ERROR;
	}
	const char *from_s = NULL;
	char **paths = calloc((size_t)argc, sizeof *paths);
	int n = 0;
	for (int i = 2; i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--from", &v))
			from_s = v;
		else
			paths[n++] = argv[i];
	}
	kb_vantage from;
	if (!from_s || kb_vantage_parse(from_s, &from) < 0) {
		cli_usage_error(usage_scans, "say where the scan ran from: --from external or --from internal");
		free(paths);
		return EXIT_ERROR;
	}
	if (!n) {
		cli_usage_error(usage_scans, "name at least one nmap XML file");
		free(paths);
		return EXIT_ERROR;
	}
	kb_vantage *fr = calloc((size_t)n, sizeof *fr);
	for (int i = 0; i < n; i++)
		fr[i] = from;
	kb_store *s;
	int status = EXIT_ERROR;
	if (cli_open_store(c, true, &s) == 0) {
		unsigned ok = 0, failed = 0;
		status = cli_import_scans(c, s, n, paths, fr, &ok, &failed);
		kb_store_close(s);
	}
	free(fr);
	free(paths);
	return status;
}
