/*
 * fuzz-fields-json.c - libFuzzer target for the log-line field parser, seeded
 * with json lines (fuzz/seeds/fields-json/); the body is fuzz-fields-common.h.
 */
#include "fuzz-fields-common.h"
