/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for query integers. The first byte chooses between two runs:
 *
 * - req_query_int_or_reply() alone, on a request without a connection, against a reference
 *   parser written here: the text is strtoll's base-10 syntax in the C locale (optional
 *   leading white space, an optional sign, one or more digits and nothing after) and its
 *   value fits in int64_t and lies in [min, max]; then the call returns 0 with that value,
 *   which is also what strtoll makes of the canonical decimal (no space, no '+', no leading
 *   zeros). An absent or empty parameter gives the default. Anything else returns
 *   ERR_INVALID with a 422 error answer naming the parameter, and leaves the value alone.
 * - GET /api/v1/entities with the rest as its query pairs (name=value&..., already decoded)
 *   through the real router: never a 5xx; a 4xx has the error shape; a 200 page echoes the
 *   page and page_size the reference parser reads (1..1000000, 1..200; defaults 1 and 20),
 *   and a page or page_size it refuses is never answered 200, except by an export, which has
 *   no pages.
 */
#include "fuzz_server.h"

#include "core/err.h"

#include <inttypes.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads s as the reference says (see above); returns 1 with *v set, 0 when s is not such a
 * number. */
static int ref_parse(const char *s, int64_t *v)
{
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    int neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    if (*s < '0' || *s > '9')
        return 0;
    uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (mag > (limit - d) / 10)
            return 0; /* out of range: strtoll says ERANGE */
        mag = mag * 10 + d;
    }
    if (*s)
        return 0;
    *v = !neg ? (int64_t)mag : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    return 1;
}

/* The canonical decimal of a text ref_parse accepted: sign only when negative and not zero,
 * digits without leading zeros. */
static void canonical(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    int neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    while (*s == '0' && s[1])
        s++;
    if (neg && *s != '0')
        out[o++] = '-';
    while (*s && o + 1 < cap)
        out[o++] = *s++;
    out[o] = '\0';
}

/* The bounds the callers use, the ends of int64_t, and empty and one-wide ranges. */
static const struct bounds {
    int64_t min, max, def;
} bounds[] = {
    {1, 1000000, 1},
    {1, 200, 20},
    {1900, 2999, 0},
    {-3650, 3650, 0},
    {INT64_MIN, INT64_MAX, 0},
    {INT64_MIN, INT64_MIN + 1, -1},
    {INT64_MAX - 1, INT64_MAX, 7},
    {0, 0, 0},
    {-1, 1, 9},
    {5, 4, 5},
};

static int64_t read_i64(const uint8_t *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | p[i];
    return (int64_t)u;
}

/* req_query_int_or_reply() against the reference, with bounds bd; text is the value (the
 * parameter is absent when present is 0). */
static void one_value(struct bounds bd, const char *text, int present)
{
    const char *query[] = {present ? "n" : "other", text, NULL};
    struct req req = {.method = "GET", .path = "/", .query = query};
    struct resp resp = {0};
    strbuf_init(&req.body, 1);
    strbuf_init(&resp.body, 1u << 16);
    const int64_t sentinel = INT64_MIN + 12345;
    int64_t out = sentinel, want = bd.def;
    int rc = req_query_int_or_reply(&req, &resp, "n", bd.def, bd.min, bd.max, &out);
    int valid = !present || !*text || (ref_parse(text, &want) && want >= bd.min && want <= bd.max);
    if (valid) {
        char canon[64], got[32];
        if (present && *text) { /* the value written out is the text's canonical decimal */
            canonical(text, canon, sizeof canon);
            snprintf(got, sizeof got, "%" PRId64, out);
            if (strcmp(got, canon) || strtoll(canon, NULL, 10) != out)
                abort();
        }
        if (rc || out != want || resp.status || resp.body.len) {
            fprintf(stderr,
                    "n=\"%s\" in [%" PRId64 ", %" PRId64 "]: rc %d, %" PRId64 " (want %" PRId64
                    "), status %d\n",
                    text, bd.min, bd.max, rc, out, want, resp.status);
            abort();
        }
    } else {
        if (rc != ERR_INVALID || resp.status != 422 || out != sentinel) {
            fprintf(stderr,
                    "n=\"%s\" in [%" PRId64 ", %" PRId64 "]: rc %d, %" PRId64 ", status %d\n", text,
                    bd.min, bd.max, rc, out, resp.status);
            abort();
        }
        fuzz_check_error(&resp, "query integer");
        json_t *o = json_loadb(strbuf_get(&resp.body), resp.body.len, 0, NULL);
        json_t *err = json_object_get(o, "error");
        if (strcmp(json_string_value(json_object_get(err, "code")), "validation_failed") ||
            !json_is_string(json_object_get(err, "field")) ||
            strcmp(json_string_value(json_object_get(err, "field")), "n"))
            abort();
        json_decref(o);
    }
    req_dispose(&req);
    resp_dispose(&resp);
}

/* The first value of name in a name, value, ..., NULL list (case aside), as req_query finds
 * it without a connection; NULL when absent. */
static const char *first_value(const char *const *pairs, const char *name)
{
    for (const char *const *q = pairs; q[0]; q += 2)
        if (!strcasecmp(q[0], name))
            return q[1];
    return NULL;
}

/* Reads a page parameter as the reference does: 1 with *v set (the default when absent or
 * empty), 0 when the list must refuse it. */
static int page_param(const char *text, int64_t def, int64_t max, int64_t *v)
{
    *v = def;
    if (!text || !*text)
        return 1;
    return ref_parse(text, v) && *v >= 1 && *v <= max;
}

#define MAX_PAIRS 16

/* GET /api/v1/entities?<text split at & and => through the router. text is modified. */
static void list_query(char *text)
{
    const char *pairs[2 * MAX_PAIRS + 1];
    int n = 0;
    for (char *p = text; p && n < MAX_PAIRS; n++) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq)
            *eq = '\0';
        pairs[2 * n] = p;
        pairs[2 * n + 1] = eq ? eq + 1 : "";
        p = amp ? amp + 1 : NULL;
    }
    pairs[2 * n] = NULL;
    const char *headers[] = {"Authorization", fuzz_auth, NULL};
    struct req req = {
        .method = "GET", .path = "/api/v1/entities", .query = pairs, .headers_in = headers};
    struct resp resp = {0};
    strbuf_init(&req.body, 1);
    strbuf_init(&resp.body, 64u << 20);
    router_dispatch(&req, &resp);
    int64_t page, size;
    int page_ok = page_param(first_value(pairs, "page"), 1, 1000000, &page);
    int size_ok = page_param(first_value(pairs, "page_size"), 20, 200, &size);
    const char *format = first_value(pairs, "format");
    int file = format && (!strcmp(format, "csv") || !strcmp(format, "xlsx"));
    if (resp.status >= 500 || resp.status < 200) {
        fprintf(stderr, "list answered %d: %.300s\n", resp.status, strbuf_get(&resp.body));
        abort();
    }
    if (resp.status >= 400)
        fuzz_check_error(&resp, "list");
    if (resp.status == 200 && !file) {
        json_t *o = json_loadb(strbuf_get(&resp.body), resp.body.len, 0, NULL);
        json_t *items = json_object_get(o, "items");
        if (!page_ok || !size_ok || json_integer_value(json_object_get(o, "page")) != page ||
            json_integer_value(json_object_get(o, "page_size")) != size || !json_is_array(items) ||
            (int64_t)json_array_size(items) > size) {
            fprintf(stderr, "list page %s size %s answered: %.300s\n", first_value(pairs, "page"),
                    first_value(pairs, "page_size"), strbuf_get(&resp.body));
            abort();
        }
        json_decref(o);
    }
    if (!file && (!page_ok || !size_ok) && resp.status < 400)
        abort();
    req_dispose(&req);
    resp_dispose(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* Byte 0: the run and whether the parameter is present; byte 1: the bounds (with its high
     * bit, 24 bytes of min, max and default follow); then the text. */
    struct bounds bd = bounds[data[1] % (sizeof bounds / sizeof bounds[0])];
    size_t skip = 2;
    if (!(data[0] & 1) && (data[1] & 0x80) && size >= 26) {
        bd = (struct bounds){read_i64(data + 2), read_i64(data + 10), read_i64(data + 18)};
        skip = 26;
    }
    /* The text ends at the first NUL, as a C string does; exact size: ASan sees over-reads. */
    size_t n = size - skip;
    char *text = malloc(n + 1);
    if (!text)
        return 0;
    memcpy(text, data + skip, n);
    text[n] = '\0';
    if (data[0] & 1) {
        fuzz_setup();
        list_query(text);
    } else {
        one_value(bd, text, !(data[0] & 2));
    }
    free(text);
    return 0;
}
