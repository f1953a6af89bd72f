/*
 * fuzz-stix.c - libFuzzer target for the STIX 2.1 bundle reader: every IOC
 * handed over is normalised and goes into a matching set.
 */
#include "fuzz-ioc-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(data, size, KB_IOC_FMT_STIX);
	return 0;
}
