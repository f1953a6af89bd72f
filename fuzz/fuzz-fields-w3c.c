/*
 * fuzz-fields-w3c.c - libFuzzer target for the log-line field parser, seeded
 * with w3c lines (fuzz/seeds/fields-w3c/); the body is fuzz-fields-common.h.
 */
#include "fuzz-fields-common.h"
