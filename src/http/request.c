/* SPDX-License-Identifier: MIT */
/*
 * Request accessors and the answer helpers every handler uses: JSON bodies, error bodies in
 * the shape of DESIGN.md, query integers.
 */
#include "http/http.h"
#include "http/server.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *req_param(const struct req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

/* The value of name in a NULL-terminated name, value, ... list (case-insensitive). */
static const char *pair_lookup(const char *const *pairs, const char *name)
{
    for (const char *const *q = pairs; q && q[0]; q += 2)
        if (!strcasecmp(q[0], name))
            return q[1];
    return NULL;
}

const char *req_query(const struct req *req, const char *name)
{
    return req->conn ? server_query(req, name) : pair_lookup(req->query, name);
}

const char *req_query_unknown(const struct req *req, int (*known)(const void *, const char *),
                              const void *ctx)
{
    if (req->conn)
        return server_query_unknown(req, known, ctx);
    for (const char *const *q = req->query; q && q[0]; q += 2)
        if (!known(ctx, q[0]))
            return q[0];
    return NULL;
}

void req_dispose(struct req *req)
{
    for (size_t i = 0; i < req->nallocs; i++)
        free(req->allocs[i]);
    free(req->allocs);
    json_decref(req->json);
    strbuf_dispose(&req->body);
    if (req->has_body_fd)
        close(req->body_fd);
    req->has_body_fd = 0;
}

size_t req_body_len(const struct req *req)
{
    return req->has_body_fd ? req->body_fd_len : req->body.len;
}

long req_body_read(void *arg, char *buf, size_t cap)
{
    struct req *req = arg;
    size_t left = req_body_len(req) - req->body_pos;
    size_t n = cap < left ? cap : left;
    if (!n)
        return 0;
    if (!req->has_body_fd) {
        memcpy(buf, strbuf_get(&req->body) + req->body_pos, n);
    } else {
        ssize_t got;
        do
            got = pread(req->body_fd, buf, n, (off_t)req->body_pos);
        while (got < 0 && errno == EINTR);
        if (got <= 0)
            return -1;
        n = (size_t)got;
    }
    req->body_pos += n;
    return (long)n;
}

void resp_dispose(struct resp *resp)
{
    if (resp->has_fd && resp->fd >= 0) /* not handed to the server */
        close(resp->fd);
    strbuf_dispose(&resp->body);
    for (int i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
}

int req_query_named(const char *const *names, const char *name)
{
    if (!*name)
        return 1;
    for (; names && *names; names++)
        if (!strcasecmp(*names, name))
            return 1;
    return 0;
}

int reply_unknown_parameter(struct resp *resp, const char *name, const char *field,
                            const char *accepted)
{
    /* The name as sent, cut to 64 bytes at a character's start (not inside one). */
    char shown[65];
    size_t cut = utf8_prefix(name, sizeof shown - 1);
    memcpy(shown, name, cut);
    shown[cut] = '\0';
    if (!utf8_valid(shown, cut)) /* JSON carries text only: say what it was, not its bytes */
        snprintf(shown, sizeof shown, "%s", "（非 UTF-8 文本）");
    char msg[768];
    snprintf(msg, sizeof msg, "该接口不支持查询参数“%s”；可用：%s", shown, accepted);
    return reply_error(resp, ERR_INVALID, "unknown_parameter", msg, field ? field : shown);
}

const char *req_header(const struct req *req, const char *name)
{
    return req->conn ? server_header(req, name) : pair_lookup(req->headers_in, name);
}

const char *req_cookie(const struct req *req, const char *name)
{
    return req->conn ? server_cookie(req, name) : NULL;
}

void *req_alloc(struct req *req, size_t n)
{
    if (req->nallocs == req->cap_allocs) {
        req->cap_allocs = req->cap_allocs ? req->cap_allocs * 2 : 8;
        req->allocs = xrealloc(req->allocs, req->cap_allocs * sizeof *req->allocs);
    }
    void *p = xmalloc(n);
    req->allocs[req->nallocs++] = p;
    return p;
}

int req_query_int_or_reply(struct req *req, struct resp *resp, const char *name, int64_t def,
                           int64_t min, int64_t max, int64_t *out)
{
    const char *s = req_query(req, name);
    if (!s || !*s) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max) {
        char msg[160];
        snprintf(msg, sizeof msg, "参数 %s 须为 %lld 到 %lld 之间的整数", name, (long long)min,
                 (long long)max);
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, name);
    }
    *out = v;
    return 0;
}

int req_id_or_reply(struct req *req, struct resp *resp, const char *name, const char *message,
                    int64_t *out)
{
    const char *s = req_param(req, name);
    char *end = NULL;
    errno = 0;
    long long v = s && *s >= '1' && *s <= '9' ? strtoll(s, &end, 10) : 0;
    if (v <= 0 || errno || !end || *end)
        return reply_error(resp, ERR_NOTFOUND, "not_found", message, name);
    *out = v;
    return 0;
}

int http_status_of(int err)
{
    switch (err) {
    case ERR_INVALID: return 422;
    case ERR_MALFORMED: return 400;
    case ERR_UNAUTH: return 401;
    case ERR_FORBIDDEN: return 403;
    case ERR_NOTFOUND: return 404;
    case ERR_CONFLICT: return 409;
    case ERR_TOOLARGE: return 413;
    case ERR_MEDIA: return 415;
    case ERR_RATE: return 429;
    case ERR_METHOD: return 405;
    case ERR_UNAVAILABLE:
    case ERR_IN_DOUBT: return 503;
    case ERR_NOT_IMPLEMENTED: return 501;
    default: return 500;
    }
}

int reply_error(struct resp *resp, int err, const char *code, const char *message,
                const char *field)
{
    resp->status = http_status_of(err);
    resp->content_type = "application/json";
    strbuf_reset(&resp->body);
    strbuf_puts(&resp->body, "{\"error\":{\"code\":");
    strbuf_json_string(&resp->body, code, strlen(code));
    strbuf_puts(&resp->body, ",\"message\":");
    strbuf_json_string(&resp->body, message, strlen(message));
    if (field) {
        strbuf_puts(&resp->body, ",\"field\":");
        strbuf_json_string(&resp->body, field, strlen(field));
    }
    strbuf_puts(&resp->body, "}}");
    return err;
}

/* jansson dump callback appending to a strbuf. */
static int dump_to_strbuf(const char *buffer, size_t size, void *data)
{
    return strbuf_append(data, buffer, size) ? -1 : 0;
}

int reply_json(struct resp *resp, int status, json_t *obj)
{
    strbuf_reset(&resp->body);
    int rc = json_dump_callback(obj, dump_to_strbuf, &resp->body, JSON_REPLY_FLAGS);
    json_decref(obj);
    if (rc)
        return reply_error(resp, ERR_TOOLARGE, "response_too_large", "结果过大，请缩小查询范围",
                           NULL);
    resp->status = status;
    resp->content_type = "application/json";
    return 0;
}

int reply_raw(struct resp *resp, int status, const char *content_type, const char *bytes,
              size_t len)
{
    strbuf_reset(&resp->body);
    if (strbuf_append(&resp->body, bytes, len))
        return reply_error(resp, ERR_TOOLARGE, "response_too_large", "结果过大，请缩小查询范围",
                           NULL);
    resp->status = status;
    resp->content_type = content_type;
    return 0;
}

void resp_header(struct resp *resp, const char *name, const char *value)
{
    if (resp->nheaders == (int)(sizeof resp->headers / sizeof resp->headers[0]))
        return;
    resp->headers[resp->nheaders].name = xstrdup(name);
    resp->headers[resp->nheaders].value = xstrdup(value);
    resp->nheaders++;
}

int media_type_is(const char *header, const char *type)
{
    if (!header)
        return 0;
    const char *p = header + strspn(header, " \t");
    size_t n = strlen(type);
    if (strncasecmp(p, type, n))
        return 0;
    p += n;
    p += strspn(p, " \t");
    if (!*p)
        return 1;
    if (*p++ != ';')
        return 0;
    p += strspn(p, " \t");
    if (strncasecmp(p, "charset=", 8))
        return 0;
    p += 8;
    int quoted = *p == '"';
    p += quoted;
    if (strncasecmp(p, "utf-8", 5))
        return 0;
    p += 5;
    if (quoted && *p++ != '"')
        return 0;
    p += strspn(p, " \t");
    return *p == '\0';
}

int req_period_or_reply(struct req *req, struct resp *resp, int32_t *from, int32_t *to)
{
    static const char *const names[] = {"from", "to"};
    int32_t *days[] = {from, to};
    for (int i = 0; i < 2; i++) {
        const char *text = req_query(req, names[i]);
        if (text && *text && date_parse(text, strlen(text), days[i]))
            return reply_error(resp, ERR_INVALID, "validation_failed", "日期格式应为 YYYY-MM-DD",
                               names[i]);
    }
    if (*to < *from)
        return reply_error(resp, ERR_INVALID, "validation_failed", "结束日期不能早于开始日期",
                           "to");
    return 0;
}
