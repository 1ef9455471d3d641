/* SPDX-License-Identifier: MIT */
/* Unit tests for the service item record and its rules: the body check, the rules beyond it,
 * who sees drafts and who edits which department's items, the write round trip on an
 * in-memory database, and the demo catalogue's size and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue/catalogue.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "refdata/refdata.h"

/* A minimal item body that passes the field table and the rules. */
static json_t *minimal(void)
{
    return json_pack("{s:s,s:s,s:i,s:s}", "list", "service", "title", "企业开办“一网通办”",
                     "department", 8, "content", "企业设立登记、印章刻制、涉税办理一日办结。");
}

/* Checks v as POST (partial 0) or PATCH (partial 1) would, over the item before; returns the
 * bad field, "" for a refusal without one, or NULL when v passes. */
static const char *bad_field(json_t *v, json_t *before, int partial)
{
    const char *field = NULL, *msg = NULL;
    char buf[512];
    if (field_check_body(catalogue_fields, v, partial, &field, buf, sizeof buf)) {
        assert_true(strlen(buf) > 0);
        return field ? field : "";
    }
    if (catalogue_check(v, before, date_today(), &field, &msg)) {
        assert_true(strlen(msg) > 0);
        return field ? field : "";
    }
    return NULL;
}

/* Sets member name of a copy of minimal() to value (stolen) and returns the bad field. */
static const char *with(const char *name, json_t *value)
{
    json_t *v = minimal();
    json_object_set_new(v, name, value);
    const char *f = bad_field(v, NULL, 0);
    json_decref(v);
    return f;
}

static void test_required(void **state)
{
    (void)state;
    json_t *v = minimal();
    assert_null(bad_field(v, NULL, 0));
    json_decref(v);
    const char *required[] = {"list", "title", "department", "content", NULL};
    for (int i = 0; required[i]; i++) {
        v = minimal();
        json_object_del(v, required[i]);
        assert_string_equal(bad_field(v, NULL, 0), required[i]);
        json_decref(v);
    }
    /* A PATCH needs none of them, but may not blank them. */
    v = json_pack("{s:s}", "fee", "不收费");
    assert_null(bad_field(v, NULL, 1));
    json_object_set_new(v, "title", json_string("   "));
    assert_string_equal(bad_field(v, NULL, 1), "title");
    json_decref(v);
}

static void test_values(void **state)
{
    (void)state;
    char long_title[101 * 3 + 1];
    for (int i = 0; i < 101; i++)
        memcpy(long_title + 3 * i, "长", 3);
    long_title[101 * 3] = '\0';
    assert_string_equal(with("list", json_string("catalogue")), "list");
    assert_string_equal(with("category", json_string("money")), "category");
    assert_string_equal(with("status", json_string("hidden")), "status");
    assert_string_equal(with("title", json_string(long_title)), "title");
    assert_string_equal(with("title", json_string("第一行\n第二行")), "title");
    assert_string_equal(with("title", json_integer(5)), "title");
    assert_string_equal(with("department", json_string("8")), "department");
    assert_string_equal(with("department", json_integer(0)), "department");
    assert_string_equal(with("department", json_null()), "department");
    assert_string_equal(with("updated", json_string("2026-02-30")), "updated");
    assert_string_equal(with("updated", json_string("2026/01/01")), "updated");
    assert_string_equal(with("updated", json_null()), "updated");
    assert_string_equal(with("status", json_null()), "status");
    /* Long texts keep their lines; the optional ones may be cleared. */
    assert_null(with("process", json_string("1. 申请；\n2. 受理；\n3. 办结。")));
    assert_null(with("materials", json_null()));
    assert_null(with("category", json_string("environment")));
    assert_null(with("updated", json_string("2024-01-31")));
    /* Every factor of the departments is a category, with its Chinese name. */
    const struct field *f = field_find(catalogue_fields, "category");
    for (const struct enum_value *e = refdata_factors; e->value; e++)
        assert_string_equal(field_enum_label(f, e->value), refdata_factor_name(e->value));
    assert_string_equal(field_enum_label(field_find(catalogue_fields, "list"), "lenient"),
                        "轻微免罚");
}

static void test_rules(void **state)
{
    (void)state;
    char tomorrow[DATE_LEN + 1], today[DATE_LEN + 1];
    date_format(date_today() + 1, tomorrow);
    date_format(date_today(), today);
    assert_string_equal(with("updated", json_string(tomorrow)), "updated");
    assert_null(with("updated", json_string(today)));
    /* A 轻微免罚 item cites its basis: on create, and through every change. */
    json_t *v = minimal();
    json_object_set_new(v, "list", json_string("lenient"));
    assert_string_equal(bad_field(v, NULL, 0), "legal_basis");
    json_object_set_new(v, "legal_basis", json_string("  "));
    assert_string_equal(bad_field(v, NULL, 0), "legal_basis");
    json_object_set_new(v, "legal_basis", json_string("《中华人民共和国行政处罚法》第三十三条"));
    assert_null(bad_field(v, NULL, 0));
    json_t *lenient = json_deep_copy(v), *service = minimal();
    json_decref(v);
    v = json_pack("{s:n}", "legal_basis");
    assert_string_equal(bad_field(v, lenient, 1), "legal_basis");
    assert_null(bad_field(v, service, 1));
    json_decref(v);
    v = json_pack("{s:s}", "title", "改名");
    assert_null(bad_field(v, lenient, 1));
    json_decref(v);
    v = json_pack("{s:s}", "list", "lenient");
    assert_string_equal(bad_field(v, service, 1), "legal_basis");
    json_object_set_new(v, "legal_basis", json_string("依据"));
    assert_null(bad_field(v, service, 1));
    json_decref(v);
    v = json_pack("{s:s}", "list", "policy");
    assert_null(bad_field(v, lenient, 1));
    json_decref(v);
    json_decref(lenient);
    json_decref(service);
}

static void test_stamp(void **state)
{
    (void)state;
    int32_t day = date_from_ymd(2026, 3, 9);
    json_t *v = json_object();
    catalogue_stamp(v, day);
    assert_string_equal(json_string_value(json_object_get(v, "updated")), "2026-03-09");
    json_object_set_new(v, "updated", json_string("2025-01-02"));
    catalogue_stamp(v, day);
    assert_string_equal(json_string_value(json_object_get(v, "updated")), "2025-01-02");
    json_decref(v);
}

static void test_who_writes(void **state)
{
    (void)state;
    struct principal admin = {.id = 1, .role = ROLE_ADMIN, .region = "371500"};
    struct principal dept = {.id = 2, .role = ROLE_DEPARTMENT, .region = "371500", .department = 8};
    struct principal loose = {.id = 3, .role = ROLE_DEPARTMENT, .region = "371500"};
    struct principal bureau = {.id = 4, .role = ROLE_BUREAU, .region = "371500"};
    struct principal owner = {.id = 5, .role = ROLE_ENTERPRISE, .region = "371500"};
    const char *field, *msg;
    assert_int_equal(catalogue_may_write(&admin, 0, 3, &field, &msg), 0);
    assert_int_equal(catalogue_may_write(&admin, 3, 5, &field, &msg), 0);
    /* A department creates and edits its own items, and keeps them its own. */
    assert_int_equal(catalogue_may_write(&dept, 0, 8, &field, &msg), 0);
    assert_int_equal(catalogue_may_write(&dept, 8, 0, &field, &msg), 0);
    assert_int_equal(catalogue_may_write(&dept, 8, 8, &field, &msg), 0);
    assert_int_equal(catalogue_may_write(&dept, 0, 3, &field, &msg), ERR_FORBIDDEN);
    assert_string_equal(field, "department");
    assert_int_equal(catalogue_may_write(&dept, 8, 3, &field, &msg), ERR_FORBIDDEN);
    assert_string_equal(field, "department");
    assert_int_equal(catalogue_may_write(&dept, 3, 0, &field, &msg), ERR_FORBIDDEN);
    assert_null(field);
    assert_int_equal(catalogue_may_write(&dept, 3, 8, &field, &msg), ERR_FORBIDDEN);
    assert_true(strlen(msg) > 0);
    /* A department account bound to no department, other roles and the public: nothing. */
    assert_int_equal(catalogue_may_write(&loose, 0, 8, &field, &msg), ERR_FORBIDDEN);
    assert_int_equal(catalogue_may_write(&bureau, 8, 0, &field, &msg), ERR_FORBIDDEN);
    assert_int_equal(catalogue_may_write(&owner, 0, 8, &field, &msg), ERR_FORBIDDEN);
    assert_int_equal(catalogue_may_write(NULL, 0, 8, &field, &msg), ERR_FORBIDDEN);
}

static void test_who_sees(void **state)
{
    (void)state;
    struct principal inspector = {.id = 1, .role = ROLE_INSPECTOR, .region = "371502"};
    struct principal dept = {.id = 2, .role = ROLE_DEPARTMENT, .region = "371500", .department = 1};
    struct principal owner = {.id = 3, .role = ROLE_ENTERPRISE, .region = "371500"};
    assert_true(catalogue_is_staff(&inspector));
    assert_true(catalogue_is_staff(&dept));
    assert_false(catalogue_is_staff(&owner));
    assert_false(catalogue_is_staff(NULL));
    assert_int_equal(catalogue_may_see(NULL, "published"), 0);
    assert_int_equal(catalogue_may_see(&owner, "published"), 0);
    assert_int_equal(catalogue_may_see(NULL, "draft"), ERR_NOTFOUND);
    assert_int_equal(catalogue_may_see(&owner, "draft"), ERR_NOTFOUND);
    assert_int_equal(catalogue_may_see(&inspector, "draft"), 0);
    assert_int_equal(catalogue_may_see(&dept, "draft"), 0);
    /* Lists: the public is narrowed to published items and may not ask for drafts. */
    const char *status = NULL;
    assert_int_equal(catalogue_list_scope(NULL, &status), 0);
    assert_string_equal(status, "published");
    status = NULL;
    assert_int_equal(catalogue_list_scope(&owner, &status), 0);
    assert_string_equal(status, "published");
    status = "published";
    assert_int_equal(catalogue_list_scope(NULL, &status), 0);
    status = "draft";
    assert_int_equal(catalogue_list_scope(&owner, &status), ERR_FORBIDDEN);
    status = NULL;
    assert_int_equal(catalogue_list_scope(&inspector, &status), 0);
    assert_null(status);
    status = "draft";
    assert_int_equal(catalogue_list_scope(&dept, &status), 0);
    assert_string_equal(status, "draft");
}

static void test_write_round_trip(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    struct principal dept = {.id = 2, .role = ROLE_DEPARTMENT, .region = "371500", .department = 8};
    const char *field = NULL, *msg = NULL;
    /* An unknown department is a validation error, named. */
    struct principal admin = {.id = 1, .role = ROLE_ADMIN, .region = "371500"};
    json_t *v = minimal();
    json_object_set_new(v, "department", json_integer(99));
    assert_int_equal(catalogue_check_write(db, &admin, v, NULL, &field, &msg), ERR_INVALID);
    assert_string_equal(field, "department");
    assert_int_equal(catalogue_check_write(db, &dept, v, NULL, &field, &msg), ERR_FORBIDDEN);
    json_decref(v);
    v = minimal();
    assert_int_equal(catalogue_check_write(db, &dept, v, NULL, &field, &msg), 0);
    catalogue_stamp(v, date_from_ymd(2026, 1, 5));
    int64_t id = 0;
    assert_int_equal(catalogue_insert(db, v, &id), 0);
    assert_true(id > 0);
    json_decref(v);
    json_t *o = NULL;
    assert_int_equal(catalogue_get(db, id, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "department_name")),
                        "市行政审批服务局");
    assert_string_equal(json_string_value(json_object_get(o, "category")), "other");
    assert_string_equal(json_string_value(json_object_get(o, "status")), "published");
    assert_string_equal(json_string_value(json_object_get(o, "updated")), "2026-01-05");
    assert_string_equal(json_string_value(json_object_get(o, "fee")), "");
    /* Another department may not take it over; its own may change it. */
    struct principal other = dept;
    other.department = 3;
    v = json_pack("{s:s}", "status", "draft");
    assert_int_equal(catalogue_check_write(db, &other, v, o, &field, &msg), ERR_FORBIDDEN);
    assert_int_equal(catalogue_check_write(db, &dept, v, o, &field, &msg), 0);
    assert_int_equal(catalogue_update(db, id, v), 0);
    assert_int_equal(catalogue_update(db, id + 1000, v), ERR_NOTFOUND);
    json_decref(v);
    json_decref(o);
    assert_int_equal(catalogue_get(db, id, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "draft");
    assert_string_equal(json_string_value(json_object_get(o, "title")), "企业开办“一网通办”");
    json_decref(o);
    assert_int_equal(catalogue_get(db, id + 1000, &o), ERR_NOTFOUND);
    db_close(db);
}

/* Writes the demo catalogue of seed into a fresh database, checks every item against the
 * rules, and hashes the items (all but the write time). */
static void demo_digest(uint64_t seed, unsigned char out[32], size_t counts[4])
{
    static const char *const lists[4] = {"service", "guidance", "policy", "lenient"};
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    size_t n = 0;
    assert_int_equal(catalogue_demo(db, seed, &n), 0);
    static const char sql[] = "SELECT id FROM service_items ORDER BY id";
    struct db_stmt *st;
    int64_t ids[256];
    size_t nids = 0;
    assert_int_equal(db_prepare(db, sql, &st), 0);
    while (db_step(st) == DB_ROW && nids < 256)
        ids[nids++] = db_col_int(st, 0);
    db_done(st);
    assert_int_equal(nids, n);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    memset(counts, 0, 4 * sizeof *counts);
    for (size_t i = 0; i < nids; i++) {
        json_t *o = NULL;
        assert_int_equal(catalogue_get(db, ids[i], &o), 0);
        json_object_del(o, "updated_at");
        const char *list = json_string_value(json_object_get(o, "list"));
        for (int k = 0; k < 4; k++)
            counts[k] += !strcmp(list, lists[k]);
        /* Each demo item would pass the API's checks as it is. */
        json_t *body = json_deep_copy(o);
        assert_null(bad_field(body, NULL, 0));
        json_decref(body);
        assert_true(strlen(json_string_value(json_object_get(o, "content"))) > 20);
        char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        crypto_generichash_update(&h, (const unsigned char *)text, strlen(text));
        free(text);
        json_decref(o);
    }
    crypto_generichash_final(&h, out, 32);
    db_close(db);
}

static void test_demo(void **state)
{
    (void)state;
    unsigned char a[32], b[32], c[32];
    size_t ca[4], cb[4], cc[4];
    demo_digest(1, a, ca);
    demo_digest(1, b, cb);
    demo_digest(2, c, cc);
    assert_int_equal(ca[0], 82); /* the 82 items of the source's guide */
    for (int k = 1; k < 4; k++)
        assert_in_range(ca[k], 10, 15);
    assert_memory_equal(ca, cc, sizeof ca);
    assert_memory_equal(a, b, 32);
    assert_memory_not_equal(a, c, 32);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_stamp),
        cmocka_unit_test(test_who_writes),
        cmocka_unit_test(test_who_sees),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
