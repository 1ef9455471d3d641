/* SPDX-License-Identifier: MIT */
/*
 * The accounts' part of the reference city: one login per staff role, and the service
 * officers the registry assigns to key enterprises (only the first, "officer", can log in).
 * Every account goes through accounts_create, so each has its audit row.
 */
#include "accounts/accounts.h"
#include "core/err.h"
#include "core/names.h"
#include "core/rng.h"
#include "http/module.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int accounts_demo_login(struct db *w, struct demo *d, const struct user_new *u)
{
    if (d->nlogins == DEMO_MAX_LOGINS)
        return ERR_TOOLARGE;
    struct demo_login *l = &d->logins[d->nlogins];
    unsigned char raw[12];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(l->password, sizeof l->password, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    struct user_new x = *u;
    x.password = l->password;
    int64_t id;
    const char *field = NULL;
    int rc = accounts_create(w, NULL, &x, &id, &field);
    if (rc) {
        fprintf(stderr, "创建演示账号 %s 失败：%s\n", u->username,
                rc == ERR_CONFLICT ? "用户名已存在" : accounts_field_message(field));
        return rc;
    }
    snprintf(l->username, sizeof l->username, "%s", u->username);
    snprintf(l->role, sizeof l->role, "%s", u->role);
    snprintf(l->region, sizeof l->region, "%s", u->region ? u->region : CITY_REGION);
    d->nlogins++;
    return 0;
}

int accounts_demo_hook(struct db *w, struct demo *d)
{
    static const struct user_new staff[] = {
        {.username = "bureau", .role = "bureau", .display_name = "市市场监管局 王明"},
        {.username = "bureau_dcf",
         .role = "bureau",
         .region = "371502",
         .display_name = "东昌府区市场监管局 李静"},
        {.username = "inspector",
         .role = "inspector",
         .department = 10,
         .display_name = "市市场监管局执法人员 赵强"},
        {.username = "officer", .role = "officer", .display_name = "驻企服务员 刘洋"},
        {.username = "chain_office", .role = "chain_office", .display_name = "链长办 陈刚"},
        {.username = "department",
         .role = "department",
         .department = 1,
         .display_name = "市财政局 孙丽"},
        {.username = "city_office", .role = "city_office", .display_name = "市链长办 周涛"},
    };
    int rc = 0;
    int64_t first = 0;
    for (size_t i = 0; !rc && i < sizeof staff / sizeof staff[0]; i++)
        rc = accounts_demo_login(w, d, &staff[i]);
    if (!rc)
        rc = accounts_find(w, "officer", &first);
    /* One officer per 远航 key enterprise: 400 in the city, 40 in the small one. */
    size_t n = !strcmp(d->scale, "city") ? 400 : 40;
    d->officers = calloc(n, sizeof *d->officers);
    d->officers[0] = first;
    d->nofficers = 1;
    struct rng people;
    rng_init_seed(&people, d->seed ^ 0x6f6666696365ull); /* "office": officers' names */
    for (size_t i = 1; !rc && i < n; i++) {
        char username[32], person[64];
        snprintf(username, sizeof username, "officer%03zu", i + 1);
        names_person(&people, person, sizeof person);
        struct user_new u = {
            .username = username, .display_name = person, .role = "officer", .password_hash = "!"};
        const char *field;
        rc = accounts_create(w, NULL, &u, &d->officers[i], &field);
        d->nofficers += !rc;
    }
    rng_dispose(&people);
    return rc;
}
