/*
 * ioc-list.c - IOCs from CSV sheets and plain lists.
 *
 * A CSV sheet has a header row naming its columns (folded like the ledger's:
 * "First Seen" is first_seen): a value column (value, indicator, ioc or
 * observable) is required; type, first_seen, last_seen, confidence,
 * valid_until (expires), revoked, to_ids, id (ref, uuid) and label
 * (description, comment, name) are read when present, and other columns are
 * ignored. An empty type cell means "detect it from the value", as in a
 * plain list. libcsv parses RFC 4180; it is fed one physical line at a time
 * so that every record is located by its first line, and a record is at most
 * KB_IOC_MAX_LINE_BYTES and KB_IOC_MAX_COLUMNS fields. The delimiter is
 * chosen from the header line (',' then ';' then tab).
 *
 * A plain list has one value per line; blank lines and lines starting with
 * '#' are skipped, as is a comment after white space (" # c2 server"). Each
 * value's type is detected (kb_ioc_detect); a line that is none of the
 * types is reported unsupported with its line number.
 */
#include "ioc-internal.h"

#include "util-buf.h"
#include "util-str.h"

#include <csv.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum col {
	COL_OTHER,
	COL_TYPE,
	COL_VALUE,
	COL_FIRST,
	COL_LAST,
	COL_CONF,
	COL_UNTIL,
	COL_REVOKED,
	COL_TOIDS,
	COL_REF,
	COL_LABEL,
	COL_N
};

static enum col col_named(const char *h)
{
	static const struct {
		const char *name;
		enum col c;
	} names[] = {
		{ "type", COL_TYPE },          { "ioc_type", COL_TYPE },       { "indicator_type", COL_TYPE },
		{ "value", COL_VALUE },        { "indicator", COL_VALUE },     { "ioc", COL_VALUE },
		{ "observable", COL_VALUE },   { "first_seen", COL_FIRST },    { "firstseen", COL_FIRST },
		{ "last_seen", COL_LAST },     { "lastseen", COL_LAST },       { "confidence", COL_CONF },
		{ "valid_until", COL_UNTIL },  { "expires", COL_UNTIL },       { "expiry", COL_UNTIL },
		{ "expiration", COL_UNTIL },   { "revoked", COL_REVOKED },     { "to_ids", COL_TOIDS },
		{ "ids", COL_TOIDS },          { "id", COL_REF },              { "ref", COL_REF },
		{ "uuid", COL_REF },           { "label", COL_LABEL },         { "description", COL_LABEL },
		{ "comment", COL_LABEL },      { "name", COL_LABEL },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(h, names[i].name) == 0)
			return names[i].c;
	return COL_OTHER;
}

struct csv_state {
	kb_ioc_reader *rd;
	int r;
	bool header_done, too_many;
	int ncols, nfields;
	int where[COL_N]; /* column index of each kind, -1 when absent */
	size_t off[KB_IOC_MAX_COLUMNS];
	bool isnull[KB_IOC_MAX_COLUMNS];
	kb_buf data;
	uint64_t row_line;
};

static const char *cell(struct csv_state *st, enum col c)
{
	int i = st->where[c];
	if (i < 0 || i >= st->nfields || st->isnull[i])
		return NULL;
	const char *v = st->data.data + st->off[i];
	return kb_str_empty(v) ? NULL : v;
}

static bool truthy(const char *s, bool dflt)
{
	if (!s)
		return dflt;
	size_t n;
	s = kb_str_trim(s, &n);
	if ((n == 1 && (s[0] == '1' || s[0] == 'y' || s[0] == 'Y')) || (n == 4 && strncasecmp(s, "true", 4) == 0) ||
	    (n == 3 && strncasecmp(s, "yes", 3) == 0))
		return true;
	if ((n == 1 && (s[0] == '0' || s[0] == 'n' || s[0] == 'N')) || (n == 5 && strncasecmp(s, "false", 5) == 0) ||
	    (n == 2 && strncasecmp(s, "no", 2) == 0))
		return false;
	return dflt;
}

static int fail(struct csv_state *st, int code, uint64_t line, int col, const char *msg)
{
	if (st->r)
		return st->r;
	st->r = kb_error_set(st->rd->err, code, st->rd->name, line, col > 0 ? (uint64_t)col : 0, KB_NO_OFFSET, "%s",
	                     msg);
	return st->r;
}

static void parse_header(struct csv_state *st)
{
	for (int c = 0; c < COL_N; c++)
		st->where[c] = -1;
	for (int i = 0; i < st->nfields; i++) {
		char *h = NULL;
		const char *raw = st->isnull[i] ? "" : st->data.data + st->off[i];
		if (kb_str_fold_header(raw, &h) < 0) {
			fail(st, KB_ENOMEM, st->row_line, i + 1, "out of memory");
			return;
		}
		enum col c = h ? col_named(h) : COL_OTHER;
		free(h);
		if (c != COL_OTHER && st->where[c] < 0)
			st->where[c] = i;
	}
	if (st->where[COL_VALUE] < 0) {
		fail(st, KB_EPARSE, st->row_line, 0,
		     "expected a header row naming a value column (value, indicator, ioc or observable)");
		return;
	}
	st->ncols = st->nfields;
	st->header_done = true;
}

static void do_row(struct csv_state *st)
{
	kb_ioc_reader *rd = st->rd;
	const char *value = cell(st, COL_VALUE), *type = cell(st, COL_TYPE);
	if (!value) {
		kb_ioc_unsup(rd, cell(st, COL_REF), st->row_line, "row without a value");
		return;
	}
	char norm[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type t = KB_IOC_NONE;
	size_t vn = strlen(value);
	if (type) {
		size_t tn;
		const char *ts = kb_str_trim(type, &tn);
		char tb[64];
		snprintf(tb, sizeof tb, "%.*s", (int)(tn < 63 ? tn : 63), ts);
		t = kb_ioc_type_named(tb);
		if (t == KB_IOC_NONE) {
			kb_ioc_unsup(rd, cell(st, COL_REF), st->row_line, "type %.60s is not supported", tb);
			return;
		}
		if (kb_ioc_normalize(&t, value, vn, norm, sizeof norm) < 0) {
			kb_ioc_unsup(rd, cell(st, COL_REF), st->row_line, "'%.80s' is not a valid %s", value,
			             kb_ioc_type_name(t));
			return;
		}
	} else if (kb_ioc_detect(value, vn, &t, norm, sizeof norm) < 0) {
		kb_ioc_unsup(rd, cell(st, COL_REF), st->row_line,
		             "'%.80s' is not an IPv4 or IPv6 address, domain, URL, e-mail address or hash", value);
		return;
	}
	const char *conf = cell(st, COL_CONF);
	int confidence = -1;
	if (conf) {
		char *end;
		long v = strtol(conf, &end, 10);
		if (end != conf && v >= 0 && v <= 100)
			confidence = (int)v;
	}
	kb_ioc ioc = {
		.type = t,
		.value = norm,
		.first_seen = cell(st, COL_FIRST),
		.last_seen = cell(st, COL_LAST),
		.valid_until = cell(st, COL_UNTIL),
		.confidence = confidence,
		.revoked = truthy(cell(st, COL_REVOKED), false),
		.to_ids = truthy(cell(st, COL_TOIDS), true),
		.ref = cell(st, COL_REF),
		.label = cell(st, COL_LABEL),
		.line = st->row_line,
	};
	int r = kb_ioc_emit(rd, &ioc);
	if (r < 0)
		st->r = r;
}

static void on_field(void *data, size_t len, void *arg)
{
	struct csv_state *st = arg;
	if (st->r)
		return;
	if (st->nfields == KB_IOC_MAX_COLUMNS) {
		st->too_many = true;
		return;
	}
	st->off[st->nfields] = st->data.len;
	st->isnull[st->nfields] = data == NULL;
	int r = data ? kb_buf_append(&st->data, data, len) : 0;
	if (r == 0)
		r = kb_buf_putc(&st->data, '\0');
	if (r < 0) {
		fail(st, r, st->row_line, st->nfields + 1,
		     r == KB_ELIMIT ? "record longer than the limit of 65536 bytes" : "out of memory");
		return;
	}
	st->nfields++;
}

static void on_row(int term, void *arg)
{
	(void)term;
	struct csv_state *st = arg;
	if (st->r)
		return;
	if (st->too_many) {
		fail(st, KB_ELIMIT, st->row_line, 0, "more than the limit of 64 fields in one record");
		return;
	}
	bool blank = true;
	for (int i = 0; i < st->nfields; i++)
		if (!st->isnull[i] && !kb_str_empty(st->data.data + st->off[i]))
			blank = false;
	if (!blank) {
		if (!st->header_done) {
			parse_header(st);
		} else if (st->nfields != st->ncols) {
			char msg[96];
			snprintf(msg, sizeof msg, "expected %d fields as in the header, found %d", st->ncols, st->nfields);
			fail(st, KB_EPARSE, st->row_line, 0, msg);
		} else {
			do_row(st);
		}
	}
	st->nfields = 0;
	kb_buf_reset(&st->data);
}

static unsigned char pick_delimiter(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	size_t l = nl ? (size_t)(nl - p) : n;
	if (memchr(p, ',', l))
		return ',';
	if (memchr(p, ';', l))
		return ';';
	if (memchr(p, '\t', l))
		return '\t';
	return ',';
}

int kb_ioc_read_csv(kb_ioc_reader *rd, const void *data, size_t len)
{
	struct csv_state *st = calloc(1, sizeof *st);
	if (!st)
		return KB_ENOMEM;
	st->rd = rd;
	kb_buf_init(&st->data, KB_IOC_MAX_LINE_BYTES);
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
		free(st);
		return KB_ENOMEM;
	}
	const char *buf = data;
	size_t pos = 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	/* skip leading comment lines before the header */
	uint64_t line = 1;
	while (pos < len && buf[pos] == '#') {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		pos = nl ? (size_t)(nl - buf) + 1 : len;
		line++;
	}
	csv_set_delim(&p, pick_delimiter(buf + pos, len - pos));
	bool line_start = true;
	int r = 0;
	while (pos < len && r == 0) {
		if (line_start && p.pstate == 0)
			st->row_line = line;
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t seg = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
		size_t done = csv_parse(&p, buf + pos, seg, on_field, on_row, st);
		if (st->r) {
			r = st->r;
			break;
		}
		if (done != seg) {
			r = kb_error_set(rd->err, KB_EPARSE, rd->name, line, (uint64_t)st->nfields + 1, pos + done,
			                 "malformed CSV: a quote may only open a field, and a closing quote must be "
			                 "followed by a delimiter or the end of the line");
			break;
		}
		if (p.entry_pos > KB_IOC_MAX_LINE_BYTES || st->data.len + p.entry_pos > KB_IOC_MAX_LINE_BYTES) {
			r = kb_error_set(rd->err, KB_ELIMIT, rd->name, st->row_line, (uint64_t)st->nfields + 1,
			                 KB_NO_OFFSET, "record longer than the limit of %u bytes (an unclosed quote?)",
			                 (unsigned)KB_IOC_MAX_LINE_BYTES);
			break;
		}
		pos += seg;
		line_start = nl != NULL;
		if (nl)
			line++;
	}
	if (r == 0) {
		if (csv_fini(&p, on_field, on_row, st) != 0)
			r = kb_error_set(rd->err, KB_EPARSE, rd->name, st->row_line, (uint64_t)st->nfields + 1, KB_NO_OFFSET,
			                 "malformed CSV: a quoted field is not closed before the end of the file");
		else if (st->r)
			r = st->r;
	}
	if (r == 0 && !st->header_done)
		r = kb_error_set(rd->err, KB_EPARSE, rd->name, 1, 0, KB_NO_OFFSET,
		                 "expected a header row naming the columns, found no rows");
	csv_free(&p);
	kb_buf_free(&st->data);
	free(st);
	return r;
}

int kb_ioc_read_list(kb_ioc_reader *rd, const void *data, size_t len)
{
	const char *buf = data;
	size_t pos = 0;
	uint64_t line = 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		line++;
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		const char *s = buf + pos;
		pos += n + (nl != NULL);
		if (n > KB_IOC_MAX_LINE_BYTES)
			return kb_error_set(rd->err, KB_ELIMIT, rd->name, line, 0, KB_NO_OFFSET,
			                    "line of %zu bytes: more than the limit of %u", n, (unsigned)KB_IOC_MAX_LINE_BYTES);
		for (size_t i = 0; i < n; i++) /* a comment after white space */
			if (s[i] == '#' && (i == 0 || isspace((unsigned char)s[i - 1]))) {
				n = i;
				break;
			}
		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == 0)
			continue;
		char norm[KB_IOC_MAX_VALUE_BYTES + 1];
		kb_ioc_type t;
		if (kb_ioc_detect(s, n, &t, norm, sizeof norm) < 0) {
			kb_ioc_unsup(rd, NULL, line,
			             "'%.*s' is not an IPv4 or IPv6 address, domain, URL, e-mail address or hash",
			             (int)(n < 80 ? n : 80), s);
			continue;
		}
		kb_ioc ioc = { .type = t, .value = norm, .confidence = -1, .to_ids = true, .line = line };
		int r = kb_ioc_emit(rd, &ioc);
		if (r < 0)
			return r;
	}
	return 0;
}
