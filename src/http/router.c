/* SPDX-License-Identifier: MIT */
/*
 * The platform's routing table and dispatcher. The route tables are the modules' (src/modules.c);
 * everything a handler may assume (the caller is known and allowed, the body is a JSON object
 * with the declared fields of the declared types) is established here first.
 */
#include "http/router.h"
#include "http/list.h"
#include "http/module.h"
#include "http/server.h"
#include "http/static.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct route **routes;
static size_t *literal_len; /* of each route's pattern, up to its first {parameter} */
static uint64_t *route_key; /* of each route's pattern (path_key), 0 when a parameter is in it */
static int nroutes;

/* A path's key: a hash of its head up to its fourth '/' ("/api/v1/fillings" of
 * "/api/v1/fillings/check"), never 0. The key of a pattern whose head is literal is the key of
 * every path it matches, so that finding a path's route skips the others at one comparison. */
static uint64_t path_key(const char *path, size_t *len)
{
    size_t i = 0;
    for (int slashes = 0; path[i] && !(path[i] == '/' && ++slashes == 4); i++)
        ;
    *len = i;
    uint64_t h = hash_bytes(path, i);
    return h ? h : 1;
}

int router_init(void)
{
    int n = 0;
    for (const struct module *const *m = modules; *m; m++)
        for (const struct route *r = (*m)->routes; r && r->method; r++)
            n++;
    free(routes);
    free(literal_len);
    free(route_key);
    routes = xcalloc((size_t)n, sizeof *routes);
    literal_len = xcalloc((size_t)n, sizeof *literal_len);
    route_key = xcalloc((size_t)n, sizeof *route_key);
    nroutes = 0;
    for (const struct module *const *m = modules; *m; m++)
        for (const struct route *r = (*m)->routes; r && r->method; r++) {
            size_t key_len;
            literal_len[nroutes] = strcspn(r->pattern, "{");
            route_key[nroutes] = path_key(r->pattern, &key_len);
            if (key_len > literal_len[nroutes])
                route_key[nroutes] = 0;
            routes[nroutes++] = r;
        }
    return modules_init();
}

int router_count(void)
{
    return nroutes;
}

const struct route *router_get(int i)
{
    return i >= 0 && i < nroutes ? routes[i] : NULL;
}

/* Matches path against pattern; on success records the {name} segments in req. */
static int match(const char *pattern, const char *path, struct req *req)
{
    const char *p = pattern, *s = path;
    int n = 0;
    const char *names[ROUTE_MAX_PARAMS];
    const char *vals[ROUTE_MAX_PARAMS];
    size_t lens[ROUTE_MAX_PARAMS];
    size_t name_lens[ROUTE_MAX_PARAMS];
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg_end = strchr(s, '/');
            size_t len = seg_end ? (size_t)(seg_end - s) : strlen(s);
            if (!close || len == 0 || n == ROUTE_MAX_PARAMS)
                return 0;
            /* A literal suffix after the parameter ("{uscc}/qr.svg" has none; "{id}.png"
             * does): the segment must end with it. */
            const char *lit = close + 1;
            size_t lit_len = strcspn(lit, "/");
            if (lit_len >= len || memcmp(s + len - lit_len, lit, lit_len) != 0)
                return 0;
            names[n] = p + 1;
            name_lens[n] = (size_t)(close - p - 1);
            vals[n] = s;
            lens[n] = len - lit_len;
            n++;
            p = lit + lit_len;
            s += len;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*p || *s)
        return 0;
    if (req) {
        for (int i = 0; i < n; i++) {
            char *name = req_alloc(req, name_lens[i] + 1);
            memcpy(name, names[i], name_lens[i]);
            name[name_lens[i]] = '\0';
            char *val = req_alloc(req, lens[i] + 1);
            memcpy(val, vals[i], lens[i]);
            val[lens[i]] = '\0';
            req->param_names[i] = name;
            req->param_values[i] = val;
        }
        req->nparams = n;
    }
    return 1;
}

/* Whether method is an item of list ("GET, POST"). */
static int listed(const char *list, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = list; (p = strstr(p, method)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

/* Finds the route for req; returns its index, -1 for no path, -2 for a wrong method (Allow
 * header set on resp, each method once). */
static int find_route(struct req *req, struct resp *resp)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    struct strbuf allow;
    strbuf_init(&allow, 128);
    size_t key_len;
    uint64_t key = path_key(req->path, &key_len);
    for (int i = 0; i < nroutes; i++) {
        /* The table is walked in order up to the route (all of it for 405's Allow): a route of
         * another key is passed at once, the literal head of the others is compared in one
         * strncmp, and only the few that agree are matched. */
        if ((route_key[i] && route_key[i] != key) ||
            strncmp(routes[i]->pattern, req->path, literal_len[i]) ||
            !match(routes[i]->pattern, req->path, NULL))
            continue;
        if (strcmp(routes[i]->method, method) == 0) {
            strbuf_dispose(&allow);
            match(routes[i]->pattern, req->path, req);
            return i;
        }
        if (!listed(allow.len ? allow.buf : "", routes[i]->method))
            strbuf_item(&allow, ", ", routes[i]->method);
    }
    int found = allow.len > 0;
    if (found)
        resp_header(resp, "Allow", allow.buf);
    strbuf_dispose(&allow);
    return found ? -2 : -1;
}

int router_placement(const struct req *req)
{
    const struct route *r = req->route;
    if (!r) /* not admitted: answered at once */
        return PLACE_INLINE;
    const char *format = r->list ? req_query(req, "format") : NULL;
    if ((r->flags & ROUTE_SLOW) || (format && *format && strcmp(format, "json")))
        return PLACE_SLOW;
    if (r->flags & ROUTE_READ_ONLY)
        return PLACE_INLINE;
    return strcmp(r->method, "GET") ? PLACE_WRITE : PLACE_INLINE;
}

int router_may_call(const struct route *r, const struct principal *p)
{
    return r->roles == ROLES_PUBLIC || (p && (p->role & (r->roles | ROLE_ADMIN)));
}

/* Admits a bearer token from this thread's token cache where the route allows it (its handler
 * checks the principal again in its own statement). Returns 1 on a hit, req->user then set. */
static int authenticate_cached(struct req *req, const char *token)
{
    if (!(req->route->flags & ROUTE_AUTH_RECHECKED) ||
        authz_token_cache_get(token, time_now(), &req->user_buf))
        return 0;
    req->user = &req->user_buf;
    req->token = token;
    req->user_cached = 1;
    return 1;
}

/* Reads the caller's credentials (Bearer header, else the session cookie) into req->user.
 * use_cache: a bearer token may be admitted from the token cache (authenticate_cached).
 * Returns 0 with req->user NULL when none were sent, ERR_UNAUTH when they were bad. */
static int authenticate(struct req *req, int use_cache)
{
    const char *h = req_header(req, "Authorization");
    const char *token = NULL;
    int via_cookie = 0;
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        token = h + 7;
    } else if (h) {
        return ERR_UNAUTH;
    } else {
        token = req_cookie(req, SESSION_COOKIE);
        via_cookie = 1;
    }
    if (!token || !*token)
        return 0;
    if (use_cache && !via_cookie && authenticate_cached(req, token))
        return 0;
    struct db *db = db_read();
    if (!db)
        return ERR_DB;
    int rc = authz_token_lookup(db, token, &req->user_buf);
    /* A token issued a moment ago may not have reached a read replica yet: the primary says. */
    if (rc == ERR_UNAUTH && db_read_primary() != db)
        rc = authz_token_lookup(db_read_primary(), token, &req->user_buf);
    if (rc)
        return rc;
    req->user_buf.via_cookie = via_cookie;
    req->user = &req->user_buf;
    req->token = token;
    if (!via_cookie && (req->route->flags & ROUTE_AUTH_RECHECKED))
        authz_token_cache_put(token, &req->user_buf);
    return 0;
}

/* jansson's reader over req_body_read. */
static size_t body_chunk(void *buf, size_t cap, void *req)
{
    long n = req_body_read(req, buf, cap);
    return n < 0 ? (size_t)-1 : (size_t)n;
}

/* Parses and checks a JSON body against the route's field list; answers on failure. */
static int parse_body_or_reply(struct req *req, struct resp *resp)
{
    json_error_t jerr;
    int empty = (req->route->flags & ROUTE_BODY_OPTIONAL) && req_body_len(req) == 0 &&
                !req_header(req, "Content-Type");
    req->json =
        empty ? json_object() : json_load_callback(body_chunk, req, JSON_REJECT_DUPLICATES, &jerr);
    if (!req->json) {
        char msg[256];
        snprintf(msg, sizeof msg, "请求体不是有效的 JSON（第 %d 行第 %d 列：%s）", jerr.line,
                 jerr.column, jerr.text);
        return reply_error(resp, ERR_MALFORMED, "malformed_json", msg, NULL);
    }
    if (!json_is_object(req->json))
        return reply_error(resp, ERR_MALFORMED, "malformed_json", "请求体须为 JSON 对象", NULL);
    const char *field;
    char msg[512];
    if (field_check_body(req->route->body, req->json, (req->route->flags & ROUTE_BODY_PARTIAL) != 0,
                         &field, msg, sizeof msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, field);
    return 0;
}

/* The answer to an error a handler returned without answering itself. */
static const struct {
    int err;
    const char *code, *message;
} generic[] = {
    {ERR_INVALID, "validation_failed", "数据校验失败"},
    {ERR_MALFORMED, "malformed", "请求格式错误"},
    {ERR_UNAUTH, "unauthorized", "请先登录"},
    {ERR_FORBIDDEN, "forbidden", "无权执行此操作"},
    {ERR_NOTFOUND, "not_found", "资源不存在"},
    {ERR_CONFLICT, "conflict", "数据冲突，请刷新后重试"},
    {ERR_TOOLARGE, "too_large", "请求体过大"},
    {ERR_MEDIA, "unsupported_media_type", "不支持的内容类型"},
    {ERR_RATE, "rate_limited", "请求过于频繁，请稍后再试"},
    {ERR_METHOD, "method_not_allowed", "不支持该请求方法"},
    {ERR_UNAVAILABLE, "unavailable", "数据库暂时无法访问，请稍后再试"},
    {ERR_IN_DOUBT, "commit_in_doubt", "磁盘故障：本次修改可能已保存也可能未保存，请稍后刷新核对"},
};

static void generic_error(struct resp *resp, int err)
{
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
        if (generic[i].err == err) {
            reply_error(resp, err, generic[i].code, generic[i].message, NULL);
            return;
        }
    reply_error(resp, ERR_INTERNAL, "internal_error", "服务器内部错误", NULL);
}

/* Establishes who calls req's route and whether they may: the credentials, the route's
 * roles, the CSRF token of cookie-authenticated writes. Answers and returns an error when not. */
static int authorize_or_reply(struct req *req, struct resp *resp, int use_cache)
{
    /* A request the server builds on a principal's behalf (router_dispatch_as) is known. */
    int rc = req->user ? 0 : authenticate(req, use_cache);
    int write = strcmp(req->method, "GET") && strcmp(req->method, "HEAD");
    if (req->route->roles == ROLES_PUBLIC && (rc == ERR_UNAUTH || (req->user && write))) {
        /* A stale cookie or a foreign Authorization header must not shut anyone out of the
         * public routes, the login among them; and a public write never acts as the cookie's
         * user, so it needs no CSRF token: the caller is simply anonymous. */
        rc = 0;
        req->user = NULL;
    }
    if (rc == ERR_UNAUTH)
        return reply_error(resp, rc, "unauthorized", "登录已失效或凭证无效，请重新登录", NULL);
    if (rc) {
        generic_error(resp, rc);
        return rc;
    }
    if (req->route->roles != ROLES_PUBLIC && !req->user)
        return reply_error(resp, ERR_UNAUTH, "unauthorized", "请先登录", NULL);
    if (!router_may_call(req->route, req->user))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "当前角色无权执行此操作", NULL);
    if (req->user && req->user->via_cookie && write) {
        const char *csrf = req_header(req, "X-CSRF-Token");
        if (!csrf || strcmp(csrf, req->user->csrf) != 0)
            return reply_error(resp, ERR_FORBIDDEN, "csrf_failed",
                               "缺少或错误的 X-CSRF-Token 请求头", NULL);
    }
    return 0;
}

/* Whether the request's head announces no body (no length, or 0, and no chunks). */
static int no_body(const struct req *req)
{
    const char *len = req_header(req, "Content-Length");
    return !req_header(req, "Transfer-Encoding") && (!len || !strcmp(len, "0"));
}

/* Refuses a body route's request whose Content-Type is not exactly the route's (an optional
 * body may be left out altogether). */
static int media_or_reply(struct req *req, struct resp *resp)
{
    const struct route *r = req->route;
    const char *want = r->flags & ROUTE_BODY_JSON  ? "application/json"
                       : r->flags & ROUTE_BODY_RAW ? r->media
                                                   : NULL;
    if (!want || media_type_is(req_header(req, "Content-Type"), want))
        return 0;
    if ((r->flags & ROUTE_BODY_OPTIONAL) && !req_header(req, "Content-Type") && no_body(req))
        return 0;
    char msg[128];
    snprintf(msg, sizeof msg, "不支持的内容类型，请使用 %s", want);
    return reply_error(resp, ERR_MEDIA, "unsupported_media_type", msg, NULL);
}

int router_admit(struct req *req, struct resp *resp)
{
    if (req->route)
        return 0;
    int i = find_route(req, resp);
    if (i == -1 && static_serve(req, resp) == 0)
        return 1;
    if (i == -1) {
        reply_error(resp, ERR_NOTFOUND, "not_found", "请求的地址不存在", NULL);
        return 1;
    }
    if (i == -2) {
        reply_error(resp, ERR_METHOD, "method_not_allowed", "不支持该请求方法", NULL);
        return 1;
    }
    req->route = routes[i];
    req->route_index = i;
    if (authorize_or_reply(req, resp, 1))
        return 1;
    if (media_or_reply(req, resp)) {
        router_recheck_or_reply(req, resp); /* no refusal on a cached principal: see there */
        return 1;
    }
    return 0;
}

/* A caller admitted from the token cache is only known to have been valid a moment ago: any
 * refusal of the request (its media type, its body) is answered only after the caller is read
 * afresh, so that a revoked token gets its 401 first, as it would without the cache. */
int router_recheck_or_reply(struct req *req, struct resp *resp)
{
    if (!req->user_cached)
        return 0;
    authz_token_cache_evict(req->token);
    req->user = NULL;
    req->token = NULL;
    req->user_cached = 0;
    return authorize_or_reply(req, resp, 0);
}

static int route_reads(const void *names, const char *name)
{
    return req_query_named(names, name);
}

/* For a route that declares the query names it reads (route.query): 0, or 422
 * unknown_parameter answered for the first other name. */
static int query_or_reply(struct req *req, struct resp *resp)
{
    const char *const *names = req->route->query;
    const char *unknown = names ? req_query_unknown(req, route_reads, names) : NULL;
    if (!unknown)
        return 0;
    struct strbuf accepted;
    strbuf_init(&accepted, 1024);
    for (; *names; names++)
        strbuf_item(&accepted, "、", *names);
    int rc = reply_unknown_parameter(resp, unknown, NULL, strbuf_get(&accepted));
    strbuf_dispose(&accepted);
    return rc;
}

void router_dispatch(struct req *req, struct resp *resp)
{
    if (router_admit(req, resp))
        return;
    if (((req->route->flags & ROUTE_BODY_JSON) && parse_body_or_reply(req, resp)) ||
        query_or_reply(req, resp)) {
        router_recheck_or_reply(req, resp);
        return;
    }
    int rc = req->route->handler ? req->route->handler(req, resp)
                                 : list_reply(req, resp, req->route->list, NULL);
    if (rc && resp->status == 0)
        generic_error(resp, rc);
    else if (!rc && resp->status == 0)
        resp->status = 204;
}

void router_dispatch_as(struct req *req, struct resp *resp, const struct principal *p)
{
    req->user_buf = *p;
    req->user_buf.via_cookie = 0;
    req->user = &req->user_buf;
    router_dispatch(req, resp);
}
