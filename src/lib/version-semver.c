/*
 * version-semver.c - Semantic Versioning 2.0.0 ordering (https://semver.org,
 * section 11 "precedence", and the BNF grammar of semver/semver semver.md).
 *
 *   version    ::= ["v"] MAJOR "." MINOR "." PATCH ["-" pre] ["+" build]
 *   MAJOR etc. ::= "0" | [1-9][0-9]*        (no leading zeros, any length)
 *   pre        ::= ident ("." ident)*       ident: [0-9A-Za-z-]+, and a
 *                                           numeric ident has no leading zero
 *   build      ::= bident ("." bident)*     bident: [0-9A-Za-z-]+
 *
 * A single leading 'v' is accepted (Go modules spell versions "v1.2.3").
 * Anything else - "1.2", "01.2.3", empty identifiers, other characters - is
 * KB_EINVAL. Precedence: MAJOR, MINOR, PATCH compared numerically (as digit
 * strings, so no overflow); a version with a pre-release sorts before the same
 * version without one; pre-release identifiers compare left to right, numeric
 * ones numerically, alphanumeric ones by ASCII bytes, numeric < alphanumeric,
 * and when all shared identifiers are equal the longer list is greater. Build
 * metadata is ignored, so 1.0.0+a == 1.0.0+b.
 *
 * No allocation, no global state; work is linear in the input length.
 */
#include <stddef.h>
#include <string.h>

#include "koban/koban.h"
#include "version-internal.h"

typedef struct sv_version {
	const char *num[3];
	size_t numlen[3];
	const char *pre; /* NULL: no pre-release */
	size_t prelen;
} sv_version;

static int sv_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int sv_ident_char(char c)
{
	return sv_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* Length of a numeric identifier at s (0 if none or leading zero). */
static size_t sv_number(const char *s)
{
	size_t n = 0;
	while (sv_digit(s[n]))
		n++;
	if (n > 1 && s[0] == '0')
		return 0;
	return n;
}

/* Dot-separated identifiers at s up to a char not in them; the length, or 0
 * if empty identifiers or (when strict_numeric) a numeric one with a leading
 * zero. */
static size_t sv_idents(const char *s, int strict_numeric)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		int all_digits = 1;
		while (sv_ident_char(s[i])) {
			if (!sv_digit(s[i]))
				all_digits = 0;
			i++;
		}
		if (i == start)
			return 0;
		if (strict_numeric && all_digits && i - start > 1 && s[start] == '0')
			return 0;
		if (s[i] != '.')
			return i;
		i++;
	}
}

static int sv_parse(const char *s, sv_version *v)
{
	if (*s == 'v')
		s++;
	for (int k = 0; k < 3; k++) {
		size_t n = sv_number(s);
		if (n == 0)
			return KB_EINVAL;
		v->num[k] = s;
		v->numlen[k] = n;
		s += n;
		if (k < 2) {
			if (*s != '.')
				return KB_EINVAL;
			s++;
		}
	}
	v->pre = NULL;
	v->prelen = 0;
	if (*s == '-') {
		size_t n = sv_idents(s + 1, 1);
		if (n == 0)
			return KB_EINVAL;
		v->pre = s + 1;
		v->prelen = n;
		s += 1 + n;
	}
	if (*s == '+') {
		size_t n = sv_idents(s + 1, 0);
		if (n == 0)
			return KB_EINVAL;
		s += 1 + n;
	}
	return *s == '\0' ? 0 : KB_EINVAL;
}

static int sv_sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Numbers without leading zeros: longer is larger, then bytes. */
static int sv_cmp_num(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen > blen ? 1 : -1;
	return sv_sign(memcmp(a, b, alen));
}

static int sv_all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sv_digit(s[i]))
			return 0;
	return 1;
}

static int sv_cmp_pre(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;
	for (;;) {
		size_t ie, je;
		int an, bn, r;
		if (i >= alen || j >= blen)
			return (i < alen) - (j < blen); /* more identifiers win */
		ie = i;
		while (ie < alen && a[ie] != '.')
			ie++;
		je = j;
		while (je < blen && b[je] != '.')
			je++;
		an = sv_all_digits(a + i, ie - i);
		bn = sv_all_digits(b + j, je - j);
		if (an && bn) {
			r = sv_cmp_num(a + i, ie - i, b + j, je - j);
		} else if (an != bn) {
			r = an ? -1 : 1;
		} else {
			size_t la = ie - i, lb = je - j;
			r = sv_sign(memcmp(a + i, b + j, la < lb ? la : lb));
			if (r == 0)
				r = (la > lb) - (la < lb);
		}
		if (r != 0)
			return r;
		i = ie + 1;
		j = je + 1;
	}
}

int kb_vcmp_semver(const char *a, const char *b, int *ret)
{
	sv_version va, vb;
	int r;

	if (!a || !b || !ret)
		return KB_EINVAL;
	if (strlen(a) > KB_VERSION_MAX_LEN || strlen(b) > KB_VERSION_MAX_LEN)
		return KB_ELIMIT;
	if ((r = sv_parse(a, &va)) != 0 || (r = sv_parse(b, &vb)) != 0)
		return r;
	for (int k = 0; k < 3; k++) {
		r = sv_cmp_num(va.num[k], va.numlen[k], vb.num[k], vb.numlen[k]);
		if (r != 0) {
			*ret = r;
			return 0;
		}
	}
	if (!va.pre || !vb.pre)
		r = (va.pre == NULL) - (vb.pre == NULL);
	else
		r = sv_cmp_pre(va.pre, va.prelen, vb.pre, vb.prelen);
	*ret = r;
	return 0;
}
