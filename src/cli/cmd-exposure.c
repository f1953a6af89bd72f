/*
 * cmd-exposure.c - `koban exposure`: one table in priority order — management
 * interfaces the internet can reach, then affected systems by severity, then
 * what the advisories leave unknown — with asset, owner, what, why and the
 * version to move to. Exit status 1 when anything is affected or exposed.
 * KEV and end-of-life ordering join when those feeds are imported (issue 3).
 */
#include "cli.h"
#include "exposure-cli.h"
#include "koban/exposure.h"
#include "koban/netscan.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage_exposure[] =
	"koban exposure [--asset NAME] [--category C] [--advisory ID] [--kev] [--eol] [--all] [--cpe]";

struct row {
	int prio;        /* lower first */
	char *cells[7];  /* asset, owner, what, status, move_to, severity, why */
};

struct rows {
	struct row *r;
	size_t n, cap;
	bool findings;
	kb_store *s;
	const kb_exposure_filter *f;
	char *category; /* the filter's category, normalised */
};

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Add a row; cell 6 (why) is taken over when `own_why`, copied otherwise. */
static void add_row(struct rows *rs, int prio, const char *const cells[7], char *own_why)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct row *p = realloc(rs->r, cap * sizeof *p);
		if (!p) {
			cli_error("out of memory");
			exit(EXIT_ERROR);
		}
		rs->r = p;
		rs->cap = cap;
	}
	struct row *row = &rs->r[rs->n++];
	row->prio = prio;
	for (int i = 0; i < 7; i++)
		row->cells[i] = i == 6 && own_why ? own_why : dup0(cells[i]);
}

static void add(struct rows *rs, int prio, const char *const cells[7])
{
	add_row(rs, prio, cells, NULL);
}

static const char *owner_of(const kb_asset *a)
{
	return a->field[KB_AF_TECHNICAL_OWNER] ? a->field[KB_AF_TECHNICAL_OWNER] : a->field[KB_AF_BUSINESS_OWNER];
}

static int sev_prio(const char *s)
{
	if (!s)
		return 4;
	if (strcasecmp(s, "CRITICAL") == 0)
		return 1;
	if (strcasecmp(s, "HIGH") == 0)
		return 2;
	return 3;
}

static int on_finding(const kb_finding *f, void *ctx)
{
	struct rows *rs = ctx;
	char what[512];
	snprintf(what, sizeof what, "%s %s", f->name, *f->version ? f->version : "(no version)");
	/* why: every advisory id (CSV and JSON consumers get them all; the table
	 * cuts the cell), then what makes it urgent */
	char tail[768];
	size_t w = 0;
	tail[0] = '\0';
	if (f->kev_added)
		w += (size_t)snprintf(tail + w, sizeof tail - w, "; known exploited (CISA KEV %s)", f->kev_added);
	if (f->epss > 0 && w < sizeof tail)
		w += (size_t)snprintf(tail + w, sizeof tail - w, "; EPSS %.2g", f->epss);
	if (f->status == KB_FS_AFFECTED && !f->fixable && w < sizeof tail)
		w += (size_t)snprintf(tail + w, sizeof tail - w, "; no fix on this branch");
	if (f->eol && w < sizeof tail) {
		w += (size_t)snprintf(tail + w, sizeof tail - w, "; %s is end-of-life%s%s", f->cycle,
		                      f->eol_from ? " since " : "", f->eol_from ? f->eol_from : "");
		if (f->supported_move && w < sizeof tail)
			w += (size_t)snprintf(tail + w, sizeof tail - w, ": move to %s on %s (supported%s%s)",
			                      f->supported_move, f->supported_cycle, f->supported_until ? " until " : "",
			                      f->supported_until ? f->supported_until : "");
	}
	if (f->vex && w < sizeof tail)
		snprintf(tail + w, sizeof tail - w, "; VEX: %s", f->vex);
	size_t na = strlen(f->advisories);
	char *why = malloc(na + strlen(tail) + 1);
	if (!why)
		return KB_ENOMEM;
	memcpy(why, f->advisories, na);
	strcpy(why + na, tail);
	char status[96];
	snprintf(status, sizeof status, "%s%s", kb_fstatus_name(f->status), f->eol ? " + end-of-life" : "");
	const char *cells[7] = { f->asset->field[KB_AF_NAME], owner_of(f->asset), what, status, f->move_to,
		                 f->severity, why };
	/* exposed (0), known exploited, critical .. low, end-of-life, unknown, fixed, not affected */
	int prio = f->status == KB_FS_AFFECTED ? 10 + sev_prio(f->severity) : f->status == KB_FS_FIXED ? 40 : 30;
	if (f->status == KB_FS_AFFECTED && f->kev_added)
		prio = 5;
	else if (f->eol && f->status != KB_FS_FIXED && f->status != KB_FS_NOT_AFFECTED && prio > 20)
		prio = 20;
	if (f->status == KB_FS_NOT_AFFECTED || f->status == KB_FS_NOT_AFFECTED_VEX)
		prio = 50;
	add_row(rs, prio, cells, why); /* the row keeps it */
	if (f->status == KB_FS_AFFECTED)
		rs->findings = true;
	return 0;
}

static int on_public_mgmt(const kb_asset *a, const kb_interface *i, void *ctx)
{
	struct rows *rs = ctx;
	if (rs->f && rs->f->asset && strcmp(rs->f->asset, a->field[KB_AF_NAME]) != 0)
		return 0;
	if (rs->category && strcmp(rs->category, a->field[KB_AF_CATEGORY]) != 0)
		return 0;
	bool outside = false;
	char scan[300] = "";
	if (i->port)
		kb_netscan_open_outside(rs->s, i->address, i->port, i->protocol, &outside, scan, sizeof scan, NULL);
	if (i->exposure != KB_EXPOSURE_PUBLIC && !outside)
		return 0;
	char why[512];
	snprintf(why, sizeof why, "%s%s%s%s",
	         i->exposure != KB_EXPOSURE_PUBLIC ? ""
	         : i->exposure_given                ? "marked public in the ledger"
	                                            : "public address",
	         outside && i->exposure == KB_EXPOSURE_PUBLIC ? "; " : "", outside ? "seen open from outside: " : "",
	         outside ? scan : "");
	char what[512];
	bool v6 = strchr(i->address, ':') != NULL;
	if (i->port)
		snprintf(what, sizeof what, "management %s%s%s:%d/%s", v6 ? "[" : "", i->address, v6 ? "]" : "", i->port,
		         i->protocol);
	else
		snprintf(what, sizeof what, "management %s", i->address);
	const char *cells[7] = { a->field[KB_AF_NAME], owner_of(a), what, "exposed", NULL, NULL, why };
	add(rs, outside ? 0 : 1, cells); /* seen open from outside first */
	rs->findings = true;
	return 0;
}

static int cmp_row(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	if (a->prio != b->prio)
		return a->prio - b->prio;
	int c = strcmp(a->cells[0], b->cells[0]);
	return c ? c : strcmp(a->cells[2], b->cells[2]);
}

int cli_exposure_report(cli *c, kb_store *s, const kb_exposure_filter *f, bool *ret_findings)
{
	struct rows rs = { 0 };
	kb_error err;
	kb_error_clear(&err);
	int r = 0;
	rs.f = f;
	rs.s = s;
	if (f->category && kb_asset_value_normalize(KB_AF_CATEGORY, f->category, &rs.category, &err) < 0)
		r = KB_EINVAL;
	/* exposed interfaces belong to no advisory, KEV entry or cycle: a filter on those leaves them out */
	if (r == 0 && !f->advisory && !f->kev && !f->eol)
		r = kb_ledger_management(s, on_public_mgmt, &rs, &err);
	if (r == 0)
		r = kb_exposure_run(s, f, on_finding, &rs, &err);
	if (r < 0) {
		cli_report(&err);
	} else {
		if (rs.n) /* qsort wants a valid pointer even for none */
			qsort(rs.r, rs.n, sizeof *rs.r, cmp_row);
		static const char *const keys[] = { "asset", "owner", "what", "status", "move_to", "severity", "why" };
		static const char *const titles[] = { "ASSET", "OWNER", "WHAT", "STATUS", "MOVE TO", "SEVERITY", "WHY" };
		table *t = table_new(c, 7, keys, titles);
		table_set_kind(t, "exposure");
		for (size_t i = 0; i < rs.n; i++)
			table_row(t, (const char *const *)rs.r[i].cells);
		table_end(t);
		if (c->fmt == OUT_TABLE && rs.n == 0)
			printf("nothing affected or exposed\n");
	}
	for (size_t i = 0; i < rs.n; i++)
		for (int k = 0; k < 7; k++)
			free(rs.r[i].cells[k]);
	free(rs.r);
	free(rs.category);
	if (ret_findings)
		*ret_findings = rs.findings;
	return r;
}

static int noop_asset(const kb_asset *a, void *ctx)
{
	(void)a;
	(void)ctx;
	return 0;
}

/* KOBAN_TODAY: YYYY-MM-DD, or unset/empty for the current date. */
const char *cli_today(void)
{
	const char *t = getenv("KOBAN_TODAY");
	if (!t || !*t)
		return NULL;
	int y, m, d;
	char tail;
	if (strlen(t) != 10 || sscanf(t, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
		cli_error("KOBAN_TODAY=%s: expected a date as YYYY-MM-DD", t);
		exit(EXIT_ERROR);
	}
	return t;
}

int cmd_exposure(cli *c, int argc, char **argv)
{
	kb_exposure_filter f = { .today = cli_today() };
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--asset", &v))
			f.asset = v;
		else if (opt_value(argc, argv, &i, "--category", &v))
			f.category = v;
		else if (opt_value(argc, argv, &i, "--advisory", &v))
			f.advisory = v;
		else if (strcmp(argv[i], "--kev") == 0)
			f.kev = true;
		else if (strcmp(argv[i], "--eol") == 0)
			f.eol = true;
		else if (strcmp(argv[i], "--all") == 0)
			f.all = true;
		else if (strcmp(argv[i], "--cpe") == 0)
			f.cpe = true;
		else {
			cli_usage_error(usage_exposure, "unexpected argument %s", argv[i]);
			return EXIT_ERROR;
		}
	}
	kb_store *s;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	kb_error aerr;
	kb_error_clear(&aerr);
	if (f.asset && kb_ledger_asset(s, f.asset, noop_asset, NULL, &aerr) < 0) {
		cli_report(&aerr);
		kb_store_close(s);
		return EXIT_ERROR;
	}
	int64_t known = 1;
	if (f.advisory && kb_advisories_known(s, f.advisory, &known, &aerr) == 0 && !known) {
		cli_error("no advisory \"%s\" (by id or alias) in the store", f.advisory);
		kb_store_close(s);
		return EXIT_ERROR;
	}
	bool findings = false;
	int r = cli_exposure_report(c, s, &f, &findings);
	kb_store_close(s);
	if (r < 0)
		return EXIT_ERROR;
	return findings ? EXIT_FINDINGS : EXIT_CLEAN;
}
