/* SPDX-License-Identifier: MIT */
/*
 * The audit log read back, through the list composer: GET /api/v1/audit and
 * GET /api/v1/login-log for administrators, and audit_history_reply() for the history panes of
 * record pages. Each item carries its action's Chinese label from the modules' declarations.
 */
#include "audit/audit.h"
#include "audit/audit_routes.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "http/list.h"
#include "http/module.h"

#include <stdio.h>
#include <string.h>

static const struct field fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "a.id"},
    {"at", FIELD_TIME, FIELD_READONLY, 0, "时间", "a.at"},
    {"actor", FIELD_INT, FIELD_READONLY | FIELD_NULLABLE, 0, "操作人编号", "a.actor"},
    {"actor_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "操作人", "u.display_name"},
    {"ip", FIELD_STRING, FIELD_READONLY, 0, "IP 地址", "a.ip"},
    {"action", FIELD_STRING, FIELD_READONLY, 64, "操作", "a.action"},
    {"object", FIELD_STRING, FIELD_READONLY, 64, "对象", "a.object"},
    {"detail", FIELD_OBJECT, FIELD_READONLY, 0, "详情", "a.detail"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record audit_row = {
    .name = "audit",
    .label = "审计日志",
    .table = "audit_log",
    .from = " FROM audit_log a",
    .joins = " LEFT JOIN users u ON u.id = a.actor",
    .key = "id",
    .key_expr = "a.id",
    .fields = fields,
};

static const struct list_filter filters[] = {
    {"object"},
    {"action"},
    {"actor", " AND a.actor = ?", "id"},
    {"from", " AND a.at >= ?", NULL, list_parse_from},
    {"to", " AND a.at < ?", NULL, list_parse_to},
    {NULL},
};

/* Adds the action's label; hides staff addresses from accounts bound to an entity. */
static void decorate(struct req *req, json_t *item)
{
    const char *label = module_action_label(json_string_value(json_object_get(item, "action")));
    json_object_set_new(item, "action_label", label ? json_string(label) : json_null());
    if (req->user && (req->user->role & ROLES_ENTITY_OWNERS))
        json_object_del(item, "ip");
}

static const struct list_def audit_list_def = {
    .rec = &audit_row,
    .order = "a.id DESC",
    .filename = "操作日志",
    .filters = filters,
    .decorate = decorate,
};

static const struct list_def login_log_def = {
    .rec = &audit_row,
    /* A prefix test that holds under any collation (no index serves action either way). */
    .where = " AND substr(a.action, 1, 5) = 'auth.'",
    .order = "a.id DESC",
    .filename = "登录日志",
    .filters = filters,
    .decorate = decorate,
};

/* A record's history: its object fixed, and no export (an owner's rows hide addresses). */
static int history_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)req;
    (void)resp;
    list_set(q, "object", list_arg(q));
    return 0;
}

static const struct list_def history_def = {
    .rec = &audit_row,
    .order = "a.id DESC",
    .filters = filters,
    .no_export = 1,
    .prepare = history_prepare,
    .decorate = decorate,
};

int audit_history_reply(struct req *req, struct resp *resp, const char *object)
{
    return list_reply(req, resp, &history_def, object);
}

/* Walks the chain on demand (the 操作日志 page's 校验 button); intact or not is a normal
 * answer, like `jianguan verify audit`. */
static int audit_verify_route(struct req *req, struct resp *resp)
{
    (void)req;
    int64_t bad = 0, rows = 0;
    const char *why = NULL;
    int rc = audit_verify(db_read(), &bad, &why, &rows);
    if (rc && rc != ERR_CONFLICT)
        return rc;
    char msg[160];
    if (rc)
        snprintf(msg, sizeof msg, "审计链在第 %lld 条记录处断裂，日志可能被篡改", (long long)bad);
    else
        snprintf(msg, sizeof msg, "审计链完整，共校验 %lld 条记录", (long long)rows);
    char at[RFC3339_LEN + 1];
    time_format_rfc3339(time_now(), at);
    return reply_json(resp, 200,
                      json_pack("{s:b,s:I,s:o,s:o,s:s,s:s}", "intact", !rc, "rows",
                                (json_int_t)rows, "bad_id", rc ? json_integer(bad) : json_null(),
                                "reason", rc ? json_string(why) : json_null(), "message", msg,
                                "checked_at", at));
}

static const struct route routes[] = {
    {"GET", "/api/v1/audit", NULL, ROLE_ADMIN, NULL, 0, 0, &audit_list_def},
    {"GET", "/api/v1/audit/verify", audit_verify_route, ROLE_ADMIN, NULL, ROUTE_SLOW, 0},
    {"GET", "/api/v1/login-log", NULL, ROLE_ADMIN, NULL, 0, 0, &login_log_def},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {&audit_row, NULL};

static const struct audit_action actions[] = {
    {"system.init", "初始化数据库"},
    {"demo.generate", "生成演示数据"},
    {NULL, NULL},
};

const struct module audit_module = {
    .name = "audit",
    .label = "审计日志",
    .roles = ROLE_ADMIN,
    .routes = routes,
    .records = records,
    .actions = actions,
};
