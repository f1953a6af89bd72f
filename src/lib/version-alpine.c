/*
 * version-alpine.c - Alpine Linux package versions, ordered like apk-tools.
 *
 * Source: alpinelinux/apk-tools src/version.c (apk 2.x,
 * apk_version_compare_blob_fuzzy with fuzzy == 0), re-implemented here.
 *
 * A version is a Gentoo-style token stream:
 *   {digit}{.digit}...{letter}{_suffix{#}}...{-r#}
 * Tokens are compared pairwise, type and value, until they differ or one
 * string ends:
 *   - the first number compares numerically;
 *   - a number after '.' with leading zeros gets the value -(number of
 *     zeros) and the digits after the zeros form a separate number token,
 *     so "1.01" < "1.1" and "1.001" < "1.01" (fraction-like comparison);
 *   - one lower-case letter right after a number compares by its code;
 *   - suffixes: _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git <
 *     _hg < _p, each with an optional number;
 *   - "-rN" is the package revision, compared numerically.
 * When the values so far are equal but one side has more tokens, the longer
 * one is newer unless its next token is a pre-release suffix; when the token
 * types differ, the one whose type ranks lower in apk's enum (digit < letter
 * < suffix < suffix number < revision < end) is newer. Anything that apk
 * calls invalid stops the comparison at that point (both sides invalid at
 * the same place compare equal), so every input gets an order.
 * Quirk kept from apk 2.x: after a zero-only part ("1.0") a following
 * suffix is preceded by an empty number token, so "1.0_rc1" > "1.0"
 * (while "1.1_rc1" < "1.1").
 * Numbers saturate at 18 digits (apk uses a plain int and wraps).
 */
#include "version-internal.h"

#include <string.h>

enum tok {
	TOK_INVALID = -1,
	TOK_DIGIT_OR_ZERO,
	TOK_DIGIT,
	TOK_LETTER,
	TOK_SUFFIX,
	TOK_SUFFIX_NO,
	TOK_REVISION_NO,
	TOK_END,
};

struct blob {
	const char *p;
	size_t len;
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }

static void next_token(int *type, struct blob *b)
{
	int n = TOK_INVALID;

	if (b->len == 0 || b->p[0] == '\0') {
		n = TOK_END;
	} else if ((*type == TOK_DIGIT || *type == TOK_DIGIT_OR_ZERO) && is_lower(b->p[0])) {
		n = TOK_LETTER;
	} else if (*type == TOK_LETTER && is_digit(b->p[0])) {
		n = TOK_DIGIT;
	} else if (*type == TOK_SUFFIX && is_digit(b->p[0])) {
		n = TOK_SUFFIX_NO;
	} else {
		switch (b->p[0]) {
		case '.':
			n = TOK_DIGIT_OR_ZERO;
			break;
		case '_':
			n = TOK_SUFFIX;
			break;
		case '-':
			if (b->len > 1 && b->p[1] == 'r') {
				n = TOK_REVISION_NO;
				b->p++;
				b->len--;
			} else {
				n = TOK_INVALID;
			}
			break;
		default:
			break;
		}
		b->p++;
		b->len--;
	}

	if (n < *type) {
		if (!((n == TOK_DIGIT_OR_ZERO && *type == TOK_DIGIT) ||
		      (n == TOK_SUFFIX && *type == TOK_SUFFIX_NO) ||
		      (n == TOK_DIGIT && *type == TOK_LETTER)))
			n = TOK_INVALID;
	}
	*type = n;
}

static int prefix_at(const char *word, const struct blob *b)
{
	size_t n = strlen(word);
	return n <= b->len && strncmp(word, b->p, n) == 0 ? (int)n : -1;
}

static long long get_token(int *type, struct blob *b)
{
	static const char *const pre[] = { "alpha", "beta", "pre", "rc" };
	static const char *const post[] = { "cvs", "svn", "git", "hg", "p" };
	const long long cap = 999999999999999999LL; /* 18 digits */
	long long v = 0;
	size_t i = 0;
	int nt = TOK_INVALID, k, n;

	if (b->len == 0) {
		*type = TOK_END;
		return 0;
	}

	switch (*type) {
	case TOK_DIGIT_OR_ZERO:
		if (b->p[0] == '0') {
			while (i < b->len && b->p[i] == '0')
				i++;
			nt = TOK_DIGIT;
			v = -(long long)i;
			break;
		}
		/* fall through */
	case TOK_DIGIT:
	case TOK_SUFFIX_NO:
	case TOK_REVISION_NO:
		while (i < b->len && is_digit(b->p[i])) {
			if (v <= cap / 10)
				v = v * 10 + (b->p[i] - '0');
			else
				v = cap;
			i++;
		}
		break;
	case TOK_LETTER:
		v = (unsigned char)b->p[i++];
		break;
	case TOK_SUFFIX:
		for (k = 0; k < 4; k++) {
			if ((n = prefix_at(pre[k], b)) >= 0) {
				v = k - 4;
				i = (size_t)n;
				break;
			}
		}
		if (k < 4)
			break;
		for (k = 0; k < 5; k++) {
			if ((n = prefix_at(post[k], b)) >= 0) {
				v = k;
				i = (size_t)n;
				break;
			}
		}
		if (k < 5)
			break;
		/* invalid suffix */
		*type = TOK_INVALID;
		return -1;
	default:
		*type = TOK_INVALID;
		return -1;
	}
	b->p += i;
	b->len -= i;
	if (b->len == 0)
		*type = TOK_END;
	else if (nt != TOK_INVALID)
		*type = nt;
	else
		next_token(type, b);
	return v;
}

int kb_vcmp_alpine(const char *a, const char *b, int *ret)
{
	struct blob ba = { a, strlen(a) }, bb = { b, strlen(b) };
	int at = TOK_DIGIT, bt = TOK_DIGIT, tt;
	long long av = 0, bv = 0;

	while (at == bt && at != TOK_END && at != TOK_INVALID && av == bv) {
		av = get_token(&at, &ba);
		bv = get_token(&bt, &bb);
	}
	if (av != bv) {
		*ret = av < bv ? -1 : 1;
		return 0;
	}
	if (at == bt) {
		*ret = 0;
		return 0;
	}
	/* Same values so far; the longer one is newer unless it continues
	 * with a pre-release suffix. */
	tt = at;
	if (at == TOK_SUFFIX && get_token(&tt, &ba) < 0) {
		*ret = -1;
		return 0;
	}
	tt = bt;
	if (bt == TOK_SUFFIX && get_token(&tt, &bb) < 0) {
		*ret = 1;
		return 0;
	}
	*ret = at > bt ? -1 : bt > at ? 1 : 0;
	return 0;
}
