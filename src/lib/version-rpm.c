/*
 * version-rpm.c - RPM versions, ordered like rpm's rpmvercmp (rpm 4.x).
 *
 * Source: rpm-software-management/rpm rpmio/rpmvercmp.c (rpmvercmp) and
 * lib/rpmver.c (EVR compare); re-implemented here.
 *
 * Full EVR: [epoch:]version[-release]. The epoch is the digits before the
 * first ':' (default 0) and compares numerically; the release is what
 * follows the LAST '-'. Version, then release, compare with rpmvercmp:
 *   - equal strings are equal;
 *   - characters that are not ASCII letters/digits and not '~' or '^' are
 *     separators and are skipped;
 *   - '~' sorts before everything, even the end of the string;
 *   - '^' sorts after the end of the string but before anything else;
 *   - then a segment is a run of digits or a run of letters; a numeric
 *     segment is newer than an alphabetic one; numeric segments compare as
 *     numbers (leading zeros ignored), alphabetic ones with strcmp;
 *   - when one string runs out of segments, the one with segments left is
 *     newer (with an empty remainder, the strings are equal).
 * If neither side has a release, only epoch and version count; a missing
 * release on one side only compares as the empty string against the other.
 * Lenient: any string gets an order.
 */
#include "version-internal.h"

#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(char c) { return is_digit(c) || is_alpha(c); }

static int rpmvercmp(const char *a, const char *ea, const char *b, const char *eb)
{
	if ((size_t)(ea - a) == (size_t)(eb - b) && memcmp(a, b, (size_t)(ea - a)) == 0)
		return 0;

	while (a < ea || b < eb) {
		const char *sa, *sb;
		int isnum;
		size_t la, lb;
		int r;

		while (a < ea && !is_alnum(*a) && *a != '~' && *a != '^')
			a++;
		while (b < eb && !is_alnum(*b) && *b != '~' && *b != '^')
			b++;

		/* tilde: before everything else */
		if ((a < ea && *a == '~') || (b < eb && *b == '~')) {
			if (!(a < ea && *a == '~'))
				return 1;
			if (!(b < eb && *b == '~'))
				return -1;
			a++;
			b++;
			continue;
		}
		/* caret: after the end, before anything else */
		if ((a < ea && *a == '^') || (b < eb && *b == '^')) {
			if (a >= ea)
				return -1;
			if (b >= eb)
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (!(a < ea && b < eb))
			break;

		sa = a;
		sb = b;
		if (is_digit(*a)) {
			while (a < ea && is_digit(*a))
				a++;
			while (b < eb && is_digit(*b))
				b++;
			isnum = 1;
		} else {
			while (a < ea && is_alpha(*a))
				a++;
			while (b < eb && is_alpha(*b))
				b++;
			isnum = 0;
		}
		/* sb is empty when the segment types differ */
		if (b == sb)
			return isnum ? 1 : -1;

		if (isnum) {
			while (sa < a && *sa == '0')
				sa++;
			while (sb < b && *sb == '0')
				sb++;
			la = (size_t)(a - sa);
			lb = (size_t)(b - sb);
			if (la != lb)
				return la > lb ? 1 : -1;
			r = memcmp(sa, sb, la);
		} else {
			la = (size_t)(a - sa);
			lb = (size_t)(b - sb);
			r = memcmp(sa, sb, la < lb ? la : lb);
			if (r == 0 && la != lb)
				r = la < lb ? -1 : 1;
		}
		if (r)
			return r < 0 ? -1 : 1;
	}

	if (a >= ea && b >= eb)
		return 0;
	return a >= ea ? -1 : 1;
}

struct evr {
	const char *e, *ee, *v, *ve, *r, *re;
	int has_rel;
};

static void split(const char *s, struct evr *x)
{
	const char *end = s + strlen(s), *colon, *dash = NULL, *p;

	x->e = x->ee = s;
	colon = strchr(s, ':');
	if (colon) {
		for (p = s; p < colon && is_digit(*p); p++)
			;
		if (p == colon)
			x->ee = colon;
		s = colon + 1;
	}
	for (p = s; p < end; p++)
		if (*p == '-')
			dash = p;
	x->v = s;
	if (dash) {
		x->ve = dash;
		x->r = dash + 1;
		x->re = end;
		x->has_rel = 1;
	} else {
		x->ve = end;
		x->r = x->re = end;
		x->has_rel = 0;
	}
}

static int epochcmp(const char *a, const char *ea, const char *b, const char *eb)
{
	size_t la, lb;
	int r;

	while (a < ea && *a == '0')
		a++;
	while (b < eb && *b == '0')
		b++;
	la = (size_t)(ea - a);
	lb = (size_t)(eb - b);
	if (la != lb)
		return la < lb ? -1 : 1;
	r = memcmp(a, b, la);
	return r < 0 ? -1 : r > 0 ? 1 : 0;
}

int kb_vcmp_rpm(const char *a, const char *b, int *ret)
{
	struct evr x, y;
	int r;

	split(a, &x);
	split(b, &y);
	r = epochcmp(x.e, x.ee, y.e, y.ee);
	if (!r)
		r = rpmvercmp(x.v, x.ve, y.v, y.ve);
	if (!r && (x.has_rel || y.has_rel))
		r = rpmvercmp(x.r, x.re, y.r, y.re);
	*ret = r;
	return 0;
}
