/*
 * ndr-detect-longconn.c - long connections: an internal host that stays
 * connected to one external host for hours (summed duration of the pair's
 * connections, so a tunnel reopened every few minutes counts whole).
 * Scored as RITA does, from long_conn_min_s (default 1 h) up to 12 h: the
 * threat grows from 30 to 60 with the hours; certainty 60. A destination
 * more than NDR_LONGCONN_MAX_SOURCES internal hosts talk to (a meeting
 * service, a CDN) is a service of the organisation, not a tunnel of one
 * host, and is left out.
 */
#include "ndr-internal.h"

#include <stdio.h>

#define NDR_LONGCONN_MAX_SOURCES 3 /* internal hosts a tunnel's far end may have */

static int finish(ndr_ctx *c, void *st)
{
	(void)st;
	uint64_t min_s = ndr_config(c)->long_conn_min_s;
	if (min_s == 0)
		return 0;
	for (size_t i = 0; i < ndr_n_pairs(c); i++) {
		const ndr_pair *p = ndr_pair_at(c, (uint32_t)i);
		const ndr_host *src = ndr_host_at(c, p->src), *dst = ndr_host_at(c, p->dst);
		if (p->dur_s < min_s || !(src->flags & NDR_H_INTERNAL) || (dst->flags & NDR_H_INTERNAL) ||
		    dst->n_int_srcs > NDR_LONGCONN_MAX_SOURCES)
			continue;
		double hours = (double)p->dur_s / 3600.0;
		double frac = min_s >= 43200 ? 1 : (hours - (double)min_s / 3600.0) / (12.0 - (double)min_s / 3600.0);
		if (frac < 0)
			frac = 0;
		if (frac > 1)
			frac = 1;
		char sip[KB_IP_TEXT_MAX], dip[KB_IP_TEXT_MAX], peer[80], out[32], in[32];
		ndr_ip_text(&src->ip, sip, sizeof sip);
		ndr_ip_text(&dst->ip, dip, sizeof dip);
		snprintf(peer, sizeof peer, "%s:%u", dip, p->port);
		ndr_bytes_text(p->bytes_out, out, sizeof out);
		ndr_bytes_text(p->bytes_in, in, sizeof in);
		char summary[256], evidence[256], next[256];
		snprintf(summary, sizeof summary, "%s stayed connected to %s for %.1f hours", sip, peer, hours);
		snprintf(evidence, sizeof evidence, "duration_s=%llu; conns=%u; bytes_out=%s; bytes_in=%s",
		         (unsigned long long)p->dur_s, p->conns, out, in);
		snprintf(next, sizeof next,
		         "Check whether %s is a VPN, remote-access or tunnelling service %s is meant to use.", dip, sip);
		ndr_emit_args a = { .kind = "long-connection", .category = "command-and-control", .host = &src->ip,
			            .peer = peer, .threat = 30 + (unsigned)(frac * 30), .certainty = 60,
			            .first_us = ndr_pair_first_us(c, p), .last_us = ndr_pair_last_us(c, p), .summary = summary,
			            .evidence = evidence, .next_step = next, .sample_dst = &dst->ip };
		int r = ndr_emit(c, &a);
		if (r < 0)
			return r;
	}
	return 0;
}

const ndr_detector ndr_long_conn = { .name = "long-connection", .finish = finish };
