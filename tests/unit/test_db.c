/* SPDX-License-Identifier: MIT */
/* Unit tests for what db.c does whatever the engine: dialect blocks in migrations, the engine
 * an address chooses, and loads (rows gathered into multi-row INSERTs on SQLite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

static const char migration[] = "CREATE TABLE a (x INTEGER);\n"
                                "-- @sqlite\n"
                                "CREATE VIRTUAL TABLE f USING fts5(x);\n"
                                "-- @end\n"
                                "-- @postgresql\n"
                                "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
                                "-- @end\n"
                                "CREATE INDEX a_x ON a(x);";

static void test_dialect_blocks(void **state)
{
    (void)state;
    char *sq = db_migration_text(migration, "sqlite");
    char *pg = db_migration_text(migration, "postgresql");
    assert_string_equal(sq, "CREATE TABLE a (x INTEGER);\n"
                            "CREATE VIRTUAL TABLE f USING fts5(x);\n"
                            "CREATE INDEX a_x ON a(x);");
    assert_string_equal(pg, "CREATE TABLE a (x INTEGER);\n"
                            "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
                            "CREATE INDEX a_x ON a(x);");
    free(sq);
    free(pg);
    char *plain = db_migration_text("SELECT 1;\n-- a comment stays\n", "postgresql");
    assert_string_equal(plain, "SELECT 1;\n-- a comment stays\n");
    free(plain);
    /* A tag that merely starts like the engine's name is another engine's block. */
    char *other = db_migration_text("-- @sqlite3\nX;\n-- @end\nY;\n", "sqlite");
    assert_string_equal(other, "Y;\n");
    free(other);
}

static void test_memory_engine(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_string_equal(db_engine(db), "sqlite");
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, "SELECT count(*) FROM schema_migrations", &st), 0);
    assert_int_equal(db_row(st), 0);
    assert_true(db_col_int(st, 0) > 5);
    db_done(st);
    db_close(db);
}

/* Loads rows 1..n of table t (a full batch is 64 rows: n = 150 is two and a tail of 22); row
 * dup, when not 0, repeats row 1's key. Returns db_load_end's answer. */
static int load_rows(struct db *db, int n, int dup)
{
    struct db_stmt *st;
    assert_int_equal(
        db_load_begin(db, "INSERT INTO t(id, n, x, s, b, z) VALUES (?, ?, ?, ?, ?, ?)", &st), 0);
    int rc = 0;
    for (int i = 1; !rc && i <= n; i++) {
        char text[32];
        unsigned char blob[3] = {(unsigned char)i, 0, 0xff};
        snprintf(text, sizeof text, "第%d行", i);
        rc = db_bind_int(st, 1, i == dup ? 1 : i);
        if (!rc)
            rc = db_bind_int(st, 2, (int64_t)i * 3);
        if (!rc)
            rc = db_bind_double(st, 3, i / 2.0);
        if (!rc)
            rc = db_bind_text(st, 4, text, -1);
        if (!rc)
            rc = db_bind_blob(st, 5, blob, sizeof blob);
        if (!rc && i % 2) /* odd rows bind z NULL; even rows leave it unbound: NULL too */
            rc = db_bind_null(st, 6);
        if (!rc)
            rc = db_load_row(st);
    }
    return db_load_end(st, rc);
}

static void test_load(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL,"
                                 " s TEXT, b BLOB, z TEXT)"),
                     0);
    assert_int_equal(db_exec(db, "BEGIN"), 0);
    assert_int_equal(load_rows(db, 150, 0), 0);
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, "SELECT count(*), sum(n), sum(x), count(z) FROM t", &st), 0);
    assert_int_equal(db_row(st), 0);
    assert_int_equal(db_col_int(st, 0), 150);
    assert_int_equal(db_col_int(st, 1), 3 * 150 * 151 / 2);
    assert_true(db_col_double(st, 2) == 150 * 151 / 4.0);
    assert_int_equal(db_col_int(st, 3), 0);
    db_done(st);
    /* Every row in its place, the tail's (129-150) too: texts and blobs kept whole. */
    assert_int_equal(db_prepare(db,
                                "SELECT id, s, b FROM t WHERE id IN (1, 64, 65, 128, 129, 150)"
                                " ORDER BY id",
                                &st),
                     0);
    static const int want[] = {1, 64, 65, 128, 129, 150};
    for (int k = 0; k < 6; k++) {
        char text[32];
        snprintf(text, sizeof text, "第%d行", want[k]);
        assert_int_equal(db_step(st), DB_ROW);
        assert_int_equal(db_col_int(st, 0), want[k]);
        assert_string_equal(db_col_text(st, 1), text);
        const unsigned char *b = db_col_blob(st, 2);
        assert_int_equal(db_col_len(st, 2), 3);
        assert_true(b[0] == (unsigned char)want[k] && b[1] == 0 && b[2] == 0xff);
    }
    assert_int_equal(db_step(st), DB_DONE);
    db_done(st);
    assert_int_equal(db_exec(db, "DELETE FROM t"), 0);
    /* A row that breaks a constraint fails the load, at its batch or at the end. */
    assert_int_not_equal(load_rows(db, 100, 70), 0);
    assert_int_not_equal(load_rows(db, 10, 5), 0);
    /* A value past the row's placeholders, and a statement in error, are refused. */
    assert_int_equal(
        db_load_begin(db, "INSERT INTO t(id, n, x, s, b, z) VALUES (?, ?, ?, ?, ?, ?)", &st), 0);
    assert_int_not_equal(db_bind_int(st, 7, 1), 0);
    assert_int_not_equal(db_bind_text(st, 0, "x", -1), 0);
    assert_int_equal(db_load_end(st, 0), 0); /* nothing gathered: nothing inserted */
    assert_int_not_equal(db_load_begin(db, "INSERT INTO nosuch(a) VALUES (?)", &st), 0);
    assert_int_equal(db_exec(db, "ROLLBACK"), 0);
    db_close(db);
}

/* A load keeps the conflict policy of the table's triggers (their INSERT OR IGNORE still
 * ignores), and one that fails inside a savepoint leaves nothing once the savepoint is rolled
 * back, as a group-committed write does. */
static void test_load_triggers_and_savepoints(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL,"
                                 " s TEXT, b BLOB, z TEXT);"
                                 " CREATE TABLE seen (n INTEGER PRIMARY KEY);"
                                 " CREATE TRIGGER t_seen AFTER INSERT ON t BEGIN"
                                 " INSERT OR IGNORE INTO seen(n) VALUES (new.n % 7); END"),
                     0);
    assert_int_equal(db_exec(db, "BEGIN; SAVEPOINT w"), 0);
    assert_int_equal(load_rows(db, 150, 0), 0); /* n = 3i: every remainder of 7, many times */
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, "SELECT (SELECT count(*) FROM t), count(*) FROM seen", &st), 0);
    assert_int_equal(db_row(st), 0);
    assert_int_equal(db_col_int(st, 0), 150);
    assert_int_equal(db_col_int(st, 1), 7);
    db_done(st);
    assert_int_equal(db_exec(db, "RELEASE w; DROP TRIGGER t_seen; DELETE FROM t; SAVEPOINT w"), 0);
    assert_int_not_equal(load_rows(db, 150, 140), 0); /* fails in its third batch */
    assert_int_equal(db_exec(db, "ROLLBACK TO w; RELEASE w"), 0);
    assert_int_equal(db_prepare(db, "SELECT count(*) FROM t", &st), 0);
    assert_int_equal(db_row(st), 0);
    assert_int_equal(db_col_int(st, 0), 0);
    db_done(st);
    assert_int_equal(db_exec(db, "COMMIT"), 0);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialect_blocks),
        cmocka_unit_test(test_memory_engine),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_load_triggers_and_savepoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
