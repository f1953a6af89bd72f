/*
 * util-map.h - a map from byte-string keys to pointers: open addressing with
 * linear probing, FNV-1a hashes, capacity a power of two kept at most 3/4
 * full. Keys are copied into the map; values are the caller's (kb_map_free
 * calls free_val on each when given). Used where the exposure engine would
 * otherwise ask SQLite or scan a list once per component.
 */
#ifndef KOBAN_UTIL_MAP_H
#define KOBAN_UTIL_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct kb_map_slot {
	uint64_t hash;
	char *key; /* NULL: empty slot */
	size_t len;
	void *val;
} kb_map_slot;

typedef struct kb_map {
	kb_map_slot *slots;
	size_t cap, n;
} kb_map;

uint64_t kb_map_hash(const void *key, size_t len);
/* The value stored under key, or NULL. */
void *kb_map_get(const kb_map *m, const void *key, size_t len);
/* Store val under key (replacing an earlier value, which is returned in
 * *ret_old when given). 0 or KB_ENOMEM: the map is bounded by what its
 * caller puts in it (the ledger's and the store's own limits). */
int kb_map_put(kb_map *m, const void *key, size_t len, void *val, void **ret_old);
void kb_map_free(kb_map *m, void (*free_val)(void *));

#endif
