/*
 * fuzz-scan-classify.c - libFuzzer target for content classification
 * (kb_scan_classify in scan-walk.c).
 *
 * The promise that matters: every input that the ZIP reader opens is
 * classified ZIP, so the walk never hides an archive from the scan. Also:
 * classifying the whole input and classifying only what the walk reads of a
 * large file (its first 4 bytes and last KB_SCAN_ZIP_TAIL) agree, since a
 * large file is classified from those alone.
 */
#include "koban/scanwalk.h"
#include "koban/zip.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_scan_kind whole = kb_scan_classify_buffer(data, size);
	kb_zip *z = NULL;
	kb_error err;
	kb_zip_budget budget;
	kb_zip_budget_init(&budget, 1u << 20);
	if (kb_zip_open_buffer(data, size, "fuzz", &budget, &z, &err) == 0) {
		CHECK(whole == KB_SCAN_ZIP);
		kb_zip_free(z);
	}
	size_t head = size < 4 ? size : 4;
	size_t tail = size < KB_SCAN_ZIP_TAIL ? size : KB_SCAN_ZIP_TAIL;
	CHECK(kb_scan_classify(data, head, data + size - tail, tail, size) == whole);
	return 0;
}
