/*
 * main.c - the koban command: global options, then a verb.
 *
 * Global options may appear anywhere on the line (before or after the verb),
 * so `koban ledger list --json` and `koban --json ledger list` both work; they
 * are taken out of argv before the verb sees it. Verbs live in a table, one
 * cmd-*.c file each.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const verb verbs[] = {
	{ "ledger", cmd_ledger, "what we run: import, list, show, set, delete, export the ledger" },
	{ "advisories", cmd_advisories, "import advisories: OSV and CVE JSON 5 files and directories" },
	{ "exposure", cmd_exposure, "what is affected or exposed, and what each system moves to" },
	{ "scans", cmd_scans, "import network scans (nmap XML) run from outside or inside" },
	{ "scan", cmd_scan, "find Java, Log4j and every library in file trees and nested archives" },
	{ "iocs", cmd_iocs, "import indicators of compromise (STIX 2.1, MISP, CSV, lists)" },
	{ "hunt", cmd_hunt, "look for exploitation (Log4Shell) and indicators of compromise in logs" },
	{ "flows", cmd_flows, "import network flows: Zeek logs, NetFlow/IPFIX, pcap, nfdump CSV" },
	{ "detect", cmd_detect, "behaviours in the flows (beacons, exfiltration, lateral movement...), hosts ranked" },
	{ "triage", cmd_triage, "import an organisation bundle into a fresh store and report" },
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: koban [--db PATH] [--json | --csv] [--quiet] VERB [ARGS]\n"
	        "\n"
	        "verbs:\n");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f,
	        "\n"
	        "global options:\n"
	        "  --db PATH      the store (default $KOBAN_DB, else ./koban.db)\n"
	        "  --json         NDJSON output, one record per line\n"
	        "  --csv          CSV output with a header row\n"
	        "  --quiet, -q    no progress line, no summaries\n"
	        "  --no-progress  no progress line\n"
	        "  --version      print the version\n"
	        "\n"
	        "exit status: 0 nothing found, 1 findings, 2 error. See koban(1).\n");
}

int main(int argc, char **argv)
{
	cli c = { .fmt = OUT_TABLE, .prog = "koban" };
	const char *env = getenv("KOBAN_DB");
	c.db_path = env && *env ? env : KB_STORE_DEFAULT_PATH;
	bool no_progress = false;

	/* Pull global options out of argv, keep the rest in order. */
	int n = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		} else if (opt_value(argc, argv, &i, "--db", &v)) {
			c.db_path = v;
			c.db_explicit = true;
		} else if (strcmp(a, "--json") == 0) {
			c.fmt = OUT_JSON;
		} else if (strcmp(a, "--csv") == 0) {
			c.fmt = OUT_CSV;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			c.quiet = true;
		} else if (strcmp(a, "--no-progress") == 0) {
			no_progress = true;
		} else if (strcmp(a, "--version") == 0) {
			printf("koban %s (store schema %d)\n", KB_VERSION_STRING, kb_store_schema_latest());
			return EXIT_CLEAN;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	argc = n;
	c.progress = !c.quiet && !no_progress && isatty(STDERR_FILENO);

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_ERROR : EXIT_CLEAN;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[1], verbs[i].name) == 0) {
			int r = verbs[i].run(&c, argc - 1, argv + 1);
			if (fflush(stdout) != 0 || ferror(stdout)) {
				cli_error("writing output failed");
				return EXIT_ERROR;
			}
			return r;
		}
	cli_error("unknown verb \"%s\"", argv[1]);
	usage(stderr);
	return EXIT_ERROR;
}
