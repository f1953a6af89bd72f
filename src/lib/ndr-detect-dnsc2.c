/*
 * ndr-detect-dnsc2.c - command and control over DNS: many distinct names
 * queried under one registered domain (data encoded in the labels), from
 * the DNS queries of dns.log.
 *
 * The registered domain is the last two labels, or three when the second
 * to last is a short generic label under a two-letter country code
 * ("x.co.uk"). Per domain (at most NDR_DNS_MAX_DOMAINS) distinct names are
 * counted through a hash set of their hashes, up to NDR_DNS_MAX_NAMES per
 * domain, and the querying clients kept (at most NDR_DNS_CLIENTS). A domain
 * with dns_min_subdomains names or more is a detection for each of its
 * internal clients that is not itself a resolver (NDR_H_RESOLVER: it
 * forwards its clients' queries);
 * threat 70, certainty from the count and the names' mean length.
 */
#include "ndr-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDR_DNS_MAX_DOMAINS 200000u /* registered domains followed */
#define NDR_DNS_MAX_NAMES 4096u     /* distinct names counted per domain */
#define NDR_DNS_CLIENTS 4           /* clients kept per domain */

struct dom {
	char name[128];
	uint64_t *names; /* hash set, 0 empty */
	size_t n, mask;
	uint64_t total_len;
	kb_ip clients[NDR_DNS_CLIENTS];
	uint32_t client_q[NDR_DNS_CLIENTS];
	uint8_t nclients;
	int64_t first, last;
};

struct st {
	ndr_ctx *c;
	struct dom *d;
	size_t n, cap;
	size_t *ix; /* index + 1 by hash of the domain name */
	size_t mask;
};

static void registered(const char *q, size_t n, const char **ret, size_t *ret_len)
{
	while (n && q[n - 1] == '.')
		n--;
	size_t dots[3] = { 0 }, nd = 0;
	for (size_t i = n; i-- > 0 && nd < 3;)
		if (q[i] == '.')
			dots[nd++] = i;
	size_t start = 0;
	if (nd >= 2) {
		start = dots[1] + 1;
		size_t tld = n - dots[0] - 1, sld = dots[0] - dots[1] - 1;
		if (tld == 2 && sld <= 3 && nd >= 3)
			start = dots[2] + 1;
	}
	*ret = q + start;
	*ret_len = n - start;
}

static struct dom *dom_get(struct st *s, const char *name, size_t len)
{
	uint64_t h = ndr_hash(name, len, 5);
	if (s->ix) {
		for (size_t j = h & s->mask; s->ix[j]; j = (j + 1) & s->mask) {
			struct dom *d = &s->d[s->ix[j] - 1];
			if (strlen(d->name) == len && strncasecmp(d->name, name, len) == 0)
				return d;
		}
	}
	if (s->n >= NDR_DNS_MAX_DOMAINS || len >= sizeof s->d[0].name)
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct dom *p = realloc(s->d, cap * sizeof *p);
		if (!p)
			return NULL;
		s->d = p;
		s->cap = cap;
	}
	if (!s->ix || (s->n + 1) * 2 > s->mask + 1) {
		size_t cap = s->ix ? (s->mask + 1) * 2 : 1024;
		size_t *ix = calloc(cap, sizeof *ix);
		if (!ix)
			return NULL;
		for (size_t i = 0; i < s->n; i++) {
			size_t j = ndr_hash(s->d[i].name, strlen(s->d[i].name), 5) & (cap - 1);
			while (ix[j])
				j = (j + 1) & (cap - 1);
			ix[j] = i + 1;
		}
		free(s->ix);
		s->ix = ix;
		s->mask = cap - 1;
	}
	struct dom *d = &s->d[s->n];
	memset(d, 0, sizeof *d);
	memcpy(d->name, name, len);
	d->first = INT64_MAX;
	size_t j = h & s->mask;
	while (s->ix[j])
		j = (j + 1) & s->mask;
	s->ix[j] = ++s->n;
	return d;
}

static void add_name(struct dom *d, const char *q, size_t n)
{
	if (d->n >= NDR_DNS_MAX_NAMES)
		return;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)q[i];
		h = (h ^ (ch >= 'A' && ch <= 'Z' ? ch + 32 : ch)) * 0x100000001b3ull;
	}
	h |= 1;
	if (!d->names || (d->n + 1) * 2 > d->mask + 1) {
		size_t cap = d->names ? (d->mask + 1) * 2 : 64;
		uint64_t *t = calloc(cap, sizeof *t);
		if (!t)
			return;
		for (size_t i = 0; d->names && i <= d->mask; i++)
			if (d->names[i]) {
				size_t j = d->names[i] & (cap - 1);
				while (t[j])
					j = (j + 1) & (cap - 1);
				t[j] = d->names[i];
			}
		free(d->names);
		d->names = t;
		d->mask = cap - 1;
	}
	size_t j = h & d->mask;
	while (d->names[j]) {
		if (d->names[j] == h)
			return;
		j = (j + 1) & d->mask;
	}
	d->names[j] = h;
	d->n++;
	d->total_len += n;
}

static int query(int64_t ts, const kb_ip *client, const char *q, void *ctx)
{
	struct st *s = ctx;
	const char *reg;
	size_t rl, n = strlen(q);
	registered(q, n, &reg, &rl);
	if (rl == 0 || reg == q) /* the registered domain itself: no subdomain */
		return 0;
	struct dom *d = dom_get(s, reg, rl);
	if (!d)
		return 0;
	add_name(d, q, (size_t)(reg - q));
	d->first = ts < d->first ? ts : d->first;
	d->last = ts > d->last ? ts : d->last;
	for (uint8_t i = 0; i < d->nclients; i++)
		if (memcmp(d->clients[i].b, client->b, 16) == 0) {
			d->client_q[i]++;
			return 0;
		}
	if (d->nclients < NDR_DNS_CLIENTS) {
		d->clients[d->nclients] = *client;
		d->client_q[d->nclients++] = 1;
	}
	return 0;
}

static int finish(ndr_ctx *c, void *sv)
{
	(void)sv;
	struct st s = { .c = c };
	kb_error err;
	kb_error_clear(&err);
	int r = kb_flow_dns_queries(ndr_store(c), ndr_since(c), ndr_until(c), query, &s, &err);
	unsigned min = ndr_config(c)->dns_min_subdomains;
	for (size_t i = 0; r == 0 && min && i < s.n; i++) {
		const struct dom *d = &s.d[i];
		if (d->n < min)
			continue;
		double mean = (double)d->total_len / (double)d->n;
		for (uint8_t k = 0; r == 0 && k < d->nclients; k++) {
			if (!kb_detect_is_internal(ndr_config(c), &d->clients[k]))
				continue;
			int64_t hi = ndr_host_find(c, &d->clients[k]);
			if (hi >= 0 && (ndr_host_at(c, (uint32_t)hi)->flags & NDR_H_RESOLVER))
				continue;
			char hip[KB_IP_TEXT_MAX], summary[320], evidence[256], next[320];
			ndr_ip_text(&d->clients[k], hip, sizeof hip);
			snprintf(summary, sizeof summary, "%s looked up %zu%s distinct names under %s, like data carried in DNS",
			         hip, d->n, d->n >= NDR_DNS_MAX_NAMES ? "+" : "", d->name);
			snprintf(evidence, sizeof evidence, "distinct_names=%zu; mean_label_bytes=%.1f; queries_from_host=%u",
			         d->n, mean, d->client_q[k]);
			snprintf(next, sizeof next,
			         "Look at the queried names (dns.log) for encoded data and at which process on %s resolves "
			         "them; sinkhole %s if unknown.",
			         hip, d->name);
			unsigned cert = (d->n >= 10u * min ? 80 : 60) + (mean >= 20 ? 10 : 0);
			ndr_emit_args a = { .kind = "dns-c2", .category = "command-and-control", .host = &d->clients[k],
				            .peer = d->name, .threat = 70, .certainty = cert, .first_us = d->first,
				            .last_us = d->last, .summary = summary, .evidence = evidence, .next_step = next };
			r = ndr_emit(c, &a);
		}
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.d[i].names);
	free(s.d);
	free(s.ix);
	return r;
}

const ndr_detector ndr_dns_c2 = { .name = "dns-c2", .finish = finish };
