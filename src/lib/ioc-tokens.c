/*
 * ioc-tokens.c - the tokens of a log line that can be IOCs, found on their
 * boundaries, in one pass for URLs and one for the rest, without allocating.
 *
 * Substring matching is wrong for IOCs: 1.2.3.4 is inside 11.2.3.45 and
 * inside the version 1.2.3.4.5, an MD5 is inside any longer hex run. So a
 * line is cut into maximal runs of token characters (letters, digits, '.',
 * '-', ':', '@', '_', '%', '+'), and each run is read whole:
 *  - with two or more ':' it is tried as an IPv6 literal; otherwise it is cut
 *    at ':' ("host:443", "1.2.3.4:80");
 *  - a part with '@' is an e-mail address when its two sides are a local part
 *    and a domain;
 *  - the rest is cut at '_', '+' and percent escapes ('%' and the two hex
 *    digits after it) into pieces of letters, digits, '.' and '-'; a piece (without leading or trailing dots and dashes) is an IPv4
 *    address when it is exactly four octets, a hash when it is exactly 32, 40
 *    or 64 hex digits, a domain when it has two or more labels and an
 *    alphabetic top-level label (or xn--).
 * URLs are found first, by their "://": the scheme before it, and after it
 * everything up to white space, a quote, '<', '>' or a control byte, without
 * trailing punctuation.
 */
#include "ioc-internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct tk {
	const char *line;
	kb_ioc_token_fn fn;
	void *ctx;
	int r;
} tk;

static bool emit(tk *t, kb_ioc_type type, const char *s, size_t n)
{
	if (t->r)
		return false;
	kb_ioc_token tok = { .type = type, .s = s, .len = n, .offset = (size_t)(s - t->line) };
	t->r = t->fn(&tok, t->ctx);
	return t->r == 0;
}

/* Character classes by table, ASCII only (the C locale's isalnum and
 * friends, without a call per byte: the tokenizer looks at every byte of
 * every line). */
enum { C_RUN = 1, C_DIGIT = 2, C_XDIGIT = 4, C_ALPHA = 8, C_LOCAL = 16 };

static const unsigned char cls[256] = {
#define D C_RUN | C_DIGIT | C_XDIGIT | C_LOCAL
#define X C_RUN | C_XDIGIT | C_ALPHA | C_LOCAL
#define A C_RUN | C_ALPHA | C_LOCAL
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D, ['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	['a'] = X, ['b'] = X, ['c'] = X, ['d'] = X, ['e'] = X, ['f'] = X,
	['A'] = X, ['B'] = X, ['C'] = X, ['D'] = X, ['E'] = X, ['F'] = X,
	['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A, ['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A,
	['q'] = A, ['r'] = A, ['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A, ['y'] = A, ['z'] = A,
	['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A, ['K'] = A, ['L'] = A, ['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A,
	['Q'] = A, ['R'] = A, ['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A, ['Y'] = A, ['Z'] = A,
	['.'] = C_RUN | C_LOCAL, ['-'] = C_RUN | C_LOCAL, ['_'] = C_RUN | C_LOCAL, ['%'] = C_RUN | C_LOCAL,
	['+'] = C_RUN | C_LOCAL, [':'] = C_RUN, ['@'] = C_RUN,
#undef D
#undef X
#undef A
};

static inline bool run_char(unsigned char c)
{
	return cls[c] & C_RUN;
}

static bool url_char(unsigned char c)
{
	return c > ' ' && c != 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' && c != '{' &&
	       c != '}' && c != '|' && c != '\\' && c != '^';
}

static bool tld_ok(const char *s, size_t n)
{
	const char *dot = NULL;
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == '.') {
			dot = s + i;
			break;
		}
	if (!dot)
		return false;
	size_t l = n - (size_t)(dot - s);
	if (l >= 4 && strncasecmp(dot, "xn--", 4) == 0)
		return true;
	if (l < 2)
		return false;
	for (size_t i = 0; i < l; i++)
		if (!(cls[(unsigned char)dot[i]] & C_ALPHA))
			return false;
	return true;
}

/* A piece of letters, digits, '.' and '-'. */
static void piece(tk *t, const char *s, size_t n)
{
	while (n && (*s == '.' || *s == '-')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == '.' || s[n - 1] == '-'))
		n--;
	if (n == 0)
		return;
	bool digits_dots = true, hex = true, dot = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(cls[c] & C_DIGIT) && c != '.')
			digits_dots = false;
		if (!(cls[c] & C_XDIGIT))
			hex = false;
		if (c == '.')
			dot = true;
	}
	uint32_t a;
	if (digits_dots) {
		if (dot && n >= 7 && kb_ioc_parse_ipv4(s, n, &a))
			emit(t, KB_IOC_IPV4, s, n);
		return;
	}
	if (hex && (n == 32 || n == 40 || n == 64)) {
		emit(t, n == 32 ? KB_IOC_MD5 : n == 40 ? KB_IOC_SHA1 : KB_IOC_SHA256, s, n);
		return;
	}
	if (dot && kb_ioc_is_domain(s, n) && tld_ok(s, n))
		emit(t, KB_IOC_DOMAIN, s, n);
}

static bool hex2(const char *s, size_t i, size_t n)
{
	return i + 2 <= n && isxdigit((unsigned char)s[i]) && isxdigit((unsigned char)s[i + 1]);
}

/* A part without ':' or '@': cut at '_', '%', '+'. A percent escape is cut
 * out whole ("%2Fevil.example" gives "evil.example"), also when the '%'
 * itself was escaped ("%252F"). */
static void small(tk *t, const char *s, size_t n)
{
	size_t st = 0;
	for (size_t i = 0; i <= n && !t->r; i++)
		if (i == n || s[i] == '_' || s[i] == '%' || s[i] == '+') {
			piece(t, s + st, i - st);
			st = i + 1;
			if (i < n && s[i] == '%' && hex2(s, i + 1, n)) {
				bool pct = s[i + 1] == '2' && s[i + 2] == '5';
				i += 2;
				if (pct && hex2(s, i + 1, n))
					i += 2;
				st = i + 1;
			}
		}
}

static bool local_char(unsigned char c)
{
	return cls[c] & C_LOCAL;
}

static void part(tk *t, const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at) {
		small(t, s, n);
		return;
	}
	/* local@domain: the local part is the whole text before the first '@' */
	size_t ln = (size_t)(at - s);
	const char *d = at + 1;
	size_t dn = n - ln - 1;
	if (memchr(d, '@', dn)) { /* a@b@c: no address; its pieces may still be */
		small(t, s, ln);
		part(t, d, dn);
		return;
	}
	size_t dtrim = dn;
	while (dtrim && (d[dtrim - 1] == '.' || d[dtrim - 1] == '-'))
		dtrim--;
	bool local_ok = ln > 0 && s[0] != '.';
	for (size_t i = 0; local_ok && i < ln; i++)
		if (!local_char((unsigned char)s[i]))
			local_ok = false;
	if (local_ok && kb_ioc_is_domain(d, dtrim) && tld_ok(d, dtrim))
		emit(t, KB_IOC_EMAIL, s, ln + 1 + dtrim);
	small(t, d, dn);
}

static void big(tk *t, const char *s, size_t n)
{
	size_t colons = 0;
	bool dots = false, pair = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':') {
			colons++;
			pair |= i + 1 < n && s[i + 1] == ':';
		}
		dots |= s[i] == '.';
	}
	/* an IPv6 address has eight groups, or six and an IPv4 tail, or "::" */
	if (colons >= 7 || pair || (colons == 6 && dots)) {
		size_t m = n;
		while (m && s[m - 1] == '.')
			m--;
		uint8_t a[16];
		if (kb_ioc_parse_ipv6(s, m, a)) {
			emit(t, KB_IOC_IPV6, s, m);
			return;
		}
	}
	size_t st = 0;
	for (size_t i = 0; i <= n && !t->r; i++)
		if (i == n || s[i] == ':') {
			if (i > st)
				part(t, s + st, i - st);
			st = i + 1;
		}
}

/* The first "://" in [p, end), or NULL: a ':' followed by '/' is looked for
 * sixteen bytes at a time where SSE2 is there. */
static const char *next_scheme_sep(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i colon = _mm_set1_epi8(':'), slash = _mm_set1_epi8('/');
	while (end - p >= 18) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, colon), _mm_cmpeq_epi8(b, slash)));
		while (bits) {
			const char *q = p + __builtin_ctz(bits);
			if (q[2] == '/')
				return q;
			bits &= bits - 1;
		}
		p += 16;
	}
#endif
	return end - p >= 3 ? memmem(p, (size_t)(end - p), "://", 3) : NULL;
}

static void urls(tk *t, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	while (!t->r && (p = next_scheme_sep(p, end)) != NULL) {
		const char *s = p;
		while (s > line && (isalnum((unsigned char)s[-1]) || s[-1] == '+' || s[-1] == '-' || s[-1] == '.'))
			s--;
		while (s < p && !isalpha((unsigned char)*s))
			s++;
		const char *e = p + 3;
		while (e < end && url_char((unsigned char)*e))
			e++;
		while (e > p + 3 && strchr(".,;:!?)]", e[-1]))
			e--;
		if (s < p && e > p + 3 && p[3] != '/')
			emit(t, KB_IOC_URL, s, (size_t)(e - s));
		p += 3;
	}
}

/* The reference walk: every byte classified, every run read. */
int kb_ioc_tokens_bytewise(const char *line, size_t len, kb_ioc_token_fn fn, void *ctx)
{
	tk t = { .line = line, .fn = fn, .ctx = ctx };
	if (!line || !fn)
		return 0;
	urls(&t, line, len);
	size_t i = 0;
	while (i < len && !t.r) {
		if (!run_char((unsigned char)line[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && (cls[(unsigned char)line[j]] & C_RUN))
			j++;
		big(&t, line + i, j - i);
		i = j;
	}
	return t.r;
}

/* The first '.', ':' or '@' in [p, end), or end. Sixteen bytes at a time
 * where SSE2 is there (every x86-64). */
static const char *next_anchor(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i dot = _mm_set1_epi8('.'), colon = _mm_set1_epi8(':'), at = _mm_set1_epi8('@');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, colon)),
		                         _mm_cmpeq_epi8(v, at));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return p + __builtin_ctz(bits);
		p += 16;
	}
#endif
	while (p < end && *p != '.' && *p != ':' && *p != '@')
		p++;
	return p;
}

/*
 * The fast walk, token for token the same as the reference. Only runs that
 * can hold a token are read: every token but a hash holds '.', ':' or '@'
 * (an IPv4 or IPv6 address, a domain, an e-mail address), so runs are found
 * from those anchors, sixteen bytes at a time; a hash is a run of at least
 * 32 hex digits, which always covers a byte whose offset is a multiple of
 * 32, so only those bytes are looked at for runs without an anchor. Runs
 * are maximal, so each is read once and in line order: the walk takes the
 * nearer of the next anchor and the next sampled hex digit.
 */
int kb_ioc_tokens(const char *line, size_t len, kb_ioc_token_fn fn, void *ctx)
{
	tk t = { .line = line, .fn = fn, .ctx = ctx };
	if (!line || !fn)
		return 0;
	urls(&t, line, len);
	const char *end = line + len;
	size_t pos = 0;
	while (pos < len && !t.r) {
		size_t a = (size_t)(next_anchor(line + pos, end) - line);
		/* a sampled hex digit before the anchor? */
		size_t p = a;
		for (size_t k = (pos + 31) & ~(size_t)31; k < a; k += 32)
			if (cls[(unsigned char)line[k]] & C_XDIGIT) {
				p = k;
				break;
			}
		if (p >= len)
			break;
		size_t i = p, j = p;
		while (i > pos && run_char((unsigned char)line[i - 1]))
			i--;
		while (j < len && run_char((unsigned char)line[j]))
			j++;
		if (j > i)
			big(&t, line + i, j - i);
		pos = j > p ? j : p + 1;
	}
	return t.r;
}
