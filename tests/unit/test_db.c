/* SPDX-License-Identifier: MIT */
/* Unit tests for what db.c does whatever the engine: dialect blocks in migrations, and the
 * engine an address chooses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialect_blocks),
        cmocka_unit_test(test_memory_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
