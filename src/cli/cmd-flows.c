/*
 * cmd-flows.c - `koban flows import [--format F] [--all-udp-export] FILE...`,
 * `koban flows list`, `koban flows delete NAME...`: network flow records
 * into the store for `koban detect`. Each file is one transaction: a bad
 * one is reported with its line (or packet) and column and the others are
 * still imported. Importing a file again replaces it.
 */
#include "cli.h"
#include "koban/flowstore.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_flows[] =
	"koban flows import [--format zeek|nfcsv|pcap] [--all-udp-export] FILE...\n"
	"       koban flows listen [--commit SECONDS] [--for SECONDS] [--packets N] ADDRESS:PORT\n"
	"       koban flows list\n"
	"       koban flows delete NAME...";

/* The time of a first or last flow; 0 is none. */
static void iso(int64_t us, char *out, size_t size)
{
	if (us == 0)
		out[0] = '\0';
	else
		cli_iso_time(us, out, size);
}

static int flows_import(cli *c, int argc, char **argv)
{
	kb_flow_import_opts o = { 0 };
	char **paths = calloc((size_t)argc + 1, sizeof *paths);
	int n = 0;
	for (int i = 2; paths && i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--format", &v)) {
			if (kb_flow_format_parse(v, &o.format) < 0) {
				cli_usage_error(usage_flows, "--format: expected zeek, nfcsv or pcap, found \"%s\"", v);
				free(paths);
				return EXIT_ERROR;
			}
		} else if (strcmp(argv[i], "--all-udp-export") == 0) {
			o.all_udp_export = true;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			cli_usage_error(usage_flows, "unknown option %s", argv[i]);
			free(paths);
			return EXIT_ERROR;
		} else {
			paths[n++] = argv[i];
		}
	}
	if (!paths || !n) {
		cli_usage_error(usage_flows, "name at least one file");
		free(paths);
		return EXIT_ERROR;
	}
	kb_store *s;
	if (cli_open_store(c, true, &s) < 0) {
		free(paths);
		return EXIT_ERROR;
	}
	static const char *const keys[] = { "file", "status", "format", "kind", "flows", "names", "first", "last",
		                            "replaced" };
	static const char *const titles[] = { "FILE", "STATUS", "FORMAT", "KIND", "FLOWS", "NAMES", "FIRST", "LAST",
		                              "REPLACED" };
	table *t = table_new(c, 9, keys, titles);
	table_set_kind(t, "flows");
	table_set_numeric(t, 16 | 32);
	unsigned failed = 0;
	uint64_t flows = 0, names = 0;
	for (int i = 0; i < n; i++) {
		if (c->progress)
			fprintf(stderr, "\r\033[Kflows: %s (%d of %d)", paths[i], i + 1, n);
		kb_flow_import_stats st;
		kb_error err;
		kb_error_clear(&err);
		if (kb_flows_import_file(s, paths[i], &o, &st, &err) < 0) {
			if (c->progress)
				fputs("\r\033[K", stderr);
			cli_report(&err);
			failed++;
			continue;
		}
		flows += st.flows;
		names += st.names;
		char nf[24], nn[24], first[32], last[32];
		snprintf(nf, sizeof nf, "%llu", (unsigned long long)st.flows);
		snprintf(nn, sizeof nn, "%llu", (unsigned long long)st.names);
		iso(st.t_min_us, first, sizeof first);
		iso(st.t_max_us, last, sizeof last);
		const char *row[] = { paths[i], "ok", kb_flow_format_name(st.format), st.detail ? st.detail : "", nf, nn,
			              first, last, st.replaced ? "yes" : "no" };
		table_row(t, row);
	}
	if (c->progress)
		fputs("\r\033[K", stderr);
	table_end(t);
	if (c->fmt == OUT_TABLE && !c->quiet)
		printf("%d of %d files imported: %llu flows, %llu names\n", n - (int)failed, n,
		       (unsigned long long)flows, (unsigned long long)names);
	kb_store_close(s);
	free(paths);
	return failed ? EXIT_ERROR : EXIT_CLEAN;
}

static int list_row(const kb_flow_source_info *i, void *ctx)
{
	table *t = ctx;
	char nf[24], nn[24], first[32], last[32];
	snprintf(nf, sizeof nf, "%llu", (unsigned long long)i->flows);
	snprintf(nn, sizeof nn, "%llu", (unsigned long long)i->names);
	iso(i->t_min_us, first, sizeof first);
	iso(i->t_max_us, last, sizeof last);
	const char *row[] = { i->name, i->format, nf, nn, first, last, i->imported };
	table_row(t, row);
	return 0;
}

static int flows_list(cli *c)
{
	kb_store *s;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	static const char *const keys[] = { "name", "format", "flows", "names", "first", "last", "imported" };
	static const char *const titles[] = { "NAME", "FORMAT", "FLOWS", "NAMES", "FIRST", "LAST", "IMPORTED" };
	table *t = table_new(c, 7, keys, titles);
	table_set_kind(t, "flow_source");
	table_set_numeric(t, 4 | 8);
	kb_error err;
	kb_error_clear(&err);
	int r = kb_flow_sources(s, list_row, t, &err);
	table_end(t);
	kb_store_close(s);
	if (r < 0) {
		cli_report(&err);
		return EXIT_ERROR;
	}
	return EXIT_CLEAN;
}

static int flows_delete(cli *c, int argc, char **argv)
{
	if (argc < 3) {
		cli_usage_error(usage_flows, "name at least one flow source (see koban flows list)");
		return EXIT_ERROR;
	}
	kb_store *s;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	int status = EXIT_CLEAN;
	for (int i = 2; i < argc; i++) {
		kb_error err;
		kb_error_clear(&err);
		if (kb_flow_source_delete(s, argv[i], &err) < 0) {
			cli_report(&err);
			status = EXIT_ERROR;
		}
	}
	kb_store_close(s);
	return status;
}

static volatile int listen_stop;

static void on_signal(int sig)
{
	(void)sig;
	listen_stop = 1;
}

static void listen_ready(int port, void *ctx)
{
	cli *c = ctx;
	if (!c->quiet)
		fprintf(stderr, "koban: listening for NetFlow/IPFIX on UDP port %d (Ctrl-C to stop)\n", port);
}

static void listen_progress(const kb_flow_listen_stats *st, void *ctx)
{
	cli *c = ctx;
	if (c->progress)
		fprintf(stderr, "\r\033[Kflows: %llu datagrams, %llu flows, %llu malformed, %llu commits",
		        (unsigned long long)st->packets, (unsigned long long)st->flows, (unsigned long long)st->malformed,
		        (unsigned long long)st->sources);
}

static void listen_error(const kb_error *e, void *ctx)
{
	(void)ctx;
	cli_report(e);
}

static bool uint_arg(const char *v, unsigned long long max, unsigned long long *ret)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v || *end || x > max)
		return false;
	*ret = x;
	return true;
}

static int flows_listen(cli *c, int argc, char **argv)
{
	kb_flow_listen_opts o = { .stop = &listen_stop, .progress = listen_progress, .error = listen_error,
		                  .ready = listen_ready, .ctx = c };
	const char *addr = NULL;
	for (int i = 2; i < argc; i++) {
		const char *v;
		unsigned long long x;
		if (opt_value(argc, argv, &i, "--commit", &v)) {
			if (!uint_arg(v, 86400, &x) || x == 0) {
				cli_usage_error(usage_flows, "--commit %s: expected seconds, 1 to 86400", v);
				return EXIT_ERROR;
			}
			o.commit_s = (unsigned)x;
		} else if (opt_value(argc, argv, &i, "--for", &v)) {
			if (!uint_arg(v, 100000000, &x)) {
				cli_usage_error(usage_flows, "--for %s: expected seconds", v);
				return EXIT_ERROR;
			}
			o.max_seconds = (unsigned)x;
		} else if (opt_value(argc, argv, &i, "--packets", &v)) {
			if (!uint_arg(v, UINT64_MAX, &x)) {
				cli_usage_error(usage_flows, "--packets %s: expected a count", v);
				return EXIT_ERROR;
			}
			o.max_packets = x;
		} else if (!addr && argv[i][0] != '-') {
			addr = argv[i];
		} else {
			cli_usage_error(usage_flows, "unexpected %s", argv[i]);
			return EXIT_ERROR;
		}
	}
	if (!addr) {
		cli_usage_error(usage_flows, "name the address to listen on, as ADDRESS:PORT");
		return EXIT_ERROR;
	}
	kb_store *s;
	if (cli_open_store(c, true, &s) < 0)
		return EXIT_ERROR;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	kb_flow_listen_stats st;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_flow_listen(s, addr, &o, &st, &err);
	if (c->progress)
		fputs("\r\033[K", stderr);
	kb_store_close(s);
	if (r < 0) {
		cli_report(&err);
		return EXIT_ERROR;
	}
	if (!c->quiet)
		printf("%llu datagrams, %llu flows kept in %llu sources, %llu malformed datagrams\n",
		       (unsigned long long)st.packets, (unsigned long long)st.flows, (unsigned long long)st.sources,
		       (unsigned long long)st.malformed);
	return EXIT_CLEAN;
}

int cmd_flows(cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "listen") == 0)
		return flows_listen(c, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return flows_import(c, argc, argv);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return flows_list(c);
	if (argc >= 2 && strcmp(argv[1], "delete") == 0)
		return flows_delete(c, argc, argv);
	fprintf(stderr, "usage: %s\n", usage_flows);
	return EXIT_ERROR;
}
