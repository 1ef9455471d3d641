/* SPDX-License-Identifier: MIT */
/* Loading reference data and the process-wide working-day calendar. */
#include "refdata/refdata.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/workday.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct calendar g_cal;
static pthread_rwlock_t g_cal_lock = PTHREAD_RWLOCK_INITIALIZER;

const struct enum_value refdata_factors[] = {
    {"funding", "资金"}, {"land", "用地"},     {"energy", "用能"},      {"finance", "融资"},
    {"talent", "人才"},  {"approval", "审批"}, {"environment", "环保"}, {"policy", "政策咨询"},
    {"other", "其他"},   {NULL, NULL},
};

const char *refdata_factor_name(const char *factor)
{
    for (const struct enum_value *f = refdata_factors; factor && f->value; f++)
        if (strcmp(f->value, factor) == 0)
            return f->label;
    return NULL;
}

const char *refdata_region_name(const char *code)
{
    for (const struct region_row *r = refdata_regions; code && r->code; r++)
        if (strcmp(r->code, code) == 0)
            return r->name;
    return NULL;
}

int refdata_parse_region(const char *text, json_t **out, char *msg, size_t cap)
{
    if (!refdata_region_name(text)) {
        snprintf(msg, cap, "未知的行政区划代码");
        return ERR_INVALID;
    }
    if (out)
        *out = json_string(text);
    return 0;
}

const char *refdata_department_name(int64_t id)
{
    for (const struct department_row *d = refdata_departments; d->id; d++)
        if (d->id == id)
            return d->name;
    return NULL;
}

int refdata_load(struct db *w)
{
    static const char region_sql[] = "INSERT INTO regions(code, name, level, parent, sort)"
                                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT(code) DO NOTHING";
    static const char chain_sql[] =
        "INSERT INTO chains(id, name) VALUES (?, ?) ON CONFLICT(id) DO NOTHING";
    static const char dept_sql[] = "INSERT INTO departments(id, name, factor, region)"
                                   " VALUES (?, ?, ?, '371500') ON CONFLICT(id) DO NOTHING";
    static const char day_sql[] = "INSERT INTO calendar_days(day, kind, name) VALUES (?, ?, ?)"
                                  " ON CONFLICT(day) DO NOTHING";
    struct db_stmt *st;
    int rc = 0, sort = 0;
    for (const struct region_row *r = refdata_regions; !rc && r->code; r++) {
        rc = db_prepare(w, region_sql, &st);
        if (rc)
            break;
        db_bind_text(st, 1, r->code, -1);
        db_bind_text(st, 2, r->name, -1);
        db_bind_text(st, 3, r->level, -1);
        db_bind_text(st, 4, r->parent, -1);
        db_bind_int(st, 5, sort++);
        rc = db_run(st);
    }
    for (const struct chain_row *c = refdata_chains; !rc && c->id; c++) {
        rc = db_prepare(w, chain_sql, &st);
        if (rc)
            break;
        db_bind_int(st, 1, c->id);
        db_bind_text(st, 2, c->name, -1);
        rc = db_run(st);
    }
    for (const struct department_row *d = refdata_departments; !rc && d->id; d++) {
        rc = db_prepare(w, dept_sql, &st);
        if (rc)
            break;
        db_bind_int(st, 1, d->id);
        db_bind_text(st, 2, d->name, -1);
        db_bind_text(st, 3, d->factor, -1);
        rc = db_run(st);
    }
    for (const struct holiday_row *h = refdata_holidays; !rc && h->from; h++) {
        int32_t from, to;
        if (date_parse(h->from, strlen(h->from), &from) || date_parse(h->to, strlen(h->to), &to))
            return ERR_INTERNAL;
        for (int32_t d = from; !rc && d <= to; d++) {
            char day[DATE_LEN + 1];
            date_format(d, day);
            rc = db_prepare(w, day_sql, &st);
            if (rc)
                break;
            db_bind_text(st, 1, day, -1);
            db_bind_text(st, 2, h->kind, -1);
            db_bind_text(st, 3, h->name, -1);
            rc = db_run(st);
        }
    }
    return rc;
}

int refdata_calendar_reload(struct db *db)
{
    static const char sql[] = "SELECT day, kind FROM calendar_days ORDER BY day";
    struct calendar cal = {NULL, 0};
    size_t cap = 0;
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int32_t day;
        const char *s = db_col_text(st, 0);
        if (!s || date_parse(s, strlen(s), &day))
            continue;
        if (cal.n == cap) {
            cap = cap ? cap * 2 : 128;
            cal.days = xrealloc(cal.days, cap * sizeof *cal.days);
        }
        cal.days[cal.n].day = day;
        cal.days[cal.n].kind =
            strcmp(db_col_text(st, 1), "workday") == 0 ? DAY_WORKDAY : DAY_HOLIDAY;
        cal.n++;
    }
    db_done(st);
    if (rc < 0) {
        free(cal.days);
        return rc;
    }
    calendar_sort(&cal);
    pthread_rwlock_wrlock(&g_cal_lock);
    free(g_cal.days);
    g_cal = cal;
    pthread_rwlock_unlock(&g_cal_lock);
    return 0;
}

void refdata_calendar_free(void)
{
    pthread_rwlock_wrlock(&g_cal_lock);
    free(g_cal.days);
    g_cal.days = NULL;
    g_cal.n = 0;
    pthread_rwlock_unlock(&g_cal_lock);
}

int32_t refdata_add_workdays(int32_t from, int n)
{
    pthread_rwlock_rdlock(&g_cal_lock);
    int32_t d = calendar_add_workdays(&g_cal, from, n);
    pthread_rwlock_unlock(&g_cal_lock);
    return d;
}

int refdata_workdays_between(int32_t from, int32_t to)
{
    pthread_rwlock_rdlock(&g_cal_lock);
    int n = calendar_workdays_between(&g_cal, from, to);
    pthread_rwlock_unlock(&g_cal_lock);
    return n;
}

int refdata_is_workday(int32_t day)
{
    pthread_rwlock_rdlock(&g_cal_lock);
    int w = calendar_is_workday(&g_cal, day);
    pthread_rwlock_unlock(&g_cal_lock);
    return w;
}
