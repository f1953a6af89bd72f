/*
 * version-maven.c - Maven version ordering.
 *
 * Follows org.apache.maven.artifact.versioning.ComparableVersion as shipped in
 * Maven 3.x (3.5 - 3.8 behaviour; see also the "Version Order Specification"
 * in the maven-artifact / POM reference documentation):
 *
 *   - The version is lower-cased (ASCII) and split into items on '.', '-' and
 *     on every digit/letter transition. An empty item before '.' or '-' is 0.
 *   - '-' and every digit/letter transition open a nested list: "1-alpha-1"
 *     is [1, [alpha, [1]]] and "1a1" parses the same way.
 *   - Digit runs are integers, compared numerically (arbitrary length: leading
 *     zeros are dropped, then longer is larger, then byte order).
 *   - Letter runs are qualifiers. A single a/b/m directly followed by a digit
 *     means alpha/beta/milestone; ga/final/release mean "" and cr means rc.
 *     Known qualifiers order alpha < beta < milestone < rc < snapshot < ""
 *     < sp; unknown qualifiers sort after all of them, lexically (bytes).
 *   - Each list is normalised by dropping trailing null items (0, "", empty
 *     lists), scanning back over nested lists, so 2.4 == 2.4.0 == 2.4-final.
 *   - Comparing mixed kinds: list < int, string < int, string < list. A missing
 *     item compares as null: an int against null is > 0 unless 0, a qualifier
 *     against null compares with "" (release), a list by its first item.
 *
 * Differences from Java: only ASCII digits are digits and only ASCII letters
 * are lower-cased; unknown qualifiers compare by bytes, not UTF-16 units.
 * Work and memory are bounded by the input length (<= KB_VERSION_MAX_LEN,
 * checked again here); no allocation, no global state. Never fails on valid
 * pointers.
 */
#include <stddef.h>
#include <string.h>

#include "koban/koban.h"
#include "version-internal.h"

enum { MV_INT, MV_STR, MV_LIST };

/* Qualifier ranks; MV_Q_OTHER is "unknown", ordered by its text. */
enum { MV_Q_ALPHA, MV_Q_BETA, MV_Q_MILESTONE, MV_Q_RC, MV_Q_SNAPSHOT, MV_Q_RELEASE, MV_Q_SP, MV_Q_OTHER };

/* At most one item and one list per input byte, plus the root. */
#define MV_MAX_NODES (2 * KB_VERSION_MAX_LEN + 4)

typedef struct mv_node {
	unsigned char type;
	unsigned char qual;  /* MV_STR: rank */
	unsigned short off;  /* MV_INT digits / MV_Q_OTHER text, in buf */
	unsigned short len;
	short parent;        /* containing list, -1 for the root */
	short first, last;   /* MV_LIST children */
	short prev, next;    /* siblings */
} mv_node;

typedef struct mv_version {
	char buf[KB_VERSION_MAX_LEN + 1];
	mv_node n[MV_MAX_NODES];
	int count;
} mv_version;

static int mv_new(mv_version *v, int type)
{
	mv_node *x = &v->n[v->count];
	memset(x, 0, sizeof(*x));
	x->type = (unsigned char)type;
	x->parent = -1;
	x->first = x->last = x->prev = x->next = -1;
	return v->count++;
}

static void mv_append(mv_version *v, int list, int item)
{
	mv_node *l = &v->n[list];
	mv_node *it = &v->n[item];
	it->parent = (short)list;
	it->prev = l->last;
	it->next = -1;
	if (l->last >= 0)
		v->n[l->last].next = (short)item;
	else
		l->first = (short)item;
	l->last = (short)item;
}

static void mv_remove(mv_version *v, int item)
{
	mv_node *it = &v->n[item];
	mv_node *l = &v->n[it->parent];
	if (it->prev >= 0)
		v->n[it->prev].next = it->next;
	else
		l->first = it->next;
	if (it->next >= 0)
		v->n[it->next].prev = it->prev;
	else
		l->last = it->prev;
}

static int mv_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int mv_word(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

/* A qualifier item for buf[off, off+len). */
static int mv_string_item(mv_version *v, size_t off, size_t len, int followed_by_digit)
{
	static const char *const known[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
	const char *s = v->buf + off;
	int id = mv_new(v, MV_STR);
	mv_node *x = &v->n[id];
	int q = MV_Q_OTHER;

	if (followed_by_digit && len == 1 && (s[0] == 'a' || s[0] == 'b' || s[0] == 'm'))
		q = s[0] == 'a' ? MV_Q_ALPHA : s[0] == 'b' ? MV_Q_BETA : MV_Q_MILESTONE;
	else if (mv_word(s, len, "ga") || mv_word(s, len, "final") || mv_word(s, len, "release"))
		q = MV_Q_RELEASE;
	else if (mv_word(s, len, "cr"))
		q = MV_Q_RC;
	else
		for (int i = 0; i < MV_Q_OTHER; i++)
			if (mv_word(s, len, known[i])) {
				q = i;
				break;
			}
	x->qual = (unsigned char)q;
	x->off = (unsigned short)off;
	x->len = (unsigned short)len;
	return id;
}

static int mv_int_item(mv_version *v, size_t off, size_t len)
{
	int id = mv_new(v, MV_INT);
	while (len > 0 && v->buf[off] == '0') {
		off++;
		len--;
	}
	v->n[id].off = (unsigned short)off;
	v->n[id].len = (unsigned short)len; /* 0 means the value zero */
	return id;
}

static int mv_parse_item(mv_version *v, int is_digit, size_t off, size_t len)
{
	return is_digit ? mv_int_item(v, off, len) : mv_string_item(v, off, len, 0);
}

static int mv_is_null(const mv_version *v, int id)
{
	const mv_node *x = &v->n[id];
	switch (x->type) {
	case MV_INT:
		return x->len == 0;
	case MV_STR:
		return x->qual == MV_Q_RELEASE;
	default:
		return x->first < 0;
	}
}

/* ComparableVersion.ListItem.normalize(). */
static void mv_normalize(mv_version *v, int list)
{
	int i = v->n[list].last;
	while (i >= 0) {
		int prev = v->n[i].prev;
		if (mv_is_null(v, i))
			mv_remove(v, i);
		else if (v->n[i].type != MV_LIST)
			break;
		i = prev;
	}
}

static int mv_open_list(mv_version *v, int list)
{
	int l = mv_new(v, MV_LIST);
	mv_append(v, list, l);
	return l;
}

/* ComparableVersion.parseVersion(); the root list is node 0. */
static void mv_parse(mv_version *v, const char *s, size_t len)
{
	int list;
	int is_digit = 0;
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		v->buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	v->buf[len] = '\0';
	v->count = 0;
	list = mv_new(v, MV_LIST);

	for (size_t i = 0; i < len; i++) {
		char c = v->buf[i];
		if (c == '.' || c == '-') {
			if (i == start)
				mv_append(v, list, mv_int_item(v, i, 0));
			else
				mv_append(v, list, mv_parse_item(v, is_digit, start, i - start));
			start = i + 1;
			if (c == '-')
				list = mv_open_list(v, list);
		} else if (mv_is_digit(c)) {
			if (!is_digit && i > start) {
				mv_append(v, list, mv_string_item(v, start, i - start, 1));
				start = i;
				list = mv_open_list(v, list);
			}
			is_digit = 1;
		} else {
			if (is_digit && i > start) {
				mv_append(v, list, mv_int_item(v, start, i - start));
				start = i;
				list = mv_open_list(v, list);
			}
			is_digit = 0;
		}
	}
	if (len > start)
		mv_append(v, list, mv_parse_item(v, is_digit, start, len - start));

	/* Java pops its stack of lists: the most recently opened first. */
	for (int i = v->count - 1; i >= 0; i--)
		if (v->n[i].type == MV_LIST)
			mv_normalize(v, i);
}

static int mv_sign(int x)
{
	return (x > 0) - (x < 0);
}

/* item.compareTo(null) */
static int mv_cmp_null(const mv_version *v, int id)
{
	const mv_node *x = &v->n[id];
	switch (x->type) {
	case MV_INT:
		return x->len != 0;
	case MV_STR:
		return mv_sign((int)x->qual - MV_Q_RELEASE);
	default:
		return x->first < 0 ? 0 : mv_cmp_null(v, x->first);
	}
}

static int mv_cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = memcmp(a, b, n);
	if (r != 0)
		return mv_sign(r);
	return (alen > blen) - (alen < blen);
}

static int mv_cmp(const mv_version *va, int a, const mv_version *vb, int b)
{
	const mv_node *x = &va->n[a];
	const mv_node *y = &vb->n[b];

	switch (x->type) {
	case MV_INT:
		if (y->type != MV_INT)
			return 1;
		if (x->len != y->len)
			return x->len > y->len ? 1 : -1;
		return mv_sign(memcmp(va->buf + x->off, vb->buf + y->off, x->len));
	case MV_STR:
		if (y->type != MV_STR)
			return -1;
		if (x->qual != y->qual)
			return x->qual > y->qual ? 1 : -1;
		if (x->qual != MV_Q_OTHER)
			return 0;
		return mv_cmp_bytes(va->buf + x->off, x->len, vb->buf + y->off, y->len);
	default:
		if (y->type == MV_INT)
			return -1;
		if (y->type == MV_STR)
			return 1;
		for (int l = x->first, r = y->first; l >= 0 || r >= 0;) {
			int res;
			if (l < 0)
				res = -mv_cmp_null(vb, r);
			else if (r < 0)
				res = mv_cmp_null(va, l);
			else
				res = mv_cmp(va, l, vb, r);
			if (res != 0)
				return res;
			if (l >= 0)
				l = va->n[l].next;
			if (r >= 0)
				r = vb->n[r].next;
		}
		return 0;
	}
}

int kb_vcmp_maven(const char *a, const char *b, int *ret)
{
	/* Two parsed versions: ~12 KiB each with the default limit. */
	mv_version va, vb;
	size_t alen, blen;

	if (!a || !b || !ret)
		return KB_EINVAL;
	alen = strlen(a);
	blen = strlen(b);
	if (alen > KB_VERSION_MAX_LEN || blen > KB_VERSION_MAX_LEN)
		return KB_ELIMIT;
	mv_parse(&va, a, alen);
	mv_parse(&vb, b, blen);
	*ret = mv_cmp(&va, 0, &vb, 0);
	return 0;
}
