/*
 * ndr-detect-console.c - management-console access: flows to a ledger
 * management interface (address, and port when the ledger gives one)
 * outside business hours or from a source that is not a known admin.
 *
 * One entry per (source, destination), at most NDR_CONSOLE_MAX entries
 * (past it new ones are not kept): connections, those outside business
 * hours, first and last; the baseline marks the pairs it saw, and those it
 * saw outside business hours. Threat: a non-admin source outside business
 * hours 85, a non-admin source 65 (35 when the baseline saw the same pair:
 * a habit, still not an admin), an admin outside business hours 40 (not
 * reported when the baseline saw that admin do it too: BIG-IQ polling);
 * certainty 80 (the flow is a fact; whether it was wanted is not).
 */
#include "ndr-internal.h"
#include "util-map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_CONSOLE_MAX 65536u /* (source, console) pairs followed */

struct ent {
	uint32_t src, dst;
	uint32_t conns, off;
	bool base, base_off; /* seen in the baseline; outside business hours there */
	int64_t first, last, first_off;
	uint16_t port;
	const char *asset;
};

struct st {
	struct ent *e;
	size_t n, cap;
	kb_map ix; /* (source, console) host indices -> entry index + 1 */
};

static int init(ndr_ctx *c, void **ret)
{
	(void)c;
	*ret = calloc(1, sizeof(struct st));
	return *ret ? 0 : KB_ENOMEM;
}

static struct ent *find(struct st *s, ndr_ctx *c, const kb_flow *f, const ndr_flowinfo *fi, const char *asset);

static void baseline(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	const char *asset = ndr_management_at(c, &f->resp, f->resp_port);
	if (!asset || f->proto != 6 || fi->src == fi->dst)
		return;
	struct ent *e = find(sv, c, f, fi, asset);
	if (!e)
		return;
	e->base = true;
	e->base_off |= !fi->business;
}

static void flow(ndr_ctx *c, void *sv, const kb_flow *f, const ndr_flowinfo *fi)
{
	const char *asset = ndr_management_at(c, &f->resp, f->resp_port);
	if (!asset || f->proto != 6 || fi->src == fi->dst)
		return;
	struct ent *e = find(sv, c, f, fi, asset);
	if (!e)
		return;
	if (!e->conns)
		e->first = f->start_us;
	e->conns++;
	e->last = f->start_us;
	if (!fi->business) {
		if (!e->off)
			e->first_off = f->start_us;
		e->off++;
	}
}

static struct ent *find(struct st *s, ndr_ctx *c, const kb_flow *f, const ndr_flowinfo *fi, const char *asset)
{
	(void)c;
	uint32_t key[2] = { fi->src, fi->dst };
	uintptr_t at = (uintptr_t)kb_map_get(&s->ix, key, sizeof key);
	struct ent *e = at ? &s->e[at - 1] : NULL;
	if (!e) {
		if (s->n >= NDR_CONSOLE_MAX)
			return NULL;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct ent *p = realloc(s->e, cap * sizeof *p);
			if (!p)
				return NULL;
			s->e = p;
			s->cap = cap;
		}
		if (kb_map_put(&s->ix, key, sizeof key, (void *)(uintptr_t)(s->n + 1), NULL) < 0)
			return NULL;
		e = &s->e[s->n++];
		*e = (struct ent){ .src = fi->src, .dst = fi->dst, .port = f->resp_port, .asset = asset };
	}
	return e;
}

static int finish(ndr_ctx *c, void *sv)
{
	struct st *s = sv;
	for (size_t i = 0; i < s->n; i++) {
		const struct ent *e = &s->e[i];
		const ndr_host *src = ndr_host_at(c, e->src), *dst = ndr_host_at(c, e->dst);
		bool admin = src->flags & NDR_H_ADMIN;
		if (!e->conns || (admin && (!e->off || e->base_off)))
			continue;
		char sip[KB_IP_TEXT_MAX], dip[KB_IP_TEXT_MAX], peer[400], when[96], summary[900], evidence[256],
			next[320];
		ndr_ip_text(&src->ip, sip, sizeof sip);
		ndr_ip_text(&dst->ip, dip, sizeof dip);
		const char *kind = ndr_kind_at(c, &dst->ip);
		char what[400];
		snprintf(peer, sizeof peer, "%s (%s:%u)", e->asset, dip, e->port);
		snprintf(what, sizeof what, "%s%s%s%s", e->asset, kind ? " (" : "", kind ? kind : "", kind ? ")" : "");
		ndr_local_text(c, e->off ? e->first_off : e->first, when, sizeof when);
		if (!admin && e->off)
			snprintf(summary, sizeof summary,
			         "%s, not a known admin source, opened the management interface of %s at %s, outside "
			         "business hours",
			         sip, what, when);
		else if (!admin)
			snprintf(summary, sizeof summary, "%s, not a known admin source, opened the management interface of %s",
			         sip, what);
		else
			snprintf(summary, sizeof summary, "admin source %s opened the management interface of %s at %s, outside "
			         "business hours", sip, what, when);
		snprintf(evidence, sizeof evidence,
		         "conns=%u; outside_business_hours=%u; admin_source=%s; port=%u; seen_in_baseline=%s", e->conns,
		         e->off, admin ? "yes" : "no", e->port, e->base ? "yes" : "no");
		snprintf(next, sizeof next,
		         "Ask who used %s then; check the console's own audit log on %s for logins and configuration "
		         "changes, and take the management interface off networks users sit on.",
		         sip, e->asset);
		ndr_emit_args a = { .kind = e->off ? "console-off-hours" : "console-non-admin",
			            .category = "lateral-movement", .host = &src->ip, .peer = peer,
			            .threat = !admin && e->off ? 85 : !admin ? (e->base ? 35 : 65) : 40, .certainty = 80,
			            .first_us = e->first, .last_us = e->last, .summary = summary, .evidence = evidence,
			            .next_step = next, .sample_dst = &dst->ip, .sample_port = e->port };
		int r = ndr_emit(c, &a);
		if (r < 0)
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

const ndr_detector ndr_console = { .name = "console", .init = init, .baseline = baseline, .flow = flow, .finish = finish,
	                           .free = release };
