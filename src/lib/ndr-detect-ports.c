/*
 * ndr-detect-ports.c - talk to external hosts on ports the organisation
 * does not use: rare across the organisation, not merely "not 80/443".
 *
 * For every (protocol, port) of an established connection from an internal
 * to an external host, in the baseline and the window, the distinct
 * internal sources are counted (exactly, up to a few more than the rarity
 * threshold) and the window's first (source, destination) combinations
 * are kept with their counts. A port used by at most rare_port_max_sources
 * internal hosts in all that time is rare; its window combinations are
 * detections (threat 45, certainty from 50 up with the connections).
 * DNS, HTTP, HTTPS and NTP are never rare. State: one entry per (protocol,
 * port) seen, at most 2 x 65536, each NDR_PORT_COMBOS combinations.
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_PORT_SOURCES 8  /* distinct sources counted exactly per port */
#define NDR_PORT_COMBOS 4   /* (source, destination) combinations kept per port */

struct combo {
	uint32_t src, dst;
	uint32_t conns;
	uint64_t bytes_out, bytes_in;
	int64_t first_us, last_us;
};

struct port {
	uint32_t srcs[NDR_PORT_SOURCES];
	uint8_t nsrcs;      /* NDR_PORT_SOURCES + 1: more */
	uint8_t ncombos;
	struct combo combos[NDR_PORT_COMBOS];
};

struct st {
	struct port *by[2]; /* TCP, UDP; allocated on first use, 65536 each */
};

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	*ret = calloc(1, sizeof(struct st));
	return *ret ? 0 : KB_ENOMEM;
}

static bool always_common(uint16_t port)
{
	return port == 53 || port == 80 || port == 123 || port == 443;
}

static struct port *port_of(struct st *s, const kb_flow *f)
{
	int k = f->proto == 6 ? 0 : f->proto == 17 ? 1 : -1;
	if (k < 0 || always_common(f->resp_port))
		return NULL;
	if (!s->by[k] && !(s->by[k] = calloc(65536, sizeof(struct port))))
		return NULL;
	return &s->by[k][f->resp_port];
}

static void count_src(struct port *p, uint32_t src)
{
	if (p->nsrcs > NDR_PORT_SOURCES)
		return;
	for (uint8_t i = 0; i < p->nsrcs; i++)
		if (p->srcs[i] == src)
			return;
	if (p->nsrcs < NDR_PORT_SOURCES)
		p->srcs[p->nsrcs] = src;
	p->nsrcs++;
}

static void baseline(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	(void)c;
	struct port *p;
	if (fi->src_int && !fi->dst_int && fi->established && (p = port_of(sv, f)))
		count_src(p, fi->src);
}

static void flow(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	(void)c;
	struct port *p;
	if (!fi->src_int || fi->dst_int || !fi->established || !(p = port_of(sv, f)))
		return;
	count_src(p, fi->src);
	for (uint8_t i = 0; i < p->ncombos; i++) {
		struct combo *k = &p->combos[i];
		if (k->src == fi->src && k->dst == fi->dst) {
			k->conns++;
			k->bytes_out += f->orig_bytes;
			k->bytes_in += f->resp_bytes;
			k->last_us = f->start_us;
			return;
		}
	}
	if (p->ncombos < NDR_PORT_COMBOS)
		p->combos[p->ncombos++] = (struct combo){ fi->src, fi->dst, 1, f->orig_bytes, f->resp_bytes, f->start_us,
			                                  f->start_us };
}

static int finish(ndr_ctx *c, void *sv)
{
	struct st *s = sv;
	unsigned rare = ndr_config(c)->rare_port_max_sources;
	for (int k = 0; k < 2; k++)
		for (unsigned port = 0; s->by[k] && port < 65536; port++) {
			const struct port *p = &s->by[k][port];
			if (!p->ncombos || p->nsrcs > rare)
				continue;
			for (uint8_t i = 0; i < p->ncombos; i++) {
				const struct combo *m = &p->combos[i];
				const ndr_host *src = ndr_host_at(c, m->src), *dst = ndr_host_at(c, m->dst);
				char sip[KB_IP_TEXT_MAX], dip[KB_IP_TEXT_MAX], peer[80], out[32], in[32];
				ndr_ip_text(&src->ip, sip, sizeof sip);
				ndr_ip_text(&dst->ip, dip, sizeof dip);
				snprintf(peer, sizeof peer, "%s:%u/%s", dip, port, k ? "udp" : "tcp");
				ndr_bytes_text(m->bytes_out, out, sizeof out);
				ndr_bytes_text(m->bytes_in, in, sizeof in);
				char summary[256], evidence[256], next[256];
				snprintf(summary, sizeof summary,
				         "%s talks to %s on a port %u internal host%s of the organisation use%s", sip, peer,
				         p->nsrcs, p->nsrcs == 1 ? "" : "s", p->nsrcs == 1 ? "s" : "");
				snprintf(evidence, sizeof evidence,
				         "port=%u/%s; internal_sources=%u; conns=%u; bytes_out=%s; bytes_in=%s", port,
				         k ? "udp" : "tcp", p->nsrcs, m->conns, out, in);
				snprintf(next, sizeof next,
				         "Ask the owner of %s which software uses port %u; a service nobody else uses is often a "
				         "back door or a tunnel.",
				         sip, port);
				unsigned cert = 50 + (m->conns >= 30 ? 30 : m->conns);
				ndr_emit_args a = { .kind = "uncommon-port", .category = "command-and-control", .host = &src->ip,
					            .peer = peer, .threat = 45, .certainty = cert, .first_us = m->first_us,
					            .last_us = m->last_us, .summary = summary, .evidence = evidence,
					            .next_step = next, .sample_dst = &dst->ip, .sample_port = (uint16_t)port };
				int r = ndr_emit(c, &a);
				if (r < 0)
					return r;
			}
		}
	return 0;
}

static void release(void *sv)
{
	struct st *s = sv;
	if (!s)
		return;
	free(s->by[0]);
	free(s->by[1]);
	free(s);
}

const ndr_detector ndr_uncommon_port = { .name = "uncommon-port", .init = init, .baseline = baseline, .flow = flow,
	                                 .finish = finish, .free = release };
