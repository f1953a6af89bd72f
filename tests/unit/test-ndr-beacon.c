/*
 * test-ndr-beacon.c - beacon scoring (ndr-beacon.h): each RITA v5 subscore
 * on small series worked out by hand (the interval, size, histogram and
 * duration scores, the total and its rounding), the gates (fewer than 4
 * distinct times, the strobe at 86,400 connections), the value and window
 * limits, the sketch's KB_BEACON_SKETCH_K limit, the streaming state equal
 * to the exact reference on 1200 generated series, and the periodicity
 * term: beacons (jittered, stopping half-way, with dropouts, constant or
 * random sizes) score high, Poisson arrivals low though RITA rates them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "koban/koban.h"
#include "ndr-beacon.h"

#define DAY 86400
#define W0 INT64_C(1700000000) /* a window start */
#define MAXN 90000

static int64_t T[MAXN], B[MAXN];

/* ---- a small deterministic generator (xorshift64*) ---- */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s * 0x9E3779B97F4A7C15ull + 1;
}

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static int64_t rng_in(int64_t lo, int64_t hi) /* lo..hi inclusive */
{
	return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
}

static double rng_unit(void) /* [0, 1) */
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

/* ---- running both paths ---- */

static void stream(const int64_t *ts, const int64_t *by, size_t n, int64_t ws, int64_t we, kb_beacon_score *ret)
{
	kb_beacon_window w;
	kb_beacon_state s;

	assert_int_equal(kb_beacon_window_init(&w, ws, we), 0);
	kb_beacon_state_init(&s);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(kb_beacon_add(&s, &w, ts[i], by[i]), 0);
	assert_int_equal(kb_beacon_finish(&s, &w, ret), 0);
}

#define SAME(f) assert_true(a->f == b->f)

static void assert_same(const kb_beacon_score *a, const kb_beacon_score *b)
{
	SAME(score);
	SAME(rita_score);
	SAME(ts_score);
	SAME(ts_skew);
	SAME(ts_mad);
	SAME(ds_score);
	SAME(ds_skew);
	SAME(ds_mad);
	SAME(hist_score);
	SAME(dur_score);
	SAME(period_score);
	SAME(period_share);
	SAME(period_s);
	SAME(conns);
	SAME(distinct_ts);
	SAME(scored);
	SAME(strobe);
}

/* Score ts/by (sorted by time) both ways; they must agree exactly. */
static kb_beacon_score both(const int64_t *ts, const int64_t *by, size_t n, int64_t ws, int64_t we)
{
	kb_beacon_score e, s;

	assert_int_equal(kb_beacon_rita_exact(ts, by, n, ws, we, &e), 0);
	stream(ts, by, n, ws, we, &s);
	assert_true(s.ts_exact);
	assert_true(s.ds_exact);
	assert_same(&e, &s);
	return e;
}

/* Times start, start + iv[0], ... (n_iv + 1 of them), bytes all `size`. */
static size_t from_intervals(int64_t start, const int64_t *iv, size_t n_iv, int64_t size)
{
	T[0] = start;
	for (size_t i = 0; i < n_iv; i++)
		T[i + 1] = T[i] + iv[i];
	for (size_t i = 0; i <= n_iv; i++)
		B[i] = size;
	return n_iv + 1;
}

/* ---- hand-computed subscores ---- */

static void test_ts_score(void **unused)
{
	kb_beacon_score r;
	size_t n;

	/* Intervals 98 99 99 100 100 100 101 101 102 (RITA's own test case).
	 * Q1 = median(98 99 99 100) = 99, Q2 = 100, Q3 = median(100 101 101 102)
	 * = 101; Q3 - Q1 = 2 < 10, so skew 0, skew score 1. Deviations from 100:
	 * 2 1 1 0 0 0 1 1 2, median 1 = MAD; MAD score (100 - 1) / 100 = 0.99.
	 * TS = round3((1 + 0.99) / 2) = 0.995. */
	static const int64_t close_iv[] = {98, 99, 99, 100, 100, 100, 101, 101, 102};
	n = from_intervals(W0, close_iv, 9, 60);
	r = both(T, B, n, W0, W0 + DAY);
	assert_true(r.scored);
	assert_true(r.ts_skew == 0);
	assert_true(r.ts_mad == 1);
	assert_true(r.ts_score == 0.995);

	/* Intervals 1 299 25 4975 90 2 42 500 1500; sorted 1 2 25 42 | 90 | 299
	 * 500 1500 4975. Q1 = (2 + 25) / 2 = 13.5, Q2 = 90, Q3 = (500 + 1500) / 2
	 * = 1000. Skew = (13.5 + 1000 - 180) / (1000 - 13.5) = 833.5 / 986.5 =
	 * 0.84491..., skew score 0.15509. Deviations from 90: 89 88 65 48 0 209
	 * 410 1410 4885, sorted 0 48 65 88 89 209 ..., MAD 89; MAD score 1/90 =
	 * 0.01111. TS = round3(0.083101) = 0.083. */
	static const int64_t random_iv[] = {1, 299, 25, 4975, 90, 2, 42, 500, 1500};
	n = from_intervals(W0, random_iv, 9, 60);
	r = both(T, B, n, W0, W0 + DAY);
	assert_true(r.ts_skew == 833.5 / 986.5);
	assert_true(r.ts_mad == 89);
	assert_true(r.ts_score == 0.083);

	/* Alternating 98 and 300, ten intervals (five each): Q1 = median(98 x5)
	 * = 98, Q2 = (98 + 300) / 2 = 199, Q3 = 300; Q1 + Q3 - 2 Q2 = 0, skew 0.
	 * Deviations are all 101: MAD 101, MAD score 98/199 = 0.49246; TS =
	 * round3(0.74623) = 0.746. */
	int64_t bi_iv[10];
	for (int i = 0; i < 10; i++)
		bi_iv[i] = i % 2 ? 300 : 98;
	n = from_intervals(W0, bi_iv, 10, 60);
	r = both(T, B, n, W0, W0 + DAY);
	assert_true(r.ts_skew == 0);
	assert_true(r.ts_mad == 101);
	assert_true(r.ts_score == 0.746);

	/* Duplicate times give zero intervals, which RITA drops: the same TS. */
	n = from_intervals(W0, close_iv, 9, 60);
	memmove(T + 4, T + 3, (n - 3) * sizeof T[0]); /* T[3] twice */
	B[n] = 60;
	r = both(T, B, n + 1, W0, W0 + DAY);
	assert_int_equal(r.conns, 11);
	assert_int_equal(r.distinct_ts, 10);
	assert_true(r.ts_score == 0.995);
}

static void test_ds_score(void **unused)
{
	kb_beacon_score r;
	static const int64_t iv[] = {60, 60, 60, 60, 60, 60, 60, 60, 60};

	/* Sizes 1..10: Q1 = median(1..5) = 3, Q2 = 5.5, Q3 = median(6..10) = 8;
	 * Q3 - Q1 = 5 < 10: skew 0. Deviations 4.5 3.5 2.5 1.5 0.5 0.5 1.5 2.5
	 * 3.5 4.5, MAD (2.5 + 2.5) / 2 = 2.5; MAD score 3 / 5.5 = 0.54545; DS =
	 * round3(0.772727) = 0.773. */
	from_intervals(W0, iv, 9, 0);
	for (int i = 0; i < 10; i++)
		B[i] = 10 - i; /* the reference sorts sizes itself */
	r = both(T, B, 10, W0, W0 + DAY);
	assert_true(r.ds_skew == 0);
	assert_true(r.ds_mad == 2.5);
	assert_true(r.ds_score == 0.773);

	/* Sizes 10 20 30 40 100 200: Q1 = median(10 20 30) = 20, Q2 = 35, Q3 =
	 * median(40 100 200) = 100; skew (20 + 100 - 70) / 80 = 0.625, skew
	 * score 0.375. Deviations 25 15 5 5 65 165 -> 5 5 15 25 65 165, MAD 20;
	 * MAD score 15/35 = 0.428571. DS = round3(0.4017857) = 0.402. */
	static const int64_t six[] = {200, 10, 40, 100, 30, 20};
	from_intervals(W0, iv, 5, 0);
	memcpy(B, six, sizeof six);
	r = both(T, B, 6, W0, W0 + DAY);
	assert_true(r.ds_skew == 0.625);
	assert_true(r.ds_mad == 20);
	assert_true(r.ds_score == 0.402);

	/* All sizes 0: median 0 < 1, so the MAD score is RITA's default for
	 * sizes, 0; skew 0, skew score 1: DS = 0.5. */
	from_intervals(W0, iv, 9, 0);
	r = both(T, B, 10, W0, W0 + DAY);
	assert_true(r.ds_score == 0.5);
}

/* Connections per bin of a 2400 s window (100 s bins), at b*100 + 10 k. */
static size_t from_bins(const int *count)
{
	size_t n = 0;

	for (int b = 0; b < KB_BEACON_BINS; b++) {
		for (int k = 0; k < count[b]; k++) {
			T[n] = b * 100 + 10 * k;
			B[n++] = 500;
		}
	}
	return n;
}

static void test_hist_score(void **unused)
{
	int c[KB_BEACON_BINS];
	kb_beacon_score r;
	size_t n;

	/* Bins 0-5 hold 2, 6-11 hold 4, 12-17 hold 8, 18-23 none. 18 bars >= 11.
	 * Bucket size ceil(0.05 * 8) = 1: buckets 2, 4, 8 with 6 bars each;
	 * the two largest 6 + 6 over 18 - 1 bars: 12/17 = 0.70588 -> 0.706.
	 * CV: total 84, mean 3.5; squared deviations 6 * (2.25 + 0.25 + 20.25 +
	 * 12.25) = 210, sd = sqrt(210 / 24) = 2.958, CV 0.845, score 0.155.
	 * Histogram = max = 0.706. Duration: 18 bars, run 18 -> consistency 1. */
	for (int b = 0; b < KB_BEACON_BINS; b++)
		c[b] = b < 6 ? 2 : b < 12 ? 4 : b < 18 ? 8 : 0;
	n = from_bins(c);
	r = both(T, B, n, 0, 2400);
	assert_true(r.hist_score == 0.706);
	assert_true(r.dur_score == 1);

	/* Every bin 3: CV 0, score 1. */
	for (int b = 0; b < KB_BEACON_BINS; b++)
		c[b] = 3;
	r = both(T, B, from_bins(c), 0, 2400);
	assert_true(r.hist_score == 1);

	/* Alternating 4 and 1: mean 2.5, sd 1.5, CV 0.6 -> 0.4; buckets
	 * (size ceil(0.2) = 1) 4 and 1, 12 bars each: 24/23 -> 1.043, capped 1. */
	for (int b = 0; b < KB_BEACON_BINS; b++)
		c[b] = b % 2 ? 1 : 4;
	r = both(T, B, from_bins(c), 0, 2400);
	assert_true(r.hist_score == 1);

	/* Bins 0-9 hold 9, 10-19 hold 1, 20-23 hold 0: total 100, mean 4.1667;
	 * squared deviations 10 * 23.3611 + 10 * 10.0278 + 4 * 17.3611 =
	 * 403.333, sd 4.0995, CV 0.9839 -> round3(0.0161) = 0.016. 20 bars;
	 * buckets (size ceil(0.45) = 1) 9 and 1 with 10 each: 20/19 -> capped 1.
	 * Without the fit this would be 0.016. */
	for (int b = 0; b < KB_BEACON_BINS; b++)
		c[b] = b < 10 ? 9 : b < 20 ? 1 : 0;
	r = both(T, B, from_bins(c), 0, 2400);
	assert_true(r.hist_score == 1);

	/* Same shape but only 10 bars (bins 0-4 hold 9, 5-9 hold 1): 10 < 11,
	 * no fit. Total 50, mean 2.0833; squared deviations 5 * 47.84 + 5 *
	 * 1.1736 + 14 * 4.3403 = 305.83, sd 3.5698, CV 1.7135 > 1 -> 0. */
	for (int b = 0; b < KB_BEACON_BINS; b++)
		c[b] = b < 5 ? 9 : b < 10 ? 1 : 0;
	r = both(T, B, from_bins(c), 0, 2400);
	assert_true(r.hist_score == 0);

	/* Times before the window count in bin 0, times at or past its end in
	 * bin 23. The three-level shape above in a window [1000, 3400), with 6
	 * times before it (bin 0: 2 + 6 = 8) and 2 at or after its end (bin 23:
	 * 2): buckets 2 (bins 1-5, 23) 6 bars, 4: 6, 8 (bins 0, 12-17) 7; 19
	 * bars: (7 + 6) / 18 = 0.7222 -> 0.722. CV: total 92, mean 3.8333,
	 * squared deviations 7 * 17.361 + 6 * 3.3611 + 6 * 0.02778 + 5 * 14.694
	 * = 215.33, sd 2.995, CV 0.781 -> 0.219. Histogram 0.722. */
	for (int b = 0; b < KB_BEACON_BINS; b++)
		c[b] = b < 6 ? 2 : b < 12 ? 4 : b < 18 ? 8 : 0;
	n = from_bins(c);
	memmove(T + 6, T, n * sizeof T[0]);
	for (size_t i = 0; i < n; i++)
		T[6 + i] += 1000;
	for (int i = 0; i < 6; i++)
		T[i] = 900 + 10 * i;
	n += 6;
	T[n++] = 3400;
	T[n++] = 3999;
	for (size_t i = 0; i < n; i++)
		B[i] = 1;
	r = both(T, B, n, 1000, 3400);
	assert_true(r.hist_score == 0.722);
}

static void test_duration_score(void **unused)
{
	int c[KB_BEACON_BINS] = {0};
	kb_beacon_score r;
	size_t n;

	/* One connection in each of bins 10-15 (t = 1000, 1100, ..., 1500):
	 * 6 bars, run 6. Coverage ceil3(500 / 2400 = 0.2083) = 0.209,
	 * consistency 6/12 = 0.5: duration 0.5.
	 * Intervals all 100: TS 1; sizes all 500: DS 1. Histogram: 6 bars < 11,
	 * no fit; mean 0.25, sd sqrt((6 * 0.5625 + 18 * 0.0625) / 24) = 0.433,
	 * CV 1.73 -> 0. Total round3(0.25 + 0.25 + 0.125 + 0) = 0.625. The
	 * intervals are perfectly periodic, so score = rita_score. */
	for (int b = 10; b < 16; b++)
		c[b] = 1;
	n = from_bins(c);
	r = both(T, B, n, 0, 2400);
	assert_true(r.dur_score == 0.5);
	assert_true(r.ts_score == 1);
	assert_true(r.ds_score == 1);
	assert_true(r.hist_score == 0);
	assert_true(r.rita_score == 0.625);
	assert_true(r.period_score == 1);
	assert_true(r.period_s == 100);
	assert_true(r.score == 0.625);

	/* Five bars: below RITA's 6, no duration score. */
	c[15] = 0;
	r = both(T, B, from_bins(c), 0, 2400);
	assert_true(r.dur_score == 0);

	/* Bins 0-5 and 18-23 (t = b*100 + 50): the run wraps around to 12,
	 * consistency 1; coverage alone would be ceil3(2300 / 2400) = 0.959. */
	n = 0;
	for (int b = 0; b < KB_BEACON_BINS; b++) {
		if (b < 6 || b >= 18) {
			T[n] = b * 100 + 50;
			B[n++] = 500;
		}
	}
	r = both(T, B, n, 0, 2400);
	assert_true(r.dur_score == 1);
	/* without the wrap (bins 1-6 and 17-22) the run is 6, consistency 0.5;
	 * coverage (2250 - 150) / 2400 = 0.875 wins */
	for (size_t i = 0; i < n; i++)
		T[i] += i < 6 ? 100 : -100;
	r = both(T, B, n, 0, 2400);
	assert_true(r.dur_score == 0.875);
}

static void test_total_rounding(void **unused)
{
	kb_beacon_score r;
	static const int64_t iv[] = {1, 299, 25, 4975, 90, 2, 42, 500, 1500};

	/* TS 0.083 (above); sizes all 60: DS 1. Times W0 + 0, 1, 300, 325,
	 * 5300, 5390, 5392, 5434, 5934, 7434 in bins of 3600 s: bin 0 holds 4,
	 * bin 1 holds 5, bin 2 holds 1; 3 bars: no duration, no fit. CV: mean 10/24 = 0.41667, squared deviations
	 * 12.8403 + 21.0069 + 0.3403 + 21 * 0.17361 = 37.8333, sd 1.2555,
	 * CV 3.01 -> 0. Total round3(0.25 * 0.083 + 0.25) = round3(0.27075) =
	 * 0.271. */
	from_intervals(W0, iv, 9, 60);
	r = both(T, B, 10, W0, W0 + DAY);
	assert_true(r.ts_score == 0.083);
	assert_true(r.ds_score == 1);
	assert_true(r.hist_score == 0);
	assert_true(r.dur_score == 0);
	assert_true(r.rita_score == 0.271);
}

/* ---- gates and limits ---- */

static void test_min_distinct(void **unused)
{
	kb_beacon_score r;

	/* 3 distinct times, 9 connections: not scored */
	for (int i = 0; i < 9; i++) {
		T[i] = W0 + 60 * (i / 3);
		B[i] = 100;
	}
	r = both(T, B, 9, W0, W0 + DAY);
	assert_false(r.scored);
	assert_int_equal(r.conns, 9);
	assert_int_equal(r.distinct_ts, 3);
	assert_true(r.score == 0 && r.rita_score == 0 && r.ts_score == 0);

	/* a 4th distinct time: scored */
	T[9] = W0 + 180;
	B[9] = 100;
	r = both(T, B, 10, W0, W0 + DAY);
	assert_true(r.scored);
	assert_int_equal(r.distinct_ts, 4);
	assert_true(r.ts_score == 1);

	/* nothing at all */
	r = both(T, B, 0, W0, W0 + DAY);
	assert_false(r.scored);
	assert_int_equal(r.conns, 0);
}

static void test_strobe(void **unused)
{
	kb_beacon_score e, s;
	kb_beacon_window w;
	kb_beacon_state st;
	size_t n = KB_BEACON_STROBE_CONNS - 1;

	/* one connection a second: 86,399 is still a beacon ... */
	for (size_t i = 0; i < n; i++) {
		T[i] = W0 + (int64_t)i;
		B[i] = 64;
	}
	e = both(T, B, n, W0, W0 + DAY);
	assert_true(e.scored);
	assert_false(e.strobe);
	assert_true(e.period_s == 1);

	/* ... 86,400 is a strobe, not scored */
	T[n] = W0 + (int64_t)n;
	B[n] = 64;
	e = both(T, B, n + 1, W0, W0 + DAY);
	assert_false(e.scored);
	assert_true(e.strobe);
	assert_int_equal(e.conns, KB_BEACON_STROBE_CONNS);
	assert_int_equal(e.distinct_ts, KB_BEACON_STROBE_CONNS);

	/* the state keeps counting past it */
	assert_int_equal(kb_beacon_window_init(&w, W0, W0 + DAY), 0);
	kb_beacon_state_init(&st);
	for (size_t i = 0; i < n + 1; i++)
		assert_int_equal(kb_beacon_add(&st, &w, T[i], B[i]), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(kb_beacon_add(&st, &w, W0 + DAY, 1), 0);
	assert_int_equal(kb_beacon_add(&st, &w, W0 + DAY - 2, 1), KB_EINVAL); /* still ordered */
	assert_int_equal(kb_beacon_finish(&st, &w, &s), 0);
	assert_true(s.strobe);
	assert_false(s.scored);
	assert_int_equal(s.conns, KB_BEACON_STROBE_CONNS + 10);
	assert_int_equal(s.distinct_ts, KB_BEACON_STROBE_CONNS + 1);
}

static void test_limits(void **unused)
{
	kb_beacon_window w;
	kb_beacon_state s, before;
	kb_beacon_score r;
	int64_t ts[4] = {0, 10, 20, 30}, by[4] = {1, 1, 1, 1};

	assert_int_equal(kb_beacon_window_init(&w, 10, 10), KB_EINVAL);
	assert_int_equal(kb_beacon_window_init(&w, 10, 9), KB_EINVAL);
	assert_int_equal(kb_beacon_window_init(&w, -1, 9), KB_EINVAL);
	assert_int_equal(kb_beacon_window_init(&w, 0, KB_BEACON_VALUE_MAX + 1), KB_EINVAL);
	assert_int_equal(kb_beacon_window_init(&w, 0, KB_BEACON_VALUE_MAX), 0);
	assert_int_equal(kb_beacon_rita_exact(ts, by, 4, 5, 5, &r), KB_EINVAL);
	assert_int_equal(kb_beacon_rita_exact(NULL, by, 4, 0, 40, &r), KB_EINVAL);

	/* times and bytes: 0..KB_BEACON_VALUE_MAX */
	kb_beacon_state_init(&s);
	assert_int_equal(kb_beacon_add(&s, &w, -1, 1), KB_EINVAL);
	assert_int_equal(kb_beacon_add(&s, &w, 5, -1), KB_EINVAL);
	assert_int_equal(kb_beacon_add(&s, &w, 5, KB_BEACON_VALUE_MAX + 1), KB_EINVAL);
	assert_int_equal(kb_beacon_add(&s, &w, 5, KB_BEACON_VALUE_MAX), 0);
	assert_int_equal(kb_beacon_add(&s, &w, KB_BEACON_VALUE_MAX, 1), 0);
	before = s;
	assert_int_equal(kb_beacon_add(&s, &w, KB_BEACON_VALUE_MAX + 1, 1), KB_EINVAL);
	assert_int_equal(kb_beacon_add(&s, &w, 6, 1), KB_EINVAL); /* goes back in time */
	assert_memory_equal(&s, &before, sizeof s);

	ts[3] = KB_BEACON_VALUE_MAX + 1;
	assert_int_equal(kb_beacon_rita_exact(ts, by, 4, 0, 40, &r), KB_EINVAL);
	ts[3] = KB_BEACON_VALUE_MAX;
	by[2] = KB_BEACON_VALUE_MAX + 1;
	assert_int_equal(kb_beacon_rita_exact(ts, by, 4, 0, 40, &r), KB_EINVAL);
	by[2] = -5;
	assert_int_equal(kb_beacon_rita_exact(ts, by, 4, 0, 40, &r), KB_EINVAL);
	by[2] = KB_BEACON_VALUE_MAX;
	assert_int_equal(kb_beacon_rita_exact(ts, by, 4, 0, 40, &r), 0);
	assert_true(r.scored);

	/* the extremes stream too: huge intervals and sizes leave the exact
	 * sketch (values above UINT32_MAX) */
	r = (kb_beacon_score){0};
	stream(ts, by, 4, 0, KB_BEACON_VALUE_MAX, &r);
	assert_true(r.scored);
	assert_false(r.ts_exact);
	assert_false(r.ds_exact);
	assert_true(r.score >= 0 && r.score <= 1);
}

static void test_sketch_limit(void **unused)
{
	kb_beacon_score e, s;
	int64_t iv[2 * KB_BEACON_SKETCH_K];
	size_t n;

	/* exactly K distinct intervals (60, 61, ... twice over) and K sizes:
	 * still exact */
	for (int i = 0; i < 2 * KB_BEACON_SKETCH_K; i++)
		iv[i] = 60 + i % KB_BEACON_SKETCH_K;
	n = from_intervals(W0, iv, 2 * KB_BEACON_SKETCH_K, 0);
	for (size_t i = 0; i < n; i++)
		B[i] = 1000 + (int64_t)(i % KB_BEACON_SKETCH_K);
	e = both(T, B, n, W0, W0 + DAY);
	assert_true(e.scored);

	/* one more distinct interval: the interval sketch turns approximate,
	 * the size sketch stays exact */
	iv[0] = 60 + KB_BEACON_SKETCH_K;
	n = from_intervals(W0, iv, 2 * KB_BEACON_SKETCH_K, 0);
	for (size_t i = 0; i < n; i++)
		B[i] = 1000 + (int64_t)(i % KB_BEACON_SKETCH_K);
	assert_int_equal(kb_beacon_rita_exact(T, B, n, W0, W0 + DAY, &e), 0);
	stream(T, B, n, W0, W0 + DAY, &s);
	assert_false(s.ts_exact);
	assert_true(s.ds_exact);
	assert_true(s.ds_score == e.ds_score);
	assert_true(s.hist_score == e.hist_score);
	assert_true(s.dur_score == e.dur_score);
	/* 60..74 at level 1 fall in bins 2 wide above 64: medians within 1 s */
	assert_true(fabs(s.ts_mad - e.ts_mad) <= 1);
	assert_true(fabs(s.period_s - e.period_s) <= 1);

	/* one more distinct size: now both are approximate */
	B[n - 1] = 5;
	stream(T, B, n, W0, W0 + DAY, &s);
	assert_false(s.ts_exact);
	assert_false(s.ds_exact);
	assert_true(s.scored);

	/* a size above UINT32_MAX alone is enough */
	n = from_intervals(W0, iv + 1, 10, INT64_C(1) << 33);
	stream(T, B, n, W0, W0 + DAY, &s);
	assert_false(s.ds_exact);
	assert_true(s.ds_score == 1); /* one value: one bin */
}

/* ---- the streaming state against the reference ---- */

static size_t gen_series(int64_t ws, int64_t we)
{
	int64_t span = we - ws, iv[KB_BEACON_SKETCH_K], sz[KB_BEACON_SKETCH_K];
	int n_iv = (int)rng_in(1, KB_BEACON_SKETCH_K), n_sz = (int)rng_in(1, KB_BEACON_SKETCH_K);
	int64_t base = rng_in(1, span / 8 > 1 ? span / 8 : 1);
	size_t n = (size_t)rng_in(4, 3000);
	int64_t t = ws - rng_in(0, span / 10);
	int dup = (int)rng_in(0, 3); /* how often a time repeats, in 1/8ths */

	for (int i = 0; i < n_iv; i++)
		iv[i] = rng_in(0, 3) == 0 ? rng_in(1, 3 * base) : base + rng_in(-base / 5, base / 5);
	for (int i = 0; i < n_sz; i++)
		sz[i] = rng_in(0, 4) == 0 ? rng_in(0, UINT32_MAX) : rng_in(0, 2000);
	if (t < 0)
		t = 0;
	for (size_t i = 0; i < n; i++) {
		T[i] = t;
		B[i] = sz[rng() % (uint64_t)n_sz];
		if (rng_in(0, 7) >= dup)
			t += iv[rng() % (uint64_t)n_iv];
	}
	return n;
}

static void test_stream_equals_exact(void **unused)
{
	static const int64_t spans[] = {DAY, DAY, 3600, 100, 7777, 24, 25, 1000003};
	int scored = 0;

	rng_seed(1);
	for (int k = 0; k < 1200; k++) {
		int64_t ws = rng_in(0, 2000000000), we = ws + spans[rng() % 8];
		size_t n = gen_series(ws, we);
		kb_beacon_score r = both(T, B, n, ws, we);
		scored += r.scored;
	}
	assert_true(scored > 1000);
}

/* ---- the periodicity term ---- */

static size_t gen_poisson(double mean, bool random_size)
{
	size_t n = 0;
	double t = (double)W0;

	for (;;) {
		t += -mean * log(1 - rng_unit());
		if (t >= (double)(W0 + DAY))
			return n;
		T[n] = (int64_t)t;
		B[n++] = random_size ? rng_in(100, 2100) : 500;
	}
}

/* A beacon every `period` s from W0 for `len` s, each sleep jittered by
 * +-jit s (jit_send: each send time jittered instead), a share `drop` of
 * the beacons missed. */
static size_t gen_beacon(int64_t period, int64_t jit, bool jit_send, double drop, int64_t len, bool random_size)
{
	size_t n = 0;
	int64_t t = W0 + jit;

	for (int64_t k = 0; t < W0 + len; k++) {
		int64_t at = jit_send ? W0 + jit + k * period + rng_in(-jit, jit) : t;
		if (rng_unit() >= drop) {
			T[n] = at;
			B[n++] = random_size ? rng_in(100, 2100) : 500;
		}
		t = jit_send ? W0 + jit + (k + 1) * period : t + period + rng_in(-jit, jit);
	}
	return n;
}

static void check_both(size_t n, kb_beacon_score *ret_e, kb_beacon_score *ret_s)
{
	assert_int_equal(kb_beacon_rita_exact(T, B, n, W0, W0 + DAY, ret_e), 0);
	stream(T, B, n, W0, W0 + DAY, ret_s);
	assert_true(ret_e->scored && ret_s->scored);
}

static void test_poisson_vs_beacon(void **unused)
{
	kb_beacon_score e, s;
	double rita_min = 1;

	for (uint64_t seed = 1; seed <= 10; seed++) {
		rng_seed(seed);
		for (int rs = 0; rs < 2; rs++) {
			/* Poisson, mean 60 s: RITA likes it (0.75 to 0.87 here), we do not */
			check_both(gen_poisson(60, rs), &e, &s);
			rita_min = fmin(rita_min, e.rita_score);
			assert_true(e.rita_score >= 0.6);
			assert_true(e.score <= 0.2);
			assert_true(s.score <= 0.2);
			assert_true(e.period_share < 0.3);
			assert_false(s.ts_exact);

			/* 60 s, each sleep +-5 s: 11 distinct intervals, exact */
			check_both(gen_beacon(60, 5, false, 0, DAY, rs), &e, &s);
			assert_true(s.ts_exact);
			assert_true(e.score >= 0.8);
			assert_true(s.score >= 0.8);
			assert_true(fabs(e.period_s - 60) < 1);
			if (!rs)
				assert_same(&e, &s);

			/* 60 s, each send time +-5 s: intervals 50..70, approximate */
			check_both(gen_beacon(60, 5, true, 0, DAY, rs), &e, &s);
			assert_false(s.ts_exact);
			assert_true(e.score >= 0.8);
			assert_true(s.score >= 0.8);
			assert_true(fabs(s.period_s - 60) < 2);
			assert_true(fabs(s.ts_score - e.ts_score) <= 0.02);

			/* stops half-way: still a beacon while it ran */
			check_both(gen_beacon(60, 5, false, 0, DAY / 2, rs), &e, &s);
			assert_true(e.score >= 0.8);
			assert_true(s.score >= 0.8);

			/* 300 s with 10 % of the beacons missed: 600 s and 900 s
			 * intervals count as the period's multiples */
			check_both(gen_beacon(300, 0, false, 0.1, DAY, rs), &e, &s);
			assert_true(s.ts_exact);
			assert_true(e.period_s == 300);
			assert_true(e.period_share >= 0.98);
			assert_true(e.score >= 0.8);
			assert_true(s.score >= 0.8);
		}
	}
	assert_true(rita_min < 0.8);

	/* constant sizes score higher than random ones, all else equal */
	rng_seed(99);
	check_both(gen_beacon(60, 5, false, 0, DAY, false), &e, &s);
	double constant = e.score;
	assert_true(e.ds_score == 1);
	rng_seed(99);
	check_both(gen_beacon(60, 5, false, 0, DAY, true), &e, &s);
	assert_true(e.ds_score < 1);
	assert_true(e.score < constant);
}

static void test_random_stays_low(void **unused)
{
	kb_beacon_score e, s;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		size_t n = 0;
		int64_t t = W0;

		rng_seed(seed);
		/* uniform gaps of 1..600 s, random sizes */
		while (t < W0 + DAY) {
			T[n] = t;
			B[n++] = rng_in(0, 100000);
			t += rng_in(1, 600);
		}
		check_both(n, &e, &s);
		assert_false(s.ts_exact);
		assert_true(e.rita_score >= 0.7);
		assert_true(e.score <= 0.2);
		assert_true(s.score <= 0.2);

		/* Poisson with mean 600 s (about 140 connections) */
		check_both(gen_poisson(600, false), &e, &s);
		assert_true(e.score <= 0.2 && s.score <= 0.2);

		/* Poisson with mean 10 s: the 2 s tolerance floor catches up to 40 %
		 * of the gaps around 3 s, so the term is weaker here */
		check_both(gen_poisson(10, true), &e, &s);
		assert_true(e.score <= 0.3 && s.score <= 0.3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_score),
		cmocka_unit_test(test_ds_score),
		cmocka_unit_test(test_hist_score),
		cmocka_unit_test(test_duration_score),
		cmocka_unit_test(test_total_rounding),
		cmocka_unit_test(test_min_distinct),
		cmocka_unit_test(test_strobe),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sketch_limit),
		cmocka_unit_test(test_stream_equals_exact),
		cmocka_unit_test(test_poisson_vs_beacon),
		cmocka_unit_test(test_random_stays_low),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
