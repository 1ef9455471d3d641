/* SPDX-License-Identifier: MIT */
/* Unit tests for the authorization layer: role names, the data scope, and the sessions table
 * (create, look up, revoke one, revoke a user's but one, list). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
