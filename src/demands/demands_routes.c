/* SPDX-License-Identifier: MIT */
/*
 * M2 over HTTP:
 *   GET  /api/v1/demands                  the inbox: filters, sort, ?format=csv|xlsx
 *   POST /api/v1/demands                  file a demand (the enterprise, its officer, staff)
 *   GET  /api/v1/demands/stats            received, closed, closure rate, ... (?by=)
 *   GET  /api/v1/demands/deadlines        working days per tier; PUT: the administrator
 *   GET  /api/v1/demands/{id}             one demand with its events
 *   POST /api/v1/demands/{id}/<action>    one step of its life (demands.h)
 * Every step is judged inside the write transaction, on the demand as it stands there, and
 * writes the demand, its event and the audit row together.
 */
#include "demands/demands.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "http/list.h"
#include "http/module.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int demands_demo(struct db *w, struct demo *d);

#define ROLES_READ (ROLES_STAFF & ~ROLE_INSPECTOR)
#define OPEN_STATES "('submitted', 'triaged', 'assigned', 'in_progress', 'returned')"

/* ---- reading ---- */

static const char *event_label(const char *action)
{
    if (!strcmp(action, "submit"))
        return "提交诉求";
    if (!strcmp(action, "merged_in"))
        return "合并重复诉求";
    const char *l = demands_action_label(demands_action_of(action));
    return l ? l : action;
}

/* The events of demand id, oldest first. */
static int events_json(struct db *db, int64_t id, json_t **out)
{
    struct db_stmt *st;
    json_t *a = json_array();
    int rc = db_prepare(db,
                        "SELECT ev.id, ev.at, ev.actor, u.display_name, u.role, ev.action,"
                        " ev.from_status, ev.to_status, ev.detail FROM demand_events ev"
                        " LEFT JOIN users u ON u.id = ev.actor WHERE ev.demand = ? ORDER BY ev.id",
                        &st),
        step = DB_DONE;
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        char at[RFC3339_LEN + 1];
        time_format_rfc3339(db_col_int(st, 1), at);
        const char *action = db_col_text(st, 5), *role = db_col_text(st, 4);
        json_t *detail = json_loads(db_col_text(st, 8), 0, NULL);
        json_array_append_new(
            a, json_pack("{sI ss so? ss? ss? ss ss ss? ss so}", "id", (json_int_t)db_col_int(st, 0),
                         "at", at, "actor",
                         db_col_type(st, 2) == DB_NULL ? NULL : json_integer(db_col_int(st, 2)),
                         "actor_name", db_col_text(st, 3), "actor_role",
                         role ? role_label(role_of(role)) : NULL, "action", action, "label",
                         event_label(action), "from", db_col_text(st, 6), "to", db_col_text(st, 7),
                         "detail", detail ? detail : json_object()));
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

static int assisting_json(struct db *db, int64_t id, json_t **out)
{
    struct db_stmt *st;
    json_t *a = json_array();
    int rc = db_prepare(db,
                        "SELECT x.department, dp.name FROM demand_assists x JOIN departments dp"
                        " ON dp.id = x.department WHERE x.demand = ? ORDER BY x.department",
                        &st),
        step = DB_DONE;
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW)
        json_array_append_new(a, json_pack("{sI ss}", "id", (json_int_t)db_col_int(st, 0), "name",
                                           db_col_text(st, 1)));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (rc)
        json_decref(a);
    else
        *out = a;
    return rc;
}

static int32_t due_day(json_t *o)
{
    const char *s = json_string_value(json_object_get(o, "due"));
    int32_t day;
    return s && !date_parse(s, strlen(s), &day) ? day : -1;
}

/* Adds the computed members of a demand's JSON: overdue, and labels of its codes. */
static void decorate(struct req *req, json_t *o)
{
    (void)req;
    const char *status = json_string_value(json_object_get(o, "status"));
    json_object_set_new(o, "overdue",
                        json_boolean(demands_overdue(status, due_day(o), date_today())));
}

/* The whole demand for p: record, events, assisting departments, and the steps p may take. */
static int demand_json(struct db *db, int64_t id, const struct principal *p, json_t **out)
{
    char key[24], returned_from[16];
    struct demand_state d;
    json_t *o = NULL, *events = NULL, *assisting = NULL;
    snprintf(key, sizeof key, "%" PRId64, id);
    int rc = rec_get(db, &demands_demand, key, &o);
    if (!rc)
        rc = events_json(db, id, &events);
    if (!rc)
        rc = assisting_json(db, id, &assisting);
    if (!rc)
        rc = demands_state(db, id, p, &d, returned_from);
    if (rc) {
        json_decref(o);
        json_decref(events);
        json_decref(assisting);
        return rc;
    }
    decorate(NULL, o);
    json_object_set_new(o, "events", events);
    json_object_set_new(o, "assisting", assisting);
    json_t *can = json_array();
    for (int a = 0; a < DA_COUNT; a++) {
        const char *msg;
        if (!demands_may_act(p, &d, a, &msg))
            json_array_append_new(can, json_string(demands_action_name(a)));
    }
    json_object_set_new(o, "actions", can);
    *out = o;
    return 0;
}

/* The {id} path parameter (http.h: req_id_or_reply). */
static int id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "未找到该诉求", id);
}

static int refuse_unseen(struct resp *resp, int rc)
{
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "未找到该诉求", NULL);
    if (rc == ERR_FORBIDDEN)
        return reply_error(resp, rc, "forbidden", "无权查看该诉求", NULL);
    return rc;
}

static int demand_get(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    struct db *db = db_read();
    struct demand_state d;
    char returned_from[16];
    rc = demands_state(db, id, req->user, &d, returned_from);
    if (!rc)
        rc = demands_may_see(req->user, &d);
    if (rc)
        return refuse_unseen(resp, rc);
    json_t *o;
    rc = demand_json(db, id, req->user, &o);
    return rc ? rc : reply_json(resp, 200, o);
}

/* ---- the list ---- */

static int demands_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    struct demand_scope s;
    demands_scope(req->user, &s);
    if (!*s.sql)
        return 0;
    list_where(q, s.sql);
    for (int i = 0; i < s.n; i++)
        if (s.is_int[i] ? list_bind_int(q, s.ints[i]) : list_bind_text(q, s.texts[i]))
            return ERR_INTERNAL;
    return 0;
}

static const struct list_filter filters[] = {
    {"status"},
    {"tier"},
    {"category"},
    {"chain"},
    {"region", NULL, NULL, refdata_parse_region},
    {"department", " AND (d.department = ? OR EXISTS (SELECT 1 FROM demand_assists y"
                   " WHERE y.demand = d.id AND y.department = ?))"},
    {"assignee"},
    {"officer"},
    {"uscc"},
    {"overdue", LIST_TODAY_FLAG("d.due < " LIST_TODAY " AND d.status IN " OPEN_STATES), NULL,
     list_parse_today_flag},
    {"from", " AND d.filed_at >= ?", NULL, list_parse_from},
    {"to", " AND d.filed_at < ?", NULL, list_parse_to},
    {"due_by", " AND d.due <= ? AND d.status IN " OPEN_STATES, NULL, list_parse_date},
    {NULL},
};

static const struct list_sort sorts[] = {
    {"id", "d.id"},         {"filed_at", "d.filed_at"}, {"due", "d.due"},
    {"status", "d.status"}, {"tier", "d.tier"},         {NULL, NULL},
};

static const struct list_def demands_list = {
    .rec = &demands_demand,
    .order = "d.id DESC",
    .filename = "企业诉求",
    .filters = filters,
    .sorts = sorts,
    .prepare = demands_prepare,
    .decorate = decorate,
};

/* ---- statistics ---- */

static const struct {
    const char *name, *key, *label, *join;
} groupings[] = {
    {"tier", "d.tier", "d.tier", ""},
    {"chain", "d.chain", "c.name", " LEFT JOIN chains c ON c.id = d.chain"},
    {"region", "d.region", "r.name", " JOIN regions r ON r.code = d.region"},
    {"department", "d.department", "dp.name", " LEFT JOIN departments dp ON dp.id = d.department"},
};

static json_t *round_to(double v, double unit)
{
    return json_real((double)(int64_t)(v / unit + 0.5) * unit);
}

/* One row of figures (columns from `first` on) as the stats members. */
static void figures(json_t *o, struct db_stmt *st, int first)
{
    int64_t received = db_col_int(st, first), closed = db_col_int(st, first + 1);
    json_object_set_new(o, "received", json_integer(received));
    json_object_set_new(o, "closed", json_integer(closed));
    json_object_set_new(o, "closure_rate",
                        round_to(received ? (double)closed / (double)received : 0, 0.0001));
    json_object_set_new(o, "overdue", json_integer(db_col_int(st, first + 2)));
    json_object_set_new(o, "mean_days_to_close",
                        db_col_type(st, first + 3) == DB_NULL
                            ? json_null()
                            : round_to(db_col_double(st, first + 3), 0.01));
    json_object_set_new(o, "mean_rating",
                        db_col_type(st, first + 4) == DB_NULL
                            ? json_null()
                            : round_to(db_col_double(st, first + 4), 0.01));
}

static int stats_query(struct db *db, const struct principal *p, int by, int64_t from, int64_t to,
                       json_t *out)
{
    struct demand_scope s;
    struct strbuf sql;
    struct db_stmt *st = NULL;
    char today[DATE_LEN + 1];
    date_format(date_today(), today);
    demands_scope(p, &s);
    strbuf_init(&sql, 4096);
    strbuf_printf(&sql, "SELECT %s, %s, ", by >= 0 ? groupings[by].key : "0",
                  by >= 0 ? groupings[by].label : "''");
    strbuf_puts(&sql, "count(*), sum(CASE WHEN d.status = 'closed' THEN 1 ELSE 0 END),"
                      " sum(CASE WHEN d.late = 1 OR (d.due < ? AND d.status IN " OPEN_STATES
                      ") THEN 1 ELSE 0 END), avg(d.days_to_close), avg(d.rating) FROM demands d");
    strbuf_puts(&sql, by >= 0 ? groupings[by].join : "");
    strbuf_printf(&sql, " WHERE d.status <> 'merged' AND d.filed_at >= ? AND d.filed_at < ?%s",
                  s.sql);
    if (by >= 0)
        strbuf_printf(&sql, " GROUP BY %s, %s ORDER BY %s", groupings[by].key, groupings[by].label,
                      groupings[by].key);
    const char *text = db_intern(strbuf_get(&sql));
    int rc = text ? db_prepare(db, text, &st) : db_prepare_once(db, strbuf_get(&sql), &st), step;
    int k = 1;
    if (!rc)
        rc = db_bind_text(st, k++, today, -1);
    if (!rc)
        rc = db_bind_int(st, k++, from);
    if (!rc)
        rc = db_bind_int(st, k++, to);
    for (int i = 0; !rc && i < s.n; i++, k++)
        rc = s.is_int[i] ? db_bind_int(st, k, s.ints[i]) : db_bind_text(st, k, s.texts[i], -1);
    json_t *groups = by >= 0 ? json_array() : NULL;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        if (by < 0) {
            figures(out, st, 2);
            continue;
        }
        json_t *g = json_object();
        int null = db_col_type(st, 0) == DB_NULL;
        json_object_set_new(g, "key",
                            null                           ? json_null()
                            : db_col_type(st, 0) == DB_INT ? json_integer(db_col_int(st, 0))
                                                           : json_string(db_col_text(st, 0)));
        const char *label = db_col_text(st, 1);
        if (by == 0)
            label = label ? field_enum_label(field_find(demands_demand.fields, "tier"), label)
                          : "未分级";
        json_object_set_new(g, "label", json_string(label ? label : "未指定"));
        figures(g, st, 2);
        json_array_append_new(groups, g);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    if (text)
        db_done(st);
    else
        db_finalize(st);
    strbuf_dispose(&sql);
    if (groups && !rc)
        json_object_set_new(out, "groups", groups);
    else
        json_decref(groups);
    return rc;
}

static const char *const demands_stats_query[] = {"by", "from", "to", NULL};

static int demands_stats(struct req *req, struct resp *resp)
{
    const char *by = req_query(req, "by");
    int32_t f = 0, t = date_today();
    int rc = req_period_or_reply(req, resp, &f, &t);
    if (rc)
        return rc;
    int g = -1;
    for (int i = 0; by && *by && i < (int)(sizeof groupings / sizeof groupings[0]); i++)
        if (!strcmp(by, groupings[i].name))
            g = i;
    if (by && *by && g < 0)
        return reply_error(resp, ERR_INVALID, "validation_failed",
                           "by 只能是 tier、chain、region 或 department", "by");
    json_t *o = json_object();
    char a[DATE_LEN + 1], b[DATE_LEN + 1];
    date_format(f, a);
    date_format(t, b);
    json_object_set_new(o, "from", json_string(a));
    json_object_set_new(o, "to", json_string(b));
    rc = stats_query(db_read(), req->user, -1, date_start(f), date_start(t + 1), o);
    if (!rc && g >= 0)
        rc = stats_query(db_read(), req->user, g, date_start(f), date_start(t + 1), o);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return reply_json(resp, 200, o);
}

/* ---- deadlines ---- */

static const struct field deadline_fields[] = {
    {"small", FIELD_INT, FIELD_REQUIRED, 0, "小问题办理时限（工作日）", NULL, NULL, NULL, 1, 365},
    {"medium", FIELD_INT, FIELD_REQUIRED, 0, "中问题办理时限（工作日）", NULL, NULL, NULL, 1, 365},
    {"large", FIELD_INT, FIELD_REQUIRED, 0, "大问题办理时限（工作日）", NULL, NULL, NULL, 1, 365},
    {NULL, 0, 0, 0, NULL, NULL},
};

static json_t *deadlines_json(const struct demand_deadlines *dl)
{
    return json_pack("{si si si}", "small", dl->small, "medium", dl->medium, "large", dl->large);
}

static int deadlines_get(struct req *req, struct resp *resp)
{
    (void)req;
    struct demand_deadlines dl;
    int rc = demands_deadlines(db_read(), &dl);
    return rc ? rc : reply_json(resp, 200, deadlines_json(&dl));
}

static int deadlines_put(struct req *req, struct resp *resp)
{
    struct demand_deadlines before,
        after = {
            (int)json_integer_value(json_object_get(req->json, "small")),
            (int)json_integer_value(json_object_get(req->json, "medium")),
            (int)json_integer_value(json_object_get(req->json, "large")),
        };
    struct db *w = db_write_begin();
    int rc = w ? demands_deadlines(w, &before) : ERR_DB;
    static const char *const tiers[] = {"small", "medium", "large"};
    for (int i = 0; !rc && i < 3; i++) {
        struct db_stmt *st;
        rc = db_prepare(w, "UPDATE demand_deadlines SET days = ? WHERE tier = ?", &st);
        if (!rc)
            rc = db_bind_int(st, 1, demands_tier_days(&after, tiers[i]));
        if (!rc)
            rc = db_bind_text(st, 2, tiers[i], -1);
        if (!rc)
            rc = db_run(st);
    }
    char *detail = NULL;
    if (!rc) {
        json_t *d =
            json_pack("{so so}", "from", deadlines_json(&before), "to", deadlines_json(&after));
        detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = audit_record_as(w, req->user, req->ip, "demand.deadlines", "demand:deadlines", detail);
    }
    free(detail);
    if (w)
        rc = db_write_end(w, rc);
    return rc ? rc : reply_json(resp, 200, deadlines_json(&after));
}

/* ---- filing ---- */

/* The channels each kind of caller files through. */
static int channel_fits(const struct principal *p, const char *channel)
{
    int own = p->role == ROLE_ENTERPRISE;
    int online = !strcmp(channel, "qr") || !strcmp(channel, "web");
    return own == online;
}

static int demand_create(struct req *req, struct resp *resp)
{
    json_t *b = req->json;
    char uscc[20];
    snprintf(uscc, sizeof uscc, "%s", json_string_value(json_object_get(b, "uscc")));
    for (char *c = uscc; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    const char *msg, *channel = json_string_value(json_object_get(b, "channel"));
    if (!channel)
        channel = demands_default_channel(req->user);
    /* An account bound to an entity learns nothing of other entities. */
    if (registry_code_hidden(req->user, uscc) && demands_may_file(req->user, uscc, "", 0, &msg))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", msg, "uscc");
    json_t *e = NULL;
    int rc = registry_get(db_read(), uscc, &e);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, ERR_INVALID, "unknown_entity",
                           "未找到该统一社会信用代码的市场主体", "uscc");
    if (rc)
        return rc;
    json_t *officer = json_object_get(e, "officer");
    rc = demands_may_file(req->user, uscc, json_string_value(json_object_get(e, "region")),
                          json_integer_value(officer), &msg);
    if (rc) {
        json_decref(e);
        return reply_error(resp, rc, "forbidden", msg, "uscc");
    }
    if (!channel_fits(req->user, channel)) {
        json_decref(e);
        return reply_error(resp, ERR_INVALID, "validation_failed",
                           req->user->role == ROLE_ENTERPRISE
                               ? "企业自行提交的诉求，渠道只能是 qr 或 web"
                               : "工作人员登记的诉求，渠道只能是 phone、visit 或 officer",
                           "channel");
    }
    json_t *v = json_pack("{ss sO sO ss sO sO sO ss sI sI}", "uscc", uscc, "region",
                          json_object_get(e, "region"), "chain", json_object_get(e, "chain"),
                          "channel", channel, "officer", officer, "title",
                          json_object_get(b, "title"), "body", json_object_get(b, "body"),
                          "category", json_string_value(json_object_get(b, "category")), "filed_by",
                          (json_int_t)req->user->id, "filed_at", (json_int_t)time_now());
    json_decref(e);
    struct db *w = db_write_begin();
    rc = w ? rec_insert(w, &demands_demand, v) : ERR_DB;
    int64_t id = rc ? 0 : db_last_id(w);
    if (!rc) {
        json_t *detail = json_pack("{ss ss}", "channel", channel, "title",
                                   json_string_value(json_object_get(v, "title")));
        rc = demands_record_event(w, req->user, req->ip, id, "submit", NULL, "submitted", detail);
        json_decref(detail);
    }
    json_t *o = NULL;
    if (!rc) /* read in the transaction: a read replica may not have it yet */
        rc = demand_json(w, id, req->user, &o);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return reply_json(resp, 201, o);
}

/* ---- the steps ---- */

static const struct field triage_fields[] = {
    {"tier", FIELD_STRING, FIELD_REQUIRED, 8, "分级", NULL, NULL, demands_tiers},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 500, "说明", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field assign_fields[] = {
    {"department", FIELD_INT, FIELD_NULLABLE, 0, "承办部门", NULL, NULL, NULL, 1, INT32_MAX},
    {"lead", FIELD_INT, FIELD_NULLABLE, 0, "牵头部门", NULL, NULL, NULL, 1, INT32_MAX},
    {"assisting", FIELD_ARRAY, FIELD_NULLABLE, 0, "协办部门", NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 500, "说明", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field note_fields[] = {
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 500, "说明", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field reason_fields[] = {
    {"reason", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 500, "原因", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field supply_fields[] = {
    {"info", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 2000, "补充内容", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field reassign_fields[] = {
    {"department", FIELD_INT, FIELD_REQUIRED, 0, "转办部门", NULL, NULL, NULL, 1, INT32_MAX},
    {"reason", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 500, "转办原因", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field resolve_fields[] = {
    {"resolution", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 2000, "办理结果", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field confirm_fields[] = {
    {"rating", FIELD_INT, FIELD_REQUIRED, 0, "满意度评分", NULL, NULL, NULL, 1, 5},
    {"comment", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 500, "评价意见", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};
static const struct field merge_fields[] = {
    {"into", FIELD_INT, FIELD_REQUIRED, 0, "合并到的诉求编号", NULL, NULL, NULL, 1, INT64_MAX},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int demand_act(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    const char *slash = strrchr(req->route->pattern, '/');
    int action = demands_action_of(slash ? slash + 1 : NULL);
    struct demand_state d;
    struct demands_refusal r = {0};
    char returned_from[16], key[24];
    json_t *v = json_object(), *detail = json_object(), *o = NULL;
    snprintf(key, sizeof key, "%" PRId64, id);
    struct db *w = db_write_begin();
    rc = w ? demands_state(w, id, req->user, &d, returned_from) : ERR_DB;
    if (!rc)
        rc = demands_may_see(req->user, &d);
    if (rc == ERR_NOTFOUND || rc == ERR_FORBIDDEN)
        r = (struct demands_refusal){rc, rc == ERR_NOTFOUND ? "not_found" : "forbidden",
                                     rc == ERR_NOTFOUND ? "未找到该诉求" : "无权查看该诉求", NULL};
    const char *msg;
    if (!rc && (rc = demands_may_act(req->user, &d, action, &msg)))
        r = (struct demands_refusal){rc, rc == ERR_CONFLICT ? "invalid_state" : "forbidden", msg,
                                     NULL};
    if (!rc)
        rc = demands_plan(w, req->user, req->ip, id, &d, returned_from, action, req->json, v,
                          detail, &r);
    if (!rc)
        rc = rec_update(w, &demands_demand, key, v);
    if (!rc)
        rc = demands_record_event(w, req->user, req->ip, id, demands_action_name(action), d.status,
                                  json_string_value(json_object_get(v, "status")), detail);
    if (!rc)
        rc = demand_json(w, id, req->user, &o);
    if (w)
        rc = db_write_end(w, rc);
    json_decref(v);
    json_decref(detail);
    if (rc)
        json_decref(o);
    if (rc && r.err == rc)
        return reply_error(resp, rc, r.code, r.message, r.field);
    return rc ? rc : reply_json(resp, 200, o);
}

#define STEP(name, roles, fields, flags)                                                           \
    {                                                                                              \
        "POST", "/api/v1/demands/{id}/" name, demand_act, roles, fields,                           \
            ROUTE_BODY_JSON | (flags), 0                                                           \
    }

static const struct route routes[] = {
    {"GET", "/api/v1/demands", NULL, ROLES_READ | ROLE_ENTERPRISE, NULL, 0, 0, &demands_list},
    {"POST", "/api/v1/demands", demand_create,
     ROLE_ENTERPRISE | ROLE_OFFICER | ROLE_CHAIN_OFFICE | ROLE_CITY_OFFICE | ROLE_BUREAU,
     demands_create_fields, ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/demands/stats", demands_stats, ROLES_READ, NULL, 0, 0,
     .query = demands_stats_query},
    {"GET", "/api/v1/demands/deadlines", deadlines_get, ROLES_READ | ROLE_ENTERPRISE, NULL, 0, 0},
    {"PUT", "/api/v1/demands/deadlines", deadlines_put, ROLE_ADMIN, deadline_fields,
     ROUTE_BODY_JSON, 0},
    {"GET", "/api/v1/demands/{id}", demand_get, ROLES_READ | ROLE_ENTERPRISE, NULL, 0, 0},
    STEP("triage", ROLE_OFFICER | ROLE_CHAIN_OFFICE, triage_fields, 0),
    STEP("assign", ROLE_CHAIN_OFFICE | ROLE_CITY_OFFICE, assign_fields, 0),
    STEP("start", ROLE_OFFICER | ROLE_DEPARTMENT, note_fields, ROUTE_BODY_OPTIONAL),
    STEP("return", ROLE_OFFICER | ROLE_DEPARTMENT | ROLE_CHAIN_OFFICE | ROLE_CITY_OFFICE,
         reason_fields, 0),
    STEP("supply", ROLE_ENTERPRISE | ROLE_OFFICER, supply_fields, 0),
    STEP("reassign", ROLE_CHAIN_OFFICE | ROLE_CITY_OFFICE | ROLE_DEPARTMENT, reassign_fields, 0),
    STEP("escalate", ROLE_OFFICER | ROLE_CHAIN_OFFICE | ROLE_CITY_OFFICE | ROLE_DEPARTMENT,
         reason_fields, 0),
    STEP("resolve", ROLE_OFFICER | ROLE_DEPARTMENT, resolve_fields, 0),
    STEP("confirm", ROLE_ENTERPRISE, confirm_fields, 0),
    STEP("reopen", ROLE_ENTERPRISE, reason_fields, 0),
    STEP("merge", ROLE_OFFICER | ROLE_CHAIN_OFFICE | ROLE_CITY_OFFICE, merge_fields, 0),
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {&demands_demand, NULL};

static const struct audit_action actions[] = {
    {"demand.submit", "提交企业诉求"},
    {"demand.triage", "诉求分级"},
    {"demand.assign", "诉求交办"},
    {"demand.start", "开始办理诉求"},
    {"demand.return", "诉求退回补充"},
    {"demand.supply", "诉求补充材料"},
    {"demand.reassign", "诉求转办"},
    {"demand.escalate", "诉求升级"},
    {"demand.resolve", "诉求办结"},
    {"demand.confirm", "诉求确认评价"},
    {"demand.reopen", "诉求重新办理"},
    {"demand.merge", "合并重复诉求"},
    {"demand.merged_in", "并入重复诉求"},
    {"demand.deadlines", "修改诉求办理时限"},
    {NULL, NULL},
};

const struct module demands_module = {
    .name = "demands",
    .label = "诉求通",
    .roles = ROLES_READ | ROLE_ENTERPRISE,
    .routes = routes,
    .records = records,
    .actions = actions,
    .demo = demands_demo,
};
