/* SPDX-License-Identifier: MIT */
/* Unit tests for the authorization layer: role names, the data scope, and the sessions table
 * (create, look up, revoke one, revoke a user's but one, list); the per-thread admission cache
 * of tokens (hits, misses, expiry, eviction, one slot per token, one cache per thread). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "authz/authz.h"
#include "core/alloc.h"
#include "core/err.h"

static void test_roles(void **state)
{
    (void)state;
    for (int i = 0; authz_roles[i].value; i++) {
        unsigned bit = role_of(authz_roles[i].value);
        assert_int_equal(bit, 1u << i);
        assert_string_equal(role_name(bit), authz_roles[i].value);
        assert_string_equal(role_label(bit), authz_roles[i].label);
    }
    assert_int_equal(role_of("root"), 0);
    assert_int_equal(role_of(NULL), 0);
    assert_int_equal(role_of("admin"), ROLE_ADMIN);
    assert_int_equal(role_of("slaughterhouse"), ROLE_SLAUGHTERHOUSE);
    assert_string_equal(role_label(ROLE_OFFICER), "驻企服务员");
    assert_string_equal(role_name(3), "unknown");
    assert_int_equal(ROLES_ANY & ROLES_ENTITY_OWNERS, ROLES_ENTITY_OWNERS);
    assert_int_equal(ROLES_STAFF & ROLES_ENTITY_OWNERS, 0);
}

static void test_scope(void **state)
{
    (void)state;
    struct principal city = {.role = ROLE_BUREAU, .region = CITY_REGION};
    struct principal county = {.role = ROLE_BUREAU, .region = "371502"};
    struct principal admin = {.role = ROLE_ADMIN, .region = "371502"};
    assert_null(scope_region(&city));
    assert_null(scope_region(&admin)); /* an administrator is never limited */
    assert_null(scope_region(NULL));
    assert_string_equal(scope_region(&county), "371502");
    assert_int_equal(scope_allows(&city, "371581"), 0);
    assert_int_equal(scope_allows(&county, "371502"), 0);
    assert_int_equal(scope_allows(&county, "371581"), ERR_FORBIDDEN);
    assert_int_equal(scope_allows(&county, NULL), ERR_FORBIDDEN);
}

static int64_t add_user(struct db *db, const char *name, int disabled)
{
    static const char sql[] = "INSERT INTO users(username, display_name, role, region,"
                              " password_hash, disabled, created_at) VALUES (?, ?, 'bureau',"
                              " '371502', '!', ?, 0)";
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, sql, &st), 0);
    db_bind_text(st, 1, name, -1);
    db_bind_text(st, 2, name, -1);
    db_bind_int(st, 3, disabled);
    assert_int_equal(db_run(st), 0);
    return db_last_id(db);
}

static void test_tokens(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO regions VALUES ('371500','聊城市','city',NULL,0),"
                                 " ('371502','东昌府区','county','371500',1)"),
                     0);
    int64_t a = add_user(db, "alice", 0), off = add_user(db, "off", 1);
    char t1[TOKEN_LEN + 1], t2[TOKEN_LEN + 1], t3[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1];
    assert_int_equal(authz_token_create(db, a, TOKEN_SESSION, "10.0.0.1", t1, csrf), 0);
    assert_int_equal(authz_token_create(db, a, TOKEN_API, NULL, t2, csrf), 0);
    assert_int_equal(authz_token_create(db, a, TOKEN_SESSION, "10.0.0.2", t3, csrf), 0);
    assert_string_not_equal(t1, t2);
    struct principal p;
    assert_int_equal(authz_token_lookup(db, t1, &p), 0);
    assert_int_equal(p.id, a);
    assert_int_equal(p.role, ROLE_BUREAU);
    assert_string_equal(p.region, "371502");
    assert_string_equal(p.username, "alice");
    assert_int_equal(authz_token_lookup(db, "short", &p), ERR_UNAUTH);
    t1[0] = t1[0] == 'A' ? 'B' : 'A';
    assert_int_equal(authz_token_lookup(db, t1, &p), ERR_UNAUTH);
    /* A disabled user's token does not authenticate. */
    char t4[TOKEN_LEN + 1];
    assert_int_equal(authz_token_create(db, off, TOKEN_SESSION, NULL, t4, csrf), 0);
    assert_int_equal(authz_token_lookup(db, t4, &p), ERR_UNAUTH);
    /* The list shows handles, never tokens; revoking all but one keeps that one. */
    json_t *list = NULL;
    assert_int_equal(authz_sessions_json(db, a, &list), 0);
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(list, 0), "id"))), 16);
    char *dump = json_dumps(list, 0);
    assert_null(strstr(dump, t2));
    free(dump);
    json_decref(list);
    int n = 0;
    assert_int_equal(authz_revoke_user(db, a, t3, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(authz_token_lookup(db, t2, &p), ERR_UNAUTH);
    assert_int_equal(authz_token_lookup(db, t3, &p), 0);
    assert_int_equal(authz_token_revoke(db, t3), 0);
    assert_int_equal(authz_token_lookup(db, t3, &p), ERR_UNAUTH);
    db_close(db);
}

/* A token of TOKEN_LEN characters starting with prefix, padded with c. */
static void fake_token(char out[TOKEN_LEN + 1], const char *prefix, char c)
{
    memset(out, c, TOKEN_LEN);
    out[TOKEN_LEN] = '\0';
    memcpy(out, prefix, strlen(prefix));
}

static void *cache_get_elsewhere(void *token)
{
    struct principal p;
    return (void *)(intptr_t)authz_token_cache_get(token, 1000, &p);
}

static void test_token_cache(void **state)
{
    (void)state;
    char t1[TOKEN_LEN + 1], t2[TOKEN_LEN + 1];
    fake_token(t1, "abcd", 'x');
    fake_token(t2, "abcd", 'y'); /* the same first characters: the same slot */
    struct principal p = {.id = 7,
                          .role = ROLE_STATION,
                          .entity = "91371502MA3C00011G",
                          .expires_at = 2000},
                     got;
    assert_int_equal(authz_token_cache_get(t1, 1000, &got), ERR_NOTFOUND);
    authz_token_cache_put(t1, &p);
    assert_int_equal(authz_token_cache_get(t1, 1000, &got), 0);
    assert_int_equal(got.id, 7);
    assert_int_equal(got.role, ROLE_STATION);
    assert_string_equal(got.entity, "91371502MA3C00011G");
    /* Until the token's end, not at it. */
    assert_int_equal(authz_token_cache_get(t1, 1999, &got), 0);
    assert_int_equal(authz_token_cache_get(t1, 2000, &got), ERR_NOTFOUND);
    /* Another token is not a hit, and taking the slot pushes the first one out. */
    assert_int_equal(authz_token_cache_get(t2, 1000, &got), ERR_NOTFOUND);
    authz_token_cache_put(t2, &p);
    assert_int_equal(authz_token_cache_get(t1, 1000, &got), ERR_NOTFOUND);
    assert_int_equal(authz_token_cache_get(t2, 1000, &got), 0);
    /* Evicting one token leaves the others. */
    authz_token_cache_put(t1, &p);
    char t3[TOKEN_LEN + 1];
    fake_token(t3, "zzzz", 'q');
    authz_token_cache_put(t3, &p);
    authz_token_cache_evict(t1);
    authz_token_cache_evict(t2); /* not there: nothing happens */
    assert_int_equal(authz_token_cache_get(t1, 1000, &got), ERR_NOTFOUND);
    assert_int_equal(authz_token_cache_get(t3, 1000, &got), 0);
    /* Not a token's length: never cached. */
    authz_token_cache_put("short", &p);
    assert_int_equal(authz_token_cache_get("short", 1000, &got), ERR_NOTFOUND);
    /* Each thread has its own cache. */
    pthread_t th;
    void *rc;
    assert_int_equal(pthread_create(&th, NULL, cache_get_elsewhere, t3), 0);
    assert_int_equal(pthread_join(th, &rc), 0);
    assert_int_equal((intptr_t)rc, ERR_NOTFOUND);
}

static void test_lookup_gives_the_end(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO regions VALUES ('371500','聊城市','city',NULL,0),"
                                 " ('371502','东昌府区','county','371500',1)"),
                     0);
    int64_t a = add_user(db, "bob", 0);
    char t[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1];
    assert_int_equal(authz_token_create(db, a, TOKEN_API, NULL, t, csrf), 0);
    struct principal p;
    assert_int_equal(authz_token_lookup(db, t, &p), 0);
    int64_t end = 0;
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, "SELECT expires_at FROM sessions", &st), 0);
    assert_int_equal(db_row(st), 0);
    end = db_col_int(st, 0);
    db_done(st);
    assert_true(end > 0);
    assert_int_equal(p.expires_at, end);
    /* The hash the sessions table is keyed by. */
    unsigned char h[32];
    authz_token_hash(t, h);
    assert_int_equal(db_prepare(db, "SELECT count(*) FROM sessions WHERE token_hash = ?", &st), 0);
    db_bind_blob(st, 1, h, sizeof h);
    assert_int_equal(db_row(st), 0);
    assert_int_equal(db_col_int(st, 0), 1);
    db_done(st);
    db_close(db);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_token_cache),
        cmocka_unit_test(test_lookup_gives_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
