/*
 * advisory-vers.c - version range specifiers (package-url/vers-spec) into
 * the events of range.h.
 *
 * A vers string is "vers:<type>/<constraint>|<constraint>|...", each
 * constraint a comparator (=, !=, <, <=, >, >=; none means =) and a
 * percent-encoded version, or "*" alone for every version. The spec reads a
 * range by sorting the constraints by version and walking them in pairs: a
 * leading "<" or "<=" bounds everything below, a ">" or ">=" followed by a
 * "<" or "<=" is an interval, a trailing ">" or ">=" is open above, "=" adds
 * one version and "!=" takes one out. That maps onto OSV events one for one:
 *
 *   <v    introduced 0, fixed v          >=a|<b    introduced a, fixed b
 *   <=v   introduced 0, last_affected v  >=a|<=b   introduced a, last_affected b
 *   >=a   introduced a (open above)      =v        an exact version
 *
 * Two things have no event: an exclusive lower bound (">a" keeps a out) and
 * "!=". Both become `excluded` versions beside the events, and the caller
 * decides what an exclusion means for its statement (for an "affected" range
 * it is a version not affected; see advisory-csaf.c). A "!=" outside every
 * interval excludes nothing and is dropped; a specifier of "!=" alone is every
 * version but those.
 *
 * The type picks the ordering: a purl type goes through the project's purl
 * → OSV ecosystem mapping (purl.c) and kb_vscheme_for_ecosystem(), so "npm"
 * sorts as SemVer and "deb" as dpkg; a scheme name ("semver", "intdot",
 * "maven") is taken as such; "generic" and names koban does not know (a
 * vendor's) are ordered by content: vendor dotted numbers (INTDOT, so
 * 17.5.1 == 17.5.1.0) when every version is digits and dots, the generic
 * ordering otherwise. Invalid specifiers (two ">=" in a row, a version twice,
 * a version a strict scheme cannot read) are errors, never guessed at.
 *
 * Memory: one allocation, kb_vers, whose `text` holds the decoded versions;
 * the bounds (KB_VERS_MAX_LEN, KB_VERS_MAX_CONSTRAINTS) make it fixed-size.
 */
#include "advisory-vers.h"

#include "koban/purl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

static const char *const op_text[] = { [OP_EQ] = "=", [OP_NE] = "!=", [OP_LT] = "<",
	                                [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=" };

typedef struct constraint {
	enum op op;
	const char *v;
} constraint;

#define FAIL(err, code, ...) kb_error_set((err), (code), NULL, 0, 0, KB_NO_OFFSET, __VA_ARGS__)

/* How much of [s, end) an error message quotes. */
static int clip(const char *s, const char *end)
{
	return end - s > 80 ? 80 : (int)(end - s);
}

bool kb_vers_is(const char *s)
{
	while (s && (*s == ' ' || *s == '\t'))
		s++;
	return s && strncmp(s, "vers:", 5) == 0;
}

kb_vers *kb_vers_free(kb_vers *v)
{
	free(v);
	return NULL;
}

/* Digits and dots, starting with a digit, after an optional v: INTDOT reads it. */
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

static kb_vscheme scheme_of_type(const char *type, bool *by_content)
{
	/* the purl type's ecosystem, exactly as purl.c maps it (no allocation) */
	kb_purl p = { .type = (char *)type, .name = (char *)"x" };
	kb_vscheme s = kb_vscheme_for_ecosystem(kb_purl_ecosystem(&p));
	*by_content = false;
	if (s != KB_VS_GENERIC)
		return s;
	if (kb_vscheme_parse(type, &s) == 0 && s != KB_VS_GENERIC)
		return s;
	*by_content = true;
	return KB_VS_GENERIC;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* May `b` follow `a` in a sorted specifier ("!=" aside)? */
static bool may_follow(enum op a, enum op b)
{
	if (a == OP_GT || a == OP_GE)
		return b == OP_LT || b == OP_LE;
	return b == OP_EQ || b == OP_GT || b == OP_GE;
}

/* Is v inside the set the events and exact versions describe? */
static int inside(const kb_vers *v, const char *ver, bool *ret, kb_error *err)
{
	kb_range rg = { KB_RANGE_ECOSYSTEM, v->events, v->n_events };
	kb_affected a = { v->scheme, &rg, v->n_events ? 1 : 0, v->exact, v->n_exact };
	kb_range_verdict verdict;
	int r = kb_range_eval(&a, ver, &verdict, err);
	if (r == 0)
		*ret = verdict.affected;
	return r;
}

/* The specifier `w` (blanks removed, NUL-terminated) into out. */
static int parse_core(const char *w, kb_vers *out, kb_error *err)
{
	if (strncmp(w, "vers:", 5) != 0)
		return FAIL(err, KB_EINVAL, "expected \"vers:\" at the start of a version range");
	const char *t = w + 5, *slash = strchr(t, '/');
	if (!slash || slash == t)
		return FAIL(err, KB_EINVAL, "expected \"vers:<type>/<constraints>\": no versioning scheme");
	if ((size_t)(slash - t) > KB_VERS_MAX_TYPE)
		return FAIL(err, KB_EINVAL, "a versioning scheme name longer than 32 bytes");
	for (size_t i = 0; t + i < slash; i++) {
		char c = (char)tolower((unsigned char)t[i]);
		if (!isalnum((unsigned char)c) && c != '.' && c != '-' && c != '+')
			return FAIL(err, KB_EINVAL, "versioning scheme: expected letters, digits, '.', '-' or '+'");
		out->type[i] = c;
	}
	out->type[slash - t] = '\0';
	const char *cs_text = slash + 1;
	if (strcmp(cs_text, "*") == 0) {
		out->scheme = scheme_of_type(out->type, &out->by_content);
		out->events[0] = (kb_range_event){ KB_EVENT_INTRODUCED, "0" };
		out->n_events = 1;
		return 0;
	}
	if (strchr(cs_text, '*'))
		return FAIL(err, KB_EINVAL, "\"*\" must stand alone: \"%.80s\"", cs_text);

	/* split on '|', skipping empty constraints; decode each version into text */
	constraint cs[KB_VERS_MAX_CONSTRAINTS];
	size_t n = 0, used = 0;
	const char *p = cs_text;
	while (*p) {
		if (*p == '|') {
			p++;
			continue;
		}
		const char *end = strchr(p, '|');
		if (!end)
			end = p + strlen(p);
		if (n == KB_VERS_MAX_CONSTRAINTS)
			return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
			                    "more constraints than the limit of %d in one version range",
			                    KB_VERS_MAX_CONSTRAINTS);
		enum op op = OP_EQ;
		size_t k = 0;
		if (end - p >= 2 && p[1] == '=' && (p[0] == '>' || p[0] == '<' || p[0] == '!'))
			op = p[0] == '>' ? OP_GE : p[0] == '<' ? OP_LE : OP_NE, k = 2;
		else if (p[0] == '<' || p[0] == '>' || p[0] == '=')
			op = p[0] == '<' ? OP_LT : p[0] == '>' ? OP_GT : OP_EQ, k = 1;
		const char *v = p + k;
		if (v == end)
			return FAIL(err, KB_EINVAL, "constraint \"%.*s\": expected a version after the comparator",
			            clip(p, end), p);
		if (used + (size_t)(end - v) + 1 > sizeof out->text)
			return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
			                    "a version range longer than the limit of %d bytes", KB_VERS_MAX_LEN);
		char *dst = out->text + used;
		size_t m = 0;
		for (const char *q = v; q < end; q++) {
			int c = (unsigned char)*q;
			if (c == '%') {
				int hi = q + 1 < end ? hexval(q[1]) : -1, lo = q + 2 < end ? hexval(q[2]) : -1;
				if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
					return FAIL(err, KB_EINVAL, "version \"%.*s\": a bad percent escape",
					            clip(v, end), v);
				c = hi * 16 + lo;
				q += 2;
			} else if (c == '<' || c == '>' || c == '=' || c == '!') {
				return FAIL(err, KB_EINVAL, "constraint \"%.*s\": a comparator inside the version",
				            clip(p, end), p);
			}
			dst[m++] = (char)c;
		}
		dst[m] = '\0';
		used += m + 1;
		cs[n++] = (constraint){ op, dst };
		p = end;
	}
	if (n == 0)
		return FAIL(err, KB_EINVAL, "expected at least one constraint after \"vers:%.40s/\"", out->type);

	out->scheme = scheme_of_type(out->type, &out->by_content);
	if (out->by_content) {
		bool all = true;
		for (size_t i = 0; i < n && all; i++)
			all = dotted(cs[i].v);
		out->scheme = all ? KB_VS_INTDOT : KB_VS_GENERIC;
	}
	for (size_t i = 0; i < n; i++) {
		int d = 0, r = kb_version_cmp(out->scheme, cs[i].v, cs[i].v, &d);
		if (r == KB_ELIMIT)
			return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
			                    "a version longer than the limit of %d bytes", KB_VERSION_MAX_LEN);
		if (r < 0)
			return FAIL(err, KB_EINVAL, "\"%.80s\" is not a valid %s version", cs[i].v,
			            kb_vscheme_name(out->scheme));
	}
	/* sort by version (insertion sort: n is small and every version is valid) */
	for (size_t i = 1; i < n; i++) {
		constraint c = cs[i];
		size_t j = i;
		int d = 0;
		while (j > 0 && kb_version_cmp(out->scheme, cs[j - 1].v, c.v, &d) == 0 && d > 0) {
			cs[j] = cs[j - 1];
			j--;
		}
		cs[j] = c;
	}
	for (size_t i = 1; i < n; i++) {
		int d = 1;
		if (kb_version_cmp(out->scheme, cs[i - 1].v, cs[i].v, &d) == 0 && d == 0)
			return FAIL(err, KB_EINVAL, "version \"%.80s\" is in two constraints (\"%.80s\")", cs[i].v,
			            cs[i - 1].v);
	}

	/* walk the sorted constraints, "!=" aside, into events */
	const constraint *prev = NULL;
	bool open = false;
	for (size_t i = 0; i < n; i++) {
		const constraint *c = &cs[i];
		if (c->op == OP_NE)
			continue;
		if (prev && !may_follow(prev->op, c->op)) {
			char a[120], b[120];
			snprintf(a, sizeof a, "%s%.100s", op_text[c->op], c->v);
			snprintf(b, sizeof b, "%s%.100s", op_text[prev->op], prev->v);
			return FAIL(err, KB_EINVAL, "constraint \"%s\" cannot follow \"%s\" (sorted by version)", a, b);
		}
		kb_range_event *ev = &out->events[out->n_events];
		switch (c->op) {
		case OP_EQ:
			out->exact[out->n_exact++] = c->v;
			break;
		case OP_LT:
		case OP_LE:
			if (!open) /* below everything */
				*ev++ = (kb_range_event){ KB_EVENT_INTRODUCED, "0" }, out->n_events++;
			*ev = (kb_range_event){ c->op == OP_LT ? KB_EVENT_FIXED : KB_EVENT_LAST_AFFECTED, c->v };
			out->n_events++;
			open = false;
			break;
		case OP_GT:
			out->excluded[out->n_excluded++] = c->v;
			/* fall through */
		case OP_GE:
			*ev = (kb_range_event){ KB_EVENT_INTRODUCED, c->v };
			out->n_events++;
			open = true;
			break;
		case OP_NE:
			break;
		}
		prev = c;
	}
	if (!prev) /* only "!=": every version but those */
		out->events[out->n_events++] = (kb_range_event){ KB_EVENT_INTRODUCED, "0" };
	for (size_t i = 0; i < n; i++) {
		if (cs[i].op != OP_NE)
			continue;
		bool in = false;
		int r = inside(out, cs[i].v, &in, err);
		if (r < 0)
			return r;
		if (in)
			out->excluded[out->n_excluded++] = cs[i].v;
	}
	return 0;
}

static int run(const char *w, kb_vers **ret, kb_error *err)
{
	kb_vers *v = calloc(1, sizeof *v);
	if (!v)
		return KB_ENOMEM;
	int r = parse_core(w, v, err);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	return 0;
}

int kb_vers_parse(const char *s, size_t len, kb_vers **ret, kb_error *err)
{
	if (len > KB_VERS_MAX_LEN)
		return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
		                    "a version range of %zu bytes: more than the limit of %d", len, KB_VERS_MAX_LEN);
	if (memchr(s, '\0', len))
		return FAIL(err, KB_EINVAL, "a NUL byte in a version range");
	char w[KB_VERS_MAX_LEN + 1];
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			w[n++] = s[i];
	w[n] = '\0';
	return run(w, ret, err);
}

static bool separator(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ';' || c == '|';
}

int kb_vers_parse_text(const char *s, size_t len, kb_vers **ret, kb_error *err)
{
	if (len > KB_VERS_MAX_LEN)
		return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
		                    "a version range of %zu bytes: more than the limit of %d", len, KB_VERS_MAX_LEN);
	if (memchr(s, '\0', len))
		return FAIL(err, KB_EINVAL, "a NUL byte in a version range");
	/* "vers:generic/" and, per token, at most the token and a '|' */
	char w[KB_VERS_MAX_LEN * 2 + 16];
	size_t n = (size_t)snprintf(w, sizeof w, "vers:generic/");
	size_t i = 0, tokens = 0;
	for (;;) {
		while (i < len && separator(s[i]))
			i++;
		if (i == len)
			break;
		size_t op = i;
		while (i < len && i - op < 2 && strchr("<>=!", s[i]))
			i++;
		size_t nop = i - op;
		bool ok_op = (nop == 1 && s[op] != '!') || (nop == 2 && s[op + 1] == '='); /* <= >= == != */
		if (!ok_op)
			return FAIL(err, KB_EINVAL, "expected a comparator (<, <=, >, >=, =, !=) before each version");
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t v = i;
		size_t digit = i < len && (s[i] == 'v' || s[i] == 'V') ? i + 1 : i;
		if (digit >= len || !isdigit((unsigned char)s[digit]))
			return FAIL(err, KB_EINVAL, "expected a version starting with a digit after a comparator");
		while (i < len && !separator(s[i])) {
			if (strchr("<>=!%*", s[i]))
				return FAIL(err, KB_EINVAL, "a version may not hold '<', '>', '=', '!', '%%' or '*'");
			i++;
		}
		/* "==" and "=" are equality: vers writes the bare version */
		if (s[op] != '=')
			memcpy(w + n, s + op, nop), n += nop;
		memcpy(w + n, s + v, i - v);
		n += i - v;
		w[n++] = '|';
		tokens++;
	}
	if (tokens == 0)
		return FAIL(err, KB_EINVAL, "expected comparators and versions, found none");
	w[n] = '\0';
	return run(w, ret, err);
}
