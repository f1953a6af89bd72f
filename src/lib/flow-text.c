/*
 * flow-text.c - hand-written number and time parsing for the text flow
 * readers (contract in flow-text.h).
 *
 * Seconds are read as an integer part and at most six fraction digits, each
 * scaled by integer arithmetic, so "1300475167.096535" is exactly
 * 1300475167096535 microseconds (a double would round some of them). The
 * calendar is Howard Hinnant's days_from_civil, which needs no tables and
 * no time zone database.
 */
#include "flow-text.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int kb_ftext_u64(const char *s, size_t n, uint64_t *ret)
{
	if (n == 0 || n > 20)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		/* 19 digits cannot overflow; only the 20th needs the check */
		if (i == 19 && v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int kb_ftext_port(const char *s, size_t n, uint16_t *ret)
{
	if (n == 0 || n > 5)
		return -1;
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*ret = (uint16_t)v;
	return 0;
}

int kb_ftext_secs_us(const char *s, size_t n, int64_t *ret)
{
	size_t i = 0, lim = n < 13 ? n : 13;
	int64_t secs = 0;
	for (; i < lim; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			break;
		secs = secs * 10 + d;
	}
	size_t int_digits = i;
	if (int_digits > 12)
		return -1;
	int64_t frac = 0;
	unsigned frac_digits = 0;
	if (i < n && s[i] == '.') {
		i++;
		size_t start = i;
		for (; i < n; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			if (d > 9)
				break;
			if (frac_digits < 6) {
				frac = frac * 10 + d;
				frac_digits++;
			}
		}
		if (int_digits == 0 && i == start)
			return -1; /* "." alone */
	} else if (int_digits == 0) {
		return -1;
	}
	if (i != n)
		return -1;
	static const int32_t scale[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };
	*ret = secs * 1000000 + frac * scale[frac_digits];
	return 0;
}

int64_t kb_ftext_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Exactly `w` digits at s[*i]; advances *i. */
static bool digits(const char *s, size_t n, size_t *i, unsigned w, unsigned *ret)
{
	if (n - *i < w)
		return false;
	unsigned v = 0;
	for (unsigned k = 0; k < w; k++) {
		char c = s[*i + k];
		if (!is_digit(c))
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*i += w;
	*ret = v;
	return true;
}

static bool expect(const char *s, size_t n, size_t *i, char c)
{
	if (*i >= n || s[*i] != c)
		return false;
	(*i)++;
	return true;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dim[m - 1];
}

int kb_ftext_datetime_us(const char *s, size_t n, bool zone, int64_t *ret)
{
	size_t i = 0;
	unsigned y, mo, d, h, mi, sec;
	if (!digits(s, n, &i, 4, &y) || !expect(s, n, &i, '-') || !digits(s, n, &i, 2, &mo) ||
	    !expect(s, n, &i, '-') || !digits(s, n, &i, 2, &d))
		return -1;
	if (i >= n || (s[i] != 'T' && s[i] != ' '))
		return -1;
	i++;
	if (!digits(s, n, &i, 2, &h) || !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &mi) ||
	    !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &sec))
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -1;
	int64_t frac = 0;
	if (i < n && s[i] == '.') {
		i++;
		unsigned fd = 0;
		size_t start = i;
		while (i < n && is_digit(s[i])) {
			if (fd < 6) {
				frac = frac * 10 + (s[i] - '0');
				fd++;
			}
			i++;
		}
		if (i == start)
			return -1;
		for (; fd < 6; fd++)
			frac *= 10;
	}
	int64_t off_s = 0;
	if (zone && i < n) {
		if (s[i] == 'Z' || s[i] == 'z') {
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			int sign = s[i] == '-' ? -1 : 1;
			unsigned oh, om = 0;
			i++;
			if (!digits(s, n, &i, 2, &oh))
				return -1;
			if (i < n) {
				if (s[i] == ':')
					i++;
				if (!digits(s, n, &i, 2, &om))
					return -1;
			}
			if (oh > 23 || om > 59)
				return -1;
			off_s = sign * (int64_t)(oh * 3600 + om * 60);
		}
	}
	if (i != n)
		return -1;
	int64_t days = kb_ftext_days_from_civil(y, mo, d);
	int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - off_s;
	*ret = t * 1000000 + frac;
	return 0;
}
