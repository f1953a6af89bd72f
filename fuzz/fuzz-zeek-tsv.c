/*
 * fuzz-zeek-tsv.c - libFuzzer target for the Zeek log reader, seeded with
 * TSV logs (fuzz/seeds/zeek-tsv/); the body is fuzz-zeek-common.h.
 */
#include "fuzz-zeek-common.h"
