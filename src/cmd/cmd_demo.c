/* SPDX-License-Identifier: MIT */
/*
 * `jianguan demo`: fill an empty database with the reference city — its officers, its market
 * entities, and one login per role, whose passwords are printed and written to a credentials
 * file. The data is a function of --seed and --scale; only password hashes and timestamps
 * differ between runs.
 */
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "cmd/cmd.h"
#include "core/err.h"
#include "core/names.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "db/db.h"
#include "refdata/refdata.h"
#include "registry/registry_demo.h"

#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct opt demo_opts[] = {
    {"db", "JIANGUAN_DB", "data/jianguan.db", "数据库文件路径", 0},
    {"scale", NULL, "small", "规模：small（约 1/100）或 city（71 万市场主体）", 0},
    {"seed", NULL, "1", "随机种子（同一种子生成相同数据）", 0},
    {"credentials", NULL, NULL, "演示账号文件（默认与数据库同目录的 credentials.txt）", 0},
    {NULL, NULL, NULL, NULL, 0},
};
enum { O_DB, O_SCALE, O_SEED, O_CRED };

struct login {
    const char *username, *role, *region, *display;
    int64_t department;
    int entity; /* index into the kept key enterprises, -1 none */
    char password[24];
};

static void random_password(char out[24])
{
    unsigned char raw[12];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 24, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int entities_empty(struct db *w)
{
    static const char sql[] = "SELECT count(*) FROM entities";
    struct db_stmt *st;
    if (db_prepare(w, sql, &st))
        return -1;
    int empty = db_step(st) == DB_ROW && db_col_int(st, 0) == 0;
    db_done(st);
    return empty;
}

/* Creates the officers (no password: only the demo login "officer" can log in). */
static int make_officers(struct db *w, struct rng *r, size_t n, int64_t *ids)
{
    static const char sql[] =
        "INSERT INTO users(username, display_name, role, region, password_hash, created_at)"
        " VALUES (?, ?, 'officer', '371500', '!', ?)";
    for (size_t i = 0; i < n; i++) {
        char username[32], person[64];
        snprintf(username, sizeof username, "officer%03zu", i + 1);
        names_person(r, person, sizeof person);
        struct db_stmt *st;
        int rc = db_prepare(w, sql, &st);
        if (rc)
            return rc;
        db_bind_text(st, 1, username, -1);
        db_bind_text(st, 2, person, -1);
        db_bind_int(st, 3, time_now());
        rc = db_run(st);
        if (rc)
            return rc;
        ids[i] = db_last_id(w);
    }
    return 0;
}

static int write_credentials(const char *path, const struct login *logins, size_t n, const char *db,
                             const char *scale, uint64_t seed)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "无法写入 %s\n", path);
        return ERR_IO;
    }
    chmod(path, 0600);
    fprintf(f, "# jianguan 演示账号（%s，规模 %s，种子 %llu）\n# 用户名\t密码\t角色\t区划\n", db,
            scale, (unsigned long long)seed);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\t%s\t%s\t%s\n", logins[i].username, logins[i].password, logins[i].role,
                logins[i].region);
    return fclose(f) ? ERR_IO : 0;
}

int cmd_demo(int argc, char **argv)
{
    const char *v[OPT_MAX];
    int rc =
        opts_parse(argc, argv, demo_opts,
                   "jianguan demo --db 路径 --scale small|city [--seed N] [--credentials 文件]", v);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (strcmp(v[O_SCALE], "small") && strcmp(v[O_SCALE], "city")) {
        fprintf(stderr, "--scale 须为 small 或 city\n");
        return 2;
    }
    char *end;
    uint64_t seed = strtoull(v[O_SEED], &end, 10);
    if (!*v[O_SEED] || *end) {
        fprintf(stderr, "--seed 须为非负整数\n");
        return 2;
    }
    char cred[4096];
    if (v[O_CRED]) {
        snprintf(cred, sizeof cred, "%s", v[O_CRED]);
    } else {
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", v[O_DB]);
        snprintf(cred, sizeof cred, "%s/credentials.txt", dirname(copy));
    }
    if (cmd_open_db(v[O_DB], 1))
        return 1;
    struct demo_scale s;
    registry_demo_scale(v[O_SCALE], &s);
    struct login logins[] = {
        {"bureau", "bureau", "371500", "市市场监管局 王明", 0, -1, ""},
        {"bureau_dcf", "bureau", "371502", "东昌府区市场监管局 李静", 0, -1, ""},
        {"inspector", "inspector", "371500", "执法人员 赵强", 0, -1, ""},
        {"officer", "officer", "371500", "驻企服务员 刘洋", 0, -1, ""},
        {"chain_office", "chain_office", "371500", "链长办 陈刚", 0, -1, ""},
        {"department", "department", "371500", "市财政局 孙丽", 1, -1, ""},
        {"city_office", "city_office", "371500", "市链长办 周涛", 0, -1, ""},
        {"enterprise", "enterprise", "371500", NULL, 0, 0, ""},
        {"station", "station", "371500", NULL, 0, 1, ""},
        {"slaughterhouse", "slaughterhouse", "371500", NULL, 0, 2, ""},
    };
    const size_t nlogins = sizeof logins / sizeof logins[0];
    uint64_t t0 = time_mono_ns();
    struct rng people, city;
    rng_init_seed(&people, seed ^ 0x6f6666696365ull); /* "office": officers' names */
    rng_init_seed(&city, seed);
    int64_t *officers = calloc(s.key + 1, sizeof *officers);
    struct demo_result res;
    struct db *w = db_write_begin();
    if (w)
        db_bulk_mode(w, 1);
    rc = w ? refdata_load(w) : ERR_DB;
    if (!rc && entities_empty(w) != 1) {
        fprintf(stderr, "数据库已有市场主体：演示数据只能生成到空库中\n");
        rc = ERR_CONFLICT;
    }
    /* The "officer" login is the first officer; the others cannot log in. */
    int64_t first = 0;
    const char *field = NULL;
    if (!rc) {
        random_password(logins[3].password);
        struct user_new u = {.username = "officer",
                             .display_name = logins[3].display,
                             .role = "officer",
                             .region = "371500",
                             .password = logins[3].password};
        rc = accounts_create(w, 0, &u, &first, &field);
        officers[0] = first;
    }
    if (!rc && s.key > 1)
        rc = make_officers(w, &people, s.key - 1, officers + 1);
    if (!rc)
        rc = registry_demo(w, &city, &s, officers, s.key, &res);
    for (size_t i = 0; !rc && i < nlogins; i++) {
        if (i == 3)
            continue;
        int64_t id;
        random_password(logins[i].password);
        const char *entity = logins[i].entity >= 0 && (size_t)logins[i].entity < res.nkey
                                 ? res.key_uscc[logins[i].entity]
                                 : NULL;
        struct user_new u = {.username = logins[i].username,
                             .display_name = logins[i].display,
                             .role = logins[i].role,
                             .region = logins[i].region,
                             .department = logins[i].department,
                             .entity = entity,
                             .password = logins[i].password};
        rc = accounts_create(w, 0, &u, &id, &field);
        if (rc)
            fprintf(stderr, "创建演示账号 %s 失败：%s\n", logins[i].username,
                    rc == ERR_CONFLICT ? "用户名已存在" : accounts_field_message(field));
    }
    if (!rc)
        rc = db_analyze(w);
    if (!rc) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"scale\":\"%s\",\"seed\":%llu,\"entities\":%zu}",
                 v[O_SCALE], (unsigned long long)seed, res.entities);
        rc = audit_record(w, 0, NULL, "demo.generate", "database", detail);
    }
    if (w) {
        rc = db_write_end(w, rc);
        db_bulk_mode(w, 0);
    }
    free(officers);
    rng_dispose(&people);
    rng_dispose(&city);
    db_global_shutdown();
    if (rc) {
        fprintf(stderr, "生成演示数据失败\n");
        return 1;
    }
    if (write_credentials(cred, logins, nlogins, v[O_DB], v[O_SCALE], seed))
        return 1;
    printf("已生成聊城市演示数据：%zu 个市场主体，%zu 名驻企服务员，用时 %.1f 秒\n", res.entities,
           s.key, (double)(time_mono_ns() - t0) / 1e9);
    printf("演示账号（已写入 %s）：\n", cred);
    for (size_t i = 0; i < nlogins; i++)
        printf("  %-16s %-18s %s\n", logins[i].username, logins[i].password, logins[i].role);
    return 0;
}
