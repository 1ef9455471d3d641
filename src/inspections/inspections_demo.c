/* SPDX-License-Identifier: MIT */
/*
 * The inspections' part of the reference city: the 事项清单 of the market-regulation bureau
 * and its partner departments, 320 law-enforcement inspectors (a tenth at the small scale) in
 * the departments that inspect, spread over the counties, and a year of tasks drawn the way
 * the platform draws them: county tasks by trade or chain, two joint tasks (进一次门、查多项事),
 * most published with their results (one of them late), one completed and past its
 * publication deadline, one in progress, one drawn, one committed and one draft. The accounts,
 * items and results are a function of d->seed; the draws' seeds are secret random ones, as in
 * real use, so the drawn targets differ from one demo city to the next (each verifies).
 */
#include "inspections/inspections.h"
#include "accounts/accounts.h"
#include "core/err.h"
#include "core/names.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "http/module.h"
#include "refdata/refdata.h"

#include <stdio.h>
#include <string.h>

int inspections_demo(struct db *w, struct demo *d);

static const struct {
    const char *name, *basis, *kind, *frequency, *method;
    int department;
    double ratio;
} items[] = {
    {"食品生产企业监督检查", "《中华人民共和国食品安全法》第一百一十条", "食品生产企业", "每年一次",
     "现场检查", 10, 0.05},
    {"学校食堂食品安全检查", "《学校食品安全与营养健康管理规定》", "学校食堂", "每学期一次",
     "现场检查", 10, 0.10},
    {"特种设备使用单位监督检查", "《中华人民共和国特种设备安全法》第五十七条", "特种设备使用单位",
     "每年一次", "现场检查", 10, 0.05},
    {"工业产品生产许可证获证企业检查", "《工业产品生产许可证管理条例》", "获证企业", "每年一次",
     "现场检查", 10, 0.03},
    {"计量器具使用单位检查", "《中华人民共和国计量法》", "加油站、集贸市场", "每年一次", "现场检查",
     10, 0.05},
    {"企业公示信息抽查", "《企业信息公示暂行条例》第十四条", "企业", "每年一次", "书面检查", 10,
     0.03},
    {"价格行为检查", "《中华人民共和国价格法》", "经营者", "不定期", "现场检查", 10, 0.03},
    {"广告发布行为检查", "《中华人民共和国广告法》", "广告发布者", "每年一次", "网络监测", 10,
     0.03},
    {"排污单位监督检查", "《排污许可管理条例》", "排污单位", "每年一次", "现场检查", 9, 0.05},
    {"建筑施工企业安全检查", "《建设工程安全生产管理条例》", "施工企业", "每季度一次", "现场检查",
     14, 0.05},
    {"用人单位劳动保障检查", "《劳动保障监察条例》", "用人单位", "每年一次", "书面检查", 7, 0.03},
    {"药品经营企业检查", "《药品经营质量管理规范》", "药品零售企业", "每年一次", "现场检查", 10,
     0.10},
};

/* Where the inspectors work: most in the market-regulation bureau (10). */
static const int inspector_departments[] = {10, 10, 10, 10, 10, 10, 9, 14, 7, 10};

static const char *const counties[] = {"371502", "371503", "371521", "371522", "371524", "371525",
                                       "371526", "371581", "371571", "371572", "371573"};

/* The field (执法领域) of a department's law-enforcement certificates. */
static const char *field_of(int department)
{
    switch (department) {
    case 9: return "生态环境保护综合执法";
    case 14: return "住房和城乡建设综合执法";
    case 7: return "劳动保障监察";
    default: return "市场监管综合执法";
    }
}

/* Gives inspector id certificate number seq of department's field, valid days from today. */
static int credential(struct db *w, int64_t id, size_t seq, int department, int days)
{
    char cert[24], expires[DATE_LEN + 1];
    snprintf(cert, sizeof cert, "1537%06zu", seq);
    date_format(date_today() + days, expires);
    json_t *v = json_pack("{sI ss ss ss}", "inspector", (json_int_t)id, "cert_no", cert, "field",
                          field_of(department), "expires", expires);
    int rc = rec_insert(w, &inspections_credential, v);
    json_decref(v);
    return rc;
}

/* A year of tasks, oldest first: the county, what it covers (GB/T 4754 industry prefixes, or a
 * chain), the departments (a second one makes a joint task), when it started (days ago) and
 * how far it has gone. */
enum stage { DRAFT, COMMITTED, DRAWN, IN_PROGRESS, COMPLETED, PUBLISHED, PUBLISHED_LATE };

static const struct plan {
    const char *title, *region, *industry;
    int chain, department, joint, started, stage;
} plans[] = {
    {"东昌府区餐饮服务单位食品安全双随机抽查", "371502", "H62", 0, 10, 0, 340, PUBLISHED},
    {"临清市药品零售企业双随机抽查", "371581", "F525", 0, 10, 0, 310, PUBLISHED},
    {"莘县农副产品加工企业双随机抽查", "371522", NULL, 2, 10, 0, 280, PUBLISHED_LATE},
    {"茌平区有色金属企业跨部门联合抽查", "371503", NULL, 1, 10, 9, 250, PUBLISHED},
    {"阳谷县商超计量器具双随机抽查", "371521", "F521", 0, 10, 0, 220, PUBLISHED},
    {"冠县居民服务业经营者双随机抽查", "371525", "O80", 0, 10, 0, 190, PUBLISHED},
    {"高唐县零售业价格行为双随机抽查", "371526", "F52", 0, 10, 0, 160, PUBLISHED},
    {"东阿县餐饮服务单位食品安全双随机抽查", "371524", "H62", 0, 10, 0, 130, PUBLISHED},
    {"经济技术开发区汽车零部件企业跨部门联合抽查", "371571", NULL, 7, 10, 14, 100, COMPLETED},
    {"高新区零售企业双随机抽查", "371572", "F52", 0, 10, 0, 70, COMPLETED},
    {"东昌府区农副产品加工企业双随机抽查", "371502", NULL, 2, 10, 0, 40, IN_PROGRESS},
    {"临清市餐饮服务单位食品安全双随机抽查", "371581", "H62", 0, 10, 0, 20, DRAWN},
    {"全市药品零售企业双随机抽查", NULL, "F525", 0, 10, 0, 8, COMMITTED},
    {"东昌府区居民服务业经营者双随机抽查", "371502", "O80", 0, 10, 0, 2, DRAFT},
};

/* Creates the draft of plan p on w as the bureau user by, created day. */
static int task(struct db *w, const struct plan *p, int64_t by, int32_t day, int64_t *id)
{
    char from[DATE_LEN + 1], to[DATE_LEN + 1];
    date_format(day, from);
    date_format(day + 60, to);
    json_t *scope = json_object(), *deps = json_pack("[i]", p->department),
           *pool = json_pack("{s[i]}", "departments", p->department);
    if (p->region)
        json_object_set_new(scope, "regions", json_pack("[s]", p->region));
    if (p->industry)
        json_object_set_new(scope, "industries", json_pack("[s]", p->industry));
    if (p->chain)
        json_object_set_new(scope, "chains", json_pack("[i]", p->chain));
    if (p->joint) {
        json_array_append_new(deps, json_integer(p->joint));
        json_array_append_new(json_object_get(pool, "departments"), json_integer(p->joint));
    } else if (p->region) { /* the county's own inspectors and the city's */
        json_object_set_new(pool, "regions", json_pack("[s s]", p->region, CITY_REGION));
    }
    json_t *v = json_pack(
        "{ss so s[] so s{sf sf sf sf} si so s{ss ss} sb ss ss sI sI}", "title", p->title,
        "departments", deps, "items", "scope", scope, "ratios", "A", 0.03, "B", 0.05, "C", 0.1, "D",
        0.3, "inspectors_per_target", 2, "inspector_pool", pool, "period", "from", from, "to", to,
        "exclude_inspected", 1, "region", p->region ? p->region : CITY_REGION, "status", "draft",
        "created_by", (json_int_t)by, "created_at", (json_int_t)(date_start(day) + 9 * 3600));
    int rc = rec_insert(w, &inspections_task, v);
    json_decref(v);
    *id = rc ? 0 : db_last_id(w);
    return rc;
}

/* Outcomes at the rates of the source's school-food campaign: of 2,490 inspections, 163
 * rectification orders, 12 interviews and 16 cases. */
static const char *outcome(struct rng *r)
{
    uint32_t x = rng_below(r, 2490);
    return x < 163 ? "rectify" : x < 175 ? "interview" : x < 191 ? "case" : "pass";
}

static const char *const findings[] = {
    "进货查验记录不全", "从业人员健康证过期", "价格标签不规范", "计量器具未按期检定",
    "超范围经营",       "消毒设施运行不正常", "销售过期食品",   "未公示营业执照",
};

/* Records a result for every target of task id (all of them, or about two in three when
 * partial) on days within the 60 days from day. */
static int results(struct db *w, struct rng *r, int64_t id, int64_t department, int32_t day,
                   int partial, int64_t by)
{
    struct db_stmt *st = NULL;
    json_t *codes = json_array();
    int rc = db_prepare(w, "SELECT uscc FROM inspection_targets WHERE task = ? ORDER BY uscc", &st),
        step = DB_DONE;
    if (!rc)
        rc = db_bind_int(st, 1, id);
    while (!rc && (step = db_step(st)) == DB_ROW)
        json_array_append_new(codes, json_string(db_col_text(st, 0)));
    if (!rc && step != DB_DONE)
        rc = step;
    db_done(st);
    size_t i;
    json_t *c;
    json_array_foreach(codes, i, c)
    {
        if (rc)
            break;
        if (partial && rng_below(r, 3) == 0)
            continue;
        const char *o = outcome(r);
        int32_t on = day + 3 + (int32_t)rng_below(r, 50);
        if (on > date_today()) /* not visited yet */
            continue;
        char inspected[DATE_LEN + 1], by_day[DATE_LEN + 1];
        date_format(on, inspected);
        date_format(on + 15 + (int32_t)rng_below(r, 16), by_day);
        const char *finding = findings[rng_below(r, sizeof findings / sizeof findings[0])];
        json_t *b = json_pack("{ss ss* ss* ss}", "outcome", o, "note",
                              strcmp(o, "pass") ? finding : NULL, "rectify_by",
                              strcmp(o, "rectify") ? NULL : by_day, "inspected_on", inspected);
        rc = inspections_record_result(w, id, department, "in_progress", json_string_value(c), b,
                                       by);
        json_decref(b);
    }
    json_decref(codes);
    return rc;
}

/* Moves task id to its stage with the dates of a task started on day. */
static int stamp(struct db *w, int64_t id, int stage, int32_t day)
{
    int32_t done = day + 60, due = refdata_add_workdays(done, INSPECTIONS_PUBLISH_DAYS);
    int32_t published =
        stage == PUBLISHED_LATE ? refdata_add_workdays(done, 26) : refdata_add_workdays(done, 12);
    static const char *const status[] = {
        [DRAWN] = "drawn",         [IN_PROGRESS] = "in_progress",  [COMPLETED] = "completed",
        [PUBLISHED] = "published", [PUBLISHED_LATE] = "published",
    };
    char due_text[DATE_LEN + 1];
    date_format(due, due_text);
    int completed = stage >= COMPLETED;
    struct db_stmt *st = NULL;
    int rc = db_prepare(w,
                        "UPDATE inspection_tasks SET status = ?, committed_at = ?, drawn_at = ?,"
                        " completed_at = ?, publish_due = ?, published_at = ?, published_late = ?,"
                        " updated_at = ? WHERE id = ?",
                        &st);
    int64_t at = date_start(day) + 10 * 3600;
    if (!rc)
        rc = db_bind_text(st, 1, status[stage], -1);
    if (!rc)
        rc = db_bind_int(st, 2, at + 86400);
    if (!rc)
        rc = db_bind_int(st, 3, at + 2 * 86400);
    if (!rc)
        rc = completed ? db_bind_int(st, 4, date_start(done) + 17 * 3600) : db_bind_null(st, 4);
    if (!rc)
        rc = completed ? db_bind_text(st, 5, due_text, -1) : db_bind_null(st, 5);
    if (!rc)
        rc = stage >= PUBLISHED ? db_bind_int(st, 6, date_start(published) + 15 * 3600)
                                : db_bind_null(st, 6);
    if (!rc)
        rc = db_bind_int(st, 7, stage == PUBLISHED_LATE);
    if (!rc)
        rc = db_bind_int(st, 8, time_now());
    if (!rc)
        rc = db_bind_int(st, 9, id);
    return rc ? rc : db_run(st);
}

int inspections_demo(struct db *w, struct demo *d)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof items / sizeof items[0]; i++) {
        json_t *v =
            json_pack("{ss ss si ss sf ss ss}", "name", items[i].name, "basis", items[i].basis,
                      "department", items[i].department, "target_kind", items[i].kind, "ratio",
                      items[i].ratio, "frequency", items[i].frequency, "method", items[i].method);
        rc = rec_insert(w, &inspections_item, v);
        json_decref(v);
    }
    /* Inspectors: a third at the city's bureau, the others in the counties. */
    size_t n = !strcmp(d->scale, "city") ? 320 : 32;
    struct rng people;
    rng_init_seed(&people, d->seed ^ 0x696e737065ull); /* "inspe" */
    for (size_t i = 0; !rc && i < n; i++) {
        char username[32], person[64], display[96];
        snprintf(username, sizeof username, "inspector%03zu", i + 1);
        names_person(&people, person, sizeof person);
        snprintf(display, sizeof display, "执法人员 %s", person);
        int dept = inspector_departments[i % (sizeof inspector_departments /
                                              sizeof inspector_departments[0])];
        struct user_new u = {.username = username,
                             .display_name = display,
                             .role = "inspector",
                             .region = i % 3 ? counties[(i / 3) % 11] : NULL,
                             .department = dept,
                             .password_hash = "!"};
        const char *field;
        int64_t id;
        rc = accounts_create(w, NULL, &u, &id, &field);
        if (!rc) /* every 40th certificate has lapsed: that inspector stays out of pools */
            rc = credential(w, id, i + 1, dept, i % 40 == 39 ? -30 : 400 + (int)(i % 700));
    }
    int64_t bureau = 0, login = 0;
    if (!rc)
        rc = accounts_find(w, "inspector", &login);
    if (!rc)
        rc = credential(w, login, n + 1, 10, 500);
    if (!rc)
        rc = accounts_find(w, "bureau", &bureau);
    char msg[1024];
    int32_t today = date_today();
    for (size_t t = 0; !rc && t < sizeof plans / sizeof plans[0]; t++) {
        const struct plan *p = &plans[t];
        int32_t day = today - p->started;
        int64_t id = 0;
        rc = task(w, p, bureau, day, &id);
        if (!rc && p->stage >= COMMITTED)
            rc = inspections_commit(w, id, msg, sizeof msg);
        if (!rc && p->stage >= DRAWN)
            rc = inspections_draw(w, id, msg, sizeof msg);
        if (rc == ERR_INVALID) { /* a small city may lack a scope's entities or inspectors */
            fprintf(stderr, "演示抽查任务「%s」未能抽取：%s\n", p->title, msg);
            rc = 0;
            continue;
        }
        if (!rc && p->stage >= IN_PROGRESS)
            rc = results(w, &people, id, p->department, day, p->stage == IN_PROGRESS, bureau);
        if (!rc && p->stage >= DRAWN)
            rc = stamp(w, id, p->stage, day);
    }
    rng_dispose(&people);
    return rc;
}
