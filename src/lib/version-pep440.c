/*
 * version-pep440.c - Python package versions (PEP 440), ordered as
 * pypa/packaging's Version does.
 *
 * Parsing follows packaging's VERSION_PATTERN (matched case-insensitively,
 * surrounded by optional whitespace):
 *
 *   v? (N!)? N(.N)* (pre)? (post)? (dev)? (+local)?
 *   pre   = [-_.]? (alpha|a|beta|b|preview|pre|c|rc) [-_.]? N?
 *   post  = -N | [-_.]? (post|rev|r) [-_.]? N?
 *   dev   = [-_.]? dev [-_.]? N?
 *   local = [a-z0-9]+ ([-_.][a-z0-9]+)*
 *
 * The parser is a hand-written, greedy recogniser of that pattern. Greedy is
 * enough: every optional separator is followed by a fixed label or by digits,
 * so whenever backtracking could succeed the greedy choice succeeds too (and
 * the regex engine prefers the greedy choice anyway). Longer labels are tried
 * first (alpha before a, preview before pre, rev before r).
 *
 * Normalisation (what packaging does before comparing): alpha -> a,
 * beta -> b, c/pre/preview -> rc; rev/r/-N -> post; a missing pre, post or dev
 * number is 0; numbers lose leading zeros; local segments are lower-cased and
 * split on '.', '-' and '_'.
 *
 * Ordering is packaging's _cmpkey, field by field:
 *   epoch    numerically;
 *   release  with trailing zeros stripped (1.0 == 1.0.0), as a tuple;
 *   pre      -inf for a dev-only release (no pre, no post, but dev: 1.0.dev0 <
 *            1.0a0), +inf when absent otherwise, else (a < b < rc, number);
 *   post     -inf when absent, else the number;
 *   dev      +inf when absent, else the number;
 *   local    -inf when absent; else segment by segment, a numeric segment
 *            sorts after any alphanumeric one, numeric ones compare as numbers,
 *            alphanumeric ones as lower-case text, and a prefix sorts first.
 *
 * Every number is kept as a span of digits in the input (leading zeros
 * skipped) and compared by length then by bytes, so numbers of any length
 * compare correctly without overflow. Nothing is allocated: a version parses
 * into a fixed struct whose release holds at most PEP440_MAX_RELEASE numbers;
 * a longer release is rejected with KB_EINVAL. Whitespace means the ASCII
 * characters Python's \s matches (space, \t \n \v \f \r and \x1c-\x1f);
 * non-ASCII whitespace and digits are not accepted.
 */
#include "version-internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define PEP440_MAX_RELEASE 32 /* release segments kept; more gives KB_EINVAL */

/* A non-negative integer: its digits without leading zeros (n == 0 is 0). */
typedef struct {
	const char *p;
	size_t n;
} pep440_num;

enum { PRE_A = 0, PRE_B = 1, PRE_RC = 2 };

typedef struct {
	pep440_num epoch;
	pep440_num release[PEP440_MAX_RELEASE];
	size_t nrelease; /* trailing zeros already dropped */
	bool has_pre, has_post, has_dev;
	int pre_kind;
	pep440_num pre, post, dev;
	const char *local; /* NULL when there is none */
	size_t local_len;
} pep440_version;

static bool is_ws(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_sep(char c)
{
	return c == '.' || c == '-' || c == '_';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Does [s, end) start with the lower-case word w (case-insensitively)? */
static size_t match_word(const char *s, const char *end, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(end - s) < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != w[i])
			return 0;
	return n;
}

/* Read a run of digits at *s (at least one) into *num; false when none. */
static bool read_num(const char **s, const char *end, pep440_num *num)
{
	const char *p = *s;
	if (p >= end || !is_digit(*p))
		return false;
	while (p < end && is_digit(*p))
		p++;
	const char *q = *s;
	while (q < p && *q == '0')
		q++;
	num->p = q;
	num->n = (size_t)(p - q);
	*s = p;
	return true;
}

/* Optional separator, then one of labels, then optional separator and an
 * optional number. Returns the index of the label matched, or -1 (and leaves
 * *s untouched) when none does. */
static int read_labelled(const char **s, const char *end, const char *const *labels,
			 size_t nlabels, pep440_num *num)
{
	const char *p = *s;
	if (p < end && is_sep(*p))
		p++;
	for (size_t i = 0; i < nlabels; i++) {
		size_t n = match_word(p, end, labels[i]);
		if (!n)
			continue;
		p += n;
		if (p < end && is_sep(*p))
			p++;
		num->p = p;
		num->n = 0;
		if (p < end && is_digit(*p))
			read_num(&p, end, num);
		*s = p;
		return (int)i;
	}
	return -1;
}

static int pep440_parse(const char *str, pep440_version *v)
{
	static const char *const pre_labels[] = { "alpha", "a", "beta", "b", "preview", "pre", "c", "rc" };
	static const int pre_kinds[] = { PRE_A, PRE_A, PRE_B, PRE_B, PRE_RC, PRE_RC, PRE_RC, PRE_RC };
	static const char *const post_labels[] = { "post", "rev", "r" };
	static const char *const dev_labels[] = { "dev" };

	memset(v, 0, sizeof *v);
	size_t len = strlen(str);
	if (len > KB_VERSION_MAX_LEN)
		return KB_ELIMIT;
	const char *s = str, *end = str + len;
	while (s < end && is_ws(*s))
		s++;
	while (end > s && is_ws(end[-1]))
		end--;
	if (s < end && lower(*s) == 'v')
		s++;

	/* Epoch and release: N! is an epoch only when '!' follows the digits. */
	pep440_num n;
	if (!read_num(&s, end, &n))
		return KB_EINVAL;
	if (s < end && *s == '!') {
		v->epoch = n;
		s++;
		if (!read_num(&s, end, &n))
			return KB_EINVAL;
	}
	size_t count = 0;
	for (;;) {
		if (count == PEP440_MAX_RELEASE)
			return KB_EINVAL;
		v->release[count++] = n;
		if (s + 1 < end && *s == '.' && is_digit(s[1])) {
			s++;
			read_num(&s, end, &n);
		} else {
			break;
		}
	}
	while (count > 0 && v->release[count - 1].n == 0)
		count--;
	v->nrelease = count;

	int k = read_labelled(&s, end, pre_labels, sizeof pre_labels / sizeof pre_labels[0], &v->pre);
	if (k >= 0) {
		v->has_pre = true;
		v->pre_kind = pre_kinds[k];
	}

	if (s + 1 < end && *s == '-' && is_digit(s[1])) {
		s++;
		read_num(&s, end, &v->post);
		v->has_post = true;
	} else if (read_labelled(&s, end, post_labels, sizeof post_labels / sizeof post_labels[0],
				 &v->post) >= 0) {
		v->has_post = true;
	}

	if (read_labelled(&s, end, dev_labels, 1, &v->dev) >= 0)
		v->has_dev = true;

	if (s < end && *s == '+') {
		s++;
		v->local = s;
		/* [a-z0-9]+ ([-_.][a-z0-9]+)* */
		for (;;) {
			if (s >= end || !is_alnum(*s))
				return KB_EINVAL;
			while (s < end && is_alnum(*s))
				s++;
			if (s < end && is_sep(*s))
				s++;
			else
				break;
		}
		v->local_len = (size_t)(s - v->local);
	}
	return s == end ? 0 : KB_EINVAL;
}

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

static int cmp_num(const pep440_num *a, const pep440_num *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->n ? sign(memcmp(a->p, b->p, a->n)) : 0;
}

/* The pre key: -inf (-1), a real pre-release (0), +inf (1). */
static int pre_rank(const pep440_version *v)
{
	if (v->has_pre)
		return 0;
	return (!v->has_post && v->has_dev) ? -1 : 1;
}

/* Next local segment from [*s, end): its span, and whether it is all digits. */
static void next_local(const char **s, const char *end, const char **seg, size_t *n, bool *numeric)
{
	const char *p = *s;
	*seg = p;
	*numeric = true;
	while (p < end && !is_sep(*p)) {
		if (!is_digit(*p))
			*numeric = false;
		p++;
	}
	*n = (size_t)(p - *seg);
	*s = p < end ? p + 1 : p;
}

static int cmp_local(const pep440_version *a, const pep440_version *b)
{
	if (!a->local || !b->local)
		return (a->local != NULL) - (b->local != NULL);
	const char *pa = a->local, *ea = a->local + a->local_len;
	const char *pb = b->local, *eb = b->local + b->local_len;
	while (pa < ea && pb < eb) {
		const char *sa, *sb;
		size_t na, nb;
		bool da, db;
		next_local(&pa, ea, &sa, &na, &da);
		next_local(&pb, eb, &sb, &nb, &db);
		int c;
		if (da != db) {
			c = da ? 1 : -1; /* numbers sort after text */
		} else if (da) {
			pep440_num x = { sa, na }, y = { sb, nb };
			while (x.n && *x.p == '0')
				x.p++, x.n--;
			while (y.n && *y.p == '0')
				y.p++, y.n--;
			c = cmp_num(&x, &y);
		} else {
			c = 0;
			for (size_t i = 0; i < na && i < nb && !c; i++)
				c = (unsigned char)lower(sa[i]) - (unsigned char)lower(sb[i]);
			if (!c && na != nb)
				c = na < nb ? -1 : 1;
		}
		if (c)
			return sign(c);
	}
	return (pa < ea) - (pb < eb);
}

static int pep440_cmp(const pep440_version *a, const pep440_version *b)
{
	int c = cmp_num(&a->epoch, &b->epoch);
	if (c)
		return c;
	for (size_t i = 0; i < a->nrelease && i < b->nrelease; i++)
		if ((c = cmp_num(&a->release[i], &b->release[i])))
			return c;
	if (a->nrelease != b->nrelease)
		return a->nrelease < b->nrelease ? -1 : 1;

	int ra = pre_rank(a), rb = pre_rank(b);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra == 0) {
		if (a->pre_kind != b->pre_kind)
			return a->pre_kind < b->pre_kind ? -1 : 1;
		if ((c = cmp_num(&a->pre, &b->pre)))
			return c;
	}

	if (a->has_post != b->has_post)
		return a->has_post ? 1 : -1; /* none is -inf */
	if (a->has_post && (c = cmp_num(&a->post, &b->post)))
		return c;

	if (a->has_dev != b->has_dev)
		return a->has_dev ? -1 : 1; /* none is +inf */
	if (a->has_dev && (c = cmp_num(&a->dev, &b->dev)))
		return c;

	return cmp_local(a, b);
}

int kb_vcmp_pep440(const char *a, const char *b, int *ret)
{
	if (!a || !b || !ret)
		return KB_EINVAL;
	pep440_version va, vb;
	int rc = pep440_parse(a, &va);
	if (rc)
		return rc;
	if ((rc = pep440_parse(b, &vb)))
		return rc;
	*ret = pep440_cmp(&va, &vb);
	return 0;
}
