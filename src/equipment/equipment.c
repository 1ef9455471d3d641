/* SPDX-License-Identifier: MIT */
/*
 * Special equipment: the unit and inspection records, the rules of registration numbers, due
 * dates and statuses, the 定检率 and the reminders (see equipment.h for the definitions). The
 * tables equipment_categories, equipment and equipment_inspections are written here and in
 * equipment_demo.c only.
 */
#include "equipment/equipment.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "refdata/refdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct enum_value equipment_statuses[] = {
    {"in_use", "在用"},
    {"idle", "停用"},
    {"scrapped", "报废"},
    {NULL, NULL},
};

const struct enum_value equipment_conclusions[] = {
    {"qualified", "合格"},
    {"basically_qualified", "基本合格"},
    {"unqualified", "不合格"},
    {NULL, NULL},
};

const struct field equipment_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "eq.id"},
    {"registration_no", FIELD_STRING, FIELD_REQUIRED, 20, "使用登记证编号", "eq.registration_no"},
    {"category", FIELD_STRING, FIELD_REQUIRED, 24, "设备类别代码", "eq.category"},
    {"category_name", FIELD_STRING, FIELD_READONLY, 0, "设备类别", "c.name"},
    {"model", FIELD_STRING, FIELD_NULLABLE, 100, "型号", "eq.model", ""},
    {"product_no", FIELD_STRING, FIELD_NULLABLE, 50, "产品编号", "eq.product_no", ""},
    {"owner", FIELD_STRING, FIELD_REQUIRED, 18, "产权单位统一社会信用代码", "eq.owner"},
    {"owner_name", FIELD_STRING, FIELD_READONLY, 0, "产权单位", "o.name"},
    {"user_uscc", FIELD_STRING, FIELD_NULLABLE, 18, "使用单位统一社会信用代码", "eq.user_uscc"},
    {"user_name", FIELD_STRING, FIELD_READONLY, 0, "使用单位", "n.name"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "eq.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"address", FIELD_STRING, FIELD_NULLABLE, 200, "设备使用地点", "eq.address", ""},
    {"installed_on", FIELD_DATE, FIELD_NULLABLE, 10, "安装日期", "eq.installed_on"},
    {"interval_months", FIELD_INT, FIELD_NULLABLE, 0, "本台检验周期（月）", "eq.interval_months",
     NULL, NULL, 1, EQUIPMENT_MAX_INTERVAL},
    {"cycle_months", FIELD_INT, FIELD_READONLY, 0, "适用检验周期（月）",
     "coalesce(eq.interval_months, c.interval_months)"},
    {"last_inspected", FIELD_DATE, FIELD_KEY | FIELD_NULLABLE, 10, "上次检验日期",
     "eq.last_inspected"},
    {"last_conclusion", FIELD_STRING, FIELD_KEY | FIELD_NULLABLE, 24, "上次检验结论",
     "eq.last_conclusion", NULL, equipment_conclusions},
    {"next_due", FIELD_DATE, FIELD_NULLABLE, 10, "下次检验日期", "eq.next_due"},
    {"status", FIELD_STRING, FIELD_NULLABLE, 16, "状态", "eq.status", "in_use", equipment_statuses},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record equipment_unit = {
    .name = "equipment",
    .label = "特种设备",
    .table = "equipment",
    .from = " FROM equipment eq",
    .joins = " JOIN equipment_categories c ON c.code = eq.category"
             " JOIN entities o ON o.uscc = eq.owner JOIN entities n ON n.uscc = eq.user_uscc"
             " JOIN regions r ON r.code = eq.region",
    .key = "id",
    .key_expr = "eq.id",
    .stamp = "updated_at",
    .fields = equipment_fields,
};

/* Also the body of POST /api/v1/equipment/{id}/inspections: the router keeps the fields a
 * client may give (inspected_on, conclusion, inspector_org, report_no, next_due). */
const struct field equipment_inspection_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "h.id"},
    {"unit", FIELD_INT, FIELD_INTERNAL, 0, "设备编号", "h.unit"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "h.region"},
    {"category", FIELD_STRING, FIELD_INTERNAL, 24, "设备类别代码", "h.category"},
    {"inspected_on", FIELD_DATE, FIELD_REQUIRED, 10, "检验日期", "h.inspected_on"},
    {"conclusion", FIELD_STRING, FIELD_REQUIRED, 24, "检验结论", "h.conclusion", NULL,
     equipment_conclusions},
    {"inspector_org", FIELD_STRING, FIELD_REQUIRED, 100, "检验机构", "h.inspector_org"},
    {"report_no", FIELD_STRING, FIELD_NULLABLE, 50, "检验报告编号", "h.report_no", ""},
    {"due_on", FIELD_DATE, FIELD_INTERNAL, 10, "应检日期", "h.due_on"},
    {"first_of_due", FIELD_BOOL, FIELD_INTERNAL, 0, "该应检日期的首次检验", "h.first_of_due", "1"},
    {"next_due", FIELD_DATE, FIELD_NULLABLE, 10, "下次检验日期", "h.next_due"},
    {"recorded_by", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "录入人", "h.recorded_by"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "录入时间", "h.created_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record equipment_inspection = {
    .name = "equipment_inspection",
    .label = "特种设备检验记录",
    .table = "equipment_inspections",
    .from = " FROM equipment_inspections h",
    .key = "id",
    .key_expr = "h.id",
    .fields = equipment_inspection_fields,
};

/* ---- categories ---- */

int equipment_category_get(struct db *db, const char *code, struct equipment_category *out)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT code, name, reg_char, interval_months FROM equipment_categories"
                        " WHERE code = ?",
                        &st);
    if (!rc)
        rc = db_bind_text(st, 1, code, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        snprintf(out->code, sizeof out->code, "%s", db_col_text(st, 0));
        snprintf(out->name, sizeof out->name, "%s", db_col_text(st, 1));
        snprintf(out->reg_char, sizeof out->reg_char, "%s", db_col_text(st, 2));
        out->interval_months = (int)db_col_int(st, 3);
    }
    db_done(st);
    return rc;
}

int equipment_categories_json(struct db *db, json_t **out)
{
    struct db_stmt *st;
    json_t *a = json_array();
    int rc = db_prepare(db,
                        "SELECT code, name, reg_char, interval_months, basis FROM"
                        " equipment_categories ORDER BY pos",
                        &st),
        step = DB_DONE;
    while (!rc && (step = db_step(st)) == DB_ROW)
        json_array_append_new(a, json_pack("{ss ss ss sI ss}", "code", db_col_text(st, 0), "name",
                                           db_col_text(st, 1), "reg_char", db_col_text(st, 2),
                                           "interval_months", (json_int_t)db_col_int(st, 3),
                                           "basis", db_col_text(st, 4)));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (rc)
        json_decref(a);
    else
        *out = a;
    return rc;
}

/* ---- dates ---- */

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int32_t equipment_add_months(int32_t day, int months)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    int ny = total >= 0 ? total / 12 : -((-total + 11) / 12), nm = total - ny * 12 + 1;
    int last = month_days(ny, nm);
    return date_from_ymd(ny, nm, d > last ? last : d);
}

/* The day of member name of v: 0 with *day, 0 with *day = -1 when absent or null, or
 * ERR_INVALID when it is not a date (the field table has checked bodies already). */
static int day_of(json_t *v, const char *name, int32_t *day)
{
    const char *s = json_string_value(json_object_get(v, name));
    *day = -1;
    return s && date_parse(s, strlen(s), day) ? ERR_INVALID : 0;
}

static int refuse(const char **field, const char *name, char *msg, size_t cap, const char *text)
{
    *field = name;
    snprintf(msg, cap, "%s", text);
    return ERR_INVALID;
}

int equipment_derive_dates(json_t *v, int cycle, int given, int32_t today, const char **field,
                           char *msg, size_t cap)
{
    int32_t installed, last, next;
    if (day_of(v, "installed_on", &installed))
        return refuse(field, "installed_on", msg, cap, "安装日期须为 YYYY-MM-DD 格式的日期");
    if (day_of(v, "last_inspected", &last))
        return refuse(field, "last_inspected", msg, cap, "上次检验日期须为 YYYY-MM-DD 格式的日期");
    if (day_of(v, "next_due", &next))
        return refuse(field, "next_due", msg, cap, "下次检验日期须为 YYYY-MM-DD 格式的日期");
    if (installed > today)
        return refuse(field, "installed_on", msg, cap, "安装日期不能晚于今天");
    if (last > today)
        return refuse(field, "last_inspected", msg, cap, "上次检验日期不能晚于今天");
    if (last >= 0 && installed >= 0 && last < installed)
        return refuse(field, "last_inspected", msg, cap, "上次检验日期不能早于安装日期");
    int has_conclusion = json_is_string(json_object_get(v, "last_conclusion"));
    if (has_conclusion && last < 0)
        return refuse(field, "last_inspected", msg, cap, "给出上次检验结论时须给出上次检验日期");
    if (!has_conclusion && last >= 0)
        return refuse(field, "last_conclusion", msg, cap, "给出上次检验日期时须给出上次检验结论");
    if (next >= 0) {
        if (given && last >= 0 && next <= last)
            return refuse(field, "next_due", msg, cap, "下次检验日期须晚于上次检验日期");
        return 0;
    }
    int32_t base = last >= 0 ? last : installed;
    if (base < 0)
        return refuse(field, "next_due", msg, cap,
                      "须给出上次检验日期、安装日期或下次检验日期，才能确定下次检验日期");
    char text[DATE_LEN + 1];
    date_format(equipment_add_months(base, cycle), text);
    json_object_set_new(v, "next_due", json_string(text));
    return 0;
}

/* ---- registration numbers ---- */

/* Decodes the UTF-8 character at *s (valid UTF-8), advancing *s; 0 at the end. */
static unsigned next_char(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    unsigned c = *p;
    int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    if (!c)
        return 0;
    c &= n == 0 ? 0x7f : n == 1 ? 0x1f : n == 2 ? 0x0f : 0x07;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0xfffd;
        c = (c << 6) | (p[i] & 0x3f);
    }
    *s += n + 1;
    return c;
}

static int digits(const char **s, int n)
{
    for (int i = 0; i < n; i++) {
        unsigned c = next_char(s);
        if (c < '0' || c > '9')
            return 0;
    }
    return 1;
}

int equipment_check_registration(const char *no, const char *reg_char, char *msg, size_t cap)
{
    static const char provinces[] =
        "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
    const char *s = no, *k = reg_char;
    unsigned want = next_char(&k), c = next_char(&s), p;
    int ok = c && c == want && digits(&s, 2);
    p = ok ? next_char(&s) : 0;
    if (ok) {
        ok = 0;
        for (const char *q = provinces; *q && !ok;)
            ok = next_char(&q) == p;
    }
    if (ok) {
        c = next_char(&s);
        ok = c >= 'A' && c <= 'Z' && digits(&s, 5) && next_char(&s) == '(' && digits(&s, 2) &&
             next_char(&s) == ')' && !*s;
    }
    if (ok)
        return 0;
    snprintf(
        msg, cap,
        "使用登记证编号格式应为：类别代号「%s」+ 2 位品种代码 + 省份简称 + 城市字母 + 5 位流水号 "
        "+（2 位年份），如 %s11鲁P00123(24)",
        reg_char, reg_char);
    return ERR_INVALID;
}

/* ---- statuses ---- */

int equipment_status_change(const char *from, const char *to)
{
    if (!strcmp(from, to))
        return 0;
    return strcmp(from, "scrapped") ? 0 : ERR_CONFLICT;
}

int equipment_overdue(const char *status, const char *next_due, int32_t today)
{
    int32_t due;
    return status && next_due && !strcmp(status, "in_use") &&
           !date_parse(next_due, strlen(next_due), &due) && due < today;
}

/* Whether a unit has days left (in use, with a due date): 1 and *days then, else 0. */
static int days_left(const char *status, const char *next_due, int32_t today, int32_t *days)
{
    int32_t due;
    if (!status || !next_due || strcmp(status, "in_use") ||
        date_parse(next_due, strlen(next_due), &due))
        return 0;
    *days = due - today;
    return 1;
}

void equipment_decorate(json_t *unit, int32_t today)
{
    const char *status = json_string_value(json_object_get(unit, "status")),
               *next = json_string_value(json_object_get(unit, "next_due"));
    int32_t days;
    json_object_set_new(unit, "overdue", json_boolean(equipment_overdue(status, next, today)));
    json_object_set_new(unit, "days_left",
                        days_left(status, next, today, &days) ? json_integer(days) : json_null());
}

int equipment_status_write(const char *status, const char *next_due, int32_t today,
                           struct strbuf *out)
{
    int32_t days;
    int overdue = equipment_overdue(status, next_due, today);
    if (days_left(status, next_due, today, &days))
        return strbuf_printf(out, ",\"overdue\":%s,\"days_left\":%d", overdue ? "true" : "false",
                             (int)days);
    return strbuf_printf(out, ",\"overdue\":%s,\"days_left\":null", overdue ? "true" : "false");
}

/* ---- 定检率 ---- */

enum equipment_due_state equipment_due_state(int32_t due, int32_t inspected, int32_t today)
{
    if (inspected < 0)
        return due < today ? EQUIPMENT_MISSED : EQUIPMENT_PENDING;
    if (inspected > due)
        return EQUIPMENT_LATE;
    return inspected >= equipment_add_months(due, -EQUIPMENT_WINDOW_MONTHS) ? EQUIPMENT_ON_TIME
                                                                            : EQUIPMENT_EARLY;
}

void equipment_rate_add(struct equipment_rate *r, enum equipment_due_state s)
{
    r->due++;
    switch (s) {
    case EQUIPMENT_ON_TIME: r->on_time++; break;
    case EQUIPMENT_EARLY: r->early++; break;
    case EQUIPMENT_LATE: r->late++; break;
    case EQUIPMENT_MISSED: r->missed++; break;
    case EQUIPMENT_PENDING: r->pending++; break;
    }
}

double equipment_rate_value(const struct equipment_rate *r)
{
    int64_t counted = r->due - r->pending;
    return counted > 0 ? (double)(r->on_time + r->early) / (double)counted : -1;
}

json_t *equipment_rate_json(const struct equipment_rate *r)
{
    double v = equipment_rate_value(r);
    return json_pack("{sI sI sI sI sI sI so}", "due", (json_int_t)r->due, "on_time",
                     (json_int_t)r->on_time, "early", (json_int_t)r->early, "late",
                     (json_int_t)r->late, "missed", (json_int_t)r->missed, "pending",
                     (json_int_t)r->pending, "rate",
                     v < 0 ? json_null() : json_real((double)(int64_t)(v * 10000 + 0.5) / 10000));
}

#define RATE_MAX_GROUPS 32

struct rate_group {
    char key[24], label[64];
    struct equipment_rate r;
};

static struct rate_group *group_of(struct rate_group *g, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(g[i].key, key))
            return &g[i];
    if (*n == RATE_MAX_GROUPS)
        return NULL;
    struct rate_group *x = &g[(*n)++];
    memset(x, 0, sizeof *x);
    snprintf(x->key, sizeof x->key, "%s", key);
    snprintf(x->label, sizeof x->label, "%s", key);
    return x;
}

/* Seeds the groups every answer lists, in order: the categories, or the county-level regions
 * (the one asked for, when region is given). */
static int seed_groups(struct db *db, int by_category, const char *region, const char *category,
                       struct rate_group *g, size_t *n)
{
    if (!by_category) {
        for (const struct region_row *r = refdata_regions; r->code; r++) {
            if (!strcmp(r->code, CITY_REGION) || (region && strcmp(region, r->code)))
                continue;
            struct rate_group *x = group_of(g, n, r->code);
            if (x)
                snprintf(x->label, sizeof x->label, "%s", r->name);
        }
        return 0;
    }
    struct db_stmt *st;
    int rc = db_prepare(db, "SELECT code, name FROM equipment_categories ORDER BY pos", &st),
        step = DB_DONE;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        if (category && strcmp(category, db_col_text(st, 0)))
            continue;
        struct rate_group *x = group_of(g, n, db_col_text(st, 0));
        if (x)
            snprintf(x->label, sizeof x->label, "%s", db_col_text(st, 1));
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}

int equipment_inspection_rate(struct db *db, int32_t from, int32_t to, int32_t today,
                              const char *region, const char *category, int by_category,
                              json_t **out)
{
    /* The answered dues from the history's covering index, then the unanswered ones. */
    static const char sql[] =
        "SELECT h.region, h.category, h.due_on, h.inspected_on FROM equipment_inspections h"
        " WHERE h.due_on >= ? AND h.due_on <= ? AND h.first_of_due = 1"
        " AND (? = '' OR h.region = ?) AND (? = '' OR h.category = ?)"
        " UNION ALL"
        " SELECT x.region, x.category, x.next_due, NULL FROM equipment x"
        " WHERE x.status = 'in_use' AND x.next_due >= ? AND x.next_due <= ?"
        " AND (? = '' OR x.region = ?) AND (? = '' OR x.category = ?)"
        " AND NOT EXISTS (SELECT 1 FROM equipment_inspections k WHERE k.unit = x.id"
        " AND k.due_on = x.next_due)";
    struct rate_group groups[RATE_MAX_GROUPS];
    size_t n = 0;
    struct equipment_rate total = {0};
    char a[DATE_LEN + 1], b[DATE_LEN + 1], t[DATE_LEN + 1];
    date_format(from, a);
    date_format(to, b);
    date_format(today, t);
    int rc = seed_groups(db, by_category, region, category, groups, &n), step = DB_DONE;
    struct db_stmt *st = NULL;
    if (!rc)
        rc = db_prepare(db, sql, &st);
    const char *r = region ? region : "", *c = category ? category : "";
    const char *binds[] = {a, b, r, r, c, c};
    for (int i = 0; !rc && i < 12; i++)
        rc = db_bind_text(st, i + 1, binds[i % 6], -1);
    if (!rc)
        db_stream(st);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        const char *due_text = db_col_text(st, 2), *first = db_col_text(st, 3);
        int32_t due, inspected = -1;
        if (!due_text || date_parse(due_text, strlen(due_text), &due) ||
            (first && date_parse(first, strlen(first), &inspected)))
            continue; /* the CHECKs keep dates well-formed */
        enum equipment_due_state s = equipment_due_state(due, inspected, today);
        equipment_rate_add(&total, s);
        struct rate_group *g = group_of(groups, &n, db_col_text(st, by_category ? 1 : 0));
        if (g)
            equipment_rate_add(&g->r, s);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = equipment_rate_json(&groups[i].r);
        json_object_set_new(o, "key", json_string(groups[i].key));
        json_object_set_new(o, "label", json_string(groups[i].label));
        json_array_append_new(list, o);
    }
    *out =
        json_pack("{ss ss ss ss so so si so so}", "by", by_category ? "category" : "region", "from",
                  a, "to", b, "as_of", t, "region", region ? json_string(region) : json_null(),
                  "category", category ? json_string(category) : json_null(), "window_months",
                  EQUIPMENT_WINDOW_MONTHS, "total", equipment_rate_json(&total), "groups", list);
    return 0;
}

/* ---- inspections ---- */

static const char *text_of(json_t *v, const char *name)
{
    return json_string_value(json_object_get(v, name));
}

int equipment_record_inspection(struct db *w, json_t *unit, int cycle, json_t *body, int64_t by,
                                int32_t today, const char **field, char *msg, size_t cap)
{
    if (!strcmp(text_of(unit, "status"), "scrapped")) {
        *field = NULL;
        snprintf(msg, cap, "设备已报废，不能再录入检验");
        return ERR_CONFLICT;
    }
    int32_t on, last, next;
    if (day_of(body, "inspected_on", &on) || on < 0)
        return refuse(field, "inspected_on", msg, cap, "检验日期须为 YYYY-MM-DD 格式的日期");
    if (on > today)
        return refuse(field, "inspected_on", msg, cap, "检验日期不能晚于今天");
    day_of(unit, "last_inspected", &last);
    if (last >= 0 && on < last)
        return refuse(field, "inspected_on", msg, cap, "检验日期不能早于上次检验日期");
    if (day_of(body, "next_due", &next))
        return refuse(field, "next_due", msg, cap, "下次检验日期须为 YYYY-MM-DD 格式的日期");
    if (next >= 0 && next <= on)
        return refuse(field, "next_due", msg, cap, "下次检验日期须晚于检验日期");
    const char *conclusion = text_of(body, "conclusion"), *due = text_of(unit, "next_due");
    char next_text[DATE_LEN + 1];
    if (next < 0 && strcmp(conclusion, "unqualified"))
        next = equipment_add_months(on, cycle);
    if (next >= 0)
        date_format(next, next_text);
    else /* 不合格: still due, until a re-inspection passes */
        snprintf(next_text, sizeof next_text, "%s", due);
    /* The first inspection recorded against this due date is the one the rate judges. */
    int64_t id = json_integer_value(json_object_get(unit, "id"));
    struct db_stmt *st;
    int rc =
        db_prepare(w, "SELECT 1 FROM equipment_inspections WHERE unit = ? AND due_on = ?", &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_bind_text(st, 2, due, -1);
    int seen = rc ? rc : db_row(st);
    db_done(st);
    if (seen && seen != ERR_NOTFOUND)
        return seen;
    const char *report = text_of(body, "report_no");
    json_t *h = json_pack("{sI ss ss ss ss ss ss ss sb ss sI}", "unit", (json_int_t)id, "region",
                          text_of(unit, "region"), "category", text_of(unit, "category"),
                          "inspected_on", text_of(body, "inspected_on"), "conclusion", conclusion,
                          "inspector_org", text_of(body, "inspector_org"), "report_no",
                          report ? report : "", "due_on", due, "first_of_due", seen == ERR_NOTFOUND,
                          "next_due", next_text, "created_at", (json_int_t)time_now());
    json_object_set_new(h, "recorded_by", by ? json_integer(by) : json_null());
    rc = rec_insert(w, &equipment_inspection, h);
    json_decref(h);
    json_t *u = json_pack("{ss ss ss}", "last_inspected", text_of(body, "inspected_on"),
                          "last_conclusion", conclusion, "next_due", next_text);
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    if (!rc)
        rc = rec_update(w, &equipment_unit, key, u);
    json_decref(u);
    return rc;
}

int equipment_sync_history(struct db *w, int64_t id)
{
    struct db_stmt *st;
    int rc = db_prepare(w,
                        "UPDATE equipment_inspections SET region = (SELECT region FROM equipment"
                        " WHERE id = ?), category = (SELECT category FROM equipment WHERE id = ?)"
                        " WHERE unit = ?",
                        &st);
    for (int i = 1; !rc && i <= 3; i++)
        rc = db_bind_int(st, i, id);
    return rc ? rc : db_run(st);
}

/* ---- reminders ---- */

int equipment_reminders(struct db *db, const char *entity, const char *region, int32_t today,
                        int limit, json_t **out)
{
    static const char counts_sql[] =
        "SELECT eq.region, sum(CASE WHEN eq.next_due < ? THEN 1 ELSE 0 END), count(*)"
        " FROM equipment eq WHERE eq.status = 'in_use' AND eq.next_due <= ?"
        " AND (? = '' OR eq.region = ?) AND (? = '' OR eq.owner = ? OR eq.user_uscc = ?)"
        " GROUP BY eq.region ORDER BY eq.region";
    char t[DATE_LEN + 1], horizon[DATE_LEN + 1];
    date_format(today, t);
    date_format(today + EQUIPMENT_REMIND_DAYS, horizon);
    const char *binds[] = {t,
                           horizon,
                           region ? region : "",
                           region ? region : "",
                           entity ? entity : "",
                           entity ? entity : "",
                           entity ? entity : ""};
    json_t *regions = json_array(), *items = json_array();
    int64_t overdue = 0, soon = 0;
    struct db_stmt *st;
    int rc = db_prepare(db, counts_sql, &st), step = DB_DONE;
    for (int i = 0; !rc && i < 7; i++)
        rc = db_bind_text(st, i + 1, binds[i], -1);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        const char *code = db_col_text(st, 0), *name = refdata_region_name(code);
        int64_t o = db_col_int(st, 1), all = db_col_int(st, 2);
        overdue += o;
        soon += all - o;
        json_array_append_new(regions, json_pack("{ss ss sI sI}", "region", code, "region_name",
                                                 name ? name : code, "overdue", (json_int_t)o,
                                                 "due_soon", (json_int_t)(all - o)));
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    /* The most urgent units, read with the record's columns. */
    struct strbuf sql;
    strbuf_init(&sql, 1u << 16);
    strbuf_printf(&sql,
                  "SELECT %s%s%s WHERE eq.status = 'in_use' AND eq.next_due <= ?"
                  " AND (? = '' OR eq.region = ?) AND (? = '' OR eq.owner = ? OR eq.user_uscc = ?)"
                  " ORDER BY eq.next_due, eq.id LIMIT ?",
                  rec_columns(&equipment_unit), equipment_unit.from, equipment_unit.joins);
    const char *text = db_intern(strbuf_get(&sql));
    st = NULL;
    if (!rc)
        rc = text ? db_prepare(db, text, &st) : db_prepare_once(db, strbuf_get(&sql), &st);
    for (int i = 0; !rc && i < 6; i++)
        rc = db_bind_text(st, i + 1, binds[i + 1], -1);
    if (!rc)
        rc = db_bind_int(st, 7, limit);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        json_t *o = rec_row_json(&equipment_unit, st);
        equipment_decorate(o, today);
        json_array_append_new(items, o);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    if (text)
        db_done(st);
    else
        db_finalize(st);
    strbuf_dispose(&sql);
    if (rc) {
        json_decref(regions);
        json_decref(items);
        return rc;
    }
    int more = (int64_t)json_array_size(items) < overdue + soon;
    *out = json_pack("{ss si sI sI so so sb}", "as_of", t, "days", EQUIPMENT_REMIND_DAYS, "overdue",
                     (json_int_t)overdue, "due_soon", (json_int_t)soon, "regions", regions, "items",
                     items, "more", more);
    return 0;
}
