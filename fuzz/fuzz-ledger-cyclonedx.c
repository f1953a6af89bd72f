/*
 * fuzz-ledger-cyclonedx.c - libFuzzer target for the cyclonedx ledger reader
 * (see fuzz-ledger-common.h for what counts as a failure).
 */
#include "fuzz-ledger-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_import(data, size, KB_LEDGER_FMT_CYCLONEDX, "fuzz.cdx.json", true);
	return 0;
}
