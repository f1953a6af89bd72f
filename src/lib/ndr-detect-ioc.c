/*
 * ndr-detect-ioc.c - contacts with indicators of compromise: flows to or
 * from an address the IOCs name (exact, or inside a CIDR), and DNS queries
 * for a domain they name (by label suffix).
 *
 * Resolvers (NDR_H_RESOLVER) asking on their clients' behalf are not
 * reported for a query. One entry per (internal host, IOC), at most
 * NDR_IOC_MAX; threat 75 for
 * an established connection, 60 for an attempt or a query; certainty the
 * IOC's confidence when it has one, else 70.
 */
#include "ndr-internal.h"
#include "util-map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_IOC_MAX 65536u /* (host, IOC) entries */

struct ent {
	kb_ip host;
	const kb_ioc *ioc;
	kb_ip peer;
	uint32_t conns, established, queries;
	int64_t first, last;
};

struct st {
	struct ent *e;
	size_t n, cap;
	kb_map ix; /* (host, IOC) -> entry index + 1 */
};

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	*ret = calloc(1, sizeof(struct st));
	return *ret ? 0 : KB_ENOMEM;
}

static const kb_ioc *match_ip(const kb_ioc_set *set, const kb_ip *a)
{
	if (kb_ip_is_v4(a))
		return kb_ioc_match_ipv4(set, (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 |
		                                      (uint32_t)a->b[14] << 8 | a->b[15]);
	return kb_ioc_match_ipv6(set, a->b);
}

static struct ent *entry(struct st *s, const kb_ip *host, const kb_ioc *ioc)
{
	unsigned char key[16 + sizeof ioc];
	memcpy(key, host->b, 16);
	memcpy(key + 16, &ioc, sizeof ioc);
	uintptr_t at = (uintptr_t)kb_map_get(&s->ix, key, sizeof key);
	if (at)
		return &s->e[at - 1];
	if (s->n >= NDR_IOC_MAX)
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct ent *p = realloc(s->e, cap * sizeof *p);
		if (!p)
			return NULL;
		s->e = p;
		s->cap = cap;
	}
	if (kb_map_put(&s->ix, key, sizeof key, (void *)(uintptr_t)(s->n + 1), NULL) < 0)
		return NULL;
	struct ent *e = &s->e[s->n++];
	memset(e, 0, sizeof *e);
	e->host = *host;
	e->ioc = ioc;
	e->first = INT64_MAX;
	return e;
}

static void flow(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	const kb_ioc_set *set = ndr_iocs(c);
	if (!set)
		return;
	const kb_ioc *m = NULL;
	const kb_ip *host = NULL;
	kb_ip peer;
	if (fi->src_int && !fi->dst_int && (m = match_ip(set, &f->resp))) {
		host = &f->orig;
		peer = f->resp;
	} else if (!fi->src_int && fi->dst_int && (m = match_ip(set, &f->orig))) {
		host = &f->resp;
		peer = f->orig;
	}
	struct ent *e = m ? entry(sv, host, m) : NULL;
	if (!e)
		return;
	e->peer = peer;
	e->conns++;
	e->established += fi->established;
	e->first = f->start_us < e->first ? f->start_us : e->first;
	e->last = f->start_us > e->last ? f->start_us : e->last;
}

struct qctx {
	ndr_ctx *c;
	struct st *s;
};

static int query(int64_t ts, const kb_ip *client, const char *name, void *ctx)
{
	struct qctx *q = ctx;
	const kb_ioc *m = kb_ioc_match_domain(ndr_iocs(q->c), name, strlen(name));
	if (!m || !kb_detect_is_internal(ndr_config(q->c), client))
		return 0;
	/* the client, unless it is a resolver asking for its own clients */
	int64_t hi = ndr_host_find(q->c, client);
	if (hi >= 0 && (ndr_host_at(q->c, (uint32_t)hi)->flags & NDR_H_RESOLVER))
		return 0;
	struct ent *e = entry(q->s, client, m);
	if (e) {
		e->queries++;
		e->first = ts < e->first ? ts : e->first;
		e->last = ts > e->last ? ts : e->last;
	}
	return 0;
}

static int finish(ndr_ctx *c, void *sv)
{
	struct st *s = sv;
	if (!ndr_iocs(c))
		return 0;
	struct qctx q = { c, s };
	kb_error err;
	kb_error_clear(&err);
	int r = kb_flow_dns_queries(ndr_store(c), ndr_since(c), ndr_until(c), query, &q, &err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n; i++) {
		const struct ent *e = &s->e[i];
		char hip[KB_IP_TEXT_MAX], peer[300], summary[600], evidence[400], next[300];
		ndr_ip_text(&e->host, hip, sizeof hip);
		snprintf(peer, sizeof peer, "%s", e->ioc->value);
		snprintf(summary, sizeof summary, "%s %s %s, an indicator from %s%s%s", hip,
		         e->conns ? (e->established ? "exchanged data with" : "tried to reach") : "looked up",
		         e->ioc->value, e->ioc->source, e->ioc->label ? ": " : "", e->ioc->label ? e->ioc->label : "");
		snprintf(evidence, sizeof evidence, "ioc=%s %s; conns=%u; established=%u; dns_queries=%u; source=%s",
		         kb_ioc_type_name(e->ioc->type), e->ioc->value, e->conns, e->established, e->queries,
		         e->ioc->source);
		snprintf(next, sizeof next,
		         "Treat %s as compromised until shown otherwise: collect its memory and disk, and look for the "
		         "same indicator on other hosts.",
		         hip);
		ndr_emit_args a = { .kind = "ioc-contact", .category = "command-and-control", .host = &e->host, .peer = peer,
			            .threat = e->established ? 75 : 60,
			            .certainty = e->ioc->confidence >= 0 ? (unsigned)e->ioc->confidence : 70,
			            .first_us = e->first, .last_us = e->last, .summary = summary, .evidence = evidence,
			            .next_step = next, .sample_dst = e->conns ? &e->peer : NULL, .sample_either_way = true };
		if ((r = ndr_emit(c, &a)) < 0)
			return r;
	}
	return 0;
}

static void release(void *sv)
{
	struct st *s = sv;
	if (s) {
		free(s->e);
		kb_map_free(&s->ix, NULL);
	}
	free(s);
}

const ndr_detector ndr_ioc_contact = { .name = "ioc-contact", .init = init, .flow = flow, .finish = finish,
	                               .free = release };
