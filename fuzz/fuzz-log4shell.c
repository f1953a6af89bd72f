/*
 * fuzz-log4shell.c - libFuzzer target for the Log4Shell detector: the input
 * is one log line. Every hit must lie inside the line, its raw copy must be
 * the line's bytes at its offset, hits come ordered by offset, the
 * pre-filter must agree (no hits when it says no), and the same line scanned
 * twice must give the same hits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/log4shell.h"

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kb_l4s *det;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!det && !(det = kb_l4s_new()))
		return 0;
	const kb_l4s_hit *h;
	size_t n;
	CHECK(kb_l4s_scan(det, data, size, &h, &n) == 0);
	CHECK(n <= KB_L4S_MAX_HITS);
	if (!kb_l4s_prefilter(det, data, size))
		CHECK(n == 0);
	size_t prev = 0;
	size_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(h[i].offset >= prev);
		prev = h[i].offset;
		CHECK(h[i].offset + h[i].raw_len <= size);
		CHECK(memcmp(h[i].raw, data + h[i].offset, h[i].raw_len) == 0);
		CHECK(h[i].decoded && h[i].protocol && h[i].host && h[i].path && h[i].cve);
		CHECK(h[i].n_exfil <= KB_L4S_MAX_EXFIL);
		CHECK(h[i].port >= -1 && h[i].port < 65536);
		CHECK(kb_l4s_class_name(h[i].cls) != NULL);
		sum += h[i].offset + h[i].raw_len + strlen(h[i].decoded);
	}
	size_t n2;
	CHECK(kb_l4s_scan(det, data, size, &h, &n2) == 0);
	CHECK(n2 == n);
	size_t sum2 = 0;
	for (size_t i = 0; i < n2; i++)
		sum2 += h[i].offset + h[i].raw_len + strlen(h[i].decoded);
	CHECK(sum == sum2);
	return 0;
}
