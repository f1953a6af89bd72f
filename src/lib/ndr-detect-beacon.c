/*
 * ndr-detect-beacon.c - command and control that calls home on a clock.
 *
 * Every pair from an internal to an external host with two connections or
 * more has a beacon state (kept by the engine, scored by ndr-beacon.c: the
 * RITA v5 score times a periodicity term). A pair scoring at least
 * beacon_min_score is a detection; its certainty is the score, its threat
 * 70 (a live channel out), 40 when the baseline saw the same pair talk too
 * (a habit: a build server polling its repository; still shown). The
 * baseline's internal-to-external pairs are kept in an ndr_keyset, at most
 * NDR_BEACON_MAX_BASE. The TLS server names and HTTP
 * hosts seen between the two are given as the peer's names.
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_BEACON_MAX_BASE (4u << 20) /* baseline pairs remembered */

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	ndr_keyset *k = calloc(1, sizeof *k);
	if (k)
		k->max = NDR_BEACON_MAX_BASE;
	*ret = k;
	return k ? 0 : KB_ENOMEM;
}

static void baseline(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	(void)c;
	if (fi->src_int && !fi->dst_int)
		ndr_keyset_add(sv, ndr_pair_key(&f->orig, &f->resp));
}

static void release(void *sv)
{
	if (sv)
		ndr_keyset_free(sv);
	free(sv);
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
	ndr_keyset *base = sv;
	const kb_beacon_window *w = ndr_beacon_window(c);
	if (!w)
		return 0;
	ndr_keyset_seal(base);
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
		bool habit = ndr_keyset_has(base, ndr_pair_key(&src->ip, &dst->ip));
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
