/*
 * ndr-engine.c - the detection run (contract in koban/detect.h, design in
 * ndr-internal.h).
 *
 * Order of work: load the ledger's addresses and management interfaces;
 * read the baseline window (flows before the analysis window that the
 * configuration names) through each detector's baseline hook; read the
 * analysis window, pairing unidirectional records and stitching sessions
 * cut by exporter timeouts (the hold queue below), updating hosts and
 * pairs and calling each detector's flow hook; let each detector emit;
 * read the window once more for sample flows when a detection wants them;
 * rank the hosts.
 *
 * The hold queue: a record marked KB_FLOW_UNIDIR or KB_FLOW_PARTIAL waits
 * in a FIFO (by arrival, which is start-time order) for NDR_HOLD_US. A
 * later record of the reverse 5-tuple starting within NDR_PAIR_SLACK_US is
 * merged into it as its responder half; a later record of the same
 * 5-tuple and direction starting within NDR_STITCH_GAP_US of its end,
 * when the held one was cut (PARTIAL), is merged as its continuation. A
 * map from the 5-tuple to the newest held record finds them. Records leave
 * the queue when time has moved NDR_HOLD_US past their start, or at the
 * end; complete bidirectional records (Zeek, pcap sessions) never wait.
 */
#include "ndr-internal.h"
#include "store-internal.h"
#include "util-hash.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const ndr_detector *const ndr_detectors[] = {
	&ndr_beacon, &ndr_uncommon_port, &ndr_long_conn, &ndr_exfil, &ndr_lateral,
	&ndr_scan,   &ndr_console,       &ndr_ioc_contact, &ndr_dns_c2,
};
#define N_DETECTORS (sizeof ndr_detectors / sizeof ndr_detectors[0])

/* ---- key sets ------------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void ndr_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_u64);
}

void ndr_keyset_add(ndr_keyset *s, uint64_t key)
{
	if (s->n >= s->max || (s->n && s->k[s->n - 1] == key)) /* repeats come in runs: periodic traffic */
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *p = realloc(s->k, cap * sizeof *p);
		if (!p)
			return;
		s->k = p;
		s->cap = cap;
	}
	s->k[s->n++] = key;
}

void ndr_keyset_seal(ndr_keyset *s)
{
	ndr_sort_u64(s->k, s->n);
	size_t u = 0;
	for (size_t i = 0; i < s->n; i++)
		if (u == 0 || s->k[u - 1] != s->k[i])
			s->k[u++] = s->k[i];
	s->n = u;
}

bool ndr_keyset_has(const ndr_keyset *s, uint64_t key)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->k[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->k[lo] == key;
}

void ndr_keyset_free(ndr_keyset *s)
{
	free(s->k);
	*s = (ndr_keyset){ 0 };
}

uint64_t ndr_pair_key(const kb_ip *a, const kb_ip *b)
{
	unsigned char k[32];
	memcpy(k, a->b, 16);
	memcpy(k + 16, b->b, 16);
	return kb_hash64(k, 32, 11);
}

/* ---- hashing and tables ----------------------------------------------------------- */

uint64_t ndr_hash(const void *p, size_t n, uint64_t seed)
{
	return kb_hash64(p, n, seed);
}

/* An index over a dense array: slots of (hash tag, value + 1; 0 empty), so
 * a probe compares tags and touches the array only for a likely match. */
typedef struct ndr_slot {
	uint32_t tag;
	uint32_t v;
} ndr_slot;

typedef struct ndr_index {
	ndr_slot *slot;
	size_t mask;
} ndr_index;

static int index_grow(ndr_index *ix, size_t n, uint64_t (*hash_of)(const void *ctx, uint32_t i), const void *ctx)
{
	size_t cap = ix->slot ? (ix->mask + 1) * 2 : 1024;
	while (cap * 3 < n * 4)
		cap *= 2;
	ndr_slot *s = calloc(cap, sizeof *s);
	if (!s)
		return KB_ENOMEM;
	free(ix->slot);
	ix->slot = s;
	ix->mask = cap - 1;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = hash_of(ctx, i);
		size_t j = h & ix->mask;
		while (ix->slot[j].v)
			j = (j + 1) & ix->mask;
		ix->slot[j] = (ndr_slot){ (uint32_t)(h >> 32), i + 1 };
	}
	return 0;
}

#define NDR_HOST_CACHE 1024 /* recently used hosts, direct-mapped by hash */

struct ndr_ctx {
	kb_store *s;
	const kb_detect_config *cfg;
	kb_detect_config defaults;
	const kb_ioc_set *iocs;
	int64_t since, until;
	ndr_tz_table *tz;
	/* hosts and pairs */
	ndr_host *hosts;
	size_t nhosts, caphosts;
	ndr_index hix;
	struct { uint64_t h; uint32_t v; } hcache[NDR_HOST_CACHE]; /* v: index + 1 */
	ndr_pair *pairs;
	size_t npairs, cappairs;
	ndr_index pix;
	kb_beacon_state *beacons;
	size_t nbeacons, capbeacons;
	kb_beacon_window bwin;
	bool bwin_ok;
	/* the ledger */
	struct addr_ent { kb_ip ip; uint16_t port; bool mgmt; char *asset; char *kind; } *addrs;
	size_t naddrs;
	/* detections */
	kb_detection *dets;
	size_t ndets, capdets;
	struct want { kb_ip src, dst; bool any_dst, either; uint16_t port; } *wants; /* parallel to dets */
	uint64_t state_bytes;
	kb_detect_stats stats;
};

const kb_detect_config *ndr_config(const ndr_ctx *c) { return c->cfg; }
const struct kb_ioc_set *ndr_iocs(const ndr_ctx *c) { return c->iocs; }
kb_store *ndr_store(const ndr_ctx *c) { return c->s; }
int64_t ndr_since(const ndr_ctx *c) { return c->since; }
int64_t ndr_until(const ndr_ctx *c) { return c->until; }
const ndr_host *ndr_host_at(const ndr_ctx *c, uint32_t i) { return &c->hosts[i]; }
size_t ndr_n_hosts(const ndr_ctx *c) { return c->nhosts; }
const ndr_pair *ndr_pair_at(const ndr_ctx *c, uint32_t i) { return &c->pairs[i]; }
int64_t ndr_pair_first_us(const ndr_ctx *c, const ndr_pair *p) { return c->since + (int64_t)p->first_s * 1000000; }
int64_t ndr_pair_last_us(const ndr_ctx *c, const ndr_pair *p) { return c->since + (int64_t)p->last_s * 1000000; }
size_t ndr_n_pairs(const ndr_ctx *c) { return c->npairs; }
const kb_beacon_window *ndr_beacon_window(const ndr_ctx *c) { return c->bwin_ok ? &c->bwin : NULL; }

const kb_beacon_state *ndr_beacon_of(const ndr_ctx *c, const ndr_pair *p)
{
	return p->beacon ? &c->beacons[p->beacon - 1] : NULL;
}

static uint64_t host_hash(const void *ctx, uint32_t i)
{
	const ndr_ctx *c = ctx;
	return ndr_hash(c->hosts[i].ip.b, 16, 1);
}

static uint64_t pair_key_hash(uint32_t src, uint32_t dst)
{
	uint64_t k = (uint64_t)src << 32 | dst;
	k *= 0x9E3779B97F4A7C15ull;
	return k ^ (k >> 29);
}

static uint64_t pair_hash(const void *ctx, uint32_t i)
{
	const ndr_ctx *c = ctx;
	return pair_key_hash(c->pairs[i].src, c->pairs[i].dst);
}

static bool admin_src(const kb_detect_config *cfg, const kb_ip *a)
{
	for (size_t i = 0; i < cfg->n_admins; i++)
		if (kb_cidr_contains(&cfg->admins[i], a))
			return true;
	return false;
}

int64_t ndr_host_find(const ndr_ctx *c, const kb_ip *ip)
{
	if (!c->hix.slot)
		return -1;
	uint64_t h = ndr_hash(ip->b, 16, 1);
	for (size_t j = h & c->hix.mask;; j = (j + 1) & c->hix.mask) {
		const ndr_slot *sl = &c->hix.slot[j];
		if (!sl->v)
			return -1;
		if (sl->tag == (uint32_t)(h >> 32) && memcmp(c->hosts[sl->v - 1].ip.b, ip->b, 16) == 0)
			return sl->v - 1;
	}
}

/* Resolvers: hosts that NDR_RESOLVER_CLIENTS or more internal hosts send DNS to. */
static int mark_resolvers(ndr_ctx *c)
{
	uint32_t *n = calloc(c->nhosts ? c->nhosts : 1, sizeof *n);
	if (!n)
		return KB_ENOMEM;
	for (size_t i = 0; i < c->npairs; i++)
		if (c->pairs[i].port == 53 && (c->hosts[c->pairs[i].src].flags & NDR_H_INTERNAL) &&
		    ++n[c->pairs[i].dst] == NDR_RESOLVER_CLIENTS)
			c->hosts[c->pairs[i].dst].flags |= NDR_H_RESOLVER;
	free(n);
	return 0;
}

/* The index of a host, added when new; -1 when out of memory or past the limit. */
static int64_t host_get(ndr_ctx *c, const kb_ip *ip)
{
	uint64_t h = ndr_hash(ip->b, 16, 1);
	uint32_t tag = (uint32_t)(h >> 32);
	size_t ck = (h >> 20) & (NDR_HOST_CACHE - 1);
	if (c->hcache[ck].v && c->hcache[ck].h == h && memcmp(c->hosts[c->hcache[ck].v - 1].ip.b, ip->b, 16) == 0)
		return c->hcache[ck].v - 1;
	if (c->hix.slot) {
		for (size_t j = h & c->hix.mask;; j = (j + 1) & c->hix.mask) {
			const ndr_slot *sl = &c->hix.slot[j];
			if (!sl->v)
				break;
			if (sl->tag == tag && memcmp(c->hosts[sl->v - 1].ip.b, ip->b, 16) == 0) {
				c->hcache[ck].h = h;
				c->hcache[ck].v = sl->v;
				return sl->v - 1;
			}
		}
	}
	if (c->nhosts >= NDR_MAX_HOSTS)
		return -1;
	if (c->nhosts == c->caphosts) {
		size_t cap = c->caphosts ? c->caphosts + c->caphosts / 4 : 1024;
		ndr_host *p = realloc(c->hosts, cap * sizeof *p);
		if (!p)
			return -1;
		c->hosts = p;
		c->caphosts = cap;
	}
	ndr_host *x = &c->hosts[c->nhosts];
	memset(x, 0, sizeof *x);
	x->ip = *ip;
	if (kb_detect_is_internal(c->cfg, ip))
		x->flags |= NDR_H_INTERNAL;
	if (admin_src(c->cfg, ip))
		x->flags |= NDR_H_ADMIN;
	c->nhosts++;
	if (!c->hix.slot || c->nhosts * 4 > (c->hix.mask + 1) * 3) {
		if (index_grow(&c->hix, c->nhosts, host_hash, c) < 0)
			return -1;
	} else {
		size_t j = h & c->hix.mask;
		while (c->hix.slot[j].v)
			j = (j + 1) & c->hix.mask;
		c->hix.slot[j] = (ndr_slot){ tag, (uint32_t)c->nhosts };
	}
	c->hcache[ck].h = h;
	c->hcache[ck].v = (uint32_t)c->nhosts;
	return (int64_t)c->nhosts - 1;
}

static int64_t pair_get(ndr_ctx *c, uint32_t src, uint32_t dst, bool *ret_new)
{
	uint64_t h = pair_key_hash(src, dst);
	uint32_t tag = (uint32_t)(h >> 32);
	*ret_new = false;
	if (c->pix.slot) {
		for (size_t j = h & c->pix.mask;; j = (j + 1) & c->pix.mask) {
			const ndr_slot *sl = &c->pix.slot[j];
			if (!sl->v)
				break;
			if (sl->tag == tag && c->pairs[sl->v - 1].src == src && c->pairs[sl->v - 1].dst == dst)
				return sl->v - 1;
		}
	}
	if (c->npairs >= NDR_MAX_PAIRS)
		return -1;
	if (c->npairs == c->cappairs) {
		size_t cap = c->cappairs ? c->cappairs + c->cappairs / 4 : 4096;
		ndr_pair *p = realloc(c->pairs, cap * sizeof *p);
		if (!p)
			return -1;
		c->pairs = p;
		c->cappairs = cap;
	}
	ndr_pair *x = &c->pairs[c->npairs];
	memset(x, 0, sizeof *x);
	x->src = src;
	x->dst = dst;
	c->npairs++;
	*ret_new = true;
	if (!c->pix.slot || c->npairs * 4 > (c->pix.mask + 1) * 3) {
		if (index_grow(&c->pix, c->npairs, pair_hash, c) < 0)
			return -1;
	} else {
		size_t j = h & c->pix.mask;
		while (c->pix.slot[j].v)
			j = (j + 1) & c->pix.mask;
		c->pix.slot[j] = (ndr_slot){ tag, (uint32_t)c->npairs };
	}
	return (int64_t)c->npairs - 1;
}

/* ---- the ledger -------------------------------------------------------------------- */

static int cmp_addr(const void *a, const void *b)
{
	const struct addr_ent *x = a, *y = b;
	int d = memcmp(x->ip.b, y->ip.b, 16);
	if (d)
		return d;
	return (x->port > y->port) - (x->port < y->port);
}

static int load_ledger(ndr_ctx *c, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(c->s,
	                         "SELECT a.name, i.address, i.port, i.role,"
	                         " trim(coalesce(a.vendor, '') || ' ' || coalesce(a.product, '') || ' ' || coalesce(a.form_factor, ''))"
	                         " FROM interface i JOIN asset a ON a.id = i.asset_id",
	                         &st, err);
	if (r < 0)
		return r;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = kb_column_text(st, 0), *addr = kb_column_text(st, 1), *role = kb_column_text(st, 3);
		kb_ip ip;
		if (!name || !addr)
			continue;
		size_t n = strlen(addr);
		if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']')
			addr++, n -= 2;
		if (kb_ip_parse(addr, n, &ip) < 0)
			continue; /* a host name: no flow carries it */
		if (c->naddrs == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct addr_ent *p = realloc(c->addrs, ncap * sizeof *p);
			if (!p) {
				sqlite3_finalize(st);
				return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
			}
			c->addrs = p;
			cap = ncap;
		}
		struct addr_ent *e = &c->addrs[c->naddrs];
		e->ip = ip;
		e->port = (uint16_t)sqlite3_column_int(st, 2);
		e->mgmt = role && strcmp(role, "management") == 0;
		const char *kind = kb_column_text(st, 4);
		e->kind = NULL;
		if (!(e->asset = strdup(name)) || (kind && *kind && !(e->kind = strdup(kind)))) {
			sqlite3_finalize(st);
			return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
		}
		c->naddrs++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return kb_store_fail(c->s, err, "read the ledger's interfaces");
	if (c->naddrs)
		qsort(c->addrs, c->naddrs, sizeof *c->addrs, cmp_addr);
	return 0;
}

/* The first ledger entry at an address (lowest port). */
static const struct addr_ent *addr_first(const ndr_ctx *c, const kb_ip *a)
{
	size_t lo = 0, hi = c->naddrs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(c->addrs[mid].ip.b, a->b, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->naddrs && memcmp(c->addrs[lo].ip.b, a->b, 16) == 0 ? &c->addrs[lo] : NULL;
}

const char *ndr_asset_at(const ndr_ctx *c, const kb_ip *a)
{
	const struct addr_ent *e = addr_first(c, a);
	return e ? e->asset : NULL;
}

const char *ndr_kind_at(const ndr_ctx *c, const kb_ip *a)
{
	const struct addr_ent *e = addr_first(c, a);
	return e ? e->kind : NULL;
}

const char *ndr_management_at(const ndr_ctx *c, const kb_ip *a, uint16_t port)
{
	for (const struct addr_ent *e = addr_first(c, a); e && e < c->addrs + c->naddrs && memcmp(e->ip.b, a->b, 16) == 0;
	     e++)
		if (e->mgmt && (e->port == 0 || e->port == port))
			return e->asset;
	return NULL;
}

void ndr_local_text(const ndr_ctx *c, int64_t us, char *buf, size_t size)
{
	int64_t s = us / 1000000 + ndr_tz_offset(c->tz, us / 1000000);
	time_t t = (time_t)s;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	char tmp[32];
	strftime(tmp, sizeof tmp, "%Y-%m-%d %H:%M", &tm);
	snprintf(buf, size, "%s %s", tmp, c->cfg->timezone);
}

void ndr_ip_text(const kb_ip *a, char *buf, size_t size)
{
	char t[KB_IP_TEXT_MAX];
	kb_ip_format(a, t, sizeof t);
	snprintf(buf, size, "%s", t);
}

void ndr_bytes_text(uint64_t n, char *buf, size_t size)
{
	static const char *const u[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	int i = 0;
	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%" PRIu64 " B", n);
	else
		snprintf(buf, size, "%.1f %s", v, u[i]);
}

/* ---- detections --------------------------------------------------------------------- */

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int ndr_emit(ndr_ctx *c, const ndr_emit_args *a)
{
	if (c->ndets >= NDR_MAX_DETECTIONS) {
		c->stats.dropped_detections++;
		return 0;
	}
	if (c->ndets == c->capdets) {
		size_t cap = c->capdets ? c->capdets * 2 : 64;
		kb_detection *p = realloc(c->dets, cap * sizeof *p);
		if (!p)
			return KB_ENOMEM;
		c->dets = p;
		struct want *w = realloc(c->wants, cap * sizeof *w);
		if (!w)
			return KB_ENOMEM;
		c->wants = w;
		c->capdets = cap;
	}
	kb_detection *d = &c->dets[c->ndets];
	memset(d, 0, sizeof *d);
	d->kind = a->kind;
	d->category = a->category;
	d->host = *a->host;
	d->host_asset = ndr_asset_at(c, a->host);
	d->peer = dup_or_empty(a->peer);
	d->threat = a->threat > 100 ? 100 : a->threat;
	d->certainty = a->certainty > 100 ? 100 : a->certainty;
	d->first_us = a->first_us;
	d->last_us = a->last_us;
	d->summary = dup_or_empty(a->summary);
	d->evidence = dup_or_empty(a->evidence);
	d->next_step = dup_or_empty(a->next_step);
	if (!d->peer || !d->summary || !d->evidence || !d->next_step)
		return KB_ENOMEM;
	struct want *w = &c->wants[c->ndets];
	memset(w, 0, sizeof *w);
	w->src = *a->host;
	w->any_dst = !a->sample_dst;
	if (a->sample_dst)
		w->dst = *a->sample_dst;
	w->port = a->sample_port;
	w->either = a->sample_either_way;
	c->ndets++;
	return 0;
}

/* ---- the hold queue ------------------------------------------------------------------ */

typedef struct held {
	kb_flow f;
	bool done;      /* merged into another or sent */
	bool paired;    /* the other direction was merged into it */
} held;

typedef struct holdq {
	held *q;        /* ring */
	size_t head, n, cap;
	/* 5-tuple (direction as recorded) -> ring position + 1 of the newest held record */
	struct hslot { uint64_t h; size_t pos; } *map;
	size_t mask, used;
} holdq;

static uint64_t tuple_hash(const kb_ip *a, uint16_t ap, const kb_ip *b, uint16_t bp, uint8_t proto)
{
	unsigned char k[37];
	memcpy(k, a->b, 16);
	memcpy(k + 16, b->b, 16);
	memcpy(k + 32, &ap, 2);
	memcpy(k + 34, &bp, 2);
	k[36] = proto;
	uint64_t h = ndr_hash(k, sizeof k, 7);
	return h ? h : 1;
}

static int hq_map_put(holdq *q, uint64_t h, size_t pos)
{
	if (!q->map || (q->used + 1) * 2 > q->mask + 1) {
		size_t cap = q->map ? (q->mask + 1) * 2 : 1024;
		struct hslot *m = calloc(cap, sizeof *m);
		if (!m)
			return KB_ENOMEM;
		for (size_t i = 0; q->map && i <= q->mask; i++)
			if (q->map[i].h) {
				size_t j = q->map[i].h & (cap - 1);
				while (m[j].h)
					j = (j + 1) & (cap - 1);
				m[j] = q->map[i];
			}
		free(q->map);
		q->map = m;
		q->mask = cap - 1;
	}
	size_t j = h & q->mask;
	while (q->map[j].h && q->map[j].h != h)
		j = (j + 1) & q->mask;
	if (!q->map[j].h)
		q->used++;
	q->map[j] = (struct hslot){ h, pos + 1 };
	return 0;
}

static held *hq_find(holdq *q, uint64_t h)
{
	if (!q->map)
		return NULL;
	for (size_t j = h & q->mask; q->map[j].h; j = (j + 1) & q->mask)
		if (q->map[j].h == h) {
			size_t pos = q->map[j].pos - 1;
			/* still in the ring and not yet gone? */
			size_t off = (pos + q->cap - q->head) % q->cap;
			if (off < q->n && !q->q[pos].done)
				return &q->q[pos];
			return NULL;
		}
	return NULL;
}

static void hq_map_drop(holdq *q, uint64_t h, size_t pos)
{
	if (!q->map)
		return;
	for (size_t j = h & q->mask; q->map[j].h; j = (j + 1) & q->mask)
		if (q->map[j].h == h) {
			if (q->map[j].pos != pos + 1)
				return;
			/* backward-shift deletion keeps the probe chains whole */
			size_t i = j;
			for (;;) {
				q->map[i].h = 0;
				size_t k = i;
				for (;;) {
					k = (k + 1) & q->mask;
					if (!q->map[k].h)
						goto done;
					size_t home = q->map[k].h & q->mask;
					if ((i <= k) ? (home <= i || home > k) : (home <= i && home > k))
						break;
				}
				q->map[i] = q->map[k];
				i = k;
			}
		done:
			q->used--;
			return;
		}
}

static void merge_reverse(kb_flow *a, const kb_flow *b)
{
	/* b is a's responder half */
	a->resp_bytes += b->orig_bytes;
	a->resp_pkts += b->orig_pkts;
	a->tcp_flags |= b->tcp_flags;
	int64_t end = a->start_us + (a->duration_us > 0 ? a->duration_us : 0);
	int64_t bend = b->start_us + (b->duration_us > 0 ? b->duration_us : 0);
	if (bend > end)
		a->duration_us = bend - a->start_us;
	a->flags &= (uint8_t)~KB_FLOW_UNIDIR;
}

static void merge_next(kb_flow *a, const kb_flow *b)
{
	/* b continues a (same direction) */
	a->orig_bytes += b->orig_bytes;
	a->resp_bytes += b->resp_bytes;
	a->orig_pkts += b->orig_pkts;
	a->resp_pkts += b->resp_pkts;
	a->tcp_flags |= b->tcp_flags;
	int64_t bend = b->start_us + (b->duration_us > 0 ? b->duration_us : 0);
	if (bend - a->start_us > a->duration_us)
		a->duration_us = bend - a->start_us;
	if (!(b->flags & KB_FLOW_PARTIAL))
		a->flags &= (uint8_t)~KB_FLOW_PARTIAL;
}

/* ---- the passes ------------------------------------------------------------------------ */

static bool is_admin_port(const kb_flow *f)
{
	if (f->proto != 6)
		return false;
	switch (f->resp_port) {
	case 22: case 23: case 135: case 139: case 445: case 3389: case 5900: case 5985: case 5986:
		return true;
	default:
		return false;
	}
}

static bool established(const kb_flow *f)
{
	if (f->flags & KB_FLOW_HAS_STATE)
		return strcmp(f->state, "SF") == 0 || strcmp(f->state, "S1") == 0 || strcmp(f->state, "S2") == 0 ||
		       strcmp(f->state, "S3") == 0 || strcmp(f->state, "RSTO") == 0 || strcmp(f->state, "RSTR") == 0;
	return f->orig_bytes > 0 && f->resp_bytes > 0;
}

static int info_of(ndr_ctx *c, const kb_flow *f, ndr_flowinfo *fi, bool count_pair)
{
	int64_t s = host_get(c, &f->orig), d = host_get(c, &f->resp);
	if (s < 0 || d < 0)
		return KB_ELIMIT;
	memset(fi, 0, sizeof *fi);
	fi->src = (uint32_t)s;
	fi->dst = (uint32_t)d;
	fi->src_int = c->hosts[s].flags & NDR_H_INTERNAL;
	fi->dst_int = c->hosts[d].flags & NDR_H_INTERNAL;
	fi->established = established(f);
	fi->admin_port = is_admin_port(f);
	fi->business = ndr_business_hours(c->cfg, c->tz, f->start_us / 1000000);
	if (!count_pair)
		return 0;
	bool fresh;
	int64_t p = pair_get(c, fi->src, fi->dst, &fresh);
	if (p < 0)
		return KB_ELIMIT;
	fi->pair = (uint32_t)p;
	fi->new_pair = fresh;
	return 0;
}

static uint32_t rel_s(const ndr_ctx *c, int64_t us)
{
	int64_t s = (us - c->since) / 1000000;
	return s < 0 ? 0 : s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

static int account(ndr_ctx *c, const kb_flow *f, ndr_flowinfo *fi)
{
	ndr_pair *p = &c->pairs[fi->pair];
	ndr_host *src = &c->hosts[fi->src], *dst = &c->hosts[fi->dst];
	uint32_t t = rel_s(c, f->start_us);
	if (fi->new_pair) {
		p->first_s = t;
		p->port = f->resp_port;
		p->proto = f->proto;
		if (fi->src_int && !fi->dst_int)
			dst->n_int_srcs++;
	}
	/* beacon state: internal to external pairs with two connections or more; made at the
	 * second one from the first (whose bytes are still the pair's whole) */
	if (c->bwin_ok && fi->src_int && !fi->dst_int && p->conns >= 1) {
		if (!p->beacon) {
			if (c->nbeacons == c->capbeacons) {
				size_t cap = c->capbeacons ? c->capbeacons * 2 : 256;
				kb_beacon_state *b = realloc(c->beacons, cap * sizeof *b);
				if (!b)
					return KB_ENOMEM;
				c->beacons = b;
				c->capbeacons = cap;
			}
			kb_beacon_state_init(&c->beacons[c->nbeacons]);
			p->beacon = (uint32_t)++c->nbeacons;
			kb_beacon_add(&c->beacons[p->beacon - 1], &c->bwin, c->since / 1000000 + p->first_s,
			              (int64_t)p->bytes_out);
		}
		/* a record that waited in the hold queue may come late: it is counted, not scored */
		kb_beacon_add(&c->beacons[p->beacon - 1], &c->bwin, f->start_us / 1000000, (int64_t)f->orig_bytes);
	}
	if (t > p->last_s)
		p->last_s = t;
	p->conns++;
	p->bytes_out += f->orig_bytes;
	p->bytes_in += f->resp_bytes;
	if (f->duration_us > 0) {
		uint64_t d = (uint64_t)p->dur_s + (uint64_t)(f->duration_us / 1000000);
		p->dur_s = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
	if (fi->admin_port)
		p->flags |= NDR_P_ADMIN;
	if (fi->established)
		p->flags |= NDR_P_ESTABLISHED;
	if (fi->src_int && !fi->dst_int)
		src->out_ext += f->orig_bytes;
	return 0;
}

static int one_flow(ndr_ctx *c, const kb_flow *f, void **states)
{
	if (f->start_us < c->since || f->start_us >= c->until)
		return 0;
	ndr_flowinfo fi;
	int r = info_of(c, f, &fi, true);
	if (r == 0)
		r = account(c, f, &fi);
	if (r < 0)
		return r;
	c->stats.flows++;
	for (size_t i = 0; i < N_DETECTORS; i++)
		if (ndr_detectors[i]->flow)
			ndr_detectors[i]->flow(c, states[i], f, &fi);
	return 0;
}

/* Send the held records that are old enough (all of them when `all`). */
static int hq_drain(ndr_ctx *c, holdq *q, int64_t now, bool all, void **states)
{
	while (q->n) {
		held *h = &q->q[q->head];
		if (!all && h->f.start_us + NDR_HOLD_US > now)
			break;
		if (!h->done) {
			h->done = true;
			hq_map_drop(q, tuple_hash(&h->f.orig, h->f.orig_port, &h->f.resp, h->f.resp_port, h->f.proto),
			            q->head);
			int r = one_flow(c, &h->f, states);
			if (r < 0)
				return r;
		}
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return 0;
}

static int hq_push(ndr_ctx *c, holdq *q, const kb_flow *f)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 4096;
		held *n = malloc(cap * sizeof *n);
		if (!n)
			return KB_ENOMEM;
		for (size_t i = 0; i < q->n; i++)
			n[i] = q->q[(q->head + i) % q->cap];
		free(q->q);
		q->q = n;
		q->head = 0;
		q->cap = cap;
		/* positions moved: rebuild the map */
		free(q->map);
		q->map = NULL;
		q->used = 0;
		for (size_t i = 0; i < q->n; i++)
			if (!q->q[i].done) {
				const kb_flow *g = &q->q[i].f;
				if (hq_map_put(q, tuple_hash(&g->orig, g->orig_port, &g->resp, g->resp_port, g->proto), i) < 0)
					return KB_ENOMEM;
			}
	}
	size_t pos = (q->head + q->n) % q->cap;
	q->q[pos].f = *f;
	q->q[pos].f.uid = NULL;
	q->q[pos].done = false;
	q->q[pos].paired = false;
	q->n++;
	(void)c;
	return hq_map_put(q, tuple_hash(&f->orig, f->orig_port, &f->resp, f->resp_port, f->proto), pos);
}

/* One record of the analysis window: paired, stitched or held. */
static int analysis_record(ndr_ctx *c, holdq *q, const kb_flow *f, void **states)
{
	int r = hq_drain(c, q, f->start_us, false, states);
	if (r < 0)
		return r;
	if (!(f->flags & (KB_FLOW_UNIDIR | KB_FLOW_PARTIAL)))
		return one_flow(c, f, states);
	/* the other direction, waiting: its first half, or (once paired) a continuation */
	held *rev = (f->flags & KB_FLOW_UNIDIR)
		? hq_find(q, tuple_hash(&f->resp, f->resp_port, &f->orig, f->orig_port, f->proto))
		: NULL;
	if (rev) {
		int64_t rend = rev->f.start_us + (rev->f.duration_us > 0 ? rev->f.duration_us : 0);
		bool first_half = (rev->f.flags & KB_FLOW_UNIDIR) && f->start_us - rev->f.start_us <= NDR_PAIR_SLACK_US;
		bool later_half = rev->paired && f->start_us <= rend + NDR_STITCH_GAP_US;
		if (first_half || later_half) {
			merge_reverse(&rev->f, f);
			rev->paired = true;
			if (first_half)
				c->stats.paired++;
			else
				c->stats.stitched++;
			return 0;
		}
	}
	/* the earlier part of a session cut by a timeout? */
	held *prev = hq_find(q, tuple_hash(&f->orig, f->orig_port, &f->resp, f->resp_port, f->proto));
	if (prev && (prev->f.flags & KB_FLOW_PARTIAL)) {
		int64_t pend = prev->f.start_us + (prev->f.duration_us > 0 ? prev->f.duration_us : 0);
		if (f->start_us >= pend - NDR_PAIR_SLACK_US && f->start_us - pend <= NDR_STITCH_GAP_US) {
			merge_next(&prev->f, f);
			c->stats.stitched++;
			return 0;
		}
	}
	return hq_push(c, q, f);
}

#define NDR_BATCH 32 /* records read ahead, so the host index is prefetched while earlier ones are worked */

/* Ask for the host index slots of a batch of records before they are needed:
 * a large estate's tables are far bigger than the caches and every lookup
 * would otherwise wait on memory. */
static void prefetch_hosts(const ndr_ctx *c, const kb_flow *b, size_t n)
{
	if (!c->hix.slot)
		return;
	for (size_t i = 0; i < n; i++) {
		__builtin_prefetch(&c->hix.slot[ndr_hash(b[i].orig.b, 16, 1) & c->hix.mask]);
		__builtin_prefetch(&c->hix.slot[ndr_hash(b[i].resp.b, 16, 1) & c->hix.mask]);
	}
}

static int one_record(ndr_ctx *c, holdq *q, const kb_flow *f, bool baseline, void **states)
{
	if (!baseline)
		return analysis_record(c, q, f, states);
	ndr_flowinfo fi;
	int r = info_of(c, f, &fi, false);
	if (r < 0)
		return r;
	c->stats.baseline_flows++;
	if (fi.src_int && !fi.dst_int)
		c->hosts[fi.src].base_out_ext += f->orig_bytes;
	for (size_t i = 0; i < N_DETECTORS; i++)
		if (ndr_detectors[i]->baseline)
			ndr_detectors[i]->baseline(c, states[i], f, &fi);
	return 0;
}

static int read_window(ndr_ctx *c, int64_t since, int64_t until, bool baseline, void **states, kb_error *err)
{
	kb_flow_cursor *cur = NULL;
	int r = kb_flow_cursor_open(c->s, since, until, &cur, err);
	if (r < 0)
		return r;
	holdq q = { 0 };
	kb_flow batch[NDR_BATCH];
	size_t n = 0;
	for (;;) {
		n = 0;
		while (n < NDR_BATCH && (r = kb_flow_cursor_next(cur, &batch[n], err)) == 1)
			n++;
		if (r < 0)
			break;
		prefetch_hosts(c, batch, n);
		int rr = 0;
		for (size_t i = 0; i < n && rr == 0; i++)
			rr = one_record(c, &q, &batch[i], baseline, states);
		if (rr < 0) {
			r = rr;
			break;
		}
		if (n < NDR_BATCH) {
			r = 0;
			break;
		}
	}
	if (r == 0 && !baseline)
		r = hq_drain(c, &q, INT64_MAX, true, states);
	if (r < 0 && !err->msg[0])
		kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET,
		             r == KB_ELIMIT ? "more hosts or pairs than the limits (%u hosts, %u pairs)" : "out of memory",
		             (unsigned)NDR_MAX_HOSTS, (unsigned)NDR_MAX_PAIRS);
	free(q.q);
	free(q.map);
	kb_flow_cursor_free(cur);
	return r;
}

/* The second pass: sample flows of the detections that want them. The
 * wanting detections are sorted by a hash of their host, so a flow costs
 * one hash and a binary search (two when some want both directions), not
 * a look at every detection. */
struct wkey {
	uint64_t h;
	size_t det;
};

static int cmp_wkey(const void *a, const void *b)
{
	const struct wkey *x = a, *y = b;
	return (x->h > y->h) - (x->h < y->h);
}

static void sample_into(ndr_ctx *c, const struct wkey *keys, size_t nk, uint64_t h, const kb_flow *f, size_t *open)
{
	size_t lo = 0, hi = nk;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (keys[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < nk && keys[k].h == h; k++) {
		struct want *w = &c->wants[keys[k].det];
		kb_detection *d = &c->dets[keys[k].det];
		if (d->n_samples >= KB_DETECT_MAX_SAMPLES)
			continue;
		bool fwd = memcmp(f->orig.b, w->src.b, 16) == 0 && (w->any_dst || memcmp(f->resp.b, w->dst.b, 16) == 0);
		bool rev = w->either && !w->any_dst && memcmp(f->resp.b, w->src.b, 16) == 0 &&
		           memcmp(f->orig.b, w->dst.b, 16) == 0;
		if (!(fwd || rev) || (w->port && f->resp_port != w->port))
			continue;
		d->samples[d->n_samples++] = *f;
		d->samples[d->n_samples - 1].uid = NULL;
		if (d->n_samples == KB_DETECT_MAX_SAMPLES)
			(*open)--;
	}
}

static int collect_samples(ndr_ctx *c, kb_error *err)
{
	struct wkey *keys = malloc((c->ndets ? c->ndets : 1) * sizeof *keys);
	if (!keys)
		return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	size_t nk = 0, open = 0;
	bool either = false;
	for (size_t i = 0; i < c->ndets; i++)
		if (c->wants[i].port || !c->wants[i].any_dst) {
			keys[nk++] = (struct wkey){ ndr_hash(c->wants[i].src.b, 16, 9), i };
			either |= c->wants[i].either;
		}
	open = nk;
	if (!nk) {
		free(keys);
		return 0;
	}
	qsort(keys, nk, sizeof *keys, cmp_wkey);
	kb_flow_cursor *cur = NULL;
	int r = kb_flow_cursor_open(c->s, c->since, c->until, &cur, err);
	kb_flow f;
	while (r == 0 && open && (r = kb_flow_cursor_next(cur, &f, err)) == 1) {
		r = 0;
		sample_into(c, keys, nk, ndr_hash(f.orig.b, 16, 9), &f, &open);
		if (either)
			sample_into(c, keys, nk, ndr_hash(f.resp.b, 16, 9), &f, &open);
	}
	kb_flow_cursor_free(cur);
	free(keys);
	return r < 0 ? r : 0;
}

/* ---- ranking ------------------------------------------------------------------------------ */

static int cmp_det_host(const void *a, const void *b)
{
	const kb_detection *x = a, *y = b;
	int d = memcmp(x->host.b, y->host.b, 16);
	if (d)
		return d;
	return (x->threat < y->threat) - (x->threat > y->threat);
}

static int cmp_rank(const void *a, const void *b)
{
	const kb_host_rank *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? 1 : -1;
	if (x->threat != y->threat)
		return x->threat < y->threat ? 1 : -1;
	return memcmp(x->host.b, y->host.b, 16);
}

static int rank(ndr_ctx *c, kb_detect_result *res)
{
	if (!c->ndets)
		return 0;
	qsort(c->dets, c->ndets, sizeof *c->dets, cmp_det_host);
	size_t nh = 0;
	for (size_t i = 0; i < c->ndets; i++)
		if (i == 0 || memcmp(c->dets[i].host.b, c->dets[i - 1].host.b, 16) != 0)
			nh++;
	kb_host_rank *h = calloc(nh, sizeof *h);
	if (!h)
		return KB_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < c->ndets;) {
		size_t j = i;
		double tmax = 0, tsum = 0, unsure = 1;
		size_t kl = 0;
		char kinds[512] = "";
		for (; j < c->ndets && memcmp(c->dets[j].host.b, c->dets[i].host.b, 16) == 0; j++) {
			double t = c->dets[j].threat / 100.0, ce = c->dets[j].certainty / 100.0;
			tsum += t;
			if (t > tmax)
				tmax = t;
			unsure *= 1 - ce;
			if (!strstr(kinds, c->dets[j].kind) && kl + strlen(c->dets[j].kind) + 2 < sizeof kinds)
				kl += (size_t)snprintf(kinds + kl, sizeof kinds - kl, "%s%s", kl ? "," : "", c->dets[j].kind);
		}
		double threat = tmax + 0.25 * (tsum - tmax);
		if (threat > 1)
			threat = 1;
		double certainty = 1 - unsure;
		h[k].host = c->dets[i].host;
		h[k].asset = c->dets[i].host_asset;
		h[k].threat = (unsigned)lround(threat * 100);
		h[k].certainty = (unsigned)lround(certainty * 100);
		h[k].priority = (unsigned)lround(threat * certainty * 100);
		h[k].n_detections = j - i;
		h[k].kinds = strdup(kinds);
		if (!h[k].kinds) {
			res->hosts = h;
			res->n_hosts = k;
			return KB_ENOMEM;
		}
		k++;
		i = j;
	}
	qsort(h, nh, sizeof *h, cmp_rank);
	res->hosts = h;
	res->n_hosts = nh;
	/* detections in host rank order, then by threat */
	kb_detection *sorted = malloc(c->ndets * sizeof *sorted);
	if (!sorted)
		return KB_ENOMEM;
	size_t n = 0;
	for (size_t r = 0; r < nh; r++) {
		/* the detections are sorted by host: the host's run starts at the first not below it */
		size_t lo = 0, hi = c->ndets;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (memcmp(c->dets[mid].host.b, h[r].host.b, 16) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memcpy(sorted + n, c->dets + lo, h[r].n_detections * sizeof *sorted);
		n += h[r].n_detections;
	}
	memcpy(c->dets, sorted, n * sizeof *sorted);
	free(sorted);
	return 0;
}

kb_detect_result *kb_detect_result_free(kb_detect_result *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_detections; i++) {
		free((char *)r->detections[i].peer);
		free((char *)r->detections[i].summary);
		free((char *)r->detections[i].evidence);
		free((char *)r->detections[i].next_step);
		free((char *)r->detections[i].host_asset);
	}
	free(r->detections);
	for (size_t i = 0; i < r->n_hosts; i++) {
		free((char *)r->hosts[i].kinds);
		free((char *)r->hosts[i].asset);
	}
	free(r->hosts);
	free(r);
	return NULL;
}

static void ctx_free(ndr_ctx *c)
{
	free(c->hosts);
	free(c->hix.slot);
	free(c->pairs);
	free(c->pix.slot);
	free(c->beacons);
	for (size_t i = 0; i < c->naddrs; i++) {
		free(c->addrs[i].asset);
		free(c->addrs[i].kind);
	}
	free(c->addrs);
	free(c->wants);
	ndr_tz_table_free(c->tz);
}

int kb_detect_run(kb_store *s, const kb_detect_opts *o, kb_detect_result **ret, kb_error *err)
{
	ndr_ctx c = { .s = s };
	kb_detect_config_default(&c.defaults);
	c.cfg = o && o->config ? o->config : &c.defaults;
	c.iocs = o ? o->iocs : NULL;
	int64_t lo = 0, hi = 0;
	int r = kb_flow_span(s, &lo, &hi, err);
	if (r < 0)
		return r;
	/* by default the window is every flow after the baseline */
	c.since = o && o->since_us ? o->since_us : lo;
	if (!(o && o->since_us) && c.cfg->baseline_until_us && c.cfg->baseline_until_us > c.since)
		c.since = c.cfg->baseline_until_us;
	c.until = o && o->until_us ? o->until_us : hi + 1;
	if (c.until <= c.since)
		c.until = c.since + 1;
	int64_t bsince = c.cfg->baseline_since_us, buntil = c.cfg->baseline_until_us;
	if (buntil > c.since)
		buntil = c.since;
	int64_t tz_from = (bsince && bsince < c.since ? bsince : c.since) / 1000000 - 86400;
	r = ndr_tz_table_new(c.cfg->timezone, tz_from, c.until / 1000000 + 86400, &c.tz);
	if (r < 0) {
		kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "time zone %s over the window: %s", c.cfg->timezone,
		             r == KB_ELIMIT ? "the window is too long" : kb_strerror(r));
		return r;
	}
	c.bwin_ok = kb_beacon_window_init(&c.bwin, c.since / 1000000, (c.until + 999999) / 1000000) == 0;
	void *states[N_DETECTORS] = { 0 };
	if (r == 0)
		r = load_ledger(&c, err);
	for (size_t i = 0; r == 0 && i < N_DETECTORS; i++)
		if (ndr_detectors[i]->init && (r = ndr_detectors[i]->init(&c, &states[i])) < 0)
			kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "%s: cannot start", ndr_detectors[i]->name);
	if (r == 0 && bsince && buntil > bsince)
		r = read_window(&c, bsince, buntil, true, states, err);
	if (r == 0)
		r = read_window(&c, c.since, c.until, false, states, err);
	if (r == 0 && (r = mark_resolvers(&c)) < 0)
		kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	for (size_t i = 0; r == 0 && i < N_DETECTORS; i++)
		if ((r = ndr_detectors[i]->finish(&c, states[i])) < 0 && !err->msg[0])
			kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "%s: %s", ndr_detectors[i]->name, kb_strerror(r));
	for (size_t i = 0; i < N_DETECTORS; i++)
		if (ndr_detectors[i]->free)
			ndr_detectors[i]->free(states[i]);
	/* only one host, when asked */
	if (r == 0 && o && o->only_host) {
		size_t k = 0;
		for (size_t i = 0; i < c.ndets; i++) {
			if (memcmp(c.dets[i].host.b, o->only_host->b, 16) == 0) {
				c.dets[k] = c.dets[i];
				c.wants[k++] = c.wants[i];
			} else {
				free((char *)c.dets[i].peer);
				free((char *)c.dets[i].summary);
				free((char *)c.dets[i].evidence);
				free((char *)c.dets[i].next_step);
			}
		}
		c.ndets = k;
	}
	if (r == 0)
		r = collect_samples(&c, err);
	kb_detect_result *res = calloc(1, sizeof *res);
	if (!res && r == 0)
		r = kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	/* asset names in detections point into the ledger table: the result gets copies */
	for (size_t i = 0; i < c.ndets; i++)
		c.dets[i].host_asset = c.dets[i].host_asset ? strdup(c.dets[i].host_asset) : NULL;
	if (res && r == 0 && rank(&c, res) < 0)
		r = kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	for (size_t i = 0; res && res->hosts && i < res->n_hosts; i++)
		res->hosts[i].asset = res->hosts[i].asset ? strdup(res->hosts[i].asset) : NULL;
	if (res) {
		res->detections = c.dets;
		res->n_detections = c.ndets;
		c.dets = NULL;
	}
	c.stats.hosts = c.nhosts;
	c.stats.pairs = c.npairs;
	c.stats.beacon_states = c.nbeacons;
	c.stats.state_bytes = c.caphosts * sizeof(ndr_host) + (c.hix.slot ? (c.hix.mask + 1) * sizeof(ndr_slot) : 0) +
	                      c.cappairs * sizeof(ndr_pair) + (c.pix.slot ? (c.pix.mask + 1) * sizeof(ndr_slot) : 0) +
	                      c.capbeacons * sizeof(kb_beacon_state);
	if (res)
		res->stats = c.stats;
	free(c.dets);
	ctx_free(&c);
	if (r < 0) {
		kb_detect_result_free(res);
		return r;
	}
	*ret = res;
	return 0;
}
