/* SPDX-License-Identifier: MIT */
/* Unit tests for the registry rules, the search-mode choice, the list composer and the demo
 * generator's determinism. */
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
#include "registry/registry_list.h"
#include "refdata/refdata.h"

#define VALID "91350100M000100Y43"
#define BAD_CHECK "91350100M000100Y44"

static struct entity minimal(void)
{
    struct entity e = {0};
    const char *msg;
    assert_int_equal(registry_set_uscc(&e, VALID, USCC_STRICT, &msg), 0);
    e.name = "聊城市鑫鹏机械制造有限公司";
    e.kind = "enterprise";
    e.region = "371502";
    return e;
}

static void expect_field(const struct entity *e, int creating, const char *want)
{
    const char *field = NULL, *msg = NULL;
    assert_int_equal(registry_check(e, creating, &field, &msg), ERR_INVALID);
    assert_string_equal(field, want);
    assert_non_null(msg);
    assert_true(strlen(msg) > 0);
}

static void test_uscc_policy(void **state)
{
    (void)state;
    struct entity e = {0};
    const char *msg = NULL;
    assert_int_equal(registry_set_uscc(&e, "91350100m000100y43", USCC_STRICT, &msg), 0);
    assert_string_equal(e.uscc, VALID); /* upper-cased */
    assert_int_equal(e.uscc_flagged, 0);
    /* A failed check: refused through the API, flagged in an import. */
    assert_int_equal(registry_set_uscc(&e, BAD_CHECK, USCC_STRICT, &msg), ERR_INVALID);
    assert_string_equal(msg, uscc_message(USCC_BAD_CHECK));
    assert_int_equal(registry_set_uscc(&e, BAD_CHECK, USCC_FLAG, &msg), 0);
    assert_int_equal(e.uscc_flagged, 1);
    /* Malformed codes are refused by both. */
    const char *bad[] = {
        "", "9135010", "91350100M000100Y4", "91350100M000100Y433", "91350100I000100Y43", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(registry_set_uscc(&e, bad[i], USCC_FLAG, &msg), ERR_INVALID);
        assert_int_equal(registry_set_uscc(&e, bad[i], USCC_STRICT, &msg), ERR_INVALID);
    }
    assert_int_equal(registry_set_uscc(&e, NULL, USCC_FLAG, &msg), ERR_INVALID);
}

static void test_check_required(void **state)
{
    (void)state;
    struct entity e = minimal();
    const char *field, *msg;
    assert_int_equal(registry_check(&e, 1, &field, &msg), 0);
    struct entity x = e;
    x.uscc[0] = '\0';
    expect_field(&x, 1, "uscc");
    x = e;
    x.name = NULL;
    expect_field(&x, 1, "name");
    x = e;
    x.kind = NULL;
    expect_field(&x, 1, "kind");
    x = e;
    x.region = NULL;
    expect_field(&x, 1, "region");
    /* An update needs none of them. */
    struct entity patch = {0};
    assert_int_equal(registry_check(&patch, 0, &field, &msg), 0);
}

static void test_check_values(void **state)
{
    (void)state;
    struct entity e = minimal(), x;
    char long_name[400];
    memset(long_name, 0, sizeof long_name);
    for (int i = 0; i < 101; i++)
        memcpy(long_name + 3 * i, "聊", 3); /* 101 characters, 303 bytes */
    x = e, x.name = long_name, expect_field(&x, 1, "name");
    long_name[300] = '\0'; /* exactly 100 characters is fine */
    const char *field, *msg;
    x = e, x.name = long_name;
    assert_int_equal(registry_check(&x, 1, &field, &msg), 0);
    x = e, x.name = "", expect_field(&x, 1, "name");
    x = e, x.kind = "company", expect_field(&x, 1, "kind");
    x = e, x.region = "371599", expect_field(&x, 1, "region");
    x = e, x.industry = "C31X0", expect_field(&x, 1, "industry");
    x = e, x.industry = "Z3130", expect_field(&x, 1, "industry");
    x = e, x.chain = 13, expect_field(&x, 1, "chain");
    x = e, x.tier = "big", expect_field(&x, 1, "tier");
    x = e, x.credit = "E", expect_field(&x, 1, "credit");
    x = e, x.credit = "AA", expect_field(&x, 1, "credit");
    x = e, x.status = "closed", expect_field(&x, 1, "status");
    x = e, x.established = "2025-02-30", expect_field(&x, 1, "established");
    x = e, x.established = "2999-01-01", expect_field(&x, 1, "established");
    x = e, x.annual_report_year = 1980, expect_field(&x, 1, "annual_report_year");
    x = e;
    x.industry = "C3130";
    x.chain = 3;
    x.tier = "little_giant";
    x.credit = "D";
    x.status = "revoked";
    x.established = "2015-03-02";
    x.annual_report_year = 2025;
    assert_int_equal(registry_check(&x, 1, &field, &msg), 0);
    assert_string_equal(registry_tier_label("little_giant"), "专精特新“小巨人”");
    assert_string_equal(registry_kind_label("individual"), "个体工商户");
    assert_null(registry_status_label("closed"));
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
    assert_string_equal(hi, "鑫鹏\xF4\x8F\xBF\xBF");
    assert_int_equal(registry_search_mode("鑫鹏机", p, sizeof p, hi, sizeof hi), SEARCH_FTS);
    assert_string_equal(p, "\"鑫鹏机\"");
    /* Quotes cannot break out of the FTS5 phrase. */
    assert_int_equal(registry_search_mode("a\"b OR c", p, sizeof p, hi, sizeof hi), SEARCH_FTS);
    assert_string_equal(p, "\"a\"\"b OR c\"");
}

static void test_list_sql(void **state)
{
    (void)state;
    const char *a = registry_list_sql(LIST_PAGE, SEARCH_FTS, 1u << LIST_REGION);
    assert_non_null(strstr(a, "e.region = ?1"));
    assert_non_null(strstr(a, "MATCH ?9"));
    assert_non_null(strstr(a, "LIMIT ?11 OFFSET ?12"));
    assert_null(strstr(a, "e.chain = ?2"));
    /* Interned: the same shape gives the same address, so it is prepared once. */
    assert_ptr_equal(a, registry_list_sql(LIST_PAGE, SEARCH_FTS, 1u << LIST_REGION));
    const char *c =
        registry_list_sql(LIST_COUNT, SEARCH_NONE, (1u << LIST_CHAIN) | (1u << LIST_KEY));
    assert_non_null(strstr(c, "count(*)"));
    assert_non_null(strstr(c, "e.chain = ?2"));
    assert_non_null(strstr(c, "e.key = ?8"));
    assert_null(strstr(c, "LIMIT"));
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

/* Counts the entities whose name contains q through the composed query. */
static int64_t count_via_list(struct db *db, const char *q, int *mode)
{
    struct search s;
    assert_int_equal(registry_search_prepare(db, q, &s), 0);
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, registry_list_sql(LIST_COUNT, s.mode, 0), &st), 0);
    registry_search_bind(st, &s);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t n = db_col_int(st, 0);
    db_done(st);
    *mode = s.mode;
    registry_search_dispose(&s);
    return n;
}

static void test_two_character_search_equals_scan(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    struct demo_scale sc;
    registry_demo_scale("small", &sc);
    struct rng r;
    rng_init_seed(&r, 7);
    struct demo_result res;
    assert_int_equal(registry_demo(db, &r, &sc, NULL, 0, &res), 0);
    rng_dispose(&r);
    /* Every two-character piece of 150 names (start, middle and end), and pieces that occur
     * nowhere: the index path finds exactly what a scan of every name finds. */
    static const char names_sql[] = "SELECT name FROM entities WHERE id % 47 = 0 LIMIT 150";
    static const char scan_sql[] = "SELECT count(*) FROM entities WHERE instr(name, ?) > 0";
    struct db_stmt *names, *scan;
    assert_int_equal(db_prepare(db, names_sql, &names), 0);
    char frags[4000][8];
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
    int seen_pair = 0, seen_tail = 0;
    for (size_t i = 0; i < nf; i++) {
        int mode;
        int64_t got = count_via_list(db, frags[i], &mode);
        assert_true(mode == SEARCH_PAIR || mode == SEARCH_TAIL);
        seen_pair |= mode == SEARCH_PAIR;
        seen_tail |= mode == SEARCH_TAIL;
        assert_int_equal(db_prepare(db, scan_sql, &scan), 0);
        db_bind_text(scan, 1, frags[i], -1);
        assert_int_equal(db_step(scan), DB_ROW);
        int64_t want = db_col_int(scan, 0);
        db_done(scan);
        if (got != want)
            fail_msg("fragment %s: index path %lld, scan %lld", frags[i], (long long)got,
                     (long long)want);
    }
    assert_true(seen_pair && seen_tail);
    db_close(db);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uscc_policy),
        cmocka_unit_test(test_check_required),
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_search_mode),
        cmocka_unit_test(test_list_sql),
        cmocka_unit_test(test_data_scope),
        cmocka_unit_test(test_two_character_search_equals_scan),
        cmocka_unit_test(test_demo_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
