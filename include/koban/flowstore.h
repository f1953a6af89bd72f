/*
 * flowstore.h - flow records kept in the store, for `koban flows` and
 * `koban detect`.
 *
 * An imported file is a flow source (identified by the name it was
 * imported under; importing it again replaces it). Its records are kept as
 * runs: at most KB_FLOW_RUN_RECORDS records of KB_FLOW_REC_BYTES bytes are
 * sorted by start time at once and stored as blobs of at most
 * KB_FLOW_BLOB_RECORDS, each a sorted run; names
 * (TLS server names, HTTP hosts, DNS queries) go to a table of their own.
 * A reader (kb_flow_cursor) merges the runs of every source that overlaps
 * a time window and hands the records over in start-time order, reading
 * each blob a block at a time: memory is one block per run, never a
 * source.
 *
 * An import is one transaction: a file that fails (a malformed row, a
 * truncated capture) leaves nothing behind, and the error names the file,
 * line or packet, and column.
 */
#ifndef KOBAN_FLOWSTORE_H
#define KOBAN_FLOWSTORE_H

#include "koban/flow.h"
#include "koban/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. */
#define KB_FLOW_REC_BYTES 80                /* one stored record */
#define KB_FLOW_RUN_RECORDS (1u << 20)      /* records sorted in memory at once (80 MiB) */
#define KB_FLOW_BLOB_RECORDS (1u << 16)     /* records in one stored blob (5 MiB) */
#define KB_FLOW_CURSOR_BLOCK 1024u          /* records read from a run at a time */
#define KB_FLOW_NAME_MAX_BYTES 255          /* a longer server name or query is cut */

typedef enum kb_flow_format {
	KB_FLOWFMT_AUTO = 0,
	KB_FLOWFMT_ZEEK,    /* Zeek TSV or JSON lines, any compression */
	KB_FLOWFMT_NFCSV,   /* nfdump -o csv */
	KB_FLOWFMT_PCAP,    /* pcap or pcapng: traffic, or NetFlow/IPFIX export packets */
	KB_FLOWFMT_NETFLOW, /* received by kb_flow_listen (not a file format) */
} kb_flow_format;

/* "auto", "zeek", "nfcsv", "pcap", "netflow"; parse: KB_EINVAL for an unknown word
 * and for "netflow" (no file is in that format). */
const char *kb_flow_format_name(kb_flow_format f);
int kb_flow_format_parse(const char *s, kb_flow_format *ret);

typedef struct kb_flow_import_opts {
	kb_flow_format format;   /* AUTO: by content (magic, first line) */
	bool all_udp_export;     /* pcap: any UDP payload that looks like NetFlow/IPFIX is one */
} kb_flow_import_opts;

typedef struct kb_flow_import_stats {
	kb_flow_format format;
	const char *detail;      /* "conn", "dns", "ssl", "http", "traffic", "netflow" ...; static */
	uint64_t flows;          /* records kept */
	uint64_t names;          /* names kept */
	uint64_t runs;           /* blobs stored (sorted runs of at most KB_FLOW_BLOB_RECORDS) */
	int64_t t_min_us, t_max_us; /* start times of the first and last record (0 when none) */
	bool replaced;           /* the name had been imported before */
} kb_flow_import_stats;

/* Import one file under the name `path` (as given). */
int kb_flows_import_file(kb_store *s, const char *path, const kb_flow_import_opts *opts,
                         kb_flow_import_stats *ret, kb_error *err);

/* Records from a caller (the NetFlow collector, tests) under the source
 * name `name`: begin, put any number, then end (commit) or abort. */
typedef struct kb_flow_writer kb_flow_writer;
int kb_flow_writer_begin(kb_store *s, const char *name, kb_flow_format format, kb_flow_writer **ret,
                         kb_error *err);
int kb_flow_writer_put(kb_flow_writer *w, const kb_flow *f, kb_error *err);
int kb_flow_writer_put_name(kb_flow_writer *w, const kb_flow_name *n, kb_error *err);
/* Sort and keep what is left, commit. Frees the writer whatever happens. */
int kb_flow_writer_end(kb_flow_writer *w, kb_flow_import_stats *ret, kb_error *err);
/* Roll back and free; accepts NULL. */
void kb_flow_writer_abort(kb_flow_writer *w);

typedef struct kb_flow_source_info {
	int64_t id;
	const char *name, *format, *imported;
	uint64_t flows, names;
	int64_t t_min_us, t_max_us;
} kb_flow_source_info;
typedef int (*kb_flow_source_cb)(const kb_flow_source_info *src, void *ctx);
/* Every source, by name. */
int kb_flow_sources(kb_store *s, kb_flow_source_cb cb, void *ctx, kb_error *err);
/* Delete one source; KB_ENOTFOUND when there is none of that name. */
int kb_flow_source_delete(kb_store *s, const char *name, kb_error *err);
/* First and last start time over all sources; 0 and 0 when there are no flows. */
int kb_flow_span(kb_store *s, int64_t *ret_min_us, int64_t *ret_max_us, kb_error *err);

/* Records of every source with start times in [since_us, until_us), in
 * start-time order (ties in source and run order). `uid` of the records is
 * NULL. The cursor borrows the store: no writes while it is open. */
typedef struct kb_flow_cursor kb_flow_cursor;
int kb_flow_cursor_open(kb_store *s, int64_t since_us, int64_t until_us, kb_flow_cursor **ret, kb_error *err);
/* 1 and *ret filled, 0 at the end, or a negative code (a damaged run). */
int kb_flow_cursor_next(kb_flow_cursor *c, kb_flow *ret, kb_error *err);
kb_flow_cursor *kb_flow_cursor_free(kb_flow_cursor *c);

/* Names seen between two addresses (either way round), newest last;
 * cb gets each distinct (kind, name) once. */
typedef int (*kb_flow_name_cb)(kb_flow_name_kind kind, const char *name, void *ctx);
int kb_flow_names_between(kb_store *s, const kb_ip *a, const kb_ip *b, kb_flow_name_cb cb, void *ctx, kb_error *err);
/* Every DNS query in [since_us, until_us), by time: the client and the name. */
typedef int (*kb_flow_query_cb)(int64_t ts_us, const kb_ip *client, const char *name, void *ctx);
int kb_flow_dns_queries(kb_store *s, int64_t since_us, int64_t until_us, kb_flow_query_cb cb, void *ctx,
                        kb_error *err);

/* ---- a NetFlow/IPFIX collector ------------------------------------------------------ */

#define KB_FLOW_LISTEN_MAX_PACKET 65535       /* one UDP datagram */
#define KB_FLOW_LISTEN_COMMIT_S 60            /* default: records are committed this often */

typedef struct kb_flow_listen_stats {
	uint64_t packets, flows, malformed, sources; /* sources: commits made */
} kb_flow_listen_stats;

typedef struct kb_flow_listen_opts {
	unsigned commit_s;        /* 0: KB_FLOW_LISTEN_COMMIT_S; each commit is a source of its own */
	uint64_t max_packets;     /* stop after this many datagrams (0: no limit) */
	unsigned max_seconds;     /* stop after this long (0: no limit) */
	volatile int *stop;       /* stop when it becomes non-zero (a signal handler sets it); may be NULL */
	void (*progress)(const kb_flow_listen_stats *st, void *ctx); /* after each commit; may be NULL */
	void (*error)(const kb_error *e, void *ctx); /* a malformed datagram (decoding goes on); may be NULL */
	void *ctx;
	void (*ready)(int port, void *ctx); /* once bound, with the port (useful with port 0); may be NULL */
} kb_flow_listen_opts;

/* Receive NetFlow v5/v9/IPFIX datagrams on a UDP address ("127.0.0.1:2055",
 * "[::]:4739", ":2055" for every IPv4 address) with templates per exporter,
 * and keep the records: every commit_s seconds (and when stopping) what came
 * is committed as one source named "listen ADDR:PORT <UTC time>". A
 * datagram that cannot be decoded is counted and reported, never fatal. */
int kb_flow_listen(kb_store *s, const char *addr_port, const kb_flow_listen_opts *o, kb_flow_listen_stats *ret,
                   kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
