/* SPDX-License-Identifier: MIT */
/* Unit tests for the audit chain on an in-memory database: intact chains verify, and an
 * edited, deleted or truncated row is named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/err.h"

static const unsigned char key[AUDIT_KEY_LEN] = "jianguan-unit-test-audit-key-32b";

static struct db *chain_of(int n)
{
    struct db *db = NULL;
    assert_int_equal(db_open_memory(&db), 0);
    for (int i = 0; i < n; i++) {
        char obj[32];
        snprintf(obj, sizeof obj, "thing:%d", i);
        assert_int_equal(audit_record(db, i, "127.0.0.1", "thing.create", obj, "{\"n\":1}"), 0);
    }
    return db;
}

static void expect_broken(struct db *db, int64_t id)
{
    int64_t bad = 0, rows = 0;
    const char *why = NULL;
    assert_int_equal(audit_verify(db, &bad, &why, &rows), ERR_CONFLICT);
    assert_int_equal(bad, id);
    assert_non_null(why);
}

static void test_hash_is_deterministic_and_sensitive(void **state)
{
    (void)state;
    unsigned char prev[AUDIT_HASH_LEN] = {0}, a[AUDIT_HASH_LEN], b[AUDIT_HASH_LEN];
    unsigned char other[AUDIT_KEY_LEN] = {0};
    struct audit_row row = {1, 100, 2, "ip", "act", "obj", "{}"};
    audit_hash(key, prev, &row, a);
    audit_hash(key, prev, &row, b);
    assert_memory_equal(a, b, AUDIT_HASH_LEN);
    /* Moving a byte between fields changes the hash: fields are length-prefixed. */
    struct audit_row moved = {1, 100, 2, "ip", "ac", "tobj", "{}"};
    audit_hash(key, prev, &moved, b);
    assert_memory_not_equal(a, b, AUDIT_HASH_LEN);
    /* Another key gives another hash: without the key the chain cannot be recomputed. */
    audit_hash(other, prev, &row, b);
    assert_memory_not_equal(a, b, AUDIT_HASH_LEN);
    prev[0] = 1;
    audit_hash(key, prev, &row, b);
    assert_memory_not_equal(a, b, AUDIT_HASH_LEN);
}

static void test_intact(void **state)
{
    (void)state;
    struct db *db = chain_of(5);
    int64_t bad = -1, rows = 0;
    const char *why = NULL;
    assert_int_equal(audit_verify(db, &bad, &why, &rows), 0);
    assert_int_equal(rows, 5);
    assert_int_equal(bad, 0);
    db_close(db);
    /* An emptied log is not an intact chain. */
    db = chain_of(0);
    assert_int_equal(audit_verify(db, &bad, &why, &rows), ERR_CONFLICT);
    assert_int_equal(bad, 1);
    db_close(db);
}

static void test_edit_detected(void **state)
{
    (void)state;
    struct db *db = chain_of(5);
    assert_int_equal(db_exec(db, "UPDATE audit_log SET detail = '{\"n\":2}' WHERE id = 3"), 0);
    expect_broken(db, 3);
    db_close(db);
    db = chain_of(5);
    assert_int_equal(db_exec(db, "UPDATE audit_log SET actor = 99 WHERE id = 1"), 0);
    expect_broken(db, 1);
    db_close(db);
}

static void test_delete_detected(void **state)
{
    (void)state;
    struct db *db = chain_of(5);
    assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id = 2"), 0);
    expect_broken(db, 2);
    db_close(db);
    /* The newest row: caught by the head. */
    db = chain_of(5);
    assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id = 5"), 0);
    expect_broken(db, 5);
    db_close(db);
    /* A forged tail: a row re-hashed after an edit breaks the next link. */
    db = chain_of(5);
    assert_int_equal(db_exec(db, "UPDATE audit_log SET prev_hash = zeroblob(32) WHERE id = 4"), 0);
    expect_broken(db, 4);
    db_close(db);
}

static void test_forgery_without_key_detected(void **state)
{
    (void)state;
    /* Truncate to 3 rows and point the head at row 3 with its genuine hash: the head's MAC,
     * made when row 5 was the newest, does not match. */
    struct db *db = chain_of(5);
    assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id > 3;"
                                 " UPDATE audit_head SET last_id = 3,"
                                 " last_hash = (SELECT hash FROM audit_log WHERE id = 3)"),
                     0);
    expect_broken(db, 3);
    db_close(db);
    /* Re-hash an edited row with a guessed (wrong) key: still caught at that row. */
    db = chain_of(3);
    unsigned char guess[AUDIT_KEY_LEN] = {0}, prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN];
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, "SELECT prev_hash FROM audit_log WHERE id = 2", &st), 0);
    assert_int_equal(db_step(st), DB_ROW);
    memcpy(prev, db_col_blob(st, 0), AUDIT_HASH_LEN);
    db_done(st);
    struct audit_row row = {2, 0, 1, "127.0.0.1", "thing.create", "thing:1", "{\"n\":9}"};
    assert_int_equal(db_prepare(db, "SELECT at FROM audit_log WHERE id = 2", &st), 0);
    assert_int_equal(db_step(st), DB_ROW);
    row.at = db_col_int(st, 0);
    db_done(st);
    audit_hash(guess, prev, &row, h);
    assert_int_equal(db_prepare(db, "UPDATE audit_log SET detail = ?, hash = ? WHERE id = 2", &st),
                     0);
    db_bind_text(st, 1, row.detail, -1);
    db_bind_blob(st, 2, h, AUDIT_HASH_LEN);
    assert_int_equal(db_run(st), 0);
    expect_broken(db, 2);
    db_close(db);
}

static void test_no_key_no_record(void **state)
{
    (void)state;
    /* Load a key from a file made on first use, then read it back. */
    char path[] = "/tmp/jianguan-test-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    assert_int_equal(audit_load_key(path, 0), ERR_NOTFOUND);
    assert_int_equal(audit_load_key(path, 1), 0);
    assert_int_equal(audit_load_key(path, 0), 0);
    unlink(path);
    audit_set_key(key);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    audit_set_key(key);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_deterministic_and_sensitive),
        cmocka_unit_test(test_intact),
        cmocka_unit_test(test_edit_detected),
        cmocka_unit_test(test_delete_detected),
        cmocka_unit_test(test_forgery_without_key_detected),
        cmocka_unit_test(test_no_key_no_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
