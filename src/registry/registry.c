/* SPDX-License-Identifier: MIT */
/* The entity record and its rules: USCC policy, reference checks, data scope. */
#include "registry/registry.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/uscc.h"
#include "refdata/refdata.h"
#include "accounts/accounts.h"

#include <stdio.h>
#include <string.h>

static const struct enum_value kinds[] = {
    {"enterprise", "企业"},
    {"individual", "个体工商户"},
    {"cooperative", "农民专业合作社"},
    {"other", "其他"},
    {NULL, NULL},
};
static const struct enum_value tiers[] = {
    {"none", "无"},
    {"above_scale", "规上企业"},
    {"specialized", "专精特新"},
    {"little_giant", "专精特新“小巨人”"},
    {"champion", "单项冠军"},
    {"unicorn", "独角兽"},
    {NULL, NULL},
};
static const struct enum_value credits[] = {
    {"A", "A 级"}, {"B", "B 级"}, {"C", "C 级"}, {"D", "D 级"}, {NULL, NULL},
};
static const struct enum_value statuses[] = {
    {"active", "存续"},
    {"deregistered", "注销"},
    {"revoked", "吊销"},
    {NULL, NULL},
};

/* The entity, once: order is the order of JSON members and export columns. */
const struct field registry_fields[] = {
    {"uscc", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 18, "统一社会信用代码", "e.uscc"},
    {"name", FIELD_STRING, FIELD_REQUIRED, 100, "名称", "e.name"},
    {"kind", FIELD_STRING, FIELD_REQUIRED, 16, "主体类型", "e.kind", NULL, kinds},
    {"region", FIELD_STRING, FIELD_REQUIRED, 16, "区划代码", "e.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"legal_rep", FIELD_STRING, FIELD_NULLABLE, 50, "法定代表人", "e.legal_rep", ""},
    {"address", FIELD_STRING, FIELD_NULLABLE, 200, "住所", "e.address", ""},
    {"industry", FIELD_STRING, FIELD_NULLABLE, 5, "行业代码", "e.industry", ""},
    {"chain", FIELD_INT, FIELD_NULLABLE, 0, "产业链编号", "e.chain", NULL, NULL, 1, 12},
    {"chain_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "产业链", "c.name"},
    {"tier", FIELD_STRING, 0, 16, "企业层级", "e.tier", "none", tiers},
    {"credit", FIELD_STRING, 0, 1, "信用等级", "e.credit", "B", credits},
    {"status", FIELD_STRING, 0, 16, "登记状态", "e.status", "active", statuses},
    {"established", FIELD_DATE, FIELD_NULLABLE, 10, "成立日期", "e.established"},
    {"annual_report_year", FIELD_INT, FIELD_NULLABLE, 0, "年报年度", "e.annual_report_year", NULL,
     NULL, 1990, 9999},
    {"officer", FIELD_INT, FIELD_NULLABLE, 0, "驻企服务员编号", "e.officer", NULL, NULL, 1,
     INT64_MAX},
    {"officer_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "驻企服务员",
     "o.display_name"},
    {"uscc_flagged", FIELD_BOOL, FIELD_INTERNAL, 0, "代码校验存疑", "e.uscc_flagged", "0"},
    {"key", FIELD_BOOL, 0, 0, "重点企业", "e.key", "0"},
    {"notes", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 500, "备注", "e.notes", ""},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record registry_entity = {
    .name = "entity",
    .label = "市场主体",
    .table = "entities",
    .from = " FROM entities e",
    .joins = " CROSS JOIN regions r ON r.code = e.region LEFT JOIN chains c ON c.id = e.chain"
             " LEFT JOIN users o ON o.id = e.officer",
    .key = "uscc",
    .key_expr = "e.uscc",
    .stamp = "updated_at",
    .fields = registry_fields,
};

int registry_set_uscc(json_t *v, int policy, const char **msg)
{
    const char *s = json_string_value(json_object_get(v, "uscc"));
    char code[USCC_LEN + 1];
    if (!s || strlen(s) != USCC_LEN) {
        *msg = uscc_message(USCC_MALFORMED);
        return ERR_INVALID;
    }
    memcpy(code, s, USCC_LEN + 1);
    uscc_normalize(code, USCC_LEN);
    int r = uscc_validate(code, USCC_LEN);
    if (r != USCC_OK && (r == USCC_MALFORMED || policy != USCC_FLAG)) {
        *msg = uscc_message(r);
        return ERR_INVALID;
    }
    json_object_set_new(v, "uscc", json_string(code));
    json_object_set_new(v, "uscc_flagged", json_boolean(r != USCC_OK));
    return 0;
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

static const char *text_of(json_t *v, const char *name)
{
    return json_string_value(json_object_get(v, name));
}

#define FAIL(f, m)                                                                                 \
    do {                                                                                           \
        *field = (f);                                                                              \
        *msg = (m);                                                                                \
        return ERR_INVALID;                                                                        \
    } while (0)

int registry_check(json_t *v, const char **field, const char **msg)
{
    const char *s;
    int y, m, d;
    date_to_ymd(date_today(), &y, &m, &d);
    if ((s = text_of(v, "name")) && utf8_len(s) < 1)
        FAIL("name", "名称长度须为 1–100 个字符");
    if ((s = text_of(v, "region")) && !refdata_region_name(s))
        FAIL("region", "未知的行政区划代码");
    if ((s = text_of(v, "industry")) && !industry_ok(s))
        FAIL("industry", "行业代码须为国民经济行业分类代码，如 C3130");
    if ((s = text_of(v, "established"))) {
        int32_t day;
        if (date_parse(s, strlen(s), &day) || day > date_today())
            FAIL("established", "成立日期须为不晚于今天的 YYYY-MM-DD 日期");
    }
    json_t *year = json_object_get(v, "annual_report_year");
    if (json_is_integer(year) && json_integer_value(year) > y)
        FAIL("annual_report_year", "年报年度不能晚于今年");
    return 0;
}

int registry_check_write(struct db *db, const struct principal *p, json_t *v, const char **field,
                         const char **msg)
{
    int rc = registry_check(v, field, msg);
    if (rc)
        return rc;
    const char *region = text_of(v, "region");
    *field = "region";
    *msg = "无权登记或迁入其他辖区的市场主体";
    if (region && scope_allows(p, region))
        return ERR_FORBIDDEN;
    json_t *officer = json_object_get(v, "officer");
    *field = "officer";
    *msg = "驻企服务员不存在";
    return json_is_integer(officer)
               ? accounts_has_role(db, json_integer_value(officer), ROLE_OFFICER)
               : 0;
}

int registry_code_hidden(const struct principal *p, const char *uscc)
{
    return (p->role & ROLES_ENTITY_OWNERS) && strcmp(p->entity, uscc) != 0;
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

int registry_get(struct db *db, const char *uscc, json_t **out)
{
    return rec_get(db, &registry_entity, uscc, out);
}

int registry_region_of(struct db *db, const char *uscc, char region[16])
{
    static const char sql[] = "SELECT region FROM entities WHERE uscc = ?";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (!rc)
        rc = db_bind_text(st, 1, uscc, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc)
        snprintf(region, 16, "%s", db_col_text(st, 0));
    db_done(st);
    return rc;
}

int registry_insert(struct db *w, json_t *v)
{
    return rec_insert(w, &registry_entity, v);
}

int registry_update(struct db *w, const char *uscc, json_t *v)
{
    return rec_update(w, &registry_entity, uscc, v);
}

int registry_each_served(struct db *db, registry_served_fn fn, void *arg)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT uscc, region, chain, officer FROM entities"
                        " WHERE officer IS NOT NULL ORDER BY id",
                        &st),
        step = DB_DONE;
    while (!rc && (step = db_step(st)) == DB_ROW)
        rc = fn(arg, db_col_text(st, 0), db_col_text(st, 1), db_col_int(st, 2), db_col_int(st, 3));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}

int registry_industry_prefix_ok(const char *text)
{
    size_t n = strlen(text);
    if (n < 1 || n > 5 || text[0] < 'A' || text[0] > 'T')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (text[i] < '0' || text[i] > '9')
            return 0;
    return 1;
}

int registry_population(struct db *db, json_t *scope, registry_member_fn fn, void *arg)
{
    static const char *const columns[] = {"region", "chain", "kind", "tier"}, *const names[] = {
                                                                                  "regions",
                                                                                  "chains", "kinds",
                                                                                  "tiers"};
    json_t *industries = json_object_get(scope, "industries");
    struct strbuf sql;
    strbuf_init(&sql, 1u << 16);
    strbuf_puts(&sql, "SELECT uscc, credit, region FROM entities WHERE status = 'active'");
    int rc = 0;
    for (size_t i = 0; !rc && i < 4; i++)
        rc = rec_sql_in(&sql, columns[i], json_object_get(scope, names[i]), i == 1,
                        REGISTRY_SCOPE_MAX);
    size_t i;
    json_t *v;
    if (industries &&
        (!json_is_array(industries) || json_array_size(industries) > REGISTRY_SCOPE_MAX))
        rc = ERR_INVALID;
    json_array_foreach(industries, i, v)
    {
        if (!json_is_string(v) || !registry_industry_prefix_ok(json_string_value(v)))
            rc = ERR_INVALID;
        strbuf_puts(&sql, i ? " OR industry LIKE ?" : " AND (industry LIKE ?");
    }
    if (json_array_size(industries))
        strbuf_putc(&sql, ')');
    strbuf_puts(&sql, " ORDER BY uscc");
    struct db_stmt *st = NULL;
    if (!rc)
        rc = db_prepare_once(db, strbuf_get(&sql), &st);
    int k = 1, step = DB_DONE;
    for (size_t j = 0; !rc && j < 4; j++)
        rc = rec_bind_values(st, &k, json_object_get(scope, names[j]));
    json_array_foreach(industries, i, v)
    {
        char like[8];
        snprintf(like, sizeof like, "%s%%", json_string_value(v));
        if (!rc)
            rc = db_bind_text(st, k++, like, -1);
    }
    if (!rc)
        db_stream(st);
    while (!rc && (step = db_step(st)) == DB_ROW)
        rc = fn(arg, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2));
    if (!rc && step != DB_DONE)
        rc = step;
    db_finalize(st);
    strbuf_dispose(&sql);
    return rc;
}

int registry_each_of_industry(struct db *db, const char *industry, registry_member_fn fn, void *arg)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT uscc, credit, region FROM entities WHERE industry = ?"
                        " AND status = 'active' ORDER BY uscc",
                        &st),
        step = DB_DONE;
    if (!rc)
        rc = db_bind_text(st, 1, industry, -1);
    if (!rc)
        db_stream(st);
    while (!rc && (step = db_step(st)) == DB_ROW)
        rc = fn(arg, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}

int registry_each_in_industries(struct db *db, json_t *industries, registry_trade_fn fn, void *arg)
{
    struct strbuf sql;
    strbuf_init(&sql, 1u << 16);
    strbuf_puts(&sql, "SELECT uscc, region, industry FROM entities WHERE status = 'active'");
    int rc = json_array_size(industries)
                 ? rec_sql_in(&sql, "industry", industries, 0, REGISTRY_SCOPE_MAX)
                 : ERR_INVALID;
    strbuf_puts(&sql, " ORDER BY id");
    struct db_stmt *st = NULL;
    if (!rc)
        rc = db_prepare_once(db, strbuf_get(&sql), &st);
    int k = 1, step = DB_DONE;
    if (!rc)
        rc = rec_bind_values(st, &k, industries);
    if (!rc)
        db_stream(st);
    while (!rc && (step = db_step(st)) == DB_ROW)
        rc = fn(arg, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2));
    if (!rc && step != DB_DONE)
        rc = step;
    db_finalize(st);
    strbuf_dispose(&sql);
    return rc;
}

int registry_count_active(struct db *db, int by_industry, const char *region, registry_count_fn fn,
                          void *arg)
{
    static const char *const sql[2][2] = {
        {"SELECT region, count(*) FROM entities WHERE status = 'active'"
         " GROUP BY region ORDER BY region",
         "SELECT region, count(*) FROM entities WHERE region = ? AND status = 'active'"
         " GROUP BY region ORDER BY region"},
        {"SELECT industry, count(*) FROM entities WHERE status = 'active'"
         " GROUP BY industry ORDER BY industry",
         "SELECT industry, count(*) FROM entities WHERE region = ? AND status = 'active'"
         " GROUP BY industry ORDER BY industry"},
    };
    struct db_stmt *st;
    int rc = db_prepare(db, sql[by_industry != 0][region != NULL], &st), step = DB_DONE;
    if (!rc && region)
        rc = db_bind_text(st, 1, region, -1);
    while (!rc && (step = db_step(st)) == DB_ROW)
        rc = fn(arg, db_col_text(st, 0), db_col_int(st, 1));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}
