/*
 * flow-zeek.c - Zeek conn.log, ssl.log, http.log and dns.log, TSV or JSON
 * lines, to kb_flow and kb_flow_name records (contract in koban/flow.h).
 *
 * Two front ends fill one row model, and one back end builds records:
 *
 *   TSV: header lines configure the reader: #separator (written escaped,
 *   "\x09"), #unset_field, #empty_field, #path and #fields. A #fields line
 *   (a concatenated file brings another) is turned once into a table
 *   column -> field id, and the last column the current log kind reads, so
 *   a row is split with memchr only up to that column, in place: each field
 *   is a span of the caller's line. Rows allocate nothing; the uid and the
 *   name are copied to one scratch buffer that grows to the longest line
 *   seen (at most KB_ZEEK_MAX_LINE).
 *
 *   JSON lines (a line starting with '{' or '[' while no #fields was
 *   read): jansson parses the object; each field of interest becomes
 *   the same span (strings), a number, or "unset" (key absent or null).
 *   Flat dotted keys are the Zeek form; a nested "id" object is accepted
 *   too. A "_path" key (Zeek's JSON streaming form) decides each row's
 *   kind; otherwise the hint, otherwise the keys of the first object.
 *
 * The back end validates every value (digits only, no overflow, ranges)
 * and reports the 1-based byte column where the offending field starts
 * (for JSON, where the key's value starts) with the form it expected.
 * Times are exact to the microsecond: TSV seconds are read as integers,
 * JSON floats are rounded to the nearest microsecond, ISO 8601 strings
 * (with Z or an offset) are accepted in both forms.
 *
 * Decisions: #path, when present, decides the kind over the caller's hint
 * (an unknown path means rows are skipped); without either, the #fields
 * names decide. Rows of ssl/http/dns without a name are skipped, not
 * errors. Names are as logged: TSV escapes such as \x09 are kept, JSON
 * escapes are decoded by jansson. A service list longer than the record's
 * field is cut at the last comma that fits.
 *
 * Invariants: `ncols` > 0 only while `col_field` describes the latest
 * #fields line; `rows` says what a TSV row does right now, recomputed by
 * plan() after every #fields and #path; every field the row's kind reads
 * starts V_UNSET and is filled only from the row itself.
 */
#include "koban/flow.h"

#include "flow-text.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of a decoded #separator, #set_separator, #unset_field or
 * #empty_field value; longer: KB_ELIMIT. */
#define ZEEK_MAX_TOKEN 16

enum fid {
	F_TS, F_UID, F_OH, F_OP, F_RH, F_RP, F_PROTO, F_SERVICE, F_DURATION, F_OBYTES, F_RBYTES,
	F_STATE, F_LORIG, F_LRESP, F_OPKTS, F_RPKTS, F_SNI, F_HOST, F_QUERY, F_QTYPE, F_RCODE,
	/* read only to tell the log kind from the columns or keys */
	F_VERSION, F_CIPHER, F_METHOD, F_URI,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
	"orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "orig_pkts", "resp_pkts",
	"server_name", "host", "query", "qtype", "rcode", "version", "cipher", "method", "uri",
};

static const uint8_t conn_fields[] = { F_TS, F_UID, F_OH, F_OP, F_RH, F_RP, F_PROTO, F_SERVICE,
	                               F_DURATION, F_OBYTES, F_RBYTES, F_STATE, F_LORIG, F_LRESP,
	                               F_OPKTS, F_RPKTS };
static const uint8_t ssl_fields[] = { F_TS, F_UID, F_OH, F_OP, F_RH, F_RP, F_SNI };
static const uint8_t http_fields[] = { F_TS, F_UID, F_OH, F_OP, F_RH, F_RP, F_HOST };
static const uint8_t dns_fields[] = { F_TS, F_UID, F_OH, F_OP, F_RH, F_RP, F_QUERY, F_QTYPE, F_RCODE };
static const uint8_t required_fields[] = { F_TS, F_OH, F_OP, F_RH, F_RP };

struct spec {
	const uint8_t *fields;
	size_t n;
};

static struct spec spec_of(kb_zeek_log k)
{
	struct spec s = { NULL, 0 };
	switch (k) {
	case KB_ZEEK_CONN: s.fields = conn_fields, s.n = sizeof conn_fields; break;
	case KB_ZEEK_SSL: s.fields = ssl_fields, s.n = sizeof ssl_fields; break;
	case KB_ZEEK_HTTP: s.fields = http_fields, s.n = sizeof http_fields; break;
	case KB_ZEEK_DNS: s.fields = dns_fields, s.n = sizeof dns_fields; break;
	case KB_ZEEK_UNKNOWN:
	case KB_ZEEK_OTHER: break;
	}
	return s;
}

/* What a TSV row does now. */
enum rows { ROWS_NO_FIELDS, ROWS_BROKEN, ROWS_SKIP, ROWS_READ };

struct kb_zeek {
	char *name;
	kb_zeek_log hint, kind, path_kind, json_kind;
	char sep[ZEEK_MAX_TOKEN], unset[ZEEK_MAX_TOKEN], empty[ZEEK_MAX_TOKEN];
	size_t sep_n, unset_n, empty_n;
	enum rows rows;
	int broken_code;              /* ROWS_BROKEN: KB_ELIMIT (too many columns) or KB_EPARSE (missing one) */
	uint8_t broken_field;         /* ... the missing field */
	uint64_t fields_line;         /* line of the latest #fields */
	size_t ncols;                 /* columns of that #fields; 0 when none is usable */
	uint8_t col_field[KB_ZEEK_MAX_FIELDS]; /* field id + 1; 0: the column is not read */
	int16_t field_col[F_COUNT];   /* column of each field, -1: absent */
	size_t need_max;              /* ROWS_READ: last column the current kind reads */
	char *scratch;                /* NUL-terminated copies of a row's uid and name */
	size_t scratch_cap;
};

enum vkind { V_UNSET = 0, V_TEXT, V_NUM, V_REAL, V_BAD };

struct val {
	uint8_t kind;
	size_t col;      /* TSV: 1-based column of the field; JSON: 0 (found on error) */
	const char *p;   /* V_TEXT */
	size_t n;
	uint64_t u;      /* V_NUM */
	double d;        /* V_REAL */
};

struct row {
	kb_zeek *z;
	const char *line;
	size_t len;
	uint64_t lineno;
	kb_error *err;
	bool json;
	struct val v[F_COUNT];
};

/* ---- reader life ---------------------------------------------------------------------- */

static void set_token(char *dst, size_t *dst_n, const char *s)
{
	*dst_n = strlen(s);
	memcpy(dst, s, *dst_n);
}

int kb_zeek_new(const char *name, kb_zeek_log hint, kb_zeek **ret)
{
	kb_zeek *z = calloc(1, sizeof *z);
	if (!z)
		return KB_ENOMEM;
	z->name = strdup(name ? name : "");
	if (!z->name) {
		free(z);
		return KB_ENOMEM;
	}
	z->hint = hint >= KB_ZEEK_UNKNOWN && hint <= KB_ZEEK_OTHER ? hint : KB_ZEEK_UNKNOWN;
	set_token(z->sep, &z->sep_n, "\t");
	set_token(z->unset, &z->unset_n, "-");
	set_token(z->empty, &z->empty_n, "(empty)");
	for (size_t i = 0; i < F_COUNT; i++)
		z->field_col[i] = -1;
	z->rows = ROWS_NO_FIELDS;
	*ret = z;
	return 0;
}

void kb_zeek_free(kb_zeek *z)
{
	if (!z)
		return;
	free(z->scratch);
	free(z->name);
	free(z);
}

kb_zeek_log kb_zeek_kind(const kb_zeek *z)
{
	return z->kind;
}

/* ---- log kinds ------------------------------------------------------------------------ */

static kb_zeek_log kind_of_path(const char *s, size_t n)
{
	static const struct {
		const char *path;
		kb_zeek_log kind;
	} paths[] = { { "conn", KB_ZEEK_CONN }, { "ssl", KB_ZEEK_SSL }, { "http", KB_ZEEK_HTTP }, { "dns", KB_ZEEK_DNS } };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (strlen(paths[i].path) == n && memcmp(paths[i].path, s, n) == 0)
			return paths[i].kind;
	return KB_ZEEK_OTHER;
}

static const char *kind_name(kb_zeek_log k)
{
	switch (k) {
	case KB_ZEEK_CONN: return "conn";
	case KB_ZEEK_SSL: return "ssl";
	case KB_ZEEK_HTTP: return "http";
	case KB_ZEEK_DNS: return "dns";
	case KB_ZEEK_UNKNOWN:
	case KB_ZEEK_OTHER: break;
	}
	return "other";
}

#define HAS(mask, f) (((mask) >> (f)) & 1u)

/* The kind from which fields a header or object has (bit per field id). */
static kb_zeek_log kind_of_fields(uint32_t have)
{
	if (HAS(have, F_STATE))
		return KB_ZEEK_CONN;
	if (HAS(have, F_QUERY) || HAS(have, F_QTYPE))
		return KB_ZEEK_DNS;
	if (HAS(have, F_SNI) || (HAS(have, F_VERSION) && HAS(have, F_CIPHER)))
		return KB_ZEEK_SSL;
	if (HAS(have, F_METHOD) || (HAS(have, F_HOST) && HAS(have, F_URI)))
		return KB_ZEEK_HTTP;
	if ((HAS(have, F_OBYTES) || HAS(have, F_DURATION)) && HAS(have, F_PROTO))
		return KB_ZEEK_CONN;
	return KB_ZEEK_OTHER;
}

/* ---- TSV headers ---------------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A header value with its \xHH escapes decoded into out[ZEEK_MAX_TOKEN]. */
static int decode_token(const char *s, size_t n, char *out, size_t *ret_n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && n - i >= 4 && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			c = (char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			i += 3;
		}
		if (k == ZEEK_MAX_TOKEN)
			return -1;
		out[k++] = c;
	}
	*ret_n = k;
	return 0;
}

/* The next separator in [p, end), or NULL. */
static inline const char *find_sep(const kb_zeek *z, const char *p, const char *end)
{
	if (z->sep_n == 1)
		return memchr(p, z->sep[0], (size_t)(end - p));
	return memmem(p, (size_t)(end - p), z->sep, z->sep_n);
}

static int field_id(const char *s, size_t n)
{
	for (int i = 0; i < F_COUNT; i++)
		if (strlen(field_names[i]) == n && memcmp(field_names[i], s, n) == 0)
			return i;
	return -1;
}

/* Decide the kind and what rows do, after #fields or #path changed. A
 * #fields line without a column the kind needs is reported once, at the
 * header line being read; rows after it then fail with the reason. */
static int plan(kb_zeek *z, uint64_t lineno, kb_error *err)
{
	if (z->rows == ROWS_NO_FIELDS || (z->rows == ROWS_BROKEN && z->broken_code == KB_ELIMIT))
		return 0;
	uint32_t have = 0;
	for (size_t i = 0; i < F_COUNT; i++)
		if (z->field_col[i] >= 0)
			have |= 1u << i;
	kb_zeek_log k = z->path_kind != KB_ZEEK_UNKNOWN ? z->path_kind
	                : z->hint != KB_ZEEK_UNKNOWN ? z->hint
	                                             : kind_of_fields(have);
	z->kind = k;
	struct spec s = spec_of(k);
	if (!s.n) {
		z->rows = ROWS_SKIP;
		return 0;
	}
	for (size_t i = 0; i < sizeof required_fields; i++) {
		if (!HAS(have, required_fields[i])) {
			z->rows = ROWS_BROKEN;
			z->broken_code = KB_EPARSE;
			z->broken_field = required_fields[i];
			return kb_error_set(err, KB_EPARSE, z->name, lineno, 1, KB_NO_OFFSET,
			                    "expected a %s column in the #fields header of this %s log (line %llu)",
			                    field_names[required_fields[i]], kind_name(k),
			                    (unsigned long long)z->fields_line);
		}
	}
	size_t max = 0;
	for (size_t i = 0; i < s.n; i++)
		if (z->field_col[s.fields[i]] >= 0 && (size_t)z->field_col[s.fields[i]] > max)
			max = (size_t)z->field_col[s.fields[i]];
	z->need_max = max;
	z->rows = ROWS_READ;
	return 0;
}

static int header_fields(kb_zeek *z, const char *line, const char *v, const char *end, uint64_t lineno,
                         kb_error *err)
{
	z->fields_line = lineno;
	z->ncols = 0;
	memset(z->col_field, 0, sizeof z->col_field);
	for (size_t i = 0; i < F_COUNT; i++)
		z->field_col[i] = -1;
	size_t c = 0;
	const char *p = v;
	for (;;) {
		const char *e = find_sep(z, p, end);
		if (!e)
			e = end;
		if (c == KB_ZEEK_MAX_FIELDS) {
			z->rows = ROWS_BROKEN;
			z->broken_code = KB_ELIMIT;
			for (size_t i = 0; i < F_COUNT; i++)
				z->field_col[i] = -1;
			return kb_error_set(err, KB_ELIMIT, z->name, lineno, (uint64_t)(p - line) + 1,
			                    KB_NO_OFFSET, "expected at most %d columns in #fields", KB_ZEEK_MAX_FIELDS);
		}
		int id = field_id(p, (size_t)(e - p));
		if (id >= 0 && z->field_col[id] < 0) {
			z->field_col[id] = (int16_t)c;
			z->col_field[c] = (uint8_t)(id + 1);
		}
		c++;
		if (e == end)
			break;
		p = e + z->sep_n;
	}
	z->ncols = c;
	z->rows = ROWS_READ;
	return plan(z, lineno, err);
}

static int header_line(kb_zeek *z, const char *line, size_t len, uint64_t lineno, kb_error *err)
{
	const char *end = line + len;
	static const char sep_hdr[] = "#separator";
	size_t sl = sizeof sep_hdr - 1;
	if (len > sl && memcmp(line, sep_hdr, sl) == 0 && (line[sl] == ' ' || line[sl] == '\t')) {
		char tok[ZEEK_MAX_TOKEN];
		size_t n;
		if (decode_token(line + sl + 1, len - sl - 1, tok, &n) != 0)
			return kb_error_set(err, KB_ELIMIT, z->name, lineno, sl + 2, KB_NO_OFFSET,
			                    "expected a #separator of at most %d bytes", ZEEK_MAX_TOKEN);
		if (n == 0)
			return kb_error_set(err, KB_EPARSE, z->name, lineno, sl + 2, KB_NO_OFFSET,
			                    "expected a #separator value such as \\x09");
		memcpy(z->sep, tok, n);
		z->sep_n = n;
		return 0;
	}
	const char *e = find_sep(z, line, end);
	const char *v = e ? e + z->sep_n : end;
	size_t hn = (size_t)((e ? e : end) - line);
	uint64_t vcol = (uint64_t)(v - line) + 1;
#define IS_HDR(s) (hn == sizeof(s) - 1 && memcmp(line, s, hn) == 0)
	if (IS_HDR("#fields"))
		return header_fields(z, line, v, end, lineno, err);
	if (IS_HDR("#path")) {
		z->path_kind = kind_of_path(v, (size_t)(end - v));
		return plan(z, lineno, err);
	}
	char *dst = NULL;
	size_t *dst_n = NULL;
	if (IS_HDR("#unset_field"))
		dst = z->unset, dst_n = &z->unset_n;
	else if (IS_HDR("#empty_field"))
		dst = z->empty, dst_n = &z->empty_n;
	else if (!IS_HDR("#set_separator"))
		return 0; /* #open, #close, #types and comments */
#undef IS_HDR
	char tok[ZEEK_MAX_TOKEN];
	size_t n;
	if (decode_token(v, (size_t)(end - v), tok, &n) != 0)
		return kb_error_set(err, KB_ELIMIT, z->name, lineno, vcol, KB_NO_OFFSET,
		                    "expected a header value of at most %d bytes", ZEEK_MAX_TOKEN);
	if (dst) {
		memcpy(dst, tok, n);
		*dst_n = n;
	}
	return 0;
}

/* ---- the back end: values to records -------------------------------------------------- */

/* Where the field's value starts in a JSON line: after `"key"` and its ':'. */
static uint64_t json_col(const struct row *r, enum fid f)
{
	const char *key = field_names[f];
	for (int pass = 0; pass < 2; pass++) {
		size_t kn = strlen(key);
		const char *p = r->line, *end = r->line + r->len;
		while (p < end) {
			const char *q = memmem(p, (size_t)(end - p), key, kn);
			if (!q)
				break;
			p = q + 1;
			if (q == r->line || q[-1] != '"' || (size_t)(end - q) <= kn || q[kn] != '"')
				continue;
			const char *c = q + kn + 1;
			while (c < end && (*c == ' ' || *c == '\t'))
				c++;
			if (c == end || *c != ':')
				continue;
			c++;
			while (c < end && (*c == ' ' || *c == '\t'))
				c++;
			return (uint64_t)(c - r->line) + 1;
		}
		if (strncmp(key, "id.", 3) != 0)
			break;
		key += 3; /* nested "id": {"orig_h": ...} */
	}
	return 0;
}

static int bad(const struct row *r, enum fid f, const char *expected)
{
	uint64_t col = r->json ? json_col(r, f) : r->v[f].col;
	return kb_error_set(r->err, KB_EINVAL, r->z->name, r->lineno, col, KB_NO_OFFSET, "%s: expected %s",
	                    field_names[f], expected);
}

static const char ts_form[] = "seconds since 1970 (such as 1300475167.096535) or an ISO 8601 time";
static const char count_form[] = "a count (digits only)";
static const char port_form[] = "a port 0-65535";

/* Seconds (or an ISO 8601 time when `iso`) to microseconds; -1 when unset. */
static int read_us(const struct row *r, enum fid f, bool iso, const char *form, int64_t *ret)
{
	const struct val *v = &r->v[f];
	switch (v->kind) {
	case V_UNSET:
		*ret = -1;
		return 0;
	case V_TEXT:
		if (kb_ftext_secs_us(v->p, v->n, ret) == 0)
			return 0;
		if (iso && kb_ftext_datetime_us(v->p, v->n, true, ret) == 0 && *ret >= 0)
			return 0;
		break;
	case V_NUM:
		if (v->u < 10000000000000ull) {
			*ret = (int64_t)v->u * 1000000;
			return 0;
		}
		break;
	case V_REAL:
		if (v->d >= 0 && v->d < 1e13) {
			*ret = (int64_t)(v->d * 1e6 + 0.5);
			return 0;
		}
		break;
	}
	return bad(r, f, form);
}

static int read_u64(const struct row *r, enum fid f, const char *form, uint64_t max, uint64_t unset, uint64_t *ret)
{
	const struct val *v = &r->v[f];
	uint64_t u;
	switch (v->kind) {
	case V_UNSET:
		*ret = unset;
		return 0;
	case V_TEXT:
		if (kb_ftext_u64(v->p, v->n, &u) != 0)
			return bad(r, f, form);
		break;
	case V_NUM:
		u = v->u;
		break;
	default:
		return bad(r, f, form);
	}
	if (u > max)
		return bad(r, f, form);
	*ret = u;
	return 0;
}

static int read_port(const struct row *r, enum fid f, uint16_t *ret)
{
	const struct val *v = &r->v[f];
	if (v->kind == V_TEXT)
		return kb_ftext_port(v->p, v->n, ret) == 0 ? 0 : bad(r, f, port_form);
	if (v->kind == V_NUM && v->u <= 65535) {
		*ret = (uint16_t)v->u;
		return 0;
	}
	return bad(r, f, port_form);
}

static int read_ip(const struct row *r, enum fid f, kb_ip *ret)
{
	const struct val *v = &r->v[f];
	if (v->kind == V_TEXT && kb_ip_parse(v->p, v->n, ret) == 0)
		return 0;
	return bad(r, f, "an IPv4 or IPv6 address");
}

/* 1 and the span for text, 0 when unset, an error for numbers. */
static int read_text(const struct row *r, enum fid f, const char **p, size_t *n)
{
	const struct val *v = &r->v[f];
	if (v->kind == V_UNSET)
		return 0;
	if (v->kind != V_TEXT || memchr(v->p, '\0', v->n))
		return bad(r, f, "text without NUL bytes");
	*p = v->p;
	*n = v->n;
	return 1;
}

static int read_bool(const struct row *r, enum fid f, bool *ret)
{
	const struct val *v = &r->v[f];
	*ret = false;
	if (v->kind == V_UNSET || (v->kind == V_TEXT && v->n == 1 && v->p[0] == 'F'))
		return 0;
	if (v->kind == V_TEXT && v->n == 1 && v->p[0] == 'T') {
		*ret = true;
		return 0;
	}
	return bad(r, f, "T or F");
}

/* Room for the uid and a name, NUL-terminated, in the scratch buffer. */
static int scratch_reserve(kb_zeek *z, size_t need)
{
	if (need <= z->scratch_cap)
		return 0;
	size_t cap = z->scratch_cap ? z->scratch_cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(z->scratch, cap);
	if (!p)
		return KB_ENOMEM;
	z->scratch = p;
	z->scratch_cap = cap;
	return 0;
}

/* The endpoints, the time and the uid every kind has. */
static int read_common(struct row *r, int64_t *ts, kb_ip *oh, uint16_t *op, kb_ip *rh, uint16_t *rp,
                       const char **uid, size_t *scratch_used)
{
	int rc;
	if (r->v[F_TS].kind == V_UNSET)
		return bad(r, F_TS, ts_form);
	if ((rc = read_us(r, F_TS, true, ts_form, ts)) != 0 || (rc = read_ip(r, F_OH, oh)) != 0 ||
	    (rc = read_port(r, F_OP, op)) != 0 || (rc = read_ip(r, F_RH, rh)) != 0 ||
	    (rc = read_port(r, F_RP, rp)) != 0)
		return rc;
	const char *p = NULL;
	size_t n = 0;
	*uid = NULL;
	*scratch_used = 0;
	rc = read_text(r, F_UID, &p, &n);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		if ((rc = scratch_reserve(r->z, n + 1)) != 0)
			return rc;
		memcpy(r->z->scratch, p, n);
		r->z->scratch[n] = '\0';
		*uid = r->z->scratch;
		*scratch_used = n + 1;
	}
	return 0;
}

static int build_conn(struct row *r, const kb_flow_sink *sink)
{
	kb_flow f;
	memset(&f, 0, sizeof f);
	size_t used;
	int rc = read_common(r, &f.start_us, &f.orig, &f.orig_port, &f.resp, &f.resp_port, &f.uid, &used);
	if (rc)
		return rc;
	if ((rc = read_us(r, F_DURATION, false, "seconds (such as 0.000123)", &f.duration_us)) != 0)
		return rc;
	const char *p = NULL;
	size_t n = 0;
	if ((rc = read_text(r, F_PROTO, &p, &n)) < 0)
		return rc;
	if (rc == 1) {
		if (n == 3 && memcmp(p, "tcp", 3) == 0)
			f.proto = 6;
		else if (n == 3 && memcmp(p, "udp", 3) == 0)
			f.proto = 17;
		else if (n == 4 && memcmp(p, "icmp", 4) == 0)
			f.proto = kb_ip_is_v4(&f.orig) && kb_ip_is_v4(&f.resp) ? 1 : 58;
		else if (!(n == 17 && memcmp(p, "unknown_transport", 17) == 0))
			return bad(r, F_PROTO, "tcp, udp, icmp or unknown_transport");
	}
	if ((rc = read_text(r, F_STATE, &p, &n)) < 0)
		return rc;
	if (rc == 1 && n > 0) {
		if (n >= KB_FLOW_STATE_MAX)
			return bad(r, F_STATE, "a connection state such as SF or RSTOS0");
		memcpy(f.state, p, n);
		f.flags |= KB_FLOW_HAS_STATE;
	}
	if ((rc = read_text(r, F_SERVICE, &p, &n)) < 0)
		return rc;
	if (rc == 1 && n > 0) {
		if (n >= KB_FLOW_SERVICE_MAX) {
			/* keep whole names: cut at the last comma that fits */
			size_t cut = KB_FLOW_SERVICE_MAX - 1;
			while (cut > 0 && p[cut] != ',')
				cut--;
			n = cut ? cut : KB_FLOW_SERVICE_MAX - 1;
		}
		memcpy(f.service, p, n);
	}
	bool b;
	if ((rc = read_bool(r, F_LORIG, &b)) != 0)
		return rc;
	if (b)
		f.flags |= KB_FLOW_ORIG_LOCAL;
	if ((rc = read_bool(r, F_LRESP, &b)) != 0)
		return rc;
	if (b)
		f.flags |= KB_FLOW_RESP_LOCAL;
	if ((rc = read_u64(r, F_OBYTES, count_form, UINT64_MAX, 0, &f.orig_bytes)) != 0 ||
	    (rc = read_u64(r, F_RBYTES, count_form, UINT64_MAX, 0, &f.resp_bytes)) != 0 ||
	    (rc = read_u64(r, F_OPKTS, count_form, UINT64_MAX, 0, &f.orig_pkts)) != 0 ||
	    (rc = read_u64(r, F_RPKTS, count_form, UINT64_MAX, 0, &f.resp_pkts)) != 0)
		return rc;
	f.line = r->lineno;
	return sink->flow(sink->ctx, &f);
}

static int build_name(struct row *r, kb_zeek_log k, const kb_flow_sink *sink)
{
	enum fid nf = k == KB_ZEEK_SSL ? F_SNI : k == KB_ZEEK_HTTP ? F_HOST : F_QUERY;
	const char *p = NULL;
	size_t n = 0;
	int rc = read_text(r, nf, &p, &n);
	if (rc <= 0)
		return rc;
	if (n == 0)
		return 0; /* no name: nothing to say */
	kb_flow_name fn;
	memset(&fn, 0, sizeof fn);
	fn.kind = k == KB_ZEEK_SSL ? KB_FLOW_NAME_SNI : k == KB_ZEEK_HTTP ? KB_FLOW_NAME_HTTP_HOST
	                                                                   : KB_FLOW_NAME_DNS_QUERY;
	size_t used;
	if ((rc = read_common(r, &fn.ts_us, &fn.orig, &fn.orig_port, &fn.resp, &fn.resp_port, &fn.uid, &used)) != 0)
		return rc;
	fn.rcode = 0;
	if (k == KB_ZEEK_DNS) {
		uint64_t u;
		if ((rc = read_u64(r, F_QTYPE, "a DNS query type 0-65535", 65535, 0, &u)) != 0)
			return rc;
		fn.qtype = (uint16_t)u;
		if ((rc = read_u64(r, F_RCODE, "a DNS response code 0-65535", 65535, 0xffff, &u)) != 0)
			return rc;
		fn.rcode = (uint16_t)u;
	}
	if ((rc = scratch_reserve(r->z, used + n + 1)) != 0)
		return rc;
	if (fn.uid)
		fn.uid = r->z->scratch; /* the buffer may have moved */
	memcpy(r->z->scratch + used, p, n);
	r->z->scratch[used + n] = '\0';
	fn.name = r->z->scratch + used;
	fn.line = r->lineno;
	return sink->name(sink->ctx, &fn);
}

static int build(struct row *r, kb_zeek_log k, const kb_flow_sink *sink)
{
	if (k == KB_ZEEK_CONN)
		return build_conn(r, sink);
	return build_name(r, k, sink);
}

static bool wanted(kb_zeek_log k, const kb_flow_sink *sink)
{
	if (!sink)
		return false;
	if (k == KB_ZEEK_CONN)
		return sink->flow != NULL;
	return (k == KB_ZEEK_SSL || k == KB_ZEEK_HTTP || k == KB_ZEEK_DNS) && sink->name != NULL;
}

/* ---- TSV rows ------------------------------------------------------------------------- */

static int tsv_row(kb_zeek *z, struct row *r, const kb_flow_sink *sink)
{
	switch (z->rows) {
	case ROWS_NO_FIELDS:
		return kb_error_set(r->err, KB_EPARSE, z->name, r->lineno, 1, KB_NO_OFFSET,
		                    "expected a #fields header before rows");
	case ROWS_BROKEN:
		if (z->broken_code == KB_ELIMIT)
			return kb_error_set(r->err, KB_EPARSE, z->name, r->lineno, 1, KB_NO_OFFSET,
			                    "expected a usable #fields header before rows (the one at line %llu has more than %d columns)",
			                    (unsigned long long)z->fields_line, KB_ZEEK_MAX_FIELDS);
		return kb_error_set(r->err, KB_EPARSE, z->name, r->lineno, 1, KB_NO_OFFSET,
		                    "expected a usable #fields header before rows (the one at line %llu has no %s column)",
		                    (unsigned long long)z->fields_line, field_names[z->broken_field]);
	case ROWS_SKIP:
		return 0;
	case ROWS_READ:
		break;
	}
	if (!wanted(z->kind, sink))
		return 0;
	struct spec s = spec_of(z->kind);
	for (size_t i = 0; i < s.n; i++)
		r->v[s.fields[i]].kind = V_UNSET;
	const char *p = r->line, *end = r->line + r->len;
	for (size_t c = 0;; c++) {
		const char *e = find_sep(z, p, end);
		if (!e)
			e = end;
		uint8_t id = z->col_field[c];
		if (id) {
			struct val *v = &r->v[id - 1];
			size_t n = (size_t)(e - p);
			v->col = (size_t)(p - r->line) + 1;
			if (n == z->unset_n && (n == 0 || (p[0] == z->unset[0] && memcmp(p, z->unset, n) == 0))) {
				v->kind = V_UNSET;
			} else {
				v->kind = V_TEXT;
				v->p = p;
				v->n = n == z->empty_n && (n == 0 || (p[0] == z->empty[0] && memcmp(p, z->empty, n) == 0)) ? 0 : n;
			}
		}
		if (c == z->need_max)
			break;
		if (e == end)
			return kb_error_set(r->err, KB_EPARSE, z->name, r->lineno, r->len + 1, KB_NO_OFFSET,
			                    "expected %zu columns as the #fields header at line %llu says, found %zu",
			                    z->ncols, (unsigned long long)z->fields_line, c + 1);
		p = e + z->sep_n;
	}
	return build(r, z->kind, sink);
}

/* ---- JSON rows ------------------------------------------------------------------------ */

static json_t *json_field(json_t *root, enum fid f)
{
	json_t *v = json_object_get(root, field_names[f]);
	if (!v && strncmp(field_names[f], "id.", 3) == 0) {
		json_t *id = json_object_get(root, "id");
		if (json_is_object(id))
			v = json_object_get(id, field_names[f] + 3);
	}
	return v;
}

static void json_val(json_t *j, struct val *v)
{
	v->col = 0;
	switch (json_typeof(j)) {
	case JSON_STRING:
		v->kind = V_TEXT;
		v->p = json_string_value(j);
		v->n = json_string_length(j);
		break;
	case JSON_INTEGER:
		if (json_integer_value(j) < 0) {
			v->kind = V_BAD;
		} else {
			v->kind = V_NUM;
			v->u = (uint64_t)json_integer_value(j);
		}
		break;
	case JSON_REAL:
		v->kind = V_REAL;
		v->d = json_real_value(j);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		v->kind = V_TEXT;
		v->p = json_is_true(j) ? "T" : "F";
		v->n = 1;
		break;
	case JSON_NULL:
		v->kind = V_UNSET;
		break;
	default:
		v->kind = V_BAD;
		break;
	}
}

static int json_row(kb_zeek *z, struct row *r, const kb_flow_sink *sink)
{
	json_error_t je;
	json_t *root = json_loadb(r->line, r->len, 0, &je);
	if (!root) {
		/* jansson's position is the last byte it read; at the end of the
		 * input, point past it */
		uint64_t col = (uint64_t)(je.position > 0 ? je.position : 1);
		if (strstr(je.text, "near end of file") || strstr(je.text, "premature end of input"))
			col++;
		if (col > r->len + 1)
			col = r->len + 1;
		return kb_error_set(r->err, KB_EPARSE, z->name, r->lineno, col, KB_NO_OFFSET,
		                    "expected a JSON object on one line (%s)", je.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return kb_error_set(r->err, KB_EPARSE, z->name, r->lineno, 1, KB_NO_OFFSET,
		                    "expected a JSON object on one line");
	}
	kb_zeek_log k;
	json_t *path = json_object_get(root, "_path");
	if (json_is_string(path)) {
		k = kind_of_path(json_string_value(path), json_string_length(path));
	} else {
		if (z->json_kind == KB_ZEEK_UNKNOWN) {
			if (z->hint != KB_ZEEK_UNKNOWN) {
				z->json_kind = z->hint;
			} else {
				uint32_t have = 0;
				for (int i = 0; i < F_COUNT; i++)
					if (json_field(root, (enum fid)i))
						have |= 1u << i;
				z->json_kind = kind_of_fields(have);
			}
		}
		k = z->json_kind;
	}
	if (z->kind == KB_ZEEK_UNKNOWN)
		z->kind = k;
	int rc = 0;
	if (wanted(k, sink)) {
		struct spec s = spec_of(k);
		for (size_t i = 0; i < s.n; i++) {
			json_t *j = json_field(root, s.fields[i]);
			if (j)
				json_val(j, &r->v[s.fields[i]]);
			else
				r->v[s.fields[i]].kind = V_UNSET;
		}
		for (size_t i = 0; i < sizeof required_fields && rc == 0; i++)
			if (r->v[required_fields[i]].kind == V_UNSET)
				rc = kb_error_set(r->err, KB_EINVAL, z->name, r->lineno, 1, KB_NO_OFFSET,
				                  "expected a \"%s\" key", field_names[required_fields[i]]);
		if (rc == 0)
			rc = build(r, k, sink);
	}
	json_decref(root);
	return rc;
}

/* ---- lines ---------------------------------------------------------------------------- */

int kb_zeek_line(kb_zeek *z, const char *line, size_t len, uint64_t lineno, const kb_flow_sink *sink,
                 kb_error *err)
{
	if (len > KB_ZEEK_MAX_LINE)
		return kb_error_set(err, KB_ELIMIT, z->name, lineno, 0, KB_NO_OFFSET,
		                    "expected a line of at most %u bytes", KB_ZEEK_MAX_LINE);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	if (line[0] == '#')
		return header_line(z, line, len, lineno, err);
	struct row r;
	r.z = z;
	r.line = line;
	r.len = len;
	r.lineno = lineno;
	r.err = err;
	r.json = (line[0] == '{' || line[0] == '[') && z->rows == ROWS_NO_FIELDS;
	return r.json ? json_row(z, &r, sink) : tsv_row(z, &r, sink);
}
