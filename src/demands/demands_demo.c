/* SPDX-License-Identifier: MIT */
/*
 * The demands' part of the reference city: the source's half year of 诉求通 — 720 demands from
 * the enterprises that have a service officer, 710 of them closed (98.6%), triaged about half
 * small, a third medium and the rest large, each with the event history its life would have
 * left, and a department account for every department. The demo city has one chain office,
 * the city's (the `chain_office` login), so it routes every medium demand; a county that gets
 * its own chain office account routes its county's from then on. The small scale has a tenth of the
 * demands. A function of d->seed.
 */
#include "demands/demands.h"
#include "accounts/accounts.h"
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

#define HALF_YEAR 182
#define MAX_SERVED 4096
#define NCATEGORIES 8

struct served {
    char uscc[19], region[16];
    int64_t chain, officer;
};

struct demo_ctx {
    struct served *e;
    size_t n;
};

static int collect(void *arg, const char *uscc, const char *region, int64_t chain, int64_t officer)
{
    struct demo_ctx *c = arg;
    if (c->n == MAX_SERVED)
        return 0;
    struct served *s = &c->e[c->n++];
    snprintf(s->uscc, sizeof s->uscc, "%s", uscc);
    snprintf(s->region, sizeof s->region, "%s", region);
    s->chain = chain;
    s->officer = officer;
    return 0;
}

/* What enterprises ask, by category (the order of demands_categories). */
static const char *const titles[NCATEGORIES][4] = {
    {"申请技术改造专项资金", "申报“专精特新”奖补资金兑现", "首台（套）装备奖励申请咨询",
     "研发费用后补助拨付进度"},
    {"新建厂房用地指标申请", "项目用地规划调整", "标准厂房租赁协调", "不动产权证办理加快"},
    {"新增生产线用电增容", "天然气供应保障", "变压器增容报装", "峰谷电价政策咨询"},
    {"流动资金贷款对接", "“鲁担惠企贷”申请", "应收账款融资对接", "贷款贴息政策落实"},
    {"高层次人才引进补贴申请", "技能工人招聘对接", "人才公寓申请", "职称评审政策咨询"},
    {"环评审批加快办理", "施工许可证并联审批", "食品生产许可延续", "特种设备使用登记"},
    {"出口退税政策咨询", "高新技术企业认定辅导", "稳岗返还政策咨询", "增值税留抵退税咨询"},
    {"厂区周边道路修复", "企业周边公交线路协调", "员工子女入学协调", "厂区污水管网接入"},
};

static const char *const category_codes[NCATEGORIES] = {
    "funding", "land", "energy", "finance", "talent", "approval", "policy", "other",
};

/* The department that guarantees each category (refdata's ids). */
static const int category_department[NCATEGORIES] = {11, 2, 4, 5, 7, 8, 10, 13};

static const char *const resolutions[] = {
    "已现场对接，相关手续已办结，企业诉求已解决。",
    "已协调相关部门出具书面答复，政策已兑现到位。",
    "已组织专题会议研究，明确责任单位和完成时限，现已落实。",
    "已对接金融机构完成授信，资金已到位。",
};

struct event {
    int64_t at, actor;
    const char *action, *from, *to;
};

static int insert_event(struct db *w, int64_t demand, const struct event *e)
{
    struct db_stmt *st;
    int rc = db_prepare(w,
                        "INSERT INTO demand_events(demand, at, actor, action, from_status,"
                        " to_status, detail) VALUES (?, ?, ?, ?, ?, ?, '{}')",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, demand);
    if (!rc)
        rc = db_bind_int(st, 2, e->at);
    if (!rc)
        rc = e->actor ? db_bind_int(st, 3, e->actor) : db_bind_null(st, 3);
    if (!rc)
        rc = db_bind_text(st, 4, e->action, -1);
    if (!rc)
        rc = db_bind_text(st, 5, e->from, -1);
    if (!rc)
        rc = db_bind_text(st, 6, e->to, -1);
    return rc ? rc : db_run(st);
}

/* Accounts the routing needs: one per department (the demo login serves the first),
 * password-less as the officers are. */
static int demo_accounts(struct db *w, int64_t dept_user[32], int64_t *chain_city,
                         int64_t *city_office)
{
    int rc = accounts_find(w, "chain_office", chain_city);
    if (!rc)
        rc = accounts_find(w, "city_office", city_office);
    if (!rc)
        rc = accounts_find(w, "department", &dept_user[1]);
    for (const struct department_row *d = refdata_departments; !rc && d->id; d++) {
        if (d->id == 1 || d->id >= 32)
            continue;
        char username[32], display[96];
        snprintf(username, sizeof username, "dept%02d", d->id);
        snprintf(display, sizeof display, "%s 联络员", d->name);
        struct user_new u = {.username = username,
                             .display_name = display,
                             .role = "department",
                             .department = d->id,
                             .password_hash = "!"};
        const char *field;
        rc = accounts_create(w, NULL, &u, &dept_user[d->id], &field);
    }
    return rc;
}

/* A working moment i working days after the instant t, at a random hour of the day. */
static int64_t later(struct rng *r, int64_t t, int days)
{
    int32_t day = refdata_add_workdays(date_of(t), days);
    return date_start(day) + (8 + (int)rng_below(r, 9)) * 3600 + (int)rng_below(r, 3600);
}

int demands_demo(struct db *w, struct demo *d)
{
    struct demo_ctx c = {calloc(MAX_SERVED, sizeof *c.e), 0};
    int64_t dept_user[32] = {0}, chain_city = 0, city_office = 0;
    struct demand_deadlines dl;
    int rc = refdata_calendar_reload(w);
    if (!rc)
        rc = demands_deadlines(w, &dl);
    if (!rc)
        rc = registry_each_served(w, collect, &c);
    if (!rc)
        rc = demo_accounts(w, dept_user, &chain_city, &city_office);
    if (rc || c.n == 0) {
        free(c.e);
        return rc;
    }
    size_t total = !strcmp(d->scale, "city") ? 720 : 72, open = total / 72;
    struct rng r;
    rng_init_seed(&r, d->seed ^ 0x64656d616e64ull); /* "demand" */
    int64_t now = time_now();
    for (size_t i = 0; !rc && i < total; i++) {
        /* Oldest first: the newest `open` demands are still being worked on. */
        const struct served *e = &c.e[rng_below(&r, (uint32_t)c.n)];
        int64_t filed = now - (int64_t)(HALF_YEAR - (HALF_YEAR - 2) * i / total) * 86400 +
                        (int64_t)rng_below(&r, 43200);
        if (filed > now - 3600)
            filed = now - 3600;
        int cat = (int)rng_below(&r, NCATEGORIES);
        uint32_t roll = rng_below(&r, 100);
        const char *tier = roll < 55 ? "small" : roll < 90 ? "medium" : "large";
        const char *channel = roll % 5 == 0   ? "web"
                              : roll % 5 <= 2 ? "qr"
                              : roll % 5 == 3 ? "officer"
                                              : "phone";
        size_t left = total - i; /* the last ones stop at a stage of their life */
        int stages = left > open ? 7 : (int)(left % 6) + 1;
        int days = demands_tier_days(&dl, tier), late = rng_below(&r, 100) < 3;
        int work = late ? days + 1 + (int)rng_below(&r, 3) : 1 + (int)rng_below(&r, (uint32_t)days);
        int64_t lead = dept_user[category_department[cat]];
        int small = !strcmp(tier, "small");
        int64_t router = !strcmp(tier, "large") ? city_office : chain_city;
        int64_t handler = small ? e->officer : lead;
        struct event ev[7] = {
            {filed, 0, "submit", NULL, "submitted"},
            {later(&r, filed, 0), small ? e->officer : chain_city, "triage", "submitted",
             small ? "assigned" : "triaged"},
            {later(&r, filed, 1), router, "assign", "triaged", "assigned"},
            {later(&r, filed, 1), handler, "start", "assigned", "in_progress"},
            {later(&r, filed, work), handler, "resolve", "in_progress", "resolved"},
            {later(&r, filed, work + 1), 0, "confirm", "resolved", "closed"},
        };
        int nev = small ? 5 : 6; /* a small demand skips assign: triage assigns it */
        if (small)
            memmove(&ev[2], &ev[3], 3 * sizeof ev[0]);
        int shown = stages >= 7 ? nev : stages < nev ? stages : nev - 1;
        for (int k = 1; k < nev; k++) /* each step after the one before it */
            if (ev[k].at <= ev[k - 1].at)
                ev[k].at = ev[k - 1].at + 600 + (int64_t)rng_below(&r, 3600);
        for (int k = shown - 1; k >= 0; k--) { /* and none in the future */
            int64_t limit = k == shown - 1 ? now - 60 : ev[k + 1].at - 60;
            if (ev[k].at > limit)
                ev[k].at = limit;
        }
        const char *status = ev[shown - 1].to;
        char due[DATE_LEN + 1];
        date_format(refdata_add_workdays(date_of(ev[1].at), days), due);
        int rating = (int)rng_below(&r, 100);
        rating = rating < 80 ? 5 : rating < 95 ? 4 : rating < 99 ? 3 : 2;
        struct db_stmt *st;
        rc = db_prepare(
            w,
            "INSERT INTO demands(uscc, region, chain, officer, title, body, category, channel,"
            " tier, status, office_region, assignee, department, filed_by, filed_at, due, late,"
            " resolution, resolved_at, closed_at, days_to_close, rating, comment, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &st);
        char title[128], body[512];
        snprintf(title, sizeof title, "%s", titles[cat][rng_below(&r, 4)]);
        snprintf(body, sizeof body,
                 "我公司近期在%s方面遇到困难，影响项目推进，恳请相关部门协调解决。联系人：%s。",
                 demands_categories[cat].label, "企业办公室");
        int closed = shown == nev && !strcmp(status, "closed");
        int resolved = shown >= nev - 1;
        int k = 1;
        if (!rc)
            rc = db_bind_text(st, k++, e->uscc, -1);
        if (!rc)
            rc = db_bind_text(st, k++, e->region, -1);
        if (!rc)
            rc = e->chain ? db_bind_int(st, k++, e->chain) : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_int(st, k++, e->officer);
        if (!rc)
            rc = db_bind_text(st, k++, title, -1);
        if (!rc)
            rc = db_bind_text(st, k++, body, -1);
        if (!rc)
            rc = db_bind_text(st, k++, category_codes[cat], -1);
        if (!rc)
            rc = db_bind_text(st, k++, channel, -1);
        if (!rc)
            rc = shown > 1 ? db_bind_text(st, k++, tier, -1) : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_text(st, k++, status, -1);
        if (!rc)
            rc = shown > 1 && !small ? db_bind_text(st, k++, CITY_REGION, -1)
                                     : db_bind_null(st, k++);
        if (!rc)
            rc = shown > 1 && small ? db_bind_int(st, k++, e->officer) : db_bind_null(st, k++);
        if (!rc)
            rc = shown > 2 && !small ? db_bind_int(st, k++, category_department[cat])
                                     : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_int(st, k++, filed);
        if (!rc)
            rc = shown > 1 ? db_bind_text(st, k++, due, -1) : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_int(st, k++, resolved && late);
        if (!rc)
            rc = resolved ? db_bind_text(st, k++, resolutions[rng_below(&r, 4)], -1)
                          : db_bind_null(st, k++);
        if (!rc)
            rc = resolved ? db_bind_int(st, k++, ev[nev - 2].at) : db_bind_null(st, k++);
        if (!rc)
            rc = closed ? db_bind_int(st, k++, ev[nev - 1].at) : db_bind_null(st, k++);
        if (!rc)
            rc =
                closed
                    ? db_bind_int(st, k++,
                                  refdata_workdays_between(date_of(filed), date_of(ev[nev - 1].at)))
                    : db_bind_null(st, k++);
        if (!rc)
            rc = closed ? db_bind_int(st, k++, rating) : db_bind_null(st, k++);
        if (!rc)
            rc = closed && rating < 5
                     ? db_bind_text(st, k++, "总体满意，希望进一步加快办理进度。", -1)
                 : closed ? db_bind_text(st, k++, "办理及时，非常满意！", -1)
                          : db_bind_null(st, k++);
        if (!rc)
            rc = db_bind_int(st, k++, ev[shown - 1].at);
        if (!rc)
            rc = db_run(st);
        int64_t id = rc ? 0 : db_last_id(w);
        for (int j = 0; !rc && j < shown; j++)
            rc = insert_event(w, id, &ev[j]);
    }
    rng_dispose(&r);
    free(c.e);
    return rc;
}
