/* SPDX-License-Identifier: MIT */
/* `jianguan serve`: open the database, start the server, wait for SIGTERM/SIGINT, drain. */
#include "accounts/accounts.h"
#include "cmd/cmd.h"
#include "core/log.h"
#include "db/db.h"
#include "http/export_jobs.h"
#include "http/module.h"
#include "http/server.h"
#include "http/static.h"
#include "refdata/refdata.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt serve_opts[] = {
    {"db", "JIANGUAN_DB", "data/jianguan.db",
     "数据库：文件路径（SQLite）或 postgresql://…（PostgreSQL）", 0},
    {"db-read", "JIANGUAN_DB_READ", NULL,
     "只读副本（postgresql://…，流复制备库）：读请求走副本，写请求走 --db 主库", 0},
    {"listen", "JIANGUAN_LISTEN", "127.0.0.1:8080", "监听地址 主机:端口", 0},
    {"threads", "JIANGUAN_THREADS", "0", "事件线程数，0 为每核一个", 0},
    {"workers", "JIANGUAN_WORKERS", "0", "慢请求（登录、导出、导入）工作线程数，0 与事件线程数相同",
     0},
    {"max-queue", "JIANGUAN_MAX_QUEUE", "256", "等待工作线程的慢请求上限，超出时答 503", 0},
    {"max-body", "JIANGUAN_MAX_BODY", "1048576", "请求体上限（字节）", 0},
    {"max-body-memory", "JIANGUAN_MAX_BODY_MEMORY", "134217728",
     "所有请求同时占用的请求体内存上限（字节），超出时答 503", 0},
    {"max-connections", "JIANGUAN_MAX_CONNECTIONS", "1024", "并发连接上限", 0},
    {"max-connections-per-ip", "JIANGUAN_MAX_CONNECTIONS_PER_IP", "256",
     "单个地址的并发连接上限（0 为不限）", 0},
    {"timeout", "JIANGUAN_TIMEOUT", "30", "连接空闲超时（秒）", 0},
    {"header-timeout", "JIANGUAN_HEADER_TIMEOUT", "10",
     "请求头须在此秒数内收齐，空闲的长连接也在此后关闭（0 为不限）；连接将满时只给 1 秒", 0},
    {"min-body-rate", "JIANGUAN_MIN_BODY_RATE", "1024",
     "请求体最低传输速率（字节/秒），低于此速率的上传被断开（0 为不限）", 0},
    {"web-root", "JIANGUAN_WEB_ROOT", "web/dist", "网页界面目录（空则不提供）", 0},
    {"access-log", "JIANGUAN_ACCESS_LOG", "on", "访问日志：on（标准错误）、off 或文件路径", 0},
    {"login-rate", "JIANGUAN_LOGIN_RATE", "60", "每个地址每分钟的登录尝试上限（0 为不限）", 0},
    {"public-url", "JIANGUAN_PUBLIC_URL", NULL, "公众访问地址（二维码指向），默认 http://监听地址",
     0},
    {"metrics-listen", "JIANGUAN_METRICS_LISTEN", NULL,
     "另开一个只提供 /metrics 的地址（如 127.0.0.1:9100，供 Prometheus 采集）；主地址的 /metrics "
     "仅限管理员",
     0},
    {NULL, NULL, NULL, NULL, 0},
};
enum {
    O_DB,
    O_DB_READ,
    O_LISTEN,
    O_THREADS,
    O_WORKERS,
    O_MAX_QUEUE,
    O_MAX_BODY,
    O_MAX_BODY_MEMORY,
    O_MAX_CONN,
    O_MAX_CONN_IP,
    O_TIMEOUT,
    O_HEADER_TIMEOUT,
    O_MIN_BODY_RATE,
    O_WEB,
    O_ACCESS,
    O_LOGIN_RATE,
    O_PUBLIC,
    O_METRICS
};

/* Parses a non-negative integer option; returns 0 or prints and returns -1. */
static int number(const char *name, const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v > max || s[0] == '-') {
        fprintf(stderr, "选项 --%s 须为 0 到 %llu 之间的整数：%s\n", name, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    const char *v[OPT_MAX];
    int rc = opts_parse(argc, argv, serve_opts, "jianguan serve [选项]", v);
    if (rc)
        return rc == 1 ? 0 : 2;
    unsigned long long threads, workers, max_queue, max_body, max_body_memory, max_conn,
        max_conn_ip, timeout, header_timeout, min_body_rate, login_rate;
    if (number("threads", v[O_THREADS], 256, &threads) ||
        number("workers", v[O_WORKERS], 256, &workers) ||
        number("max-queue", v[O_MAX_QUEUE], 1000000, &max_queue) ||
        number("max-body", v[O_MAX_BODY], 1ull << 30, &max_body) ||
        number("max-body-memory", v[O_MAX_BODY_MEMORY], 1ull << 40, &max_body_memory) ||
        number("max-connections", v[O_MAX_CONN], 100000, &max_conn) ||
        number("max-connections-per-ip", v[O_MAX_CONN_IP], 100000, &max_conn_ip) ||
        number("timeout", v[O_TIMEOUT], 86400, &timeout) ||
        number("header-timeout", v[O_HEADER_TIMEOUT], 3600, &header_timeout) ||
        number("min-body-rate", v[O_MIN_BODY_RATE], 1ull << 30, &min_body_rate) ||
        number("login-rate", v[O_LOGIN_RATE], 100000, &login_rate))
        return 2;
    if (log_set_access(v[O_ACCESS])) {
        fprintf(stderr, "无法打开访问日志文件：%s\n", v[O_ACCESS]);
        return 1;
    }
    accounts_set_login_rate((unsigned)login_rate);

    /* Block the stop signals before any thread starts, so that only sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file-size limit fails the write (503), not the process */

    if (cmd_open_db(v[O_DB], 0))
        return 1;
    if (v[O_DB_READ] && *v[O_DB_READ] && db_set_read_target(v[O_DB_READ])) {
        fprintf(stderr, "无法打开只读副本：%s\n", v[O_DB_READ]);
        db_global_shutdown();
        return 1;
    }
    if (refdata_calendar_reload(db_read())) {
        db_global_shutdown();
        return 1;
    }
    /* Statistics for the planner (db.h); a city served without them is slower, not wrong. */
    struct db *w = db_write_begin();
    if (!w || db_write_end(w, db_refresh_stats(w)))
        log_error("query statistics not refreshed", "%s", v[O_DB]);
    if (v[O_WEB] && *v[O_WEB])
        static_init(v[O_WEB]);
    struct server_config cfg = {
        .listen = v[O_LISTEN],
        .threads = (unsigned)threads,
        .workers = (unsigned)workers,
        .max_queue = (unsigned)max_queue,
        .max_body = (size_t)max_body,
        .max_body_memory = (size_t)max_body_memory,
        .max_connections = (unsigned)(max_conn ? max_conn : 1),
        .max_connections_per_ip = (unsigned)max_conn_ip,
        .timeout = (unsigned)timeout,
        .header_timeout = (unsigned)header_timeout,
        .min_body_rate = (unsigned)min_body_rate,
        .web_root = v[O_WEB],
        .public_url = v[O_PUBLIC],
        .metrics_listen = v[O_METRICS],
    };
    if (server_start(&cfg)) {
        static_free();
        refdata_calendar_free();
        db_global_shutdown();
        return 1;
    }
    int sig = 0;
    sigwait(&stop, &sig);
    log_info("stopping", "signal %d: draining connections", sig);
    server_stop();
    for (const struct module *const *m = modules; *m; m++)
        if ((*m)->stop)
            (*m)->stop();
    export_jobs_shutdown();
    static_free();
    refdata_cache_free();
    refdata_calendar_free();
    db_global_shutdown();
    log_info("stopped", NULL);
    return 0;
}
