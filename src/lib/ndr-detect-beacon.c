/*
 * ndr-detect-beacon.c - command and control that calls home on a clock.
 *
 * Every pair from an internal to an external host with two connections or
 * more has a beacon state (kept by the engine, scored by ndr-beacon.c: the
 * RITA v5 score times a periodicity term). A pair scoring at least
 * beacon_min_score is a detection; its certainty is the score, its threat
 * 70 (a live channel out). The TLS server names and HTTP hosts seen between
 * the two are given as the peer's names.
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <string.h>

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

static int finish(ndr_ctx *c, void *st)
{
	(void)st;
	const kb_beacon_window *w = ndr_beacon_window(c);
	if (!w)
		return 0;
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
		char summary[512], evidence[512], next[512];
		snprintf(summary, sizeof summary, "%s calls %s every %.0f s (%llu connections), like command and control",
		         sip, peer, sc.period_s, (unsigned long long)sc.conns);
		snprintf(evidence, sizeof evidence,
		         "score=%.3f; rita=%.3f; period_s=%.0f; period_share=%.2f; period_score=%.2f; ts_score=%.3f; "
		         "ts_skew=%.3f; ts_mad=%.1f; ds_score=%.3f; hist_score=%.3f; dur_score=%.3f; conns=%llu",
		         sc.score, sc.rita_score, sc.period_s, sc.period_share, sc.period_score, sc.ts_score, sc.ts_skew,
		         sc.ts_mad, sc.ds_score, sc.hist_score, sc.dur_score, (unsigned long long)sc.conns);
		snprintf(next, sizeof next,
		         "Find the process on %s that opens these connections (EDR, proxy or firewall logs); if %s is "
		         "not a known service, isolate the host and block the destination.",
		         sip, dip);
		ndr_emit_args a = { .kind = "beacon", .category = "command-and-control", .host = &src->ip, .peer = peer,
			            .threat = 70, .certainty = (unsigned)(sc.score * 100 + 0.5),
			            .first_us = ndr_pair_first_us(c, p), .last_us = ndr_pair_last_us(c, p), .summary = summary, .evidence = evidence, .next_step = next,
			            .sample_dst = &dst->ip };
		int r = ndr_emit(c, &a);
		if (r < 0)
			return r;
	}
	return 0;
}

const ndr_detector ndr_beacon = { .name = "beacon", .finish = finish };
