/*
 * cmd-triage.c - `koban triage DIR`: the main job. Import an organisation
 * bundle into a fresh store and report what a response team asks first.
 *
 * A bundle is a directory with conventional folders:
 *   ledger/   asset, interface and component sheets (CSV) and ledger JSON;
 *   sboms/    SBOMs named after their asset: ASSET.cdx.json, ASSET.spdx.json,
 *             ASSET.json, or any *.json inside a folder sboms/ASSET/;
 *   advisories/, scans/  (see below);
 *   artifacts/ASSET/  a system's files (application trees, jars): scanned
 *             for Java and its libraries (`koban scan`), every copy found
 *             written to that asset's ledger before exposure is judged;
 *   iocs/     indicators of compromise (STIX 2.1, MISP, CSV, lists);
 *   logs/     logs, any compression: hunted for Log4Shell and the IOCs;
 *   flows/    network flows (Zeek logs, pcap, nfdump CSV) and an optional
 *             detect.conf: behaviours detected, hosts ranked (`koban detect`).
 * The store is in memory unless --db PATH is given, in which case PATH must
 * not exist yet (or --replace says to start it afresh): triage never mixes a
 * bundle into an existing ledger.
 *
 * Sections: systems by category, owners, systems without a technical owner,
 * management interfaces on public addresses, Java and Log4j in the
 * artifacts, exposure, the hunt in the logs, detections in the flows. Exit
 * status 1 when any management interface is public or exposed, a system is
 * affected, a vulnerable Log4j copy or a log hit is found, or a host ranks at
 * or above the detection threshold; 2 when any input failed.
 */
#include "cli.h"
#include "exposure-cli.h"
#include "import.h"
#include "koban/detect.h"
#include "koban/flowstore.h"
#include "koban/netscan.h"
#include "koban/ioc.h"
#include "koban/scan.h"
#include "koban/scanwalk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_triage[] = "koban triage [--db PATH [--replace]] DIR";

#define TRIAGE_MAX_FILES 100000 /* files taken from one bundle folder */

struct list {
	char **paths;
	char **assets;
	int n, cap;
};

static int list_add(struct list *l, char *path, char *asset)
{
	if (l->n == TRIAGE_MAX_FILES) {
		cli_error("%s: more than %d files in the bundle; split it", path, TRIAGE_MAX_FILES);
		free(path);
		free(asset);
		return -1;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->paths = realloc(l->paths, (size_t)l->cap * sizeof *l->paths);
		l->assets = realloc(l->assets, (size_t)l->cap * sizeof *l->assets);
		if (!l->paths || !l->assets) {
			cli_error("out of memory");
			exit(EXIT_ERROR);
		}
	}
	l->paths[l->n] = path;
	l->assets[l->n] = asset;
	l->n++;
	return 0;
}

static void list_clear(struct list *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->paths[i]);
		free(l->assets[i]);
	}
	free(l->paths);
	free(l->assets);
	*l = (struct list){ 0 };
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && strcasecmp(s + n - m, suf) == 0;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);
	if (!p) {
		cli_error("out of memory");
		exit(EXIT_ERROR);
	}
	snprintf(p, n, "%s/%s", a, b);
	return p;
}

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* The asset an SBOM file name describes: strip .cdx.json, .spdx.json, .json. */
static char *asset_of(const char *file)
{
	static const char *const sufs[] = { ".cdx.json", ".cyclonedx.json", ".spdx.json", ".bom.json", ".json" };
	for (size_t i = 0; i < sizeof sufs / sizeof sufs[0]; i++)
		if (has_suffix(file, sufs[i]))
			return strndup(file, strlen(file) - strlen(sufs[i]));
	return NULL;
}

int cli_import_scans(cli *c, kb_store *s, int n, char *const paths[], const kb_vantage *from, unsigned *ok,
                     unsigned *failed);

/* Returns -1 when a folder held more than TRIAGE_MAX_FILES files (reported). */
static int collect(const char *dir, struct list *ledger, struct list *sboms)
{
	int status = 0;
	struct dirent **ents;
	char *ld = join(dir, "ledger");
	int n = is_dir(ld) ? scandir(ld, &ents, no_dots, alphasort) : 0;
	for (int i = 0; i < n; i++) {
		char *p = join(ld, ents[i]->d_name);
		if (is_file(p) && (has_suffix(p, ".csv") || has_suffix(p, ".json")))
			status |= list_add(ledger, p, NULL);
		else
			free(p);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	free(ld);
	char *sd = join(dir, "sboms");
	n = is_dir(sd) ? scandir(sd, &ents, no_dots, alphasort) : 0;
	for (int i = 0; i < n; i++) {
		char *p = join(sd, ents[i]->d_name);
		if (is_file(p)) {
			char *asset = asset_of(ents[i]->d_name);
			if (asset)
				status |= list_add(sboms, p, asset);
			else {
				cli_warn("%s: not an SBOM name (ASSET.cdx.json, ASSET.spdx.json); skipped", p);
				free(p);
			}
		} else if (is_dir(p)) {
			struct dirent **sub;
			int m = scandir(p, &sub, no_dots, alphasort);
			for (int j = 0; j < m; j++) {
				char *q = join(p, sub[j]->d_name);
				if (is_file(q) && has_suffix(q, ".json"))
					status |= list_add(sboms, q, strdup(ents[i]->d_name));
				else
					free(q);
				free(sub[j]);
			}
			if (m > 0)
				free(sub);
			free(p);
		} else {
			free(p);
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	free(sd);
	return status;
}

static const char *const categories[] = { "external", "internal", "saas", "client" };

struct counts {
	int64_t by_cat[4];
	int64_t total;
};

static int count_cat(const char *value, int64_t n, void *ctx)
{
	struct counts *c = ctx;
	for (int i = 0; i < 4; i++)
		if (value && strcmp(value, categories[i]) == 0)
			c->by_cat[i] = n;
	c->total += n;
	return 0;
}

struct owners {
	table *t;
	bool human;
};

static int owner_row(const char *value, int64_t n, void *ctx)
{
	struct owners *o = ctx;
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)n);
	const char *v[] = { value ? value : (o->human ? "(none)" : NULL), num };
	table_row(o->t, v);
	return 0;
}

static int unowned_row(const kb_asset *a, void *ctx)
{
	if (a->field[KB_AF_TECHNICAL_OWNER])
		return 0;
	const char *v[] = { a->field[KB_AF_NAME], a->field[KB_AF_CATEGORY], a->field[KB_AF_PRODUCT],
		            a->field[KB_AF_BUSINESS_OWNER] };
	table_row(ctx, v);
	return 0;
}

struct pubmgmt {
	table *t;
	int64_t n;
};

static int pubmgmt_row(const kb_asset *a, const kb_interface *i, void *ctx)
{
	struct pubmgmt *pm = ctx;
	char port[16] = "";
	if (i->port)
		snprintf(port, sizeof port, "%d", i->port);
	char prod[512];
	snprintf(prod, sizeof prod, "%s%s%s", a->field[KB_AF_PRODUCT] ? a->field[KB_AF_PRODUCT] : "",
	         a->field[KB_AF_VERSION] ? " " : "", a->field[KB_AF_VERSION] ? a->field[KB_AF_VERSION] : "");
	const char *why = i->exposure_given ? "marked public in the ledger" : "public address";
	const char *v[] = { a->field[KB_AF_NAME], i->address, port, i->protocol, prod,
		            a->field[KB_AF_TECHNICAL_OWNER] ? a->field[KB_AF_TECHNICAL_OWNER] : a->field[KB_AF_BUSINESS_OWNER],
		            why };
	table_row(pm->t, v);
	pm->n++;
	return 0;
}

/* flows/: every file but detect.conf imported (a bad one reported, the
 * others kept), then the detectors with detect.conf when there is one. */
static int triage_detect(cli *c, kb_store *s, const char *fdir, bool *ret_alarm)
{
	int status = EXIT_CLEAN;
	struct dirent **ents;
	int n = scandir(fdir, &ents, no_dots, alphasort);
	kb_detect_config *cfg = malloc(sizeof *cfg);
	if (!cfg) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	kb_detect_config_default(cfg);
	for (int i = 0; i < n; i++) {
		char *p = join(fdir, ents[i]->d_name);
		struct stat st;
		kb_error err;
		kb_error_clear(&err);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			if (strcmp(ents[i]->d_name, "detect.conf") == 0) {
				if (kb_detect_config_load(p, cfg, &err) < 0) {
					cli_report(&err);
					status = EXIT_ERROR;
				}
			} else if (strcmp(ents[i]->d_name, "README.txt") != 0 &&
			           kb_flows_import_file(s, p, NULL, NULL, &err) < 0) {
				cli_report(&err);
				status = EXIT_ERROR;
			}
		}
		free(p);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	kb_ioc_set *set = NULL;
	kb_error err;
	kb_error_clear(&err);
	if (kb_iocs_load(s, cli_today(), &set, &err) < 0) {
		cli_report(&err);
		status = EXIT_ERROR;
	}
	kb_detect_opts o = { .iocs = set };
	cli quiet = *c;
	quiet.quiet = true;
	int r = cli_detect_report(&quiet, s, cfg, &o, ret_alarm);
	if (r == EXIT_ERROR)
		status = EXIT_ERROR;
	kb_ioc_set_free(set);
	free(cfg);
	return status;
}

int cmd_triage(cli *c, int argc, char **argv)
{
	const char *dir = NULL;
	bool replace = false;
	bool opts_done = false;
	for (int i = 1; i < argc; i++) {
		if (!opts_done && strcmp(argv[i], "--") == 0)
			opts_done = true;
		else if (!opts_done && strcmp(argv[i], "--replace") == 0)
			replace = true;
		else if (!opts_done && argv[i][0] == '-' && argv[i][1]) {
			cli_usage_error(usage_triage, "unknown option %s", argv[i]);
			return EXIT_ERROR;
		} else if (!dir)
			dir = argv[i];
		else {
			cli_usage_error(usage_triage, "name one bundle directory");
			return EXIT_ERROR;
		}
	}
	if (!dir) {
		cli_usage_error(usage_triage, "name the bundle directory (e.g. examples/acme)");
		return EXIT_ERROR;
	}
	if (!is_dir(dir)) {
		cli_error("%s: not a directory: expected an organisation bundle (ledger/, sboms/, ...)", dir);
		return EXIT_ERROR;
	}
	const char *db = KB_STORE_MEMORY;
	if (c->db_explicit) {
		db = c->db_path;
		if (access(db, F_OK) == 0) {
			if (!replace) {
				cli_error("%s: exists; triage builds a fresh store (add --replace to start it afresh)", db);
				return EXIT_ERROR;
			}
			char side[4096];
			unlink(db);
			snprintf(side, sizeof side, "%s-wal", db);
			unlink(side);
			snprintf(side, sizeof side, "%s-shm", db);
			unlink(side);
		}
	}
	cli sc = *c;
	sc.db_path = db;
	kb_store *s;
	if (cli_open_store(&sc, true, &s) < 0)
		return EXIT_ERROR;

	struct list ledger = { 0 }, sboms = { 0 };
	int collected = collect(dir, &ledger, &sboms);
	if (collected < 0) {
		/* a bundle past the limit is not triaged in part */
		list_clear(&ledger);
		list_clear(&sboms);
	} else if (ledger.n == 0) {
		cli_warn("%s/ledger: no ledger files (*.csv, *.json)", dir);
	}

	import_totals tot = { .silent = true };
	int status = collected < 0 ? EXIT_ERROR : EXIT_CLEAN;
	if (ledger.n && cli_import_files(c, s, ledger.n, (const char *const *)ledger.paths, NULL,
	                                 KB_LEDGER_FMT_AUTO, &tot) != EXIT_CLEAN)
		status = EXIT_ERROR;
	if (sboms.n && cli_import_files(c, s, sboms.n, (const char *const *)sboms.paths,
	                                (const char *const *)sboms.assets, KB_LEDGER_FMT_AUTO, &tot) != EXIT_CLEAN)
		status = EXIT_ERROR;

	/* Advisories: the whole advisories/ folder (OSV, CVE JSON 5, KEV, EPSS,
	 * end-of-life data). */
	unsigned adv_ok = 0, adv_failed = 0;
	if (collected == 0) {
		char *adir = join(dir, "advisories");
		if (is_dir(adir) && cli_import_advisories(c, s, 1, &adir, KB_ADV_FMT_AUTO, &adv_ok, &adv_failed) != EXIT_CLEAN)
			status = EXIT_ERROR;
		free(adir);
		/* Network scans: the .xml files in scans/, run from inside when the name says
		 * "internal", from outside otherwise. */
		char *sdir = join(dir, "scans");
		struct dirent **ents;
		int ns = is_dir(sdir) ? scandir(sdir, &ents, no_dots, alphasort) : 0;
		for (int i = 0; i < ns; i++) {
			if (has_suffix(ents[i]->d_name, ".xml")) {
				char *p = join(sdir, ents[i]->d_name);
				kb_vantage v = strstr(ents[i]->d_name, "internal") ? KB_VANTAGE_INTERNAL : KB_VANTAGE_EXTERNAL;
				cli quiet = *c; /* no per-file lines inside the report */
				quiet.quiet = true;
				if (cli_import_scans(&quiet, s, 1, &p, &v, &adv_ok, &adv_failed) != EXIT_CLEAN)
					status = EXIT_ERROR;
				free(p);
			}
			free(ents[i]);
		}
		if (ns > 0)
			free(ents);
		free(sdir);
	}

	/* Artifacts: artifacts/ASSET/ trees, scanned before anything is judged so
	 * that what the scan finds is in the ledger the exposure section reads.
	 * The table comes later, with the other sections. */
	cli_scan_job *scan_jobs = NULL;
	size_t n_scan = 0;
	if (collected == 0) {
		char *adir = join(dir, "artifacts");
		struct dirent **ents;
		int na = is_dir(adir) ? scandir(adir, &ents, no_dots, alphasort) : 0;
		scan_jobs = na > 0 ? calloc((size_t)na, sizeof *scan_jobs) : NULL;
		for (int i = 0; i < na; i++) {
			char *p = join(adir, ents[i]->d_name);
			if (scan_jobs && is_dir(p)) {
				scan_jobs[n_scan].root = p;
				scan_jobs[n_scan++].asset = strdup(ents[i]->d_name);
			} else {
				free(p);
			}
			free(ents[i]);
		}
		if (na > 0)
			free(ents);
		free(adir);
	}

	/* IOCs: every file in iocs/, before the logs are hunted */
	unsigned ioc_files = 0;
	if (collected == 0) {
		char *idir = join(dir, "iocs");
		struct dirent **ents;
		int ni = is_dir(idir) ? scandir(idir, &ents, no_dots, alphasort) : 0;
		for (int i = 0; i < ni; i++) {
			char *p = join(idir, ents[i]->d_name);
			struct stat st;
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				kb_ioc_import_opts io = { .today = cli_today() };
				kb_error ierr;
				kb_error_clear(&ierr);
				if (kb_iocs_import_file(s, p, &io, NULL, &ierr) < 0) {
					cli_report(&ierr);
					status = EXIT_ERROR;
				} else {
					ioc_files++;
				}
			}
			free(p);
			free(ents[i]);
		}
		if (ni > 0)
			free(ents);
		free(idir);
	}

	kb_error err;
	kb_error_clear(&err);
	struct counts cnt = { { 0 }, 0 };
	int r = kb_ledger_count_by(s, KB_AF_CATEGORY, count_cat, &cnt, &err);

	if (c->fmt == OUT_TABLE && !c->quiet) {
		printf("koban triage %s\n", dir);
		printf("imported %u of %u files: %lld systems, %llu interfaces, %llu components, %u advisories and scans%s\n",
		       tot.files + adv_ok, tot.files + tot.failed + adv_ok + adv_failed, (long long)cnt.total,
		       (unsigned long long)tot.interfaces, (unsigned long long)tot.components, adv_ok,
		       tot.failed || adv_failed ? " (some files failed: see above)" : "");
	}

	if (r == 0) {
		cli_heading(c, "Systems by category");
		static const char *const keys[] = { "category", "systems" };
		static const char *const titles[] = { "CATEGORY", "SYSTEMS" };
		table *t = table_new(c, 2, keys, titles);
		table_set_numeric(t, 2);
		table_set_kind(t, "category");
		for (int i = 0; i < 4; i++) {
			char num[24];
			snprintf(num, sizeof num, "%lld", (long long)cnt.by_cat[i]);
			const char *v[] = { categories[i], num };
			table_row(t, v);
		}
		table_end(t);
	}
	if (r == 0) {
		cli_heading(c, "Owners (technical)");
		static const char *const keys[] = { "technical_owner", "systems" };
		static const char *const titles[] = { "TECHNICAL OWNER", "SYSTEMS" };
		table *t = table_new(c, 2, keys, titles);
		table_set_numeric(t, 2);
		table_set_kind(t, "owner");
		struct owners o = { t, c->fmt == OUT_TABLE };
		r = kb_ledger_count_by(s, KB_AF_TECHNICAL_OWNER, owner_row, &o, &err);
		table_end(t);
	}
	if (r == 0) {
		cli_heading(c, "Systems without a technical owner");
		static const char *const keys[] = { "name", "category", "product", "business_owner" };
		static const char *const titles[] = { "NAME", "CATEGORY", "PRODUCT", "BUSINESS OWNER" };
		table *t = table_new(c, 4, keys, titles);
		table_set_kind(t, "unowned");
		r = kb_ledger_assets(s, NULL, unowned_row, t, &err);
		table_end(t);
	}
	struct pubmgmt pm = { 0 };
	if (r == 0) {
		cli_heading(c, "Management interfaces on public addresses");
		static const char *const keys[] = { "asset", "address", "port", "protocol", "product", "owner", "why" };
		static const char *const titles[] = { "ASSET", "ADDRESS", "PORT", "PROTO", "PRODUCT", "OWNER", "WHY" };
		pm.t = table_new(c, 7, keys, titles);
		table_set_numeric(pm.t, 4);
		table_set_kind(pm.t, "public_management");
		r = kb_ledger_public_management(s, pubmgmt_row, &pm, &err);
		table_end(pm.t);
		if (c->fmt == OUT_TABLE && pm.n == 0)
			printf("none\n");
	}
	bool vulnerable_copies = false;
	if (r == 0 && n_scan) {
		cli_heading(c, "Java and Log4j in the artifacts");
		kb_scanner_opts so = { 0 };
		cli quiet = *c; /* the scan's summary and per-asset lines stay out of the report */
		quiet.quiet = true;
		if (cli_scan_run(&quiet, s, scan_jobs, n_scan, &so, false, true, &vulnerable_copies, NULL) != EXIT_CLEAN)
			status = EXIT_ERROR;
	}
	bool exposed = false;
	if (r == 0 && adv_ok) {
		cli_heading(c, "Exposure: what is affected or exposed, and what to move to");
		kb_exposure_filter ef = { .today = cli_today() };
		if (cli_exposure_report(c, s, &ef, &exposed) < 0)
			status = EXIT_ERROR;
	}
	bool hits = false;
	char *ldir = collected == 0 ? join(dir, "logs") : NULL;
	if (r == 0 && ldir && is_dir(ldir)) {
		cli_heading(c, "Hunt: exploitation and indicators of compromise in the logs");
		kb_ioc_set *set = NULL;
		kb_error herr;
		kb_error_clear(&herr);
		if (ioc_files && kb_iocs_load(s, cli_today(), &set, &herr) < 0) {
			cli_report(&herr);
			status = EXIT_ERROR;
		}
		kb_asset_resolver *res = NULL;
		if (kb_asset_resolver_new(s, &res, &herr) < 0) {
			cli_report(&herr);
			status = EXIT_ERROR;
		}
		cli quiet = *c; /* the summary line stays out of the report */
		quiet.quiet = true;
		kb_scan_opts wo = { 0 };
		const char *roots[] = { ldir };
		cli_hunt_opts ho = { .iocs = set, .store = s, .assets = res, .walk = &wo };
		if (cli_hunt_run(&quiet, &ho, roots, 1, false, &hits) == EXIT_ERROR)
			status = EXIT_ERROR;
		kb_asset_resolver_free(res);
		kb_ioc_set_free(set);
	}
	free(ldir);
	bool alarm = false;
	char *fdir = collected == 0 ? join(dir, "flows") : NULL;
	if (r == 0 && fdir && is_dir(fdir)) {
		cli_heading(c, "Detect: behaviours in the network flows, hosts ranked");
		if (triage_detect(c, s, fdir, &alarm) == EXIT_ERROR)
			status = EXIT_ERROR;
	}
	free(fdir);
	if (r < 0) {
		cli_report(&err);
		status = EXIT_ERROR;
	}
	list_clear(&ledger);
	list_clear(&sboms);
	for (size_t i = 0; i < n_scan; i++) {
		free((char *)scan_jobs[i].root);
		free((char *)scan_jobs[i].asset);
	}
	free(scan_jobs);
	kb_store_close(s);
	if (status == EXIT_CLEAN && (pm.n > 0 || exposed || vulnerable_copies || hits || alarm))
		status = EXIT_FINDINGS;
	return status;
}
