/* SPDX-License-Identifier: MIT */
/* Unit tests for the account rules: creation checks, no-login accounts, edits judged as a
 * whole, password changes and disabling that revoke sessions, the login-failure rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "accounts/accounts.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/alloc.h"
#include "core/err.h"
#include "refdata/refdata.h"

#define OWN "91371502MA3C00011G"

static struct db *db;

/* The registry's answer, without the registry: one entity exists. */
static int entity_lookup(struct db *d, const char *uscc)
{
    (void)d;
    return strcmp(uscc, OWN) ? ERR_NOTFOUND : 0;
}

static int setup(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_LEN] = {1};
    audit_set_key(key);
    accounts_set_entity_lookup(entity_lookup);
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    return 0;
}

/* Creates u; returns the error and the field it names. */
static int create(struct user_new u, const char **field, int64_t *id)
{
    int64_t dummy;
    if (!u.password && !u.password_hash)
        u.password = "correct horse";
    if (!u.password_hash)
        u.password_hash = "$argon2id$stub"; /* the rules, not the hash, are under test */
    return accounts_create(db, NULL, &u, id ? id : &dummy, field);
}

static void test_create_rules(void **state)
{
    (void)state;
    const char *field;
    static const struct {
        struct user_new u;
        const char *field;
    } bad[] = {
        {{.username = "A", .role = "bureau"}, "username"},
        {{.username = "Upper", .role = "bureau"}, "username"},
        {{.username = "ok_name", .role = "root"}, "role"},
        {{.username = "ok_name", .role = "bureau", .password = "short"}, "password"},
        {{.username = "ok_name", .role = "bureau", .region = "999999"}, "region"},
        {{.username = "ok_name", .role = "department", .department = 999}, "department"},
        {{.username = "ok_name", .role = "enterprise"}, "entity"},
        {{.username = "ok_name", .role = "enterprise", .entity = "91371502MA3C00011X"}, "entity"},
        {{.username = "ok_name", .role = "bureau", .entity = "91371502MA3C00011X"}, "entity"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(create(bad[i].u, &field, NULL), ERR_INVALID);
        assert_string_equal(field, bad[i].field);
        assert_true(strlen(accounts_field_message(field)) > 0);
    }
    int64_t id;
    assert_int_equal(
        create((struct user_new){.username = "ent", .role = "enterprise", .entity = OWN}, &field,
               &id),
        0);
    json_t *u = NULL;
    assert_int_equal(accounts_get(db, id, &u), 0);
    assert_string_equal(json_string_value(json_object_get(u, "region")), CITY_REGION);
    assert_string_equal(json_string_value(json_object_get(u, "display_name")), "ent");
    assert_null(json_object_get(u, "password")); /* write-only */
    json_decref(u);
    assert_int_equal(create((struct user_new){.username = "ent", .role = "bureau"}, &field, NULL),
                     ERR_CONFLICT);
    assert_string_equal(field, "username");
    /* An account without a password cannot log in (the demo's officers). */
    assert_int_equal(
        create((struct user_new){.username = "nologin", .role = "officer", .password_hash = "!"},
               &field, &id),
        0);
    assert_int_equal(accounts_password_ok("!", "anything"), 0);
    assert_int_equal(accounts_password_ok(NULL, "anything"), 0);
    assert_int_equal(accounts_password_ok("", ""), 0);
}

static void test_update_judged_whole(void **state)
{
    (void)state;
    const char *field;
    int64_t id;
    assert_int_equal(create((struct user_new){.username = "staff1", .role = "bureau"}, &field, &id),
                     0);
    /* Becoming an enterprise account needs an entity: alone the role is refused. */
    json_t *v = json_pack("{s:s}", "role", "enterprise");
    assert_int_equal(accounts_update(db, NULL, id, v, &field), ERR_INVALID);
    assert_string_equal(field, "entity");
    json_object_set_new(v, "entity", json_string(OWN));
    assert_int_equal(accounts_update(db, NULL, id, v, &field), 0);
    json_decref(v);
    v = json_pack("{s:n}", "display_name");
    assert_int_equal(accounts_update(db, NULL, id, v, &field), ERR_INVALID);
    assert_string_equal(field, "display_name");
    json_decref(v);
    v = json_pack("{s:s}", "region", "371502");
    assert_int_equal(accounts_update(db, NULL, 9999, v, &field), ERR_NOTFOUND);
    json_decref(v);
    /* A null region is the city, its default. */
    v = json_pack("{s:n}", "region");
    assert_int_equal(accounts_update(db, NULL, id, v, &field), 0);
    json_decref(v);
    json_t *u = NULL;
    assert_int_equal(accounts_get(db, id, &u), 0);
    assert_string_equal(json_string_value(json_object_get(u, "region")), CITY_REGION);
    json_decref(u);
}

static int64_t sessions_of(int64_t id)
{
    json_t *list = NULL;
    assert_int_equal(authz_sessions_json(db, id, &list), 0);
    int64_t n = (int64_t)json_array_size(list);
    json_decref(list);
    return n;
}

static void test_password_and_disable_revoke(void **state)
{
    (void)state;
    const char *field;
    int64_t id, found;
    assert_int_equal(create((struct user_new){.username = "staff2", .role = "bureau"}, &field, &id),
                     0);
    assert_int_equal(accounts_find(db, "staff2", &found), 0);
    assert_int_equal(found, id);
    assert_int_equal(accounts_find(db, "nobody", &found), ERR_NOTFOUND);
    char t1[TOKEN_LEN + 1], t2[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1];
    assert_int_equal(authz_token_create(db, id, TOKEN_SESSION, NULL, t1, csrf), 0);
    assert_int_equal(authz_token_create(db, id, TOKEN_API, NULL, t2, csrf), 0);
    /* Changing one's own password keeps the session that did it; the audit row names who and
     * from where. */
    struct actor self = {id, "10.1.1.1"};
    char hash[128];
    assert_int_equal(accounts_new_password("short", hash), ERR_INVALID);
    assert_int_equal(accounts_new_password(NULL, hash), ERR_INVALID);
    assert_int_equal(accounts_new_password("new password 1", hash), 0);
    assert_true(accounts_password_ok(hash, "new password 1"));
    assert_int_equal(accounts_set_password(db, &self, id, hash, t1), 0);
    assert_int_equal(sessions_of(id), 1);
    struct db_stmt *st;
    assert_int_equal(db_prepare(db,
                                "SELECT actor, ip FROM audit_log WHERE action = 'user.set_password'"
                                " ORDER BY id DESC LIMIT 1",
                                &st),
                     0);
    assert_int_equal(db_row(st), 0);
    assert_int_equal(db_col_int(st, 0), id);
    assert_string_equal(db_col_text(st, 1), "10.1.1.1");
    db_done(st);
    struct principal p;
    assert_int_equal(authz_token_lookup(db, t1, &p), 0);
    assert_int_equal(accounts_set_password(db, NULL, 9999, hash, NULL), ERR_NOTFOUND);
    /* Disabling revokes everything; enabling does not bring sessions back. */
    assert_int_equal(accounts_set_disabled(db, NULL, id, 1), 0);
    assert_int_equal(sessions_of(id), 0);
    assert_int_equal(authz_token_lookup(db, t1, &p), ERR_UNAUTH);
    assert_int_equal(accounts_set_disabled(db, NULL, id, 0), 0);
    assert_int_equal(authz_token_lookup(db, t1, &p), ERR_UNAUTH);
    int n = -1;
    assert_int_equal(accounts_revoke(db, NULL, id, NULL, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(accounts_revoke(db, NULL, 9999, NULL, &n), ERR_NOTFOUND);
    /* Each of those left its audit row. */
    int64_t bad = 0, rows = 0;
    const char *why;
    assert_int_equal(audit_verify(db, &bad, &why, &rows), 0);
    assert_true(rows >= 5);
}

static void test_login_rule(void **state)
{
    (void)state;
    /* Per address: five failures lock that address out. */
    assert_true(accounts_login_allowed(0, 0));
    assert_true(accounts_login_allowed(LOGIN_MAX_FAILURES - 1, LOGIN_MAX_FAILURES - 1));
    assert_false(accounts_login_allowed(LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES));
    /* Another address is not locked by them: the real user still logs in. */
    assert_true(accounts_login_allowed(0, LOGIN_MAX_FAILURES));
    assert_true(accounts_login_allowed(0, LOGIN_MAX_USER_FAILURES - 1));
    /* Past the ceiling over all addresses, nobody may try: distributed guessing stops. */
    assert_false(accounts_login_allowed(0, LOGIN_MAX_USER_FAILURES));
    assert_true(LOGIN_MAX_USER_FAILURES > 5 * LOGIN_MAX_FAILURES);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rules),
        cmocka_unit_test(test_update_judged_whole),
        cmocka_unit_test(test_password_and_disable_revoke),
        cmocka_unit_test(test_login_rule),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
