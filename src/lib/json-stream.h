/*
 * json-stream.h - read a large JSON document one item at a time.
 *
 * SBOMs and ledger exports hold a million components in one array; loading
 * them whole would make memory grow with the file. The stream walks the
 * document with yajl's event parser and hands over, one at a time, each value
 * of the top-level object the caller wants: an array is handed over element by
 * element, anything else whole, as a jansson value the stream owns (valid
 * during the callback). Values the caller does not want are parsed (the
 * document must still be valid JSON) but never built.
 *
 * Every object built gets a location (line, column of its '{'), which
 * kb_jstream_locate() returns during the callback, so an error about a
 * component nested three levels deep still names its exact line.
 *
 * Limits: nesting depth KB_JSON_MAX_DEPTH; one item at most
 * KB_JSON_MAX_ITEM_BYTES of input; both give KB_ELIMIT with a location.
 */
#ifndef KOBAN_JSON_STREAM_H
#define KOBAN_JSON_STREAM_H

#include "ledger-import.h"

#include <jansson.h>

#define KB_JSON_MAX_DEPTH 64
#define KB_JSON_MAX_ITEM_BYTES (64u << 20)

typedef struct kb_jstream kb_jstream;

typedef struct kb_jstream_item {
	const char *key;     /* top-level key */
	json_t *value;       /* borrowed; lives until the callback returns */
	bool element;        /* an element of a top-level array */
	size_t index;        /* its index when element */
	uint64_t line, column;
} kb_jstream_item;

/* Should the value of top-level `key` be built? */
typedef bool (*kb_jstream_want_fn)(const char *key, void *ctx);
/* Inside an item, should the value of object key `key` (len bytes, not
 * NUL-terminated) be built? A refused value is still parsed (the document
 * must be valid) but costs no memory: an SBOM reader keeps the six fields it
 * reads and skips licenses, hashes, properties and the like. */
typedef bool (*kb_jstream_keep_fn)(const char *key, size_t len, void *ctx);
/* Handle one item; return 0 or a negative code with err filled (use
 * kb_jstream_locate for the location). */
typedef int (*kb_jstream_item_fn)(kb_jstream *js, const kb_jstream_item *it, void *ctx);

/* Run the stream over rd. `keep` may be NULL (build everything). Errors
 * (syntax, limits, callback failures) are located in c->err. */
int kb_jstream_run(kb_import_ctx *c, kb_jstream_want_fn want, kb_jstream_keep_fn keep, kb_jstream_item_fn fn,
                   void *ctx);

/* Where an object of the current item began (obj NULL: the item itself);
 * false when unknown. */
bool kb_jstream_locate(kb_jstream *js, const json_t *obj, uint64_t *line, uint64_t *column);

/* Fill c->err at the location of obj (or of the item when obj is unknown). */
int kb_jstream_fail(kb_jstream *js, const json_t *obj, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* obj[key] as a string: NULL when absent or null; when it is another type,
 * *r gets a located KB_EINVAL ("\"key\": expected a string") and NULL is
 * returned. *r is left alone otherwise, so several calls can share it. */
const char *kb_jstream_string(kb_jstream *js, json_t *obj, const char *key, int *r);

#endif
