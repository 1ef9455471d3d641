/* SPDX-License-Identifier: MIT */
/*
 * M5 over HTTP:
 *   GET|POST /api/v1/campaigns                      专项行动 (bureau; county staff: their county)
 *   GET|PATCH /api/v1/campaigns/{id}                one campaign with its counters
 *   GET|POST /api/v1/inspections                    检查记录 (bureau and inspectors record)
 *   GET  /api/v1/inspections/coverage               inspected units / active units in scope
 *   GET  /api/v1/inspections/{id}                   one record with its re-checks
 *   POST /api/v1/inspections/{id}/rectification     a re-check of a rectification order
 *   GET|POST /api/v1/cases                          立案 (bureau)
 *   GET|PATCH /api/v1/cases/{id}                    one case with its 免罚轻罚 check and revisits
 *   POST /api/v1/cases/{id}/decision                处理决定
 *   POST /api/v1/cases/{id}/revisits                案件回访
 * Every write is judged inside its write transaction, on the rows as they stand there, and
 * writes its rows and audit rows together.
 */
#include "enforcement/enforcement.h"
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "http/list.h"
#include "http/module.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int enforcement_demo(struct db *w, struct demo *d);

#define ROLES_SEE (ROLE_BUREAU | ROLE_INSPECTOR)
#define ROLES_MANAGE ROLE_BUREAU

/* A refusal decided inside the transaction, answered after it is rolled back. */
struct refusal {
    int err;
    const char *code, *message, *field;
    json_t *reasons; /* not_eligible: the 免罚轻罚 check's reasons (owned) */
};

static int refuse(struct refusal *r, int err, const char *code, const char *message,
                  const char *field)
{
    r->err = err;
    r->code = code;
    r->message = message;
    r->field = field;
    return err;
}

/* Answers r when rc is its error; returns rc. */
static int answer_refusal(struct resp *resp, struct refusal *r, int rc)
{
    if (!rc || r->err != rc) {
        json_decref(r->reasons);
        return rc;
    }
    if (!r->reasons)
        return reply_error(resp, rc, r->code, r->message, r->field);
    json_t *e = json_pack("{s{ss ss ss so}}", "error", "code", r->code, "message", r->message,
                          "field", r->field, "reasons", r->reasons);
    reply_json(resp, http_status_of(rc), e);
    return rc;
}

static void key_of(int64_t id, char key[24])
{
    snprintf(key, 24, "%" PRId64, id);
}

static char *today_text(char out[DATE_LEN + 1])
{
    date_format(date_today(), out);
    return out;
}

static const char *text_of(json_t *v, const char *name)
{
    return json_string_value(json_object_get(v, name));
}

/* Upper-cases the uscc member of b in place and returns it. */
static const char *uscc_of(json_t *b)
{
    char code[20];
    snprintf(code, sizeof code, "%s", text_of(b, "uscc") ? text_of(b, "uscc") : "");
    for (char *c = code; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    json_object_set_new(b, "uscc", json_string(code));
    return text_of(b, "uscc");
}

static int exists(struct db *db, const char *sql, int64_t id)
{
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_row(st);
    db_done(st);
    return rc;
}

static int department_exists(struct db *db, int64_t id)
{
    return exists(db, "SELECT id FROM departments WHERE id = ?", id);
}

/* Writes an audit row of action on kind:id by the caller with detail (may be NULL). */
static int audit(struct db *w, struct req *req, const char *action, const char *kind, int64_t id,
                 json_t *detail)
{
    char object[48], *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(object, sizeof object, "%s:%" PRId64, kind, id);
    int rc = audit_record_as(w, req->user, req->ip, action, object, text);
    free(text);
    return rc;
}

/* ---- campaigns ---- */

static int campaigns_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    const char *own = scope_region(req->user);
    if (!own)
        return 0;
    list_where(q, " AND (c.region = ? OR c.region = '" CITY_REGION "')");
    return list_bind_text(q, own) ? ERR_INTERNAL : 0;
}

static const struct list_filter campaign_filters[] = {
    {"status"}, {"region", NULL, NULL, refdata_parse_region}, {"department"}, {"sector"}, {NULL},
};

static const struct list_sort campaign_sorts[] = {
    {"id", "c.id"},
    {"period_from", "c.period_from"},
    {"in_scope", "c.in_scope"},
    {NULL, NULL},
};

static const struct list_def campaigns_list = {
    .rec = &enforcement_campaign,
    .order = "c.id DESC",
    .filename = "专项行动",
    .filters = campaign_filters,
    .sorts = campaign_sorts,
    .prepare = campaigns_prepare,
};

static int campaign_id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "未找到该专项行动", id);
}

/* Reads campaign id on db if p may see it; otherwise refuses into r. */
static int campaign_read(struct db *db, struct req *req, int64_t id, json_t **out,
                         struct refusal *r)
{
    char key[24];
    key_of(id, key);
    int rc = rec_get(db, &enforcement_campaign, key, out);
    if (rc == ERR_NOTFOUND)
        return refuse(r, rc, "not_found", "未找到该专项行动", NULL);
    if (!rc && enforcement_may_see_campaign(req->user, text_of(*out, "region"))) {
        json_decref(*out);
        *out = NULL;
        return refuse(r, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的专项行动", NULL);
    }
    return rc;
}

static int campaign_get(struct req *req, struct resp *resp)
{
    int64_t id;
    struct refusal r = {0};
    json_t *o = NULL;
    int rc = campaign_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    rc = campaign_read(db_read(), req, id, &o, &r);
    return rc ? answer_refusal(resp, &r, rc) : reply_json(resp, 200, o);
}

static int campaign_create(struct req *req, struct resp *resp)
{
    const char *field, *msg;
    json_t *v = json_deep_copy(req->json);
    int rc = enforcement_check_campaign(v, &field, &msg);
    if (rc) {
        json_decref(v);
        return reply_error(resp, rc, "validation_failed", msg, field);
    }
    const char *own = scope_region(req->user);
    json_object_set_new(v, "region", json_string(own ? own : CITY_REGION));
    json_object_set_new(v, "created_by", json_integer(req->user->id));
    json_object_set_new(v, "created_at", json_integer(time_now()));
    struct refusal r = {0};
    json_t *o = NULL;
    int64_t id = 0;
    struct db *w = db_write_begin();
    rc = w ? department_exists(w, json_integer_value(json_object_get(v, "department"))) : ERR_DB;
    if (rc == ERR_NOTFOUND)
        rc = refuse(&r, ERR_INVALID, "unknown_department", "牵头部门不存在", "department");
    if (!rc)
        rc = rec_insert(w, &enforcement_campaign, v);
    if (!rc)
        id = db_last_id(w);
    if (!rc)
        rc = audit(w, req, "campaign.create", "campaign", id, req->json);
    if (!rc)
        rc = campaign_read(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 201, o);
}

static int campaign_patch(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = campaign_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    struct refusal r = {0};
    json_t *before = NULL, *o = NULL, *merged = NULL;
    const char *field, *msg;
    char key[24];
    key_of(id, key);
    struct db *w = db_write_begin();
    rc = w ? campaign_read(w, req, id, &before, &r) : ERR_DB;
    /* County staff manage their county's campaigns; the city's are the city's. */
    if (!rc && scope_allows(req->user, text_of(before, "region")))
        rc = refuse(&r, ERR_FORBIDDEN, "forbidden", "只能修改本辖区创建的专项行动", NULL);
    if (!rc) {
        merged = json_deep_copy(before);
        json_object_update(merged, req->json);
        if (enforcement_check_campaign(merged, &field, &msg))
            rc = refuse(&r, ERR_INVALID, "validation_failed", msg, field);
    }
    json_t *dep = json_object_get(req->json, "department");
    if (!rc && dep && department_exists(w, json_integer_value(dep)))
        rc = refuse(&r, ERR_INVALID, "unknown_department", "牵头部门不存在", "department");
    char object[48];
    snprintf(object, sizeof object, "campaign:%s", key);
    if (!rc)
        rc = audit_update(w, req->user, req->ip, &enforcement_campaign, key, req->json, before,
                          "campaign.update", object);
    if (!rc)
        rc = campaign_read(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(before);
    json_decref(merged);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 200, o);
}

/* ---- inspection records ---- */

/* ?rectification=open|overdue|done binds "<state><overdue 0|1><today>" to the fragment below. */
static int parse_rectification(const char *text, json_t **out, char *msg, size_t cap)
{
    char v[DATE_LEN + 8], today[DATE_LEN + 1];
    int overdue = !strcmp(text, "overdue");
    if (!overdue && strcmp(text, "open") && strcmp(text, "done")) {
        snprintf(msg, cap,
                 "rectification 只能是 open（整改中）、overdue（逾期未整改）或 done（已整改）");
        return ERR_INVALID;
    }
    snprintf(v, sizeof v, "%s%c%s", overdue ? "open" : text, overdue ? '1' : '0',
             today_text(today));
    if (out)
        *out = json_string(v);
    return 0;
}

static void inspection_decorate(struct req *req, json_t *o)
{
    (void)req;
    json_object_set_new(o, "overdue",
                        json_boolean(enforcement_rectify_overdue(
                            text_of(o, "rectification"), text_of(o, "rectify_by"), date_today())));
}

/* County staff see their county; a county's inspectors also what they took part in. */
static int inspections_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    const char *own = scope_region(req->user);
    if (!own)
        return 0;
    if (req->user->role != ROLE_INSPECTOR) {
        list_set(q, "region", own);
        return 0;
    }
    list_where(q, " AND (i.region = ? OR EXISTS (SELECT 1 FROM enforcement_inspectors y"
                  " WHERE y.inspection = i.id AND y.inspector = ?))");
    return list_bind_text(q, own) || list_bind_int(q, req->user->id) ? ERR_INTERNAL : 0;
}

static const struct list_filter inspection_filters[] = {
    {"kind"},
    {"campaign"},
    {"task"},
    {"outcome"},
    {"region", NULL, NULL, refdata_parse_region},
    {"department"},
    {"uscc"},
    {"inspector",
     " AND EXISTS (SELECT 1 FROM enforcement_inspectors x WHERE x.inspection = i.id"
     " AND x.inspector = ?)",
     "recorded_by"},
    {"rectification",
     " AND i.rectification = substr(?, 1, 4) AND (substr(?, 5, 1) = '0'"
     " OR i.rectify_by < substr(?, 6, 10))",
     NULL, parse_rectification},
    {"from", " AND i.inspected_on >= ?", "inspected_on"},
    {"to", " AND i.inspected_on <= ?", "inspected_on"},
    {NULL},
};

static const struct list_sort inspection_sorts[] = {
    {"id", "i.id"},
    {"inspected_on", "i.inspected_on"},
    {"rectify_by", "i.rectify_by"},
    {NULL, NULL},
};

static const struct list_def inspections_list = {
    .rec = &enforcement_inspection,
    .order = "i.id DESC",
    .filename = "检查记录",
    .filters = inspection_filters,
    .sorts = inspection_sorts,
    .prepare = inspections_prepare,
    .decorate = inspection_decorate,
};

static int took_part(struct db *db, int64_t id, const struct principal *p)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT 1 FROM enforcement_inspectors WHERE inspection = ? AND"
                        " inspector = ?",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_bind_int(st, 2, p->id);
    if (!rc)
        rc = db_row(st);
    db_done(st);
    return rc == 0 ? 1 : rc == ERR_NOTFOUND ? 0 : rc;
}

/* Reads inspection id on db if p may see it, or refuses into r. */
static int inspection_read(struct db *db, struct req *req, int64_t id, json_t **out,
                           struct refusal *r)
{
    char key[24];
    key_of(id, key);
    *out = NULL;
    int rc = rec_get(db, &enforcement_inspection, key, out);
    if (rc == ERR_NOTFOUND)
        return refuse(r, rc, "not_found", "未找到该检查记录", NULL);
    int part = rc ? 0 : took_part(db, id, req->user);
    if (!rc && part < 0)
        rc = part;
    if (!rc && enforcement_may_see(req->user, text_of(*out, "region"), part))
        rc = refuse(r, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的检查记录", NULL);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* The record with its inspectors' names and its re-checks, oldest first. */

/* The follow-ups of an inspection or a case (re-checks, revisits) appended to a: sql selects
 * id, the day, the yes/no, note, recorder, recorder's name and instant for the row id, and
 * day and flag name the second and third members. Returns 0 or an error. */
static int follow_ups_json(struct db *db, const char *sql, int64_t id, const char *day,
                           const char *flag, json_t *a)
{
    struct db_stmt *st = NULL;
    int rc = db_prepare(db, sql, &st), step = DB_DONE;
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        char at[RFC3339_LEN + 1];
        time_format_rfc3339(db_col_int(st, 6), at);
        json_array_append_new(
            a,
            json_pack("{sI ss sb ss so ss? ss}", "id", (json_int_t)db_col_int(st, 0), day,
                      db_col_text(st, 1), flag, (int)db_col_int(st, 2), "note", db_col_text(st, 3),
                      "recorded_by",
                      db_col_type(st, 4) == DB_NULL ? json_null() : json_integer(db_col_int(st, 4)),
                      "recorded_by_name", db_col_text(st, 5), "at", at));
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}

static int inspection_json(struct db *db, struct req *req, int64_t id, json_t **out,
                           struct refusal *r)
{
    json_t *o = NULL, *names = json_array(), *checks = json_array();
    struct db_stmt *st = NULL;
    int rc = inspection_read(db, req, id, &o, r), step = DB_DONE;
    if (!rc)
        rc = db_prepare(db,
                        "SELECT x.inspector, u.display_name FROM enforcement_inspectors x"
                        " JOIN users u ON u.id = x.inspector WHERE x.inspection = ?"
                        " ORDER BY x.inspector",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW)
        json_array_append_new(names, json_pack("{sI ss}", "id", (json_int_t)db_col_int(st, 0),
                                               "name", db_col_text(st, 1)));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (!rc)
        rc = follow_ups_json(db,
                             "SELECT c.id, c.checked_on, c.passed, c.note, c.recorded_by,"
                             " u.display_name, c.created_at FROM enforcement_rechecks c"
                             " LEFT JOIN users u ON u.id = c.recorded_by WHERE c.inspection = ?"
                             " ORDER BY c.id",
                             id, "checked_on", "passed", checks);
    if (rc) {
        json_decref(o);
        json_decref(names);
        json_decref(checks);
        return rc;
    }
    inspection_decorate(req, o);
    json_object_set_new(o, "inspector_names", names);
    json_object_set_new(o, "follow_ups", checks);
    *out = o;
    return 0;
}

static int inspection_id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "未找到该检查记录", id);
}

static int inspection_get(struct req *req, struct resp *resp)
{
    int64_t id;
    struct refusal r = {0};
    json_t *o = NULL;
    int rc = inspection_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    rc = inspection_json(db_read(), req, id, &o, &r);
    return rc ? answer_refusal(resp, &r, rc) : reply_json(resp, 200, o);
}

/* Judges the references of a new record v on w: its entity (region and industry are set from
 * it), its inspectors, the caller's part and scope, its campaign and department. */
static int inspection_refs(struct db *w, struct req *req, json_t *v, struct refusal *r)
{
    const struct principal *p = req->user;
    json_t *e = NULL;
    int rc = registry_get(w, text_of(v, "uscc"), &e);
    if (rc == ERR_NOTFOUND)
        return refuse(r, ERR_INVALID, "unknown_entity", "未找到该统一社会信用代码的市场主体",
                      "uscc");
    if (rc)
        return rc;
    json_object_set(v, "region", json_object_get(e, "region"));
    json_object_set(v, "industry", json_object_get(e, "industry"));
    json_decref(e);
    if (scope_allows(p, text_of(v, "region")))
        return refuse(r, ERR_FORBIDDEN, "forbidden", "只能录入本辖区市场主体的检查记录", "uscc");
    json_t *a = json_object_get(v, "inspectors"), *x;
    size_t i;
    int self = 0;
    json_array_foreach(a, i, x)
    {
        rc = accounts_has_role(w, json_integer_value(x), ROLE_INSPECTOR);
        if (rc == ERR_INVALID)
            return refuse(r, rc, "unknown_inspector", "检查人员须为执法人员账号", "inspectors");
        if (rc)
            return rc;
        self |= json_integer_value(x) == p->id;
    }
    if (p->role == ROLE_INSPECTOR && !self)
        return refuse(r, ERR_FORBIDDEN, "forbidden", "执法人员只能录入本人参与的检查",
                      "inspectors");
    rc = department_exists(w, json_integer_value(json_object_get(v, "department")));
    if (rc == ERR_NOTFOUND)
        return refuse(r, ERR_INVALID, "unknown_department", "检查部门不存在", "department");
    if (rc)
        return rc;
    json_t *cid = json_object_get(v, "campaign");
    if (!json_is_integer(cid))
        return 0;
    char key[24];
    key_of(json_integer_value(cid), key);
    json_t *c = NULL;
    rc = rec_get(w, &enforcement_campaign, key, &c);
    if (rc == ERR_NOTFOUND || (!rc && enforcement_may_see_campaign(p, text_of(c, "region"))))
        rc = refuse(r, ERR_INVALID, "unknown_campaign", "专项行动不存在或无权查看", "campaign");
    else if (!rc && strcmp(text_of(c, "status"), "active"))
        rc = refuse(r, ERR_CONFLICT, "campaign_closed", "专项行动已结束，不能再录入检查记录",
                    "campaign");
    else if (!rc && (strcmp(text_of(v, "inspected_on"), text_of(c, "period_from")) < 0 ||
                     strcmp(text_of(v, "inspected_on"), text_of(c, "period_to")) > 0))
        rc = refuse(r, ERR_INVALID, "validation_failed", "检查日期不在专项行动期间内",
                    "inspected_on");
    else if (!rc && strcmp(text_of(c, "region"), CITY_REGION) &&
             strcmp(text_of(c, "region"), text_of(v, "region")))
        rc = refuse(r, ERR_INVALID, "validation_failed", "该市场主体不在专项行动的辖区内", "uscc");
    json_decref(c);
    return rc;
}

static int inspection_create(struct req *req, struct resp *resp)
{
    const char *field, *msg;
    json_t *v = json_deep_copy(req->json);
    uscc_of(v);
    int rc = enforcement_check_inspection(v, date_today(), &field, &msg);
    if (rc) {
        json_decref(v);
        return reply_error(resp, rc, "validation_failed", msg, field);
    }
    json_object_set_new(v, "recorded_by", json_integer(req->user->id));
    json_object_set_new(v, "task", json_null());
    struct refusal r = {0};
    json_t *o = NULL;
    int64_t id = 0, case_id = 0;
    struct db *w = db_write_begin();
    rc = w ? inspection_refs(w, req, v, &r) : ERR_DB;
    if (!rc)
        rc = enforcement_insert_inspection(w, req->user, req->ip, v, &id, &case_id);
    if (!rc)
        rc = inspection_json(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 201, o);
}

static const struct field recheck_fields[] = {
    {"rectified_on", FIELD_DATE, FIELD_REQUIRED, 10, "复查日期", NULL},
    {"passed", FIELD_BOOL, FIELD_REQUIRED, 0, "整改是否合格", NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 1000, "复查情况", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int inspection_recheck(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = inspection_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    json_t *b = req->json, *cur = NULL, *o = NULL;
    const char *on = text_of(b, "rectified_on"), *note = text_of(b, "note"), *field, *msg;
    int passed = json_is_true(json_object_get(b, "passed"));
    struct refusal r = {0};
    struct db_stmt *st = NULL;
    struct db *w = db_write_begin();
    rc = w ? inspection_read(w, req, id, &cur, &r) : ERR_DB;
    if (!rc)
        rc =
            enforcement_check_recheck(text_of(cur, "outcome"), text_of(cur, "rectification"),
                                      text_of(cur, "inspected_on"), on, date_today(), &field, &msg);
    if (rc == ERR_CONFLICT || rc == ERR_INVALID)
        refuse(&r, rc, rc == ERR_CONFLICT ? "invalid_state" : "validation_failed", msg, field);
    if (!rc)
        rc = db_prepare(w,
                        "INSERT INTO enforcement_rechecks(inspection, checked_on, passed, note,"
                        " recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_bind_text(st, 2, on, -1);
    if (!rc)
        rc = db_bind_int(st, 3, passed);
    if (!rc)
        rc = db_bind_text(st, 4, note ? note : "", -1);
    if (!rc)
        rc = db_bind_int(st, 5, req->user->id);
    if (!rc)
        rc = db_bind_int(st, 6, time_now());
    if (!rc)
        rc = db_run(st);
    /* A passed re-check closes the order on its day; a failed one is counted. */
    if (!rc)
        rc = db_prepare(w,
                        passed ? "UPDATE enforcement_inspections SET rectification = 'done',"
                                 " rectified_on = ?, updated_at = ? WHERE id = ?"
                               : "UPDATE enforcement_inspections SET rechecks = rechecks + 1,"
                                 " updated_at = ? WHERE id = ?",
                        &st);
    int k = 1;
    if (!rc && passed)
        rc = db_bind_text(st, k++, on, -1);
    if (!rc)
        rc = db_bind_int(st, k++, time_now());
    if (!rc)
        rc = db_bind_int(st, k++, id);
    if (!rc)
        rc = db_run(st);
    if (!rc)
        rc = audit(w, req, "inspection.recheck", "inspection", id, b);
    if (!rc)
        rc = inspection_json(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(cur);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 200, o);
}

/* ---- coverage ---- */

struct group {
    char key[16];
    int64_t inspected, in_scope;
};

struct groups {
    struct group *g;
    size_t n, cap;
};

static struct group *group_of(struct groups *gs, const char *key)
{
    for (size_t i = 0; i < gs->n; i++)
        if (!strcmp(gs->g[i].key, key))
            return &gs->g[i];
    if (gs->n == gs->cap) {
        gs->cap = gs->cap ? 2 * gs->cap : 64;
        struct group *bigger = realloc(gs->g, gs->cap * sizeof *bigger);
        if (!bigger)
            abort();
        gs->g = bigger;
    }
    struct group *g = &gs->g[gs->n++];
    *g = (struct group){{0}, 0, 0};
    snprintf(g->key, sizeof g->key, "%s", key);
    return g;
}

static int count_in_scope(void *arg, const char *key, int64_t n)
{
    group_of(arg, key ? key : "")->in_scope = n;
    return 0;
}

static json_t *coverage_of(int64_t inspected, int64_t in_scope)
{
    if (in_scope <= 0)
        return json_null();
    double c = (double)inspected / (double)in_scope;
    return json_real(c > 1 ? 1 : (double)(int64_t)(c * 10000 + 0.5) / 10000);
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const struct group *)a)->key, ((const struct group *)b)->key);
}

static const char *const coverage_query[] = {"by", "region", "kind", "from", "to", NULL};

static int coverage(struct req *req, struct resp *resp)
{
    const char *by = req_query(req, "by"), *region = req_query(req, "region"),
               *kind = req_query(req, "kind");
    int32_t f = 0, t = date_today();
    if (!by || !*by)
        by = "region";
    if (strcmp(by, "region") && strcmp(by, "industry"))
        return reply_error(resp, ERR_INVALID, "validation_failed", "by 只能是 region 或 industry",
                           "by");
    int rc = req_period_or_reply(req, resp, &f, &t);
    if (rc)
        return rc;
    if (kind && *kind && !field_enum_label(field_find(enforcement_inspection.fields, "kind"), kind))
        return reply_error(resp, ERR_INVALID, "validation_failed",
                           "kind 只能是 routine、campaign 或 random", "kind");
    char msg[128];
    if (region && *region && refdata_parse_region(region, NULL, msg, sizeof msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, "region");
    if (region && !*region)
        region = NULL;
    const char *own = scope_region(req->user);
    if (own && region && strcmp(own, region))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "只能查看本辖区的覆盖率", "region");
    if (own)
        region = own;
    /* The city's own code is the whole city. */
    if (region && !strcmp(region, CITY_REGION))
        region = NULL;
    int industry = !strcmp(by, "industry");
    char a[DATE_LEN + 1], b[DATE_LEN + 1];
    date_format(f, a);
    date_format(t, b);
    static const char *const sql[2] = {
        "SELECT region, count(DISTINCT uscc) FROM enforcement_inspections"
        " WHERE inspected_on >= ? AND inspected_on <= ? AND (? = '' OR region = ?)"
        " AND (? = '' OR kind = ?) GROUP BY region",
        "SELECT industry, count(DISTINCT uscc) FROM enforcement_inspections"
        " WHERE inspected_on >= ? AND inspected_on <= ? AND (? = '' OR region = ?)"
        " AND (? = '' OR kind = ?) GROUP BY industry",
    };
    static const char total_sql[] =
        "SELECT count(DISTINCT uscc) FROM enforcement_inspections"
        " WHERE inspected_on >= ? AND inspected_on <= ? AND (? = '' OR region = ?)"
        " AND (? = '' OR kind = ?)";
    struct groups gs = {0};
    struct db *db = db_read();
    int step = DB_DONE;
    rc = registry_count_active(db, industry, region, count_in_scope, &gs);
    int64_t total = 0;
    for (int q = 0; !rc && q < 2; q++) {
        struct db_stmt *st;
        rc = db_prepare(db, q ? total_sql : sql[industry], &st);
        const char *binds[6] = {
            a, b, region ? region : "", region ? region : "", kind ? kind : "", kind ? kind : ""};
        for (int i = 0; !rc && i < 6; i++)
            rc = db_bind_text(st, i + 1, binds[i], -1);
        while (!rc && (step = db_step(st)) == DB_ROW) {
            if (q)
                total = db_col_int(st, 0);
            else
                group_of(&gs, db_col_text(st, 0) ? db_col_text(st, 0) : "")->inspected =
                    db_col_int(st, 1);
        }
        if (!rc && step != DB_DONE)
            rc = step;
        db_done(st);
    }
    if (rc) {
        free(gs.g);
        return rc;
    }
    if (gs.n)
        qsort(gs.g, gs.n, sizeof *gs.g, cmp_group);
    json_t *groups = json_array();
    int64_t scope = 0;
    for (size_t i = 0; i < gs.n; i++) {
        const struct group *g = &gs.g[i];
        const char *label = industry ? g->key : refdata_region_name(g->key);
        scope += g->in_scope;
        json_array_append_new(groups, json_pack("{ss ss sI sI so}", "key", g->key, "label",
                                                label ? label : g->key, "inspected",
                                                (json_int_t)g->inspected, "in_scope",
                                                (json_int_t)g->in_scope, "coverage",
                                                coverage_of(g->inspected, g->in_scope)));
    }
    free(gs.g);
    json_t *o = json_pack("{ss ss ss s{sI sI so} so}", "by", by, "from", a, "to", b, "total",
                          "inspected", (json_int_t)total, "in_scope", (json_int_t)scope, "coverage",
                          coverage_of(total, scope), "groups", groups);
    json_object_set_new(o, "region", region ? json_string(region) : json_null());
    return reply_json(resp, 200, o);
}

/* ---- cases ---- */

static int cases_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    const char *own = scope_region(req->user);
    if (!own)
        return 0;
    if (req->user->role != ROLE_INSPECTOR) {
        list_set(q, "region", own);
        return 0;
    }
    list_where(q, " AND (k.region = ? OR EXISTS (SELECT 1 FROM enforcement_inspectors y"
                  " WHERE y.inspection = k.inspection AND y.inspector = ?))");
    return list_bind_text(q, own) || list_bind_int(q, req->user->id) ? ERR_INTERNAL : 0;
}

static const struct list_filter case_filters[] = {
    {"status"},
    {"decision"},
    {"harm"},
    {"region", NULL, NULL, refdata_parse_region},
    {"department"},
    {"uscc"},
    {"inspection"},
    {"from", " AND k.opened_on >= ?", "opened_on"},
    {"to", " AND k.opened_on <= ?", "opened_on"},
    {NULL},
};

static const struct list_sort case_sorts[] = {
    {"id", "k.id"},
    {"opened_on", "k.opened_on"},
    {"decided_on", "k.decided_on"},
    {"fine", "k.fine"},
    {NULL, NULL},
};

static const struct list_def cases_list = {
    .rec = &enforcement_case,
    .order = "k.id DESC",
    .filename = "案件",
    .filters = case_filters,
    .sorts = case_sorts,
    .prepare = cases_prepare,
};

static int case_id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "未找到该案件", id);
}

/* Reads case id on db if p may see it (its county, or an inspection p took part in). */
static int case_read(struct db *db, struct req *req, int64_t id, json_t **out, struct refusal *r)
{
    char key[24];
    key_of(id, key);
    *out = NULL;
    int rc = rec_get(db, &enforcement_case, key, out);
    if (rc == ERR_NOTFOUND)
        return refuse(r, rc, "not_found", "未找到该案件", NULL);
    json_t *ins = rc ? NULL : json_object_get(*out, "inspection");
    int part = json_is_integer(ins) ? took_part(db, json_integer_value(ins), req->user) : 0;
    if (!rc && part < 0)
        rc = part;
    if (!rc && enforcement_may_see(req->user, text_of(*out, "region"), part))
        rc = refuse(r, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的案件", NULL);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* The case with its 免罚轻罚 check and its revisits, oldest first. */
static int case_json(struct db *db, struct req *req, int64_t id, json_t **out, struct refusal *r)
{
    json_t *o = NULL, *minor = NULL, *visits = json_array();
    int rc = case_read(db, req, id, &o, r);
    if (!rc)
        rc = enforcement_case_minor(db, id, &minor);
    if (!rc)
        rc = follow_ups_json(db,
                             "SELECT v.id, v.visited_on, v.satisfied, v.note, v.recorded_by,"
                             " u.display_name, v.created_at FROM enforcement_revisits v"
                             " LEFT JOIN users u ON u.id = v.recorded_by WHERE v.case_id = ?"
                             " ORDER BY v.id",
                             id, "visited_on", "satisfied", visits);
    if (rc) {
        json_decref(o);
        json_decref(minor);
        json_decref(visits);
        return rc;
    }
    json_object_set_new(o, "minor_check", minor);
    json_object_set_new(o, "revisits", visits);
    *out = o;
    return 0;
}

static int case_get(struct req *req, struct resp *resp)
{
    int64_t id;
    struct refusal r = {0};
    json_t *o = NULL;
    int rc = case_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    rc = case_json(db_read(), req, id, &o, &r);
    return rc ? answer_refusal(resp, &r, rc) : reply_json(resp, 200, o);
}

/* The checks of a case's values v (a create body, or the case with a patch applied). */
static int case_values_ok(struct db *w, json_t *v, struct refusal *r)
{
    char today[DATE_LEN + 1];
    if (strcmp(text_of(v, "opened_on"), today_text(today)) > 0)
        return refuse(r, ERR_INVALID, "validation_failed", "立案日期不能晚于今天", "opened_on");
    int rc = department_exists(w, json_integer_value(json_object_get(v, "department")));
    if (rc == ERR_NOTFOUND)
        return refuse(r, ERR_INVALID, "unknown_department", "办案部门不存在", "department");
    return rc;
}

static int case_create(struct req *req, struct resp *resp)
{
    json_t *v = json_deep_copy(req->json), *e = NULL, *ins = NULL, *o = NULL;
    const char *uscc = uscc_of(v);
    json_object_set_new(v, "opened_by", json_integer(req->user->id));
    struct refusal r = {0};
    int64_t id = 0;
    struct db *w = db_write_begin();
    int rc = w ? registry_get(w, uscc, &e) : ERR_DB;
    if (rc == ERR_NOTFOUND)
        rc =
            refuse(&r, ERR_INVALID, "unknown_entity", "未找到该统一社会信用代码的市场主体", "uscc");
    if (!rc) {
        json_object_set(v, "region", json_object_get(e, "region"));
        if (scope_allows(req->user, text_of(e, "region")))
            rc = refuse(&r, ERR_FORBIDDEN, "forbidden", "只能对本辖区的市场主体立案", "uscc");
    }
    if (!rc)
        rc = case_values_ok(w, v, &r);
    json_t *link = json_object_get(v, "inspection");
    if (!rc && json_is_integer(link)) {
        char key[24];
        key_of(json_integer_value(link), key);
        rc = rec_get(w, &enforcement_inspection, key, &ins);
        if (rc == ERR_NOTFOUND || (!rc && strcmp(text_of(ins, "uscc"), uscc)))
            rc = refuse(&r, ERR_INVALID, "unknown_inspection", "检查记录不存在或不是该市场主体的",
                        "inspection");
        else if (!rc && !json_is_null(json_object_get(ins, "case_id")))
            rc = refuse(&r, ERR_CONFLICT, "duplicate_case", "该检查记录已立案", "inspection");
        else if (!rc && strcmp(text_of(v, "opened_on"), text_of(ins, "inspected_on")) < 0)
            rc = refuse(&r, ERR_INVALID, "validation_failed", "立案日期不能早于检查日期",
                        "opened_on");
    }
    if (!rc)
        rc = enforcement_insert_case(w, req->user, req->ip, v, &id);
    if (!rc)
        rc = case_json(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    json_decref(e);
    json_decref(ins);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 201, o);
}

static int case_patch(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = case_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    struct refusal r = {0};
    json_t *before = NULL, *merged = NULL, *o = NULL;
    char key[24];
    key_of(id, key);
    struct db *w = db_write_begin();
    rc = w ? case_read(w, req, id, &before, &r) : ERR_DB;
    if (!rc && scope_allows(req->user, text_of(before, "region")))
        rc = refuse(&r, ERR_FORBIDDEN, "forbidden", "只能修改本辖区的案件", NULL);
    if (!rc && strcmp(text_of(before, "status"), "open"))
        rc = refuse(&r, ERR_CONFLICT, "invalid_state", "案件已作出处理决定，不能再修改", NULL);
    if (!rc) {
        merged = json_deep_copy(before);
        json_object_update(merged, req->json);
        rc = case_values_ok(w, merged, &r);
    }
    char object[48];
    snprintf(object, sizeof object, "case:%s", key);
    if (!rc)
        rc = audit_update(w, req->user, req->ip, &enforcement_case, key, req->json, before,
                          "case.update", object);
    if (!rc)
        rc = case_json(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(before);
    json_decref(merged);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 200, o);
}

static const struct field decision_fields[] = {
    {"decision", FIELD_STRING, FIELD_REQUIRED, 16, "处理决定", NULL, NULL, enforcement_decisions},
    {"fine", FIELD_INT, FIELD_NULLABLE, 0, "罚没款（分）", NULL, NULL, NULL, 0, 100000000000},
    {"decided_on", FIELD_DATE, FIELD_REQUIRED, 10, "决定日期", NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 1000, "决定说明", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* "不符合免罚轻罚条件：<reason>；<reason>" into buf. */
static const char *not_eligible_message(json_t *reasons, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "不符合免罚轻罚条件：");
    size_t i;
    json_t *x;
    json_array_foreach(reasons, i, x)
    {
        if (n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "；" : "", text_of(x, "message"));
    }
    return buf;
}

static int case_decide(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = case_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    json_t *b = req->json, *cur = NULL, *minor = NULL, *o = NULL;
    const char *decision = text_of(b, "decision"), *code, *field, *msg;
    int64_t fine = json_integer_value(json_object_get(b, "fine"));
    char key[24], message[512];
    key_of(id, key);
    struct refusal r = {0};
    struct db *w = db_write_begin();
    rc = w ? case_read(w, req, id, &cur, &r) : ERR_DB;
    if (!rc && scope_allows(req->user, text_of(cur, "region")))
        rc = refuse(&r, ERR_FORBIDDEN, "forbidden", "只能处理本辖区的案件", NULL);
    if (!rc)
        rc = enforcement_case_minor(w, id, &minor);
    if (!rc) {
        int eligible = json_is_true(json_object_get(minor, "eligible"));
        rc = enforcement_check_decision(text_of(cur, "status"), text_of(cur, "opened_on"), decision,
                                        fine, text_of(b, "decided_on"), eligible, date_today(),
                                        &code, &field, &msg);
        if (rc && !strcmp(code, "not_eligible")) {
            refuse(&r, rc, code,
                   not_eligible_message(json_object_get(minor, "reasons"), message, sizeof message),
                   field);
            r.reasons = json_incref(json_object_get(minor, "reasons"));
        } else if (rc) {
            refuse(&r, rc, code, msg, field);
        }
    }
    if (!rc) {
        json_t *note = json_object_get(b, "note");
        json_t *v = json_pack("{ss ss sI ss sO}", "status", "decided", "decision", decision, "fine",
                              (json_int_t)fine, "decided_on", text_of(b, "decided_on"),
                              "decision_note", note ? note : json_null());
        rc = rec_update(w, &enforcement_case, key, v);
        json_object_set(v, "minor_check", minor);
        if (!rc)
            rc = audit(w, req, "case.decide", "case", id, v);
        json_decref(v);
    }
    if (!rc)
        rc = case_json(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(cur);
    json_decref(minor);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 200, o);
}

static const struct field revisit_fields[] = {
    {"visited_on", FIELD_DATE, FIELD_REQUIRED, 10, "回访日期", NULL},
    {"satisfied", FIELD_BOOL, FIELD_REQUIRED, 0, "当事人是否满意", NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 1000, "回访情况", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int case_revisit(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = case_id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    json_t *b = req->json, *cur = NULL, *o = NULL;
    const char *on = text_of(b, "visited_on"), *note = text_of(b, "note"), *field, *msg;
    struct refusal r = {0};
    struct db_stmt *st = NULL;
    struct db *w = db_write_begin();
    rc = w ? case_read(w, req, id, &cur, &r) : ERR_DB;
    if (!rc && scope_allows(req->user, text_of(cur, "region")))
        rc = refuse(&r, ERR_FORBIDDEN, "forbidden", "只能回访本辖区的案件", NULL);
    if (!rc) {
        rc = enforcement_check_revisit(text_of(cur, "status"), text_of(cur, "decided_on"), on,
                                       date_today(), &field, &msg);
        if (rc)
            refuse(&r, rc, rc == ERR_CONFLICT ? "invalid_state" : "validation_failed", msg, field);
    }
    if (!rc)
        rc = db_prepare(w,
                        "INSERT INTO enforcement_revisits(case_id, visited_on, satisfied, note,"
                        " recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_bind_text(st, 2, on, -1);
    if (!rc)
        rc = db_bind_int(st, 3, json_is_true(json_object_get(b, "satisfied")));
    if (!rc)
        rc = db_bind_text(st, 4, note ? note : "", -1);
    if (!rc)
        rc = db_bind_int(st, 5, req->user->id);
    if (!rc)
        rc = db_bind_int(st, 6, time_now());
    if (!rc)
        rc = db_run(st);
    /* The first revisit of a decided case closes it. */
    int closes = !rc && !strcmp(text_of(cur, "status"), "decided");
    if (closes)
        rc = db_prepare(w,
                        "UPDATE enforcement_cases SET status = 'closed', closed_on = ?,"
                        " updated_at = ? WHERE id = ?",
                        &st);
    if (closes && !rc)
        rc = db_bind_text(st, 1, on, -1);
    if (closes && !rc)
        rc = db_bind_int(st, 2, time_now());
    if (closes && !rc)
        rc = db_bind_int(st, 3, id);
    if (closes && !rc)
        rc = db_run(st);
    if (!rc) {
        json_t *detail = json_deep_copy(b);
        json_object_set_new(detail, "closed", json_boolean(closes));
        rc = audit(w, req, "case.revisit", "case", id, detail);
        json_decref(detail);
    }
    if (!rc)
        rc = case_json(w, req, id, &o, &r);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(cur);
    if (rc) {
        json_decref(o);
        return answer_refusal(resp, &r, rc);
    }
    return reply_json(resp, 201, o);
}

/* ---- the module ---- */

static const struct route routes[] = {
    {"GET", "/api/v1/campaigns", NULL, ROLES_SEE, NULL, 0, 0, &campaigns_list},
    {"POST", "/api/v1/campaigns", campaign_create, ROLES_MANAGE, enforcement_campaign_fields,
     ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/campaigns/{id}", campaign_get, ROLES_SEE, NULL, 0, 0},
    {"PATCH", "/api/v1/campaigns/{id}", campaign_patch, ROLES_MANAGE, enforcement_campaign_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"GET", "/api/v1/inspections", NULL, ROLES_SEE, NULL, 0, 0, &inspections_list},
    {"POST", "/api/v1/inspections", inspection_create, ROLES_SEE, enforcement_inspection_fields,
     ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/inspections/coverage", coverage, ROLES_SEE, NULL, ROUTE_SLOW, 0,
     .query = coverage_query},
    {"GET", "/api/v1/inspections/{id}", inspection_get, ROLES_SEE, NULL, 0, 0},
    {"POST", "/api/v1/inspections/{id}/rectification", inspection_recheck, ROLES_SEE,
     recheck_fields, ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/cases", NULL, ROLES_SEE, NULL, 0, 0, &cases_list},
    {"POST", "/api/v1/cases", case_create, ROLES_MANAGE, enforcement_case_fields, ROUTE_BODY_JSON,
     0},
    {"GET", "/api/v1/cases/{id}", case_get, ROLES_SEE, NULL, 0, 0},
    {"PATCH", "/api/v1/cases/{id}", case_patch, ROLES_MANAGE, enforcement_case_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"POST", "/api/v1/cases/{id}/decision", case_decide, ROLES_MANAGE, decision_fields,
     ROUTE_BODY_JSON, 0},
    {"POST", "/api/v1/cases/{id}/revisits", case_revisit, ROLES_MANAGE, revisit_fields,
     ROUTE_BODY_JSON, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {&enforcement_campaign, &enforcement_inspection,
                                         &enforcement_case, NULL};

static const struct audit_action actions[] = {
    {"campaign.create", "新建专项行动"},
    {"campaign.update", "修改专项行动"},
    {"inspection.create", "录入检查记录"},
    {"inspection.random", "录入双随机抽查检查记录"},
    {"inspection.recheck", "整改复查"},
    {"case.open", "立案"},
    {"case.update", "修改案件"},
    {"case.withdraw", "撤回立案（抽查结果更正）"},
    {"case.decide", "作出处理决定"},
    {"case.revisit", "案件回访"},
    {NULL, NULL},
};

const struct module enforcement_module = {
    .name = "enforcement",
    .label = "检查执法",
    .roles = ROLES_SEE,
    .routes = routes,
    .records = records,
    .actions = actions,
    .demo = enforcement_demo,
};
