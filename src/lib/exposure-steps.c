/*
 * exposure-steps.c - every installed version of one package against every
 * advisory naming it, without evaluating each pair.
 *
 * An entry's status is a step function of the version: evaluating it
 * compares the version only with the entry's own versions (range events and
 * listed versions), so between two consecutive ones, and at each, the status
 * and the fix are the same. So every version the entries name and every
 * installed version are put in one order (sorted once; versions that compare
 * equal share a rank); each entry keeps its boundaries as sorted ranks; a
 * version's step in an entry is a binary search over them, and the entry's
 * status on a step is computed once, by the reference rules
 * (kb_exposure_status) on the first version that lands there, then reused.
 * The move-to candidates are entry fixes, so they have ranks too, and the
 * re-check from a candidate is done once per candidate.
 *
 * Stepping holds when one order serves every comparison: all entries share a
 * scheme, no entry mixes SEMVER-typed ranges into another scheme, every
 * version they name reads in that scheme, and the scheme is not vendor dotted
 * numbers (whose "same branch" rule reads the text). Otherwise, and for an
 * installed version the scheme cannot read, versions are judged one by one
 * with the reference rules (xp_judge_one). The filter's `reference` flag asks
 * for that always, so tests can hold the two side by side.
 */
#include "exposure-internal.h"
#include "range-internal.h"
#include "version-internal.h"

#include <stdlib.h>
#include <string.h>

struct vtext {
	const char *s;
	int rank; /* -1 until sorted */
	bool pre; /* key holds a sort key that decides when two keys differ */
	uint32_t key[KB_VPREFIX_PARTS];
};

struct step_entry {
	int *b;            /* boundary ranks, ascending, unique */
	size_t nb;
	signed char *st;   /* per step (2 * nb + 1): -1 not yet known, else a kb_fstatus */
	const char **fix;  /* per step: the fix on that step when affected */
	int *fixr;         /* per step: the fix's rank */
	const char **tp;   /* the entry's own version strings, and their ranks: */
	int *tr;           /* looked up here first, without touching the big table */
	size_t nt;
};

struct moved {
	bool done, fixable;
	const char *final; /* NULL: the candidate itself */
};

/* Where each version string the entries point to sits in the order, by the
 * pointer: comparisons inside the reference rules then cost two probes. */
struct pslot {
	const char *p;
	int rank;
};

struct key {
	struct pslot *ps;   /* open addressing, cap a power of two, at most half full */
	size_t pcap;
	kb_vorder order;
	const struct step_entry *cur; /* the entry being filled, and its version: */
	const char *cur_v;            /* the comparisons of a fill are nearly all */
	int cur_q;                    /* between these and the entry's own strings */
	struct xp_run *ru;
	kb_vscheme scheme;
	const xp_entry *e;
	size_t n;
	kb_map texts;       /* version text -> struct vtext * */
	struct vtext *tv;   /* the texts, in the order first seen */
	size_t ntv, captv;
	struct step_entry *se;
	void *arena;        /* the step entries' arrays (boundaries()) */
	struct moved *mv;   /* per rank */
	int nranks;
};

static bool is_zero(const kb_range_event *ev)
{
	return ev->kind == KB_EVENT_INTRODUCED && strcmp(ev->version, "0") == 0;
}

/* Can one order of one scheme serve every comparison these entries make? */
static bool steppable(const xp_entry *e, size_t n, kb_vscheme *ret)
{
	kb_vscheme sc = e[0].af->match.scheme;
	if (sc == KB_VS_INTDOT)
		return false;
	for (size_t i = 0; i < n; i++) {
		const kb_affected *sets[2] = { &e[i].af->match, &e[i].af->unaffected };
		for (int k = 0; k < 2; k++) {
			const kb_affected *m = sets[k];
			if ((m->n_ranges || m->n_versions) && m->scheme != sc)
				return false;
			for (size_t r = 0; r < m->n_ranges; r++) {
				if (m->ranges[r].type == KB_RANGE_SEMVER && sc != KB_VS_SEMVER)
					return false;
				if (m->ranges[r].n_events > KB_RANGE_MAX_EVENTS)
					return false; /* the reference reports the limit */
			}
		}
	}
	*ret = sc;
	return true;
}

/* The text's entry, added (and checked against the scheme) when new. NULL
 * with *r set on failure; NULL with *r == 0 when the scheme cannot read it. */
static struct vtext *text(struct key *k, const char *s, int *r)
{
	size_t len = strlen(s);
	uintptr_t ix = (uintptr_t)kb_map_get(&k->texts, s, len);
	if (ix)
		return ix == (uintptr_t)-1 ? NULL : &k->tv[ix - 1];
	int d = 0;
	if (kb_version_cmp(k->scheme, s, s, &d) < 0) {
		*r = kb_map_put(&k->texts, s, len, (void *)(uintptr_t)-1, NULL);
		return NULL;
	}
	if (k->ntv == k->captv) {
		size_t cap = k->captv ? k->captv * 2 : 256;
		struct vtext *p = realloc(k->tv, cap * sizeof *p);
		if (!p) {
			*r = KB_ENOMEM;
			return NULL;
		}
		k->tv = p;
		k->captv = cap;
	}
	k->tv[k->ntv] = (struct vtext){ s, -1, false, { 0 } };
	k->tv[k->ntv].pre = kb_version_prefix(k->scheme, s, k->tv[k->ntv].key);
	*r = kb_map_put(&k->texts, s, len, (void *)(uintptr_t)(k->ntv + 1), NULL);
	return *r < 0 ? NULL : &k->tv[k->ntv++];
}

static int pget(const struct key *k, const char *p);

static int rank_of(struct key *k, const char *s)
{
	if (k->ps) {
		int q = pget(k, s);
		if (q >= 0)
			return q;
	}
	uintptr_t ix = (uintptr_t)kb_map_get(&k->texts, s, strlen(s));
	return ix && ix != (uintptr_t)-1 ? k->tv[ix - 1].rank : -1;
}

static size_t phash(const char *p, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & mask;
}

static void pput(struct key *k, const char *p, int rank)
{
	size_t mask = k->pcap - 1;
	for (size_t i = phash(p, mask);; i = (i + 1) & mask)
		if (!k->ps[i].p || k->ps[i].p == p) {
			k->ps[i] = (struct pslot){ p, rank };
			return;
		}
}

static int pget(const struct key *k, const char *p)
{
	size_t mask = k->pcap - 1;
	for (size_t i = phash(p, mask);; i = (i + 1) & mask) {
		if (k->ps[i].p == p)
			return k->ps[i].rank;
		if (!k->ps[i].p)
			return -1;
	}
}

static int local(const struct key *k, const char *p)
{
	if (p == k->cur_v)
		return k->cur_q;
	const struct step_entry *se = k->cur;
	for (size_t j = 0; se && j < se->nt; j++)
		if (se->tp[j] == p)
			return se->tr[j];
	return pget(k, p);
}

static int known(const void *ctx, kb_vscheme sc, const char *a, const char *b, int *ret)
{
	const struct key *k = ctx;
	if (sc != k->scheme)
		return 0;
	int x = local(k, a), y = local(k, b);
	if (x < 0 || y < 0)
		return 0;
	*ret = (x > y) - (x < y);
	return 1;
}

static int cmp_text(const void *a, const void *b, void *ctx)
{
	const struct vtext *x = *(struct vtext *const *)a, *y = *(struct vtext *const *)b;
	if (x->pre && y->pre)
		for (size_t i = 0; i < KB_VPREFIX_PARTS; i++)
			if (x->key[i] != y->key[i])
				return x->key[i] < y->key[i] ? -1 : 1;
	int d = 0;
	kb_version_cmp(*(kb_vscheme *)ctx, x->s, y->s, &d);
	return d;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Every version the entries name, each checked; false when one does not read. */
static int collect(struct key *k, bool *ret_ok)
{
	int r = 0;
	*ret_ok = true;
	for (size_t i = 0; i < k->n && r == 0 && *ret_ok; i++) {
		const kb_affected *sets[2] = { &k->e[i].af->match, &k->e[i].af->unaffected };
		for (int s = 0; s < 2 && r == 0 && *ret_ok; s++) {
			const kb_affected *m = sets[s];
			for (size_t g = 0; g < m->n_ranges && *ret_ok; g++) {
				const kb_range *rg = &m->ranges[g];
				if (rg->type == KB_RANGE_GIT)
					continue;
				for (size_t v = 0; v < rg->n_events && r == 0 && *ret_ok; v++)
					if (!is_zero(&rg->events[v]) && !text(k, rg->events[v].version, &r))
						*ret_ok = r == 0 ? false : *ret_ok;
			}
			for (size_t v = 0; v < m->n_versions && r == 0 && *ret_ok; v++)
				if (!text(k, m->versions[v], &r))
					*ret_ok = r == 0 ? false : *ret_ok;
		}
	}
	return r;
}

/* Sort the texts and give each its rank; equal versions share one. */
static int rank_all(struct key *k)
{
	struct vtext **order = malloc((k->ntv ? k->ntv : 1) * sizeof *order);
	if (!order)
		return KB_ENOMEM;
	for (size_t i = 0; i < k->ntv; i++)
		order[i] = &k->tv[i];
	qsort_r(order, k->ntv, sizeof *order, cmp_text, &k->scheme);
	int rank = -1;
	for (size_t i = 0; i < k->ntv; i++) {
		int d = 1;
		if (i > 0)
			d = cmp_text(&order[i - 1], &order[i], &k->scheme);
		if (d != 0)
			rank++;
		order[i]->rank = rank;
	}
	k->nranks = rank + 1;
	free(order);
	return 0;
}

/* Each entry's boundaries as ranks, and its empty step table. */
static int boundaries(struct key *k, char *const *vers, size_t nv)
{
	k->se = calloc(k->n, sizeof *k->se);
	if (!k->se)
		return KB_ENOMEM;
	size_t total = 0;
	for (size_t i = 0; i < k->n; i++) {
		const kb_affected *sets[2] = { &k->e[i].af->match, &k->e[i].af->unaffected };
		for (int s = 0; s < 2; s++) {
			for (size_t g = 0; g < sets[s]->n_ranges; g++)
				total += sets[s]->ranges[g].n_events;
			total += sets[s]->n_versions;
		}
	}
	for (k->pcap = 64; k->pcap < 2 * (total + nv); k->pcap *= 2)
		;
	k->ps = calloc(k->pcap, sizeof *k->ps);
	/* every entry's arrays in one block: per version string a boundary, a
	 * pointer and a rank; per step (at most 2 per string + 1) a status, a fix
	 * and its rank */
	size_t steps_max = 2 * total + k->n;
	k->arena = malloc(total * (sizeof(int) + sizeof(char *) + sizeof(int)) +
	                  steps_max * (sizeof(char *) + sizeof(int) + 1) + 1);
	if (!k->ps || !k->arena)
		return KB_ENOMEM;
	const char **ap = (const char **)k->arena;                  /* pointers first: aligned */
	const char **afix = ap + total;
	int *ab = (int *)(afix + steps_max), *atr = ab + total, *afixr = atr + total;
	signed char *ast = (signed char *)(afixr + steps_max);
	for (size_t i = 0; i < nv; i++) {
		int q = vers[i][0] ? rank_of(k, vers[i]) : -1;
		if (q >= 0)
			pput(k, vers[i], q);
	}
	k->order = (kb_vorder){ known, k };
	for (size_t i = 0; i < k->n; i++) {
		struct step_entry *se = &k->se[i];
		const kb_affected *sets[2] = { &k->e[i].af->match, &k->e[i].af->unaffected };
		se->b = ab;
		se->tp = ap;
		se->tr = atr;
		for (int s = 0; s < 2; s++) {
			const kb_affected *m = sets[s];
			for (size_t g = 0; g < m->n_ranges; g++) {
				if (m->ranges[g].type == KB_RANGE_GIT)
					continue;
				for (size_t v = 0; v < m->ranges[g].n_events; v++)
					if (!is_zero(&m->ranges[g].events[v])) {
						const char *t = m->ranges[g].events[v].version;
						se->b[se->nb] = rank_of(k, t);
						se->tp[se->nt] = t;
						se->tr[se->nt++] = se->b[se->nb];
						pput(k, t, se->b[se->nb++]);
					}
			}
			for (size_t v = 0; v < m->n_versions; v++) {
				se->b[se->nb] = rank_of(k, m->versions[v]);
				se->tp[se->nt] = m->versions[v];
				se->tr[se->nt++] = se->b[se->nb];
				pput(k, m->versions[v], se->b[se->nb++]);
			}
		}
		ab += se->nb;
		ap += se->nt;
		atr += se->nt;
		qsort(se->b, se->nb, sizeof *se->b, cmp_int);
		size_t u = 0;
		for (size_t j = 0; j < se->nb; j++)
			if (u == 0 || se->b[u - 1] != se->b[j])
				se->b[u++] = se->b[j];
		se->nb = u;
		size_t steps = 2 * u + 1;
		se->st = ast;
		se->fix = afix;
		se->fixr = afixr;
		ast += steps;
		afix += steps;
		afixr += steps;
		memset(se->st, -1, steps);
	}
	k->mv = calloc((size_t)(k->nranks > 0 ? k->nranks : 1), sizeof *k->mv);
	return k->mv ? 0 : KB_ENOMEM;
}

/* Fill entry i's step from version text v (any version on that step). */
static int fill(struct key *k, size_t i, size_t step, const char *v, int q)
{
	struct step_entry *se = &k->se[i];
	kb_fstatus s;
	const char *f = NULL;
	k->cur = se;
	k->cur_v = v;
	k->cur_q = q;
	int r = kb_exposure_status_ordered(k->e[i].af, v, NULL, &k->order, &s, &f, k->ru->err);
	k->cur = NULL;
	k->cur_v = NULL;
	if (r < 0)
		return r;
	se->st[step] = (signed char)s;
	se->fix[step] = f;
	se->fixr[step] = f ? rank_of(k, f) : -1;
	return 0;
}

/* Entry i's status for version text v of rank q. */
static int status_at(struct key *k, size_t i, const char *v, int q, kb_fstatus *st, const char **fix)
{
	struct step_entry *se = &k->se[i];
	size_t lo = 0, hi = se->nb;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (se->b[mid] < q)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t step = 2 * lo + (lo < se->nb && se->b[lo] == q);
	if (se->st[step] < 0) {
		int r = fill(k, i, step, v, q);
		if (r < 0)
			return r;
	}
	*st = (kb_fstatus)se->st[step];
	*fix = se->fix[step];
	return 0;
}

/* kb_exposure_move_to()'s re-check, from candidate c (of rank q), once. */
static int recheck(struct key *k, const char *c, int q, const struct moved **ret)
{
	struct moved *m = &k->mv[q];
	if (m->done) {
		*ret = m;
		return 0;
	}
	bool fixable = true;
	const char *cand = c;
	int cq = q;
	for (int round = 0; round < KB_MOVETO_MAX_ROUNDS; round++) {
		const char *next = cand;
		int nq = cq;
		for (size_t i = 0; i < k->n; i++) {
			kb_fstatus st;
			const char *fix;
			int r = status_at(k, i, cand, cq, &st, &fix);
			if (r < 0)
				return r;
			if (st == KB_FS_AFFECTED && fix) {
				int fq = rank_of(k, fix);
				if (fq > nq) {
					next = fix;
					nq = fq;
				}
			} else if (st == KB_FS_AFFECTED) {
				fixable = false;
			}
		}
		if (next == cand)
			break;
		cand = next;
		cq = nq;
	}
	*m = (struct moved){ true, fixable, cand == c ? NULL : cand };
	*ret = m;
	return 0;
}

static int keep(struct xp_run *ru, const char *key, xp_verdict *v)
{
	xp_verdict *p = &xp_none;
	if (v->show || v->vex_open) {
		p = malloc(sizeof *p);
		if (!p) {
			xp_verdict_clear(v);
			return KB_ENOMEM;
		}
		*p = *v;
		/* the two strings held in the verdict itself move with it */
		if (p->fd.kev_added)
			p->fd.kev_added = p->kev;
		if (p->fd.vex)
			p->fd.vex = p->vex;
	} else {
		xp_verdict_clear(v);
	}
	void *old = NULL;
	int r = kb_map_put(&ru->verdicts, key, strlen(key), p, &old);
	if (r < 0) {
		if (p != &xp_none) {
			xp_verdict_clear(p);
			free(p);
		}
		return r;
	}
	if (old && old != &xp_none) {
		xp_verdict_clear(old);
		free(old);
	}
	return 0;
}

/* What one point (a rank) holds over all entries: the worst status, and for
 * the move-to whether anything affects it, whether an affecting entry has no
 * fix, and the largest fix (the first entry to name it). */
struct point {
	int rank;
	const char *text;       /* an installed version of this rank */
	kb_fstatus worst;
	bool any, unfixable;
	const char *fix;
	int fixr;
};

/* Every entry against every point, entry by entry: a merge of the entry's
 * boundaries with the points (both ascending) gives each point's step
 * without a search. Statuses go to m (point-major: m[p * n + i]). */
static int sweep(struct key *k, struct point *pt, size_t np, xp_st *m)
{
	for (size_t i = 0; i < k->n; i++) {
		struct step_entry *se = &k->se[i];
		size_t j = 0;
		for (size_t p = 0; p < np; p++) {
			int q = pt[p].rank;
			while (j < se->nb && se->b[j] < q)
				j++;
			size_t step = 2 * j + (j < se->nb && se->b[j] == q);
			if (se->st[step] < 0) {
				int r = fill(k, i, step, pt[p].text, q);
				if (r < 0)
					return r;
			}
			kb_fstatus s = (kb_fstatus)se->st[step];
			m[p * k->n + i] = (xp_st)s;
			if (xp_rank(s) > xp_rank(pt[p].worst))
				pt[p].worst = s;
			if (s != KB_FS_AFFECTED)
				continue;
			pt[p].any = true;
			if (!se->fix[step])
				pt[p].unfixable = true;
			else if (!pt[p].fix || se->fixr[step] > pt[p].fixr) {
				pt[p].fix = se->fix[step];
				pt[p].fixr = se->fixr[step];
			}
		}
	}
	return 0;
}

static int cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The installed versions that read in the scheme, stepped: verdicts into
 * ru->verdicts. q[i] is version i's rank, or < 0 when it is judged apart. */
static int judge_points(struct key *k, const char *k1, const char *k2, char *const *vers, char *const *purls,
                        char *const *keys, size_t nv, const int *q)
{
	struct point *pt = malloc((nv ? nv : 1) * sizeof *pt);
	if (!pt)
		return KB_ENOMEM;
	size_t np = 0;
	for (size_t i = 0; i < nv; i++)
		if (q[i] >= 0)
			pt[np++] = (struct point){ .rank = q[i], .text = vers[i], .worst = KB_FS_NOT_AFFECTED, .fixr = -1 };
	qsort(pt, np, sizeof *pt, cmp_point);
	size_t u = 0; /* one point per rank */
	for (size_t p = 0; p < np; p++)
		if (u == 0 || pt[u - 1].rank != pt[p].rank)
			pt[u++] = pt[p];
	np = u;
	xp_st *m = malloc((np ? np : 1) * k->n);
	int r = m ? sweep(k, pt, np, m) : KB_ENOMEM;
	for (size_t i = 0; r == 0 && i < nv; i++) {
		if (q[i] < 0)
			continue;
		size_t lo = 0, hi = np;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (pt[mid].rank < q[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		const struct point *P = &pt[lo];
		const char *move = NULL;
		bool fixable = !P->unfixable;
		if (P->any && P->fix) {
			const struct moved *mv;
			r = recheck(k, P->fix, P->fixr, &mv);
			if (r < 0)
				break;
			move = mv->final ? mv->final : P->fix;
			fixable = fixable && mv->fixable;
		}
		const xp_st *st = &m[lo * k->n];
		xp_verdict v;
		r = xp_finish(k->ru, k->e, k->n, st, P->worst, move, fixable, false, k1, k2, vers[i], NULL, purls[i],
		              NULL, &v);
		if (r == 0) {
			v.vex_open = xp_vex_open(k->ru, k->e, k->n, st);
			r = keep(k->ru, keys[i], &v);
		}
	}
	free(m);
	free(pt);
	return r;
}

int xp_judge_versions(struct xp_run *ru, const char *k1, const char *k2, const xp_entry *e, size_t n,
                      char *const *vers, char *const *purls, char *const *keys, size_t nv)
{
	struct key k = { .ru = ru, .e = e, .n = n };
	bool step = !ru->f->reference && steppable(e, n, &k.scheme);
	int r = 0;
	if (step)
		r = collect(&k, &step);
	int *q = calloc(nv ? nv : 1, sizeof *q);
	if (!q)
		r = KB_ENOMEM;
	for (size_t i = 0; step && r == 0 && i < nv; i++) {
		q[i] = -1;
		if (vers[i][0] && !text(&k, vers[i], &r) && r == 0)
			q[i] = -2; /* the scheme cannot read it: the reference says so */
	}
	if (step && r == 0)
		r = rank_all(&k);
	if (step && r == 0)
		r = boundaries(&k, vers, nv);
	for (size_t i = 0; step && r == 0 && i < nv; i++)
		q[i] = vers[i][0] && q[i] != -2 ? rank_of(&k, vers[i]) : -1;
	if (step && r == 0)
		r = judge_points(&k, k1, k2, vers, purls, keys, nv, q);
	for (size_t i = 0; r == 0 && i < nv; i++) {
		if (step && q[i] >= 0)
			continue;
		xp_verdict v;
		r = xp_judge_one(ru, e, n, false, k1, k2, vers[i], NULL, purls[i], &v);
		if (r == 0)
			r = keep(ru, keys[i], &v);
	}
	free(q);
	free(k.arena);
	free(k.se);
	free(k.mv);
	free(k.ps);
	free(k.tv);
	kb_map_free(&k.texts, NULL);
	return r;
}
