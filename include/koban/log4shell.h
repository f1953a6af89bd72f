/*
 * log4shell.h - the Log4Shell detector behind `koban hunt`.
 *
 * Given one log line (bytes, not necessarily UTF-8, no terminator needed),
 * kb_l4s_scan() finds every exploitation attempt in it, decodes it the way
 * Log4j would and classifies it:
 *
 *   1. a pre-filter (kb_l4s_prefilter) rejects the ordinary line: it looks for
 *      two-byte anchors of the few things that can start a payload ("${",
 *      "$%", "%24", "%25", "\u0024", "\044", "&#36;", the base64 forms of
 *      "${jndi:", "${JNDI:", "${${", "${lower:", "${upper:", "${env:",
 *      "${base64:" at the three byte alignments) or a sign that a lookup ran
 *      (success strings, the second-stage ".class" fetch);
 *   2. URL (%XX, %uXXXX), backslash (\uXXXX, \xXX, \NN and \NNN octal, any run
 *      of backslashes before them) and HTML (&#NN; &#xHH; &dollar; &lbrace;
 *      &rbrace; &lcub; &rcub; &colon; &sol; &amp;) decoding, repeated until
 *      nothing changes (at most KB_L4S_MAX_DECODE_ROUNDS rounds);
 *   3. lookups evaluated innermost first with Log4j's rules: "$${" escapes,
 *      the default after the first ":-", unknown or empty lookups give their
 *      default (or stay as written when they have none), lower/upper with the
 *      Unicode mappings that land in ASCII (ı→I, ſ→S, K→k, ß→SS, ligatures),
 *      date patterns ('j' → j), base64, and the value of a lookup evaluated
 *      again (which is what makes CVE-2021-45105's recursion work);
 *   4. a jndi lookup whose name starts with a known protocol (ldap, ldaps,
 *      rmi, dns, iiop, corba, nds, nis, http, https) is a hit; so are Commons
 *      Text's script/url/dns lookups (Text4Shell) and a "$${" escape whose
 *      result is evaluated again (recursion, CVE-2021-45105).
 *
 * Whole payloads in base64 tokens (e.g. "Authorization: Basic ...") are
 * decoded from the marker's alignment and run through the same pipeline. In a
 * JSON line ('{' first), the string values of the object are also evaluated
 * concatenated, so a payload split across fields is found (tag JSON_SPLIT).
 * Payloads split across keys, or across lines, are not found.
 *
 * A line is analysed in segments of KB_L4S_SEGMENT bytes that overlap by
 * KB_L4S_MAX_EXPR, only where the pre-filter fired; a payload longer than
 * KB_L4S_MAX_EXPR bytes is not found.
 *
 * Ownership: a kb_l4s holds all the working memory and the hits of the last
 * scan; hits and their strings are borrowed from it until the next
 * kb_l4s_scan() or kb_l4s_free(). A kb_l4s is not thread-safe: use one per
 * thread.
 */
#ifndef KOBAN_LOG4SHELL_H
#define KOBAN_LOG4SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "koban/koban.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits (each has a test that hits it). */
#define KB_L4S_MAX_DECODE_ROUNDS 8   /* URL/escape/HTML decoding rounds per segment */
#define KB_L4S_MAX_DEPTH 16          /* nesting of lookups (and re-evaluations of values) */
#define KB_L4S_MAX_EXPR 8192         /* bytes of one lookup expression, "${" to "}" */
#define KB_L4S_MAX_OUTPUT 16384      /* bytes one evaluation may produce */
#define KB_L4S_MAX_STEPS (1u << 20)  /* evaluator work units per segment */
#define KB_L4S_SEGMENT 65536         /* bytes analysed at once */
#define KB_L4S_MAX_HITS 32           /* hits kept per line */
#define KB_L4S_MAX_EXFIL 8           /* exfiltrated lookups kept per hit */
#define KB_L4S_MAX_B64_TOKENS 16     /* base64 tokens decoded per segment */

/* Which limits were reached (kb_l4s_hit.limits, kb_l4s_limits()). */
enum {
	KB_L4S_LIMIT_ROUNDS = 1u << 0,
	KB_L4S_LIMIT_DEPTH = 1u << 1,
	KB_L4S_LIMIT_EXPR = 1u << 2,
	KB_L4S_LIMIT_OUTPUT = 1u << 3,
	KB_L4S_LIMIT_STEPS = 1u << 4,
	KB_L4S_LIMIT_HITS = 1u << 5,
	KB_L4S_LIMIT_EXFIL = 1u << 6,
	KB_L4S_LIMIT_SEGMENT = 1u << 7,
};

typedef enum kb_l4s_class {
	KB_L4S_ATTEMPT = 0,      /* an exploitation attempt */
	KB_L4S_SCANNER,          /* an attempt whose callback or payload names a known scanner */
	KB_L4S_SUCCESS,          /* the log shows the object of a lookup that ran */
	KB_L4S_SECOND_STAGE,     /* the .class fetch that follows a successful lookup */
} kb_l4s_class;

typedef enum kb_l4s_family {
	KB_L4S_LOG4SHELL = 0,    /* Log4j lookups: CVE-2021-44228, -45046, -45105 */
	KB_L4S_TEXT4SHELL,       /* Commons Text lookups: CVE-2022-42889 */
} kb_l4s_family;

/* Evasion tags: what had to be undone to see the payload. */
enum {
	KB_L4S_T_URL = 1u << 0,           /* %XX */
	KB_L4S_T_URL_MULTI = 1u << 1,     /* %2524: URL decoding more than once */
	KB_L4S_T_UNICODE_ESC = 1u << 2,   /* \u0024, %u0024 */
	KB_L4S_T_OCTAL_ESC = 1u << 3,     /* \044, \44, \x24 */
	KB_L4S_T_HTML = 1u << 4,          /* &#36; &dollar; */
	KB_L4S_T_BASE64_WHOLE = 1u << 5,  /* the payload was in a base64 token */
	KB_L4S_T_JSON_SPLIT = 1u << 6,    /* split across JSON string values */
	KB_L4S_T_CASE = 1u << 7,          /* jndi or protocol not in lower case */
	KB_L4S_T_LOWER_UPPER = 1u << 8,   /* ${lower:} / ${upper:} */
	KB_L4S_T_UNICODE_FOLD = 1u << 9,  /* a non-ASCII letter case-mapped into ASCII */
	KB_L4S_T_DEFAULT = 1u << 10,      /* empty or unknown lookup with a default */
	KB_L4S_T_ENV_DEFAULT = 1u << 11,  /* env/sys/main/spring/... lookup with a default */
	KB_L4S_T_DATE = 1u << 12,         /* ${date:'j'} */
	KB_L4S_T_BASE64_LOOKUP = 1u << 13,/* ${base64:...} */
	KB_L4S_T_NESTED = 1u << 14,       /* lookups inside lookups */
	KB_L4S_T_HASH_BYPASS = 1u << 15,  /* 127.0.0.1#evil.host */
	KB_L4S_T_EXFIL = 1u << 16,        /* lookups in the callback name */
	KB_L4S_T_RECURSION = 1u << 17,    /* $${ escapes evaluated again */
	KB_L4S_T_EXPLOIT_KIT = 1u << 18,  /* /Basic/Command/Base64/... and friends */
};
#define KB_L4S_TAG_COUNT 19

typedef struct kb_l4s_hit {
	size_t offset;            /* byte offset of the payload's start in the line */
	size_t raw_len;           /* its length in the line */
	const char *raw;          /* the payload as it is in the line (NUL-terminated copy) */
	const char *decoded;      /* after decoding and evaluation, e.g. "${jndi:ldap://h/a}" */
	kb_l4s_family family;
	kb_l4s_class cls;
	uint32_t tags;            /* KB_L4S_T_* */
	uint32_t limits;          /* KB_L4S_LIMIT_* reached while decoding this payload */
	const char *cve;          /* "CVE-2021-44228", "-45046" (# bypass), "-45105", "CVE-2022-42889" */
	const char *protocol;     /* lower case: "ldap", ...; "" when none */
	const char *host;         /* the real callback host, as written (lookups kept); "" */
	const char *host_decoy;   /* the part before '#' in the 45046 bypass; "" */
	const char *domain;       /* host without leading labels made by lookups; "" */
	int port;                 /* -1 when none */
	const char *path;         /* from the first '/' after the host; "" */
	const char *exfil[KB_L4S_MAX_EXFIL]; /* lookups in the callback, as written */
	size_t n_exfil;
	const char *command;      /* exploit-kit command (decoded /Base64/ segment), script; "" */
	const char *indicator;    /* scanner name, success sign or .class name matched; "" */
} kb_l4s_hit;

typedef struct kb_l4s kb_l4s;

/* A detector; NULL when out of memory. Caller frees with kb_l4s_free(). */
kb_l4s *kb_l4s_new(void);
/* Accepts NULL; returns NULL. */
kb_l4s *kb_l4s_free(kb_l4s *d);

/* True when the line holds anything that could start a payload or a sign of
 * success. False means kb_l4s_scan() would find nothing. Pure and fast. */
bool kb_l4s_prefilter(const kb_l4s *d, const void *line, size_t len);

/* Every hit in `line`, ordered by offset. On success *ret_hits (borrowed
 * until the next scan) and *ret_n are set; 0 hits is success. Returns
 * KB_ENOMEM when working memory could not be had. Reaching a limit is not an
 * error: what was found is returned and kb_l4s_limits() says which. */
int kb_l4s_scan(kb_l4s *d, const void *line, size_t len, const kb_l4s_hit **ret_hits,
                size_t *ret_n);

/* KB_L4S_LIMIT_* reached during the last scan. */
uint32_t kb_l4s_limits(const kb_l4s *d);

/* Names: "attempt", "scanner", "success", "second-stage"; "log4shell",
 * "text4shell"; a tag bit's name ("url", "lower-upper", ...), NULL for a
 * value that is not one tag bit. */
const char *kb_l4s_class_name(kb_l4s_class c);
const char *kb_l4s_family_name(kb_l4s_family f);
const char *kb_l4s_tag_name(uint32_t tag);

#ifdef __cplusplus
}
#endif
#endif
