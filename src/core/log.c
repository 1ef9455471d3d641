/* SPDX-License-Identifier: MIT */
/* JSON-lines logging to standard error (a short human form on a terminal), and the access
 * log to standard error, a file, or nowhere. */
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const int min_level = LOG_INFO; /* debug lines are compiled in, not shown */
static int access_fd = STDERR_FILENO;  /* -1: off */

int log_set_access(const char *where)
{
    if (access_fd > STDERR_FILENO)
        close(access_fd);
    access_fd = -1;
    if (!strcmp(where, "on") || !strcmp(where, "-"))
        access_fd = STDERR_FILENO;
    else if (strcmp(where, "off") && *where)
        access_fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    /* -1 only when a file was asked for and cannot be opened (the log is then off) */
    return access_fd < 0 && strcmp(where, "off") && *where ? -1 : 0;
}

int log_access_enabled(void)
{
    return access_fd >= 0;
}

static void write_all(int fd, const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, line, len);
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
}

void log_line(const char *line, size_t len)
{
    write_all(STDERR_FILENO, line, len);
}

void log_access_line(const char *line, size_t len)
{
    if (access_fd >= 0)
        write_all(access_fd, line, len);
}

/* On a terminal: "19:20:31 警告 msg：detail", the local time of the machine. */
static void log_human(int level, const char *msg, const char *detail)
{
    static const char *names[] = {"调试", "信息", "警告", "错误"};
    char line[4096];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int n = snprintf(line, sizeof line, "%02d:%02d:%02d %s %s%s%s\n", tm.tm_hour, tm.tm_min,
                     tm.tm_sec, names[level & 3], msg, *detail ? "：" : "", detail);
    if (n > 0)
        log_line(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void log_msg(int level, const char *msg, const char *detail_fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < min_level)
        return;
    char ts[RFC3339_LEN + 1];
    time_format_rfc3339(time_now(), ts);
    struct strbuf sb, detail;
    strbuf_init(&sb, 8192);
    strbuf_init(&detail, 4096);
    if (detail_fmt) {
        va_list ap;
        va_start(ap, detail_fmt);
        strbuf_vprintf(&detail, detail_fmt, ap);
        va_end(ap);
    }
    if (isatty(STDERR_FILENO)) {
        log_human(level, msg, strbuf_get(&detail));
        strbuf_dispose(&sb);
        strbuf_dispose(&detail);
        return;
    }
    strbuf_printf(&sb, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, names[level & 3]);
    strbuf_json_string(&sb, msg, strlen(msg));
    if (detail.len) {
        strbuf_puts(&sb, ",\"detail\":");
        strbuf_json_string(&sb, detail.buf, detail.len);
    }
    strbuf_puts(&sb, "}\n");
    log_line(strbuf_get(&sb), sb.len);
    strbuf_dispose(&sb);
    strbuf_dispose(&detail);
}
