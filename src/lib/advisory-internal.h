/*
 * advisory-internal.h - what the advisory readers share: an owner that keeps
 * the parsed JSON alive (strings point into it) and every array allocated for
 * the advisory, so kb_advisory_free() releases all of it at once.
 */
#ifndef KOBAN_ADVISORY_INTERNAL_H
#define KOBAN_ADVISORY_INTERNAL_H

#include "koban/advisory.h"

#include "util-buf.h"

#include <jansson.h>

typedef struct kb_adv_owner {
	json_t *root;
	void **blocks;
	size_t n, cap;
} kb_adv_owner;

/* A new advisory with an owner holding `root` (the reference is taken). */
kb_advisory *kb_adv_new(json_t *root);
/* calloc n * size bytes owned by the advisory; NULL on failure. */
void *kb_adv_alloc(kb_advisory *a, size_t n, size_t size);

/* A JSON path for errors, built as the reader descends ("affected[1].ranges"). */
typedef struct kb_jpath {
	char buf[256];
	size_t len;
} kb_jpath;

void kb_jpath_key(kb_jpath *p, const char *key, size_t *ret_mark);
void kb_jpath_index(kb_jpath *p, size_t i, size_t *ret_mark);
void kb_jpath_back(kb_jpath *p, size_t mark);

/* A reader's state: the document's name, the advisory being filled, where it
 * is in the document, and the caller's error. */
typedef struct kb_adv_reader {
	const char *name;
	kb_advisory *a;
	kb_jpath path;
	kb_error *err;
} kb_adv_reader;

/* Fill err with the current path and `what`; returns code. */
int kb_adv_bad(kb_adv_reader *o, int code, const char *what);
/* obj[key] as a string, NULL when absent; another type sets *r to an error. */
const char *kb_adv_str(kb_adv_reader *o, json_t *obj, const char *key, int *r);
/* obj[key] as an owned array of strings. */
int kb_adv_str_array(kb_adv_reader *o, json_t *obj, const char *key, const char *const **ret, size_t *ret_n);
/* Read an "affected" array (absent or null: none) into o->a->affected, one
 * entry per element with `fn`, each under its path ("affected[3]"). */
typedef int (*kb_adv_entry_fn)(kb_adv_reader *o, json_t *e, kb_advisory_affected *out);
int kb_adv_affected_array(kb_adv_reader *o, json_t *aff, kb_adv_entry_fn fn);

/* Parse a document of at most KB_ADVISORY_MAX_BYTES that must be a JSON object. */
int kb_adv_load(const char *name, const void *data, size_t len, const char *what, json_t **ret, kb_error *err);

/* The compact record of an advisory (advisory-pack.c): appended to b. A
 * change to the record's layout bumps KB_PACK_VERSION; records of another
 * version do not unpack (KB_EINVAL) and the document is read instead. */
#define KB_PACK_VERSION 2
int kb_adv_pack(const kb_advisory *a, kb_buf *b);
/* The advisory a record holds, in one allocation; KB_EINVAL when the record
 * is damaged or of another version. *ret is the caller's. */
int kb_adv_unpack(const void *data, size_t len, kb_advisory **ret);

#endif
