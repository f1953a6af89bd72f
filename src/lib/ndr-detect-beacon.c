/*
 * ndr-detect-beacon.c - command and control that calls home on a clock.
 *
 * Every pair from an internal to an external host with two connections or
 * more has a beacon state (kept by the engine, scored by ndr-beacon.c: the
 * RITA v5 score times a periodicity term). A pair scoring at least
 * beacon_min_score is a detection; its certainty is the score, its threat
 * 70 (a live channel out), 40 when the baseline saw the same pair talk too
 * (a habit: a build server polling its repository; still shown). The
 * baseline's internal-to-external pairs are kept as 64-bit hashes in a
 * sorted array, at most NDR_BEACON_MAX_BASE. The TLS server names and HTTP
 * hosts seen between the two are given as the peer's names.
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_BEACON_MAX_BASE (4u << 20) /* baseline pairs remembered */

struct st {
	uint64_t *base;
	size_t n, cap;
};

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	*ret = calloc(1, sizeof(struct st));
	return *ret ? 0 : KB_ENOMEM;
}

static uint64_t pair_key(const kb_ip *a, const kb_ip *b)
{
	unsigned char k[32];
	memcpy(k, a->b, 16);
	memcpy(k + 16, b->b, 16);
	return ndr_hash(k, 32, 13);
}

static void baseline(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	(void)c;
	struct st *s = sv;
	if (!fi->src_int || fi->dst_int || s->n >= NDR_BEACON_MAX_BASE)
		return;
	uint64_t k = pair_key(&f->orig, &f->resp);
	if (s->n && s->base[s->n - 1] == k)
		return; /* the same pair again, as periodic traffic is */
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *p = realloc(s->base, cap * sizeof *p);
		if (!p)
			return; /* fewer habits known: a beacon keeps its full threat */
		s->base = p;
		s->cap = cap;
	}
	s->base[s->n++] = k;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static bool habitual(const struct st *s, uint64_t k)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->base[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->base[lo] == k;
}

static void release(void *sv)
{
	struct st *s = sv;
	if (s)
		free(s->base);
	free(s);
}

struct names {
	char text[256];
	size_t len;
};

static int add_name(kb_flow_name_kind kind, const char *name, void *ctx)
{
	(void)kind;
	struct names *n = ctx;
	if (strstr(n->text, name))
		return 0;
	int w = snprintf(n->text + n->len, sizeof n->text - n->len, "%s%s", n->len ? "," : "", name);
	if (w > 0 && (size_t)w < sizeof n->text - n->len)
		n->len += (size_t)w;
	return 0;
}

static int finish(ndr_ctx *c, void *sv)
{
	struct st *s = sv;
	const kb_beacon_window *w = ndr_beacon_window(c);
	if (!w)
		return 0;
	if (s->n) {
		qsort(s->base, s->n, sizeof *s->base, cmp_u64);
		size_t u = 0;
		for (size_t i = 0; i < s->n; i++)
			if (u == 0 || s->base[u - 1] != s->base[i])
				s->base[u++] = s->base[i];
		s->n = u;
	}
	unsigned min = ndr_config(c)->beacon_min_score;
	for (size_t i = 0; i < ndr_n_pairs(c); i++) {
		const ndr_pair *p = ndr_pair_at(c, (uint32_t)i);
		const kb_beacon_state *b = ndr_beacon_of(c, p);
		kb_beacon_score sc;
		if (!b || kb_beacon_finish(b, w, &sc) < 0 || !sc.scored || sc.score * 100 < min)
			continue;
		const ndr_host *src = ndr_host_at(c, p->src), *dst = ndr_host_at(c, p->dst);
		char peer[KB_IP_TEXT_MAX + 260], dip[KB_IP_TEXT_MAX], sip[KB_IP_TEXT_MAX];
		ndr_ip_text(&dst->ip, dip, sizeof dip);
		ndr_ip_text(&src->ip, sip, sizeof sip);
		struct names nm = { "", 0 };
		kb_error err;
		kb_error_clear(&err);
		kb_flow_names_between(ndr_store(c), &src->ip, &dst->ip, add_name, &nm, &err);
		snprintf(peer, sizeof peer, "%s:%u%s%s%s", dip, p->port, nm.len ? " (" : "", nm.text, nm.len ? ")" : "");
		bool habit = habitual(s, pair_key(&src->ip, &dst->ip));
		char summary[512], evidence[560], next[512];
		snprintf(summary, sizeof summary, "%s calls %s every %.0f s (%llu connections), like command and control%s",
		         sip, peer, sc.period_s, (unsigned long long)sc.conns,
		         habit ? "; it did in the baseline too" : "");
		snprintf(evidence, sizeof evidence,
		         "score=%.3f; rita=%.3f; period_s=%.0f; period_share=%.2f; period_score=%.2f; ts_score=%.3f; "
		         "ts_skew=%.3f; ts_mad=%.1f; ds_score=%.3f; hist_score=%.3f; dur_score=%.3f; conns=%llu; "
		         "in_baseline=%s",
		         sc.score, sc.rita_score, sc.period_s, sc.period_share, sc.period_score, sc.ts_score, sc.ts_skew,
		         sc.ts_mad, sc.ds_score, sc.hist_score, sc.dur_score, (unsigned long long)sc.conns,
		         habit ? "yes" : "no");
		snprintf(next, sizeof next,
		         "Find the process on %s that opens these connections (EDR, proxy or firewall logs); if %s is "
		         "not a known service, isolate the host and block the destination.",
		         sip, dip);
		ndr_emit_args a = { .kind = "beacon", .category = "command-and-control", .host = &src->ip, .peer = peer,
			            .threat = habit ? 40 : 70, .certainty = (unsigned)(sc.score * 100 + 0.5),
			            .first_us = ndr_pair_first_us(c, p), .last_us = ndr_pair_last_us(c, p), .summary = summary, .evidence = evidence, .next_step = next,
			            .sample_dst = &dst->ip };
		int r = ndr_emit(c, &a);
		if (r < 0)
			return r;
	}
	return 0;
}

const ndr_detector ndr_beacon = { .name = "beacon", .init = init, .baseline = baseline, .finish = finish,
	                          .free = release };
