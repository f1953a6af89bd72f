/*
 * ndr-detect-lateral.c - lateral movement: one host reaching many internal
 * hosts on admin protocols (SSH, telnet, RPC, SMB, RDP, VNC, WinRM), and
 * admin connections between pairs never seen in the baseline.
 *
 * The baseline hook keeps the (source, destination) pairs of admin
 * connections in an ndr_keyset (at most NDR_LATERAL_MAX_BASE; past it later
 * ones are not kept and fewer pairs count as known). At the end the engine's pairs flagged NDR_P_ADMIN
 * between internal hosts are counted per source, those with an established
 * session (attempts alone are scans): fanout_min_hosts or more
 * destinations is a fan-out (threat 70); otherwise two or more pairs new
 * since the baseline from a host that is not a known admin is a new admin
 * path (threat 50). Known admin sources never count.
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_LATERAL_MAX_BASE (4u << 20) /* baseline admin pairs kept */

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	ndr_keyset *k = calloc(1, sizeof *k);
	if (k)
		k->max = NDR_LATERAL_MAX_BASE;
	*ret = k;
	return k ? 0 : KB_ENOMEM;
}

static void baseline(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	(void)c;
	if (fi->admin_port && fi->src_int && fi->dst_int)
		ndr_keyset_add(sv, ndr_pair_key(&f->orig, &f->resp));
}

struct src_count {
	uint32_t dsts, tried, fresh; /* destinations with an established session; tried; new since the baseline */
	int64_t first, last;
	uint32_t port_mask; /* bit per admin port seen */
};

static int finish(ndr_ctx *c, void *sv)
{
	ndr_keyset *base = sv;
	ndr_keyset_seal(base);
	bool have_base = ndr_config(c)->baseline_until_us > ndr_config(c)->baseline_since_us;
	size_t nh = ndr_n_hosts(c);
	struct src_count *cnt = calloc(nh ? nh : 1, sizeof *cnt);
	if (!cnt)
		return KB_ENOMEM;
	for (size_t i = 0; i < ndr_n_pairs(c); i++) {
		const ndr_pair *p = ndr_pair_at(c, (uint32_t)i);
		const ndr_host *src = ndr_host_at(c, p->src), *dst = ndr_host_at(c, p->dst);
		if (!(p->flags & NDR_P_ADMIN) || !(src->flags & NDR_H_INTERNAL) || !(dst->flags & NDR_H_INTERNAL) ||
		    (src->flags & NDR_H_ADMIN))
			continue;
		struct src_count *k = &cnt[p->src];
		if (!k->tried || ndr_pair_first_us(c, p) < k->first)
			k->first = ndr_pair_first_us(c, p);
		if (ndr_pair_last_us(c, p) > k->last)
			k->last = ndr_pair_last_us(c, p);
		k->tried++;
		if (!(p->flags & NDR_P_ESTABLISHED))
			continue; /* attempts alone are the scan detector's */
		k->dsts++;
		if (have_base && !ndr_keyset_has(base, ndr_pair_key(&src->ip, &dst->ip)))
			k->fresh++;
	}
	unsigned fan = ndr_config(c)->fanout_min_hosts;
	int r = 0;
	for (size_t i = 0; r == 0 && i < nh; i++) {
		const struct src_count *k = &cnt[i];
		bool fanout = fan && k->dsts >= fan;
		if (!fanout && k->fresh < 2)
			continue;
		const ndr_host *h = ndr_host_at(c, (uint32_t)i);
		char sip[KB_IP_TEXT_MAX], peer[64], summary[256], evidence[256], next[256];
		ndr_ip_text(&h->ip, sip, sizeof sip);
		snprintf(peer, sizeof peer, "%u internal hosts", k->dsts);
		if (fanout)
			snprintf(summary, sizeof summary,
			         "%s opened admin sessions (SMB, RDP, SSH, WinRM, RPC) to %u internal hosts, %u of them never "
			         "before",
			         sip, k->dsts, k->fresh);
		else
			snprintf(summary, sizeof summary, "%s opened admin sessions to %u internal hosts it never used before",
			         sip, k->fresh);
		int64_t mins = (k->last - k->first) / 60000000;
		snprintf(evidence, sizeof evidence,
		         "admin_destinations=%u; attempted=%u; new_since_baseline=%u; minutes=%lld; baseline=%s", k->dsts,
		         k->tried, k->fresh, (long long)mins, have_base ? "yes" : "no");
		snprintf(next, sizeof next,
		         "Check who was logged on to %s and which accounts authenticated to the destinations (Windows "
		         "4624/4648 events, SSH logs).",
		         sip);
		ndr_emit_args a = { .kind = fanout ? "lateral-fanout" : "lateral-new-admin",
			            .category = "lateral-movement", .host = &h->ip, .peer = peer,
			            .threat = fanout ? 70 : 50,
			            .certainty = fanout ? (k->fresh * 2 >= k->dsts ? 80 : 60) : 45,
			            .first_us = k->first, .last_us = k->last, .summary = summary, .evidence = evidence,
			            .next_step = next };
		r = ndr_emit(c, &a);
	}
	free(cnt);
	return r;
}

static void release(void *sv)
{
	if (sv)
		ndr_keyset_free(sv);
	free(sv);
}

const ndr_detector ndr_lateral = { .name = "lateral", .init = init, .baseline = baseline, .finish = finish,
	                           .free = release };
