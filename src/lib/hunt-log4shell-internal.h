/*
 * hunt-log4shell-internal.h - what the Log4Shell detector's three files share:
 * the decoding layers (hunt-log4shell-decode.c), the lookup evaluator
 * (hunt-log4shell-eval.c) and the driver (hunt-log4shell.c).
 *
 * Decoded text travels with a map: map[i] is the byte offset in the original
 * line of the first input byte that produced decoded byte i, and map[n] is the
 * offset just past the decoded text, so a decoded span [s, e) came from the
 * line's bytes [map[s], map[e]).
 */
#ifndef KOBAN_HUNT_LOG4SHELL_INTERNAL_H
#define KOBAN_HUNT_LOG4SHELL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "koban/log4shell.h"
#include "util-buf.h"

#define L4S_NO_MATCH UINT32_MAX

/* One round of every decoding layer over in[0..n) into out (capacity >= n;
 * the decoding never grows). omap gets n_out + 1 entries. *flags gains the
 * KB_L4S_T_* bits of the layers that changed something; *url_pct is set when
 * a URL decoding produced a '%'. Returns the decoded length. */
size_t l4s_decode_round(const uint8_t *in, const uint32_t *imap, size_t n, uint8_t *out,
                        uint32_t *omap, uint32_t *flags, bool *url_pct);

/* Base64 (standard or URL-safe alphabet, padding optional) from `in` until the
 * first byte outside the alphabet or '='; returns the bytes written to out
 * (capacity >= n * 3 / 4 + 3) and the input consumed in *ret_used. */
size_t l4s_b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t *ret_used);
bool l4s_is_b64(uint8_t c);

/* Match table: for each "${" at i, match[i] is the index of its '}' (stack
 * matching, like Log4j's nested count), else L4S_NO_MATCH. Entries not at a
 * "${" are L4S_NO_MATCH. O(n). */
void l4s_match(const uint8_t *s, size_t n, uint32_t *match);

/* What the evaluation of one top-level expression found. */
typedef struct l4s_found {
	uint32_t tags;
	uint32_t limits;
	bool jndi;              /* a jndi lookup with a known protocol */
	bool t4s;               /* a Commons Text script/url/dns lookup */
	bool recursion;         /* a $${ escape evaluated again */
	bool escape_seen;
	char t4s_kind[8];       /* "script", "url", "dns" */
	kb_buf name;            /* the jndi name / Text4Shell argument, evaluated */
} l4s_found;

typedef struct l4s_eval {
	kb_buf name[KB_L4S_MAX_DEPTH + 1];
	kb_buf val[KB_L4S_MAX_DEPTH + 1];
	uint32_t *match[KB_L4S_MAX_DEPTH + 1]; /* KB_L4S_MAX_OUTPUT entries each, lazily */
	size_t steps;
	l4s_found *found;
} l4s_eval;

void l4s_eval_init(l4s_eval *ev);
void l4s_eval_free(l4s_eval *ev);

/* Evaluate s[lo..hi) (match is the table of all of s) into out, appending.
 * Returns 0 or KB_ENOMEM; limits are recorded in f->limits. */
int l4s_eval_text(l4s_eval *ev, const uint8_t *s, const uint32_t *match, size_t lo, size_t hi,
                  kb_buf *out, l4s_found *f);

/* Protocols a jndi name may start with; true when `name` starts with one
 * followed by ':' (the protocol, lower-cased, in proto[16]). */
bool l4s_jndi_protocol(const char *name, size_t n, char proto[16]);

/* UTF-8 case mapping as Java's toLowerCase/toUpperCase do for the letters
 * that matter (ASCII, Latin-1, ı ſ K Å ß İ and the ﬀ..ﬆ ligatures); bytes that
 * are not UTF-8 are copied. Sets *folded when a non-ASCII letter became ASCII. */
int l4s_case_map(const uint8_t *s, size_t n, bool upper, kb_buf *out, bool *folded);

#endif
