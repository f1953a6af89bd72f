/*
 * flow-store.c - flow records in the store (contract in koban/flowstore.h;
 * tables flow_source, flow_run, flow_name of migration 9).
 *
 * Records are KB_FLOW_REC_BYTES little-endian bytes each:
 *    0 start_us i64      8 duration_us i64 (-1 unknown)
 *   16 orig[16]         32 resp[16]
 *   48 orig_port u16    50 resp_port u16
 *   52 proto u8  53 flags u8  54 tcp_flags u8  55 state code u8 (0 none)
 *   56 orig_bytes u64   64 resp_bytes u64
 *   72 orig_pkts u32    76 resp_pkts u32 (saturated)
 * The host must be little-endian (checked when compiling).
 *
 * A writer fills a run buffer (grown by doubling up to KB_FLOW_RUN_RECORDS
 * records); a full buffer is sorted by start time - most inputs are close
 * to sorted, so a sorted one is detected in one pass and left alone; else
 * (time, index) keys are sorted and the records permuted in place, cycle
 * by cycle - and written as blobs of KB_FLOW_BLOB_RECORDS records, each
 * bound whole (SQLite copies it once into a record of that bounded size; a
 * zeroblob filled through a blob handle would be read back first). Each
 * blob is a run the cursor merges.
 * Everything of one source is written inside one transaction (a savepoint
 * when nested).
 *
 * A cursor opens each run overlapping the window as a blob and keeps one
 * block of it; a binary heap on the head records' start times merges the
 * runs. Runs whose bytes are not a whole number of records, or whose
 * records go backwards in time, are reported as damaged.
 */
#include "koban/flowstore.h"
#include "koban/huntio.h"
#include "store-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "flow-store.c stores records in host order and expects a little-endian host"
#endif

typedef struct rec {
	int64_t start_us, duration_us;
	uint8_t orig[16], resp[16];
	uint16_t orig_port, resp_port;
	uint8_t proto, flags, tcp_flags, state;
	uint64_t orig_bytes, resp_bytes;
	uint32_t orig_pkts, resp_pkts;
} rec;
_Static_assert(sizeof(rec) == KB_FLOW_REC_BYTES, "a stored flow record is 80 bytes");
_Static_assert(offsetof(rec, orig_bytes) == 56 && offsetof(rec, resp_pkts) == 76, "record layout");

/* Zeek's conn_state values, by code (0: none). */
static const char *const states[] = { "", "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH",
	                              "SH", "SHR", "OTH" };
#define N_STATES (sizeof states / sizeof states[0])

static uint8_t state_code(const kb_flow *f)
{
	if (!(f->flags & KB_FLOW_HAS_STATE) || !f->state[0])
		return 0;
	for (size_t i = 1; i < N_STATES; i++)
		if (strcmp(f->state, states[i]) == 0)
			return (uint8_t)i;
	return 0;
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void encode(rec *r, const kb_flow *f)
{
	r->start_us = f->start_us;
	r->duration_us = f->duration_us;
	memcpy(r->orig, f->orig.b, 16);
	memcpy(r->resp, f->resp.b, 16);
	r->orig_port = f->orig_port;
	r->resp_port = f->resp_port;
	r->proto = f->proto;
	r->state = state_code(f);
	r->flags = (uint8_t)(f->flags & ~KB_FLOW_HAS_STATE);
	if (r->state)
		r->flags |= KB_FLOW_HAS_STATE;
	r->tcp_flags = f->tcp_flags;
	r->orig_bytes = f->orig_bytes;
	r->resp_bytes = f->resp_bytes;
	r->orig_pkts = sat32(f->orig_pkts);
	r->resp_pkts = sat32(f->resp_pkts);
}

static void decode(const rec *r, kb_flow *f)
{
	memset(f, 0, offsetof(kb_flow, orig_bytes));
	f->start_us = r->start_us;
	f->duration_us = r->duration_us;
	memcpy(f->orig.b, r->orig, 16);
	memcpy(f->resp.b, r->resp, 16);
	f->orig_port = r->orig_port;
	f->resp_port = r->resp_port;
	f->proto = r->proto;
	f->flags = r->flags;
	f->tcp_flags = r->tcp_flags;
	if (r->state < N_STATES)
		memcpy(f->state, states[r->state], strlen(states[r->state]) + 1);
	f->orig_bytes = r->orig_bytes;
	f->resp_bytes = r->resp_bytes;
	f->orig_pkts = r->orig_pkts;
	f->resp_pkts = r->resp_pkts;
	f->uid = NULL;
	f->line = 0;
}

const char *kb_flow_format_name(kb_flow_format f)
{
	switch (f) {
	case KB_FLOWFMT_ZEEK: return "zeek";
	case KB_FLOWFMT_NFCSV: return "nfcsv";
	case KB_FLOWFMT_PCAP: return "pcap";
	case KB_FLOWFMT_NETFLOW: return "netflow";
	default: return "auto";
	}
}

int kb_flow_format_parse(const char *s, kb_flow_format *ret)
{
	static const kb_flow_format all[] = { KB_FLOWFMT_AUTO, KB_FLOWFMT_ZEEK, KB_FLOWFMT_NFCSV, KB_FLOWFMT_PCAP };
	for (size_t i = 0; s && i < sizeof all / sizeof *all; i++)
		if (strcmp(s, kb_flow_format_name(all[i])) == 0) {
			*ret = all[i];
			return 0;
		}
	return KB_EINVAL;
}

/* ---- writing ------------------------------------------------------------------- */

struct kb_flow_writer {
	kb_store *s;
	int64_t source_id;
	rec *buf;
	size_t n, cap;
	uint64_t flows, names, runs;
	int64_t t_min, t_max;
	bool replaced;
	sqlite3_stmt *name_ins;
	struct key { int64_t t; uint32_t i; } *keys;
};

static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Sort the buffer by start time (stable) and write it as one run. */
static int flush_run(kb_flow_writer *w, kb_error *err)
{
	if (w->n == 0)
		return 0;
	bool sorted = true;
	for (size_t i = 1; i < w->n && sorted; i++)
		sorted = w->buf[i - 1].start_us <= w->buf[i].start_us;
	if (!sorted) {
		if (!w->keys && !(w->keys = malloc(KB_FLOW_RUN_RECORDS * sizeof *w->keys)))
			return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
		for (size_t i = 0; i < w->n; i++)
			w->keys[i] = (struct key){ w->buf[i].start_us, (uint32_t)i };
		qsort(w->keys, w->n, sizeof *w->keys, cmp_key);
	}
	if (!sorted) {
		/* put the records in key order in place: follow each cycle of the permutation */
		for (size_t i = 0; i < w->n; i++) {
			if (w->keys[i].i == UINT32_MAX || w->keys[i].i == i)
				continue;
			rec tmp = w->buf[i];
			size_t j = i;
			for (;;) {
				size_t from = w->keys[j].i;
				w->keys[j].i = UINT32_MAX;
				if (from == i) {
					w->buf[j] = tmp;
					break;
				}
				w->buf[j] = w->buf[from];
				j = from;
			}
		}
	}
	int64_t tmin = w->buf[0].start_us, tmax = w->buf[w->n - 1].start_us;
	/* blobs of KB_FLOW_BLOB_RECORDS: each is bound whole (SQLite copies it once into a
	 * record of its size: bounded) and written once; a zeroblob filled through a blob
	 * handle would be read back page by page first */
	sqlite3_stmt *st = NULL;
	int r = kb_store_cached(w->s,
	                        "INSERT INTO flow_run(source_id, seq, rows, t_min, t_max, data)"
	                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	                        &st, err);
	if (r < 0)
		return r;
	for (size_t at = 0; at < w->n; at += KB_FLOW_BLOB_RECORDS) {
		size_t k = w->n - at < KB_FLOW_BLOB_RECORDS ? w->n - at : KB_FLOW_BLOB_RECORDS;
		sqlite3_bind_int64(st, 1, w->source_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)w->runs);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)k);
		sqlite3_bind_int64(st, 4, w->buf[at].start_us);
		sqlite3_bind_int64(st, 5, w->buf[at + k - 1].start_us);
		sqlite3_bind_blob64(st, 6, &w->buf[at], (sqlite3_uint64)(k * sizeof(rec)), SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_clear_bindings(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return kb_store_fail(w->s, err, "write a flow run");
		w->runs++;
	}
	w->t_min = tmin < w->t_min ? tmin : w->t_min;
	w->t_max = tmax > w->t_max ? tmax : w->t_max;
	w->n = 0;
	return 0;
}

int kb_flow_writer_begin(kb_store *s, const char *name, kb_flow_format format, kb_flow_writer **ret,
                         kb_error *err)
{
	kb_flow_writer *w = calloc(1, sizeof *w);
	if (!w)
		return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	w->s = s;
	w->t_min = INT64_MAX;
	w->t_max = INT64_MIN;
	int r = kb_store_begin(s, err);
	if (r < 0) {
		free(w);
		return r;
	}
	sqlite3_stmt *st = NULL;
	r = kb_store_cached(s, "DELETE FROM flow_source WHERE name = ?1", &st, err);
	if (r == 0) {
		kb_bind_text(st, 1, name);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = kb_store_fail(s, err, "replace a flow source");
		w->replaced = sqlite3_changes(s->db) > 0;
		sqlite3_reset(st);
	}
	if (r == 0)
		r = kb_store_cached(s, "INSERT INTO flow_source(name, format, rows) VALUES (?1, ?2, 0)", &st, err);
	if (r == 0) {
		kb_bind_text(st, 1, name);
		kb_bind_text(st, 2, kb_flow_format_name(format));
		if (sqlite3_step(st) != SQLITE_DONE)
			r = kb_store_fail(s, err, "add a flow source");
		w->source_id = sqlite3_last_insert_rowid(s->db);
		sqlite3_reset(st);
	}
	if (r == 0)
		r = kb_store_cached(s,
		                    "INSERT INTO flow_name(source_id, kind, ts, orig, resp, resp_port, name, uid, qtype, rcode)"
		                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		                    &w->name_ins, err);
	if (r < 0) {
		kb_store_rollback(s);
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int kb_flow_writer_put(kb_flow_writer *w, const kb_flow *f, kb_error *err)
{
	if (w->n == w->cap) {
		if (w->cap == KB_FLOW_RUN_RECORDS) {
			int r = flush_run(w, err);
			if (r < 0)
				return r;
		} else {
			size_t cap = w->cap ? w->cap * 2 : 4096;
			if (cap > KB_FLOW_RUN_RECORDS)
				cap = KB_FLOW_RUN_RECORDS;
			rec *p = realloc(w->buf, cap * sizeof *p);
			if (!p)
				return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
			w->buf = p;
			w->cap = cap;
		}
	}
	encode(&w->buf[w->n++], f);
	w->flows++;
	if (f->start_us < w->t_min)
		w->t_min = f->start_us;
	if (f->start_us > w->t_max)
		w->t_max = f->start_us;
	return 0;
}

int kb_flow_writer_put_name(kb_flow_writer *w, const kb_flow_name *n, kb_error *err)
{
	static const char *const kinds[] = { "", "sni", "http-host", "dns-query" };
	if (!n->name || !*n->name || n->kind < KB_FLOW_NAME_SNI || n->kind > KB_FLOW_NAME_DNS_QUERY)
		return 0;
	sqlite3_stmt *st = w->name_ins;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, w->source_id);
	kb_bind_text(st, 2, kinds[n->kind]);
	sqlite3_bind_int64(st, 3, n->ts_us);
	sqlite3_bind_blob(st, 4, n->orig.b, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, n->resp.b, 16, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, n->resp_port);
	size_t len = strlen(n->name);
	sqlite3_bind_text(st, 7, n->name, (int)(len > KB_FLOW_NAME_MAX_BYTES ? KB_FLOW_NAME_MAX_BYTES : len),
	                  SQLITE_STATIC);
	kb_bind_text_or_null(st, 8, n->uid);
	sqlite3_bind_int(st, 9, n->qtype);
	sqlite3_bind_int(st, 10, n->rcode);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return kb_store_fail(w->s, err, "keep a flow name");
	w->names++;
	return 0;
}

static void writer_free(kb_flow_writer *w)
{
	free(w->buf);
	free(w->keys);
	free(w);
}

void kb_flow_writer_abort(kb_flow_writer *w)
{
	if (!w)
		return;
	if (w->name_ins)
		sqlite3_reset(w->name_ins);
	kb_store_rollback(w->s);
	writer_free(w);
}

int kb_flow_writer_end(kb_flow_writer *w, kb_flow_import_stats *ret, kb_error *err)
{
	int r = flush_run(w, err);
	sqlite3_stmt *st = NULL;
	if (r == 0)
		r = kb_store_cached(w->s, "UPDATE flow_source SET rows = ?2, names = ?3, t_min = ?4, t_max = ?5 WHERE id = ?1",
		                    &st, err);
	if (r == 0) {
		sqlite3_bind_int64(st, 1, w->source_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)w->flows);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)w->names);
		if (w->flows) {
			sqlite3_bind_int64(st, 4, w->t_min);
			sqlite3_bind_int64(st, 5, w->t_max);
		}
		if (sqlite3_step(st) != SQLITE_DONE)
			r = kb_store_fail(w->s, err, "count a flow source");
		sqlite3_reset(st);
	}
	if (r == 0)
		r = kb_store_commit(w->s, err);
	if (r < 0) {
		kb_flow_writer_abort(w);
		return r;
	}
	if (ret) {
		memset(ret, 0, sizeof *ret);
		ret->flows = w->flows;
		ret->names = w->names;
		ret->runs = w->runs;
		ret->t_min_us = w->flows ? w->t_min : 0;
		ret->t_max_us = w->flows ? w->t_max : 0;
		ret->replaced = w->replaced;
	}
	writer_free(w);
	return 0;
}

/* ---- importing files ------------------------------------------------------------- */

struct imp {
	kb_flow_writer *w;
	kb_error *err;
	int code; /* a store error inside a sink callback */
};

static int sink_flow(void *ctx, const kb_flow *f)
{
	struct imp *im = ctx;
	int r = kb_flow_writer_put(im->w, f, im->err);
	if (r < 0)
		im->code = r;
	return r;
}

static int sink_name(void *ctx, const kb_flow_name *n)
{
	struct imp *im = ctx;
	int r = kb_flow_writer_put_name(im->w, n, im->err);
	if (r < 0)
		im->code = r;
	return r;
}

static bool pcap_magic(const unsigned char *b, size_t n)
{
	static const unsigned char m[][4] = { { 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
		                              { 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
		                              { 0x0a, 0x0d, 0x0d, 0x0a } };
	for (size_t i = 0; n >= 4 && i < sizeof m / sizeof *m; i++)
		if (memcmp(b, m[i], 4) == 0)
			return true;
	return false;
}

static kb_zeek_log hint_of(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	static const struct { const char *p; kb_zeek_log k; } h[] = {
		{ "conn", KB_ZEEK_CONN }, { "dns", KB_ZEEK_DNS }, { "ssl", KB_ZEEK_SSL }, { "http", KB_ZEEK_HTTP },
	};
	for (size_t i = 0; i < sizeof h / sizeof *h; i++)
		if (strncmp(base, h[i].p, strlen(h[i].p)) == 0)
			return h[i].k;
	return KB_ZEEK_UNKNOWN;
}

static const char *zeek_detail(kb_zeek_log k)
{
	switch (k) {
	case KB_ZEEK_CONN: return "conn";
	case KB_ZEEK_SSL: return "ssl";
	case KB_ZEEK_HTTP: return "http";
	case KB_ZEEK_DNS: return "dns";
	case KB_ZEEK_OTHER: return "other";
	default: return "unknown";
	}
}

/* A text file: the first non-empty line tells Zeek from nfdump CSV. */
static int import_text(kb_store *s, const char *path, kb_flow_format fmt, kb_flow_import_stats *st,
                       kb_error *err)
{
	kb_hunt_input *in = NULL;
	kb_hunt_lines *lr = NULL;
	kb_zeek *z = NULL;
	kb_nfcsv *nf = NULL;
	kb_flow_writer *w = NULL;
	int r = kb_hunt_input_open(path, &in, err);
	if (r == 0 && (r = kb_hunt_lines_new(in, NULL, &lr)) < 0)
		r = kb_error_set(err, r, path, 0, 0, KB_NO_OFFSET, "cannot read lines");
	kb_hunt_line ln;
	int got = r == 0 ? kb_hunt_lines_next(lr, &ln, err) : r;
	while (got == 1 && ln.len == 0)
		got = kb_hunt_lines_next(lr, &ln, err);
	if (got < 0)
		r = got;
	if (r == 0 && got == 0)
		r = kb_error_set(err, KB_EFORMAT, path, 0, 0, KB_NO_OFFSET,
		                 "empty: expected a Zeek log, an nfdump CSV export or a pcap file");
	if (r == 0 && fmt == KB_FLOWFMT_AUTO) {
		bool zeek = (ln.len >= 1 && (ln.data[0] == '#' || ln.data[0] == '{'));
		bool csv = !zeek && ln.len >= 3 && (memcmp(ln.data, "ts,", 3) == 0 || memmem(ln.data, ln.len, "srcAddr", 7) ||
		                                    (ln.data[0] >= '0' && ln.data[0] <= '9' && memchr(ln.data, ',', ln.len)));
		if (zeek)
			fmt = KB_FLOWFMT_ZEEK;
		else if (csv)
			fmt = KB_FLOWFMT_NFCSV;
		else
			r = kb_error_set(err, KB_EFORMAT, path, ln.lineno, 1, ln.offset,
			                 "expected a Zeek log (TSV with #fields, or JSON lines), an nfdump CSV export or a "
			                 "pcap file");
	}
	if (r == 0 && fmt == KB_FLOWFMT_ZEEK)
		r = kb_zeek_new(path, hint_of(path), &z);
	if (r == 0 && fmt == KB_FLOWFMT_NFCSV)
		r = kb_nfcsv_new(path, &nf);
	if (r == 0)
		r = kb_flow_writer_begin(s, path, fmt, &w, err);
	struct imp im = { .w = w, .err = err };
	kb_flow_sink sink = { .flow = sink_flow, .name = sink_name, .ctx = &im };
	while (r == 0 && got == 1) {
		if (ln.flags & (KB_HUNT_LINE_MORE | KB_HUNT_LINE_CONT)) {
			r = kb_error_set(err, KB_ELIMIT, path, ln.lineno, 0, ln.offset, "line longer than %u bytes",
			                 (unsigned)KB_HUNT_MAX_LINE);
			break;
		}
		if (ln.len) {
			r = z ? kb_zeek_line(z, ln.data, ln.len, ln.lineno, &sink, err)
			      : kb_nfcsv_line(nf, ln.data, ln.len, ln.lineno, &sink, err);
			if (r != 0 && im.code < 0)
				r = im.code; /* the store failed inside the sink: err says so */
		}
		if (r == 0 && (got = kb_hunt_lines_next(lr, &ln, err)) < 0)
			r = got;
	}
	if (r == 0 && z && kb_zeek_kind(z) == KB_ZEEK_UNKNOWN)
		r = kb_error_set(err, KB_EFORMAT, path, 0, 0, KB_NO_OFFSET,
		                 "no #path, #fields or JSON row says which Zeek log this is");
	if (r == 0 && z && kb_zeek_kind(z) == KB_ZEEK_OTHER)
		r = kb_error_set(err, KB_EFORMAT, path, 0, 0, KB_NO_OFFSET,
		                 "a Zeek log with no flows or names: expected conn, ssl, http or dns");
	if (r == 0) {
		r = kb_flow_writer_end(w, st, err);
		w = NULL;
	}
	if (r < 0)
		kb_flow_writer_abort(w);
	st->format = fmt;
	st->detail = z ? zeek_detail(kb_zeek_kind(z)) : nf ? "netflow" : NULL;
	if (r < 0 && !err->file[0])
		snprintf(err->file, sizeof err->file, "%s", path);
	kb_zeek_free(z);
	kb_nfcsv_free(nf);
	kb_hunt_lines_free(lr);
	kb_hunt_input_free(in);
	return r;
}

static int import_pcap(kb_store *s, const char *path, const kb_flow_import_opts *o, kb_flow_import_stats *st,
                       kb_error *err)
{
	kb_flow_writer *w = NULL;
	int r = kb_flow_writer_begin(s, path, KB_FLOWFMT_PCAP, &w, err);
	if (r < 0)
		return r;
	struct imp im = { .w = w, .err = err };
	kb_flow_sink sink = { .flow = sink_flow, .name = sink_name, .ctx = &im };
	kb_pcap_opts po = { .all_udp_export = o && o->all_udp_export };
	r = kb_flows_read_pcap(path, &po, &sink, err);
	if (r != 0 && im.code < 0)
		r = im.code;
	if (r == 0)
		return kb_flow_writer_end(w, st, err);
	kb_flow_writer_abort(w);
	return r < 0 ? r : KB_EINVAL;
}

int kb_flows_import_file(kb_store *s, const char *path, const kb_flow_import_opts *opts,
                         kb_flow_import_stats *ret, kb_error *err)
{
	kb_flow_format fmt = opts ? opts->format : KB_FLOWFMT_AUTO;
	if (fmt == KB_FLOWFMT_AUTO || fmt == KB_FLOWFMT_PCAP) {
		unsigned char head[4];
		FILE *f = fopen(path, "rb");
		if (!f) {
			int e = errno;
			kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "cannot open: %s", strerror(e));
			if (err)
				err->sys_errno = e;
			return KB_EIO;
		}
		size_t n = fread(head, 1, sizeof head, f);
		fclose(f);
		if (fmt == KB_FLOWFMT_AUTO && pcap_magic(head, n))
			fmt = KB_FLOWFMT_PCAP;
	}
	kb_flow_import_stats st = { .format = fmt };
	int r = fmt == KB_FLOWFMT_PCAP ? import_pcap(s, path, opts, &st, err) : import_text(s, path, fmt, &st, err);
	if (fmt == KB_FLOWFMT_PCAP)
		st.detail = "pcap";
	if (r == 0 && ret)
		*ret = st;
	return r;
}

/* ---- reading ---------------------------------------------------------------------- */

int kb_flow_sources(kb_store *s, kb_flow_source_cb cb, void *ctx, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s, "SELECT id, name, format, imported, rows, names, t_min, t_max FROM flow_source"
	                            " ORDER BY name", &st, err);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_flow_source_info i = {
			.id = sqlite3_column_int64(st, 0), .name = kb_column_text(st, 1), .format = kb_column_text(st, 2),
			.imported = kb_column_text(st, 3), .flows = (uint64_t)sqlite3_column_int64(st, 4),
			.names = (uint64_t)sqlite3_column_int64(st, 5), .t_min_us = sqlite3_column_int64(st, 6),
			.t_max_us = sqlite3_column_int64(st, 7),
		};
		if ((r = cb(&i, ctx)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	return rc == SQLITE_DONE ? 0 : kb_store_fail(s, err, "read flow sources");
}

int kb_flow_source_delete(kb_store *s, const char *name, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s, "DELETE FROM flow_source WHERE name = ?1", &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return kb_store_fail(s, err, "delete a flow source");
	if (sqlite3_changes(s->db) == 0)
		return kb_error_set(err, KB_ENOTFOUND, NULL, 0, 0, KB_NO_OFFSET, "no flow source named %s", name);
	return 0;
}

int kb_flow_span(kb_store *s, int64_t *ret_min_us, int64_t *ret_max_us, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s, "SELECT min(t_min), max(t_max) FROM flow_source WHERE rows > 0", &st, err);
	if (r < 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return kb_store_fail(s, err, "read the flow time span");
	}
	*ret_min_us = sqlite3_column_int64(st, 0);
	*ret_max_us = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

struct runreader {
	sqlite3_blob *blob;
	int64_t id;
	uint64_t rows, next;   /* records in the run, next record to read from the blob */
	rec block[KB_FLOW_CURSOR_BLOCK];
	size_t have, at;       /* records in block, next one to hand over */
	int64_t last;          /* start time of the last one handed over */
};

struct kb_flow_cursor {
	kb_store *s;
	int64_t since, until;
	struct runreader **runs;
	size_t nruns;
	size_t *heap;          /* run indices, by head start time */
	size_t nheap;
};

kb_flow_cursor *kb_flow_cursor_free(kb_flow_cursor *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->nruns; i++) {
		if (c->runs[i]->blob)
			sqlite3_blob_close(c->runs[i]->blob);
		free(c->runs[i]);
	}
	free(c->runs);
	free(c->heap);
	free(c);
	return NULL;
}

/* Refill a run's block; 1 when it has a record at `at`, 0 at its end. */
static int fill(kb_flow_cursor *c, struct runreader *rr, kb_error *err)
{
	if (rr->at < rr->have)
		return 1;
	if (rr->next >= rr->rows)
		return 0;
	uint64_t k = rr->rows - rr->next;
	if (k > KB_FLOW_CURSOR_BLOCK)
		k = KB_FLOW_CURSOR_BLOCK;
	if (sqlite3_blob_read(rr->blob, rr->block, (int)(k * sizeof(rec)), (int)(rr->next * sizeof(rec))) != SQLITE_OK)
		return kb_store_fail(c->s, err, "read a flow run");
	rr->next += k;
	rr->have = (size_t)k;
	rr->at = 0;
	return 1;
}

/* Skip records before the window; 1 when the run has one in it, 0 when not. */
static int head(kb_flow_cursor *c, struct runreader *rr, kb_error *err)
{
	for (;;) {
		int r = fill(c, rr, err);
		if (r <= 0)
			return r;
		const rec *h = &rr->block[rr->at];
		if (h->start_us < rr->last)
			return kb_error_set(err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET,
			                    "flow run %lld is damaged: its records go back in time", (long long)rr->id);
		if (h->start_us >= c->until)
			return 0;
		if (h->start_us >= c->since)
			return 1;
		rr->last = h->start_us;
		rr->at++;
	}
}

static int64_t key_of(const kb_flow_cursor *c, size_t i)
{
	const struct runreader *rr = c->runs[c->heap[i]];
	return rr->block[rr->at].start_us;
}

static void sift_down(kb_flow_cursor *c, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < c->nheap && (key_of(c, l) < key_of(c, m) ||
		                     (key_of(c, l) == key_of(c, m) && c->heap[l] < c->heap[m])))
			m = l;
		if (l + 1 < c->nheap && (key_of(c, l + 1) < key_of(c, m) ||
		                         (key_of(c, l + 1) == key_of(c, m) && c->heap[l + 1] < c->heap[m])))
			m = l + 1;
		if (m == i)
			return;
		size_t t = c->heap[i];
		c->heap[i] = c->heap[m];
		c->heap[m] = t;
		i = m;
	}
}

int kb_flow_cursor_open(kb_store *s, int64_t since_us, int64_t until_us, kb_flow_cursor **ret, kb_error *err)
{
	kb_flow_cursor *c = calloc(1, sizeof *c);
	if (!c)
		return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	c->s = s;
	c->since = since_us;
	c->until = until_us;
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s,
	                         "SELECT r.rowid, r.rows, length(r.data) FROM flow_run r JOIN flow_source f ON f.id = r.source_id"
	                         " WHERE r.t_max >= ?1 AND r.t_min < ?2 ORDER BY f.name, r.seq",
	                         &st, err);
	if (r < 0) {
		free(c);
		return r;
	}
	sqlite3_bind_int64(st, 1, since_us);
	sqlite3_bind_int64(st, 2, until_us);
	size_t cap = 0;
	int rc;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), rows = sqlite3_column_int64(st, 1),
			len = sqlite3_column_int64(st, 2);
		if (rows < 0 || len != rows * (int64_t)sizeof(rec)) {
			r = kb_error_set(err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET,
			                 "flow run %lld is damaged: %lld bytes for %lld records", (long long)id,
			                 (long long)len, (long long)rows);
			break;
		}
		if (c->nruns == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct runreader **p = realloc(c->runs, ncap * sizeof *p);
			if (!p) {
				r = kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
				break;
			}
			c->runs = p;
			cap = ncap;
		}
		struct runreader *rr = calloc(1, sizeof *rr);
		if (!rr) {
			r = kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
			break;
		}
		c->runs[c->nruns++] = rr;
		rr->id = id;
		rr->rows = (uint64_t)rows;
		rr->last = INT64_MIN;
		if (sqlite3_blob_open(s->db, "main", "flow_run", "data", id, 0, &rr->blob) != SQLITE_OK)
			r = kb_store_fail(s, err, "open a flow run");
	}
	sqlite3_finalize(st);
	if (r == 0 && !(c->heap = malloc((c->nruns ? c->nruns : 1) * sizeof *c->heap)))
		r = kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	for (size_t i = 0; r == 0 && i < c->nruns; i++) {
		int h = head(c, c->runs[i], err);
		if (h < 0)
			r = h;
		else if (h == 1)
			c->heap[c->nheap++] = i;
	}
	for (size_t i = c->nheap / 2; r == 0 && i-- > 0;)
		sift_down(c, i);
	if (r < 0) {
		kb_flow_cursor_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int kb_flow_cursor_next(kb_flow_cursor *c, kb_flow *ret, kb_error *err)
{
	if (c->nheap == 0)
		return 0;
	struct runreader *rr = c->runs[c->heap[0]];
	const rec *r = &rr->block[rr->at];
	decode(r, ret);
	rr->last = r->start_us;
	rr->at++;
	int h = head(c, rr, err);
	if (h < 0)
		return h;
	if (h == 0)
		c->heap[0] = c->heap[--c->nheap];
	sift_down(c, 0);
	return 1;
}

/* ---- names -------------------------------------------------------------------------- */

static kb_flow_name_kind kind_of(const char *k)
{
	return !k ? 0 : strcmp(k, "sni") == 0 ? KB_FLOW_NAME_SNI : strcmp(k, "http-host") == 0 ? KB_FLOW_NAME_HTTP_HOST
	                                                                                       : KB_FLOW_NAME_DNS_QUERY;
}

int kb_flow_names_between(kb_store *s, const kb_ip *a, const kb_ip *b, kb_flow_name_cb cb, void *ctx, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s,
	                         "SELECT kind, name, max(ts) AS last FROM flow_name"
	                         " WHERE kind <> 'dns-query' AND ((orig = ?1 AND resp = ?2) OR (orig = ?2 AND resp = ?1))"
	                         " GROUP BY kind, name ORDER BY last",
	                         &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_blob(st, 1, a->b, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, b->b, 16, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = cb(kind_of(kb_column_text(st, 0)), kb_column_text(st, 1), ctx)) != 0)
			break;
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	return rc == SQLITE_DONE ? 0 : kb_store_fail(s, err, "read flow names");
}

int kb_flow_dns_queries(kb_store *s, int64_t since_us, int64_t until_us, kb_flow_query_cb cb, void *ctx,
                        kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_prepare(s,
	                         "SELECT ts, orig, name FROM flow_name WHERE kind = 'dns-query' AND ts >= ?1 AND ts < ?2"
	                         " ORDER BY ts",
	                         &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, since_us);
	sqlite3_bind_int64(st, 2, until_us);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kb_ip ip;
		memset(&ip, 0, sizeof ip);
		if (sqlite3_column_bytes(st, 1) == 16)
			memcpy(ip.b, sqlite3_column_blob(st, 1), 16);
		const char *name = kb_column_text(st, 2);
		if (name && (r = cb(sqlite3_column_int64(st, 0), &ip, name, ctx)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	return rc == SQLITE_DONE ? 0 : kb_store_fail(s, err, "read DNS queries");
}
