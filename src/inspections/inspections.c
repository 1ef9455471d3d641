/* SPDX-License-Identifier: MIT */
/* Inspection tasks: the records, the checks of a task, and commit, draw and verify. */
#include "inspections/inspections.h"
#include "accounts/accounts.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "enforcement/enforcement.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct enum_value statuses[] = {
    {"draft", "草稿"},
    {"committed", "已承诺"},
    {"drawn", "已抽取"},
    {"in_progress", "检查中"},
    {"completed", "已完成"},
    {"published", "已公示"},
    {NULL, NULL},
};

/* POST /api/v1/inspection-tasks. */
const struct field inspections_task_create[] = {
    {"title", FIELD_STRING, FIELD_REQUIRED, 100, "任务名称", NULL},
    {"departments", FIELD_ARRAY, FIELD_REQUIRED, 0, "实施部门", NULL},
    {"items", FIELD_ARRAY, FIELD_NULLABLE, 0, "检查事项", NULL},
    {"scope", FIELD_OBJECT, FIELD_NULLABLE, 0, "抽查范围", NULL},
    {"ratios", FIELD_OBJECT, FIELD_NULLABLE, 0, "各信用等级抽查比例", NULL},
    {"inspectors_per_target", FIELD_INT, FIELD_NULLABLE, 0, "每户检查人员数", NULL, NULL, NULL, 2,
     DRAW_MAX_TEAM},
    {"inspector_pool", FIELD_OBJECT, FIELD_NULLABLE, 0, "执法检查人员库", NULL},
    {"period", FIELD_OBJECT, FIELD_REQUIRED, 0, "检查期间", NULL},
    {"exclude_inspected", FIELD_BOOL, FIELD_NULLABLE, 0, "排除期间内已检查的主体", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct field task_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "t.id"},
    {"title", FIELD_STRING, FIELD_INTERNAL, 100, "任务名称", "t.title"},
    {"region", FIELD_STRING, FIELD_INTERNAL, 16, "区划代码", "t.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"status", FIELD_STRING, FIELD_INTERNAL, 16, "状态", "t.status", "draft", statuses},
    {"departments", FIELD_ARRAY, FIELD_INTERNAL, 0, "实施部门", "t.departments"},
    {"items", FIELD_ARRAY, FIELD_INTERNAL, 0, "检查事项", "t.items"},
    {"scope", FIELD_OBJECT, FIELD_INTERNAL, 0, "抽查范围", "t.scope"},
    {"ratios", FIELD_OBJECT, FIELD_INTERNAL, 0, "抽查比例", "t.ratios"},
    {"inspectors_per_target", FIELD_INT, FIELD_INTERNAL, 0, "每户检查人员数",
     "t.inspectors_per_target"},
    {"inspector_pool", FIELD_OBJECT, FIELD_INTERNAL, 0, "执法检查人员库", "t.inspector_pool"},
    {"period", FIELD_OBJECT, FIELD_INTERNAL, 0, "检查期间", "t.period"},
    {"exclude_inspected", FIELD_BOOL, FIELD_INTERNAL, 0, "排除已检查主体", "t.exclude_inspected",
     "1"},
    /* The seed is the task's secret until the draw reveals it. */
    {"seed", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "随机种子",
     "CASE WHEN t.drawn_at IS NULL THEN NULL ELSE t.seed END"},
    {"seed_hash", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE, 64, "种子哈希", "t.seed_hash"},
    {"population_hash", FIELD_STRING, FIELD_INTERNAL | FIELD_NULLABLE, 64, "名录哈希",
     "t.population_hash"},
    {"population_size", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "名录户数",
     "t.population_size"},
    {"drawn_count", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "抽中户数", "t.drawn_count"},
    {"created_by", FIELD_INT, FIELD_INTERNAL | FIELD_NULLABLE, 0, "创建人", "t.created_by"},
    {"created_at", FIELD_TIME, FIELD_INTERNAL, 0, "创建时间", "t.created_at"},
    {"committed_at", FIELD_TIME, FIELD_INTERNAL | FIELD_NULLABLE, 0, "承诺时间", "t.committed_at"},
    {"drawn_at", FIELD_TIME, FIELD_INTERNAL | FIELD_NULLABLE, 0, "抽取时间", "t.drawn_at"},
    {"completed_at", FIELD_TIME, FIELD_INTERNAL | FIELD_NULLABLE, 0, "完成时间", "t.completed_at"},
    {"published_at", FIELD_TIME, FIELD_INTERNAL | FIELD_NULLABLE, 0, "公示时间", "t.published_at"},
    {"publish_due", FIELD_DATE, FIELD_INTERNAL | FIELD_NULLABLE, 10, "公示期限", "t.publish_due"},
    {"published_late", FIELD_BOOL, FIELD_INTERNAL, 0, "逾期公示", "t.published_late", "0"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record inspections_task = {
    .name = "inspection_task",
    .label = "双随机抽查任务",
    .table = "inspection_tasks",
    .from = " FROM inspection_tasks t",
    .joins = " JOIN regions r ON r.code = t.region",
    .key = "id",
    .key_expr = "t.id",
    .stamp = "updated_at",
    .fields = task_fields,
};

const struct field inspections_item_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "i.id"},
    {"name", FIELD_STRING, FIELD_REQUIRED, 100, "检查事项", "i.name"},
    {"basis", FIELD_STRING, FIELD_NULLABLE | FIELD_MULTILINE, 1000, "检查依据", "i.basis", ""},
    {"department", FIELD_INT, FIELD_REQUIRED, 0, "实施部门编号", "i.department", NULL, NULL, 1,
     INT32_MAX},
    {"department_name", FIELD_STRING, FIELD_READONLY, 0, "实施部门", "d.name"},
    {"target_kind", FIELD_STRING, FIELD_NULLABLE, 100, "检查对象", "i.target_kind", ""},
    {"ratio", FIELD_NUMBER, FIELD_NULLABLE, 0, "抽查比例", "i.ratio", "0.05"},
    {"frequency", FIELD_STRING, FIELD_NULLABLE, 50, "抽查频次", "i.frequency", ""},
    {"method", FIELD_STRING, FIELD_NULLABLE, 100, "检查方式", "i.method", ""},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record inspections_item = {
    .name = "inspection_item",
    .label = "抽查事项",
    .table = "inspection_items",
    .from = " FROM inspection_items i",
    .joins = " JOIN departments d ON d.id = i.department",
    .key = "id",
    .key_expr = "i.id",
    .stamp = "updated_at",
    .fields = inspections_item_fields,
};

const struct enum_value inspections_outcomes[] = {
    {"pass", "未发现问题"}, {"rectify", "责令整改"}, {"interview", "约谈"}, {"case", "立案查处"},
    {NULL, NULL},
};

/* GET /api/v1/inspection-assignments: one row per inspector and target. */
static const struct field assignment_fields[] = {
    {"task", FIELD_INT, FIELD_READONLY, 0, "任务编号", "a.task"},
    {"title", FIELD_STRING, FIELD_READONLY, 0, "任务名称", "k.title"},
    {"task_status", FIELD_STRING, FIELD_READONLY, 0, "任务状态", "k.status", NULL, statuses},
    {"uscc", FIELD_STRING, FIELD_READONLY, 0, "统一社会信用代码", "a.uscc"},
    {"name", FIELD_STRING, FIELD_READONLY, 0, "企业名称", "e.name"},
    {"address", FIELD_STRING, FIELD_READONLY, 0, "地址", "e.address"},
    {"credit", FIELD_STRING, FIELD_READONLY, 0, "信用等级", "t.credit"},
    {"region", FIELD_STRING, FIELD_READONLY, 0, "区划代码", "t.region"},
    {"inspector", FIELD_INT, FIELD_READONLY, 0, "检查人员编号", "a.inspector"},
    {"inspectors", FIELD_ARRAY, FIELD_READONLY, 0, "检查组", "t.team"},
    {"outcome", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "检查结果", "t.outcome", NULL,
     inspections_outcomes},
    {"note", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "检查情况", "t.note"},
    {"rectify_by", FIELD_DATE, FIELD_READONLY | FIELD_NULLABLE, 0, "整改期限", "t.rectify_by"},
    {"inspected_on", FIELD_DATE, FIELD_READONLY | FIELD_NULLABLE, 0, "检查日期", "t.inspected_on"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record inspections_assignment = {
    .name = "inspection_assignment",
    .label = "检查任务分配",
    .table = "inspection_assignments",
    .from = " FROM inspection_assignments a",
    .joins = " JOIN inspection_targets t ON t.task = a.task AND t.uscc = a.uscc"
             " JOIN inspection_tasks k ON k.id = a.task JOIN entities e ON e.uscc = a.uscc",
    .key = "task",
    .key_expr = "a.task",
    .fields = assignment_fields,
};

/* 一公开 as open data, in the LIVES layout (Local Inspector Value-Entry Specification,
 * https://www.yelp.com/healthscores): businesses, inspections and violations, the column
 * names and dates (YYYYMMDD) as it gives them; only published tasks. */
#define OUTCOME_TEXT                                                                               \
    "CASE t.outcome WHEN 'pass' THEN '未发现问题' WHEN 'rectify' THEN '责令整改' WHEN "   \
    "'interview' THEN '约谈' ELSE '立案查处' END"

static const struct field lives_business_fields[] = {
    {"business_id", FIELD_STRING, FIELD_READONLY, 0, "统一社会信用代码", "e.uscc"},
    {"name", FIELD_STRING, FIELD_READONLY, 0, "名称", "e.name"},
    {"address", FIELD_STRING, FIELD_READONLY, 0, "地址", "e.address"},
    {"city", FIELD_STRING, FIELD_READONLY, 0, "城市", "'聊城市'"},
    {"state", FIELD_STRING, FIELD_READONLY, 0, "省份", "'山东省'"},
    {"postal_code", FIELD_STRING, FIELD_READONLY, 0, "邮政编码", "''"},
    {"latitude", FIELD_STRING, FIELD_READONLY, 0, "纬度", "''"},
    {"longitude", FIELD_STRING, FIELD_READONLY, 0, "经度", "''"},
    {"phone_number", FIELD_STRING, FIELD_READONLY, 0, "电话", "''"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record inspections_lives_business = {
    .name = "lives_business",
    .label = "公示检查对象",
    .table = "entities",
    .from = " FROM entities e",
    .key = "business_id",
    .key_expr = "e.uscc",
    .fields = lives_business_fields,
};

static const struct field lives_inspection_fields[] = {
    {"business_id", FIELD_STRING, FIELD_READONLY, 0, "统一社会信用代码", "t.uscc"},
    {"score", FIELD_STRING, FIELD_READONLY, 0, "评分", "''"},
    {"date", FIELD_STRING, FIELD_READONLY, 0, "检查日期", "replace(t.inspected_on, '-', '')"},
    {"description", FIELD_STRING, FIELD_READONLY, 0, "检查结果",
     OUTCOME_TEXT " || CASE WHEN t.note IS NULL OR t.note = '' THEN '' ELSE '：' || t.note END"},
    {"type", FIELD_STRING, FIELD_READONLY, 0, "检查类型", "'routine'"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record inspections_lives_inspection = {
    .name = "lives_inspection",
    .label = "公示检查结果",
    .table = "inspection_targets",
    .from = " FROM inspection_targets t",
    .key = "business_id",
    .key_expr = "t.uscc",
    .fields = lives_inspection_fields,
};

static const struct field lives_violation_fields[] = {
    {"business_id", FIELD_STRING, FIELD_READONLY, 0, "统一社会信用代码", "t.uscc"},
    {"date", FIELD_STRING, FIELD_READONLY, 0, "检查日期", "replace(t.inspected_on, '-', '')"},
    {"code", FIELD_STRING, FIELD_READONLY, 0, "处理方式代码", "t.outcome"},
    {"description", FIELD_STRING, FIELD_READONLY, 0, "问题及处理",
     OUTCOME_TEXT " || CASE WHEN t.note IS NULL OR t.note = '' THEN '' ELSE '：' || t.note END"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record inspections_lives_violation = {
    .name = "lives_violation",
    .label = "公示违法行为",
    .table = "inspection_targets",
    .from = " FROM inspection_targets t",
    .key = "business_id",
    .key_expr = "t.uscc",
    .fields = lives_violation_fields,
};

/* 行政执法证 (GET /api/v1/inspectors, PUT /api/v1/inspectors/{id}/credential). */
const struct field inspections_credential_body[] = {
    {"cert_no", FIELD_STRING, FIELD_REQUIRED, 32, "执法证号", NULL},
    {"field", FIELD_STRING, FIELD_REQUIRED, 50, "执法领域", NULL},
    {"expires", FIELD_DATE, FIELD_REQUIRED, 10, "有效期至", NULL},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* The stored certificate (what PUT writes and its audit row compares); answers and lists
 * give the inspector around it (inspections_inspector). */
static const struct field credential_fields[] = {
    {"inspector", FIELD_INT, FIELD_INTERNAL, 0, "用户编号", "c.inspector"},
    {"cert_no", FIELD_STRING, FIELD_INTERNAL, 32, "执法证号", "c.cert_no"},
    {"field", FIELD_STRING, FIELD_INTERNAL, 50, "执法领域", "c.field"},
    {"expires", FIELD_DATE, FIELD_INTERNAL, 10, "有效期至", "c.expires"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* GET /api/v1/inspectors: every inspector, certified or not (the page that keeps
 * certificates lists those still without one); the certificate's fields are null then. */
static const struct field inspector_fields[] = {
    {"inspector", FIELD_INT, FIELD_READONLY, 0, "用户编号", "u.id"},
    {"username", FIELD_STRING, FIELD_READONLY, 0, "用户名", "u.username"},
    {"display_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "姓名", "u.display_name"},
    {"department", FIELD_INT, FIELD_READONLY | FIELD_NULLABLE, 0, "部门编号", "u.department"},
    {"department_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "部门", "d.name"},
    {"region", FIELD_STRING, FIELD_READONLY, 0, "区划代码", "u.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "行政区划", "r.name"},
    {"disabled", FIELD_BOOL, FIELD_READONLY, 0, "已停用", "u.disabled"},
    {"cert_no", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "执法证号", "c.cert_no"},
    {"field", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "执法领域", "c.field"},
    {"expires", FIELD_DATE, FIELD_READONLY | FIELD_NULLABLE, 0, "有效期至", "c.expires"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record inspections_inspector = {
    .name = "inspector",
    .label = "执法人员",
    .table = "users",
    .from = " FROM users u",
    .joins = " LEFT JOIN inspector_credentials c ON c.inspector = u.id"
             " LEFT JOIN departments d ON d.id = u.department"
             " LEFT JOIN regions r ON r.code = u.region",
    .key = "id",
    .key_expr = "u.id",
    .fields = inspector_fields,
};

struct record inspections_credential = {
    .name = "inspector_credential",
    .label = "行政执法证",
    .table = "inspector_credentials",
    .from = " FROM inspector_credentials c",
    .key = "inspector",
    .key_expr = "c.inspector",
    .stamp = "updated_at",
    .fields = credential_fields,
};

int inspections_stratum(const char *credit)
{
    return credit && credit[0] >= 'A' && credit[0] <= 'D' && !credit[1] ? credit[0] - 'A' : -1;
}

static const char *const grades[4] = {"A", "B", "C", "D"};
static const double default_ratios[4] = {0.03, 0.05, 0.10, 0.30};

#define BAD(f, ...) (*field = (f), snprintf(msg, cap, __VA_ARGS__), ERR_INVALID)

/* Whether a is an array (or absent) of integers (ints) or strings. */
static int array_of(json_t *a, int ints)
{
    size_t i;
    json_t *v;
    if (a && !json_is_array(a))
        return 0;
    json_array_foreach(a, i, v)
    {
        if (ints ? !json_is_integer(v) : !json_is_string(v))
            return 0;
    }
    return json_array_size(a) <= REGISTRY_SCOPE_MAX;
}

int inspections_check_task(const struct principal *p, json_t *v, const char **field, char *msg,
                           size_t cap)
{
    json_t *deps = json_object_get(v, "departments");
    if (!array_of(deps, 1) || !json_array_size(deps))
        return BAD("departments", "实施部门须为至少一个部门编号的数组");
    if (!array_of(json_object_get(v, "items"), 1))
        return BAD("items", "检查事项须为事项编号的数组");
    json_t *scope = json_object_get(v, "scope");
    if (!scope || json_is_null(scope))
        json_object_set_new(v, "scope", scope = json_object());
    static const char *const lists[] = {"regions", "chains", "kinds", "tiers", "industries"};
    for (int i = 0; i < 5; i++)
        if (!array_of(json_object_get(scope, lists[i]), i == 1))
            return BAD("scope", "抽查范围的 %s 须为%s的数组（至多 %d 个）", lists[i],
                       i == 1 ? "整数" : "字符串", REGISTRY_SCOPE_MAX);
    size_t k;
    json_t *code;
    json_array_foreach(json_object_get(scope, "industries"), k, code)
    {
        if (!registry_industry_prefix_ok(json_string_value(code)))
            return BAD("scope", "行业须为国民经济行业分类代码或其前缀（如 H62、F5221）：%s",
                       json_string_value(code));
    }
    /* A county user's task stays in its county. */
    const char *own = scope_region(p);
    json_t *regions = json_object_get(scope, "regions");
    if (own && !json_array_size(regions))
        json_object_set_new(scope, "regions", json_pack("[s]", own));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(scope, "regions"), i, r)
    {
        if (own && strcmp(json_string_value(r), own))
            return *field = "scope", snprintf(msg, cap, "只能为本辖区创建抽查任务"), ERR_FORBIDDEN;
    }
    json_t *ratios = json_object_get(v, "ratios"), *out = json_object();
    if (ratios && !json_is_null(ratios) && !json_is_object(ratios)) {
        json_decref(out);
        return BAD("ratios", "抽查比例须为对象");
    }
    for (int g = 0; g < 4; g++) {
        json_t *x = json_object_get(ratios, grades[g]);
        double d = x ? json_number_value(x) : default_ratios[g];
        if ((x && !json_is_number(x)) || d < 0 || d > 1) {
            json_decref(out);
            return BAD("ratios", "%s 级抽查比例须为 0 到 1 之间的数", grades[g]);
        }
        json_object_set_new(out, grades[g], json_real(d));
    }
    json_object_set_new(v, "ratios", out);
    json_t *pool = json_object_get(v, "inspector_pool");
    if (!pool || json_is_null(pool))
        json_object_set_new(v, "inspector_pool", pool = json_object());
    if (!array_of(json_object_get(pool, "departments"), 1) ||
        !array_of(json_object_get(pool, "regions"), 0) ||
        !array_of(json_object_get(pool, "fields"), 0))
        return BAD("inspector_pool", "检查人员库须为 {departments: [部门编号], regions: [区划代码],"
                                     " fields: [执法领域]}");
    if (!json_array_size(json_object_get(pool, "departments"))) /* the task's own inspectors */
        json_object_set(pool, "departments", deps);
    json_t *period = json_object_get(v, "period");
    const char *from = json_string_value(json_object_get(period, "from")),
               *to = json_string_value(json_object_get(period, "to"));
    int32_t a, b;
    if (!from || !to || date_parse(from, strlen(from), &a) || date_parse(to, strlen(to), &b))
        return BAD("period", "检查期间须为 {from, to}，日期格式 YYYY-MM-DD");
    if (b < a)
        return BAD("period", "检查期间的结束日期不能早于开始日期");
    if (!json_object_get(v, "inspectors_per_target") ||
        json_is_null(json_object_get(v, "inspectors_per_target")))
        json_object_set_new(v, "inspectors_per_target", json_integer(2));
    if (!json_is_boolean(json_object_get(v, "exclude_inspected")))
        json_object_set_new(v, "exclude_inspected", json_true());
    if (!json_object_get(v, "items") || json_is_null(json_object_get(v, "items")))
        json_object_set_new(v, "items", json_array());
    return 0;
}

void inspections_population_line(const char *uscc, const char *credit, char out[32])
{
    snprintf(out, 32, "%s %s", uscc, credit);
}

/* ---- what a committed task fixed ---- */

struct member {
    char uscc[20], credit[2], region[16];
    int excluded;
};

struct fixed {
    struct member *m;
    size_t n, cap;
    struct draw_inspector *pool;
    size_t npool, cap_pool;
    struct relation {
        int64_t pos, pool_pos;
        int kind;
    } * rel;
    size_t nrel, cap_rel;
    json_t *task;
};

static void fixed_free(struct fixed *f)
{
    free(f->m);
    free(f->pool);
    free(f->rel);
    json_decref(f->task);
}

/* Makes room in array p of *cap elements of size bytes for one more after the n it holds. */
static void *room(void *p, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? 2 * *cap : 256;
    return xrealloc(p, *cap * size);
}

static int add_member(void *arg, const char *uscc, const char *credit, const char *region)
{
    struct fixed *f = arg;
    f->m = room(f->m, f->n, &f->cap, sizeof *f->m);
    struct member *m = &f->m[f->n++];
    snprintf(m->uscc, sizeof m->uscc, "%s", uscc);
    snprintf(m->credit, sizeof m->credit, "%s", credit);
    snprintf(m->region, sizeof m->region, "%s", region);
    m->excluded = 0;
    return 0;
}

static int add_inspector(void *arg, int64_t id, int64_t department)
{
    struct fixed *f = arg;
    f->pool = room(f->pool, f->npool, &f->cap_pool, sizeof *f->pool);
    f->pool[f->npool++] = (struct draw_inspector){id, department};
    return 0;
}

static void add_relation(struct fixed *f, int64_t pos, int64_t pool_pos, int kind)
{
    f->rel = room(f->rel, f->nrel, &f->cap_rel, sizeof *f->rel);
    f->rel[f->nrel++] = (struct relation){pos, pool_pos, kind};
}

static int cmp_relation(const void *a, const void *b)
{
    const struct relation *x = a, *y = b;
    return x->pos != y->pos             ? (x->pos < y->pos ? -1 : 1)
           : x->pool_pos != y->pool_pos ? (x->pool_pos < y->pool_pos ? -1 : 1)
                                        : 0;
}

/* The member whose code is uscc (members in code order), or -1. */
static int64_t member_at(const struct fixed *f, const char *uscc)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(f->m[mid].uscc, uscc);
        if (!c)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int64_t pool_at(const struct fixed *f, int64_t inspector)
{
    for (size_t i = 0; i < f->npool; i++)
        if (f->pool[i].id == inspector)
            return (int64_t)i;
    return -1;
}

static int read_task(struct db *db, int64_t id, json_t **out)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return rec_get(db, &inspections_task, key, out);
}

/* The task's ratios as the strata's, A to D. */
static void ratios_of(json_t *task, double out[4])
{
    json_t *r = json_object_get(task, "ratios");
    for (int g = 0; g < 4; g++)
        out[g] = json_number_value(json_object_get(r, grades[g]));
}

static int exec_bind(struct db *w, const char *sql, int64_t a, int64_t b, const char *text)
{
    struct db_stmt *st = NULL;
    int rc = db_prepare(w, sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, a);
    if (!rc && b >= 0)
        rc = db_bind_int(st, 2, b);
    if (!rc && text)
        rc = db_bind_text(st, b >= 0 ? 3 : 2, text, -1);
    return rc ? rc : db_run(st);
}

/* Marks the members inspected within the task's period (by any task's recorded result). */
static int mark_inspected(struct db *w, struct fixed *f, json_t *period)
{
    struct db_stmt *st = NULL;
    int rc = db_prepare(w,
                        "SELECT DISTINCT uscc FROM inspection_targets WHERE inspected_on >= ?"
                        " AND inspected_on <= ?",
                        &st),
        step = DB_DONE;
    if (!rc)
        rc = db_bind_text(st, 1, json_string_value(json_object_get(period, "from")), -1);
    if (!rc)
        rc = db_bind_text(st, 2, json_string_value(json_object_get(period, "to")), -1);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        int64_t at = member_at(f, db_col_text(st, 0));
        if (at >= 0)
            f->m[at].excluded = 1;
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}

/* The relations of pool and population: conflicts, then each member's previous team. */
static int find_relations(struct db *w, struct fixed *f, int64_t task)
{
    struct db_stmt *st = NULL;
    int rc = db_prepare(w, "SELECT inspector, uscc FROM inspection_conflicts", &st), step = DB_DONE;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        int64_t p = pool_at(f, db_col_int(st, 0)), m = member_at(f, db_col_text(st, 1));
        if (p >= 0 && m >= 0)
            add_relation(f, m, p, 2);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    /* The previous task of each entity is its newest task before this one. */
    if (!rc)
        rc = db_prepare(w,
                        "SELECT a.uscc, a.inspector, a.task FROM inspection_assignments a"
                        " WHERE a.task < ? ORDER BY a.uscc, a.task DESC",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, task);
    char last[20] = "";
    int64_t last_task = 0;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        const char *uscc = db_col_text(st, 0);
        if (strcmp(uscc, last)) {
            snprintf(last, sizeof last, "%s", uscc);
            last_task = db_col_int(st, 2);
        }
        if (db_col_int(st, 2) != last_task)
            continue;
        int64_t p = pool_at(f, db_col_int(st, 1)), m = member_at(f, uscc);
        if (p >= 0 && m >= 0)
            add_relation(f, m, p, 1);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    /* A conflict outweighs a previous team: keep the stronger of two relations of a pair. */
    if (f->nrel > 1)
        qsort(f->rel, f->nrel, sizeof *f->rel, cmp_relation);
    size_t out = 0;
    for (size_t i = 0; i < f->nrel; i++) {
        if (out && !cmp_relation(&f->rel[out - 1], &f->rel[i])) {
            if (f->rel[i].kind > f->rel[out - 1].kind)
                f->rel[out - 1].kind = f->rel[i].kind;
            continue;
        }
        f->rel[out++] = f->rel[i];
    }
    f->nrel = out;
    return rc;
}

/* A committed task's counts per credit stratum (A-D). */
struct strata {
    size_t population[4], excluded[4], eligible[4], expected[4];
    size_t lacking[4]; /* eligible members who could not be given a full team (回避) */
};

/* Whether inspector i of the pool may inspect member pos: not a conflict of interest. */
static int conflicted(const struct fixed *f, size_t pos, size_t i);

/* Whether the pool as a whole can staff a team: need inspectors, one of each department of a
 * joint task among them (nd departments deps). */
static int pool_staffs(const struct fixed *f, size_t need, json_t *deps, size_t nd)
{
    if (f->npool < need)
        return 0;
    for (size_t d = 0; d < nd; d++) {
        size_t have = 0;
        for (size_t i = 0; i < f->npool && !have; i++)
            have = f->pool[i].department == json_integer_value(json_array_get(deps, d));
        if (!have)
            return 0;
    }
    return 1;
}

static void count_strata(const struct fixed *f, size_t need, struct strata *s)
{
    *s = (struct strata){0};
    double ratios[4];
    ratios_of(f->task, ratios);
    for (size_t m = 0; m < f->n; m++) {
        int g = inspections_stratum(f->m[m].credit);
        if (g < 0)
            continue;
        s->population[g]++;
        s->excluded[g] += f->m[m].excluded;
        s->eligible[g] += !f->m[m].excluded;
    }
    for (int g = 0; g < 4; g++)
        s->expected[g] = draw_quota(s->eligible[g], ratios[g]);
    /* With a pool that can staff a team, only a member with conflicts of interest can be left
     * without one: count, per member with any, the inspectors free to go (relations are in
     * member order). */
    json_t *deps = json_object_get(f->task, "departments");
    size_t nd = json_array_size(deps) > 1 ? json_array_size(deps) : 0;
    if (!pool_staffs(f, need, deps, nd))
        return;
    for (size_t r = 0; r < f->nrel;) {
        size_t pos = (size_t)f->rel[r].pos, any = 0;
        for (; r < f->nrel && (size_t)f->rel[r].pos == pos; r++)
            any |= f->rel[r].kind == 2;
        int g = inspections_stratum(f->m[pos].credit);
        if (!any || g < 0 || f->m[pos].excluded)
            continue;
        size_t free = 0, depts = 0;
        for (size_t i = 0; i < f->npool; i++)
            free += !conflicted(f, pos, i);
        for (size_t d = 0; d < nd; d++)
            for (size_t i = 0; i < f->npool; i++)
                if (f->pool[i].department == json_integer_value(json_array_get(deps, d)) &&
                    !conflicted(f, pos, i)) {
                    depts++;
                    break;
                }
        s->lacking[g] += free < need || depts < nd;
    }
}

static void add_short(json_t *a, const char *key, json_t *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_short(json_t *a, const char *key, json_t *value, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(a, json_pack("{so ss}", key, value, "message", msg));
}

/* The shortfalls that stop a commit, each {"grade" | "department", "message"}: per stratum
 * whose expected draws a pool smaller than a team cannot staff, or with members whom the
 * conflicts of interest leave without a full team; per department of a joint task with no
 * inspector in the pool. Empty when the task can be drawn. */
static json_t *shortfalls(const struct fixed *f, const struct strata *s, size_t need)
{
    json_t *a = json_array();
    for (int g = 0; g < 4; g++) {
        if (s->expected[g] && f->npool < need)
            add_short(a, "grade", json_string(grades[g]),
                      "%s 级预计抽取 %zu 户，每户需 %zu 名检查人员，人员库仅 %zu 名，缺 %zu 名",
                      grades[g], s->expected[g], need, f->npool, need - f->npool);
        else if (s->lacking[g])
            add_short(a, "grade", json_string(grades[g]),
                      "%s 级有 %zu 户因回避可派检查人员不足 %zu 名", grades[g], s->lacking[g],
                      need);
    }
    json_t *deps = json_object_get(f->task, "departments");
    size_t i;
    json_t *d;
    if (json_array_size(deps) > 1)
        json_array_foreach(deps, i, d)
        {
            size_t have = 0;
            for (size_t p = 0; p < f->npool; p++)
                have += f->pool[p].department == json_integer_value(d);
            const char *name = refdata_department_name(json_integer_value(d));
            if (!have)
                add_short(a, "department", json_integer(json_integer_value(d)),
                          "联合检查的部门「%s」在人员库中没有检查人员",
                          name ? name : "（未知部门）");
        }
    return a;
}

static int load_fixed(struct db *db, int64_t id, struct fixed *f)
{
    *f = (struct fixed){0};
    int rc = read_task(db, id, &f->task), step = DB_DONE;
    struct db_stmt *st = NULL;
    if (!rc)
        rc = db_prepare(db,
                        "SELECT uscc, credit, region, excluded FROM inspection_population"
                        " WHERE task = ? ORDER BY pos",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        add_member(f, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2));
        f->m[f->n - 1].excluded = (int)db_col_int(st, 3);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (!rc)
        rc = db_prepare(db,
                        "SELECT inspector, department FROM inspection_pool WHERE task = ?"
                        " ORDER BY pos",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW)
        add_inspector(f, db_col_int(st, 0), db_col_int(st, 1));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    if (!rc)
        rc = db_prepare(db,
                        "SELECT pos, pool_pos, kind FROM inspection_relations WHERE task = ?"
                        " ORDER BY pos, pool_pos",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW)
        add_relation(f, db_col_int(st, 0), db_col_int(st, 1), (int)db_col_int(st, 2));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    return rc;
}

static int conflicted(const struct fixed *f, size_t pos, size_t i)
{
    struct relation key = {(int64_t)pos, (int64_t)i, 0};
    const struct relation *r =
        f->nrel ? bsearch(&key, f->rel, f->nrel, sizeof *f->rel, cmp_relation) : NULL;
    return r && r->kind == 2;
}

/* Keeps in f's pool the inspectors whose 执法证 is valid today, of one of fields when that
 * array is not empty, in the order they came. */
static int keep_certified(struct db *db, struct fixed *f, json_t *fields)
{
    char today[DATE_LEN + 1];
    date_format(date_today(), today);
    struct db_stmt *st = NULL;
    int64_t *ok = NULL;
    size_t n = 0, cap = 0;
    int rc = db_prepare(db,
                        "SELECT inspector, field FROM inspector_credentials WHERE expires >= ?"
                        " ORDER BY inspector",
                        &st),
        step = DB_DONE;
    if (!rc)
        rc = db_bind_text(st, 1, today, -1);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        int keep = !json_array_size(fields);
        size_t k;
        json_t *x;
        json_array_foreach(fields, k, x)
        {
            keep |= !strcmp(json_string_value(x), db_col_text(st, 1));
        }
        if (!keep)
            continue;
        ok = room(ok, n, &cap, sizeof *ok);
        ok[n++] = db_col_int(st, 0);
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    size_t out = 0;
    for (size_t i = 0; !rc && i < f->npool; i++) {
        size_t lo = 0, hi = n;
        while (lo < hi) { /* ok is in id order */
            size_t mid = (lo + hi) / 2;
            if (ok[mid] < f->pool[i].id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n && ok[lo] == f->pool[i].id)
            f->pool[out++] = f->pool[i];
    }
    if (!rc)
        f->npool = out;
    free(ok);
    return rc;
}

/* Gathers what a commit of f->task fixes: the population in scope in code order (those
 * inspected in the period marked when the task says so), the inspector pool, and the
 * relations between them; before is the task's id (previous teams come from older tasks). */
static int gather(struct db *db, struct fixed *f, int64_t before)
{
    json_t *scope = json_object_get(f->task, "scope"),
           *pool = json_object_get(f->task, "inspector_pool");
    int rc = registry_population(db, scope, add_member, f);
    if (!rc && json_is_true(json_object_get(f->task, "exclude_inspected")))
        rc = mark_inspected(db, f, json_object_get(f->task, "period"));
    if (!rc)
        rc = accounts_each_of_role(db, ROLE_INSPECTOR, json_object_get(pool, "departments"),
                                   json_object_get(pool, "regions"), add_inspector, f);
    if (!rc)
        rc = keep_certified(db, f, json_object_get(pool, "fields"));
    if (!rc)
        rc = find_relations(db, f, before);
    return rc;
}

static size_t team_size(json_t *task)
{
    return (size_t)json_integer_value(json_object_get(task, "inspectors_per_target"));
}

int inspections_preview(struct db *db, json_t *task, json_t **out)
{
    struct fixed f = {.task = json_incref(task)};
    int rc = gather(db, &f, INT64_MAX);
    if (rc) {
        fixed_free(&f);
        return rc;
    }
    size_t need = team_size(task), sum[4] = {0};
    struct strata s;
    count_strata(&f, need, &s);
    double ratios[4];
    ratios_of(task, ratios);
    json_t *strata = json_array(), *depts = json_array();
    for (int g = 0; g < 4; g++) {
        json_array_append_new(strata, json_pack("{ss sI sI sI sf sI}", "grade", grades[g],
                                                "population", (json_int_t)s.population[g],
                                                "excluded", (json_int_t)s.excluded[g], "eligible",
                                                (json_int_t)s.eligible[g], "ratio", ratios[g],
                                                "expected", (json_int_t)s.expected[g]));
        sum[0] += s.population[g];
        sum[1] += s.excluded[g];
        sum[2] += s.expected[g];
    }
    size_t i;
    json_t *d;
    json_t *deps = json_object_get(task, "departments");
    json_array_foreach(deps, i, d)
    {
        size_t have = 0;
        for (size_t p = 0; p < f.npool; p++)
            have += f.pool[p].department == json_integer_value(d);
        const char *name = refdata_department_name(json_integer_value(d));
        json_array_append_new(depts, json_pack("{sI ss sI sI}", "id", json_integer_value(d), "name",
                                               name ? name : "", "pool", (json_int_t)have, "needed",
                                               json_array_size(deps) > 1 ? 1 : 0));
    }
    *out = json_pack("{sI sI sI so s{sI sI so} so}", "population", (json_int_t)sum[0], "excluded",
                     (json_int_t)sum[1], "expected", (json_int_t)sum[2], "strata", strata,
                     "inspectors", "pool", (json_int_t)f.npool, "needed", (json_int_t)need,
                     "departments", depts, "shortfall", shortfalls(&f, &s, need));
    fixed_free(&f);
    return 0;
}

/* SHA-256 over the population lines of the members in the draw (inspections.h). */
static void population_hash(const struct fixed *f, unsigned char out[DRAW_HASH_LEN])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (size_t i = 0; i < f->n; i++) {
        const struct member *m = &f->m[i];
        if (m->excluded || inspections_stratum(m->credit) < 0)
            continue;
        char line[32];
        inspections_population_line(m->uscc, m->credit, line);
        crypto_hash_sha256_update(&h, (const unsigned char *)line, strlen(line));
        crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
    }
    crypto_hash_sha256_final(&h, out);
}

int inspections_commit(struct db *w, int64_t id, char *msg, size_t cap)
{
    struct fixed f = {0};
    int rc = read_task(w, id, &f.task);
    if (!rc)
        rc = gather(w, &f, id);
    size_t need = team_size(f.task);
    struct strata s;
    count_strata(&f, need, &s);
    size_t included = s.eligible[0] + s.eligible[1] + s.eligible[2] + s.eligible[3];
    if (!rc && !included) {
        snprintf(msg, cap, "抽查范围内没有可抽取的市场主体（范围内 %zu 户，均已排除或无信用等级）",
                 f.n);
        rc = ERR_INVALID;
    }
    json_t *short_list = rc ? NULL : shortfalls(&f, &s, need);
    if (json_array_size(short_list)) { /* every shortfall, one sentence each */
        size_t at = 0, i;
        json_t *x;
        msg[0] = '\0';
        json_array_foreach(short_list, i, x)
        {
            int n = snprintf(msg + at, cap - at, "%s%s", i ? "；" : "",
                             json_string_value(json_object_get(x, "message")));
            if (n < 0 || (size_t)n >= cap - at)
                break;
            at += (size_t)n;
        }
        rc = ERR_INVALID;
    }
    json_decref(short_list);
    /* Fix it all, then the commitment. */
    struct db_stmt *load = NULL;
    if (!rc)
        rc = db_load_begin(w,
                           "INSERT INTO inspection_population(task, pos, uscc, credit, region,"
                           " excluded) VALUES (?, ?, ?, ?, ?, ?)",
                           &load);
    for (size_t i = 0; !rc && i < f.n; i++) {
        const struct member *m = &f.m[i];
        rc = db_bind_int(load, 1, id);
        if (!rc)
            rc = db_bind_int(load, 2, (int64_t)i);
        if (!rc)
            rc = db_bind_text(load, 3, m->uscc, -1);
        if (!rc)
            rc = db_bind_text(load, 4, m->credit, -1);
        if (!rc)
            rc = db_bind_text(load, 5, m->region, -1);
        if (!rc)
            rc = db_bind_int(load, 6, m->excluded);
        if (!rc)
            rc = db_load_row(load);
    }
    if (load)
        rc = db_load_end(load, rc);
    load = NULL;
    if (!rc && f.npool)
        rc = db_load_begin(w,
                           "INSERT INTO inspection_pool(task, pos, inspector, department)"
                           " VALUES (?, ?, ?, ?)",
                           &load);
    for (size_t i = 0; !rc && i < f.npool; i++) {
        rc = db_bind_int(load, 1, id);
        if (!rc)
            rc = db_bind_int(load, 2, (int64_t)i);
        if (!rc)
            rc = db_bind_int(load, 3, f.pool[i].id);
        if (!rc)
            rc = db_bind_int(load, 4, f.pool[i].department);
        if (!rc)
            rc = db_load_row(load);
    }
    if (load)
        rc = db_load_end(load, rc);
    load = NULL;
    if (!rc && f.nrel)
        rc = db_load_begin(w,
                           "INSERT INTO inspection_relations(task, pos, pool_pos, kind)"
                           " VALUES (?, ?, ?, ?)",
                           &load);
    for (size_t i = 0; !rc && i < f.nrel; i++) {
        rc = db_bind_int(load, 1, id);
        if (!rc)
            rc = db_bind_int(load, 2, f.rel[i].pos);
        if (!rc)
            rc = db_bind_int(load, 3, f.rel[i].pool_pos);
        if (!rc)
            rc = db_bind_int(load, 4, f.rel[i].kind);
        if (!rc)
            rc = db_load_row(load);
    }
    if (load)
        rc = db_load_end(load, rc);
    if (!rc) {
        unsigned char seed[DRAW_SEED_LEN], hash[DRAW_HASH_LEN], pop[DRAW_HASH_LEN];
        char seed_hex[2 * DRAW_SEED_LEN + 1], hash_hex[2 * DRAW_HASH_LEN + 1],
            pop_hex[2 * DRAW_HASH_LEN + 1];
        randombytes_buf(seed, sizeof seed);
        draw_seed_hash(seed, hash);
        population_hash(&f, pop);
        draw_hex(seed, sizeof seed, seed_hex);
        draw_hex(hash, sizeof hash, hash_hex);
        draw_hex(pop, sizeof pop, pop_hex);
        sodium_memzero(seed, sizeof seed);
        struct db_stmt *st = NULL;
        rc = db_prepare(w,
                        "UPDATE inspection_tasks SET status = 'committed', seed = ?, seed_hash = ?,"
                        " population_hash = ?, population_size = ?, committed_at = ?,"
                        " updated_at = ? WHERE id = ?",
                        &st);
        int64_t now = time_now();
        if (!rc)
            rc = db_bind_text(st, 1, seed_hex, -1);
        if (!rc)
            rc = db_bind_text(st, 2, hash_hex, -1);
        if (!rc)
            rc = db_bind_text(st, 3, pop_hex, -1);
        if (!rc)
            rc = db_bind_int(st, 4, (int64_t)included);
        if (!rc)
            rc = db_bind_int(st, 5, now);
        if (!rc)
            rc = db_bind_int(st, 6, now);
        if (!rc)
            rc = db_bind_int(st, 7, id);
        if (!rc)
            rc = db_run(st);
        sodium_memzero(seed_hex, sizeof seed_hex);
    }
    fixed_free(&f);
    return rc;
}

/* ---- the draw, from what was fixed ---- */

struct relation_arg {
    const struct fixed *f;
    const size_t *targets;
};

static int relation_of(void *arg, size_t target, size_t inspector)
{
    const struct relation_arg *a = arg;
    if (!a->f->nrel)
        return 0;
    struct relation key = {(int64_t)a->targets[target], (int64_t)inspector, 0};
    const struct relation *r =
        bsearch(&key, a->f->rel, a->f->nrel, sizeof *a->f->rel, cmp_relation);
    return r ? r->kind : 0;
}

/* Runs the draw of f under seed: targets (member positions) and teams (pool positions). */
static size_t run(const struct fixed *f, const unsigned char seed[DRAW_SEED_LEN], size_t *targets,
                  size_t *ntargets, size_t *teams, size_t per_target)
{
    int *strata = xmalloc((f->n ? f->n : 1) * sizeof *strata);
    for (size_t i = 0; i < f->n; i++)
        strata[i] = f->m[i].excluded ? -1 : inspections_stratum(f->m[i].credit);
    double ratios[4];
    ratios_of(f->task, ratios);
    json_t *deps = json_object_get(f->task, "departments");
    size_t nd = json_array_size(deps) > 1 ? json_array_size(deps) : 0;
    int64_t departments[REGISTRY_SCOPE_MAX];
    for (size_t i = 0; i < nd && i < REGISTRY_SCOPE_MAX; i++)
        departments[i] = json_integer_value(json_array_get(deps, i));
    struct relation_arg arg = {f, targets};
    struct draw_teams t = {f->pool, f->npool,    per_target, nd ? departments : NULL,
                           nd,      relation_of, &arg};
    size_t failed = draw_run(strata, f->n, ratios, 4, seed, &t, targets, ntargets, teams);
    free(strata);
    return failed;
}

static int seed_of(json_t *task, struct db *db, int64_t id, unsigned char seed[DRAW_SEED_LEN])
{
    (void)task;
    struct db_stmt *st = NULL;
    int rc = db_prepare(db, "SELECT seed FROM inspection_tasks WHERE id = ?", &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_row(st);
    if (!rc && draw_unhex(db_col_text(st, 0), seed, DRAW_SEED_LEN))
        rc = ERR_CONFLICT; /* not committed */
    db_done(st);
    return rc;
}

static json_t *team_json(const struct fixed *f, const size_t *team, size_t k)
{
    json_t *a = json_array();
    for (size_t j = 0; j < k; j++)
        json_array_append_new(a, json_integer(f->pool[team[j]].id));
    return a;
}

int inspections_draw(struct db *w, int64_t id, char *msg, size_t cap)
{
    struct fixed f;
    unsigned char seed[DRAW_SEED_LEN];
    int rc = load_fixed(w, id, &f);
    if (!rc)
        rc = seed_of(f.task, w, id, seed);
    size_t k = (size_t)json_integer_value(json_object_get(f.task, "inspectors_per_target"));
    size_t *targets = xmalloc((f.n ? f.n : 1) * sizeof *targets);
    size_t *teams = xmalloc((f.n ? f.n : 1) * (k ? k : 1) * sizeof *teams), n = 0;
    size_t failed = rc ? 0 : run(&f, seed, targets, &n, teams, k);
    if (failed) {
        snprintf(msg, cap, "抽中的 %s 没有足够的可派检查人员（回避后不足 %zu 名）",
                 f.m[targets[failed - 1]].uscc, k);
        rc = ERR_INVALID;
    }
    struct db_stmt *load = NULL;
    if (!rc && n)
        rc = db_load_begin(w,
                           "INSERT INTO inspection_targets(task, uscc, credit, region, team)"
                           " VALUES (?, ?, ?, ?, ?)",
                           &load);
    for (size_t i = 0; !rc && i < n; i++) {
        const struct member *m = &f.m[targets[i]];
        json_t *team = team_json(&f, teams + i * k, k);
        char *text = json_dumps(team, JSON_COMPACT);
        rc = db_bind_int(load, 1, id);
        if (!rc)
            rc = db_bind_text(load, 2, m->uscc, -1);
        if (!rc)
            rc = db_bind_text(load, 3, m->credit, -1);
        if (!rc)
            rc = db_bind_text(load, 4, m->region, -1);
        if (!rc)
            rc = db_bind_text(load, 5, text, -1);
        if (!rc)
            rc = db_load_row(load);
        free(text);
        json_decref(team);
    }
    if (load)
        rc = db_load_end(load, rc);
    load = NULL;
    if (!rc && n)
        rc = db_load_begin(w,
                           "INSERT INTO inspection_assignments(task, uscc, inspector)"
                           " VALUES (?, ?, ?)",
                           &load);
    for (size_t i = 0; !rc && i < n * k; i++) {
        rc = db_bind_int(load, 1, id);
        if (!rc)
            rc = db_bind_text(load, 2, f.m[targets[i / k]].uscc, -1);
        if (!rc)
            rc = db_bind_int(load, 3, f.pool[teams[i]].id);
        if (!rc)
            rc = db_load_row(load);
    }
    if (load)
        rc = db_load_end(load, rc);
    if (!rc) {
        struct db_stmt *st = NULL;
        int64_t now = time_now();
        rc = db_prepare(w,
                        "UPDATE inspection_tasks SET status = 'drawn', drawn_count = ?,"
                        " drawn_at = ?, updated_at = ? WHERE id = ?",
                        &st);
        if (!rc)
            rc = db_bind_int(st, 1, (int64_t)n);
        if (!rc)
            rc = db_bind_int(st, 2, now);
        if (!rc)
            rc = db_bind_int(st, 3, now);
        if (!rc)
            rc = db_bind_int(st, 4, id);
        if (!rc)
            rc = db_run(st);
    }
    sodium_memzero(seed, sizeof seed);
    free(targets);
    free(teams);
    fixed_free(&f);
    return rc;
}

int inspections_verify(struct db *db, int64_t id, const char *seed_hex,
                       struct inspections_check *out)
{
    struct fixed f;
    unsigned char seed[DRAW_SEED_LEN], hash[DRAW_HASH_LEN];
    char hex[2 * DRAW_HASH_LEN + 1];
    *out = (struct inspections_check){0};
    int rc = load_fixed(db, id, &f);
    if (!rc && !json_is_string(json_object_get(f.task, "drawn_at")))
        rc = ERR_CONFLICT; /* nothing drawn to compare with */
    if (!rc && seed_hex && draw_unhex(seed_hex, seed, DRAW_SEED_LEN))
        rc = ERR_INVALID;
    else if (!rc && !seed_hex)
        rc = seed_of(f.task, db, id, seed);
    if (!rc) {
        draw_seed_hash(seed, hash);
        draw_hex(hash, sizeof hash, hex);
        out->seed_hash = !strcmp(hex, json_string_value(json_object_get(f.task, "seed_hash")));
        population_hash(&f, hash);
        draw_hex(hash, sizeof hash, hex);
        out->population_hash =
            !strcmp(hex, json_string_value(json_object_get(f.task, "population_hash")));
    }
    size_t k = team_size(f.task);
    size_t *targets = xmalloc((f.n ? f.n : 1) * sizeof *targets);
    size_t *teams = xmalloc((f.n ? f.n : 1) * (k ? k : 1) * sizeof *teams), n = 0;
    if (!rc && run(&f, seed, targets, &n, teams, k))
        n = (size_t)-1; /* the draw cannot be made again: no match */
    /* The stored draw, in code order, as the draw lists its targets. */
    struct db_stmt *st = NULL;
    size_t i = 0;
    int same = !rc && n != (size_t)-1, step = DB_DONE;
    if (!rc)
        rc = db_prepare(
            db, "SELECT uscc, team FROM inspection_targets WHERE task = ? ORDER BY uscc", &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW) {
        if (!same || i >= n || strcmp(f.m[targets[i]].uscc, db_col_text(st, 0))) {
            same = 0;
            continue;
        }
        json_t *stored = json_loads(db_col_text(st, 1), 0, NULL),
               *again = team_json(&f, teams + i * k, k);
        same = stored && json_equal(stored, again);
        json_decref(stored);
        json_decref(again);
        i++;
    }
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    out->draw = !rc && same && i == n;
    out->match = out->draw && out->seed_hash && out->population_hash;
    sodium_memzero(seed, sizeof seed);
    free(targets);
    free(teams);
    fixed_free(&f);
    return rc;
}

/* ---- the task's life ---- */

static const struct {
    const char *from, *action, *refusal;
} steps[] = {
    [INSPECTIONS_COMMIT] = {"|draft|", "inspection_task.commit", "只有草稿状态的任务可以提交承诺"},
    [INSPECTIONS_DRAW] = {"|committed|", "inspection_task.draw",
                          "只有已承诺且尚未抽取的任务可以抽取"},
    [INSPECTIONS_COMPLETE] = {"|drawn|in_progress|", "inspection_task.complete",
                              "只有已抽取或检查中的任务可以完成"},
    [INSPECTIONS_PUBLISH] = {"|completed|", "inspection_task.publish", "只有已完成的任务可以公示"},
};

const char *inspections_step_action(enum inspections_step s)
{
    return steps[s].action;
}

int inspections_publication_late(int32_t due, int32_t published, int32_t today)
{
    if (due < 0)
        return 0;
    return published >= 0 ? published > due : today > due;
}

/* Runs sql, a fixed UPDATE of task id for complete or publish, binding now to its first two
 * `?`, then text (or, when NULL, flag), then id. */
static int stamp(struct db *w, int64_t id, const char *sql, const char *text, int64_t flag)
{
    struct db_stmt *st = NULL;
    int64_t now = time_now();
    int rc = db_prepare(w, sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, now);
    if (!rc)
        rc = db_bind_int(st, 2, now);
    if (!rc)
        rc = text ? db_bind_text(st, 3, text, -1) : db_bind_int(st, 3, flag);
    if (!rc)
        rc = db_bind_int(st, 4, id);
    return rc ? rc : db_run(st);
}

int inspections_step(struct db *w, int64_t id, const char *status, enum inspections_step s,
                     char *msg, size_t cap)
{
    char key[24];
    snprintf(key, sizeof key, "|%s|", status);
    if (!strstr(steps[s].from, key)) {
        snprintf(msg, cap, "%s", steps[s].refusal);
        return ERR_CONFLICT;
    }
    char due[DATE_LEN + 1];
    switch (s) {
    case INSPECTIONS_COMMIT: return inspections_commit(w, id, msg, cap);
    case INSPECTIONS_DRAW: return inspections_draw(w, id, msg, cap);
    case INSPECTIONS_COMPLETE:
        date_format(refdata_add_workdays(date_today(), INSPECTIONS_PUBLISH_DAYS), due);
        return stamp(w, id,
                     "UPDATE inspection_tasks SET status = 'completed', completed_at = ?,"
                     " updated_at = ?, publish_due = ? WHERE id = ?",
                     due, 0);
    case INSPECTIONS_PUBLISH: {
        struct db_stmt *st = NULL;
        int32_t day = -1;
        int rc = db_prepare(w, "SELECT publish_due FROM inspection_tasks WHERE id = ?", &st);
        if (!rc)
            rc = db_bind_int(st, 1, id);
        if (!rc)
            rc = db_row(st);
        const char *text = rc ? NULL : db_col_text(st, 0);
        if (text && date_parse(text, strlen(text), &day))
            day = -1;
        db_done(st);
        int late = inspections_publication_late(day, date_today(), date_today());
        return rc ? rc
                  : stamp(w, id,
                          "UPDATE inspection_tasks SET status = 'published', published_at = ?,"
                          " updated_at = ?, published_late = ? WHERE id = ?",
                          NULL, late);
    }
    }
    return ERR_INTERNAL;
}

/* ---- results ---- */

int inspections_may_record(const char *status, int on_team, const struct principal *p)
{
    if (strcmp(status, "drawn") && strcmp(status, "in_progress"))
        return ERR_CONFLICT;
    return on_team || p->role == ROLE_BUREAU ? 0 : ERR_FORBIDDEN;
}

int inspections_in_pool(struct db *db, int64_t id, int64_t user)
{
    struct db_stmt *st = NULL;
    int rc = db_prepare(db, "SELECT 1 FROM inspection_pool WHERE task = ? AND inspector = ?", &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_bind_int(st, 2, user);
    if (!rc)
        rc = db_row(st);
    db_done(st);
    return rc;
}

int inspections_on_team(struct db *db, int64_t id, const char *uscc, int64_t user, int *on_team)
{
    struct db_stmt *st = NULL;
    int rc =
        db_prepare(db,
                   "SELECT (SELECT count(*) FROM inspection_assignments a WHERE a.task = t.task"
                   " AND a.uscc = t.uscc AND a.inspector = ?) FROM inspection_targets t"
                   " WHERE t.task = ? AND t.uscc = ?",
                   &st);
    if (!rc)
        rc = db_bind_int(st, 1, user);
    if (!rc)
        rc = db_bind_int(st, 2, id);
    if (!rc)
        rc = db_bind_text(st, 3, uscc, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc)
        *on_team = db_col_int(st, 0) > 0;
    db_done(st);
    return rc;
}

int inspections_record_result(struct db *w, int64_t id, int64_t department, const char *status,
                              const char *uscc, json_t *body, int64_t user)
{
    char today[DATE_LEN + 1];
    date_format(date_today(), today);
    const char *on = json_string_value(json_object_get(body, "inspected_on")),
               *outcome = json_string_value(json_object_get(body, "outcome")),
               *note = json_string_value(json_object_get(body, "note")),
               *rectify_by = json_string_value(json_object_get(body, "rectify_by"));
    struct db_stmt *st = NULL;
    int rc = db_prepare(w,
                        "UPDATE inspection_targets SET outcome = ?, note = ?, rectify_by = ?,"
                        " inspected_on = ?, recorded_by = ? WHERE task = ? AND uscc = ?",
                        &st);
    if (!rc)
        rc = db_bind_text(st, 1, outcome, -1);
    if (!rc)
        rc = db_bind_text(st, 2, note, -1);
    if (!rc)
        rc = db_bind_text(st, 3, rectify_by, -1);
    if (!rc)
        rc = db_bind_text(st, 4, on ? on : today, -1);
    if (!rc)
        rc = db_bind_int(st, 5, user);
    if (!rc)
        rc = db_bind_int(st, 6, id);
    if (!rc)
        rc = db_bind_text(st, 7, uscc, -1);
    if (!rc)
        rc = db_run(st);
    if (!rc && !strcmp(status, "drawn"))
        rc = exec_bind(w, "UPDATE inspection_tasks SET status = 'in_progress' WHERE id = ?", id, -1,
                       NULL);
    /* M5 keeps every inspection: the result is its record (and a case opens its case). */
    int64_t record;
    if (!rc)
        rc = enforcement_record_random(w, id, department, uscc, outcome, note, rectify_by,
                                       on ? on : today, user, &record);
    return rc;
}

void inspections_decorate(json_t *task)
{
    const char *due = json_string_value(json_object_get(task, "publish_due"));
    int32_t day = -1;
    if (due && date_parse(due, strlen(due), &day))
        day = -1;
    int late = json_object_get(task, "published_at") &&
                       !json_is_null(json_object_get(task, "published_at"))
                   ? json_is_true(json_object_get(task, "published_late"))
                   : inspections_publication_late(day, -1, date_today());
    json_object_set_new(task, "late", json_boolean(late));
}

/* Puts into names each id of ids that lookup names ("10": "市场监管局"); ids may be numbers
 * or codes. */
static void name_each(json_t *names, json_t *ids, const char *(*lookup)(json_t *id))
{
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x)
    {
        char key[32];
        if (json_is_integer(x))
            snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
        else if (json_is_string(x))
            snprintf(key, sizeof key, "%s", json_string_value(x));
        else
            continue;
        const char *name = lookup(x);
        if (name)
            json_object_set_new(names, key, json_string(name));
    }
}

static const char *department_name(json_t *id)
{
    return refdata_department_name(json_integer_value(id));
}

static const char *region_name(json_t *code)
{
    return refdata_region_name(json_string_value(code));
}

static const char *chain_name(json_t *id)
{
    for (const struct chain_row *c = refdata_chains; c->id; c++)
        if (c->id == json_integer_value(id))
            return c->name;
    return NULL;
}

int inspections_names(struct db *db, json_t *task)
{
    json_t *scope = json_object_get(task, "scope"), *pool = json_object_get(task, "inspector_pool");
    json_t *departments = json_object(), *regions = json_object(), *chains = json_object(),
           *items = json_object();
    name_each(departments, json_object_get(task, "departments"), department_name);
    name_each(departments, json_object_get(pool, "departments"), department_name);
    name_each(regions, json_object_get(scope, "regions"), region_name);
    name_each(regions, json_object_get(pool, "regions"), region_name);
    size_t t;
    json_t *target;
    json_array_foreach(json_object_get(task, "targets"), t, target)
    {
        const char *code = json_string_value(json_object_get(target, "region"));
        if (code && refdata_region_name(code))
            json_object_set_new(regions, code, json_string(refdata_region_name(code)));
    }
    const char *own = json_string_value(json_object_get(task, "region"));
    if (own && refdata_region_name(own))
        json_object_set_new(regions, own, json_string(refdata_region_name(own)));
    name_each(chains, json_object_get(scope, "chains"), chain_name);
    json_object_set_new(task, "names",
                        json_pack("{so so so so}", "departments", departments, "items", items,
                                  "regions", regions, "chains", chains));
    int rc = 0;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(task, "items"), i, x)
    {
        struct db_stmt *st;
        if (rc || !json_is_integer(x))
            break;
        rc = db_prepare(db, "SELECT name FROM inspection_items WHERE id = ?", &st);
        if (!rc)
            rc = db_bind_int(st, 1, json_integer_value(x));
        if (!rc)
            rc = db_row(st);
        if (!rc) {
            char key[32];
            snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
            json_object_set_new(items, key, json_string(db_col_text(st, 0)));
        }
        db_done(st);
        if (rc == ERR_NOTFOUND) /* an item deleted since: no name */
            rc = 0;
    }
    return rc;
}
