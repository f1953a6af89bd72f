/*
 * fuzz-fields-syslog.c - libFuzzer target for the log-line field parser, seeded
 * with syslog lines (fuzz/seeds/fields-syslog/); the body is fuzz-fields-common.h.
 */
#include "fuzz-fields-common.h"
