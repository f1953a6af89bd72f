/*
 * ioc-stix.c - STIX 2.1 bundles, and the STIX pattern parser.
 *
 * The pattern parser is a recursive descent over the grammar of
 * oasis-open/cti-stix2-json-schemas (pattern_grammar/STIXPattern.g4):
 *
 *   pattern      := obs_fb EOF
 *   obs_fb       := obs_or ('FOLLOWEDBY' obs_or)*
 *   obs_or       := obs_and ('OR' obs_and)*
 *   obs_and      := obs_unit ('AND' obs_unit)*
 *   obs_unit     := ('[' cmp_or ']' | '(' obs_fb ')') qualifier*
 *   qualifier    := 'WITHIN' number 'SECONDS' | 'REPEATS' int 'TIMES' | 'START' t'..' 'STOP' t'..'
 *   cmp_or       := cmp_and ('OR' cmp_and)*
 *   cmp_and      := cmp_unit ('AND' cmp_unit)*
 *   cmp_unit     := '(' cmp_or ')' | 'EXISTS' path | path 'NOT'? op literal | path 'NOT'? 'IN' set
 *   path         := type ':' (ident | 'str') ('.' (ident | 'str') | '[' (int | '*') ']')*
 *   'str'        := quote (any but quote and backslash | \' | \\)* quote
 *
 * The whole pattern is checked against the grammar (KB_EPARSE with the
 * column otherwise); what it means is computed bottom-up as a result per
 * node: either a range of terms (type, normalised value) in one append-only
 * array, or "unsupported" with the first reason and its column. An OR is
 * unsupported when any side is; an AND keeps its most specific supported
 * sides (kb_ioc_rank) and marks the terms of the others dead, so what is
 * emitted finds a superset of what the pattern describes, never less.
 * Terms are handed to the caller only when the whole pattern is supported.
 *
 * The bundle reader loads the document whole (jansson), walks `objects`, and
 * hands over the IOCs of `indicator` objects with pattern_type stix (absent:
 * STIX 2.0, also stix) and of bare observables (ipv4-addr, ipv6-addr,
 * domain-name, url, email-addr, file hashes or name). A revoked indicator, or
 * one whose valid_until has passed, is handed over marked: the store keeps
 * it, the matching set leaves it out.
 */
#include "ioc-internal.h"

#include "util-buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct term {
	kb_ioc_type type;
	size_t off; /* into the value arena */
	bool alive;
} term;

typedef struct res {
	bool ok;
	size_t start, end; /* terms [start, end) */
	size_t col;        /* of the first unsupported part */
	char why[200];
} res;

typedef struct pparser {
	const char *s;
	size_t n, i;
	int depth;
	term *terms;
	size_t nterms, cap;
	kb_buf vals;
	kb_error *err;
	int r; /* first hard failure: KB_EPARSE, KB_ELIMIT, KB_ENOMEM */
} pparser;

static bool failed(pparser *p)
{
	return p->r != 0;
}

static int hard(pparser *p, int code, const char *msg)
{
	if (p->r)
		return p->r;
	p->r = code;
	kb_error_set(p->err, code, NULL, 1, (uint64_t)p->i + 1, (uint64_t)p->i, "%s", msg);
	return code;
}

static void unsup(res *out, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void unsup(res *out, size_t col, const char *fmt, ...)
{
	if (!out->ok && out->why[0])
		return;
	out->ok = false;
	out->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof out->why, fmt, ap);
	va_end(ap);
}

static void ws(pparser *p)
{
	while (p->i < p->n && isspace((unsigned char)p->s[p->i]))
		p->i++;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Is the next token the keyword kw (case-insensitive, whole word)? Consumes it. */
static bool kw(pparser *p, const char *k)
{
	ws(p);
	size_t l = strlen(k);
	if (p->n - p->i < l || strncasecmp(p->s + p->i, k, l) != 0)
		return false;
	if (p->i + l < p->n && ident_char(p->s[p->i + l]))
		return false;
	p->i += l;
	return true;
}

static bool ch(pparser *p, char c)
{
	ws(p);
	if (p->i < p->n && p->s[p->i] == c) {
		p->i++;
		return true;
	}
	return false;
}

/* A quoted string literal into b (reset first); false with p->r set when
 * malformed. Only \' and \\ are escapes in the grammar. */
static bool str_lit(pparser *p, kb_buf *b, bool *too_long)
{
	kb_buf_reset(b);
	*too_long = false;
	if (p->i >= p->n || p->s[p->i] != '\'') {
		hard(p, KB_EPARSE, "expected a quoted string");
		return false;
	}
	size_t st = p->i++;
	while (p->i < p->n && p->s[p->i] != '\'') {
		char c = p->s[p->i];
		if (c == '\\') {
			if (p->i + 1 >= p->n || (p->s[p->i + 1] != '\'' && p->s[p->i + 1] != '\\')) {
				hard(p, KB_EPARSE, "a backslash in a string must escape ' or \\");
				return false;
			}
			c = p->s[++p->i];
		}
		if (!*too_long && kb_buf_putc(b, c) < 0)
			*too_long = true;
		p->i++;
	}
	if (p->i >= p->n) {
		p->i = st;
		hard(p, KB_EPARSE, "string not closed");
		return false;
	}
	p->i++;
	return true;
}

/* A literal of any kind; strings go to b. kind: 's' string, 'i' integer
 * (value in *iv), 'o' other (float, bool, binary, hex, timestamp). */
static bool literal(pparser *p, kb_buf *b, char *kind, long long *iv, bool *too_long)
{
	ws(p);
	*too_long = false;
	if (p->i >= p->n) {
		hard(p, KB_EPARSE, "expected a value");
		return false;
	}
	char c = p->s[p->i];
	if (c == '\'') {
		*kind = 's';
		return str_lit(p, b, too_long);
	}
	if ((c == 'b' || c == 'h' || c == 't') && p->i + 1 < p->n && p->s[p->i + 1] == '\'') {
		p->i++;
		*kind = 'o';
		return str_lit(p, b, too_long);
	}
	if (kw(p, "true") || kw(p, "false")) {
		*kind = 'o';
		return true;
	}
	size_t st = p->i;
	if (c == '-' || c == '+')
		p->i++;
	size_t ds = p->i;
	while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
		p->i++;
	if (p->i == ds) {
		p->i = st;
		hard(p, KB_EPARSE, "expected a value");
		return false;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
			p->i++;
		*kind = 'o';
		return true;
	}
	*kind = 'i';
	long long v = 0;
	for (size_t k = ds; k < p->i; k++)
		v = v > 100000000000LL ? v : v * 10 + (p->s[k] - '0');
	*iv = (c == '-') ? -v : v;
	return true;
}

/* An object path, canonical ("file:hashes.SHA-256") into b. */
static bool path(pparser *p, kb_buf *b)
{
	ws(p);
	kb_buf_reset(b);
	size_t st = p->i;
	if (p->i >= p->n || !(isalpha((unsigned char)p->s[p->i]) || p->s[p->i] == '_')) {
		hard(p, KB_EPARSE, "expected an object path (type:property)");
		return false;
	}
	while (p->i < p->n && ident_char(p->s[p->i]))
		p->i++;
	if (p->i >= p->n || p->s[p->i] != ':') {
		p->i = st;
		hard(p, KB_EPARSE, "expected an object path (type:property)");
		return false;
	}
	if (kb_buf_append(b, p->s + st, p->i - st + 1) < 0) {
		hard(p, KB_ELIMIT, "object path too long");
		return false;
	}
	p->i++;
	bool first = true, tl;
	kb_buf tmp;
	kb_buf_init(&tmp, 256);
	bool ok = true;
	for (;;) {
		if (first || (p->i < p->n && p->s[p->i] == '.')) {
			if (!first)
				p->i++;
			if (!first && kb_buf_putc(b, '.') < 0)
				ok = false;
			if (p->i < p->n && p->s[p->i] == '\'') {
				if (!str_lit(p, &tmp, &tl)) {
					kb_buf_free(&tmp);
					return false;
				}
				if (tl || kb_buf_append(b, tmp.data ? tmp.data : "", tmp.len) < 0)
					ok = false;
			} else {
				size_t s2 = p->i;
				if (p->i >= p->n || !(isalpha((unsigned char)p->s[p->i]) || p->s[p->i] == '_')) {
					kb_buf_free(&tmp);
					hard(p, KB_EPARSE, "expected a property name");
					return false;
				}
				while (p->i < p->n && (isalnum((unsigned char)p->s[p->i]) || p->s[p->i] == '_'))
					p->i++;
				if (kb_buf_append(b, p->s + s2, p->i - s2) < 0)
					ok = false;
			}
			first = false;
		} else if (p->i < p->n && p->s[p->i] == '[') {
			size_t s2 = p->i++;
			if (p->i < p->n && p->s[p->i] == '*')
				p->i++;
			else {
				if (p->i < p->n && p->s[p->i] == '-')
					p->i++;
				size_t d = p->i;
				while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
					p->i++;
				if (d == p->i) {
					kb_buf_free(&tmp);
					hard(p, KB_EPARSE, "expected an index or * in a path");
					return false;
				}
			}
			if (p->i >= p->n || p->s[p->i] != ']') {
				kb_buf_free(&tmp);
				hard(p, KB_EPARSE, "expected ] after a path index");
				return false;
			}
			p->i++;
			if (kb_buf_append(b, p->s + s2, p->i - s2) < 0)
				ok = false;
		} else {
			break;
		}
	}
	kb_buf_free(&tmp);
	if (!ok) {
		hard(p, KB_ELIMIT, "object path too long");
		return false;
	}
	return true;
}

/* What a path means: the type of its values, or NONE. `either_ip` for
 * references that may hold IPv4 or IPv6. */
static kb_ioc_type path_type(const char *ps, bool *either_ip)
{
	static const struct {
		const char *path;
		kb_ioc_type t;
		bool either;
	} paths[] = {
		{ "ipv4-addr:value", KB_IOC_IPV4, false },
		{ "ipv6-addr:value", KB_IOC_IPV6, false },
		{ "domain-name:value", KB_IOC_DOMAIN, false },
		{ "url:value", KB_IOC_URL, false },
		{ "file:hashes.MD5", KB_IOC_MD5, false },
		{ "file:hashes.SHA-1", KB_IOC_SHA1, false },
		{ "file:hashes.SHA1", KB_IOC_SHA1, false },
		{ "file:hashes.SHA-256", KB_IOC_SHA256, false },
		{ "file:hashes.SHA256", KB_IOC_SHA256, false },
		{ "artifact:hashes.MD5", KB_IOC_MD5, false },
		{ "artifact:hashes.SHA-1", KB_IOC_SHA1, false },
		{ "artifact:hashes.SHA-256", KB_IOC_SHA256, false },
		{ "file:name", KB_IOC_FILENAME, false },
		{ "email-addr:value", KB_IOC_EMAIL, false },
		{ "email-message:from_ref.value", KB_IOC_EMAIL, false },
		{ "email-message:sender_ref.value", KB_IOC_EMAIL, false },
		{ "network-traffic:dst_port", KB_IOC_PORT, false },
		{ "network-traffic:dst_ref.value", KB_IOC_IPV4, true },
		{ "network-traffic:src_ref.value", KB_IOC_IPV4, true },
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (strcasecmp(ps, paths[i].path) == 0) {
			*either_ip = paths[i].either;
			return paths[i].t;
		}
	return KB_IOC_NONE;
}

static int add_term(pparser *p, kb_ioc_type t, const char *v)
{
	if (p->nterms == KB_STIX_PATTERN_MAX_TERMS)
		return hard(p, KB_ELIMIT, "more comparisons than the limit of 4096 in one pattern");
	if (p->nterms == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		term *nt = realloc(p->terms, cap * sizeof *nt);
		if (!nt)
			return hard(p, KB_ENOMEM, "out of memory");
		p->terms = nt;
		p->cap = cap;
	}
	size_t off = p->vals.len;
	if (kb_buf_puts(&p->vals, v) < 0 || kb_buf_putc(&p->vals, '\0') < 0)
		return hard(p, KB_ENOMEM, "out of memory");
	p->terms[p->nterms++] = (term){ .type = t, .off = off, .alive = true };
	return 0;
}

/* One value of a comparison: normalised and added, or the result marked unsupported. */
static void value_term(pparser *p, res *out, kb_ioc_type t, bool either, const char *v, size_t vn, size_t col,
                       const char *ps)
{
	char norm[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type got = t;
	if (kb_ioc_normalize(&got, v, vn, norm, sizeof norm) < 0) {
		char what[160];
		snprintf(what, sizeof what, "'%.60s' is not a valid %s for %.60s", v, kb_ioc_type_name(t), ps);
		unsup(out, col, "%s", what);
		return;
	}
	if (!either && got != t) {
		char what[160];
		snprintf(what, sizeof what, "'%.60s' is not an %s address", v, kb_ioc_type_name(t));
		unsup(out, col, "%s", what);
		return;
	}
	add_term(p, got, norm);
}

/* LIKE: wildcards '%' (any run) and '_' (one character). */
static void like_term(pparser *p, res *out, kb_ioc_type t, const char *v, size_t vn, size_t col, const char *ps)
{
	size_t pct = 0, us = 0;
	for (size_t i = 0; i < vn; i++) {
		pct += v[i] == '%';
		us += v[i] == '_';
	}
	if (pct == 0 && us == 0) {
		value_term(p, out, t, false, v, vn, col, ps);
		return;
	}
	if (us == 0 && pct == 1 && t == KB_IOC_DOMAIN && vn > 2 && v[0] == '%' && v[1] == '.') {
		value_term(p, out, KB_IOC_DOMAIN, false, v + 2, vn - 2, col, ps);
		return;
	}
	if (us == 0 && pct == 1 && t == KB_IOC_URL && v[vn - 1] == '%') {
		value_term(p, out, KB_IOC_URL_PREFIX, false, v, vn - 1, col, ps);
		return;
	}
	unsup(out, col, "LIKE '%.80s' on %.60s is neither a domain suffix ('%%.x') nor a URL prefix ('x%%')", v, ps);
}

static res cmp_or(pparser *p);

static res comparison(pparser *p)
{
	res out = { .ok = true, .start = p->nterms, .end = p->nterms };
	ws(p);
	size_t col = p->i + 1;
	if (ch(p, '(')) {
		if (++p->depth > KB_STIX_PATTERN_MAX_DEPTH) {
			hard(p, KB_ELIMIT, "parentheses nested deeper than the limit of 32");
			return out;
		}
		out = cmp_or(p);
		p->depth--;
		if (!failed(p) && !ch(p, ')'))
			hard(p, KB_EPARSE, "expected )");
		return out;
	}
	if (kw(p, "EXISTS")) {
		kb_buf pb;
		kb_buf_init(&pb, 1024);
		path(p, &pb);
		kb_buf_free(&pb);
		unsup(&out, col, "EXISTS is not supported");
		return out;
	}
	kb_buf pb, vb;
	kb_buf_init(&pb, 1024);
	kb_buf_init(&vb, KB_IOC_MAX_VALUE_BYTES);
	if (!path(p, &pb))
		goto done;
	const char *ps = kb_buf_str(&pb);
	bool either = false;
	kb_ioc_type t = path_type(ps, &either);
	bool neg = kw(p, "NOT");
	ws(p);
	size_t opcol = p->i + 1;
	char op[16] = "";
	static const char *const sym[] = { "==", "!=", "<>", "<=", ">=", "=", "<", ">" };
	static const char *const words[] = { "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET" };
	for (size_t k = 0; !op[0] && k < sizeof sym / sizeof sym[0]; k++)
		if (p->n - p->i >= strlen(sym[k]) && strncmp(p->s + p->i, sym[k], strlen(sym[k])) == 0) {
			snprintf(op, sizeof op, "%s", sym[k]);
			p->i += strlen(sym[k]);
		}
	for (size_t k = 0; !op[0] && k < sizeof words / sizeof words[0]; k++)
		if (kw(p, words[k]))
			snprintf(op, sizeof op, "%s", words[k]);
	if (!op[0]) {
		hard(p, KB_EPARSE, "expected a comparison operator (=, !=, <, >, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)");
		goto done;
	}
	bool tl;
	char kind;
	long long iv = 0;
	if (strcmp(op, "IN") == 0) {
		if (!ch(p, '(')) {
			hard(p, KB_EPARSE, "expected ( after IN");
			goto done;
		}
		if (!ch(p, ')')) {
			do {
				ws(p);
				size_t vcol = p->i + 1;
				if (!literal(p, &vb, &kind, &iv, &tl))
					goto done;
				if (t == KB_IOC_NONE || neg)
					continue;
				if (kind == 'i' && t == KB_IOC_PORT) {
					char num[32];
					snprintf(num, sizeof num, "%lld", iv);
					value_term(p, &out, t, either, num, strlen(num), vcol, ps);
				} else if (kind == 's' && !tl) {
					value_term(p, &out, t, either, kb_buf_str(&vb), vb.len, vcol, ps);
				} else {
					unsup(&out, vcol, "a value of %.80s that is not a string", ps);
				}
				if (failed(p))
					goto done;
			} while (ch(p, ','));
			if (!ch(p, ')')) {
				hard(p, KB_EPARSE, "expected , or ) in a set");
				goto done;
			}
		}
	} else {
		ws(p);
		size_t vcol = p->i + 1;
		if (!literal(p, &vb, &kind, &iv, &tl))
			goto done;
		if (t == KB_IOC_NONE || neg)
			;
		else if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0) {
			if (kind == 'i' && t == KB_IOC_PORT) {
				char num[32];
				snprintf(num, sizeof num, "%lld", iv);
				value_term(p, &out, t, either, num, strlen(num), vcol, ps);
			} else if (kind == 's' && !tl)
				value_term(p, &out, t, either, kb_buf_str(&vb), vb.len, vcol, ps);
			else
				unsup(&out, vcol, "a value of %.80s that is not a string", ps);
		} else if (strcmp(op, "LIKE") == 0 && kind == 's' && !tl) {
			like_term(p, &out, t, kb_buf_str(&vb), vb.len, vcol, ps);
		} else if (strcmp(op, "ISSUBSET") == 0 && kind == 's' && !tl &&
		           (t == KB_IOC_IPV4 || t == KB_IOC_IPV6)) {
			value_term(p, &out, t, either, kb_buf_str(&vb), vb.len, vcol, ps);
		} else {
			unsup(&out, opcol, "operator %s is not supported here", op);
		}
	}
	if (t == KB_IOC_NONE)
		unsup(&out, col, "object path %.120s is not supported", ps);
	else if (neg)
		unsup(&out, opcol, "NOT is not supported");
done:
	out.end = p->nterms;
	kb_buf_free(&pb);
	kb_buf_free(&vb);
	return out;
}

static int res_rank(pparser *p, const res *r)
{
	int best = 99;
	for (size_t i = r->start; i < r->end; i++)
		if (p->terms[i].alive) {
			int k = kb_ioc_rank(p->terms[i].type, p->vals.data + p->terms[i].off);
			if (k < best)
				best = k;
		}
	return best;
}

static void kill(pparser *p, const res *r)
{
	for (size_t i = r->start; i < r->end; i++)
		p->terms[i].alive = false;
}

static res cmp_and(pparser *p)
{
	struct side {
		bool ok;
		size_t start, end;
	} parts[KB_STIX_PATTERN_MAX_AND];
	size_t np = 0;
	res out = { .ok = true, .start = p->nterms };
	res first_bad = { .ok = true };
	bool any_ok = false;
	int best = -1;
	do {
		res r = comparison(p);
		if (failed(p))
			return r;
		if (!r.ok) {
			if (first_bad.ok)
				first_bad = r;
			kill(p, &r);
		} else {
			any_ok = true;
			int k = res_rank(p, &r);
			if (k > best)
				best = k;
		}
		if (np == KB_STIX_PATTERN_MAX_AND) {
			hard(p, KB_ELIMIT, "more than the limit of 64 comparisons joined by AND");
			return r;
		}
		parts[np++] = (struct side){ r.ok, r.start, r.end };
	} while (kw(p, "AND"));
	out.end = p->nterms;
	if (!any_ok) {
		first_bad.start = out.start;
		first_bad.end = out.end;
		return first_bad;
	}
	for (size_t i = 0; i < np; i++) {
		res side = { .ok = parts[i].ok, .start = parts[i].start, .end = parts[i].end };
		if (side.ok && res_rank(p, &side) < best)
			kill(p, &side);
	}
	return out;
}

static res cmp_or(pparser *p)
{
	res out = { .ok = true, .start = p->nterms };
	do {
		res r = cmp_and(p);
		if (failed(p))
			return r;
		if (!r.ok && out.ok) {
			out.ok = false;
			out.col = r.col;
			memcpy(out.why, r.why, sizeof out.why);
		}
	} while (kw(p, "OR"));
	out.end = p->nterms;
	return out;
}

static res obs_fb(pparser *p);

static res obs_unit(pparser *p)
{
	ws(p);
	size_t col = p->i + 1;
	res out = { .ok = true, .start = p->nterms, .end = p->nterms };
	if (++p->depth > KB_STIX_PATTERN_MAX_DEPTH) {
		hard(p, KB_ELIMIT, "parentheses nested deeper than the limit of 32");
		return out;
	}
	if (ch(p, '[')) {
		out = cmp_or(p);
		if (!failed(p) && !ch(p, ']'))
			hard(p, KB_EPARSE, "expected ] to close the observation");
	} else if (ch(p, '(')) {
		out = obs_fb(p);
		if (!failed(p) && !ch(p, ')'))
			hard(p, KB_EPARSE, "expected )");
	} else {
		hard(p, KB_EPARSE, "expected [ or ( to open an observation");
	}
	p->depth--;
	while (!failed(p)) {
		ws(p);
		size_t qcol = p->i + 1;
		bool tl;
		char kind;
		long long iv;
		kb_buf tmp;
		kb_buf_init(&tmp, KB_IOC_MAX_VALUE_BYTES);
		if (kw(p, "WITHIN")) {
			if (literal(p, &tmp, &kind, &iv, &tl) && !kw(p, "SECONDS"))
				hard(p, KB_EPARSE, "expected SECONDS");
			unsup(&out, qcol, "the WITHIN qualifier is not supported");
		} else if (kw(p, "REPEATS")) {
			if (literal(p, &tmp, &kind, &iv, &tl) && !kw(p, "TIMES"))
				hard(p, KB_EPARSE, "expected TIMES");
			unsup(&out, qcol, "the REPEATS qualifier is not supported");
		} else if (kw(p, "START")) {
			if (literal(p, &tmp, &kind, &iv, &tl) && !kw(p, "STOP"))
				hard(p, KB_EPARSE, "expected STOP");
			else if (!failed(p))
				literal(p, &tmp, &kind, &iv, &tl);
			unsup(&out, qcol, "the START/STOP qualifier is not supported");
		} else {
			kb_buf_free(&tmp);
			break;
		}
		kb_buf_free(&tmp);
	}
	(void)col;
	out.end = p->nterms;
	return out;
}

static res obs_and(pparser *p)
{
	res out = obs_unit(p);
	while (!failed(p)) {
		ws(p);
		size_t col = p->i + 1;
		if (!kw(p, "AND"))
			break;
		obs_unit(p);
		unsup(&out, col, "AND between observations is not supported");
	}
	out.end = p->nterms;
	return out;
}

static res obs_or(pparser *p)
{
	res out = obs_and(p);
	while (!failed(p) && kw(p, "OR")) {
		res r = obs_and(p);
		if (!r.ok && out.ok) {
			out.ok = false;
			out.col = r.col;
			memcpy(out.why, r.why, sizeof out.why);
		}
	}
	out.end = p->nterms;
	return out;
}

static res obs_fb(pparser *p)
{
	res out = obs_or(p);
	while (!failed(p)) {
		ws(p);
		size_t col = p->i + 1;
		if (!kw(p, "FOLLOWEDBY"))
			break;
		obs_or(p);
		unsup(&out, col, "FOLLOWEDBY is not supported");
	}
	out.end = p->nterms;
	return out;
}

int kb_stix_pattern_parse(const char *pattern, size_t len, kb_stix_term_fn fn, void *ctx, kb_error *err)
{
	if (len > KB_STIX_PATTERN_MAX_BYTES)
		return kb_error_set(err, KB_ELIMIT, NULL, 1, 0, KB_NO_OFFSET,
		                    "pattern of %zu bytes: more than the limit of %u", len,
		                    (unsigned)KB_STIX_PATTERN_MAX_BYTES);
	pparser p = { .s = pattern, .n = len, .err = err };
	kb_buf_init(&p.vals, (size_t)KB_STIX_PATTERN_MAX_TERMS * (KB_IOC_MAX_VALUE_BYTES + 1));
	res top = obs_fb(&p);
	if (!failed(&p)) {
		ws(&p);
		if (p.i < p.n)
			hard(&p, KB_EPARSE, "unexpected text after the pattern");
	}
	int r = p.r;
	if (r == 0 && !top.ok)
		r = kb_error_set(err, KB_EINVAL, NULL, 1, top.col, top.col ? top.col - 1 : KB_NO_OFFSET, "%s", top.why);
	for (size_t i = 0; r == 0 && i < p.nterms; i++)
		if (p.terms[i].alive && fn)
			r = fn(p.terms[i].type, p.vals.data + p.terms[i].off, ctx);
	free(p.terms);
	kb_buf_free(&p.vals);
	return r;
}

/* --- bundles --------------------------------------------------------- */

static const char *str_of(kb_ioc_reader *rd, json_t *obj, const char *key, int *r)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		size_t m;
		kb_jpath_key(&rd->path, key, &m);
		*r = kb_ioc_bad(rd, KB_EINVAL, "expected a string");
		kb_jpath_back(&rd->path, m);
		return NULL;
	}
	return json_string_value(v);
}

typedef struct ind_ctx {
	kb_ioc_reader *rd;
	kb_ioc base;
} ind_ctx;

static int ind_term(kb_ioc_type type, const char *value, void *arg)
{
	ind_ctx *c = arg;
	kb_ioc ioc = c->base;
	ioc.type = type;
	ioc.value = value;
	return kb_ioc_emit(c->rd, &ioc);
}

static int read_indicator(kb_ioc_reader *rd, json_t *o, const char *id)
{
	int r = 0;
	const char *ptype = str_of(rd, o, "pattern_type", &r);
	const char *pattern = str_of(rd, o, "pattern", &r);
	const char *valid_until = str_of(rd, o, "valid_until", &r);
	const char *valid_from = str_of(rd, o, "valid_from", &r);
	const char *name = str_of(rd, o, "name", &r);
	const char *desc = str_of(rd, o, "description", &r);
	if (r < 0)
		return r;
	json_t *rv = json_object_get(o, "revoked");
	if (rv && !json_is_null(rv) && !json_is_boolean(rv)) {
		size_t m;
		kb_jpath_key(&rd->path, "revoked", &m);
		r = kb_ioc_bad(rd, KB_EINVAL, "expected true or false");
		kb_jpath_back(&rd->path, m);
		return r;
	}
	if (ptype && strcmp(ptype, "stix") != 0) {
		kb_ioc_unsup(rd, id, 0, "pattern_type \"%.60s\" is not supported (only stix)", ptype);
		return 0;
	}
	if (!pattern) {
		kb_ioc_unsup(rd, id, 0, "indicator without a pattern");
		return 0;
	}
	json_t *cf = json_object_get(o, "confidence");
	ind_ctx c = { .rd = rd };
	c.base.confidence = (json_is_integer(cf) && json_integer_value(cf) >= 0 && json_integer_value(cf) <= 100)
	                            ? (int)json_integer_value(cf)
	                            : -1;
	c.base.revoked = json_is_true(rv);
	c.base.to_ids = true;
	c.base.valid_until = valid_until;
	c.base.first_seen = valid_from;
	c.base.ref = id;
	c.base.label = name ? name : desc;
	kb_error perr = { 0 };
	r = kb_stix_pattern_parse(pattern, strlen(pattern), ind_term, &c, &perr);
	if (r == KB_EPARSE || r == KB_EINVAL || r == KB_ELIMIT) {
		kb_ioc_unsup(rd, id, 0, "pattern: column %llu: %s%s", (unsigned long long)perr.column,
		             r == KB_EPARSE ? "not STIX pattern syntax: " : "", perr.msg);
		return 0;
	}
	return r;
}

static bool is_observable(const char *t)
{
	static const char *const scos[] = {
		"artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
		"file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
		"software", "url", "user-account", "windows-registry-key", "x509-certificate",
	};
	for (size_t i = 0; i < sizeof scos / sizeof scos[0]; i++)
		if (strcmp(t, scos[i]) == 0)
			return true;
	return false;
}

static int observable_value(kb_ioc_reader *rd, kb_ioc_type t, const char *v, const char *id, const char *type)
{
	char norm[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type got = t;
	if (!v) {
		kb_ioc_unsup(rd, id, 0, "%s without a value", type);
		return 0;
	}
	if (kb_ioc_normalize(&got, v, strlen(v), norm, sizeof norm) < 0 || ((t == KB_IOC_IPV4 || t == KB_IOC_IPV6) && got != t)) {
		kb_ioc_unsup(rd, id, 0, "%s value '%.80s' is not a valid %s", type, v, kb_ioc_type_name(t));
		return 0;
	}
	kb_ioc ioc = { .type = got, .value = norm, .confidence = -1, .to_ids = true, .ref = id };
	return kb_ioc_emit(rd, &ioc);
}

static int read_file_obj(kb_ioc_reader *rd, json_t *o, const char *id)
{
	int r = 0;
	json_t *h = json_object_get(o, "hashes");
	const char *name = str_of(rd, o, "name", &r);
	if (r < 0)
		return r;
	size_t emitted = 0;
	if (h && !json_is_object(h)) {
		size_t m;
		kb_jpath_key(&rd->path, "hashes", &m);
		r = kb_ioc_bad(rd, KB_EINVAL, "expected an object of hashes");
		kb_jpath_back(&rd->path, m);
		return r;
	}
	const char *k;
	json_t *v;
	json_object_foreach (h, k, v) {
		bool either;
		char ps[96];
		snprintf(ps, sizeof ps, "file:hashes.%.60s", k);
		kb_ioc_type t = path_type(ps, &either);
		if (t == KB_IOC_NONE || !json_is_string(v)) {
			kb_ioc_unsup(rd, id, 0, "file hash %.60s is not supported", k);
			continue;
		}
		char norm[KB_IOC_MAX_VALUE_BYTES + 1];
		kb_ioc_type got = t;
		const char *s = json_string_value(v);
		if (kb_ioc_normalize(&got, s, strlen(s), norm, sizeof norm) < 0) {
			kb_ioc_unsup(rd, id, 0, "file hash %.60s '%.80s' is not valid", k, s);
			continue;
		}
		kb_ioc ioc = { .type = got, .value = norm, .confidence = -1, .to_ids = true, .ref = id, .label = name };
		r = kb_ioc_emit(rd, &ioc);
		if (r < 0)
			return r;
		emitted++;
	}
	if (emitted == 0 && name)
		return observable_value(rd, KB_IOC_FILENAME, name, id, "file");
	if (emitted == 0 && !name)
		kb_ioc_unsup(rd, id, 0, "file without a supported hash or a name");
	return 0;
}

static int read_object(kb_ioc_reader *rd, json_t *o)
{
	if (!json_is_object(o))
		return kb_ioc_bad(rd, KB_EINVAL, "expected a STIX object");
	int r = 0;
	const char *type = str_of(rd, o, "type", &r);
	const char *id = str_of(rd, o, "id", &r);
	if (r < 0)
		return r;
	if (!type)
		return kb_ioc_bad(rd, KB_EINVAL, "expected \"type\"");
	if (strcmp(type, "indicator") == 0)
		return read_indicator(rd, o, id);
	if (strcmp(type, "ipv4-addr") == 0)
		return observable_value(rd, KB_IOC_IPV4, str_of(rd, o, "value", &r), id, type);
	if (strcmp(type, "ipv6-addr") == 0)
		return observable_value(rd, KB_IOC_IPV6, str_of(rd, o, "value", &r), id, type);
	if (strcmp(type, "domain-name") == 0)
		return observable_value(rd, KB_IOC_DOMAIN, str_of(rd, o, "value", &r), id, type);
	if (strcmp(type, "url") == 0)
		return observable_value(rd, KB_IOC_URL, str_of(rd, o, "value", &r), id, type);
	if (strcmp(type, "email-addr") == 0)
		return observable_value(rd, KB_IOC_EMAIL, str_of(rd, o, "value", &r), id, type);
	if (strcmp(type, "file") == 0)
		return read_file_obj(rd, o, id);
	if (is_observable(type)) {
		kb_ioc_unsup(rd, id, 0, "observable type %.60s is not supported", type);
		return 0;
	}
	if (rd->sink && rd->sink->n_ignored)
		(*rd->sink->n_ignored)++;
	return 0;
}

int kb_ioc_read_stix(kb_ioc_reader *rd, const void *data, size_t len)
{
	json_t *root = NULL;
	int r = kb_ioc_json_load(rd, data, len, &root);
	if (r < 0)
		return r;
	json_t *objs = NULL;
	size_t m = 0;
	if (json_is_array(root)) {
		objs = root;
	} else if (json_is_object(root)) {
		const char *t = json_string_value(json_object_get(root, "type"));
		if (!t)
			r = kb_error_set(rd->err, KB_EFORMAT, rd->name, 1, 1, 0,
			                 "expected a STIX bundle: an object with \"type\"");
		else if (strcmp(t, "bundle") == 0) {
			objs = json_object_get(root, "objects");
			kb_jpath_key(&rd->path, "objects", &m);
			if (objs && !json_is_array(objs))
				r = kb_ioc_bad(rd, KB_EINVAL, "expected an array of objects");
		} else {
			r = read_object(rd, root);
		}
	} else {
		r = kb_error_set(rd->err, KB_EFORMAT, rd->name, 1, 1, 0, "expected a STIX bundle");
	}
	size_t i;
	json_t *o;
	if (r == 0 && objs) {
		json_array_foreach (objs, i, o) {
			size_t mi;
			kb_jpath_index(&rd->path, i, &mi);
			r = read_object(rd, o);
			kb_jpath_back(&rd->path, mi);
			if (r < 0)
				break;
		}
	}
	json_decref(root);
	return r;
}
