/*
 * advisory-internal.h - what the advisory readers share: an owner that keeps
 * the parsed JSON alive (strings point into it) and every array allocated for
 * the advisory, so kb_advisory_free() releases all of it at once.
 */
#ifndef KOBAN_ADVISORY_INTERNAL_H
#define KOBAN_ADVISORY_INTERNAL_H

#include "koban/advisory.h"

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

#endif
