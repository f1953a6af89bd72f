/*
 * fuzz-ledger-spdx.c - libFuzzer target for the spdx ledger reader
 * (see fuzz-ledger-common.h for what counts as a failure).
 */
#include "fuzz-ledger-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_import(data, size, KB_LEDGER_FMT_SPDX, "fuzz.spdx.json", true);
	return 0;
}
