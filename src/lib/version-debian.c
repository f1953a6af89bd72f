/*
 * version-debian.c - Debian package versions, ordered like dpkg.
 *
 * Source: dpkg lib/dpkg/version.c (dpkg_version_compare / verrevcmp) and
 * deb-version(7); re-implemented here.
 *
 * A version is [epoch:]upstream[-revision]:
 *   - epoch: the digits before the first ':' (default 0), compared
 *     numerically first;
 *   - revision: everything after the LAST '-' (none: "" which equals "0");
 *   - upstream: the rest.
 * Upstream, then revision, compare with verrevcmp: alternately a run of
 * non-digits, compared character by character with
 *   '~' < end of string < letters < everything else
 * (order(c) = 0 for digits/end, c for letters, -1 for '~', c + 256 for the
 * rest), then a run of digits compared as a number (leading zeros ignored,
 * any length). Lenient: invalid versions (bad epoch, odd characters) are
 * ordered with the same rules instead of being rejected; an epoch that is
 * not all digits counts as 0 like dpkg's strtol would give for it.
 */
#include "version-internal.h"

#include <string.h>

struct dver {
	const char *epoch, *epoch_end; /* digits only */
	const char *up, *up_end;
	const char *rev, *rev_end;
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static void split(const char *s, struct dver *v)
{
	const char *end = s + strlen(s), *colon, *dash, *p;

	/* dpkg skips leading and trailing blanks */
	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	colon = end > s ? memchr(s, ':', (size_t)(end - s)) : NULL;
	v->epoch = v->epoch_end = s;
	if (colon) {
		p = s;
		while (p < colon && is_digit(*p))
			p++;
		if (p == colon) /* all digits (or empty) */
			v->epoch_end = colon;
		s = colon + 1;
	}
	dash = NULL;
	for (p = s; p < end; p++)
		if (*p == '-')
			dash = p;
	v->up = s;
	if (dash) {
		v->up_end = dash;
		v->rev = dash + 1;
		v->rev_end = end;
	} else {
		v->up_end = end;
		v->rev = v->rev_end = end;
	}
}

static int order(const char *p, const char *end)
{
	char c;
	if (p >= end)
		return 0;
	c = *p;
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return c;
	if (c == '~')
		return -1;
	return (unsigned char)c + 256;
}

/* Compare two digit runs numerically; advances both pointers. */
static int numcmp(const char **pa, const char *ea, const char **pb, const char *eb)
{
	const char *a = *pa, *b = *pb, *sa, *sb;
	size_t la, lb;

	while (a < ea && *a == '0')
		a++;
	while (b < eb && *b == '0')
		b++;
	sa = a;
	sb = b;
	while (a < ea && is_digit(*a))
		a++;
	while (b < eb && is_digit(*b))
		b++;
	*pa = a;
	*pb = b;
	la = (size_t)(a - sa);
	lb = (size_t)(b - sb);
	if (la != lb)
		return la < lb ? -1 : 1;
	if (la == 0)
		return 0;
	{
		int r = memcmp(sa, sb, la);
		return r < 0 ? -1 : r > 0 ? 1 : 0;
	}
}

static int verrevcmp(const char *a, const char *ea, const char *b, const char *eb)
{
	while (a < ea || b < eb) {
		int r;

		while ((a < ea && !is_digit(*a)) || (b < eb && !is_digit(*b))) {
			int ac = order(a, ea), bc = order(b, eb);
			if (ac != bc)
				return ac < bc ? -1 : 1;
			if (a < ea)
				a++;
			if (b < eb)
				b++;
		}
		r = numcmp(&a, ea, &b, eb);
		if (r)
			return r;
	}
	return 0;
}

int kb_vcmp_debian(const char *a, const char *b, int *ret)
{
	struct dver va, vb;
	int r;

	split(a, &va);
	split(b, &vb);
	r = verrevcmp(va.epoch, va.epoch_end, vb.epoch, vb.epoch_end);
	if (!r)
		r = verrevcmp(va.up, va.up_end, vb.up, vb.up_end);
	if (!r)
		r = verrevcmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
	*ret = r;
	return 0;
}
