/*
 * version-intdot.c - vendor dotted versions (F5 BIG-IP 17.5.1.3).
 *
 * major.minor.maintenance.point: every part is a number compared numerically,
 * and missing trailing parts are 0, so 17.5.1 == 17.5.1.0 < 17.5.1.3. dpkg
 * ordering gets this wrong (it calls 17.5.1 older than 17.5.1.0). Anything
 * after the numeric parts (a hotfix or build tag such as "17.1.1.3-0.0.5" or
 * "17.5.1+build7") never raises the base version; it is compared with the
 * generic ordering only when the numbers are equal, so the base decides.
 */
#include "version-internal.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Read the next numeric part; false at the end of the dotted numbers. */
static bool next_part(const char **s, const char **digits, size_t *n)
{
	const char *p = *s;
	if (*p == '.')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	*digits = p;
	*n = 0;
	while (isdigit((unsigned char)p[*n]))
		(*n)++;
	*s = p + *n;
	return true;
}

static int cmp_num(const char *a, size_t na, const char *b, size_t nb)
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

int kb_vcmp_intdot(const char *a, const char *b, int *ret)
{
	const char *pa = a, *pb = b;
	if (*pa == 'v' || *pa == 'V')
		pa++;
	if (*pb == 'v' || *pb == 'V')
		pb++;
	for (;;) {
		const char *da = "0", *db = "0";
		size_t na = 1, nb = 1;
		bool ha = next_part(&pa, &da, &na), hb = next_part(&pb, &db, &nb);
		if (!ha && !hb)
			break;
		if (!ha)
			da = "0", na = 1;
		if (!hb)
			db = "0", nb = 1;
		int c = cmp_num(da, na, db, nb);
		if (c) {
			*ret = c;
			return 0;
		}
	}
	/* Equal numbers: a tag decides only between otherwise equal versions. */
	if (!*pa || !*pb) {
		*ret = (*pa != 0) - (*pb != 0);
		return 0;
	}
	return kb_vcmp_generic(pa, pb, ret);
}
