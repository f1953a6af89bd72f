/*
 * ndr-beacon.h - beacon scoring of one (source, destination) pair over a
 * window (internal to libkoban; `koban detect` builds on it).
 *
 * Two scores come out. rita_score is RITA v5's beacon score, reproduced to
 * the bit from its arithmetic (see ndr-beacon.c for the commit followed);
 * score is rita_score times period_score, a periodicity term that RITA
 * lacks: RITA rewards persistence, so random chatter (Poisson arrivals)
 * that merely lasts all day scores about 0.68 there; here it scores near 0.
 *
 * Two ways to get them:
 *   kb_beacon_rita_exact() takes every connection's start time and bytes at
 *     once (unsorted arrays, as RITA's database hands them over): the
 *     reference, with memory linear in the connection count.
 *   kb_beacon_state, fed one connection at a time in time order, is a fixed
 *     256 bytes per pair (KB_BEACON_STATE_BYTES): counters, the 24-bin
 *     histogram and two sketches (intervals, sizes) of at most
 *     KB_BEACON_SKETCH_K (value, count) entries. While a sketch holds every
 *     distinct value (the case of real beacons: few distinct intervals and
 *     sizes) finish() gives exactly the reference's result; past
 *     KB_BEACON_SKETCH_K distinct values it turns into log-scale bins and
 *     the subscores become approximate (the bound is in ndr-beacon.c).
 *
 * The window (RITA: the last 24 h of data) is one kb_beacon_window shared
 * by every pair of an analysis; the states do not copy it, so the caller
 * passes the same window to every add() and finish() of a state.
 */
#ifndef KOBAN_NDR_BEACON_H
#define KOBAN_NDR_BEACON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KB_BEACON_BINS 24              /* histogram bins over the window */
#define KB_BEACON_MIN_DISTINCT_TS 4    /* fewer distinct start times: not scored */
#define KB_BEACON_STROBE_CONNS 86400   /* this many connections or more: a strobe, not scored */
#define KB_BEACON_SKETCH_K 14          /* distinct values a sketch holds exactly */
#define KB_BEACON_VALUE_MAX (INT64_C(1) << 40) /* largest time (s since 1970) or byte count accepted */
#define KB_BEACON_STATE_BYTES 256      /* sizeof(kb_beacon_state) on LP64 (static assert) */

typedef struct kb_beacon_score {
	double score;        /* rita_score * period_score, rounded to 3 decimals; 0..1 */
	double rita_score;   /* RITA v5: 0.25 * (ts + ds + dur + hist), rounded to 3 decimals */
	double ts_score;     /* intervals: mean of the skew score and the MAD score */
	double ts_skew;      /* Bowley skewness of the non-zero intervals (0 when not computed) */
	double ts_mad;       /* their median absolute deviation, seconds */
	double ds_score;     /* the same over bytes */
	double ds_skew;
	double ds_mad;
	double hist_score;   /* max(1 - coefficient of variation, two-level fit) of the 24 bins */
	double dur_score;    /* max(coverage, longest busy run / 12) with >= 6 busy bins */
	double period_score; /* max(share ramp, 1 - (Q3 - Q1) / Q2 of the intervals); 0..1 */
	double period_share; /* share of intervals within the tolerance of period_s (or of 2x, 3x it) */
	double period_s;     /* dominant interval, seconds (0 when not scored) */
	uint64_t conns;      /* connections seen */
	uint64_t distinct_ts;/* distinct start times */
	bool scored;         /* false: fewer than KB_BEACON_MIN_DISTINCT_TS distinct times, or a strobe;
	                      * every score is then 0 */
	bool strobe;         /* conns >= KB_BEACON_STROBE_CONNS */
	bool ts_exact;       /* the interval subscores are exact (always, from kb_beacon_rita_exact) */
	bool ds_exact;       /* the size subscores are exact */
} kb_beacon_score;

/* Score one pair from all its connections: start times ts_s[i] (seconds)
 * and bytes[i] (RITA: the originator's IP bytes), i < n, in any order;
 * win_start_s < win_end_s is the window. Times and bytes are in
 * 0..KB_BEACON_VALUE_MAX.
 * A pair that is not scored (too few distinct times, a strobe) is not an
 * error: ret->scored is false. 0, KB_EINVAL (a value out of range, or an
 * empty window) or KB_ENOMEM; *ret is written only on success. */
int kb_beacon_rita_exact(const int64_t *ts_s, const int64_t *bytes, size_t n, int64_t win_start_s,
                         int64_t win_end_s, kb_beacon_score *ret);

/* The window and RITA's bin edges over it. Shared, read-only, by all states. */
typedef struct kb_beacon_window {
	int64_t start_s, end_s;
	double step;                       /* (end - start) / 24 */
	double edge[KB_BEACON_BINS + 1];   /* edge[0] = start, edge[24] = end */
} kb_beacon_window;

/* 0, or KB_EINVAL unless 0 <= start_s < end_s <= KB_BEACON_VALUE_MAX. */
int kb_beacon_window_init(kb_beacon_window *w, int64_t start_s, int64_t end_s);

/* A sketch of a multiset of non-negative integers: up to KB_BEACON_SKETCH_K
 * entries sorted by key, each with a 17-bit count (count_lo plus bit i of
 * count_hi); counts sum to less than KB_BEACON_STROBE_CONNS < 2^17. level
 * 0: a key is a value and the sketch is exact; level L >= 1: a key is a
 * log-scale bin (0 holds the value 0; see ndr-beacon.c). */
typedef struct kb_beacon_sketch {
	uint32_t key[KB_BEACON_SKETCH_K];
	uint16_t count_lo[KB_BEACON_SKETCH_K];
	uint16_t count_hi;
	uint8_t used;
	uint8_t level;
} kb_beacon_sketch;

/* One pair's state; plain data (no pointers, nothing to free), so it can be
 * copied, kept in an array or a hash table's slots. Zeroed by init. */
typedef struct kb_beacon_state {
	int64_t first_ts, last_ts;
	uint32_t conns;                      /* saturates at UINT32_MAX */
	uint32_t distinct;                   /* distinct start times */
	uint32_t hist_hi;                    /* bit b is bit 16 of bin b's count */
	uint16_t hist_lo[KB_BEACON_BINS];    /* bin counts, bits 0..15 */
	kb_beacon_sketch ivl;                /* the non-zero intervals between start times */
	kb_beacon_sketch size;               /* the bytes of every connection */
} kb_beacon_state;

void kb_beacon_state_init(kb_beacon_state *s);

/* Count one connection that started at ts_s and sent `bytes`. Times must not
 * decrease from one call to the next (equal times are fine: RITA drops the
 * zero intervals). Once the pair is a strobe only the counts move. 0, or
 * KB_EINVAL (a value out of range, or a time before the previous one: the
 * state is left as it was). */
int kb_beacon_add(kb_beacon_state *s, const kb_beacon_window *w, int64_t ts_s, int64_t bytes);

/* Score what was added. Always 0 (the state is not changed). */
int kb_beacon_finish(const kb_beacon_state *s, const kb_beacon_window *w, kb_beacon_score *ret);

#endif
