/* SPDX-License-Identifier: MIT */
/*
 * The enforcement part of the reference city, at the figures the source quotes: the school
 * canteen campaign (800 sites published, 2,490 inspections, 163 rectification orders, 12
 * interviews, 16 cases), the beauty-salon campaign (1,378 inspected, 20 rectifications, 19
 * cases), the drug business and use units (7,100 in scope, every one inspected: 67.12% by the
 * end of March, 100% by June; 631 cases), and routine inspections; cases with their decisions
 * (some 免罚轻罚, judged by the same rule as the API), fines and revisits.
 *
 * The school campaign is small enough to carry its source figures at both scales (the API
 * tests check them); the others are a hundredth at --scale small. Sites are real entities of
 * the registry picked by trade (GB/T 4754), inspectors the inspections module's inspector
 * accounts. Rows are loaded in bulk (COPY on PostgreSQL) and their ids read back in order.
 * Dates are up to the demo city's day (2026-06-25); a function of d->seed and d->scale.
 */
#include "enforcement/enforcement.h"
#include "accounts/accounts.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "http/module.h"
#include "registry/registry.h"
#include "registry/registry_demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int enforcement_demo(struct db *w, struct demo *d);

#define DEPARTMENT 10 /* 市市场监督管理局 */

struct site {
    char uscc[19], region[8];
    const char *industry;
};

struct sites {
    struct site *s;
    size_t n, cap;
};

static void add_site(struct sites *p, const char *uscc, const char *region, const char *industry)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 1024;
        p->s = xrealloc(p->s, p->cap * sizeof *p->s);
    }
    struct site *s = &p->s[p->n++];
    snprintf(s->uscc, sizeof s->uscc, "%s", uscc);
    snprintf(s->region, sizeof s->region, "%s", region);
    s->industry = industry;
}

/* Shuffles the sites of p from first on. */
static void shuffle(struct rng *r, struct sites *p, size_t first)
{
    for (size_t i = p->n - first; i > 1; i--) {
        size_t j = rng_below(r, (uint32_t)i);
        struct site t = p->s[first + i - 1];
        p->s[first + i - 1] = p->s[first + j];
        p->s[first + j] = t;
    }
}

/* The samples by trade: school canteens (caterers), food shops (to make up canteens where a
 * small city lacks them), beauty salons, drug retailers and makers, other shops. */
enum pool { CANTEENS, FOOD_SHOPS, SALONS, PHARMACIES, SHOPS, POOLS };

static const struct {
    const char *industry;
    int pool;
} pool_of[] = {
    {"H6210", CANTEENS}, {"H6291", CANTEENS},   {"F5221", FOOD_SHOPS}, {"F5211", FOOD_SHOPS},
    {"O8010", SALONS},   {"F5251", PHARMACIES}, {"C2710", PHARMACIES}, {"F5212", SHOPS},
    {"F5232", SHOPS},    {"F5234", SHOPS},      {"C1351", SHOPS},
};
#define N_POOL_OF (sizeof pool_of / sizeof pool_of[0])

static int add_to_pool(void *arg, const char *uscc, const char *region, const char *industry)
{
    struct sites *pools = arg;
    for (size_t i = 0; i < N_POOL_OF; i++)
        if (!strcmp(pool_of[i].industry, industry)) {
            add_site(&pools[pool_of[i].pool], uscc, region, pool_of[i].industry);
            break;
        }
    return 0;
}

/* Every pool from one scan of the registry, each shuffled. */
static int gather(struct db *w, struct rng *r, struct sites pools[POOLS])
{
    json_t *codes = json_array();
    for (size_t i = 0; i < N_POOL_OF; i++)
        json_array_append_new(codes, json_string(pool_of[i].industry));
    int rc = registry_each_in_industries(w, codes, add_to_pool, pools);
    json_decref(codes);
    for (int p = 0; !rc && p < POOLS; p++)
        shuffle(r, &pools[p], 0);
    return rc;
}

struct ids {
    int64_t *v;
    size_t n, cap;
};

static int add_id(void *arg, int64_t id, int64_t department)
{
    (void)department;
    struct ids *p = arg;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = id;
    return 0;
}

/* One inspection of the demo, and the case it opens. */
struct row {
    const struct site *site;
    const char *kind, *outcome, *note;
    int64_t campaign, task, inspectors[2];
    int32_t on, rectify_by, rectified_on; /* -1: none */
    int failed_rechecks, ninspectors;
    /* its case (outcome case) */
    const char *harm, *decision, *violation, *basis;
    int corrected; /* -1 unknown */
    int64_t fine;  /* fen */
    int32_t decided_on, visited_on;
    int satisfied;
};

struct city {
    struct rng r;
    struct row *rows;
    size_t n, cap;
    struct ids city_inspectors, county_inspectors;
    int32_t as_of;
};

static struct row *new_row(struct city *c, const struct site *s, const char *kind, int64_t campaign,
                           int32_t on)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 4096;
        c->rows = xrealloc(c->rows, c->cap * sizeof *c->rows);
    }
    struct row *x = &c->rows[c->n++];
    *x = (struct row){.site = s,
                      .kind = kind,
                      .campaign = campaign,
                      .on = on,
                      .rectify_by = -1,
                      .rectified_on = -1,
                      .corrected = -1,
                      .decided_on = -1,
                      .visited_on = -1};
    /* Two inspectors: a county's own may go in its county, the city's anywhere. */
    struct ids *pools[2] = {&c->city_inspectors, &c->county_inspectors};
    int county = !strcmp(s->region, "371502") && c->county_inspectors.n;
    size_t total = c->city_inspectors.n + (county ? c->county_inspectors.n : 0);
    for (int k = 0; k < 2 && total >= 2; k++) {
        int64_t id;
        do {
            size_t i = rng_below(&c->r, (uint32_t)total);
            id = i < pools[0]->n ? pools[0]->v[i] : pools[1]->v[i - pools[0]->n];
        } while (k && id == x->inspectors[0]);
        x->inspectors[x->ninspectors++] = id;
    }
    return x;
}

static int32_t ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

/* A day in [from, to]. */
static int32_t day_in(struct city *c, int32_t from, int32_t to)
{
    return from + (int32_t)rng_below(&c->r, (uint32_t)(to - from + 1));
}

static const char *pick(struct city *c, const char *const *texts, size_t n)
{
    return texts[rng_below(&c->r, (uint32_t)n)];
}
#define PICK(c, a) pick(c, a, sizeof a / sizeof a[0])

struct sector {
    const char *const *problems, *violation, *basis;
    size_t nproblems;
};

static const char *const food_problems[] = {"食品留样记录不全",       "从业人员健康证过期",
                                            "后厨防蝇防鼠设施不到位", "餐具消毒记录缺失",
                                            "原料进货查验记录不完整", "食品贮存生熟未分开"};
static const char *const beauty_problems[] = {"化妆品进货查验记录缺失", "使用过期化妆品",
                                              "从业人员健康证过期", "美容器械消毒不规范"};
static const char *const drug_problems[] = {"处方药未凭处方销售", "药品储存温湿度记录缺失",
                                            "执业药师不在岗", "药品购进记录不完整",
                                            "拆零药品包装标识不全"};
static const char *const shop_problems[] = {"价格标签不规范", "销售临期食品未标示",
                                            "进货查验记录不完整", "计量器具未检定"};

static const struct sector sectors[] = {
    {food_problems, "食品安全管理不规范，涉嫌违反食品安全法",
     "《中华人民共和国食品安全法》第五十五条", sizeof food_problems / sizeof food_problems[0]},
    {beauty_problems, "经营使用不符合规定的化妆品", "《化妆品监督管理条例》第六十条",
     sizeof beauty_problems / sizeof beauty_problems[0]},
    {drug_problems, "违反药品经营质量管理规范", "《中华人民共和国药品管理法》第一百二十六条",
     sizeof drug_problems / sizeof drug_problems[0]},
    {shop_problems, "经营行为不规范，涉嫌违反产品质量法", "《中华人民共和国产品质量法》第三十九条",
     sizeof shop_problems / sizeof shop_problems[0]},
};

/* Sets the outcome of x and what follows from it (the order's follow-up, the case). */
static void outcome(struct city *c, struct row *x, const char *o, const struct sector *sec)
{
    x->outcome = o;
    const char *problem = pick(c, sec->problems, sec->nproblems);
    if (!strcmp(o, "pass")) {
        x->note = "未发现问题";
        return;
    }
    x->note = problem;
    if (!strcmp(o, "rectify")) {
        x->rectify_by = x->on + 15;
        uint32_t u = rng_below(&c->r, 100);
        if (u < 88) { /* corrected in time; some after a failed re-check */
            x->failed_rechecks = u < 10;
            x->rectified_on = x->on + 3 + (int32_t)rng_below(&c->r, 13);
        } else if (u < 94) { /* late */
            x->failed_rechecks = 1;
            x->rectified_on = x->rectify_by + 5 + (int32_t)rng_below(&c->r, 10);
        } /* else still open (overdue) */
        if (x->rectified_on > c->as_of)
            x->rectified_on = -1;
        return;
    }
    if (!strcmp(o, "case")) {
        uint32_t h = rng_below(&c->r, 100);
        x->harm = h < 30 ? "slight" : h < 85 ? "ordinary" : "serious";
        x->corrected =
            !strcmp(x->harm, "slight") ? rng_below(&c->r, 100) < 80 : (int)rng_below(&c->r, 3) - 1;
        x->violation = sec->violation;
        x->basis = sec->basis;
    }
}

/* Gives each row's outcome from a shuffled list with the counts given. */
static void outcomes(struct city *c, struct row *rows, size_t n, size_t rectify, size_t interview,
                     size_t cases, const struct sector *sec)
{
    const char **o = xmalloc((n ? n : 1) * sizeof *o);
    for (size_t i = 0; i < n; i++)
        o[i] = i < rectify                       ? "rectify"
               : i < rectify + interview         ? "interview"
               : i < rectify + interview + cases ? "case"
                                                 : "pass";
    for (size_t i = n; i > 1; i--) {
        size_t j = rng_below(&c->r, (uint32_t)i);
        const char *t = o[i - 1];
        o[i - 1] = o[j];
        o[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        outcome(c, &rows[i], o[i], sec);
    free(o);
}

static int campaign(struct db *w, const char *name, const char *sector, const char *from,
                    const char *to, int64_t in_scope, const char *status, const char *note,
                    int64_t by, int64_t *id)
{
    json_t *v =
        json_pack("{ss si ss ss ss ss sI ss ss sI sI}", "name", name, "department", DEPARTMENT,
                  "region", "371500", "sector", sector, "period_from", from, "period_to", to,
                  "in_scope", (json_int_t)in_scope, "status", status, "note", note, "created_by",
                  (json_int_t)by, "created_at", (json_int_t)time_now());
    int rc = rec_insert(w, &enforcement_campaign, v);
    json_decref(v);
    *id = rc ? 0 : db_last_id(w);
    return rc;
}

/* Decides the cases in the order they were opened, as the bureau would: 免罚轻罚 when the
 * rule says so (and the bureau agrees), else a penalty; a few dismissed, the newest open. */
static void decide(struct city *c)
{
    struct minor_prior *prior = xmalloc((c->n ? c->n : 1) * sizeof *prior);
    char(*days)[DATE_LEN + 1] = xmalloc((c->n ? c->n : 1) * sizeof *days);
    size_t *order = xmalloc((c->n ? c->n : 1) * sizeof *order), m = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->rows[i].outcome, "case"))
            order[m++] = i;
    for (size_t a = 1; a < m; a++) /* by opening day, stable */
        for (size_t b = a; b > 0 && c->rows[order[b]].on < c->rows[order[b - 1]].on; b--) {
            size_t t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (size_t i = 0; i < c->n; i++)
        date_format(c->rows[i].on, days[i]);
    for (size_t a = 0; a < m; a++) {
        struct row *x = &c->rows[order[a]];
        if (x->on > c->as_of - 20) /* opened lately: under investigation */
            continue;
        size_t np = 0;
        for (size_t b = 0; b < a; b++) {
            struct row *y = &c->rows[order[b]];
            if (y->decision && !strcmp(y->site->uscc, x->site->uscc))
                prior[np++] = (struct minor_prior){(int64_t)order[b], days[order[b]], y->decision};
        }
        struct minor_case mc = {days[order[a]], x->harm, x->corrected, NULL, NULL};
        int eligible = enforcement_minor_check(&mc, prior, np, NULL);
        uint32_t u = rng_below(&c->r, 100);
        if (u < 4) {
            x->decision = "dismissed";
        } else if (eligible) {
            x->decision = u < 70 ? "no_penalty" : "lighter";
        } else if (!strcmp(x->harm, "slight") || u < 25) {
            x->decision = "lighter";
        } else {
            x->decision = "penalty";
        }
        if (!strcmp(x->decision, "penalty"))
            x->fine = (5000 + 500 * (int64_t)rng_below(&c->r, 190)) * 100;
        else if (!strcmp(x->decision, "lighter"))
            x->fine = (1000 + 200 * (int64_t)rng_below(&c->r, 95)) * 100;
        x->decided_on = x->on + 10 + (int32_t)rng_below(&c->r, 20);
        if (x->decided_on > c->as_of)
            x->decided_on = c->as_of;
        if (rng_below(&c->r, 100) < 75) { /* 案件回访 */
            x->visited_on = x->decided_on + 15 + (int32_t)rng_below(&c->r, 30);
            x->satisfied = rng_below(&c->r, 100) < 92;
            if (x->visited_on > c->as_of)
                x->visited_on = -1;
        }
    }
    free(prior);
    free(days);
    free(order);
}

static int bind_day(struct db_stmt *st, int idx, int32_t day)
{
    char text[DATE_LEN + 1];
    if (day < 0)
        return db_bind_null(st, idx);
    date_format(day, text);
    return db_bind_text(st, idx, text, -1);
}

/* The ids the last load gave its rows, in order (each larger than after). */
static int read_ids(struct db *w, const char *sql, int64_t after, int64_t *ids, size_t n)
{
    struct db_stmt *st;
    size_t k = 0;
    int rc = db_prepare(w, sql, &st), step = DB_DONE;
    if (!rc)
        rc = db_bind_int(st, 1, after);
    while (!rc && (step = db_step(st)) == DB_ROW && k < n)
        ids[k++] = db_col_int(st, 0);
    if (!rc && step < 0)
        rc = step;
    db_done(st);
    return rc ? rc : k == n ? 0 : ERR_INTERNAL;
}

static int64_t max_id(struct db *w, const char *sql)
{
    struct db_stmt *st;
    int64_t v = 0;
    if (!db_prepare(w, sql, &st) && !db_row(st))
        v = db_col_int(st, 0);
    db_done(st);
    return v;
}

static int load_inspections(struct db *w, struct city *c, int64_t *ids)
{
    struct db_stmt *st;
    int64_t now = time_now(), after = max_id(w, "SELECT coalesce(max(id), 0) FROM"
                                                " enforcement_inspections");
    int rc = db_load_begin(w,
                           "INSERT INTO enforcement_inspections(uscc, region, industry, kind,"
                           " campaign, task, department, inspected_on, inspectors, outcome, note,"
                           " rectify_by, rectification, rectified_on, rechecks, recorded_by,"
                           " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                           " ?, ?, ?, ?, ?, ?)",
                           &st);
    for (size_t i = 0; !rc && i < c->n; i++) {
        const struct row *x = &c->rows[i];
        char team[64];
        if (x->ninspectors == 2)
            snprintf(team, sizeof team, "[%lld,%lld]", (long long)x->inspectors[0],
                     (long long)x->inspectors[1]);
        else
            snprintf(team, sizeof team, "[]");
        int k = 1;
        rc = db_bind_text(st, k++, x->site->uscc, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->site->region, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->site->industry, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->kind, -1);
        if (!rc)
            rc = x->campaign ? db_bind_int(st, k++, x->campaign) : db_bind_null(st, k++);
        if (!rc)
            rc = x->task ? db_bind_int(st, k++, x->task) : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_int(st, k++, DEPARTMENT);
        if (!rc)
            rc = bind_day(st, k++, x->on);
        if (!rc)
            rc = db_bind_text(st, k++, team, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->outcome, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->note, -1);
        if (!rc)
            rc = bind_day(st, k++, x->rectify_by);
        if (!rc)
            rc = x->rectify_by < 0
                     ? db_bind_null(st, k++)
                     : db_bind_text(st, k++, x->rectified_on < 0 ? "open" : "done", -1);
        if (!rc)
            rc = bind_day(st, k++, x->rectified_on);
        if (!rc)
            rc = db_bind_int(st, k++, x->failed_rechecks);
        if (!rc)
            rc = x->ninspectors ? db_bind_int(st, k++, x->inspectors[0]) : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_int(st, k++, now);
        if (!rc)
            rc = db_bind_int(st, k++, now);
        if (!rc)
            rc = db_load_row(st);
    }
    rc = db_load_end(st, rc);
    st = NULL;
    if (rc)
        fprintf(stderr, "演示检查记录未能载入：%s\n", db_errmsg(w));
    if (!rc)
        rc = read_ids(w, "SELECT id FROM enforcement_inspections WHERE id > ? ORDER BY id", after,
                      ids, c->n);
    if (!rc)
        rc = db_load_begin(w,
                           "INSERT INTO enforcement_inspectors(inspection, inspector)"
                           " VALUES (?, ?)",
                           &st);
    for (size_t i = 0; !rc && i < c->n; i++)
        for (int k = 0; !rc && k < c->rows[i].ninspectors; k++) {
            rc = db_bind_int(st, 1, ids[i]);
            if (!rc)
                rc = db_bind_int(st, 2, c->rows[i].inspectors[k]);
            if (!rc)
                rc = db_load_row(st);
        }
    rc = db_load_end(st, rc); /* safe on NULL */
    st = NULL;
    /* The re-checks: a failed one a week on, then the passing one. */
    if (!rc)
        rc = db_load_begin(w,
                           "INSERT INTO enforcement_rechecks(inspection, checked_on, passed, note,"
                           " recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           &st);
    for (size_t i = 0; !rc && i < c->n; i++) {
        const struct row *x = &c->rows[i];
        for (int k = 0; !rc && x->rectify_by >= 0 && k < 2; k++) {
            int passed = k == 1;
            if ((!passed && !x->failed_rechecks) || (passed && x->rectified_on < 0))
                continue;
            int32_t day = passed ? x->rectified_on : x->on + 7;
            if (day > c->as_of)
                continue;
            rc = db_bind_int(st, 1, ids[i]);
            if (!rc)
                rc = bind_day(st, 2, day);
            if (!rc)
                rc = db_bind_int(st, 3, passed);
            if (!rc)
                rc = db_bind_text(st, 4, passed ? "整改到位" : "整改不到位，继续整改", -1);
            if (!rc)
                rc = x->ninspectors ? db_bind_int(st, 5, x->inspectors[0]) : db_bind_null(st, 5);
            if (!rc)
                rc = db_bind_int(st, 6, now);
            if (!rc)
                rc = db_load_row(st);
        }
    }
    return st ? db_load_end(st, rc) : rc;
}

static int load_cases(struct db *w, struct city *c, const int64_t *ids)
{
    struct db_stmt *st;
    size_t m = 0;
    int64_t now = time_now(),
            after = max_id(w, "SELECT coalesce(max(id), 0) FROM enforcement_cases");
    int rc = db_load_begin(w,
                           "INSERT INTO enforcement_cases(uscc, region, inspection, department,"
                           " opened_on, violation, basis, harm, corrected_in_time, status,"
                           " decision, fine, decided_on, decision_note, closed_on, opened_by,"
                           " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                           " ?, ?, ?, ?, ?, ?)",
                           &st);
    for (size_t i = 0; !rc && i < c->n; i++) {
        const struct row *x = &c->rows[i];
        if (strcmp(x->outcome, "case"))
            continue;
        m++;
        const char *status = !x->decision ? "open" : x->visited_on >= 0 ? "closed" : "decided";
        int k = 1;
        rc = db_bind_text(st, k++, x->site->uscc, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->site->region, -1);
        if (!rc)
            rc = db_bind_int(st, k++, ids[i]);
        if (!rc)
            rc = db_bind_int(st, k++, DEPARTMENT);
        if (!rc)
            rc = bind_day(st, k++, x->on);
        if (!rc)
            rc = db_bind_text(st, k++, x->violation, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->basis, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->harm, -1);
        if (!rc)
            rc = x->corrected < 0 ? db_bind_null(st, k++) : db_bind_int(st, k++, x->corrected);
        if (!rc)
            rc = db_bind_text(st, k++, status, -1);
        if (!rc)
            rc = db_bind_text(st, k++, x->decision, -1);
        if (!rc)
            rc = x->decision ? db_bind_int(st, k++, x->fine) : db_bind_null(st, k++);
        if (!rc)
            rc = bind_day(st, k++, x->decided_on);
        if (!rc)
            rc = db_bind_text(st, k++,
                              !x->decision                         ? NULL
                              : !strcmp(x->decision, "no_penalty") ? "首违不罚，批评教育"
                              : !strcmp(x->decision, "dismissed")  ? "证据不足，撤销立案"
                                                                   : "依法作出处罚",
                              -1);
        if (!rc)
            rc = bind_day(st, k++, x->decision ? x->visited_on : -1);
        if (!rc)
            rc = x->ninspectors ? db_bind_int(st, k++, x->inspectors[0]) : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_int(st, k++, now);
        if (!rc)
            rc = db_bind_int(st, k++, now);
        if (!rc)
            rc = db_load_row(st);
    }
    rc = db_load_end(st, rc);
    if (rc)
        fprintf(stderr, "演示案件未能载入：%s\n", db_errmsg(w));
    int64_t *case_ids = xmalloc((m ? m : 1) * sizeof *case_ids);
    if (!rc)
        rc = read_ids(w, "SELECT id FROM enforcement_cases WHERE id > ? ORDER BY id", after,
                      case_ids, m);
    st = NULL;
    if (!rc)
        rc = db_load_begin(w,
                           "INSERT INTO enforcement_revisits(case_id, visited_on, satisfied, note,"
                           " recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           &st);
    size_t k = 0;
    for (size_t i = 0; !rc && i < c->n; i++) {
        const struct row *x = &c->rows[i];
        if (strcmp(x->outcome, "case"))
            continue;
        int64_t id = case_ids[k++];
        if (!x->decision || x->visited_on < 0)
            continue;
        rc = db_bind_int(st, 1, id);
        if (!rc)
            rc = bind_day(st, 2, x->visited_on);
        if (!rc)
            rc = db_bind_int(st, 3, x->satisfied);
        if (!rc)
            rc = db_bind_text(
                st, 4,
                x->satisfied ? "当事人已整改，对执法过程满意" : "当事人对处罚有异议，已做解释", -1);
        if (!rc)
            rc = x->ninspectors ? db_bind_int(st, 5, x->inspectors[0]) : db_bind_null(st, 5);
        if (!rc)
            rc = db_bind_int(st, 6, now);
        if (!rc)
            rc = db_load_row(st);
    }
    if (st)
        rc = db_load_end(st, rc);
    free(case_ids);
    return rc;
}

/* Inspector accounts of the bureau (department 10), of the city and of region 371502. */
static int inspectors(struct db *w, struct city *c)
{
    json_t *deps = json_pack("[i]", DEPARTMENT), *city = json_pack("[s]", "371500"),
           *county = json_pack("[s]", "371502");
    int rc = accounts_each_of_role(w, ROLE_INSPECTOR, deps, city, add_id, &c->city_inspectors);
    if (!rc)
        rc = accounts_each_of_role(w, ROLE_INSPECTOR, deps, county, add_id, &c->county_inspectors);
    json_decref(deps);
    json_decref(city);
    json_decref(county);
    return rc;
}

int enforcement_demo(struct db *w, struct demo *d)
{
    int city_scale = !strcmp(d->scale, "city");
    struct city c = {.as_of = ymd(DEMO_AS_OF_YEAR, 6, 25)};
    struct sites pools[POOLS] = {{0}};
    struct sites *canteens = &pools[CANTEENS], *salons = &pools[SALONS],
                 *pharmacies = &pools[PHARMACIES], *shops = &pools[SHOPS];
    int64_t bureau = 0, school = 0, beauty = 0, drug = 0, *ids = NULL;
    rng_init_seed(&c.r, d->seed ^ 0x656e666f72ull); /* "enfor" */
    int rc = inspectors(w, &c);
    if (!rc && accounts_find(w, "bureau", &bureau) == ERR_NOTFOUND)
        bureau = 0;
    if (!rc)
        rc = gather(w, &c.r, pools);
    /* Canteens are made up with food shops where a small city lacks caterers. */
    for (size_t i = 0; !rc && canteens->n < 800 && i < pools[FOOD_SHOPS].n; i++)
        add_site(canteens, pools[FOOD_SHOPS].s[i].uscc, pools[FOOD_SHOPS].s[i].region,
                 pools[FOOD_SHOPS].s[i].industry);
    /* The school canteen campaign: 800 sites, three rounds and a fourth for 90 of them. */
    size_t sites = canteens->n < 800 ? canteens->n : 800;
    if (!rc)
        rc = campaign(w, "学校食堂食品安全专项检查", "学校食堂", "2026-02-20", "2026-06-30", 800,
                      "active", "公布检查点位 800 个，春季学期每校不少于三轮检查", bureau, &school);
    if (!rc && sites) {
        size_t first = c.n;
        for (size_t i = 0; i < 2490; i++) {
            size_t k = i % sites;
            int round = i / sites < 3 ? (int)(i / sites) : 3; /* March to June */
            int32_t from = ymd(2026, 3 + round, 1), to = ymd(2026, 3 + round, round < 3 ? 28 : 20);
            new_row(&c, &canteens->s[k], "campaign", school, day_in(&c, from, to));
        }
        outcomes(&c, &c.rows[first], 2490, 163, 12, 16, &sectors[0]);
    }
    /* The beauty salons: every one inspected once. */
    size_t nbeauty = city_scale ? 1378 : 14;
    if (nbeauty > salons->n)
        nbeauty = salons->n;
    if (!rc)
        rc =
            campaign(w, "美容美发专项整治", "美容美发", "2026-04-01", "2026-06-20",
                     (int64_t)nbeauty, "closed", "排查问题线索 30 条，整治已完成", bureau, &beauty);
    if (!rc) {
        size_t first = c.n;
        for (size_t i = 0; i < nbeauty; i++)
            new_row(&c, &salons->s[i], "campaign", beauty,
                    day_in(&c, ymd(2026, 4, 1), ymd(2026, 6, 15)));
        outcomes(&c, &c.rows[first], nbeauty, city_scale ? 20 : 1, 0, city_scale ? 19 : 1,
                 &sectors[1]);
    }
    /* The drug business and use units: 67.12% inspected by the end of March, all by June. */
    size_t ndrug = city_scale ? 7100 : 71, early = ndrug * 6712 / 10000 + 1;
    if (ndrug > pharmacies->n)
        ndrug = pharmacies->n;
    if (!rc)
        rc = campaign(w, "药品经营使用单位检查", "药品经营使用", "2026-01-01", "2026-12-31",
                      city_scale ? 7100 : 71, "active", "全市药品经营使用单位检查全覆盖", bureau,
                      &drug);
    if (!rc) {
        size_t first = c.n;
        for (size_t i = 0; i < ndrug; i++)
            new_row(&c, &pharmacies->s[i], "campaign", drug,
                    i < early ? day_in(&c, ymd(2026, 1, 5), ymd(2026, 3, 31))
                              : day_in(&c, ymd(2026, 4, 1), ymd(2026, 6, 20)));
        outcomes(&c, &c.rows[first], ndrug, city_scale ? 355 : 4, city_scale ? 40 : 1,
                 city_scale ? 631 : 6, &sectors[2]);
    }
    /* Routine inspections over the year, and a few entities found at fault twice. */
    size_t nroutine = city_scale ? 3000 : 60;
    if (nroutine > shops->n)
        nroutine = shops->n;
    if (!rc) {
        size_t first = c.n;
        for (size_t i = 0; i < nroutine; i++)
            new_row(&c, &shops->s[i], "routine", 0, day_in(&c, ymd(2025, 7, 1), ymd(2026, 6, 20)));
        outcomes(&c, &c.rows[first], nroutine, nroutine * 8 / 100, nroutine * 3 / 100,
                 nroutine * 4 / 100 + 1, &sectors[3]);
        size_t again = 0, limit = city_scale ? 20 : 2;
        for (size_t i = first; i < first + nroutine && again < limit; i++) {
            if (strcmp(c.rows[i].outcome, "case") || c.rows[i].on > ymd(2026, 3, 1))
                continue;
            struct row *x = new_row(&c, c.rows[i].site, "routine", 0,
                                    day_in(&c, ymd(2026, 4, 1), ymd(2026, 5, 31)));
            outcome(&c, x, "case", &sectors[3]);
            x->harm = "slight"; /* minor and corrected, but not the first time */
            x->corrected = 1;
            again++;
        }
    }
    /* The random tasks' results came in through enforcement_record_random (M4's demo). */
    if (!rc)
        decide(&c);
    ids = xmalloc((c.n ? c.n : 1) * sizeof *ids);
    if (!rc)
        rc = load_inspections(w, &c, ids);
    if (!rc)
        rc = load_cases(w, &c, ids);
    free(ids);
    free(c.rows);
    free(c.city_inspectors.v);
    free(c.county_inspectors.v);
    for (int p = 0; p < POOLS; p++)
        free(pools[p].s);
    rng_dispose(&c.r);
    return rc;
}
