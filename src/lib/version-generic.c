/*
 * version-generic.c - the fallback ordering for versions of unknown schemes.
 *
 * The string is read as alternating runs: digit runs compare as numbers
 * (leading zeros ignored, any length: no overflow), other runs compare
 * case-insensitively as text, and separators ('.', '-', '_', '+', ':', '~')
 * only delimit runs. When one version runs out, a following number makes the
 * longer one newer (1.2 < 1.2.1), and a following text run makes it older
 * (1.2 > 1.2rc1), which is what most projects that do not follow a scheme
 * mean by a suffix.
 */
#include "version-internal.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool is_sep(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '+' || c == ':' || c == '~';
}

/* Compare digit runs [a, a+na) and [b, b+nb) as unbounded integers. */
static int cmp_digits(const char *a, size_t na, const char *b, size_t nb)
{
	while (na > 1 && *a == '0')
		a++, na--;
	while (nb > 1 && *b == '0')
		b++, nb--;
	if (na != nb)
		return na < nb ? -1 : 1;
	int c = memcmp(a, b, na);
	return (c > 0) - (c < 0);
}

int kb_vcmp_generic(const char *a, const char *b, int *ret)
{
	for (;;) {
		while (*a && is_sep(*a))
			a++;
		while (*b && is_sep(*b))
			b++;
		if (!*a || !*b) {
			if (!*a && !*b)
				*ret = 0;
			else if (!*a) /* b continues: newer when a number follows, older when text does */
				*ret = isdigit((unsigned char)*b) ? -1 : 1;
			else
				*ret = isdigit((unsigned char)*a) ? 1 : -1;
			return 0;
		}
		bool da = isdigit((unsigned char)*a), db = isdigit((unsigned char)*b);
		if (da != db) { /* a number is newer than text in the same place */
			*ret = da ? 1 : -1;
			return 0;
		}
		size_t na = 0, nb = 0;
		if (da) {
			while (isdigit((unsigned char)a[na]))
				na++;
			while (isdigit((unsigned char)b[nb]))
				nb++;
			int c = cmp_digits(a, na, b, nb);
			if (c) {
				*ret = c;
				return 0;
			}
		} else {
			while (a[na] && !isdigit((unsigned char)a[na]) && !is_sep(a[na]))
				na++;
			while (b[nb] && !isdigit((unsigned char)b[nb]) && !is_sep(b[nb]))
				nb++;
			size_t n = na < nb ? na : nb;
			int c = strncasecmp(a, b, n);
			if (!c && na != nb)
				c = na < nb ? -1 : 1;
			if (c) {
				*ret = (c > 0) - (c < 0);
				return 0;
			}
		}
		a += na;
		b += nb;
	}
}
