/* SPDX-License-Identifier: MIT */
/*
 * Reference data over HTTP. Regions, chains and departments change only with a new release,
 * so their answers are encoded once per process and served from memory.
 *   GET /api/v1/regions, /chains, /departments
 *   GET /api/v1/calendar?year=, PUT|DELETE /api/v1/calendar/{date} (administrators)
 *   GET /api/v1/workdays/add?from=&days=
 */
#include "refdata/refdata.h"
#include "http/module.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/rows.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CACHE_REGIONS, CACHE_CHAINS, CACHE_DEPARTMENTS, NCACHE };

static const char *const cache_sql[NCACHE] = {
    "SELECT code, name, level, parent FROM regions ORDER BY sort",
    "SELECT id, name FROM chains ORDER BY id",
    "SELECT id, name, factor, region FROM departments ORDER BY id",
};
static char *cache[NCACHE];
static size_t cache_len[NCACHE];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

void refdata_cache_free(void)
{
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < NCACHE; i++) {
        free(cache[i]);
        cache[i] = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
}

/* Encodes list i once; returns 0 or an error. Called with cache_lock held. */
static int cache_build(int i)
{
    struct db *db = db_read();
    struct db_stmt *st;
    if (!db || db_prepare(db, cache_sql[i], &st))
        return ERR_DB;
    json_t *items = rows_to_json(st);
    if (!items)
        return ERR_DB;
    if (i == CACHE_DEPARTMENTS) {
        size_t k;
        json_t *d;
        json_array_foreach(items, k, d)
        {
            const char *name = refdata_factor_name(json_string_value(json_object_get(d, "factor")));
            json_object_set_new(d, "factor_name", json_string(name ? name : ""));
        }
    }
    json_t *o = json_pack("{s:o}", "items", items);
    cache[i] = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!cache[i])
        return ERR_INTERNAL;
    cache_len[i] = strlen(cache[i]);
    return 0;
}

static int reply_cached(struct resp *resp, int i)
{
    int rc = 0;
    pthread_mutex_lock(&cache_lock);
    if (!cache[i])
        rc = cache_build(i);
    pthread_mutex_unlock(&cache_lock);
    if (rc)
        return rc;
    /* Built once and never freed while serving, so the bytes can be lent to the response. */
    resp->status = 200;
    resp->content_type = "application/json";
    resp->static_body = cache[i];
    resp->static_len = cache_len[i];
    return 0;
}

static int regions_list(struct req *req, struct resp *resp)
{
    (void)req;
    return reply_cached(resp, CACHE_REGIONS);
}

static int chains_list(struct req *req, struct resp *resp)
{
    (void)req;
    return reply_cached(resp, CACHE_CHAINS);
}

static int departments_list(struct req *req, struct resp *resp)
{
    (void)req;
    return reply_cached(resp, CACHE_DEPARTMENTS);
}

static const char *const calendar_query[] = {"year", NULL};

static int calendar_list(struct req *req, struct resp *resp)
{
    static const char sql[] = "SELECT day AS date, kind, name FROM calendar_days"
                              " WHERE day >= ? AND day < ? ORDER BY day";
    int64_t year;
    int rc = req_query_int_or_reply(req, resp, "year", 0, 1900, 2999, &year);
    if (rc)
        return rc;
    if (!year) {
        int y, m, d;
        date_to_ymd(date_today(), &y, &m, &d);
        year = y;
    }
    char from[32], to[32];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-01-01", (int)year + 1);
    struct db *db = db_read();
    struct db_stmt *st;
    if (!db || db_prepare(db, sql, &st))
        return ERR_DB;
    db_bind_text(st, 1, from, -1);
    db_bind_text(st, 2, to, -1);
    json_t *items = rows_to_json(st);
    if (!items)
        return ERR_DB;
    return reply_json(resp, 200, json_pack("{s:I,s:o}", "year", (json_int_t)year, "items", items));
}

/* Commits a calendar change and reloads the process calendar while the writer is still held,
 * so that two edits cannot install their snapshots in the wrong order. The change stands even
 * if the reload fails (the next start loads it): that is logged, not answered. */
static int commit_calendar(struct db *w, int rc)
{
    if (!rc && refdata_calendar_reload(w))
        log_error("calendar reload failed", "the change is saved; restart to apply it");
    rc = db_write_end(w, rc);
    if (rc) /* the commit failed after the reload: go back to what is stored */
        refdata_calendar_reload(db_read());
    return rc;
}

static int date_param_or_reply(struct req *req, struct resp *resp, int32_t *day)
{
    const char *s = req_param(req, "date");
    if (!s || date_parse(s, strlen(s), day))
        return reply_error(resp, ERR_INVALID, "validation_failed", "日期格式应为 YYYY-MM-DD",
                           "date");
    return 0;
}

static const struct enum_value day_kinds[] = {
    {"holiday", "节假日"},
    {"workday", "调休工作日"},
    {NULL, NULL},
};

static const struct field calendar_body[] = {
    {"kind", FIELD_STRING, FIELD_REQUIRED, 16, "类型", NULL, NULL, day_kinds},
    {"name", FIELD_STRING, 0, 32, "名称"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int calendar_put(struct req *req, struct resp *resp)
{
    static const char sql[] = "INSERT INTO calendar_days(day, kind, name) VALUES (?, ?, ?)"
                              " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind,"
                              " name = excluded.name";
    int32_t day;
    int rc = date_param_or_reply(req, resp, &day);
    if (rc)
        return rc;
    const char *kind = json_string_value(json_object_get(req->json, "kind"));
    const char *name = json_string_value(json_object_get(req->json, "name"));
    char date[DATE_LEN + 1], object[32];
    date_format(day, date);
    snprintf(object, sizeof object, "calendar:%s", date);
    json_t *detail = json_pack("{s:s,s:s}", "kind", kind, "name", name ? name : "");
    char *detail_text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    struct db *w = db_write_begin();
    struct db_stmt *st;
    rc = w ? db_prepare(w, sql, &st) : ERR_DB;
    if (!rc) {
        db_bind_text(st, 1, date, -1);
        db_bind_text(st, 2, kind, -1);
        db_bind_text(st, 3, name ? name : "", -1);
        rc = db_run(st);
    }
    if (!rc)
        rc = audit_record_as(w, req->user, req->ip, "calendar.set", object, detail_text);
    free(detail_text);
    if (w)
        rc = commit_calendar(w, rc);
    if (rc)
        return rc;
    return reply_json(
        resp, 200,
        json_pack("{s:s,s:s,s:s}", "date", date, "kind", kind, "name", name ? name : ""));
}

static int calendar_delete(struct req *req, struct resp *resp)
{
    static const char sql[] = "DELETE FROM calendar_days WHERE day = ?";
    int32_t day;
    int rc = date_param_or_reply(req, resp, &day);
    if (rc)
        return rc;
    char date[DATE_LEN + 1], object[32];
    date_format(day, date);
    snprintf(object, sizeof object, "calendar:%s", date);
    struct db *w = db_write_begin();
    struct db_stmt *st;
    rc = w ? db_prepare(w, sql, &st) : ERR_DB;
    if (!rc) {
        db_bind_text(st, 1, date, -1);
        rc = db_run(st);
    }
    if (!rc && db_changes(w) == 0)
        rc = ERR_NOTFOUND;
    if (!rc)
        rc = audit_record_as(w, req->user, req->ip, "calendar.delete", object, NULL);
    if (w)
        rc = commit_calendar(w, rc);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "该日期没有节假日或调休设置", "date");
    return rc;
}

static const char *const workdays_add_query[] = {"from", "days", NULL};

static int workdays_add(struct req *req, struct resp *resp)
{
    const char *from_s = req_query(req, "from");
    int32_t from;
    int64_t days;
    if (!from_s || date_parse(from_s, strlen(from_s), &from))
        return reply_error(resp, ERR_INVALID, "validation_failed", "起始日期格式应为 YYYY-MM-DD",
                           "from");
    int rc = req_query_int_or_reply(req, resp, "days", 0, -3650, 3650, &days);
    if (rc)
        return rc;
    char out[DATE_LEN + 1];
    date_format(refdata_add_workdays(from, (int)days), out);
    return reply_json(
        resp, 200,
        json_pack("{s:s,s:I,s:s}", "from", from_s, "days", (json_int_t)days, "date", out));
}

static const struct route routes[] = {
    {"GET", "/api/v1/regions", regions_list, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/chains", chains_list, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/departments", departments_list, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/calendar", calendar_list, ROLES_ANY, NULL, 0, 0, .query = calendar_query},
    {"PUT", "/api/v1/calendar/{date}", calendar_put, ROLE_ADMIN, calendar_body, ROUTE_BODY_JSON, 0},
    {"DELETE", "/api/v1/calendar/{date}", calendar_delete, ROLE_ADMIN, NULL, 0, 0},
    {"GET", "/api/v1/workdays/add", workdays_add, ROLES_ANY, NULL, 0, 0,
     .query = workdays_add_query},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static const struct audit_action actions[] = {
    {"calendar.set", "设置节假日或调休"},
    {"calendar.delete", "删除节假日或调休"},
    {NULL, NULL},
};

/* The reference data (regions, chains, departments, holidays) of the demo city. */
static int refdata_demo(struct db *w, struct demo *d)
{
    (void)d;
    return refdata_load(w);
}

const struct module refdata_module = {
    .name = "refdata",
    .label = "基础数据",
    .roles = ROLES_ANY,
    .routes = routes,
    .actions = actions,
    .demo = refdata_demo,
};
