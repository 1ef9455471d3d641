/* SPDX-License-Identifier: MIT */
/* Option parsing shared by every command: --name value, --name=value, JIANGUAN_* variables. */
#include "cmd/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void opts_help(const char *usage, const struct opt *opts)
{
    printf("用法：%s\n\n选项：\n", usage);
    for (const struct opt *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s", o->name, o->flag ? "" : " 值");
        printf("  %-24s %s", left, o->help);
        if (o->def)
            printf("（默认 %s）", o->def);
        if (o->env)
            printf(" [环境变量 %s]", o->env);
        printf("\n");
    }
    printf("  %-24s %s\n", "--help", "显示本帮助");
}

int opts_parse(int argc, char **argv, const struct opt *opts, const char *usage,
               const char *values[OPT_MAX])
{
    int n = 0;
    for (const struct opt *o = opts; o->name; o++, n++) {
        const char *env = o->env ? getenv(o->env) : NULL;
        values[n] = env && *env ? env : o->def;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            opts_help(usage, opts);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "多余的参数：%s\n用法：%s\n", a, usage);
            return 2;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        int k = 0;
        const struct opt *o = opts;
        for (; o->name; o++, k++)
            if (strlen(o->name) == len && !strncmp(o->name, a + 2, len))
                break;
        if (!o->name) {
            fprintf(stderr, "未知选项：%s\n用法：%s\n", a, usage);
            return 2;
        }
        if (o->flag) {
            values[k] = "1";
        } else if (eq) {
            values[k] = eq + 1;
        } else if (i + 1 < argc) {
            values[k] = argv[++i];
        } else {
            fprintf(stderr, "选项 --%s 缺少值\n", o->name);
            return 2;
        }
    }
    return 0;
}

int read_secret_line(char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, stdin))
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}
