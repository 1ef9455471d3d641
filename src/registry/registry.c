/* SPDX-License-Identifier: MIT */
/* Entity rules: USCC policy, field checks, enumeration labels. */
#include "registry/registry.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/uscc.h"
#include "refdata/refdata.h"

#include <stdio.h>
#include <string.h>

struct label {
    const char *value, *label;
};

static const struct label kinds[] = {
    {"enterprise", "企业"},
    {"individual", "个体工商户"},
    {"cooperative", "农民专业合作社"},
    {"other", "其他"},
    {NULL, NULL},
};
static const struct label tiers[] = {
    {"none", "无"},
    {"above_scale", "规上企业"},
    {"specialized", "专精特新"},
    {"little_giant", "专精特新“小巨人”"},
    {"champion", "单项冠军"},
    {"unicorn", "独角兽"},
    {NULL, NULL},
};
static const struct label statuses[] = {
    {"active", "存续"},
    {"deregistered", "注销"},
    {"revoked", "吊销"},
    {NULL, NULL},
};

static const char *label_of(const struct label *t, const char *v)
{
    for (; v && t->value; t++)
        if (!strcmp(t->value, v))
            return t->label;
    return NULL;
}

const char *registry_kind_label(const char *kind)
{
    return label_of(kinds, kind);
}

const char *registry_tier_label(const char *tier)
{
    return label_of(tiers, tier);
}

const char *registry_status_label(const char *status)
{
    return label_of(statuses, status);
}

int registry_set_uscc(struct entity *e, const char *s, int policy, const char **msg)
{
    size_t len = s ? strlen(s) : 0;
    e->uscc[0] = '\0';
    if (len != USCC_LEN) {
        *msg = uscc_message(USCC_MALFORMED);
        return ERR_INVALID;
    }
    memcpy(e->uscc, s, len + 1);
    uscc_normalize(e->uscc, len);
    int r = uscc_validate(e->uscc, len);
    e->uscc_flagged = 0;
    if (r == USCC_OK)
        return 0;
    if (r != USCC_MALFORMED && policy == USCC_FLAG) {
        e->uscc_flagged = 1;
        return 0;
    }
    *msg = uscc_message(r);
    return ERR_INVALID;
}

/* GB/T 4754 industry codes: a section letter, optionally followed by 2-4 digits ("C3130"). */
static int industry_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return 1;
    if (s[0] < 'A' || s[0] > 'T' || n == 2 || n > 5)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

#define FAIL(f, m)                                                                                 \
    do {                                                                                           \
        *field = (f);                                                                              \
        *msg = (m);                                                                                \
        return ERR_INVALID;                                                                        \
    } while (0)

int registry_check(const struct entity *e, int creating, const char **field, const char **msg)
{
    if (creating) {
        if (!e->uscc[0])
            FAIL("uscc", "缺少统一社会信用代码");
        if (!e->name)
            FAIL("name", "缺少名称");
        if (!e->kind)
            FAIL("kind", "缺少主体类型");
        if (!e->region)
            FAIL("region", "缺少行政区划");
    }
    if (e->name && (utf8_len(e->name) < 1 || utf8_len(e->name) > 100))
        FAIL("name", "名称长度须为 1–100 个字符");
    if (e->kind && !registry_kind_label(e->kind))
        FAIL("kind", "主体类型须为 enterprise、individual、cooperative 或 other");
    if (e->region && !refdata_region_name(e->region))
        FAIL("region", "未知的行政区划代码");
    if (e->legal_rep && utf8_len(e->legal_rep) > 50)
        FAIL("legal_rep", "法定代表人（经营者）不能超过 50 个字符");
    if (e->address && utf8_len(e->address) > 200)
        FAIL("address", "地址不能超过 200 个字符");
    if (e->industry && !industry_ok(e->industry))
        FAIL("industry", "行业代码须为国民经济行业分类代码，如 C3130");
    if (e->chain && (e->chain < 1 || e->chain > 12))
        FAIL("chain", "未知的产业链");
    if (e->tier && !registry_tier_label(e->tier))
        FAIL("tier", "企业层级取值无效");
    if (e->credit && (strlen(e->credit) != 1 || e->credit[0] < 'A' || e->credit[0] > 'D'))
        FAIL("credit", "信用等级须为 A、B、C 或 D");
    if (e->status && !registry_status_label(e->status))
        FAIL("status", "登记状态须为 active、deregistered 或 revoked");
    if (e->established) {
        int32_t d;
        if (date_parse(e->established, strlen(e->established), &d) || d > date_today())
            FAIL("established", "成立日期须为不晚于今天的 YYYY-MM-DD 日期");
    }
    if (e->annual_report_year) {
        int y, m, d;
        date_to_ymd(date_today(), &y, &m, &d);
        if (e->annual_report_year < 1990 || e->annual_report_year > y)
            FAIL("annual_report_year", "年报年度超出范围");
    }
    if (e->officer < 0)
        FAIL("officer", "驻企服务员编号无效");
    return 0;
}

int registry_may_see(const struct principal *p, const char *uscc, const char *region,
                     int64_t officer)
{
    int allowed;
    if (p->role & ROLES_ENTITY_OWNERS)
        allowed = strcmp(p->entity, uscc) == 0;
    else if (p->role == ROLE_OFFICER)
        allowed = officer == p->id;
    else
        allowed = scope_allows(p, region) == 0;
    return allowed ? 0 : ERR_FORBIDDEN;
}

int registry_list_scope(const struct principal *p, const char **region, int64_t *officer)
{
    const char *own = scope_region(p);
    if (own && *region && strcmp(own, *region))
        return ERR_FORBIDDEN;
    if (own)
        *region = own;
    if (p->role == ROLE_OFFICER)
        *officer = p->id;
    return 0;
}

int registry_region_of(struct db *db, const char *uscc, char region[16])
{
    static const char sql[] = "SELECT region FROM entities WHERE uscc = ?";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, uscc, -1);
    rc = db_step(st);
    if (rc == DB_ROW) {
        snprintf(region, 16, "%s", db_col_text(st, 0));
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = ERR_NOTFOUND;
    }
    db_done(st);
    return rc;
}
