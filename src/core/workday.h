/* SPDX-License-Identifier: MIT */
/*
 * The working-day calendar. Weekends are rest days and Monday to Friday working days unless an
 * override says otherwise: official holidays (法定节假日) turn working days into rest days,
 * make-up workdays (调休) turn weekend days into working days. Every deadline in the platform
 * is counted in working days with these functions. Pure: no I/O, no globals.
 */
#ifndef JG_WORKDAY_H
#define JG_WORKDAY_H

#include <stddef.h>
#include <stdint.h>

enum day_kind { DAY_HOLIDAY = 0, DAY_WORKDAY = 1 };

struct day_override {
    int32_t day; /* days since 1970-01-01 */
    int kind;    /* enum day_kind */
};

struct calendar {
    struct day_override *days; /* sorted by day, unique */
    size_t n;
};

/* Sorts the overrides in place and drops repeated days (callers pass unique days). */
void calendar_sort(struct calendar *cal);
/* Returns 1 if day is a working day, 0 if a rest day. */
int calendar_is_workday(const struct calendar *cal, int32_t day);
/* Returns the date n working days after from (before it when n < 0); from itself is not
 * counted, so a demand filed on Friday with 3 days is due on Wednesday. n = 0 returns from. */
int32_t calendar_add_workdays(const struct calendar *cal, int32_t from, int n);
/* Returns the number of working days in (from, to]; negative when to < from. */
int calendar_workdays_between(const struct calendar *cal, int32_t from, int32_t to);

#endif
