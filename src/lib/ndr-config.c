/*
 * ndr-config.c - the configuration of `koban detect` (koban/detect.h):
 * networks (kb_cidr), the built-in internal ranges, the "key = value" file
 * and the time-zone table of ndr-config.h.
 *
 * Networks. A kb_cidr holds its address in the 16-byte kb_ip form, IPv4
 * mapped (::ffff:a.b.c.d), and its prefix counted on that form, so an IPv4
 * /n is stored as /(n + 96) and one bit-prefix comparison serves both
 * families. Host bits given in the text are zeroed ("10.1.2.3/8" is
 * 10.0.0.0/8): the invariant is that bits past `prefix` of `net` are 0.
 *
 * The file. UTF-8 text (a leading byte-order mark is skipped; a NUL byte
 * or a malformed sequence is an error), at most KB_DETECT_CONFIG_MAX_BYTES.
 * Lines end at '\n'; ' ', '\t' and '\r' are white space. A '#' at the start
 * of a line or after white space starts a comment to the end of the line.
 * A line is empty or "key = value" (white space around '=' optional); keys
 * are lower-case and case-sensitive; a value is one or more tokens
 * separated by white space. The list keys (internal, admin_sources) append
 * on every line that names them; every other key may appear once. Errors
 * carry the 1-based line and byte column of the offending token and its
 * byte offset: KB_EPARSE for the shape of a line (no '=', no value, a
 * token too many, bad UTF-8), KB_EINVAL for a token that is not a value of
 * its key (an unknown key too), KB_ELIMIT for the size and count limits.
 * The file is read into a heap copy of the defaults, which replaces *ret
 * only once the whole file has been read.
 *
 * The time-zone table: see ndr-config.h.
 */
#include "ndr-config.h"

#include "flow-text.h"
#include "util-file.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define V4_PREFIX_BITS 96
#define COUNT_MAX 1000000000u  /* largest count threshold accepted */
#define SHOW_MAX 40            /* bytes of an offending token quoted in a message */

/* ---- networks ----------------------------------------------------------------------- */

static void cidr_mask(kb_ip *a, unsigned prefix)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
		a->b[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int kb_cidr_parse(const char *s, size_t len, kb_cidr *ret)
{
	if (!s || len == 0)
		return KB_EINVAL;
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	kb_ip a;
	if (kb_ip_parse(s, alen, &a) != 0)
		return KB_EINVAL;
	/* An IPv4 literal is the only kind with no ':'; its prefix counts on the v4 form. */
	bool v4_text = memchr(s, ':', alen) == NULL;
	unsigned max = v4_text ? 32 : 128, prefix = max;
	if (slash) {
		const char *p = slash + 1, *end = s + len;
		size_t n = (size_t)(end - p);
		if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
			return KB_EINVAL;
		prefix = 0;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return KB_EINVAL;
			prefix = prefix * 10 + (unsigned)(*p - '0');
		}
		if (prefix > max)
			return KB_EINVAL;
	}
	if (v4_text)
		prefix += V4_PREFIX_BITS;
	cidr_mask(&a, prefix);
	ret->net = a;
	ret->prefix = (uint8_t)prefix;
	return 0;
}

bool kb_cidr_contains(const kb_cidr *c, const kb_ip *a)
{
	if (c->prefix > 128)
		return false;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(c->net.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (a->b[full] & mask) == c->net.b[full];
}

#define V4NET(a, b, c, d, n) { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d } }, (n) + V4_PREFIX_BITS }

static const kb_cidr builtin_internal[] = {
	V4NET(10, 0, 0, 0, 8),      /* RFC 1918 */
	V4NET(172, 16, 0, 0, 12),
	V4NET(192, 168, 0, 0, 16),
	V4NET(100, 64, 0, 0, 10),   /* RFC 6598 shared address space */
	V4NET(127, 0, 0, 0, 8),     /* loopback */
	V4NET(169, 254, 0, 0, 16),  /* link-local */
	{ { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } }, 128 }, /* ::1 */
	{ { { 0xfe, 0x80 } }, 10 },  /* fe80::/10 link-local */
	{ { { 0xfc } }, 7 },         /* fc00::/7 unique local */
};

bool kb_detect_is_internal(const kb_detect_config *c, const kb_ip *a)
{
	for (size_t i = 0; i < sizeof builtin_internal / sizeof builtin_internal[0]; i++)
		if (kb_cidr_contains(&builtin_internal[i], a))
			return true;
	if (!c)
		return false;
	for (size_t i = 0; i < c->n_internal && i < KB_DETECT_MAX_NETS; i++)
		if (kb_cidr_contains(&c->internal[i], a))
			return true;
	return false;
}

void kb_detect_config_default(kb_detect_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->timezone, sizeof c->timezone, "UTC");
	c->business_days = 0x3e; /* Monday (1) to Friday (5) */
	c->business_start = 8 * 60;
	c->business_end = 18 * 60;
	c->beacon_min_score = 70;
	c->fanout_min_hosts = 10;
	c->scan_min_targets = 50;
	c->upload_min_bytes = 100000000;
	c->long_conn_min_s = 3600;
	c->dns_min_subdomains = 100;
	c->rare_port_max_sources = 2;
	c->report_min_priority = 30;
}

/* ---- time zones --------------------------------------------------------------------- */

static bool tz_name_ok(const char *z, size_t n)
{
	if (n == 0 || n >= sizeof(((kb_detect_config *)0)->timezone) || z[0] == '/' || z[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = z[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		          ch == '/' || ch == '_' || ch == '-' || ch == '+';
		if (!ok || (ch == '/' && z[i + 1] == '/'))
			return false;
	}
	return true;
}

bool ndr_tz_known(const char *zone)
{
	if (!zone)
		return false;
	if (strcmp(zone, "UTC") == 0)
		return true;
	size_t n = strlen(zone);
	if (!tz_name_ok(zone, n))
		return false;
	char path[sizeof NDR_ZONEINFO_DIR + 1 + 64];
	snprintf(path, sizeof path, "%s/%s", NDR_ZONEINFO_DIR, zone);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return false;
	struct stat sb;
	char magic[4];
	bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && read(fd, magic, 4) == 4 &&
	          memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

struct ndr_tz_table {
	int64_t first_hour; /* the UTC hour (seconds / 3600, floored) of off[0] */
	size_t n;           /* >= 1 */
	int32_t off[];      /* off[i]: seconds east of UTC during hour first_hour + i */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Under the caller's lock: switch TZ to `zone`, sample, switch back. */
static int tz_sample(const char *zone, ndr_tz_table *t)
{
	const char *old = getenv("TZ");
	char *saved = NULL;
	if (old && !(saved = strdup(old)))
		return KB_ENOMEM;
	char tz[sizeof NDR_ZONEINFO_DIR + 2 + 64];
	snprintf(tz, sizeof tz, ":%s/%s", NDR_ZONEINFO_DIR, zone);
	int rc = 0;
	if (setenv("TZ", tz, 1) != 0) {
		free(saved);
		return KB_ENOMEM;
	}
	tzset();
	for (size_t i = 0; i < t->n; i++) {
		time_t at = (time_t)((t->first_hour + (int64_t)i) * 3600);
		struct tm tm;
		if (!localtime_r(&at, &tm)) {
			rc = KB_EINVAL;
			break;
		}
		t->off[i] = (int32_t)tm.tm_gmtoff;
	}
	if (saved)
		setenv("TZ", saved, 1); /* the old value fitted before; a failure here cannot grow it */
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	return rc;
}

int ndr_tz_table_new(const char *zone, int64_t since_s, int64_t until_s, ndr_tz_table **ret)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	if (!ndr_tz_known(zone) || since_s > until_s || since_s < -NDR_TZ_TIME_MAX || until_s > NDR_TZ_TIME_MAX)
		return KB_EINVAL;
	int64_t lo = floor_div(since_s, 3600), hi = floor_div(until_s, 3600);
	bool utc = strcmp(zone, "UTC") == 0; /* one hour, offset 0, whatever the span */
	if (!utc && hi - lo >= NDR_TZ_MAX_HOURS)
		return KB_ELIMIT;
	size_t n = utc ? 1 : (size_t)(hi - lo + 1);
	ndr_tz_table *t = calloc(1, sizeof *t + n * sizeof t->off[0]);
	if (!t)
		return KB_ENOMEM;
	t->first_hour = lo;
	t->n = n;
	if (!utc) {
		pthread_mutex_lock(&lock);
		int rc = tz_sample(zone, t);
		pthread_mutex_unlock(&lock);
		if (rc != 0) {
			free(t);
			return rc;
		}
	}
	*ret = t;
	return 0;
}

void ndr_tz_table_free(ndr_tz_table *t)
{
	free(t);
}

int32_t ndr_tz_offset(const ndr_tz_table *t, int64_t utc_s)
{
	int64_t i = floor_div(utc_s, 3600) - t->first_hour;
	if (i < 0)
		i = 0;
	if ((uint64_t)i >= t->n)
		i = (int64_t)t->n - 1;
	return t->off[i];
}

int ndr_local_minute_of_week(const ndr_tz_table *t, int64_t utc_s, int *ret_wday, int *ret_minute)
{
	if (utc_s > NDR_TZ_TIME_MAX)
		utc_s = NDR_TZ_TIME_MAX;
	else if (utc_s < -NDR_TZ_TIME_MAX)
		utc_s = -NDR_TZ_TIME_MAX;
	int64_t local = utc_s + ndr_tz_offset(t, utc_s);
	int64_t days = floor_div(local, 86400);
	int wday = (int)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	int minute = (int)((local - days * 86400) / 60);
	if (ret_wday)
		*ret_wday = wday;
	if (ret_minute)
		*ret_minute = minute;
	return wday * 1440 + minute;
}

bool ndr_business_hours(const kb_detect_config *c, const ndr_tz_table *t, int64_t utc_s)
{
	int wday, minute;
	ndr_local_minute_of_week(t, utc_s, &wday, &minute);
	return (c->business_days >> wday & 1) && minute >= c->business_start && minute < c->business_end;
}

/* ---- the file ----------------------------------------------------------------------- */

typedef struct tok {
	const char *s;
	size_t n;
} tok;

typedef struct pctx {
	const char *name;
	const char *text;
	const char *line_start;
	uint64_t line;
	kb_error *err;
} pctx;

static int fail(const pctx *p, int code, const char *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(const pctx *p, int code, const char *at, const char *fmt, ...)
{
	char msg[KB_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return kb_error_set(p->err, code, p->name, p->line, (uint64_t)(at - p->line_start) + 1,
	                    (uint64_t)(at - p->text), "%s", msg);
}

/* The token for a message: printable ASCII, others as '?', at most SHOW_MAX bytes. */
static const char *show(tok t, char buf[SHOW_MAX + 4])
{
	size_t n = t.n < SHOW_MAX ? t.n : SHOW_MAX, i;
	for (i = 0; i < n; i++)
		buf[i] = (t.s[i] >= 0x20 && t.s[i] < 0x7f) ? t.s[i] : '?';
	if (t.n > SHOW_MAX)
		for (int k = 0; k < 3; k++)
			buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Length of the well-formed UTF-8 prefix of [s, s + n) with no NUL. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return i;
		if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return i;
		i += k + 1;
	}
	return i;
}

/* The tokens of a value: [*pos, end) split on white space. */
static bool next_tok(const char **pos, const char *end, tok *ret)
{
	const char *p = *pos;
	while (p < end && is_space(*p))
		p++;
	if (p == end) {
		*pos = p;
		return false;
	}
	const char *s = p;
	while (p < end && !is_space(*p))
		p++;
	ret->s = s;
	ret->n = (size_t)(p - s);
	*pos = p;
	return true;
}

static bool tok_is(tok t, const char *lit)
{
	size_t n = strlen(lit);
	return t.n == n && memcmp(t.s, lit, n) == 0;
}

typedef enum vkind {
	V_NETS,     /* internal: appends */
	V_ADMINS,   /* admin_sources: appends */
	V_TIMEZONE,
	V_BUSINESS,
	V_BASELINE,
	V_PERCENT,  /* 0..100, optional '%' */
	V_COUNT,    /* min..COUNT_MAX */
	V_BYTES,    /* 1.., with a unit */
	V_SECONDS,  /* 1..UINT_MAX, with a unit */
} vkind;

typedef struct key_def {
	const char *name;
	vkind kind;
	size_t off;         /* of the unsigned field (V_PERCENT, V_COUNT, V_SECONDS) */
	unsigned min;       /* V_COUNT */
} key_def;

#define FIELD(f) offsetof(kb_detect_config, f)

static const key_def keys[] = {
	{ "internal", V_NETS, 0, 0 },
	{ "timezone", V_TIMEZONE, 0, 0 },
	{ "business_hours", V_BUSINESS, 0, 0 },
	{ "admin_sources", V_ADMINS, 0, 0 },
	{ "baseline", V_BASELINE, 0, 0 },
	{ "beacon_min_score", V_PERCENT, FIELD(beacon_min_score), 0 },
	{ "fanout_min_hosts", V_COUNT, FIELD(fanout_min_hosts), 1 },
	{ "scan_min_targets", V_COUNT, FIELD(scan_min_targets), 1 },
	{ "upload_min_bytes", V_BYTES, 0, 0 },
	{ "long_conn_min_s", V_SECONDS, FIELD(long_conn_min_s), 0 },
	{ "dns_min_subdomains", V_COUNT, FIELD(dns_min_subdomains), 1 },
	{ "rare_port_max_sources", V_COUNT, FIELD(rare_port_max_sources), 0 },
	{ "report_min_priority", V_PERCENT, FIELD(report_min_priority), 0 },
};

#define N_KEYS (sizeof keys / sizeof keys[0])

static const char *const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static int day_of(const char *s, size_t n)
{
	if (n != 3)
		return -1;
	for (int d = 0; d < 7; d++) {
		int k = 0;
		while (k < 3 && (s[k] | 0x20) == day_names[d][k])
			k++;
		if (k == 3)
			return d;
	}
	return -1;
}

/* "daily", or a ','-list of days ("Mon") and ranges ("Mon-Fri", wrapping past Saturday). */
static int parse_days(const pctx *p, tok t, uint8_t *ret)
{
	char sb[SHOW_MAX + 4];
	if (tok_is(t, "daily")) {
		*ret = 0x7f;
		return 0;
	}
	uint8_t days = 0;
	const char *s = t.s, *end = t.s + t.n;
	while (true) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;
		const char *dash = memchr(s, '-', (size_t)(e - s));
		int a = day_of(s, (size_t)((dash ? dash : e) - s));
		int b = dash ? day_of(dash + 1, (size_t)(e - dash - 1)) : a;
		if (a < 0 || b < 0)
			return fail(p, KB_EINVAL, s,
			            "expected days such as Mon-Fri, Mon,Tue,Sat or daily (Sun Mon Tue Wed Thu Fri Sat); got '%s'",
			            show((tok){ s, (size_t)(e - s) }, sb));
		for (int d = a;; d = (d + 1) % 7) {
			days |= (uint8_t)(1u << d);
			if (d == b)
				break;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	*ret = days;
	return 0;
}

static bool two_digits(const char *s, unsigned *ret)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*ret = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	return true;
}

/* "HH:MM" (00:00..24:00) to minutes after midnight. */
static bool parse_hhmm(const char *s, unsigned *ret)
{
	unsigned h, m;
	if (!two_digits(s, &h) || s[2] != ':' || !two_digits(s + 3, &m) || m > 59 || h > 24 || (h == 24 && m))
		return false;
	*ret = h * 60 + m;
	return true;
}

static int parse_hours(const pctx *p, tok t, uint16_t *ret_start, uint16_t *ret_end)
{
	char sb[SHOW_MAX + 4];
	unsigned a, b;
	if (t.n != 11 || t.s[5] != '-' || !parse_hhmm(t.s, &a) || !parse_hhmm(t.s + 6, &b))
		return fail(p, KB_EINVAL, t.s, "expected hours such as 08:00-18:00 (00:00 to 24:00); got '%s'", show(t, sb));
	if (a >= b)
		return fail(p, KB_EINVAL, t.s, "expected the start of business hours before their end; got '%s'", show(t, sb));
	*ret_start = (uint16_t)a;
	*ret_end = (uint16_t)b;
	return 0;
}

/* A time from 1970 on: "YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]" (UTC without a zone) or a date. */
static int parse_instant(const pctx *p, tok t, int64_t *ret)
{
	char sb[SHOW_MAX + 4];
	int64_t us;
	bool ok;
	if (t.n == 10) {
		char buf[20];
		memcpy(buf, t.s, 10);
		memcpy(buf + 10, "T00:00:00", 9);
		ok = kb_ftext_datetime_us(buf, 19, false, &us) == 0;
	} else {
		ok = memchr(t.s, ' ', t.n) == NULL && kb_ftext_datetime_us(t.s, t.n, true, &us) == 0;
	}
	if (!ok || us < 0)
		return fail(p, KB_EINVAL, t.s,
		            "expected a time from 1970 on such as 2026-11-19T00:00:00Z, or a date such as 2026-11-19; got '%s'",
		            show(t, sb));
	*ret = us;
	return 0;
}

/* Digits then a unit from `units` (NULL-terminated pairs of suffix and multiplier). */
typedef struct unit {
	const char *suffix;
	uint64_t mult;
} unit;

static const unit byte_units[] = {
	{ "", 1 }, { "B", 1 },
	{ "k", 1000 }, { "K", 1000 }, { "kB", 1000 }, { "KB", 1000 },
	{ "M", 1000000 }, { "MB", 1000000 },
	{ "G", 1000000000 }, { "GB", 1000000000 },
	{ "T", 1000000000000 }, { "TB", 1000000000000 },
	{ "KiB", 1024 }, { "MiB", 1024 * 1024 }, { "GiB", 1024 * 1024 * 1024 },
	{ "TiB", (uint64_t)1024 * 1024 * 1024 * 1024 },
	{ NULL, 0 },
};

static const unit time_units[] = {
	{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
	{ NULL, 0 },
};

/* 0, or -1 when the text is no number with one of the units, or it overflows uint64_t. */
static int number_with_unit(tok t, const unit *units, uint64_t *ret)
{
	size_t nd = 0;
	while (nd < t.n && t.s[nd] >= '0' && t.s[nd] <= '9')
		nd++;
	uint64_t v;
	if (kb_ftext_u64(t.s, nd, &v) != 0)
		return -1;
	tok rest = { t.s + nd, t.n - nd };
	for (const unit *u = units; u->suffix; u++) {
		if (!tok_is(rest, u->suffix))
			continue;
		if (v > UINT64_MAX / u->mult)
			return -1;
		*ret = v * u->mult;
		return 0;
	}
	return -1;
}

static int parse_value(const pctx *p, const key_def *k, tok key, const char *vpos, const char *vend,
                       kb_detect_config *c)
{
	char sb[SHOW_MAX + 4], sb2[SHOW_MAX + 4];
	tok t[3];
	size_t nt = 0;
	const char *pos = vpos;
	bool list = k->kind == V_NETS || k->kind == V_ADMINS;
	size_t want = (k->kind == V_BUSINESS || k->kind == V_BASELINE) ? 2 : 1;

	if (list) {
		size_t *count = k->kind == V_NETS ? &c->n_internal : &c->n_admins;
		kb_cidr *arr = k->kind == V_NETS ? c->internal : c->admins;
		size_t max = k->kind == V_NETS ? KB_DETECT_MAX_NETS : KB_DETECT_MAX_ADMINS;
		while (next_tok(&pos, vend, &t[0])) {
			nt++;
			kb_cidr net;
			if (kb_cidr_parse(t[0].s, t[0].n, &net) != 0)
				return fail(p, KB_EINVAL, t[0].s,
				            "expected an address or a network such as 10.0.0.0/8 or fd00::/8; got '%s'",
				            show(t[0], sb));
			if (*count >= max)
				return fail(p, KB_ELIMIT, t[0].s, "more than %zu %s (%s)", max,
				            k->kind == V_NETS ? "internal networks" : "admin sources",
				            k->kind == V_NETS ? "KB_DETECT_MAX_NETS" : "KB_DETECT_MAX_ADMINS");
			arr[(*count)++] = net;
		}
		if (nt == 0)
			return fail(p, KB_EPARSE, pos, "expected a value for '%s'", show(key, sb));
		return 0;
	}

	while (nt < want && next_tok(&pos, vend, &t[nt]))
		nt++;
	if (nt < want)
		return fail(p, KB_EPARSE, pos, "%s for '%s'",
		            k->kind == V_BUSINESS ? (nt ? "expected hours such as 08:00-18:00 after the days"
		                                        : "expected days and hours such as Mon-Fri 08:00-18:00")
		            : k->kind == V_BASELINE ? (nt ? "expected the end of the baseline after its start"
		                                          : "expected the baseline's start and end times")
		                                    : "expected a value",
		            show(key, sb));
	if (next_tok(&pos, vend, &t[nt]))
		return fail(p, KB_EPARSE, t[nt].s, "expected the end of the line after the value of '%s'; got '%s'",
		            show(key, sb), show(t[nt], sb2));

	int rc;
	uint64_t v;
	unsigned *field = k->off ? (unsigned *)(void *)((char *)c + k->off) : NULL;
	switch (k->kind) {
	case V_TIMEZONE: {
		char zone[sizeof c->timezone];
		bool ok = t[0].n < sizeof zone;
		if (ok) {
			memcpy(zone, t[0].s, t[0].n);
			zone[t[0].n] = '\0';
			ok = ndr_tz_known(zone);
		}
		if (!ok)
			return fail(p, KB_EINVAL, t[0].s,
			            "unknown time zone '%s': expected UTC or a name under %s such as Europe/Berlin",
			            show(t[0], sb), NDR_ZONEINFO_DIR);
		memcpy(c->timezone, zone, t[0].n + 1);
		return 0;
	}
	case V_BUSINESS: {
		uint8_t days = 0;
		uint16_t a = 0, b = 0;
		if ((rc = parse_days(p, t[0], &days)) != 0 || (rc = parse_hours(p, t[1], &a, &b)) != 0)
			return rc;
		c->business_days = days;
		c->business_start = a;
		c->business_end = b;
		return 0;
	}
	case V_BASELINE: {
		int64_t a = 0, b = 0;
		if ((rc = parse_instant(p, t[0], &a)) != 0 || (rc = parse_instant(p, t[1], &b)) != 0)
			return rc;
		if (a >= b)
			return fail(p, KB_EINVAL, t[1].s, "expected the end of the baseline after its start; got '%s'",
			            show(t[1], sb));
		c->baseline_since_us = a;
		c->baseline_until_us = b;
		return 0;
	}
	case V_PERCENT: {
		tok d = t[0];
		if (d.n > 1 && d.s[d.n - 1] == '%')
			d.n--;
		if (kb_ftext_u64(d.s, d.n, &v) != 0 || v > 100)
			return fail(p, KB_EINVAL, t[0].s, "expected a percentage from 0 to 100; got '%s'", show(t[0], sb));
		*field = (unsigned)v;
		return 0;
	}
	case V_COUNT:
		if (kb_ftext_u64(t[0].s, t[0].n, &v) != 0 || v < k->min || v > COUNT_MAX)
			return fail(p, KB_EINVAL, t[0].s, "expected a whole number from %u to %u; got '%s'", k->min,
			            COUNT_MAX, show(t[0], sb));
		*field = (unsigned)v;
		return 0;
	case V_BYTES:
		if (number_with_unit(t[0], byte_units, &v) != 0 || v == 0)
			return fail(p, KB_EINVAL, t[0].s,
			            "expected a byte count of at least 1 such as 100000000, 100M or 512MiB "
			            "(units B, k, M, G, T, KiB, MiB, GiB, TiB); got '%s'",
			            show(t[0], sb));
		c->upload_min_bytes = v;
		return 0;
	case V_SECONDS:
		if (number_with_unit(t[0], time_units, &v) != 0 || v == 0 || v > UINT_MAX)
			return fail(p, KB_EINVAL, t[0].s,
			            "expected a duration of at least 1 s such as 3600, 90s, 30m, 1h or 2d; got '%s'",
			            show(t[0], sb));
		*field = (unsigned)v;
		return 0;
	case V_NETS:
	case V_ADMINS:
		break;
	}
	return KB_EINVAL;
}

/* One line [s, e) without its '\n'. seen[i]: the line key i was set on, 0 if not yet. */
static int parse_line(pctx *p, const char *s, const char *e, uint64_t seen[N_KEYS], kb_detect_config *c)
{
	char sb[SHOW_MAX + 4];
	size_t valid = utf8_valid((const unsigned char *)s, (size_t)(e - s));
	if (valid < (size_t)(e - s))
		return fail(p, KB_EPARSE, s + valid, "%s",
		            s[valid] ? "expected UTF-8 text: a malformed byte sequence" : "expected text: a NUL byte");
	for (const char *q = s; q < e; q++)
		if (*q == '#' && (q == s || is_space(q[-1]))) {
			e = q;
			break;
		}
	const char *pos = s;
	while (pos < e && is_space(*pos))
		pos++;
	if (pos == e)
		return 0;
	tok key = { pos, 0 };
	while (pos < e && !is_space(*pos) && *pos != '=')
		pos++;
	key.n = (size_t)(pos - key.s);
	while (pos < e && is_space(*pos))
		pos++;
	if (key.n == 0)
		return fail(p, KB_EPARSE, key.s, "expected a key before '='");
	if (pos == e || *pos != '=')
		return fail(p, KB_EPARSE, pos, "expected '=' after the key '%s'", show(key, sb));
	pos++;
	size_t ki = 0;
	while (ki < N_KEYS && !tok_is(key, keys[ki].name))
		ki++;
	if (ki == N_KEYS)
		return fail(p, KB_EINVAL, key.s,
		            "unknown key '%s': expected internal, timezone, business_hours, admin_sources, baseline, "
		            "beacon_min_score, fanout_min_hosts, scan_min_targets, upload_min_bytes, long_conn_min_s, "
		            "dns_min_subdomains, rare_port_max_sources or report_min_priority",
		            show(key, sb));
	const key_def *k = &keys[ki];
	if (seen[ki] && k->kind != V_NETS && k->kind != V_ADMINS)
		return fail(p, KB_EINVAL, key.s, "'%s' is set twice: expected it once (first on line %llu)", k->name,
		            (unsigned long long)seen[ki]);
	seen[ki] = p->line;
	return parse_value(p, k, key, pos, e, c);
}

int kb_detect_config_parse(const char *name, const char *text, size_t len, kb_detect_config *ret, kb_error *err)
{
	if (len > KB_DETECT_CONFIG_MAX_BYTES)
		return kb_error_set(err, KB_ELIMIT, name, 0, 0, KB_NO_OFFSET,
		                    "%zu bytes: more than the limit of %u (KB_DETECT_CONFIG_MAX_BYTES) for a detect "
		                    "configuration",
		                    len, KB_DETECT_CONFIG_MAX_BYTES);
	if (!text && len)
		return kb_error_set(err, KB_EINVAL, name, 0, 0, KB_NO_OFFSET, "no text");
	kb_detect_config *c = malloc(sizeof *c);
	if (!c)
		return kb_error_set(err, KB_ENOMEM, name, 0, 0, KB_NO_OFFSET, "out of memory");
	kb_detect_config_default(c);
	pctx p = { name, text, text, 0, err };
	uint64_t seen[N_KEYS] = { 0 };
	const char *s = text, *end = text + len;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	int rc = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		p.line++;
		p.line_start = s;
		if ((rc = parse_line(&p, s, e, seen, c)) != 0)
			break;
		s = nl ? nl + 1 : end;
	}
	if (rc == 0)
		memcpy(ret, c, sizeof *c);
	free(c);
	return rc;
}

int kb_detect_config_load(const char *path, kb_detect_config *ret, kb_error *err)
{
	char *text;
	size_t len;
	int rc = kb_file_read_whole(path, KB_DETECT_CONFIG_MAX_BYTES, "detect configuration", &text, &len, err);
	if (rc != 0)
		return rc;
	rc = kb_detect_config_parse(path, text, len, ret, err);
	free(text);
	return rc;
}
