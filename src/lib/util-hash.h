/*
 * util-hash.h - the one 64-bit hash of byte strings the in-memory tables
 * use (the IOC set, the detection engine's hosts and pairs, detectors' own
 * sets): eight bytes at a time, two multiply-xorshift rounds per word and a
 * final avalanche. Not for anything an attacker can steer into collisions
 * through a persistent table: every table it serves is rebuilt per run
 * and bounded by its own limit.
 */
#ifndef KOBAN_UTIL_HASH_H
#define KOBAN_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t kb_hash64(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ 0x9E3779B97F4A7C15ull ^ n;
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		s += 8;
		n -= 8;
	}
	uint64_t v = 0;
	memcpy(&v, s, n);
	h = (h ^ v) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

#endif
