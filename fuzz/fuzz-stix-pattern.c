/*
 * fuzz-stix-pattern.c - libFuzzer target for the STIX pattern parser: any
 * input either fails with a code and a message or hands over terms whose
 * values normalise to themselves.
 */
#include "koban/ioc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int term(kb_ioc_type t, const char *v, void *ctx)
{
	(void)ctx;
	char out[KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type t2 = t;
	if (kb_ioc_normalize(&t2, v, strlen(v), out, sizeof out) != 0 || t2 != t || strcmp(out, v) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_error err = { 0 };
	int r = kb_stix_pattern_parse((const char *)data, size, term, NULL, &err);
	if (r != 0 && err.code != r)
		abort();
	return 0;
}
