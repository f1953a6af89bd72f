/*
 * hunt-fields.c - fields of one log line (the contract and the JSON key
 * aliases are in koban/huntfields.h).
 *
 * Each format is one parser over a cursor [p, end) that either fills a
 * kb_hunt_fields and returns true, or returns false having promised nothing
 * (the caller zeroes the struct again before the next try). Parsers never
 * read past `end`, never allocate and never write into the line, so every
 * field is a span of it. The per-file state is the last format that parsed
 * (tried first) and the W3C column map from the latest #Fields: directive.
 *
 * Quoted CLF fields are ended by context, not by the first quote, because
 * attackers put quotes in requests and user agents: the request ends at the
 * first `" NNN ` (quote, status, space), the referer at `" "`, the user agent
 * at a quote followed by the end of the line or by ` "` (another quoted
 * field), and a backslash always escapes the next byte (Apache writes \").
 */
#include "koban/huntfields.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum w3c_col {
	W_OTHER = 0, W_DATE, W_TIME, W_CLIENT, W_METHOD, W_STEM, W_QUERY, W_UA, W_REFERER,
	W_STATUS, W_HOST, W_SERVER, W_PROTO,
};

struct kb_hunt_fields_state {
	kb_log_format last;
	size_t ncols;                 /* 0: no #Fields: seen */
	uint8_t cols[KB_HUNT_W3C_MAX_FIELDS];
};

const char *kb_log_format_name(kb_log_format f)
{
	switch (f) {
	case KB_LOG_NONE: return "none";
	case KB_LOG_CLF: return "clf";
	case KB_LOG_JSON: return "json";
	case KB_LOG_SYSLOG3164: return "syslog3164";
	case KB_LOG_SYSLOG5424: return "syslog5424";
	case KB_LOG_W3C: return "w3c";
	}
	return "none";
}

kb_hunt_fields_state *kb_hunt_fields_state_new(void)
{
	return calloc(1, sizeof(kb_hunt_fields_state));
}

kb_hunt_fields_state *kb_hunt_fields_state_free(kb_hunt_fields_state *st)
{
	free(st);
	return NULL;
}

kb_log_format kb_hunt_fields_state_format(const kb_hunt_fields_state *st)
{
	return st->last;
}

/* ---- small helpers -------------------------------------------------------- */

static kb_hunt_str span(const char *a, const char *b)
{
	kb_hunt_str s = { a, (size_t)(b - a) };
	return s;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool eq_ci(kb_hunt_str s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != lit[i])
			return false;
	return true;
}

static bool in_list(kb_hunt_str s, const char *const *list)
{
	for (; *list; list++)
		if (eq_ci(s, *list))
			return true;
	return false;
}

/* `n` digits at p (p + n <= end) as a number, or -1. */
static int num(const char *p, const char *end, int n)
{
	if (end - p < n)
		return -1;
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int month_of(const char *p, const char *end)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	if (end - p < 3)
		return -1;
	for (int m = 0; m < 12; m++)
		if (lower(p[0]) == names[3 * m] && lower(p[1]) == names[3 * m + 1] && lower(p[2]) == names[3 * m + 2])
			return m + 1;
	return -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool valid_ymdhms(int y, int mo, int d, int h, int mi, int s)
{
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 &&
	       mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

static int64_t to_epoch(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* A zone at p: Z, +hh:mm, +hhmm, +hh. Sets *ret_secs (east positive); returns bytes used, -1 if none. */
static int zone(const char *p, const char *end, int *ret_secs)
{
	if (p < end && (*p == 'Z' || *p == 'z')) {
		*ret_secs = 0;
		return 1;
	}
	if (p >= end || (*p != '+' && *p != '-'))
		return -1;
	int sign = *p == '-' ? -1 : 1;
	int h = num(p + 1, end, 2);
	if (h < 0 || h > 23)
		return -1;
	int used = 3, m = 0;
	if (p + used < end && p[used] == ':') {
		if ((m = num(p + used + 1, end, 2)) < 0)
			return -1;
		used += 3;
	} else if ((m = num(p + used, end, 2)) >= 0) {
		used += 2;
	} else {
		m = 0;
	}
	if (m > 59)
		return -1;
	*ret_secs = sign * (h * 3600 + m * 60);
	return used;
}

/* ISO 8601 / RFC 3339 at the start of s: "YYYY-MM-DDThh:mm:ss[.frac][zone]",
 * also with a space for the T when `space_ok`. */
static bool iso_time_sep(kb_hunt_str s, bool space_ok, int64_t *ret, size_t *ret_used)
{
	const char *p = s.p, *end = s.p + s.len;
	if (s.len < 19)
		return false;
	int y = num(p, end, 4), mo = num(p + 5, end, 2), d = num(p + 8, end, 2);
	if (y < 0 || mo < 0 || d < 0 || p[4] != '-' || p[7] != '-' ||
	    (p[10] != 'T' && p[10] != 't' && !(space_ok && p[10] == ' ')) || p[13] != ':' || p[16] != ':')
		return false;
	int h = num(p + 11, end, 2), mi = num(p + 14, end, 2), sec = num(p + 17, end, 2);
	if (!valid_ymdhms(y, mo, d, h, mi, sec))
		return false;
	const char *q = p + 19;
	if (q < end && (*q == '.' || *q == ',')) {
		q++;
		while (q < end && is_digit(*q))
			q++;
	}
	int off = 0, used = zone(q, end, &off);
	if (used > 0)
		q += used;
	*ret = to_epoch(y, mo, d, h, mi, sec) - off;
	if (ret_used)
		*ret_used = (size_t)(q - p);
	return true;
}

static bool iso_time(kb_hunt_str s, int64_t *ret, size_t *ret_used)
{
	return iso_time_sep(s, true, ret, ret_used);
}

/* CLF: "10/Dec/2021:10:00:00 +0000". */
static bool clf_time(kb_hunt_str s, int64_t *ret)
{
	const char *p = s.p, *end = s.p + s.len;
	if (s.len < 20)
		return false;
	int d = num(p, end, 2), mo = month_of(p + 3, end), y = num(p + 7, end, 4);
	if (d < 0 || mo < 0 || y < 0 || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':')
		return false;
	int h = num(p + 12, end, 2), mi = num(p + 15, end, 2), sec = num(p + 18, end, 2);
	if (!valid_ymdhms(y, mo, d, h, mi, sec))
		return false;
	int off = 0;
	if (s.len >= 21 && p[20] == ' ' && zone(p + 21, end, &off) < 0)
		off = 0;
	*ret = to_epoch(y, mo, d, h, mi, sec) - off;
	return true;
}

static void set_status(kb_hunt_fields *f, kb_hunt_str s)
{
	if (s.len == 3 && is_digit(s.p[0]) && is_digit(s.p[1]) && is_digit(s.p[2]))
		f->status = (s.p[0] - '0') * 100 + (s.p[1] - '0') * 10 + (s.p[2] - '0');
}

/* "METHOD URI[ PROTOCOL]" into method, uri, protocol. */
static void split_request(kb_hunt_fields *f, kb_hunt_str r)
{
	const char *p = r.p, *end = r.p + r.len;
	const char *sp = memchr(p, ' ', r.len);
	if (!sp || sp == p)
		return;
	for (const char *c = p; c < sp; c++)
		if (!((*c >= 'A' && *c <= 'Z') || *c == '-' || *c == '_'))
			return;
	f->method = span(p, sp);
	const char *u = sp + 1;
	const char *last = end;
	while (last > u && last[-1] != ' ')
		last--;
	if (last > u && end - last >= 5 && memcmp(last, "HTTP/", 5) == 0) {
		f->uri = span(u, last - 1);
		f->protocol = span(last, end);
	} else {
		f->uri = span(u, end);
	}
}

/* ---- CLF -------------------------------------------------------------------- */

static const char *token_end(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	return p;
}

/* A quoted field starting at q ('"'), ended by `stop`; returns the closing quote or NULL. */
typedef bool (*quote_stop)(const char *q, const char *end);

static const char *quoted(const char *q, const char *end, quote_stop stop)
{
	for (const char *p = q + 1; p < end; p++) {
		if (*p == '\\') {
			p++;
			continue;
		}
		if (*p == '"' && stop(p, end))
			return p;
	}
	return NULL;
}

static bool stop_request(const char *q, const char *end)
{
	/* `" NNN ` or `" NNN` at the end, or `" -` */
	if (end - q >= 5 && q[1] == ' ' && is_digit(q[2]) && is_digit(q[3]) && is_digit(q[4]))
		return end - q == 5 || q[5] == ' ';
	return end - q >= 3 && q[1] == ' ' && q[2] == '-';
}

static bool stop_referer(const char *q, const char *end)
{
	return end - q == 1 || (end - q >= 3 && q[1] == ' ' && q[2] == '"');
}

static bool stop_last(const char *q, const char *end)
{
	return end - q == 1 || (end - q >= 3 && q[1] == ' ' && (q[2] == '"' || q[2] == '-'));
}

static bool parse_clf(const char *line, size_t len, kb_hunt_fields *f)
{
	const char *p = line, *end = line + len;
	const char *host_end = token_end(p, end);
	if (host_end == p || host_end >= end)
		return false;
	kb_hunt_str client = span(p, host_end);
	/* ident and authuser (authuser may be quoted or hold spaces in odd setups: up to " [") */
	const char *lb = memchr(host_end, '[', (size_t)(end - host_end));
	if (!lb || lb[-1] != ' ')
		return false;
	const char *rb = memchr(lb, ']', (size_t)(end - lb));
	if (!rb || rb + 2 >= end || rb[1] != ' ' || rb[2] != '"')
		return false;
	kb_hunt_str t = span(lb + 1, rb);
	int64_t ep;
	if (!clf_time(t, &ep))
		return false;
	const char *rq = rb + 2;
	const char *rq_end = quoted(rq, end, stop_request);
	if (!rq_end)
		return false;
	f->format = KB_LOG_CLF;
	f->client = client;
	f->time = t;
	f->epoch = ep;
	f->has_epoch = true;
	f->request = span(rq + 1, rq_end);
	split_request(f, f->request);
	p = rq_end + 2;
	const char *st_end = token_end(p, end);
	set_status(f, span(p, st_end));
	p = st_end;
	if (p < end)
		p = token_end(p + 1, end); /* bytes */
	if (p + 1 < end && p[1] == '"') {
		const char *ref = p + 1, *ref_end = quoted(ref, end, stop_referer);
		if (ref_end) {
			f->referer = span(ref + 1, ref_end);
			if (ref_end + 2 < end && ref_end[2] == '"') {
				const char *ua = ref_end + 2, *ua_end = quoted(ua, end, stop_last);
				if (ua_end)
					f->user_agent = span(ua + 1, ua_end);
			}
		}
	}
	return true;
}

/* ---- JSON ------------------------------------------------------------------- */

typedef struct jscan {
	const char *p, *end;
	kb_hunt_fields *f;
} jscan;

static void jws(jscan *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

/* A string at j->p ('"'): its contents span; sets *esc when it holds escapes. */
static bool jstring(jscan *j, kb_hunt_str *ret, bool *esc)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	const char *s = ++j->p;
	bool e = false;
	while (j->p < j->end) {
		char c = *j->p;
		if (c == '"') {
			*ret = span(s, j->p);
			j->p++;
			if (esc)
				*esc = e;
			return true;
		}
		if (c == '\\') {
			e = true;
			j->p += 2;
			continue;
		}
		j->p++;
	}
	return false;
}

static bool jvalue(jscan *j, int depth, kb_hunt_str parent, kb_hunt_str *ret, bool *is_str, bool *esc);

static bool jobject(jscan *j, int depth, kb_hunt_str parent)
{
	if (depth > KB_HUNT_JSON_MAX_DEPTH)
		return false;
	j->p++; /* '{' */
	jws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		jws(j);
		kb_hunt_str key;
		if (!jstring(j, &key, NULL))
			return false;
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return false;
		j->p++;
		jws(j);
		size_t slot = j->f->npairs;
		if (slot < KB_HUNT_JSON_MAX_PAIRS)
			j->f->npairs++;
		kb_hunt_str v;
		bool is_str = false, esc = false;
		if (!jvalue(j, depth, key, &v, &is_str, &esc))
			return false;
		if (slot < KB_HUNT_JSON_MAX_PAIRS) {
			kb_hunt_kv *kv = &j->f->pairs[slot];
			kv->key = key;
			kv->value = v;
			kv->parent = parent;
			kv->is_string = is_str;
			kv->escaped = esc;
			kv->depth = (uint8_t)depth;
		}
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return true;
		}
		return false;
	}
}

static bool jarray(jscan *j, int depth)
{
	if (depth > KB_HUNT_JSON_MAX_DEPTH)
		return false;
	j->p++; /* '[' */
	jws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	kb_hunt_str none = { NULL, 0 };
	for (;;) {
		jws(j);
		kb_hunt_str v;
		bool s, e;
		if (!jvalue(j, depth, none, &v, &s, &e))
			return false;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return true;
		}
		return false;
	}
}

static bool jvalue(jscan *j, int depth, kb_hunt_str parent, kb_hunt_str *ret, bool *is_str, bool *esc)
{
	if (j->p >= j->end)
		return false;
	const char *s = j->p;
	*is_str = false;
	*esc = false;
	switch (*j->p) {
	case '"':
		*is_str = true;
		return jstring(j, ret, esc);
	case '{':
		if (!jobject(j, depth + 1, parent))
			return false;
		break;
	case '[':
		if (!jarray(j, depth + 1))
			return false;
		break;
	default:
		while (j->p < j->end && *j->p != ',' && *j->p != '}' && *j->p != ']' && *j->p != ' ' &&
		       *j->p != '\t' && *j->p != '\r' && *j->p != '\n')
			j->p++;
		if (j->p == s)
			return false;
		break;
	}
	*ret = span(s, j->p);
	return true;
}

static const char *const k_time[] = { "time", "@timestamp", "timestamp", "ts", "datetime", "date", "time_local",
	                              "time_iso8601", "eventtime", NULL };
static const char *const k_client[] = { "remote_addr", "client_ip", "clientip", "client_addr", "src_ip",
	                                "source_ip", "remote_ip", "ip", "c-ip", "real_ip", "x_real_ip", NULL };
static const char *const k_method[] = { "method", "request_method", "http_method", "verb", NULL };
static const char *const k_uri[] = { "uri", "request_uri", "url", "path", "uri_path", NULL };
static const char *const k_ua[] = { "user_agent", "http_user_agent", "useragent", "agent", "ua", NULL };
static const char *const k_status[] = { "status", "status_code", "response_code", "http_status", NULL };
static const char *const k_host[] = { "hostname", "host_name", "host", "server_name", NULL };
static const char *const k_server[] = { "server_addr", "server_ip", "s-ip", "local_addr", "dest_ip", "dst_ip", NULL };
static const char *const k_referer[] = { "referer", "referrer", "http_referer", NULL };

static void json_time(kb_hunt_fields *f, const kb_hunt_kv *kv)
{
	f->time = kv->value;
	int64_t ep;
	if (kv->is_string) {
		if (iso_time(kv->value, &ep, NULL) || clf_time(kv->value, &ep)) {
			f->epoch = ep;
			f->has_epoch = true;
		}
		return;
	}
	/* a number: seconds, or milliseconds when large; the fraction is dropped */
	int64_t v = 0;
	size_t i = 0;
	for (; i < kv->value.len && is_digit(kv->value.p[i]) && v < (INT64_MAX - 9) / 10; i++)
		v = v * 10 + (kv->value.p[i] - '0');
	if (i == 0 || (i < kv->value.len && kv->value.p[i] != '.'))
		return;
	f->epoch = v > 100000000000LL ? v / 1000 : v;
	f->has_epoch = true;
}

static bool parse_json(const char *line, size_t len, kb_hunt_fields *f)
{
	jscan j = { line, line + len, f };
	jws(&j);
	if (j.p >= j.end || *j.p != '{')
		return false;
	kb_hunt_str top = { NULL, 0 };
	if (!jobject(&j, 1, top))
		return false;
	jws(&j);
	if (j.p != j.end)
		return false;
	f->format = KB_LOG_JSON;
	/* the first alias found wins for each field */
	for (size_t i = 0; i < f->npairs; i++) {
		const kb_hunt_kv *kv = &f->pairs[i];
		kb_hunt_str k = kv->key, par = kv->parent;
		bool top_level = kv->depth == 1, str = kv->is_string;
		if (!f->time.p && top_level && in_list(k, k_time)) {
			json_time(f, kv);
		} else if (!f->client.p && str &&
		           ((top_level && in_list(k, k_client)) ||
		            (par.p && (eq_ci(par, "source") || eq_ci(par, "client")) &&
		             (eq_ci(k, "ip") || eq_ci(k, "address"))))) {
			f->client = kv->value;
		} else if (!f->method.p && str &&
		           ((top_level && in_list(k, k_method)) || (par.p && eq_ci(par, "request") && eq_ci(k, "method")))) {
			f->method = kv->value;
		} else if (top_level && str && eq_ci(k, "request")) {
			f->request = kv->value;
			kb_hunt_fields tmp;
			memset(&tmp, 0, offsetof(kb_hunt_fields, npairs));
			split_request(&tmp, kv->value);
			if (tmp.method.p) {
				if (!f->method.p)
					f->method = tmp.method;
				if (!f->uri.p)
					f->uri = tmp.uri;
				if (!f->protocol.p)
					f->protocol = tmp.protocol;
			} else if (!f->uri.p) {
				f->uri = kv->value;
			}
		} else if (!f->uri.p && str &&
		           ((top_level && in_list(k, k_uri)) ||
		            (par.p && eq_ci(par, "url") && (eq_ci(k, "original") || eq_ci(k, "path"))))) {
			f->uri = kv->value;
		} else if (!f->user_agent.p && str &&
		           ((top_level && in_list(k, k_ua)) || (par.p && eq_ci(par, "user_agent") && eq_ci(k, "original")))) {
			f->user_agent = kv->value;
		} else if (!f->status && ((top_level && in_list(k, k_status)) ||
		                          (par.p && eq_ci(par, "response") && eq_ci(k, "status_code")))) {
			set_status(f, kv->value);
		} else if (!f->host.p && str &&
		           ((top_level && in_list(k, k_host)) ||
		            (par.p && eq_ci(par, "host") && (eq_ci(k, "name") || eq_ci(k, "hostname"))))) {
			f->host = kv->value;
		} else if (!f->server.p && str &&
		           ((top_level && in_list(k, k_server)) ||
		            (par.p && (eq_ci(par, "server") || eq_ci(par, "destination")) &&
		             (eq_ci(k, "ip") || eq_ci(k, "address"))))) {
			f->server = kv->value;
		} else if (!f->referer.p && str && top_level && in_list(k, k_referer)) {
			f->referer = kv->value;
		} else if (!f->protocol.p && str && top_level &&
		           (eq_ci(k, "protocol") || eq_ci(k, "server_protocol"))) {
			f->protocol = kv->value;
		}
	}
	return true;
}

/* ---- syslog ------------------------------------------------------------------- */

/* "<PRI>" at p: returns the position after it, or NULL. */
static const char *pri(const char *p, const char *end)
{
	if (p >= end || *p != '<')
		return NULL;
	const char *q = p + 1;
	int n = 0, v = 0;
	while (q < end && is_digit(*q) && n < 3) {
		v = v * 10 + (*q - '0');
		q++;
		n++;
	}
	if (n == 0 || q >= end || *q != '>' || v > 191)
		return NULL;
	return q + 1;
}

/* TAG[PID]: or TAG: at p; fills program and message. */
static void syslog_tail(kb_hunt_fields *f, const char *p, const char *end)
{
	const char *q = p;
	while (q < end && *q != ':' && *q != '[' && *q != ' ')
		q++;
	if (q > p && q < end && (*q == ':' || *q == '[')) {
		f->program = span(p, q);
		if (*q == '[') {
			const char *rb = memchr(q, ']', (size_t)(end - q));
			if (rb)
				q = rb + 1;
		}
		if (q < end && *q == ':')
			q++;
		if (q < end && *q == ' ')
			q++;
		f->message = span(q, end);
	} else {
		f->message = span(p, end);
	}
}

/* A web log inside a syslog message (nginx or Apache logging to syslog) lends its fields. */
static void syslog_inner(kb_hunt_fields *f)
{
	if (!f->message.p || f->message.len == 0)
		return;
	kb_hunt_fields in;
	memset(&in, 0, offsetof(kb_hunt_fields, pairs));
	const char *m = f->message.p;
	bool ok = parse_clf(m, f->message.len, &in);
	if (!ok && *m == '{') {
		memset(&in, 0, offsetof(kb_hunt_fields, pairs));
		ok = parse_json(m, f->message.len, &in);
		in.npairs = 0;
	}
	if (!ok)
		return;
	f->client = in.client;
	f->method = in.method;
	f->uri = in.uri;
	f->protocol = in.protocol;
	f->request = in.request;
	f->user_agent = in.user_agent;
	f->referer = in.referer;
	f->status = in.status;
}

static bool parse_3164(const char *line, size_t len, kb_hunt_fields *f)
{
	const char *p = line, *end = line + len;
	const char *after = pri(p, end);
	if (after)
		p = after;
	const char *t = p;
	int64_t ep;
	size_t used = 0;
	kb_hunt_str rest = span(p, end);
	if (iso_time_sep(rest, false, &ep, &used)) {
		p += used;
		f->epoch = ep;
		f->has_epoch = true;
	} else {
		/* "Mmm dd hh:mm:ss" (day space-padded) */
		if (end - p < 15 || month_of(p, end) < 0 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':')
			return false;
		if (!(is_digit(p[5]) && (p[4] == ' ' || is_digit(p[4]))) || num(p + 7, end, 2) < 0 ||
		    num(p + 10, end, 2) < 0 || num(p + 13, end, 2) < 0)
			return false;
		p += 15;
	}
	if (p >= end || *p != ' ')
		return false;
	f->time = span(t, p);
	p++;
	const char *h = p, *h_end = token_end(p, end);
	if (h_end == h)
		return false;
	f->format = KB_LOG_SYSLOG3164;
	/* a host name has no ':' or '[' at its end; otherwise this is already the tag */
	if (h_end[-1] == ':' || memchr(h, '[', (size_t)(h_end - h))) {
		syslog_tail(f, h, end);
	} else {
		f->host = span(h, h_end);
		syslog_tail(f, h_end < end ? h_end + 1 : end, end);
	}
	syslog_inner(f);
	return true;
}

static kb_hunt_str nil_or(const char *a, const char *b)
{
	kb_hunt_str s = { NULL, 0 };
	if (b - a == 1 && *a == '-')
		return s;
	return span(a, b);
}

static bool parse_5424(const char *line, size_t len, kb_hunt_fields *f)
{
	const char *p = line, *end = line + len;
	p = pri(p, end);
	if (!p || end - p < 2 || !is_digit(*p))
		return false;
	while (p < end && is_digit(*p))
		p++;
	if (p >= end || *p != ' ')
		return false;
	p++;
	/* TIMESTAMP HOSTNAME APP-NAME PROCID MSGID */
	const char *tok[5][2];
	for (int i = 0; i < 5; i++) {
		const char *e = token_end(p, end);
		if (e == p || e >= end)
			return false;
		tok[i][0] = p;
		tok[i][1] = e;
		p = e + 1;
	}
	kb_hunt_str t = nil_or(tok[0][0], tok[0][1]);
	int64_t ep;
	size_t used;
	if (t.p) {
		if (!iso_time(t, &ep, &used) || used != t.len)
			return false;
		f->epoch = ep;
		f->has_epoch = true;
	}
	/* STRUCTURED-DATA: "-" or one or more [id param="value" ...] with \" \] \\ escapes */
	if (p >= end)
		return false;
	if (*p == '-') {
		p++;
	} else if (*p == '[') {
		while (p < end && *p == '[') {
			bool in_str = false;
			p++;
			while (p < end) {
				if (in_str && *p == '\\') {
					p += 2;
					continue;
				}
				if (*p == '"')
					in_str = !in_str;
				else if (*p == ']' && !in_str)
					break;
				p++;
			}
			if (p >= end)
				return false;
			p++;
		}
	} else {
		return false;
	}
	if (p < end && *p != ' ')
		return false;
	f->format = KB_LOG_SYSLOG5424;
	f->time = t;
	f->host = nil_or(tok[1][0], tok[1][1]);
	f->program = nil_or(tok[2][0], tok[2][1]);
	if (p < end)
		p++;
	/* a UTF-8 BOM may start MSG */
	if (end - p >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
		p += 3;
	f->message = span(p, end);
	syslog_inner(f);
	return true;
}

/* ---- W3C extended ------------------------------------------------------------ */

static uint8_t w3c_col(kb_hunt_str n)
{
	static const struct { const char *name; uint8_t col; } map[] = {
		{ "date", W_DATE }, { "time", W_TIME }, { "c-ip", W_CLIENT }, { "cs-method", W_METHOD },
		{ "cs-uri-stem", W_STEM }, { "cs-uri-query", W_QUERY }, { "cs(user-agent)", W_UA },
		{ "cs(referer)", W_REFERER }, { "sc-status", W_STATUS }, { "s-computername", W_HOST }, { "s-ip", W_SERVER },
		{ "cs-version", W_PROTO }, { "x-forwarded-for", W_OTHER },
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (eq_ci(n, map[i].name))
			return map[i].col;
	return W_OTHER;
}

static void w3c_directive(kb_hunt_fields_state *st, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	if (len < 8 || memcmp(p, "#Fields:", 8) != 0)
		return;
	p += 8;
	uint8_t cols[KB_HUNT_W3C_MAX_FIELDS];
	size_t n = 0;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		const char *e = p;
		while (e < end && *e != ' ' && *e != '\t')
			e++;
		if (n == KB_HUNT_W3C_MAX_FIELDS)
			return; /* too many columns: keep the previous directive */
		cols[n++] = w3c_col(span(p, e));
		p = e;
	}
	memcpy(st->cols, cols, n);
	st->ncols = n;
}

static bool parse_w3c(const kb_hunt_fields_state *st, const char *line, size_t len, kb_hunt_fields *f)
{
	if (st->ncols == 0)
		return false;
	const char *p = line, *end = line + len;
	kb_hunt_str date = { NULL, 0 }, tim = { NULL, 0 };
	bool more = true;
	for (size_t i = 0; i < st->ncols; i++) {
		if (!more)
			return false;
		const char *e = p;
		while (e < end && *e != ' ' && *e != '\t')
			e++;
		kb_hunt_str v = nil_or(p, e);
		switch (st->cols[i]) {
		case W_DATE: date = v; break;
		case W_TIME: tim = v; break;
		case W_CLIENT: f->client = v; break;
		case W_METHOD: f->method = v; break;
		case W_STEM: f->uri = v; break;
		case W_QUERY: f->query = v; break;
		case W_UA: f->user_agent = v; break;
		case W_REFERER: f->referer = v; break;
		case W_STATUS:
			if (v.p)
				set_status(f, v);
			break;
		case W_HOST: f->host = v; break;
		case W_SERVER: f->server = v; break;
		case W_PROTO: f->protocol = v; break;
		default: break;
		}
		if (e < end)
			p = e + 1;
		else
			more = false;
	}
	/* exactly the columns announced (one trailing space is tolerated) */
	if (more && p < end)
		return false;
	f->format = KB_LOG_W3C;
	if (date.p && tim.p && tim.p == date.p + date.len + 1)
		f->time = span(date.p, tim.p + tim.len);
	else
		f->time = tim.p ? tim : date;
	if (date.p && tim.p && date.len == 10 && tim.len >= 8) {
		int y = num(date.p, date.p + 10, 4), mo = num(date.p + 5, date.p + 10, 2), d = num(date.p + 8, date.p + 10, 2);
		int h = num(tim.p, tim.p + tim.len, 2), mi = num(tim.p + 3, tim.p + tim.len, 2),
		    s = num(tim.p + 6, tim.p + tim.len, 2);
		if (date.p[4] == '-' && date.p[7] == '-' && tim.p[2] == ':' && tim.p[5] == ':' &&
		    valid_ymdhms(y, mo, d, h, mi, s)) {
			f->epoch = to_epoch(y, mo, d, h, mi, s);
			f->has_epoch = true;
		}
	}
	return true;
}

/* ---- dispatch ------------------------------------------------------------------ */

static bool try_format(kb_hunt_fields_state *st, kb_log_format fmt, const char *line, size_t len,
                       kb_hunt_fields *f)
{
	memset(f, 0, offsetof(kb_hunt_fields, pairs));
	switch (fmt) {
	case KB_LOG_CLF: return parse_clf(line, len, f);
	case KB_LOG_JSON: return parse_json(line, len, f);
	case KB_LOG_SYSLOG3164: return parse_3164(line, len, f);
	case KB_LOG_SYSLOG5424: return parse_5424(line, len, f);
	case KB_LOG_W3C: return parse_w3c(st, line, len, f);
	case KB_LOG_NONE: break;
	}
	return false;
}

int kb_hunt_fields_parse(kb_hunt_fields_state *st, const char *line, size_t len, kb_hunt_fields *ret)
{
	memset(ret, 0, offsetof(kb_hunt_fields, pairs));
	if (len == 0 || len > KB_HUNT_FIELDS_MAX_LINE)
		return 0;
	if (line[0] == '#') {
		/* W3C directives: #Fields: sets the columns; the others carry no fields */
		w3c_directive(st, line, len);
		if (st->ncols)
			st->last = KB_LOG_W3C;
		return 0;
	}
	if (st->last != KB_LOG_NONE && try_format(st, st->last, line, len, ret))
		return 1;
	static const kb_log_format order[] = { KB_LOG_JSON, KB_LOG_SYSLOG5424, KB_LOG_CLF, KB_LOG_SYSLOG3164,
		                               KB_LOG_W3C };
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		if (order[i] == st->last)
			continue;
		if (order[i] == KB_LOG_JSON && line[0] != '{' && line[0] != ' ')
			continue;
		if (try_format(st, order[i], line, len, ret)) {
			st->last = order[i];
			return 1;
		}
	}
	memset(ret, 0, offsetof(kb_hunt_fields, pairs));
	return 0;
}

/* ---- JSON unescape ----------------------------------------------------------- */

static int hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : lower(c) >= 'a' && lower(c) <= 'f' ? lower(c) - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t put_utf8(char *dst, size_t n, size_t cap, uint32_t cp)
{
	char b[4];
	size_t k;
	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (cap - n < k)
		return (size_t)-1;
	memcpy(dst + n, b, k);
	return n + k;
}

size_t kb_hunt_json_unescape(kb_hunt_str s, char *dst, size_t cap)
{
	const char *p = s.p, *end = s.p + s.len;
	size_t n = 0;
	while (p < end) {
		if (*p != '\\') {
			const char *bs = memchr(p, '\\', (size_t)(end - p));
			size_t k = (size_t)((bs ? bs : end) - p);
			if (cap - n < k)
				return (size_t)-1;
			memcpy(dst + n, p, k);
			n += k;
			p += k;
			continue;
		}
		if (end - p < 2)
			return (size_t)-1;
		char c = p[1], out;
		p += 2;
		switch (c) {
		case '"': out = '"'; break;
		case '\\': out = '\\'; break;
		case '/': out = '/'; break;
		case 'b': out = '\b'; break;
		case 'f': out = '\f'; break;
		case 'n': out = '\n'; break;
		case 'r': out = '\r'; break;
		case 't': out = '\t'; break;
		case 'u': {
			int u = hex4(p, end);
			if (u < 0)
				return (size_t)-1;
			p += 4;
			uint32_t cp = (uint32_t)u;
			if (u >= 0xd800 && u <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				int lo = hex4(p + 2, end);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + (((uint32_t)u - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
					p += 6;
				} else {
					cp = 0xfffd;
				}
			} else if (u >= 0xd800 && u <= 0xdfff) {
				cp = 0xfffd;
			}
			n = put_utf8(dst, n, cap, cp);
			if (n == (size_t)-1)
				return n;
			continue;
		}
		default:
			return (size_t)-1;
		}
		if (cap - n < 1)
			return (size_t)-1;
		dst[n++] = out;
	}
	return n;
}
