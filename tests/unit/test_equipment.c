/* SPDX-License-Identifier: MIT */
/* Unit tests for the rules of M6: calendar months and due dates, registration numbers, the
 * dates of a unit, status changes, the fate of a due date at every boundary of the on-time
 * window, the rate, and, on an in-memory database, the record of inspections, the 定检率 of a
 * hand-made register and the reminders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "equipment/equipment.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#define OWN "91371502MA3C00011G"

static int32_t day(const char *s)
{
    int32_t d;
    assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static const char *fmt(int32_t d)
{
    static char buf[4][DATE_LEN + 1];
    static int k;
    k = (k + 1) % 4;
    date_format(d, buf[k]);
    return buf[k];
}

static void test_add_months(void **state)
{
    (void)state;
    static const struct {
        const char *from;
        int months;
        const char *to;
    } cases[] = {
        {"2025-05-10", 12, "2026-05-10"}, {"2024-02-29", 12, "2025-02-28"},
        {"2024-02-29", 48, "2028-02-29"}, {"2025-01-31", 1, "2025-02-28"},
        {"2024-01-31", 1, "2024-02-29"},  {"2026-05-31", -3, "2026-02-28"},
        {"2026-03-31", -1, "2026-02-28"}, {"2026-01-15", -3, "2025-10-15"},
        {"2025-11-30", 3, "2026-02-28"},  {"2025-12-31", 36, "2028-12-31"},
        {"2026-07-04", 0, "2026-07-04"},  {"2026-08-31", -120, "2016-08-31"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(fmt(equipment_add_months(day(cases[i].from), cases[i].months)),
                            cases[i].to);
}

static void test_registration(void **state)
{
    (void)state;
    char msg[256];
    static const char *const good[] = {"梯31鲁P00123(24)", "梯11京A99999(99)", "梯00鲁P00000(00)"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(equipment_check_registration(good[i], "梯", msg, sizeof msg), 0);
    assert_int_equal(equipment_check_registration("容21鲁P00001(18)", "容", msg, sizeof msg), 0);
    static const char *const bad[] = {
        "容31鲁P00123(24)",   /* another category's class character */
        "梯3鲁P00123(24)",    /* one digit of variety */
        "梯31X P00123(24)",   /* no province */
        "梯31鲁p00123(24)",   /* lower-case city letter */
        "梯31鲁P0123(24)",    /* four digits of serial */
        "梯31鲁P001234(24)",  /* six */
        "梯31鲁P00123（24）", /* full-width parentheses */
        "梯31鲁P00123(24",    /* unclosed */
        "梯31鲁P00123(24) ",  /* trailing */
        "梯31鲁P00123(2a)",   "梯31鲁P00123",     "",
        "TJ31LUP00123(24)",   "梯31美P00123(24)", /* not a province */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg[0] = '\0';
        assert_int_equal(equipment_check_registration(bad[i], "梯", msg, sizeof msg), ERR_INVALID);
        assert_non_null(strstr(msg, "梯11鲁P00123(24)"));
    }
}

/* Runs equipment_derive_dates on the JSON text; returns its result and the field. */
static int derive(const char *text, int cycle, int given, const char *today, const char **field,
                  json_t **out)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    assert_non_null(v);
    char msg[256] = "";
    *field = NULL;
    int rc = equipment_derive_dates(v, cycle, given, day(today), field, msg, sizeof msg);
    if (rc)
        assert_true(strlen(msg) > 0);
    if (out)
        *out = v;
    else
        json_decref(v);
    return rc;
}

static void test_derive_dates(void **state)
{
    (void)state;
    const char *field;
    json_t *v;
    /* From the last inspection, else the installation. */
    assert_int_equal(derive("{\"installed_on\":\"2020-01-10\",\"last_inspected\":\"2025-06-30\","
                            "\"last_conclusion\":\"qualified\"}",
                            12, 0, "2026-01-01", &field, &v),
                     0);
    assert_string_equal(json_string_value(json_object_get(v, "next_due")), "2026-06-30");
    json_decref(v);
    assert_int_equal(derive("{\"installed_on\":\"2024-02-29\"}", 24, 0, "2026-01-01", &field, &v),
                     0);
    assert_string_equal(json_string_value(json_object_get(v, "next_due")), "2026-02-28");
    json_decref(v);
    /* null is computed too; a given date is kept. */
    assert_int_equal(derive("{\"installed_on\":\"2025-03-01\",\"next_due\":null}", 36, 0,
                            "2026-01-01", &field, &v),
                     0);
    assert_string_equal(json_string_value(json_object_get(v, "next_due")), "2028-03-01");
    json_decref(v);
    assert_int_equal(derive("{\"next_due\":\"2027-01-01\"}", 12, 1, "2026-01-01", &field, &v), 0);
    assert_string_equal(json_string_value(json_object_get(v, "next_due")), "2027-01-01");
    json_decref(v);
    /* Nothing to go by. */
    assert_int_equal(derive("{}", 12, 0, "2026-01-01", &field, NULL), ERR_INVALID);
    assert_string_equal(field, "next_due");
    /* Dates in the future: today is allowed, tomorrow is not. */
    assert_int_equal(derive("{\"installed_on\":\"2026-01-01\"}", 12, 0, "2026-01-01", &field, NULL),
                     0);
    assert_int_equal(derive("{\"installed_on\":\"2026-01-02\"}", 12, 0, "2026-01-01", &field, NULL),
                     ERR_INVALID);
    assert_string_equal(field, "installed_on");
    assert_int_equal(derive("{\"last_inspected\":\"2026-01-02\",\"last_conclusion\":\"qualified\"}",
                            12, 0, "2026-01-01", &field, NULL),
                     ERR_INVALID);
    assert_string_equal(field, "last_inspected");
    /* Inspected before it was installed. */
    assert_int_equal(derive("{\"installed_on\":\"2025-01-02\",\"last_inspected\":\"2025-01-01\","
                            "\"last_conclusion\":\"qualified\"}",
                            12, 0, "2026-01-01", &field, NULL),
                     ERR_INVALID);
    assert_string_equal(field, "last_inspected");
    assert_int_equal(derive("{\"installed_on\":\"2025-01-01\",\"last_inspected\":\"2025-01-01\","
                            "\"last_conclusion\":\"qualified\"}",
                            12, 0, "2026-01-01", &field, NULL),
                     0);
    /* The date and the conclusion go together. */
    assert_int_equal(derive("{\"last_conclusion\":\"qualified\",\"installed_on\":\"2025-01-01\"}",
                            12, 0, "2026-01-01", &field, NULL),
                     ERR_INVALID);
    assert_string_equal(field, "last_inspected");
    assert_int_equal(
        derive("{\"last_inspected\":\"2025-01-01\"}", 12, 0, "2026-01-01", &field, NULL),
        ERR_INVALID);
    assert_string_equal(field, "last_conclusion");
    /* A due date the client gives must be after the last inspection; a stored one is kept. */
    static const char last[] =
        "{\"last_inspected\":\"2025-06-30\",\"last_conclusion\":\"unqualified\","
        "\"next_due\":\"2025-06-30\"}";
    assert_int_equal(derive(last, 12, 1, "2026-01-01", &field, NULL), ERR_INVALID);
    assert_string_equal(field, "next_due");
    assert_int_equal(derive(last, 12, 0, "2026-01-01", &field, NULL), 0);
    assert_int_equal(derive("{\"last_inspected\":\"2025-06-30\",\"last_conclusion\":\"qualified\","
                            "\"next_due\":\"2025-07-01\"}",
                            12, 1, "2026-01-01", &field, NULL),
                     0);
}

static void test_status(void **state)
{
    (void)state;
    static const char *const s[] = {"in_use", "idle", "scrapped"};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            assert_int_equal(equipment_status_change(s[i], s[j]),
                             i == 2 && j != 2 ? ERR_CONFLICT : 0);
    int32_t today = day("2026-06-30");
    assert_true(equipment_overdue("in_use", "2026-06-29", today));
    assert_false(equipment_overdue("in_use", "2026-06-30", today));
    assert_false(equipment_overdue("idle", "2026-06-29", today));
    assert_false(equipment_overdue("scrapped", "2020-01-01", today));
    assert_false(equipment_overdue("in_use", NULL, today));
    json_t *u = json_pack("{ss ss}", "status", "in_use", "next_due", "2026-07-10");
    equipment_decorate(u, today);
    assert_true(json_is_false(json_object_get(u, "overdue")));
    assert_int_equal(json_integer_value(json_object_get(u, "days_left")), 10);
    json_object_set_new(u, "next_due", json_string("2026-06-20"));
    equipment_decorate(u, today);
    assert_true(json_is_true(json_object_get(u, "overdue")));
    assert_int_equal(json_integer_value(json_object_get(u, "days_left")), -10);
    json_object_set_new(u, "status", json_string("idle"));
    equipment_decorate(u, today);
    assert_true(json_is_false(json_object_get(u, "overdue")));
    assert_true(json_is_null(json_object_get(u, "days_left")));
    json_decref(u);
}

/* equipment_status_write (the list's rows, written straight) says what equipment_decorate says. */
static void test_status_write(void **state)
{
    (void)state;
    int32_t today = day("2026-06-30");
    static const char *const cases[][2] = {
        {"in_use", "2026-07-10"}, {"in_use", "2026-06-20"}, {"in_use", "2026-06-30"},
        {"idle", "2026-06-20"},   {"scrapped", NULL},       {"in_use", NULL},
        {NULL, "2026-06-20"},     {"in_use", "20260620"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *u = json_object();
        if (cases[i][0])
            json_object_set_new(u, "status", json_string(cases[i][0]));
        if (cases[i][1])
            json_object_set_new(u, "next_due", json_string(cases[i][1]));
        equipment_decorate(u, today);
        json_t *members = json_pack("{sO sO}", "overdue", json_object_get(u, "overdue"),
                                    "days_left", json_object_get(u, "days_left"));
        char *want = json_dumps(members, JSON_COMPACT);
        json_decref(members);
        struct strbuf sb;
        strbuf_init(&sb, 1024);
        assert_int_equal(strbuf_putc(&sb, '{'), 0);
        assert_int_equal(equipment_status_write(cases[i][0], cases[i][1], today, &sb), 0);
        sb.buf[1] = ' '; /* the members come with their leading comma */
        assert_int_equal(strbuf_putc(&sb, '}'), 0);
        json_t *got = json_loads(sb.buf, 0, NULL);
        char *got_text = json_dumps(got, JSON_COMPACT);
        assert_string_equal(got_text, want);
        free(got_text);
        free(want);
        json_decref(got);
        json_decref(u);
        strbuf_dispose(&sb);
    }
    struct strbuf small;
    strbuf_init(&small, 8);
    assert_int_equal(equipment_status_write("in_use", "2026-07-10", today, &small), ERR_TOOLARGE);
    assert_int_equal(small.len, 0);
    strbuf_dispose(&small);
}

static void test_due_state_boundaries(void **state)
{
    (void)state;
    int32_t due = day("2026-06-30"), today = day("2026-12-01");
    /* The window is [due - 3 months, due]: 2026-03-30 .. 2026-06-30. */
    assert_int_equal(equipment_due_state(due, day("2026-03-29"), today), EQUIPMENT_EARLY);
    assert_int_equal(equipment_due_state(due, day("2026-03-30"), today), EQUIPMENT_ON_TIME);
    assert_int_equal(equipment_due_state(due, day("2026-06-29"), today), EQUIPMENT_ON_TIME);
    assert_int_equal(equipment_due_state(due, due, today), EQUIPMENT_ON_TIME);
    assert_int_equal(equipment_due_state(due, day("2026-07-01"), today), EQUIPMENT_LATE);
    /* Not inspected: pending up to and on the due date, missed the day after. */
    assert_int_equal(equipment_due_state(due, -1, day("2026-06-29")), EQUIPMENT_PENDING);
    assert_int_equal(equipment_due_state(due, -1, due), EQUIPMENT_PENDING);
    assert_int_equal(equipment_due_state(due, -1, day("2026-07-01")), EQUIPMENT_MISSED);
    /* An inspection done before today on a future due date is on time. */
    assert_int_equal(equipment_due_state(due, day("2026-06-01"), day("2026-06-02")),
                     EQUIPMENT_ON_TIME);
    /* At a month's end the window starts at the shorter month's last day. */
    due = day("2026-05-31");
    assert_int_equal(equipment_due_state(due, day("2026-02-28"), today), EQUIPMENT_ON_TIME);
    assert_int_equal(equipment_due_state(due, day("2026-02-27"), today), EQUIPMENT_EARLY);
}

static void test_rate(void **state)
{
    (void)state;
    struct equipment_rate r = {0};
    assert_true(equipment_rate_value(&r) < 0);
    equipment_rate_add(&r, EQUIPMENT_PENDING);
    assert_true(equipment_rate_value(&r) < 0); /* nothing due yet */
    json_t *j = equipment_rate_json(&r);
    assert_true(json_is_null(json_object_get(j, "rate")));
    assert_int_equal(json_integer_value(json_object_get(j, "due")), 1);
    json_decref(j);
    for (int i = 0; i < 2; i++)
        equipment_rate_add(&r, EQUIPMENT_ON_TIME);
    equipment_rate_add(&r, EQUIPMENT_EARLY);
    equipment_rate_add(&r, EQUIPMENT_LATE);
    equipment_rate_add(&r, EQUIPMENT_MISSED);
    equipment_rate_add(&r, EQUIPMENT_MISSED);
    /* (2 + 1) / (7 - 1) */
    assert_int_equal(r.due, 7);
    assert_true(equipment_rate_value(&r) == 0.5);
    struct equipment_rate third = {3, 1, 0, 0, 2, 0};
    j = equipment_rate_json(&third);
    assert_true(json_real_value(json_object_get(j, "rate")) == 0.3333);
    assert_int_equal(json_integer_value(json_object_get(j, "missed")), 2);
    json_decref(j);
    struct equipment_rate all = {5, 4, 1, 0, 0, 0};
    assert_true(equipment_rate_value(&all) == 1.0);
}

/* ---- on a database ---- */

static struct db *db;
static int32_t today;

static int setup(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_LEN] = {5};
    audit_set_key(key);
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    json_t *e = json_pack("{ss ss ss ss ss}", "uscc", OWN, "name", "聊城市鑫鹏机械制造有限公司",
                          "kind", "enterprise", "region", "371502", "industry", "C3499");
    assert_int_equal(registry_insert(db, e), 0);
    json_decref(e);
    today = date_today();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    return 0;
}

/* Inserts a unit of category with the given dates (-1: none) and status; returns its id. */
static int64_t unit(const char *no, const char *category, int32_t last, int32_t next,
                    const char *status)
{
    json_t *v = json_pack("{ss ss ss ss ss ss ss}", "registration_no", no, "category", category,
                          "owner", OWN, "user_uscc", OWN, "region", "371502", "status", status,
                          "next_due", fmt(next));
    if (last >= 0) {
        json_object_set_new(v, "last_inspected", json_string(fmt(last)));
        json_object_set_new(v, "last_conclusion", json_string("qualified"));
    }
    assert_int_equal(rec_insert(db, &equipment_unit, v), 0);
    json_decref(v);
    return db_last_id(db);
}

static json_t *get_unit(int64_t id)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    json_t *o = NULL;
    assert_int_equal(rec_get(db, &equipment_unit, key, &o), 0);
    return o;
}

/* Records an inspection of unit id on day on with conclusion; returns the result. */
static int inspect(int64_t id, int32_t on, const char *conclusion, const char *next)
{
    json_t *u = get_unit(id),
           *b = json_pack("{ss ss ss ss}", "inspected_on", fmt(on), "conclusion", conclusion,
                          "inspector_org", "聊城市特种设备检验研究院", "report_no", "R-1");
    if (next)
        json_object_set_new(b, "next_due", json_string(next));
    const char *field;
    char msg[256];
    int rc = equipment_record_inspection(
        db, u, (int)json_integer_value(json_object_get(u, "cycle_months")), b, 0, today, &field,
        msg, sizeof msg);
    json_decref(u);
    json_decref(b);
    return rc;
}

static const char *text(json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static void test_record_inspection(void **state)
{
    (void)state;
    struct equipment_category c;
    assert_int_equal(equipment_category_get(db, "elevator", &c), 0);
    assert_int_equal(c.interval_months, 12);
    assert_string_equal(c.reg_char, "梯");
    assert_int_equal(equipment_category_get(db, "spaceship", &c), ERR_NOTFOUND);
    json_t *cats = NULL;
    assert_int_equal(equipment_categories_json(db, &cats), 0);
    assert_int_equal(json_array_size(cats), 9);
    json_decref(cats);
    int64_t id = unit("梯31鲁P90001(20)", "elevator", today - 400, today - 35, "in_use");
    /* In the future, or before the last one: refused. */
    assert_int_equal(inspect(id, today + 1, "qualified", NULL), ERR_INVALID);
    assert_int_equal(inspect(id, today - 401, "qualified", NULL), ERR_INVALID);
    /* Failed: the unit stays due. */
    assert_int_equal(inspect(id, today - 30, "unqualified", NULL), 0);
    json_t *u = get_unit(id);
    assert_string_equal(text(u, "next_due"), fmt(today - 35));
    assert_string_equal(text(u, "last_inspected"), fmt(today - 30));
    assert_string_equal(text(u, "last_conclusion"), "unqualified");
    json_decref(u);
    /* Passed: a year on from the inspection; the history keeps the due it answered. */
    assert_int_equal(inspect(id, today - 20, "qualified", NULL), 0);
    u = get_unit(id);
    assert_string_equal(text(u, "next_due"), fmt(equipment_add_months(today - 20, 12)));
    json_decref(u);
    struct db_stmt *st;
    assert_int_equal(db_prepare_once(db,
                                     "SELECT count(*), min(due_on), max(due_on),"
                                     " sum(first_of_due) FROM equipment_inspections"
                                     " WHERE unit = ?",
                                     &st),
                     0);
    assert_int_equal(db_bind_int(st, 1, id), 0);
    assert_int_equal(db_row(st), 0);
    assert_int_equal(db_col_int(st, 0), 2);
    assert_string_equal(db_col_text(st, 1), fmt(today - 35));
    assert_string_equal(db_col_text(st, 2), fmt(today - 35));
    assert_int_equal(db_col_int(st, 3), 1); /* the first of the two answered the due date */
    db_finalize(st);
    /* A due date given by the report; one not after the inspection is refused. */
    assert_int_equal(inspect(id, today - 10, "qualified", fmt(today - 10)), ERR_INVALID);
    assert_int_equal(inspect(id, today - 10, "basically_qualified", "2099-01-01"), 0);
    u = get_unit(id);
    assert_string_equal(text(u, "next_due"), "2099-01-01");
    json_decref(u);
    /* Scrapped: nothing more. */
    assert_int_equal(db_exec(db, "UPDATE equipment SET status = 'scrapped'"), 0);
    assert_int_equal(inspect(id, today, "qualified", NULL), ERR_CONFLICT);
    assert_int_equal(db_exec(db, "DELETE FROM equipment_inspections; DELETE FROM equipment"), 0);
}

static double rate_of(json_t *o)
{
    return json_real_value(json_object_get(o, "rate"));
}

static int64_t count_of(json_t *o, const char *name)
{
    return json_integer_value(json_object_get(o, name));
}

static void test_inspection_rate(void **state)
{
    (void)state;
    /* A register of hand-made units; the period is the last 200 days. */
    int32_t from = today - 200, to = today;
    int64_t a = unit("梯31鲁P90011(20)", "elevator", -1, today - 100, "in_use");
    assert_int_equal(inspect(a, today - 110, "qualified", NULL), 0); /* on time */
    int64_t b = unit("梯31鲁P90012(20)", "elevator", -1, today - 100, "in_use");
    assert_int_equal(inspect(b, today - 90, "qualified", NULL), 0); /* late */
    int64_t c = unit("容21鲁P90013(20)", "pressure_vessel", -1, today - 50, "in_use");
    (void)c; /* missed */
    int64_t d = unit("容21鲁P90014(20)", "pressure_vessel", -1, today + 10, "in_use");
    (void)d; /* not due yet, outside the period */
    int64_t e = unit("梯31鲁P90015(20)", "elevator", -1, today, "in_use");
    (void)e; /* due today: pending */
    int64_t f = unit("梯31鲁P90016(20)", "elevator", -1, today - 20, "idle");
    (void)f; /* idle: exempt */
    int64_t g = unit("锅11鲁P90017(20)", "boiler", -1, today - 10, "in_use");
    assert_int_equal(inspect(g, equipment_add_months(today - 10, -4), "unqualified", NULL), 0);
    /* early (inspected more than 3 months ahead), even though failed: it was inspected */
    int64_t h = unit("梯31鲁P90018(20)", "elevator", -1, from - 1, "in_use");
    assert_int_equal(inspect(h, from - 30, "qualified", NULL), 0); /* due before the period */
    json_t *o = NULL;
    assert_int_equal(equipment_inspection_rate(db, from, to, today, NULL, NULL, 0, &o), 0);
    json_t *t = json_object_get(o, "total");
    /* Due in the period: a, b, c, e, g = 5; pending e; on time a; early g; late b; missed c. */
    assert_int_equal(count_of(t, "due"), 5);
    assert_int_equal(count_of(t, "on_time"), 1);
    assert_int_equal(count_of(t, "early"), 1);
    assert_int_equal(count_of(t, "late"), 1);
    assert_int_equal(count_of(t, "missed"), 1);
    assert_int_equal(count_of(t, "pending"), 1);
    assert_true(rate_of(t) == 0.5);
    assert_string_equal(text(o, "by"), "region");
    json_t *groups = json_object_get(o, "groups");
    assert_int_equal(json_array_size(groups), 11); /* every county-level region */
    size_t i;
    json_t *x;
    json_array_foreach(groups, i, x)
    {
        if (!strcmp(text(x, "key"), "371502")) {
            assert_string_equal(text(x, "label"), "东昌府区");
            assert_int_equal(count_of(x, "due"), 5);
        } else {
            assert_int_equal(count_of(x, "due"), 0);
            assert_true(json_is_null(json_object_get(x, "rate")));
        }
    }
    json_decref(o);
    /* By category, and of one category. */
    assert_int_equal(equipment_inspection_rate(db, from, to, today, NULL, NULL, 1, &o), 0);
    groups = json_object_get(o, "groups");
    assert_int_equal(json_array_size(groups), 9);
    x = json_array_get(groups, 2);
    assert_string_equal(text(x, "key"), "elevator");
    assert_string_equal(text(x, "label"), "电梯");
    assert_int_equal(count_of(x, "due"), 3); /* a, b, e */
    assert_true(rate_of(x) == 0.5);          /* a of a, b */
    x = json_array_get(groups, 1);
    assert_string_equal(text(x, "key"), "pressure_vessel");
    assert_int_equal(count_of(x, "missed"), 1);
    assert_true(rate_of(x) == 0.0);
    json_decref(o);
    assert_int_equal(equipment_inspection_rate(db, from, to, today, "371502", "boiler", 1, &o), 0);
    assert_int_equal(count_of(json_object_get(o, "total"), "due"), 1);
    assert_int_equal(json_array_size(json_object_get(o, "groups")), 1);
    json_decref(o);
    assert_int_equal(equipment_inspection_rate(db, from, to, today, "371503", NULL, 0, &o), 0);
    assert_int_equal(count_of(json_object_get(o, "total"), "due"), 0);
    assert_int_equal(json_array_size(json_object_get(o, "groups")), 1);
    json_decref(o);
    /* The period's bounds are inclusive: a due on its first day counts, the day before not. */
    assert_int_equal(
        equipment_inspection_rate(db, today - 100, today - 100, today, NULL, NULL, 0, &o), 0);
    assert_int_equal(count_of(json_object_get(o, "total"), "due"), 2);
    json_decref(o);
    assert_int_equal(
        equipment_inspection_rate(db, today - 99, today - 51, today, NULL, NULL, 0, &o), 0);
    assert_int_equal(count_of(json_object_get(o, "total"), "due"), 0);
    json_decref(o);

    /* A unit moved to another county takes its history along. */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE equipment SET region = '371503' WHERE id = %lld",
             (long long)a);
    assert_int_equal(db_exec(db, sql), 0);
    assert_int_equal(equipment_sync_history(db, a), 0);
    assert_int_equal(equipment_inspection_rate(db, from, to, today, "371503", NULL, 0, &o), 0);
    assert_int_equal(count_of(json_object_get(o, "total"), "on_time"), 1);
    json_decref(o);
    snprintf(sql, sizeof sql, "UPDATE equipment SET region = '371502' WHERE id = %lld",
             (long long)a);
    assert_int_equal(db_exec(db, sql), 0);
    assert_int_equal(equipment_sync_history(db, a), 0);

    /* Reminders: in use, due within 30 days or overdue (c, d, e, and g still due). */
    assert_int_equal(equipment_reminders(db, NULL, NULL, today, 100, &o), 0);
    assert_int_equal(count_of(o, "overdue"), 2);  /* c, g */
    assert_int_equal(count_of(o, "due_soon"), 2); /* d, e */
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 4);
    assert_string_equal(text(json_array_get(items, 0), "registration_no"), "容21鲁P90013(20)");
    assert_true(json_is_true(json_object_get(json_array_get(items, 0), "overdue")));
    assert_true(json_is_false(json_object_get(o, "more")));
    json_decref(o);
    assert_int_equal(equipment_reminders(db, OWN, NULL, today, 1, &o), 0);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 1);
    assert_true(json_is_true(json_object_get(o, "more")));
    json_decref(o);
    assert_int_equal(equipment_reminders(db, "91371502MA3C00012E", NULL, today, 10, &o), 0);
    assert_int_equal(count_of(o, "overdue") + count_of(o, "due_soon"), 0);
    json_decref(o);
    assert_int_equal(equipment_reminders(db, NULL, "371503", today, 10, &o), 0);
    assert_int_equal(json_array_size(json_object_get(o, "regions")), 0);
    json_decref(o);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_add_months),   cmocka_unit_test(test_registration),
        cmocka_unit_test(test_derive_dates), cmocka_unit_test(test_status),
        cmocka_unit_test(test_status_write), cmocka_unit_test(test_due_state_boundaries),
        cmocka_unit_test(test_rate),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test(test_record_inspection),
        cmocka_unit_test(test_inspection_rate),
    };
    int failed = cmocka_run_group_tests_name("rules", pure, NULL, NULL);
    return failed + cmocka_run_group_tests_name("database", stored, setup, teardown);
}
