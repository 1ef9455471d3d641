/* SPDX-License-Identifier: MIT */
/* `jianguan init`, `jianguan verify audit`, `jianguan version`, and opening the database. */
#include "audit/audit.h"
#include "inspections/inspections.h"
#include "cmd/cmd.h"
#include "core/err.h"
#include "db/db.h"
#include "http/module.h"
#include "http/openapi.h"
#include "core/strbuf.h"
#include "refdata/refdata.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef JIANGUAN_VERSION
#define JIANGUAN_VERSION "0.0.0"
#endif

static const struct opt db_opts[] = {
    {"db", "JIANGUAN_DB", "data/jianguan.db",
     "数据库：文件路径（SQLite）或 postgresql://…（PostgreSQL）", 0},
    {NULL, NULL, NULL, NULL, 0},
};

/* Creates the directory that will hold path, if missing. */
static int make_parent(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    if (mkdir(dir, 0750) && errno != EEXIST) {
        fprintf(stderr, "无法创建目录 %s：%s\n", dir, strerror(errno));
        return ERR_IO;
    }
    return 0;
}

int cmd_open_db(const char *path, int create)
{
    struct stat st;
    char local[4096];
    db_local_name(path, local, sizeof local);
    if (!create && db_is_file(path) && stat(path, &st) != 0) {
        fprintf(stderr, "数据库不存在：%s（请先运行 jianguan init --db %s）\n", path, path);
        return ERR_NOTFOUND;
    }
    if (create && make_parent(local))
        return ERR_IO;
    if (db_global_init(path)) {
        fprintf(stderr, "无法打开数据库：%s\n", path);
        return ERR_DB;
    }
    char key[4200];
    audit_key_path(local, key, sizeof key);
    int rc = audit_load_key(key, create);
    if (rc) {
        fprintf(
            stderr,
            rc == ERR_NOTFOUND
                ? "审计密钥文件缺失：%s（由 jianguan init 创建，或用 JIANGUAN_AUDIT_KEY 指定）\n"
                : "无法读取审计密钥文件：%s\n",
            key);
        db_global_shutdown();
        return rc;
    }
    rc = modules_init();
    if (rc) {
        db_global_shutdown();
        return rc;
    }
    return 0;
}

int cmd_init(int argc, char **argv)
{
    const char *v[OPT_MAX];
    int rc = opts_parse(argc, argv, db_opts, "jianguan init [--db 路径]", v);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (cmd_open_db(v[0], 1))
        return 1;
    struct db *w = db_write_begin();
    rc = w ? refdata_load(w) : ERR_DB;
    if (!rc)
        rc = audit_record(w, 0, NULL, "system.init", "database", NULL);
    if (w)
        rc = db_write_end(w, rc);
    db_global_shutdown();
    if (rc) {
        fprintf(stderr, "初始化失败\n");
        return 1;
    }
    printf("数据库已就绪：%s\n", v[0]);
    return 0;
}

/* `jianguan verify draw --task N`: the draw of an inspection task made again from what the
 * database fixed at commit and the revealed seed, compared with the stored result. */
static int verify_draw(int argc, char **argv)
{
    static const char usage[] = "jianguan verify draw --task 编号 [--db 路径]";
    static const struct opt opts[] = {
        {"db", "JIANGUAN_DB", "data/jianguan.db",
         "数据库：文件路径（SQLite）或 postgresql://…（PostgreSQL）", 0},
        {"task", NULL, NULL, "双随机抽查任务编号", 0},
        {NULL, NULL, NULL, NULL, 0},
    };
    const char *v[OPT_MAX];
    int rc = opts_parse(argc, argv, opts, usage, v);
    if (rc)
        return rc == 1 ? 0 : 2;
    char *end = NULL;
    long long task = v[1] ? strtoll(v[1], &end, 10) : 0;
    if (task <= 0 || !end || *end) {
        fprintf(stderr, "用法：%s\n", usage);
        return 2;
    }
    if (cmd_open_db(v[0], 0))
        return 1;
    struct inspections_check c;
    rc = inspections_verify(db_read(), task, NULL, &c);
    db_global_shutdown();
    if (rc == ERR_NOTFOUND || rc == ERR_CONFLICT) {
        fprintf(stderr, "任务 %lld %s\n", task, rc == ERR_NOTFOUND ? "不存在" : "尚未抽取");
        return 1;
    }
    if (rc) {
        fprintf(stderr, "无法读取任务 %lld\n", task);
        return 1;
    }
    if (c.match) {
        printf("任务 %lld 的抽取结果与重新计算一致\n", task);
        return 0;
    }
    printf("任务 %lld 的抽取结果与重新计算不一致：%s%s%s\n", task,
           c.seed_hash ? "" : "种子与公布的种子哈希不符；",
           c.population_hash ? "" : "名录与公布的名录哈希不符；",
           c.draw ? "" : "重新抽取的对象或检查组与公布的不同");
    return 1;
}

int cmd_verify(int argc, char **argv)
{
    static const char usage[] = "jianguan verify audit|draw [--db 路径] [--task 编号]";
    if (argc >= 2 && !strcmp(argv[1], "draw"))
        return verify_draw(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "audit") != 0) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            opts_help(usage, db_opts);
            return 0;
        }
        fprintf(stderr, "用法：%s\n", usage);
        return 2;
    }
    const char *v[OPT_MAX];
    int rc = opts_parse(argc - 1, argv + 1, db_opts, usage, v);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (cmd_open_db(v[0], 0))
        return 1;
    int64_t bad = 0, rows = 0;
    const char *why = NULL;
    rc = audit_verify(db_read(), &bad, &why, &rows);
    db_global_shutdown();
    if (rc == ERR_CONFLICT) {
        printf("audit chain BROKEN at row %lld: %s\n", (long long)bad, why);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "无法读取审计日志\n");
        return 1;
    }
    printf("audit chain intact: %lld rows\n", (long long)rows);
    return 0;
}

int cmd_backup(int argc, char **argv)
{
    static const struct opt opts[] = {
        {"db", "JIANGUAN_DB", "data/jianguan.db",
         "数据库：文件路径（SQLite）或 postgresql://…（PostgreSQL）", 0},
        {"to", NULL, NULL, "备份文件路径（不得已存在）；审计密钥一并写到“路径.audit-key”", 0},
        {NULL, NULL, NULL, NULL, 0},
    };
    const char *v[OPT_MAX];
    int rc = opts_parse(argc, argv, opts, "jianguan backup --db 路径 --to 备份路径", v);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!v[1]) {
        fprintf(stderr, "需要 --to\n");
        return 2;
    }
    if (cmd_open_db(v[0], 0))
        return 1;
    char key[4200];
    snprintf(key, sizeof key, "%s.audit-key", v[1]);
    rc = db_backup(db_read(), v[1]);
    if (!rc && audit_save_key(key)) {
        unlink(v[1]);
        rc = ERR_IO;
    }
    db_global_shutdown();
    if (rc) {
        fprintf(stderr, "%s\n", rc == ERR_CONFLICT ? "备份文件已存在，未覆盖" : "备份失败");
        return 1;
    }
    printf("已备份到 %s（审计密钥：%s）\n", v[1], key);
    return 0;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("jianguan %s\n", JIANGUAN_VERSION);
    return 0;
}

int cmd_openapi(int argc, char **argv)
{
    static const struct opt opts[] = {{NULL, NULL, NULL, NULL, 0}};
    const char *v[OPT_MAX];
    int rc = opts_parse(argc, argv, opts,
                        "jianguan openapi   （输出由记录描述生成的 OpenAPI 记录结构，"
                        "供 make openapi 写入 docs/openapi.yaml）",
                        v);
    if (rc)
        return rc == 1 ? 0 : 2;
    struct strbuf out;
    strbuf_init(&out, 1u << 20);
    rc = openapi_record_schemas(&out);
    if (!rc)
        fputs(strbuf_get(&out), stdout);
    strbuf_dispose(&out);
    return rc ? 1 : 0;
}

int cmd_migrate_data(int argc, char **argv)
{
    static const struct opt opts[] = {
        {"from", NULL, NULL, "源数据库（文件路径或 postgresql://…）", 0},
        {"to", NULL, NULL, "目标数据库（须为空库；不存在的 SQLite 文件会新建）", 0},
        {NULL, NULL, NULL, NULL, 0},
    };
    const char *v[OPT_MAX];
    int rc = opts_parse(argc, argv, opts, "jianguan migrate-data --from 源库 --to 目标库", v);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!v[0] || !v[1]) {
        fprintf(stderr, "须给出 --from 与 --to\n");
        return 2;
    }
    char from_local[4096], to_local[4096], from_key[4200], to_key[4200];
    struct stat st;
    if (db_is_file(v[0]) && stat(v[0], &st) != 0) {
        fprintf(stderr, "源数据库不存在：%s\n", v[0]);
        return 1;
    }
    db_local_name(v[0], from_local, sizeof from_local);
    db_local_name(v[1], to_local, sizeof to_local);
    if (make_parent(to_local))
        return 1;
    audit_key_path(from_local, from_key, sizeof from_key);
    audit_key_path(to_local, to_key, sizeof to_key);
    /* The chain is keyed: the copy verifies with the source's key, kept beside the target. */
    rc = audit_load_key(from_key, 0);
    if (rc) {
        fprintf(stderr, "无法读取源库的审计密钥：%s\n", from_key);
        return 1;
    }
    rc = db_copy(v[0], v[1]);
    if (rc) {
        fprintf(stderr, "%s\n", rc == ERR_CONFLICT ? "目标数据库已有数据，未迁移" : "迁移失败");
        return 1;
    }
    if (strcmp(from_key, to_key) && access(to_key, F_OK) != 0 && audit_save_key(to_key)) {
        fprintf(stderr, "无法写入审计密钥：%s\n", to_key);
        return 1;
    }
    printf("已迁移：%s → %s（审计密钥：%s）\n", v[0], v[1], to_key);
    return 0;
}
