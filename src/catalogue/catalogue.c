/* SPDX-License-Identifier: MIT */
/* The service item record and its rules: visibility of drafts, who edits which department's
 * items, and what a field table cannot check. The HTTP side is catalogue_routes.c. */
#include "catalogue/catalogue.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "refdata/refdata.h"

#include <stdio.h>
#include <string.h>

/* The four lists of service-oriented supervision (四张清单), one model. */
static const struct enum_value lists[] = {
    {"guidance", "合规指导"}, {"policy", "政策集成"}, {"service", "服务发展"},
    {"lenient", "轻微免罚"},  {NULL, NULL},
};
static const struct enum_value statuses[] = {
    {"published", "已发布"},
    {"draft", "草稿"},
    {NULL, NULL},
};

/* The item, once: order is the order of JSON members and export columns. Long texts may hold
 * line breaks (a process in steps, materials one per line). */
const struct field catalogue_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "s.id"},
    {"list", FIELD_STRING, FIELD_REQUIRED, 16, "清单", "s.list", NULL, lists},
    {"title", FIELD_STRING, FIELD_REQUIRED, 100, "事项名称", "s.title"},
    {"department", FIELD_INT, FIELD_REQUIRED, 0, "责任部门编号", "s.department", NULL, NULL, 1,
     INT64_MAX},
    {"department_name", FIELD_STRING, FIELD_READONLY, 0, "责任部门", "d.name"},
    {"category", FIELD_STRING, 0, 16, "服务类别", "s.category", "other", refdata_factors},
    {"content", FIELD_STRING, FIELD_REQUIRED | FIELD_MULTILINE, 4000, "服务内容", "s.content"},
    {"process", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 2000, "办理流程", "s.process", ""},
    {"channel", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 500, "办理渠道", "s.channel", ""},
    {"materials", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 2000, "申请材料", "s.materials",
     ""},
    {"time_limit", FIELD_STRING, FIELD_NULLABLE, 100, "办理时限", "s.time_limit", ""},
    {"legal_basis", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 2000, "设定依据",
     "s.legal_basis", ""},
    {"fee", FIELD_STRING, FIELD_NULLABLE, 200, "收费标准", "s.fee", ""},
    {"contact", FIELD_STRING, FIELD_NULLABLE, 200, "咨询电话", "s.contact", ""},
    {"updated", FIELD_DATE, 0, 10, "更新日期", "s.updated"},
    {"status", FIELD_STRING, 0, 16, "发布状态", "s.status", "published", statuses},
    {"updated_at", FIELD_TIME, FIELD_READONLY, 0, "最后修改时间", "s.updated_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record catalogue_item = {
    .name = "service",
    .label = "服务事项",
    .table = "service_items",
    .from = " FROM service_items s",
    .joins = " JOIN departments d ON d.id = s.department",
    .key = "id",
    .key_expr = "s.id",
    .stamp = "updated_at",
    .fields = catalogue_fields,
};

int catalogue_is_staff(const struct principal *p)
{
    return p && (p->role & ROLES_STAFF);
}

static const char *text_of(json_t *v, const char *name)
{
    return json_string_value(json_object_get(v, name));
}

/* The member name as the write leaves it: v's value when v gives it (null: none), else the
 * item's as it stood. */
static const char *after_of(json_t *v, json_t *before, const char *name)
{
    json_t *x = json_object_get(v, name);
    return x ? json_string_value(x) : text_of(before, name);
}

#define FAIL(f, m)                                                                                 \
    do {                                                                                           \
        *field = (f);                                                                              \
        *msg = (m);                                                                                \
        return ERR_INVALID;                                                                        \
    } while (0)

int catalogue_check(json_t *v, json_t *before, int32_t today, const char **field, const char **msg)
{
    const char *s = text_of(v, "updated");
    int32_t day;
    if (s && (date_parse(s, strlen(s), &day) || day > today))
        FAIL("updated", "更新日期须为不晚于今天的 YYYY-MM-DD 日期");
    const char *list = after_of(v, before, "list");
    const char *basis = after_of(v, before, "legal_basis");
    if (list && !strcmp(list, "lenient") && (!basis || !*basis))
        FAIL("legal_basis",
             "轻微免罚事项须写明设定依据（如《中华人民共和国行政处罚法》第三十三条）");
    return 0;
}

void catalogue_stamp(json_t *v, int32_t today)
{
    if (json_object_get(v, "updated"))
        return;
    char day[DATE_LEN + 1];
    date_format(today, day);
    json_object_set_new(v, "updated", json_string(day));
}

int catalogue_may_write(const struct principal *p, int64_t owner, int64_t target,
                        const char **field, const char **msg)
{
    *field = NULL;
    if (p && p->role == ROLE_ADMIN)
        return 0;
    if (!p || p->role != ROLE_DEPARTMENT || !p->department) {
        *msg = "当前角色无权编辑服务清单";
        return ERR_FORBIDDEN;
    }
    if (owner && owner != p->department) {
        *msg = "只能修改本部门的服务事项";
        return ERR_FORBIDDEN;
    }
    if (target && target != p->department) {
        *field = "department";
        *msg = "只能为本部门新增或保存服务事项";
        return ERR_FORBIDDEN;
    }
    return 0;
}

int catalogue_may_see(const struct principal *p, const char *status)
{
    return catalogue_is_staff(p) || (status && !strcmp(status, "published")) ? 0 : ERR_NOTFOUND;
}

int catalogue_list_scope(const struct principal *p, const char **status)
{
    if (catalogue_is_staff(p))
        return 0;
    if (*status && strcmp(*status, "published"))
        return ERR_FORBIDDEN;
    *status = "published";
    return 0;
}

/* 0 when department id exists, ERR_NOTFOUND when not, or a database error. */
static int department_exists(struct db *db, int64_t id)
{
    static const char sql[] = "SELECT 1 FROM departments WHERE id = ?";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_row(st);
    db_done(st);
    return rc;
}

int catalogue_check_write(struct db *db, const struct principal *p, json_t *v, json_t *before,
                          const char **field, const char **msg)
{
    int64_t owner = json_integer_value(json_object_get(before, "department"));
    json_t *dept = json_object_get(v, "department");
    int64_t target = json_integer_value(dept);
    int rc = catalogue_may_write(p, owner, target, field, msg);
    if (!rc)
        rc = catalogue_check(v, before, date_today(), field, msg);
    if (!rc && json_is_integer(dept)) {
        rc = department_exists(db, target);
        if (rc == ERR_NOTFOUND) {
            *field = "department";
            *msg = "责任部门不存在";
            rc = ERR_INVALID;
        }
    }
    return rc;
}

int catalogue_get(struct db *db, int64_t id, json_t **out)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return rec_get(db, &catalogue_item, key, out);
}

int catalogue_insert(struct db *w, json_t *v, int64_t *id)
{
    int rc = rec_insert(w, &catalogue_item, v);
    if (!rc)
        *id = db_last_id(w);
    return rc;
}

int catalogue_update(struct db *w, int64_t id, json_t *v)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return rec_update(w, &catalogue_item, key, v);
}
