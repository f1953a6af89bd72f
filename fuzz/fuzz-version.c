/*
 * fuzz-version.c - libFuzzer target for the version comparators. The input is
 * two versions separated by a newline. For every scheme: no crash, and when
 * both compare, the order is antisymmetric and a version equals itself.
 */
#include "koban/version.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[2 * KB_VERSION_MAX_LEN + 8];
	if (size >= sizeof buf)
		size = sizeof buf - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *b = memchr(buf, '\n', size);
	if (b)
		*b++ = '\0';
	else
		b = buf + size;
	const char *a = buf;
	for (int s = 0; s < KB_VS__COUNT; s++) {
		int ab, ba, aa;
		int r1 = kb_version_cmp((kb_vscheme)s, a, b, &ab);
		int r2 = kb_version_cmp((kb_vscheme)s, b, a, &ba);
		if ((r1 == 0) != (r2 == 0))
			abort(); /* valid in one order, invalid in the other */
		if (r1 == 0 && ab != -ba)
			abort();
		if (kb_version_cmp((kb_vscheme)s, a, a, &aa) == 0 && aa != 0)
			abort();
	}
	return 0;
}
