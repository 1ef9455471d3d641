/* SPDX-License-Identifier: MIT */
/* Working-day arithmetic over a sorted list of calendar overrides. */
#include "core/workday.h"
#include "core/timeutil.h"

#include <stdlib.h>

static int cmp_override(const void *a, const void *b)
{
    const struct day_override *x = a, *y = b;
    return (x->day > y->day) - (x->day < y->day);
}

void calendar_sort(struct calendar *cal)
{
    if (cal->n == 0)
        return;
    qsort(cal->days, cal->n, sizeof cal->days[0], cmp_override);
    size_t out = 1;
    for (size_t i = 1; i < cal->n; i++)
        if (cal->days[i].day != cal->days[out - 1].day)
            cal->days[out++] = cal->days[i];
    cal->n = out;
}

int calendar_is_workday(const struct calendar *cal, int32_t day)
{
    size_t lo = 0, hi = cal ? cal->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->days[mid].day < day)
            lo = mid + 1;
        else if (cal->days[mid].day > day)
            hi = mid;
        else
            return cal->days[mid].kind == DAY_WORKDAY;
    }
    return date_weekday(day) <= 5;
}

int32_t calendar_add_workdays(const struct calendar *cal, int32_t from, int n)
{
    int step = n >= 0 ? 1 : -1;
    int left = n >= 0 ? n : -n;
    int32_t day = from;
    while (left > 0) {
        day += step;
        if (calendar_is_workday(cal, day))
            left--;
    }
    return day;
}

int calendar_workdays_between(const struct calendar *cal, int32_t from, int32_t to)
{
    if (to < from)
        return -calendar_workdays_between(cal, to, from);
    int count = 0;
    for (int32_t day = from + 1; day <= to; day++)
        count += calendar_is_workday(cal, day);
    return count;
}
