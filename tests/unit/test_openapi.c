/* SPDX-License-Identifier: MIT */
/* Keeps docs/openapi.yaml in step with the route table: every route must appear under `paths:`
 * as a two-space path key with a four-space method key inside its block, and every path and
 * method the document describes must be a route (so the document cannot promise routes that do
 * not exist). The YAML is read minimally by indentation, without a YAML library; the file is
 * taken from $JIANGUAN_OPENAPI, else docs/openapi.yaml relative to the repository root where
 * `make unit` runs. router.c is included, as in test_router.c, to free its table afterwards.
 *
 * Two more things are compared, operation by operation:
 *
 * Request bodies. A route with ROUTE_BODY_JSON declares its body as fields (route->body); the
 * operation's `requestBody` must have an `application/json` schema (a `$ref` to
 * components/schemas is followed, as is `allOf`) whose `properties` are exactly the fields a
 * body may carry — every field but FIELD_READONLY and FIELD_INTERNAL ones, which the router
 * drops, and, for a ROUTE_BODY_PARTIAL route (PATCH), but FIELD_KEY ones, which it refuses —
 * and whose `required` list is exactly the FIELD_REQUIRED fields (empty for a partial route).
 * A route without ROUTE_BODY_JSON must not document a JSON request body.
 *
 * Roles. Each operation's `description` starts with one sentence, up to the first "。":
 *   角色 / Roles：公开，无需登录（public）。            the route is ROLES_PUBLIC;
 *   角色 / Roles：任何已登录用户（any logged-in role）。 every role may call it (ROLES_ANY);
 *   角色 / Roles：`admin`（系统管理员）、`bureau`（…）。   else the role codes, each in backticks.
 * The roles named must be the roles the router lets in: route->roles plus `admin`, which the
 * router always admits to a route that needs a login, so `admin` is always named. A list of
 * codes that names every role must be written as 任何已登录用户 instead, so that the same
 * route reads the same everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/router.c"

#include <ctype.h>
#include <stdlib.h>

/* One operation the document describes: an upper-case method and a path. */
struct doc_op {
    char method[8];
    char *path;
    int line;
};

/* A node of the YAML tree: a mapping key (or "-" for a sequence item) with the text after its
 * colon, a block scalar's text, and its children, found by indentation. */
struct ynode {
    char *key;
    struct strbuf value; /* inline text; a flow list or map that spans lines is joined */
    struct strbuf block; /* the text of a `|` or `>` block scalar, one line per line */
    int indent, line, is_block;
    struct ynode *parent;
    struct ynode **kids;
    size_t nkids, cap;
};

struct doc {
    char *text;
    struct ynode *tree;
    struct doc_op *ops;
    size_t nops, cap;
    char **paths; /* path keys in order, to find repeated ones */
    size_t npaths, cap_paths;
    struct strbuf problems; /* repeated keys found while reading */
    int parsed;             /* doc_parse() found the paths block */
};

static const char *const methods[] = {"get",     "put",  "post",  "delete",
                                      "options", "head", "patch", "trace"};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct strbuf sb;
    strbuf_init(&sb, 16u << 20);
    char buf[8192];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = strbuf_append(&sb, buf, n);
    fclose(f);
    if (rc) {
        strbuf_dispose(&sb);
        return NULL;
    }
    char *text = strbuf_take(&sb, NULL);
    return text ? text : xstrdup("");
}

/* Number of leading spaces of line. */
static size_t indent_of(const char *line)
{
    size_t n = 0;
    while (line[n] == ' ')
        n++;
    return n;
}

/* Copies the mapping key of a "key:" line (after the indent) into out, without quotes; returns
 * 0, or -1 when the line is not a mapping key. *value points at the text after the colon and
 * its spaces ("" when none). */
static int mapping_entry(const char *s, char *out, size_t cap, const char **value)
{
    size_t len = 0;
    char quote = 0;
    if (*s == '\'' || *s == '"')
        quote = *s++;
    const char *start = s;
    if (quote) {
        while (*s && *s != quote)
            s++;
        if (*s != quote)
            return -1;
        len = (size_t)(s - start);
        s++;
        if (*s != ':')
            return -1;
    } else {
        while (*s && !(s[0] == ':' && (s[1] == '\0' || s[1] == ' ')))
            s++;
        if (*s != ':')
            return -1;
        len = (size_t)(s - start);
        while (len > 0 && start[len - 1] == ' ')
            len--;
    }
    s++;
    while (*s == ' ')
        s++;
    *value = s;
    if (len == 0 || len >= cap)
        return -1;
    memcpy(out, start, len);
    out[len] = '\0';
    return 0;
}

/* As mapping_entry; *inline_value is set when text other than a comment follows the colon (a
 * scalar or flow value rather than a nested block). */
static int mapping_key(const char *s, char *out, size_t cap, int *inline_value)
{
    const char *value = "";
    int rc = mapping_entry(s, out, cap, &value);
    *inline_value = *value && *value != '#';
    return rc;
}

/* The same for a key whose value must be a nested block (`paths:`). */
static int block_key(const char *s, char *out, size_t cap)
{
    int inline_value;
    return mapping_key(s, out, cap, &inline_value) || inline_value ? -1 : 0;
}

static void doc_add_op(struct doc *d, const char *method, const char *path, int line)
{
    if (d->nops == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->ops = xrealloc(d->ops, d->cap * sizeof *d->ops);
    }
    struct doc_op *op = &d->ops[d->nops++];
    size_t i;
    for (i = 0; method[i] && i + 1 < sizeof op->method; i++)
        op->method[i] = (char)toupper((unsigned char)method[i]);
    op->method[i] = '\0';
    op->path = xstrdup(path);
    op->line = line;
}

static void doc_add_path(struct doc *d, const char *path, int line)
{
    for (size_t i = 0; i < d->npaths; i++)
        if (!strcmp(d->paths[i], path))
            strbuf_printf(&d->problems, "  line %d: path %s appears twice\n", line, path);
    if (d->npaths == d->cap_paths) {
        d->cap_paths = d->cap_paths ? d->cap_paths * 2 : 64;
        d->paths = xrealloc(d->paths, d->cap_paths * sizeof *d->paths);
    }
    d->paths[d->npaths++] = xstrdup(path);
}

/* Reads the operations under the top-level `paths:` key of d->text (which it cuts into lines).
 * Returns 0, or -1 when the document has no block `paths:` key. */
static int doc_parse(struct doc *d)
{
    char key[512], path[512] = "";
    int in_paths = 0, found = 0, lineno = 0;
    char *line = d->text, *next;
    for (; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        size_t ind = indent_of(line);
        const char *s = line + ind;
        if (!*s || *s == '#')
            continue;
        if (ind == 0) {
            in_paths = block_key(s, key, sizeof key) == 0 && !strcmp(key, "paths");
            found |= in_paths;
            path[0] = '\0';
            continue;
        }
        if (!in_paths)
            continue;
        int inline_value;
        if (ind == 2) {
            path[0] = '\0';
            if (mapping_key(s, key, sizeof key, &inline_value) == 0 && key[0] == '/') {
                snprintf(path, sizeof path, "%s", key);
                doc_add_path(d, path, lineno);
            }
            continue;
        }
        /* A method key counts whatever its value: `get: {}` still claims an operation. */
        if (ind != 4 || !path[0] || mapping_key(s, key, sizeof key, &inline_value))
            continue;
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            if (strcmp(key, methods[m]))
                continue;
            for (size_t i = 0; i < d->nops; i++)
                if (!strcmp(d->ops[i].path, path) && !strcasecmp(d->ops[i].method, key))
                    strbuf_printf(&d->problems, "  line %d: %s %s appears twice\n", lineno, key,
                                  path);
            doc_add_op(d, key, path, lineno);
        }
    }
    return found ? 0 : -1;
}

static void doc_free(struct doc *d)
{
    for (size_t i = 0; i < d->nops; i++)
        free(d->ops[i].path);
    free(d->ops);
    for (size_t i = 0; i < d->npaths; i++)
        free(d->paths[i]);
    free(d->paths);
    free(d->text);
    strbuf_dispose(&d->problems);
    memset(d, 0, sizeof *d);
}

static const char *doc_path(void)
{
    const char *p = getenv("JIANGUAN_OPENAPI");
    return p && *p ? p : "docs/openapi.yaml";
}

static int setup(void **state)
{
    struct doc *d = xcalloc(1, sizeof *d);
    strbuf_init(&d->problems, 1u << 20);
    d->text = read_file(doc_path());
    if (!d->text) {
        fprintf(stderr, "cannot read %s (set JIANGUAN_OPENAPI or run from the repository root)\n",
                doc_path());
        doc_free(d);
        free(d);
        return -1;
    }
    d->parsed = doc_parse(d) == 0;
    router_init();
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct doc *d = *state;
    if (d) {
        doc_free(d);
        free(d);
    }
    free(routes);
    routes = NULL;
    nroutes = 0;
    return 0;
}

static int doc_has(const struct doc *d, const char *method, const char *path)
{
    for (size_t i = 0; i < d->nops; i++)
        if (!strcmp(d->ops[i].method, method) && !strcmp(d->ops[i].path, path))
            return 1;
    return 0;
}

static int table_has(const char *method, const char *path)
{
    for (int i = 0; i < router_count(); i++)
        if (!strcmp(router_get(i)->method, method) && !strcmp(router_get(i)->pattern, path))
            return 1;
    return 0;
}

static void test_parse(void **state)
{
    struct doc *d = *state;
    if (!d->parsed) {
        print_error("%s has no top-level `paths:` block\n", doc_path());
        fail();
    }
    if (d->problems.len) {
        print_error("%s repeats keys under paths:\n%s", doc_path(), strbuf_get(&d->problems));
        fail();
    }
    assert_true(d->nops > 0);
}

static void test_every_route_documented(void **state)
{
    struct doc *d = *state;
    struct strbuf missing;
    strbuf_init(&missing, 1u << 20);
    int n = 0;
    assert_true(router_count() > 0);
    for (int i = 0; i < router_count(); i++) {
        const struct route *r = router_get(i);
        if (doc_has(d, r->method, r->pattern))
            continue;
        strbuf_printf(&missing, "  %s %s\n", r->method, r->pattern);
        n++;
    }
    if (n) {
        print_error("%d route(s) missing from %s (each needs a two-space path key under "
                    "paths: and a four-space method key in its block):\n%s",
                    n, doc_path(), strbuf_get(&missing));
    }
    strbuf_dispose(&missing);
    assert_int_equal(n, 0);
}

static void test_no_phantom_routes(void **state)
{
    struct doc *d = *state;
    struct strbuf extra;
    strbuf_init(&extra, 1u << 20);
    int n = 0;
    for (size_t i = 0; i < d->nops; i++) {
        if (table_has(d->ops[i].method, d->ops[i].path))
            continue;
        strbuf_printf(&extra, "  %s %s (line %d)\n", d->ops[i].method, d->ops[i].path,
                      d->ops[i].line);
        n++;
    }
    if (n)
        print_error("%d operation(s) in %s that the route table does not have:\n%s", n, doc_path(),
                    strbuf_get(&extra));
    strbuf_dispose(&extra);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_no_phantom_routes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
