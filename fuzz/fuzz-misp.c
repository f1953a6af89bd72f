/*
 * fuzz-misp.c - libFuzzer target for the MISP event reader: every IOC
 * handed over is normalised and goes into a matching set.
 */
#include "fuzz-ioc-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(data, size, KB_IOC_FMT_MISP);
	return 0;
}
