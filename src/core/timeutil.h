/* SPDX-License-Identifier: MIT */
/*
 * Dates and instants. A date is a count of days since 1970-01-01 (int32_t), an instant is
 * Unix seconds (int64_t). Every instant shown to a user is in China Standard Time (+08:00),
 * which has no daylight saving, so no time-zone database is consulted.
 */
#ifndef JG_TIMEUTIL_H
#define JG_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define TIME_CST_OFFSET (8 * 3600)
#define DATE_LEN 10    /* "YYYY-MM-DD" */
#define RFC3339_LEN 25 /* "YYYY-MM-DDTHH:MM:SS+08:00" */

/* Returns the current Unix time in seconds. */
int64_t time_now(void);
/* Returns the current monotonic time in nanoseconds. */
uint64_t time_mono_ns(void);
/* Writes t as RFC 3339 in +08:00 into out (RFC3339_LEN + 1 bytes). */
void time_format_rfc3339(int64_t t, char out[RFC3339_LEN + 1]);

/* Returns the days since 1970-01-01 of a proleptic Gregorian date. */
int32_t date_from_ymd(int y, int m, int d);
/* Splits a day count into year, month (1-12), day (1-31). */
void date_to_ymd(int32_t days, int *y, int *m, int *d);
/* Parses exactly "YYYY-MM-DD" (a real calendar date); returns 0 or ERR_INVALID. */
int date_parse(const char *s, size_t len, int32_t *days /* out */);
/* Writes the date as "YYYY-MM-DD" into out (DATE_LEN + 1 bytes). */
void date_format(int32_t days, char out[DATE_LEN + 1]);
/* Returns the ISO weekday: 1 = Monday ... 7 = Sunday. */
int date_weekday(int32_t days);
/* Returns today's date in China Standard Time. */
int32_t date_today(void);
/* Returns the Unix second at which day starts in China Standard Time. */
int64_t date_start(int32_t day);
/* Returns the day (China Standard Time) of Unix time t. */
int32_t date_of(int64_t t);

#endif
