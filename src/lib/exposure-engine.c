/*
 * exposure-engine.c - the ledger against the stored advisories.
 *
 * Two passes. First every distinct (ecosystem, name, version) of the
 * components in scope is gathered from the store in name order, and all the
 * versions of one package are judged together by exposure-steps.c, each
 * advisory read once (from its compact record) for all of them; the verdicts
 * are kept in a map. Then the assets are walked in name order: each asset's
 * own vendor/product/version/modules is judged here by the reference rules,
 * and each component is given its verdict from the map (judged on the spot
 * when the first pass did not see it, and again with the asset in hand when a
 * VEX statement may speak of it).
 *
 * The verdict of a product or component is the worst status over its
 * advisories, in the order affected, unknown: never evaluated, unknown:
 * newer, unknown: no version, fixed, not affected.
 */
#include "exposure-internal.h"
#include "koban/cpe.h"
#include "store-internal.h"

#include "util-str.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define KB_EXPOSURE_CACHE_KEYS 64    /* products whose parsed advisories are kept while assets are judged */
/* The ids behind one verdict: in practice bounded by the advisories stored
 * (a kernel version behind some 3,000 CVEs is 50 KiB); this only keeps the
 * buffer's own arithmetic safe. */
#define KB_EXPOSURE_MAX_IDS ((size_t)1 << 40)
#define KB_EXPOSURE_THREADS 2        /* workers judging packages in pass 1 (the machine koban is made for has 2 cores) */

xp_verdict xp_none;

static int sev_rank(const char *s)
{
	if (!s)
		return 0;
	if (strcasecmp(s, "CRITICAL") == 0)
		return 4;
	if (strcasecmp(s, "HIGH") == 0)
		return 3;
	if (strcasecmp(s, "MODERATE") == 0 || strcasecmp(s, "MEDIUM") == 0)
		return 2;
	return strcasecmp(s, "LOW") == 0 ? 1 : 0;
}

/* The advisories naming one product or package, parsed once and kept while
 * they are used: an estate repeats the same products on many systems. */
struct cached {
	uint64_t hash;
	char *key;
	kb_advisory **advs;
	size_t n;
	uint64_t used;
};

struct cache {
	struct cached slot[KB_EXPOSURE_CACHE_KEYS];
	uint64_t clock;
};

static uint64_t hash_key(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = a; *p; p++)
		h = (h ^ (unsigned char)(*p | 0x20)) * 1099511628211ull;
	h = (h ^ 0x1f) * 1099511628211ull;
	for (const char *p = b; *p; p++)
		h = (h ^ (unsigned char)(*p | 0x20)) * 1099511628211ull;
	return h;
}

/* The parsed advisories naming k1/k2, from the cache or the store. Borrowed
 * until the run ends or the entry is evicted (never during one judgement). */
static int cached_load(struct xp_run *ru, const char *k1, const char *k2, kb_advisory ***ret, size_t *ret_n)
{
	struct cache *ca = ru->cache;
	uint64_t h = hash_key(k1, k2);
	size_t need = strlen(k1) + strlen(k2) + 2;
	char *key = malloc(need);
	if (!key)
		return KB_ENOMEM;
	snprintf(key, need, "%s\x1f%s", k1, k2);
	struct cached *victim = &ca->slot[0];
	for (size_t i = 0; i < KB_EXPOSURE_CACHE_KEYS; i++) {
		struct cached *c = &ca->slot[i];
		if (c->key && c->hash == h && strcasecmp(c->key, key) == 0) {
			c->used = ++ca->clock;
			*ret = c->advs;
			*ret_n = c->n;
			free(key);
			return 0;
		}
		if (!c->key || c->used < victim->used)
			victim = c;
		if (!c->key)
			break;
	}
	kb_advisory **advs = NULL;
	size_t n = 0;
	int r = kb_advisories_load(ru->s, k1, k2, &advs, &n, ru->err);
	if (r < 0) {
		free(key);
		return r;
	}
	kb_advisory_list_free(victim->advs, victim->n);
	free(victim->key);
	*victim = (struct cached){ h, key, advs, n, ++ca->clock };
	*ret = advs;
	*ret_n = n;
	return 0;
}

/* The highest fix any entry names on `cycle`'s branch, or NULL. */
static const char *fix_on_cycle(const kb_advisory_affected *const *entries, size_t n, const char *cycle)
{
	const char *best = NULL;
	size_t cl = strlen(cycle);
	for (size_t i = 0; i < n; i++) {
		const kb_affected *m = &entries[i]->match;
		for (size_t r = 0; r < m->n_ranges; r++) {
			const kb_range *rg = &m->ranges[r];
			bool on = false;
			for (size_t e = 0; e < rg->n_events; e++) {
				const kb_range_event *ev = &rg->events[e];
				if (ev->kind == KB_EVENT_INTRODUCED)
					on = strncmp(ev->version, cycle, cl) == 0 &&
					     (ev->version[cl] == '.' || ev->version[cl] == '\0');
				else if (on && ev->kind == KB_EVENT_FIXED) {
					int d = 1;
					if (!best || (kb_version_cmp(m->scheme, ev->version, best, &d) == 0 && d > 0))
						best = ev->version;
				}
			}
		}
	}
	return best;
}

static bool same_eco(const char *a, const char *b)
{
	size_t na = strcspn(a, ":"), nb = strcspn(b, ":");
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* Is the advisory `id`, or does it have `id` as an alias? */
static bool names(const kb_advisory *a, const char *id)
{
	if (strcasecmp(a->id, id) == 0)
		return true;
	for (size_t i = 0; i < a->n_aliases; i++)
		if (strcasecmp(a->aliases[i], id) == 0)
			return true;
	return false;
}

bool xp_cve_number(const char *id, uint64_t *ret)
{
	if (strncasecmp(id, "CVE-", 4) != 0)
		return false;
	const char *p = id + 4;
	uint64_t year = 0, seq = 0;
	int d = 0;
	for (; *p >= '0' && *p <= '9'; p++, d++)
		year = year * 10 + (uint64_t)(*p - '0');
	if (d != 4 || *p++ != '-')
		return false;
	for (d = 0; *p >= '0' && *p <= '9'; p++, d++)
		seq = seq * 10 + (uint64_t)(*p - '0');
	if (d < 4 || d > 12 || *p)
		return false;
	*ret = year * 1000000000000ull + seq;
	return true;
}

static size_t cve_slot(uint64_t cve, size_t mask)
{
	cve *= 0x9e3779b97f4a7c15ull;
	return (size_t)(cve >> 17) & mask;
}

static double scores_get(const struct xp_scores *t, const char *id)
{
	uint64_t cve;
	if (!t || !t->cap || !xp_cve_number(id, &cve))
		return 0;
	for (size_t i = cve_slot(cve, t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->slot[i].cve == cve)
			return t->slot[i].score;
		if (!t->slot[i].cve)
			return 0;
	}
}

int xp_entries(struct xp_run *ru, kb_advisory *const *advs, size_t nadv, bool product, const char *k1,
               const char *k2, xp_entry **ret, size_t *ret_n)
{
	size_t total = 0;
	for (size_t i = 0; i < nadv; i++)
		total += advs[i]->n_affected;
	xp_entry *e = malloc((total ? total : 1) * sizeof *e);
	if (!e)
		return KB_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < nadv; i++) {
		if (advs[i]->withdrawn || (ru->f->advisory && !names(advs[i], ru->f->advisory)))
			continue;
		for (size_t j = 0; j < advs[i]->n_affected; j++) {
			const kb_advisory_affected *af = &advs[i]->affected[j];
			bool hit;
			if (!product && strcmp(k1, "cpe") == 0) { /* by the entry's CPE vendor:product */
				kb_cpe c;
				char vp[2 * KB_CPE_MAX_PART + 2];
				hit = af->cpe && kb_cpe_parse(af->cpe, &c, NULL) == 0 && kb_cpe_specific(&c) &&
				      (size_t)snprintf(vp, sizeof vp, "%s:%s", c.vendor, c.product) < sizeof vp &&
				      strcasecmp(vp, k2) == 0;
			} else if (!product && advs[i]->n_affected == 1 && af->ecosystem && af->package && !af->vendor) {
				/* the store found it by this name, and its one entry names
				 * nothing else: no need to compare again */
				hit = true;
			} else {
				hit = product ? (af->vendor && af->product && strcasecmp(af->vendor, k1) == 0 &&
				                 strcasecmp(af->product, k2) == 0)
				              : (af->ecosystem && af->package && same_eco(af->ecosystem, k1) &&
				                 strcasecmp(af->package, k2) == 0);
			}
			if (hit)
				e[n++] = (xp_entry){ af, advs[i], NULL, 0 };
		}
	}
	/* KEV and EPSS once per advisory, not once per verdict it stands behind */
	for (size_t i = 0; i < n && (ru->kev.n || ru->epss); i++) {
		if (i > 0 && e[i].owner == e[i - 1].owner) {
			e[i].kev = e[i - 1].kev;
			e[i].epss = e[i - 1].epss;
			continue;
		}
		for (size_t k = 0; k <= e[i].owner->n_aliases; k++) {
			const char *id = k == 0 ? e[i].owner->id : e[i].owner->aliases[k - 1];
			if (strncmp(id, "CVE-", 4) != 0)
				continue;
			const char *added = kb_map_get(&ru->kev, id, strlen(id));
			if (!e[i].kev && added)
				e[i].kev = added;
			double ep = scores_get(ru->epss, id);
			if (ep > e[i].epss)
				e[i].epss = ep;
		}
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void xp_verdict_clear(xp_verdict *v)
{
	if (!v || v == &xp_none)
		return;
	free(v->ecosystem);
	free(v->name);
	free(v->version);
	free(v->ids);
	free(v->move_to);
	free(v->severity);
	free(v->sup_move);
	free(v->eol);
	memset(v, 0, sizeof *v);
}

static void verdict_free(void *p)
{
	if (p != &xp_none) {
		xp_verdict_clear(p);
		free(p);
	}
}

bool xp_vex_open(struct xp_run *ru, const xp_entry *e, size_t n, const xp_st *st)
{
	if (!ru->have_vex)
		return false;
	char low[256];
	for (size_t i = 0; i < n; i++) {
		if (xp_rank(st[i]) <= xp_rank(KB_FS_FIXED) || (i > 0 && e[i].owner == e[i - 1].owner))
			continue;
		for (size_t k = 0; k <= e[i].owner->n_aliases; k++) {
			const char *id = k == 0 ? e[i].owner->id : e[i].owner->aliases[k - 1];
			size_t len = strlen(id);
			if (len >= sizeof low)
				continue;
			for (size_t c = 0; c <= len; c++)
				low[c] = (char)((id[c] >= 'A' && id[c] <= 'Z') ? id[c] + 32 : id[c]);
			if (kb_map_get(&ru->vex_ids, low, len))
				return true;
		}
	}
	return false;
}

int xp_finish(struct xp_run *ru, const xp_entry *e, size_t n, const xp_st *st, kb_fstatus worst,
              const char *move, bool fixable, bool product, const char *k1, const char *k2, const char *version,
              const char *modules, const char *purl, const char *vex_why, xp_verdict *out)
{
	memset(out, 0, sizeof *out);
	out->show = n && (ru->f->all || xp_rank(worst) > xp_rank(KB_FS_FIXED));
	if (!out->show)
		return 0;
	kb_buf_reset(&ru->ids);
	const char *sev = NULL, *seen_sev = NULL;
	int sev_r = 0, seen_r = 0;
	const kb_advisory *last = NULL;
	for (size_t i = 0; i < n; i++) {
		if (st[i] != (xp_st)worst || e[i].owner == last)
			continue;
		last = e[i].owner;
		if (ru->ids.len)
			kb_buf_putc(&ru->ids, ',');
		kb_buf_puts(&ru->ids, e[i].owner->id);
		const char *os = e[i].owner->severity;
		if (os != seen_sev) { /* severities repeat: rank each text once in a row */
			seen_sev = os;
			seen_r = sev_rank(os);
		}
		if (seen_r > sev_r) {
			sev = os;
			sev_r = seen_r;
		}
	}
	/* KEV and EPSS for the CVEs behind the verdict, not behind "fixed" */
	const char *kev = NULL;
	double epss = 0;
	last = NULL;
	for (size_t i = 0; i < n && xp_rank(worst) > xp_rank(KB_FS_FIXED) && (ru->kev.n || ru->epss); i++) {
		if (st[i] != (xp_st)worst || e[i].owner == last)
			continue;
		last = e[i].owner;
		if (!kev && e[i].kev)
			kev = e[i].kev;
		if (e[i].epss > epss)
			epss = e[i].epss;
	}
	/* end of life, and the lowest safe version on a supported branch */
	kb_eol_info eol;
	bool have_eol = ru->have_eol && version && *version &&
	                kb_eol_lookup(ru->s, product ? k2 : (purl ? purl : k2), version, ru->today, &eol, NULL) == 0;
	const char *sup_move = NULL;
	if (have_eol && eol.eol && eol.next_cycle[0]) {
		const kb_advisory_affected **afs = malloc((n ? n : 1) * sizeof *afs);
		if (!afs)
			return KB_ENOMEM;
		for (size_t i = 0; i < n; i++)
			afs[i] = e[i].af;
		sup_move = fix_on_cycle(afs, n, eol.next_cycle);
		if (!sup_move && eol.next_latest[0])
			sup_move = eol.next_latest;
		const char *again = NULL;
		if (sup_move && kb_exposure_move_to(afs, n, sup_move, modules, &again, NULL, NULL) == 0 && again)
			sup_move = again; /* that version is itself affected: the fix above it */
		out->sup_move = dup_or_null(sup_move);
		free(afs);
	}
	out->ecosystem = strdup(k1);
	out->name = strdup(k2);
	out->version = strdup(version ? version : "");
	out->ids = kb_buf_detach(&ru->ids); /* the buffer starts again empty */
	char *fit = out->ids ? realloc(out->ids, strlen(out->ids) + 1) : NULL;
	if (fit)
		out->ids = fit;
	out->move_to = dup_or_null(move);
	out->severity = dup_or_null(sev);
	if (have_eol)
		out->eol = malloc(sizeof *out->eol);
	if (!out->ecosystem || !out->name || !out->version || !out->ids || (move && !out->move_to) ||
	    (sev && !out->severity) || (sup_move && !out->sup_move) || (have_eol && !out->eol)) {
		xp_verdict_clear(out);
		return KB_ENOMEM;
	}
	if (have_eol)
		*out->eol = eol;
	if (kev)
		snprintf(out->kev, sizeof out->kev, "%s", kev);
	if (vex_why)
		snprintf(out->vex, sizeof out->vex, "%s", vex_why);
	kb_eol_info *ei = out->eol;
	out->fd = (kb_finding){
		.product = product,
		.ecosystem = out->ecosystem,
		.name = out->name,
		.version = out->version,
		.status = worst,
		.move_to = out->move_to,
		.fixable = fixable,
		.advisories = out->ids,
		.severity = out->severity,
		.kev_added = kev ? out->kev : NULL,
		.epss = epss,
		.cycle = ei ? ei->cycle : NULL,
		.eol = ei && ei->eol,
		.eol_from = ei && ei->eol_from[0] ? ei->eol_from : NULL,
		.supported_cycle = ei && ei->eol && ei->next_cycle[0] ? ei->next_cycle : NULL,
		.supported_move = out->sup_move,
		.supported_until = ei && ei->eol && ei->next_eol[0] ? ei->next_eol : NULL,
		.vex = worst == KB_FS_NOT_AFFECTED_VEX ? out->vex : NULL,
	};
	if ((ru->f->kev && !out->fd.kev_added) || (ru->f->eol && !out->fd.eol))
		out->show = false;
	return 0;
}

int xp_judge_one(struct xp_run *ru, const xp_entry *e, size_t n, bool product, const char *k1, const char *k2,
                 const char *version, const char *modules, const char *purl, xp_verdict *out)
{
	memset(out, 0, sizeof *out);
	if (!n)
		return 0;
	/* one allocation for the per-entry arrays: no entry is ever dropped */
	void *mem = malloc(n * (sizeof(void *) + sizeof(xp_st)) + 1);
	if (!mem)
		return KB_ENOMEM;
	const kb_advisory_affected **live = mem;
	xp_st *st = (xp_st *)(live + n);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		kb_fstatus one;
		r = kb_exposure_status(e[i].af, version, modules, &one, NULL, ru->err);
		st[i] = (xp_st)one;
	}
	/* OpenVEX: what the vendor or the team says of an advisory here holds for
	 * all of its entries; asked once per advisory that has an open verdict */
	char vex_why[320] = "";
	bool vex_open = false;
	if (r == 0 && ru->have_vex && !ru->asset)
		vex_open = xp_vex_open(ru, e, n, st);
	for (size_t i = 0; i < n && r == 0 && ru->have_vex && ru->asset; i++) {
		if (xp_rank(st[i]) <= xp_rank(KB_FS_FIXED) ||
		    (i > 0 && e[i].owner == e[i - 1].owner && xp_rank(st[i - 1]) > xp_rank(KB_FS_FIXED)))
			continue;
		kb_vex_statement vx;
		bool said = false;
		char scoped[600];
		snprintf(scoped, sizeof scoped, "%s#%s", ru->asset->field[KB_AF_NAME], purl ? purl : "");
		for (size_t k = 0; !said && k <= e[i].owner->n_aliases; k++) {
			const char *id = k == 0 ? e[i].owner->id : e[i].owner->aliases[k - 1];
			said = kb_vex_lookup(ru->s, id, ru->asset->field[KB_AF_NAME], &vx, NULL) == 0 ||
			       (!product && purl && kb_vex_lookup(ru->s, id, scoped, &vx, NULL) == 0) ||
			       (!product && purl && kb_vex_lookup(ru->s, id, purl, &vx, NULL) == 0);
		}
		if (!said)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (e[j].owner != e[i].owner)
				continue;
			if (strcmp(vx.status, "not_affected") == 0) {
				st[j] = (xp_st)KB_FS_NOT_AFFECTED_VEX;
				snprintf(vex_why, sizeof vex_why, "%s", vx.justification[0] ? vx.justification : vx.impact);
			} else if (strcmp(vx.status, "fixed") == 0 && xp_rank(st[j]) > xp_rank(KB_FS_FIXED)) {
				st[j] = (xp_st)KB_FS_FIXED;
			}
		}
	}
	kb_fstatus worst = KB_FS_NOT_AFFECTED;
	size_t nlive = 0; /* live: entries no VEX statement sets aside */
	for (size_t i = 0; i < n && r == 0; i++) {
		if (st[i] != KB_FS_NOT_AFFECTED_VEX)
			live[nlive++] = e[i].af;
		if (xp_rank(st[i]) > xp_rank(worst))
			worst = (kb_fstatus)st[i];
	}
	if (r == 0 && nlive == 0)
		worst = KB_FS_NOT_AFFECTED_VEX;
	const char *move = NULL;
	bool fixable = true;
	if (r == 0 && nlive)
		r = kb_exposure_move_to(live, nlive, version, modules, &move, &fixable, ru->err);
	if (r == 0)
		r = xp_finish(ru, e, n, st, worst, move, fixable, product, k1, k2, version, modules, purl,
		              vex_why[0] ? vex_why : NULL, out);
	out->vex_open = vex_open;
	free(mem);
	return r;
}

/* Judge one product or package for the current asset and report it. */
static int judge_now(struct xp_run *ru, bool product, const char *k1, const char *k2, const char *version,
                     const char *modules, const char *purl)
{
	kb_advisory **advs = NULL;
	size_t nadv = 0;
	int r = cached_load(ru, k1, k2, &advs, &nadv);
	if (r < 0 || nadv == 0)
		return r;
	xp_entry *e = NULL;
	size_t n = 0;
	r = xp_entries(ru, advs, nadv, product, k1, k2, &e, &n);
	xp_verdict v = { 0 };
	if (r == 0)
		r = xp_judge_one(ru, e, n, product, k1, k2, version, modules, purl, &v);
	if (r == 0 && v.show) {
		kb_finding fd = v.fd;
		fd.asset = ru->asset;
		r = ru->cb(&fd, ru->ctx);
	}
	xp_verdict_clear(&v);
	free(e);
	return r; /* advs stay in the cache */
}

/* ---- pass 1: every distinct component version, package by package ---------- */

static const char sql_distinct[] =
	"SELECT c.ecosystem, c.name, c.version, min(c.purl), count(DISTINCT c.asset_id)"
	" FROM component c JOIN asset a ON a.id = c.asset_id"
	" WHERE c.ecosystem <> '' AND (?1 IS NULL OR a.name = ?1) AND (?2 IS NULL OR a.category = ?2)"
	" GROUP BY c.ecosystem, c.name, c.version ORDER BY c.ecosystem, c.name";

static char *vkey(const char *eco, const char *name, const char *version)
{
	size_t len = strlen(eco) + strlen(name) + strlen(version) + 3;
	char *k = malloc(len);
	if (k)
		snprintf(k, len, "%s\x1f%s\x1f%s", eco, name, version);
	return k;
}

struct group {
	char **vers, **purls, **keys;
	int *uses; /* assets that hold each version: its verdict is freed after the last */
	size_t n, cap;
};

static void group_clear(struct group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->vers[i]);
		free(g->purls[i]);
		free(g->keys[i]);
	}
	g->n = 0;
}

static int group_add(struct group *g, const char *eco, const char *name, const char *version, const char *purl,
                     int uses)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		char **a = realloc(g->vers, cap * sizeof *a);
		if (a)
			g->vers = a;
		char **b = a ? realloc(g->purls, cap * sizeof *b) : NULL;
		if (b)
			g->purls = b;
		char **c = b ? realloc(g->keys, cap * sizeof *c) : NULL;
		if (c)
			g->keys = c;
		int *u = c ? realloc(g->uses, cap * sizeof *u) : NULL;
		if (!u)
			return KB_ENOMEM;
		g->uses = u;
		g->cap = cap;
	}
	g->vers[g->n] = strdup(version);
	g->purls[g->n] = purl ? strdup(purl) : NULL;
	g->keys[g->n] = vkey(eco, name, version);
	g->uses[g->n] = uses;
	if (!g->vers[g->n] || (purl && !g->purls[g->n]) || !g->keys[g->n]) {
		free(g->vers[g->n]);
		free(g->purls[g->n]);
		free(g->keys[g->n]);
		return KB_ENOMEM;
	}
	g->n++;
	return 0;
}

static int judge_group(struct xp_run *ru, const char *eco, const char *name, struct group *g)
{
	kb_advisory **advs = NULL;
	size_t nadv = 0;
	int r = kb_advisories_load(ru->s, eco, name, &advs, &nadv, ru->err);
	xp_entry *e = NULL;
	size_t n = 0;
	if (r == 0)
		r = xp_entries(ru, advs, nadv, false, eco, name, &e, &n);
	if (r == 0 && n)
		r = xp_judge_versions(ru, eco, name, e, n, g->vers, g->purls, g->keys, g->n);
	for (size_t i = 0; r == 0 && !n && i < g->n; i++)
		r = kb_map_put(&ru->verdicts, g->keys[i], strlen(g->keys[i]), &xp_none, NULL);
	free(e);
	kb_advisory_list_free(advs, nadv);
	return r;
}

/* Every group of pass 1, read before any is judged so that workers can share
 * them out. */
struct groups {
	struct group *g;
	char **eco, **name;
	size_t n, cap;
};

static void groups_free(struct groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		group_clear(&gs->g[i]);
		free(gs->g[i].vers);
		free(gs->g[i].purls);
		free(gs->g[i].keys);
		free(gs->g[i].uses);
		free(gs->eco[i]);
		free(gs->name[i]);
	}
	free(gs->g);
	free(gs->eco);
	free(gs->name);
}

static int groups_new(struct groups *gs, const char *eco, const char *name)
{
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 256;
		struct group *g = realloc(gs->g, cap * sizeof *g);
		if (g)
			gs->g = g;
		char **e = g ? realloc(gs->eco, cap * sizeof *e) : NULL;
		if (e)
			gs->eco = e;
		char **nm = e ? realloc(gs->name, cap * sizeof *nm) : NULL;
		if (!nm)
			return KB_ENOMEM;
		gs->name = nm;
		gs->cap = cap;
	}
	gs->g[gs->n] = (struct group){ 0 };
	gs->eco[gs->n] = strdup(eco);
	gs->name[gs->n] = strdup(name);
	if (!gs->eco[gs->n] || !gs->name[gs->n]) {
		free(gs->eco[gs->n]);
		free(gs->name[gs->n]);
		return KB_ENOMEM;
	}
	gs->n++;
	return 0;
}

static int read_groups(struct xp_run *ru, struct groups *gs)
{
	sqlite3_stmt *st;
	int r = kb_store_prepare(ru->s, sql_distinct, &st, ru->err);
	if (r < 0)
		return r;
	if (ru->f->asset)
		kb_bind_text(st, 1, ru->f->asset);
	if (ru->f->category)
		kb_bind_text(st, 2, ru->f->category);
	int rc;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *e = kb_column_text(st, 0), *nm = kb_column_text(st, 1), *v = kb_column_text(st, 2);
		if (!gs->n || strcmp(gs->eco[gs->n - 1], e) != 0 || strcmp(gs->name[gs->n - 1], nm) != 0)
			r = groups_new(gs, e, nm);
		if (r == 0)
			r = group_add(&gs->g[gs->n - 1], e, nm, v ? v : "", kb_column_text(st, 3), sqlite3_column_int(st, 4));
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(ru->s, ru->err, "read components");
	sqlite3_finalize(st);
	return r;
}

/* One worker of pass 1: its own connection to the store (SQLite connections
 * are not shared between threads), error, id buffer and verdict map; the
 * groups are taken in turn from a shared counter. */
struct worker {
	struct xp_run ru;
	kb_error err;
	struct groups *gs;
	atomic_size_t *next;
	atomic_bool *stop;
	pthread_t thread;
	int r;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		size_t i = atomic_fetch_add(w->next, 1);
		if (i >= w->gs->n || atomic_load(w->stop))
			break;
		w->r = judge_group(&w->ru, w->gs->eco[i], w->gs->name[i], &w->gs->g[i]);
		if (w->r < 0) {
			atomic_store(w->stop, true);
			break;
		}
	}
	return NULL;
}

static int gather(struct xp_run *ru)
{
	struct groups gs = { 0 };
	int r = read_groups(ru, &gs);
	size_t nw = 1;
	const char *path = ru->s->path;
	if (r == 0 && gs.n > 1 && path && strcmp(path, KB_STORE_MEMORY) != 0)
		nw = KB_EXPOSURE_THREADS; /* a store in memory cannot be opened twice */
	struct worker w[KB_EXPOSURE_THREADS];
	atomic_size_t next = 0;
	atomic_bool stop = false;
	size_t started = 0;
	for (size_t i = 0; r == 0 && i < nw; i++) {
		w[i] = (struct worker){ .ru = *ru, .gs = &gs, .next = &next, .stop = &stop };
		kb_error_clear(&w[i].err);
		w[i].ru.err = &w[i].err;
		w[i].ru.verdicts = (kb_map){ 0 };
		kb_buf_init(&w[i].ru.ids, KB_EXPOSURE_MAX_IDS);
		if (i > 0 && kb_store_open(path, KB_STORE_READONLY, &w[i].ru.s, &w[i].err) < 0) {
			kb_buf_free(&w[i].ru.ids);
			break; /* fewer workers, not a failure */
		}
		started++;
	}
	for (size_t i = 1; i < started; i++)
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
			kb_store_close(w[i].ru.s);
			kb_buf_free(&w[i].ru.ids);
			kb_map_free(&w[i].ru.verdicts, NULL);
			w[i] = w[--started];
			i--;
		}
	if (started)
		work(&w[0]);
	for (size_t i = 1; i < started; i++)
		pthread_join(w[i].thread, NULL);
	/* every worker's verdicts into the run's map */
	for (size_t i = 0; i < started; i++) {
		if (r == 0 && w[i].r < 0) {
			r = w[i].r;
			*ru->err = w[i].err;
		}
		kb_map *m = &w[i].ru.verdicts;
		for (size_t j = 0; j < m->cap; j++)
			if (m->slots[j].key && kb_map_put(&ru->verdicts, m->slots[j].key, m->slots[j].len, m->slots[j].val,
			                                  NULL) < 0) {
				verdict_free(m->slots[j].val);
				r = r ? r : KB_ENOMEM;
			}
		kb_map_free(m, NULL);
		kb_buf_free(&w[i].ru.ids);
		if (i > 0)
			kb_store_close(w[i].ru.s);
	}
	for (size_t i = 0; r == 0 && i < gs.n; i++)
		for (size_t j = 0; j < gs.g[i].n; j++) {
			xp_verdict *v = kb_map_get(&ru->verdicts, gs.g[i].keys[j], strlen(gs.g[i].keys[j]));
			if (v && v != &xp_none)
				v->uses = gs.g[i].uses[j];
		}
	groups_free(&gs);
	return r;
}

/* ---- pass 2: asset by asset ------------------------------------------------- */

struct comp_ctx {
	struct xp_run *ru;
	kb_map seen;
};

/* A component known only by its CPE, when CPE matching is asked for: by
 * vendor:product, never with a wildcard in either. */
static int on_cpe_component(struct comp_ctx *cc, const kb_component *c)
{
	struct xp_run *ru = cc->ru;
	kb_cpe cpe;
	if (kb_cpe_parse(c->cpe, &cpe, NULL) < 0 || !kb_cpe_specific(&cpe))
		return 0;
	char vp[2 * KB_CPE_MAX_PART + 2];
	snprintf(vp, sizeof vp, "%s:%s", cpe.vendor, cpe.product);
	const char *version = c->version && *c->version ? c->version : cpe.version;
	char *key = vkey("cpe", vp, version);
	if (!key)
		return KB_ENOMEM;
	int r = 0;
	if (!kb_map_get(&cc->seen, key, strlen(key))) {
		r = kb_map_put(&cc->seen, key, strlen(key), &xp_none, NULL);
		if (r == 0)
			r = judge_now(ru, false, "cpe", vp, version, NULL, c->purl);
	}
	free(key);
	return r;
}

static int on_component(const kb_component *c, void *ctx)
{
	struct comp_ctx *cc = ctx;
	struct xp_run *ru = cc->ru;
	if (!c->ecosystem || !*c->ecosystem) /* package matching first; CPEs only when asked */
		return ru->f->cpe && c->cpe && *c->cpe ? on_cpe_component(cc, c) : 0;
	const char *version = c->version ? c->version : "";
	char *key = vkey(c->ecosystem, c->name, version);
	if (!key)
		return KB_ENOMEM;
	size_t len = strlen(key);
	int r = 0;
	if (kb_map_get(&cc->seen, key, len)) {
		free(key);
		return 0;
	}
	r = kb_map_put(&cc->seen, key, len, &xp_none, NULL);
	xp_verdict *v = r == 0 ? kb_map_get(&ru->verdicts, key, len) : NULL;
	free(key);
	if (r < 0)
		return r;
	if (!v || v->vex_open) /* not gathered, or a VEX statement may speak of it here */
		return judge_now(ru, false, c->ecosystem, c->name, version, NULL, c->purl);
	if (v == &xp_none)
		return 0;
	int r2 = 0;
	if (v->show) {
		kb_finding fd = v->fd;
		fd.asset = ru->asset;
		r2 = ru->cb(&fd, ru->ctx);
	}
	if (v->uses > 0 && --v->uses == 0)
		xp_verdict_clear(v); /* its last asset: what remains says nothing (show and vex_open false) */
	return r2;
}

static int on_asset(const kb_asset *a, void *ctx)
{
	struct xp_run *ru = ctx;
	if (ru->f->asset && strcmp(ru->f->asset, a->field[KB_AF_NAME]) != 0)
		return 0;
	ru->asset = a;
	int r = 0;
	if (a->field[KB_AF_VENDOR] && a->field[KB_AF_PRODUCT])
		r = judge_now(ru, true, a->field[KB_AF_VENDOR], a->field[KB_AF_PRODUCT], a->field[KB_AF_VERSION],
		              a->field[KB_AF_MODULES], NULL);
	if (r == 0 && a->n_components) {
		struct comp_ctx cc = { .ru = ru };
		r = kb_ledger_components(ru->s, a->id, on_component, &cc, ru->err);
		kb_map_free(&cc.seen, NULL);
	}
	return r;
}

/* ---- the feeds, read once --------------------------------------------------- */

static int load_map(struct xp_run *ru, const char *sql, kb_map *m, bool lower)
{
	sqlite3_stmt *st;
	int r = kb_store_prepare(ru->s, sql, &st, ru->err);
	int rc;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = kb_column_text(st, 0);
		if (!k)
			continue;
		const char *t = kb_column_text(st, 1);
		void *val = strdup(t ? t : "");
		if (!val) {
			r = KB_ENOMEM;
			break;
		}
		char *key = strdup(k);
		if (!key) {
			free(val);
			r = KB_ENOMEM;
			break;
		}
		for (char *p = key; lower && *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		void *old = NULL;
		r = kb_map_put(m, key, strlen(key), val, &old);
		free(key);
		free(r == 0 ? old : val);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(ru->s, ru->err, "read feeds");
	sqlite3_finalize(st);
	return r;
}

/* Every EPSS score, in one table sized from the count: no allocation per row. */
static int load_scores(struct xp_run *ru)
{
	int64_t n = 0;
	if (kb_feed_count(ru->s, KB_FEED_EPSS, &n, NULL) < 0 || n <= 0)
		return 0;
	struct xp_scores *t = calloc(1, sizeof *t);
	for (t ? t->cap = 64 : 0; t && t->cap < 2 * (size_t)n; t->cap *= 2)
		;
	if (!t || !(t->slot = calloc(t->cap, sizeof *t->slot))) {
		free(t);
		return KB_ENOMEM;
	}
	sqlite3_stmt *st;
	int r = kb_store_prepare(ru->s, "SELECT cve, epss FROM epss", &st, ru->err);
	int rc = SQLITE_DONE;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t cve;
		const char *id = kb_column_text(st, 0);
		if (!id || !xp_cve_number(id, &cve) || t->n + 1 > t->cap / 2)
			continue;
		size_t i = cve_slot(cve, t->cap - 1);
		while (t->slot[i].cve && t->slot[i].cve != cve)
			i = (i + 1) & (t->cap - 1);
		if (!t->slot[i].cve)
			t->n++;
		t->slot[i].cve = cve;
		t->slot[i].score = (float)sqlite3_column_double(st, 1);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = kb_store_fail(ru->s, ru->err, "read EPSS scores");
	sqlite3_finalize(st);
	if (r < 0 || !t->n) {
		free(t->slot);
		free(t);
		return r;
	}
	ru->epss = t;
	return 0;
}

int kb_exposure_run(kb_store *s, const kb_exposure_filter *f, kb_finding_cb cb, void *ctx, kb_error *err)
{
	kb_exposure_filter none = { 0 };
	struct cache *cache = calloc(1, sizeof *cache);
	if (!cache)
		return KB_ENOMEM;
	struct xp_run ru = { .s = s, .f = f ? f : &none, .cb = cb, .ctx = ctx, .err = err, .cache = cache };
	kb_buf_init(&ru.ids, KB_EXPOSURE_MAX_IDS);
	if (ru.f->today) {
		snprintf(ru.today, sizeof ru.today, "%s", ru.f->today);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ru.today, sizeof ru.today, "%Y-%m-%d", &tm);
	}
	int64_t count = 0;
	ru.have_vex = kb_feed_count(s, KB_FEED_VEX, &count, NULL) == 0 && count > 0;
	ru.have_eol = kb_feed_count(s, KB_FEED_EOL, &count, NULL) == 0 && count > 0;
	int r = load_map(&ru, "SELECT cve, date_added FROM kev WHERE date_added IS NOT NULL", &ru.kev, false);
	if (r == 0)
		r = load_scores(&ru);
	if (r == 0 && ru.have_vex)
		r = load_map(&ru, "SELECT DISTINCT vulnerability, '' FROM vex", &ru.vex_ids, true);
	if (r == 0)
		r = gather(&ru);
	kb_asset_filter af = { .category = ru.f->category };
	if (r == 0)
		r = kb_ledger_assets(s, &af, on_asset, &ru, err);
	for (size_t i = 0; i < KB_EXPOSURE_CACHE_KEYS; i++) {
		kb_advisory_list_free(cache->slot[i].advs, cache->slot[i].n);
		free(cache->slot[i].key);
	}
	free(cache);
	kb_map_free(&ru.kev, free);
	if (ru.epss)
		free(ru.epss->slot);
	free(ru.epss);
	kb_map_free(&ru.vex_ids, free);
	kb_map_free(&ru.verdicts, verdict_free);
	kb_buf_free(&ru.ids);
	return r;
}
