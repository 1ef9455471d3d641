/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the list composer (http/list.c) and the record descriptions it derives from,
 * driven through the real route table on a small city in a temporary database: each filter,
 * sort keys, page edges, the count cap, CSV and XLSX exports, and the two-character name
 * search against a plain scan. Requests are built without a server (req.conn NULL, the query
 * in req.query).
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
#include "core/rng.h"
#include "db/db.h"
#include "http/list.h"
#include "http/router.h"
#include "refdata/refdata.h"
#include "registry/registry.h"
#include "registry/registry_demo.h"

static char dir[] = "/tmp/jianguan-test-list-XXXXXX";
static char path[256];
static struct principal admin = {.id = 1, .role = ROLE_ADMIN, .region = CITY_REGION};

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    assert_int_equal(db_global_init(path), 0);
    assert_int_equal(router_init(), 0);
    struct db *w = db_write_begin();
    assert_non_null(w);
    struct demo_scale s;
    struct demo_result res;
    struct rng r;
    registry_demo_scale("small", &s);
    rng_init_seed(&r, 7);
    int rc = refdata_load(w);
    if (!rc)
        rc = registry_demo(w, &r, &s, NULL, 0, &res);
    rng_dispose(&r);
    assert_int_equal(db_write_end(w, rc), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_global_shutdown();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* Runs GET path with the query pairs (NULL-terminated) as admin; returns the status and, for
 * JSON answers, the parsed body in *out (the caller's). A file answer's bytes go to file. */
static int get(const char *route_path, const char *const *query, json_t **out, struct strbuf *file)
{
    struct req req = {.method = "GET", .path = route_path, .user = &admin, .query = query};
    struct resp resp = {0};
    strbuf_init(&req.body, 1024);
    strbuf_init(&resp.body, 64u << 20);
    router_dispatch(&req, &resp);
    int status = resp.status;
    if (out)
        *out = json_loadb(strbuf_get(&resp.body), resp.body.len, 0, NULL);
    if (file && resp.has_fd) {
        char buf[65536];
        ssize_t n;
        while ((n = read(resp.fd, buf, sizeof buf)) > 0)
            strbuf_append(file, buf, (size_t)n);
    }
    req_dispose(&req);
    resp_dispose(&resp);
    return status;
}

static int64_t scalar(const char *sql, const char *text)
{
    struct db_stmt *st;
    assert_int_equal(db_prepare(db_read(), sql, &st), 0);
    if (text)
        db_bind_text(st, 1, text, -1);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t v = db_col_int(st, 0);
    db_done(st);
    return v;
}

static int64_t total_of(json_t *o)
{
    return json_integer_value(json_object_get(o, "total"));
}

static void test_filters(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value, *sql;
    } cases[] = {
        {"region", "371502", "SELECT count(*) FROM entities WHERE region = ?"},
        {"credit", "C", "SELECT count(*) FROM entities WHERE credit = ?"},
        {"tier", "specialized", "SELECT count(*) FROM entities WHERE tier = ?"},
        {"kind", "cooperative", "SELECT count(*) FROM entities WHERE kind = ?"},
        {"status", "revoked", "SELECT count(*) FROM entities WHERE status = ?"},
        {"chain", "3", "SELECT count(*) FROM entities WHERE chain = CAST(? AS INTEGER)"},
        {"key", "true", "SELECT count(*) FROM entities WHERE key = (? = 'true')"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *q[] = {cases[i].name, cases[i].value, NULL};
        json_t *o;
        assert_int_equal(get("/api/v1/entities", q, &o, NULL), 200);
        int64_t want = scalar(cases[i].sql, cases[i].value);
        assert_true(want > 0);
        assert_int_equal(total_of(o), want);
        json_t *item;
        size_t k;
        json_array_foreach(json_object_get(o, "items"), k, item)
        {
            json_t *v = json_object_get(item, cases[i].name);
            if (json_is_string(v))
                assert_string_equal(json_string_value(v), cases[i].value);
        }
        json_decref(o);
    }
    /* Two filters together narrow both ways. */
    const char *q[] = {"region", "371502", "credit", "C", NULL};
    json_t *o;
    assert_int_equal(get("/api/v1/entities", q, &o, NULL), 200);
    assert_int_equal(
        total_of(o),
        scalar("SELECT count(*) FROM entities WHERE region = '371502' AND credit = ?", "C"));
    json_decref(o);
}

static void test_bad_input(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"credit", "E"},    {"chain", "13"},    {"chain", "x"},      {"key", "yes"},
        {"region", "9999"}, {"tier", "big"},    {"page", "0"},       {"page_size", "201"},
        {"format", "pdf"},  {"sort", "colour"}, {"sort", "name,,x"}, {"officer", "-1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *q[] = {bad[i][0], bad[i][1], NULL};
        json_t *o;
        assert_int_equal(get("/api/v1/entities", q, &o, NULL), 422);
        json_t *err = json_object_get(o, "error");
        assert_string_equal(json_string_value(json_object_get(err, "code")), "validation_failed");
        assert_string_equal(json_string_value(json_object_get(err, "field")), bad[i][0]);
        json_decref(o);
    }
}

static void test_sort_and_pages(void **state)
{
    (void)state;
    const char *q[] = {"sort", "-established,name", "page_size", "50", NULL};
    json_t *o;
    assert_int_equal(get("/api/v1/entities", q, &o, NULL), 200);
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 50);
    for (size_t i = 1; i < 50; i++) {
        const char *a =
            json_string_value(json_object_get(json_array_get(items, i - 1), "established"));
        const char *b = json_string_value(json_object_get(json_array_get(items, i), "established"));
        assert_true(strcmp(a, b) >= 0);
    }
    json_decref(o);
    /* The last page holds the remainder; a page past the end is empty, total unchanged. */
    int64_t n = scalar("SELECT count(*) FROM entities WHERE kind = ?", "cooperative");
    char last[24];
    snprintf(last, sizeof last, "%lld", (long long)((n + 29) / 30));
    const char *ql[] = {"kind", "cooperative", "page_size", "30", "page", last, NULL};
    assert_int_equal(get("/api/v1/entities", ql, &o, NULL), 200);
    assert_int_equal(json_array_size(json_object_get(o, "items")),
                     (size_t)(n - ((n + 29) / 30 - 1) * 30));
    json_decref(o);
    const char *qp[] = {"kind", "cooperative", "page", "999", NULL};
    assert_int_equal(get("/api/v1/entities", qp, &o, NULL), 200);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 0);
    assert_int_equal(total_of(o), n);
    assert_null(json_object_get(o, "total_exact"));
    json_decref(o);
}

static void test_count_cap(void **state)
{
    (void)state;
    /* 7,100 entities: under the default cap the total is exact... */
    json_t *o;
    assert_int_equal(get("/api/v1/entities", NULL, &o, NULL), 200);
    assert_int_equal(total_of(o), 7100);
    assert_null(json_object_get(o, "total_exact"));
    json_decref(o);
    /* ...and a list with a lower cap says it stopped counting. */
    static const struct list_def capped = {
        .rec = &registry_entity, .order = "e.id", .filename = "x", .count_cap = 1000};
    struct req req = {.method = "GET", .path = "/x", .user = &admin};
    struct resp resp = {0};
    strbuf_init(&resp.body, 1u << 20);
    assert_int_equal(list_reply(&req, &resp, &capped, NULL), 0);
    o = json_loadb(strbuf_get(&resp.body), resp.body.len, 0, NULL);
    assert_int_equal(total_of(o), 1000);
    assert_true(json_is_false(json_object_get(o, "total_exact")));
    json_decref(o);
    req_dispose(&req);
    resp_dispose(&resp);
}

static void test_exports(void **state)
{
    (void)state;
    struct strbuf f;
    strbuf_init(&f, 64u << 20);
    const char *csv[] = {"format", "csv", "kind", "cooperative", NULL};
    assert_int_equal(get("/api/v1/entities", csv, NULL, &f), 200);
    /* CSV: a BOM, then the field names of every readable field, in the table's order. */
    const char *s = strbuf_get(&f);
    assert_memory_equal(s, "\xEF\xBB\xBFuscc,name,kind,region,region_name,", 35);
    int64_t lines = 0;
    for (const char *p = s; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines,
                     1 + scalar("SELECT count(*) FROM entities WHERE kind = ?", "cooperative"));
    assert_non_null(strstr(s, ",false,")); /* booleans as true/false, not 0/1 */
    strbuf_reset(&f);
    const char *xlsx[] = {"format", "xlsx", "kind", "cooperative", NULL};
    assert_int_equal(get("/api/v1/entities", xlsx, NULL, &f), 200);
    assert_true(f.len > 1000);
    assert_memory_equal(strbuf_get(&f), "PK", 2);
    strbuf_dispose(&f);
}

/* Every two-character piece of 150 names (start, middle and end), and pieces that occur
 * nowhere: the list's index paths find exactly what a scan of every name finds. */
static void test_two_character_search_equals_scan(void **state)
{
    (void)state;
    static const char names_sql[] = "SELECT name FROM entities WHERE id % 47 = 0 LIMIT 150";
    struct db_stmt *names;
    assert_int_equal(db_prepare(db_read(), names_sql, &names), 0);
    static char frags[4000][8];
    size_t nf = 0;
    while (db_step(names) == DB_ROW && nf < 3990) {
        const char *n = db_col_text(names, 0);
        for (size_t i = 0; n[i] && nf < 3990; i += 3) /* the demo's names are CJK, 3 bytes */
            if (strlen(n + i) >= 6 && (unsigned char)n[i] >= 0xE0)
                memcpy(frags[nf++], n + i, 6), frags[nf - 1][6] = '\0';
    }
    db_done(names);
    snprintf(frags[nf++], 8, "%s", "龘龘");
    snprintf(frags[nf++], 8, "%s", "公司");
    snprintf(frags[nf++], 8, "%s", "合作");
    for (size_t i = 0; i < nf; i += 7) {
        const char *q[] = {"q", frags[i], NULL};
        json_t *o;
        assert_int_equal(get("/api/v1/entities", q, &o, NULL), 200);
        int64_t want = scalar("SELECT count(*) FROM entities WHERE instr(name, ?) > 0", frags[i]);
        if (total_of(o) != want || json_object_get(o, "total_exact"))
            fail_msg("fragment %s: list %lld, scan %lld", frags[i], (long long)total_of(o),
                     (long long)want);
        /* The first page holds the first matches in the table's order. */
        struct db_stmt *st;
        assert_int_equal(db_prepare(db_read(),
                                    "SELECT uscc FROM entities WHERE instr(name, ?) > 0"
                                    " ORDER BY id LIMIT 20",
                                    &st),
                         0);
        db_bind_text(st, 1, frags[i], -1);
        json_t *items = json_object_get(o, "items");
        size_t k = 0;
        while (db_step(st) == DB_ROW) {
            const char *got =
                json_string_value(json_object_get(json_array_get(items, k++), "uscc"));
            assert_non_null(got);
            assert_string_equal(got, db_col_text(st, 0));
        }
        db_done(st);
        assert_int_equal(k, json_array_size(items));
        json_decref(o);
    }
}

static void test_record_sql(void **state)
{
    (void)state;
    /* The SELECT list follows the field table, joined fields through their expressions. */
    const char *cols = rec_columns(&registry_entity);
    assert_non_null(strstr(cols, "e.uscc AS uscc, e.name AS name"));
    assert_non_null(strstr(cols, "r.name AS region_name"));
    assert_ptr_equal(cols, rec_columns(&registry_entity)); /* built once */
    assert_string_equal(rec_column_field(&registry_entity, 0)->name, "uscc");
    assert_null(rec_column_field(&registry_entity, 99));
    /* Insert, read back, update one field, diff. */
    json_t *v =
        json_pack("{s:s,s:s,s:s,s:s,s:b,s:i}", "uscc", "91371502MA3C00011G", "name", "测试主体",
                  "kind", "enterprise", "region", "371502", "key", 1, "chain", 3);
    struct db *w = db_write_begin();
    int rc = registry_insert(w, v);
    json_t *patch = json_pack("{s:s,s:n}", "credit", "D", "chain");
    if (!rc)
        rc = registry_update(w, "91371502MA3C00011G", patch);
    assert_int_equal(db_write_end(w, rc), 0);
    json_t *got = NULL;
    assert_int_equal(registry_get(db_read(), "91371502MA3C00011G", &got), 0);
    assert_string_equal(json_string_value(json_object_get(got, "credit")), "D");
    assert_string_equal(json_string_value(json_object_get(got, "tier")), "none"); /* default */
    assert_string_equal(json_string_value(json_object_get(got, "legal_rep")), "");
    assert_true(json_is_null(json_object_get(got, "chain")));
    assert_true(json_is_true(json_object_get(got, "key")));
    assert_string_equal(json_string_value(json_object_get(got, "region_name")), "东昌府区");
    char *diff = rec_diff(&registry_entity, patch, v);
    assert_string_equal(
        diff, "{\"chain\":{\"from\":3,\"to\":null},\"credit\":{\"from\":null,\"to\":\"D\"}}");
    free(diff);
    json_decref(got);
    assert_int_equal(registry_get(db_read(), "91371502MA3C00011X", &got), ERR_NOTFOUND);
    assert_null(got);
    /* The pair index follows a new name: the old pair is gone, the new one found. */
    json_t *rename = json_pack("{s:s}", "name", "龘龘");
    w = db_write_begin();
    assert_int_equal(db_write_end(w, registry_update(w, "91371502MA3C00011G", rename)), 0);
    json_decref(rename);
    const char *q1[] = {"q", "测试", NULL}, *q2[] = {"q", "龘龘", NULL};
    json_t *o;
    assert_int_equal(get("/api/v1/entities", q1, &o, NULL), 200);
    assert_int_equal(total_of(o), 0);
    json_decref(o);
    assert_int_equal(get("/api/v1/entities", q2, &o, NULL), 200);
    assert_int_equal(total_of(o), 1);
    json_decref(o);
    json_decref(got);
    json_decref(patch);
    json_decref(v);
}

/* Past DB_INTERN_MAX composed statements, new compositions are prepared once and finalized;
 * the answers are the same. (Runs last: it fills the process's intern table.) */
static void test_past_the_intern_limit(void **state)
{
    (void)state;
    const char *q[] = {"credit", "D", "sort", "-uscc", NULL};
    json_t *before, *after;
    assert_int_equal(get("/api/v1/entities", q, &before, NULL), 200);
    for (int i = 0; i < DB_INTERN_MAX; i++) {
        char text[64];
        snprintf(text, sizeof text, "SELECT %d", i);
        db_intern(text);
    }
    char fresh[] = "SELECT 'not kept'";
    assert_null(db_intern(fresh));
    const char *q2[] = {"credit", "D", "sort", "-uscc,name", NULL};
    assert_int_equal(get("/api/v1/entities", q2, &after, NULL), 200);
    assert_int_equal(total_of(after), total_of(before));
    assert_int_equal(total_of(after),
                     scalar("SELECT count(*) FROM entities WHERE credit = ?", "D"));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(after, "items"), 0), "uscc")),
                        json_string_value(json_object_get(
                            json_array_get(json_object_get(before, "items"), 0), "uscc")));
    json_decref(before);
    json_decref(after);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_sort_and_pages),
        cmocka_unit_test(test_count_cap),
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_two_character_search_equals_scan),
        cmocka_unit_test(test_record_sql),
        cmocka_unit_test(test_past_the_intern_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
