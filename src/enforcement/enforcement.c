/* SPDX-License-Identifier: MIT */
/*
 * The records of M5 (campaigns, inspection records, cases) and the rules that judge them:
 * the checks of bodies beyond their field tables, the state of rectification orders, the
 * 免罚轻罚 check with its limitation period, the checks of decisions and revisits, and the data
 * scope. Everything here is pure; the writes are in enforcement_sql.c.
 */
#include "enforcement/enforcement.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

const struct enum_value enforcement_kinds[] = {
    {"routine", "日常检查"},
    {"campaign", "专项检查"},
    {"random", "双随机抽查"},
    {NULL, NULL},
};
const struct enum_value enforcement_outcomes[] = {
    {"pass", "未发现问题"}, {"rectify", "责令整改"}, {"interview", "约谈"}, {"case", "立案查处"},
    {NULL, NULL},
};
const struct enum_value enforcement_rectifications[] = {
    {"open", "整改中"},
    {"done", "已整改"},
    {NULL, NULL},
};
const struct enum_value enforcement_harms[] = {
    {"slight", "轻微"},
    {"ordinary", "一般"},
    {"serious", "严重"},
    {NULL, NULL},
};
const struct enum_value enforcement_case_statuses[] = {
    {"open", "已立案"},
    {"decided", "已决定"},
    {"closed", "已结案"},
    {NULL, NULL},
};
const struct enum_value enforcement_decisions[] = {
    {"no_penalty", "不予处罚"},
    {"lighter", "从轻减轻处罚"},
    {"penalty", "予以处罚"},
    {"dismissed", "撤销立案"},
    {NULL, NULL},
};
const struct enum_value enforcement_campaign_statuses[] = {
    {"active", "进行中"},
    {"closed", "已结束"},
    {NULL, NULL},
};

/* ---- records ---- */

#define COUNT_OF(cond)                                                                             \
    "(SELECT count(*) FROM enforcement_inspections x WHERE x.campaign = c.id" cond ")"
#define INSPECTED                                                                                  \
    "(SELECT count(DISTINCT x.uscc) FROM enforcement_inspections x WHERE x.campaign = c.id)"

const struct field enforcement_campaign_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "c.id"},
    {"name", FIELD_STRING, FIELD_REQUIRED, 100, "专项行动名称", "c.name"},
    {"department", FIELD_INT, FIELD_REQUIRED, 0, "牵头部门编号", "c.department", NULL, NULL, 1,
     INT32_MAX},
    {"department_name", FIELD_STRING, FIELD_READONLY, 0, "牵头部门", "dp.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "c.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"sector", FIELD_STRING, FIELD_REQUIRED, 50, "行业领域", "c.sector"},
    {"period_from", FIELD_DATE, FIELD_REQUIRED, 10, "开始日期", "c.period_from"},
    {"period_to", FIELD_DATE, FIELD_REQUIRED, 10, "结束日期", "c.period_to"},
    {"in_scope", FIELD_INT, 0, 0, "应检单位数", "c.in_scope", "0", NULL, 0, 10000000},
    {"status", FIELD_STRING, 0, 8, "状态", "c.status", "active", enforcement_campaign_statuses},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 1000, "说明", "c.note", ""},
    {"created_by", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "创建人编号", "c.created_by"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "创建时间", "c.created_at"},
    {"inspections", FIELD_INT, FIELD_READONLY, 0, "检查次数", COUNT_OF("")},
    {"inspected", FIELD_INT, FIELD_READONLY, 0, "已检查单位数", INSPECTED},
    {"rectifications", FIELD_INT, FIELD_READONLY, 0, "责令整改数",
     COUNT_OF(" AND x.outcome = 'rectify'")},
    {"interviews", FIELD_INT, FIELD_READONLY, 0, "约谈数",
     COUNT_OF(" AND x.outcome = 'interview'")},
    {"cases", FIELD_INT, FIELD_READONLY, 0, "立案数", COUNT_OF(" AND x.outcome = 'case'")},
    /* inspected / in_scope, at most 1 (more units inspected than declared in scope). */
    {"coverage", FIELD_NUMBER, FIELD_READONLY | FIELD_NULLABLE, 0, "覆盖率",
     "CASE WHEN c.in_scope = 0 THEN NULL WHEN " INSPECTED " >= c.in_scope THEN 1.0"
     " ELSE CAST(" INSPECTED " AS DOUBLE PRECISION) / c.in_scope END"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record enforcement_campaign = {
    .name = "campaign",
    .label = "专项行动",
    .table = "enforcement_campaigns",
    .from = " FROM enforcement_campaigns c",
    .joins = " JOIN departments dp ON dp.id = c.department JOIN regions r ON r.code = c.region",
    .key = "id",
    .key_expr = "c.id",
    .stamp = "updated_at",
    .fields = enforcement_campaign_fields,
};

const struct field enforcement_inspection_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "i.id"},
    {"uscc", FIELD_STRING, FIELD_REQUIRED, 18, "统一社会信用代码", "i.uscc"},
    {"entity_name", FIELD_STRING, FIELD_READONLY, 0, "市场主体名称", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "i.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"industry", FIELD_STRING, FIELD_INTERNAL, 8, "行业代码", "i.industry", ""},
    {"kind", FIELD_STRING, FIELD_REQUIRED, 8, "检查类型", "i.kind", NULL, enforcement_kinds},
    {"campaign", FIELD_INT, FIELD_NULLABLE, 0, "专项行动编号", "i.campaign", NULL, NULL, 1,
     INT64_MAX},
    {"campaign_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "专项行动", "c.name"},
    {"task", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "抽查任务编号", "i.task"},
    {"department", FIELD_INT, FIELD_REQUIRED, 0, "检查部门编号", "i.department", NULL, NULL, 1,
     INT32_MAX},
    {"department_name", FIELD_STRING, FIELD_READONLY, 0, "检查部门", "dp.name"},
    {"inspected_on", FIELD_DATE, FIELD_REQUIRED, 10, "检查日期", "i.inspected_on"},
    {"inspectors", FIELD_ARRAY, FIELD_REQUIRED, 0, "检查人员", "i.inspectors"},
    {"outcome", FIELD_STRING, FIELD_REQUIRED, 16, "检查结果", "i.outcome", NULL,
     enforcement_outcomes},
    {"note", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 1000, "检查情况", "i.note", ""},
    {"rectify_by", FIELD_DATE, FIELD_NULLABLE, 10, "整改期限", "i.rectify_by"},
    {"rectification", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE, 8, "整改状态",
     "i.rectification", NULL, enforcement_rectifications},
    {"rectified_on", FIELD_DATE, FIELD_INTERNAL | FIELD_NULLABLE, 10, "整改完成日期",
     "i.rectified_on"},
    {"rechecks", FIELD_INT, FIELD_INTERNAL, 0, "复查未通过次数", "i.rechecks", "0"},
    {"case_id", FIELD_INT, FIELD_READONLY | FIELD_NULLABLE, 0, "案件编号",
     "(SELECT k.id FROM enforcement_cases k WHERE k.inspection = i.id)"},
    {"recorded_by", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "录入人编号", "i.recorded_by"},
    {"recorded_by_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "录入人",
     "u.display_name"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "录入时间", "i.created_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record enforcement_inspection = {
    .name = "inspection",
    .label = "检查记录",
    .table = "enforcement_inspections",
    .from = " FROM enforcement_inspections i",
    .joins = " JOIN entities e ON e.uscc = i.uscc JOIN regions r ON r.code = i.region"
             " JOIN departments dp ON dp.id = i.department"
             " LEFT JOIN enforcement_campaigns c ON c.id = i.campaign"
             " LEFT JOIN users u ON u.id = i.recorded_by",
    .key = "id",
    .key_expr = "i.id",
    .stamp = "updated_at",
    .fields = enforcement_inspection_fields,
};

const struct field enforcement_case_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "案件编号", "k.id"},
    {"uscc", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 18, "统一社会信用代码", "k.uscc"},
    {"entity_name", FIELD_STRING, FIELD_READONLY, 0, "市场主体名称", "e.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "k.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"inspection", FIELD_INT, FIELD_NULLABLE | FIELD_KEY, 0, "检查记录编号", "k.inspection", NULL,
     NULL, 1, INT64_MAX},
    {"department", FIELD_INT, FIELD_REQUIRED, 0, "办案部门编号", "k.department", NULL, NULL, 1,
     INT32_MAX},
    {"department_name", FIELD_STRING, FIELD_READONLY, 0, "办案部门", "dp.name"},
    {"opened_on", FIELD_DATE, FIELD_REQUIRED, 10, "立案日期", "k.opened_on"},
    {"violation", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 500, "违法行为", "k.violation"},
    {"basis", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 500, "法律依据", "k.basis", ""},
    {"harm", FIELD_STRING, FIELD_REQUIRED, 8, "危害后果", "k.harm", NULL, enforcement_harms},
    {"corrected_in_time", FIELD_BOOL, FIELD_NULLABLE, 0, "及时改正", "k.corrected_in_time"},
    {"status", FIELD_STRING, FIELD_INTERNAL, 8, "案件状态", "k.status", "open",
     enforcement_case_statuses},
    {"decision", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE, 16, "处理决定", "k.decision", NULL,
     enforcement_decisions},
    {"fine", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "罚没款（分）", "k.fine"},
    {"decided_on", FIELD_DATE, FIELD_INTERNAL | FIELD_NULLABLE, 10, "决定日期", "k.decided_on"},
    {"decision_note", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE | FIELD_MULTILINE, 1000,
     "决定说明", "k.decision_note"},
    {"closed_on", FIELD_DATE, FIELD_INTERNAL | FIELD_NULLABLE, 10, "结案日期", "k.closed_on"},
    {"revisit_count", FIELD_INT, FIELD_READONLY, 0, "回访次数",
     "(SELECT count(*) FROM enforcement_revisits v WHERE v.case_id = k.id)"},
    {"opened_by", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "立案人编号", "k.opened_by"},
    {"opened_by_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "立案人",
     "u.display_name"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "录入时间", "k.created_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record enforcement_case = {
    .name = "case",
    .label = "案件",
    .table = "enforcement_cases",
    .from = " FROM enforcement_cases k",
    .joins = " JOIN entities e ON e.uscc = k.uscc JOIN regions r ON r.code = k.region"
             " JOIN departments dp ON dp.id = k.department"
             " LEFT JOIN users u ON u.id = k.opened_by",
    .key = "id",
    .key_expr = "k.id",
    .stamp = "updated_at",
    .fields = enforcement_case_fields,
};

/* ---- rules ---- */

static int is(const char *s, const char *t)
{
    return s && !strcmp(s, t);
}

static const char *text_of(json_t *v, const char *name)
{
    return json_string_value(json_object_get(v, name));
}

/* The day of a YYYY-MM-DD text, or -1 when it is not one. */
static int32_t day_of(const char *s)
{
    int32_t day;
    return s && !date_parse(s, strlen(s), &day) ? day : -1;
}

static int refuse(const char **field, const char **msg, const char *f, const char *m)
{
    *field = f;
    *msg = m;
    return ERR_INVALID;
}

int enforcement_check_campaign(json_t *v, const char **field, const char **msg)
{
    int32_t from = day_of(text_of(v, "period_from")), to = day_of(text_of(v, "period_to"));
    if (from < 0)
        return refuse(field, msg, "period_from", "开始日期须为 YYYY-MM-DD 格式的日期");
    if (to < 0)
        return refuse(field, msg, "period_to", "结束日期须为 YYYY-MM-DD 格式的日期");
    if (to < from)
        return refuse(field, msg, "period_to", "结束日期不能早于开始日期");
    return 0;
}

int enforcement_check_result(const char *outcome, const char *inspected_on, const char *rectify_by,
                             int32_t today, const char **field, const char **msg)
{
    int32_t on = day_of(inspected_on);
    if (!outcome || !(is(outcome, "pass") || is(outcome, "rectify") || is(outcome, "interview") ||
                      is(outcome, "case")))
        return refuse(field, msg, "outcome", "检查结果只能是 pass、rectify、interview 或 case");
    if (on < 0)
        return refuse(field, msg, "inspected_on", "检查日期须为 YYYY-MM-DD 格式的日期");
    if (on > today)
        return refuse(field, msg, "inspected_on", "检查日期不能晚于今天");
    if (is(outcome, "rectify") && !rectify_by)
        return refuse(field, msg, "rectify_by", "责令整改须给出整改期限");
    if (!is(outcome, "rectify") && rectify_by)
        return refuse(field, msg, "rectify_by", "只有责令整改才有整改期限");
    if (rectify_by && day_of(rectify_by) < 0)
        return refuse(field, msg, "rectify_by", "整改期限须为 YYYY-MM-DD 格式的日期");
    if (rectify_by && day_of(rectify_by) < on)
        return refuse(field, msg, "rectify_by", "整改期限不能早于检查日期");
    return 0;
}

int enforcement_check_inspection(json_t *v, int32_t today, const char **field, const char **msg)
{
    const char *kind = text_of(v, "kind");
    json_t *campaign = json_object_get(v, "campaign");
    int has_campaign = campaign && !json_is_null(campaign);
    if (is(kind, "random"))
        return refuse(field, msg, "kind", "双随机抽查的检查记录由抽查任务录入结果时生成");
    if (is(kind, "campaign") && !has_campaign)
        return refuse(field, msg, "campaign", "专项检查须指定专项行动");
    if (!is(kind, "campaign") && has_campaign)
        return refuse(field, msg, "campaign", "只有专项检查才能指定专项行动");
    json_t *a = json_object_get(v, "inspectors"), *x, *y;
    size_t i, j, n = json_array_size(a);
    if (!json_is_array(a) || n < 1)
        return refuse(field, msg, "inspectors", "检查人员至少一名");
    if (n > ENFORCEMENT_MAX_INSPECTORS)
        return refuse(field, msg, "inspectors", "检查人员最多 20 名");
    json_array_foreach(a, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) <= 0)
            return refuse(field, msg, "inspectors", "检查人员须为用户编号的数组");
        for (j = 0; j < i; j++) {
            y = json_array_get(a, j);
            if (json_integer_value(y) == json_integer_value(x))
                return refuse(field, msg, "inspectors", "检查人员重复");
        }
    }
    json_t *rb = json_object_get(v, "rectify_by");
    return enforcement_check_result(text_of(v, "outcome"), text_of(v, "inspected_on"),
                                    json_is_string(rb) ? json_string_value(rb) : NULL, today, field,
                                    msg);
}

int enforcement_check_recheck(const char *outcome, const char *rectification,
                              const char *inspected_on, const char *checked_on, int32_t today,
                              const char **field, const char **msg)
{
    *field = NULL;
    if (!is(outcome, "rectify")) {
        *msg = "该检查记录没有责令整改，无需复查";
        return ERR_CONFLICT;
    }
    if (!is(rectification, "open")) {
        *msg = "整改已完成，不能再复查";
        return ERR_CONFLICT;
    }
    int32_t on = day_of(checked_on);
    if (on < 0)
        return refuse(field, msg, "rectified_on", "复查日期须为 YYYY-MM-DD 格式的日期");
    if (on > today)
        return refuse(field, msg, "rectified_on", "复查日期不能晚于今天");
    if (on < day_of(inspected_on))
        return refuse(field, msg, "rectified_on", "复查日期不能早于检查日期");
    return 0;
}

int enforcement_rectify_overdue(const char *rectification, const char *rectify_by, int32_t today)
{
    int32_t by = day_of(rectify_by);
    return is(rectification, "open") && by >= 0 && today > by;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int32_t enforcement_limitation_start(int32_t day)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    y -= ENFORCEMENT_LIMITATION_YEARS;
    if (d > days_in_month(y, m))
        d = days_in_month(y, m);
    return date_from_ymd(y, m, d);
}

static void reason(json_t *reasons, const char *code, const char *message)
{
    if (reasons)
        json_array_append_new(reasons, json_pack("{ss ss}", "code", code, "message", message));
}

int enforcement_minor_check(const struct minor_case *c, const struct minor_prior *prior, size_t n,
                            json_t **reasons)
{
    json_t *r = reasons ? json_array() : NULL;
    int32_t opened = day_of(c->opened_on), start = enforcement_limitation_start(opened);
    int eligible = 1;
    const struct minor_prior *hit = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *d = prior[i].decision;
        int32_t on = day_of(prior[i].opened_on);
        if (!(is(d, "penalty") || is(d, "lighter") || is(d, "no_penalty")))
            continue; /* undecided or dismissed: no violation was found */
        if (on >= start && on <= opened && (!hit || on > day_of(hit->opened_on)))
            hit = &prior[i];
    }
    if (hit) {
        char msg[256];
        snprintf(msg, sizeof msg, "非首次违法：%s 立案的案件 %lld 已作出处理决定（两年内）",
                 hit->opened_on, (long long)hit->id);
        reason(r, "not_first", msg);
        eligible = 0;
    }
    if (!is(c->harm, "slight")) {
        reason(r, "harm_not_slight", "危害后果不属于轻微");
        eligible = 0;
    }
    int32_t by = day_of(c->rectify_by), done = day_of(c->rectified_on);
    int in_time = c->corrected_in_time == 1 || (by >= 0 && done >= 0 && done <= by);
    if (!in_time) {
        /* Unknown until someone says so, or the order's re-check passes (late or not). */
        int unknown = c->corrected_in_time < 0 && done < 0;
        reason(r, unknown ? "correction_unknown" : "not_corrected",
               unknown ? "尚未确认是否及时改正" : "未及时改正（未在整改期限内整改完毕）");
        eligible = 0;
    }
    if (reasons)
        *reasons = r;
    return eligible;
}

int enforcement_check_decision(const char *status, const char *opened_on, const char *decision,
                               int64_t fine, const char *decided_on, int eligible, int32_t today,
                               const char **code, const char **field, const char **msg)
{
    *code = "validation_failed";
    *field = NULL;
    if (!is(status, "open")) {
        *code = "invalid_state";
        *msg = "案件已作出处理决定，不能再次决定";
        return ERR_CONFLICT;
    }
    int32_t on = day_of(decided_on);
    if (on < 0)
        return refuse(field, msg, "decided_on", "决定日期须为 YYYY-MM-DD 格式的日期");
    if (on > today)
        return refuse(field, msg, "decided_on", "决定日期不能晚于今天");
    if (on < day_of(opened_on))
        return refuse(field, msg, "decided_on", "决定日期不能早于立案日期");
    if (fine < 0)
        return refuse(field, msg, "fine", "罚没款不能为负数");
    if (fine > 0 && !(is(decision, "penalty") || is(decision, "lighter")))
        return refuse(field, msg, "fine", "不予处罚或撤销立案时罚没款须为 0");
    if (is(decision, "no_penalty") && !eligible) {
        *code = "not_eligible";
        return refuse(field, msg, "decision", "不符合免罚轻罚条件，不能不予处罚");
    }
    return 0;
}

int enforcement_check_revisit(const char *status, const char *decided_on, const char *visited_on,
                              int32_t today, const char **field, const char **msg)
{
    *field = NULL;
    if (!is(status, "decided") && !is(status, "closed")) {
        *msg = "案件尚未作出处理决定，不能回访";
        return ERR_CONFLICT;
    }
    int32_t on = day_of(visited_on);
    if (on < 0)
        return refuse(field, msg, "visited_on", "回访日期须为 YYYY-MM-DD 格式的日期");
    if (on > today)
        return refuse(field, msg, "visited_on", "回访日期不能晚于今天");
    if (on < day_of(decided_on))
        return refuse(field, msg, "visited_on", "回访日期不能早于决定日期");
    return 0;
}

int enforcement_may_see(const struct principal *p, const char *region, int took_part)
{
    if (!p)
        return ERR_FORBIDDEN;
    if (p->role == ROLE_ADMIN)
        return 0;
    if (p->role == ROLE_INSPECTOR && took_part)
        return 0;
    if (p->role != ROLE_BUREAU && p->role != ROLE_INSPECTOR)
        return ERR_FORBIDDEN;
    return scope_allows(p, region);
}

int enforcement_may_see_campaign(const struct principal *p, const char *region)
{
    if (!p || !(p->role & (ROLE_ADMIN | ROLE_BUREAU | ROLE_INSPECTOR)))
        return ERR_FORBIDDEN;
    return is(region, CITY_REGION) ? 0 : scope_allows(p, region);
}
