/*
 * purl.c - Package URLs (package-url/purl-spec): parse, build, normalise,
 * format, and map a purl onto the ecosystem/name pair advisories use.
 *
 * Design
 * ------
 * A purl is "pkg:" type "/" [namespace "/"] name ["@" version]
 * ["?" qualifiers] ["#" subpath]. Parsing follows the spec's "how to parse"
 * recipe, peeling components off the string in this order:
 *
 *     1. '#' subpath      (split once from the right)
 *     2. '?' qualifiers   (split once from the right)
 *     3. "pkg:" scheme    (split once from the left, case-insensitive; any
 *                          number of '/' after it is ignored)
 *     4. type             (up to the first '/')
 *     5. '@' version      (split once from the right, see below)
 *     6. name             (the last '/'-separated segment)
 *     7. namespace        (whatever is left)
 *
 * Step 5 has one refinement: an '@' that begins a path segment and is
 * followed by a '/' (the unencoded npm scope in "pkg:npm/@babel/core") is part
 * of the namespace, not the version separator.
 *
 * Every component is percent-decoded as it is cut out, so a kb_purl holds
 * decoded text only. Both kb_purl_parse() and kb_purl_build() then hand the
 * decoded parts to one function, finish(), which is the single place that
 * validates and normalises: type syntax, qualifier keys (lower-cased, unique,
 * [a-z0-9._-], not starting with a digit), empty qualifier values dropped,
 * empty/'.'/'..' path segments dropped, the type-specific rules in
 * type_rules[], and the length limit. Because parse and build share that
 * path, build(parse(s)) and parse(format(p)) agree, and formatting is
 * idempotent (the fuzz target fuzz/fuzz-purl.c checks exactly that).
 *
 * kb_purl_format() writes the canonical form: scheme and type lower-case;
 * namespace and subpath segments, name, version and qualifier values
 * percent-encoded with every byte outside [A-Za-z0-9.-_~:] written as an
 * upper-case "%XX" triplet (the spec keeps ':' literal everywhere); qualifiers
 * sorted by key.
 *
 * Error codes: KB_EPARSE when the string's structure is wrong (no scheme, no
 * type, no name, a bad percent escape, a raw control character, a qualifier
 * without '='); KB_EINVAL when a well-formed component has an unacceptable
 * value (bad type or key characters, a duplicate key, an encoded NUL, invalid
 * UTF-8, a '/' hidden inside a segment, a type-specific rule); KB_ELIMIT when
 * KB_PURL_MAX_LEN or KB_PURL_MAX_QUALIFIERS is exceeded. The length limit
 * applies to the input string and to the canonical form, so whatever parses
 * or builds can always be formatted and parsed again.
 *
 * Deliberate choices where the spec is silent or impractical:
 *   - golang namespace/name keep their case: Go module paths are
 *     case-sensitive ("github.com/BurntSushi/toml") and advisories spell them
 *     that way.
 *   - decoded components must be valid UTF-8 and free of NUL bytes, since
 *     they are handed on as C strings.
 *
 * This file depends only on libc and koban.h.
 */
#include "koban/purl.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static void lower_ascii(char *s)
{
	for (; s && *s; s++)
		*s = to_lower(*s);
}

/* Last occurrence of c in s[0, n), or NULL (memrchr is not C11). */
static const char *find_last(const char *s, size_t n, char c)
{
	while (n--)
		if (s[n] == c)
			return s + n;
	return NULL;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
static bool utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		unsigned c = *s;
		size_t n;
		unsigned min;
		if (c < 0x80) {
			s++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1, min = 0x80, c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, min = 0x800, c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return false;
		}
		s++;
		for (size_t i = 0; i < n; i++, s++) {
			if ((*s & 0xC0) != 0x80)
				return false;
			c = (c << 6) | (*s & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
	}
	return true;
}

/* A growing string; `oom` latches so callers check once at the end. */
typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_putc(sbuf *b, char c) { sb_putn(b, &c, 1); }

/* Canonical percent-encoding: keep [A-Za-z0-9.-_~:], encode every other byte. */
static bool keep_unencoded(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':';
}

static void sb_put_encoded(sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;
	while (i < n) {
		/* copy the longest run that needs no encoding in one go: most parts are all run */
		size_t j = i;
		while (j < n && keep_unencoded((unsigned char)s[j]))
			j++;
		if (j > i)
			sb_putn(b, s + i, j - i);
		if (j == n)
			break;
		unsigned char c = (unsigned char)s[j];
		char t[3] = { '%', hex[c >> 4], hex[c & 15] };
		sb_putn(b, t, 3);
		i = j + 1;
	}
}

/* ----------------------------------------------------------------- errors */

/* Where an error points: offset into the parsed string, or none (build). */
#define NO_POS ((size_t)-1)

static int fail(kb_error *err, int code, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(kb_error *err, int code, size_t pos, const char *fmt, ...)
{
	char msg[KB_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (pos == NO_POS)
		return kb_error_set(err, code, "", 0, 0, KB_NO_OFFSET, "%s", msg);
	return kb_error_set(err, code, "", 1, (uint64_t)pos + 1, (uint64_t)pos, "%s", msg);
}

static int fail_nomem(kb_error *err)
{
	return fail(err, KB_ENOMEM, NO_POS, "out of memory");
}

/* ------------------------------------------------------------ the object */

kb_purl *kb_purl_free(kb_purl *p)
{
	if (!p)
		return NULL;
	free(p->type);
	free(p->namespace_);
	free(p->name);
	free(p->version);
	free(p->subpath);
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		free(p->qualifiers[i].key);
		free(p->qualifiers[i].value);
	}
	free(p->qualifiers);
	free(p);
	return NULL;
}

/* Append a qualifier (ownership of key and value passes to p). */
static int add_qualifier(kb_purl *p, char *key, char *value)
{
	kb_purl_qualifier *q = realloc(p->qualifiers, (p->n_qualifiers + 1) * sizeof *q);
	if (!q) {
		free(key);
		free(value);
		return KB_ENOMEM;
	}
	p->qualifiers = q;
	q[p->n_qualifiers].key = key;
	q[p->n_qualifiers].value = value;
	p->n_qualifiers++;
	return 0;
}

/* ------------------------------------------------------------- validation */

/* Index of the first bad character of a type, or -1 when it is valid. A type
 * is [A-Za-z0-9.+-]+ and starts with a letter. */
static long type_bad_char(const char *t, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		bool ok = is_alpha(c) || (i > 0 && (is_digit(c) || c == '.' || c == '+' || c == '-'));
		if (!ok)
			return (long)i;
	}
	return -1;
}

/* Index of the first bad character of a qualifier key, or -1. A key is
 * [A-Za-z0-9._-]+ and does not start with a digit. */
static long key_bad_char(const char *k, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		bool ok = is_alpha(c) || c == '.' || c == '-' || c == '_' || (i > 0 && is_digit(c));
		if (!ok)
			return (long)i;
	}
	return -1;
}

/* Rewrite a '/'-separated path in place, dropping empty segments (and '.' and
 * '..' when `dots`). Returns the new length. */
static size_t clean_path(char *s, bool dots)
{
	size_t out = 0, i = 0, n = strlen(s);
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != '/')
			j++;
		size_t seg = j - i;
		bool drop = seg == 0 ||
		            (dots && ((seg == 1 && s[i] == '.') ||
		                      (seg == 2 && s[i] == '.' && s[i + 1] == '.')));
		if (!drop) {
			if (out)
				s[out++] = '/';
			memmove(s + out, s + i, seg);
			out += seg;
		}
		i = j + 1;
	}
	s[out] = '\0';
	return out;
}

/* Type-specific rules (purl-spec types/ *-definition.json). */
enum {
	R_LOWER_NS = 1 << 0,   /* namespace is case-insensitive: lower-case it */
	R_LOWER_NAME = 1 << 1, /* name is case-insensitive: lower-case it */
	R_PYPI_NAME = 1 << 2,  /* '_' in the name becomes '-' */
	R_NEED_NS = 1 << 3,    /* namespace is required */
	R_LOWER_VER = 1 << 4,  /* version is case-insensitive: lower-case it */
};

static const struct {
	const char *type;
	unsigned rules;
} type_rules[] = {
	{ "alpm", R_LOWER_NS | R_LOWER_NAME },
	{ "apk", R_LOWER_NS | R_LOWER_NAME },
	{ "bitbucket", R_LOWER_NS | R_LOWER_NAME },
	{ "bitnami", R_LOWER_NAME },
	{ "composer", R_LOWER_NS | R_LOWER_NAME },
	{ "cpan", R_NEED_NS },
	{ "deb", R_LOWER_NS | R_LOWER_NAME },
	{ "github", R_LOWER_NS | R_LOWER_NAME },
	{ "hex", R_LOWER_NS | R_LOWER_NAME },
	{ "huggingface", R_LOWER_VER },
	{ "maven", R_NEED_NS },
	{ "npm", R_LOWER_NS | R_LOWER_NAME },
	{ "oci", R_LOWER_NAME },
	{ "pub", R_LOWER_NAME },
	{ "pypi", R_LOWER_NAME | R_PYPI_NAME },
	{ "qpkg", R_LOWER_NS },
	{ "swift", R_NEED_NS },
};

static unsigned rules_for(const char *type)
{
	for (size_t i = 0; i < sizeof type_rules / sizeof type_rules[0]; i++)
		if (strcmp(type_rules[i].type, type) == 0)
			return type_rules[i].rules;
	return 0;
}

static const char *qualifier_value(const kb_purl *p, const char *key)
{
	for (size_t i = 0; i < p->n_qualifiers; i++)
		if (strcmp(p->qualifiers[i].key, key) == 0)
			return p->qualifiers[i].value;
	return NULL;
}

static int cmp_qualifier(const void *a, const void *b)
{
	return strcmp(((const kb_purl_qualifier *)a)->key, ((const kb_purl_qualifier *)b)->key);
}

static int format_into(const kb_purl *p, sbuf *b);

/*
 * The one place that validates and normalises a purl made of decoded parts.
 * Takes ownership of p: on failure p is freed. NULL-or-empty optional parts
 * become NULL.
 */
static int finish(kb_purl *p, kb_purl **ret, kb_error *err)
{
	int r;
	const char *what = NULL;

	if (!p->type || !*p->type) {
		r = fail(err, KB_EINVAL, NO_POS, "a purl needs a type");
		goto out;
	}
	long bad = type_bad_char(p->type, strlen(p->type));
	if (bad >= 0) {
		r = fail(err, KB_EINVAL, NO_POS,
		         "type '%s' is not valid: expected [A-Za-z0-9.+-] starting with a letter",
		         p->type);
		goto out;
	}
	lower_ascii(p->type);

	/* Every decoded part: no NUL can hide here (C strings), UTF-8 required. */
	const char *parts[] = { p->namespace_, p->name, p->version, p->subpath };
	const char *names[] = { "namespace", "name", "version", "subpath" };
	for (size_t i = 0; i < 4; i++) {
		if (parts[i] && !utf8_valid(parts[i])) {
			what = names[i];
			goto bad_utf8;
		}
	}
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		if (!utf8_valid(p->qualifiers[i].value)) {
			what = "qualifier value";
			goto bad_utf8;
		}
	}

	if (p->namespace_ && clean_path(p->namespace_, false) == 0) {
		free(p->namespace_);
		p->namespace_ = NULL;
	}
	if (p->subpath && clean_path(p->subpath, true) == 0) {
		free(p->subpath);
		p->subpath = NULL;
	}
	if (p->version && !*p->version) {
		free(p->version);
		p->version = NULL;
	}
	/* The name loses leading and trailing '/' (how-to-build); parse gets
	 * here with them only from "%2F", build from the caller's string. */
	if (p->name) {
		size_t a = 0, z = strlen(p->name);
		while (a < z && p->name[a] == '/')
			a++;
		while (z > a && p->name[z - 1] == '/')
			z--;
		memmove(p->name, p->name + a, z - a);
		p->name[z - a] = '\0';
	}
	if (!p->name || !*p->name) {
		r = fail(err, KB_EINVAL, NO_POS, "a purl needs a name");
		goto out;
	}

	/* Qualifiers: lower-case valid keys, drop empty values, sort, no dups. */
	if (p->n_qualifiers > KB_PURL_MAX_QUALIFIERS) {
		r = fail(err, KB_ELIMIT, NO_POS, "more than %d qualifiers",
		         KB_PURL_MAX_QUALIFIERS);
		goto out;
	}
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		kb_purl_qualifier *q = &p->qualifiers[i];
		if (key_bad_char(q->key, strlen(q->key)) >= 0) {
			r = fail(err, KB_EINVAL, NO_POS,
			         "qualifier key '%s' is not valid: expected [A-Za-z0-9._-] not starting with a digit",
			         q->key);
			goto out;
		}
		lower_ascii(q->key);
	}
	/* Only now compact: an error above must leave every entry owned once. */
	size_t kept = 0;
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		kb_purl_qualifier *q = &p->qualifiers[i];
		if (!*q->value) {
			free(q->key);
			free(q->value);
			continue;
		}
		p->qualifiers[kept++] = *q;
	}
	p->n_qualifiers = kept;
	if (kept == 0) {
		free(p->qualifiers);
		p->qualifiers = NULL;
	} else {
		qsort(p->qualifiers, kept, sizeof *p->qualifiers, cmp_qualifier);
		for (size_t i = 1; i < kept; i++) {
			if (strcmp(p->qualifiers[i - 1].key, p->qualifiers[i].key) == 0) {
				r = fail(err, KB_EINVAL, NO_POS, "qualifier key '%s' appears twice",
				         p->qualifiers[i].key);
				goto out;
			}
		}
	}

	/* Type-specific rules. */
	unsigned rules = rules_for(p->type);
	if ((rules & R_LOWER_NS) && p->namespace_)
		lower_ascii(p->namespace_);
	if (rules & R_LOWER_NAME)
		lower_ascii(p->name);
	if (rules & R_PYPI_NAME)
		for (char *c = p->name; *c; c++)
			if (*c == '_')
				*c = '-';
	if ((rules & R_LOWER_VER) && p->version)
		lower_ascii(p->version);
	if ((rules & R_NEED_NS) && !p->namespace_) {
		r = fail(err, KB_EINVAL, NO_POS, "a %s purl needs a namespace", p->type);
		goto out;
	}
	if (strcmp(p->type, "cpan") == 0 && strstr(p->name, "::")) {
		/* The name is a distribution ("URI-PackageURL"), not a module. */
		r = fail(err, KB_EINVAL, NO_POS,
		         "cpan name '%s' is a module name: expected a distribution name", p->name);
		goto out;
	}
	if (strcmp(p->type, "mlflow") == 0) {
		/* Databricks-hosted MLflow registries are case-insensitive. */
		const char *repo = qualifier_value(p, "repository_url");
		if (repo && strstr(repo, "databricks"))
			lower_ascii(p->name);
	}

	/* The canonical form must fit the limit so it can always be re-parsed. */
	sbuf b = { 0 };
	r = format_into(p, &b);
	size_t canon_len = b.len;
	free(b.p);
	if (r < 0) {
		r = fail_nomem(err);
		goto out;
	}
	if (canon_len > KB_PURL_MAX_LEN) {
		r = fail(err, KB_ELIMIT, NO_POS,
		         "canonical purl is %zu bytes, more than the limit of %d", canon_len,
		         KB_PURL_MAX_LEN);
		goto out;
	}

	*ret = p;
	return 0;

bad_utf8:
	r = fail(err, KB_EINVAL, NO_POS, "%s is not valid UTF-8", what);
out:
	kb_purl_free(p);
	return r;
}

/* ---------------------------------------------------------------- parsing */

typedef struct pctx {
	const char *s; /* the whole input */
	kb_error *err;
} pctx;

/* Percent-decode s[from, to) into a new string. `what` names the component
 * for messages. A decoded '/' is refused when `no_slash` (path segments). */
static int decode(pctx *c, size_t from, size_t to, const char *what, bool no_slash, char **ret)
{
	char *d = malloc(to - from + 1);
	if (!d)
		return fail_nomem(c->err);
	size_t n = 0;
	for (size_t i = from; i < to; i++) {
		unsigned char ch = (unsigned char)c->s[i];
		if (ch == '%') {
			if (to - i < 3 || hex_val((unsigned char)c->s[i + 1]) < 0 ||
			    hex_val((unsigned char)c->s[i + 2]) < 0) {
				free(d);
				return fail(c->err, KB_EPARSE, i,
				            "bad percent escape in %s: expected '%%' and two hex digits",
				            what);
			}
			ch = (unsigned char)(hex_val((unsigned char)c->s[i + 1]) * 16 +
			                     hex_val((unsigned char)c->s[i + 2]));
			if (ch == 0) {
				free(d);
				return fail(c->err, KB_EINVAL, i, "%s contains an encoded NUL byte", what);
			}
			if (ch == '/' && no_slash) {
				free(d);
				return fail(c->err, KB_EINVAL, i,
				            "%s segment contains an encoded '/'", what);
			}
			i += 2;
		}
		d[n++] = (char)ch;
	}
	d[n] = '\0';
	if (!utf8_valid(d)) {
		free(d);
		return fail(c->err, KB_EINVAL, from, "%s is not valid UTF-8", what);
	}
	*ret = d;
	return 0;
}

/* Decode the '/'-separated path s[from, to) segment by segment and join the
 * decoded segments with '/'. Empty segments are dropped later by finish(). */
static int decode_path(pctx *c, size_t from, size_t to, const char *what, char **ret)
{
	sbuf b = { 0 };
	sb_puts(&b, "");
	size_t i = from;
	while (i <= to) {
		size_t j = i;
		while (j < to && c->s[j] != '/')
			j++;
		char *seg;
		int r = decode(c, i, j, what, true, &seg);
		if (r < 0) {
			free(b.p);
			return r;
		}
		if (b.len)
			sb_putc(&b, '/');
		sb_puts(&b, seg);
		free(seg);
		i = j + 1;
	}
	if (b.oom) {
		free(b.p);
		return fail_nomem(c->err);
	}
	*ret = b.p;
	return 0;
}

static int parse_qualifiers(pctx *c, kb_purl *p, size_t from, size_t to)
{
	size_t count = 0;
	size_t i = from;
	while (i < to) {
		size_t j = i;
		while (j < to && c->s[j] != '&')
			j++;
		if (j > i) {
			if (++count > KB_PURL_MAX_QUALIFIERS)
				return fail(c->err, KB_ELIMIT, i, "more than %d qualifiers",
				            KB_PURL_MAX_QUALIFIERS);
			size_t eq = i;
			while (eq < j && c->s[eq] != '=')
				eq++;
			if (eq == j)
				return fail(c->err, KB_EPARSE, i,
				            "qualifier without '=': expected key=value");
			long bad = key_bad_char(c->s + i, eq - i);
			if (bad >= 0)
				return fail(c->err, KB_EINVAL, i + (size_t)bad,
				            "bad qualifier key: expected [A-Za-z0-9._-] not starting with a digit");
			char *key = dup_n(c->s + i, eq - i);
			if (!key)
				return fail_nomem(c->err);
			lower_ascii(key);
			for (size_t k = 0; k < p->n_qualifiers; k++) {
				if (strcmp(p->qualifiers[k].key, key) == 0) {
					int r = fail(c->err, KB_EINVAL, i,
					             "qualifier key '%s' appears twice", key);
					free(key);
					return r;
				}
			}
			char *value;
			int r = decode(c, eq + 1, j, "qualifier value", false, &value);
			if (r < 0) {
				free(key);
				return r;
			}
			if (add_qualifier(p, key, value) < 0)
				return fail_nomem(c->err);
		}
		i = j + 1;
	}
	return 0;
}

int kb_purl_parse(const char *s, size_t len, kb_purl **ret, kb_error *err)
{
	if (!s || !ret)
		return fail(err, KB_EINVAL, NO_POS, "kb_purl_parse: NULL argument");
	if (len > KB_PURL_MAX_LEN)
		return fail(err, KB_ELIMIT, NO_POS, "purl is %zu bytes, more than the limit of %d",
		            len, KB_PURL_MAX_LEN);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f)
			return fail(err, KB_EPARSE, i,
			            "control character 0x%02x in purl: expected it percent-encoded",
			            ch);
	}

	pctx c = { s, err };
	kb_purl *p = calloc(1, sizeof *p);
	if (!p)
		return fail_nomem(err);
	int r;
	size_t end = len;

	/* 1. subpath: after the last '#'. */
	const char *hash = find_last(s, end, '#');
	if (hash) {
		size_t h = (size_t)(hash - s);
		if ((r = decode_path(&c, h + 1, end, "subpath", &p->subpath)) < 0)
			goto fail;
		end = h;
	}

	/* 2. qualifiers: after the last '?'. */
	const char *qm = find_last(s, end, '?');
	if (qm) {
		size_t q = (size_t)(qm - s);
		if ((r = parse_qualifiers(&c, p, q + 1, end)) < 0)
			goto fail;
		end = q;
	}

	/* 3. scheme. */
	const char *colon = memchr(s, ':', end);
	if (!colon || colon - s != 3 || to_lower(s[0]) != 'p' || to_lower(s[1]) != 'k' ||
	    to_lower(s[2]) != 'g') {
		r = fail(err, KB_EPARSE, 0, "expected the scheme \"pkg:\" at the start");
		goto fail;
	}
	size_t i = 4;
	while (i < end && s[i] == '/')
		i++;
	while (end > i && s[end - 1] == '/')
		end--;

	/* 4. type. */
	size_t t = i;
	while (t < end && s[t] != '/')
		t++;
	if (t == i) {
		r = fail(err, KB_EPARSE, i, "expected a type after \"pkg:\"");
		goto fail;
	}
	long bad = type_bad_char(s + i, t - i);
	if (bad >= 0) {
		r = fail(err, KB_EINVAL, i + (size_t)bad,
		         "bad character in type: expected [A-Za-z0-9.+-] starting with a letter");
		goto fail;
	}
	if (t == end) {
		r = fail(err, KB_EPARSE, t, "expected '/' and a name after the type");
		goto fail;
	}
	if (!(p->type = dup_n(s + i, t - i))) {
		r = fail_nomem(err);
		goto fail;
	}
	i = t + 1;

	/* 5. version: after the last '@', unless that '@' opens a segment that a
	 * '/' follows (an unencoded npm scope such as "@babel/core"). */
	const char *at = find_last(s + i, end - i, '@');
	if (at) {
		size_t a = (size_t)(at - s);
		bool scope = (a == i || s[a - 1] == '/') && memchr(s + a, '/', end - a);
		if (!scope) {
			if ((r = decode(&c, a + 1, end, "version", false, &p->version)) < 0)
				goto fail;
			end = a;
		}
	}

	/* 6. name: the last segment. */
	size_t n = end;
	while (n > i && s[n - 1] != '/')
		n--;
	if (n == end) {
		r = fail(err, KB_EPARSE, end, "expected a name");
		goto fail;
	}
	if ((r = decode(&c, n, end, "name", false, &p->name)) < 0)
		goto fail;

	/* 7. namespace: the rest. */
	if (n > i && (r = decode_path(&c, i, n - 1, "namespace", &p->namespace_)) < 0)
		goto fail;

	return finish(p, ret, err);

fail:
	kb_purl_free(p);
	return r;
}

/* ---------------------------------------------------------------- building */

static int dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	return (*ret = dup_n(s, strlen(s))) ? 0 : KB_ENOMEM;
}

int kb_purl_build(const char *type, const char *namespace_, const char *name,
                  const char *version, const kb_purl_qualifier *qualifiers, size_t n,
                  const char *subpath, kb_purl **ret, kb_error *err)
{
	if (!ret || (n && !qualifiers))
		return fail(err, KB_EINVAL, NO_POS, "kb_purl_build: NULL argument");
	if (!type || !*type)
		return fail(err, KB_EINVAL, NO_POS, "a purl needs a type");
	if (!name)
		return fail(err, KB_EINVAL, NO_POS, "a purl needs a name");
	if (n > KB_PURL_MAX_QUALIFIERS)
		return fail(err, KB_ELIMIT, NO_POS, "more than %d qualifiers",
		            KB_PURL_MAX_QUALIFIERS);

	kb_purl *p = calloc(1, sizeof *p);
	if (!p)
		return fail_nomem(err);
	if (dup_opt(type, &p->type) < 0 || dup_opt(namespace_, &p->namespace_) < 0 ||
	    dup_opt(version, &p->version) < 0 || dup_opt(subpath, &p->subpath) < 0)
		goto nomem;

	if (!(p->name = dup_n(name, strlen(name))))
		goto nomem;

	for (size_t i = 0; i < n; i++) {
		if (!qualifiers[i].key) {
			kb_purl_free(p);
			return fail(err, KB_EINVAL, NO_POS, "qualifier %zu has no key", i);
		}
		if (!qualifiers[i].value || !*qualifiers[i].value)
			continue;
		char *k = dup_n(qualifiers[i].key, strlen(qualifiers[i].key));
		char *v = dup_n(qualifiers[i].value, strlen(qualifiers[i].value));
		if (!k || !v) {
			free(k);
			free(v);
			goto nomem;
		}
		if (add_qualifier(p, k, v) < 0)
			goto nomem;
	}
	return finish(p, ret, err);

nomem:
	kb_purl_free(p);
	return fail_nomem(err);
}

/* -------------------------------------------------------------- formatting */

/* Encode a '/'-separated path segment by segment, keeping the separators. */
static void put_path(sbuf *b, const char *s)
{
	while (*s) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		sb_put_encoded(b, s, n);
		if (!slash)
			break;
		sb_putc(b, '/');
		s = slash + 1;
	}
}

static int format_into(const kb_purl *p, sbuf *b)
{
	sb_puts(b, "pkg:");
	for (const char *t = p->type; *t; t++)
		sb_putc(b, to_lower(*t));
	sb_putc(b, '/');
	if (p->namespace_ && *p->namespace_) {
		put_path(b, p->namespace_);
		sb_putc(b, '/');
	}
	sb_put_encoded(b, p->name, strlen(p->name));
	if (p->version && *p->version) {
		sb_putc(b, '@');
		sb_put_encoded(b, p->version, strlen(p->version));
	}
	char sep = '?';
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		const kb_purl_qualifier *q = &p->qualifiers[i];
		if (!q->key || !q->value || !*q->value)
			continue;
		sb_putc(b, sep);
		sep = '&';
		for (const char *k = q->key; *k; k++)
			sb_putc(b, to_lower(*k));
		sb_putc(b, '=');
		sb_put_encoded(b, q->value, strlen(q->value));
	}
	if (p->subpath && *p->subpath) {
		sb_putc(b, '#');
		put_path(b, p->subpath);
	}
	return b->oom ? KB_ENOMEM : 0;
}

int kb_purl_format(const kb_purl *p, char **ret)
{
	if (!p || !ret || !p->type || !p->name || (p->n_qualifiers && !p->qualifiers))
		return KB_EINVAL;
	sbuf b = { 0 };
	if (format_into(p, &b) < 0) {
		free(b.p);
		return KB_ENOMEM;
	}
	*ret = b.p;
	return 0;
}

int kb_purl_normalize(const char *s, char **ret, kb_error *err)
{
	if (!s || !ret)
		return fail(err, KB_EINVAL, NO_POS, "kb_purl_normalize: NULL argument");
	kb_purl *p;
	int r = kb_purl_parse(s, strlen(s), &p, err);
	if (r < 0)
		return r;
	char *out;
	r = kb_purl_format(p, &out);
	kb_purl_free(p);
	if (r < 0)
		return fail(err, r, NO_POS, "formatting the purl failed");
	*ret = out;
	return 0;
}

/* ------------------------------------------------------- ecosystem mapping */

static const struct {
	const char *type;
	const char *ecosystem;
} ecosystems[] = {
	{ "bitnami", "Bitnami" },   { "cargo", "crates.io" },    { "composer", "Packagist" },
	{ "conan", "ConanCenter" }, { "cran", "CRAN" },          { "gem", "RubyGems" },
	{ "golang", "Go" },         { "hackage", "Hackage" },    { "hex", "Hex" },
	{ "maven", "Maven" },       { "npm", "npm" },            { "nuget", "NuGet" },
	{ "pub", "Pub" },           { "pypi", "PyPI" },          { "swift", "SwiftURL" },
};

/* rpm and apk namespaces (the vendor / distribution) that name an ecosystem. */
static const struct {
	const char *type;
	const char *ns;
	const char *ecosystem;
} distro_ecosystems[] = {
	{ "rpm", "redhat", "Red Hat" },
	{ "rpm", "rocky-linux", "Rocky Linux" },
	{ "rpm", "rocky", "Rocky Linux" },
	{ "rpm", "almalinux", "AlmaLinux" },
	{ "rpm", "opensuse", "openSUSE" },
	{ "rpm", "suse", "SUSE" },
	{ "rpm", "mageia", "Mageia" },
	{ "rpm", "openeuler", "openEuler" },
	{ "rpm", "azurelinux", "Azure Linux" },
	{ "rpm", "photon", "Photon OS" },
	{ "apk", "wolfi", "Wolfi" },
	{ "apk", "chainguard", "Chainguard" },
	{ "deb", "ubuntu", "Ubuntu" },
};

static bool eq_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (to_lower(*a) != to_lower(*b))
			return false;
	return *a == *b;
}

const char *kb_purl_ecosystem(const kb_purl *p)
{
	if (!p || !p->type)
		return "";
	if (p->namespace_) {
		for (size_t i = 0; i < sizeof distro_ecosystems / sizeof distro_ecosystems[0]; i++)
			if (strcmp(p->type, distro_ecosystems[i].type) == 0 &&
			    eq_nocase(p->namespace_, distro_ecosystems[i].ns))
				return distro_ecosystems[i].ecosystem;
	}
	if (strcmp(p->type, "deb") == 0)
		return "Debian";
	if (strcmp(p->type, "apk") == 0)
		return "Alpine";
	if (strcmp(p->type, "rpm") == 0)
		return "RPM";
	for (size_t i = 0; i < sizeof ecosystems / sizeof ecosystems[0]; i++)
		if (strcmp(p->type, ecosystems[i].type) == 0)
			return ecosystems[i].ecosystem;
	return p->type;
}

int kb_purl_package_name(const kb_purl *p, char **ret)
{
	if (!p || !ret || !p->type || !p->name)
		return KB_EINVAL;
	sbuf b = { 0 };
	bool name_only = strcmp(p->type, "deb") == 0 || strcmp(p->type, "apk") == 0 ||
	                 strcmp(p->type, "rpm") == 0 || strcmp(p->type, "alpm") == 0;
	if (p->namespace_ && *p->namespace_ && !name_only) {
		sb_puts(&b, p->namespace_);
		sb_putc(&b, strcmp(p->type, "maven") == 0 ? ':' : '/');
	}
	sb_puts(&b, p->name);
	if (b.oom) {
		free(b.p);
		return KB_ENOMEM;
	}
	*ret = b.p;
	return 0;
}
