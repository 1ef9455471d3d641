/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for JSON bodies through the router: the first byte picks one of the routes
 * that take a JSON body (but the login and password routes, whose argon2id would make each
 * run take 50 ms), the rest is the body. Whatever the bytes, the answer is a 2xx or a 4xx with
 * the error shape; never a crash, a sanitizer report or a 5xx.
 */
#include "fuzz_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The route's path with its parameters filled with values that exist. */
static void path_of(const struct route *r, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = r->pattern; *p && o + 32 < cap;) {
        if (*p != '{') {
            out[o++] = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        const char *v = !strncmp(p, "{uscc}", 6)   ? fuzz_uscc
                        : !strncmp(p, "{date}", 6) ? "2026-10-01"
                                                   : "2";
        o += (size_t)snprintf(out + o, cap - o, "%s", v);
        p = close + 1;
    }
    out[o] = '\0';
}

static int fuzzable(const struct route *r)
{
    if (!(r->flags & ROUTE_BODY_JSON) || r->roles == ROLES_PUBLIC)
        return 0;
    for (const struct field *f = r->body; f && f->name; f++)
        if (strstr(f->name, "password"))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 1)
        return 0;
    const struct route *routes[64];
    int n = 0;
    for (int i = 0; i < router_count() && n < 64; i++)
        if (fuzzable(router_get(i)))
            routes[n++] = router_get(i);
    const struct route *r = routes[data[0] % n];
    char path[256];
    path_of(r, path, sizeof path);
    fuzz_request(r->method, path, NULL, "application/json", data + 1, size - 1);
    return 0;
}
