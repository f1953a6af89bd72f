/*
 * ioc-internal.h - what the IOC readers share: the reader's state (the
 * document's name, the sink, a JSON path for errors and reports) and the
 * helpers that normalise a value and hand it on, or report it unsupported.
 */
#ifndef KOBAN_IOC_INTERNAL_H
#define KOBAN_IOC_INTERNAL_H

#include "koban/ioc.h"

#include "advisory-internal.h" /* kb_jpath */

#include <jansson.h>

typedef struct kb_ioc_reader {
	const char *name;
	const kb_ioc_sink *sink;
	kb_error *err;
	kb_jpath path;
	size_t n_unsupported;
} kb_ioc_reader;

/* How specific a type is: an AND or a composite keeps its most specific
 * parts (hash 6 ... port 0). CIDRs rank below addresses. */
int kb_ioc_rank(kb_ioc_type t, const char *value);

/* Hand one IOC to the sink (source set to the reader's name). */
int kb_ioc_emit(kb_ioc_reader *rd, kb_ioc *ioc);
/* Report something that is not an IOC koban can match, at the current path. */
void kb_ioc_unsup(kb_ioc_reader *rd, const char *ref, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A located error at the current JSON path; returns code. */
int kb_ioc_bad(kb_ioc_reader *rd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parse a JSON document (object or array), errors located by line and column. */
int kb_ioc_json_load(kb_ioc_reader *rd, const void *data, size_t len, json_t **ret);

/* Undo defanging into out: "[.]" "(.)" "[dot]" → ".", "[:]" → ":", "[@]"
 * "[at]" → "@", a leading "hxxp" → "http", "fxp" → "ftp". Returns the length,
 * or (size_t)-1 when out (size bytes) is too small. */
size_t kb_ioc_refang(const char *s, size_t n, char *out, size_t size);

/* Lower the builder's KB_IOC_SET_MAX (tests hit the limit with it). */
void kb_ioc_set_builder_limit(kb_ioc_set_builder *b, size_t max);

/* kb_ioc_tokens() the slow, obvious way (every byte classified, every run
 * read): the reference the fast walk is tested and fuzzed against. */
int kb_ioc_tokens_bytewise(const char *line, size_t len, kb_ioc_token_fn fn, void *ctx);

/* A 0..128 prefix parser and IP helpers shared by the set and the tokens. */
bool kb_ioc_parse_ipv4(const char *s, size_t n, uint32_t *ret);
bool kb_ioc_parse_ipv6(const char *s, size_t n, uint8_t ret[16]);
bool kb_ioc_is_domain(const char *s, size_t n);

int kb_ioc_read_stix(kb_ioc_reader *rd, const void *data, size_t len);
int kb_ioc_read_misp(kb_ioc_reader *rd, const void *data, size_t len);
int kb_ioc_read_csv(kb_ioc_reader *rd, const void *data, size_t len);
int kb_ioc_read_list(kb_ioc_reader *rd, const void *data, size_t len);

#endif
