/*
 * hunt-log4shell-decode.c - the byte-level layers under a Log4Shell payload:
 * URL, backslash and HTML decoding, base64, brace matching and the Unicode
 * case mappings of ${lower:} / ${upper:}.
 *
 * Every layer shrinks its input (the longest output, a \uXXXX or %uXXXX as
 * UTF-8, is 3 bytes from 6), so a round writes into a buffer the size of its
 * input and never allocates. The driver repeats rounds until one changes
 * nothing; a round carries the offset map along (see the internal header).
 *
 * Escape decoding is deliberately narrow where it could damage ordinary text:
 * \xHH and octal escapes are decoded only when they give printable ASCII, an
 * octal escape needs two or three digits, and any run of backslashes before an
 * escape is taken as one (JSON-escaped logs write "\\u0024").
 */
#include "hunt-log4shell-internal.h"

#include <string.h>

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

static int hex_n(const uint8_t *p, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t put_utf8(uint8_t *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (uint8_t)(0xE0 | (cp >> 12));
	out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (uint8_t)(0x80 | (cp & 0x3F));
	return 3;
}

/* A UTF-8 code point that is a surrogate is not written; the escape stays. */
static bool ok_cp(int cp)
{
	return cp > 0 && (cp < 0xD800 || cp > 0xDFFF);
}

static const struct {
	const char *name;
	uint8_t c;
} html_named[] = {
	{"dollar;", '$'}, {"lbrace;", '{'}, {"lcub;", '{'}, {"rbrace;", '}'}, {"rcub;", '}'},
	{"colon;", ':'},  {"sol;", '/'},    {"amp;", '&'},  {"num;", '#'},    {"period;", '.'},
};

/* One escape at in[i] (a '%', '\\' or '&'): on success the decoded bytes go
 * to out, *used is the input consumed, *flag the layer. */
static size_t decode_one(const uint8_t *in, size_t n, size_t i, uint8_t *out, size_t *used,
                         uint32_t *flag)
{
	uint8_t c = in[i];
	if (c == '%') {
		if (i + 2 < n) {
			int v = hex_n(in + i + 1, 2);
			if (v >= 0) {
				out[0] = (uint8_t)v;
				*used = 3;
				*flag = KB_L4S_T_URL;
				return 1;
			}
		}
		if (i + 5 < n && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
			int v = hex_n(in + i + 2, 4);
			if (ok_cp(v)) {
				*used = 6;
				*flag = KB_L4S_T_UNICODE_ESC;
				return put_utf8(out, (uint32_t)v);
			}
		}
		return 0;
	}
	if (c == '\\') {
		size_t j = i;
		while (j < n && in[j] == '\\')
			j++;
		if (j >= n)
			return 0;
		if ((in[j] == 'u' || in[j] == 'U') && j + 4 < n) {
			int v = hex_n(in + j + 1, 4);
			if (ok_cp(v)) {
				*used = j + 5 - i;
				*flag = KB_L4S_T_UNICODE_ESC;
				return put_utf8(out, (uint32_t)v);
			}
			return 0;
		}
		if (in[j] == 'x' && j + 2 < n) {
			int v = hex_n(in + j + 1, 2);
			if (v >= 0x20 && v < 0x7F) {
				out[0] = (uint8_t)v;
				*used = j + 3 - i;
				*flag = KB_L4S_T_OCTAL_ESC;
				return 1;
			}
			return 0;
		}
		size_t k = j;
		int v = 0;
		while (k < n && k < j + 3 && in[k] >= '0' && in[k] <= '7')
			v = v * 8 + (in[k++] - '0');
		if (k - j >= 2 && v >= 0x20 && v < 0x7F) {
			out[0] = (uint8_t)v;
			*used = k - i;
			*flag = KB_L4S_T_OCTAL_ESC;
			return 1;
		}
		return 0;
	}
	if (c == '&' && i + 3 < n) {
		if (in[i + 1] == '#') {
			size_t k = i + 2;
			int v = 0, digits = 0;
			bool hex = k < n && (in[k] == 'x' || in[k] == 'X');
			if (hex)
				k++;
			while (k < n && digits < 7) {
				int h = hex ? hexval(in[k]) : (in[k] >= '0' && in[k] <= '9' ? in[k] - '0' : -1);
				if (h < 0)
					break;
				v = v * (hex ? 16 : 10) + h;
				digits++;
				k++;
			}
			if (digits && k < n && in[k] == ';' && ok_cp(v) && v < 0x10000) {
				*used = k + 1 - i;
				*flag = KB_L4S_T_HTML;
				return put_utf8(out, (uint32_t)v);
			}
			return 0;
		}
		for (size_t t = 0; t < sizeof html_named / sizeof html_named[0]; t++) {
			size_t l = strlen(html_named[t].name);
			if (i + 1 + l <= n && memcmp(in + i + 1, html_named[t].name, l) == 0) {
				out[0] = html_named[t].c;
				*used = 1 + l;
				*flag = KB_L4S_T_HTML;
				return 1;
			}
		}
	}
	return 0;
}

size_t l4s_decode_round(const uint8_t *in, const uint32_t *imap, size_t n, uint8_t *out,
                        uint32_t *omap, uint32_t *flags, bool *url_pct)
{
	size_t o = 0, i = 0;
	while (i < n) {
		/* Copy the run of bytes no layer starts on. */
		size_t j = i;
		while (j < n && in[j] != '%' && in[j] != '\\' && in[j] != '&')
			j++;
		if (j > i) {
			memcpy(out + o, in + i, j - i);
			memcpy(omap + o, imap + i, (j - i) * sizeof *omap);
			o += j - i;
			i = j;
			if (i >= n)
				break;
		}
		uint8_t tmp[4];
		size_t used = 0;
		uint32_t flag = 0;
		size_t w = decode_one(in, n, i, tmp, &used, &flag);
		if (w) {
			if (flag == KB_L4S_T_URL && tmp[0] == '%')
				*url_pct = true;
			for (size_t k = 0; k < w; k++) {
				out[o + k] = tmp[k];
				omap[o + k] = imap[i];
			}
			o += w;
			i += used;
			*flags |= flag;
		} else {
			out[o] = in[i];
			omap[o] = imap[i];
			o++;
			i++;
		}
	}
	omap[o] = imap[n];
	return o;
}

/* The value of a base64 character (standard or URL-safe), -1 otherwise. */
static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool l4s_is_b64(uint8_t c)
{
	return b64_value(c) >= 0;
}

size_t l4s_b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t *ret_used)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0, i = 0;
	for (; i < n; i++) {
		int v = b64_value(in[i]);
		if (v < 0)
			break;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (ret_used)
		*ret_used = i;
	return o;
}

void l4s_match(const uint8_t *s, size_t n, uint32_t *match)
{
	/* The stack of open "${" lives in the table itself: an open entry holds
	 * the index of the entry below it (L4S_NO_MATCH - 1 marks the bottom),
	 * and is overwritten with its '}' when closed. */
	const uint32_t bottom = L4S_NO_MATCH - 1;
	uint32_t top = bottom;
	for (size_t i = 0; i < n; i++)
		match[i] = L4S_NO_MATCH;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
			match[i] = top;
			top = (uint32_t)i;
			i++;
		} else if (s[i] == '}' && top != bottom) {
			uint32_t below = match[top];
			match[top] = (uint32_t)i;
			top = below;
		}
	}
	while (top != bottom) {
		uint32_t below = match[top];
		match[top] = L4S_NO_MATCH;
		top = below;
	}
}

bool l4s_jndi_protocol(const char *name, size_t n, char proto[16])
{
	static const char *const protos[] = {"ldaps", "ldap", "rmi",  "dns",  "iiop", "corba",
	                                     "nds",   "nis",  "http", "https"};
	size_t k = 0;
	while (k < n && k < 15 && name[k] != ':') {
		char c = name[k];
		proto[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		k++;
	}
	proto[k] = '\0';
	if (k >= n || name[k] != ':')
		return false;
	for (size_t p = 0; p < sizeof protos / sizeof protos[0]; p++)
		if (strcmp(proto, protos[p]) == 0)
			return true;
	return false;
}

/* Decode one UTF-8 sequence; returns its length, 0 when not UTF-8. */
static size_t get_utf8(const uint8_t *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0 && n >= 2 && (s[1] & 0xC0) == 0x80 && s[0] >= 0xC2) {
		*cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		return *cp >= 0x800 ? 3 : 0;
	}
	return 0;
}

static const struct {
	uint32_t cp;
	const char *upper;
} upper_special[] = {
	{0x0131, "I"},  {0x017F, "S"},  {0x00DF, "SS"},  {0xFB00, "FF"}, {0xFB01, "FI"},
	{0xFB02, "FL"}, {0xFB03, "FFI"}, {0xFB04, "FFL"}, {0xFB05, "ST"}, {0xFB06, "ST"},
};

int l4s_case_map(const uint8_t *s, size_t n, bool upper, kb_buf *out, bool *folded)
{
	uint8_t tmp[8];
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t l = get_utf8(s + i, n - i, &cp);
		if (l == 0) {
			if (kb_buf_append(out, s + i, 1) < 0)
				return KB_ELIMIT;
			i++;
			continue;
		}
		const char *rep = NULL;
		size_t w = 0;
		if (cp < 0x80) {
			char c = (char)cp;
			if (upper && c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			else if (!upper && c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			tmp[0] = (uint8_t)c;
			w = 1;
		} else if (upper) {
			for (size_t k = 0; k < sizeof upper_special / sizeof upper_special[0]; k++)
				if (upper_special[k].cp == cp)
					rep = upper_special[k].upper;
			if (!rep) {
				uint32_t u = cp;
				if ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7))
					u = cp - 0x20;
				else if (cp == 0xFF)
					u = 0x178;
				w = put_utf8(tmp, u);
			}
		} else {
			if (cp == 0x212A) {
				rep = "k";
			} else if (cp == 0x212B) {
				w = put_utf8(tmp, 0xE5);
			} else if (cp == 0x0130) {
				rep = "i\xCC\x87"; /* i + U+0307, as Java lower-cases İ */
			} else {
				uint32_t u = cp;
				if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
					u = cp + 0x20;
				w = put_utf8(tmp, u);
			}
		}
		if (rep) {
			if (*rep >= 'A' && *rep <= 'z')
				*folded = true;
			if (kb_buf_puts(out, rep) < 0)
				return KB_ELIMIT;
		} else if (kb_buf_append(out, tmp, w) < 0) {
			return KB_ELIMIT;
		}
		i += l;
	}
	return 0;
}
