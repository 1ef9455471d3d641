/* SPDX-License-Identifier: MIT */
/*
 * The reference city's market entities, generated: a pure function of the seed and the scale.
 * Regions are weighted by the counties' sizes; enterprises get an industry (GB/T 4754) and,
 * for industries of the 12 chains, the chain; tiers and the 400 "远航" key enterprises are
 * drawn over a shuffled order of the enterprises; each key enterprise gets a service officer.
 * Codes are valid USCCs made unique by a bijection of the entity's index.
 */
#include "registry/registry_demo.h"
#include "registry/registry_search.h"
#include "accounts/accounts.h"
#include "http/module.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/names.h"
#include "core/timeutil.h"
#include "core/uscc.h"
#include "refdata/refdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct industry {
    const char *code, *word;
    int chain; /* 0: outside the 12 chains */
};

static const struct industry enterprise_industries[] = {
    {"C3216", "铝业", 1},         {"C3252", "铜业", 1},     {"C3340", "金属制品", 1},
    {"C1351", "食品", 2},         {"C1361", "粮油", 2},     {"C1399", "农产品加工", 2},
    {"C3120", "钢管", 3},         {"C3140", "钢材", 3},     {"C3391", "铸造", 3},
    {"C2614", "化工", 4},         {"C2621", "化肥", 4},     {"C2659", "新材料", 4},
    {"C3021", "水泥制品", 5},     {"C3039", "建材", 5},     {"C3042", "玻璃", 5},
    {"C3572", "农业机械", 6},     {"C3451", "轴承", 6},     {"C3499", "机械制造", 6},
    {"C3670", "汽车零部件", 7},   {"C3660", "汽车配件", 7}, {"C1711", "纺织", 8},
    {"C1810", "服装", 8},         {"C1773", "家纺", 8},     {"C3612", "新能源汽车", 9},
    {"C3841", "电池", 9},         {"C2221", "纸业", 10},    {"C2319", "印刷", 10},
    {"C2231", "包装", 10},        {"C2710", "医药", 11},    {"C2761", "生物科技", 11},
    {"C2770", "卫生材料", 11},    {"I6510", "软件", 12},    {"C3982", "电子", 12},
    {"I6450", "信息技术", 12},    {"F5123", "商贸", 0},     {"E4710", "建筑工程", 0},
    {"G5430", "物流", 0},         {"H6210", "餐饮管理", 0}, {"K7010", "房地产开发", 0},
    {"L7211", "企业管理咨询", 0}, {"F5261", "汽车销售", 0}, {"A0511", "农业科技", 0},
};
#define N_ENT_IND (sizeof enterprise_industries / sizeof enterprise_industries[0])

static const struct industry individual_trades[] = {
    {"F5211", "超市", 0},     {"F5212", "便利店", 0}, {"F5234", "五金店", 0},
    {"H6210", "家常菜馆", 0}, {"O8010", "理发店", 0}, {"F5232", "服装店", 0},
    {"F5225", "水果店", 0},   {"O8111", "汽修店", 0}, {"F5251", "药店", 0},
    {"F5221", "副食店", 0},   {"H6291", "小吃店", 0}, {"F5237", "电器维修部", 0},
};
#define N_TRADES (sizeof individual_trades / sizeof individual_trades[0])

/* County weights (per mille) in the order of refdata_regions after the city. */
static const int region_weight[11] = {200, 100, 100, 120, 60, 90, 80, 120, 50, 50, 30};

void registry_demo_scale(const char *scale, struct demo_scale *s)
{
    memset(s, 0, sizeof *s);
    if (scale && !strcmp(scale, "city")) {
        *s = (struct demo_scale){200000, 500000, 10000, 400, 2600, 350, 40, 15, 1};
    } else {
        /* 1/100 of the city, but enough key enterprises to work with. */
        *s = (struct demo_scale){2000, 5000, 100, 40, 60, 20, 5, 2, 1};
    }
}

static int pick_region(struct rng *r)
{
    uint32_t x = rng_below(r, 1000);
    for (int i = 0; i < 11; i++) {
        if (x < (uint32_t)region_weight[i])
            return i;
        x -= (uint32_t)region_weight[i];
    }
    return 0;
}

/* A valid, unique code for entity index i: the organisation body is an affine bijection of i
 * over 31^8, written in the USCC alphabet. */
static void make_uscc(uint64_t i, char auth, char type, const char *division, char out[19])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const uint64_t m = 852891037441ull;                  /* 31^8 */
    uint64_t v = (i * 600000000011ull + 7777777ull) % m; /* 600000000011 is prime to 31 */
    char org[9];
    for (int k = 7; k >= 0; k--) {
        org[k] = alphabet[v % 31];
        v /= 31;
    }
    org[8] = '\0';
    uscc_build(auth, type, division, org, out);
}

static const char *pick_credit(struct rng *r)
{
    uint32_t x = rng_below(r, 100);
    return x < 30 ? "A" : x < 85 ? "B" : x < 97 ? "C" : "D";
}

static const char *pick_status(struct rng *r)
{
    uint32_t x = rng_below(r, 100);
    return x < 92 ? "active" : x < 98 ? "deregistered" : "revoked";
}

/* The state of one generation run: the draws, and where the loop is. */
struct gen {
    struct rng *r;
    const struct demo_scale *s;
    uint32_t *rank; /* a shuffled order of the enterprises: who is key, who is tiered */
    size_t tier_end[5];
    size_t e_index, key_seen;
    int32_t today, from;
    int year;
    const int64_t *officers;
    size_t nofficers;
};

/* The industry and kind of entity i (the enterprises first, then individuals, then
 * cooperatives), its name and code; sets the enterprise-only members of v. */
static const struct industry *draw_kind(struct gen *g, size_t i, const struct region_row *reg,
                                        json_t *v, char name[256], char uscc[19])
{
    static const char *const tier_of[5] = {"unicorn", "champion", "little_giant", "specialized",
                                           "above_scale"};
    static const struct industry coop = {"A0141", "蔬菜种植", 2};
    const struct industry *ind;
    if (i >= g->s->enterprises + g->s->individuals) {
        json_object_set_new(v, "kind", json_string("cooperative"));
        names_cooperative(g->r, reg->name, name, 256);
        make_uscc(i, '9', '3', reg->code, uscc);
        return &coop;
    }
    if (i >= g->s->enterprises) {
        ind = &individual_trades[rng_below(g->r, N_TRADES)];
        json_object_set_new(v, "kind", json_string("individual"));
        names_individual(g->r, reg->name, ind->word, name, 256);
        make_uscc(i, '9', '2', reg->code, uscc);
        return ind;
    }
    uint32_t rk = g->rank[g->e_index++];
    int tiered = rk < g->tier_end[4];
    ind = &enterprise_industries[rng_below(g->r, N_ENT_IND)];
    /* Tiered enterprises are industrial, so they belong to a chain. */
    while (tiered && !ind->chain)
        ind = &enterprise_industries[rng_below(g->r, N_ENT_IND)];
    for (int t = 0; t < 5; t++)
        if (rk < g->tier_end[t]) {
            json_object_set_new(v, "tier", json_string(tier_of[t]));
            break;
        }
    if (rk < g->s->key) {
        json_object_set_new(v, "key", json_true());
        json_object_set_new(v, "status", json_string("active"));
        if (g->nofficers)
            json_object_set_new(v, "officer",
                                json_integer(g->officers[g->key_seen % g->nofficers]));
        g->key_seen++;
    }
    json_object_set_new(v, "kind", json_string("enterprise"));
    names_enterprise(g->r, reg->name, ind->word, name, 256);
    make_uscc(i, '9', '1', reg->code, uscc);
    return ind;
}

/* Draws entity i as the values of an entity record; NULL on a generator fault. */
static json_t *draw_entity(struct gen *g, size_t i)
{
    char name[256], addr[256], person[64], uscc[19] = "", est[DATE_LEN + 1];
    int county = pick_region(g->r);
    const struct region_row *reg = &refdata_regions[1 + county];
    const char *credit = pick_credit(g->r), *status = pick_status(g->r);
    date_format(g->from + (int32_t)rng_below(g->r, (uint32_t)(g->today - g->from)), est);
    json_t *v = json_pack("{s:s,s:s,s:s,s:s}", "region", reg->code, "credit", credit, "status",
                          status, "established", est);
    const struct industry *ind = draw_kind(g, i, reg, v, name, uscc);
    names_person(g->r, person, sizeof person);
    names_address(g->r, county, addr, sizeof addr);
    /* Annual reports: about 96% of active entities filed last year's. */
    status = json_string_value(json_object_get(v, "status"));
    if (!strcmp(status, "active") && rng_below(g->r, 100) < 96)
        json_object_set_new(v, "annual_report_year", json_integer(g->year - 1));
    if (!uscc[0]) {
        json_decref(v);
        return NULL;
    }
    if (ind->chain)
        json_object_set_new(v, "chain", json_integer(ind->chain));
    json_object_set_new(v, "uscc", json_string(uscc));
    json_object_set_new(v, "name", json_string(name));
    json_object_set_new(v, "legal_rep", json_string(person));
    json_object_set_new(v, "address", json_string(addr));
    json_object_set_new(v, "industry", json_string(ind->code));
    return v;
}

/* Fills the shuffled ranks of the enterprises and the bounds of each tier among them. */
static void gen_init(struct gen *g, struct rng *r, const struct demo_scale *s)
{
    g->r = r;
    g->s = s;
    /* Dates are drawn up to a fixed day, so a seed gives the same city whenever it runs. */
    g->today = date_from_ymd(DEMO_AS_OF_YEAR, 6, 25);
    g->from = date_from_ymd(1995, 1, 1);
    int mon, day;
    date_to_ymd(g->today, &g->year, &mon, &day);
    size_t ne = s->enterprises;
    g->rank = xmalloc((ne ? ne : 1) * sizeof *g->rank);
    for (size_t i = 0; i < ne; i++)
        g->rank[i] = (uint32_t)i;
    for (size_t i = ne; i > 1; i--) {
        size_t j = rng_below(r, (uint32_t)i);
        uint32_t t = g->rank[i - 1];
        g->rank[i - 1] = g->rank[j];
        g->rank[j] = t;
    }
    size_t counts[5] = {s->unicorn, s->champion, s->little_giant, s->specialized, s->above_scale};
    for (int t = 0; t < 5; t++)
        g->tier_end[t] = (t ? g->tier_end[t - 1] : 0) + counts[t];
}

int registry_demo(struct db *w, struct rng *r, const struct demo_scale *s, const int64_t *officers,
                  size_t nofficers, struct demo_result *out)
{
    size_t total = s->enterprises + s->individuals + s->cooperatives;
    struct gen g = {.officers = officers, .nofficers = nofficers};
    gen_init(&g, r, s);
    struct db_stmt *load;
    memset(out, 0, sizeof *out);
    int rc = rec_load_begin(w, &registry_entity, &load); /* COPY on PostgreSQL */
    for (size_t i = 0; !rc && i < total; i++) {
        json_t *v = draw_entity(&g, i);
        rc = v ? rec_load(load, &registry_entity, v) : ERR_INTERNAL;
        const char *uscc = v ? json_string_value(json_object_get(v, "uscc")) : "";
        if (!rc && json_is_true(json_object_get(v, "key")) && out->nkey < DEMO_KEEP_ENTITIES)
            snprintf(out->key_uscc[out->nkey++], 19, "%s", uscc);
        if (!rc && i >= s->enterprises && i < s->enterprises + s->individuals &&
            out->nindividual < DEMO_KEEP_ENTITIES)
            snprintf(out->individual_uscc[out->nindividual++], 19, "%s", uscc);
        json_decref(v);
    }
    rc = db_load_end(load, rc);
    out->entities = total;
    free(g.rank);
    return rc;
}

int registry_demo_hook(struct db *w, struct demo *d)
{
    struct demo_scale s;
    struct demo_result res = {0};
    struct rng city;
    registry_demo_scale(d->scale, &s);
    rng_init_seed(&city, d->seed);
    /* The pair index is built once at the end, in key order, rather than row by row; so are
     * the table's own indexes and keys on PostgreSQL. */
    int rc = registry_search_bulk(w, 1);
    if (!rc)
        rc = db_bulk_table(w, "entities", 1);
    if (!rc)
        rc = registry_demo(w, &city, &s, d->officers, d->nofficers, &res);
    if (!rc)
        rc = db_bulk_table(w, "entities", 0);
    if (!rc)
        rc = registry_search_bulk(w, 0);
    rng_dispose(&city);
    d->entities = res.entities;
    d->nkey = res.nkey;
    memcpy(d->key_uscc, res.key_uscc, sizeof d->key_uscc);
    /* One login per owner role, bound to the first key enterprises. */
    static const char *const owners[] = {"enterprise", "station", "slaughterhouse"};
    for (size_t i = 0; !rc && i < 3 && i < res.nkey; i++) {
        /* Greeted by their firm's name, as the people behind such a login would be. */
        json_t *e = NULL;
        rc = registry_get(w, res.key_uscc[i], &e);
        struct user_new u = {.username = owners[i],
                             .role = owners[i],
                             .entity = res.key_uscc[i],
                             .display_name = json_string_value(json_object_get(e, "name"))};
        if (!rc)
            rc = accounts_demo_login(w, d, &u);
        json_decref(e);
    }
    return rc;
}
