/*
 * ioc.h - indicators of compromise: reading them (STIX 2.1, MISP, CSV, plain
 * lists), keeping them in the store, and matching tokens of log lines against
 * them.
 *
 * An IOC is a (type, value) pair with where it came from and how long it
 * counts. Every reader normalises the value the same way (kb_ioc_normalize):
 * domains lower-case without a trailing dot, IPv4/IPv6 canonical (RFC 5952),
 * a CIDR as its network address ("10.0.0.0/8"; a /32 or /128 is a plain
 * address), hashes lower-case hex of their exact length, URLs with scheme and
 * host lower-cased, e-mail addresses lower-case. Defanged spellings
 * ("hxxp://", "evil[.]com", "a[@]b.c") are refanged first.
 *
 * What is not an IOC koban can match is never dropped silently: readers report
 * it to the `unsupported` callback with the object's id or line and a reason,
 * and count it. A file that is not well-formed (JSON syntax, a bundle whose
 * `objects` is not an array, a CSV row with the wrong number of fields) gives
 * a located error and imports nothing.
 *
 * Revoked and expired IOCs are stored, marked (revoked, valid_until), so that
 * the store keeps what each file said; kb_iocs_load() leaves them out of the
 * matching set, as it does IOCs with to_ids false (MISP's context attributes).
 *
 * A matching set (kb_ioc_set) is built once and then read-only, so any number
 * of threads may look up in it at once. Every lookup costs the same whatever
 * the size of the set: hash lookups for exact values (a domain is looked up
 * once per label suffix), a binary search of disjoint ranges for CIDRs.
 */
#ifndef KOBAN_IOC_H
#define KOBAN_IOC_H

#include "koban/koban.h"
#include "koban/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits (koban-iocs(1) LIMITS). */
#define KB_IOC_MAX_FILE_BYTES (256u << 20)     /* one IOC file */
#define KB_IOC_MAX_VALUE_BYTES 2048u           /* one value (a URL is the longest) */
#define KB_IOC_MAX_LINE_BYTES 65536u           /* one line of a plain list or CSV record */
#define KB_IOC_MAX_COLUMNS 64                  /* fields of one CSV record */
#define KB_STIX_PATTERN_MAX_BYTES 65536u       /* one STIX pattern */
#define KB_STIX_PATTERN_MAX_DEPTH 32           /* nested parentheses in a pattern */
#define KB_STIX_PATTERN_MAX_TERMS 4096u        /* comparisons (and IN members) in a pattern */
#define KB_STIX_PATTERN_MAX_AND 64             /* comparisons joined by AND at one level */
#define KB_MISP_MAX_EVENTS 100000u             /* events in one MISP response */
#define KB_IOC_SET_MAX 50000000u               /* IOCs in one matching set */

typedef enum kb_ioc_type {
	KB_IOC_NONE = 0,
	KB_IOC_IPV4,       /* "198.51.100.7" or "198.51.100.0/24" */
	KB_IOC_IPV6,       /* "2001:db8::1" or "2001:db8::/32" */
	KB_IOC_DOMAIN,     /* matches the domain and every name below it */
	KB_IOC_URL,        /* exact URL */
	KB_IOC_URL_PREFIX, /* any URL that starts with the value (STIX LIKE 'http://x/%') */
	KB_IOC_MD5,
	KB_IOC_SHA1,
	KB_IOC_SHA256,
	KB_IOC_FILENAME,   /* exact, case-sensitive */
	KB_IOC_EMAIL,
	KB_IOC_PORT,       /* "4444" */
	KB_IOC_TYPE_COUNT
} kb_ioc_type;

/* "ipv4", "ipv6", "domain", "url", "url-prefix", "md5", "sha1", "sha256",
 * "file-name", "email", "port"; "none" for anything else. */
const char *kb_ioc_type_name(kb_ioc_type t);
/* The type a name gives: koban's names above, MISP's attribute types
 * (ip-dst, ip-src, hostname, filename, email-src...) and STIX object types
 * (ipv4-addr, domain-name, email-addr...), case-insensitive; KB_IOC_NONE when
 * unknown. "ip" gives KB_IOC_IPV4 (the value decides: see kb_ioc_normalize). */
kb_ioc_type kb_ioc_type_named(const char *name);

/* One IOC. Strings are borrowed (valid during the callback that hands it
 * over, or for the life of the set that holds it); NULL when not given.
 * Dates are as the source wrote them (ISO 8601), compared as text by date. */
typedef struct kb_ioc {
	kb_ioc_type type;
	const char *value;       /* normalised */
	const char *source;      /* the file's name as given to the import */
	const char *first_seen;
	const char *last_seen;
	const char *valid_until; /* NULL: no end */
	int confidence;          /* 0..100, -1 when not given */
	bool revoked;
	bool to_ids;             /* meant for detection (MISP to_ids; true elsewhere) */
	const char *ref;         /* STIX indicator/object id, MISP attribute uuid, CSV id */
	const char *label;       /* name, description or comment */
	uint64_t line;           /* where in the source it was read, 0 when unknown */
} kb_ioc;

/* Normalise `s` (n bytes) as an IOC of type *type into out (size bytes,
 * NUL-terminated). KB_IOC_IPV4 and KB_IOC_IPV6 accept either family and set
 * *type to the one found. 0, or KB_EINVAL when the value is not one of that
 * type (or longer than KB_IOC_MAX_VALUE_BYTES, or than out). */
int kb_ioc_normalize(kb_ioc_type *type, const char *s, size_t n, char *out, size_t size);

/* The type of a bare value, as a plain list line is read: IPv4/IPv6 with an
 * optional /prefix, URL (scheme://), e-mail, 32/40/64 hex digits, domain.
 * The normalised value goes to out. KB_EINVAL when it is none of these. */
int kb_ioc_detect(const char *s, size_t n, kb_ioc_type *ret_type, char *out, size_t size);

typedef enum kb_ioc_format {
	KB_IOC_FMT_AUTO = 0,
	KB_IOC_FMT_STIX,
	KB_IOC_FMT_MISP,
	KB_IOC_FMT_CSV,
	KB_IOC_FMT_LIST,
} kb_ioc_format;

const char *kb_ioc_format_name(kb_ioc_format f); /* "auto", "stix", "misp", "csv", "list" */
/* The format of a document from its bytes: JSON with a STIX `type` → stix,
 * JSON with Event/response/Attribute → misp, a first line naming a `value`
 * (or indicator/ioc) column → csv, anything else → list. */
kb_ioc_format kb_ioc_sniff(const void *data, size_t len);

/* Something a reader saw and cannot turn into an IOC. Borrowed. */
typedef struct kb_ioc_unsupported {
	const char *source;
	const char *ref;    /* object id, attribute uuid; NULL for list lines */
	const char *where;  /* JSON path ("objects[3]") or NULL */
	uint64_t line;      /* 1-based line, 0 when unknown */
	const char *reason; /* one sentence */
} kb_ioc_unsupported;

/* Where a reader sends what it reads. `ioc` may fail (its code aborts the
 * read); `unsupported` may be NULL. Both get borrowed records. */
typedef struct kb_ioc_sink {
	int (*ioc)(const kb_ioc *ioc, void *ctx);
	void (*unsupported)(const kb_ioc_unsupported *u, void *ctx);
	void *ctx;
	size_t *n_ignored; /* may be NULL; counts what is skipped on purpose: STIX
	                    * objects that are neither indicators nor observables
	                    * (identity, relationship, report...), MISP attributes
	                    * marked deleted */
} kb_ioc_sink;

/* Read one document (at most KB_IOC_MAX_FILE_BYTES) named `name` in format
 * fmt (AUTO: kb_ioc_sniff) and hand each IOC and each unsupported thing to
 * the sink, in document order. A malformed document fails with a located
 * error; IOCs already handed over are the caller's to discard. */
int kb_ioc_parse(const char *name, const void *data, size_t len, kb_ioc_format fmt, const kb_ioc_sink *sink,
                 kb_error *err);

/* The STIX pattern parser, on its own. Each IOC the pattern says is handed
 * to fn (type and normalised value) once the whole pattern is read; nothing
 * is handed over when the pattern fails. KB_EPARSE: not in the grammar;
 * KB_EINVAL: in the grammar but not a pattern koban can match (err->msg says
 * why; err->column is the 1-based column in the pattern); KB_ELIMIT. What is
 * supported: observations [...] joined by OR (AND, FOLLOWEDBY between
 * observations and qualifiers are not), inside one observation =, IN, LIKE
 * (a domain '%.x' suffix, a URL 'x%' prefix, no wildcard = equality) and
 * ISSUBSET (CIDR) on ipv4-addr:value, ipv6-addr:value, domain-name:value,
 * url:value, file:hashes.MD5/'SHA-1'/'SHA-256', file:name,
 * email-addr:value, email-message:from_ref.value, network-traffic:dst_port,
 * network-traffic:dst_ref.value and src_ref.value, joined by AND and OR with
 * parentheses. An OR gives the IOCs of all its sides. An AND holds only when
 * all its sides do, so matching any one side finds a superset of what it
 * describes: it gives the IOCs of its most specific sides (hash, then URL
 * and e-mail, then domain and address, then CIDR, file name, port), and a
 * side koban cannot match (file:size > 10) is left out of an AND, never out
 * of an OR. NOT, !=, <, >, MATCHES, ISSUPERSET, EXISTS are not supported. */
typedef int (*kb_stix_term_fn)(kb_ioc_type type, const char *value, void *ctx);
int kb_stix_pattern_parse(const char *pattern, size_t len, kb_stix_term_fn fn, void *ctx, kb_error *err);

/* --- the store ------------------------------------------------------ */

typedef struct kb_ioc_import_stats {
	kb_ioc_format format;
	size_t imported;    /* rows written (after merging duplicates: see below) */
	size_t read;        /* IOCs the reader handed over */
	size_t unsupported; /* reported through the callback */
	size_t revoked;     /* stored, but never matched */
	size_t expired;     /* stored, valid_until before `today` */
	size_t context;     /* stored with to_ids false: not matched */
	size_t ignored;     /* STIX objects that are not indicators or observables
	                     * (identity, relationship, report...), MISP deleted attributes */
	bool replaced;      /* the file had been imported before */
} kb_ioc_import_stats;

typedef struct kb_ioc_import_opts {
	kb_ioc_format format;
	const char *today; /* "YYYY-MM-DD" for the expired count; NULL: the UTC date now */
	void (*unsupported)(const kb_ioc_unsupported *u, void *ctx);
	void *ctx;
} kb_ioc_import_opts;

/* Import one IOC document into the store in one transaction: what this
 * source (the name as given) said before is deleted first, so re-importing a
 * file replaces it. The same (type, value) twice in one file is one row:
 * revoked only if every mention is, to_ids if any is, the latest valid_until
 * (none beats any), the highest confidence, the earliest first_seen and
 * latest last_seen, the first ref and label. opts may be NULL (auto format,
 * no callback). On failure nothing of the file is kept. */
int kb_iocs_import_mem(kb_store *s, const char *name, const void *data, size_t len,
                       const kb_ioc_import_opts *opts, kb_ioc_import_stats *ret, kb_error *err);
int kb_iocs_import_file(kb_store *s, const char *path, const kb_ioc_import_opts *opts,
                        kb_ioc_import_stats *ret, kb_error *err);

/* Add or merge IOCs found rather than imported (Log4Shell callback hosts
 * seen by `koban hunt`), each under its own source, without deleting what
 * that source said before: merged as an import merges duplicates. Values
 * are normalised; KB_EINVAL (nothing kept) when one is not of its type. */
int kb_iocs_put(kb_store *s, const kb_ioc *iocs, size_t n, kb_error *err);

/* Count the stored IOCs (all sources). */
int kb_iocs_count(kb_store *s, int64_t *ret, kb_error *err);

/* --- matching sets -------------------------------------------------- */

typedef struct kb_ioc_set kb_ioc_set;

/* A set of the live IOCs in the store: not revoked, to_ids true, valid_until
 * absent or not before `today` ("YYYY-MM-DD"; NULL: the UTC date now). When
 * the same value comes from several sources one of them stands for it.
 * *ret is the caller's, freed with kb_ioc_set_free(). */
int kb_iocs_load(kb_store *s, const char *today, kb_ioc_set **ret, kb_error *err);

/* Build a set from IOCs in memory (copied; every one is taken, whatever its
 * revoked/to_ids/valid_until: filtering is the caller's). Values must be
 * normalised (KB_EINVAL otherwise). More than KB_IOC_SET_MAX gives KB_ELIMIT. */
typedef struct kb_ioc_set_builder kb_ioc_set_builder;
int kb_ioc_set_builder_new(kb_ioc_set_builder **ret);
int kb_ioc_set_add(kb_ioc_set_builder *b, const kb_ioc *ioc);
/* Consumes the builder (also on failure). */
int kb_ioc_set_build(kb_ioc_set_builder *b, kb_ioc_set **ret);
kb_ioc_set_builder *kb_ioc_set_builder_free(kb_ioc_set_builder *b);

kb_ioc_set *kb_ioc_set_free(kb_ioc_set *set);
size_t kb_ioc_set_size(const kb_ioc_set *set);

/* Lookups: the matching IOC (borrowed from the set) or NULL. Safe from any
 * number of threads at once. The string forms take log bytes as they are
 * (any case; a domain may end in a dot); a hash's type is its length. */
const kb_ioc *kb_ioc_match_ipv4(const kb_ioc_set *set, uint32_t addr); /* host byte order */
const kb_ioc *kb_ioc_match_ipv6(const kb_ioc_set *set, const uint8_t addr[16]);
const kb_ioc *kb_ioc_match_domain(const kb_ioc_set *set, const char *s, size_t n);
const kb_ioc *kb_ioc_match_hash(const kb_ioc_set *set, const char *hex, size_t n);
const kb_ioc *kb_ioc_match_url(const kb_ioc_set *set, const char *s, size_t n);
const kb_ioc *kb_ioc_match_email(const kb_ioc_set *set, const char *s, size_t n);
const kb_ioc *kb_ioc_match_filename(const kb_ioc_set *set, const char *s, size_t n);
const kb_ioc *kb_ioc_match_port(const kb_ioc_set *set, unsigned port);

/* --- tokens of a line ----------------------------------------------- */

/* A token found in a line: its type is what it looks like (KB_IOC_IPV4,
 * IPV6, DOMAIN, URL, EMAIL, MD5, SHA1, SHA256), at byte `offset`. */
typedef struct kb_ioc_token {
	kb_ioc_type type;
	const char *s; /* points into the line */
	size_t len;
	size_t offset;
} kb_ioc_token;

/* Return non-zero to stop; that value is returned by kb_ioc_tokens. */
typedef int (*kb_ioc_token_fn)(const kb_ioc_token *t, void *ctx);

/* Find the tokens of a line on their boundaries: URLs (scheme://...), then,
 * left to right, IPv6 and IPv4 literals, e-mail addresses, domains (two or
 * more labels, an alphabetic top-level label) and runs of exactly 32, 40 or
 * 64 hex digits. A token is never part of a longer one of its kind: the
 * digits and dots of "1.2.3.4.5" or "11.2.3.4" hold no 1.2.3.4, and a 33-digit
 * hex run holds no MD5. Letters, digits, '.', '-' and ':' continue a token;
 * anything else ends it ('_' too, so "id_<md5>" holds the MD5). The host of
 * a URL and the domain of an e-mail address are reported too. */
int kb_ioc_tokens(const char *line, size_t len, kb_ioc_token_fn fn, void *ctx);

/* A token against the set: IPs parsed (an IPv4-mapped IPv6 address also as
 * IPv4), a domain token also tried as a file name ("dropper.exe" looks like
 * a domain). The matching IOC or NULL. */
const kb_ioc *kb_ioc_match_token(const kb_ioc_set *set, const kb_ioc_token *t);

#ifdef __cplusplus
}
#endif
#endif
