/* SPDX-License-Identifier: MIT */
/*
 * Special equipment's part of the reference city: 76,000 units (760 at the small scale) as the
 * source counts them, spread over the categories as a city's register is (elevators about 40%,
 * pressure vessels 25%, lifting machinery 12%, in-plant vehicles 9%, cylinder groups 6%,
 * pressure piping 4.8%, boilers 3%, a few amusement rides and ropeways). Owners are active
 * enterprises of the registry, industrial ones for boilers, vessels and piping, property,
 * trade and service firms for elevators and rides, a few owners holding many units. Dates make
 * the city's 定检率 "first in the province": each unit's last inspection answered its previous
 * due (on time but for about 0.25% inspected late and 0.5% early), about 0.4% of the units in
 * use are overdue (a few hundred in the city), 2% are new and not yet inspected, 3.5% idle
 * (停用, a fifth of them after a failed inspection) and 1.5% scrapped. The demo enterprise login
 * owns six units: one overdue, two due within 30 days. A function of d->seed, d->scale and
 * today; loaded in bulk (COPY on PostgreSQL).
 */
#include "equipment/equipment.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/names.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "http/module.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int equipment_demo(struct db *w, struct demo *d);

struct owner {
    char uscc[19], region[16];
};

struct pool {
    struct owner *v;
    size_t n, cap;
};

static int add_owner(void *arg, const char *uscc, const char *credit, const char *region)
{
    (void)credit;
    struct pool *p = arg;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 4096;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    snprintf(p->v[p->n].uscc, sizeof p->v[p->n].uscc, "%s", uscc);
    snprintf(p->v[p->n].region, sizeof p->v[p->n].region, "%s", region);
    p->n++;
    return 0;
}

enum { POOL_INDUSTRY, POOL_SERVICE };

static const char *const elevator_models[] = {"TKJ1000/1.75-JXW", "GPS-Ⅲ",    "3000-MRL",
                                              "HOPE-Ⅱ",           "LCA-1050", NULL};
static const char *const vessel_models[] = {
    "储气罐 2m³", "换热器 BEM600", "反应釜 5000L", "液化石油气储罐 50m³", "蒸压釜 Φ2.68×31m", NULL};
static const char *const boiler_models[] = {"WNS4-1.25-Q", "SZL10-1.25-AⅡ", "DZL6-1.6-M",
                                            "WNS2-1.0-Y(Q)", NULL};
static const char *const lifting_models[] = {"QD20/5t-22.5m", "LD10t-16.5m", "QTZ80(TC5610)",
                                             "SC200/200",     "MH10t-20m",   NULL};
static const char *const vehicle_models[] = {"CPCD30 叉车", "CPD20 电动叉车", "CQD16 前移式叉车",
                                             "观光车 LQY112", NULL};
static const char *const ropeway_models[] = {"单线循环固定抱索器吊椅", NULL};
static const char *const ride_models[] = {"摩天轮 88m", "大摆锤 DBC-24", "过山车 GSC-16",
                                          "旋转木马 XZM-36", NULL};
static const char *const piping_models[] = {"GC2 蒸汽管道 DN150", "GC2 燃气管道 DN100",
                                            "GC1 工艺管道 DN80", NULL};
static const char *const cylinder_models[] = {"YSP118 液化石油气钢瓶组", "CNG 储气瓶组 80L×48",
                                              "氧气瓶组 40L×10", NULL};

/* The categories as the migration numbers them, with the demo's shares (per 100,000 units), the
 * share drawn from the industrial pool (per 100), a variety code for the registration numbers,
 * and the units (per 100) with their own interval. */
static const struct kind {
    const char *code, *reg_char, *variety;
    uint32_t weight, industrial, own_share;
    int months, own_months;
    const char *const *models;
} kinds[] = {
    {"boiler", "锅", "11", 3000, 90, 0, 12, 0, boiler_models},
    {"pressure_vessel", "容", "21", 25000, 80, 15, 36, 72, vessel_models},
    {"elevator", "梯", "31", 40000, 15, 0, 12, 0, elevator_models},
    {"lifting", "起", "41", 12000, 80, 40, 24, 12, lifting_models},
    {"vehicle", "车", "51", 9000, 50, 0, 12, 0, vehicle_models},
    {"ropeway", "索", "91", 10, 0, 0, 12, 0, ropeway_models},
    {"amusement", "游", "61", 190, 0, 0, 12, 0, ride_models},
    {"piping", "管", "81", 4800, 95, 0, 36, 0, piping_models},
    {"cylinder", "瓶", "23", 6000, 50, 0, 36, 0, cylinder_models},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static const char *const inspectors[] = {
    "聊城市特种设备检验研究院",
    "山东省特种设备检验研究院集团有限公司聊城分公司",
    "聊城市特种设备检验研究院临清分院",
    "山东省特种设备检验研究院集团有限公司",
};

/* The county index of names_address for a region code (0 when not found). */
static int county_of(const char *region)
{
    for (int i = 1; refdata_regions[i].code; i++)
        if (!strcmp(refdata_regions[i].code, region))
            return i - 1;
    return 0;
}

static const struct kind *draw_kind(struct rng *r)
{
    uint32_t x = rng_below(r, 100000), acc = 0;
    for (size_t i = 0; i < NKINDS; i++) {
        acc += kinds[i].weight;
        if (x < acc)
            return &kinds[i];
    }
    return &kinds[2];
}

/* An owner from pool p, a few owners holding many units: the index is skewed towards the front
 * of the (shuffled) pool. */
static const struct owner *draw_owner(struct rng *r, const struct pool *p)
{
    uint64_t u = rng_below(r, 1u << 16);
    size_t i = (size_t)((u * u * p->n) >> 32);
    return &p->v[i < p->n ? i : p->n - 1];
}

static void shuffle(struct rng *r, struct pool *p)
{
    for (size_t i = p->n; i > 1; i--) {
        size_t j = rng_below(r, (uint32_t)i);
        struct owner t = p->v[i - 1];
        p->v[i - 1] = p->v[j];
        p->v[j] = t;
    }
}

/* One unit as the demo draws it. */
struct unit {
    const struct kind *k;
    const struct owner *o;
    const char *status, *conclusion; /* conclusion NULL: never inspected */
    int months, own;                 /* own: the unit's own interval */
    int32_t installed, last, due_prev, next;
};

static int32_t cycle_days(int32_t from, int months)
{
    return equipment_add_months(from, months) - from;
}

/* Draws the status and dates of u as of today; forced: -1 none, else the days to its due date
 * (the demo login's units). */
static void draw_dates(struct rng *r, struct unit *u, int32_t today, int forced)
{
    uint32_t s = rng_below(r, 1000);
    u->status = forced != -1000 ? "in_use" : s < 950 ? "in_use" : s < 985 ? "idle" : "scrapped";
    int fresh = forced == -1000 && rng_below(r, 100) < 2;
    int32_t span = cycle_days(today, u->months);
    if (forced != -1000)
        u->next = today + forced;
    else if (!strcmp(u->status, "in_use") && rng_below(r, 1000) < 4)
        u->next = today - 1 - (int32_t)rng_below(r, 120); /* overdue */
    else
        u->next = today + (int32_t)rng_below(r, (uint32_t)span);
    if (fresh) { /* installed within the interval, first periodic inspection ahead */
        u->installed = equipment_add_months(u->next, -u->months);
        u->conclusion = NULL;
        u->last = u->due_prev = -1;
        return;
    }
    u->last = equipment_add_months(u->next, -u->months);
    uint32_t c = rng_below(r, 1000);
    u->conclusion = c < 975 ? "qualified" : "basically_qualified";
    uint32_t t = rng_below(r, 10000);
    if (t < 25) /* late: inspected after its due date */
        u->due_prev = u->last - 1 - (int32_t)rng_below(r, 60);
    else if (t < 75) /* early: more than three months ahead */
        u->due_prev =
            equipment_add_months(u->last, EQUIPMENT_WINDOW_MONTHS) + 1 + (int32_t)rng_below(r, 60);
    else
        u->due_prev = u->last + (int32_t)rng_below(r, 45);
    if (!strcmp(u->status, "idle") && rng_below(r, 5) == 0) { /* failed, then laid up */
        u->conclusion = "unqualified";
        u->next = u->due_prev;
    }
    int32_t back = (int32_t)(1 + rng_below(r, 8));
    u->installed = equipment_add_months(u->last, -u->months * back) - (int32_t)rng_below(r, 60);
    int32_t oldest = date_from_ymd(1995, 1, 1);
    if (u->installed < oldest)
        u->installed = oldest + (int32_t)rng_below(r, 365);
    if (u->installed > u->last)
        u->installed = u->last;
}

/* An inspection to load after the units (PostgreSQL runs one COPY at a time). */
struct past {
    int64_t unit;
    const char *conclusion, *variety, *category;
    char region[16];
    int32_t last, due_prev, next;
    uint8_t inspector;
};

struct loader {
    struct db_stmt *units;
    int64_t id;
    int serial[NKINDS][100];
    int64_t now;
    struct past *past;
    size_t npast;
};

static const char unit_sql[] =
    "INSERT INTO equipment(registration_no, category, model, product_no, owner, user_uscc,"
    " region, address, installed_on, interval_months, last_inspected, last_conclusion, next_due,"
    " status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char history_sql[] =
    "INSERT INTO equipment_inspections(unit, region, category, inspected_on, conclusion,"
    " inspector_org, report_no, due_on, first_of_due, next_due, recorded_by, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int bind_day(struct db_stmt *st, int i, int32_t day)
{
    char t[DATE_LEN + 1];
    if (day < 0)
        return db_bind_null(st, i);
    date_format(day, t);
    return db_bind_text(st, i, t, -1);
}

/* Loads unit u (and its last inspection) through l. */
static int load_unit(struct loader *l, struct rng *r, const struct unit *u)
{
    const struct kind *k = u->k;
    int y, m, dd;
    date_to_ymd(u->installed, &y, &m, &dd);
    int *serial = &l->serial[k - kinds][y % 100];
    char no[64], product[32], address[256];
    snprintf(no, sizeof no, "%s%s鲁P%05d(%02d)", k->reg_char, k->variety, ++*serial % 100000,
             y % 100);
    snprintf(product, sizeof product, "%c%c%04d%06u", 'A' + (int)rng_below(r, 26),
             'A' + (int)rng_below(r, 26), y, rng_below(r, 1000000));
    names_address(r, county_of(u->o->region), address, sizeof address);
    size_t nmodels = 0;
    while (k->models[nmodels])
        nmodels++;
    int64_t id = ++l->id;
    struct db_stmt *st = l->units;
    int rc = db_bind_text(st, 1, no, -1);
    if (!rc)
        rc = db_bind_text(st, 2, k->code, -1);
    if (!rc)
        rc = db_bind_text(st, 3, k->models[rng_below(r, (uint32_t)nmodels)], -1);
    if (!rc)
        rc = db_bind_text(st, 4, product, -1);
    if (!rc)
        rc = db_bind_text(st, 5, u->o->uscc, -1);
    if (!rc)
        rc = db_bind_text(st, 6, u->o->uscc, -1);
    if (!rc)
        rc = db_bind_text(st, 7, u->o->region, -1);
    if (!rc)
        rc = db_bind_text(st, 8, address, -1);
    if (!rc)
        rc = bind_day(st, 9, u->installed);
    if (!rc)
        rc = u->own ? db_bind_int(st, 10, u->months) : db_bind_null(st, 10);
    if (!rc)
        rc = bind_day(st, 11, u->last);
    if (!rc)
        rc = u->conclusion ? db_bind_text(st, 12, u->conclusion, -1) : db_bind_null(st, 12);
    if (!rc)
        rc = bind_day(st, 13, u->next);
    if (!rc)
        rc = db_bind_text(st, 14, u->status, -1);
    if (!rc)
        rc = db_bind_int(st, 15, l->now);
    if (!rc)
        rc = db_load_row(st);
    if (rc || !u->conclusion)
        return rc;
    struct past *p = &l->past[l->npast++];
    *p = (struct past){.unit = id,
                       .conclusion = u->conclusion,
                       .variety = k->variety,
                       .category = k->code,
                       .last = u->last,
                       .due_prev = u->due_prev,
                       .next = u->next,
                       .inspector = (uint8_t)rng_below(r, 4)};
    snprintf(p->region, sizeof p->region, "%s", u->o->region);
    return 0;
}

/* Loads the units' last inspections. */
static int load_history(struct db *w, const struct loader *l)
{
    struct db_stmt *st = NULL;
    int rc = db_load_begin(w, history_sql, &st);
    for (size_t i = 0; !rc && i < l->npast; i++) {
        const struct past *p = &l->past[i];
        char report[40];
        int ly, lm, ld;
        date_to_ymd(p->last, &ly, &lm, &ld);
        snprintf(report, sizeof report, "TS%s-%04d-%06lld", p->variety, ly, (long long)p->unit);
        rc = db_bind_int(st, 1, p->unit);
        if (!rc)
            rc = db_bind_text(st, 2, p->region, -1);
        if (!rc)
            rc = db_bind_text(st, 3, p->category, -1);
        if (!rc)
            rc = bind_day(st, 4, p->last);
        if (!rc)
            rc = db_bind_text(st, 5, p->conclusion, -1);
        if (!rc)
            rc = db_bind_text(st, 6, inspectors[p->inspector], -1);
        if (!rc)
            rc = db_bind_text(st, 7, report, -1);
        if (!rc)
            rc = bind_day(st, 8, p->due_prev);
        if (!rc)
            rc = db_bind_int(st, 9, 1); /* the first (and only) inspection of its due date */
        if (!rc)
            rc = bind_day(st, 10, p->next);
        if (!rc)
            rc = db_bind_null(st, 11);
        if (!rc)
            rc = db_bind_int(st, 12, date_start(p->last) + 16 * 3600);
        if (!rc)
            rc = db_load_row(st);
    }
    return st ? db_load_end(st, rc) : rc;
}

/* The demo enterprise login's units: kind index and days to the due date. */
static const struct {
    int kind, days;
} own_units[] = {{2, -10}, {2, 5}, {1, 20}, {1, 200}, {0, 90}, {3, 400}};

int equipment_demo(struct db *w, struct demo *d)
{
    size_t n = !strcmp(d->scale, "city") ? 76000 : 760;
    struct rng r;
    rng_init_seed(&r, d->seed ^ 0x7465736570ull); /* "tesep": 特种设备 */
    struct pool pools[2] = {{0}};
    json_t *industry = json_pack("{s[s] s[s]}", "kinds", "enterprise", "industries", "C"),
           *service = json_pack("{s[s] s[s s s s s s]}", "kinds", "enterprise", "industries", "K",
                                "F", "H", "L", "G", "E");
    int rc = registry_population(w, industry, add_owner, &pools[POOL_INDUSTRY]);
    if (!rc)
        rc = registry_population(w, service, add_owner, &pools[POOL_SERVICE]);
    json_decref(industry);
    json_decref(service);
    if (!rc && (!pools[0].n || !pools[1].n))
        rc = ERR_INTERNAL; /* the registry's part of the demo runs first */
    for (int i = 0; !rc && i < 2; i++)
        shuffle(&r, &pools[i]);
    struct loader l = {.now = time_now()};
    int32_t today = date_today();
    struct owner own = {{0}, {0}};
    char region[16];
    if (!rc && d->nkey && !registry_region_of(w, d->key_uscc[0], region)) {
        snprintf(own.uscc, sizeof own.uscc, "%s", d->key_uscc[0]);
        snprintf(own.region, sizeof own.region, "%s", region);
    }
    struct db_stmt *st = NULL;
    if (!rc)
        rc = db_prepare(w, "SELECT coalesce(max(id), 0) FROM equipment", &st);
    if (!rc && !(rc = db_row(st)))
        l.id = db_col_int(st, 0);
    if (!rc)
        db_done(st);
    if (!rc)
        rc = db_load_begin(w, unit_sql, &l.units);
    size_t nown = own.uscc[0] ? sizeof own_units / sizeof own_units[0] : 0;
    l.past = xcalloc(n, sizeof *l.past);
    for (size_t i = 0; !rc && i < n; i++) {
        struct unit u = {0};
        int forced = -1000;
        if (i < nown) {
            u.k = &kinds[own_units[i].kind];
            u.o = &own;
            forced = own_units[i].days;
        } else {
            u.k = draw_kind(&r);
            u.o = draw_owner(
                &r, &pools[rng_below(&r, 100) < u.k->industrial ? POOL_INDUSTRY : POOL_SERVICE]);
        }
        u.own = u.k->own_share && rng_below(&r, 100) < u.k->own_share;
        u.months = u.own ? u.k->own_months : u.k->months;
        draw_dates(&r, &u, today, forced);
        rc = load_unit(&l, &r, &u);
    }
    if (l.units)
        rc = db_load_end(l.units, rc);
    /* The units took the ids after those there were, in order (both engines number an empty
     * table's rows so); the history refers to them by those ids. */
    int64_t first = l.id - (int64_t)n;
    if (!rc)
        rc =
            db_prepare(w, "SELECT count(*), coalesce(max(id), 0) FROM equipment WHERE id > ?", &st);
    if (!rc)
        rc = db_bind_int(st, 1, first);
    if (!rc && !(rc = db_row(st)) && (db_col_int(st, 0) != (int64_t)n || db_col_int(st, 1) != l.id))
        rc = ERR_INTERNAL;
    db_done(st);
    if (!rc)
        rc = load_history(w, &l);
    free(l.past);
    free(pools[0].v);
    free(pools[1].v);
    rng_dispose(&r);
    return rc;
}
