/* SPDX-License-Identifier: MIT */
/* Civil-date arithmetic (Howard Hinnant's days_from_civil) and CST formatting. */
#include "core/timeutil.h"
#include "core/err.h"

#include <string.h>
#include <time.h>

int64_t time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

uint64_t time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int32_t date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void date_to_ymd(int32_t days, int *y, int *m, int *d)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int date_parse(const char *s, size_t len, int32_t *days)
{
    if (len != DATE_LEN || s[4] != '-' || s[7] != '-')
        return ERR_INVALID;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
        return ERR_INVALID;
    int32_t v = date_from_ymd(y, m, d);
    int yy, mm, dd;
    date_to_ymd(v, &yy, &mm, &dd);
    if (mm != m || dd != d) /* 2025-02-30 rolls over: not a date */
        return ERR_INVALID;
    *days = v;
    return 0;
}

/* Writes v as exactly n decimal digits (v is taken modulo 10^n). */
static void put_digits(char *out, int v, int n)
{
    if (v < 0)
        v = -v;
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

void date_format(int32_t days, char out[DATE_LEN + 1])
{
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    put_digits(out, y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = '\0';
}

int date_weekday(int32_t days)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    int w = (int)((days % 7 + 7) % 7); /* 0 = Thursday */
    return (w + 3) % 7 + 1;
}

int32_t date_of(int64_t t)
{
    t += TIME_CST_OFFSET;
    return (int32_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
}

int32_t date_today(void)
{
    return date_of(time_now());
}

int64_t date_start(int32_t day)
{
    return (int64_t)day * 86400 - TIME_CST_OFFSET;
}

void time_format_rfc3339(int64_t t, char out[RFC3339_LEN + 1])
{
    int64_t local = t + TIME_CST_OFFSET;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t secs = local - days * 86400;
    date_format((int32_t)days, out);
    out[10] = 'T';
    put_digits(out + 11, (int)(secs / 3600), 2);
    out[13] = ':';
    put_digits(out + 14, (int)(secs / 60 % 60), 2);
    out[16] = ':';
    put_digits(out + 17, (int)(secs % 60), 2);
    memcpy(out + 19, "+08:00", 7);
}
