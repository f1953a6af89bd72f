/*
 * flow-nfcsv.c - nfdump's CSV export (`nfdump -r FILE -o csv`) to kb_flow
 * records (contract in koban/flow.h).
 *
 * nfdump 1.7.1 writes (checked against its own output of an nfpcapd capture):
 *
 *   ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,...,tr
 *   2026-11-22 02:00:00,2026-11-22 02:00:01,0.877,10.0.0.1,192.0.2.7,40000,443,TCP,...AP.SF,0,0,3,125,0,0,...
 *   Summary
 *   flows,bytes,packets,avg_bps,avg_pps,avg_bpp
 *   4,245,6,1044,3,40
 *
 * Times are the exporter's local time without a zone and, in 1.7.1,
 * without milliseconds (td keeps them); they are read as UTC, so run
 * nfdump with TZ=UTC. Later nfdump versions name the columns differently
 * (firstSeen, srcAddr, inBytes, ...), print times with ".mmm" and the
 * protocol as a number; both namings are accepted. `-q` drops the header:
 * a first line that starts with a digit is read in the 1.7.1 column order.
 * ICMP flows carry type and code as dp = type * 256 + code (or "type.code");
 * they become orig_port = type, resp_port = code, as Zeek writes them.
 * Cells are trimmed of blanks (nfdump pads some). Records are one direction
 * each (KB_FLOW_UNIDIR) unless opkt or obyt is non-zero (bidirectional
 * aggregation, NSEL).
 *
 * Columns are found by name from the header; a row is walked once with
 * memchr, visiting only the columns read, in column order (`order`). The
 * reader holds no per-column state, so a header of any width costs nothing.
 * Rows end at an empty line or at "Summary"; a later header line (another
 * export appended, with or without the Summary between) starts rows again.
 */
#include "koban/flow.h"

#include "flow-text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum ncol { N_TS, N_TE, N_TD, N_SA, N_DA, N_SP, N_DP, N_PR, N_FLG, N_IPKT, N_IBYT, N_OPKT, N_OBYT, N_COUNT };

static const char *const col_names[N_COUNT] = { "ts", "te", "td", "sa", "da", "sp", "dp",
	                                        "pr", "flg", "ipkt", "ibyt", "opkt", "obyt" };

static const struct {
	const char *name;
	uint8_t id;
} header_names[] = {
	{ "ts", N_TS }, { "firstSeen", N_TS }, { "te", N_TE }, { "lastSeen", N_TE }, { "td", N_TD },
	{ "duration", N_TD }, { "sa", N_SA }, { "srcAddr", N_SA }, { "da", N_DA }, { "dstAddr", N_DA },
	{ "sp", N_SP }, { "srcPort", N_SP }, { "dp", N_DP }, { "dstPort", N_DP }, { "pr", N_PR },
	{ "proto", N_PR }, { "flg", N_FLG }, { "flags", N_FLG }, { "ipkt", N_IPKT }, { "inPackets", N_IPKT },
	{ "packets", N_IPKT }, { "ibyt", N_IBYT }, { "inBytes", N_IBYT }, { "bytes", N_IBYT },
	{ "opkt", N_OPKT }, { "outPackets", N_OPKT }, { "obyt", N_OBYT }, { "outBytes", N_OBYT },
};

/* nfdump 1.7.1's column positions, for output without a header (-q). */
static const size_t legacy_cols[N_COUNT] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14 };

/* The protocol names nfdump prints that flows are likely to carry. */
static const struct {
	const char *name;
	uint8_t num;
} proto_names[] = {
	{ "ICMP", 1 }, { "IGMP", 2 }, { "IPIP", 4 }, { "TCP", 6 }, { "UDP", 17 }, { "IPv6", 41 },
	{ "RSVP", 46 }, { "GRE", 47 }, { "ESP", 50 }, { "AH", 51 }, { "ICMP6", 58 }, { "EIGRP", 88 },
	{ "OSPF", 89 }, { "ETHIP", 97 }, { "PIM", 103 }, { "VRRP", 112 }, { "L2TP", 115 },
	{ "SCTP", 132 }, { "UDP-L", 136 }, { "MPLS", 137 },
};

enum state { S_HEADER, S_ROWS, S_DONE };

struct kb_nfcsv {
	char *name;
	enum state state;
	struct {
		size_t col;
		uint8_t id;
	} order[N_COUNT];             /* the columns read, by column */
	size_t norder;
	bool have[N_COUNT];
	uint64_t header_line;         /* 0: no header (the 1.7.1 order is assumed) */
};

struct span {
	const char *p;
	size_t n;
	size_t col; /* 1-based column where the cell starts */
};

int kb_nfcsv_new(const char *name, kb_nfcsv **ret)
{
	kb_nfcsv *r = calloc(1, sizeof *r);
	if (!r)
		return KB_ENOMEM;
	r->name = strdup(name ? name : "");
	if (!r->name) {
		free(r);
		return KB_ENOMEM;
	}
	*ret = r;
	return 0;
}

void kb_nfcsv_free(kb_nfcsv *r)
{
	if (!r)
		return;
	free(r->name);
	free(r);
}

static struct span trim(const char *p, const char *e, const char *line)
{
	struct span s = { p, 0, (size_t)(p - line) + 1 };
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	s.p = p;
	s.n = (size_t)(e - p);
	return s;
}

static bool span_is(struct span s, const char *word)
{
	return strlen(word) == s.n && memcmp(s.p, word, s.n) == 0;
}

static void set_columns(kb_nfcsv *r, const size_t cols[N_COUNT])
{
	r->norder = 0;
	for (uint8_t id = 0; id < N_COUNT; id++) {
		r->have[id] = cols[id] != SIZE_MAX;
		if (!r->have[id])
			continue;
		size_t k = r->norder++;
		while (k > 0 && r->order[k - 1].col > cols[id]) {
			r->order[k] = r->order[k - 1];
			k--;
		}
		r->order[k].col = cols[id];
		r->order[k].id = id;
	}
}

static int header(kb_nfcsv *r, const char *line, size_t len, uint64_t lineno, kb_error *err)
{
	size_t cols[N_COUNT];
	for (size_t i = 0; i < N_COUNT; i++)
		cols[i] = SIZE_MAX;
	const char *p = line, *end = line + len;
	for (size_t c = 0;; c++) {
		const char *e = memchr(p, ',', (size_t)(end - p));
		if (!e)
			e = end;
		struct span s = trim(p, e, line);
		for (size_t i = 0; i < sizeof header_names / sizeof header_names[0]; i++)
			if (span_is(s, header_names[i].name) && cols[header_names[i].id] == SIZE_MAX)
				cols[header_names[i].id] = c;
		if (e == end)
			break;
		p = e + 1;
	}
	if (cols[N_TS] == SIZE_MAX || cols[N_SA] == SIZE_MAX || cols[N_DA] == SIZE_MAX)
		return kb_error_set(err, KB_EPARSE, r->name, lineno, 1, KB_NO_OFFSET,
		                    "expected the nfdump CSV header (ts,te,td,sa,da,sp,dp,pr,flg,...) with ts, sa and da columns");
	set_columns(r, cols);
	r->header_line = lineno;
	r->state = S_ROWS;
	return 0;
}

static int bad(const kb_nfcsv *r, uint64_t lineno, const struct span *s, enum ncol c, const char *expected,
               kb_error *err)
{
	return kb_error_set(err, KB_EINVAL, r->name, lineno, s->col, KB_NO_OFFSET, "%s: expected %s",
	                    col_names[c], expected);
}

static int parse_proto(struct span s, uint8_t *ret)
{
	uint64_t u;
	if (kb_ftext_u64(s.p, s.n, &u) == 0) {
		if (u > 255)
			return -1;
		*ret = (uint8_t)u;
		return 0;
	}
	for (size_t i = 0; i < sizeof proto_names / sizeof proto_names[0]; i++) {
		if (strlen(proto_names[i].name) == s.n && strncasecmp(proto_names[i].name, s.p, s.n) == 0) {
			*ret = proto_names[i].num;
			return 0;
		}
	}
	*ret = 0; /* a protocol name nfdump knows and this table does not */
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == ',' || (unsigned char)s.p[i] < 0x21 || (unsigned char)s.p[i] > 0x7e)
			return -1;
	return s.n ? 0 : -1;
}

/* "...AP.SF" (nfdump 1.7: CWR ECE URG ACK PSH RST SYN FIN), "0x1b", or a number. */
static int parse_flags(struct span s, uint8_t *ret)
{
	uint64_t u;
	if (kb_ftext_u64(s.p, s.n, &u) == 0) {
		if (u > 255)
			return -1;
		*ret = (uint8_t)u;
		return 0;
	}
	if (s.n > 2 && s.n <= 4 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		unsigned v = 0;
		for (size_t i = 2; i < s.n; i++) {
			char c = s.p[i];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			        : c >= 'A' && c <= 'F'                               ? c - 'A' + 10
			                                                             : -1;
			if (d < 0)
				return -1;
			v = v << 4 | (unsigned)d;
		}
		*ret = (uint8_t)v;
		return 0;
	}
	if (s.n == 0 || s.n > 8)
		return -1;
	uint8_t f = 0;
	for (size_t i = 0; i < s.n; i++) {
		switch (s.p[i]) {
		case 'C': f |= 0x80; break;
		case 'E': f |= 0x40; break;
		case 'U': f |= 0x20; break;
		case 'A': f |= 0x10; break;
		case 'P': f |= 0x08; break;
		case 'R': f |= 0x04; break;
		case 'S': f |= 0x02; break;
		case 'F': f |= 0x01; break;
		case '.': break;
		default: return -1;
		}
	}
	*ret = f;
	return 0;
}

/* A time: "YYYY-MM-DD HH:MM:SS[.mmm]" (read as UTC) or seconds since 1970. */
static int parse_time(struct span s, int64_t *ret)
{
	if (kb_ftext_secs_us(s.p, s.n, ret) == 0)
		return 0;
	return kb_ftext_datetime_us(s.p, s.n, true, ret);
}

static int row(kb_nfcsv *r, const char *line, size_t len, uint64_t lineno, const kb_flow_sink *sink,
               kb_error *err)
{
	struct span v[N_COUNT];
	const char *p = line, *end = line + len;
	size_t k = 0;
	for (size_t c = 0; k < r->norder; c++) {
		const char *e = memchr(p, ',', (size_t)(end - p));
		if (!e)
			e = end;
		if (c == r->order[k].col)
			v[r->order[k++].id] = trim(p, e, line);
		if (k == r->norder)
			break;
		if (e == end)
			return kb_error_set(err, KB_EPARSE, r->name, lineno, len + 1, KB_NO_OFFSET,
			                    "expected at least %zu columns, found %zu", r->order[r->norder - 1].col + 1,
			                    c + 1);
		p = e + 1;
	}
	kb_flow f;
	memset(&f, 0, sizeof f);
	f.line = lineno;
	if (parse_time(v[N_TS], &f.start_us) != 0 || f.start_us < 0)
		return bad(r, lineno, &v[N_TS], N_TS, "a time such as 2026-11-21 02:00:00.123", err);
	if (kb_ip_parse(v[N_SA].p, v[N_SA].n, &f.orig) != 0)
		return bad(r, lineno, &v[N_SA], N_SA, "an IPv4 or IPv6 address", err);
	if (kb_ip_parse(v[N_DA].p, v[N_DA].n, &f.resp) != 0)
		return bad(r, lineno, &v[N_DA], N_DA, "an IPv4 or IPv6 address", err);
	f.duration_us = -1;
	if (r->have[N_TD]) {
		if (kb_ftext_secs_us(v[N_TD].p, v[N_TD].n, &f.duration_us) != 0)
			return bad(r, lineno, &v[N_TD], N_TD, "seconds such as 0.877", err);
	} else if (r->have[N_TE]) {
		int64_t te;
		if (parse_time(v[N_TE], &te) != 0 || te < f.start_us)
			return bad(r, lineno, &v[N_TE], N_TE, "a time such as 2026-11-21 02:00:01.000, not before ts", err);
		f.duration_us = te - f.start_us;
	}
	if (r->have[N_PR] && parse_proto(v[N_PR], &f.proto) != 0)
		return bad(r, lineno, &v[N_PR], N_PR, "a protocol name such as TCP or a number 0-255", err);
	bool icmp = f.proto == 1 || f.proto == 58;
	if (r->have[N_SP] && kb_ftext_port(v[N_SP].p, v[N_SP].n, &f.orig_port) != 0)
		return bad(r, lineno, &v[N_SP], N_SP, "a port 0-65535", err);
	if (icmp)
		f.orig_port = 0; /* type and code come from dp alone */
	if (r->have[N_DP]) {
		const struct span *d = &v[N_DP];
		const char *dot = icmp ? memchr(d->p, '.', d->n) : NULL;
		uint16_t type, code;
		if (dot) {
			if (kb_ftext_port(d->p, (size_t)(dot - d->p), &type) != 0 || type > 255 ||
			    kb_ftext_port(dot + 1, (size_t)(d->p + d->n - dot - 1), &code) != 0 || code > 255)
				return bad(r, lineno, d, N_DP, "an ICMP type.code such as 8.0", err);
			f.orig_port = type;
			f.resp_port = code;
		} else {
			if (kb_ftext_port(d->p, d->n, &f.resp_port) != 0)
				return bad(r, lineno, d, N_DP, "a port 0-65535", err);
			if (icmp) {
				f.orig_port = (uint16_t)(f.resp_port >> 8);
				f.resp_port &= 0xff;
			}
		}
	}
	if (r->have[N_FLG] && parse_flags(v[N_FLG], &f.tcp_flags) != 0)
		return bad(r, lineno, &v[N_FLG], N_FLG, "TCP flags such as ...AP.SF", err);
	static const enum ncol counts[] = { N_IPKT, N_IBYT, N_OPKT, N_OBYT };
	uint64_t *dst[] = { &f.orig_pkts, &f.orig_bytes, &f.resp_pkts, &f.resp_bytes };
	for (size_t i = 0; i < 4; i++)
		if (r->have[counts[i]] && kb_ftext_u64(v[counts[i]].p, v[counts[i]].n, dst[i]) != 0)
			return bad(r, lineno, &v[counts[i]], counts[i], "a count (digits only)", err);
	if (f.resp_pkts == 0 && f.resp_bytes == 0)
		f.flags |= KB_FLOW_UNIDIR;
	return sink && sink->flow ? sink->flow(sink->ctx, &f) : 0;
}

static bool starts_header(const char *line, size_t len)
{
	const char *e = memchr(line, ',', len);
	struct span s = trim(line, e ? e : line + len, line);
	return span_is(s, "ts") || span_is(s, "firstSeen");
}

int kb_nfcsv_line(kb_nfcsv *r, const char *line, size_t len, uint64_t lineno, const kb_flow_sink *sink,
                  kb_error *err)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	switch (r->state) {
	case S_HEADER:
		if (len == 0)
			return 0;
		if (line[0] >= '0' && line[0] <= '9') {
			set_columns(r, legacy_cols);
			r->header_line = 0;
			r->state = S_ROWS;
			return row(r, line, len, lineno, sink, err);
		}
		return header(r, line, len, lineno, err);
	case S_ROWS:
		if (len == 0 || (len >= 7 && memcmp(line, "Summary", 7) == 0)) {
			r->state = S_DONE;
			return 0;
		}
		if ((line[0] < '0' || line[0] > '9') && starts_header(line, len))
			return header(r, line, len, lineno, err);
		return row(r, line, len, lineno, sink, err);
	case S_DONE:
		if (starts_header(line, len))
			return header(r, line, len, lineno, err);
		return 0;
	}
	return 0;
}
