/*
 * fuzz-ioc-list.c - libFuzzer target for the plain-list IOC reader (and, for
 * ioc-list, the CSV reader on inputs that start with a '!'): every IOC
 * handed over is normalised and goes into a matching set.
 */
#include "fuzz-ioc-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] == '!')
		fz_run(data + 1, size - 1, KB_IOC_FMT_CSV);
	else
		fz_run(data, size, KB_IOC_FMT_LIST);
	return 0;
}
