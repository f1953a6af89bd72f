/*
 * fuzz-java-release.c - libFuzzer target for the Java `release` file parser
 * (kb_scan_release_parse in scan-walk.c).
 *
 * Beyond "no crash, no read past the input": every value is NUL-terminated
 * inside its field, holds no control character, and appears in the input
 * byte for byte (the parser only copies); parsing twice gives the same
 * result; and one more line naming another key after the input changes
 * nothing (a line ended by the end of the input reads as one ended by '\n').
 */
#include "koban/scanwalk.h"

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

static void check_value(const char *v, const uint8_t *data, size_t size)
{
	size_t n = strnlen(v, KB_SCAN_RELEASE_VALUE_MAX);
	CHECK(n < KB_SCAN_RELEASE_VALUE_MAX);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)v[i] >= 0x20 && v[i] != 0x7f);
	if (n)
		CHECK(memmem(data, size, v, n) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > KB_SCAN_RELEASE_MAX)
		return 0; /* the walk reads no more than this */
	/* a copy of exactly `size` bytes, so ASan sees any read past the input */
	char *in = malloc(size ? size : 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	kb_scan_release a, b;
	kb_scan_release_parse(in, size, &a);
	check_value(a.java_version, data, size);
	check_value(a.runtime_version, data, size);
	check_value(a.implementor, data, size);
	kb_scan_release_parse(in, size, &b);
	CHECK(memcmp(&a, &b, sizeof a) == 0);

	static const char tail[] = "\nOS_NAME=\"Linux\"\n";
	char *more = malloc(size + sizeof tail);
	if (more) {
		memcpy(more, in, size);
		memcpy(more + size, tail, sizeof tail - 1);
		kb_scan_release_parse(more, size + sizeof tail - 1, &b);
		/* a last line cut by the end of the input reads as one ended by a newline */
		CHECK(memcmp(&a, &b, sizeof a) == 0);
		free(more);
	}
	free(in);
	return 0;
}
