/* SPDX-License-Identifier: MIT */
/*
 * M4 over HTTP:
 *   GET|POST /api/v1/inspection-items            事项清单
 *   GET|POST /api/v1/inspection-conflicts        回避: inspector × entity, with a reason
 *   GET|POST /api/v1/inspection-tasks            tasks (bureau; county staff in their county)
 *   GET  /api/v1/inspection-tasks/{id}           one task
 *   POST /api/v1/inspection-tasks/{id}/commit    fix population, pool, relations; publish hashes
 *   POST /api/v1/inspection-tasks/{id}/draw      draw; reveal the seed
 *   GET  /api/v1/inspection-tasks/{id}/verify    draw again and compare
 *   GET  /api/v1/inspection-tasks/{id}/targets   the drawn targets, teams and results
 *   POST /api/v1/inspection-tasks/{id}/targets/{uscc}/result   an inspector of the team
 *   POST /api/v1/inspection-tasks/{id}/complete, /publish
 *   GET  /api/v1/public/inspection-tasks[/{id}]  published tasks, no login
 */
#include "inspections/inspections.h"
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "http/list.h"
#include "http/module.h"
#include "refdata/refdata.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int inspections_demo(struct db *w, struct demo *d);

#define ROLES_PLAN (ROLE_BUREAU)
#define ROLES_SEE (ROLE_BUREAU | ROLE_INSPECTOR)

/* ---- items and conflicts ---- */

static const struct list_filter item_filters[] = {{"department"}, {NULL}};

static const struct list_def items_list = {
    .rec = &inspections_item,
    .order = "i.id",
    .filename = "抽查事项清单",
    .filters = item_filters,
};

static int item_create(struct req *req, struct resp *resp)
{
    double ratio = json_number_value(json_object_get(req->json, "ratio"));
    if (json_object_get(req->json, "ratio") && (ratio < 0 || ratio > 1))
        return reply_error(resp, ERR_INVALID, "validation_failed", "抽查比例须在 0 到 1 之间",
                           "ratio");
    struct db *w = db_write_begin();
    int rc = w ? rec_insert(w, &inspections_item, req->json) : ERR_DB;
    json_t *o = NULL;
    char key[24];
    if (!rc) {
        snprintf(key, sizeof key, "%" PRId64, db_last_id(w));
        rc = rec_get(w, &inspections_item, key, &o);
    }
    if (!rc) {
        char object[48], *detail = json_dumps(o, JSON_COMPACT);
        snprintf(object, sizeof object, "inspection_item:%s", key);
        rc = audit_record_as(w, req->user, req->ip, "inspection_item.create", object, detail);
        free(detail);
    }
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_CONFLICT) /* the department does not exist */
        return reply_error(resp, ERR_INVALID, "unknown_department", "实施部门不存在", "department");
    if (rc) {
        json_decref(o);
        return rc;
    }
    return reply_json(resp, 201, o);
}

static const struct field conflict_fields[] = {
    {"inspector", FIELD_INT, FIELD_REQUIRED, 0, "检查人员编号", NULL, NULL, NULL, 1, INT64_MAX},
    {"uscc", FIELD_STRING, FIELD_REQUIRED, 18, "统一社会信用代码", NULL},
    {"reason", FIELD_STRING, FIELD_REQUIRED, 200, "回避原因", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int conflict_create(struct req *req, struct resp *resp)
{
    json_t *b = req->json;
    int64_t inspector = json_integer_value(json_object_get(b, "inspector"));
    const char *uscc = json_string_value(json_object_get(b, "uscc"));
    struct db *w = db_write_begin();
    int rc = w ? 0 : ERR_DB;
    struct db_stmt *st = NULL;
    if (!rc)
        rc = db_prepare(w,
                        "INSERT INTO inspection_conflicts(inspector, uscc, reason)"
                        " SELECT u.id, e.uscc, ? FROM users u, entities e"
                        " WHERE u.id = ? AND u.role = 'inspector' AND e.uscc = ?",
                        &st);
    if (!rc)
        rc = db_bind_text(st, 1, json_string_value(json_object_get(b, "reason")), -1);
    if (!rc)
        rc = db_bind_int(st, 2, inspector);
    if (!rc)
        rc = db_bind_text(st, 3, uscc, -1);
    if (!rc)
        rc = db_run(st);
    int inserted = !rc && db_changes(w) == 1;
    if (!rc && inserted) {
        char object[48], *detail = json_dumps(b, JSON_COMPACT);
        snprintf(object, sizeof object, "inspection_conflict:%" PRId64, inspector);
        rc = audit_record_as(w, req->user, req->ip, "inspection_conflict.create", object, detail);
        free(detail);
    }
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_CONFLICT)
        return reply_error(resp, rc, "duplicate", "该回避关系已登记", NULL);
    if (rc)
        return rc;
    if (!inserted)
        return reply_error(resp, ERR_INVALID, "unknown_reference",
                           "检查人员或市场主体不存在（检查人员须为执法人员账号）", "inspector");
    json_incref(b);
    return reply_json(resp, 201, b);
}

static int conflicts_get(struct req *req, struct resp *resp)
{
    (void)req;
    struct db_stmt *st = NULL;
    json_t *a = json_array();
    int rc = db_prepare(db_read(),
                        "SELECT c.inspector, u.display_name, c.uscc, c.reason FROM"
                        " inspection_conflicts c JOIN users u ON u.id = c.inspector"
                        " ORDER BY c.inspector, c.uscc LIMIT 1000",
                        &st),
        step = DB_DONE;
    while (!rc && (step = db_step(st)) == DB_ROW)
        json_array_append_new(a,
                              json_pack("{sI ss ss ss}", "inspector", (json_int_t)db_col_int(st, 0),
                                        "inspector_name", db_col_text(st, 1), "uscc",
                                        db_col_text(st, 2), "reason", db_col_text(st, 3)));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (rc) {
        json_decref(a);
        return rc;
    }
    return reply_json(resp, 200, json_pack("{so}", "items", a));
}

/* ---- inspectors: 行政执法证 ---- */

static const struct list_filter inspector_filters[] = {
    {"q", ACCOUNTS_NAME_SEARCH},
    {"department", " AND u.department = ?", "department"},
    {"region", " AND u.region = ?", "region", refdata_parse_region},
    /* Counts run on users alone: the certificate is asked for in subqueries. */
    {"field", " AND u.id IN (SELECT inspector FROM inspector_credentials WHERE field = ?)",
     "field"},
    /* ?valid=1: a certificate valid today; 0: none, or expired. */
    {"valid",
     LIST_TODAY_FLAG("EXISTS (SELECT 1 FROM inspector_credentials x WHERE x.inspector = u.id"
                     " AND x.expires >= " LIST_TODAY ")"),
     NULL, list_parse_today_flag},
    {NULL},
};

/* Inspectors without a certificate sort first by expiry, on both databases. */
static const struct list_sort inspector_sorts[] = {{"inspector", "u.id"},
                                                   {"username", "u.username"},
                                                   {"expires", "coalesce(c.expires, '')"},
                                                   {NULL, NULL}};

static const struct list_def inspectors_list = {
    .rec = &inspections_inspector,
    .where = " AND u.role = 'inspector'",
    .order = "u.id",
    .filename = "执法人员",
    .filters = inspector_filters,
    .sorts = inspector_sorts,
};

/* PUT /api/v1/inspectors/{id}/credential: records or renews an inspector's certificate. */
static int credential_put(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = req_id_or_reply(req, resp, "id", "未找到该执法人员", &id);
    if (rc)
        return rc;
    const char *cert = json_string_value(json_object_get(req->json, "cert_no"));
    if (cert && strlen(cert) < 4) /* the field's table keeps 4 to 32 characters */
        return reply_error(resp, ERR_INVALID, "validation_failed", "执法证号应为 4–32 个字符",
                           "cert_no");
    char key[24], object[48];
    snprintf(key, sizeof key, "%" PRId64, id);
    snprintf(object, sizeof object, "user:%s", key);
    json_t *v = json_deep_copy(req->json), *o = NULL, *before = NULL;
    json_object_set_new(v, "inspector", json_integer(id));
    struct db *w = db_write_begin();
    json_t *user = NULL;
    rc = w ? accounts_get(w, id, &user) : ERR_DB;
    /* Someone else's inspector is not found: a county keeps its own inspectors' papers. */
    int not_inspector =
        rc == ERR_NOTFOUND ||
        (!rc && (strcmp(json_string_value(json_object_get(user, "role")), "inspector") ||
                 scope_allows(req->user, json_string_value(json_object_get(user, "region")))));
    json_decref(user);
    if (not_inspector)
        rc = ERR_NOTFOUND;
    if (!rc) {
        rc = rec_get(w, &inspections_credential, key, &before);
        rc = rc == ERR_NOTFOUND ? rec_insert(w, &inspections_credential, v)
             : rc               ? rc
                                : rec_update(w, &inspections_credential, key, v);
    }
    json_t *after = NULL;
    if (!rc)
        rc = rec_get(w, &inspections_credential, key, &after);
    char *detail = rc ? NULL : rec_diff(&inspections_credential, after, before);
    if (!rc)
        rc = audit_record_as(w, req->user, req->ip, "inspector.credential", object, detail);
    free(detail);
    if (!rc) /* the answer: the inspector as the list gives them */
        rc = rec_get(w, &inspections_inspector, key, &o);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    json_decref(before);
    json_decref(after);
    if (not_inspector)
        return reply_error(resp, ERR_NOTFOUND, "not_found", "未找到该执法人员", NULL);
    if (rc == ERR_CONFLICT)
        return reply_error(resp, rc, "duplicate", "该执法证号已登记给其他人员", "cert_no");
    if (rc) {
        json_decref(o);
        return rc;
    }
    return reply_json(resp, 200, o);
}

/* ---- tasks ---- */

static int tasks_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    const char *own = scope_region(req->user);
    if (own)
        list_set(q, "region", own);
    return 0;
}

static void tasks_decorate(struct req *req, json_t *item)
{
    (void)req;
    inspections_decorate(item);
}

/* status first: the public list takes the others (task_filters + 1). */
static const struct list_filter task_filters[] = {
    {"status"},
    {"region", NULL, NULL, refdata_parse_region},
    /* ?late=1: published after the deadline, or past it and not yet published. */
    {"late",
     LIST_TODAY_FLAG(
         "t.published_late = 1 OR (t.published_at IS NULL AND t.publish_due < " LIST_TODAY ")"),
     NULL, list_parse_today_flag},
    {NULL},
};

static const struct list_def tasks_list = {
    .rec = &inspections_task,
    .order = "t.id DESC",
    .filename = "双随机抽查任务",
    .filters = task_filters,
    .prepare = tasks_prepare,
    .decorate = tasks_decorate,
};

/* The {id} path parameter (http.h: req_id_or_reply). */
static int id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "未找到该抽查任务", id);
}

/* Reads task id on db if p may see it (county staff: their county); answers 404/403. */
static int task_or_reply(struct req *req, struct resp *resp, struct db *db, int64_t id,
                         json_t **out)
{
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, id);
    json_t *o = NULL;
    int rc = rec_get(db, &inspections_task, key, &o);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "未找到该抽查任务", NULL);
    if (rc)
        return rc;
    /* County staff see their county's tasks; an inspector also those whose pool took them. */
    if (scope_allows(req->user, json_string_value(json_object_get(o, "region"))) &&
        (req->user->role != ROLE_INSPECTOR || (rc = inspections_in_pool(db, id, req->user->id)))) {
        json_decref(o);
        if (rc && rc != ERR_NOTFOUND)
            return rc;
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的抽查任务", NULL);
    }
    *out = o;
    return 0;
}

static int task_create(struct req *req, struct resp *resp)
{
    const char *field = NULL;
    char msg[256];
    json_t *v = json_deep_copy(req->json);
    int rc = inspections_check_task(req->user, v, &field, msg, sizeof msg);
    if (rc) {
        json_decref(v);
        return reply_error(resp, rc, rc == ERR_FORBIDDEN ? "forbidden" : "validation_failed", msg,
                           field);
    }
    const char *own = scope_region(req->user);
    json_object_set_new(v, "region", json_string(own ? own : CITY_REGION));
    json_object_set_new(v, "status", json_string("draft"));
    json_object_set_new(v, "created_by", json_integer(req->user->id));
    json_object_set_new(v, "created_at", json_integer(time_now()));
    struct db *w = db_write_begin();
    rc = w ? rec_insert(w, &inspections_task, v) : ERR_DB;
    json_t *o = NULL;
    char key[24];
    if (!rc) {
        snprintf(key, sizeof key, "%" PRId64, db_last_id(w));
        rc = rec_get(w, &inspections_task, key, &o);
    }
    if (!rc) {
        char object[48];
        snprintf(object, sizeof object, "inspection_task:%s", key);
        rc = audit_record_as(w, req->user, req->ip, "inspection_task.create", object, NULL);
    }
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return reply_json(resp, 201, o);
}

static int task_get(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *o;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = task_or_reply(req, resp, db_read(), id, &o);
    if (!rc)
        inspections_decorate(o);
    if (!rc && (rc = inspections_names(db_read(), o)))
        json_decref(o);
    return rc ? rc : reply_json(resp, 200, o);
}

/* The drawn targets of task id with their teams and results, as a JSON array. */
static int targets_json(struct db *db, int64_t id, json_t **out)
{
    struct db_stmt *st = NULL;
    json_t *a = json_array();
    int rc = db_prepare(db,
                        "SELECT t.uscc, e.name, t.credit, t.region, t.team, t.outcome, t.note,"
                        " t.rectify_by, t.inspected_on FROM inspection_targets t"
                        " JOIN entities e ON e.uscc = t.uscc WHERE t.task = ? ORDER BY t.uscc",
                        &st),
        step = DB_DONE;
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        json_t *team = json_loads(db_col_text(st, 4), 0, NULL);
        json_array_append_new(
            a, json_pack("{ss ss ss ss so ss? ss? ss? ss?}", "uscc", db_col_text(st, 0), "name",
                         db_col_text(st, 1), "credit", db_col_text(st, 2), "region",
                         db_col_text(st, 3), "inspectors", team ? team : json_array(), "outcome",
                         db_col_text(st, 5), "note", db_col_text(st, 6), "rectify_by",
                         db_col_text(st, 7), "inspected_on", db_col_text(st, 8)));
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (rc)
        json_decref(a);
    else
        *out = a;
    return rc;
}

static int task_step(struct req *req, struct resp *resp, enum inspections_step s)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    char msg[1024] = "", object[48], key[24];
    json_t *o = NULL, *targets = NULL;
    struct db *w = db_write_begin();
    rc = w ? task_or_reply(req, resp, w, id, &o) : ERR_DB;
    if (!rc)
        rc = inspections_step(w, id, json_string_value(json_object_get(o, "status")), s, msg,
                              sizeof msg);
    json_decref(o);
    o = NULL;
    snprintf(object, sizeof object, "inspection_task:%" PRId64, id);
    if (!rc)
        rc = audit_record_as(w, req->user, req->ip, inspections_step_action(s), object, NULL);
    snprintf(key, sizeof key, "%" PRId64, id);
    if (!rc)
        rc = rec_get(w, &inspections_task, key, &o);
    if (!rc && s == INSPECTIONS_DRAW)
        rc = targets_json(w, id, &targets);
    if (w)
        rc = db_write_end(w, rc);
    if (rc) {
        json_decref(o);
        json_decref(targets);
        if (resp->status) /* answered by task_or_reply */
            return rc;
        if (rc == ERR_CONFLICT && *msg)
            return reply_error(resp, rc, "invalid_state", msg, NULL);
        if (rc == ERR_INVALID)
            return reply_error(resp, rc, s == INSPECTIONS_COMMIT ? "cannot_commit" : "cannot_draw",
                               msg, s == INSPECTIONS_COMMIT ? "inspector_pool" : NULL);
        return rc;
    }
    inspections_decorate(o);
    if (targets)
        json_object_set_new(o, "targets", targets);
    return reply_json(resp, 200, o);
}

static int task_commit(struct req *req, struct resp *resp)
{
    return task_step(req, resp, INSPECTIONS_COMMIT);
}

static int task_draw(struct req *req, struct resp *resp)
{
    return task_step(req, resp, INSPECTIONS_DRAW);
}

static int task_complete(struct req *req, struct resp *resp)
{
    return task_step(req, resp, INSPECTIONS_COMPLETE);
}

static int task_publish(struct req *req, struct resp *resp)
{
    return task_step(req, resp, INSPECTIONS_PUBLISH);
}

/* {"match", "seed_hash_match", "population_hash_match", "draw_match", the published values}
 * of task o verified with seed_hex (NULL: the stored seed); answers. */
static int verify_reply(struct resp *resp, json_t *o, int64_t id, const char *seed_hex)
{
    struct inspections_check c;
    int rc = inspections_verify(db_read(), id, seed_hex, &c);
    if (rc == ERR_CONFLICT)
        rc = reply_error(resp, rc, "invalid_state", "任务尚未抽取，无可核验的结果", NULL);
    else if (rc == ERR_INVALID)
        rc = reply_error(resp, rc, "validation_failed", "种子须为 64 位十六进制数", "seed");
    if (rc) {
        json_decref(o);
        return rc;
    }
    json_t *out = json_pack(
        "{sI sb sb sb sb ss sO sO sO sO}", "id", (json_int_t)id, "match", c.match,
        "seed_hash_match", c.seed_hash, "population_hash_match", c.population_hash, "draw_match",
        c.draw, "seed", seed_hex ? seed_hex : json_string_value(json_object_get(o, "seed")),
        "seed_hash", json_object_get(o, "seed_hash"), "population_hash",
        json_object_get(o, "population_hash"), "population_size",
        json_object_get(o, "population_size"), "drawn_count", json_object_get(o, "drawn_count"));
    json_decref(o);
    return reply_json(resp, 200, out);
}

static int task_verify(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *o;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = task_or_reply(req, resp, db_read(), id, &o);
    return rc ? rc : verify_reply(resp, o, id, NULL);
}

static int task_preview(struct req *req, struct resp *resp)
{
    const char *field = NULL;
    char msg[256];
    json_t *v = json_deep_copy(req->json), *out = NULL;
    int rc = inspections_check_task(req->user, v, &field, msg, sizeof msg);
    if (rc) {
        json_decref(v);
        return reply_error(resp, rc, rc == ERR_FORBIDDEN ? "forbidden" : "validation_failed", msg,
                           field);
    }
    rc = inspections_preview(db_read(), v, &out);
    json_decref(v);
    return rc ? rc : reply_json(resp, 200, out);
}

static int task_targets(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *o, *a;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = task_or_reply(req, resp, db_read(), id, &o);
    if (rc)
        return rc;
    json_decref(o);
    rc = targets_json(db_read(), id, &a);
    return rc ? rc : reply_json(resp, 200, json_pack("{so}", "items", a));
}

static const struct field result_fields[] = {
    {"outcome", FIELD_STRING, FIELD_REQUIRED, 16, "检查结果", NULL, NULL, inspections_outcomes},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 1000, "检查情况", NULL},
    {"rectify_by", FIELD_DATE, FIELD_NULLABLE, 10, "整改期限", NULL},
    {"inspected_on", FIELD_DATE, FIELD_NULLABLE, 10, "检查日期", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int target_result(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *o = NULL, *b = req->json;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    const char *uscc = req_param(req, "uscc"),
               *outcome = json_string_value(json_object_get(b, "outcome"));
    if (!strcmp(outcome, "rectify") && !json_is_string(json_object_get(b, "rectify_by")))
        return reply_error(resp, ERR_INVALID, "validation_failed", "责令整改须给出整改期限",
                           "rectify_by");
    int on_team = 0, refusal = 0;
    struct db *w = db_write_begin();
    rc = w ? task_or_reply(req, resp, w, id, &o) : ERR_DB;
    const char *status = rc ? NULL : json_string_value(json_object_get(o, "status"));
    if (!rc)
        rc = inspections_on_team(w, id, uscc, req->user->id, &on_team);
    if (!rc)
        rc = refusal = inspections_may_record(status, on_team, req->user);
    if (!rc)
        rc = inspections_record_result(
            w, id, json_integer_value(json_array_get(json_object_get(o, "departments"), 0)), status,
            uscc, b, req->user->id);
    char object[64], *detail = rc ? NULL : json_dumps(b, JSON_COMPACT);
    snprintf(object, sizeof object, "inspection_task:%" PRId64, id);
    if (!rc)
        rc = audit_record_as(w, req->user, req->ip, "inspection_task.result", object, detail);
    free(detail);
    json_decref(o);
    if (w)
        rc = db_write_end(w, rc);
    if (resp->status)
        return rc;
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "该企业不是本任务的抽查对象", "uscc");
    if (rc == ERR_CONFLICT && !refusal)
        return reply_error(resp, rc, "case_decided",
                           "此前结果所立案件已作出处理决定，不能再更改检查结果", "outcome");
    if (refusal == ERR_CONFLICT)
        return reply_error(resp, refusal, "invalid_state", "任务不在检查阶段，不能录入结果", NULL);
    if (refusal == ERR_FORBIDDEN)
        return reply_error(resp, refusal, "forbidden", "只有该对象的检查组成员可以录入结果", NULL);
    if (rc)
        return rc;
    return reply_json(resp, 200, json_pack("{ss ss}", "uscc", uscc, "outcome", outcome));
}

/* ---- my assignments ---- */

static int assignments_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    if (req->user->role == ROLE_INSPECTOR) { /* their own */
        char *own = req_alloc(req, 24);
        snprintf(own, 24, "%" PRId64, req->user->id);
        list_set(q, "inspector", own);
    }
    const char *region = scope_region(req->user);
    if (region && req->user->role != ROLE_INSPECTOR) {
        list_where(q, " AND EXISTS (SELECT 1 FROM inspection_tasks k WHERE k.id = a.task"
                      " AND k.region = ?)");
        return list_bind_text(q, region) ? ERR_INTERNAL : 0;
    }
    return 0;
}

static const struct list_filter assignment_filters[] = {
    {"inspector"},
    {"task"},
    {"pending",
     LIST_TODAY_FLAG("EXISTS (SELECT 1 FROM inspection_targets x WHERE x.task = a.task"
                     " AND x.uscc = a.uscc AND x.outcome IS NULL)"),
     NULL, list_parse_today_flag},
    {NULL},
};

static const struct list_def assignments_list = {
    .rec = &inspections_assignment,
    .order = "a.task DESC, a.uscc",
    .filename = "我的检查任务",
    .filters = assignment_filters,
    .prepare = assignments_prepare,
};

/* ---- public ---- */

/* Published tasks only: the public may filter by region and lateness, not by status. */
static const struct list_def public_list = {
    .rec = &inspections_task,
    .where = " AND t.status = 'published'",
    .order = "t.id DESC",
    .filename = "双随机抽查结果公示",
    .filters = task_filters + 1,
    .decorate = tasks_decorate,
};

/* The published task {id} for anyone, in *id and *out; answers 404 for anything unpublished
 * (nothing unpublished is shown). */
static int published_or_reply(struct req *req, struct resp *resp, int64_t *id, json_t **out)
{
    int rc = id_or_reply(req, resp, id);
    if (rc)
        return rc;
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, *id);
    json_t *o = NULL;
    rc = rec_get(db_read(), &inspections_task, key, &o);
    if (!rc && strcmp(json_string_value(json_object_get(o, "status")), "published"))
        rc = ERR_NOTFOUND;
    if (rc) {
        json_decref(o);
        return rc == ERR_NOTFOUND ? reply_error(resp, rc, "not_found", "未找到该公示任务", NULL)
                                  : rc;
    }
    *out = o;
    return 0;
}

static int public_get(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *o = NULL, *a = NULL;
    int rc = published_or_reply(req, resp, &id, &o);
    if (rc)
        return rc;
    rc = targets_json(db_read(), id, &a);
    if (rc) {
        json_decref(o);
        return rc;
    }
    json_object_del(o, "created_by");
    inspections_decorate(o);
    json_object_set_new(o, "targets", a);
    if ((rc = inspections_names(db_read(), o))) {
        json_decref(o);
        return rc;
    }
    return reply_json(resp, 200, o);
}

static const char *const verify_query[] = {"seed", NULL};

/* GET /api/v1/public/inspection-tasks/{id}/verify?seed=: anyone may draw a published task
 * again, with the published seed or one they paste. */
static int public_verify(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *o = NULL;
    int rc = published_or_reply(req, resp, &id, &o);
    if (rc)
        return rc;
    const char *seed = req_query(req, "seed");
    return verify_reply(resp, o, id, seed && *seed ? seed : NULL);
}

/* 一公开 as open data: the published results in the LIVES layout, three CSV files. */
#define PUBLISHED_TASKS "(SELECT id FROM inspection_tasks WHERE status = 'published')"

static const struct list_def open_businesses = {
    .rec = &inspections_lives_business,
    .where =
        " AND e.uscc IN (SELECT t.uscc FROM inspection_targets t WHERE t.task IN " PUBLISHED_TASKS
        " AND t.outcome IS NOT NULL)",
    .order = "e.uscc",
    .filename = "businesses",
    .feed = 1,
};

static const struct list_def open_inspections = {
    .rec = &inspections_lives_inspection,
    .where = " AND t.outcome IS NOT NULL AND t.task IN " PUBLISHED_TASKS,
    .order = "t.task, t.uscc",
    .filename = "inspections",
    .feed = 1,
};

static const struct list_def open_violations = {
    .rec = &inspections_lives_violation,
    .where = " AND t.outcome IN ('rectify', 'interview', 'case') AND t.task IN " PUBLISHED_TASKS,
    .order = "t.task, t.uscc",
    .filename = "violations",
    .feed = 1,
};

#define STEP_ROUTE(path, fn)                                                                       \
    {                                                                                              \
        "POST", "/api/v1/inspection-tasks/{id}/" path, fn, ROLES_PLAN, NULL, 0, 0                  \
    }

static const struct route routes[] = {
    {"GET", "/api/v1/inspection-items", NULL, ROLES_SEE, NULL, 0, 0, &items_list},
    {"POST", "/api/v1/inspection-items", item_create, ROLES_PLAN, inspections_item_fields,
     ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/inspection-conflicts", conflicts_get, ROLES_PLAN, NULL, 0, 0},
    {"GET", "/api/v1/inspectors", NULL, ROLES_SEE, NULL, 0, 0, &inspectors_list},
    {"PUT", "/api/v1/inspectors/{id}/credential", credential_put, ROLES_PLAN,
     inspections_credential_body, ROUTE_BODY_JSON, 0},
    {"POST", "/api/v1/inspection-conflicts", conflict_create, ROLES_PLAN, conflict_fields,
     ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/inspection-tasks", NULL, ROLES_SEE, NULL, 0, 0, &tasks_list},
    {"POST", "/api/v1/inspection-tasks", task_create, ROLES_PLAN, inspections_task_create,
     ROUTE_BODY_JSON, 0},
    {"POST", "/api/v1/inspection-tasks/preview", task_preview, ROLES_PLAN, inspections_task_create,
     ROUTE_BODY_JSON | ROUTE_SLOW, 0},
    {"GET", "/api/v1/inspection-tasks/{id}", task_get, ROLES_SEE, NULL, 0, 0},
    {"POST", "/api/v1/inspection-tasks/{id}/commit", task_commit, ROLES_PLAN, NULL, ROUTE_SLOW, 0},
    {"POST", "/api/v1/inspection-tasks/{id}/draw", task_draw, ROLES_PLAN, NULL, ROUTE_SLOW, 0},
    STEP_ROUTE("complete", task_complete),
    STEP_ROUTE("publish", task_publish),
    {"GET", "/api/v1/inspection-tasks/{id}/verify", task_verify, ROLES_SEE, NULL, ROUTE_SLOW, 0},
    {"GET", "/api/v1/inspection-tasks/{id}/targets", task_targets, ROLES_SEE, NULL, 0, 0},
    {"POST", "/api/v1/inspection-tasks/{id}/targets/{uscc}/result", target_result,
     ROLE_INSPECTOR | ROLE_BUREAU, result_fields, ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/public/inspection-tasks", NULL, ROLES_PUBLIC, NULL, 0, 0, &public_list},
    {"GET", "/api/v1/public/inspection-tasks/{id}", public_get, ROLES_PUBLIC, NULL, 0, 0},
    {"GET", "/api/v1/public/inspection-tasks/{id}/verify", public_verify, ROLES_PUBLIC, NULL,
     ROUTE_SLOW, 0, .query = verify_query},
    {"GET", "/api/v1/inspection-assignments", NULL, ROLES_SEE, NULL, 0, 0, &assignments_list},
    {"GET", "/api/v1/public/open-data/businesses.csv", NULL, ROLES_PUBLIC, NULL, ROUTE_SLOW, 0,
     &open_businesses},
    {"GET", "/api/v1/public/open-data/inspections.csv", NULL, ROLES_PUBLIC, NULL, ROUTE_SLOW, 0,
     &open_inspections},
    {"GET", "/api/v1/public/open-data/violations.csv", NULL, ROLES_PUBLIC, NULL, ROUTE_SLOW, 0,
     &open_violations},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {
    &inspections_task,
    &inspections_credential,
    &inspections_inspector,
    &inspections_item,
    &inspections_assignment,
    &inspections_lives_business,
    &inspections_lives_inspection,
    &inspections_lives_violation,
    NULL,
};

static const struct audit_action actions[] = {
    {"inspection_item.create", "新增抽查事项"},
    {"inspection_conflict.create", "登记回避关系"},
    {"inspector.credential", "登记执法证"},
    {"inspection_task.create", "创建抽查任务"},
    {"inspection_task.commit", "抽查任务承诺（公布种子哈希）"},
    {"inspection_task.draw", "双随机抽取"},
    {"inspection_task.result", "录入抽查结果"},
    {"inspection_task.complete", "完成抽查任务"},
    {"inspection_task.publish", "公示抽查结果"},
    {NULL, NULL},
};

const struct module inspections_module = {
    .name = "inspections",
    .label = "双随机、一公开",
    .roles = ROLES_SEE,
    .routes = routes,
    .records = records,
    .actions = actions,
    .demo = inspections_demo,
};
