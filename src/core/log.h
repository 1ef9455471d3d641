/* SPDX-License-Identifier: MIT */
/*
 * Structured logging: one JSON object per line on standard error, so that journald, Loki or a
 * plain `jq` can read it; on a terminal, a short human line instead. The access log
 * (http/server.c) writes JSON lines through log_access_line() to standard error, a file or
 * nowhere.
 */
#ifndef JG_LOG_H
#define JG_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Logs msg with optional printf-formatted detail; safe from any thread. */
void log_msg(int level, const char *msg, const char *detail_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes one pre-built line (which must end in '\n') with a single write(2). */
void log_line(const char *line, size_t len);
/* Sends the access log to "on" (standard error, the default), "off", or a file path (appended
 * to). Returns 0, or -1 when the file cannot be opened (the log is then off). */
int log_set_access(const char *where);
int log_access_enabled(void);
/* Writes one access-log line where log_set_access said. */
void log_access_line(const char *line, size_t len);

#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

#endif
