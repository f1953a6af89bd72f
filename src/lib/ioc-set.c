/*
 * ioc-set.c - the matching set: built once, then read-only, so any number of
 * threads can look up in it at once without locks.
 *
 * Data structures:
 *  - every IOC is a record in one array; its strings live in an arena of
 *    large blocks (pointers never move once written); sources are interned.
 *  - one open-addressing hash table (linear probing, at most half full) of
 *    (type, key) → record index for every exact value. The key of an address
 *    is its binary form (4 or 16 bytes, network order), of a port 2 bytes, of
 *    everything else the normalised string. A domain lookup probes the name
 *    and each of its label suffixes ("a.b.evil.com", "b.evil.com",
 *    "evil.com", "com"), so evil.com matches a.b.evil.com and never
 *    notevil.com. A URL is probed whole, then by each distinct length of the
 *    URL prefixes in the set.
 *  - CIDRs (a prefix shorter than the address) in two sorted arrays of
 *    disjoint ranges, one per family. Two CIDRs are either nested or
 *    disjoint, so after sorting by start (and the wider first) dropping every
 *    range that starts inside the one kept before leaves disjoint ranges that
 *    still cover every address some CIDR covers; a lookup is one binary
 *    search. The IOC reported is the widest CIDR that holds the address.
 *
 * Invariants: after kb_ioc_set_build nothing is written; `slots` has a
 * power-of-two size with at least half its slots empty, so every probe
 * sequence ends; r4/r6 are sorted by `lo` and disjoint. Lookup cost does not
 * depend on how many IOCs the set holds: one hash probe sequence per label
 * (or per URL prefix length), one binary search per address.
 */
#include "ioc-internal.h"
#include "util-hash.h"

#include "util-map.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (1u << 20)

typedef struct arena {
	char **blocks;
	size_t n, cap;
	size_t used, size; /* of the last block */
} arena;

static void *arena_alloc(arena *a, size_t n)
{
	if (!a->n || a->size - a->used < n) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			char **b = realloc(a->blocks, cap * sizeof *b);
			if (!b)
				return NULL;
			a->blocks = b;
			a->cap = cap;
		}
		size_t sz = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		char *blk = malloc(sz);
		if (!blk)
			return NULL;
		a->blocks[a->n++] = blk;
		a->used = 0;
		a->size = sz;
	}
	void *p = a->blocks[a->n - 1] + a->used;
	a->used += (n + 7) & ~(size_t)7;
	if (a->used > a->size)
		a->used = a->size;
	return p;
}

static const char *arena_str(arena *a, const char *s, int *r)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *p = arena_alloc(a, n + 1);
	if (!p) {
		*r = KB_ENOMEM;
		return NULL;
	}
	memcpy(p, s, n + 1);
	return p;
}

static void arena_free(arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->blocks[i]);
	free(a->blocks);
}

typedef struct key {
	const unsigned char *k;
	uint32_t len;
	uint8_t type;
	uint8_t prefix; /* CIDR prefix length; 0xFF: exact */
} key;

typedef struct slot {
	uint32_t hash;
	uint32_t idx; /* record index + 1; 0: empty */
} slot;

typedef struct range4 {
	uint32_t lo, hi, idx;
} range4;

typedef struct range6 {
	uint8_t lo[16], hi[16];
	uint32_t idx;
	uint8_t prefix;
} range6;

struct kb_ioc_set_builder {
	kb_ioc *iocs;
	key *keys;
	size_t n, cap;
	size_t max; /* KB_IOC_SET_MAX, lower in tests */
	arena ar;
	kb_map sources;
};

struct kb_ioc_set {
	kb_ioc *iocs;
	key *keys;
	size_t n;
	arena ar;
	slot *slots;
	size_t mask;
	range4 *r4;
	size_t n4;
	range6 *r6;
	size_t n6;
	uint16_t *plen_more; /* distinct URL prefix lengths, ascending */
	size_t nplen_more;
	uint32_t types;      /* bit t: some exact key of type t is in the slots */
	uint64_t *filter;    /* two bits per slotted key, 8+ bits per key: most misses never touch the slots */
	unsigned fbits;      /* the filter has 2^fbits bits */
};

/* The two filter bits of a hash: the top bits of two products. */
static inline uint64_t filter_mix(uint32_t h)
{
	return (uint64_t)h * 0x9E3779B97F4A7C15ull;
}

static inline bool filter_has(const kb_ioc_set *s, uint32_t h)
{
	uint64_t b1 = filter_mix(h) >> (64 - s->fbits), b2 = ((uint64_t)h * 0xC2B2AE3D27D4EB4Full) >> (64 - s->fbits);
	return (s->filter[b1 >> 6] >> (b1 & 63) & 1) && (s->filter[b2 >> 6] >> (b2 & 63) & 1);
}

static inline void filter_add(kb_ioc_set *s, uint32_t h)
{
	uint64_t b1 = filter_mix(h) >> (64 - s->fbits), b2 = ((uint64_t)h * 0xC2B2AE3D27D4EB4Full) >> (64 - s->fbits);
	s->filter[b1 >> 6] |= (uint64_t)1 << (b1 & 63);
	s->filter[b2 >> 6] |= (uint64_t)1 << (b2 & 63);
}

static uint32_t hash_key(uint8_t type, const void *p, size_t n)
{
	return (uint32_t)kb_hash64(p, n, (uint64_t)type << 56);
}

int kb_ioc_set_builder_new(kb_ioc_set_builder **ret)
{
	kb_ioc_set_builder *b = calloc(1, sizeof *b);
	if (!b)
		return KB_ENOMEM;
	b->max = KB_IOC_SET_MAX;
	*ret = b;
	return 0;
}

void kb_ioc_set_builder_limit(kb_ioc_set_builder *b, size_t max)
{
	b->max = max < KB_IOC_SET_MAX ? max : KB_IOC_SET_MAX;
}

kb_ioc_set_builder *kb_ioc_set_builder_free(kb_ioc_set_builder *b)
{
	if (!b)
		return NULL;
	free(b->iocs);
	free(b->keys);
	arena_free(&b->ar);
	kb_map_free(&b->sources, NULL);
	free(b);
	return NULL;
}

/* The binary key of a normalised value, in the arena. */
static int make_key(arena *ar, kb_ioc_type t, const char *v, key *k)
{
	size_t n = strlen(v);
	k->type = (uint8_t)t;
	k->prefix = 0xFF;
	if (t == KB_IOC_IPV4 || t == KB_IOC_IPV6) {
		const char *slash = strchr(v, '/');
		size_t an = slash ? (size_t)(slash - v) : n;
		unsigned char *p = arena_alloc(ar, 16);
		if (!p)
			return KB_ENOMEM;
		if (t == KB_IOC_IPV4) {
			uint32_t a;
			if (!kb_ioc_parse_ipv4(v, an, &a))
				return KB_EINVAL;
			p[0] = (unsigned char)(a >> 24);
			p[1] = (unsigned char)(a >> 16);
			p[2] = (unsigned char)(a >> 8);
			p[3] = (unsigned char)a;
			k->len = 4;
		} else {
			if (!kb_ioc_parse_ipv6(v, an, p))
				return KB_EINVAL;
			k->len = 16;
		}
		if (slash)
			k->prefix = (uint8_t)atoi(slash + 1);
		k->k = p;
		return 0;
	}
	if (t == KB_IOC_PORT) {
		unsigned char *p = arena_alloc(ar, 2);
		if (!p)
			return KB_ENOMEM;
		unsigned port = (unsigned)atoi(v);
		p[0] = (unsigned char)(port >> 8);
		p[1] = (unsigned char)port;
		k->k = p;
		k->len = 2;
		return 0;
	}
	k->k = (const unsigned char *)v;
	k->len = (uint32_t)n;
	return 0;
}

int kb_ioc_set_add(kb_ioc_set_builder *b, const kb_ioc *ioc)
{
	if (!ioc || !ioc->value || ioc->type <= KB_IOC_NONE || ioc->type >= KB_IOC_TYPE_COUNT)
		return KB_EINVAL;
	if (b->n >= b->max)
		return KB_ELIMIT;
	char norm[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type t = ioc->type;
	size_t vn = strlen(ioc->value);
	if (kb_ioc_normalize(&t, ioc->value, vn, norm, sizeof norm) < 0 || t != ioc->type ||
	    strcmp(norm, ioc->value) != 0)
		return KB_EINVAL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		kb_ioc *ni = realloc(b->iocs, cap * sizeof *ni);
		if (!ni)
			return KB_ENOMEM;
		b->iocs = ni;
		key *nk = realloc(b->keys, cap * sizeof *nk);
		if (!nk)
			return KB_ENOMEM;
		b->keys = nk;
		b->cap = cap;
	}
	int r = 0;
	kb_ioc c = *ioc;
	c.value = arena_str(&b->ar, ioc->value, &r);
	if (ioc->source) {
		size_t sn = strlen(ioc->source);
		const char *src = kb_map_get(&b->sources, ioc->source, sn);
		if (!src) {
			src = arena_str(&b->ar, ioc->source, &r);
			if (src && kb_map_put(&b->sources, ioc->source, sn, (void *)src, NULL) < 0)
				r = KB_ENOMEM;
		}
		c.source = src;
	}
	c.first_seen = arena_str(&b->ar, ioc->first_seen, &r);
	c.last_seen = arena_str(&b->ar, ioc->last_seen, &r);
	c.valid_until = arena_str(&b->ar, ioc->valid_until, &r);
	c.ref = arena_str(&b->ar, ioc->ref, &r);
	c.label = arena_str(&b->ar, ioc->label, &r);
	if (r < 0)
		return r;
	key k;
	r = make_key(&b->ar, c.type, c.value, &k);
	if (r < 0)
		return r;
	b->iocs[b->n] = c;
	b->keys[b->n] = k;
	b->n++;
	return 0;
}

static bool is_cidr(const key *k)
{
	return k->prefix != 0xFF;
}

static int cmp_r4(const void *a, const void *b)
{
	const range4 *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi > y->hi ? -1 : x->hi < y->hi; /* wider first */
}

static int cmp_r6(const void *a, const void *b)
{
	const range6 *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, 16);
	if (c)
		return c;
	return (int)x->prefix - (int)y->prefix;
}

static const kb_ioc *probe(const kb_ioc_set *s, uint8_t type, const void *k, size_t n)
{
	if (!s->slots || !(s->types & (1u << type)))
		return NULL;
	uint32_t h = hash_key(type, k, n);
	if (s->filter && !filter_has(s, h))
		return NULL;
	for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
		const slot *sl = &s->slots[i];
		if (!sl->idx)
			return NULL;
		if (sl->hash == h) {
			const key *kk = &s->keys[sl->idx - 1];
			if (kk->type == type && kk->len == n && memcmp(kk->k, k, n) == 0)
				return &s->iocs[sl->idx - 1];
		}
	}
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int kb_ioc_set_build(kb_ioc_set_builder *b, kb_ioc_set **ret)
{
	kb_ioc_set *s = calloc(1, sizeof *s);
	if (!s) {
		kb_ioc_set_builder_free(b);
		return KB_ENOMEM;
	}
	s->iocs = b->iocs;
	s->keys = b->keys;
	s->n = b->n;
	s->ar = b->ar;
	b->iocs = NULL;
	b->keys = NULL;
	b->ar = (arena){ 0 };
	kb_ioc_set_builder_free(b);
	size_t cap = 16;
	while (cap < s->n * 2)
		cap <<= 1;
	s->slots = calloc(cap, sizeof *s->slots);
	s->mask = cap - 1;
	s->fbits = 12;
	while (s->fbits < 40 && ((uint64_t)1 << s->fbits) < (uint64_t)s->n * 10)
		s->fbits++;
	s->filter = calloc((size_t)1 << (s->fbits - 6), sizeof *s->filter);
	size_t n4 = 0, n6 = 0;
	for (size_t i = 0; i < s->n; i++)
		if (is_cidr(&s->keys[i]))
			*(s->keys[i].type == KB_IOC_IPV4 ? &n4 : &n6) += 1;
	s->r4 = n4 ? malloc(n4 * sizeof *s->r4) : NULL;
	s->r6 = n6 ? malloc(n6 * sizeof *s->r6) : NULL;
	uint16_t *lens = malloc((s->n ? s->n : 1) * sizeof *lens);
	if (!s->slots || !s->filter || (n4 && !s->r4) || (n6 && !s->r6) || !lens) {
		free(lens);
		kb_ioc_set_free(s);
		return KB_ENOMEM;
	}
	size_t nl = 0;
	for (size_t i = 0; i < s->n; i++) {
		const key *k = &s->keys[i];
		if (is_cidr(k) && k->type == KB_IOC_IPV4) {
			uint32_t lo = (uint32_t)k->k[0] << 24 | (uint32_t)k->k[1] << 16 | (uint32_t)k->k[2] << 8 | k->k[3];
			uint32_t span = k->prefix == 0 ? 0xFFFFFFFFu : ((uint32_t)1 << (32 - k->prefix)) - 1;
			s->r4[s->n4++] = (range4){ .lo = lo, .hi = lo | span, .idx = (uint32_t)i };
			continue;
		}
		if (is_cidr(k)) {
			range6 *r = &s->r6[s->n6++];
			memcpy(r->lo, k->k, 16);
			memcpy(r->hi, k->k, 16);
			for (int bit = k->prefix; bit < 128; bit++)
				r->hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
			r->idx = (uint32_t)i;
			r->prefix = k->prefix;
			continue;
		}
		if (k->type == KB_IOC_URL_PREFIX)
			lens[nl++] = (uint16_t)k->len;
		if (probe(s, k->type, k->k, k->len))
			continue; /* the first IOC of a value stands for it */
		uint32_t h = hash_key(k->type, k->k, k->len);
		size_t j = h & s->mask;
		while (s->slots[j].idx)
			j = (j + 1) & s->mask;
		s->slots[j] = (slot){ .hash = h, .idx = (uint32_t)i + 1 };
		s->types |= 1u << k->type;
		filter_add(s, h);
	}
	if (nl)
		qsort(lens, nl, sizeof *lens, cmp_u16);
	size_t u = 0;
	for (size_t i = 0; i < nl; i++)
		if (u == 0 || lens[u - 1] != lens[i])
			lens[u++] = lens[i];
	s->plen_more = lens;
	s->nplen_more = u;
	/* disjoint ranges: drop every range inside the one kept before it */
	if (s->n4)
		qsort(s->r4, s->n4, sizeof *s->r4, cmp_r4);
	size_t k4 = 0;
	for (size_t i = 0; i < s->n4; i++)
		if (k4 == 0 || s->r4[i].lo > s->r4[k4 - 1].hi)
			s->r4[k4++] = s->r4[i];
	s->n4 = k4;
	if (s->n6)
		qsort(s->r6, s->n6, sizeof *s->r6, cmp_r6);
	size_t k6 = 0;
	for (size_t i = 0; i < s->n6; i++)
		if (k6 == 0 || memcmp(s->r6[i].lo, s->r6[k6 - 1].hi, 16) > 0)
			s->r6[k6++] = s->r6[i];
	s->n6 = k6;
	*ret = s;
	return 0;
}

kb_ioc_set *kb_ioc_set_free(kb_ioc_set *s)
{
	if (!s)
		return NULL;
	free(s->iocs);
	free(s->keys);
	arena_free(&s->ar);
	free(s->slots);
	free(s->filter);
	free(s->r4);
	free(s->r6);
	free(s->plen_more);
	free(s);
	return NULL;
}

size_t kb_ioc_set_size(const kb_ioc_set *s)
{
	return s ? s->n : 0;
}

const kb_ioc *kb_ioc_match_ipv4(const kb_ioc_set *s, uint32_t a)
{
	if (!s)
		return NULL;
	unsigned char k[4] = { (unsigned char)(a >> 24), (unsigned char)(a >> 16), (unsigned char)(a >> 8),
		               (unsigned char)a };
	const kb_ioc *m = probe(s, KB_IOC_IPV4, k, 4);
	if (m || !s->n4)
		return m;
	size_t lo = 0, hi = s->n4; /* first range with lo > a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->r4[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && a <= s->r4[lo - 1].hi)
		return &s->iocs[s->r4[lo - 1].idx];
	return NULL;
}

const kb_ioc *kb_ioc_match_ipv6(const kb_ioc_set *s, const uint8_t a[16])
{
	if (!s)
		return NULL;
	const kb_ioc *m = probe(s, KB_IOC_IPV6, a, 16);
	if (m || !s->n6)
		return m;
	size_t lo = 0, hi = s->n6;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(s->r6[mid].lo, a, 16) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && memcmp(a, s->r6[lo - 1].hi, 16) <= 0)
		return &s->iocs[s->r6[lo - 1].idx];
	return NULL;
}

/* Copy n bytes lower-cased into buf (KB_IOC_MAX_VALUE_BYTES + 1); false when too long. */
static bool lower_into(char *buf, const char *s, size_t n)
{
	if (n > KB_IOC_MAX_VALUE_BYTES)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[n] = '\0';
	return true;
}

const kb_ioc *kb_ioc_match_domain(const kb_ioc_set *s, const char *d, size_t n)
{
	char buf[KB_IOC_MAX_VALUE_BYTES + 1];
	if (!s || !s->slots)
		return NULL;
	if (n && d[n - 1] == '.')
		n--;
	if (n == 0 || !lower_into(buf, d, n))
		return NULL;
	/* every domain IOC has two labels or more: the last label alone is never probed */
	for (size_t i = 0; i < n;) {
		const char *dot = memchr(buf + i, '.', n - i);
		if (!dot)
			break;
		const kb_ioc *m = probe(s, KB_IOC_DOMAIN, buf + i, n - i);
		if (m)
			return m;
		i = (size_t)(dot - buf) + 1;
	}
	return NULL;
}

const kb_ioc *kb_ioc_match_hash(const kb_ioc_set *s, const char *hex, size_t n)
{
	char buf[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type t = n == 32 ? KB_IOC_MD5 : n == 40 ? KB_IOC_SHA1 : n == 64 ? KB_IOC_SHA256 : KB_IOC_NONE;
	if (!s || t == KB_IOC_NONE || !lower_into(buf, hex, n))
		return NULL;
	return probe(s, (uint8_t)t, buf, n);
}

const kb_ioc *kb_ioc_match_url(const kb_ioc_set *s, const char *u, size_t n)
{
	char buf[KB_IOC_MAX_VALUE_BYTES + 1];
	if (!s || n > KB_IOC_MAX_VALUE_BYTES)
		return NULL;
	memcpy(buf, u, n);
	buf[n] = '\0';
	const char *sep = strstr(buf, "://");
	size_t hend = n;
	if (sep) {
		hend = (size_t)(sep - buf) + 3;
		while (hend < n && buf[hend] != '/' && buf[hend] != '?' && buf[hend] != '#')
			hend++;
	}
	for (size_t i = 0; i < hend; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	const kb_ioc *m = probe(s, KB_IOC_URL, buf, n);
	for (size_t i = 0; !m && i < s->nplen_more && s->plen_more[i] <= n; i++)
		m = probe(s, KB_IOC_URL_PREFIX, buf, s->plen_more[i]);
	return m;
}

const kb_ioc *kb_ioc_match_email(const kb_ioc_set *s, const char *e, size_t n)
{
	char buf[KB_IOC_MAX_VALUE_BYTES + 1];
	if (!s || !lower_into(buf, e, n))
		return NULL;
	return probe(s, KB_IOC_EMAIL, buf, n);
}

const kb_ioc *kb_ioc_match_filename(const kb_ioc_set *s, const char *f, size_t n)
{
	if (!s)
		return NULL;
	return probe(s, KB_IOC_FILENAME, f, n);
}

const kb_ioc *kb_ioc_match_port(const kb_ioc_set *s, unsigned port)
{
	if (!s || port == 0 || port > 65535)
		return NULL;
	unsigned char k[2] = { (unsigned char)(port >> 8), (unsigned char)port };
	return probe(s, KB_IOC_PORT, k, 2);
}

const kb_ioc *kb_ioc_match_token(const kb_ioc_set *s, const kb_ioc_token *t)
{
	if (!s || !t)
		return NULL;
	switch (t->type) {
	case KB_IOC_IPV4: {
		uint32_t a;
		return kb_ioc_parse_ipv4(t->s, t->len, &a) ? kb_ioc_match_ipv4(s, a) : NULL;
	}
	case KB_IOC_IPV6: {
		uint8_t a[16];
		if (!kb_ioc_parse_ipv6(t->s, t->len, a))
			return NULL;
		const kb_ioc *m = kb_ioc_match_ipv6(s, a);
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
		if (!m && memcmp(a, mapped, 12) == 0)
			m = kb_ioc_match_ipv4(s, (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15]);
		return m;
	}
	case KB_IOC_DOMAIN: {
		const kb_ioc *m = kb_ioc_match_domain(s, t->s, t->len);
		return m ? m : kb_ioc_match_filename(s, t->s, t->len);
	}
	case KB_IOC_URL: return kb_ioc_match_url(s, t->s, t->len);
	case KB_IOC_EMAIL: return kb_ioc_match_email(s, t->s, t->len);
	case KB_IOC_MD5:
	case KB_IOC_SHA1:
	case KB_IOC_SHA256: return kb_ioc_match_hash(s, t->s, t->len);
	default: return NULL;
	}
}
