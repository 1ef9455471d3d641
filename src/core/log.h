/* SPDX-License-Identifier: MIT */
/*
 * Structured logging: one JSON object per line on standard error, so that journald, Loki or a
 * plain `jq` can read it. The access log (http/server.c) writes through log_line().
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
/* Turns the access log on or off (it is on by default). */
void log_set_access(int on);
int log_access_enabled(void);

#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

#endif
