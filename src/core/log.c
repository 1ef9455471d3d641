/* SPDX-License-Identifier: MIT */
/* JSON-lines logging to standard error. */
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const int min_level = LOG_INFO; /* debug lines are compiled in, not shown */
static int access_on = 1;

void log_set_access(int on)
{
    access_on = on;
}

int log_access_enabled(void)
{
    return access_on;
}

void log_line(const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, line, len);
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
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
