/*
 * fuzz-zeek-json.c - libFuzzer target for the Zeek log reader, seeded with
 * JSON lines (fuzz/seeds/zeek-json/); the body is fuzz-zeek-common.h.
 */
#include "fuzz-zeek-common.h"
