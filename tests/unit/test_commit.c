/* SPDX-License-Identifier: MIT */
/* Unit tests for group commit (db_write_begin/db_write_end in db_sqlite.c): writers that come
 * together share one commit, a failing writer of a batch gets its error alone, and an
 * acknowledged write is visible to readers once db_write_end returns; a thread's read
 * connection keeps the page cache it asks for (db_read_cache), and reads in turns when asked
 * (db_read_turns): one snapshot per turn, renewed by a commit of this process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "db/db.h"

static char dir[] = "/tmp/jianguan-commit-XXXXXX";

static int setup(void **state)
{
    (void)state;
    char path[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/c.db", dir);
    assert_int_equal(db_global_init(path), 0);
    struct db *w = db_write_begin();
    assert_non_null(w);
    assert_int_equal(
        db_write_end(w, db_exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE)")), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[96];
    db_global_shutdown();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* Inserts k on w; 0, or ERR_CONFLICT when k is taken. */
static int insert(struct db *w, const char *k)
{
    struct db_stmt *st;
    int rc = db_prepare(w, "INSERT INTO t(k) VALUES (?)", &st);
    if (!rc)
        rc = db_bind_text(st, 1, k, -1);
    return rc ? rc : db_run(st);
}

static int64_t count(const char *k)
{
    struct db_stmt *st;
    int rc = db_prepare(db_read(),
                        k ? "SELECT count(*) FROM t WHERE k = ?" : "SELECT count(*) FROM t", &st);
    if (!rc && k)
        rc = db_bind_text(st, 1, k, -1);
    if (!rc)
        rc = db_row(st);
    int64_t n = rc ? -1 : db_col_int(st, 0);
    db_done(st);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

struct writer {
    const char *k;
    long hold_ms; /* keeps the connection this long, so that the others queue behind */
    int rc;
    int64_t seen; /* the row as a reader sees it right after db_write_end */
};

static void *write_one(void *arg)
{
    struct writer *wr = arg;
    struct db *w = db_write_begin();
    if (!w) {
        wr->rc = ERR_DB;
        return NULL;
    }
    int rc = insert(w, wr->k);
    if (wr->hold_ms)
        sleep_ms(wr->hold_ms);
    wr->rc = db_write_end(w, rc);
    wr->seen = count(wr->k);
    return NULL;
}

static void test_batch_shares_one_commit(void **state)
{
    (void)state;
    struct db_commit_stats before, after;
    struct db *w = db_write_begin();
    assert_int_equal(db_write_end(w, insert(w, "dup")), 0);
    db_commit_stats(&before);
    int64_t start = count(NULL);
    /* The first writer holds the connection while four others queue; one of them repeats a
     * taken key. */
    struct writer ws[5] = {{"a", 300}, {"b", 0}, {"dup", 0}, {"c", 0}, {"d", 0}};
    pthread_t th[5];
    assert_int_equal(pthread_create(&th[0], NULL, write_one, &ws[0]), 0);
    sleep_ms(50);
    for (int i = 1; i < 5; i++)
        assert_int_equal(pthread_create(&th[i], NULL, write_one, &ws[i]), 0);
    for (int i = 0; i < 5; i++)
        pthread_join(th[i], NULL);
    db_commit_stats(&after);

    /* The failing writer got its error; everyone else is committed and was visible to a
     * reader as soon as its db_write_end returned. */
    assert_int_equal(ws[2].rc, ERR_CONFLICT);
    for (int i = 0; i < 5; i++)
        if (i != 2) {
            assert_int_equal(ws[i].rc, 0);
            assert_int_equal(ws[i].seen, 1);
        }
    assert_int_equal(count("dup"), 1);
    assert_int_equal(count(NULL), start + 4);
    /* The four successful writes of the threads went in one batch: one commit. */
    assert_int_equal(after.writes - before.writes, 4);
    assert_int_equal(after.batches - before.batches, 1);
    assert_int_equal(after.batch_hist[2] - before.batch_hist[2], 1); /* a batch of 3..4 */
    assert_int_equal(after.failed, before.failed);
}

static void test_alone_commits_at_once(void **state)
{
    (void)state;
    struct db_commit_stats before, after;
    db_commit_stats(&before);
    struct db *w = db_write_begin();
    assert_non_null(w);
    assert_int_equal(db_write_end(w, insert(w, "solo")), 0);
    assert_int_equal(count("solo"), 1);
    /* A failed write alone commits nothing and changes nothing. */
    w = db_write_begin();
    assert_int_equal(db_write_end(w, insert(w, "solo")), ERR_CONFLICT);
    w = db_write_begin();
    assert_int_equal(insert(w, "undone"), 0);
    assert_int_equal(db_write_end(w, ERR_INVALID), ERR_INVALID);
    assert_int_equal(count("undone"), 0);
    db_commit_stats(&after);
    assert_int_equal(after.writes - before.writes, 1);
    assert_int_equal(after.batches - before.batches, 1);
    assert_int_equal(after.batch_hist[0] - before.batch_hist[0], 1);
}

static void *many(void *arg)
{
    int base = *(int *)arg;
    char k[32];
    for (int i = 0; i < 50; i++) {
        snprintf(k, sizeof k, "m%d-%d", base, i);
        struct db *w = db_write_begin();
        if (!w || db_write_end(w, insert(w, k)))
            return (void *)1;
    }
    return NULL;
}

static void test_many_writers(void **state)
{
    (void)state;
    int64_t start = count(NULL);
    pthread_t th[16];
    int ids[16];
    for (int i = 0; i < 16; i++) {
        ids[i] = i;
        assert_int_equal(pthread_create(&th[i], NULL, many, &ids[i]), 0);
    }
    for (int i = 0; i < 16; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    assert_int_equal(count(NULL), start + 16 * 50);
}

/* The write-ahead log is copied into the database by the write connection's checkpointer
 * thread, off the commit path (db_sqlite.c): 6,000 pages written in 150 commits, below the
 * length at which the writer would copy them itself, leave a log far shorter than what was
 * written, and every row readable. Without a checkpoint the log would hold all of it. */
static void test_log_is_copied_off_the_commit_path(void **state)
{
    (void)state;
    enum { COMMITS = 150, PAGES = 40, PAGE = 4096 };
    struct db *w = db_write_begin();
    assert_non_null(w);
    assert_int_equal(
        db_write_end(w, db_exec(w, "CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)")), 0);
    for (int i = 0; i < COMMITS; i++) {
        w = db_write_begin();
        assert_non_null(w);
        struct db_stmt *st;
        int rc = db_prepare(w, "INSERT INTO big(b) VALUES (zeroblob(?))", &st);
        if (!rc)
            rc = db_bind_int(st, 1, PAGES * PAGE);
        if (!rc)
            rc = db_run(st);
        assert_int_equal(db_write_end(w, rc), 0);
        if (i % 10 == 9)
            sleep_ms(20); /* the checkpointer runs beside the writes, as under load */
    }
    char wal[96];
    snprintf(wal, sizeof wal, "%s/c.db-wal", dir);
    FILE *f = fopen(wal, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fclose(f);
    assert_true(size < (long)COMMITS * PAGES * PAGE / 2);
    struct db_stmt *st;
    assert_int_equal(db_prepare(db_read(), "SELECT count(*), sum(length(b)) FROM big", &st), 0);
    assert_int_equal(db_row(st), 0);
    assert_int_equal(db_col_int(st, 0), COMMITS);
    assert_int_equal(db_col_int(st, 1), (int64_t)COMMITS * PAGES * PAGE);
    db_done(st);
}

/* The page cache the calling thread's read connection keeps, in KiB (PRAGMA cache_size). */
static int64_t read_cache_kib(void)
{
    struct db_stmt *st;
    assert_int_equal(db_prepare(db_read(), "PRAGMA cache_size", &st), 0);
    assert_int_equal(db_row(st), 0);
    int64_t v = db_col_int(st, 0);
    db_done(st);
    return v < 0 ? -v : v * 4; /* pages of 4 KiB when positive */
}

static void *cache_thread(void *arg)
{
    int64_t *kib = arg;
    db_read_cache((int64_t)8 << 20); /* before the connection opens: applied as it opens */
    kib[0] = read_cache_kib();
    db_read_cache((int64_t)16 << 20); /* while it is open: at once */
    kib[1] = read_cache_kib();
    return NULL;
}

/* db_read_cache sizes the calling thread's read connection only, whether or not it is open. */
static void test_read_cache_is_the_threads(void **state)
{
    (void)state;
    int64_t kib[2] = {0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cache_thread, kib), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(kib[0], 8 * 1024);
    assert_int_equal(kib[1], 16 * 1024);
    assert_int_equal(read_cache_kib(), 2000); /* this thread never asked: SQLite's default */
}

/* Inserts k from a connection of its own, as another process would: no db_generation. */
static void insert_outside(const char *k)
{
    char path[96], sql[128];
    sqlite3 *h;
    snprintf(path, sizeof path, "%s/c.db", dir);
    snprintf(sql, sizeof sql, "INSERT INTO t(k) VALUES ('%s')", k);
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

struct turns {
    int64_t in_turn, after_turn, after_own_commit, inside_rows, after_rows, outside_no_turns;
};

static void *turn_thread(void *arg)
{
    struct turns *t = arg;
    db_read_turns(1);
    int64_t before = count("turn-a");
    insert_outside("turn-a");
    t->in_turn = count("turn-a") - before; /* the turn's snapshot predates it */
    db_read_turn_end();
    t->after_turn = count("turn-a") - before;
    struct db *w = db_write_begin();
    assert_non_null(w);
    assert_int_equal(db_write_end(w, insert(w, "turn-b")), 0);
    t->after_own_commit = count("turn-b"); /* same turn, but a commit came: a new snapshot */
    struct db_stmt *rows;
    assert_int_equal(db_prepare(db_read(), "SELECT k FROM t", &rows), 0);
    assert_int_equal(db_step(rows), DB_ROW); /* a statement partway through its rows */
    w = db_write_begin();
    assert_non_null(w);
    assert_int_equal(db_write_end(w, insert(w, "turn-d")), 0);
    t->inside_rows = count("turn-d"); /* the snapshot is kept while rows still read it */
    db_done(rows);
    t->after_rows = count("turn-d"); /* and renewed at the next read after */
    db_read_turn_end();
    db_read_turns(0);
    insert_outside("turn-c");
    t->outside_no_turns = count("turn-c");
    return NULL;
}

/* Reading in turns: a write from outside the process is not seen until the turn ends, a write
 * this process acknowledged is seen at once (or, while a statement still reads the snapshot, at
 * the first read after it), and without turns every statement reads afresh. */
static void test_turn_reads_one_snapshot(void **state)
{
    (void)state;
    struct turns t = {-1, -1, -1, -1, -1, -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, turn_thread, &t), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(t.in_turn, 0);
    assert_int_equal(t.after_turn, 1);
    assert_int_equal(t.after_own_commit, 1);
    assert_int_equal(t.inside_rows, 0);
    assert_int_equal(t.after_rows, 1);
    assert_int_equal(t.outside_no_turns, 1);
    assert_int_equal(count("turn-a"), 1); /* this thread never read in turns */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alone_commits_at_once),
        cmocka_unit_test(test_batch_shares_one_commit),
        cmocka_unit_test(test_many_writers),
        cmocka_unit_test(test_log_is_copied_off_the_commit_path),
        cmocka_unit_test(test_read_cache_is_the_threads),
        cmocka_unit_test(test_turn_reads_one_snapshot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
