/*
 * ndr-detect-exfil.c - data leaving: a bulk upload to a destination nobody
 * else uses ("smash and grab"), outbound volume far past the host's own
 * baseline and its peers', and staging (pulling from inside, then pushing
 * out: the "data smuggler").
 *
 * Everything comes from the engine's host and pair totals: a pair from an
 * internal to an external host that sent at least upload_min_bytes within
 * NDR_EXFIL_FAST_US, to a host no other internal host talked to, is an
 * upload (threat 80); when the same host had pulled at least half that
 * from internal hosts in the NDR_EXFIL_STAGING_US before, it is staging
 * (threat 85). A host whose outbound total is at least upload_min_bytes and
 * ten times both its baseline day and the peers' median is "exfiltration"
 * by volume (threat 65). Its own state: the pulls (an internal host
 * receiving 1 MB or more on a connection it opened to another internal
 * host), at most NDR_EXFIL_MAX_PULLS of them.
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_EXFIL_FAST_US (3600ll * 1000000)       /* an upload this fast or faster is a bulk upload */
#define NDR_EXFIL_STAGING_US (6 * 3600ll * 1000000) /* a pull this long before an upload is staging */
#define NDR_EXFIL_RATIO 10                          /* outbound this many times the usual is unusual */
#define NDR_EXFIL_MAX_PULLS (1u << 20)              /* pulls remembered */
#define NDR_EXFIL_PULL_MIN 1000000                  /* bytes a connection must bring in to be a pull */

struct pull {
	uint32_t host;
	int64_t ts;
	uint64_t bytes;
};

struct st {
	struct pull *p;
	size_t n, cap;
};

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	*ret = calloc(1, sizeof(struct st));
	return *ret ? 0 : KB_ENOMEM;
}

static void flow(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	(void)c;
	struct st *s = sv;
	if (!fi->src_int || !fi->dst_int || f->resp_bytes < NDR_EXFIL_PULL_MIN || s->n >= NDR_EXFIL_MAX_PULLS)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct pull *p = realloc(s->p, cap * sizeof *p);
		if (!p)
			return;
		s->p = p;
		s->cap = cap;
	}
	s->p[s->n++] = (struct pull){ fi->src, f->start_us, f->resp_bytes };
}

/* Bytes the host pulled from inside in the NDR_EXFIL_STAGING_US before `t`. */
static uint64_t pulled_before(const struct st *s, uint32_t host, int64_t t)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].host == host && s->p[i].ts <= t && t - s->p[i].ts <= NDR_EXFIL_STAGING_US)
			sum += s->p[i].bytes;
	return sum;
}

static void release(void *sv)
{
	struct st *s = sv;
	if (s)
		free(s->p);
	free(s);
}

static int upload(ndr_ctx *c, const struct st *s, const ndr_pair *p, uint64_t min)
{
	const ndr_host *src = ndr_host_at(c, p->src), *dst = ndr_host_at(c, p->dst);
	int64_t span = (int64_t)(p->last_s - p->first_s) * 1000000 + (int64_t)(p->conns ? (uint64_t)p->dur_s * 1000000 / p->conns : 0);
	if (p->bytes_out < min || span > NDR_EXFIL_FAST_US || dst->n_int_srcs > 1)
		return 0;
	uint64_t before = pulled_before(s, p->src, ndr_pair_first_us(c, p));
	bool staged = before >= min / 2;
	char sip[KB_IP_TEXT_MAX], dip[KB_IP_TEXT_MAX], peer[80], out[32], pulled[32];
	ndr_ip_text(&src->ip, sip, sizeof sip);
	ndr_ip_text(&dst->ip, dip, sizeof dip);
	snprintf(peer, sizeof peer, "%s:%u", dip, p->port);
	ndr_bytes_text(p->bytes_out, out, sizeof out);
	ndr_bytes_text(before, pulled, sizeof pulled);
	char summary[320], evidence[256], next[400];
	if (staged)
		snprintf(summary, sizeof summary,
		         "%s pulled %s from inside, then sent %s to %s, a host no one else in the organisation talks to",
		         sip, pulled, out, peer);
	else
		snprintf(summary, sizeof summary, "%s sent %s to %s in %lld minutes; no other internal host talks to it",
		         sip, out, peer, (long long)(span / 60000000));
	snprintf(evidence, sizeof evidence,
	         "bytes_out=%s; minutes=%lld; conns=%u; internal_sources_of_destination=%u; pulled_before=%s", out,
	         (long long)(span / 60000000), p->conns, dst->n_int_srcs, pulled);
	snprintf(next, sizeof next,
	         "Find what %s sent (proxy/DLP logs, the files it read on internal shares) and whether %s is a "
	         "sanctioned service; contain %s if not.",
	         sip, dip, sip);
	ndr_emit_args a = { .kind = staged ? "staging" : "exfiltration", .category = "exfiltration", .host = &src->ip,
		            .peer = peer, .threat = staged ? 85 : 80, .certainty = staged ? 75 : 65,
		            .first_us = ndr_pair_first_us(c, p), .last_us = ndr_pair_last_us(c, p), .summary = summary, .evidence = evidence,
		            .next_step = next, .sample_dst = &dst->ip };
	return ndr_emit(c, &a) < 0 ? KB_ENOMEM : 1;
}

static int finish(ndr_ctx *c, void *sv)
{
	const struct st *s = sv;
	const kb_detect_config *cfg = ndr_config(c);
	uint64_t min = cfg->upload_min_bytes;
	if (min == 0)
		return 0;
	/* hosts with a bulk upload are reported by it, not again by volume */
	uint8_t *seen = calloc(ndr_n_hosts(c) ? ndr_n_hosts(c) : 1, 1);
	if (!seen)
		return KB_ENOMEM;
	int r = 0;
	for (size_t i = 0; r >= 0 && i < ndr_n_pairs(c); i++) {
		const ndr_pair *p = ndr_pair_at(c, (uint32_t)i);
		if (!(ndr_host_at(c, p->src)->flags & NDR_H_INTERNAL) || (ndr_host_at(c, p->dst)->flags & NDR_H_INTERNAL))
			continue;
		r = upload(c, s, p, min);
		if (r == 1)
			seen[p->src] = 1;
	}
	/* volume against the host's baseline day and the peers' median */
	size_t n = 0;
	uint64_t *v = r >= 0 ? malloc((ndr_n_hosts(c) ? ndr_n_hosts(c) : 1) * sizeof *v) : NULL;
	for (size_t i = 0; v && i < ndr_n_hosts(c); i++)
		if ((ndr_host_at(c, (uint32_t)i)->flags & NDR_H_INTERNAL) && ndr_host_at(c, (uint32_t)i)->out_ext)
			v[n++] = ndr_host_at(c, (uint32_t)i)->out_ext;
	if (v && n) {
		ndr_sort_u64(v, n);
		uint64_t median = v[n / 2];
		double base_days = cfg->baseline_until_us > cfg->baseline_since_us
		                         ? (double)(cfg->baseline_until_us - cfg->baseline_since_us) / 86400e6
		                         : 0;
		double days = (double)(ndr_until(c) - ndr_since(c)) / 86400e6;
		for (size_t i = 0; r >= 0 && i < ndr_n_hosts(c); i++) {
			const ndr_host *h = ndr_host_at(c, (uint32_t)i);
			if (seen[i] || !(h->flags & NDR_H_INTERNAL) || h->out_ext < min)
				continue;
			double per_day = days > 0 ? (double)h->out_ext / days : (double)h->out_ext;
			double usual = base_days > 0 ? (double)h->base_out_ext / base_days : 0;
			if (per_day < NDR_EXFIL_RATIO * usual || (double)h->out_ext < NDR_EXFIL_RATIO * (double)median)
				continue;
			char sip[KB_IP_TEXT_MAX], out[32], med[32], base[32];
			ndr_ip_text(&h->ip, sip, sizeof sip);
			ndr_bytes_text(h->out_ext, out, sizeof out);
			ndr_bytes_text(median, med, sizeof med);
			ndr_bytes_text((uint64_t)usual, base, sizeof base);
			char summary[256], evidence[256], next[256];
			snprintf(summary, sizeof summary, "%s sent %s out, %s a day in the baseline and %s for its peers", sip,
			         out, base_days > 0 ? base : "nothing known", med);
			snprintf(evidence, sizeof evidence, "bytes_out=%s; baseline_per_day=%s; peer_median=%s", out, base,
			         med);
			snprintf(next, sizeof next, "List the destinations %s sent to and what data it holds.", sip);
			ndr_emit_args a = { .kind = "exfiltration", .category = "exfiltration", .host = &h->ip, .peer = "external",
				            .threat = 65, .certainty = base_days > 0 ? 60 : 40, .summary = summary,
				            .evidence = evidence, .next_step = next };
			if (ndr_emit(c, &a) < 0)
				r = KB_ENOMEM;
		}
	}
	if (r >= 0 && !v && ndr_n_hosts(c))
		r = KB_ENOMEM;
	free(v);
	free(seen);
	return r < 0 ? r : 0;
}

const ndr_detector ndr_exfil = { .name = "exfiltration", .init = init, .flow = flow, .finish = finish,
	                         .free = release };
