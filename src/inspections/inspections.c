/* SPDX-License-Identifier: MIT */
/* Inspection tasks: the records, the checks of a task, and commit, draw and verify. */
#include "inspections/inspections.h"
#include "accounts/accounts.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "registry/registry.h"

#include <sodium.h>
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
    static const char *const lists[] = {"regions", "chains", "kinds", "tiers"};
    for (int i = 0; i < 4; i++)
        if (!array_of(json_object_get(scope, lists[i]), i == 1))
            return BAD("scope", "抽查范围的 %s 须为%s的数组（至多 %d 个）", lists[i],
                       i == 1 ? "整数" : "字符串", REGISTRY_SCOPE_MAX);
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
        !array_of(json_object_get(pool, "regions"), 0))
        return BAD("inspector_pool",
                   "检查人员库须为 {departments: [部门编号], regions: [区划代码]}");
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

/* The shortfall of a pool for a task, in msg: 0 when the pool can staff every team. */
static int shortfall(const struct fixed *f, json_t *task, char *msg, size_t cap)
{
    size_t need = (size_t)json_integer_value(json_object_get(task, "inspectors_per_target"));
    size_t per[4] = {0};
    double ratios[4];
    ratios_of(task, ratios);
    for (size_t i = 0; i < f->n; i++)
        if (!f->m[i].excluded && inspections_stratum(f->m[i].credit) >= 0)
            per[inspections_stratum(f->m[i].credit)]++;
    int n = 0;
    if (f->npool < need)
        n = snprintf(msg, cap,
                     "检查人员不足：每户需 %zu 名检查人员，人员库仅 %zu 名；预计抽取 A 级 %zu 户、"
                     "B 级 %zu 户、C 级 %zu 户、D 级 %zu 户均无法派员",
                     need, f->npool, draw_quota(per[0], ratios[0]), draw_quota(per[1], ratios[1]),
                     draw_quota(per[2], ratios[2]), draw_quota(per[3], ratios[3]));
    json_t *deps = json_object_get(task, "departments");
    size_t i;
    json_t *d;
    if (json_array_size(deps) > 1)
        json_array_foreach(deps, i, d)
        {
            size_t have = 0;
            for (size_t p = 0; p < f->npool; p++)
                have += f->pool[p].department == json_integer_value(d);
            if (!have && n >= 0 && (size_t)n < cap)
                n += snprintf(msg + n, cap - (size_t)n,
                              "%s联合检查的部门 %lld 在人员库中没有检查人员", n ? "；" : "",
                              (long long)json_integer_value(d));
        }
    return n > 0;
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

int inspections_commit(struct db *w, int64_t id, char *msg, size_t cap)
{
    struct fixed f = {0};
    int rc = read_task(w, id, &f.task);
    json_t *scope = json_object_get(f.task, "scope"),
           *pool = json_object_get(f.task, "inspector_pool");
    if (!rc)
        rc = registry_population(w, json_object_get(scope, "regions"),
                                 json_object_get(scope, "chains"), json_object_get(scope, "kinds"),
                                 json_object_get(scope, "tiers"), add_member, &f);
    if (!rc && json_is_true(json_object_get(f.task, "exclude_inspected")))
        rc = mark_inspected(w, &f, json_object_get(f.task, "period"));
    size_t included = 0;
    for (size_t i = 0; i < f.n; i++)
        included += !f.m[i].excluded && inspections_stratum(f.m[i].credit) >= 0;
    if (!rc && !included) {
        snprintf(msg, cap, "抽查范围内没有可抽取的市场主体（范围内 %zu 户，均已排除或无信用等级）",
                 f.n);
        rc = ERR_INVALID;
    }
    if (!rc)
        rc = accounts_each_of_role(w, ROLE_INSPECTOR, json_object_get(pool, "departments"),
                                   json_object_get(pool, "regions"), add_inspector, &f);
    if (!rc && shortfall(&f, f.task, msg, cap))
        rc = ERR_INVALID;
    if (!rc)
        rc = find_relations(w, &f, id);
    /* Fix it all, then the commitment. */
    struct db_stmt *load = NULL;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
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
        if (!m->excluded && inspections_stratum(m->credit) >= 0) {
            char line[32];
            inspections_population_line(m->uscc, m->credit, line);
            crypto_hash_sha256_update(&h, (const unsigned char *)line, strlen(line));
            crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
        }
    }
    if (load)
        rc = db_load_end(load, rc);
    for (size_t i = 0; !rc && i < f.npool; i++) {
        struct db_stmt *st = NULL;
        rc = db_prepare(w,
                        "INSERT INTO inspection_pool(task, pos, inspector, department)"
                        " VALUES (?, ?, ?, ?)",
                        &st);
        if (!rc)
            rc = db_bind_int(st, 1, id);
        if (!rc)
            rc = db_bind_int(st, 2, (int64_t)i);
        if (!rc)
            rc = db_bind_int(st, 3, f.pool[i].id);
        if (!rc)
            rc = db_bind_int(st, 4, f.pool[i].department);
        if (!rc)
            rc = db_run(st);
    }
    for (size_t i = 0; !rc && i < f.nrel; i++) {
        struct db_stmt *st = NULL;
        rc = db_prepare(w,
                        "INSERT INTO inspection_relations(task, pos, pool_pos, kind)"
                        " VALUES (?, ?, ?, ?)",
                        &st);
        if (!rc)
            rc = db_bind_int(st, 1, id);
        if (!rc)
            rc = db_bind_int(st, 2, f.rel[i].pos);
        if (!rc)
            rc = db_bind_int(st, 3, f.rel[i].pool_pos);
        if (!rc)
            rc = db_bind_int(st, 4, f.rel[i].kind);
        if (!rc)
            rc = db_run(st);
    }
    if (!rc) {
        unsigned char seed[DRAW_SEED_LEN], hash[DRAW_HASH_LEN], pop[DRAW_HASH_LEN];
        char seed_hex[2 * DRAW_SEED_LEN + 1], hash_hex[2 * DRAW_HASH_LEN + 1],
            pop_hex[2 * DRAW_HASH_LEN + 1];
        randombytes_buf(seed, sizeof seed);
        draw_seed_hash(seed, hash);
        crypto_hash_sha256_final(&h, pop);
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
    for (size_t i = 0; !rc && i < n; i++) {
        const struct member *m = &f.m[targets[i]];
        json_t *team = team_json(&f, teams + i * k, k);
        char *text = json_dumps(team, JSON_COMPACT);
        struct db_stmt *st = NULL;
        rc = db_prepare(w,
                        "INSERT INTO inspection_targets(task, uscc, credit, region, team)"
                        " VALUES (?, ?, ?, ?, ?)",
                        &st);
        if (!rc)
            rc = db_bind_int(st, 1, id);
        if (!rc)
            rc = db_bind_text(st, 2, m->uscc, -1);
        if (!rc)
            rc = db_bind_text(st, 3, m->credit, -1);
        if (!rc)
            rc = db_bind_text(st, 4, m->region, -1);
        if (!rc)
            rc = db_bind_text(st, 5, text, -1);
        if (!rc)
            rc = db_run(st);
        for (size_t j = 0; !rc && j < k; j++)
            rc = exec_bind(w,
                           "INSERT INTO inspection_assignments(task, inspector, uscc)"
                           " VALUES (?, ?, ?)",
                           id, f.pool[teams[i * k + j]].id, m->uscc);
        free(text);
        json_decref(team);
    }
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

int inspections_verify(struct db *db, int64_t id, int *match)
{
    struct fixed f;
    unsigned char seed[DRAW_SEED_LEN];
    *match = 0;
    int rc = load_fixed(db, id, &f);
    if (!rc && !json_is_string(json_object_get(f.task, "drawn_at")))
        rc = ERR_CONFLICT; /* nothing drawn to compare with */
    if (!rc)
        rc = seed_of(f.task, db, id, seed);
    size_t k = (size_t)json_integer_value(json_object_get(f.task, "inspectors_per_target"));
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
    *match = !rc && same && i == n;
    sodium_memzero(seed, sizeof seed);
    free(targets);
    free(teams);
    fixed_free(&f);
    return rc;
}
