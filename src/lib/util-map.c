/*
 * util-map.c - see util-map.h. Invariant: n < cap * 3 / 4 whenever cap > 0,
 * so every probe sequence ends at an empty slot.
 */
#include "util-map.h"
#include "koban/koban.h"

#include <stdlib.h>
#include <string.h>

uint64_t kb_map_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static kb_map_slot *find(const kb_map *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		kb_map_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

void *kb_map_get(const kb_map *m, const void *key, size_t len)
{
	if (!m->cap)
		return NULL;
	kb_map_slot *s = find(m, kb_map_hash(key, len), key, len);
	return s->key ? s->val : NULL;
}

static int grow(kb_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	kb_map_slot *old = m->slots;
	size_t ocap = m->cap;
	m->slots = calloc(cap, sizeof *m->slots);
	if (!m->slots) {
		m->slots = old;
		return KB_ENOMEM;
	}
	m->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			*find(m, old[i].hash, old[i].key, old[i].len) = old[i];
	free(old);
	return 0;
}

int kb_map_put(kb_map *m, const void *key, size_t len, void *val, void **ret_old)
{
	if ((m->n + 1) * 4 >= m->cap * 3) {
		int r = grow(m);
		if (r < 0)
			return r;
	}
	uint64_t h = kb_map_hash(key, len);
	kb_map_slot *s = find(m, h, key, len);
	if (s->key) {
		if (ret_old)
			*ret_old = s->val;
		s->val = val;
		return 0;
	}
	char *k = malloc(len + 1);
	if (!k)
		return KB_ENOMEM;
	memcpy(k, key, len);
	k[len] = '\0';
	*s = (kb_map_slot){ h, k, len, val };
	m->n++;
	if (ret_old)
		*ret_old = NULL;
	return 0;
}

void kb_map_free(kb_map *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key) {
			free(m->slots[i].key);
			if (free_val)
				free_val(m->slots[i].val);
		}
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
