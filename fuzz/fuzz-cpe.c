/*
 * fuzz-cpe.c - libFuzzer target for the CPE name parser.
 *
 * The input (made a C string) is parsed; a success must give parts within
 * their bound, lower-cased, with part one of a/o/h or a wildcard; a failure
 * must carry a known code and a message with an offset inside the input.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/cpe.h"

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lower_and_bounded(const char *s)
{
	CHECK(strlen(s) <= KB_CPE_MAX_PART);
	for (; *s; s++)
		CHECK(!isupper((unsigned char)*s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	kb_cpe c;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_cpe_parse(s, &c, &err);
	if (r == 0) {
		CHECK(c.part == 0 || c.part == 'a' || c.part == 'o' || c.part == 'h');
		lower_and_bounded(c.vendor);
		lower_and_bounded(c.product);
		lower_and_bounded(c.version);
		CHECK(kb_cpe_specific(&c) == (c.vendor[0] && c.product[0]));
	} else {
		CHECK(r == KB_EINVAL || r == KB_ELIMIT);
		CHECK(err.msg[0] != '\0');
		CHECK(err.offset == KB_NO_OFFSET || err.offset <= strlen(s));
	}
	free(s);
	return 0;
}
