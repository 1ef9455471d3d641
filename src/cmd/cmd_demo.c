/* SPDX-License-Identifier: MIT */
/*
 * `jianguan demo`: fill an empty database with the reference city. Each module writes its own
 * part through its demo hook (src/modules.c gives the order): reference data, staff and
 * officers, market entities and their owners' logins. The logins' passwords are printed and
 * written to a credentials file. The data is a function of --seed and --scale; only password hashes
 * and timestamps differ between runs.
 */
#include "audit/audit.h"
#include "cmd/cmd.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "db/db.h"
#include "http/module.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct opt demo_opts[] = {
    {"db", "JIANGUAN_DB", "data/jianguan.db",
     "数据库：文件路径（SQLite）或 postgresql://…（PostgreSQL）", 0},
    {"scale", NULL, "small", "规模：small（约 1/100）或 city（71 万市场主体）", 0},
    {"seed", NULL, "1", "随机种子（同一种子生成相同数据）", 0},
    {"credentials", NULL, NULL, "演示账号文件（默认与数据库同目录的 credentials.txt）", 0},
    {NULL, NULL, NULL, NULL, 0},
};
enum { O_DB, O_SCALE, O_SEED, O_CRED };

static int entities_empty(struct db *w)
{
    static const char sql[] = "SELECT count(*) FROM entities";
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (!rc)
        rc = db_step(st);
    int empty = rc == DB_ROW && db_col_int(st, 0) == 0;
    db_done(st);
    return rc < 0 ? rc : empty;
}

static int write_credentials(const char *path, const struct demo *d, const char *db)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "无法写入 %s\n", path);
        return ERR_IO;
    }
    chmod(path, 0600);
    fprintf(f, "# jianguan 演示账号（%s，规模 %s，种子 %llu）\n# 用户名\t密码\t角色\t区划\n", db,
            d->scale, (unsigned long long)d->seed);
    for (size_t i = 0; i < d->nlogins; i++)
        fprintf(f, "%s\t%s\t%s\t%s\n", d->logins[i].username, d->logins[i].password,
                d->logins[i].role, d->logins[i].region);
    return fclose(f) ? ERR_IO : 0;
}

/* Runs every module's demo hook in one transaction, in the order of the module list. */
static int generate(struct demo *d)
{
    struct db *w = db_write_begin();
    if (!w)
        return ERR_DB;
    db_bulk_mode(w, 1);
    int rc = entities_empty(w);
    if (rc == 0) {
        fprintf(stderr, "数据库已有市场主体：演示数据只能生成到空库中\n");
        rc = ERR_CONFLICT;
    } else if (rc == 1) {
        rc = 0;
    }
    /* Each module's share of the time on standard error: the city takes minutes. */
    for (const struct module *const *m = modules; !rc && *m; m++) {
        if (!(*m)->demo)
            continue;
        uint64_t t0 = time_mono_ns();
        rc = (*m)->demo(w, d);
        if (!rc)
            fprintf(stderr, "  %s：%.1f 秒\n", (*m)->label, (double)(time_mono_ns() - t0) / 1e9);
    }
    uint64_t t1 = time_mono_ns();
    if (!rc)
        rc = db_analyze(w);
    if (!rc) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"scale\":\"%s\",\"seed\":%llu,\"entities\":%zu}",
                 d->scale, (unsigned long long)d->seed, d->entities);
        rc = audit_record(w, 0, NULL, "demo.generate", "database", detail);
    }
    rc = db_write_end(w, rc);
    db_bulk_mode(w, 0);
    if (!rc)
        rc = db_checkpoint(db_read()); /* the city's WAL (hundreds of MB) is given back */
    if (!rc)
        fprintf(stderr, "  统计信息、提交与写回数据库：%.1f 秒\n",
                (double)(time_mono_ns() - t1) / 1e9);
    return rc;
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
        db_local_name(v[O_DB], copy, sizeof copy); /* a server's files live in data/ */
        snprintf(cred, sizeof cred, "%s/credentials.txt", dirname(copy));
    }
    if (cmd_open_db(v[O_DB], 1))
        return 1;
    uint64_t t0 = time_mono_ns();
    struct demo d = {.scale = v[O_SCALE], .seed = seed};
    rc = generate(&d);
    free(d.officers);
    db_global_shutdown();
    if (rc) {
        fprintf(stderr, "生成演示数据失败\n");
        return 1;
    }
    if (write_credentials(cred, &d, v[O_DB]))
        return 1;
    printf("已生成聊城市演示数据：%zu 个市场主体，%zu 名驻企服务员，用时 %.1f 秒\n", d.entities,
           d.nofficers, (double)(time_mono_ns() - t0) / 1e9);
    printf("演示账号（已写入 %s）：\n", cred);
    for (size_t i = 0; i < d.nlogins; i++)
        printf("  %-16s %-18s %s\n", d.logins[i].username, d.logins[i].password, d.logins[i].role);
    return 0;
}
