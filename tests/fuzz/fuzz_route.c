/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the router's path matching. Byte 0 picks the method (and whether the
 * path is the raw input or a route's pattern with its {parameters} filled from the input's
 * NUL-separated pieces); the request goes through router_dispatch as the administrator.
 *
 * The router's answer is checked against a matcher written here, segment by segment: a
 * pattern and a path match when they have as many '/'-separated segments, a literal segment
 * is equal, and a segment with a {name} starts and ends with the literal text around it and
 * has at least one more byte, which is the parameter. The route chosen is the first of the
 * table that matches with the method (HEAD as GET), and its parameters are exactly those
 * pieces: non-empty, without '/', in the path, and with the pattern they give the path back.
 * With no such route the answer is 405 when another method's route matches (with Allow),
 * else 404. Never a 5xx; every 4xx has the error shape.
 */
#include "fuzz_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const methods[] = {"GET",    "HEAD",    "POST",  "PUT", "PATCH", "DELETE",
                                      "GET",    "OPTIONS", "TRACE", "get", "POST",  "CONNECT",
                                      "PATCH ", "DELETE!", "",      "GET"};

struct span {
    const char *ptr;
    size_t len;
};

/* Whether path matches pattern (see above); the parameters' spans go to vals (in order),
 * their count to *n. */
static int ref_match(const char *pattern, const char *path, struct span vals[ROUTE_MAX_PARAMS],
                     int *n)
{
    const char *p = pattern, *s = path;
    *n = 0;
    for (;;) {
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        const char *open = memchr(p, '{', plen);
        if (!open) {
            if (plen != slen || memcmp(p, s, plen))
                return 0;
        } else {
            const char *close = memchr(open, '}', plen - (size_t)(open - p));
            size_t pre = (size_t)(open - p), post = plen - (size_t)(close + 1 - p);
            if (slen < pre + post + 1 || memcmp(p, s, pre) ||
                memcmp(close + 1, s + slen - post, post) || *n == ROUTE_MAX_PARAMS)
                return 0;
            vals[(*n)++] = (struct span){s + pre, slen - pre - post};
        }
        p += plen;
        s += slen;
        if (!*p || !*s)
            return !*p && !*s;
        p++; /* both at a '/' */
        s++;
    }
}

/* The parameter names of pattern, in order, must be req's; and the pattern with req's values
 * put in must be the path again. */
static int params_give_path(const char *pattern, const struct req *req)
{
    char back[4096];
    size_t o = 0;
    int i = 0;
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            if (o + 1 >= sizeof back)
                return 0;
            back[o++] = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        size_t nl = (size_t)(close - p - 1), vl;
        if (i >= req->nparams || strlen(req->param_names[i]) != nl ||
            memcmp(req->param_names[i], p + 1, nl))
            return 0;
        vl = strlen(req->param_values[i]);
        if (o + vl + 1 >= sizeof back)
            return 0;
        memcpy(back + o, req->param_values[i++], vl);
        o += vl;
        p = close + 1;
    }
    back[o] = '\0';
    return i == req->nparams && !strcmp(back, req->path);
}

/* Routes whose handler would end the administrator's credentials (every later run would then
 * stop at 401): they are admitted, not run. */
static int ends_credentials(const struct route *r)
{
    static const char *const tails[] = {"/logout", "/disable", "/revoke"};
    size_t n = strlen(r->pattern);
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t t = strlen(tails[i]);
        if (n >= t && !strcmp(r->pattern + n - t, tails[i]))
            return 1;
    }
    return 0;
}

/* Builds the path: the raw text, or route r's pattern with each {parameter} replaced by the
 * next NUL-separated piece of data (and what is left appended). Returns a malloc'd string of
 * exactly its size. */
static char *make_path(const struct route *r, const uint8_t *data, size_t size)
{
    if (!r) {
        size_t n = strnlen((const char *)data, size);
        char *s = malloc(n + 1);
        memcpy(s, data, n);
        s[n] = '\0';
        return s;
    }
    char buf[8192];
    size_t o = 0, at = 0;
    for (const char *p = r->pattern; *p && o + 1 < sizeof buf;) {
        if (*p != '{') {
            buf[o++] = *p++;
            continue;
        }
        size_t n = at < size ? strnlen((const char *)data + at, size - at) : 0;
        if (n > sizeof buf - o - 1)
            n = sizeof buf - o - 1;
        memcpy(buf + o, data + at, n);
        o += n;
        at += n + 1;
        p = strchr(p, '}') + 1;
    }
    if (at < size) { /* a tail after the pattern */
        size_t n = strnlen((const char *)data + at, size - at);
        if (n > sizeof buf - o - 1)
            n = sizeof buf - o - 1;
        memcpy(buf + o, data + at, n);
        o += n;
    }
    buf[o] = '\0';
    char *s = malloc(o + 1);
    memcpy(s, buf, o + 1);
    return s;
}

static const char *resp_header_value(const struct resp *resp, const char *name)
{
    for (int i = 0; i < resp->nheaders; i++)
        if (!strcmp(resp->headers[i].name, name))
            return resp->headers[i].value;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 2)
        return 0;
    const char *method = methods[data[0] & 15];
    const struct route *from = data[0] & 16 ? router_get(data[1] % router_count()) : NULL;
    char *path = from ? make_path(from, data + 2, size - 2) : make_path(NULL, data + 1, size - 1);
    /* What the router should do. */
    const char *want_method = strcmp(method, "HEAD") ? method : "GET";
    const struct route *want = NULL;
    struct span vals[ROUTE_MAX_PARAMS];
    int nvals = 0, other_method = 0;
    for (int i = 0; i < router_count() && !want; i++) {
        const struct route *r = router_get(i);
        struct span v[ROUTE_MAX_PARAMS];
        int n;
        if (!ref_match(r->pattern, path, v, &n))
            continue;
        if (strcmp(r->method, want_method)) {
            other_method = 1;
            continue;
        }
        want = r;
        memcpy(vals, v, sizeof v);
        nvals = n;
    }

    const char *headers[] = {"Authorization", fuzz_auth, "Content-Type", "application/json", NULL};
    struct req req = {.method = method, .path = path, .headers_in = headers};
    struct resp resp = {0};
    strbuf_init(&req.body, 1);
    strbuf_init(&resp.body, 64u << 20);
    /* The parameters as the router found them (handlers may normalise theirs in place). */
    int admitted = !router_admit(&req, &resp);
    int bad = req.route != want;
    if (!bad && want) {
        bad = req.nparams != nvals || !params_give_path(want->pattern, &req);
        for (int i = 0; !bad && i < nvals; i++) {
            const char *v = req.param_values[i];
            bad = !*v || strchr(v, '/') || !strstr(path, v) || strlen(v) != vals[i].len ||
                  memcmp(v, vals[i].ptr, vals[i].len);
        }
    } else if (!bad) {
        bad = resp.status != (other_method ? 405 : 404) ||
              (other_method && !resp_header_value(&resp, "Allow"));
    }
    if (!bad && admitted && !ends_credentials(req.route))
        router_dispatch(&req, &resp);
    if (!bad && resp.status >= 500)
        bad = 1;
    if (bad) {
        fprintf(stderr, "%s \"%s\": route %s %s (want %s), %d params, status %d: %.300s\n", method,
                path, req.route ? req.route->method : "-", req.route ? req.route->pattern : "-",
                want ? want->pattern : "-", req.nparams, resp.status, strbuf_get(&resp.body));
        abort();
    }
    if (resp.status >= 400)
        fuzz_check_error(&resp, path);
    req_dispose(&req);
    resp_dispose(&resp);
    free(path);
    return 0;
}
