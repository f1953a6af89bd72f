/*
 * flow-text.h - number and time fields of the text flow formats (Zeek TSV
 * and JSON, nfdump CSV), parsed by hand: the Zeek reader calls these for
 * every field of every row, so they never allocate, never call strtod or
 * the C library's time functions, and are exact to the microsecond.
 *
 * Every function reads exactly [s, s + n) (no NUL needed), accepts the
 * whole span or nothing, and writes *ret only on success.
 */
#ifndef KOBAN_FLOW_TEXT_H
#define KOBAN_FLOW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal digits only (no sign, no space), 1 to 20 of them, no overflow. 0 or -1. */
int kb_ftext_u64(const char *s, size_t n, uint64_t *ret);
/* A port, 0-65535, digits only. 0 or -1. */
int kb_ftext_port(const char *s, size_t n, uint16_t *ret);
/* Seconds "SSS", "SSS.", "SSS.ffffff", ".fff" (at most 12 integer digits, no
 * sign, no exponent) to microseconds; fraction digits past the sixth are
 * dropped (truncation). 0 or -1. */
int kb_ftext_secs_us(const char *s, size_t n, int64_t *ret);
/* "YYYY-MM-DD HH:MM:SS[.fff...]" or with 'T' between date and time, then,
 * when `zone` is set, optionally "Z" or an offset "+HH", "+HHMM", "+HH:MM"
 * (a time without a zone is UTC). Fields are range-checked (seconds 0-60).
 * Microseconds since 1970-01-01 UTC; 0 or -1. */
int kb_ftext_datetime_us(const char *s, size_t n, bool zone, int64_t *ret);
/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t kb_ftext_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
