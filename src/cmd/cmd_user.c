/* SPDX-License-Identifier: MIT */
/* `jianguan user add|passwd|list|token|unlock`: accounts from the command line. */
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "cmd/cmd.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "db/db.h"
#include "authz/authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt user_opts[] = {
    {"db", "JIANGUAN_DB", "data/jianguan.db",
     "数据库：文件路径（SQLite）或 postgresql://…（PostgreSQL）", 0},
    {"username", NULL, NULL, "用户名", 0},
    {"role", NULL, NULL,
     "角色：admin bureau inspector officer chain_office department city_office enterprise"
     " station slaughterhouse",
     0},
    {"region", NULL, "371500", "行政区划代码", 0},
    {"department", NULL, NULL, "部门编号", 0},
    {"entity", NULL, NULL, "绑定的市场主体统一社会信用代码（企业、充装站、屠宰企业账号）", 0},
    {"display-name", NULL, NULL, "显示名称", 0},
    {NULL, NULL, NULL, NULL, 0},
};
enum { O_DB, O_USERNAME, O_ROLE, O_REGION, O_DEPARTMENT, O_ENTITY, O_DISPLAY };

static const char usage[] =
    "jianguan user add --username 名称 --role 角色 [--region 代码] [--department 编号]"
    " [--entity 代码]  （密码从标准输入读取）\n"
    "       jianguan user passwd --username 名称  （新密码从标准输入读取）\n"
    "       jianguan user list\n"
    "       jianguan user token --username 名称  （签发设备用 API 令牌）\n"
    "       jianguan user unlock --username 名称  （解除登录锁定）";

static int user_add(const char **v)
{
    char password[PASSWORD_MAX + 2];
    if (!v[O_USERNAME] || !v[O_ROLE]) {
        fprintf(stderr, "需要 --username 和 --role\n");
        return 2;
    }
    if (read_secret_line(password, sizeof password)) {
        fprintf(stderr, "请从标准输入提供密码\n");
        return 2;
    }
    struct user_new u = {
        .username = v[O_USERNAME],
        .display_name = v[O_DISPLAY],
        .role = v[O_ROLE],
        .region = v[O_REGION],
        .department = v[O_DEPARTMENT] ? atoll(v[O_DEPARTMENT]) : 0,
        .entity = v[O_ENTITY],
        .password = password,
    };
    int64_t id = 0;
    const char *field = NULL;
    struct db *w = db_write_begin();
    int rc = w ? accounts_create(w, NULL, &u, &id, &field) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_CONFLICT) {
        fprintf(stderr, "用户名已存在：%s\n", u.username);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "%s\n", rc == ERR_INVALID ? accounts_field_message(field) : "创建用户失败");
        return 1;
    }
    printf("%lld\n", (long long)id);
    return 0;
}

static int user_passwd(const char **v)
{
    char password[PASSWORD_MAX + 2];
    if (!v[O_USERNAME] || read_secret_line(password, sizeof password)) {
        fprintf(stderr, "需要 --username，新密码从标准输入读取\n");
        return 2;
    }
    char hash[128];
    int64_t id = 0;
    struct db *w = NULL;
    int rc = accounts_new_password(password, hash);
    if (!rc && !(w = db_write_begin()))
        rc = ERR_DB;
    if (!rc)
        rc = accounts_find(w, v[O_USERNAME], &id);
    if (!rc)
        rc = accounts_set_password(w, NULL, id, hash, NULL);
    if (w)
        rc = db_write_end(w, rc);
    if (rc) {
        fprintf(stderr, "%s\n",
                rc == ERR_NOTFOUND  ? "用户不存在"
                : rc == ERR_INVALID ? accounts_field_message("password")
                                    : "修改密码失败");
        return 1;
    }
    printf("已修改密码：%s\n", v[O_USERNAME]);
    return 0;
}

static int user_list(void)
{
    static const char sql[] = "SELECT id, username, role, region, coalesce(entity, ''),"
                              " display_name FROM users ORDER BY id";
    struct db_stmt *st;
    if (db_prepare(db_read(), sql, &st))
        return 1;
    printf("%-6s %-20s %-15s %-8s %-20s %s\n", "id", "username", "role", "region", "entity",
           "name");
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        printf("%-6lld %-20s %-15s %-8s %-20s %s\n", (long long)db_col_int(st, 0),
               db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3), db_col_text(st, 4),
               db_col_text(st, 5));
    db_done(st);
    if (rc < 0)
        fprintf(stderr, "读取用户失败\n");
    return rc < 0 ? 1 : 0;
}

static int user_token(const char **v)
{
    if (!v[O_USERNAME]) {
        fprintf(stderr, "需要 --username\n");
        return 2;
    }
    char token[TOKEN_LEN + 1];
    struct db *w = db_write_begin();
    int64_t id = 0;
    int rc = w ? accounts_find(w, v[O_USERNAME], &id) : ERR_DB;
    if (!rc)
        rc = accounts_issue_token(w, NULL, id, token);
    if (w)
        rc = db_write_end(w, rc);
    if (rc) {
        fprintf(stderr, "%s\n",
                rc == ERR_NOTFOUND   ? "用户不存在"
                : rc == ERR_CONFLICT ? "该用户已停用，不能签发令牌"
                                     : "签发令牌失败");
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

/* Lifts a login lock (the failures of the last 15 minutes), audited. */
static int user_unlock(const char **v)
{
    if (!v[O_USERNAME] || !*v[O_USERNAME]) {
        fprintf(stderr, "须给出 --username\n");
        return 2;
    }
    struct db *w = db_write_begin();
    int rc = w ? accounts_unlock(w, NULL, v[O_USERNAME], time_now()) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_NOTFOUND) {
        printf("%s 没有被锁定\n", v[O_USERNAME]);
        return 0;
    }
    if (rc) {
        fprintf(stderr, "解除锁定失败\n");
        return 1;
    }
    printf("已解除 %s 的登录锁定\n", v[O_USERNAME]);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    const char *v[OPT_MAX];
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        opts_help(usage, user_opts);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "list") &&
        strcmp(sub, "token") && strcmp(sub, "unlock")) {
        fprintf(stderr, "未知子命令：%s\n用法：%s\n", sub, usage);
        return 2;
    }
    int rc = opts_parse(argc - 1, argv + 1, user_opts, usage, v);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (cmd_open_db(v[O_DB], 0))
        return 1;
    if (!strcmp(sub, "add"))
        rc = user_add(v);
    else if (!strcmp(sub, "passwd"))
        rc = user_passwd(v);
    else if (!strcmp(sub, "list"))
        rc = user_list();
    else if (!strcmp(sub, "unlock"))
        rc = user_unlock(v);
    else
        rc = user_token(v);
    db_global_shutdown();
    return rc;
}
