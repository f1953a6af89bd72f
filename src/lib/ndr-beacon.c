/*
 * ndr-beacon.c - RITA v5's beacon score, exactly, from all connections at
 * once or from a 256-byte streaming state, and a periodicity term on top.
 *
 * The RITA arithmetic follows activecm/rita analysis/beacons.go at commit
 * 0b6db7afdaf32203a0bb492545c7d4bf05ede24d with its default_config.hjson,
 * the quartile/median/MAD definitions of github.com/montanaflynn/stats,
 * and analysis/analysis.go and analysis/uconns.sql for what is fed in. It
 * was written here in C from the formulas, not translated:
 *
 *   gate: >= 4 distinct start times and < 86,400 connections (else strobe).
 *   median: the middle element, or the mean of the two middle ones.
 *   quartiles of n >= 2 sorted values: Q2 the median; Q1 and Q3 the medians
 *     of the lower and upper halves, the middle element left out when n is
 *     odd.
 *   skew: (Q1 + Q3 - 2 Q2) / (Q3 - Q1) when Q3 - Q1 >= 10 and Q2 differs
 *     from Q1 and Q3, else 0; skew score 1 - |skew|.
 *   MAD score: (median - MAD) / median when median >= 1, else a default
 *     (1 for intervals, 0 for sizes); 0 when negative.
 *   TS: of the non-zero intervals between sorted start times (equal times
 *     are duplicates), round3((skew score + MAD score) / 2); DS: the same of
 *     every connection's bytes.
 *   histogram: 24 bins, edges start + i * ((end - start) / 24) (double),
 *     the last edge exactly end; a time below edge 1 counts in bin 0, one at
 *     or past edge 23 in bin 23. CV score round3(1 - sd/mean) (population
 *     sd; 0 when CV > 1). Two-level fit: bars (non-empty bins) bucketed by
 *     floor(count / s) * s with s = ceil(0.05 * largest bar); with >= 11
 *     bars, round3((the two largest bucket sizes) / max(bars - 1, 1)),
 *     capped at 1; else 0. Score max(CV score, fit).
 *   duration: with >= 6 bars, max(coverage, consistency), each
 *     ceil3(...) capped at 1: coverage (last - first) / (end - start),
 *     consistency longest run of bars (wrapping around, at most 24) / 12.
 *   total: round3(0.25 TS + 0.25 DS + 0.25 duration + 0.25 histogram),
 *     summed left to right, unfused (as Go compiles it for amd64).
 * round3(x) = round(x * 1000) / 1000 (halves away from zero), ceil3 likewise.
 * RITA stores the results as float32; here they stay double.
 *
 * Periodicity (ours). For every distinct interval c (or sketch bin centre),
 * the tolerance is tol = max(2 s, c / 10); the dominant interval is the c
 * whose window [c - tol, c + tol] holds the most intervals (the smallest c
 * on a tie), and period_s is the mean of the intervals in that window. The
 * share counts those intervals plus, when c >= 20 s, the ones within
 * k * tol of k * c for k = 2, 3 (one or two beacons missed), over all
 * non-zero intervals. period_score = max(ramp(share), 1 - (Q3 - Q1) / Q2)
 * clamped to 0..1, where ramp goes linearly from 0 at a share of 0.3 to 1
 * at 0.8 and the second term (interval quartiles: a robust coefficient of
 * variation; 1.58 for exponential gaps) keeps heavily jittered beacons in
 * view (uniform +-50 % jitter: about 0.5). From an approximate sketch the
 * ratio takes the least favourable ends of the quartiles' bins, so coarse
 * bins cannot make random gaps look regular. score = round3(rita_score *
 * period_score). Poisson arrivals with a 60 s mean: share 0.1 to 0.25,
 * quartile ratio about 1.6, period_score 0; with a 10 s mean the 2 s floor
 * of the tolerance lets the share reach 0.4 (period_score about 0.2).
 *
 * The streaming state, 256 bytes per pair (static assert below):
 *   first/last start time 16, connections and distinct times 8,
 *   24 bins of 17-bit counts 52 (16-bit words plus a bit mask; no count
 *   can pass 86,399 because nothing but the totals is counted once the pair
 *   is a strobe), two sketches of 14 entries 88 each (a 32-bit key, a
 *   17-bit count), padding 4. RITA itself holds two 86,400-entry arrays.
 * A sketch is exact (key = value) until a 15th distinct value or a value
 * above UINT32_MAX arrives. It then re-keys to log-scale bins: the fine
 * index of v >= 1 is 32 * floor(log2 v) plus the top five bits after the
 * leading one (32 linear steps per octave; below 32 every integer has its
 * own fine bin), a level-L key is (fine >> (L - 1)) + 1 and key 0 holds the
 * value 0. Whenever a new bin would not fit, the level goes up by one and
 * neighbouring bins merge in pairs; since fine indexes stay below 41 * 32,
 * level 8 always fits.
 * Error bound when approximate: each value is replaced by the centre of its
 * bin's integer range, so each quartile, median and period_s is off by at
 * most half a bin width, the MAD by at most one, and a window share counts
 * a bin that a window edge cuts by the fraction of its integers inside. A
 * bin at level L <= 6 spans at most 2^(L-1) fine steps of v/32 or less, so
 * the error is at most v * 2^(L-7): 1.6 % at L = 1, 25 % at L = 5, 50 %
 * at L = 6 (octave bins), more above. Sketches re-key only as far as
 * their spread forces: 21 distinct intervals of 50..70 s stay at L = 2
 * (3 %); random gaps of 1..600 s end at L = 5 or 6.
 * The subscores computed from these values (skew ratios, the ramp) are
 * not bounded in turn; the tests measure them on jittered and random
 * series.
 *
 * Doubles: times and bytes are capped at KB_BEACON_VALUE_MAX (2^40), so
 * every value and sum of two is exact in a double and results match the
 * reference bit for bit.
 */
#include "ndr-beacon.h"

#include "koban/koban.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(kb_beacon_state) <= KB_BEACON_STATE_BYTES,
               "the file-head comment states 256 bytes per pair");
_Static_assert(KB_BEACON_STROBE_CONNS < (1 << 17), "counts are 17 bits");
_Static_assert(KB_BEACON_SKETCH_K <= 16, "count_hi is 16 bits");
_Static_assert(KB_BEACON_BINS <= 32, "hist_hi is 32 bits");

/* RITA v5 defaults (default_config.hjson) */
#define RITA_WEIGHT 0.25
#define RITA_SKEW_MIN_IQR 10.0
#define RITA_TS_MAD_DEFAULT 1.0
#define RITA_DS_MAD_DEFAULT 0.0
#define RITA_DUR_MIN_BARS 6
#define RITA_DUR_IDEAL_RUN 12
#define RITA_HIST_MODE_SENSITIVITY 0.05
#define RITA_BIMODAL_OUTLIERS 1
#define RITA_BIMODAL_MIN_BARS 11

/* the periodicity term */
#define PERIOD_TOL_MIN_S 2.0
#define PERIOD_TOL_DIV 10.0
#define PERIOD_HARMONIC_MIN_S 20.0
#define PERIOD_HARMONICS 3
#define PERIOD_SHARE_LOW 0.3
#define PERIOD_SHARE_HIGH 0.8

/* log-scale bins */
#define FINE_SUB_BITS 5
#define FINE_END (41u << FINE_SUB_BITS) /* fine indexes of 1..2^40 are below this */

static double round3(double x)
{
	return round(x * 1000) / 1000;
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* ---- the parts both paths share: histogram, duration, total ---- */

typedef struct stat {
	double q1, q2, q3;
	double skew, mad, score;
	double q1_lo, q2_lo, q3_hi; /* from sketch bins: the quartiles' least favourable ends */
} stat;

/* RITA's skew and MAD scores from the quartiles and the MAD. */
static void stat_finish(stat *st, double default_mad)
{
	double skew_score, mad_score;

	st->skew = 0;
	if (st->q3 - st->q1 >= RITA_SKEW_MIN_IQR && st->q2 != st->q1 && st->q2 != st->q3)
		st->skew = (st->q1 + st->q3 - 2 * st->q2) / (st->q3 - st->q1);
	skew_score = 1.0 - fabs(st->skew);
	mad_score = default_mad;
	if (st->q2 >= 1)
		mad_score = (st->q2 - st->mad) / st->q2;
	if (mad_score < 0 || isnan(mad_score))
		mad_score = 0;
	st->score = round3((skew_score + mad_score) / 2.0);
}

typedef struct hist_out {
	double score;
	int bars; /* non-empty bins */
	int run;  /* longest run of them, wrapping around */
} hist_out;

static hist_out rita_hist(const uint32_t *bins)
{
	hist_out h = {0, 0, 0};
	uint64_t total = 0;
	uint32_t largest = 0;
	struct {
		int64_t bucket;
		int32_t bars;
	} fc[KB_BEACON_BINS];
	size_t nfc = 0;
	double mean, sd = 0, cv, cv_score, bucket_size, fit = 0, fit_score;
	int run = 0;

	for (int b = 0; b < KB_BEACON_BINS; b++) {
		total += bins[b];
		h.bars += bins[b] > 0;
		if (bins[b] > largest)
			largest = bins[b];
	}
	assert(total > 0);
	mean = (double)total / (double)KB_BEACON_BINS;
	for (int b = 0; b < KB_BEACON_BINS; b++) {
		double d = (double)bins[b] - mean;
		sd += d * d;
	}
	sd = sqrt(sd / (double)KB_BEACON_BINS);
	cv = sd / fabs(mean);
	cv_score = cv > 1.0 ? 0.0 : round3(1.0 - cv);
	if (cv_score > 1.0)
		cv_score = 1.0;

	bucket_size = ceil((double)largest * RITA_HIST_MODE_SENSITIVITY);
	for (int i = 0; i < 2 * KB_BEACON_BINS; i++) {
		uint32_t f = bins[i % KB_BEACON_BINS];
		if (f > 0) {
			run++;
		} else {
			if (run > h.run)
				h.run = run;
			run = 0;
		}
		if (i < KB_BEACON_BINS && f > 0) {
			int64_t bucket = (int64_t)(floor((double)f / bucket_size) * bucket_size);
			size_t j = 0;
			while (j < nfc && fc[j].bucket != bucket)
				j++;
			if (j == nfc) {
				fc[nfc].bucket = bucket;
				fc[nfc++].bars = 0;
			}
			fc[j].bars++;
		}
	}
	if (run > h.run)
		h.run = run;
	if (h.run > KB_BEACON_BINS)
		h.run = KB_BEACON_BINS;

	if (h.bars >= RITA_BIMODAL_MIN_BARS) {
		int32_t first = 0, second = 0;
		for (size_t j = 0; j < nfc; j++) {
			if (fc[j].bars > first) {
				second = first;
				first = fc[j].bars;
			} else if (fc[j].bars > second) {
				second = fc[j].bars;
			}
		}
		fit = (double)(first + second) / fmax((double)(h.bars - RITA_BIMODAL_OUTLIERS), 1);
	}
	fit_score = round3(fit);
	if (fit_score > 1.0)
		fit_score = 1.0;
	h.score = fmax(cv_score, fit_score);
	return h;
}

static double rita_duration(const kb_beacon_window *w, int64_t first, int64_t last, const hist_out *h)
{
	double coverage, consistency;

	if (h->bars < RITA_DUR_MIN_BARS)
		return 0;
	coverage = ceil(((double)(last - first) / (double)(w->end_s - w->start_s)) * 1000) / 1000;
	if (coverage > 1.0)
		coverage = 1.0;
	consistency = ceil(((double)h->run / (double)RITA_DUR_IDEAL_RUN) * 1000) / 1000;
	if (consistency > 1.0)
		consistency = 1.0;
	return fmax(coverage, consistency);
}

/* ---- runs: a sorted multiset as (integer range, count) ---- */

/* count values in lo..hi, standing for `rep` in the statistics; exact
 * values have lo == hi == rep. Ranges are disjoint and increasing. */
typedef struct run {
	uint64_t lo, hi;
	double rep;
	uint64_t count;
} run;

/* How much of run e lies in [a, b] (a >= 0): all of its count, or for a
 * run cut by an edge the fraction of its integers inside. */
static double run_part(const run *e, int64_t a, int64_t b)
{
	uint64_t lo = e->lo > (uint64_t)a ? e->lo : (uint64_t)a;
	uint64_t hi = e->hi < (uint64_t)b ? e->hi : (uint64_t)b;
	uint64_t width = e->hi - e->lo + 1;

	if (hi < lo)
		return 0;
	if (hi - lo + 1 == width)
		return (double)e->count;
	return (double)e->count * (double)(hi - lo + 1) / (double)width;
}

/* Runs overlapping [a, b] are r[*ret_i .. *ret_j). */
static void run_window(const run *r, size_t m, int64_t a, int64_t b, size_t *ret_i, size_t *ret_j)
{
	size_t lo = 0, hi = m, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].hi < (uint64_t)a)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	hi = m;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].lo <= (uint64_t)b)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ret_i = i;
	*ret_j = lo;
}

/* The mass of [a, b] in r[0..m); prefix[k] = counts of r[0..k). */
static double run_mass(const run *r, const uint64_t *prefix, size_t m, int64_t a, int64_t b)
{
	size_t i, j;

	if (a < 0)
		a = 0;
	if (b < a)
		return 0;
	run_window(r, m, a, b, &i, &j);
	if (j <= i)
		return 0;
	if (j - i == 1)
		return run_part(&r[i], a, b);
	return run_part(&r[i], a, b) + (double)(prefix[j - 1] - prefix[i + 1]) + run_part(&r[j - 1], a, b);
}

/* The window of interval c: [ceil(k c - k tol), floor(k c + k tol)]. */
static void period_window(double c, int k, int64_t *ret_a, int64_t *ret_b)
{
	double tol = fmax(PERIOD_TOL_MIN_S, c / PERIOD_TOL_DIV);

	*ret_a = (int64_t)ceil(k * c - k * tol);
	*ret_b = (int64_t)floor(k * c + k * tol);
}

/* The periodicity term over the non-zero intervals r[0..m), m >= 1, and
 * their quartiles q (see the file-head comment). */
static void period_term(const run *r, const uint64_t *prefix, size_t m, const stat *q, kb_beacon_score *out)
{
	double best = -1, best_c = 0, share, disp, sum = 0, mass = 0;
	int64_t a, b;
	size_t i, j;

	for (size_t k = 0; k < m; k++) {
		double c = r[k].rep, got;
		period_window(c, 1, &a, &b);
		got = run_mass(r, prefix, m, a, b);
		if (got > best) {
			best = got;
			best_c = c;
		}
	}
	period_window(best_c, 1, &a, &b);
	if (a < 0)
		a = 0;
	run_window(r, m, a, b, &i, &j);
	for (size_t k = i; k < j; k++) {
		double part = run_part(&r[k], a, b);
		uint64_t lo = r[k].lo > (uint64_t)a ? r[k].lo : (uint64_t)a;
		uint64_t hi = r[k].hi < (uint64_t)b ? r[k].hi : (uint64_t)b;
		sum += part * ((double)lo + (double)hi) / 2;
		mass += part;
	}
	out->period_s = mass > 0 ? sum / mass : best_c;

	share = best;
	if (best_c >= PERIOD_HARMONIC_MIN_S) {
		for (int k = 2; k <= PERIOD_HARMONICS; k++) {
			period_window(best_c, k, &a, &b);
			share += run_mass(r, prefix, m, a, b);
		}
	}
	share /= (double)prefix[m];
	out->period_share = share > 1 ? 1 : share;
	disp = (q->q3_hi - q->q1_lo) / q->q2_lo;
	out->period_score = fmax(clamp01((out->period_share - PERIOD_SHARE_LOW) / (PERIOD_SHARE_HIGH - PERIOD_SHARE_LOW)),
	                         clamp01(1 - disp));
}

/* Everything after the interval and size statistics. */
static void score_all(const kb_beacon_window *w, const stat *ts, const stat *ds, const uint32_t *bins,
                      int64_t first, int64_t last, const run *ivl, const uint64_t *prefix, size_t m,
                      kb_beacon_score *out)
{
	hist_out h = rita_hist(bins);

	out->ts_score = ts->score;
	out->ts_skew = ts->skew;
	out->ts_mad = ts->mad;
	out->ds_score = ds->score;
	out->ds_skew = ds->skew;
	out->ds_mad = ds->mad;
	out->hist_score = h.score;
	out->dur_score = rita_duration(w, first, last, &h);
	out->rita_score = round3(out->ts_score * RITA_WEIGHT + out->ds_score * RITA_WEIGHT +
	                         out->dur_score * RITA_WEIGHT + out->hist_score * RITA_WEIGHT);
	period_term(ivl, prefix, m, ts, out);
	out->score = round3(out->rita_score * out->period_score);
	out->scored = true;
}

/* ---- the window ---- */

int kb_beacon_window_init(kb_beacon_window *w, int64_t start_s, int64_t end_s)
{
	if (start_s < 0 || end_s > KB_BEACON_VALUE_MAX || end_s <= start_s)
		return KB_EINVAL;
	w->start_s = start_s;
	w->end_s = end_s;
	w->step = (double)(end_s - start_s) / (double)KB_BEACON_BINS;
	w->edge[0] = (double)start_s;
	for (int i = 1; i < KB_BEACON_BINS; i++)
		w->edge[i] = (double)start_s + (double)i * w->step;
	w->edge[KB_BEACON_BINS] = (double)end_s;
	return 0;
}

/* ---- the exact reference ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_sorted(const double *v, size_t n)
{
	return n % 2 == 0 ? (v[n / 2 - 1] + v[n / 2]) / 2 : v[n / 2];
}

/* v[0..n) sorted, n >= 3; scratch holds n doubles. */
static void stat_sorted(const double *v, size_t n, double default_mad, double *scratch, stat *st)
{
	size_t c1 = n % 2 == 0 ? n / 2 : (n - 1) / 2;
	size_t c2 = n % 2 == 0 ? n / 2 : c1 + 1;

	st->q1 = median_sorted(v, c1);
	st->q2 = median_sorted(v, n);
	st->q3 = median_sorted(v + c2, n - c2);
	st->q1_lo = st->q1;
	st->q2_lo = st->q2;
	st->q3_hi = st->q3;
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(v[i] - st->q2);
	qsort(scratch, n, sizeof scratch[0], cmp_double);
	st->mad = median_sorted(scratch, n);
	stat_finish(st, default_mad);
}

int kb_beacon_rita_exact(const int64_t *ts_s, const int64_t *bytes, size_t n, int64_t win_start_s,
                         int64_t win_end_s, kb_beacon_score *ret)
{
	kb_beacon_window w;
	kb_beacon_score out;
	int64_t *t = NULL;
	double *d = NULL, *sz = NULL, *scratch = NULL;
	run *runs = NULL;
	uint64_t *prefix = NULL;
	size_t distinct = 0;
	int rc = 0;

	if (kb_beacon_window_init(&w, win_start_s, win_end_s) < 0 || (n > 0 && (!ts_s || !bytes)))
		return KB_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (ts_s[i] < 0 || ts_s[i] > KB_BEACON_VALUE_MAX || bytes[i] < 0 || bytes[i] > KB_BEACON_VALUE_MAX)
			return KB_EINVAL;
	}
	memset(&out, 0, sizeof out);
	out.conns = n;
	out.strobe = n >= KB_BEACON_STROBE_CONNS;
	out.ts_exact = out.ds_exact = true;
	if (n == 0)
		goto done;

	t = malloc(n * sizeof t[0]);
	if (!t)
		return KB_ENOMEM;
	memcpy(t, ts_s, n * sizeof t[0]);
	qsort(t, n, sizeof t[0], cmp_i64);
	for (size_t i = 0; i < n; i++)
		distinct += i == 0 || t[i] != t[i - 1];
	out.distinct_ts = distinct;
	if (out.strobe || distinct < KB_BEACON_MIN_DISTINCT_TS)
		goto done;

	d = malloc(n * sizeof d[0]);
	sz = malloc(n * sizeof sz[0]);
	scratch = malloc(n * sizeof scratch[0]);
	runs = malloc(n * sizeof runs[0]);
	prefix = malloc((n + 1) * sizeof prefix[0]);
	if (!d || !sz || !scratch || !runs || !prefix) {
		rc = KB_ENOMEM;
		goto done;
	}
	{
		stat ts, ds;
		uint32_t bins[KB_BEACON_BINS] = {0};
		size_t zeros = 0, m = 0, cur = 0;
		double next = w.edge[1];
		const double *nz;
		size_t nnz;

		for (size_t i = 0; i + 1 < n; i++)
			d[i] = (double)(t[i + 1] - t[i]);
		qsort(d, n - 1, sizeof d[0], cmp_double);
		while (zeros < n - 1 && d[zeros] == 0)
			zeros++;
		nz = d + zeros;
		nnz = n - 1 - zeros;
		stat_sorted(nz, nnz, RITA_TS_MAD_DEFAULT, scratch, &ts);

		for (size_t i = 0; i < n; i++)
			sz[i] = (double)bytes[i];
		qsort(sz, n, sizeof sz[0], cmp_double);
		stat_sorted(sz, n, RITA_DS_MAD_DEFAULT, scratch, &ds);

		/* RITA's walk over sorted times and edges */
		for (size_t i = 0; i < n; i++) {
			double x = (double)t[i];
			if (x < next) {
				bins[cur]++;
				continue;
			}
			for (size_t j = cur + 1; j < KB_BEACON_BINS; j++) {
				cur = j;
				next = w.edge[j + 1];
				if (x < w.edge[j + 1])
					break;
			}
			bins[cur]++;
		}

		prefix[0] = 0;
		for (size_t i = 0; i < nnz; i++) {
			if (m > 0 && runs[m - 1].rep == nz[i]) {
				runs[m - 1].count++;
			} else {
				runs[m].lo = runs[m].hi = (uint64_t)nz[i];
				runs[m].rep = nz[i];
				runs[m].count = 1;
				m++;
			}
		}
		for (size_t k = 0; k < m; k++)
			prefix[k + 1] = prefix[k] + runs[k].count;
		score_all(&w, &ts, &ds, bins, t[0], t[n - 1], runs, prefix, m, &out);
	}
done:
	free(t);
	free(d);
	free(sz);
	free(scratch);
	free(runs);
	free(prefix);
	if (rc == 0)
		*ret = out;
	return rc;
}

/* ---- the streaming state ---- */

static uint32_t sk_count(const kb_beacon_sketch *k, unsigned i)
{
	return k->count_lo[i] | (uint32_t)(k->count_hi >> i & 1u) << 16;
}

static void sk_set_count(kb_beacon_sketch *k, unsigned i, uint32_t c)
{
	k->count_lo[i] = (uint16_t)c;
	k->count_hi = (uint16_t)((k->count_hi & ~(1u << i)) | (c >> 16 & 1u) << i);
}

static uint32_t fine_index(uint64_t v)
{
	unsigned p = 63u - (unsigned)__builtin_clzll(v);
	uint32_t sub = p >= FINE_SUB_BITS ? (uint32_t)(v >> (p - FINE_SUB_BITS))
	                                  : (uint32_t)(v << (FINE_SUB_BITS - p));
	return (uint32_t)p << FINE_SUB_BITS | (sub & ((1u << FINE_SUB_BITS) - 1));
}

/* The smallest integer whose fine index is f or more. */
static uint64_t fine_low(uint32_t f)
{
	unsigned p = f >> FINE_SUB_BITS;
	uint64_t m = (1u << FINE_SUB_BITS) + (f & ((1u << FINE_SUB_BITS) - 1));

	if (p >= FINE_SUB_BITS)
		return m << (p - FINE_SUB_BITS);
	return (m + (1u << (FINE_SUB_BITS - p)) - 1) >> (FINE_SUB_BITS - p);
}

static uint32_t approx_key(uint64_t v, unsigned level)
{
	return v == 0 ? 0 : (fine_index(v) >> (level - 1)) + 1;
}

/* Count one more `key`; false when it is new and the sketch is full. */
static bool sk_bump(kb_beacon_sketch *k, uint32_t key)
{
	unsigned i = 0, n = k->used, below;

	while (i < n && k->key[i] < key)
		i++;
	if (i < n && k->key[i] == key) {
		sk_set_count(k, i, sk_count(k, i) + 1);
		return true;
	}
	if (n == KB_BEACON_SKETCH_K)
		return false;
	memmove(k->key + i + 1, k->key + i, (n - i) * sizeof k->key[0]);
	memmove(k->count_lo + i + 1, k->count_lo + i, (n - i) * sizeof k->count_lo[0]);
	below = k->count_hi & ((1u << i) - 1);
	k->count_hi = (uint16_t)(below | (k->count_hi & ~below) << 1);
	k->key[i] = key;
	sk_set_count(k, i, 1);
	k->used++;
	return true;
}

/* Re-key one level coarser (from exact: to level 1), merging equal keys. */
static void sk_coarsen(kb_beacon_sketch *k)
{
	unsigned out = 0;

	for (unsigned i = 0; i < k->used; i++) {
		uint32_t key = k->key[i], c = sk_count(k, i);
		uint32_t nk = k->level == 0 ? approx_key(key, 1) : key == 0 ? 0 : ((key - 1) >> 1) + 1;
		if (out > 0 && k->key[out - 1] == nk) {
			sk_set_count(k, out - 1, sk_count(k, out - 1) + c);
		} else {
			k->key[out] = nk;
			sk_set_count(k, out, c);
			out++;
		}
	}
	k->count_hi &= (uint16_t)((1u << out) - 1);
	k->used = (uint8_t)out;
	k->level++;
}

static void sk_add(kb_beacon_sketch *k, uint64_t v)
{
	if (k->level == 0) {
		if (v <= UINT32_MAX && sk_bump(k, (uint32_t)v))
			return;
		sk_coarsen(k);
	}
	while (!sk_bump(k, approx_key(v, k->level)))
		sk_coarsen(k);
}

/* The sketch as runs; returns how many, and fills prefix[0..m]. */
static size_t sk_runs(const kb_beacon_sketch *k, run *r, uint64_t *prefix)
{
	prefix[0] = 0;
	for (unsigned i = 0; i < k->used; i++) {
		uint32_t key = k->key[i];
		if (k->level == 0 || key == 0) {
			r[i].lo = r[i].hi = key;
			r[i].rep = (double)key;
		} else {
			uint32_t f0 = (key - 1) << (k->level - 1), f1 = key << (k->level - 1);
			if (f1 > FINE_END)
				f1 = FINE_END;
			r[i].lo = fine_low(f0);
			r[i].hi = fine_low(f1) - 1;
			r[i].rep = r[i].lo == r[i].hi ? (double)r[i].lo : ((double)r[i].lo + (double)r[i].hi) / 2;
		}
		r[i].count = sk_count(k, i);
		prefix[i + 1] = prefix[i] + r[i].count;
	}
	return k->used;
}

enum { AT_REP, AT_LO, AT_HI };

/* The value of the given rank: its run's rep, or the low or high end of
 * the run's range. */
static double runs_at(const run *r, size_t m, uint64_t rank, int which)
{
	size_t i = 0;

	while (i + 1 < m && rank >= r[i].count) {
		rank -= r[i].count;
		i++;
	}
	return which == AT_REP ? r[i].rep : which == AT_LO ? (double)r[i].lo : (double)r[i].hi;
}

/* Median of the values of rank a..b-1 (b > a). */
static double runs_median(const run *r, size_t m, uint64_t a, uint64_t b, int which)
{
	uint64_t len = b - a;

	if (len % 2 == 0)
		return (runs_at(r, m, a + len / 2 - 1, which) + runs_at(r, m, a + len / 2, which)) / 2;
	return runs_at(r, m, a + len / 2, which);
}

/* The statistics of stat_sorted() over n >= 3 values in m runs. */
static void stat_runs(const run *r, size_t m, uint64_t n, double default_mad, stat *st)
{
	uint64_t c1 = n % 2 == 0 ? n / 2 : (n - 1) / 2;
	uint64_t c2 = n % 2 == 0 ? n / 2 : c1 + 1;
	run dev[KB_BEACON_SKETCH_K];

	assert(m <= KB_BEACON_SKETCH_K);
	st->q1 = runs_median(r, m, 0, c1, AT_REP);
	st->q2 = runs_median(r, m, 0, n, AT_REP);
	st->q3 = runs_median(r, m, c2, n, AT_REP);
	st->q1_lo = runs_median(r, m, 0, c1, AT_LO);
	st->q2_lo = runs_median(r, m, 0, n, AT_LO);
	st->q3_hi = runs_median(r, m, c2, n, AT_HI);
	for (size_t i = 0; i < m; i++) {
		run x = r[i];
		size_t j = i;
		x.rep = fabs(r[i].rep - st->q2);
		while (j > 0 && dev[j - 1].rep > x.rep) {
			dev[j] = dev[j - 1];
			j--;
		}
		dev[j] = x;
	}
	st->mad = runs_median(dev, m, 0, n, AT_REP);
	stat_finish(st, default_mad);
}

void kb_beacon_state_init(kb_beacon_state *s)
{
	memset(s, 0, sizeof *s);
}

/* RITA's bin of time t: 0 below edge 1, else the j with edge[j] <= t <
 * edge[j + 1], at most 23. */
static unsigned window_bin(const kb_beacon_window *w, int64_t ts)
{
	double t = (double)ts;
	int g;

	if (t < w->edge[1])
		return 0;
	if (t >= w->edge[KB_BEACON_BINS - 1])
		return KB_BEACON_BINS - 1;
	g = (int)((t - w->edge[0]) / w->step);
	if (g < 1)
		g = 1;
	if (g > KB_BEACON_BINS - 2)
		g = KB_BEACON_BINS - 2;
	while (t < w->edge[g])
		g--;
	while (t >= w->edge[g + 1])
		g++;
	return (unsigned)g;
}

int kb_beacon_add(kb_beacon_state *s, const kb_beacon_window *w, int64_t ts_s, int64_t bytes)
{
	bool new_ts;
	unsigned b;
	uint32_t c;

	if (ts_s < 0 || ts_s > KB_BEACON_VALUE_MAX || bytes < 0 || bytes > KB_BEACON_VALUE_MAX)
		return KB_EINVAL;
	if (s->conns > 0 && ts_s < s->last_ts)
		return KB_EINVAL;
	new_ts = s->conns == 0 || ts_s != s->last_ts;
	if (new_ts && s->distinct < UINT32_MAX)
		s->distinct++;
	if (s->conns >= KB_BEACON_STROBE_CONNS) {
		if (s->conns < UINT32_MAX)
			s->conns++;
		s->last_ts = ts_s;
		return 0;
	}
	if (s->conns == 0)
		s->first_ts = ts_s;
	else if (new_ts)
		sk_add(&s->ivl, (uint64_t)(ts_s - s->last_ts));
	s->last_ts = ts_s;
	b = window_bin(w, ts_s);
	c = (s->hist_lo[b] | (s->hist_hi >> b & 1u) << 16) + 1;
	s->hist_lo[b] = (uint16_t)c;
	s->hist_hi = (s->hist_hi & ~(1u << b)) | (c >> 16 & 1u) << b;
	sk_add(&s->size, (uint64_t)bytes);
	s->conns++;
	return 0;
}

int kb_beacon_finish(const kb_beacon_state *s, const kb_beacon_window *w, kb_beacon_score *ret)
{
	kb_beacon_score out;

	memset(&out, 0, sizeof out);
	out.conns = s->conns;
	out.distinct_ts = s->distinct;
	out.strobe = s->conns >= KB_BEACON_STROBE_CONNS;
	out.ts_exact = s->ivl.level == 0;
	out.ds_exact = s->size.level == 0;
	if (!out.strobe && s->distinct >= KB_BEACON_MIN_DISTINCT_TS) {
		run ivl[KB_BEACON_SKETCH_K], size[KB_BEACON_SKETCH_K];
		uint64_t ivl_prefix[KB_BEACON_SKETCH_K + 1], size_prefix[KB_BEACON_SKETCH_K + 1];
		uint32_t bins[KB_BEACON_BINS];
		size_t mi = sk_runs(&s->ivl, ivl, ivl_prefix), ms = sk_runs(&s->size, size, size_prefix);
		stat ts, ds;

		stat_runs(ivl, mi, ivl_prefix[mi], RITA_TS_MAD_DEFAULT, &ts);
		stat_runs(size, ms, size_prefix[ms], RITA_DS_MAD_DEFAULT, &ds);
		for (unsigned b = 0; b < KB_BEACON_BINS; b++)
			bins[b] = s->hist_lo[b] | (s->hist_hi >> b & 1u) << 16;
		score_all(w, &ts, &ds, bins, s->first_ts, s->last_ts, ivl, ivl_prefix, mi, &out);
	}
	*ret = out;
	return 0;
}
