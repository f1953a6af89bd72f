/*
 * flow.h - network flow records and their readers, for `koban flows` and
 * `koban detect`.
 *
 * A kb_flow is one connection (a session, both directions) or, from NetFlow
 * and IPFIX, one direction of one (KB_FLOW_UNIDIR); the pairing of
 * directions and the stitching of sessions split by exporter timeouts
 * happen after reading. Readers turn bytes into records and hand them to a
 * kb_flow_sink one at a time; records are borrowed (their strings live
 * until the callback returns). A callback returning non-zero stops the
 * reader, which returns that value.
 *
 * Readers:
 *   Zeek conn.log, ssl.log, http.log, dns.log, TSV (columns by #fields) or
 *     JSON lines, fed line by line (kb_zeek_*); ssl/http/dns rows become
 *     kb_flow_name records (server name, host, query) keyed by the Zeek uid.
 *   nfdump CSV export (`nfdump -o csv`), fed line by line (kb_nfcsv_*).
 *   NetFlow v5, v9 (RFC 3954) and IPFIX (RFC 7011) export packets, with
 *     templates per (exporter, observation domain) (kb_nf_*).
 *   pcap files (libpcap): export packets are decoded by kb_nf_*, other
 *     traffic is assembled into bidirectional sessions (kb_sess_*,
 *     kb_flows_read_pcap).
 *
 * Addresses: IPv4 is held as an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
 */
#ifndef KOBAN_FLOW_H
#define KOBAN_FLOW_H

#include "koban/koban.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_ip {
	uint8_t b[16]; /* network order; IPv4 as ::ffff:a.b.c.d */
} kb_ip;

/* IPv4 from host-order a.b.c.d in one 32-bit value. */
kb_ip kb_ip_v4(uint32_t v4);
/* True when the address is IPv4-mapped. */
bool kb_ip_is_v4(const kb_ip *a);
/* Parse an IPv4 or IPv6 literal (no brackets, no zone); 0 or KB_EINVAL. */
int kb_ip_parse(const char *s, size_t len, kb_ip *ret);
/* Dotted quad for IPv4-mapped addresses, RFC 5952 text otherwise. */
#define KB_IP_TEXT_MAX 46
void kb_ip_format(const kb_ip *a, char *buf, size_t size);

enum {
	KB_FLOW_UNIDIR = 1u << 0,     /* one direction only (NetFlow/IPFIX): resp_* counters are 0 */
	KB_FLOW_PARTIAL = 1u << 1,    /* the exporter or session builder ended it by a timeout: more may follow */
	KB_FLOW_ORIG_LOCAL = 1u << 2, /* the source said the originator is local (Zeek local_orig) */
	KB_FLOW_RESP_LOCAL = 1u << 3, /* ... the responder is local (Zeek local_resp) */
	KB_FLOW_HAS_STATE = 1u << 4,  /* `state` is meaningful */
};

#define KB_FLOW_STATE_MAX 8   /* "RSTOS0" and NUL */
#define KB_FLOW_SERVICE_MAX 32

typedef struct kb_flow {
	int64_t start_us;       /* first packet, microseconds since 1970-01-01 UTC */
	int64_t duration_us;    /* -1 when unknown */
	kb_ip orig, resp;       /* originator (client) and responder (server) */
	uint16_t orig_port, resp_port; /* ICMP: type and code, as Zeek writes them */
	uint8_t proto;          /* IP protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6; 0 unknown */
	uint8_t flags;          /* KB_FLOW_* */
	char state[KB_FLOW_STATE_MAX];     /* Zeek conn_state ("SF", "S0", "REJ", ...), "" when unknown */
	char service[KB_FLOW_SERVICE_MAX]; /* Zeek service ("ssl", "http,ssl"), "" when unknown */
	uint64_t orig_bytes, resp_bytes;   /* application bytes (Zeek); IP bytes from NetFlow/IPFIX/pcap */
	uint64_t orig_pkts, resp_pkts;
	uint8_t tcp_flags;      /* OR of TCP flags seen (NetFlow, pcap); 0 when unknown */
	const char *uid;        /* Zeek uid, or NULL */
	uint64_t line;          /* where it came from: line (text formats) or packet number (pcap), 1-based */
} kb_flow;

typedef enum kb_flow_name_kind {
	KB_FLOW_NAME_SNI = 1,   /* ssl.log server_name */
	KB_FLOW_NAME_HTTP_HOST, /* http.log host */
	KB_FLOW_NAME_DNS_QUERY, /* dns.log query (the flow is the DNS exchange itself) */
} kb_flow_name_kind;

typedef struct kb_flow_name {
	kb_flow_name_kind kind;
	const char *uid;        /* the conn.log uid it belongs to; NULL when the log had none */
	int64_t ts_us;
	kb_ip orig, resp;
	uint16_t orig_port, resp_port;
	const char *name;       /* never NULL, never empty; as logged (not lower-cased) */
	uint16_t qtype;         /* DNS: query type number (0 when unknown) */
	uint16_t rcode;         /* DNS: response code (0 NOERROR; 0xffff when unknown) */
	uint64_t line;
} kb_flow_name;

typedef struct kb_flow_sink {
	int (*flow)(void *ctx, const kb_flow *f);      /* may be NULL: flows are skipped */
	int (*name)(void *ctx, const kb_flow_name *n); /* may be NULL: names are skipped */
	void *ctx;
} kb_flow_sink;

/* ---- Zeek logs, TSV or JSON lines ----------------------------------------------------- */

/* Limits. */
#define KB_ZEEK_MAX_FIELDS 256      /* columns of a #fields line; more: KB_ELIMIT */
#define KB_ZEEK_MAX_LINE (1u << 20) /* longer lines: KB_ELIMIT for that line */

typedef enum kb_zeek_log {
	KB_ZEEK_UNKNOWN = 0, /* not yet known (no #path, no JSON line yet) */
	KB_ZEEK_CONN,
	KB_ZEEK_SSL,
	KB_ZEEK_HTTP,
	KB_ZEEK_DNS,
	KB_ZEEK_OTHER,       /* another Zeek log: its rows are skipped */
} kb_zeek_log;

typedef struct kb_zeek kb_zeek;

/* A reader for one file named `name` (for errors). `hint` is the log kind
 * when the caller knows it (from the file name), KB_ZEEK_UNKNOWN otherwise:
 * the #path header, or for JSON the keys of the first row, decide. */
int kb_zeek_new(const char *name, kb_zeek_log hint, kb_zeek **ret);
void kb_zeek_free(kb_zeek *z);
/* One line (not NUL-terminated, no '\n'), 1-based number `lineno`. Header
 * lines configure the reader; rows go to the sink. A row that cannot be
 * read gives KB_EPARSE/KB_EINVAL with line, column and what was expected;
 * the caller decides whether to go on with the next line (the reader's
 * state stays valid). */
int kb_zeek_line(kb_zeek *z, const char *line, size_t len, uint64_t lineno, const kb_flow_sink *sink,
                 kb_error *err);
/* What the reader decided the file is. */
kb_zeek_log kb_zeek_kind(const kb_zeek *z);

/* ---- nfdump CSV export ---------------------------------------------------------------- */

typedef struct kb_nfcsv kb_nfcsv;
int kb_nfcsv_new(const char *name, kb_nfcsv **ret);
void kb_nfcsv_free(kb_nfcsv *r);
/* Header line first (column names), then rows; nfdump's trailing "Summary"
 * block ends the rows. Errors as kb_zeek_line. */
int kb_nfcsv_line(kb_nfcsv *r, const char *line, size_t len, uint64_t lineno, const kb_flow_sink *sink,
                  kb_error *err);

/* ---- NetFlow v5, v9, IPFIX ----------------------------------------------------------- */

/* Limits. */
#define KB_NF_MAX_TEMPLATES 4096       /* templates kept over all exporters; past it the oldest goes */
#define KB_NF_MAX_TEMPLATE_FIELDS 128  /* fields of one template; more: the template is refused */
#define KB_NF_MAX_PENDING (256u << 10) /* bytes of data sets kept while waiting for their template */

typedef struct kb_nf kb_nf;

typedef struct kb_nf_stats {
	uint64_t packets, records, templates;
	uint64_t pending;        /* data sets held for a template not yet seen */
	uint64_t dropped;        /* data sets dropped: no template before KB_NF_MAX_PENDING overflowed */
	uint64_t malformed;      /* packets or sets refused as malformed */
} kb_nf_stats;

/* A collector's decoder state: templates per (exporter address, observation
 * domain / source id), and data sets that came before their template. */
int kb_nf_new(kb_nf **ret);
void kb_nf_free(kb_nf *nf);
/* One export packet (a UDP payload) from `exporter`, received at `recv_us`
 * (used for IPFIX/v9 only when the packet's own time is absent). Records
 * go to the sink as KB_FLOW_UNIDIR flows. A malformed packet gives
 * KB_EPARSE with the byte offset inside the packet; records decoded before
 * it were delivered. */
int kb_nf_packet(kb_nf *nf, const kb_ip *exporter, int64_t recv_us, const uint8_t *pkt, size_t len,
                 const kb_flow_sink *sink, kb_error *err);
/* True when the bytes start like a NetFlow v5/v9 or IPFIX header whose
 * length and count fit `len` (used to tell export packets in a pcap). */
bool kb_nf_looks_like(const uint8_t *pkt, size_t len);
void kb_nf_get_stats(const kb_nf *nf, kb_nf_stats *ret);

/* ---- sessions from packets ----------------------------------------------------------- */

/* Limits and defaults. */
#define KB_SESS_MAX_ACTIVE (1u << 20)      /* sessions tracked at once; past it the oldest is ended */
#define KB_SESS_IDLE_US (60ll * 1000000)   /* TCP/UDP idle timeout (ICMP too) */
#define KB_SESS_TCP_IDLE_US (3600ll * 1000000) /* established TCP idle timeout */
#define KB_SESS_ACTIVE_US (1800ll * 1000000)   /* active timeout: a longer session is cut, KB_FLOW_PARTIAL */
#define KB_SESS_CLOSE_US (5ll * 1000000)      /* a TCP session is ended this long after its FINs or RST */
#define KB_SESS_FRAG_SLOTS 1024u              /* first fragments remembered (by IP id) for later fragments */
#define KB_SESS_MAX_EXT_HEADERS 16            /* IPv6 extension headers followed; more: malformed */

typedef struct kb_sess kb_sess;

typedef struct kb_sess_opts {
	int64_t idle_us;        /* 0: KB_SESS_IDLE_US */
	int64_t tcp_idle_us;    /* 0: KB_SESS_TCP_IDLE_US */
	int64_t active_us;      /* 0: KB_SESS_ACTIVE_US */
	uint32_t max_active;    /* 0: KB_SESS_MAX_ACTIVE (also its ceiling) */
} kb_sess_opts;

typedef struct kb_sess_stats {
	uint64_t packets;       /* every packet given to kb_sess_packet */
	uint64_t malformed;     /* not IPv4/IPv6, or headers cut short or inconsistent: skipped */
	uint64_t fragments;     /* non-first fragments */
	uint64_t frag_matched;  /* ... of them counted to their first fragment's session */
	uint64_t sessions;      /* sessions ended (flows given to the sink) */
	uint64_t evicted;       /* ... of them ended early because KB_SESS_MAX_ACTIVE were open */
	uint64_t active;        /* open now */
} kb_sess_stats;

int kb_sess_new(const kb_sess_opts *opts, kb_sess **ret);
void kb_sess_free(kb_sess *s);
/* One IP packet (starting at the IPv4 or IPv6 header), captured at ts_us,
 * `wire_len` bytes on the wire. Sessions ended by this packet (FIN/RST
 * completion, timeouts, the active limit) go to the sink; a session ended
 * early by the active timeout or by KB_SESS_MAX_ACTIVE has
 * KB_FLOW_PARTIAL. A packet that is not IPv4/IPv6 or whose headers are cut
 * short is counted (kb_sess_stats.malformed) and skipped: not an error.
 * Returns 0, KB_ENOMEM, or the sink's non-zero return. */
int kb_sess_packet(kb_sess *s, int64_t ts_us, const uint8_t *ip, size_t caplen, size_t wire_len,
                   const kb_flow_sink *sink, kb_error *err);
/* End every open session (end of input), oldest first. */
int kb_sess_flush(kb_sess *s, const kb_flow_sink *sink);
void kb_sess_get_stats(const kb_sess *s, kb_sess_stats *ret);

/* A pcap or pcapng file: UDP payloads that kb_nf_looks_like() and are sent
 * to a NetFlow/IPFIX port (2055, 2056, 4739, 6343, 9995, 9996) or when
 * `all_udp_export` is set are decoded as export packets (exporter = the
 * packet's source address); every other packet builds sessions. Errors
 * name the file and the packet number. */
typedef struct kb_pcap_opts {
	kb_sess_opts sess;
	bool all_udp_export;
} kb_pcap_opts;
int kb_flows_read_pcap(const char *path, const kb_pcap_opts *opts, const kb_flow_sink *sink, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
