/* SPDX-License-Identifier: MIT */
/*
 * The reference city's market entities, generated: a pure function of the seed and the scale.
 * Regions are weighted by the counties' sizes; enterprises get an industry (GB/T 4754) and,
 * for industries of the 12 chains, the chain; tiers and the 400 "远航" key enterprises are
 * drawn over a shuffled order of the enterprises; each key enterprise gets a service officer.
 * Codes are valid USCCs made unique by a bijection of the entity's index.
 */
#include "registry/registry_demo.h"
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

int registry_demo(struct db *w, struct rng *r, const struct demo_scale *s, const int64_t *officers,
                  size_t nofficers, struct demo_result *out)
{
    size_t total = s->enterprises + s->individuals + s->cooperatives;
    /* Dates are drawn up to a fixed day, so a seed gives the same city whenever it runs. */
    int32_t today = date_from_ymd(DEMO_AS_OF_YEAR, 6, 25), from = date_from_ymd(1995, 1, 1);
    int year, mon, day;
    date_to_ymd(today, &year, &mon, &day);
    /* The tier of each enterprise: a shuffled order decides who is key and who is tiered. */
    size_t ne = s->enterprises;
    uint32_t *rank = xmalloc(ne * sizeof *rank);
    for (size_t i = 0; i < ne; i++)
        rank[i] = (uint32_t)i;
    for (size_t i = ne; i > 1; i--) {
        size_t j = rng_below(r, (uint32_t)i);
        uint32_t t = rank[i - 1];
        rank[i - 1] = rank[j];
        rank[j] = t;
    }
    const size_t tier_end[5] = {
        s->unicorn,
        s->unicorn + s->champion,
        s->unicorn + s->champion + s->little_giant,
        s->unicorn + s->champion + s->little_giant + s->specialized,
        s->unicorn + s->champion + s->little_giant + s->specialized + s->above_scale,
    };
    static const char *const tier_of[5] = {"unicorn", "champion", "little_giant", "specialized",
                                           "above_scale"};
    char name[256], addr[256], person[64], uscc[19], est[DATE_LEN + 1];
    int rc = 0;
    size_t e_index = 0, key_seen = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; !rc && i < total; i++) {
        int county = pick_region(r);
        const struct region_row *reg = &refdata_regions[1 + county];
        struct entity e = {0};
        const struct industry *ind;
        e.region = reg->code;
        e.credit = pick_credit(r);
        e.status = pick_status(r);
        e.tier = "none";
        date_format(from + (int32_t)rng_below(r, (uint32_t)(today - from)), est);
        e.established = est;
        if (i < s->enterprises) {
            uint32_t rk = rank[e_index++];
            int tiered = rk < tier_end[4];
            ind = &enterprise_industries[rng_below(r, N_ENT_IND)];
            /* Tiered enterprises are industrial, so they belong to a chain. */
            while (tiered && !ind->chain)
                ind = &enterprise_industries[rng_below(r, N_ENT_IND)];
            for (int t = 0; t < 5; t++)
                if (rk < tier_end[t]) {
                    e.tier = tier_of[t];
                    break;
                }
            if (rk < s->key) {
                e.key = 1;
                e.status = "active";
                e.officer = nofficers ? officers[key_seen % nofficers] : 0;
                key_seen++;
            }
            e.kind = "enterprise";
            e.chain = ind->chain;
            names_enterprise(r, reg->name, ind->word, name, sizeof name);
            make_uscc(i, '9', '1', reg->code, uscc);
        } else if (i < s->enterprises + s->individuals) {
            ind = &individual_trades[rng_below(r, N_TRADES)];
            e.kind = "individual";
            names_individual(r, reg->name, ind->word, name, sizeof name);
            make_uscc(i, '9', '2', reg->code, uscc);
        } else {
            static const struct industry coop = {"A0141", "蔬菜种植", 2};
            ind = &coop;
            e.kind = "cooperative";
            e.chain = 2;
            names_cooperative(r, reg->name, name, sizeof name);
            make_uscc(i, '9', '3', reg->code, uscc);
        }
        names_person(r, person, sizeof person);
        names_address(r, county, addr, sizeof addr);
        /* Annual reports: about 96% of active entities filed last year's. */
        if (!strcmp(e.status, "active") && rng_below(r, 100) < 96)
            e.annual_report_year = year - 1;
        if (!uscc[0]) {
            rc = ERR_INTERNAL;
            break;
        }
        memcpy(e.uscc, uscc, sizeof uscc);
        e.name = name;
        e.legal_rep = person;
        e.address = addr;
        e.industry = ind->code;
        rc = registry_insert(w, &e);
        if (!rc && e.key && out->nkey < DEMO_KEEP)
            memcpy(out->key_uscc[out->nkey++], uscc, sizeof uscc);
        if (!rc && !strcmp(e.kind, "individual") && out->nindividual < DEMO_KEEP)
            memcpy(out->individual_uscc[out->nindividual++], uscc, sizeof uscc);
    }
    out->entities = total;
    free(rank);
    return rc;
}
