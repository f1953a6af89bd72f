/*
 * exposure-engine.c - the ledger against the stored advisories.
 *
 * For each asset: its own vendor/product/version/modules against the
 * advisories naming that product, then each distinct component (ecosystem,
 * name, version) against the advisories naming that package. The advisories
 * for one name are loaded and parsed once per lookup; per-advisory statuses
 * and the move-to come from exposure-status.c. The verdict of a product or
 * component is the worst status over its advisories, in the order affected,
 * unknown: never evaluated, unknown: newer, unknown: no version, fixed, not
 * affected.
 */
#include "koban/exposure.h"
#include "koban/feeds.h"

#include "util-buf.h"
#include "util-str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define KB_EXPOSURE_CACHE_KEYS 64    /* packages and products whose parsed advisories are kept */

/* The advisories naming one package or product, parsed once and kept while
 * they are used: an estate repeats the same packages on many systems. */
struct cached {
	uint64_t hash;
	char *key;
	kb_advisory **advs;
	size_t n;
	uint64_t used;
};

static int rank(kb_fstatus s)
{
	switch (s) {
	case KB_FS_AFFECTED: return 6;
	case KB_FS_UNKNOWN_NOT_EVALUATED: return 5;
	case KB_FS_UNKNOWN_NEWER: return 4;
	case KB_FS_UNKNOWN_NO_VERSION: return 3;
	case KB_FS_UNKNOWN_BAD_VERSION: return 3;
	case KB_FS_NOT_AFFECTED_VEX: return 1;
	case KB_FS_FIXED: return 2;
	case KB_FS_NOT_AFFECTED: break;
	}
	return 1;
}

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

struct run {
	kb_store *s;
	const kb_exposure_filter *f;
	kb_finding_cb cb;
	void *ctx;
	kb_error *err;
	const kb_asset *asset;
	kb_buf ids;
	char today[16];
	struct cached cache[KB_EXPOSURE_CACHE_KEYS];
	uint64_t clock;
	bool have_vex; /* any VEX statement stored: else no lookups */
	int r;
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
 * until the run ends or the entry is evicted (never during one judge()). */
static int cached_load(struct run *ru, const char *k1, const char *k2, kb_advisory ***ret, size_t *ret_n)
{
	uint64_t h = hash_key(k1, k2);
	size_t need = strlen(k1) + strlen(k2) + 2;
	char *key = malloc(need);
	if (!key)
		return KB_ENOMEM;
	snprintf(key, need, "%s\x1f%s", k1, k2);
	struct cached *victim = &ru->cache[0];
	for (size_t i = 0; i < KB_EXPOSURE_CACHE_KEYS; i++) {
		struct cached *c = &ru->cache[i];
		if (c->key && c->hash == h && strcasecmp(c->key, key) == 0) {
			c->used = ++ru->clock;
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
	*victim = (struct cached){ h, key, advs, n, ++ru->clock };
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

/* Evaluate one product or package and report it. */
static int judge(struct run *ru, bool product, const char *k1, const char *k2, const char *version,
                 const char *modules, const char *purl)
{
	kb_advisory **advs = NULL;
	size_t nadv = 0;
	int r = cached_load(ru, k1, k2, &advs, &nadv);
	if (r < 0 || nadv == 0)
		return r;
	size_t total = 0;
	for (size_t i = 0; i < nadv; i++)
		total += advs[i]->n_affected;
	/* one allocation for the four per-entry arrays: no entry is ever dropped */
	void *mem = malloc(total * (3 * sizeof(void *) + sizeof(kb_fstatus)) + 1);
	if (!mem)
		return KB_ENOMEM;
	const kb_advisory_affected **entries = mem;
	const kb_advisory **owner = (const kb_advisory **)(entries + total);
	const kb_advisory_affected **live = (const kb_advisory_affected **)(owner + total);
	kb_fstatus *st = (kb_fstatus *)(live + total);
	size_t n = 0;
	for (size_t i = 0; i < nadv; i++)
		for (size_t j = 0; !advs[i]->withdrawn && j < advs[i]->n_affected; j++) {
			const kb_advisory_affected *af = &advs[i]->affected[j];
			bool hit = product ? (af->vendor && af->product && strcasecmp(af->vendor, k1) == 0 &&
			                      strcasecmp(af->product, k2) == 0)
			                   : (af->ecosystem && af->package && same_eco(af->ecosystem, k1) &&
			                      strcasecmp(af->package, k2) == 0);
			if (hit && ru->f->advisory && !names(advs[i], ru->f->advisory))
				hit = false;
			if (hit) {
				entries[n] = af;
				owner[n++] = advs[i];
			}
		}
	kb_fstatus worst = KB_FS_NOT_AFFECTED;
	size_t nlive = 0; /* live: entries no VEX statement sets aside */
	char vex_why[320] = "";
	for (size_t i = 0; i < n && r == 0; i++)
		r = kb_exposure_status(entries[i], version, modules, &st[i], NULL, ru->err);
	/* OpenVEX: what the vendor or the team says of an advisory here holds for
	 * all of its entries; asked once per advisory that has an open verdict */
	for (size_t i = 0; i < n && r == 0 && ru->have_vex; i++) {
		if (rank(st[i]) <= rank(KB_FS_FIXED) || (i > 0 && owner[i] == owner[i - 1] && rank(st[i - 1]) > rank(KB_FS_FIXED)))
			continue;
		kb_vex_statement vx;
		bool said = false;
		char scoped[600];
		snprintf(scoped, sizeof scoped, "%s#%s", ru->asset->field[KB_AF_NAME], purl ? purl : "");
		for (size_t k = 0; !said && k <= owner[i]->n_aliases; k++) {
			const char *id = k == 0 ? owner[i]->id : owner[i]->aliases[k - 1];
			said = kb_vex_lookup(ru->s, id, ru->asset->field[KB_AF_NAME], &vx, NULL) == 0 ||
			       (!product && purl && kb_vex_lookup(ru->s, id, scoped, &vx, NULL) == 0) ||
			       (!product && purl && kb_vex_lookup(ru->s, id, purl, &vx, NULL) == 0);
		}
		if (!said)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (owner[j] != owner[i])
				continue;
			if (strcmp(vx.status, "not_affected") == 0) {
				st[j] = KB_FS_NOT_AFFECTED_VEX;
				snprintf(vex_why, sizeof vex_why, "%s", vx.justification[0] ? vx.justification : vx.impact);
			} else if (strcmp(vx.status, "fixed") == 0 && rank(st[j]) > rank(KB_FS_FIXED)) {
				st[j] = KB_FS_FIXED;
			}
		}
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if (st[i] != KB_FS_NOT_AFFECTED_VEX)
			live[nlive++] = entries[i];
		if (rank(st[i]) > rank(worst))
			worst = st[i];
	}
	if (r == 0 && n && nlive == 0)
		worst = KB_FS_NOT_AFFECTED_VEX;
	const char *move = NULL;
	bool fixable = true;
	if (r == 0 && nlive)
		r = kb_exposure_move_to(live, nlive, version, modules, &move, &fixable, ru->err);
	if (r == 0 && n && (ru->f->all || rank(worst) > rank(KB_FS_FIXED))) {
		kb_buf_reset(&ru->ids);
		const char *sev = NULL;
		const kb_advisory *last = NULL;
		for (size_t i = 0; i < n; i++) {
			if (st[i] != worst || owner[i] == last)
				continue;
			last = owner[i];
			kb_buf_printf(&ru->ids, "%s%s", ru->ids.len ? "," : "", owner[i]->id);
			if (sev_rank(owner[i]->severity) > sev_rank(sev))
				sev = owner[i]->severity;
		}
		/* KEV and EPSS for the CVEs behind the verdict */
		const char *kev = NULL;
		char kev_buf[16] = "";
		double epss = 0;
		last = NULL;
		for (size_t i = 0; i < n && rank(worst) > rank(KB_FS_FIXED); i++) { /* not behind "fixed" */
			if (st[i] != worst || owner[i] == last)
				continue;
			last = owner[i];
			for (size_t k = 0; k <= owner[i]->n_aliases; k++) {
				const char *id = k == 0 ? owner[i]->id : owner[i]->aliases[k - 1];
				if (strncmp(id, "CVE-", 4) != 0)
					continue;
				kb_kev_entry ke;
				if (!kev && kb_kev_lookup(ru->s, id, &ke, NULL) == 0) {
					snprintf(kev_buf, sizeof kev_buf, "%s", ke.date_added);
					kev = kev_buf;
				}
				double e = 0, pct = 0;
				if (kb_epss_lookup(ru->s, id, &e, &pct, NULL) == 0 && e > epss)
					epss = e;
			}
		}
		/* end of life, and the lowest safe version on a supported branch */
		kb_eol_info eol;
		bool have_eol = version && *version &&
		                kb_eol_lookup(ru->s, product ? k2 : (purl ? purl : k2), version, ru->today, &eol, NULL) == 0;
		const char *sup_move = NULL;
		if (have_eol && eol.eol && eol.next_cycle[0]) {
			sup_move = fix_on_cycle(entries, n, eol.next_cycle);
			if (!sup_move && eol.next_latest[0])
				sup_move = eol.next_latest;
			const char *again = NULL;
			if (sup_move && kb_exposure_move_to(entries, n, sup_move, modules, &again, NULL, NULL) == 0 && again)
				sup_move = again; /* that version is itself affected: the fix above it */
		}
		kb_finding fd = {
			.asset = ru->asset,
			.product = product,
			.ecosystem = k1,
			.name = k2,
			.version = version ? version : "",
			.status = worst,
			.move_to = move,
			.fixable = fixable,
			.advisories = kb_buf_str(&ru->ids),
			.severity = sev,
			.kev_added = kev,
			.epss = epss,
			.cycle = have_eol ? eol.cycle : NULL,
			.eol = have_eol && eol.eol,
			.eol_from = have_eol && eol.eol_from[0] ? eol.eol_from : NULL,
			.supported_cycle = have_eol && eol.eol && eol.next_cycle[0] ? eol.next_cycle : NULL,
			.supported_move = sup_move,
			.supported_until = have_eol && eol.eol && eol.next_eol[0] ? eol.next_eol : NULL,
			.vex = worst == KB_FS_NOT_AFFECTED_VEX ? vex_why : NULL,
		};
		if ((!ru->f->kev || fd.kev_added) && (!ru->f->eol || fd.eol))
			r = ru->cb(&fd, ru->ctx);
	}
	free(mem);
	return r; /* advs stay in the cache */
}

struct seen {
	char **keys;
	size_t n, cap;
};

static bool seen_add(struct seen *s, const char *a, const char *b, const char *c)
{
	size_t len = strlen(a) + strlen(b) + strlen(c) + 3;
	char *k = malloc(len);
	if (!k)
		return true;
	snprintf(k, len, "%s\x1f%s\x1f%s", a, b, c);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], k) == 0) {
			free(k);
			return true;
		}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **p = realloc(s->keys, cap * sizeof *p);
		if (!p) {
			free(k);
			return true;
		}
		s->keys = p;
		s->cap = cap;
	}
	s->keys[s->n++] = k;
	return false;
}

struct comp_ctx {
	struct run *ru;
	struct seen seen;
	const char *modules;
};

static int on_component(const kb_component *c, void *ctx)
{
	struct comp_ctx *cc = ctx;
	if (!c->ecosystem || !*c->ecosystem || seen_add(&cc->seen, c->ecosystem, c->name, c->version))
		return 0;
	return judge(cc->ru, false, c->ecosystem, c->name, c->version, NULL, c->purl);
}

static int on_asset(const kb_asset *a, void *ctx)
{
	struct run *ru = ctx;
	if (ru->f->asset && strcmp(ru->f->asset, a->field[KB_AF_NAME]) != 0)
		return 0;
	ru->asset = a;
	int r = 0;
	if (a->field[KB_AF_VENDOR] && a->field[KB_AF_PRODUCT])
		r = judge(ru, true, a->field[KB_AF_VENDOR], a->field[KB_AF_PRODUCT], a->field[KB_AF_VERSION],
		          a->field[KB_AF_MODULES], NULL);
	if (r == 0 && a->n_components) {
		struct comp_ctx cc = { .ru = ru };
		r = kb_ledger_components(ru->s, a->id, on_component, &cc, ru->err);
		for (size_t i = 0; i < cc.seen.n; i++)
			free(cc.seen.keys[i]);
		free(cc.seen.keys);
	}
	return r;
}

int kb_exposure_run(kb_store *s, const kb_exposure_filter *f, kb_finding_cb cb, void *ctx, kb_error *err)
{
	kb_exposure_filter none = { 0 };
	struct run ru = { .s = s, .f = f ? f : &none, .cb = cb, .ctx = ctx, .err = err };
	kb_buf_init(&ru.ids, 65536);
	if (ru.f->today) {
		snprintf(ru.today, sizeof ru.today, "%s", ru.f->today);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ru.today, sizeof ru.today, "%Y-%m-%d", &tm);
	}
	kb_asset_filter af = { .category = ru.f->category };
	int64_t nvex = 0;
	ru.have_vex = kb_feed_count(s, KB_FEED_VEX, &nvex, NULL) == 0 && nvex > 0;
	int r = kb_ledger_assets(s, &af, on_asset, &ru, err);
	for (size_t i = 0; i < KB_EXPOSURE_CACHE_KEYS; i++) {
		kb_advisory_list_free(ru.cache[i].advs, ru.cache[i].n);
		free(ru.cache[i].key);
	}
	kb_buf_free(&ru.ids);
	return r;
}
