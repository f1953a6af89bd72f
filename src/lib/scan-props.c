/*
 * scan-props.c - Java Properties and JAR manifest parsers (see scan-props.h
 * for the formats and the contract).
 *
 * Both parsers make one pass over the input and write decoded keys and
 * values into a single arena allocated up front. Its size bounds memory by
 * the input: a decoded string is never more than three bytes per input byte
 * (ISO-8859-1 to UTF-8 doubles, a NUL becomes the three bytes of U+FFFD,
 * escapes shrink), and each pair adds two NULs for at least one input byte,
 * so 5 * len + 16 always suffices and nothing is reallocated while pointers
 * into the arena are live. The pair array grows by doubling, bounded by the
 * line limit.
 *
 * Properties: a logical line (continuations joined, continuation backslashes
 * and the white space that starts a continued line dropped) is first copied
 * raw into a scratch buffer, then split into key and value by Java's rule and
 * each part unescaped into the arena.
 *
 * Manifest: one physical line at a time. A header's value is collected raw
 * (its continuation lines appended) in a scratch buffer and written to the
 * arena when the header ends, because the 72-byte wrapping splits UTF-8
 * sequences; invalid UTF-8 in the joined value becomes U+FFFD.
 */
#include "scan-props.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct parser {
	kb_kvset set;
	size_t kv_cap;
	size_t arena_len, arena_cap;
	char *scratch;
	size_t scratch_len;
	const char *name;
	kb_error *err;
} parser;

static int parser_init(parser *p, size_t len, const char *name, kb_error *err)
{
	memset(p, 0, sizeof *p);
	p->name = name ? name : "(input)";
	p->err = err;
	p->arena_cap = 5 * len + 16;
	p->set.arena = malloc(p->arena_cap);
	p->scratch = malloc(len + 1);
	if (!p->set.arena || !p->scratch) {
		free(p->set.arena);
		free(p->scratch);
		return kb_error_set(err, KB_ENOMEM, p->name, 0, 0, KB_NO_OFFSET, "out of memory parsing");
	}
	return 0;
}

static void parser_fail(parser *p)
{
	free(p->scratch);
	kb_kvset_free(&p->set);
}

static int parser_done(parser *p, kb_kvset *ret)
{
	free(p->scratch);
	*ret = p->set;
	return 0;
}

static void put_byte(parser *p, uint8_t c)
{
	assert(p->arena_len < p->arena_cap);
	p->set.arena[p->arena_len++] = (char)c;
}

/* Code point `cp` as UTF-8; NUL and surrogates become U+FFFD. */
static void put_cp(parser *p, uint32_t cp)
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		put_byte(p, (uint8_t)cp);
	} else if (cp < 0x800) {
		put_byte(p, (uint8_t)(0xC0 | cp >> 6));
		put_byte(p, (uint8_t)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		put_byte(p, (uint8_t)(0xE0 | cp >> 12));
		put_byte(p, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
		put_byte(p, (uint8_t)(0x80 | (cp & 0x3F)));
	} else {
		put_byte(p, (uint8_t)(0xF0 | cp >> 18));
		put_byte(p, (uint8_t)(0x80 | (cp >> 12 & 0x3F)));
		put_byte(p, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
		put_byte(p, (uint8_t)(0x80 | (cp & 0x3F)));
	}
}

/* Record a pair whose key and value were written to the arena at these offsets. */
static int add_pair(parser *p, size_t key_off, size_t value_off, uint32_t line, uint32_t section)
{
	if (p->set.n == p->kv_cap) {
		size_t cap = p->kv_cap ? p->kv_cap * 2 : 16;
		kb_kv *kv = realloc(p->set.kv, cap * sizeof *kv);
		if (!kv)
			return kb_error_set(p->err, KB_ENOMEM, p->name, line, 0, KB_NO_OFFSET, "out of memory parsing");
		p->set.kv = kv;
		p->kv_cap = cap;
	}
	p->set.kv[p->set.n++] = (kb_kv){ .key = p->set.arena + key_off, .value = p->set.arena + value_off,
		                         .line = line, .section = section };
	return 0;
}

/* ---- properties ---------------------------------------------------------- */

static bool props_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at in[i, i + 4), or -1. */
static int32_t hex4(const uint8_t *in, size_t n, size_t i)
{
	if (n - i < 4)
		return -1;
	int32_t v = 0;
	for (size_t k = 0; k < 4; k++) {
		int h = hexval(in[i + k]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Java's loadConvert: unescape in[0, n) into the arena, NUL-terminated. */
static int props_unescape(parser *p, const uint8_t *in, size_t n, uint32_t line, uint64_t offset)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = in[i++];
		if (c != '\\') {
			put_cp(p, c); /* ISO-8859-1: the byte is the code point */
			continue;
		}
		if (i == n)
			break; /* a dangling backslash: nothing to escape */
		c = in[i++];
		switch (c) {
		case 't': put_byte(p, '\t'); break;
		case 'n': put_byte(p, '\n'); break;
		case 'r': put_byte(p, '\r'); break;
		case 'f': put_byte(p, '\f'); break;
		case 'u': {
			int32_t u = hex4(in, n, i);
			if (u < 0)
				return kb_error_set(p->err, KB_EPARSE, p->name, line, 0, offset,
				                    "malformed \\uXXXX escape: expected four hex digits after \\u");
			i += 4;
			uint32_t cp = (uint32_t)u;
			if (cp >= 0xD800 && cp <= 0xDBFF && n - i >= 6 && in[i] == '\\' && in[i + 1] == 'u') {
				int32_t lo = hex4(in, n, i + 2);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
					i += 6;
				}
			}
			put_cp(p, cp);
			break;
		}
		default: put_cp(p, c); break;
		}
	}
	put_byte(p, '\0');
	return 0;
}

/* Consume the line terminator at d[*pos] (LF, CR or CRLF) and count the line. */
static int props_eol(parser *p, const uint8_t *d, size_t len, size_t *pos, uint32_t *line)
{
	if (d[*pos] == '\r' && *pos + 1 < len && d[*pos + 1] == '\n')
		(*pos)++;
	(*pos)++;
	(*line)++;
	if (*line > KB_PROPS_MAX_LINES && *pos < len)
		return kb_error_set(p->err, KB_ELIMIT, p->name, *line, 0, *pos,
		                    "more than KB_PROPS_MAX_LINES (%u) lines", KB_PROPS_MAX_LINES);
	return 0;
}

int kb_props_parse(const uint8_t *d, size_t len, const char *name, kb_kvset *ret, kb_error *err)
{
	if (len > KB_PROPS_MAX_BYTES)
		return kb_error_set(err, KB_ELIMIT, name ? name : "(input)", 0, 0, KB_PROPS_MAX_BYTES,
		                    "properties file of %zu bytes is larger than KB_PROPS_MAX_BYTES (%u)", len,
		                    KB_PROPS_MAX_BYTES);
	parser p;
	int r = parser_init(&p, len, name, err);
	if (r < 0)
		return r;
	size_t pos = 0;
	uint32_t line = 1;
	while (pos < len) {
		while (pos < len && props_ws(d[pos]))
			pos++;
		if (pos == len)
			break;
		if (d[pos] == '\n' || d[pos] == '\r') {
			if ((r = props_eol(&p, d, len, &pos, &line)) < 0)
				goto fail;
			continue;
		}
		if (d[pos] == '#' || d[pos] == '!') { /* a comment is never continued */
			while (pos < len && d[pos] != '\n' && d[pos] != '\r')
				pos++;
			if (pos < len && (r = props_eol(&p, d, len, &pos, &line)) < 0)
				goto fail;
			continue;
		}
		/* one logical line into scratch */
		uint32_t start_line = line;
		uint64_t start_off = pos;
		size_t sl = 0;
		for (;;) {
			bool odd = false;
			while (pos < len && d[pos] != '\n' && d[pos] != '\r') {
				odd = d[pos] == '\\' ? !odd : false;
				p.scratch[sl++] = (char)d[pos++];
			}
			if (!odd) {
				if (pos < len && (r = props_eol(&p, d, len, &pos, &line)) < 0)
					goto fail;
				break;
			}
			sl--; /* the continuation backslash */
			if (pos == len)
				break;
			if ((r = props_eol(&p, d, len, &pos, &line)) < 0)
				goto fail;
			while (pos < len && props_ws(d[pos]))
				pos++;
		}
		/* key: up to the first unescaped '=', ':' or white space */
		const uint8_t *s = (const uint8_t *)p.scratch;
		size_t key_len = 0, value_start = sl;
		bool sep = false, odd = false;
		while (key_len < sl) {
			uint8_t c = s[key_len];
			if ((c == '=' || c == ':') && !odd) {
				value_start = key_len + 1;
				sep = true;
				break;
			}
			if (props_ws(c) && !odd) {
				value_start = key_len + 1;
				break;
			}
			odd = c == '\\' ? !odd : false;
			key_len++;
		}
		while (value_start < sl) {
			uint8_t c = s[value_start];
			if (!props_ws(c)) {
				if (!sep && (c == '=' || c == ':'))
					sep = true;
				else
					break;
			}
			value_start++;
		}
		size_t key_off = p.arena_len;
		if ((r = props_unescape(&p, s, key_len, start_line, start_off)) < 0)
			goto fail;
		size_t value_off = p.arena_len;
		if ((r = props_unescape(&p, s + value_start, sl - value_start, start_line, start_off)) < 0)
			goto fail;
		if ((r = add_pair(&p, key_off, value_off, start_line, 0)) < 0)
			goto fail;
	}
	return parser_done(&p, ret);
fail:
	parser_fail(&p);
	return r;
}

const char *kb_props_get(const kb_kvset *s, const char *key)
{
	for (size_t i = s->n; i-- > 0;)
		if (strcmp(s->kv[i].key, key) == 0)
			return s->kv[i].value;
	return NULL;
}

/* ---- manifest ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0, n), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	if (c < 0x80)
		return 1;
	size_t k;
	uint32_t cp, min;
	if ((c & 0xE0) == 0xC0) {
		k = 2, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		k = 3, cp = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		k = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

/* Write the collected value (scratch) to the arena as valid UTF-8. */
static void manifest_flush_value(parser *p)
{
	const uint8_t *s = (const uint8_t *)p->scratch;
	size_t n = p->scratch_len, i = 0;
	while (i < n) {
		size_t k = s[i] ? utf8_seq(s + i, n - i) : 0;
		if (!k) {
			put_cp(p, 0xFFFD);
			i++;
			continue;
		}
		for (size_t j = 0; j < k; j++)
			put_byte(p, s[i + j]);
		i += k;
	}
	put_byte(p, '\0');
	p->scratch_len = 0;
}

static bool header_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int kb_manifest_parse(const uint8_t *d, size_t len, const char *name, unsigned max_sections, kb_kvset *ret,
                      kb_error *err)
{
	parser p;
	int r = parser_init(&p, len, name, err);
	if (r < 0)
		return r;
	size_t pos = 0;
	if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
		pos = 3;
	uint32_t line = 1, section = 0;
	bool started = false;   /* the current section has a header */
	bool pending = false;   /* a blank line ended a section that had headers */
	bool open = false;      /* a header's value is being collected */
	size_t value_off = 0, key_off = 0;
	uint32_t key_line = 0;
	while (pos < len) {
		if (line > KB_MANIFEST_MAX_LINES) {
			r = kb_error_set(err, KB_ELIMIT, p.name, line, 0, pos, "more than KB_MANIFEST_MAX_LINES (%u) lines",
			                 KB_MANIFEST_MAX_LINES);
			goto fail;
		}
		size_t s = pos, e = pos;
		while (e < len && d[e] != '\n' && d[e] != '\r')
			e++;
		if (s < e && d[s] != ' ' && pending && section >= max_sections) {
			/* a section not asked for: its first byte is all it costs */
			if (open) {
				manifest_flush_value(&p);
				if ((r = add_pair(&p, key_off, value_off, key_line, section)) < 0)
					goto fail;
				open = false;
			}
			p.set.truncated = true;
			break;
		}
		if (e > KB_MANIFEST_MAX_BYTES) {
			r = kb_error_set(err, KB_ELIMIT, p.name, line, 0, KB_MANIFEST_MAX_BYTES,
			                 "manifest runs past KB_MANIFEST_MAX_BYTES (%u)", KB_MANIFEST_MAX_BYTES);
			goto fail;
		}
		size_t next = e;
		if (e < len)
			next = (d[e] == '\r' && e + 1 < len && d[e + 1] == '\n') ? e + 2 : e + 1;
		if (s == e) { /* blank line: the end of a section */
			if (open) {
				manifest_flush_value(&p);
				if ((r = add_pair(&p, key_off, value_off, key_line, section)) < 0)
					goto fail;
				open = false;
			}
			if (started)
				pending = true;
		} else if (d[s] == ' ') {
			if (!open) {
				r = kb_error_set(err, KB_EPARSE, p.name, line, 1, s,
				                 "continuation line (starting with a space) with no header before it");
				goto fail;
			}
			memcpy(p.scratch + p.scratch_len, d + s + 1, e - s - 1);
			p.scratch_len += e - s - 1;
		} else {
			if (open) {
				manifest_flush_value(&p);
				if ((r = add_pair(&p, key_off, value_off, key_line, section)) < 0)
					goto fail;
				open = false;
			}
			if (pending) {
				section++;
				pending = false;
				started = false;
			}
			const uint8_t *colon = memchr(d + s, ':', e - s);
			if (!colon) {
				r = kb_error_set(err, KB_EPARSE, p.name, line, 1, s, "expected a header \"Name: value\"");
				goto fail;
			}
			size_t nlen = (size_t)(colon - (d + s));
			if (nlen == 0 || nlen > KB_MANIFEST_MAX_NAME) {
				r = kb_error_set(err, KB_EPARSE, p.name, line, 1, s,
				                 "header name must be 1 to %d bytes, not %zu", KB_MANIFEST_MAX_NAME, nlen);
				goto fail;
			}
			for (size_t i = 0; i < nlen; i++)
				if (!header_char(d[s + i])) {
					r = kb_error_set(err, KB_EPARSE, p.name, line, i + 1, s + i,
					                 "header name may hold only letters, digits, '-' and '_'");
					goto fail;
				}
			key_off = p.arena_len;
			for (size_t i = 0; i < nlen; i++)
				put_byte(&p, d[s + i]);
			put_byte(&p, '\0');
			size_t v = nlen + 1;
			if (s + v < e && d[s + v] == ' ')
				v++;
			p.scratch_len = e - s - v;
			memcpy(p.scratch, d + s + v, p.scratch_len);
			value_off = p.arena_len; /* written at flush, which starts exactly here */
			key_line = line;
			open = true;
			started = true;
		}
		pos = next;
		line++;
	}
	if (open) {
		manifest_flush_value(&p);
		if ((r = add_pair(&p, key_off, value_off, key_line, section)) < 0)
			goto fail;
	}
	p.set.sections = section;
	return parser_done(&p, ret);
fail:
	parser_fail(&p);
	return r;
}

const char *kb_manifest_get(const kb_kvset *s, uint32_t section, const char *header)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->kv[i].section == section && strcasecmp(s->kv[i].key, header) == 0)
			return s->kv[i].value;
	return NULL;
}

void kb_kvset_free(kb_kvset *s)
{
	if (!s)
		return;
	free(s->kv);
	free(s->arena);
	memset(s, 0, sizeof *s);
}
