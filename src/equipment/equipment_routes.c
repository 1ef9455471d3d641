/* SPDX-License-Identifier: MIT */
/*
 * M6 over HTTP:
 *   GET|POST  /api/v1/equipment                    units (filters: category, region, status,
 *                                                  owner, due_within=N, overdue=1|0, q)
 *   GET       /api/v1/equipment/categories         the categories and their intervals
 *   GET       /api/v1/equipment/reminders          due within 30 days or overdue, with counts
 *   GET       /api/v1/equipment/inspection-rate    定检率 of a period, by region or category
 *   GET|PATCH /api/v1/equipment/{id}               one unit
 *   GET|POST  /api/v1/equipment/{id}/inspections   its inspection history; record one
 * Bureau staff manage (county staff their county's units); inspectors read; an enterprise
 * account reads the units it owns or uses (others look as if they did not exist) and its
 * reminders. Every write is judged inside its write transaction and audited with it.
 */
#include "equipment/equipment.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "db/db.h"
#include "http/cache.h"
#include "http/list.h"
#include "http/module.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int equipment_demo(struct db *w, struct demo *d);

#define ROLES_MANAGE ROLE_BUREAU
#define ROLES_STAFF_READ (ROLE_BUREAU | ROLE_INSPECTOR)
#define ROLES_READ (ROLES_STAFF_READ | ROLE_ENTERPRISE)

/* A refusal decided inside the transaction, answered after it is rolled back. */
struct refusal {
    int err;
    const char *code, *field;
    char message[256];
};

static int refuse(struct refusal *r, int err, const char *code, const char *message,
                  const char *field)
{
    r->err = err;
    r->code = code;
    r->field = field;
    snprintf(r->message, sizeof r->message, "%s", message);
    return err;
}

/* Answers r when rc is its error; returns rc. */
static int answer(struct resp *resp, const struct refusal *r, int rc)
{
    return rc && r->err == rc ? reply_error(resp, rc, r->code, r->message, r->field) : rc;
}

static const char *text_of(json_t *v, const char *name)
{
    return json_string_value(json_object_get(v, name));
}

static int owner_account(const struct principal *p)
{
    return (p->role & ROLES_ENTITY_OWNERS) != 0;
}

/* Upper-cases the member name of v (a USCC), when it is a string. */
static void upper_member(json_t *v, const char *name)
{
    const char *s = text_of(v, name);
    if (!s)
        return;
    char code[24];
    snprintf(code, sizeof code, "%s", s);
    for (char *c = code; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    json_object_set_new(v, name, json_string(code));
}

/* ---- the list ---- */

/* ?due_within=N (0..3650 days): binds "<today>:<today + N>" to the fragment below. */
static int parse_due_within(const char *text, json_t **out, char *msg, size_t cap)
{
    char *end;
    long n = strtol(text, &end, 10);
    if (!*text || *end || n < 0 || n > 3650 || text[0] == '+' || text[0] == '-') {
        snprintf(msg, cap, "due_within 须为 0 到 3650 之间的天数");
        return ERR_INVALID;
    }
    char v[2 * DATE_LEN + 2];
    int32_t today = date_today();
    date_format(today, v);
    v[DATE_LEN] = ':';
    date_format(today + (int32_t)n, v + DATE_LEN + 1);
    if (out)
        *out = json_string(v);
    return 0;
}

/* ?q=: a prefix of the registration number. */
static int parse_prefix(const char *text, json_t **out, char *msg, size_t cap)
{
    const struct field *f = field_find(equipment_fields, "registration_no");
    struct field prefix = *f;
    prefix.label = "查询内容";
    prefix.flags = 0;
    return field_parse_text(&prefix, text, out, msg, cap);
}

static const struct list_filter unit_filters[] = {
    {"category"},
    {"region", NULL, NULL, refdata_parse_region},
    {"status"},
    {"owner"},
    /* In use and due from today to today + N days (not overdue). */
    {"due_within",
     " AND eq.status = 'in_use' AND eq.next_due >= substr(?, 1, 10)"
     " AND eq.next_due <= substr(?, 12, 10)",
     NULL, parse_due_within},
    /* In use and due before today. */
    {"overdue", LIST_TODAY_FLAG("eq.status = 'in_use' AND eq.next_due < " LIST_TODAY), NULL,
     list_parse_today_flag},
    {"q", " AND substr(eq.registration_no, 1, length(?)) = ?", NULL, parse_prefix},
    {NULL},
};

static const struct list_sort unit_sorts[] = {
    {"id", "eq.id"},
    {"registration_no", "eq.registration_no"},
    {"next_due", "eq.next_due"},
    {NULL, NULL},
};

/* Enterprises see the units they own or use; county staff their county. */
static int units_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    const struct principal *p = req->user;
    const char *own = scope_region(p), *region = list_value(q, "region");
    int rc = 0;
    if (owner_account(p)) {
        list_set(q, "region", NULL);
        list_where(q, " AND (eq.owner = ? OR eq.user_uscc = ?)");
        rc = list_bind_text(q, p->entity) || list_bind_text(q, p->entity);
    } else if (own) {
        list_set(q, "region", own);
    } else if (region && !strcmp(region, CITY_REGION)) {
        list_set(q, "region", NULL); /* the city's own code is the whole city */
    }
    /* overdue=1 again as a range the (status, next_due) indexes serve. */
    const char *overdue = list_value(q, "overdue");
    if (!rc && overdue && (!strcmp(overdue, "1") || !strcmp(overdue, "true"))) {
        char today[DATE_LEN + 1];
        date_format(date_today(), today);
        list_where(q, " AND eq.status = 'in_use' AND eq.next_due < ?");
        rc = list_bind_text(q, today);
    }
    return rc ? ERR_INTERNAL : 0;
}

/* The columns of status and next_due in a unit's row (rec_columns), found once. */
static int status_col, next_due_col;
static pthread_once_t cols_once = PTHREAD_ONCE_INIT;

static void cols_find(void)
{
    const struct field *f;
    for (int i = 0; (f = rec_column_field(&equipment_unit, i)); i++) {
        if (!strcmp(f->name, "status"))
            status_col = i;
        else if (!strcmp(f->name, "next_due"))
            next_due_col = i;
    }
}

/* overdue and days_left, written after the row's own members (equipment_status_write). */
static int units_extend(struct req *req, struct db_stmt *st, struct strbuf *out)
{
    (void)req;
    pthread_once(&cols_once, cols_find);
    return equipment_status_write(db_col_text(st, status_col), db_col_text(st, next_due_col),
                                  date_today(), out);
}

static const struct list_def units_list = {
    .rec = &equipment_unit,
    .order = "eq.next_due, eq.id",
    .filename = "特种设备",
    .filters = unit_filters,
    .sorts = unit_sorts,
    .prepare = units_prepare,
    .extend = units_extend,
};

/* ---- one unit ---- */

static int id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "未找到该设备", id);
}

/* Reads unit id on db if p may see it, or refuses into r: an enterprise learns nothing of
 * others' units (404), county staff are refused other counties' (403). */
static int unit_read(struct db *db, const struct principal *p, int64_t id, json_t **out,
                     struct refusal *r)
{
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, id);
    *out = NULL;
    int rc = rec_get(db, &equipment_unit, key, out);
    if (!rc && owner_account(p) && strcmp(text_of(*out, "owner"), p->entity) &&
        strcmp(text_of(*out, "user_uscc"), p->entity))
        rc = ERR_NOTFOUND;
    if (rc == ERR_NOTFOUND)
        rc = refuse(r, rc, "not_found", "未找到该设备", NULL);
    else if (!rc && scope_allows(p, text_of(*out, "region")))
        rc = refuse(r, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的特种设备", NULL);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static int unit_get(struct req *req, struct resp *resp)
{
    int64_t id;
    struct refusal r = {0};
    json_t *o = NULL;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = unit_read(db_read(), req->user, id, &o, &r);
    if (rc)
        return answer(resp, &r, rc);
    equipment_decorate(o, date_today());
    return reply_json(resp, 200, o);
}

/* Checks entity uscc (member name of a body) on w: it exists and is active, and p may manage
 * its county's units; sets region (16 bytes) to its region. */
static int entity_check(struct db *w, const struct principal *p, const char *uscc, const char *name,
                        char region[16], struct refusal *r)
{
    json_t *e = NULL;
    int rc = registry_get(w, uscc, &e);
    if (rc == ERR_NOTFOUND)
        return refuse(
            r, ERR_INVALID, "unknown_entity",
            !strcmp(name, "owner") ? "产权单位不在市场主体库中" : "使用单位不在市场主体库中", name);
    if (rc)
        return rc;
    if (strcmp(text_of(e, "status"), "active"))
        rc = refuse(r, ERR_INVALID, "entity_inactive",
                    !strcmp(name, "owner") ? "产权单位已注销或吊销" : "使用单位已注销或吊销", name);
    else if (region && scope_allows(p, text_of(e, "region")))
        rc = refuse(r, ERR_FORBIDDEN, "forbidden", "只能登记、变更本辖区产权单位的设备", name);
    if (!rc && region)
        snprintf(region, 16, "%s", text_of(e, "region"));
    json_decref(e);
    return rc;
}

/* Checks category code on w and the registration number no against it; *cat gets the row. */
static int category_check(struct db *w, const char *code, const char *no,
                          struct equipment_category *cat, struct refusal *r)
{
    int rc = equipment_category_get(w, code, cat);
    if (rc == ERR_NOTFOUND)
        return refuse(r, ERR_INVALID, "unknown_category",
                      "设备类别不存在（见 GET /api/v1/equipment/categories）", "category");
    char msg[256];
    if (!rc && equipment_check_registration(no, cat->reg_char, msg, sizeof msg))
        rc = refuse(r, ERR_INVALID, "validation_failed", msg, "registration_no");
    return rc;
}

static int audit(struct db *w, struct req *req, const char *action, int64_t id, const char *detail)
{
    char object[48];
    snprintf(object, sizeof object, "equipment:%" PRId64, id);
    return audit_record_as(w, req->user, req->ip, action, object, detail);
}

static int unit_create(struct req *req, struct resp *resp)
{
    json_t *v = json_deep_copy(req->json), *o = NULL;
    upper_member(v, "owner");
    upper_member(v, "user_uscc");
    const char *status = text_of(v, "status");
    if (status && !strcmp(status, "scrapped")) {
        json_decref(v);
        return reply_error(resp, ERR_INVALID, "validation_failed",
                           "新登记的设备状态只能是在用或停用", "status");
    }
    struct refusal r = {0};
    struct equipment_category cat = {0};
    char region[16], msg[256];
    const char *field = NULL;
    int64_t id = 0;
    int given = json_is_string(json_object_get(v, "next_due"));
    struct db *w = db_write_begin();
    int rc = w ? category_check(w, text_of(v, "category"), text_of(v, "registration_no"), &cat, &r)
               : ERR_DB;
    if (!rc)
        rc = entity_check(w, req->user, text_of(v, "owner"), "owner", region, &r);
    if (!rc && !text_of(v, "user_uscc"))
        json_object_set_new(v, "user_uscc", json_string(text_of(v, "owner")));
    else if (!rc && strcmp(text_of(v, "user_uscc"), text_of(v, "owner")))
        rc = entity_check(w, req->user, text_of(v, "user_uscc"), "user_uscc", NULL, &r);
    json_t *iv = json_object_get(v, "interval_months");
    int cycle = json_is_integer(iv) ? (int)json_integer_value(iv) : cat.interval_months;
    if (!rc && equipment_derive_dates(v, cycle, given, date_today(), &field, msg, sizeof msg))
        rc = refuse(&r, ERR_INVALID, "validation_failed", msg, field);
    if (!rc) {
        json_object_set_new(v, "region", json_string(region));
        rc = rec_insert(w, &equipment_unit, v);
        if (rc == ERR_CONFLICT)
            rc = refuse(&r, rc, "duplicate", "该使用登记证编号已登记", "registration_no");
    }
    if (!rc)
        id = db_last_id(w);
    char *detail = rc ? NULL : json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (!rc)
        rc = audit(w, req, "equipment.create", id, detail);
    free(detail);
    if (!rc)
        rc = unit_read(w, req->user, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    equipment_decorate(o, date_today());
    return reply_json(resp, 201, o);
}

/* The changes of patch p to unit before, judged on w: the values to write into *out. */
static int patch_judge(struct db *w, struct req *req, json_t *before, json_t *p, json_t **out,
                       struct refusal *r)
{
    json_t *upd = json_deep_copy(p), *merged = json_deep_copy(before);
    json_object_update(merged, upd);
    const char *status = text_of(upd, "status"), *field = NULL;
    char msg[256], region[16];
    struct equipment_category cat = {0};
    int rc = 0;
    if (!strcmp(text_of(before, "status"), "scrapped"))
        rc = refuse(r, ERR_CONFLICT, "invalid_state", "已报废的设备不能再变更", NULL);
    else if (status && equipment_status_change(text_of(before, "status"), status))
        rc = refuse(r, ERR_CONFLICT, "invalid_state", "设备状态不能这样变更", "status");
    if (!rc)
        rc = category_check(w, text_of(merged, "category"), text_of(merged, "registration_no"),
                            &cat, r);
    /* A new owner: its region follows, and so does the user when it was the owner. */
    if (!rc && json_is_string(json_object_get(upd, "owner"))) {
        upper_member(upd, "owner");
        json_object_set(merged, "owner", json_object_get(upd, "owner"));
        rc = entity_check(w, req->user, text_of(upd, "owner"), "owner", region, r);
        if (!rc)
            json_object_set_new(upd, "region", json_string(region));
        if (!rc && !json_object_get(upd, "user_uscc") &&
            !strcmp(text_of(before, "user_uscc"), text_of(before, "owner")))
            json_object_set(upd, "user_uscc", json_object_get(upd, "owner"));
    }
    json_t *user = json_object_get(upd, "user_uscc");
    if (!rc && user && json_is_null(user))
        json_object_set(upd, "user_uscc", json_object_get(merged, "owner"));
    else if (!rc && json_is_string(user)) {
        upper_member(upd, "user_uscc");
        if (strcmp(text_of(upd, "user_uscc"), text_of(merged, "owner")))
            rc = entity_check(w, req->user, text_of(upd, "user_uscc"), "user_uscc", NULL, r);
    }
    /* The due date: as given, computed again when asked (null) or when what it follows
     * changed, else kept. */
    int given = json_is_string(json_object_get(upd, "next_due"));
    if (!given && (json_object_get(upd, "next_due") || json_object_get(upd, "interval_months") ||
                   json_object_get(upd, "category") || json_object_get(upd, "installed_on")))
        json_object_set_new(merged, "next_due", json_null());
    json_t *iv = json_object_get(merged, "interval_months");
    int cycle = json_is_integer(iv) ? (int)json_integer_value(iv) : cat.interval_months;
    if (!rc && equipment_derive_dates(merged, cycle, given, date_today(), &field, msg, sizeof msg))
        rc = refuse(r, ERR_INVALID, "validation_failed", msg, field);
    if (!rc && strcmp(text_of(merged, "next_due"), text_of(before, "next_due")))
        json_object_set(upd, "next_due", json_object_get(merged, "next_due"));
    else if (!rc)
        json_object_del(upd, "next_due");
    json_decref(merged);
    if (rc)
        json_decref(upd);
    else
        *out = upd;
    return rc;
}

static int unit_patch(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    if (!field_any_given(equipment_fields, req->json))
        return reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    struct refusal r = {0};
    json_t *before = NULL, *upd = NULL, *o = NULL;
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, id);
    struct db *w = db_write_begin();
    rc = w ? unit_read(w, req->user, id, &before, &r) : ERR_DB;
    if (!rc)
        rc = patch_judge(w, req, before, req->json, &upd, &r);
    char object[48];
    snprintf(object, sizeof object, "equipment:%s", key);
    if (!rc) {
        rc = audit_update(w, req->user, req->ip, &equipment_unit, key, upd, before,
                          "equipment.update", object);
        if (rc == ERR_CONFLICT)
            rc = refuse(&r, rc, "duplicate", "该使用登记证编号已登记", "registration_no");
    }
    if (!rc && (json_object_get(upd, "region") || json_object_get(upd, "category")))
        rc = equipment_sync_history(w, id);
    if (!rc)
        rc = unit_read(w, req->user, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(before);
    json_decref(upd);
    if (rc) {
        json_decref(o);
        return answer(resp, &r, rc);
    }
    equipment_decorate(o, date_today());
    return reply_json(resp, 200, o);
}

/* ---- inspections ---- */

/* Adds "timeliness" to a history row: on_time, early or late against the due it answered. */
static void timeliness(json_t *h)
{
    const char *due = text_of(h, "due_on"), *on = text_of(h, "inspected_on");
    int32_t d, i;
    if (!due || !on || date_parse(due, strlen(due), &d) || date_parse(on, strlen(on), &i))
        return;
    enum equipment_due_state s = equipment_due_state(d, i, date_today());
    json_object_set_new(h, "timeliness",
                        json_string(s == EQUIPMENT_LATE    ? "late"
                                    : s == EQUIPMENT_EARLY ? "early"
                                                           : "on_time"));
}

static int inspection_create(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    struct refusal r = {0};
    json_t *unit = NULL, *h = NULL, *o = NULL;
    const char *field = NULL;
    char msg[256], key[24];
    struct db *w = db_write_begin();
    rc = w ? unit_read(w, req->user, id, &unit, &r) : ERR_DB;
    if (!rc) {
        int cycle = (int)json_integer_value(json_object_get(unit, "cycle_months"));
        rc = equipment_record_inspection(w, unit, cycle, req->json, req->user->id, date_today(),
                                         &field, msg, sizeof msg);
        if (rc == ERR_INVALID || rc == ERR_CONFLICT)
            rc = refuse(&r, rc, rc == ERR_CONFLICT ? "invalid_state" : "validation_failed", msg,
                        field);
    }
    if (!rc) {
        snprintf(key, sizeof key, "%" PRId64, db_last_id(w));
        rc = rec_get(w, &equipment_inspection, key, &h);
    }
    if (!rc) {
        char *detail = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
        rc = audit(w, req, "equipment.inspect", id, detail);
        free(detail);
    }
    if (!rc)
        rc = unit_read(w, req->user, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(unit);
    if (rc) {
        json_decref(h);
        json_decref(o);
        return answer(resp, &r, rc);
    }
    timeliness(h);
    equipment_decorate(o, date_today());
    return reply_json(resp, 201, json_pack("{so so}", "inspection", h, "unit", o));
}

/* The history query, composed once from the record's columns. */
static pthread_once_t history_once = PTHREAD_ONCE_INIT;
static const char *history_sql;

static void history_compose(void)
{
    char text[4096];
    snprintf(text, sizeof text,
             "SELECT %s FROM equipment_inspections h WHERE h.unit = ?"
             " ORDER BY h.inspected_on DESC, h.id DESC LIMIT 500",
             rec_columns(&equipment_inspection));
    history_sql = db_intern(text);
}

static int inspections_get(struct req *req, struct resp *resp)
{
    int64_t id;
    struct refusal r = {0};
    json_t *unit = NULL;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = unit_read(db_read(), req->user, id, &unit, &r);
    if (rc)
        return answer(resp, &r, rc);
    json_decref(unit);
    pthread_once(&history_once, history_compose);
    struct db_stmt *st = NULL;
    json_t *a = json_array();
    rc = history_sql ? db_prepare(db_read(), history_sql, &st) : ERR_INTERNAL;
    int step = DB_DONE;
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        json_t *h = rec_row_json(&equipment_inspection, st);
        timeliness(h);
        json_array_append_new(a, h);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (rc) {
        json_decref(a);
        return rc;
    }
    return reply_json(resp, 200, json_pack("{so}", "items", a));
}

/* ---- categories, rate, reminders ---- */

static int categories_get(struct req *req, struct resp *resp)
{
    (void)req;
    json_t *a = NULL;
    int rc = equipment_categories_json(db_read(), &a);
    return rc ? rc : reply_json(resp, 200, json_pack("{so}", "items", a));
}

/* The rates answered lately, by their parameters, kept until the next write this process
 * commits and 30 seconds at most (http/cache.h, as list counts are): the dashboard asks the
 * same questions again and again, and an answer costs tens of milliseconds at the city's scale. */
static struct cache rates = CACHE_INIT(32, 30);

static const char *const rate_query[] = {"from", "to", "by", "region", "category", NULL};

/* GET /api/v1/equipment/inspection-rate?from=&to=&by=region|category&region=&category=
 * (from: 1 January of this year; to: today). */
static int rate_get(struct req *req, struct resp *resp)
{
    const char *by = req_query(req, "by"), *region = req_query(req, "region"),
               *category = req_query(req, "category");
    int32_t today = date_today(), f, t = today;
    int y, m, d;
    date_to_ymd(today, &y, &m, &d);
    f = date_from_ymd(y, 1, 1);
    int rc = req_period_or_reply(req, resp, &f, &t);
    if (rc)
        return rc;
    if (t - f > 3660)
        return reply_error(resp, ERR_INVALID, "validation_failed", "统计期间不能超过 10 年", "to");
    if (by && *by && strcmp(by, "region") && strcmp(by, "category"))
        return reply_error(resp, ERR_INVALID, "validation_failed", "by 只能是 region 或 category",
                           "by");
    char msg[128];
    if (region && *region && refdata_parse_region(region, NULL, msg, sizeof msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, "region");
    if (!region || !*region || !strcmp(region, CITY_REGION))
        region = NULL;
    const char *own = scope_region(req->user);
    if (own && region && strcmp(own, region))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "只能查看本辖区的定检率", "region");
    if (own)
        region = own;
    struct equipment_category cat = {0};
    if (category && !*category)
        category = NULL;
    rc = category ? equipment_category_get(db_read(), category, &cat) : 0;
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, ERR_INVALID, "validation_failed", "设备类别不存在", "category");
    if (rc)
        return rc;
    int by_category = by && !strcmp(by, "category");
    char key[160], *body;
    size_t len;
    int n = snprintf(key, sizeof key, "%d|%d|%d|%s|%s|%d", (int)f, (int)t, (int)today,
                     region ? region : "", category ? category : "", by_category);
    int keyed = n > 0 && (size_t)n < sizeof key; /* a cut key could name another question */
    body = keyed ? cache_get_text(&rates, key, &len) : NULL;
    if (body) {
        rc = reply_raw(resp, 200, "application/json", body, len);
        free(body);
        return rc;
    }
    uint64_t generation = cache_generation(&rates); /* before reading: see cache.h */
    json_t *o = NULL;
    rc = equipment_inspection_rate(db_read(), f, t, today, region, category, by_category, &o);
    if (rc)
        return rc;
    body = keyed ? json_dumps(o, JSON_REPLY_FLAGS) : NULL;
    if (body)
        cache_put_text(&rates, key, generation, body, strlen(body));
    free(body);
    return reply_json(resp, 200, o);
}

static const char *const reminders_query[] = {"limit", NULL};

static int reminders_get(struct req *req, struct resp *resp)
{
    int64_t limit;
    int rc = req_query_int_or_reply(req, resp, "limit", 100, 1, 200, &limit);
    if (rc)
        return rc;
    const struct principal *p = req->user;
    const char *entity = owner_account(p) ? p->entity : NULL,
               *region = entity ? NULL : scope_region(p);
    json_t *o = NULL;
    rc = equipment_reminders(db_read(), entity, region, date_today(), (int)limit, &o);
    if (rc)
        return rc;
    json_object_set_new(o, "scope", json_string(entity ? "entity" : region ? "region" : "city"));
    json_object_set_new(o, "uscc", entity ? json_string(entity) : json_null());
    json_object_set_new(o, "region", region ? json_string(region) : json_null());
    return reply_json(resp, 200, o);
}

static const struct route routes[] = {
    {"GET", "/api/v1/equipment", NULL, ROLES_READ, NULL, 0, 0, &units_list},
    {"POST", "/api/v1/equipment", unit_create, ROLES_MANAGE, equipment_fields, ROUTE_BODY_JSON,
     16384},
    {"GET", "/api/v1/equipment/categories", categories_get, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/equipment/reminders", reminders_get, ROLES_READ, NULL, 0, 0,
     .query = reminders_query},
    {"GET", "/api/v1/equipment/inspection-rate", rate_get, ROLES_STAFF_READ, NULL, ROUTE_SLOW, 0,
     .query = rate_query},
    {"GET", "/api/v1/equipment/{id}", unit_get, ROLES_READ, NULL, 0, 0},
    {"PATCH", "/api/v1/equipment/{id}", unit_patch, ROLES_MANAGE, equipment_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 16384},
    {"GET", "/api/v1/equipment/{id}/inspections", inspections_get, ROLES_READ, NULL, 0, 0},
    {"POST", "/api/v1/equipment/{id}/inspections", inspection_create, ROLES_MANAGE,
     equipment_inspection_fields, ROUTE_BODY_JSON, 8192},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {&equipment_unit, &equipment_inspection, NULL};

static const struct audit_action actions[] = {
    {"equipment.create", "登记特种设备"},
    {"equipment.update", "变更特种设备"},
    {"equipment.inspect", "录入特种设备检验"},
    {NULL, NULL},
};

const struct module equipment_module = {
    .name = "equipment",
    .label = "特种设备",
    .roles = ROLES_READ,
    .routes = routes,
    .records = records,
    .actions = actions,
    .demo = equipment_demo,
};
