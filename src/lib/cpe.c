/*
 * cpe.c - CPE 2.3 formatted strings and CPE 2.2 URIs, as far as matching
 * needs them: part, vendor, product, version (see cpe.h). Parts are split on
 * unescaped ':' and unescaped into a bounded buffer; nothing is allocated.
 */
#include "koban/cpe.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Copy one part starting at *p into out, stopping at an unescaped ':' or the
 * end; returns 0, KB_ELIMIT or KB_EINVAL (a dangling escape). */
static int part(const char **p, bool uri, char *out, kb_error *err, const char *s)
{
	size_t n = 0;
	const char *q = *p;
	while (*q && *q != ':') {
		int c = (unsigned char)*q++;
		if (!uri && c == '\\') {
			if (!*q)
				return kb_error_set(err, KB_EINVAL, NULL, 0, 0, (uint64_t)(q - s), "a CPE name ends in an escape");
			c = (unsigned char)*q++;
		} else if (uri && c == '%') {
			int h = *q ? hexval((unsigned char)q[0]) : -1, l = h >= 0 && q[1] ? hexval((unsigned char)q[1]) : -1;
			if (h < 0 || l < 0)
				return kb_error_set(err, KB_EINVAL, NULL, 0, 0, (uint64_t)(q - s), "expected two hex digits after %%");
			c = h * 16 + l;
			q += 2;
		}
		if (n == KB_CPE_MAX_PART)
			return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, (uint64_t)(q - s),
			                    "a CPE part longer than %d bytes", KB_CPE_MAX_PART);
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
	if (*q == ':')
		q++;
	*p = q;
	return 0;
}

static void wildcard(char *v)
{
	if (strcmp(v, "*") == 0 || strcmp(v, "-") == 0)
		v[0] = '\0';
}

int kb_cpe_parse(const char *s, kb_cpe *ret, kb_error *err)
{
	if (!s)
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, 0, "expected a CPE name");
	bool uri;
	const char *p;
	if (strncasecmp(s, "cpe:2.3:", 8) == 0) {
		uri = false;
		p = s + 8;
	} else if (strncasecmp(s, "cpe:/", 5) == 0) {
		uri = true;
		p = s + 5;
	} else {
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, 0,
		                    "expected a CPE name (\"cpe:2.3:...\" or \"cpe:/...\")");
	}
	kb_cpe c;
	char pt[KB_CPE_MAX_PART + 1];
	int r = part(&p, uri, pt, err, s);
	if (r == 0)
		r = part(&p, uri, c.vendor, err, s);
	if (r == 0)
		r = part(&p, uri, c.product, err, s);
	if (r == 0)
		r = part(&p, uri, c.version, err, s);
	if (r < 0)
		return r;
	wildcard(pt);
	if (pt[0] && (strlen(pt) != 1 || !strchr("aoh", pt[0])))
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, uri ? 5 : 8, "expected part a, o or h, found \"%.16s\"", pt);
	c.part = pt[0];
	wildcard(c.vendor);
	wildcard(c.product);
	wildcard(c.version);
	*ret = c;
	return 0;
}

bool kb_cpe_specific(const kb_cpe *c)
{
	return c->vendor[0] && c->product[0];
}
