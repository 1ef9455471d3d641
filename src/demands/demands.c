/* SPDX-License-Identifier: MIT */
/* The demand record and the rules of its life: who sees it, who takes each step, and when. */
#include "demands/demands.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <string.h>

const struct enum_value demands_statuses[] = {
    {"submitted", "待分级"},   {"triaged", "待交办"},  {"assigned", "已交办"},
    {"in_progress", "办理中"}, {"returned", "待补充"}, {"resolved", "待确认"},
    {"closed", "已办结"},      {"merged", "已合并"},   {NULL, NULL},
};
const struct enum_value demands_tiers[] = {
    {"small", "小问题"},
    {"medium", "中问题"},
    {"large", "大问题"},
    {NULL, NULL},
};
/* The categories of SPEC.md M2; each but `other` is a factor some department guarantees. */
const struct enum_value demands_categories[] = {
    {"funding", "资金奖励"}, {"land", "用地"},   {"energy", "用能"},
    {"finance", "融资"},     {"talent", "人才"}, {"approval", "审批"},
    {"policy", "政策咨询"},  {"other", "其他"},  {NULL, NULL},
};
const struct enum_value demands_channels[] = {
    {"qr", "一企一码"}, {"web", "网上提交"},       {"phone", "电话"},
    {"visit", "走访"},  {"officer", "服务员代办"}, {NULL, NULL},
};

/* POST /api/v1/demands. */
const struct field demands_create_fields[] = {
    {"uscc", FIELD_STRING, FIELD_REQUIRED, 18, "统一社会信用代码", NULL},
    {"title", FIELD_STRING, FIELD_REQUIRED, 100, "诉求标题", NULL},
    {"body", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 2000, "诉求内容", NULL},
    {"category", FIELD_STRING, FIELD_REQUIRED, 16, "诉求类别", NULL, NULL, demands_categories},
    {"channel", FIELD_STRING, FIELD_NULLABLE, 16, "受理渠道", NULL, NULL, demands_channels},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* The demand as it is read and exported; set by the rules, never by a body. */
static const struct field demand_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "d.id"},
    {"uscc", FIELD_STRING, FIELD_INTERNAL, 18, "统一社会信用代码", "d.uscc"},
    {"entity_name", FIELD_STRING, FIELD_READONLY, 0, "企业名称", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "d.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"chain", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "产业链编号", "d.chain"},
    {"chain_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "产业链", "c.name"},
    {"officer", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "驻企服务员编号", "d.officer"},
    {"officer_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "驻企服务员",
     "o.display_name"},
    {"title", FIELD_STRING, FIELD_INTERNAL, 100, "诉求标题", "d.title"},
    {"body", FIELD_STRING, FIELD_INTERNAL | FIELD_MULTILINE, 2000, "诉求内容", "d.body"},
    {"category", FIELD_STRING, FIELD_INTERNAL, 16, "诉求类别", "d.category", NULL,
     demands_categories},
    {"channel", FIELD_STRING, FIELD_INTERNAL, 16, "受理渠道", "d.channel", NULL, demands_channels},
    {"tier", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE, 8, "分级", "d.tier", NULL,
     demands_tiers},
    {"status", FIELD_STRING, FIELD_INTERNAL, 16, "状态", "d.status", "submitted", demands_statuses},
    {"returned_from", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE, 16, "退回前状态",
     "d.returned_from", NULL, demands_statuses},
    {"office_region", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE, 16, "链长办区划",
     "d.office_region"},
    {"assignee", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "承办人编号", "d.assignee"},
    {"assignee_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "承办人", "a.display_name"},
    {"department", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "承办部门编号", "d.department"},
    {"department_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "承办部门", "dp.name"},
    {"merged_into", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "合并至", "d.merged_into"},
    {"filed_by", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "提交人编号", "d.filed_by"},
    {"filed_at", FIELD_TIME, FIELD_INTERNAL, 0, "提交时间", "d.filed_at"},
    {"due", FIELD_DATE, FIELD_INTERNAL | FIELD_NULLABLE, 10, "办理期限", "d.due"},
    {"late", FIELD_BOOL, FIELD_INTERNAL, 0, "超期办结", "d.late", "0"},
    {"resolution", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE | FIELD_MULTILINE, 2000,
     "办理结果", "d.resolution"},
    {"resolved_at", FIELD_TIME, FIELD_INTERNAL | FIELD_NULLABLE, 0, "办结时间", "d.resolved_at"},
    {"closed_at", FIELD_TIME, FIELD_INTERNAL | FIELD_NULLABLE, 0, "确认时间", "d.closed_at"},
    {"days_to_close", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "办理用时（工作日）",
     "d.days_to_close"},
    {"rating", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "满意度评分", "d.rating", NULL, NULL,
     1, 5},
    {"comment", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE | FIELD_MULTILINE, 500, "评价意见",
     "d.comment"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record demands_demand = {
    .name = "demand",
    .label = "企业诉求",
    .table = "demands",
    .from = " FROM demands d",
    .joins = " JOIN entities e ON e.uscc = d.uscc JOIN regions r ON r.code = d.region"
             " LEFT JOIN chains c ON c.id = d.chain LEFT JOIN users o ON o.id = d.officer"
             " LEFT JOIN users a ON a.id = d.assignee"
             " LEFT JOIN departments dp ON dp.id = d.department",
    .key = "id",
    .key_expr = "d.id",
    .stamp = "updated_at",
    .fields = demand_fields,
};

static const struct {
    const char *name, *label;
} actions[DA_COUNT] = {
    [DA_TRIAGE] = {"triage", "分级"},       [DA_ASSIGN] = {"assign", "交办"},
    [DA_START] = {"start", "开始办理"},     [DA_RETURN] = {"return", "退回补充"},
    [DA_SUPPLY] = {"supply", "补充材料"},   [DA_REASSIGN] = {"reassign", "转办"},
    [DA_ESCALATE] = {"escalate", "升级"},   [DA_RESOLVE] = {"resolve", "办结"},
    [DA_CONFIRM] = {"confirm", "确认评价"}, [DA_REOPEN] = {"reopen", "重新办理"},
    [DA_MERGE] = {"merge", "合并"},
};

int demands_action_of(const char *name)
{
    for (int i = 0; name && i < DA_COUNT; i++)
        if (!strcmp(actions[i].name, name))
            return i;
    return -1;
}

const char *demands_action_name(int action)
{
    return action >= 0 && action < DA_COUNT ? actions[action].name : NULL;
}

const char *demands_action_label(int action)
{
    return action >= 0 && action < DA_COUNT ? actions[action].label : NULL;
}

static int is(const char *s, const char *t)
{
    return s && !strcmp(s, t);
}

int demands_status_open(const char *s)
{
    return is(s, "submitted") || is(s, "triaged") || is(s, "assigned") || is(s, "in_progress") ||
           is(s, "returned");
}

int demands_overdue(const char *status, int32_t due, int32_t today)
{
    return due >= 0 && demands_status_open(status) && today > due;
}

const char *demands_tier_up(const char *tier)
{
    return is(tier, "small") ? "medium" : is(tier, "medium") ? "large" : NULL;
}

static int city_wide(const struct principal *p)
{
    return !strcmp(p->region, CITY_REGION);
}

static int owns(const struct principal *p, const struct demand_state *d)
{
    return p->entity[0] && !strcmp(p->entity, d->uscc);
}

/* A chain office that covers d's county: the city's covers every county. */
static int covering_office(const struct principal *p, const struct demand_state *d)
{
    return p->role == ROLE_CHAIN_OFFICE && (city_wide(p) || !strcmp(p->region, d->region));
}

/* The chain office d was routed to (medium demands). */
static int routing_office(const struct principal *p, const struct demand_state *d)
{
    return p->role == ROLE_CHAIN_OFFICE && d->office_region[0] &&
           !strcmp(p->region, d->office_region);
}

/* The one who works on d once assigned: the officer of a small demand, the lead department of
 * a medium or large one. */
static int handler(const struct principal *p, const struct demand_state *d)
{
    if (is(d->tier, "small"))
        return p->role == ROLE_OFFICER && d->assignee && p->id == d->assignee;
    return p->role == ROLE_DEPARTMENT && d->department && p->department == d->department;
}

/* Who routes d now: the chain office of a medium demand, the city office of a large one. */
static int router(const struct principal *p, const struct demand_state *d)
{
    if (is(d->tier, "large"))
        return p->role == ROLE_CITY_OFFICE;
    return is(d->tier, "medium") && routing_office(p, d);
}

int demands_may_see(const struct principal *p, const struct demand_state *d)
{
    switch (p->role) {
    case ROLE_ADMIN:
    case ROLE_CITY_OFFICE: return 0;
    case ROLE_BUREAU: return scope_allows(p, d->region);
    case ROLE_OFFICER:
        return (d->officer && p->id == d->officer) || (d->assignee && p->id == d->assignee)
                   ? 0
                   : ERR_FORBIDDEN;
    case ROLE_CHAIN_OFFICE:
        return covering_office(p, d) || routing_office(p, d) ? 0 : ERR_FORBIDDEN;
    case ROLE_DEPARTMENT:
        return (d->department && p->department == d->department) || d->assisted ? 0 : ERR_FORBIDDEN;
    case ROLE_ENTERPRISE:
    case ROLE_STATION:
    case ROLE_SLAUGHTERHOUSE: return owns(p, d) ? 0 : ERR_NOTFOUND;
    default: return ERR_FORBIDDEN;
    }
}

/* The states each action may start from, as "|state|state|". */
static const char *const from_states[DA_COUNT] = {
    [DA_TRIAGE] = "|submitted|",
    [DA_ASSIGN] = "|triaged|",
    [DA_START] = "|assigned|",
    [DA_RETURN] = "|triaged|assigned|in_progress|",
    [DA_SUPPLY] = "|returned|",
    [DA_REASSIGN] = "|assigned|in_progress|",
    [DA_ESCALATE] = "|triaged|assigned|in_progress|",
    [DA_RESOLVE] = "|in_progress|",
    [DA_CONFIRM] = "|resolved|",
    [DA_REOPEN] = "|resolved|",
    [DA_MERGE] = "|submitted|triaged|assigned|in_progress|returned|",
};

static int state_allows(int action, const char *status)
{
    char key[24];
    size_t n = strlen(status);
    if (n + 3 > sizeof key)
        return 0;
    key[0] = '|';
    memcpy(key + 1, status, n);
    key[n + 1] = '|';
    key[n + 2] = '\0';
    return strstr(from_states[action], key) != NULL;
}

#define REFUSE(m) return (*msg = (m), ERR_FORBIDDEN)

int demands_may_act(const struct principal *p, const struct demand_state *d, int action,
                    const char **msg)
{
    if (action < 0 || action >= DA_COUNT) {
        *msg = "未知的操作";
        return ERR_INVALID;
    }
    if (is(d->status, "merged") || is(d->status, "closed")) {
        *msg = is(d->status, "merged") ? "该诉求已合并到其他诉求，不能再办理"
                                       : "该诉求已办结，不能再办理";
        return ERR_CONFLICT;
    }
    if (!state_allows(action, d->status)) {
        *msg = "该诉求当前状态不允许此操作";
        return ERR_CONFLICT;
    }
    switch (action) {
    case DA_TRIAGE:
        if ((p->role == ROLE_OFFICER && d->officer && p->id == d->officer) || covering_office(p, d))
            return 0;
        REFUSE("只有该企业的驻企服务员或链长办可以分级");
    case DA_ASSIGN:
        if (router(p, d))
            return 0;
        REFUSE(is(d->tier, "large") ? "大问题由市链长办交办" : "中问题由负责的链长办交办");
    case DA_START:
    case DA_RESOLVE:
        if (handler(p, d))
            return 0;
        REFUSE(is(d->tier, "small") ? "只有承办的驻企服务员可以办理" : "只有承办部门可以办理");
    case DA_RETURN:
        if (is(d->status, "triaged") ? router(p, d) : handler(p, d))
            return 0;
        REFUSE("只有当前办理人可以退回补充");
    case DA_SUPPLY:
        if (owns(p, d) || (p->role == ROLE_OFFICER && d->officer && p->id == d->officer))
            return 0;
        REFUSE("只有提出诉求的企业或其驻企服务员可以补充材料");
    case DA_REASSIGN:
        if (is(d->tier, "small")) {
            *msg = "小问题由驻企服务员办理，不能转办部门，请升级";
            return ERR_CONFLICT;
        }
        if (router(p, d) || handler(p, d))
            return 0;
        REFUSE("只有链长办或当前承办部门可以转办");
    case DA_ESCALATE:
        if (!demands_tier_up(d->tier)) {
            *msg = "大问题已是最高级别，不能再升级";
            return ERR_CONFLICT;
        }
        if (is(d->tier, "small") ? handler(p, d) : router(p, d) || handler(p, d))
            return 0;
        REFUSE("只有当前办理人或链长办可以升级");
    case DA_CONFIRM:
    case DA_REOPEN:
        if (owns(p, d))
            return 0;
        REFUSE("只有提出诉求的企业可以确认或要求重新办理");
    case DA_MERGE:
        if ((p->role == ROLE_OFFICER && d->officer && p->id == d->officer) ||
            covering_office(p, d) || routing_office(p, d) || p->role == ROLE_CITY_OFFICE)
            return 0;
        REFUSE("只有驻企服务员、链长办或市链长办可以合并诉求");
    default: break;
    }
    *msg = "未知的操作";
    return ERR_INVALID;
}

const char *demands_next_status(const struct demand_state *d, int action, const char *returned_from)
{
    switch (action) {
    case DA_TRIAGE: return NULL; /* small: assigned; medium, large: triaged (the caller's tier) */
    case DA_ASSIGN:
    case DA_REASSIGN: return "assigned";
    case DA_START:
    case DA_REOPEN: return "in_progress";
    case DA_RETURN: return "returned";
    case DA_SUPPLY: return returned_from && *returned_from ? returned_from : "submitted";
    case DA_ESCALATE: return "triaged";
    case DA_RESOLVE: return "resolved";
    case DA_CONFIRM: return "closed";
    case DA_MERGE: return "merged";
    default: return d->status;
    }
}

int demands_may_file(const struct principal *p, const char *uscc, const char *region,
                     int64_t officer, const char **msg)
{
    switch (p->role) {
    case ROLE_ENTERPRISE:
        if (p->entity[0] && !strcmp(p->entity, uscc))
            return 0;
        REFUSE("企业账号只能为本企业提出诉求");
    case ROLE_OFFICER:
        if (officer && officer == p->id)
            return 0;
        REFUSE("驻企服务员只能为其服务的企业代办诉求");
    case ROLE_CHAIN_OFFICE:
    case ROLE_CITY_OFFICE:
    case ROLE_BUREAU:
        if (!scope_allows(p, region))
            return 0;
        REFUSE("无权为其他辖区的企业登记诉求");
    default: REFUSE("该角色不能提出诉求");
    }
}

const char *demands_default_channel(const struct principal *p)
{
    switch (p->role) {
    case ROLE_ENTERPRISE: return "web";
    case ROLE_OFFICER: return "officer";
    default: return "phone";
    }
}

int demands_tier_days(const struct demand_deadlines *dl, const char *tier)
{
    return is(tier, "small")    ? dl->small
           : is(tier, "medium") ? dl->medium
           : is(tier, "large")  ? dl->large
                                : 0;
}

int demands_deadlines(struct db *db, struct demand_deadlines *out)
{
    *out = (struct demand_deadlines){3, 10, 30};
    struct db_stmt *st;
    int rc = db_prepare(db, "SELECT tier, days FROM demand_deadlines", &st), step;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        const char *t = db_col_text(st, 0);
        int days = (int)db_col_int(st, 1);
        if (is(t, "small"))
            out->small = days;
        else if (is(t, "medium"))
            out->medium = days;
        else if (is(t, "large"))
            out->large = days;
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}

static void scope_value(struct demand_scope *s, int is_int, int64_t i, const char *t)
{
    s->is_int[s->n] = is_int;
    s->ints[s->n] = i;
    s->texts[s->n] = t;
    s->n++;
}

void demands_scope(const struct principal *p, struct demand_scope *out)
{
    *out = (struct demand_scope){.sql = ""};
    switch (p->role) {
    case ROLE_ADMIN:
    case ROLE_CITY_OFFICE: return;
    case ROLE_BUREAU:
        if (scope_region(p)) {
            out->sql = " AND d.region = ?";
            scope_value(out, 0, 0, p->region);
        }
        return;
    case ROLE_OFFICER:
        out->sql = " AND (d.officer = ? OR d.assignee = ?)";
        scope_value(out, 1, p->id, NULL);
        scope_value(out, 1, p->id, NULL);
        return;
    case ROLE_CHAIN_OFFICE:
        if (!city_wide(p)) {
            out->sql = " AND (d.region = ? OR d.office_region = ?)";
            scope_value(out, 0, 0, p->region);
            scope_value(out, 0, 0, p->region);
        }
        return;
    case ROLE_DEPARTMENT:
        out->sql = " AND (d.department = ? OR EXISTS (SELECT 1 FROM demand_assists x"
                   " WHERE x.demand = d.id AND x.department = ?))";
        scope_value(out, 1, p->department, NULL);
        scope_value(out, 1, p->department, NULL);
        return;
    case ROLE_ENTERPRISE:
    case ROLE_STATION:
    case ROLE_SLAUGHTERHOUSE:
        out->sql = " AND d.uscc = ?";
        scope_value(out, 0, 0, p->entity);
        return;
    default: out->sql = " AND 1 = 0"; return;
    }
}
