/* SPDX-License-Identifier: MIT */
/*
 * The record schemas of docs/openapi.yaml, generated from the record descriptions so that a
 * field is written down once: for each record of each module, `<Name>` (what reads answer),
 * `<Name>Create` (a create body: the writable fields, the required ones required) and
 * `<Name>Patch` (a PATCH body: the writable fields but the keys). `jianguan openapi` prints
 * the block; tools/gen-openapi.py puts it between the markers of docs/openapi.yaml, and
 * test_openapi checks that the committed file holds what the tables say.
 */
#include "http/module.h"
#include "http/openapi.h"
#include "core/err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum shape { SHAPE_READ, SHAPE_CREATE, SHAPE_PATCH };

static int in_shape(const struct field *f, int shape)
{
    if (shape == SHAPE_READ)
        return f->expr && !(f->flags & FIELD_WRITEONLY);
    if (f->flags & (FIELD_READONLY | FIELD_INTERNAL))
        return 0;
    return shape == SHAPE_CREATE || !(f->flags & FIELD_KEY);
}

/* A YAML double-quoted scalar (labels hold no quotes or backslashes; escape them anyway). */
static void quoted(struct strbuf *out, const char *s)
{
    strbuf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            strbuf_putc(out, '\\');
        strbuf_putc(out, *s);
    }
    strbuf_putc(out, '"');
}

static void property(struct strbuf *out, const struct field *f, int shape)
{
    static const char *const types[] = {
        [FIELD_STRING] = "string", [FIELD_INT] = "integer",   [FIELD_BOOL] = "boolean",
        [FIELD_NUMBER] = "number", [FIELD_OBJECT] = "object", [FIELD_ARRAY] = "array",
        [FIELD_DATE] = "string",   [FIELD_TIME] = "string",
    };
    strbuf_printf(out, "        %s:\n          type: %s\n", f->name, types[f->type]);
    if (f->type == FIELD_DATE)
        strbuf_puts(out, "          format: date\n");
    if (f->type == FIELD_TIME)
        strbuf_puts(out, "          format: date-time\n");
    if (f->type == FIELD_ARRAY)
        strbuf_puts(out, "          items: {}\n");
    if (f->max && (f->type == FIELD_STRING || f->type == FIELD_DATE))
        strbuf_printf(out, "          maxLength: %zu\n", f->max);
    if (f->lo < f->hi)
        strbuf_printf(out, "          minimum: %lld\n          maximum: %lld\n", (long long)f->lo,
                      (long long)f->hi);
    if (f->values) {
        strbuf_puts(out, "          enum: [");
        for (const struct enum_value *e = f->values; e->value; e++)
            strbuf_printf(out, "%s%s", e == f->values ? "" : ", ", e->value);
        strbuf_puts(out, "]\n");
    }
    if (f->flags & FIELD_NULLABLE)
        strbuf_puts(out, "          nullable: true\n");
    if (shape == SHAPE_READ && (f->flags & (FIELD_READONLY | FIELD_INTERNAL)))
        strbuf_puts(out, "          readOnly: true\n");
    if (f->flags & FIELD_WRITEONLY)
        strbuf_puts(out, "          writeOnly: true\n");
    strbuf_puts(out, "          description: ");
    struct strbuf d;
    strbuf_init(&d, 4096);
    strbuf_puts(&d, f->label ? f->label : f->name);
    for (const struct enum_value *e = f->values; e && e->value; e++)
        strbuf_printf(&d, "%s%s %s", e == f->values ? "：" : "，", e->value, e->label);
    if (f->def && shape == SHAPE_CREATE)
        strbuf_printf(&d, "（缺省 %s）", *f->def ? f->def : "空字符串");
    quoted(out, strbuf_get(&d));
    strbuf_dispose(&d);
    strbuf_putc(out, '\n');
}

static void schema(struct strbuf *out, const struct record *r, int shape)
{
    static const char *const suffix[] = {"", "Create", "Patch"};
    static const char *const what[] = {"", "（新增请求体）", "（修改请求体：只给要改的字段）"};
    char name[64];
    size_t n = 0; /* the record's name in CamelCase: inspection_task -> InspectionTask */
    for (const char *c = r->name; *c && n + 8 < sizeof name; c++)
        if (*c != '_')
            name[n++] = c == r->name || c[-1] == '_' ? (char)toupper((unsigned char)*c) : *c;
    snprintf(name + n, sizeof name - n, "%s", shape == SHAPE_READ ? "Record" : "");
    strbuf_printf(out, "    %s%s:\n      type: object\n      description: ", name, suffix[shape]);
    struct strbuf d;
    strbuf_init(&d, 256);
    strbuf_printf(&d, "%s%s", r->label, what[shape]);
    quoted(out, strbuf_get(&d));
    strbuf_dispose(&d);
    strbuf_putc(out, '\n');
    const char *sep = "      required: [";
    for (const struct field *f = r->fields; f->name; f++)
        if (in_shape(f, shape) && shape == SHAPE_CREATE && (f->flags & FIELD_REQUIRED)) {
            strbuf_printf(out, "%s%s", sep, f->name);
            sep = ", ";
        }
    if (*sep == ',')
        strbuf_puts(out, "]\n");
    strbuf_puts(out, "      properties:\n");
    for (const struct field *f = r->fields; f->name; f++)
        if (in_shape(f, shape))
            property(out, f, shape);
}

int openapi_record_schemas(struct strbuf *out)
{
    strbuf_puts(out, OPENAPI_BEGIN "\n");
    for (const struct module *const *m = modules; *m; m++)
        for (struct record *const *r = (*m)->records; r && *r; r++) {
            schema(out, *r, SHAPE_READ);
            if (!(*r)->table)
                continue;
            int writable = 0;
            for (const struct field *f = (*r)->fields; f->name; f++)
                writable |= in_shape(f, SHAPE_CREATE);
            if (!writable)
                continue;
            schema(out, *r, SHAPE_CREATE);
            schema(out, *r, SHAPE_PATCH);
        }
    return strbuf_puts(out, OPENAPI_END "\n");
}
