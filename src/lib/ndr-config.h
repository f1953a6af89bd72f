/*
 * ndr-config.h - what the detection engine needs from its configuration
 * besides koban/detect.h (internal to libkoban): the time zone as a table
 * of UTC offsets, and business hours judged with it.
 *
 * The C library knows time zones only through the process's TZ, so a table
 * is built once per run, up front: TZ is switched to the zone, the offset
 * is sampled at every UTC hour boundary of the run's span with
 * localtime_r(3), and TZ is put back. After that, a lookup is an array
 * index (the hour since the table's first hour, clamped at both ends) and
 * never touches TZ again. An offset change that does not fall on a UTC hour
 * boundary (a few zones switch at half past) takes effect at the next one.
 *
 * The switch happens under one mutex, which serialises the builds against
 * each other; another thread calling localtime(3) or mktime(3) at the same
 * moment would see the zone too, so build tables before starting threads
 * that use the local time.
 */
#ifndef KOBAN_NDR_CONFIG_H
#define KOBAN_NDR_CONFIG_H

#include "koban/detect.h"

#include <stdbool.h>
#include <stdint.h>

#define NDR_TZ_MAX_HOURS (24 * 400)         /* hours a table spans; more: KB_ELIMIT */
#define NDR_TZ_TIME_MAX (INT64_C(1) << 40)   /* times (s since 1970, either sign) a table can span */
#define NDR_ZONEINFO_DIR "/usr/share/zoneinfo" /* where zone names are looked up */

typedef struct ndr_tz_table ndr_tz_table;

/* Whether `zone` (NUL-terminated) names a time zone: "UTC", or a relative
 * path without ".." of a TZif file under NDR_ZONEINFO_DIR, at most
 * sizeof(kb_detect_config.timezone) - 1 bytes. */
bool ndr_tz_known(const char *zone);

/* Offsets of `zone` for [since_s, until_s] (seconds since 1970 UTC). 0;
 * KB_EINVAL (unknown zone, since_s > until_s, a time past
 * +-NDR_TZ_TIME_MAX), KB_ELIMIT (more than NDR_TZ_MAX_HOURS hours; "UTC"
 * needs no table and has no such limit), KB_ENOMEM. The table is the
 * caller's: free it with ndr_tz_table_free() (NULL is fine). TZ is the
 * same after the call as before it, set or unset. */
int ndr_tz_table_new(const char *zone, int64_t since_s, int64_t until_s, ndr_tz_table **ret);
void ndr_tz_table_free(ndr_tz_table *t);

/* Seconds east of UTC at the instant utc_s (clamped to the table's span). */
int32_t ndr_tz_offset(const ndr_tz_table *t, int64_t utc_s);

/* Local time of utc_s (clamped to +-NDR_TZ_TIME_MAX): returns the minute
 * of the week (0..10079, Sunday 00:00 is 0) and writes, when not NULL, the
 * weekday (0 Sunday .. 6 Saturday) and the minute of the day (0..1439). */
int ndr_local_minute_of_week(const ndr_tz_table *t, int64_t utc_s, int *ret_wday, int *ret_minute);

/* Whether utc_s falls on a business day of `c`, at or after business_start
 * and before business_end, local time. */
bool ndr_business_hours(const kb_detect_config *c, const ndr_tz_table *t, int64_t utc_s);

#endif
