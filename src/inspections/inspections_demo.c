/* SPDX-License-Identifier: MIT */
/*
 * The inspections' part of the reference city: the 事项清单 of the market-regulation bureau
 * and its partner departments, 320 law-enforcement inspectors (a tenth at the small scale) in
 * the departments that inspect, and three tasks of the year drawn the way the platform draws
 * them — one published with its results, one drawn, one still a draft. The accounts and items
 * are a function of d->seed; the draws' seeds are secret random ones, as in real use, so the
 * drawn targets differ from one demo city to the next (each verifies).
 */
#include "inspections/inspections.h"
#include "accounts/accounts.h"
#include "core/err.h"
#include "core/names.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "http/module.h"

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

static int task(struct db *w, const char *title, int64_t by, int64_t *id)
{
    json_t *v = json_pack("{ss s[i] s[i] s{s[s] s[i]} s{sf sf sf sf} si s{s[i]} s{ss ss} sb ss ss"
                          " sI sI}",
                          "title", title, "departments", 10, "items", 1, "scope", "regions",
                          "371502", "chains", 2, "ratios", "A", 0.03, "B", 0.05, "C", 0.1, "D", 0.3,
                          "inspectors_per_target", 2, "inspector_pool", "departments", 10, "period",
                          "from", "2026-01-01", "to", "2026-12-31", "exclude_inspected", 1,
                          "region", "371502", "status", "draft", "created_by", (json_int_t)by,
                          "created_at", (json_int_t)time_now());
    int rc = rec_insert(w, &inspections_task, v);
    json_decref(v);
    *id = rc ? 0 : db_last_id(w);
    return rc;
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
                             .region = i % 3 ? "371502" : NULL,
                             .department = dept,
                             .password_hash = "!"};
        const char *field;
        int64_t id;
        rc = accounts_create(w, NULL, &u, &id, &field);
    }
    rng_dispose(&people);
    int64_t bureau = 0, ids[3] = {0};
    if (!rc)
        rc = accounts_find(w, "bureau", &bureau);
    static const char *const titles[] = {"2026 年上半年农副产品加工企业双随机抽查",
                                         "2026 年下半年农副产品加工企业双随机抽查",
                                         "2027 年第一季度农副产品加工企业双随机抽查"};
    char msg[256];
    for (int t = 0; !rc && t < 3; t++) {
        rc = task(w, titles[t], bureau, &ids[t]);
        if (!rc && t < 2)
            rc = inspections_commit(w, ids[t], msg, sizeof msg);
        if (!rc && t < 2)
            rc = inspections_draw(w, ids[t], msg, sizeof msg);
        if (rc == ERR_INVALID) { /* a small city without the chain's enterprises: no draw */
            fprintf(stderr, "演示抽查任务未抽取：%s\n", msg);
            rc = 0;
        }
    }
    /* The first task's results are in and published. */
    static const char *const outcomes[] = {"pass", "pass", "pass",      "pass", "rectify",
                                           "pass", "pass", "interview", "pass", "case"};
    struct db_stmt *st = NULL;
    if (!rc && ids[0])
        rc = db_prepare(w, "SELECT uscc FROM inspection_targets WHERE task = ? ORDER BY uscc", &st);
    if (!rc && st)
        rc = db_bind_int(st, 1, ids[0]);
    json_t *codes = json_array();
    int step = DB_DONE;
    while (!rc && st && (step = db_step(st)) == DB_ROW)
        json_array_append_new(codes, json_string(db_col_text(st, 0)));
    if (!rc && st && step != DB_DONE)
        rc = step;
    db_done(st);
    size_t i;
    json_t *c;
    json_array_foreach(codes, i, c)
    {
        if (rc)
            break;
        const char *o = outcomes[i % 10];
        rc = db_prepare(w,
                        "UPDATE inspection_targets SET outcome = ?, note = ?, rectify_by = ?,"
                        " inspected_on = ? WHERE task = ? AND uscc = ?",
                        &st);
        if (!rc)
            rc = db_bind_text(st, 1, o, -1);
        if (!rc)
            rc =
                db_bind_text(st, 2, !strcmp(o, "pass") ? "未发现问题" : "发现问题，已依法处理", -1);
        if (!rc)
            rc =
                !strcmp(o, "rectify") ? db_bind_text(st, 3, "2026-07-31", -1) : db_bind_null(st, 3);
        if (!rc)
            rc = db_bind_text(st, 4, "2026-06-15", -1);
        if (!rc)
            rc = db_bind_int(st, 5, ids[0]);
        if (!rc)
            rc = db_bind_text(st, 6, json_string_value(c), -1);
        if (!rc)
            rc = db_run(st);
    }
    json_decref(codes);
    int64_t now = time_now();
    if (!rc && ids[0])
        rc = db_prepare(w,
                        "UPDATE inspection_tasks SET status = CASE WHEN drawn_at IS NULL THEN"
                        " status ELSE 'published' END, completed_at = ?, published_at = ?"
                        " WHERE id = ? AND drawn_at IS NOT NULL",
                        &st);
    if (!rc && ids[0])
        rc = db_bind_int(st, 1, now);
    if (!rc && ids[0])
        rc = db_bind_int(st, 2, now);
    if (!rc && ids[0])
        rc = db_bind_int(st, 3, ids[0]);
    if (!rc && ids[0])
        rc = db_run(st);
    return rc;
}
