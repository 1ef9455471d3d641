/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for record descriptions (record/record.c, record_csv.c): body checks of every
 * field type, text parsing, and a record of every type round-tripped JSON -> row -> JSON ->
 * CSV export -> CSV import -> JSON; and, for every record every module declares, the table's
 * own consistency (labels, unique names, readable columns, valid defaults).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "http/export.h"
#include "http/module.h"
#include "record/record.h"

static const struct enum_value colours[] = {{"red", "红"}, {"blue", "蓝"}, {NULL, NULL}};

static const struct field fields[] = {
    {"code", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 8, "代码", "t.code"},
    {"name", FIELD_STRING, FIELD_REQUIRED, 5, "名称", "t.name"},
    {"colour", FIELD_STRING, 0, 8, "颜色", "t.colour", "red", colours},
    {"day", FIELD_DATE, FIELD_NULLABLE, 10, "日期", "t.day"},
    {"n", FIELD_INT, FIELD_NULLABLE, 0, "数量", "t.n", NULL, NULL, 1, 99},
    {"ok", FIELD_BOOL, 0, 0, "是否", "t.ok", "0"},
    {"ratio", FIELD_NUMBER, FIELD_NULLABLE, 0, "比例", "t.ratio"},
    {"tags", FIELD_ARRAY, FIELD_NULLABLE, 0, "标签", "t.tags"},
    {"note", FIELD_STRING, FIELD_NULLABLE, 20, "备注", "t.note", ""},
    {"secret", FIELD_STRING, FIELD_WRITEONLY, 20, "口令"},
    {"flag", FIELD_BOOL, FIELD_INTERNAL, 0, "标记", "t.flag", "0"},
    {"upper", FIELD_STRING, FIELD_READONLY, 0, "大写代码", "upper(t.code)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static struct record rec = {
    .name = "thing",
    .label = "测试记录",
    .table = "things",
    .from = " FROM things t",
    .key = "code",
    .key_expr = "t.code",
    .fields = fields,
};

static const char *check(const char *json, int partial)
{
    static char msg[512];
    const char *field = NULL;
    json_t *v = json_loads(json, JSON_ALLOW_NUL, NULL);
    assert_non_null(v);
    int rc = field_check_body(fields, v, partial, &field, msg, sizeof msg);
    json_decref(v);
    if (rc)
        assert_true(strlen(msg) > 0);
    return rc ? field : NULL;
}

static void test_body_checks(void **state)
{
    (void)state;
    assert_null(check("{\"code\":\"a1\",\"name\":\"聊城市场\"}", 0));
    assert_string_equal(check("{\"name\":\"x\"}", 0), "code");
    assert_null(check("{\"name\":\"x\"}", 1));                 /* partial: nothing required */
    assert_string_equal(check("{\"code\":\"a\"}", 1), "code"); /* the key never changes */
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"聊城市场监管\"}", 0), "name"); /* 6 > 5 */
    assert_string_equal(check("{\"code\":\"a\",\"name\":null}", 0), "name");
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"x\",\"colour\":\"green\"}", 0), "colour");
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"x\",\"day\":\"2025-02-30\"}", 0), "day");
    assert_null(check("{\"code\":\"a\",\"name\":\"x\",\"day\":null}", 0));
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"x\",\"n\":100}", 0), "n");
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"x\",\"n\":1.5}", 0), "n");
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"x\",\"ok\":1}", 0), "ok");
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"x\",\"tags\":{}}", 0), "tags");
    assert_string_equal(check("{\"code\":\"a\",\"name\":\"x\\u0000y\"}", 0), "name");
    /* Read-only and internal members are dropped, unknown ones ignored. */
    json_t *v = json_loads("{\"code\":\"a\",\"name\":\"x\",\"flag\":true,\"upper\":\"A\","
                           "\"junk\":1}",
                           0, NULL);
    const char *field;
    char msg[256];
    assert_int_equal(field_check_body(fields, v, 0, &field, msg, sizeof msg), 0);
    assert_null(json_object_get(v, "flag"));
    assert_null(json_object_get(v, "upper"));
    json_decref(v);
}

static void test_parse_text(void **state)
{
    (void)state;
    char msg[256];
    json_t *v;
    const struct field *n = field_find(fields, "n"), *ok = field_find(fields, "ok");
    assert_int_equal(field_parse_text(n, "12", &v, msg, sizeof msg), 0);
    assert_int_equal(json_integer_value(v), 12);
    json_decref(v);
    assert_int_equal(field_parse_text(n, "12x", &v, msg, sizeof msg), ERR_INVALID);
    assert_int_equal(field_parse_text(n, "0", &v, msg, sizeof msg), ERR_INVALID); /* range */
    assert_int_equal(field_parse_text(ok, "true", &v, msg, sizeof msg), 0);
    assert_true(json_is_true(v));
    assert_int_equal(field_parse_text(ok, "0", &v, msg, sizeof msg), 0);
    assert_true(json_is_false(v));
    assert_int_equal(field_parse_text(ok, "yes", &v, msg, sizeof msg), ERR_INVALID);
    assert_int_equal(field_parse_text(field_find(fields, "colour"), "blue", NULL, msg, sizeof msg),
                     0);
    assert_string_equal(field_enum_label(field_find(fields, "colour"), "blue"), "蓝");
}

/* Exports the table as CSV through reply_export and returns the bytes (the caller's). */
static char *export_csv(struct db *db)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM things t ORDER BY t.code", rec_columns(&rec));
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, db_intern(sql), &st), 0);
    struct resp resp = {0};
    strbuf_init(&resp.body, 1u << 20);
    assert_int_equal(reply_export(&resp, st, EXPORT_CSV, "things", &rec, NULL), 0);
    assert_true(resp.has_fd);
    struct strbuf out;
    strbuf_init(&out, 1u << 20);
    char buf[4096];
    ssize_t got;
    while ((got = read(resp.fd, buf, sizeof buf)) > 0)
        strbuf_append(&out, buf, (size_t)got);
    resp_dispose(&resp);
    return strbuf_take(&out, NULL);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(db_exec(db,
                             "CREATE TABLE things(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
                             " colour TEXT NOT NULL, day TEXT, n INTEGER, ok INTEGER NOT NULL,"
                             " ratio REAL, tags TEXT, note TEXT NOT NULL, flag INTEGER NOT NULL)"),
                     0);
    json_t *a = json_loads("{\"code\":\"a1\",\"name\":\"=1+1\",\"colour\":\"blue\",\"day\":"
                           "\"2025-01-31\",\"n\":7,\"ok\":true,\"ratio\":0.5,\"tags\":[\"x\",1],"
                           "\"note\":\"逗号,引号\\\"\",\"flag\":true}",
                           0, NULL);
    json_t *b = json_loads("{\"code\":\"b2\",\"name\":\"最少\"}", 0, NULL);
    assert_int_equal(rec_insert(db, &rec, a), 0);
    assert_int_equal(rec_insert(db, &rec, b), 0);
    assert_int_equal(rec_insert(db, &rec, b), ERR_CONFLICT);
    json_t *got;
    assert_int_equal(rec_get(db, &rec, "a1", &got), 0);
    json_object_set_new(a, "upper", json_string("A1"));
    assert_true(json_equal(got, a)); /* every readable member as it went in */
    json_decref(got);
    assert_int_equal(rec_get(db, &rec, "b2", &got), 0);
    assert_string_equal(json_string_value(json_object_get(got, "colour")), "red"); /* default */
    assert_string_equal(json_string_value(json_object_get(got, "note")), "");
    assert_true(json_is_null(json_object_get(got, "n")));
    assert_true(json_is_false(json_object_get(got, "ok")));
    json_decref(got);
    /* CSV out and back in: the writable members come back the same. */
    char *csv = export_csv(db);
    assert_memory_equal(csv,
                        "\xEF\xBB\xBF"
                        "code,name,colour,day,n,ok,ratio,tags,note,flag,upper\r\n",
                        3 + 54);
    json_t *rows = NULL, *problems = json_array();
    size_t nproblems = 0;
    assert_int_equal(
        rec_csv_read(&rec, csv + 3, strlen(csv + 3), 10, 10, &rows, problems, &nproblems), 0);
    assert_int_equal(json_array_size(rows), 2);
    json_t *back = json_array_get(rows, 0);
    assert_int_equal(json_integer_value(json_object_get(back, "_line")), 2);
    for (const struct field *f = fields; f->name; f++) {
        if (f->flags & (FIELD_READONLY | FIELD_INTERNAL | FIELD_WRITEONLY))
            assert_null(json_object_get(back, f->name));
        else if (!json_equal(json_object_get(back, f->name), json_object_get(a, f->name)))
            fail_msg("field %s does not round-trip", f->name);
    }
    free(csv);
    json_decref(rows);
    json_decref(problems);
    json_decref(a);
    json_decref(b);
    db_close(db);
}

static void test_csv_problems(void **state)
{
    (void)state;
    static const char *const files[] = {
        "name,colour\r\nx,red\r\n",       /* the key column is missing */
        "code,name,shade\r\na,x,1\r\n",   /* an unknown column */
        "code,name,name\r\na,x,y\r\n",    /* a repeated one */
        "code,name\r\na,x,extra\r\n",     /* a line too wide */
        "code,name\r\na,toolongname\r\n", /* a value over its limit */
        "code,name,n\r\na,x,many\r\n",    /* not an integer */
        "code,name\r\n\"a,x\r\n",         /* unterminated quote */
        "code,name\r\n",                  /* no data line */
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        json_t *rows = NULL, *problems = json_array();
        size_t n = 0;
        assert_int_equal(
            rec_csv_read(&rec, files[i], strlen(files[i]), 10, 10, &rows, problems, &n),
            ERR_INVALID);
        assert_true(n >= 1);
        assert_true(json_array_size(problems) >= 1);
        json_decref(rows);
        json_decref(problems);
    }
    /* A NUL inside a cell is refused, not cut short. */
    static const char nul[] = "code,name\r\na,x\0y\r\n";
    json_t *nrows = NULL, *nproblems_list = json_array();
    size_t nn = 0;
    assert_int_equal(rec_csv_read(&rec, nul, sizeof nul - 1, 10, 10, &nrows, nproblems_list, &nn),
                     ERR_INVALID);
    assert_int_equal(json_array_size(nrows), 0);
    json_decref(nrows);
    json_decref(nproblems_list);
    /* Past max_rows, that is the only problem named. */
    const char *many = "code,name\r\na,x\r\nb,y\r\nc,z\r\n";
    json_t *rows = NULL, *problems = json_array();
    size_t n = 0;
    assert_int_equal(rec_csv_read(&rec, many, strlen(many), 2, 10, &rows, problems, &n),
                     ERR_INVALID);
    assert_int_equal(n, 1);
    json_decref(rows);
    json_decref(problems);
}

/* Every record of every module: a label per field, unique names, readable fields have an
 * expression, defaults of enumerations are among their values, and the import reads the
 * header an export writes. */
static void test_module_records(void **state)
{
    (void)state;
    int seen = 0;
    for (const struct module *const *m = modules; *m; m++)
        for (struct record *const *r = (*m)->records; r && *r; r++, seen++) {
            assert_non_null((*r)->label);
            for (const struct field *f = (*r)->fields; f->name; f++) {
                assert_non_null(f->label);
                assert_ptr_equal(field_find((*r)->fields, f->name), f);
                if (f->values && f->def)
                    assert_non_null(field_enum_label(f, f->def));
            }
            struct strbuf header;
            strbuf_init(&header, 4096);
            for (int i = 0; rec_column_field(*r, i); i++)
                strbuf_printf(&header, "%s%s", i ? "," : "", rec_column_field(*r, i)->name);
            strbuf_puts(&header, "\r\n");
            json_t *rows = NULL, *problems = json_array();
            size_t n = 0;
            rec_csv_read(*r, strbuf_get(&header), header.len, 10, 10, &rows, problems, &n);
            /* Only "no data line", and a missing column for each required field no export
             * carries (a password): every column an export writes is understood. */
            size_t hidden = 0;
            for (const struct field *f = (*r)->fields; f->name; f++)
                hidden += (f->flags & FIELD_REQUIRED) && (f->flags & FIELD_WRITEONLY);
            assert_int_equal(n, 1 + hidden);
            json_decref(rows);
            json_decref(problems);
            strbuf_dispose(&header);
        }
    assert_true(seen >= 3);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_checks),    cmocka_unit_test(test_parse_text),
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_csv_problems),
        cmocka_unit_test(test_module_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
