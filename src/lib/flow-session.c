/*
 * flow-session.c - bidirectional sessions from IP packets (kb_sess_*).
 *
 * Each packet is parsed (IPv4 with options and fragments, IPv6 with its
 * extension headers), keyed by the canonical 5-tuple and counted to its
 * session; sessions that end go to the sink as kb_flow records.
 *
 * Data structure. Sessions live in chunks of SESS_CHUNK slots addressed by
 * a 32-bit index (chunks never move, so indexes stay valid; freed slots go
 * on a free list). A chained hash table of indexes (load <= 1, doubled as
 * sessions grow, seeded per instance so a hostile capture cannot aim at one
 * chain) finds a session by its key. Every open session is on exactly one
 * of three LRU lists, one per timeout: L_SHORT (idle_us: UDP, ICMP, other
 * protocols, TCP before establishment), L_LONG (tcp_idle_us: established
 * TCP, and midstream TCP once both sides have spoken) and L_CLOSE
 * (KB_SESS_CLOSE_US: TCP after FIN both ways or an RST). A touched session
 * moves to the tail of its list, so with packets in time order each list is
 * sorted by last-seen time and expiry only looks at list heads: O(1)
 * amortised per packet. Time is the largest packet time seen; expired
 * sessions are swept before each packet is counted. Slightly out-of-order
 * packet times are tolerated (first/last take the min/max; a list may then
 * be a little out of order and a session end one packet late).
 *
 * Memory: 120 bytes per session (struct sess) plus 4 to 8 bytes of hash
 * bucket, and a fixed 48 KiB fragment table: about 130 MB at
 * KB_SESS_MAX_ACTIVE (1M) open sessions.
 *
 * Key. The key is (address, port) of both ends in a canonical order, the
 * protocol, and an `extra` word: ICMP and ICMPv6 are keyed by the request
 * type of a request/reply pair (echo 8/0, 128/129, ...) so a reply joins
 * its request, with orig_port/resp_port the type and code of the first
 * packet as Zeek writes them; protocols without ports use ports 0.
 *
 * Direction. The originator sent the first packet, except: a TCP SYN-ACK
 * seen first makes its sender the responder (the SYN was missed); a TCP
 * packet without SYN, or a UDP packet, from a port < 1024 to a port >= 1024
 * makes its sender the responder (the service side).
 *
 * Fragments. The first fragment carries the ports and is counted like any
 * packet; its (source, destination, protocol, IP id) and session go into a
 * direct-mapped table of KB_SESS_FRAG_SLOTS slots indexed by the id's low
 * bits (a later first fragment with the same low bits takes the slot).
 * Later fragments that find their first fragment there are counted to its
 * session (bytes and packets, no flags); the others (first fragment lost,
 * overwritten, or arriving later) are counted to an "IP-only" session of
 * (source, destination, protocol) with ports 0 and no TCP state. A first
 * fragment too short to hold its transport header is counted the same way.
 *
 * TCP state. Per session a byte of bits (orig SYN, resp SYN-ACK, FIN and
 * RST per side, SYN-ACK seen first) gives a Zeek-like conn_state when the
 * session ends (see tcp_state()). After FIN both ways or an RST the session
 * is closing: packets in the next KB_SESS_CLOSE_US (the last ACK,
 * retransmitted RSTs) still count to it, a pure SYN ends it at once and
 * starts a new session, and otherwise it ends KB_SESS_CLOSE_US after its
 * last packet.
 *
 * Timeouts. Idle: a session idle for its list's timeout or more is ended
 * (not partial; an open TCP session keeps state S1). Active: a packet that
 * comes active_us or more after the session's first packet ends the session
 * with KB_FLOW_PARTIAL and starts a new one with the same key, the same
 * direction and TCP state bits, and counts from zero. Eviction: when
 * max_active sessions are open, the least recently seen one (the oldest
 * list head) is ended with KB_FLOW_PARTIAL.
 *
 * Malformed packets (not IPv4/IPv6, headers cut short or inconsistent) are
 * counted in the stats and skipped; they are never an error.
 */
#include "flow-session-internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define NIL UINT32_MAX
#define SESS_CHUNK_BITS 12
#define SESS_CHUNK (1u << SESS_CHUNK_BITS)
#define HASH_MIN 1024u
#define TS_LIMIT (1ll << 62) /* packet times are clamped to +-TS_LIMIT so differences cannot overflow */
#define EXTRA_IPONLY 0xffffu

enum { L_SHORT, L_LONG, L_CLOSE, NLISTS, L_FREE = 0xff };

enum {
	T_O_SYN = 1u << 0,    /* originator sent a SYN without ACK */
	T_R_SA = 1u << 1,     /* responder sent SYN+ACK */
	T_O_FIN = 1u << 2,
	T_R_FIN = 1u << 3,
	T_O_RST = 1u << 4,
	T_R_RST = 1u << 5,
	T_SA_FIRST = 1u << 6, /* the first packet was the SYN-ACK: the SYN was missed */
	T_IPONLY = 1u << 7,   /* fragments without ports: no transport state */
};

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_ACK = 0x10 };

typedef struct sess {
	kb_ip a[2];               /* [0] originator, [1] responder */
	int64_t first_us, last_us;
	uint64_t bytes[2], pkts[2];
	uint64_t line;            /* packet number of the first packet */
	uint64_t serial;          /* creation order, for flush and fragment matching */
	uint32_t hnext;           /* hash chain, or free list */
	uint32_t prev, next;      /* LRU list */
	uint16_t port[2];         /* ICMP: type and code of the first packet */
	uint8_t proto;
	uint8_t tcpf[2];          /* TCP flags OR per direction */
	uint8_t tcpst;            /* T_* */
	uint8_t list;             /* L_*, L_FREE when the slot is free */
} sess;

_Static_assert(sizeof(sess) == 120, "the file-head comment states 120 bytes per session");

typedef struct frag {
	kb_ip src, dst;
	uint64_t serial;
	uint32_t id;
	uint32_t idx;
	uint8_t proto;
	uint8_t dir;
	uint8_t used;
} frag;

/* A lookup key in the packet's direction. */
typedef struct key {
	kb_ip a, b;
	uint16_t pa, pb;
	uint16_t extra;
	uint8_t proto;
} key;

struct kb_sess {
	int64_t timeout[NLISTS];
	int64_t active_us;
	uint32_t max_active;
	sess **chunk;
	uint32_t nchunk;
	uint32_t used;            /* slots ever handed out */
	uint32_t free_head;
	uint32_t *bucket;
	uint32_t nbucket;         /* a power of two */
	uint32_t head[NLISTS], tail[NLISTS];
	uint64_t seed;
	uint64_t serial;
	int64_t now;
	bool have_now;
	uint64_t pktno;
	kb_sess_stats st;
	frag frag[KB_SESS_FRAG_SLOTS];
};

static inline sess *S(const kb_sess *s, uint32_t i)
{
	return &s->chunk[i >> SESS_CHUNK_BITS][i & (SESS_CHUNK - 1)];
}

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- parsing --------------------------------------------------------------------------- */

static void ip_from_v4(kb_ip *a, const uint8_t *p)
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, p, 4);
}

static bool is_ported(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 1 || proto == 58;
}

/* The transport header at p (avail bytes). */
static int parse_l4(const uint8_t *p, size_t avail, kb_pkt *k)
{
	switch (k->proto) {
	case 6:
		if (avail < 20)
			return -1;
		if ((p[12] >> 4) < 5)
			return KB_EPARSE;
		k->sport = be16(p);
		k->dport = be16(p + 2);
		k->tcp_flags = p[13];
		break;
	case 17: {
		if (avail < 8)
			return -1;
		k->sport = be16(p);
		k->dport = be16(p + 2);
		size_t ulen = be16(p + 4);
		k->payload = p + 8;
		k->payload_len = avail - 8;
		if (ulen >= 8 && ulen - 8 < k->payload_len)
			k->payload_len = ulen - 8;
		break;
	}
	case 1:
	case 58:
		if (avail < 4)
			return -1;
		k->sport = p[0];
		k->dport = p[1];
		break;
	default:
		return 0;
	}
	k->ports_ok = true;
	return 0;
}

int kb_pkt_parse(const uint8_t *ip, size_t caplen, size_t wire_len, kb_pkt *ret)
{
	kb_pkt k;
	memset(&k, 0, sizeof k);
	if (caplen < 1)
		return KB_EPARSE;
	if (wire_len < caplen)
		wire_len = caplen;
	size_t off, avail = caplen;
	k.version = ip[0] >> 4;
	if (k.version == 4) {
		if (caplen < 20)
			return KB_EPARSE;
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		size_t tot = be16(ip + 2);
		if (ihl < 20 || ihl > caplen || (tot && tot < ihl))
			return KB_EPARSE;
		k.ip_len = tot ? tot : wire_len;
		if (tot && tot < avail)
			avail = tot;
		uint16_t fr = be16(ip + 6);
		k.fragmented = (fr & 0x3fff) != 0;
		k.frag_later = (fr & 0x1fff) != 0;
		k.frag_id = be16(ip + 4);
		k.proto = ip[9];
		ip_from_v4(&k.src, ip + 12);
		ip_from_v4(&k.dst, ip + 16);
		off = ihl;
	} else if (k.version == 6) {
		if (caplen < 40)
			return KB_EPARSE;
		size_t plen = be16(ip + 4);
		k.ip_len = plen ? 40 + plen : wire_len;
		if (plen && 40 + plen < avail)
			avail = 40 + plen;
		memcpy(k.src.b, ip + 8, 16);
		memcpy(k.dst.b, ip + 24, 16);
		uint8_t nh = ip[6];
		off = 40;
		for (unsigned n = 0; nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60; n++) {
			if (n >= KB_SESS_MAX_EXT_HEADERS || avail - off < 8)
				return KB_EPARSE;
			const uint8_t *h = ip + off;
			size_t len;
			if (nh == 44) {
				uint16_t fo = be16(h + 2);
				k.fragmented = true;
				k.frag_later = (fo >> 3) != 0;
				k.frag_id = be32(h + 4);
				len = 8;
			} else if (nh == 51) {
				len = ((size_t)h[1] + 2) * 4;
			} else {
				len = ((size_t)h[1] + 1) * 8;
			}
			if (len > avail - off)
				return KB_EPARSE;
			nh = h[0];
			off += len;
			if (k.frag_later)
				break;
		}
		k.proto = nh;
	} else {
		return KB_EPARSE;
	}
	k.ported = is_ported(k.proto);
	if (!k.frag_later) {
		int r = parse_l4(ip + off, avail - off, &k);
		if (r == KB_EPARSE || (r < 0 && !k.fragmented))
			return KB_EPARSE;
	}
	*ret = k;
	return 0;
}

/* ---- keys ------------------------------------------------------------------------------ */

/* ICMP types of a request/reply pair map to the request's type. */
static uint16_t icmp_class(uint8_t proto, uint16_t type)
{
	if (proto == 1) {
		switch (type) {
		case 0: return 8;
		case 14: return 13;
		case 16: return 15;
		case 18: return 17;
		case 9: return 10;
		default: return type;
		}
	}
	switch (type) {
	case 129: return 128;
	case 134: return 133;
	case 136: return 135;
	default: return type;
	}
}

static void sess_key(const sess *x, key *k)
{
	k->a = x->a[0];
	k->b = x->a[1];
	k->proto = x->proto;
	if (x->tcpst & T_IPONLY) {
		k->pa = k->pb = 0;
		k->extra = EXTRA_IPONLY;
	} else if (x->proto == 1 || x->proto == 58) {
		k->pa = k->pb = 0;
		k->extra = icmp_class(x->proto, x->port[0]);
	} else {
		k->pa = x->port[0];
		k->pb = x->port[1];
		k->extra = 0;
	}
}

static inline uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static int endpoint_cmp(const kb_ip *a, uint16_t pa, const kb_ip *b, uint16_t pb)
{
	int c = memcmp(a->b, b->b, 16);
	if (c)
		return c;
	return (int)pa - (int)pb;
}

static uint64_t word(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* The same for both directions of a key. */
static uint32_t key_hash(const kb_sess *s, const key *k)
{
	const kb_ip *lo = &k->a, *hi = &k->b;
	uint16_t plo = k->pa, phi = k->pb;
	if (endpoint_cmp(lo, plo, hi, phi) > 0) {
		lo = &k->b;
		hi = &k->a;
		plo = k->pb;
		phi = k->pa;
	}
	uint64_t h = s->seed;
	h = mix(h ^ word(lo->b));
	h = mix(h ^ word(lo->b + 8));
	h = mix(h ^ word(hi->b));
	h = mix(h ^ word(hi->b + 8));
	h = mix(h ^ ((uint64_t)plo << 40 | (uint64_t)phi << 24 | (uint64_t)k->extra << 8 | k->proto));
	return (uint32_t)h;
}

static bool ip_eq(const kb_ip *a, const kb_ip *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

/* 0: the key's direction is orig->resp, 1: resp->orig, -1: another session. */
static int key_match(const sess *x, const key *k)
{
	key sk;
	sess_key(x, &sk);
	if (sk.proto != k->proto || sk.extra != k->extra)
		return -1;
	if (sk.pa == k->pa && sk.pb == k->pb && ip_eq(&sk.a, &k->a) && ip_eq(&sk.b, &k->b))
		return 0;
	if (sk.pa == k->pb && sk.pb == k->pa && ip_eq(&sk.a, &k->b) && ip_eq(&sk.b, &k->a))
		return 1;
	return -1;
}

/* ---- table and lists ------------------------------------------------------------------- */

static uint32_t lookup(const kb_sess *s, const key *k, int *ret_dir)
{
	uint32_t h = key_hash(s, k);
	for (uint32_t i = s->bucket[h & (s->nbucket - 1)]; i != NIL; i = S(s, i)->hnext) {
		int d = key_match(S(s, i), k);
		if (d >= 0) {
			*ret_dir = d;
			return i;
		}
	}
	return NIL;
}

static void hash_insert(kb_sess *s, uint32_t i)
{
	key k;
	sess_key(S(s, i), &k);
	uint32_t *b = &s->bucket[key_hash(s, &k) & (s->nbucket - 1)];
	S(s, i)->hnext = *b;
	*b = i;
}

static void hash_remove(kb_sess *s, uint32_t i)
{
	key k;
	sess_key(S(s, i), &k);
	uint32_t *p = &s->bucket[key_hash(s, &k) & (s->nbucket - 1)];
	while (*p != i) {
		assert(*p != NIL); /* every open session is in the table under its key */
		p = &S(s, *p)->hnext;
	}
	*p = S(s, i)->hnext;
}

static void list_unlink(kb_sess *s, uint32_t i)
{
	sess *x = S(s, i);
	if (x->prev != NIL)
		S(s, x->prev)->next = x->next;
	else
		s->head[x->list] = x->next;
	if (x->next != NIL)
		S(s, x->next)->prev = x->prev;
	else
		s->tail[x->list] = x->prev;
}

static void list_append(kb_sess *s, uint32_t i, uint8_t l)
{
	sess *x = S(s, i);
	x->list = l;
	x->next = NIL;
	x->prev = s->tail[l];
	if (s->tail[l] != NIL)
		S(s, s->tail[l])->next = i;
	else
		s->head[l] = i;
	s->tail[l] = i;
}

/* Double the bucket array while sessions outnumber buckets; a failed
 * allocation only leaves chains longer. */
static void maybe_grow(kb_sess *s)
{
	if (s->st.active <= s->nbucket || s->nbucket >= (1u << 31))
		return;
	uint32_t n = s->nbucket * 2;
	uint32_t *b = malloc((size_t)n * sizeof *b);
	if (!b)
		return;
	free(s->bucket);
	s->bucket = b;
	s->nbucket = n;
	memset(b, 0xff, (size_t)n * sizeof *b);
	for (int l = 0; l < NLISTS; l++)
		for (uint32_t i = s->head[l]; i != NIL; i = S(s, i)->next)
			hash_insert(s, i);
}

static uint32_t slot_alloc(kb_sess *s)
{
	uint32_t i = s->free_head;
	if (i != NIL) {
		s->free_head = S(s, i)->hnext;
		return i;
	}
	if (s->used >= s->max_active)
		return NIL;
	i = s->used;
	uint32_t c = i >> SESS_CHUNK_BITS;
	if (!s->chunk[c]) {
		s->chunk[c] = malloc(SESS_CHUNK * sizeof(sess));
		if (!s->chunk[c])
			return NIL;
	}
	s->used++;
	return i;
}

static void slot_free(kb_sess *s, uint32_t i)
{
	sess *x = S(s, i);
	x->list = L_FREE;
	x->hnext = s->free_head;
	s->free_head = i;
}

/* ---- TCP state ------------------------------------------------------------------------- */

static const char *tcp_state(const sess *x)
{
	uint8_t t = x->tcpst;
	bool o_open = (t & T_O_SYN) || ((t & T_SA_FIRST) && x->pkts[0] > 0);
	bool r_open = t & T_R_SA;
	if (t & T_R_RST) {
		if ((t & T_O_SYN) && !r_open)
			return "REJ";
		return o_open ? "RSTR" : "RSTRH";
	}
	if (t & T_O_RST) {
		if (!r_open)
			return (t & T_O_SYN) ? "RSTOS0" : "OTH";
		return "RSTO";
	}
	if ((t & T_O_FIN) && (t & T_R_FIN))
		return "SF";
	if (t & T_O_FIN)
		return r_open ? "S2" : "SH";
	if (t & T_R_FIN)
		return o_open ? "S3" : "SHR";
	if ((t & T_O_SYN) && !r_open && x->pkts[1] == 0)
		return "S0";
	if (o_open && r_open)
		return "S1";
	return "OTH";
}

static bool is_tcp(const sess *x)
{
	return x->proto == 6 && !(x->tcpst & T_IPONLY);
}

static uint8_t list_for(const sess *x)
{
	if (!is_tcp(x))
		return L_SHORT;
	uint8_t t = x->tcpst;
	if (((t & T_O_FIN) && (t & T_R_FIN)) || (t & (T_O_RST | T_R_RST)))
		return L_CLOSE;
	if ((t & T_R_SA) && (t & (T_O_SYN | T_SA_FIRST)))
		return L_LONG;
	if (!(t & T_O_SYN) && x->pkts[0] && x->pkts[1])
		return L_LONG;
	return L_SHORT;
}

/* ---- ending sessions ------------------------------------------------------------------- */

static void to_flow(const sess *x, uint8_t flags, kb_flow *f)
{
	memset(f, 0, sizeof *f);
	f->start_us = x->first_us;
	f->duration_us = x->last_us - x->first_us;
	f->orig = x->a[0];
	f->resp = x->a[1];
	f->orig_port = x->port[0];
	f->resp_port = x->port[1];
	f->proto = x->proto;
	f->flags = flags;
	if (is_tcp(x)) {
		f->flags |= KB_FLOW_HAS_STATE;
		strcpy(f->state, tcp_state(x));
	}
	f->orig_bytes = x->bytes[0];
	f->resp_bytes = x->bytes[1];
	f->orig_pkts = x->pkts[0];
	f->resp_pkts = x->pkts[1];
	f->tcp_flags = (uint8_t)(x->tcpf[0] | x->tcpf[1]);
	f->line = x->line;
}

static int emit(const kb_flow_sink *sink, const kb_flow *f)
{
	if (!sink || !sink->flow)
		return 0;
	return sink->flow(sink->ctx, f);
}

/* End session i: it leaves the table before the sink sees it. */
static int end_sess(kb_sess *s, uint32_t i, uint8_t flags, const kb_flow_sink *sink)
{
	kb_flow f;
	to_flow(S(s, i), flags, &f);
	hash_remove(s, i);
	list_unlink(s, i);
	slot_free(s, i);
	s->st.active--;
	s->st.sessions++;
	return emit(sink, &f);
}

static int sweep(kb_sess *s, const kb_flow_sink *sink)
{
	for (int l = 0; l < NLISTS; l++) {
		while (s->head[l] != NIL && s->now - S(s, s->head[l])->last_us >= s->timeout[l]) {
			int r = end_sess(s, s->head[l], 0, sink);
			if (r)
				return r;
		}
	}
	return 0;
}

static int evict(kb_sess *s, const kb_flow_sink *sink)
{
	uint32_t best = NIL;
	for (int l = 0; l < NLISTS; l++) {
		uint32_t h = s->head[l];
		if (h != NIL && (best == NIL || S(s, h)->last_us < S(s, best)->last_us))
			best = h;
	}
	if (best == NIL)
		return 0;
	s->st.evicted++;
	return end_sess(s, best, KB_FLOW_PARTIAL, sink);
}

/* ---- counting -------------------------------------------------------------------------- */

static void touch(kb_sess *s, uint32_t i, int dir, int64_t ts, uint64_t ip_len)
{
	sess *x = S(s, i);
	x->bytes[dir] += ip_len;
	x->pkts[dir]++;
	if (ts < x->first_us)
		x->first_us = ts;
	if (ts > x->last_us)
		x->last_us = ts;
}

static void tcp_track(sess *x, int dir, uint8_t fl)
{
	x->tcpf[dir] |= fl;
	bool syn = fl & TH_SYN, ack = fl & TH_ACK;
	if (dir == 0) {
		if (syn && !ack)
			x->tcpst |= T_O_SYN;
		if (fl & TH_FIN)
			x->tcpst |= T_O_FIN;
		if (fl & TH_RST)
			x->tcpst |= T_O_RST;
	} else {
		if (syn && ack)
			x->tcpst |= T_R_SA;
		if (fl & TH_FIN)
			x->tcpst |= T_R_FIN;
		if (fl & TH_RST)
			x->tcpst |= T_R_RST;
	}
}

static void relist(kb_sess *s, uint32_t i)
{
	list_unlink(s, i);
	list_append(s, i, list_for(S(s, i)));
}

/* A new session for key k, whose packet has ports sp, dp (ICMP: type and
 * code); flip: the packet's sender is the responder. */
static int create(kb_sess *s, const key *k, uint16_t sp, uint16_t dp, bool flip, int64_t ts,
                  const kb_flow_sink *sink, uint32_t *ret)
{
	if (s->st.active >= s->max_active) {
		int r = evict(s, sink);
		if (r)
			return r;
	}
	uint32_t i = slot_alloc(s);
	if (i == NIL)
		return KB_ENOMEM;
	sess *x = S(s, i);
	memset(x, 0, sizeof *x);
	x->a[0] = flip ? k->b : k->a;
	x->a[1] = flip ? k->a : k->b;
	x->port[0] = flip ? dp : sp;
	x->port[1] = flip ? sp : dp;
	x->proto = k->proto;
	if (k->extra == EXTRA_IPONLY)
		x->tcpst = T_IPONLY;
	x->first_us = x->last_us = ts;
	x->line = s->pktno;
	x->serial = ++s->serial;
	s->st.active++;
	hash_insert(s, i);
	list_append(s, i, L_SHORT);
	maybe_grow(s);
	*ret = i;
	return 0;
}

/* Later fragments: to their first fragment's session when it is known. */
static bool frag_match(kb_sess *s, const kb_pkt *p, int64_t ts)
{
	const frag *g = &s->frag[p->frag_id & (KB_SESS_FRAG_SLOTS - 1)];
	if (!g->used || g->id != p->frag_id || g->proto != p->proto || !ip_eq(&g->src, &p->src) ||
	    !ip_eq(&g->dst, &p->dst) || g->idx >= s->used)
		return false;
	sess *x = S(s, g->idx);
	if (x->list == L_FREE || x->serial != g->serial)
		return false;
	touch(s, g->idx, g->dir, ts, p->ip_len);
	relist(s, g->idx);
	return true;
}

static void frag_remember(kb_sess *s, const kb_pkt *p, uint32_t i, int dir)
{
	frag *g = &s->frag[p->frag_id & (KB_SESS_FRAG_SLOTS - 1)];
	g->src = p->src;
	g->dst = p->dst;
	g->id = p->frag_id;
	g->proto = p->proto;
	g->idx = i;
	g->serial = S(s, i)->serial;
	g->dir = (uint8_t)dir;
	g->used = 1;
}

int kb_sess_packet(kb_sess *s, int64_t ts_us, const uint8_t *ip, size_t caplen, size_t wire_len,
                   const kb_flow_sink *sink, kb_error *err)
{
	if (ts_us > TS_LIMIT)
		ts_us = TS_LIMIT;
	if (ts_us < -TS_LIMIT)
		ts_us = -TS_LIMIT;
	uint64_t no = s->pktno;
	s->st.packets++;
	if (!s->have_now || ts_us > s->now) {
		s->now = ts_us;
		s->have_now = true;
	}
	int r = sweep(s, sink);
	if (r) {
		s->pktno = no + 1;
		return r;
	}
	r = 0;
	kb_pkt p;
	if (!ip || kb_pkt_parse(ip, caplen, wire_len, &p) < 0) {
		s->st.malformed++;
		goto out;
	}
	if (p.frag_later) {
		s->st.fragments++;
		if (frag_match(s, &p, ts_us)) {
			s->st.frag_matched++;
			goto out;
		}
	}
	key k;
	memset(&k, 0, sizeof k);
	k.a = p.src;
	k.b = p.dst;
	k.proto = p.proto;
	if (p.ported && !p.ports_ok) {
		k.extra = EXTRA_IPONLY;
	} else if (p.proto == 1 || p.proto == 58) {
		k.extra = icmp_class(p.proto, p.sport);
	} else if (p.ported) {
		k.pa = p.sport;
		k.pb = p.dport;
	}
	bool tcp = p.proto == 6 && p.ports_ok;
	bool syn = tcp && (p.tcp_flags & TH_SYN), ack = tcp && (p.tcp_flags & TH_ACK);
	int dir = 0;
	uint32_t i = lookup(s, &k, &dir);
	if (i != NIL && tcp && syn && !ack && S(s, i)->list == L_CLOSE) {
		r = end_sess(s, i, 0, sink);
		i = NIL;
		if (r)
			goto out;
	}
	if (i != NIL && ts_us - S(s, i)->first_us >= s->active_us) {
		sess *x = S(s, i);
		kb_flow f;
		to_flow(x, KB_FLOW_PARTIAL, &f);
		s->st.sessions++;
		memset(x->bytes, 0, sizeof x->bytes);
		memset(x->pkts, 0, sizeof x->pkts);
		memset(x->tcpf, 0, sizeof x->tcpf);
		x->first_us = x->last_us = ts_us;
		x->line = no;
		x->serial = ++s->serial;
		r = emit(sink, &f);
		if (r)
			goto out;
	}
	if (i == NIL) {
		bool flip = false;
		if (tcp && syn && ack)
			flip = true;
		else if (((tcp && !syn) || (p.proto == 17 && p.ports_ok)) && p.sport < 1024 && p.dport >= 1024)
			flip = true;
		uint16_t sp = 0, dp = 0;
		if (k.extra != EXTRA_IPONLY && p.ported) {
			sp = p.sport;
			dp = p.dport;
		}
		r = create(s, &k, sp, dp, flip, ts_us, sink, &i);
		if (r) {
			if (r == KB_ENOMEM)
				kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "out of memory for a new session");
			goto out;
		}
		dir = flip;
		if (tcp && syn && ack)
			S(s, i)->tcpst |= T_SA_FIRST;
	}
	touch(s, i, dir, ts_us, p.ip_len);
	if (tcp)
		tcp_track(S(s, i), dir, p.tcp_flags);
	relist(s, i);
	if (p.fragmented && !p.frag_later && p.ports_ok)
		frag_remember(s, &p, i, dir);
out:
	s->pktno = no + 1;
	return r;
}

/* ---- the rest of the API --------------------------------------------------------------- */

int kb_sess_new(const kb_sess_opts *opts, kb_sess **ret)
{
	kb_sess_opts o = { 0 };
	if (opts)
		o = *opts;
	if (o.idle_us < 0 || o.tcp_idle_us < 0 || o.active_us < 0 || o.max_active > KB_SESS_MAX_ACTIVE)
		return KB_EINVAL;
	kb_sess *s = calloc(1, sizeof *s);
	if (!s)
		return KB_ENOMEM;
	s->timeout[L_SHORT] = o.idle_us ? o.idle_us : KB_SESS_IDLE_US;
	s->timeout[L_LONG] = o.tcp_idle_us ? o.tcp_idle_us : KB_SESS_TCP_IDLE_US;
	s->timeout[L_CLOSE] = KB_SESS_CLOSE_US;
	s->active_us = o.active_us ? o.active_us : KB_SESS_ACTIVE_US;
	s->max_active = o.max_active ? o.max_active : KB_SESS_MAX_ACTIVE;
	s->nchunk = (s->max_active + SESS_CHUNK - 1) / SESS_CHUNK;
	s->chunk = calloc(s->nchunk, sizeof *s->chunk);
	s->nbucket = HASH_MIN;
	s->bucket = malloc(HASH_MIN * sizeof *s->bucket);
	if (!s->chunk || !s->bucket) {
		kb_sess_free(s);
		return KB_ENOMEM;
	}
	memset(s->bucket, 0xff, HASH_MIN * sizeof *s->bucket);
	for (int l = 0; l < NLISTS; l++)
		s->head[l] = s->tail[l] = NIL;
	s->free_head = NIL;
	s->pktno = 1;
	if (getrandom(&s->seed, sizeof s->seed, GRND_NONBLOCK) != (ssize_t)sizeof s->seed)
		s->seed = mix((uint64_t)(uintptr_t)s ^ (uint64_t)time(NULL));
	*ret = s;
	return 0;
}

void kb_sess_free(kb_sess *s)
{
	if (!s)
		return;
	if (s->chunk)
		for (uint32_t c = 0; c < s->nchunk; c++)
			free(s->chunk[c]);
	free(s->chunk);
	free(s->bucket);
	free(s);
}

void kb_sess_set_packet_number(kb_sess *s, uint64_t n)
{
	s->pktno = n;
}

static int by_serial(const void *a, const void *b, void *ctx)
{
	const kb_sess *s = ctx;
	uint64_t x = S(s, *(const uint32_t *)a)->serial, y = S(s, *(const uint32_t *)b)->serial;
	return x < y ? -1 : x > y;
}

int kb_sess_flush(kb_sess *s, const kb_flow_sink *sink)
{
	size_t n = s->st.active, k = 0;
	if (!n)
		return 0;
	uint32_t *v = malloc(n * sizeof *v);
	if (!v) {
		/* oldest first is a nicety; without memory for it, list order */
		for (int l = 0; l < NLISTS; l++)
			while (s->head[l] != NIL) {
				int r = end_sess(s, s->head[l], 0, sink);
				if (r)
					return r;
			}
		return 0;
	}
	for (int l = 0; l < NLISTS; l++)
		for (uint32_t i = s->head[l]; i != NIL; i = S(s, i)->next)
			v[k++] = i;
	qsort_r(v, k, sizeof *v, by_serial, s);
	int r = 0;
	for (size_t j = 0; j < k && !r; j++)
		r = end_sess(s, v[j], 0, sink);
	free(v);
	return r;
}

void kb_sess_get_stats(const kb_sess *s, kb_sess_stats *ret)
{
	*ret = s->st;
}
