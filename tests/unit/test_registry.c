/* SPDX-License-Identifier: MIT */
/* Unit tests for the entity record and rules, the search-mode choice, the data scope and the
 * demo generator's determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/uscc.h"
#include "registry/registry.h"
#include "registry/registry_demo.h"
#include "registry/registry_search.h"
#include "refdata/refdata.h"

#define VALID "91350100M000100Y43"
#define BAD_CHECK "91350100M000100Y44"

/* A minimal entity body that passes the field table and the rules. */
static json_t *minimal(void)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "uscc", VALID, "name", "聊城市鑫鹏机械制造有限公司",
                     "kind", "enterprise", "region", "371502");
}

/* Checks v as POST /entities would (field table, then the rules); returns the bad field. */
static const char *bad_field(json_t *v, int partial)
{
    const char *field = NULL, *msg = NULL;
    char buf[512];
    if (field_check_body(registry_fields, v, partial, &field, buf, sizeof buf)) {
        assert_true(strlen(buf) > 0);
        return field;
    }
    if (registry_check(v, &field, &msg)) {
        assert_true(strlen(msg) > 0);
        return field;
    }
    return NULL;
}

/* Sets member name of a copy of minimal() to value (stolen) and returns the bad field. */
static const char *with(const char *name, json_t *value)
{
    json_t *v = minimal();
    json_object_set_new(v, name, value);
    const char *f = bad_field(v, 0);
    json_decref(v);
    return f;
}

static void test_uscc_policy(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s}", "uscc", "91350100m000100y43");
    const char *msg = NULL;
    assert_int_equal(registry_set_uscc(v, USCC_STRICT, &msg), 0);
    assert_string_equal(json_string_value(json_object_get(v, "uscc")), VALID); /* upper-cased */
    assert_true(json_is_false(json_object_get(v, "uscc_flagged")));
    /* A failed check: refused through the API, flagged in an import. */
    json_object_set_new(v, "uscc", json_string(BAD_CHECK));
    assert_int_equal(registry_set_uscc(v, USCC_STRICT, &msg), ERR_INVALID);
    assert_string_equal(msg, uscc_message(USCC_BAD_CHECK));
    assert_int_equal(registry_set_uscc(v, USCC_FLAG, &msg), 0);
    assert_true(json_is_true(json_object_get(v, "uscc_flagged")));
    /* Malformed codes are refused by both. */
    const char *bad[] = {
        "", "9135010", "91350100M000100Y4", "91350100M000100Y433", "91350100I000100Y43", NULL};
    for (int i = 0; bad[i]; i++) {
        json_object_set_new(v, "uscc", json_string(bad[i]));
        assert_int_equal(registry_set_uscc(v, USCC_FLAG, &msg), ERR_INVALID);
        assert_int_equal(registry_set_uscc(v, USCC_STRICT, &msg), ERR_INVALID);
    }
    json_object_del(v, "uscc");
    assert_int_equal(registry_set_uscc(v, USCC_FLAG, &msg), ERR_INVALID);
    json_decref(v);
}

static void test_check_required(void **state)
{
    (void)state;
    json_t *v = minimal();
    assert_null(bad_field(v, 0));
    const char *required[] = {"uscc", "name", "kind", "region"};
    for (int i = 0; i < 4; i++) {
        json_t *x = json_deep_copy(v);
        json_object_del(x, required[i]);
        assert_string_equal(bad_field(x, 0), required[i]);
        json_decref(x);
    }
    /* An update needs none of them, but cannot change the code. */
    json_t *patch = json_object();
    assert_null(bad_field(patch, 1));
    json_object_set_new(patch, "uscc", json_string(VALID));
    assert_string_equal(bad_field(patch, 1), "uscc");
    json_decref(patch);
    json_decref(v);
}

static void test_check_values(void **state)
{
    (void)state;
    char long_name[400];
    memset(long_name, 0, sizeof long_name);
    for (int i = 0; i < 101; i++)
        memcpy(long_name + 3 * i, "聊", 3); /* 101 characters, 303 bytes */
    assert_string_equal(with("name", json_string(long_name)), "name");
    long_name[300] = '\0'; /* exactly 100 characters is fine */
    assert_null(with("name", json_string(long_name)));
    assert_string_equal(with("name", json_string("")), "name");
    assert_string_equal(with("name", json_null()), "name");
    assert_string_equal(with("name", json_integer(5)), "name");
    assert_string_equal(with("kind", json_string("company")), "kind");
    assert_string_equal(with("region", json_string("371599")), "region");
    assert_string_equal(with("industry", json_string("C31X0")), "industry");
    assert_string_equal(with("industry", json_string("Z3130")), "industry");
    assert_string_equal(with("chain", json_integer(13)), "chain");
    assert_string_equal(with("chain", json_integer(0)), "chain");
    assert_string_equal(with("chain", json_string("3")), "chain");
    assert_string_equal(with("tier", json_string("big")), "tier");
    assert_string_equal(with("credit", json_string("E")), "credit");
    assert_string_equal(with("credit", json_string("AA")), "credit");
    assert_string_equal(with("status", json_string("closed")), "status");
    assert_string_equal(with("established", json_string("2025-02-30")), "established");
    assert_string_equal(with("established", json_string("2999-01-01")), "established");
    assert_string_equal(with("annual_report_year", json_integer(1980)), "annual_report_year");
    assert_string_equal(with("annual_report_year", json_integer(2999)), "annual_report_year");
    assert_string_equal(with("key", json_string("true")), "key");
    json_t *x = minimal();
    json_t *more =
        json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:i,s:b,s:n}", "industry", "C3130", "chain", 3, "tier",
                  "little_giant", "credit", "D", "status", "revoked", "established", "2015-03-02",
                  "annual_report_year", 2025, "key", 1, "legal_rep");
    json_object_update(x, more);
    assert_null(bad_field(x, 0));
    json_decref(more);
    json_decref(x);
    const struct field *tier = field_find(registry_fields, "tier");
    assert_string_equal(field_enum_label(tier, "little_giant"), "专精特新“小巨人”");
    assert_string_equal(field_enum_label(field_find(registry_fields, "kind"), "individual"),
                        "个体工商户");
    assert_null(field_enum_label(field_find(registry_fields, "status"), "closed"));
}

static void test_search_mode(void **state)
{
    (void)state;
    char p[256], hi[64];
    assert_int_equal(registry_search_mode(NULL, p, sizeof p, hi, sizeof hi), SEARCH_NONE);
    assert_int_equal(registry_search_mode("", p, sizeof p, hi, sizeof hi), SEARCH_NONE);
    assert_int_equal(registry_search_mode("9137ab", p, sizeof p, hi, sizeof hi), SEARCH_CODE);
    assert_string_equal(p, "9137AB");
    assert_string_equal(hi, "9137AB~");
    assert_int_equal(registry_search_mode("鑫", p, sizeof p, hi, sizeof hi), SEARCH_SCAN);
    assert_string_equal(p, "鑫");
    assert_int_equal(registry_search_mode("鑫鹏", p, sizeof p, hi, sizeof hi), SEARCH_PAIR);
    assert_string_equal(p, "鑫鹏");
    assert_int_equal(registry_search_mode("鑫鹏机", p, sizeof p, hi, sizeof hi), SEARCH_TRIGRAM);
    assert_string_equal(p, "鑫鹏机");
    /* Quotes cannot break out of the FTS5 phrase (SQLite) or the pattern (PostgreSQL). */
    struct db_contains c;
    assert_int_equal(db_contains_query(NULL, "entities", "e", "name", "a\"b OR c", &c, p, sizeof p),
                     0);
    assert_string_equal(p, "\"a\"\"b OR c\"");
    assert_string_equal(c.where, " AND f.entities_fts MATCH ?");
}

/* Generates the small city into a fresh in-memory database and hashes its entities. */
static void demo_digest(uint64_t seed, unsigned char out[32], size_t *n)
{
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    struct demo_scale s;
    registry_demo_scale("small", &s);
    struct rng r;
    rng_init_seed(&r, seed);
    struct demo_result res;
    assert_int_equal(registry_demo(db, &r, &s, NULL, 0, &res), 0);
    assert_int_equal(res.entities, 7100);
    static const char sql[] =
        "SELECT uscc, name, kind, region, legal_rep, address, industry, coalesce(chain, 0), tier,"
        " credit, status, established, coalesce(annual_report_year, 0), key FROM entities"
        " ORDER BY id";
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, sql, &st), 0);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    *n = 0;
    while (db_step(st) == DB_ROW) {
        for (int i = 0; i < db_col_count(st); i++) {
            const char *v = db_col_text(st, i);
            crypto_generichash_update(&h, (const unsigned char *)v, strlen(v) + 1);
        }
        /* Every generated code is valid and every row passes the rules. */
        assert_int_equal(uscc_validate(db_col_text(st, 0), 18), USCC_OK);
        (*n)++;
    }
    db_done(st);
    crypto_generichash_final(&h, out, 32);
    rng_dispose(&r);
    db_close(db);
}

static void test_demo_deterministic(void **state)
{
    (void)state;
    unsigned char a[32], b[32], c[32];
    size_t na, nb, nc;
    demo_digest(1, a, &na);
    demo_digest(1, b, &nb);
    demo_digest(2, c, &nc);
    assert_int_equal(na, 7100);
    assert_memory_equal(a, b, 32);
    assert_memory_not_equal(a, c, 32);
}

/* The pair index a bulk load rebuilds (made and sorted in C) holds exactly the rows its SQL
 * definition gives: each (substr(name, n, 2), id) for n < length(name), once. The small demo
 * city has 7,100 names, with repeated pairs inside one name; three more names add a 4-byte
 * character, ASCII and a one-character name. */
static void test_pair_index_bulk(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    assert_int_equal(db_exec(db, "BEGIN"), 0);
    assert_int_equal(registry_search_bulk(db, 1), 0);
    struct demo_scale s;
    registry_demo_scale("small", &s);
    struct rng r;
    rng_init_seed(&r, 7);
    struct demo_result res;
    assert_int_equal(registry_demo(db, &r, &s, NULL, 0, &res), 0);
    assert_int_equal(db_exec(db, "UPDATE entities SET name = CASE id WHEN 1 THEN '𠀀聊城𠀀聊城'"
                                 " WHEN 2 THEN 'ABC Trading 聊' WHEN 3 THEN '鑫' ELSE name END"
                                 " WHERE id <= 3"),
                     0);
    assert_int_equal(registry_search_bulk(db, 0), 0);
    static const char sql[] =
        "WITH want AS (SELECT DISTINCT substr(e.name, p.n, 2) AS gram, e.id AS id FROM entities e"
        " JOIN name_positions p ON p.n < length(e.name))"
        " SELECT (SELECT count(*) FROM want), (SELECT count(*) FROM entity_bigrams),"
        " (SELECT count(*) FROM (SELECT gram, id FROM want EXCEPT SELECT gram, id FROM"
        " entity_bigrams)), (SELECT count(*) FROM entity_bigrams WHERE id = 1),"
        " (SELECT count(*) FROM entity_bigrams WHERE id = 3)";
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, sql, &st), 0);
    assert_int_equal(db_row(st), 0);
    assert_true(db_col_int(st, 0) > 50000);
    assert_int_equal(db_col_int(st, 1), db_col_int(st, 0));
    assert_int_equal(db_col_int(st, 2), 0);
    assert_int_equal(db_col_int(st, 3), 3); /* 𠀀聊 聊城 城𠀀 (聊城 twice: once) */
    assert_int_equal(db_col_int(st, 4), 0);
    db_done(st);
    assert_int_equal(db_exec(db, "ROLLBACK"), 0);
    rng_dispose(&r);
    db_close(db);
}

static void test_data_scope(void **state)
{
    (void)state;
    struct principal city = {.id = 1, .role = ROLE_BUREAU, .region = "371500"};
    struct principal county = {.id = 2, .role = ROLE_BUREAU, .region = "371502"};
    struct principal officer = {.id = 3, .role = ROLE_OFFICER, .region = "371500"};
    struct principal owner = {
        .id = 4, .role = ROLE_ENTERPRISE, .region = "371500", .entity = VALID};
    /* One entity. */
    assert_int_equal(registry_may_see(&city, VALID, "371581", 0), 0);
    assert_int_equal(registry_may_see(&county, VALID, "371502", 0), 0);
    assert_int_equal(registry_may_see(&county, VALID, "371581", 0), ERR_FORBIDDEN);
    assert_int_equal(registry_may_see(&officer, VALID, "371502", 3), 0);
    assert_int_equal(registry_may_see(&officer, VALID, "371502", 9), ERR_FORBIDDEN);
    assert_int_equal(registry_may_see(&officer, VALID, "371502", 0), ERR_FORBIDDEN);
    assert_int_equal(registry_may_see(&owner, VALID, "371502", 0), 0);
    assert_int_equal(registry_may_see(&owner, BAD_CHECK, "371502", 0), ERR_FORBIDDEN);
    /* Another entity is hidden from an owner account; nothing is hidden from staff. */
    assert_false(registry_code_hidden(&owner, VALID));
    assert_true(registry_code_hidden(&owner, BAD_CHECK));
    assert_false(registry_code_hidden(&county, BAD_CHECK));
    assert_false(registry_code_hidden(&officer, BAD_CHECK));
    /* A list. */
    const char *region = NULL;
    int64_t off = 0;
    assert_int_equal(registry_list_scope(&city, &region, &off), 0);
    assert_null(region);
    assert_int_equal(off, 0);
    assert_int_equal(registry_list_scope(&county, &region, &off), 0);
    assert_string_equal(region, "371502");
    region = "371581";
    assert_int_equal(registry_list_scope(&county, &region, &off), ERR_FORBIDDEN);
    region = "371502";
    assert_int_equal(registry_list_scope(&county, &region, &off), 0);
    region = NULL;
    off = 77;
    assert_int_equal(registry_list_scope(&officer, &region, &off), 0);
    assert_int_equal(off, 3);
}

/* A draw's scope by trade: GB/T 4754 codes and their prefixes. */
static void test_industry_prefix(void **state)
{
    (void)state;
    static const char *const good[] = {"H", "H62", "H6210", "F5221", "A0141", "T"};
    static const char *const bad[] = {"", "h62", "U", "H62100", "H6x", "6210", "H 62", "H62%"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(registry_industry_prefix_ok(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(registry_industry_prefix_ok(bad[i]));
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uscc_policy),     cmocka_unit_test(test_check_required),
        cmocka_unit_test(test_check_values),    cmocka_unit_test(test_search_mode),
        cmocka_unit_test(test_data_scope),      cmocka_unit_test(test_demo_deterministic),
        cmocka_unit_test(test_industry_prefix), cmocka_unit_test(test_pair_index_bulk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
