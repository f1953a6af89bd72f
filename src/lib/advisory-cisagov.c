/*
 * advisory-cisagov.c - read a vendor status list in the shape of
 * cisagov/log4j-affected-db (data/cisagov_*.yml) into one kb_advisory per CVE.
 *
 * The file is a YAML mapping: `version`, `owners` and a `software` list. Each
 * software entry names a vendor and a product (an empty product is a
 * statement about the vendor as a whole: product NULL) and maps CVE ids
 * ("cve-2021-44228") to a status: `investigated` and three lists of free-text
 * strings, affected_versions, fixed_versions and unaffected_versions. The file
 * is turned inside out: one advisory per CVE id, with one affected entry per
 * software entry that carries the id, in file order.
 *
 * Reading. libyaml's event parser is pulled by a recursive descent that
 * follows the schema: each reader is called on the first event of its value
 * and returns on its last. What the schema does not name is skipped by
 * counting collection depth. Nothing is kept but what the result needs, so
 * memory follows the output, not the YAML tree; aliases are refused where a
 * value is read (a shared anchor would let a small file name a large list
 * many times), nesting is bounded by KB_VSL_MAX_DEPTH, and the other limits
 * (advisory.h) bound entries, CVE ids, statuses and names. An entry's
 * `cves` may come before its `vendor`, so an entry is read whole into a
 * scratch vsl_entry and then emitted into the per-CVE groups.
 *
 * Versions: "keep raw strings, parse what can be parsed". The strings are
 * kept whole in `statement` ("affected: 2.0 - 2.14.1; fixed: 2.15.0").
 * Each string is split at ',' and ';' and each part read as one of
 *   all / all versions / *        introduced 0 (every version)
 *   < V, before V, prior to V     introduced 0, fixed V
 *   <= V, V and earlier/lower     introduced 0, last_affected V
 *   >= V, V+, V and later/above   introduced V (no upper bound)
 *   A - B, A to B, A-B            introduced A, last_affected B (inclusive);
 *                                 unspaced only between dotted numbers, so
 *                                 "2.0-beta9" stays one version
 *   7.x, 7.1.*                    introduced 7, limit 8 (introduced 7.1,
 *                                 limit 7.2): the OSV `limit` bounds the
 *                                 branch without claiming that 8 fixes it,
 *                                 which a `fixed` event would, and which the
 *                                 move-to would then propose
 *   V (one version token)         an exact version
 * A string with a part that reads as none of these ("Cloud", "> 2.0", "The
 * following versions and lower: 2021.4") adds nothing and makes the entry's
 * default_status UNKNOWN. fixed_versions: a fixed version V (or "V and
 * later") that falls inside an affected range without an upper bound
 * (all, >=, a branch) closes the innermost such range with `fixed: V`; when
 * several fall in one range the largest closes it (the conservative reading
 * of branch fixes: nothing is called fixed below it that the vendor did not
 * name). Every fixed version is also listed unaffected, closing or not: the
 * vendor named it fixed, and another range of the entry may cover it ("< 8.0.1,
 * 7.x; fixed: 8.0.1, 7.5.2" keeps 7.5.2 out, while 7.5.3 stays affected as the
 * words "< 8.0.1" say). Only a version or "V and later" reads as a fixed
 * version: the lists carry "fixed: <1.7.4" for a product whose notes call it
 * vulnerable, and no reading of that is safe, so it stays text (UNKNOWN).
 * unaffected_versions go to `unaffected`. The scheme is the vendor
 * dotted-number one (KB_VS_INTDOT) unless a version token is not dotted
 * digits ("22.7R2.3"), then KB_VS_GENERIC.
 *
 * Status: investigated false, or nothing listed, gives default_status UNKNOWN
 * and no ranges (investigated '' or absent counts as true when something is
 * listed). Otherwise the default is UNAFFECTED only when the affected list is
 * non-empty and every string was read: the vendor's list of affected versions
 * is then taken as complete, as OSV reads its ranges. A fixed-only or
 * unaffected-only list says nothing of the other versions: UNKNOWN.
 *
 * Not carried: `notes`, `vendor_links`, `references` and `last_updated`
 * (per software entry, not per CVE; a copy in every CVE's advisory would let
 * a small file grow large), and `version`/`owners`.
 */
#include "advisory-internal.h"
#include "util-buf.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define KB_VSL_MAX_ID 32 /* "CVE-2021-44228" and room for long sequence numbers */

enum { L_AFFECTED, L_FIXED, L_UNAFFECTED, L__COUNT };
static const char *const list_key[L__COUNT] = { "affected_versions", "fixed_versions", "unaffected_versions" };
static const char *const list_word[L__COUNT] = { "affected", "fixed", "unaffected" };

/* A growable list of owned strings; no more than KB_ADVISORY_MAX_RANGES. */
typedef struct vsl_strs {
	char **s;
	size_t n, cap;
} vsl_strs;

/* What one software entry says of one CVE, as read. */
typedef struct vsl_status {
	size_t group;     /* index into vsl_reader.g */
	int investigated; /* 1, 0, or -1 when not said ('', null or absent) */
	vsl_strs lists[L__COUNT];
	unsigned seen;    /* keys read: bit 0 investigated, bit 1 + L_* a list */
	yaml_mark_t mark; /* the CVE key */
} vsl_status;

/* One software entry, read whole before it is emitted. Owns its strings. */
typedef struct vsl_entry {
	size_t index;
	char *vendor, *product; /* NULL when empty */
	vsl_status *st;
	size_t n, cap;
} vsl_entry;

/* One CVE id and the advisory being built for it. `items` grows with
 * realloc and is copied into the advisory at the end. */
typedef struct vsl_group {
	char id[KB_VSL_MAX_ID + 1];
	kb_advisory *a;
	kb_advisory_affected *items;
	size_t n, cap;
	size_t seen; /* 1 + the index of the last entry that named this id */
} vsl_group;

typedef struct vsl_reader {
	yaml_parser_t p;
	yaml_event_t ev; /* the current event, valid when have_ev */
	bool have_ev;
	int depth;
	const char *name, *base;
	const unsigned char *data;
	size_t len;
	kb_error *err;
	kb_jpath path;
	vsl_group *g;
	size_t ng, capg;
	size_t entries, statuses;
} vsl_reader;

/* ---- errors ----------------------------------------------------------------- */

/* libyaml counts characters; koban's offsets are bytes. For UTF-8 input
 * (the only encoding these lists use) walk the lead bytes. */
static uint64_t byte_offset(const vsl_reader *v, size_t chars)
{
	size_t i = 0;
	if (v->len >= 3 && memcmp(v->data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	else if (v->len >= 2 && (v->data[0] == 0xfe || v->data[0] == 0xff))
		return KB_NO_OFFSET; /* UTF-16 */
	for (; i < v->len; i++) {
		if ((v->data[i] & 0xc0) == 0x80)
			continue;
		if (chars-- == 0)
			return i;
	}
	return v->len;
}

static int bad_at(vsl_reader *v, const yaml_mark_t *m, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad_at(vsl_reader *v, const yaml_mark_t *m, int code, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return kb_error_set(v->err, code, v->name, (uint64_t)m->line + 1, (uint64_t)m->column + 1,
	                    byte_offset(v, m->index), "%s%s%s", v->path.buf, v->path.len ? ": " : "", what);
}

/* At the current event. */
#define BAD(v, code, ...) bad_at((v), &(v)->ev.start_mark, (code), __VA_ARGS__)

static int syntax_error(vsl_reader *v)
{
	const yaml_parser_t *p = &v->p;
	const char *problem = p->problem ? p->problem : "malformed";
	if (p->error == YAML_MEMORY_ERROR)
		return KB_ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		/* a byte offset: find its line and column */
		size_t off = p->problem_offset < v->len ? p->problem_offset : v->len;
		uint64_t line = 1, col = 1;
		for (size_t i = 0; i < off; i++) {
			if (v->data[i] == '\n')
				line++, col = 1;
			else if ((v->data[i] & 0xc0) != 0x80)
				col++;
		}
		return kb_error_set(v->err, KB_EPARSE, v->name, line, col, off, "expected valid YAML: %s", problem);
	}
	const yaml_mark_t *m = &p->problem_mark;
	if (p->context)
		return kb_error_set(v->err, KB_EPARSE, v->name, (uint64_t)m->line + 1, (uint64_t)m->column + 1,
		                    byte_offset(v, m->index), "expected valid YAML: %s (%s from line %zu)", problem,
		                    p->context, p->context_mark.line + 1);
	return kb_error_set(v->err, KB_EPARSE, v->name, (uint64_t)m->line + 1, (uint64_t)m->column + 1,
	                    byte_offset(v, m->index), "expected valid YAML: %s", problem);
}

/* ---- events ----------------------------------------------------------------- */

static int next(vsl_reader *v)
{
	if (v->have_ev) {
		yaml_event_delete(&v->ev);
		v->have_ev = false;
	}
	if (!yaml_parser_parse(&v->p, &v->ev))
		return syntax_error(v);
	v->have_ev = true;
	switch (v->ev.type) {
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++v->depth > KB_VSL_MAX_DEPTH)
			return BAD(v, KB_ELIMIT, "collections nested deeper than the limit of %d", KB_VSL_MAX_DEPTH);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		v->depth--;
		break;
	default:
		break;
	}
	return 0;
}

/* Skip the value whose first event is current. */
static int skip(vsl_reader *v)
{
	if (v->ev.type != YAML_SEQUENCE_START_EVENT && v->ev.type != YAML_MAPPING_START_EVENT)
		return 0;
	int outer = v->depth - 1;
	while (v->depth > outer) {
		int r = next(v);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *scalar(const vsl_reader *v, size_t *n)
{
	*n = v->ev.data.scalar.length;
	return (const char *)v->ev.data.scalar.value;
}

/* A plain empty, "~" or "null" scalar. */
static bool is_null(const vsl_reader *v)
{
	if (v->ev.type != YAML_SCALAR_EVENT || v->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	size_t n;
	const char *s = scalar(v, &n);
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 || memcmp(s, "NULL", 4) == 0));
}

static bool is_alias(vsl_reader *v, int *r)
{
	if (v->ev.type != YAML_ALIAS_EVENT)
		return false;
	*r = BAD(v, KB_EINVAL, "expected a value, not a YAML alias (aliases are not read)");
	return true;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Walk a mapping whose start event is current: for each key (a scalar), fn
 * is called with the value's first event current and the key's text. */
typedef int (*vsl_pair_fn)(vsl_reader *v, const char *key, size_t klen, const yaml_mark_t *kmark, void *ctx);

static int each_pair(vsl_reader *v, vsl_pair_fn fn, void *ctx)
{
	for (;;) {
		int r = next(v);
		if (r < 0)
			return r;
		if (v->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (v->ev.type != YAML_SCALAR_EVENT)
			return BAD(v, KB_EINVAL, "expected a scalar key");
		size_t n;
		const char *k = scalar(v, &n);
		/* keys the schema names are short: a longer one is kept cut, with
		 * its true length, so that it matches none of them */
		char key[KB_VSL_MAX_ID + 32];
		size_t kn = n < sizeof key - 1 ? n : sizeof key - 1;
		memcpy(key, k, kn);
		key[kn] = '\0';
		yaml_mark_t km = v->ev.start_mark;
		r = next(v);
		if (r == 0)
			r = fn(v, key, n, &km, ctx);
		if (r < 0)
			return r;
	}
}

/* ---- reading the schema ----------------------------------------------------- */

/* A vendor or product name: a scalar, NULL when empty or null. */
static int read_name(vsl_reader *v, char **ret)
{
	int r = 0;
	if (is_alias(v, &r))
		return r;
	if (v->ev.type != YAML_SCALAR_EVENT)
		return BAD(v, KB_EINVAL, "expected a string");
	size_t n;
	const char *s = scalar(v, &n);
	if (is_null(v) || n == 0)
		return 0;
	if (n > KB_VSL_MAX_NAME)
		return BAD(v, KB_ELIMIT, "a name of %zu bytes: more than the limit of %d", n, KB_VSL_MAX_NAME);
	free(*ret);
	*ret = dup_n(s, n);
	return *ret ? 0 : KB_ENOMEM;
}

static int read_bool(vsl_reader *v, int *ret)
{
	int r = 0;
	if (is_alias(v, &r))
		return r;
	if (v->ev.type != YAML_SCALAR_EVENT)
		return BAD(v, KB_EINVAL, "expected true or false");
	size_t n;
	const char *s = scalar(v, &n);
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };
	if (n == 0 || is_null(v)) {
		*ret = -1;
		return 0;
	}
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strlen(yes[i]) == n && memcmp(s, yes[i], n) == 0) {
			*ret = 1;
			return 0;
		}
		if (strlen(no[i]) == n && memcmp(s, no[i], n) == 0) {
			*ret = 0;
			return 0;
		}
	}
	return BAD(v, KB_EINVAL, "expected true or false");
}

static int strs_push(vsl_reader *v, vsl_strs *l, const char *s, size_t n)
{
	if (l->n == KB_ADVISORY_MAX_RANGES)
		return BAD(v, KB_ELIMIT, "more versions in one list than the limit of %d", KB_ADVISORY_MAX_RANGES);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **p = realloc(l->s, cap * sizeof *p);
		if (!p)
			return KB_ENOMEM;
		l->s = p;
		l->cap = cap;
	}
	char *c = dup_n(s, n);
	if (!c)
		return KB_ENOMEM;
	l->s[l->n++] = c;
	return 0;
}

static void strs_free(vsl_strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	*l = (vsl_strs){ 0 };
}

/* A list of version strings: a sequence of scalars (empty ones are the
 * template's placeholders and are dropped), null, or one lone string. */
static int read_list(vsl_reader *v, vsl_strs *l)
{
	int r = 0;
	if (is_alias(v, &r))
		return r;
	if (v->ev.type == YAML_SCALAR_EVENT) {
		size_t n;
		const char *s = scalar(v, &n);
		return (is_null(v) || n == 0) ? 0 : strs_push(v, l, s, n);
	}
	if (v->ev.type != YAML_SEQUENCE_START_EVENT)
		return BAD(v, KB_EINVAL, "expected a list of version strings");
	for (size_t i = 0;; i++) {
		r = next(v);
		if (r < 0 || v->ev.type == YAML_SEQUENCE_END_EVENT)
			return r;
		size_t m;
		kb_jpath_index(&v->path, i, &m);
		if (is_alias(v, &r)) {
		} else if (v->ev.type != YAML_SCALAR_EVENT) {
			r = BAD(v, KB_EINVAL, "expected a version string");
		} else {
			size_t n;
			const char *s = scalar(v, &n);
			if (!is_null(v) && n > 0)
				r = strs_push(v, l, s, n);
		}
		kb_jpath_back(&v->path, m);
		if (r < 0)
			return r;
	}
}

static bool key_is(const char *key, size_t klen, const char *want)
{
	return strlen(want) == klen && strcmp(key, want) == 0;
}

static int status_pair(vsl_reader *v, const char *key, size_t klen, const yaml_mark_t *kmark, void *ctx)
{
	vsl_status *st = ctx;
	int which = -1; /* 0 investigated, 1 + list */
	if (key_is(key, klen, "investigated"))
		which = 0;
	for (int i = 0; i < L__COUNT; i++)
		if (key_is(key, klen, list_key[i]))
			which = i + 1;
	if (which < 0)
		return skip(v);
	if (st->seen & (1u << which))
		return bad_at(v, kmark, KB_EINVAL, "duplicate key %s", key);
	st->seen |= 1u << which;
	size_t m;
	kb_jpath_key(&v->path, key, &m);
	int r = which == 0 ? read_bool(v, &st->investigated) : read_list(v, &st->lists[which - 1]);
	kb_jpath_back(&v->path, m);
	return r;
}

/* One CVE's status: a mapping, or null (nothing said). */
static int read_status(vsl_reader *v, vsl_status *st)
{
	int r = 0;
	st->investigated = -1;
	if (is_alias(v, &r))
		return r;
	if (is_null(v))
		return 0;
	if (v->ev.type != YAML_MAPPING_START_EVENT)
		return BAD(v, KB_EINVAL, "expected a status: a mapping with investigated and the version lists");
	return each_pair(v, status_pair, st);
}

/* "cve-2021-44228" (any case) into "CVE-2021-44228"; false if it is no CVE id. */
static bool cve_id(const char *k, size_t n, char out[KB_VSL_MAX_ID + 1])
{
	if (n < 13 || n > KB_VSL_MAX_ID || strncasecmp(k, "cve-", 4) != 0)
		return false;
	for (size_t i = 4; i < n; i++) {
		bool digit = isdigit((unsigned char)k[i]);
		if (i == 8 ? k[i] != '-' : !digit)
			return false;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)k[i]);
	out[n] = '\0';
	return n - 9 >= 4;
}

static char *adv_dup(kb_advisory *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *p = kb_adv_alloc(a, n + 1, 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static int group_of(vsl_reader *v, const char *id, const yaml_mark_t *kmark, size_t *ret)
{
	for (size_t i = 0; i < v->ng; i++)
		if (strcmp(v->g[i].id, id) == 0) {
			*ret = i;
			return 0;
		}
	if (v->ng == KB_VSL_MAX_CVES)
		return bad_at(v, kmark, KB_ELIMIT, "more CVE ids in one file than the limit of %d", KB_VSL_MAX_CVES);
	if (v->ng == v->capg) {
		size_t cap = v->capg ? v->capg * 2 : 8;
		vsl_group *g = realloc(v->g, cap * sizeof *g);
		if (!g)
			return KB_ENOMEM;
		v->g = g;
		v->capg = cap;
	}
	vsl_group *g = &v->g[v->ng];
	*g = (vsl_group){ 0 };
	snprintf(g->id, sizeof g->id, "%s", id);
	g->a = kb_adv_new(NULL);
	if (!g->a)
		return KB_ENOMEM;
	v->ng++;
	char summary[300];
	snprintf(summary, sizeof summary, "vendor statuses from %.256s", v->base);
	g->a->id = adv_dup(g->a, id);
	g->a->summary = adv_dup(g->a, summary);
	if (!g->a->id || !g->a->summary)
		return KB_ENOMEM;
	*ret = v->ng - 1;
	return 0;
}

struct cves_ctx {
	vsl_entry *e;
};

static int cves_pair(vsl_reader *v, const char *key, size_t klen, const yaml_mark_t *kmark, void *ctx)
{
	vsl_entry *e = ((struct cves_ctx *)ctx)->e;
	char id[KB_VSL_MAX_ID + 1];
	if (!cve_id(key, klen, id))
		return bad_at(v, kmark, KB_EINVAL, "expected a CVE id as the key (cve-2021-44228), not \"%.40s\"", key);
	if (++v->statuses > KB_VSL_MAX_STATUSES)
		return bad_at(v, kmark, KB_ELIMIT, "more statuses (entries times CVE ids) than the limit of %d",
		              KB_VSL_MAX_STATUSES);
	size_t gi = 0;
	int r = group_of(v, id, kmark, &gi);
	if (r < 0)
		return r;
	if (v->g[gi].seen == e->index + 1)
		return bad_at(v, kmark, KB_EINVAL, "duplicate key %s", key);
	v->g[gi].seen = e->index + 1;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4;
		vsl_status *p = realloc(e->st, cap * sizeof *p);
		if (!p)
			return KB_ENOMEM;
		e->st = p;
		e->cap = cap;
	}
	vsl_status *st = &e->st[e->n++];
	*st = (vsl_status){ .group = gi, .mark = *kmark };
	size_t m;
	kb_jpath_key(&v->path, key, &m);
	r = read_status(v, st);
	kb_jpath_back(&v->path, m);
	return r;
}

static int read_cves(vsl_reader *v, vsl_entry *e)
{
	int r = 0;
	if (is_alias(v, &r))
		return r;
	if (is_null(v))
		return 0;
	if (v->ev.type != YAML_MAPPING_START_EVENT)
		return BAD(v, KB_EINVAL, "expected a mapping from CVE ids to statuses");
	struct cves_ctx c = { e };
	return each_pair(v, cves_pair, &c);
}

enum { SEEN_VENDOR = 1, SEEN_PRODUCT = 2, SEEN_CVES = 4 };

struct entry_ctx {
	vsl_entry *e;
	unsigned seen;
};

static int entry_pair(vsl_reader *v, const char *key, size_t klen, const yaml_mark_t *kmark, void *ctx)
{
	struct entry_ctx *c = ctx;
	unsigned bit = key_is(key, klen, "vendor")    ? SEEN_VENDOR
	               : key_is(key, klen, "product") ? SEEN_PRODUCT
	               : key_is(key, klen, "cves")    ? SEEN_CVES
	                                              : 0;
	if (!bit)
		return skip(v); /* vendor_links, notes, references, last_updated, ... */
	if (c->seen & bit)
		return bad_at(v, kmark, KB_EINVAL, "duplicate key %s", key);
	c->seen |= bit;
	size_t m;
	kb_jpath_key(&v->path, key, &m);
	int r = bit == SEEN_VENDOR    ? read_name(v, &c->e->vendor)
	        : bit == SEEN_PRODUCT ? read_name(v, &c->e->product)
	                              : read_cves(v, c->e);
	kb_jpath_back(&v->path, m);
	return r;
}

/* ---- versions ----------------------------------------------------------------- */

typedef enum vf_kind { VF_ALL, VF_LT, VF_LE, VF_GE, VF_RANGE, VF_BRANCH, VF_EXACT } vf_kind;

/* One part of a version string, read. a: the version (or the lower bound),
 * b: the upper bound (RANGE) or the branch's limit (BRANCH). */
typedef struct vform {
	vf_kind kind;
	const char *a, *b;
} vform;

typedef struct vforms {
	vform *f;
	size_t n, cap;
} vforms;

static bool dotted(const char *s)
{
	if (*s == 'v' || *s == 'V')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
	return true;
}

/* One version as a vendor writes it: starts with a digit (or v and a digit),
 * no spaces, and no longer than the comparison allows. */
static bool version_token(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= KB_VERSION_MAX_LEN)
		return false;
	const char *p = (*s == 'v' || *s == 'V') ? s + 1 : s;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+~:-", *p))
			return false;
	return true;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool starts(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* If s ends with suffix (any case), cut it off and return true. */
static bool cut_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	if (n <= k || strcasecmp(s + n - k, suffix) != 0)
		return false;
	s[n - k] = '\0';
	return true;
}

/* The version after a branch: "7" -> "8", "7.9" -> "7.10", "v1.99" -> "v1.100". */
static char *branch_limit(kb_advisory *a, const char *prefix)
{
	size_t n = strlen(prefix);
	char *out = kb_adv_alloc(a, n + 2, 1);
	if (!out)
		return NULL;
	size_t start = n;
	while (start > 0 && isdigit((unsigned char)prefix[start - 1]))
		start--;
	memcpy(out, prefix, n + 1);
	size_t i = n;
	while (i > start) {
		i--;
		if (out[i] != '9') {
			out[i]++;
			return out;
		}
		out[i] = '0';
	}
	memmove(out + start + 1, out + start, n - start + 1);
	out[start] = '1';
	return out;
}

static int generic_cmp(const char *x, const char *y)
{
	int d = 0;
	kb_version_cmp(KB_VS_GENERIC, x, y, &d);
	return d;
}

/* Read one trimmed part into *f. false: it reads as none of the forms. */
static bool read_part(kb_advisory *a, char *p, vform *f, int *r)
{
	static const char *const words[] = { "versions ", "version ", "releases ", "release " };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (starts(p, words[i]) && p[strlen(words[i])]) {
			p = trim(p + strlen(words[i]));
			break;
		}
	static const char *const all[] = { "all", "all versions", "all releases", "any", "any version", "*" };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcasecmp(p, all[i]) == 0) {
			*f = (vform){ VF_ALL, "0", NULL };
			return true;
		}
	/* an operator or a word before the version */
	static const struct {
		const char *word;
		vf_kind kind;
	} pre[] = {
		{ "<=", VF_LE }, { "\xe2\x89\xa4", VF_LE }, { "=<", VF_LE }, { "<", VF_LT }, { ">=", VF_GE },
		{ "\xe2\x89\xa5", VF_GE }, { "=>", VF_GE }, { "==", VF_EXACT }, { "=", VF_EXACT },
		{ "before ", VF_LT }, { "prior to ", VF_LT }, { "earlier than ", VF_LT }, { "older than ", VF_LT },
		{ "lower than ", VF_LT }, { "less than ", VF_LT }, { "below ", VF_LT },
		{ "up to and including ", VF_LE }, { "since ", VF_GE },
	};
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		if (!starts(p, pre[i].word))
			continue;
		char *t = trim(p + strlen(pre[i].word));
		if (!version_token(t))
			return false;
		*f = (vform){ pre[i].kind, t, NULL };
		return true;
	}
	if (*p == '>')
		return false; /* "> V": OSV has no exclusive lower bound */
	/* "8.5.4.86 (and above)": the words without their parentheses */
	size_t len = strlen(p);
	char *open = strrchr(p, '(');
	if (len && p[len - 1] == ')' && open && open > p && open[-1] == ' ') {
		memmove(open, open + 1, (size_t)(p + len - 1 - (open + 1)));
		p[len - 2] = '\0';
	}
	/* a word after the version */
	static const struct {
		const char *word;
		vf_kind kind;
	} post[] = {
		{ " and later", VF_GE }, { " and above", VF_GE }, { " and higher", VF_GE }, { " and newer", VF_GE },
		{ " and up", VF_GE }, { " or later", VF_GE }, { " or higher", VF_GE }, { " or newer", VF_GE },
		{ " or above", VF_GE }, { " onwards", VF_GE }, { " and earlier", VF_LE }, { " and below", VF_LE },
		{ " and lower", VF_LE }, { " and prior", VF_LE }, { " and older", VF_LE }, { " or earlier", VF_LE },
		{ " or lower", VF_LE }, { " or below", VF_LE }, { " or older", VF_LE }, { "+", VF_GE },
	};
	for (size_t i = 0; i < sizeof post / sizeof post[0]; i++) {
		if (!cut_suffix(p, post[i].word))
			continue;
		char *t = trim(p);
		if (!version_token(t))
			return false;
		*f = (vform){ post[i].kind, t, NULL };
		return true;
	}
	/* a branch: 7.x, 7.1.* */
	size_t n = strlen(p);
	if (n > 2 && p[n - 2] == '.' && (p[n - 1] == 'x' || p[n - 1] == 'X' || p[n - 1] == '*')) {
		p[n - 2] = '\0';
		if (!dotted(p) || n - 2 >= KB_VERSION_MAX_LEN - 1)
			return false;
		const char *lim = branch_limit(a, p);
		if (!lim) {
			*r = KB_ENOMEM;
			return false;
		}
		*f = (vform){ VF_BRANCH, p, lim };
		return true;
	}
	/* a range: "A - B", "A to B", "A-B" between dotted numbers */
	if (starts(p, "from "))
		p = trim(p + 5);
	static const char *const seps[] = { " - ", " \xe2\x80\x93 ", "\xe2\x80\x93", " to ", " through ", " thru " };
	char *lo = NULL, *hi = NULL;
	for (size_t i = 0; i < sizeof seps / sizeof seps[0] && !lo; i++) {
		char *s = strstr(p, seps[i]);
		if (s) {
			*s = '\0';
			lo = trim(p);
			hi = trim(s + strlen(seps[i]));
		}
	}
	if (!lo) {
		char *dash = strchr(p, '-');
		if (dash && !strchr(dash + 1, '-')) {
			*dash = '\0';
			if (dotted(p) && dotted(dash + 1) && strchr(p, '.') && strchr(dash + 1, '.')) {
				lo = p;
				hi = dash + 1;
			} else {
				*dash = '-'; /* "2.0-beta9": one version */
			}
		}
	}
	if (lo) {
		if (!version_token(lo) || !version_token(hi) || generic_cmp(lo, hi) > 0)
			return false;
		*f = (vform){ VF_RANGE, lo, hi };
		return true;
	}
	if (!version_token(p))
		return false;
	*f = (vform){ VF_EXACT, p, NULL };
	return true;
}

/* Read one string (a copy owned by `a` is cut in place) into forms appended
 * to fs. false when some part reads as nothing, or as a form `fixed_only`
 * does not take: fs is left as it was. */
static bool read_string(kb_advisory *a, const char *s, bool fixed_only, vforms *fs, int *r)
{
	char *c = adv_dup(a, s);
	if (!c) {
		*r = KB_ENOMEM;
		return false;
	}
	size_t n0 = fs->n;
	char *save = NULL;
	bool any = false;
	for (char *part = strtok_r(c, ",;", &save); part; part = strtok_r(NULL, ",;", &save)) {
		part = trim(part);
		if (!*part)
			continue;
		if (fs->n == fs->cap) {
			size_t cap = fs->cap ? fs->cap * 2 : 8;
			vform *p = realloc(fs->f, cap * sizeof *p);
			if (!p) {
				*r = KB_ENOMEM;
				return false;
			}
			fs->f = p;
			fs->cap = cap;
		}
		if (!read_part(a, part, &fs->f[fs->n], r) ||
		    (fixed_only && fs->f[fs->n].kind != VF_EXACT && fs->f[fs->n].kind != VF_GE)) {
			fs->n = n0;
			return false;
		}
		fs->n++;
		any = true;
	}
	if (!any)
		fs->n = n0;
	return any;
}

/* The two sets of an entry being filled: ranges with room for three events
 * each (introduced, fixed or last_affected, limit), and exact versions. */
typedef struct vset {
	kb_range *r;
	size_t nr;
	const char **v;
	size_t nv;
} vset;

static int add_form(kb_advisory *a, vset *s, const vform *f)
{
	if (f->kind == VF_EXACT) {
		s->v[s->nv++] = f->a;
		return 0;
	}
	kb_range_event *ev = kb_adv_alloc(a, 3, sizeof *ev);
	if (!ev)
		return KB_ENOMEM;
	size_t n = 0;
	switch (f->kind) {
	case VF_ALL:
		ev[n++] = (kb_range_event){ KB_EVENT_INTRODUCED, "0" };
		break;
	case VF_LT:
		ev[n++] = (kb_range_event){ KB_EVENT_INTRODUCED, "0" };
		ev[n++] = (kb_range_event){ KB_EVENT_FIXED, f->a };
		break;
	case VF_LE:
		ev[n++] = (kb_range_event){ KB_EVENT_INTRODUCED, "0" };
		ev[n++] = (kb_range_event){ KB_EVENT_LAST_AFFECTED, f->a };
		break;
	case VF_GE:
		ev[n++] = (kb_range_event){ KB_EVENT_INTRODUCED, f->a };
		break;
	case VF_RANGE:
		ev[n++] = (kb_range_event){ KB_EVENT_INTRODUCED, f->a };
		ev[n++] = (kb_range_event){ KB_EVENT_LAST_AFFECTED, f->b };
		break;
	case VF_BRANCH:
		ev[n++] = (kb_range_event){ KB_EVENT_INTRODUCED, f->a };
		ev[n++] = (kb_range_event){ KB_EVENT_LIMIT, f->b };
		break;
	case VF_EXACT:
		break;
	}
	s->r[s->nr++] = (kb_range){ KB_RANGE_ECOSYSTEM, ev, n };
	return 0;
}

static int vcmp(kb_vscheme sc, const char *x, const char *y)
{
	int d = 0;
	if (strcmp(x, "0") == 0 || strcmp(y, "0") == 0)
		return strcmp(x, "0") == 0 ? (strcmp(y, "0") == 0 ? 0 : -1) : 1;
	kb_version_cmp(sc, x, y, &d); /* tokens are shorter than KB_VERSION_MAX_LEN: cannot fail */
	return d;
}

/* A fixed version is unaffected, whether or not it closes a range: the
 * vendor said so, and `unaffected` wins over every affected range (another
 * range of the same entry may cover it). "V and later": from V on. */
static int demote(kb_advisory *a, vset *un, const vform *f)
{
	return add_form(a, un, f);
}

/* Close open affected ranges with the fixed versions; see the file head. */
static int close_ranges(kb_advisory *a, kb_vscheme sc, vset *m, const vform *aff, const vforms *fixed, vset *un)
{
	/* m->r[i] came from the i-th non-exact affected form */
	const vform **open = calloc(m->nr ? m->nr : 1, sizeof *open);
	const vform **best = calloc(m->nr ? m->nr : 1, sizeof *best);
	int r = (open && best) ? 0 : KB_ENOMEM;
	for (size_t i = 0, k = 0; r == 0 && k < m->nr; i++) {
		if (aff[i].kind == VF_EXACT)
			continue;
		if (aff[i].kind == VF_ALL || aff[i].kind == VF_GE || aff[i].kind == VF_BRANCH)
			open[k] = &aff[i];
		k++;
	}
	for (size_t i = 0; r == 0 && i < fixed->n; i++) {
		const vform *f = &fixed->f[i];
		size_t in = SIZE_MAX;
		for (size_t k = 0; (f->kind == VF_EXACT || f->kind == VF_GE) && k < m->nr; k++) {
			const vform *o = open[k];
			if (!o || vcmp(sc, f->a, o->a) < 0 || (o->kind == VF_BRANCH && vcmp(sc, f->a, o->b) >= 0))
				continue;
			if (in == SIZE_MAX || vcmp(sc, o->a, open[in]->a) > 0)
				in = k; /* the innermost: the one that starts last */
		}
		if (in != SIZE_MAX && (!best[in] || vcmp(sc, f->a, best[in]->a) > 0))
			best[in] = f;
		r = demote(a, un, f);
	}
	for (size_t k = 0; r == 0 && k < m->nr; k++) {
		if (!best[k])
			continue;
		kb_range_event *ev = (kb_range_event *)m->r[k].events;
		assert(m->r[k].n_events < 3); /* an open range: introduced, and a limit for a branch */
		ev[m->r[k].n_events++] = (kb_range_event){ KB_EVENT_FIXED, best[k]->a };
	}
	free(open);
	free(best);
	return r;
}

static size_t count_ranges(const vforms *fs)
{
	size_t n = 0;
	for (size_t i = 0; i < fs->n; i++)
		n += fs->f[i].kind != VF_EXACT;
	return n;
}

/* The statement: "affected: a, b; fixed: c", "not investigated; ..." first
 * when the vendor said so. NULL when nothing was listed. */
static int statement(kb_advisory *a, const vsl_status *st, int investigated, const char **ret)
{
	kb_buf b;
	kb_buf_init(&b, KB_ADVISORY_MAX_BYTES);
	int r = 0;
	bool any = false;
	if (investigated == 0)
		r = kb_buf_puts(&b, "not investigated");
	for (int l = 0; r == 0 && l < L__COUNT; l++) {
		const vsl_strs *s = &st->lists[l];
		if (!s->n)
			continue;
		r = kb_buf_printf(&b, "%s%s: ", b.len ? "; " : "", list_word[l]);
		for (size_t i = 0; r == 0 && i < s->n; i++)
			r = kb_buf_printf(&b, "%s%s", i ? ", " : "", s->s[i]);
		any = true;
	}
	*ret = NULL;
	if (r == 0 && any) {
		*ret = adv_dup(a, kb_buf_str(&b));
		if (!*ret)
			r = KB_ENOMEM;
	}
	kb_buf_free(&b);
	return r;
}

/* One affected entry of advisory `a` from what entry e says in status st. */
static int build(vsl_reader *v, kb_advisory *a, const vsl_entry *e, const vsl_status *st, kb_advisory_affected *out)
{
	*out = (kb_advisory_affected){ .default_status = KB_VSTATUS_UNKNOWN };
	out->match.scheme = out->unaffected.scheme = KB_VS_INTDOT;
	out->vendor = adv_dup(a, e->vendor);
	out->product = adv_dup(a, e->product);
	if ((e->vendor && !out->vendor) || (e->product && !out->product))
		return KB_ENOMEM;
	bool listed = st->lists[L_AFFECTED].n || st->lists[L_FIXED].n || st->lists[L_UNAFFECTED].n;
	int investigated = st->investigated < 0 ? listed : st->investigated;
	int r = statement(a, st, investigated, &out->statement);
	if (r < 0 || !investigated || !listed)
		return r;

	vforms fs[L__COUNT] = { { 0 } };
	bool all_read = true;
	for (int l = 0; r == 0 && l < L__COUNT; l++)
		for (size_t i = 0; r == 0 && i < st->lists[l].n; i++)
			if (!read_string(a, st->lists[l].s[i], l == L_FIXED, &fs[l], &r))
				all_read = false;
	kb_vscheme sc = KB_VS_INTDOT;
	for (int l = 0; l < L__COUNT; l++)
		for (size_t i = 0; i < fs[l].n; i++) {
			const vform *f = &fs[l].f[i];
			if ((strcmp(f->a, "0") != 0 && !dotted(f->a)) || (f->kind == VF_RANGE && !dotted(f->b)))
				sc = KB_VS_GENERIC;
		}
	out->match.scheme = out->unaffected.scheme = sc;
	size_t nm = count_ranges(&fs[L_AFFECTED]), nu = count_ranges(&fs[L_UNAFFECTED]) + fs[L_FIXED].n;
	if (r == 0 && (nm > KB_ADVISORY_MAX_RANGES || nu > KB_ADVISORY_MAX_RANGES))
		r = bad_at(v, &st->mark, KB_ELIMIT, "software[%zu].cves.%s: more ranges than the limit of %d", e->index,
		           v->g[st->group].id, KB_ADVISORY_MAX_RANGES);
	vset m = { 0 }, un = { 0 };
	if (r == 0) {
		m.r = kb_adv_alloc(a, nm, sizeof *m.r);
		m.v = kb_adv_alloc(a, fs[L_AFFECTED].n, sizeof *m.v);
		un.r = kb_adv_alloc(a, nu, sizeof *un.r);
		un.v = kb_adv_alloc(a, fs[L_UNAFFECTED].n + fs[L_FIXED].n, sizeof *un.v);
		if (!m.r || !m.v || !un.r || !un.v)
			r = KB_ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < fs[L_AFFECTED].n; i++)
		r = add_form(a, &m, &fs[L_AFFECTED].f[i]);
	if (r == 0)
		r = close_ranges(a, sc, &m, fs[L_AFFECTED].f, &fs[L_FIXED], &un);
	for (size_t i = 0; r == 0 && i < fs[L_UNAFFECTED].n; i++)
		r = add_form(a, &un, &fs[L_UNAFFECTED].f[i]);
	if (r == 0) {
		out->match.ranges = m.r;
		out->match.n_ranges = m.nr;
		out->match.versions = m.v;
		out->match.n_versions = m.nv;
		out->unaffected.ranges = un.r;
		out->unaffected.n_ranges = un.nr;
		out->unaffected.versions = un.v;
		out->unaffected.n_versions = un.nv;
		if (all_read && st->lists[L_AFFECTED].n)
			out->default_status = KB_VSTATUS_UNAFFECTED;
	}
	for (int l = 0; l < L__COUNT; l++)
		free(fs[l].f);
	return r;
}

/* ---- entries, the file ---------------------------------------------------------- */

static void entry_free(vsl_entry *e)
{
	free(e->vendor);
	free(e->product);
	for (size_t i = 0; i < e->n; i++)
		for (int l = 0; l < L__COUNT; l++)
			strs_free(&e->st[i].lists[l]);
	free(e->st);
}

static int emit(vsl_reader *v, const vsl_entry *e)
{
	for (size_t i = 0; i < e->n; i++) {
		vsl_group *g = &v->g[e->st[i].group];
		if (g->n == g->cap) {
			size_t cap = g->cap ? g->cap * 2 : 16;
			kb_advisory_affected *p = realloc(g->items, cap * sizeof *p);
			if (!p)
				return KB_ENOMEM;
			g->items = p;
			g->cap = cap;
		}
		int r = build(v, g->a, e, &e->st[i], &g->items[g->n]);
		if (r < 0)
			return r;
		g->n++;
	}
	return 0;
}

static int read_entry(vsl_reader *v, size_t index)
{
	int r = 0;
	if (is_alias(v, &r))
		return r;
	if (v->ev.type != YAML_MAPPING_START_EVENT)
		return BAD(v, KB_EINVAL, "expected a software entry: a mapping with vendor, product and cves");
	yaml_mark_t start = v->ev.start_mark;
	vsl_entry e = { .index = index };
	struct entry_ctx c = { &e, 0 };
	r = each_pair(v, entry_pair, &c);
	if (r == 0 && !(c.seen & SEEN_VENDOR))
		r = bad_at(v, &start, KB_EINVAL, "expected \"vendor\"");
	if (r == 0)
		r = emit(v, &e);
	entry_free(&e);
	return r;
}

static int read_software(vsl_reader *v)
{
	int r = 0;
	if (is_alias(v, &r))
		return r;
	if (is_null(v))
		return 0;
	if (v->ev.type != YAML_SEQUENCE_START_EVENT)
		return BAD(v, KB_EINVAL, "expected a list of software entries");
	for (;;) {
		r = next(v);
		if (r < 0 || v->ev.type == YAML_SEQUENCE_END_EVENT)
			return r;
		if (v->entries == KB_VSL_MAX_ENTRIES)
			return BAD(v, KB_ELIMIT, "more software entries than the limit of %d", KB_VSL_MAX_ENTRIES);
		size_t m;
		kb_jpath_index(&v->path, v->entries, &m);
		r = read_entry(v, v->entries);
		kb_jpath_back(&v->path, m);
		if (r < 0)
			return r;
		v->entries++;
	}
}

static int top_pair(vsl_reader *v, const char *key, size_t klen, const yaml_mark_t *kmark, void *ctx)
{
	bool *seen = ctx;
	if (!key_is(key, klen, "software"))
		return skip(v); /* version, owners */
	if (*seen)
		return bad_at(v, kmark, KB_EINVAL, "duplicate key software");
	*seen = true;
	size_t m;
	kb_jpath_key(&v->path, "software", &m);
	int r = read_software(v);
	kb_jpath_back(&v->path, m);
	return r;
}

static int read_stream(vsl_reader *v)
{
	int r = next(v); /* stream start */
	if (r == 0)
		r = next(v);
	if (r < 0)
		return r;
	if (v->ev.type != YAML_DOCUMENT_START_EVENT)
		return BAD(v, KB_EFORMAT, "expected a vendor status list: a YAML mapping with a software list");
	r = next(v);
	if (r < 0)
		return r;
	if (v->ev.type != YAML_MAPPING_START_EVENT)
		return BAD(v, KB_EFORMAT, "expected a vendor status list: a YAML mapping with a software list");
	yaml_mark_t root = v->ev.start_mark;
	bool seen = false;
	r = each_pair(v, top_pair, &seen);
	if (r < 0)
		return r;
	if (!seen)
		return bad_at(v, &root, KB_EFORMAT, "expected a vendor status list: a top-level software list");
	r = next(v); /* document end */
	if (r == 0)
		r = next(v);
	if (r == 0 && v->ev.type != YAML_STREAM_END_EVENT)
		r = BAD(v, KB_EINVAL, "expected one YAML document");
	return r;
}

int kb_advisory_parse_cisagov(const char *name, const void *data, size_t len, kb_advisory ***ret, size_t *ret_n,
                              kb_error *err)
{
	if (len > KB_ADVISORY_MAX_BYTES)
		return kb_error_set(err, KB_ELIMIT, name, 0, 0, KB_NO_OFFSET,
		                    "a vendor status list of %zu bytes: more than the limit of %u", len,
		                    (unsigned)KB_ADVISORY_MAX_BYTES);
	vsl_reader v = { .name = name, .data = data, .len = len, .err = err };
	const char *slash = name ? strrchr(name, '/') : NULL;
	v.base = slash ? slash + 1 : name ? name : "(input)";
	if (!yaml_parser_initialize(&v.p))
		return KB_ENOMEM;
	yaml_parser_set_input_string(&v.p, data, len);
	int r = read_stream(&v);
	if (v.have_ev)
		yaml_event_delete(&v.ev);
	yaml_parser_delete(&v.p);

	kb_advisory **list = NULL;
	if (r == 0 && v.ng) {
		list = calloc(v.ng, sizeof *list);
		if (!list)
			r = KB_ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < v.ng; i++) {
		vsl_group *g = &v.g[i];
		kb_advisory_affected *items = kb_adv_alloc(g->a, g->n, sizeof *items);
		if (!items) {
			r = KB_ENOMEM;
			break;
		}
		if (g->n)
			memcpy(items, g->items, g->n * sizeof *items);
		g->a->affected = items;
		g->a->n_affected = g->n;
	}
	for (size_t i = 0; i < v.ng; i++) {
		free(v.g[i].items);
		if (r == 0)
			list[i] = v.g[i].a;
		else
			kb_advisory_free(v.g[i].a);
	}
	free(v.g);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = v.ng;
	return 0;
}
