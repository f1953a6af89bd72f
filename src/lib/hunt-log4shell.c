/*
 * hunt-log4shell.c - the Log4Shell detector's driver: pre-filter, segments,
 * the decode/evaluate pipeline, base64 and JSON variants, success and
 * second-stage signs, and the hit records (see koban/log4shell.h).
 *
 * Pre-filter. Every trigger (a literal that can start a payload or a sign)
 * has one anchor: a two-byte pair inside it, chosen to be rare in log text
 * (for short triggers by hand, for the rest by a letter-frequency score). A
 * 64 Ki-bit table says which pairs are anchors, so an ordinary line costs
 * one table probe per byte; a probe that hits is verified against the
 * triggers of that pair (sorted, found by binary search).
 *
 * Segments. Analysis works on at most KB_L4S_SEGMENT bytes at a time, in
 * buffers allocated once per detector: a line up to that size is one
 * segment; a longer one is cut into segments starting at candidates and
 * overlapping by KB_L4S_MAX_EXPR. Hits are deduplicated by offset.
 *
 * Strings of hits live in one arena (a kb_buf); hit records hold offsets
 * into it until the end of the scan, when they become pointers.
 */
#include "hunt-log4shell-internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { K_PAYLOAD, K_B64, K_SUCCESS, K_STAGE };

typedef struct trigger {
	uint16_t pair;
	uint8_t kind;
	uint8_t back;    /* K_B64: characters from the marker to its 4-aligned group */
	uint8_t off;     /* the anchor's offset in s */
	uint8_t len;
	char s[32];
} trigger;

typedef struct hit_rec {
	kb_l4s_hit h;
	size_t o_raw, o_dec, o_proto, o_host, o_decoy, o_domain, o_path, o_cmd, o_ind;
	size_t o_exfil[KB_L4S_MAX_EXFIL];
} hit_rec;

struct kb_l4s {
	uint8_t pairbits[65536 / 8];
	uint8_t first[64];       /* the distinct first bytes of anchors */
	size_t nfirst;
	trigger trig[96];
	size_t ntrig;
	l4s_eval ev;
	l4s_found found;
	kb_buf out;
	uint8_t *a, *b;          /* KB_L4S_SEGMENT + 1 bytes each */
	uint32_t *ma, *mb, *match;
	size_t *segs;
	size_t nsegs, capsegs;
	kb_buf arena;
	hit_rec recs[KB_L4S_MAX_HITS];
	kb_l4s_hit hits[KB_L4S_MAX_HITS];
	size_t nhits;
	uint32_t limits;
	size_t tok_lo, tok_hi;   /* the base64 token being evaluated */
};

/* ---------- triggers and the pre-filter ---------- */

/* First bytes an anchor should start with: rare in log text, so that the
 * vector filter seldom stops. A trigger with none of them keeps its best
 * pair by letter frequency and adds its first byte to the filter. */
static const char preferred_first[] = "$\\&%@JZXQKVWYR";

static int char_score(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || c == ' ')
		return 10;
	if (strchr("/.-=&\":,_", c) && c)
		return 7;
	if (c >= '0' && c <= '9')
		return 5;
	if (c >= 'A' && c <= 'Z')
		return 4;
	return 2;
}

static void add_trigger(kb_l4s *d, int kind, const char *s, size_t len, int off, int back)
{
	if (d->ntrig >= sizeof d->trig / sizeof d->trig[0] || len < 2 || len >= sizeof d->trig[0].s)
		return;
	trigger *t = &d->trig[d->ntrig++];
	memcpy(t->s, s, len);
	t->s[len] = '\0';
	t->len = (uint8_t)len;
	t->kind = (uint8_t)kind;
	t->back = (uint8_t)back;
	if (off < 0) {
		int best = 1 << 30;
		for (size_t i = 0; i + 1 < len; i++) {
			bool pref = s[i] && strchr(preferred_first, s[i]);
			int sc = (pref ? 1 : 1000) * char_score((unsigned char)s[i + 1]);
			if (sc < best) {
				best = sc;
				off = (int)i;
			}
		}
	}
	t->off = (uint8_t)off;
	t->pair = (uint16_t)((unsigned char)s[off] | ((unsigned char)s[off + 1] << 8));
	d->pairbits[t->pair >> 3] |= (uint8_t)(1u << (t->pair & 7));
	if (!memchr(d->first, s[off], d->nfirst) && d->nfirst < sizeof d->first)
		d->first[d->nfirst++] = (uint8_t)s[off];
}

/* Base64 of `plain` after `a` filler bytes: the characters that depend on
 * `plain` alone, and how far back their 4-character group starts. */
static void add_b64_markers(kb_l4s *d, const char *plain)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(plain);
	for (size_t a = 0; a < 3; a++) {
		uint8_t in[32] = {0};
		memcpy(in + a, plain, n);
		size_t bits = (a + n) * 8;
		size_t first = (a * 8 + 5) / 6, last = bits / 6; /* [first, last) */
		char m[24];
		size_t k = 0;
		for (size_t c = first; c < last && k < sizeof m - 1; c++) {
			size_t bit = c * 6;
			unsigned v = 0;
			for (int b = 0; b < 6; b++) {
				size_t x = bit + (size_t)b;
				v = (v << 1) | ((in[x / 8] >> (7 - x % 8)) & 1u);
			}
			m[k++] = al[v];
		}
		add_trigger(d, K_B64, m, k, -1, (int)first);
	}
}

static int cmp_trigger(const void *x, const void *y)
{
	const trigger *a = x, *b = y;
	return (int)a->pair - (int)b->pair;
}

static void setup_triggers(kb_l4s *d)
{
	static const char *const payload[] = {
		"${", "$%", "$\\", "$&", "%24", "%252", "%257", "%u0024", "%U0024", "\\u0024",
		"\\U0024", "\\x24", "\\044", "\\44", "&#36;", "&#x24;", "&#X24;", "&#036;", "&#0036;",
		"&dollar;"};
	for (size_t i = 0; i < sizeof payload / sizeof payload[0]; i++)
		add_trigger(d, K_PAYLOAD, payload[i], strlen(payload[i]), 0, 0);
	static const char *const b64[] = {"${jndi:", "${JNDI:", "${${", "${lower:", "${upper:",
	                                  "${env:", "${base64:", "${date:"};
	for (size_t i = 0; i < sizeof b64 / sizeof b64[0]; i++)
		add_b64_markers(d, b64[i]);
	/* the object names end in '@', whose neighbours are common letters: anchor
	 * them on a capital instead */
	add_trigger(d, K_SUCCESS, "LdapCtx@", 8, 0, 0);
	add_trigger(d, K_SUCCESS, "DnsContext@", 11, 3, 0);
	add_trigger(d, K_SUCCESS, "ELProcessor@", 12, 1, 0);
	add_trigger(d, K_SUCCESS, "GroovyShell@", 12, 6, 0);
	add_trigger(d, K_SUCCESS, "Error looking up JNDI resource", 30, -1, 0);
	add_trigger(d, K_SUCCESS, "BadAttributeValueException", 26, -1, 0);
	add_trigger(d, K_STAGE, "ExecTemplateJDK", 15, -1, 0);
	add_trigger(d, K_STAGE, "Java/1.", 7, 0, 0);
	qsort(d->trig, d->ntrig, sizeof d->trig[0], cmp_trigger);
}

/* The kind of trigger verified at anchor position i, -1 when none;
 * *ret_start gets where the trigger (or its base64 group) starts. */
static int verify(const kb_l4s *d, const uint8_t *p, size_t len, size_t i, uint16_t pair,
                  size_t *ret_start)
{
	size_t lo = 0, hi = d->ntrig;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (d->trig[mid].pair < pair)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->ntrig && d->trig[lo].pair == pair; lo++) {
		const trigger *t = &d->trig[lo];
		if (i < t->off)
			continue;
		size_t s = i - t->off;
		if (s + t->len > len || memcmp(p + s, t->s, t->len) != 0)
			continue;
		if (t->kind == K_B64)
			s = s >= t->back ? s - t->back : 0;
		*ret_start = s;
		return t->kind;
	}
	return -1;
}

static inline bool pair_bit(const kb_l4s *d, uint16_t pair)
{
	return (d->pairbits[pair >> 3] >> (pair & 7)) & 1u;
}

/* The next verified trigger at or after `from`; its anchor position is
 * returned (len when none), kind and start through the pointers. */
static size_t next_trigger(const kb_l4s *d, const uint8_t *p, size_t len, size_t from, int *kind,
                           size_t *start)
{
	size_t i = from;
#ifdef __SSE2__
	/* 16 bytes at a time: positions holding an anchor's first byte */
	__m128i want[sizeof d->first];
	for (size_t k = 0; k < d->nfirst; k++)
		want[k] = _mm_set1_epi8((char)d->first[k]);
	for (; i + 17 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i m = _mm_cmpeq_epi8(v, want[0]);
		for (size_t k = 1; k < d->nfirst; k++)
			m = _mm_or_si128(m, _mm_cmpeq_epi8(v, want[k]));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		while (mask) {
			size_t q = i + (size_t)__builtin_ctz(mask);
			mask &= mask - 1;
			uint16_t pair = (uint16_t)(p[q] | (p[q + 1] << 8));
			if (!pair_bit(d, pair))
				continue;
			int k = verify(d, p, len, q, pair, start);
			if (k >= 0) {
				*kind = k;
				return q;
			}
		}
	}
#endif
	for (; i + 1 < len; i++) {
		uint16_t pair = (uint16_t)(p[i] | (p[i + 1] << 8));
		if (!pair_bit(d, pair))
			continue;
		int k = verify(d, p, len, i, pair, start);
		if (k >= 0) {
			*kind = k;
			return i;
		}
	}
	return len;
}

bool kb_l4s_prefilter(const kb_l4s *d, const void *line, size_t len)
{
	int kind;
	size_t start;
	return next_trigger(d, line, len, 0, &kind, &start) < len;
}

/* ---------- detector life ---------- */

kb_l4s *kb_l4s_new(void)
{
	kb_l4s *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	setup_triggers(d);
	l4s_eval_init(&d->ev);
	kb_buf_init(&d->found.name, KB_L4S_MAX_OUTPUT);
	kb_buf_init(&d->out, KB_L4S_MAX_OUTPUT);
	kb_buf_init(&d->arena, (size_t)64 << 20);
	size_t n = KB_L4S_SEGMENT + 8;
	d->a = malloc(n);
	d->b = malloc(n);
	d->ma = malloc(n * sizeof(uint32_t));
	d->mb = malloc(n * sizeof(uint32_t));
	d->match = malloc(n * sizeof(uint32_t));
	if (!d->a || !d->b || !d->ma || !d->mb || !d->match)
		return kb_l4s_free(d);
	return d;
}

kb_l4s *kb_l4s_free(kb_l4s *d)
{
	if (!d)
		return NULL;
	l4s_eval_free(&d->ev);
	kb_buf_free(&d->found.name);
	kb_buf_free(&d->out);
	kb_buf_free(&d->arena);
	free(d->a);
	free(d->b);
	free(d->ma);
	free(d->mb);
	free(d->match);
	free(d->segs);
	free(d);
	return NULL;
}

uint32_t kb_l4s_limits(const kb_l4s *d)
{
	return d->limits;
}

/* ---------- hit records ---------- */

#define NOSTR SIZE_MAX

static int arena_add(kb_l4s *d, const void *p, size_t n, size_t *ret)
{
	size_t at = d->arena.len;
	int r = kb_buf_append(&d->arena, p, n);
	if (r == 0)
		r = kb_buf_putc(&d->arena, '\0');
	if (r < 0) {
		d->arena.len = at;
		return r;
	}
	*ret = at;
	return 0;
}

static const char *const scanners[] = {
	"nessus", "qualys", "interact.sh", "interactsh", "oast.", "oastify", "canarytoken",
	"dnslog", "burpcollaborator", "ceye.io", "requestbin", "huntress", "leakix", "log4shell.tools",
	"dnsbin", "pipedream.net", NULL};

static const char *scanner_in(const char *s, size_t n)
{
	for (size_t k = 0; scanners[k]; k++) {
		size_t l = strlen(scanners[k]);
		for (size_t i = 0; i + l <= n; i++)
			if (strncasecmp(s + i, scanners[k], l) == 0)
				return scanners[k];
	}
	return NULL;
}

/* Index just past the lookup starting at s[i] ("${"), by brace count. */
static size_t lookup_end(const char *s, size_t n, size_t i)
{
	int depth = 0;
	for (size_t k = i; k < n; k++) {
		if (s[k] == '$' && k + 1 < n && s[k + 1] == '{') {
			depth++;
			k++;
		} else if (s[k] == '}' && --depth == 0) {
			return k + 1;
		}
	}
	return n;
}

/* In s[lo..hi), the first c that is outside lookups; hi when none. */
static size_t find_outside(const char *s, size_t lo, size_t hi, const char *set)
{
	for (size_t k = lo; k < hi; k++) {
		if (s[k] == '$' && k + 1 < hi && s[k + 1] == '{') {
			k = lookup_end(s, hi, k) - 1;
			continue;
		}
		if (strchr(set, s[k]) && s[k])
			return k;
	}
	return hi;
}

/* "proto:" then optional slashes, host[:port], path. */
static int parse_url(kb_l4s *d, hit_rec *r, const char *s, size_t n, bool with_proto)
{
	size_t k = 0;
	int rc;
	if (with_proto) {
		char proto[16];
		if (!l4s_jndi_protocol(s, n, proto)) {
			size_t c = find_outside(s, 0, n, ":");
			if (c >= n)
				return 0;
			size_t pl = c < 15 ? c : 15;
			for (size_t i = 0; i < pl; i++)
				proto[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
			proto[pl] = '\0';
		}
		if ((rc = arena_add(d, proto, strlen(proto), &r->o_proto)))
			return rc;
		k = strlen(proto) + 1;
	}
	while (k < n && s[k] == '/')
		k++;
	size_t hend = find_outside(s, k, n, "/?");
	size_t hash = find_outside(s, k, hend, "#");
	size_t hstart = k;
	if (hash < hend) {
		if ((rc = arena_add(d, s + k, hash - k, &r->o_decoy)))
			return rc;
		r->h.tags |= KB_L4S_T_HASH_BYPASS;
		hstart = hash + 1;
	}
	/* the port: digits after the last ':' outside lookups */
	size_t colon = hend, c = hstart;
	while ((c = find_outside(s, c, hend, ":")) < hend)
		colon = c++;
	size_t hostend = hend;
	if (colon < hend) {
		int port = 0;
		size_t q = colon + 1;
		while (q < hend && s[q] >= '0' && s[q] <= '9' && port < 100000)
			port = port * 10 + (s[q++] - '0');
		if (q == hend && q > colon + 1 && port < 65536) {
			r->h.port = port;
			hostend = colon;
		}
	}
	if ((rc = arena_add(d, s + hstart, hostend - hstart, &r->o_host)))
		return rc;
	size_t dom = hstart;
	for (size_t q = hstart; q < hostend; q++)
		if (s[q] == '}')
			dom = q + 1;
	while (dom < hostend && (s[dom] == '.' || s[dom] == '-'))
		dom++;
	if ((rc = arena_add(d, s + dom, hostend - dom, &r->o_domain)))
		return rc;
	if ((rc = arena_add(d, s + hend, n - hend, &r->o_path)))
		return rc;
	/* exploit kits: JNDIExploit-style paths */
	static const char *const kits[] = {"/Basic/", "/TomcatBypass/", "/GroovyBypass/",
	                                   "/WebsphereBypass/", "/SpringEcho", "/TomcatEcho",
	                                   "/Deserialization/", "/TomcatMemshell", NULL};
	const char *path = s + hend;
	size_t pl = n - hend;
	for (size_t i = 0; kits[i]; i++)
		if (pl >= strlen(kits[i]) && memmem(path, pl, kits[i], strlen(kits[i])))
			r->h.tags |= KB_L4S_T_EXPLOIT_KIT;
	const char *b = memmem(path, pl, "/Base64/", 8);
	if (b) {
		const uint8_t *src = (const uint8_t *)b + 8;
		size_t sl = (size_t)(path + pl - (const char *)src);
		uint8_t *tmp = malloc(sl + 4);
		if (!tmp)
			return KB_ENOMEM;
		size_t dl = l4s_b64_decode(src, sl, tmp, NULL);
		r->h.tags |= KB_L4S_T_EXPLOIT_KIT;
		rc = arena_add(d, tmp, dl, &r->o_cmd);
		free(tmp);
		if (rc)
			return rc;
	}
	return 0;
}

static void collect_exfil(kb_l4s *d, hit_rec *r, const char *s, size_t n)
{
	for (size_t k = 0; k + 1 < n; k++) {
		if (s[k] != '$' || s[k + 1] != '{')
			continue;
		size_t e = lookup_end(s, n, k);
		if (!(e - k > 7 && strncasecmp(s + k + 2, "jndi:", 5) == 0)) {
			if (r->h.n_exfil >= KB_L4S_MAX_EXFIL) {
				d->limits |= KB_L4S_LIMIT_EXFIL;
				r->h.limits |= KB_L4S_LIMIT_EXFIL;
				return;
			}
			if (arena_add(d, s + k, e - k, &r->o_exfil[r->h.n_exfil]) == 0)
				r->h.n_exfil++;
			r->h.tags |= KB_L4S_T_EXFIL;
		}
		k = e - 1;
	}
}

static hit_rec *new_rec(kb_l4s *d, size_t offset)
{
	/* one hit per payload: an offset inside an earlier hit is the same payload
	 * seen again (a base64 token inside ${base64:...}, say) */
	for (size_t i = 0; i < d->nhits; i++) {
		const kb_l4s_hit *h = &d->recs[i].h;
		if (offset == h->offset || (offset > h->offset && offset < h->offset + h->raw_len))
			return NULL;
	}
	if (d->nhits >= KB_L4S_MAX_HITS) {
		d->limits |= KB_L4S_LIMIT_HITS;
		return NULL;
	}
	hit_rec *r = &d->recs[d->nhits];
	memset(r, 0, sizeof *r);
	r->o_raw = r->o_dec = r->o_proto = r->o_host = r->o_decoy = r->o_domain = r->o_path =
		r->o_cmd = r->o_ind = NOSTR;
	r->h.offset = offset;
	r->h.port = -1;
	r->h.cve = "CVE-2021-44228";
	return r;
}

/* Decoding tags of a raw span, by decoding it alone. */
static uint32_t span_tags(kb_l4s *d, const uint8_t *line, size_t lo, size_t hi)
{
	size_t n = hi - lo;
	if (n > KB_L4S_SEGMENT)
		n = KB_L4S_SEGMENT;
	memcpy(d->b, line + lo, n);
	for (size_t i = 0; i <= n; i++)
		d->mb[i] = (uint32_t)i;
	uint32_t flags = 0;
	int url_rounds = 0;
	uint8_t *x = d->b, *y = d->a;
	uint32_t *mx = d->mb, *my = d->ma;
	for (int round = 0; round < KB_L4S_MAX_DECODE_ROUNDS; round++) {
		uint32_t f = 0;
		bool pct = false;
		n = l4s_decode_round(x, mx, n, y, my, &f, &pct);
		if (!f)
			break;
		if (f & KB_L4S_T_URL)
			url_rounds++;
		flags |= f;
		uint8_t *t = x;
		x = y;
		y = t;
		uint32_t *tm = mx;
		mx = my;
		my = tm;
	}
	if (url_rounds > 1)
		flags |= KB_L4S_T_URL_MULTI;
	return flags;
}

/* A hit from an evaluated expression; the raw span is [lo, hi) of `line`. */
static int add_eval_hit(kb_l4s *d, const uint8_t *line, size_t lo, size_t hi, uint32_t extra,
                        bool decode_tags)
{
	l4s_found *f = &d->found;
	hit_rec *r = new_rec(d, lo);
	if (!r)
		return 0;
	int rc;
	r->h.raw_len = hi - lo;
	r->h.tags = f->tags | extra;
	r->h.limits = f->limits;
	if (decode_tags)
		r->h.tags |= span_tags(d, line, lo, hi);
	if ((rc = arena_add(d, line + lo, hi - lo, &r->o_raw)) ||
	    (rc = arena_add(d, d->out.data ? d->out.data : "", d->out.len, &r->o_dec)))
		return rc;
	const char *nm = f->name.data ? f->name.data : "";
	size_t nl = f->name.len;
	if (f->jndi) {
		r->h.family = KB_L4S_LOG4SHELL;
		if ((rc = parse_url(d, r, nm, nl, true)))
			return rc;
		collect_exfil(d, r, nm, nl);
		if (r->h.tags & KB_L4S_T_HASH_BYPASS)
			r->h.cve = "CVE-2021-45046";
	} else if (f->t4s) {
		r->h.family = KB_L4S_TEXT4SHELL;
		r->h.cve = "CVE-2022-42889";
		if (f->t4s_kind[0] == 'u') {
			size_t k = 0;
			while (k < nl && nm[k] != ':')
				k++;
			while (k < nl && nm[k] == ':')
				k++;
			if ((rc = parse_url(d, r, nm + k, nl - k, true)))
				return rc;
		} else if (f->t4s_kind[0] == 'd') {
			const char *bar = memchr(nm, '|', nl);
			size_t hl = nl - (size_t)(bar + 1 - nm);
			if ((rc = arena_add(d, "dns", 3, &r->o_proto)) ||
			    (rc = arena_add(d, bar + 1, hl, &r->o_host)) ||
			    (rc = arena_add(d, bar + 1, hl, &r->o_domain)))
				return rc;
		} else {
			const char *c = memchr(nm, ':', nl);
			size_t cl = nl - (size_t)(c + 1 - nm);
			if ((rc = arena_add(d, c + 1, cl, &r->o_cmd)))
				return rc;
		}
		collect_exfil(d, r, nm, nl);
	} else {
		r->h.family = KB_L4S_LOG4SHELL;
		r->h.cve = "CVE-2021-45105";
	}
	if (f->recursion && !f->jndi && !f->t4s)
		r->h.cve = "CVE-2021-45105";
	const char *sc = scanner_in(d->out.data ? d->out.data : "", d->out.len);
	if (sc) {
		r->h.cls = KB_L4S_SCANNER;
		if ((rc = arena_add(d, sc, strlen(sc), &r->o_ind)))
			return rc;
	}
	d->nhits++;
	return 0;
}

/* ---------- the pipeline over one decoded text ---------- */

/* Decode d->a[0..n) (map d->ma) in rounds; the result is left in d->a. */
static size_t decode_rounds(kb_l4s *d, size_t n, uint32_t *ret_flags)
{
	int round = 0;
	for (;; round++) {
		uint32_t f = 0;
		bool pct = false;
		if (round == KB_L4S_MAX_DECODE_ROUNDS) {
			/* one more round would still change something? */
			(void)l4s_decode_round(d->a, d->ma, n, d->b, d->mb, &f, &pct);
			if (f)
				d->limits |= KB_L4S_LIMIT_ROUNDS;
			break;
		}
		size_t m = l4s_decode_round(d->a, d->ma, n, d->b, d->mb, &f, &pct);
		if (!f)
			break;
		*ret_flags |= f;
		uint8_t *t = d->a;
		d->a = d->b;
		d->b = t;
		uint32_t *tm = d->ma;
		d->ma = d->mb;
		d->mb = tm;
		n = m;
	}
	return n;
}

static bool json_crossing(const uint8_t *line, size_t lo, size_t hi)
{
	for (size_t k = lo; k < hi; k++)
		if (line[k] == '"' && (k == lo || line[k - 1] != '\\'))
			return true;
	return false;
}

enum { MODE_PLAIN, MODE_B64, MODE_JSON };

/* Evaluate every top-level lookup of d->a[0..n); hits refer to `line`. */
static int evaluate(kb_l4s *d, const uint8_t *line, size_t n, int mode, uint32_t seg_flags)
{
	const uint8_t *s = d->a;
	l4s_match(s, n, d->match);
	d->ev.steps = 0;
	size_t i = 0;
	while (i + 1 < n) {
		const uint8_t *p = memchr(s + i, '$', n - 1 - i);
		if (!p)
			break;
		i = (size_t)(p - s);
		uint32_t j = d->match[i];
		if (s[i + 1] != '{' || j == L4S_NO_MATCH || (i > 0 && s[i - 1] == '$')) {
			i++;
			continue;
		}
		l4s_found *f = &d->found;
		f->tags = f->limits = 0;
		f->jndi = f->t4s = f->recursion = f->escape_seen = false;
		f->t4s_kind[0] = '\0';
		kb_buf_reset(&f->name);
		kb_buf_reset(&d->out);
		int rc = l4s_eval_text(&d->ev, s, d->match, i, (size_t)j + 1, &d->out, f);
		if (rc)
			return rc;
		d->limits |= f->limits;
		if (f->jndi || f->t4s || f->recursion) {
			size_t lo = d->ma[i], hi = d->ma[j + 1];
			if (mode == MODE_PLAIN) {
				rc = add_eval_hit(d, line, lo, hi, 0, true);
			} else if (mode == MODE_B64) {
				rc = add_eval_hit(d, line, d->tok_lo, d->tok_hi,
				                  KB_L4S_T_BASE64_WHOLE | seg_flags, false);
			} else if (json_crossing(line, lo, hi)) {
				rc = add_eval_hit(d, line, lo, hi, KB_L4S_T_JSON_SPLIT | seg_flags, false);
			}
			if (rc)
				return rc;
		}
		i = (size_t)j + 1;
	}
	return 0;
}

/* The string values of a JSON object line, concatenated into d->a. */
static size_t json_values(kb_l4s *d, const uint8_t *line, size_t lo, size_t hi)
{
	size_t o = 0, values = 0;
	size_t k = lo;
	while (k < hi) {
		if (line[k] != '"') {
			k++;
			continue;
		}
		size_t st = ++k;
		while (k < hi && line[k] != '"') {
			if (line[k] == '\\' && k + 1 < hi)
				k++;
			k++;
		}
		size_t en = k < hi ? k : hi;
		k++;
		size_t q = k;
		while (q < hi && (line[q] == ' ' || line[q] == '\t'))
			q++;
		if (q < hi && line[q] == ':')
			continue; /* a key */
		memcpy(d->a + o, line + st, en - st);
		for (size_t x = st; x < en; x++)
			d->ma[o++] = (uint32_t)x;
		values++;
	}
	d->ma[o] = (uint32_t)hi;
	return values >= 2 ? o : 0;
}

static int analyse_segment(kb_l4s *d, const uint8_t *line, size_t len, size_t lo, size_t hi)
{
	size_t n = hi - lo;
	memcpy(d->a, line + lo, n);
	for (size_t i = 0; i <= n; i++)
		d->ma[i] = (uint32_t)(lo + i);
	uint32_t flags = 0;
	n = decode_rounds(d, n, &flags);
	int rc = evaluate(d, line, n, MODE_PLAIN, 0);
	if (rc)
		return rc;

	/* whole payloads in base64 tokens */
	size_t pos = lo, tokens = 0;
	int kind;
	size_t start;
	while ((pos = next_trigger(d, line, hi, pos, &kind, &start)) < hi) {
		pos++;
		if (kind != K_B64 || start < lo)
			continue;
		/* decode from the token's start when it is on the marker's alignment */
		size_t tok = start;
		while (tok > lo && l4s_is_b64(line[tok - 1]))
			tok--;
		if ((start - tok) % 4 == 0)
			start = tok;
		if (tokens++ >= KB_L4S_MAX_B64_TOKENS) {
			d->limits |= KB_L4S_LIMIT_SEGMENT;
			break;
		}
		size_t used;
		size_t m = l4s_b64_decode(line + start, hi - start, d->a, &used);
		for (size_t i = 0; i < m; i++)
			d->ma[i] = (uint32_t)start;
		d->ma[m] = (uint32_t)(start + used);
		d->tok_lo = start;
		d->tok_hi = start + used;
		uint32_t bflags = 0;
		m = decode_rounds(d, m, &bflags);
		if ((rc = evaluate(d, line, m, MODE_B64, bflags)))
			return rc;
		if (start + used > pos)
			pos = start + used;
	}

	/* JSON: the object's string values, concatenated */
	size_t k = lo;
	while (k < hi && (line[k] == ' ' || line[k] == '\t'))
		k++;
	if (lo == 0 && k < hi && line[k] == '{') {
		size_t m = json_values(d, line, k, hi);
		if (m) {
			uint32_t jflags = 0;
			m = decode_rounds(d, m, &jflags);
			if ((rc = evaluate(d, line, m, MODE_JSON, jflags)))
				return rc;
		}
	}
	(void)len;
	return 0;
}

/* ---------- signs of success and the second stage ---------- */

static bool is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int sign_hits(kb_l4s *d, const uint8_t *line, size_t len)
{
	static const char *const signs[] = {"com.sun.jndi.ldap.LdapCtx@", "com.sun.jndi.dns.DnsContext@",
	                                    "javax.el.ELProcessor@", "groovy.lang.GroovyShell@",
	                                    "Error looking up JNDI resource",
	                                    "BadAttributeValueException", NULL};
	int rc;
	for (size_t s = 0; signs[s]; s++) {
		size_t sl = strlen(signs[s]);
		size_t pos = 0;
		const uint8_t *p;
		while (pos < len && (p = memmem(line + pos, len - pos, signs[s], sl))) {
			size_t at = (size_t)(p - line), e = at + sl;
			pos = e;
			while (e < len && signs[s][sl - 1] == '@' && is_hex(line[e]))
				e++;
			hit_rec *r = new_rec(d, at);
			if (!r)
				continue;
			r->h.cls = KB_L4S_SUCCESS;
			r->h.raw_len = e - at;
			if ((rc = arena_add(d, line + at, e - at, &r->o_raw)) ||
			    (rc = arena_add(d, line + at, e - at, &r->o_dec)) ||
			    (rc = arena_add(d, signs[s], sl, &r->o_ind)))
				return rc;
			/* "Error looking up JNDI resource [ldap://host/a]" names the callback */
			if (s == 4 && e + 2 < len && line[e] == ' ' && line[e + 1] == '[') {
				const uint8_t *close = memchr(line + e + 2, ']', len - e - 2);
				if (close && (rc = parse_url(d, r, (const char *)line + e + 2,
				                             (size_t)(close - line) - e - 2, true)))
					return rc;
			}
			d->nhits++;
		}
	}
	/* the .class fetch */
	size_t pos = 0;
	const uint8_t *p;
	bool java_ua = memmem(line, len, "Java/1.", 7) != NULL;
	while (pos < len && (p = memmem(line + pos, len - pos, ".class", 6))) {
		size_t e = (size_t)(p - line) + 6;
		pos = e;
		size_t st = (size_t)(p - line);
		while (st > 0 && line[st - 1] != ' ' && line[st - 1] != '"' && line[st - 1] != '\'')
			st--;
		size_t base = st;
		for (size_t q = st; q < (size_t)(p - line); q++)
			if (line[q] == '/')
				base = q + 1;
		size_t bl = (size_t)(p - line) - base;
		bool tmpl = bl == 16 && memcmp(line + base, "ExecTemplateJDK", 15) == 0 &&
		            line[base + 15] >= '5' && line[base + 15] <= '8';
		if (base == st || !(tmpl || java_ua))
			continue;
		hit_rec *r = new_rec(d, st);
		if (!r)
			continue;
		r->h.cls = KB_L4S_SECOND_STAGE;
		r->h.raw_len = e - st;
		if ((rc = arena_add(d, line + st, e - st, &r->o_raw)) ||
		    (rc = arena_add(d, line + st, e - st, &r->o_dec)) ||
		    (rc = arena_add(d, line + st, e - st, &r->o_path)) ||
		    (rc = arena_add(d, line + base, bl + 6, &r->o_ind)))
			return rc;
		d->nhits++;
	}
	return 0;
}

/* ---------- the scan ---------- */

static int cmp_hit(const void *x, const void *y)
{
	const kb_l4s_hit *a = x, *b = y;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static const char *str_at(const kb_l4s *d, size_t o)
{
	return o == NOSTR ? "" : d->arena.data + o;
}

int kb_l4s_scan(kb_l4s *d, const void *line_v, size_t len, const kb_l4s_hit **ret_hits,
                size_t *ret_n)
{
	const uint8_t *line = line_v;
	d->nhits = 0;
	d->limits = 0;
	d->nsegs = 0;
	kb_buf_reset(&d->arena);
	if (len > UINT32_MAX - 2)
		len = UINT32_MAX - 2;

	/* One walk over the triggers: segment starts, and whether signs occur. */
	bool signs = false;
	size_t pos = 0, seg_end = 0;
	int kind;
	size_t start;
	while ((pos = next_trigger(d, line, len, pos, &kind, &start)) < len) {
		pos++;
		if (kind == K_SUCCESS || kind == K_STAGE) {
			signs = true;
			continue;
		}
		if (d->nsegs && start < seg_end)
			continue;
		if (d->nsegs == d->capsegs) {
			size_t cap = d->capsegs ? d->capsegs * 2 : 8;
			size_t *ns = realloc(d->segs, cap * sizeof *ns);
			if (!ns)
				return KB_ENOMEM;
			d->segs = ns;
			d->capsegs = cap;
		}
		size_t lo = len <= KB_L4S_SEGMENT ? 0 : start;
		d->segs[d->nsegs++] = lo;
		seg_end = lo + KB_L4S_SEGMENT - KB_L4S_MAX_EXPR;
		if (lo + KB_L4S_SEGMENT >= len)
			seg_end = len;
	}
	int rc = 0;
	for (size_t s = 0; s < d->nsegs && rc == 0; s++) {
		size_t lo = d->segs[s];
		size_t hi = lo + KB_L4S_SEGMENT < len ? lo + KB_L4S_SEGMENT : len;
		rc = analyse_segment(d, line, len, lo, hi);
	}
	if (rc == 0 && signs)
		rc = sign_hits(d, line, len);
	if (rc == KB_ELIMIT) {
		d->limits |= KB_L4S_LIMIT_OUTPUT;
		rc = 0;
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < d->nhits; i++) {
		hit_rec *r = &d->recs[i];
		kb_l4s_hit *h = &d->hits[i];
		*h = r->h;
		h->raw = str_at(d, r->o_raw);
		h->decoded = str_at(d, r->o_dec);
		h->protocol = str_at(d, r->o_proto);
		h->host = str_at(d, r->o_host);
		h->host_decoy = str_at(d, r->o_decoy);
		h->domain = str_at(d, r->o_domain);
		h->path = str_at(d, r->o_path);
		h->command = str_at(d, r->o_cmd);
		h->indicator = str_at(d, r->o_ind);
		for (size_t k = 0; k < h->n_exfil; k++)
			h->exfil[k] = str_at(d, r->o_exfil[k]);
		for (size_t k = h->n_exfil; k < KB_L4S_MAX_EXFIL; k++)
			h->exfil[k] = NULL;
	}
	qsort(d->hits, d->nhits, sizeof d->hits[0], cmp_hit);
	*ret_hits = d->hits;
	*ret_n = d->nhits;
	return 0;
}

/* ---------- names ---------- */

const char *kb_l4s_class_name(kb_l4s_class c)
{
	switch (c) {
	case KB_L4S_ATTEMPT: return "attempt";
	case KB_L4S_SCANNER: return "scanner";
	case KB_L4S_SUCCESS: return "success";
	case KB_L4S_SECOND_STAGE: return "second-stage";
	}
	return "unknown";
}

const char *kb_l4s_family_name(kb_l4s_family f)
{
	return f == KB_L4S_TEXT4SHELL ? "text4shell" : "log4shell";
}

const char *kb_l4s_tag_name(uint32_t tag)
{
	static const char *const names[KB_L4S_TAG_COUNT] = {
		"url", "url-multi", "unicode-escape", "octal-escape", "html", "base64-whole",
		"json-split", "case", "lower-upper", "unicode-fold", "default", "env-default", "date",
		"base64-lookup", "nested", "hash-bypass", "exfil", "recursion", "exploit-kit"};
	for (int i = 0; i < KB_L4S_TAG_COUNT; i++)
		if (tag == (1u << i))
			return names[i];
	return NULL;
}
