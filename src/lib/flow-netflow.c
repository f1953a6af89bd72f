/*
 * flow-netflow.c - NetFlow v5, v9 (RFC 3954) and IPFIX (RFC 7011) export
 * packets into kb_flow records (the contract is in koban/flow.h).
 *
 * v5 is fixed: a 24-byte header and up to 30 records of 48 bytes, decoded
 * in place. v9 and IPFIX describe their records by templates, and the
 * decoder keeps:
 *
 *   slots     one per key (exporter address, source ID / observation
 *             domain, version, template ID) in a chained hash table. A slot
 *             lives while it holds a template or data sets waiting for one,
 *             and is freed as soon as it holds neither.
 *   age list  the slots that hold a template, oldest definition first. A
 *             template defined again (a refresh or a new layout: the new
 *             one wins) moves to the end; a new template past
 *             KB_NF_MAX_TEMPLATES evicts the head.
 *   domains   one per (exporter, domain, version) that has templates, with
 *             a list of its data template slots and one of its options
 *             template slots, so an IPFIX "withdraw all" costs only the
 *             templates it removes (a flood of them cannot make each packet
 *             walk every exporter's templates).
 *   pending   data sets that came before their template, copied with the
 *             header values their times are relative to, in one
 *             arrival-order list (past KB_NF_MAX_PENDING bytes, counted as
 *             set lengths, the oldest is dropped) and in their slot's own
 *             list, decoded oldest first when the template comes. Arrival
 *             order is kept in both lists, so the globally oldest entry is
 *             always the head of its slot's list.
 *
 * A template is compiled once into an array of (offset, length, target).
 * A fixed-length template keeps only the fields that fill a kb_flow member,
 * at their offsets in the record, so decoding a record is one loop over a
 * few entries; a template with IPFIX variable-length fields keeps every
 * field and walks each record. Integer fields may come in 1 to 8 bytes
 * (reduced-size encoding); a mapped field whose length cannot hold its type
 * (an address of 3 bytes) is ignored. Options templates are remembered
 * (their ID is known, so their data sets are skipped, not held) but their
 * records are not decoded. Biflow reverse elements (enterprise 29305, RFC
 * 5103) fill the resp_* counters and clear KB_FLOW_UNIDIR. ICMP records
 * (protocol 1 or 58) carry type and code in the ports, as Zeek writes them:
 * from icmpTypeCode (32, 139), else icmpType/Code (176-179), else the
 * destination port (type * 256 + code, as v5 and many v9 exporters send).
 * Bytes past an IPFIX message's length are ignored; zero bytes after the
 * last v9 flowset are padding. The hashes are keyed by a per-decoder random
 * seed, since senders choose domains and template IDs.
 *
 * Times, in order of preference: absolute start/end fields (150-157, zero
 * means absent); uptime fields (22/21), relative to the v9 header's
 * sysUptime and unix_secs, or in IPFIX to systemInitTimeMilliseconds (160)
 * in the same record; without a start, the end minus the duration, or the
 * header's export time (the receive time when that is 0) minus the
 * duration when only the duration is known (an exporter sends a record
 * soon after the flow ends). Uptime differences are unsigned 32-bit. Times
 * past year 10000 (NF_TIME_MAX_US) are ignored, so no arithmetic overflows.
 *
 * Errors: a bad header or set header ends the packet; a bad template or
 * data record ends its set only and decoding goes on with the next set.
 * Either way stats.malformed counts it and the first error is returned
 * (KB_EPARSE, or KB_ELIMIT for a template past KB_NF_MAX_TEMPLATE_FIELDS)
 * with its byte offset in the packet; records decoded before were
 * delivered and the state stays valid. A held data set that proves
 * malformed when its template comes is reported at that template's offset.
 * A sink's non-zero return stops decoding at once and is returned.
 *
 * Stats count events since kb_nf_new: packets given, records decoded,
 * template definitions accepted, data sets held, held sets dropped, and
 * packets or sets refused.
 */
#include "koban/flow.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define NF_BUCKETS 8192u                         /* hash buckets of slots (a power of two) */
#define NF_DOMAIN_BUCKETS 1024u                  /* ... of domains */
#define NF_VARLEN 0xffffu                        /* IPFIX variable-length field */
#define NF_PEN_REVERSE 29305u                    /* RFC 5103 reverse information elements */
#define NF_TIME_MAX_US 253402300800000000ll      /* 10000-01-01: later times are ignored */
#define NF_NTP_UNIX 2208988800ull                /* seconds from 1900 to 1970 */

enum nf_target {
	T_SKIP = 0,
	T_OCTETS, T_PKTS, T_OCTETS_TOTAL, T_PKTS_TOTAL,
	T_ROCTETS, T_RPKTS, T_ROCTETS_TOTAL, T_RPKTS_TOTAL,
	T_PROTO, T_TCP_FLAGS, T_SPORT, T_DPORT,
	T_SRC4, T_DST4, T_SRC6, T_DST6,
	T_START_UP, T_END_UP, T_START_S, T_END_S, T_START_MS, T_END_MS, T_START_NTP, T_END_NTP,
	T_ICMP, T_ICMP_TYPE, T_ICMP_CODE, T_END_REASON, T_SYSINIT,
};

/* What a decoded record has seen (nf_rec.have). */
enum {
	H_OCTETS = 1u << 0, H_PKTS = 1u << 1, H_OCTETS_TOTAL = 1u << 2, H_PKTS_TOTAL = 1u << 3,
	H_ROCTETS = 1u << 4, H_RPKTS = 1u << 5, H_ROCTETS_TOTAL = 1u << 6, H_RPKTS_TOTAL = 1u << 7,
	H_START_ABS = 1u << 8, H_END_ABS = 1u << 9, H_START_UP = 1u << 10, H_END_UP = 1u << 11,
	H_SYSINIT = 1u << 12, H_ICMP = 1u << 13, H_ICMP_TYPE = 1u << 14, H_ICMP_CODE = 1u << 15,
};

typedef struct nf_field {
	uint32_t off;   /* fixed-length templates: offset in the record */
	uint16_t len;   /* NF_VARLEN: variable-length (IPFIX) */
	uint8_t target; /* enum nf_target */
} nf_field;

/* A compiled template. Fixed-length: `f` holds the mapped fields only and
 * every record is `reclen` bytes. Variable-length: `f` holds every field in
 * order and `reclen` is the shortest record (each variable field at least
 * its 1-byte length). reclen > 0 always. */
typedef struct nf_tmpl {
	uint16_t id;
	bool options;   /* an options template: its data sets are skipped */
	bool varlen;
	bool biflow;    /* has reverse counters: records are not KB_FLOW_UNIDIR */
	uint32_t reclen;
	uint16_t nfields;
	nf_field f[];
} nf_tmpl;

/* The header values a data set's records are decoded against. */
typedef struct nf_hdr {
	uint8_t version;   /* 9 or 10 */
	uint32_t uptime;   /* v9 sysUptime, ms */
	int64_t export_us; /* header time (v9 unix_secs, IPFIX export time), or the receive time when 0 */
} nf_hdr;

typedef struct nf_key {
	uint8_t exporter[16];
	uint32_t domain;
	uint16_t tid;
	uint8_t version;
	uint8_t zero;      /* so that memcmp compares no padding */
} nf_key;

typedef struct nf_pend nf_pend;
typedef struct nf_domain nf_domain;

typedef struct nf_slot {
	nf_key key;
	uint64_t hash;
	struct nf_slot *hnext;         /* bucket chain */
	struct nf_slot *aprev, *anext; /* age list, while tmpl != NULL */
	struct nf_slot *dprev, *dnext; /* its domain's list of this kind, while tmpl != NULL */
	nf_domain *domain;             /* while tmpl != NULL */
	nf_tmpl *tmpl;                 /* NULL: not known (yet, or any more) */
	nf_pend *phead, *ptail;        /* held data sets, oldest first */
} nf_slot;

/* The templates of one (exporter, domain, version): key.tid is 0. Lives
 * while one of its lists is not empty. */
struct nf_domain {
	nf_key key;
	uint64_t hash;
	nf_domain *hnext;
	nf_slot *list[2];              /* [0] data templates, [1] options templates */
};

struct nf_pend {
	nf_pend *gprev, *gnext;        /* all held sets, in arrival order */
	nf_pend *knext;                /* the same slot's, in arrival order */
	nf_slot *slot;
	nf_hdr hdr;
	size_t len;                    /* body bytes (the set without its 4-byte header) */
	uint8_t body[];
};

struct kb_nf {
	nf_slot *buckets[NF_BUCKETS];
	nf_domain *dbuckets[NF_DOMAIN_BUCKETS];
	nf_slot *age_head, *age_tail;
	size_t ntemplates;
	nf_pend *pend_head, *pend_tail;
	size_t pend_bytes;             /* <= KB_NF_MAX_PENDING */
	uint64_t seed;                 /* of key_hash */
	kb_nf_stats st;
};

/* One kb_nf_packet call. */
typedef struct nf_run {
	kb_nf *nf;
	const kb_flow_sink *sink;
	kb_error *err;
	int rc;            /* the first parse error, 0 while none */
	kb_ip exporter;
	uint32_t domain;
	nf_hdr hdr;
} nf_run;

/* One record being decoded. */
typedef struct nf_rec {
	kb_flow f;
	uint32_t have;
	uint64_t octets_total, pkts_total, roctets_total, rpkts_total;
	uint64_t start_up, end_up;
	int64_t start_abs, end_abs, sysinit_us;
	uint16_t icmp;
	uint8_t icmp_type, icmp_code, end_reason;
} nf_rec;

/* ---- bytes ------------------------------------------------------------------ */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t rdn(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* What is left after the last record: alignment (fewer than 4 bytes) or zeros. */
static bool is_padding(const uint8_t *p, size_t n)
{
	return n < 4 || all_zero(p, n);
}

static void set_v4(kb_ip *a, const uint8_t *p)
{
	memset(a->b, 0, 10);
	a->b[10] = a->b[11] = 0xff;
	memcpy(a->b + 12, p, 4);
}

static void note(nf_run *r, int code, size_t off, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Count a refused packet or set; keep the first error. */
static void note(nf_run *r, int code, size_t off, const char *fmt, ...)
{
	r->nf->st.malformed++;
	if (r->rc)
		return;
	r->rc = code;
	if (!r->err)
		return;
	char msg[KB_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kb_error_set(r->err, code, NULL, 0, 0, off, "%s", msg);
}

/* ---- slots, the age list, held data sets ------------------------------------------- */

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* Keyed by the decoder's random seed: the sender picks domains and template
 * IDs, and must not be able to pile its keys into one bucket. */
static uint64_t key_hash(const kb_nf *nf, const nf_key *k)
{
	uint64_t w[sizeof(nf_key) / 8];
	memcpy(w, k, sizeof w);
	uint64_t h = nf->seed;
	for (size_t i = 0; i < sizeof w / sizeof *w; i++)
		h = mix64(h ^ w[i]);
	return h;
}

static nf_key make_key(const nf_run *r, uint16_t tid)
{
	nf_key k;
	_Static_assert(sizeof k % 8 == 0, "nf_key is hashed as 64-bit words");
	memset(&k, 0, sizeof k);
	memcpy(k.exporter, r->exporter.b, 16);
	k.domain = r->domain;
	k.tid = tid;
	k.version = r->hdr.version;
	return k;
}

static nf_slot *slot_find(const kb_nf *nf, const nf_key *k, uint64_t h)
{
	for (nf_slot *s = nf->buckets[h & (NF_BUCKETS - 1)]; s; s = s->hnext)
		if (s->hash == h && memcmp(&s->key, k, sizeof *k) == 0)
			return s;
	return NULL;
}

static nf_slot *slot_new(kb_nf *nf, const nf_key *k, uint64_t h)
{
	nf_slot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->key = *k;
	s->hash = h;
	nf_slot **b = &nf->buckets[h & (NF_BUCKETS - 1)];
	s->hnext = *b;
	*b = s;
	return s;
}

/* Free the slot when it holds neither a template nor held sets. */
static void slot_gc(kb_nf *nf, nf_slot *s)
{
	if (s->tmpl || s->phead)
		return;
	nf_slot **pp = &nf->buckets[s->hash & (NF_BUCKETS - 1)];
	while (*pp != s)
		pp = &(*pp)->hnext;
	*pp = s->hnext;
	free(s);
}

static void age_unlink(kb_nf *nf, nf_slot *s)
{
	if (s->aprev)
		s->aprev->anext = s->anext;
	else
		nf->age_head = s->anext;
	if (s->anext)
		s->anext->aprev = s->aprev;
	else
		nf->age_tail = s->aprev;
	s->aprev = s->anext = NULL;
}

static void age_append(kb_nf *nf, nf_slot *s)
{
	s->aprev = nf->age_tail;
	s->anext = NULL;
	if (nf->age_tail)
		nf->age_tail->anext = s;
	else
		nf->age_head = s;
	nf->age_tail = s;
}

/* The domain of key `k` (its tid ignored); created when `create`. NULL
 * when absent or out of memory. */
static nf_domain *domain_get(kb_nf *nf, const nf_key *k, bool create)
{
	nf_key dk = *k;
	dk.tid = 0;
	uint64_t h = key_hash(nf, &dk);
	nf_domain **b = &nf->dbuckets[h & (NF_DOMAIN_BUCKETS - 1)];
	for (nf_domain *d = *b; d; d = d->hnext)
		if (d->hash == h && memcmp(&d->key, &dk, sizeof dk) == 0)
			return d;
	if (!create)
		return NULL;
	nf_domain *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->key = dk;
	d->hash = h;
	d->hnext = *b;
	*b = d;
	return d;
}

static void domain_gc(kb_nf *nf, nf_domain *d)
{
	if (d->list[0] || d->list[1])
		return;
	nf_domain **pp = &nf->dbuckets[d->hash & (NF_DOMAIN_BUCKETS - 1)];
	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	free(d);
}

static void domain_link(nf_domain *d, nf_slot *s)
{
	nf_slot **head = &d->list[s->tmpl->options];
	s->domain = d;
	s->dprev = NULL;
	s->dnext = *head;
	if (*head)
		(*head)->dprev = s;
	*head = s;
}

static void domain_unlink(nf_slot *s)
{
	nf_domain *d = s->domain;
	if (s->dprev)
		s->dprev->dnext = s->dnext;
	else
		d->list[s->tmpl->options] = s->dnext;
	if (s->dnext)
		s->dnext->dprev = s->dprev;
	s->dprev = s->dnext = NULL;
	s->domain = NULL;
}

/* Forget the slot's template; the slot itself may go, its domain stays. */
static void tmpl_drop(kb_nf *nf, nf_slot *s)
{
	assert(s->tmpl && nf->ntemplates > 0);
	domain_unlink(s);
	age_unlink(nf, s);
	free(s->tmpl);
	s->tmpl = NULL;
	nf->ntemplates--;
	slot_gc(nf, s);
}

/* ... and its domain too when that has no template left. */
static void tmpl_remove(kb_nf *nf, nf_slot *s)
{
	nf_domain *d = s->domain;
	tmpl_drop(nf, s);
	domain_gc(nf, d);
}

/* Take the head of its slot's list out of both lists (not freed). The slot
 * is kept when it holds a template, freed otherwise once empty. */
static void pend_unlink(kb_nf *nf, nf_pend *pd)
{
	nf_slot *s = pd->slot;
	assert(s->phead == pd);
	s->phead = pd->knext;
	if (!s->phead)
		s->ptail = NULL;
	if (pd->gprev)
		pd->gprev->gnext = pd->gnext;
	else
		nf->pend_head = pd->gnext;
	if (pd->gnext)
		pd->gnext->gprev = pd->gprev;
	else
		nf->pend_tail = pd->gprev;
	nf->pend_bytes -= pd->len + 4;
	slot_gc(nf, s);
}

/* ---- templates ---------------------------------------------------------------------- */

typedef struct nf_spec {
	uint16_t ie, len;
	uint32_t pen;
} nf_spec;

static uint8_t target_of(uint32_t pen, uint16_t ie)
{
	if (pen == NF_PEN_REVERSE) {
		switch (ie) {
		case 1: return T_ROCTETS;
		case 2: return T_RPKTS;
		case 6: return T_TCP_FLAGS; /* reverseTcpControlBits: kb_flow keeps the OR of both */
		case 85: return T_ROCTETS_TOTAL;
		case 86: return T_RPKTS_TOTAL;
		}
		return T_SKIP;
	}
	if (pen)
		return T_SKIP;
	switch (ie) {
	case 1: return T_OCTETS;
	case 2: return T_PKTS;
	case 4: return T_PROTO;
	case 6: return T_TCP_FLAGS;
	case 7: return T_SPORT;
	case 8: return T_SRC4;
	case 11: return T_DPORT;
	case 12: return T_DST4;
	case 21: return T_END_UP;
	case 22: return T_START_UP;
	case 27: return T_SRC6;
	case 28: return T_DST6;
	case 32: return T_ICMP;
	case 85: return T_OCTETS_TOTAL;
	case 86: return T_PKTS_TOTAL;
	case 136: return T_END_REASON;
	case 139: return T_ICMP;
	case 150: return T_START_S;
	case 151: return T_END_S;
	case 152: return T_START_MS;
	case 153: return T_END_MS;
	case 154: case 156: return T_START_NTP;
	case 155: case 157: return T_END_NTP;
	case 160: return T_SYSINIT;
	case 176: case 178: return T_ICMP_TYPE;
	case 177: case 179: return T_ICMP_CODE;
	}
	return T_SKIP;
}

/* Whether a value of `len` bytes can be read as the target's type. */
static inline bool len_ok(uint8_t target, size_t len)
{
	switch (target) {
	case T_SKIP: return false;
	case T_SRC4: case T_DST4: return len == 4;
	case T_SRC6: case T_DST6: return len == 16;
	case T_START_NTP: case T_END_NTP: return len == 8;
	default: return len >= 1 && len <= 8;
	}
}

/* Compile `n` field specifiers. 0, KB_ENOMEM, or KB_EPARSE when records
 * would have no bytes. */
static int tmpl_compile(uint16_t tid, const nf_spec *spec, size_t n, bool options, bool ipfix, nf_tmpl **ret)
{
	assert(n <= KB_NF_MAX_TEMPLATE_FIELDS);
	bool varlen = false;
	uint32_t reclen = 0;
	for (size_t i = 0; i < n; i++) {
		if (ipfix && spec[i].len == NF_VARLEN) {
			varlen = true;
			reclen += 1;
		} else {
			reclen += spec[i].len;
		}
	}
	if (reclen == 0)
		return KB_EPARSE;
	nf_tmpl *t = calloc(1, sizeof *t + n * sizeof(nf_field));
	if (!t)
		return KB_ENOMEM;
	t->id = tid;
	t->options = options;
	t->varlen = varlen;
	t->reclen = reclen;
	uint32_t off = 0;
	for (size_t i = 0; i < n && !options; i++) {
		uint8_t target = target_of(spec[i].pen, spec[i].ie);
		if (target == T_ROCTETS || target == T_RPKTS || target == T_ROCTETS_TOTAL || target == T_RPKTS_TOTAL)
			t->biflow = true;
		bool var = varlen && spec[i].len == NF_VARLEN;
		if (!var && !len_ok(target, spec[i].len))
			target = T_SKIP;
		if (varlen || target != T_SKIP)
			t->f[t->nfields++] = (nf_field){ .off = off, .len = var ? NF_VARLEN : spec[i].len, .target = target };
		if (!var)
			off += spec[i].len;
	}
	*ret = t;
	return 0;
}

/* ---- records ------------------------------------------------------------------------ */

static inline void apply(nf_rec *x, uint8_t target, const uint8_t *p, size_t len)
{
	if (!len_ok(target, len))
		return;
	switch (target) {
	case T_SRC4: set_v4(&x->f.orig, p); return;
	case T_DST4: set_v4(&x->f.resp, p); return;
	case T_SRC6: memcpy(x->f.orig.b, p, 16); return;
	case T_DST6: memcpy(x->f.resp.b, p, 16); return;
	case T_START_NTP: case T_END_NTP: {
		uint64_t sec = rd32(p), frac = rd32(p + 4);
		if (!sec && !frac)
			return;
		/* RFC 4330 eras: seconds below 2^31 are after 2036 */
		uint64_t ntp_s = sec & 0x80000000u ? sec : sec + (1ull << 32);
		if (ntp_s < NF_NTP_UNIX)
			return;
		int64_t us = (int64_t)((ntp_s - NF_NTP_UNIX) * 1000000 + ((frac * 1000000) >> 32));
		if (target == T_START_NTP) {
			x->start_abs = us;
			x->have |= H_START_ABS;
		} else {
			x->end_abs = us;
			x->have |= H_END_ABS;
		}
		return;
	}
	default:
		break;
	}
	uint64_t v = rdn(p, len);
	switch (target) {
	case T_OCTETS: x->f.orig_bytes = v; x->have |= H_OCTETS; break;
	case T_PKTS: x->f.orig_pkts = v; x->have |= H_PKTS; break;
	case T_OCTETS_TOTAL: x->octets_total = v; x->have |= H_OCTETS_TOTAL; break;
	case T_PKTS_TOTAL: x->pkts_total = v; x->have |= H_PKTS_TOTAL; break;
	case T_ROCTETS: x->f.resp_bytes = v; x->have |= H_ROCTETS; break;
	case T_RPKTS: x->f.resp_pkts = v; x->have |= H_RPKTS; break;
	case T_ROCTETS_TOTAL: x->roctets_total = v; x->have |= H_ROCTETS_TOTAL; break;
	case T_RPKTS_TOTAL: x->rpkts_total = v; x->have |= H_RPKTS_TOTAL; break;
	case T_PROTO: x->f.proto = (uint8_t)v; break;
	case T_TCP_FLAGS: x->f.tcp_flags |= (uint8_t)v; break;
	case T_SPORT: x->f.orig_port = (uint16_t)v; break;
	case T_DPORT: x->f.resp_port = (uint16_t)v; break;
	case T_START_UP: x->start_up = v; x->have |= H_START_UP; break;
	case T_END_UP: x->end_up = v; x->have |= H_END_UP; break;
	case T_START_S: case T_END_S: case T_START_MS: case T_END_MS: {
		bool secs = target == T_START_S || target == T_END_S;
		if (!v || v > (uint64_t)NF_TIME_MAX_US / (secs ? 1000000 : 1000))
			break;
		int64_t us = (int64_t)v * (secs ? 1000000 : 1000);
		if (target == T_START_S || target == T_START_MS) {
			x->start_abs = us;
			x->have |= H_START_ABS;
		} else {
			x->end_abs = us;
			x->have |= H_END_ABS;
		}
		break;
	}
	case T_SYSINIT:
		if (v && v <= (uint64_t)NF_TIME_MAX_US / 1000) {
			x->sysinit_us = (int64_t)v * 1000;
			x->have |= H_SYSINIT;
		}
		break;
	case T_ICMP: x->icmp = (uint16_t)v; x->have |= H_ICMP; break;
	case T_ICMP_TYPE: x->icmp_type = (uint8_t)v; x->have |= H_ICMP_TYPE; break;
	case T_ICMP_CODE: x->icmp_code = (uint8_t)v; x->have |= H_ICMP_CODE; break;
	case T_END_REASON: x->end_reason = (uint8_t)v; break;
	}
}

/* An uptime value (ms) as a time; false when the record has no base for it. */
static bool uptime_us(const nf_hdr *h, const nf_rec *x, uint64_t up, int64_t *ret)
{
	if (h->version == 9) {
		uint32_t behind = h->uptime - (uint32_t)up;
		*ret = h->export_us - (int64_t)behind * 1000;
		return true;
	}
	if (!(x->have & H_SYSINIT) || up > (uint64_t)NF_TIME_MAX_US / 1000)
		return false;
	*ret = x->sysinit_us + (int64_t)up * 1000;
	return true;
}

static void rec_finish(nf_rec *x, const nf_hdr *h, const nf_tmpl *t)
{
	kb_flow *f = &x->f;
	uint32_t have = x->have;
	if (!(have & H_OCTETS) && (have & H_OCTETS_TOTAL))
		f->orig_bytes = x->octets_total;
	if (!(have & H_PKTS) && (have & H_PKTS_TOTAL))
		f->orig_pkts = x->pkts_total;
	if (!(have & H_ROCTETS) && (have & H_ROCTETS_TOTAL))
		f->resp_bytes = x->roctets_total;
	if (!(have & H_RPKTS) && (have & H_RPKTS_TOTAL))
		f->resp_pkts = x->rpkts_total;

	if (f->proto == 1 || f->proto == 58) {
		uint16_t tc = have & H_ICMP ? x->icmp : (uint16_t)(x->icmp_type << 8 | x->icmp_code);
		if (!(have & (H_ICMP | H_ICMP_TYPE | H_ICMP_CODE)))
			tc = f->resp_port; /* Cisco: type * 256 + code in the destination port */
		f->orig_port = tc >> 8;
		f->resp_port = tc & 0xff;
	}

	int64_t start = 0, end = 0, dur = -1;
	bool hs = false, he = false;
	if (have & H_START_ABS) {
		start = x->start_abs;
		hs = true;
	} else if (have & H_START_UP) {
		hs = uptime_us(h, x, x->start_up, &start);
	}
	if (have & H_END_ABS) {
		end = x->end_abs;
		he = true;
	} else if (have & H_END_UP) {
		he = uptime_us(h, x, x->end_up, &end);
	}
	if ((have & (H_START_UP | H_END_UP)) == (H_START_UP | H_END_UP) &&
	    !((have & (H_START_ABS | H_END_ABS)) == (H_START_ABS | H_END_ABS)))
		dur = (int64_t)(uint32_t)(x->end_up - x->start_up) * 1000;
	else if (hs && he && end >= start)
		dur = end - start;
	if (!hs) {
		int64_t ref = he ? end : h->export_us;
		start = dur >= 0 ? ref - dur : ref;
	}
	f->start_us = start;
	f->duration_us = dur;
	f->flags = t->biflow ? 0 : KB_FLOW_UNIDIR;
	if (x->end_reason == 2) /* active timeout: the exporter cut a flow that goes on */
		f->flags |= KB_FLOW_PARTIAL;
}

static int emit(nf_run *r, const kb_flow *f)
{
	r->nf->st.records++;
	if (r->sink && r->sink->flow)
		return r->sink->flow(r->sink->ctx, f);
	return 0;
}

/* A data-record error: in this packet at `at + o`, or in a set held from an
 * earlier packet (then reported at `at`, the template's offset). */
static void data_error(nf_run *r, const nf_tmpl *t, bool held, size_t at, size_t o, const char *what)
{
	if (held)
		note(r, KB_EPARSE, at, "data set held for template %u from an earlier packet, at its byte %zu: %s",
		     t->id, o, what);
	else
		note(r, KB_EPARSE, at + o, "data record of template %u at byte %zu: %s", t->id, at + o, what);
}

/* Decode the records of one data set body [p, p + n) by `t`. A malformed
 * record ends the set. 0, or the sink's non-zero value. */
static int data_set(nf_run *r, const nf_tmpl *t, const nf_hdr *h, const uint8_t *p, size_t n, size_t at,
                    bool held)
{
	if (t->options)
		return 0;
	char what[128];
	size_t o = 0;
	while (n - o >= t->reclen) {
		nf_rec x;
		memset(&x, 0, sizeof x);
		size_t q = o;
		if (!t->varlen) {
			for (size_t i = 0; i < t->nfields; i++)
				apply(&x, t->f[i].target, p + o + t->f[i].off, t->f[i].len);
			q = o + t->reclen;
		} else {
			for (size_t i = 0; i < t->nfields; i++) {
				size_t len = t->f[i].len;
				if (len == NF_VARLEN) {
					if (q >= n) {
						snprintf(what, sizeof what, "expected a variable-length field's length, the set ends");
						data_error(r, t, held, at, q, what);
						return 0;
					}
					len = p[q++];
					if (len == 255) {
						if (n - q < 2) {
							snprintf(what, sizeof what, "expected a 2-byte length after 255, %zu bytes left", n - q);
							data_error(r, t, held, at, q, what);
							return 0;
						}
						len = rd16(p + q);
						q += 2;
					}
				}
				if (len > n - q) {
					snprintf(what, sizeof what, "field %zu of %zu bytes: %zu bytes left in the set", i + 1, len, n - q);
					data_error(r, t, held, at, q, what);
					return 0;
				}
				apply(&x, t->f[i].target, p + q, len);
				q += len;
			}
		}
		rec_finish(&x, h, t);
		int rc = emit(r, &x.f);
		if (rc)
			return rc;
		o = q;
	}
	if (!is_padding(p + o, n - o)) {
		snprintf(what, sizeof what, "%zu bytes left, expected a record of %s%u bytes or padding", n - o,
		         t->varlen ? "at least " : "", t->reclen);
		data_error(r, t, held, at, o, what);
	}
	return 0;
}

/* Store `t` under `tid` for this exporter and domain (replacing an older
 * definition), then decode the data sets held for it. `at`: the template
 * record's offset. Takes `t`. 0, KB_ENOMEM or the sink's non-zero value. */
static int tmpl_install(nf_run *r, uint16_t tid, nf_tmpl *t, size_t at)
{
	kb_nf *nf = r->nf;
	nf_key k = make_key(r, tid);
	uint64_t h = key_hash(nf, &k);
	nf_slot *s = slot_find(nf, &k, h);
	if (s && s->tmpl) {
		nf_domain *d = s->domain;
		domain_unlink(s);
		age_unlink(nf, s);
		free(s->tmpl);
		s->tmpl = t;
		domain_link(d, s);
	} else {
		if (nf->ntemplates >= KB_NF_MAX_TEMPLATES)
			tmpl_remove(nf, nf->age_head); /* never s: s has no template */
		nf_domain *d = domain_get(nf, &k, true);
		if (!d) {
			free(t);
			return KB_ENOMEM;
		}
		if (!s && !(s = slot_new(nf, &k, h))) {
			domain_gc(nf, d);
			free(t);
			return KB_ENOMEM;
		}
		s->tmpl = t;
		domain_link(d, s);
		nf->ntemplates++;
	}
	age_append(nf, s);
	nf->st.templates++;
	while (s->phead) {
		nf_pend *pd = s->phead;
		pend_unlink(nf, pd);
		int rc = data_set(r, t, &pd->hdr, pd->body, pd->len, at, true);
		free(pd);
		if (rc)
			return rc;
	}
	return 0;
}

static void tmpl_withdraw(nf_run *r, uint16_t tid)
{
	nf_key k = make_key(r, tid);
	nf_slot *s = slot_find(r->nf, &k, key_hash(r->nf, &k));
	if (s && s->tmpl)
		tmpl_remove(r->nf, s);
}

/* IPFIX "all (options) templates withdrawal" for this exporter and domain. */
static void tmpl_withdraw_all(nf_run *r, bool options)
{
	nf_key k = make_key(r, 0);
	nf_domain *d = domain_get(r->nf, &k, false);
	if (!d)
		return;
	while (d->list[options])
		tmpl_drop(r->nf, d->list[options]);
	domain_gc(r->nf, d);
}

/* Compile and install one template record that starts at `rec`. */
static int tmpl_add(nf_run *r, uint16_t tid, const nf_spec *spec, size_t n, bool options, size_t rec)
{
	if (n > KB_NF_MAX_TEMPLATE_FIELDS) {
		note(r, KB_ELIMIT, rec, "template %u at byte %zu has %zu fields: expected at most %d (KB_NF_MAX_TEMPLATE_FIELDS)",
		     tid, rec, n, KB_NF_MAX_TEMPLATE_FIELDS);
		return 0;
	}
	nf_tmpl *t;
	int rc = tmpl_compile(tid, spec, n, options, r->hdr.version == 10, &t);
	if (rc == KB_EPARSE) {
		note(r, KB_EPARSE, rec, "template %u at byte %zu: its records have 0 bytes: expected at least 1", tid, rec);
		return 0;
	}
	if (rc)
		return rc;
	return tmpl_install(r, tid, t, rec);
}

/* A v9 template flowset (ID 0) or an IPFIX template or options template set
 * (2, 3): the body is [off, end) of pkt. */
static int tmpl_set(nf_run *r, const uint8_t *pkt, size_t off, size_t end, unsigned set_id, bool options)
{
	bool ipfix = r->hdr.version == 10;
	nf_spec spec[KB_NF_MAX_TEMPLATE_FIELDS];
	while (off < end) {
		if (is_padding(pkt + off, end - off))
			return 0;
		size_t rec = off;
		unsigned tid = rd16(pkt + off), cnt = rd16(pkt + off + 2);
		off += 4;
		if (ipfix && cnt == 0) {
			if (tid == set_id) {
				tmpl_withdraw_all(r, options);
			} else if (tid >= 256) {
				tmpl_withdraw(r, (uint16_t)tid);
			} else {
				note(r, KB_EPARSE, rec, "template withdrawal for ID %u at byte %zu: expected %u or 256 and more",
				     tid, rec, set_id);
				return 0;
			}
			continue;
		}
		if (tid < 256) {
			note(r, KB_EPARSE, rec, "template ID %u at byte %zu: expected 256 or more", tid, rec);
			return 0;
		}
		if (cnt == 0) {
			note(r, KB_EPARSE, rec + 2, "template %u at byte %zu: field count 0: expected at least 1", tid, rec);
			return 0;
		}
		if (options) {
			if (end - off < 2) {
				note(r, KB_EPARSE, off, "options template %u at byte %zu: expected a scope field count at byte %zu, the set ends",
				     tid, rec, off);
				return 0;
			}
			unsigned scope = rd16(pkt + off);
			if (scope == 0 || scope > cnt) {
				note(r, KB_EPARSE, off, "options template %u: scope field count %u at byte %zu: expected 1 to %u",
				     tid, scope, off, cnt);
				return 0;
			}
			off += 2;
		}
		for (unsigned i = 0; i < cnt; i++) {
			if (end - off < 4) {
				note(r, KB_EPARSE, off, "template %u at byte %zu: field %u at byte %zu: expected 4 bytes, %zu left in the set",
				     tid, rec, i + 1, off, end - off);
				return 0;
			}
			nf_spec sp = { .ie = rd16(pkt + off), .len = rd16(pkt + off + 2), .pen = 0 };
			off += 4;
			if (ipfix && (sp.ie & 0x8000)) {
				if (end - off < 4) {
					note(r, KB_EPARSE, off, "template %u at byte %zu: field %u: expected an enterprise number at byte %zu, %zu bytes left in the set",
					     tid, rec, i + 1, off, end - off);
					return 0;
				}
				sp.ie &= 0x7fff;
				sp.pen = rd32(pkt + off);
				off += 4;
			}
			if (i < KB_NF_MAX_TEMPLATE_FIELDS)
				spec[i] = sp;
		}
		int rc = tmpl_add(r, (uint16_t)tid, spec, cnt, options, rec);
		if (rc)
			return rc;
	}
	return 0;
}

/* A v9 options template flowset (ID 1): template ID, scope and option
 * lengths in bytes, the (type, length) pairs, padding. */
static int v9_options_set(nf_run *r, const uint8_t *pkt, size_t off, size_t end)
{
	nf_spec spec[KB_NF_MAX_TEMPLATE_FIELDS];
	while (off < end) {
		if (end - off < 6 || all_zero(pkt + off, end - off))
			return 0;
		size_t rec = off;
		unsigned tid = rd16(pkt + off), slen = rd16(pkt + off + 2), olen = rd16(pkt + off + 4);
		off += 6;
		if (tid < 256) {
			note(r, KB_EPARSE, rec, "options template ID %u at byte %zu: expected 256 or more", tid, rec);
			return 0;
		}
		if (slen % 4 || olen % 4 || slen + olen == 0 || slen + olen > end - off) {
			note(r, KB_EPARSE, rec + 2,
			     "options template %u at byte %zu: scope length %u and option length %u: expected multiples of 4 that together fit the %zu bytes left",
			     tid, rec, slen, olen, end - off);
			return 0;
		}
		size_t cnt = (slen + olen) / 4;
		for (size_t i = 0; i < cnt && i < KB_NF_MAX_TEMPLATE_FIELDS; i++)
			spec[i] = (nf_spec){ .ie = rd16(pkt + off + 4 * i), .len = rd16(pkt + off + 4 * i + 2), .pen = 0 };
		off += slen + olen;
		int rc = tmpl_add(r, (uint16_t)tid, spec, cnt, true, rec);
		if (rc)
			return rc;
	}
	return 0;
}

/* Keep a data set for a template not seen yet, dropping the oldest held
 * sets to stay within KB_NF_MAX_PENDING. */
static int data_hold(nf_run *r, uint16_t tid, const uint8_t *body, size_t n)
{
	kb_nf *nf = r->nf;
	size_t cost = n + 4;
	assert(cost <= KB_NF_MAX_PENDING);
	while (nf->pend_head && nf->pend_bytes + cost > KB_NF_MAX_PENDING) {
		nf_pend *old = nf->pend_head;
		pend_unlink(nf, old);
		free(old);
		nf->st.dropped++;
	}
	nf_key k = make_key(r, tid);
	uint64_t h = key_hash(nf, &k);
	nf_slot *s = slot_find(nf, &k, h);
	if (!s && !(s = slot_new(nf, &k, h)))
		return KB_ENOMEM;
	nf_pend *pd = malloc(sizeof *pd + n);
	if (!pd) {
		slot_gc(nf, s);
		return KB_ENOMEM;
	}
	pd->slot = s;
	pd->hdr = r->hdr;
	pd->len = n;
	memcpy(pd->body, body, n);
	pd->knext = NULL;
	if (s->ptail)
		s->ptail->knext = pd;
	else
		s->phead = pd;
	s->ptail = pd;
	pd->gnext = NULL;
	pd->gprev = nf->pend_tail;
	if (nf->pend_tail)
		nf->pend_tail->gnext = pd;
	else
		nf->pend_head = pd;
	nf->pend_tail = pd;
	nf->pend_bytes += cost;
	nf->st.pending++;
	return 0;
}

static int data_set_in_packet(nf_run *r, uint16_t tid, const uint8_t *pkt, size_t at, size_t n)
{
	nf_key k = make_key(r, tid);
	nf_slot *s = slot_find(r->nf, &k, key_hash(r->nf, &k));
	if (s && s->tmpl)
		return data_set(r, s->tmpl, &r->hdr, pkt + at, n, at, false);
	if (n == 0)
		return 0;
	return data_hold(r, tid, pkt + at, n);
}

/* The sets of a v9 or IPFIX packet, from `off` to `len`. */
static int sets(nf_run *r, const uint8_t *pkt, size_t len, size_t off)
{
	bool v9 = r->hdr.version == 9;
	while (off < len) {
		size_t left = len - off;
		if (v9 && all_zero(pkt + off, left))
			return 0; /* some exporters pad the packet */
		if (left < 4) {
			note(r, KB_EPARSE, off, "%zu bytes at byte %zu: expected a set header (4 bytes) or the end of the %s",
			     left, off, v9 ? "packet" : "message");
			return 0;
		}
		unsigned id = rd16(pkt + off), slen = rd16(pkt + off + 2);
		if (slen < 4) {
			note(r, KB_EPARSE, off, "set length %u at byte %zu: expected at least 4", slen, off);
			return 0;
		}
		if (slen > left) {
			note(r, KB_EPARSE, off, "set length %u at byte %zu: expected at most %zu (the bytes left)", slen, off,
			     left);
			return 0;
		}
		size_t at = off + 4, end = off + slen;
		int rc = 0;
		if (id == (v9 ? 0u : 2u))
			rc = tmpl_set(r, pkt, at, end, id, false);
		else if (id == (v9 ? 1u : 3u))
			rc = v9 ? v9_options_set(r, pkt, at, end) : tmpl_set(r, pkt, at, end, id, true);
		else if (id >= 256)
			rc = data_set_in_packet(r, (uint16_t)id, pkt, at, slen - 4u);
		/* other IDs are reserved: skipped */
		if (rc)
			return rc;
		off = end;
	}
	return 0;
}

/* ---- packets ------------------------------------------------------------------------ */

static int packet_v5(nf_run *r, const uint8_t *pkt, size_t len)
{
	if (len < 24) {
		note(r, KB_EPARSE, 0, "v5 header at byte 0: %zu bytes, expected 24", len);
		return 0;
	}
	unsigned count = rd16(pkt + 2);
	if (count > 30) {
		note(r, KB_EPARSE, 2, "v5 count %u at byte 2: expected at most 30", count);
		return 0;
	}
	if (24 + (size_t)count * 48 > len) {
		note(r, KB_EPARSE, 2, "v5 count %u at byte 2: expected %zu bytes, the packet has %zu", count,
		     24 + (size_t)count * 48, len);
		return 0;
	}
	uint32_t uptime = rd32(pkt + 4);
	int64_t base = (int64_t)rd32(pkt + 8) * 1000000 + rd32(pkt + 12) / 1000;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *p = pkt + 24 + (size_t)i * 48;
		kb_flow f;
		memset(&f, 0, sizeof f);
		set_v4(&f.orig, p);
		set_v4(&f.resp, p + 4);
		f.orig_pkts = rd32(p + 16);
		f.orig_bytes = rd32(p + 20);
		uint32_t first = rd32(p + 24), last = rd32(p + 28);
		f.start_us = base - (int64_t)(uint32_t)(uptime - first) * 1000;
		f.duration_us = (int64_t)(uint32_t)(last - first) * 1000;
		f.orig_port = rd16(p + 32);
		f.resp_port = rd16(p + 34);
		f.tcp_flags = p[37];
		f.proto = p[38];
		if (f.proto == 1 || f.proto == 58) {
			uint16_t tc = f.resp_port;
			f.orig_port = tc >> 8;
			f.resp_port = tc & 0xff;
		}
		f.flags = KB_FLOW_UNIDIR;
		int rc = emit(r, &f);
		if (rc)
			return rc;
	}
	return 0;
}

static int packet_v9(nf_run *r, const uint8_t *pkt, size_t len, int64_t recv_us)
{
	if (len < 20) {
		note(r, KB_EPARSE, 0, "v9 header at byte 0: %zu bytes, expected 20", len);
		return 0;
	}
	r->hdr.version = 9;
	r->hdr.uptime = rd32(pkt + 4);
	uint32_t secs = rd32(pkt + 8);
	r->hdr.export_us = secs ? (int64_t)secs * 1000000 : recv_us;
	r->domain = rd32(pkt + 16);
	return sets(r, pkt, len, 20);
}

static int packet_ipfix(nf_run *r, const uint8_t *pkt, size_t len, int64_t recv_us)
{
	if (len < 16) {
		note(r, KB_EPARSE, 0, "IPFIX header at byte 0: %zu bytes, expected 16", len);
		return 0;
	}
	unsigned mlen = rd16(pkt + 2);
	if (mlen < 16 || mlen > len) {
		note(r, KB_EPARSE, 2, "IPFIX message length %u at byte 2: expected 16 to %zu (the packet's size)", mlen, len);
		return 0;
	}
	r->hdr.version = 10;
	uint32_t secs = rd32(pkt + 4);
	r->hdr.export_us = secs ? (int64_t)secs * 1000000 : recv_us;
	r->domain = rd32(pkt + 12);
	return sets(r, pkt, mlen, 16);
}

int kb_nf_packet(kb_nf *nf, const kb_ip *exporter, int64_t recv_us, const uint8_t *pkt, size_t len,
                 const kb_flow_sink *sink, kb_error *err)
{
	nf_run r;
	memset(&r, 0, sizeof r);
	r.nf = nf;
	r.sink = sink;
	r.err = err;
	if (exporter)
		r.exporter = *exporter;
	nf->st.packets++;
	if (len < 2) {
		note(&r, KB_EPARSE, 0, "packet of %zu bytes: expected a NetFlow or IPFIX header", len);
		return r.rc;
	}
	unsigned version = rd16(pkt);
	int rc;
	switch (version) {
	case 5: rc = packet_v5(&r, pkt, len); break;
	case 9: rc = packet_v9(&r, pkt, len, recv_us); break;
	case 10: rc = packet_ipfix(&r, pkt, len, recv_us); break;
	default:
		note(&r, KB_EPARSE, 0, "version %u at byte 0: expected 5, 9 or 10 (NetFlow v5, v9, IPFIX)", version);
		rc = 0;
	}
	return rc ? rc : r.rc;
}

bool kb_nf_looks_like(const uint8_t *pkt, size_t len)
{
	if (len < 4)
		return false;
	unsigned version = rd16(pkt), n = rd16(pkt + 2);
	size_t hdr;
	switch (version) {
	case 5:
		return len >= 24 && n >= 1 && n <= 30 && 24 + (size_t)n * 48 <= len;
	case 9:
		/* every record takes at least a byte */
		if (len < 20 || n > len - 20)
			return false;
		hdr = 20;
		break;
	case 10:
		if (len < 16 || n != len)
			return false;
		hdr = 16;
		break;
	default:
		return false;
	}
	if (len == hdr)
		return true;
	if (len - hdr < 4)
		return false;
	unsigned slen = rd16(pkt + hdr + 2);
	return slen >= 4 && slen <= len - hdr;
}

int kb_nf_new(kb_nf **ret)
{
	kb_nf *nf = calloc(1, sizeof *nf);
	if (!nf)
		return KB_ENOMEM;
	if (getrandom(&nf->seed, sizeof nf->seed, GRND_NONBLOCK) != (ssize_t)sizeof nf->seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		nf->seed = mix64((uint64_t)(uintptr_t)nf ^ (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30);
	}
	*ret = nf;
	return 0;
}

void kb_nf_free(kb_nf *nf)
{
	if (!nf)
		return;
	for (nf_pend *pd = nf->pend_head, *next; pd; pd = next) {
		next = pd->gnext;
		free(pd);
	}
	for (size_t i = 0; i < NF_BUCKETS; i++) {
		for (nf_slot *s = nf->buckets[i], *next; s; s = next) {
			next = s->hnext;
			free(s->tmpl);
			free(s);
		}
	}
	for (size_t i = 0; i < NF_DOMAIN_BUCKETS; i++) {
		for (nf_domain *d = nf->dbuckets[i], *next; d; d = next) {
			next = d->hnext;
			free(d);
		}
	}
	free(nf);
}

void kb_nf_get_stats(const kb_nf *nf, kb_nf_stats *ret)
{
	*ret = nf->st;
}
