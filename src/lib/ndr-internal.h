/*
 * ndr-internal.h - what the detection engine (ndr-engine.c) shares with its
 * detectors (ndr-*.c, one behaviour each, registered in ndr_detectors[]).
 *
 * The engine reads the flows of the baseline window, then of the analysis
 * window, in start-time order, and keeps the state every detector shares:
 * a host table and a (source, destination) pair table, both dense arrays
 * behind open-addressing indexes of (hash tag, index) slots, and a beacon state
 * (ndr-beacon.h) for each pair from an internal to an external host that
 * has two connections or more. Bytes per pair: sizeof(ndr_pair) (48) plus
 * 8 / load factor of index (slots of a hash tag and an index, 3/8 to 3/4
 * filled: 10.7 to 21.3), and up to a quarter more while the array grows;
 * per host 40 plus the same index; per beaconing pair 256 more. 10 million
 * pairs between 10 million hosts: 1,293 MiB measured. A detector keeps whatever else it needs in its
 * own state, bounded by its own named limits.
 *
 * Per flow, the engine fills an ndr_flowinfo (host and pair indices,
 * internal or not, business hours, admin port, established) and
 * calls each detector's `flow` hook (and `baseline` for baseline flows);
 * at the end each `finish` emits detections with ndr_emit(). A detection
 * may name sample flows to collect: the engine then reads the window once
 * more and keeps the first KB_DETECT_MAX_SAMPLES flows that match.
 */
#ifndef KOBAN_NDR_INTERNAL_H
#define KOBAN_NDR_INTERNAL_H

#include "koban/detect.h"
#include "koban/ioc.h"
#include "koban/flowstore.h"
#include "ndr-beacon.h"
#include "ndr-config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of the engine. */
#define NDR_MAX_HOSTS (64u << 20)        /* hosts kept; past it the run fails with KB_ELIMIT */
#define NDR_MAX_PAIRS (256u << 20)       /* pairs kept; past it the run fails with KB_ELIMIT */
#define NDR_MAX_DETECTIONS 100000u       /* detections kept; later ones are dropped and counted */
#define NDR_HOLD_US (35ll * 60 * 1000000) /* unidirectional/partial records wait this long for their other half */
#define NDR_PAIR_SLACK_US (60ll * 1000000) /* the two directions of one session start at most this far apart */
#define NDR_STITCH_GAP_US (120ll * 1000000) /* a session cut by a timeout continues within this gap */

enum { NDR_H_INTERNAL = 1, NDR_H_ADMIN = 2, NDR_H_RESOLVER = 4 };
#define NDR_RESOLVER_CLIENTS 5 /* internal hosts sending DNS to a host make it a resolver */
enum { NDR_P_ADMIN = 1, NDR_P_ESTABLISHED = 2 };

typedef struct ndr_host {
	kb_ip ip;
	uint32_t flags;          /* NDR_H_* */
	uint32_t n_int_srcs;     /* external host: internal hosts that talked to it */
	uint64_t out_ext;        /* internal host: bytes it sent to external hosts in the window */
	uint64_t base_out_ext;   /* ... in the baseline */
} ndr_host;

/* Times are seconds since the window's start (ndr_since); ndr_pair_first_us
 * and ndr_pair_last_us give them back in microseconds since 1970. */
typedef struct ndr_pair {
	uint32_t src, dst;       /* host indices */
	uint32_t conns;
	uint32_t beacon;         /* index + 1 into the beacon states; 0: none */
	uint32_t first_s, last_s;
	uint64_t bytes_out, bytes_in; /* originator's and responder's bytes */
	uint32_t dur_s;          /* summed duration, seconds (saturates) */
	uint16_t port;           /* responder port of the first flow */
	uint8_t proto;
	uint8_t flags;           /* NDR_P_* */
} ndr_pair;

typedef struct ndr_flowinfo {
	uint32_t src, dst;       /* host indices */
	uint32_t pair;           /* pair index */
	bool src_int, dst_int;
	bool established;        /* data or a completed handshake both ways */
	bool admin_port;         /* TCP to 22, 23, 135, 139, 445, 3389, 5900, 5985, 5986 */
	bool new_pair;           /* the pair's first flow in the window */
	bool business;           /* in business hours (local time) */
} ndr_flowinfo;

typedef struct ndr_ctx ndr_ctx;

/* Context a detector may read. */
const kb_detect_config *ndr_config(const ndr_ctx *c);
const struct kb_ioc_set *ndr_iocs(const ndr_ctx *c);
kb_store *ndr_store(const ndr_ctx *c);
int64_t ndr_since(const ndr_ctx *c);
int64_t ndr_until(const ndr_ctx *c);
const ndr_host *ndr_host_at(const ndr_ctx *c, uint32_t i);
/* The index of the host at an address, or -1 when no flow had it. */
int64_t ndr_host_find(const ndr_ctx *c, const kb_ip *a);
size_t ndr_n_hosts(const ndr_ctx *c);
const ndr_pair *ndr_pair_at(const ndr_ctx *c, uint32_t i);
int64_t ndr_pair_first_us(const ndr_ctx *c, const ndr_pair *p);
int64_t ndr_pair_last_us(const ndr_ctx *c, const ndr_pair *p);
size_t ndr_n_pairs(const ndr_ctx *c);
/* The beacon state of a pair, or NULL; and the window it scores over. */
const kb_beacon_state *ndr_beacon_of(const ndr_ctx *c, const ndr_pair *p);
const kb_beacon_window *ndr_beacon_window(const ndr_ctx *c);
/* The ledger asset at an address (any interface), or NULL. */
const char *ndr_asset_at(const ndr_ctx *c, const kb_ip *a);
/* What the ledger says the asset at an address is ("F5 BIG-IP hardware"), or NULL. */
const char *ndr_kind_at(const ndr_ctx *c, const kb_ip *a);
/* The ledger management interface at an address and port: its asset, or NULL. */
const char *ndr_management_at(const ndr_ctx *c, const kb_ip *a, uint16_t port);
/* "2026-11-20 02:04 Europe/Berlin" of a UTC microsecond time. */
void ndr_local_text(const ndr_ctx *c, int64_t us, char *buf, size_t size);

/* What a detection says; strings are copied by ndr_emit. `sample_*`: the
 * flows to show (src is the host; dst NULL: any; port 0: any). */
typedef struct ndr_emit_args {
	const char *kind, *category;
	const kb_ip *host;
	const char *peer;
	unsigned threat, certainty;
	int64_t first_us, last_us;
	const char *summary, *evidence, *next_step;
	const kb_ip *sample_dst;
	uint16_t sample_port;
	bool sample_either_way; /* also flows from dst to host */
} ndr_emit_args;
int ndr_emit(ndr_ctx *c, const ndr_emit_args *a);

typedef struct ndr_detector {
	const char *name;
	int (*init)(ndr_ctx *c, void **ret_state);          /* may be NULL: no state */
	void (*baseline)(ndr_ctx *c, void *st, const kb_flow *f, const ndr_flowinfo *fi); /* may be NULL */
	void (*flow)(ndr_ctx *c, void *st, const kb_flow *f, const ndr_flowinfo *fi);     /* may be NULL */
	int (*finish)(ndr_ctx *c, void *st);                /* emits; 0 or a negative code */
	void (*free)(void *st);                             /* may be NULL */
} ndr_detector;

extern const ndr_detector ndr_beacon, ndr_uncommon_port, ndr_long_conn, ndr_exfil, ndr_lateral, ndr_scan,
	ndr_console, ndr_ioc_contact, ndr_dns_c2;

/* A set of 64-bit keys built in one go and then only asked (the baseline's
 * pairs): add while reading, seal once (sort, drop repeats), then has().
 * At most `max` keys are kept; past it, or when memory runs out, a key is
 * not kept, so a detector using the set as "seen before" reports more,
 * never less. */
typedef struct ndr_keyset {
	uint64_t *k;
	size_t n, cap, max;
} ndr_keyset;
void ndr_keyset_add(ndr_keyset *s, uint64_t key);
void ndr_keyset_seal(ndr_keyset *s);
bool ndr_keyset_has(const ndr_keyset *s, uint64_t key);
void ndr_keyset_free(ndr_keyset *s);
/* The key of an ordered address pair, for such sets. */
uint64_t ndr_pair_key(const kb_ip *a, const kb_ip *b);
/* Sort 64-bit values ascending. */
void ndr_sort_u64(uint64_t *v, size_t n);

/* Text helpers for evidence. */
void ndr_ip_text(const kb_ip *a, char *buf, size_t size);
void ndr_bytes_text(uint64_t n, char *buf, size_t size); /* "1.5 GB" */
/* A 64-bit hash of bytes (for detectors' own sets). */
uint64_t ndr_hash(const void *p, size_t n, uint64_t seed);

#endif
