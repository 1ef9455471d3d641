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
#include "http/openapi.h"

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

/* -- the YAML tree ----------------------------------------------------------------------------- */

static struct ynode *ynode_new(struct ynode *parent, const char *key, int indent, int line)
{
    struct ynode *n = xcalloc(1, sizeof *n);
    n->key = xstrdup(key);
    strbuf_init(&n->value, 1u << 20);
    strbuf_init(&n->block, 1u << 20);
    n->indent = indent;
    n->line = line;
    n->parent = parent;
    if (parent) {
        if (parent->nkids == parent->cap) {
            parent->cap = parent->cap ? parent->cap * 2 : 8;
            parent->kids = xrealloc(parent->kids, parent->cap * sizeof *parent->kids);
        }
        parent->kids[parent->nkids++] = n;
    }
    return n;
}

static void ynode_free(struct ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        ynode_free(n->kids[i]);
    free(n->kids);
    free(n->key);
    strbuf_dispose(&n->value);
    strbuf_dispose(&n->block);
    free(n);
}

/* The bracket depth that text leaves open ("[a, b" -> 1), quotes skipped. */
static int flow_depth(const char *text, int depth)
{
    char quote = 0;
    for (const char *p = text; *p; p++) {
        if (quote) {
            quote = *p == quote ? 0 : quote;
            continue;
        }
        if (*p == '\'' || *p == '"')
            quote = *p;
        else if (*p == '[' || *p == '{')
            depth++;
        else if (*p == ']' || *p == '}')
            depth--;
    }
    return depth;
}

/* Sets node's inline value to text and, for a `|` or `>` block scalar, opens its block. Returns
 * the bracket depth a flow value leaves open. */
static int ynode_set_value(struct ynode *n, const char *text)
{
    strbuf_puts(&n->value, text);
    n->is_block = text[0] == '|' || text[0] == '>';
    return text[0] == '[' || text[0] == '{' ? flow_depth(text, 0) : 0;
}

/* Reads text (left unchanged) into a tree of mapping keys, sequence items, block scalars and
 * flow values: what a schema and a description need, not all of YAML. */
static struct ynode *tree_parse(const char *text)
{
    struct ynode *root = ynode_new(NULL, "", -1, 0), *cur = root, *block = NULL, *flow = NULL;
    int depth = 0, lineno = 0;
    char key[512];
    const char *line = text;
    struct strbuf buf;
    strbuf_init(&buf, 1u << 20);
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        strbuf_reset(&buf);
        strbuf_append(&buf, line, len);
        line = nl ? nl + 1 : NULL;
        lineno++;
        char *l = buf.buf;
        if (buf.len && l[buf.len - 1] == '\r')
            l[--buf.len] = '\0';
        int ind = (int)indent_of(l);
        const char *s = l + ind;
        if (block) {
            if (!*s || ind > block->indent) {
                strbuf_printf(&block->block, "%s\n", s);
                continue;
            }
            block = NULL;
        }
        if (!*s || *s == '#')
            continue;
        if (flow) {
            strbuf_printf(&flow->value, " %s", s);
            depth = flow_depth(s, depth);
            if (depth <= 0)
                flow = NULL;
            continue;
        }
        while (cur != root && cur->indent >= ind)
            cur = cur->parent;
        struct ynode *n;
        const char *value = "";
        if (s[0] == '-' && (s[1] == ' ' || s[1] == '\0')) {
            /* A sequence item; "- key: value" opens a mapping inside it, whose later keys
             * stand at the indent of that first key; "- {…}" is a flow value. */
            struct ynode *item = ynode_new(cur, "-", ind, lineno);
            const char *rest = s + 1;
            while (*rest == ' ')
                rest++;
            if (*rest && *rest != '{' && *rest != '[' &&
                mapping_entry(rest, key, sizeof key, &value) == 0) {
                n = ynode_new(item, key, ind + (int)(rest - s), lineno);
            } else {
                n = item;
                value = rest;
            }
        } else if (mapping_entry(s, key, sizeof key, &value) == 0) {
            n = ynode_new(cur, key, ind, lineno);
        } else {
            /* A plain scalar continued on this line. */
            if (cur != root)
                strbuf_printf(&cur->value, " %s", s);
            continue;
        }
        depth = ynode_set_value(n, value);
        if (n->is_block)
            block = n;
        if (depth > 0)
            flow = n;
        cur = n;
    }
    strbuf_dispose(&buf);
    return root;
}

/* The child of n called key, or NULL. */
static const struct ynode *ynode_get(const struct ynode *n, const char *key)
{
    for (size_t i = 0; n && i < n->nkids; i++)
        if (!strcmp(n->kids[i]->key, key))
            return n->kids[i];
    return NULL;
}

/* The node at the end of a path of keys (NULL-terminated), or NULL. */
static const struct ynode *ynode_at(const struct ynode *n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (const char *k = va_arg(ap, const char *); n && k; k = va_arg(ap, const char *))
        n = ynode_get(n, k);
    va_end(ap);
    return n;
}

/* Copies the scalar text into out without its quotes and surrounding spaces. */
static void scalar_copy(const char *text, size_t len, char *out, size_t cap)
{
    while (len && (*text == ' ' || *text == '\'' || *text == '"'))
        text++, len--;
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\'' || text[len - 1] == '"'))
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, text, len);
    out[len] = '\0';
}

/* The operation of method (any case) on path in the document, or NULL. */
static const struct ynode *doc_op(const struct doc *d, const char *method, const char *path)
{
    char m[8];
    size_t i;
    for (i = 0; method[i] && i + 1 < sizeof m; i++)
        m[i] = (char)tolower((unsigned char)method[i]);
    m[i] = '\0';
    return ynode_at(d->tree, "paths", path, m, (const char *)NULL);
}

/* -- names and sets ---------------------------------------------------------------------------- */

#define MAX_NAMES 64

/* A small set of names (fields, properties), each with a flag (required). */
struct names {
    char name[MAX_NAMES][64];
    int flag[MAX_NAMES];
    size_t n;
};

static int names_find(const struct names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name))
            return (int)i;
    return -1;
}

/* Adds name (once); with flag set, marks it. */
static void names_add(struct names *s, const char *name, int flag)
{
    int i = names_find(s, name);
    if (i < 0 && s->n < MAX_NAMES) {
        i = (int)s->n++;
        snprintf(s->name[i], sizeof s->name[i], "%s", name);
        s->flag[i] = 0;
    }
    if (i >= 0 && flag)
        s->flag[i] = 1;
}

/* Adds the names of a `required` node: a flow list "[a, b]" or a block sequence. */
static void add_required(struct names *req, const struct ynode *r)
{
    const char *v = strbuf_get(&r->value);
    char name[64];
    if (*v == '[') {
        const char *p = v + 1;
        while (*p && *p != ']') {
            size_t len = strcspn(p, ",]");
            scalar_copy(p, len, name, sizeof name);
            if (*name)
                names_add(req, name, 1);
            p += len + (p[len] == ',');
        }
        return;
    }
    for (size_t i = 0; i < r->nkids; i++) {
        const char *item = strbuf_get(&r->kids[i]->value);
        scalar_copy(item, strlen(item), name, sizeof name);
        if (*name)
            names_add(req, name, 1);
    }
}

/* Collects the properties of a schema into props and its required names into req, following
 * `$ref`s to components/schemas and the parts of `allOf`. Returns 0, or -1 with the reason
 * appended to why. */
static int schema_names(const struct doc *d, const struct ynode *schema, struct names *props,
                        struct names *req, struct strbuf *why, int depth)
{
    static const char prefix[] = "#/components/schemas/";
    const struct ynode *ref = ynode_get(schema, "$ref");
    if (depth > 8) {
        strbuf_printf(why, "$refs nest too deep at line %d", schema->line);
        return -1;
    }
    if (ref) {
        char target[256];
        const char *v = strbuf_get(&ref->value);
        scalar_copy(v, strlen(v), target, sizeof target);
        const struct ynode *to = strncmp(target, prefix, sizeof prefix - 1)
                                     ? NULL
                                     : ynode_at(d->tree, "components", "schemas",
                                                target + sizeof prefix - 1, (const char *)NULL);
        if (!to) {
            strbuf_printf(why, "line %d: $ref %s is not a schema of components/schemas", ref->line,
                          target);
            return -1;
        }
        return schema_names(d, to, props, req, why, depth + 1);
    }
    const struct ynode *all = ynode_get(schema, "allOf");
    for (size_t i = 0; all && i < all->nkids; i++)
        if (schema_names(d, all->kids[i], props, req, why, depth + 1))
            return -1;
    const struct ynode *p = ynode_get(schema, "properties");
    for (size_t i = 0; p && i < p->nkids; i++)
        names_add(props, p->kids[i]->key, 0);
    const struct ynode *r = ynode_get(schema, "required");
    if (r)
        add_required(req, r);
    return 0;
}

/* -- roles ------------------------------------------------------------------------------------- */

#define ROLES_MARKER "角色 / Roles："
#define ROLES_PUBLIC_TEXT "公开，无需登录"
#define ROLES_ANY_TEXT "任何已登录用户"

/* Appends the codes of the roles in the set ("admin, bureau"), or "public" for none. */
static void roles_text(unsigned roles, struct strbuf *out)
{
    if (roles == ROLES_PUBLIC) {
        strbuf_puts(out, "public");
        return;
    }
    const char *sep = "";
    for (int i = 0; authz_roles[i].value; i++)
        if (roles & (1u << i)) {
            strbuf_printf(out, "%s%s", sep, authz_roles[i].value);
            sep = ", ";
        }
}

/* Reads the roles sentence at the start of an operation's description into *roles. Returns 0,
 * or -1 with the reason in why. */
static int description_roles(const char *text, unsigned *roles, struct strbuf *why)
{
    size_t mlen = strlen(ROLES_MARKER);
    while (*text == ' ' || *text == '\n')
        text++;
    if (strncmp(text, ROLES_MARKER, mlen)) {
        strbuf_puts(why, "the description does not start with \"" ROLES_MARKER "\"");
        return -1;
    }
    const char *p = text + mlen;
    if (strstr(p, ROLES_MARKER)) {
        strbuf_puts(why, "\"" ROLES_MARKER "\" appears twice");
        return -1;
    }
    const char *end = strstr(p, "。");
    size_t len = end ? (size_t)(end - p) : strlen(p);
    int codes = 0;
    *roles = 0;
    for (const char *q = memchr(p, '`', len); q; q = memchr(q, '`', len - (size_t)(q - p))) {
        const char *close = memchr(q + 1, '`', len - (size_t)(q + 1 - p));
        if (!close) {
            strbuf_puts(why, "an unclosed backtick in the roles sentence");
            return -1;
        }
        char code[32];
        size_t n = (size_t)(close - q - 1);
        snprintf(code, sizeof code, "%.*s", (int)n, q + 1);
        unsigned bit = n < sizeof code ? role_of(code) : 0;
        if (!bit) {
            strbuf_printf(why, "`%s` in the roles sentence is not a role code", code);
            return -1;
        }
        *roles |= bit;
        codes++;
        q = close + 1;
    }
    int is_public = !strncmp(p, ROLES_PUBLIC_TEXT, strlen(ROLES_PUBLIC_TEXT));
    int is_any = !strncmp(p, ROLES_ANY_TEXT, strlen(ROLES_ANY_TEXT));
    if (is_public || is_any) {
        if (codes) {
            strbuf_puts(why, "the roles sentence says public or any role and lists codes too");
            return -1;
        }
        *roles = is_public ? ROLES_PUBLIC : ROLES_ANY;
        return 0;
    }
    if (!codes) {
        strbuf_puts(why, "the roles sentence names no role (codes in backticks, \"" ROLES_ANY_TEXT
                         "\" or \"" ROLES_PUBLIC_TEXT "\")");
        return -1;
    }
    if (*roles == ROLES_ANY) {
        strbuf_puts(why, "the roles sentence lists every role: write \"" ROLES_ANY_TEXT "\"");
        return -1;
    }
    return 0;
}

/* The text of an operation's description (a block scalar or an inline one). */
static const char *op_description(const struct ynode *op)
{
    const struct ynode *d = ynode_get(op, "description");
    if (!d)
        return NULL;
    return d->is_block ? strbuf_get(&d->block) : strbuf_get(&d->value);
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
    ynode_free(d->tree);
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
    d->tree = tree_parse(d->text); /* before doc_parse cuts the text into lines */
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

/* The record schemas in the document are what the record descriptions generate today (a field
 * added to a table and not to the document: run `make openapi`). */
static void test_record_schemas_generated(void **state)
{
    (void)state;
    char *text = read_file(doc_path());
    struct strbuf want;
    strbuf_init(&want, 1u << 20);
    assert_non_null(text);
    assert_int_equal(openapi_record_schemas(&want), 0);
    if (!strstr(text, strbuf_get(&want))) {
        print_error("%s: the record schemas differ from the record descriptions; run "
                    "`make openapi`\n",
                    doc_path());
        fail();
    }
    strbuf_dispose(&want);
    free(text);
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

/* Appends to out, "; "-separated, each name of a missing from b ("<name> <only_a>") and each
 * name of b missing from a. */
static void names_diff(const struct names *a, const struct names *b, const char *only_a,
                       const char *only_b, struct strbuf *out)
{
    for (size_t i = 0; i < a->n; i++)
        if (names_find(b, a->name[i]) < 0)
            strbuf_printf(out, "%s%s %s", out->len ? "; " : "", a->name[i], only_a);
    for (size_t i = 0; i < b->n; i++)
        if (names_find(a, b->name[i]) < 0)
            strbuf_printf(out, "%s%s %s", out->len ? "; " : "", b->name[i], only_b);
}

/* The fields a body of route r may carry (props) and must carry (req), as the router checks
 * them (see the comment at the top). */
static void route_body_names(const struct route *r, struct names *props, struct names *req)
{
    int partial = (r->flags & ROUTE_BODY_PARTIAL) != 0;
    for (const struct field *f = r->body; f && f->name; f++) {
        if (f->flags & (FIELD_READONLY | FIELD_INTERNAL))
            continue;
        if (partial && (f->flags & FIELD_KEY))
            continue;
        names_add(props, f->name, 0);
        if (!partial && (f->flags & FIELD_REQUIRED))
            names_add(req, f->name, 1);
    }
}

/* How one route's operation is judged: appends each disagreement to why ("; "-separated) and
 * returns the line of the document to name, or 0 when the route is not one it judges. */
typedef int (*route_judge)(const struct doc *d, const struct route *r, const struct ynode *op,
                           struct strbuf *why);

/* Judges every documented route (test_every_route_documented names an undocumented one) and
 * fails naming each whose operation disagrees with the route table ("<n> <what> of <doc>");
 * returns how many it judged. */
static int judge_routes(const struct doc *d, route_judge judge, const char *what)
{
    struct strbuf bad, why;
    strbuf_init(&bad, 1u << 20);
    strbuf_init(&why, 1u << 16);
    int n = 0, judged = 0;
    for (int i = 0; i < router_count(); i++) {
        const struct route *r = router_get(i);
        const struct ynode *op = doc_op(d, r->method, r->pattern);
        if (!op)
            continue;
        strbuf_reset(&why);
        int line = judge(d, r, op, &why);
        if (!line)
            continue;
        judged++;
        if (why.len) {
            strbuf_printf(&bad, "  %s %s (line %d): %s\n", r->method, r->pattern, line,
                          strbuf_get(&why));
            n++;
        }
    }
    if (n)
        print_error("%d %s of %s disagree with the route table:\n%s", n, what, doc_path(),
                    strbuf_get(&bad));
    strbuf_dispose(&bad);
    strbuf_dispose(&why);
    assert_int_equal(n, 0);
    return judged;
}

/* A route's JSON body against its operation's requestBody schema: the same fields, the same
 * required ones; a route without a body documents none. */
static int judge_body(const struct doc *d, const struct route *r, const struct ynode *op,
                      struct strbuf *why)
{
    const struct ynode *schema =
        ynode_at(op, "requestBody", "content", "application/json", "schema", (const char *)NULL);
    if (!(r->flags & ROUTE_BODY_JSON)) {
        if (schema)
            strbuf_puts(why, "documents a JSON body the route does not take");
        return schema ? schema->line : 0;
    }
    if (!schema) {
        strbuf_puts(why, "no requestBody content application/json schema");
        return op->line;
    }
    struct names want = {0}, want_req = {0}, have = {0}, have_req = {0};
    route_body_names(r, &want, &want_req);
    if (schema_names(d, schema, &have, &have_req, why, 0))
        return schema->line;
    names_diff(&want, &have, "is a body field, not a schema property",
               "is a schema property, not a body field", why);
    names_diff(&want_req, &have_req, "is required by the route, not by the schema",
               "is required by the schema, not by the route", why);
    return schema->line;
}

static void test_request_bodies(void **state)
{
    assert_true(judge_routes(*state, judge_body, "request body(ies)") > 0);
}

/* The roles sentence of an operation's description against the roles the route admits. */
static int judge_roles(const struct doc *d, const struct route *r, const struct ynode *op,
                       struct strbuf *why)
{
    (void)d;
    const char *text = op_description(op);
    unsigned doc_roles = 0;
    unsigned want = r->roles == ROLES_PUBLIC ? ROLES_PUBLIC : r->roles | ROLE_ADMIN;
    if (!text) {
        strbuf_puts(why, "no description");
    } else if (description_roles(text, &doc_roles, why) == 0 && doc_roles != want) {
        struct strbuf a, b;
        strbuf_init(&a, 1u << 12);
        strbuf_init(&b, 1u << 12);
        roles_text(doc_roles, &a);
        roles_text(want, &b);
        strbuf_printf(why, "the description names {%s}, the route admits {%s}", strbuf_get(&a),
                      strbuf_get(&b));
        strbuf_dispose(&a);
        strbuf_dispose(&b);
    }
    return op->line;
}

static void test_roles_documented(void **state)
{
    judge_routes(*state, judge_roles, "operation(s) whose roles sentence");
}

/* -- list query parameters ----------------------------------------------------------------------
 */

/* The value of key in a flow mapping "{name: q, in: query, ...}", into out; 0 or -1. */
static int flow_member(const char *text, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *p = text; (p = strstr(p, key)) != NULL; p++) {
        char before = p == text ? '{' : p[-1];
        if ((before != '{' && before != ' ' && before != ',') || p[klen] != ':')
            continue;
        const char *v = p + klen + 1;
        scalar_copy(v, strcspn(v, ",}"), out, cap);
        return 0;
    }
    return -1;
}

/* The name and place (`in`) of an item of a `parameters` list: a $ref to
 * components/parameters, a flow mapping or a block mapping; 0, or -1 when it names neither. */
static int param_of(const struct doc *d, const struct ynode *item, char *name, size_t ncap,
                    char *in, size_t icap)
{
    static const char prefix[] = "#/components/parameters/";
    const struct ynode *ref = ynode_get(item, "$ref");
    if (ref) {
        char target[256];
        scalar_copy(ref->value.buf, ref->value.len, target, sizeof target);
        if (strncmp(target, prefix, sizeof prefix - 1))
            return -1;
        item = ynode_at(d->tree, "components", "parameters", target + sizeof prefix - 1,
                        (const char *)NULL);
        if (!item)
            return -1;
    }
    const struct ynode *n = ynode_get(item, "name"), *where = ynode_get(item, "in");
    if (n && where) {
        scalar_copy(n->value.buf, n->value.len, name, ncap);
        scalar_copy(where->value.buf, where->value.len, in, icap);
        return 0;
    }
    const char *text = strbuf_get(&item->value);
    return flow_member(text, "name", name, ncap) || flow_member(text, "in", in, icap) ? -1 : 0;
}

/* Adds the query parameters of a `parameters` node (of a path or of an operation) to have. */
static void doc_query_params(const struct doc *d, const struct ynode *params, struct names *have)
{
    for (size_t i = 0; params && i < params->nkids; i++) {
        char name[64], in[16];
        if (!param_of(d, params->kids[i], name, sizeof name, in, sizeof in) && !strcmp(in, "query"))
            names_add(have, name, 0);
    }
}

static void test_param_readers(void **state)
{
    (void)state;
    static const char yaml[] = "paths:\n"
                               "  /x/{id}:\n"
                               "    parameters:\n"
                               "      - {name: id, in: path, required: true}\n"
                               "    get:\n"
                               "      parameters:\n"
                               "        - $ref: '#/components/parameters/Page'\n"
                               "        - {name: region, in: query, description: 区划（a, b）,\n"
                               "           schema: {type: string}}\n"
                               "        - name: q\n"
                               "          in: query\n"
                               "        - {in: header, name: X-Y}\n"
                               "components:\n"
                               "  parameters:\n"
                               "    Page:\n"
                               "      name: page\n"
                               "      in: query\n";
    struct doc d = {0};
    struct names have = {0};
    d.tree = tree_parse(yaml);
    doc_query_params(&d, ynode_at(d.tree, "paths", "/x/{id}", "parameters", (const char *)NULL),
                     &have);
    assert_int_equal(have.n, 0); /* a path parameter */
    doc_query_params(&d, ynode_get(doc_op(&d, "GET", "/x/{id}"), "parameters"), &have);
    assert_int_equal(have.n, 3);
    assert_string_equal(have.name[0], "page");
    assert_string_equal(have.name[1], "region");
    assert_string_equal(have.name[2], "q");
    ynode_free(d.tree);
}

/* A list route, and a route that declares the query names it reads (route.query), refuses
 * every other name (422 unknown_parameter), so its operation must document every filter and
 * search it reads, and nothing it would refuse. */
static int judge_query(const struct doc *d, const struct route *r, const struct ynode *op,
                       struct strbuf *why)
{
    if (!r->list && !r->query)
        return 0;
    struct names reads = {0}, takes, have = {0};
    for (const struct list_filter *f = r->list ? r->list->filters : NULL; f && f->name; f++)
        names_add(&reads, f->name, 0);
    for (const char *const *p = r->list ? r->list->params : NULL; p && *p; p++)
        names_add(&reads, *p, 0);
    for (const char *const *p = r->query; p && *p; p++)
        names_add(&reads, *p, 0);
    takes = reads;
    for (const char *const *p = list_common_params; r->list && *p; p++)
        names_add(&takes, *p, 0);
    doc_query_params(d, ynode_at(d->tree, "paths", r->pattern, "parameters", (const char *)NULL),
                     &have);
    doc_query_params(d, ynode_get(op, "parameters"), &have);
    for (size_t k = 0; k < reads.n; k++)
        if (names_find(&have, reads.name[k]) < 0)
            strbuf_printf(why, "%s%s is read by the route, not documented", why->len ? "; " : "",
                          reads.name[k]);
    for (size_t k = 0; k < have.n; k++)
        if (names_find(&takes, have.name[k]) < 0)
            strbuf_printf(why, "%s%s is documented, and refused as unknown_parameter",
                          why->len ? "; " : "", have.name[k]);
    return op->line;
}

static void test_query_parameters(void **state)
{
    assert_true(judge_routes(*state, judge_query, "route(s) whose query parameters") > 10);
}

static void test_readers(void **state)
{
    (void)state;
    static const char yaml[] = "paths:\n"
                               "  /x/{id}:\n"
                               "    parameters:\n"
                               "      - $ref: '#/components/parameters/P'\n"
                               "    patch:\n"
                               "      description: |\n"
                               "        角色 / Roles：`bureau`、\n"
                               "        `admin`（管理员）。其余 `not-a-role` 不算。\n"
                               "\n"
                               "        More text: with a colon.\n"
                               "      requestBody:\n"
                               "        content:\n"
                               "          application/json:\n"
                               "            schema:\n"
                               "              allOf:\n"
                               "                - $ref: '#/components/schemas/A'\n"
                               "                - type: object\n"
                               "                  required:\n"
                               "                    - c\n"
                               "                  properties:\n"
                               "                    c:\n"
                               "                      type: string\n"
                               "components:\n"
                               "  schemas:\n"
                               "    A:\n"
                               "      type: object\n"
                               "      required: [a,\n"
                               "                 'b']\n"
                               "      properties:\n"
                               "        a:\n"
                               "          enum: [x, y,\n"
                               "                 z]\n"
                               "        b: {}\n";
    struct doc d = {0};
    struct names props = {0}, req = {0};
    struct strbuf why;
    unsigned roles = 0;
    strbuf_init(&why, 1u << 12);
    d.tree = tree_parse(yaml);
    const struct ynode *op = doc_op(&d, "PATCH", "/x/{id}");
    assert_non_null(op);
    const struct ynode *schema =
        ynode_at(op, "requestBody", "content", "application/json", "schema", (const char *)NULL);
    assert_non_null(schema);
    assert_int_equal(schema_names(&d, schema, &props, &req, &why, 0), 0);
    assert_int_equal(props.n, 3);
    assert_true(names_find(&props, "a") >= 0 && names_find(&props, "b") >= 0);
    assert_true(names_find(&props, "c") >= 0);
    assert_int_equal(req.n, 3);
    assert_int_equal(description_roles(op_description(op), &roles, &why), 0);
    assert_int_equal(roles, ROLE_ADMIN | ROLE_BUREAU);
    assert_non_null(strstr(op_description(op), "More text: with a colon."));
    assert_int_equal(description_roles("角色 / Roles：任何已登录用户（any）。", &roles, &why), 0);
    assert_int_equal(roles, ROLES_ANY);
    assert_int_equal(description_roles("角色 / Roles：公开，无需登录。`x`", &roles, &why), 0);
    assert_int_equal(roles, ROLES_PUBLIC);
    assert_int_equal(description_roles("角色 / Roles：`nobody`。", &roles, &why), -1);
    assert_int_equal(description_roles("Roles: `admin`.", &roles, &why), -1);
    assert_int_equal(description_roles("角色 / Roles：仅管理员。", &roles, &why), -1);
    ynode_free(d.tree);
    strbuf_dispose(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_record_schemas_generated),
        cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_no_phantom_routes),
        cmocka_unit_test(test_readers),
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_roles_documented),
        cmocka_unit_test(test_param_readers),
        cmocka_unit_test(test_query_parameters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
