/* SPDX-License-Identifier: MIT */
/* jianguan: the entry point. Dispatch only: each command lives in src/cmd/. */
#include "cmd/cmd.h"
#include "core/alloc.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"serve", cmd_serve, "启动服务（API 与网页界面）"},
    {"init", cmd_init, "创建或升级数据库并载入基础数据"},
    {"demo", cmd_demo, "生成参考城市（聊城）的演示数据"},
    {"user", cmd_user, "用户管理：add / passwd / list / token"},
    {"backup", cmd_backup, "在线备份数据库（连同审计密钥）"},
    {"migrate-data", cmd_migrate_data, "把整个数据库迁到另一个库（如 SQLite → PostgreSQL）"},
    {"verify", cmd_verify, "校验：audit（审计链）、draw（双随机抽取结果）"},
    {"openapi", cmd_openapi, "输出由记录描述生成的 OpenAPI 记录结构"},
    {"version", cmd_version, "显示版本"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "jianguan — 聊城市市场监管服务平台\n\n用法：jianguan <命令> [选项]\n\n命令：\n");
    for (int i = 0; commands[i].name; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n每个命令都支持 --help。\n");
}

int main(int argc, char **argv)
{
    alloc_tune();
    if (sodium_init() < 0) {
        fprintf(stderr, "libsodium 初始化失败\n");
        return 1;
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version"))
        return cmd_version(argc - 1, argv + 1);
    for (int i = 0; commands[i].name; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "未知命令：%s\n\n", argv[1]);
    usage(stderr);
    return 2;
}
