/* SPDX-License-Identifier: MIT */
/* Unit tests for core/timeutil and core/workday: dates, weekdays, and working-day sums over
 * the reference calendar (refdata_holidays). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "core/workday.h"
#include "refdata/refdata.h"

static int32_t D(const char *s)
{
    int32_t d = 0;
    assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static void assert_date(int32_t d, const char *want)
{
    char out[DATE_LEN + 1];
    date_format(d, out);
    assert_string_equal(out, want);
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(D("1970-01-01"), 0);
    assert_int_equal(D("2000-03-01") - D("2000-02-28"), 2); /* 2000 is a leap year */
    assert_int_equal(D("1900-03-01") - D("1900-02-28"), 1); /* 1900 is not */
    assert_date(D("2026-11-22"), "2026-11-22");
    int32_t d;
    assert_int_equal(date_parse("2025-02-29", 10, &d), ERR_INVALID);
    assert_int_equal(date_parse("2024-02-29", 10, &d), 0);
    assert_int_equal(date_parse("2024-13-01", 10, &d), ERR_INVALID);
    assert_int_equal(date_parse("2024-1-01", 9, &d), ERR_INVALID);
    assert_int_equal(date_parse("2024/01/01", 10, &d), ERR_INVALID);
    assert_int_equal(date_parse("20x4-01-01", 10, &d), ERR_INVALID);
    assert_int_equal(date_weekday(D("2026-11-22")), 7); /* a Sunday */
    assert_int_equal(date_weekday(D("1970-01-01")), 4); /* a Thursday */
    assert_int_equal(date_weekday(D("1969-12-29")), 1); /* before the epoch */
}

static void test_rfc3339(void **state)
{
    (void)state;
    char out[RFC3339_LEN + 1];
    time_format_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T08:00:00+08:00");
    time_format_rfc3339(1795363199, out); /* 2026-11-22T15:59:59Z */
    assert_string_equal(out, "2026-11-22T23:59:59+08:00");
}

/* Builds the calendar of the shipped reference data. */
static struct calendar reference_calendar(void)
{
    struct calendar cal = {NULL, 0};
    size_t cap = 0;
    for (const struct holiday_row *h = refdata_holidays; h->from; h++)
        for (int32_t d = D(h->from); d <= D(h->to); d++) {
            if (cal.n == cap) {
                cap = cap ? cap * 2 : 64;
                cal.days = realloc(cal.days, cap * sizeof *cal.days);
            }
            cal.days[cal.n].day = d;
            cal.days[cal.n].kind = strcmp(h->kind, "workday") == 0 ? DAY_WORKDAY : DAY_HOLIDAY;
            cal.n++;
        }
    calendar_sort(&cal);
    return cal;
}

static void test_weekends_only(void **state)
{
    (void)state;
    struct calendar empty = {NULL, 0};
    /* Friday + 1 working day = Monday; + 3 = Wednesday; + 0 = itself. */
    assert_date(calendar_add_workdays(&empty, D("2026-11-20"), 1), "2026-11-23");
    assert_date(calendar_add_workdays(&empty, D("2026-11-20"), 3), "2026-11-25");
    assert_date(calendar_add_workdays(&empty, D("2026-11-20"), 0), "2026-11-20");
    /* From a Sunday the first working day is Monday. */
    assert_date(calendar_add_workdays(&empty, D("2026-11-22"), 1), "2026-11-23");
    /* Backwards. */
    assert_date(calendar_add_workdays(&empty, D("2026-11-23"), -1), "2026-11-20");
    assert_int_equal(calendar_workdays_between(&empty, D("2026-11-20"), D("2026-11-27")), 5);
    assert_int_equal(calendar_workdays_between(&empty, D("2026-11-27"), D("2026-11-20")), -5);
    assert_int_equal(calendar_is_workday(NULL, D("2026-11-21")), 0);
}

static void test_holidays_and_makeup_days(void **state)
{
    (void)state;
    struct calendar cal = reference_calendar();
    /* National Day 2026: Oct 1-7 off, Sat Oct 10 and Sun Sep 20 are make-up workdays. */
    assert_int_equal(calendar_is_workday(&cal, D("2026-10-01")), 0);
    assert_int_equal(calendar_is_workday(&cal, D("2026-10-10")), 1);
    assert_int_equal(calendar_is_workday(&cal, D("2026-09-20")), 1);
    assert_date(calendar_add_workdays(&cal, D("2026-09-30"), 1), "2026-10-08");
    assert_date(calendar_add_workdays(&cal, D("2026-09-30"), 3), "2026-10-10");
    /* Spring Festival 2025: Jan 28 - Feb 4 off, Sun Jan 26 and Sat Feb 8 worked. */
    assert_date(calendar_add_workdays(&cal, D("2025-01-24"), 1), "2025-01-26");
    assert_date(calendar_add_workdays(&cal, D("2025-01-27"), 1), "2025-02-05");
    /* The default demand deadline of 10 working days across Labour Day 2026. */
    assert_date(calendar_add_workdays(&cal, D("2026-04-28"), 10), "2026-05-14");
    assert_int_equal(calendar_workdays_between(&cal, D("2026-09-30"), D("2026-10-10")), 3);
    /* Sorting keeps every override findable. */
    for (size_t i = 1; i < cal.n; i++)
        assert_true(cal.days[i - 1].day < cal.days[i].day);
    free(cal.days);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_weekends_only),
        cmocka_unit_test(test_holidays_and_makeup_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
