/* SPDX-License-Identifier: MIT */
/*
 * What a record description derives: body checks, row JSON, and the SELECT, INSERT and UPDATE
 * statements, built once per record from its field table (see record.h). Statement texts are
 * composed from the table alone, never from input, and live as long as the process, so the
 * connections' statement caches prepare each of them once.
 */
#include "record/record.h"
#include "core/text.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPDATE_SETS 32 /* column sets whose UPDATE names only them, per record */

struct rec_sql {
    char *columns; /* the SELECT list */
    char *get;     /* SELECT ... WHERE key = ? */
    char *insert;
    char *update; /* every writable column, each kept unless given (any column set) */
    /* UPDATE ... SET (given columns only): an UPDATE that names a column rewrites each index
     * on it and checks each foreign key, even when the value is unchanged. Keyed by the bit
     * set of the given writable fields; built on first use, kept for the process. */
    int nsets;
    uint64_t set_mask[UPDATE_SETS];
    char *set_sql[UPDATE_SETS];
};

const struct field *field_find(const struct field *fields, const char *name)
{
    for (const struct field *f = fields; f && f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

const char *field_enum_label(const struct field *f, const char *value)
{
    for (const struct enum_value *e = f->values; e && value && e->value; e++)
        if (!strcmp(e->value, value))
            return e->label;
    return NULL;
}

static const char *label_of(const struct field *f)
{
    return f->label ? f->label : f->name;
}

static const char *type_label(int type)
{
    switch (type) {
    case FIELD_STRING: return "字符串";
    case FIELD_INT: return "整数";
    case FIELD_BOOL: return "布尔值";
    case FIELD_NUMBER: return "数字";
    case FIELD_OBJECT: return "对象";
    case FIELD_ARRAY: return "数组";
    default: return "YYYY-MM-DD 格式的日期";
    }
}

static int type_ok(json_t *v, int type)
{
    switch (type) {
    case FIELD_STRING:
    case FIELD_DATE: return json_is_string(v);
    case FIELD_INT: return json_is_integer(v);
    case FIELD_BOOL: return json_is_boolean(v);
    case FIELD_NUMBER: return json_is_number(v);
    case FIELD_OBJECT: return json_is_object(v);
    case FIELD_ARRAY: return json_is_array(v);
    default: return 0;
    }
}

/* Writes "取值须为 a（甲）、b（乙）" for an enumeration into msg. */
static void enum_message(const struct field *f, char *msg, size_t cap)
{
    size_t n = (size_t)snprintf(msg, cap, "%s取值无效，可选：", label_of(f));
    for (const struct enum_value *e = f->values; e->value && n < cap; e++)
        n += (size_t)snprintf(msg + n, cap - n, "%s%s（%s）", e == f->values ? "" : "、", e->value,
                              e->label);
}

/* Checks a non-null value of the right JSON type against the field's limits. */
static int check_value(const struct field *f, json_t *v, char *msg, size_t cap)
{
    if (json_is_integer(v) && f->lo < f->hi &&
        (json_integer_value(v) < f->lo || json_integer_value(v) > f->hi)) {
        snprintf(msg, cap, "%s须在 %lld 到 %lld 之间", label_of(f), (long long)f->lo,
                 (long long)f->hi);
        return ERR_INVALID;
    }
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    /* A password is taken as typed: only a NUL byte is refused. */
    int secret = (f->flags & FIELD_WRITEONLY) != 0;
    int problem = secret ? (strlen(s) != len ? TEXT_UTF8 : TEXT_OK)
                         : text_check(s, len, (f->flags & FIELD_MULTILINE) != 0);
    if (problem) {
        snprintf(msg, cap, "%s%s", label_of(f), text_problem_message(problem));
        return ERR_INVALID;
    }
    if (f->type == FIELD_STRING && !secret) { /* stored without surrounding space */
        const char *t = s;
        size_t n = len;
        text_trim(&t, &n);
        if (n != len) {
            json_string_setn(v, t, n);
            s = json_string_value(v);
        }
        if (!n && (f->flags & (FIELD_REQUIRED | FIELD_KEY))) {
            snprintf(msg, cap, "%s不能为空", label_of(f));
            return ERR_INVALID;
        }
    }
    if (f->max && utf8_len(s) > f->max) {
        snprintf(msg, cap, "%s不能超过 %zu 个字符", label_of(f), f->max);
        return ERR_INVALID;
    }
    int32_t day;
    if (f->type == FIELD_DATE && date_parse(s, strlen(s), &day)) {
        snprintf(msg, cap, "%s须为 YYYY-MM-DD 格式的日期", label_of(f));
        return ERR_INVALID;
    }
    if (f->values && !field_enum_label(f, s)) {
        enum_message(f, msg, cap);
        return ERR_INVALID;
    }
    return 0;
}

int field_check_body(const struct field *fields, json_t *body, int partial, const char **field,
                     char *msg, size_t cap)
{
    for (const struct field *f = fields; f && f->name; f++) {
        json_t *v = json_object_get(body, f->name);
        *field = f->name;
        if (f->flags & (FIELD_READONLY | FIELD_INTERNAL)) {
            json_object_del(body, f->name); /* never applied: not left for a write to find */
            continue;
        }
        if (v && partial && (f->flags & FIELD_KEY)) {
            snprintf(msg, cap, "%s不可修改", label_of(f));
            return ERR_INVALID;
        }
        if (!v) {
            if (!partial && (f->flags & FIELD_REQUIRED)) {
                snprintf(msg, cap, "缺少必填字段：%s", label_of(f));
                return ERR_INVALID;
            }
            continue;
        }
        if (json_is_null(v)) {
            if (f->flags & FIELD_NULLABLE)
                continue;
            snprintf(msg, cap, "%s不能为空", label_of(f));
            return ERR_INVALID;
        }
        if (!type_ok(v, f->type)) {
            snprintf(msg, cap, "%s须为%s", label_of(f), type_label(f->type));
            return ERR_INVALID;
        }
        if (check_value(f, v, msg, cap))
            return ERR_INVALID;
    }
    *field = NULL;
    return 0;
}

int field_any_given(const struct field *fields, json_t *body)
{
    for (const struct field *f = fields; f && f->name; f++)
        if (!(f->flags & (FIELD_READONLY | FIELD_INTERNAL)) && json_object_get(body, f->name))
            return 1;
    return 0;
}

static json_t *parse_typed(const struct field *f, const char *text);

void field_defaults(const struct field *fields, json_t *v)
{
    for (const struct field *f = fields; f && f->name; f++) {
        json_t *x = json_object_get(v, f->name);
        if (x && json_is_null(x) && f->def) {
            json_t *d = parse_typed(f, f->def);
            json_object_set_new(v, f->name, d ? d : json_null());
        }
    }
}

/* Parses text as the JSON value of field f's type; returns NULL when it is not one. */
static json_t *parse_typed(const struct field *f, const char *text)
{
    char *end;
    switch (f->type) {
    case FIELD_INT: {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        return errno || end == text || *end ? NULL : json_integer(v);
    }
    case FIELD_NUMBER: {
        errno = 0;
        double d = strtod(text, &end);
        return errno || end == text || *end ? NULL : json_real(d);
    }
    case FIELD_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1"))
            return json_true();
        if (!strcmp(text, "false") || !strcmp(text, "0"))
            return json_false();
        return NULL;
    case FIELD_OBJECT:
    case FIELD_ARRAY: {
        json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
        if (v && !type_ok(v, f->type)) {
            json_decref(v);
            v = NULL;
        }
        return v;
    }
    default: return json_string(text);
    }
}

int field_parse_text(const struct field *f, const char *text, json_t **out, char *msg, size_t cap)
{
    json_t *v = parse_typed(f, text);
    if (!v) {
        if (f->type == FIELD_BOOL)
            snprintf(msg, cap, "%s须为 true 或 false", label_of(f));
        else
            snprintf(msg, cap, "%s须为%s", label_of(f), type_label(f->type));
        return ERR_INVALID;
    }
    if (check_value(f, v, msg, cap)) {
        json_decref(v);
        return ERR_INVALID;
    }
    if (out)
        *out = v;
    else
        json_decref(v);
    return 0;
}

static int readable(const struct field *f)
{
    return f->expr && !(f->flags & FIELD_WRITEONLY);
}

static int writable(const struct field *f)
{
    return !(f->flags & (FIELD_READONLY | FIELD_WRITEONLY));
}

static void build_sql(struct record *r, struct rec_sql *s)
{
    struct strbuf cols, ins, vals, upd;
    strbuf_init(&cols, 1u << 20);
    strbuf_init(&ins, 1u << 20);
    strbuf_init(&vals, 1u << 20);
    strbuf_init(&upd, 1u << 20);
    strbuf_printf(&ins, "INSERT INTO %s(", r->table);
    strbuf_printf(&upd, "UPDATE %s SET ", r->table);
    const char *sep = "";
    for (const struct field *f = r->fields; f->name; f++) {
        if (readable(f))
            strbuf_printf(&cols, "%s%s AS %s", cols.len ? ", " : "", f->expr, f->name);
        if (!writable(f))
            continue;
        strbuf_printf(&ins, "%s%s", sep, f->name);
        strbuf_printf(&vals, "%s?", sep);
        /* One flag and one value per field: the flag says whether it was given. */
        strbuf_printf(&upd, "%s%s = CASE WHEN ? <> 0 THEN ? ELSE %s END", sep, f->name, f->name);
        sep = ", ";
    }
    if (r->stamp) {
        strbuf_printf(&ins, ", %s", r->stamp);
        strbuf_puts(&vals, ", ?");
        strbuf_printf(&upd, ", %s = ?", r->stamp);
    }
    strbuf_printf(&ins, ") VALUES (%s)", strbuf_get(&vals));
    strbuf_printf(&upd, " WHERE %s = ?", r->key);
    s->columns = strbuf_take(&cols, NULL);
    s->insert = strbuf_take(&ins, NULL);
    s->update = strbuf_take(&upd, NULL);
    struct strbuf get;
    strbuf_init(&get, 1u << 20);
    strbuf_printf(&get, "SELECT %s%s%s WHERE %s = ?", s->columns, r->from, r->joins ? r->joins : "",
                  r->key_expr);
    s->get = strbuf_take(&get, NULL);
    strbuf_dispose(&vals);
}

static const struct rec_sql *sql_of(struct record *r)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    if (!r->sql) {
        struct rec_sql *s = xcalloc(1, sizeof *s);
        build_sql(r, s);
        r->sql = s;
    }
    pthread_mutex_unlock(&lock);
    return r->sql;
}

const char *rec_columns(struct record *r)
{
    return sql_of(r)->columns;
}

const struct field *rec_column_field(struct record *r, int i)
{
    for (const struct field *f = r->fields; f->name; f++)
        if (readable(f) && i-- == 0)
            return f;
    return NULL;
}

const char *rec_cell_text(const struct field *f, struct db_stmt *st, int i, char buf[40])
{
    if (db_col_type(st, i) == DB_NULL)
        return NULL;
    if (f && f->type == FIELD_BOOL)
        return db_col_int(st, i) ? "true" : "false";
    if (f && f->type == FIELD_TIME) {
        time_format_rfc3339(db_col_int(st, i), buf);
        return buf;
    }
    return db_col_text(st, i);
}

/* The JSON of column i of the current row as field f holds it. */
static json_t *col_json(const struct field *f, struct db_stmt *st, int i)
{
    int t = db_col_type(st, i);
    if (t == DB_NULL)
        return json_null();
    switch (f->type) {
    case FIELD_INT: return json_integer(db_col_int(st, i));
    case FIELD_BOOL: return json_boolean(db_col_int(st, i));
    case FIELD_NUMBER: return json_real(db_col_double(st, i));
    case FIELD_OBJECT:
    case FIELD_ARRAY: {
        json_t *v =
            json_loadb(db_col_text(st, i), (size_t)db_col_len(st, i), JSON_DECODE_ANY, NULL);
        return v ? v : json_null();
    }
    case FIELD_TIME: {
        char at[RFC3339_LEN + 1];
        time_format_rfc3339(db_col_int(st, i), at);
        return json_string(at);
    }
    default: return json_stringn(db_col_text(st, i), (size_t)db_col_len(st, i));
    }
}

json_t *rec_row_json(struct record *r, struct db_stmt *st)
{
    json_t *o = json_object();
    int i = 0;
    for (const struct field *f = r->fields; f->name; f++)
        if (readable(f))
            json_object_set_new(o, f->name, col_json(f, st, i++));
    return o;
}

/* Appends column i as field f holds it in JSON. */
/* Appends v in decimal (without printf: a list page writes a few of them per row). */
static int put_int(struct strbuf *out, int64_t v)
{
    char digits[24], *p = digits + sizeof digits;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    return strbuf_append(out, p, (size_t)(digits + sizeof digits - p));
}

static int col_write(const struct field *f, struct db_stmt *st, int i, struct strbuf *out)
{
    if (db_col_type(st, i) == DB_NULL)
        return strbuf_puts(out, "null");
    const char *text = db_col_text(st, i);
    switch (f->type) {
    case FIELD_INT: return put_int(out, db_col_int(st, i));
    case FIELD_BOOL: return strbuf_puts(out, db_col_int(st, i) ? "true" : "false");
    case FIELD_NUMBER: /* as answers give numbers (http.h, JSON_REPLY_FLAGS) */
        return strbuf_printf(out, "%.15g", db_col_double(st, i));
    case FIELD_OBJECT:
    case FIELD_ARRAY: {
        /* Stored by rec_insert as JSON text; anything else is shown as null, as
         * rec_row_json would. */
        json_t *v = json_loadb(text, (size_t)db_col_len(st, i), JSON_DECODE_ANY, NULL);
        int ok = v != NULL;
        json_decref(v);
        return ok ? strbuf_append(out, text, (size_t)db_col_len(st, i)) : strbuf_puts(out, "null");
    }
    case FIELD_TIME: {
        char at[RFC3339_LEN + 1];
        time_format_rfc3339(db_col_int(st, i), at);
        return strbuf_printf(out, "\"%s\"", at);
    }
    default: return strbuf_json_string(out, text, (size_t)db_col_len(st, i));
    }
}

int rec_row_write(struct record *r, struct db_stmt *st, struct strbuf *out)
{
    int rc = strbuf_putc(out, '{'), i = 0;
    for (const struct field *f = r->fields; !rc && f->name; f++) {
        if (!readable(f))
            continue;
        /* Member names are the declaration's (plain ASCII): no escaping, and no printf, which
         * cost a list page a quarter of its time. */
        rc = i ? strbuf_putc(out, ',') : 0;
        rc = rc ? rc : strbuf_putc(out, '"');
        rc = rc ? rc : strbuf_puts(out, f->name);
        rc = rc ? rc : strbuf_puts(out, "\":");
        if (!rc)
            rc = col_write(f, st, i, out);
        i++;
    }
    return rc ? rc : strbuf_putc(out, '}');
}

int rec_get(struct db *db, struct record *r, const char *key, json_t **out)
{
    struct db_stmt *st;
    *out = NULL;
    int rc = db_prepare(db, sql_of(r)->get, &st);
    if (!rc)
        rc = db_bind_text(st, 1, key, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc)
        *out = rec_row_json(r, st);
    db_done(st);
    return rc;
}

/* Binds the value of field f from v (absent or null: the default, else SQL NULL). */
static int bind_value(struct db_stmt *st, int idx, const struct field *f, json_t *v)
{
    if (!v || json_is_null(v)) {
        if (!f->def)
            return db_bind_null(st, idx);
        if (f->type == FIELD_INT || f->type == FIELD_BOOL)
            return db_bind_int(st, idx, strtoll(f->def, NULL, 10));
        return db_bind_text(st, idx, f->def, -1);
    }
    switch (f->type) {
    case FIELD_INT: return db_bind_int(st, idx, json_integer_value(v));
    case FIELD_BOOL: return db_bind_int(st, idx, json_is_true(v));
    case FIELD_TIME: return db_bind_int(st, idx, json_integer_value(v)); /* set by rules */
    case FIELD_NUMBER: return db_bind_double(st, idx, json_number_value(v));
    case FIELD_OBJECT:
    case FIELD_ARRAY: {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        int rc = db_bind_text(st, idx, text, -1);
        free(text);
        return rc;
    }
    default: return db_bind_text(st, idx, json_string_value(v), -1);
    }
}

int rec_insert(struct db *w, struct record *r, json_t *v)
{
    struct db_stmt *st;
    int rc = db_prepare(w, sql_of(r)->insert, &st);
    int idx = 1;
    for (const struct field *f = r->fields; !rc && f->name; f++)
        if (writable(f))
            rc = bind_value(st, idx++, f, json_object_get(v, f->name));
    if (!rc && r->stamp)
        rc = db_bind_int(st, idx, time_now());
    return rc ? rc : db_run(st);
}

int rec_load_begin(struct db *w, struct record *r, struct db_stmt **out)
{
    return db_load_begin(w, sql_of(r)->insert, out);
}

int rec_load(struct db_stmt *st, struct record *r, json_t *v)
{
    int rc = 0, idx = 1;
    for (const struct field *f = r->fields; !rc && f->name; f++)
        if (writable(f))
            rc = bind_value(st, idx++, f, json_object_get(v, f->name));
    if (!rc && r->stamp)
        rc = db_bind_int(st, idx, time_now());
    return rc ? rc : db_load_row(st);
}

/* The UPDATE that sets only the writable fields in mask (bit i: the i-th writable field) and
 * the stamp, or NULL when mask is empty or the record's cache of column sets is full. */
static const char *update_of(struct record *r, uint64_t mask)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct rec_sql *s = (struct rec_sql *)sql_of(r);
    const char *sql = NULL;
    if (!mask)
        return NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < s->nsets && !sql; i++)
        if (s->set_mask[i] == mask)
            sql = s->set_sql[i];
    if (!sql && s->nsets < UPDATE_SETS) {
        struct strbuf upd;
        strbuf_init(&upd, 1u << 20);
        strbuf_printf(&upd, "UPDATE %s SET ", r->table);
        const char *sep = "";
        int bit = 0;
        for (const struct field *f = r->fields; f->name; f++) {
            if (!writable(f))
                continue;
            if (mask & ((uint64_t)1 << bit)) {
                strbuf_printf(&upd, "%s%s = ?", sep, f->name);
                sep = ", ";
            }
            bit++;
        }
        if (r->stamp)
            strbuf_printf(&upd, ", %s = ?", r->stamp);
        strbuf_printf(&upd, " WHERE %s = ?", r->key);
        s->set_mask[s->nsets] = mask;
        sql = s->set_sql[s->nsets++] = strbuf_take(&upd, NULL);
    }
    pthread_mutex_unlock(&lock);
    return sql;
}

int rec_update(struct db *w, struct record *r, const char *key, json_t *v)
{
    struct db_stmt *st;
    uint64_t mask = 0;
    int bit = 0, idx = 1, rc = 0;
    for (const struct field *f = r->fields; f->name && bit < 64; f++)
        if (writable(f) && json_object_get(v, f->name))
            mask |= (uint64_t)1 << bit++;
        else
            bit += writable(f);
    const char *only = bit < 64 ? update_of(r, mask) : NULL;
    rc = db_prepare(w, only ? only : sql_of(r)->update, &st);
    for (const struct field *f = r->fields; !rc && f->name; f++) {
        if (!writable(f))
            continue;
        json_t *x = json_object_get(v, f->name);
        if (only) { /* the given fields only, in order */
            rc = x ? bind_value(st, idx++, f, x) : 0;
            continue;
        }
        rc = db_bind_int(st, idx++, x != NULL);
        if (!rc)
            rc = x ? bind_value(st, idx, f, x) : db_bind_null(st, idx);
        idx++;
    }
    if (!rc && r->stamp)
        rc = db_bind_int(st, idx++, time_now());
    if (!rc)
        rc = db_bind_text(st, idx, key, -1);
    if (!rc)
        rc = db_run(st);
    if (!rc && db_changes(w) == 0)
        rc = ERR_NOTFOUND;
    return rc;
}

char *rec_diff(struct record *r, json_t *v, json_t *before)
{
    json_t *d = json_object();
    for (const struct field *f = r->fields; f->name; f++) {
        json_t *to = json_object_get(v, f->name);
        if (!to || !writable(f) || (f->flags & FIELD_INTERNAL))
            continue;
        if (!before) {
            json_object_set(d, f->name, to);
            continue;
        }
        json_t *from = json_object_get(before, f->name);
        if (!from)
            from = json_null();
        if (!json_equal(from, to))
            json_object_set_new(d, f->name, json_pack("{s:O,s:O}", "from", from, "to", to));
    }
    char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    return text;
}

int rec_sql_in(struct strbuf *sql, const char *column, json_t *a, int ints, size_t max)
{
    size_t n = json_array_size(a), i;
    json_t *v;
    if ((a && !json_is_array(a)) || n > max)
        return ERR_INVALID;
    json_array_foreach(a, i, v)
    {
        if (ints ? !json_is_integer(v) : !json_is_string(v))
            return ERR_INVALID;
    }
    if (!n)
        return 0;
    strbuf_printf(sql, " AND %s IN (", column);
    for (i = 0; i < n; i++)
        strbuf_puts(sql, i ? ", ?" : "?");
    strbuf_puts(sql, ")");
    return 0;
}

int rec_bind_values(struct db_stmt *st, int *k, json_t *a)
{
    size_t i;
    json_t *v;
    int rc = 0;
    json_array_foreach(a, i, v)
    {
        if (rc)
            break;
        rc = json_is_integer(v) ? db_bind_int(st, (*k)++, json_integer_value(v))
                                : db_bind_text(st, (*k)++, json_string_value(v), -1);
    }
    return rc;
}
