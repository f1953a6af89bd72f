/*
 * fuzz-fields-combined.c - libFuzzer target for the log-line field parser, seeded
 * with combined lines (fuzz/seeds/fields-combined/); the body is fuzz-fields-common.h.
 */
#include "fuzz-fields-common.h"
