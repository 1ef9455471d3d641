/* SPDX-License-Identifier: MIT */
/*
 * The list composer (see list.h): query string -> checked filter values -> composed SQL with
 * bound values -> a capped, cached count and one page, or an export of every row. Composed
 * texts are interned (db_intern), so each distinct composition is prepared once per
 * connection; they hold fragments of the module's declarations only, never input.
 */
#include "http/list.h"
#include "http/cache.h"
#include "http/export.h"
#include "http/rows.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LIST_MAX_FILTERS 24
#define LIST_MAX_SORTS 3

struct bind {
    int is_int;
    int64_t i;
    char *text; /* owned by the request */
};

struct list_query {
    struct req *req;
    const struct list_def *def;
    const char *values[LIST_MAX_FILTERS]; /* per filter of def, NULL when absent */
    json_t *parsed[LIST_MAX_FILTERS];
    struct strbuf where;
    struct bind binds[LIST_MAX_BINDS];
    int nbinds, overflow;
    const char *base, *count_base, *order;
    const void *arg;
};

const void *list_arg(const struct list_query *q)
{
    return q->arg;
}

static int filter_index(const struct list_def *def, const char *name)
{
    for (int i = 0; def->filters && def->filters[i].name; i++)
        if (!strcmp(def->filters[i].name, name))
            return i;
    return -1;
}

const char *list_value(const struct list_query *q, const char *name)
{
    int i = filter_index(q->def, name);
    return i < 0 ? NULL : q->values[i];
}

void list_set(struct list_query *q, const char *name, const char *value)
{
    int i = filter_index(q->def, name);
    if (i < 0)
        return;
    q->values[i] = value;
    json_decref(q->parsed[i]);
    q->parsed[i] = NULL;
}

void list_where(struct list_query *q, const char *sql)
{
    if (strbuf_puts(&q->where, sql))
        q->overflow = 1;
}

int list_bind_text(struct list_query *q, const char *text)
{
    if (q->nbinds == LIST_MAX_BINDS) {
        q->overflow = 1;
        return ERR_TOOLARGE;
    }
    size_t n = strlen(text);
    char *copy = req_alloc(q->req, n + 1);
    memcpy(copy, text, n + 1);
    q->binds[q->nbinds++] = (struct bind){0, 0, copy};
    return 0;
}

int list_bind_int(struct list_query *q, int64_t v)
{
    if (q->nbinds == LIST_MAX_BINDS) {
        q->overflow = 1;
        return ERR_TOOLARGE;
    }
    q->binds[q->nbinds++] = (struct bind){1, v, NULL};
    return 0;
}

void list_drive(struct list_query *q, const char *base, const char *count_base, const char *order)
{
    q->base = base;
    q->count_base = count_base;
    q->order = order;
}

/* Whether any declared filter has a value (given, or set by the module's scope). */
static int filtered(const struct list_query *q)
{
    for (int i = 0; q->def->filters && q->def->filters[i].name; i++)
        if (q->values[i])
            return 1;
    return 0;
}

/* Reads and checks every declared filter from the query string; answers 422 on a bad one. */
static int read_filters(struct req *req, struct resp *resp, struct list_query *q)
{
    const struct list_def *def = q->def;
    for (int i = 0; def->filters && def->filters[i].name; i++) {
        const struct list_filter *lf = &def->filters[i];
        const char *v = req_query(req, lf->name);
        if (!v || !*v)
            continue;
        const struct field *f = field_find(def->rec->fields, lf->field ? lf->field : lf->name);
        struct field text = {lf->name, FIELD_STRING, 0, 100, NULL, NULL, NULL, NULL, 0, 0};
        char msg[512];
        int rc = lf->parse ? lf->parse(v, &q->parsed[i], msg, sizeof msg)
                           : field_parse_text(f ? f : &text, v, &q->parsed[i], msg, sizeof msg);
        if (rc)
            return reply_error(resp, ERR_INVALID, "validation_failed", msg, lf->name);
        q->values[i] = v;
    }
    return 0;
}

/* Adds the condition of every filter in use, binding its value. */
static int apply_filters(struct list_query *q)
{
    const struct list_def *def = q->def;
    int rc = 0;
    for (int i = 0; !rc && def->filters && def->filters[i].name; i++) {
        const struct list_filter *lf = &def->filters[i];
        if (!q->values[i])
            continue;
        /* Without a fragment, the filter is equality on its field's expression. */
        const struct field *f = field_find(def->rec->fields, lf->field ? lf->field : lf->name);
        const char *sql = lf->sql ? lf->sql : " = ?";
        if (!lf->sql && (!f || !f->expr || strbuf_printf(&q->where, " AND %s", f->expr)))
            return ERR_INTERNAL; /* a declaration error: the field has no expression */
        list_where(q, sql);
        json_t *v = q->parsed[i];
        /* The value is bound once for every `?` of the fragment. */
        for (const char *p = strchr(sql, '?'); !rc && p; p = strchr(p + 1, '?')) {
            if (v && (json_is_integer(v) || json_is_boolean(v)))
                rc = list_bind_int(q, json_is_integer(v) ? json_integer_value(v) : json_is_true(v));
            else
                rc =
                    list_bind_text(q, v && json_is_string(v) ? json_string_value(v) : q->values[i]);
        }
    }
    return rc;
}

/* Appends the ORDER BY of ?sort= (whitelisted keys) and the default order; answers 422. */
static int compose_order(struct req *req, struct resp *resp, const struct list_query *q,
                         struct strbuf *sb)
{
    const char *s = req_query(req, "sort");
    const struct list_sort *used[LIST_MAX_SORTS];
    int n = 0;
    strbuf_puts(sb, " ORDER BY ");
    while (s && *s) {
        size_t len = strcspn(s, ",");
        int desc = *s == '-';
        const struct list_sort *k = q->def->sorts;
        while (
            k && k->key &&
            (strlen(k->key) != len - (size_t)desc || memcmp(k->key, s + desc, len - (size_t)desc)))
            k++;
        for (int i = 0; k && k->key && i < n; i++)
            if (used[i] == k) /* a key once: compositions stay few */
                k = NULL;
        if (!k || !k->key || n == LIST_MAX_SORTS)
            return reply_error(resp, ERR_INVALID, "validation_failed",
                               "排序字段无效或过多（sort=字段,-字段）", "sort");
        used[n++] = k;
        /* SQLite sorts NULL below every value, PostgreSQL above: say where they go, so both
         * engines answer the same order (only for fields that may be NULL, since an explicit
         * NULLS FIRST keeps PostgreSQL from walking a plain index in order). */
        const struct field *f = field_find(q->def->rec->fields, k->key);
        const char *nulls = !f || !(f->flags & FIELD_NULLABLE) ? ""
                            : desc                             ? " NULLS LAST"
                                                               : " NULLS FIRST";
        strbuf_printf(sb, "%s%s%s, ", k->sql, desc ? " DESC" : "", nulls);
        s += len + (s[len] == ',');
    }
    strbuf_puts(sb, q->order);
    return 0;
}

static int bind_all(struct db_stmt *st, const struct list_query *q)
{
    int rc = 0;
    for (int i = 0; !rc && i < q->nbinds; i++)
        rc = q->binds[i].is_int ? db_bind_int(st, i + 1, q->binds[i].i)
                                : db_bind_text(st, i + 1, q->binds[i].text, -1);
    return rc;
}

/* Counts are cached by statement and bound values until the next committed write, 30 s at
 * most (list.h). */
static struct cache counts = CACHE_INIT(512, 30);

/* The count's cache key: the interned statement (its address: interned texts live as long as
 * the process, one address per text) and every bound value, each with its type and length so
 * that no two lists of values read alike. Returns NULL (not cached) when it would be longer than
 * the cache keeps; the caller frees it. */
static char *count_key(const char *sql, const struct list_query *q)
{
    struct strbuf sb;
    int rc;
    strbuf_init(&sb, CACHE_MAX_KEY);
    rc = strbuf_printf(&sb, "%p", (const void *)sql);
    for (int i = 0; !rc && i < q->nbinds; i++) {
        if (q->binds[i].is_int)
            rc = strbuf_printf(&sb, "\x1fi%lld", (long long)q->binds[i].i);
        else
            rc = strbuf_printf(&sb, "\x1ft%zu:%s", strlen(q->binds[i].text), q->binds[i].text);
    }
    if (rc) {
        strbuf_dispose(&sb);
        return NULL;
    }
    return strbuf_take(&sb, NULL);
}

/* Prepares the composed statement text on db: from the connection's cache when db_intern
 * keeps it (*interned gets the kept text), else just once (*interned is NULL). Release with
 * release(). */
static int prepare_composed(struct db *db, const char *text, const char **interned,
                            struct db_stmt **st)
{
    *interned = db_intern(text);
    return *interned ? db_prepare(db, *interned, st) : db_prepare_once(db, text, st);
}

static void release(struct db_stmt *st, const char *interned)
{
    if (interned)
        db_done(st);
    else
        db_finalize(st);
}

/* Counts the matches, at most cap + 1 of them (cap < 0: all); when cached is set, the count
 * is kept while nothing is written (for statements db_intern keeps). */
static int count_rows(struct db *db, const struct list_query *q, int64_t cap, int cached,
                      int64_t *total)
{
    struct strbuf sb;
    const char *base = q->count_base && !filtered(q) ? q->count_base : q->base, *sql;
    strbuf_init(&sb, 1u << 16);
    if (cap < 0)
        strbuf_printf(&sb, "SELECT count(*)%s WHERE true%s", base, strbuf_get(&q->where));
    else
        strbuf_printf(&sb, "SELECT count(*) FROM (SELECT 1%s WHERE true%s LIMIT %lld) AS capped",
                      base, strbuf_get(&q->where), (long long)cap + 1);
    uint64_t gen = cache_generation(&counts); /* before reading: a write meanwhile makes it stale */
    struct db_stmt *st = NULL;
    char *key = NULL;
    int rc = prepare_composed(db, strbuf_get(&sb), &sql, &st);
    strbuf_dispose(&sb);
    if (!rc && cached && sql)
        key = count_key(sql, q);
    if (key && cache_get_int(&counts, key, total)) {
        db_done(st);
        free(key);
        return 0;
    }
    if (!rc)
        rc = bind_all(st, q);
    if (!rc)
        rc = db_row(st); /* a count always has its row */
    if (!rc)
        *total = db_col_int(st, 0);
    if (st)
        release(st, sql);
    if (!rc && key)
        cache_put_int(&counts, key, gen, *total);
    free(key);
    return rc;
}

/* Writes {"items":[ and the rows of the page, each straight from the row, with the members
 * def's extend hook adds before its closing brace. */
static int page_write(struct req *req, struct resp *resp, const struct list_def *def,
                      struct db_stmt *st)
{
    struct strbuf *out = &resp->body;
    int rc = strbuf_puts(out, "{\"items\":["), step, n = 0;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        if (n++)
            rc = strbuf_putc(out, ',');
        if (!rc)
            rc = rec_row_write(def->rec, st, out);
        if (!rc && def->extend) {
            out->buf[--out->len] = '\0'; /* the row's '}' */
            rc = def->extend(req, st, out);
            rc = rc ? rc : strbuf_putc(out, '}');
        }
    }
    return rc ? rc : step < 0 ? step : 0;
}

/* The same through JSON objects, for lists whose items the module decorates. */
static int page_json(struct req *req, struct resp *resp, const struct list_def *def,
                     struct db_stmt *st)
{
    int rc = strbuf_puts(&resp->body, "{\"items\":["), step, n = 0;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        json_t *item = rec_row_json(def->rec, st);
        def->decorate(req, item);
        char *text = json_dumps(item, JSON_REPLY_FLAGS);
        json_decref(item);
        rc = n++ ? strbuf_putc(&resp->body, ',') : 0;
        if (!rc)
            rc = text ? strbuf_puts(&resp->body, text) : ERR_INTERNAL;
        free(text);
    }
    return rc ? rc : step < 0 ? step : 0;
}

/* Closes the page's JSON: the total (capped: "total_exact": false then, and the UI shows 超过)
 * and the page; sets the answer's status. */
static int page_end(struct resp *resp, int64_t total, int64_t cap, int64_t page, int64_t size)
{
    int exact = cap < 0 || total <= cap;
    int rc = strbuf_printf(&resp->body, "],\"total\":%lld,%s\"page\":%lld,\"page_size\":%lld}",
                           (long long)(exact ? total : cap), exact ? "" : "\"total_exact\":false,",
                           (long long)page, (long long)size);
    if (rc)
        return reply_error(resp, rc, "response_too_large", "结果过大，请缩小查询范围", NULL);
    resp->status = 200;
    resp->content_type = "application/json";
    return 0;
}

/* Runs the page (or, for an export, every row) and answers. */
static int answer(struct req *req, struct resp *resp, struct list_query *q, int format,
                  const char *order)
{
    const struct list_def *def = q->def;
    int64_t page = 1, size = 20, total = 0,
            cap = def->count_cap ? def->count_cap : LIST_DEFAULT_CAP;
    int rc = format ? 0 : req_page_or_reply(req, resp, &page, &size);
    struct db *db = db_read();
    if (!rc && !format)
        rc = count_rows(db, q, cap, 1, &total);
    if (!rc && format) { /* refused at once when too large; a background one shows progress.
                          * Counted afresh: a cached count may miss another process's writes. */
        rc = count_rows(db, q, export_max_rows(req->progress), 0, &total);
        if (!rc && total > export_max_rows(req->progress))
            return export_too_large(resp, req->progress);
        if (!rc && req->progress)
            atomic_store(&req->progress->total, total);
    }
    if (rc)
        return rc;
    struct strbuf sb;
    struct db_stmt *st = NULL;
    const char *sql;
    strbuf_init(&sb, 1u << 16);
    strbuf_printf(&sb, "SELECT %s%s%s WHERE true%s%s LIMIT ? OFFSET ?", rec_columns(def->rec),
                  q->base, def->rec->joins ? def->rec->joins : "", strbuf_get(&q->where), order);
    rc = prepare_composed(db, strbuf_get(&sb), &sql, &st);
    strbuf_dispose(&sb);
    if (!rc)
        rc = bind_all(st, q);
    if (!rc)
        rc = db_bind_int(st, q->nbinds + 1, format ? export_max_rows(req->progress) + 1 : size);
    if (!rc)
        rc = db_bind_int(st, q->nbinds + 2, format ? 0 : (page - 1) * size);
    if (!rc && format)
        rc = reply_export(resp, st, format, list_title(def), def->rec, req->progress);
    else if (!rc)
        rc = def->decorate ? page_json(req, resp, def, st) : page_write(req, resp, def, st);
    if (st)
        release(st, sql);
    return rc || format ? rc : page_end(resp, total, cap, page, size);
}

const char *list_title(const struct list_def *def)
{
    return def->filename ? def->filename : def->rec->label;
}

int list_may_export(const struct list_def *def, const struct principal *p)
{
    return !def->no_export &&
           (!def->export_roles || (p && (p->role & (def->export_roles | ROLE_ADMIN))));
}

const char *const list_common_params[] = {"page", "page_size", "sort", "format", NULL};

/* Whether def's list reads the query name (as req_query does, case-insensitively). */
static int list_knows(const void *arg, const char *name)
{
    const struct list_def *def = arg;
    if (req_query_named(list_common_params, name) || req_query_named(def->params, name))
        return 1;
    for (int i = 0; def->filters && def->filters[i].name; i++)
        if (!strcasecmp(def->filters[i].name, name))
            return 1;
    return 0;
}

/* Answers 422 unknown_parameter for name (field: the name itself unless given), naming what
 * the list does take. */
static int unknown_parameter(struct resp *resp, const struct list_def *def, const char *name,
                             const char *field)
{
    struct strbuf names;
    strbuf_init(&names, 4096);
    for (int i = 0; def->filters && def->filters[i].name; i++)
        strbuf_item(&names, "、", def->filters[i].name);
    for (const char *const *p = def->params; p && *p; p++)
        strbuf_item(&names, "、", *p);
    for (const char *const *p = list_common_params; *p; p++)
        strbuf_item(&names, "、", *p);
    int rc = reply_unknown_parameter(resp, name, field, strbuf_get(&names));
    strbuf_dispose(&names);
    return rc;
}

int list_param_refuse(struct resp *resp, const struct list_def *def, const char *name,
                      const char *field)
{
    return def->feed || list_knows(def, name) ? 0 : unknown_parameter(resp, def, name, field);
}

int list_reply(struct req *req, struct resp *resp, const struct list_def *def, const void *arg)
{
    /* An open-data file has no filters to mistype, and harvesters add cache-busters. */
    const char *unknown = def->feed ? NULL : req_query_unknown(req, list_knows, def);
    if (unknown)
        return unknown_parameter(resp, def, unknown, NULL);
    struct list_query q = {
        .req = req, .def = def, .base = def->rec->from, .order = def->order, .arg = arg};
    struct strbuf order;
    int format;
    strbuf_init(&q.where, 1u << 16);
    strbuf_init(&order, 1u << 12);
    int rc = def->feed ? (format = EXPORT_CSV, 0) : export_format_or_reply(req, resp, &format);
    if (!rc && format && def->no_export)
        rc = reply_error(resp, ERR_INVALID, "validation_failed", "该列表不支持导出", "format");
    if (!rc && format && !list_may_export(def, req->user))
        rc = reply_error(resp, ERR_FORBIDDEN, "forbidden", "当前角色只能分页查看，不能整批导出",
                         "format");
    if (!rc)
        rc = read_filters(req, resp, &q);
    if (!rc && def->where)
        list_where(&q, def->where);
    if (!rc && def->prepare)
        rc = def->prepare(req, resp, &q);
    if (!rc)
        rc = apply_filters(&q);
    if (!rc && q.overflow)
        rc = reply_error(resp, ERR_INVALID, "validation_failed", "查询条件过多", NULL);
    if (!rc)
        rc = compose_order(req, resp, &q, &order);
    if (!rc)
        rc = answer(req, resp, &q, format, strbuf_get(&order));
    for (int i = 0; i < LIST_MAX_FILTERS; i++)
        json_decref(q.parsed[i]);
    strbuf_dispose(&q.where);
    strbuf_dispose(&order);
    return rc;
}

/* ---- the shared filter parsers ---- */

static int parse_day(const char *text, int32_t *day, char *msg, size_t cap)
{
    if (date_parse(text, strlen(text), day)) {
        snprintf(msg, cap, "日期须为 YYYY-MM-DD 格式");
        return ERR_INVALID;
    }
    return 0;
}

/* The instant day + past starts at, in China time. */
static int parse_instant(const char *text, json_t **out, char *msg, size_t cap, int past)
{
    int32_t day;
    int rc = parse_day(text, &day, msg, cap);
    if (!rc && out)
        *out = json_integer(date_start(day + past));
    return rc;
}

int list_parse_from(const char *text, json_t **out, char *msg, size_t cap)
{
    return parse_instant(text, out, msg, cap, 0);
}

int list_parse_to(const char *text, json_t **out, char *msg, size_t cap)
{
    return parse_instant(text, out, msg, cap, 1);
}

int list_parse_date(const char *text, json_t **out, char *msg, size_t cap)
{
    int32_t day;
    int rc = parse_day(text, &day, msg, cap);
    if (!rc && out)
        *out = json_string(text);
    return rc;
}

int list_parse_today_flag(const char *text, json_t **out, char *msg, size_t cap)
{
    int yes = !strcmp(text, "1") || !strcmp(text, "true");
    if (!yes && strcmp(text, "0") && strcmp(text, "false")) {
        snprintf(msg, cap, "只能是 1 或 0");
        return ERR_INVALID;
    }
    char v[DATE_LEN + 3];
    date_format(date_today(), v);
    v[DATE_LEN] = ':';
    v[DATE_LEN + 1] = yes ? '1' : '0';
    v[DATE_LEN + 2] = '\0';
    if (out)
        *out = json_string(v);
    return 0;
}
