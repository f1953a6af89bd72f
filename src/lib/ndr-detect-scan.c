/*
 * ndr-detect-scan.c - scans and sweeps: one source probing one port on many
 * hosts (horizontal) or many ports on one host (vertical).
 *
 * A probe is a TCP connection that never carried data (S0, REJ, RSTOS0,
 * RSTR, SH, OTH without bytes) or a UDP flow without an answer. Each
 * distinct (source, destination, port) probe is kept once, deduplicated by
 * a hash set (at most NDR_SCAN_MAX_PROBES; past it new ones are not
 * counted). At the end the probes are sorted twice and counted:
 * scan_min_targets destinations on one port, or ports on one destination,
 * is a scan (threat 50 internal target / 35 external, certainty from the
 * count).
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_SCAN_MAX_PROBES (4u << 20) /* distinct probes kept */

struct probe {
	uint32_t src, dst;
	uint16_t port;
	uint8_t proto;
	int64_t ts;
};

struct st {
	struct probe *p;
	size_t n, cap;
	uint64_t *set; /* hashes of kept probes; 0 empty */
	size_t mask;
};

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	*ret = calloc(1, sizeof(struct st));
	return *ret ? 0 : KB_ENOMEM;
}

static bool is_probe(const kb_flow *f)
{
	if (f->proto == 17)
		return f->resp_pkts == 0 && f->resp_bytes == 0 && !(f->flags & KB_FLOW_UNIDIR);
	if (f->proto != 6 || f->orig_bytes || f->resp_bytes)
		return false;
	if (f->flags & KB_FLOW_HAS_STATE) {
		static const char *const st[] = { "S0", "REJ", "RSTOS0", "RSTR", "SH", "SHR", "OTH", "RSTO" };
		for (size_t i = 0; i < sizeof st / sizeof *st; i++)
			if (strcmp(f->state, st[i]) == 0)
				return true;
		return false;
	}
	return f->tcp_flags && !(f->tcp_flags & 0x08) && f->orig_pkts <= 3; /* no PSH, a few packets */
}

static void flow(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	(void)c;
	struct st *s = sv;
	if (!fi->src_int || !is_probe(f) || s->n >= NDR_SCAN_MAX_PROBES)
		return;
	uint64_t key[2] = { (uint64_t)fi->src << 32 | fi->dst, (uint64_t)f->resp_port << 8 | f->proto };
	uint64_t h = ndr_hash(key, sizeof key, 3) | 1;
	if (!s->set || (s->n + 1) * 2 > s->mask + 1) {
		size_t cap = s->set ? (s->mask + 1) * 2 : 4096;
		uint64_t *n = calloc(cap, sizeof *n);
		if (!n)
			return;
		for (size_t i = 0; s->set && i <= s->mask; i++)
			if (s->set[i]) {
				size_t j = s->set[i] & (cap - 1);
				while (n[j])
					j = (j + 1) & (cap - 1);
				n[j] = s->set[i];
			}
		free(s->set);
		s->set = n;
		s->mask = cap - 1;
	}
	size_t j = h & s->mask;
	while (s->set[j]) {
		if (s->set[j] == h)
			return;
		j = (j + 1) & s->mask;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct probe *p = realloc(s->p, cap * sizeof *p);
		if (!p)
			return;
		s->p = p;
		s->cap = cap;
	}
	s->set[j] = h;
	s->p[s->n++] = (struct probe){ fi->src, fi->dst, f->resp_port, f->proto, f->start_us };
}

static int by_src_port(const void *a, const void *b)
{
	const struct probe *x = a, *y = b;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (x->dst > y->dst) - (x->dst < y->dst);
}

static int by_src_dst(const void *a, const void *b)
{
	const struct probe *x = a, *y = b;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

static int report(ndr_ctx *c, const struct probe *first, size_t n, bool horizontal)
{
	int64_t lo = first[0].ts, hi = first[0].ts;
	bool internal_target = false;
	for (size_t i = 0; i < n; i++) {
		lo = first[i].ts < lo ? first[i].ts : lo;
		hi = first[i].ts > hi ? first[i].ts : hi;
		internal_target |= (ndr_host_at(c, first[i].dst)->flags & NDR_H_INTERNAL) != 0;
	}
	const ndr_host *src = ndr_host_at(c, first[0].src);
	char sip[KB_IP_TEXT_MAX], dip[KB_IP_TEXT_MAX], peer[80], summary[256], evidence[256], next[256];
	ndr_ip_text(&src->ip, sip, sizeof sip);
	ndr_ip_text(&ndr_host_at(c, first[0].dst)->ip, dip, sizeof dip);
	if (horizontal) {
		snprintf(peer, sizeof peer, "%zu hosts on port %u", n, first[0].port);
		snprintf(summary, sizeof summary, "%s probed port %u on %zu hosts that did not answer with data", sip,
		         first[0].port, n);
	} else {
		snprintf(peer, sizeof peer, "%s, %zu ports", dip, n);
		snprintf(summary, sizeof summary, "%s probed %zu ports on %s", sip, n, dip);
	}
	snprintf(evidence, sizeof evidence, "probes=%zu; minutes=%lld; internal_targets=%s", n,
	         (long long)((hi - lo) / 60000000), internal_target ? "yes" : "no");
	snprintf(next, sizeof next,
	         "Find out whether %s is a sanctioned scanner; if not, look for the tool on it and for what answered.",
	         sip);
	unsigned cert = n >= 500 ? 90 : n >= 200 ? 80 : 65;
	ndr_emit_args a = { .kind = horizontal ? "scan-horizontal" : "scan-vertical", .category = "reconnaissance",
		            .host = &src->ip, .peer = peer, .threat = internal_target ? 50 : 35, .certainty = cert,
		            .first_us = lo, .last_us = hi, .summary = summary, .evidence = evidence, .next_step = next,
		            .sample_dst = horizontal ? NULL : &ndr_host_at(c, first[0].dst)->ip,
		            .sample_port = horizontal ? first[0].port : 0 };
	return ndr_emit(c, &a);
}

static int finish(ndr_ctx *c, void *sv)
{
	struct st *s = sv;
	unsigned min = ndr_config(c)->scan_min_targets;
	if (!s->n || !min)
		return 0;
	int r = 0;
	qsort(s->p, s->n, sizeof *s->p, by_src_port);
	for (size_t i = 0; r == 0 && i < s->n;) {
		size_t j = i;
		while (j < s->n && s->p[j].src == s->p[i].src && s->p[j].port == s->p[i].port)
			j++;
		if (j - i >= min)
			r = report(c, &s->p[i], j - i, true);
		i = j;
	}
	qsort(s->p, s->n, sizeof *s->p, by_src_dst);
	for (size_t i = 0; r == 0 && i < s->n;) {
		size_t j = i;
		while (j < s->n && s->p[j].src == s->p[i].src && s->p[j].dst == s->p[i].dst)
			j++;
		if (j - i >= min)
			r = report(c, &s->p[i], j - i, false);
		i = j;
	}
	return r;
}

static void release(void *sv)
{
	struct st *s = sv;
	if (s) {
		free(s->p);
		free(s->set);
	}
	free(s);
}

const ndr_detector ndr_scan = { .name = "scan", .init = init, .flow = flow, .finish = finish, .free = release };
