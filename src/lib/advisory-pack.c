/*
 * advisory-pack.c - an advisory as a compact record, read back without a
 * JSON parser.
 *
 * The store keeps every document as written (the evidence) and, beside it,
 * this record of what the reader made of it: the matcher reads the record, so
 * half a million advisories are matched without half a million JSON parses.
 * The record is a flat byte string: a magic byte and KB_PACK_VERSION, then
 * the fields of kb_advisory and of each affected entry in a fixed order.
 * Strings are a u32 length plus one (0 for NULL) followed by the bytes and a
 * NUL, so that unpacking copies the record once and points into the copy;
 * counts are u32, enums u8, the score a double, all in host byte order (the
 * record never leaves the store it was written to, and a record that does not
 * read back is ignored for the document itself).
 *
 * Unpacking checks every length against the record's end: a damaged record
 * gives KB_EINVAL, never a read past it.
 */
#include "advisory-internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KB_PACK_MAGIC 0x4b /* 'K' */

/* ---- writing ---------------------------------------------------------------- */

static int put_u8(kb_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	return kb_buf_append(b, &c, 1);
}

static int put_u32(kb_buf *b, size_t v)
{
	uint32_t x = (uint32_t)v;
	return kb_buf_append(b, &x, sizeof x);
}

static int put_str(kb_buf *b, const char *s)
{
	if (!s)
		return put_u32(b, 0);
	size_t n = strlen(s);
	int r = put_u32(b, n + 1);
	return r < 0 ? r : kb_buf_append(b, s, n + 1);
}

static int put_strs(kb_buf *b, const char *const *v, size_t n)
{
	int r = put_u32(b, n);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = put_str(b, v[i]);
	return r;
}

static int put_affected(kb_buf *b, const kb_affected *m)
{
	int r = put_u8(b, (unsigned)m->scheme);
	if (r == 0)
		r = put_u32(b, m->n_ranges);
	for (size_t i = 0; r == 0 && i < m->n_ranges; i++) {
		const kb_range *rg = &m->ranges[i];
		r = put_u8(b, (unsigned)rg->type);
		if (r == 0)
			r = put_u32(b, rg->n_events);
		for (size_t e = 0; r == 0 && e < rg->n_events; e++) {
			r = put_u8(b, (unsigned)rg->events[e].kind);
			if (r == 0)
				r = put_str(b, rg->events[e].version);
		}
	}
	if (r == 0)
		r = put_strs(b, m->versions, m->n_versions);
	return r;
}

int kb_adv_pack(const kb_advisory *a, kb_buf *b)
{
	int r = put_u8(b, KB_PACK_MAGIC);
	if (r == 0)
		r = put_u8(b, KB_PACK_VERSION);
	const char *strs[] = { a->id, a->summary, a->severity, a->cvss_vector, a->published, a->modified, a->withdrawn };
	for (size_t i = 0; r == 0 && i < sizeof strs / sizeof strs[0]; i++)
		r = put_str(b, strs[i]);
	if (r == 0)
		r = kb_buf_append(b, &a->cvss_score, sizeof a->cvss_score);
	if (r == 0)
		r = put_strs(b, a->aliases, a->n_aliases);
	if (r == 0)
		r = put_u32(b, a->n_affected);
	for (size_t i = 0; r == 0 && i < a->n_affected; i++) {
		const kb_advisory_affected *af = &a->affected[i];
		const char *es[] = { af->ecosystem, af->package, af->purl, af->vendor, af->product };
		for (size_t k = 0; r == 0 && k < sizeof es / sizeof es[0]; k++)
			r = put_str(b, es[k]);
		if (r == 0)
			r = put_strs(b, af->modules, af->n_modules);
		if (r == 0)
			r = put_affected(b, &af->match);
		if (r == 0)
			r = put_affected(b, &af->unaffected);
		if (r == 0)
			r = put_u8(b, (unsigned)af->default_status);
		if (r == 0)
			r = put_str(b, af->statement);
		if (r == 0)
			r = put_str(b, af->cpe);
	}
	return r;
}

/* ---- reading ---------------------------------------------------------------- */

/* Everything an unpacked advisory points to lives in one block: the copy of
 * the record, then the arrays, bumped from `arena`. Each array element takes
 * at most KB_PACK_GROWTH times the bytes its record took (a string pointer, 8
 * bytes, is read from at least 4; an affected entry of about 140 bytes from at
 * least 43), so 1 + KB_PACK_GROWTH times the record is always enough. */
#define KB_PACK_GROWTH 6

struct rd {
	const unsigned char *p, *end;
	unsigned char *arena, *arena_end;
	int r;
};

static void *arena_alloc(struct rd *d, size_t n, size_t size)
{
	size_t want = (n * size + 15) & ~(size_t)15;
	if (d->r || want > (size_t)(d->arena_end - d->arena)) {
		d->r = d->r ? d->r : KB_EINVAL;
		return NULL;
	}
	void *p = d->arena;
	d->arena += want;
	return p;
}

static size_t get_u32(struct rd *d)
{
	uint32_t x = 0;
	if (d->r == 0 && (size_t)(d->end - d->p) >= sizeof x) {
		memcpy(&x, d->p, sizeof x);
		d->p += sizeof x;
	} else {
		d->r = KB_EINVAL;
	}
	return x;
}

static unsigned get_u8(struct rd *d, unsigned below)
{
	if (d->r == 0 && d->p < d->end && *d->p < below)
		return *d->p++;
	d->r = KB_EINVAL;
	return 0;
}

static const char *get_str(struct rd *d)
{
	size_t n = get_u32(d);
	if (d->r || n == 0)
		return NULL;
	if ((size_t)(d->end - d->p) < n || d->p[n - 1] != '\0') {
		d->r = KB_EINVAL;
		return NULL;
	}
	const char *s = (const char *)d->p;
	d->p += n;
	return s;
}

/* A count of things each at least `min` bytes long: more than the rest of
 * the record could hold is damage, not an allocation to attempt. */
static size_t get_count(struct rd *d, size_t min)
{
	size_t n = get_u32(d);
	if (d->r == 0 && n > (size_t)(d->end - d->p) / min)
		d->r = KB_EINVAL;
	return d->r ? 0 : n;
}

static const char *const *get_strs(struct rd *d, size_t *ret_n)
{
	size_t n = get_count(d, 4);
	const char **v = n ? arena_alloc(d, n, sizeof *v) : NULL;
	for (size_t i = 0; d->r == 0 && i < n; i++)
		v[i] = get_str(d);
	*ret_n = d->r ? 0 : n;
	return v;
}

static void get_affected(struct rd *d, kb_affected *m)
{
	m->scheme = (kb_vscheme)get_u8(d, KB_VS__COUNT);
	size_t nr = get_count(d, 5);
	kb_range *rs = nr ? arena_alloc(d, nr, sizeof *rs) : NULL;
	for (size_t i = 0; d->r == 0 && i < nr; i++) {
		rs[i].type = (kb_range_type)get_u8(d, KB_RANGE_GIT + 1);
		size_t ne = get_count(d, 5);
		kb_range_event *ev = ne ? arena_alloc(d, ne, sizeof *ev) : NULL;
		for (size_t e = 0; d->r == 0 && e < ne; e++) {
			ev[e].kind = (kb_event_kind)get_u8(d, KB_EVENT_LIMIT + 1);
			ev[e].version = get_str(d);
			if (d->r == 0 && !ev[e].version)
				d->r = KB_EINVAL;
		}
		rs[i].events = ev;
		rs[i].n_events = d->r ? 0 : ne;
	}
	m->ranges = rs;
	m->n_ranges = d->r ? 0 : nr;
	m->versions = get_strs(d, &m->n_versions);
}

int kb_adv_unpack(const void *data, size_t len, kb_advisory **ret)
{
	kb_advisory *a = kb_adv_new(NULL);
	if (!a)
		return KB_ENOMEM;
	size_t head = (len + 15) & ~(size_t)15;
	if (len > SIZE_MAX / (KB_PACK_GROWTH + 2)) {
		kb_advisory_free(a);
		return KB_ELIMIT;
	}
	unsigned char *copy = kb_adv_alloc(a, head + KB_PACK_GROWTH * len + 64, 1);
	if (!copy) {
		kb_advisory_free(a);
		return KB_ENOMEM;
	}
	memcpy(copy, data, len);
	struct rd d = { copy, copy + len, copy + head, copy + head + KB_PACK_GROWTH * len + 64, 0 };
	if (get_u8(&d, 256) != KB_PACK_MAGIC || get_u8(&d, 256) != KB_PACK_VERSION)
		d.r = KB_EINVAL;
	a->id = get_str(&d);
	a->summary = get_str(&d);
	a->severity = get_str(&d);
	a->cvss_vector = get_str(&d);
	a->published = get_str(&d);
	a->modified = get_str(&d);
	a->withdrawn = get_str(&d);
	if (d.r == 0 && (size_t)(d.end - d.p) >= sizeof a->cvss_score) {
		memcpy(&a->cvss_score, d.p, sizeof a->cvss_score);
		d.p += sizeof a->cvss_score;
	} else {
		d.r = KB_EINVAL;
	}
	a->aliases = get_strs(&d, &a->n_aliases);
	size_t n = get_count(&d, 20);
	kb_advisory_affected *afs = n ? arena_alloc(&d, n, sizeof *afs) : NULL;
	for (size_t i = 0; d.r == 0 && i < n; i++) {
		kb_advisory_affected *af = &afs[i];
		af->ecosystem = get_str(&d);
		af->package = get_str(&d);
		af->purl = get_str(&d);
		af->vendor = get_str(&d);
		af->product = get_str(&d);
		af->modules = get_strs(&d, &af->n_modules);
		get_affected(&d, &af->match);
		get_affected(&d, &af->unaffected);
		af->default_status = (kb_vstatus)get_u8(&d, KB_VSTATUS_UNKNOWN + 1);
		af->statement = get_str(&d);
		af->cpe = get_str(&d);
	}
	a->affected = afs;
	a->n_affected = d.r ? 0 : n;
	if (d.r == 0 && (!a->id || d.p != d.end))
		d.r = KB_EINVAL;
	if (d.r < 0) {
		kb_advisory_free(a);
		return d.r;
	}
	*ret = a;
	return 0;
}
