/* SPDX-License-Identifier: MIT */
/*
 * The SQLite backend of db.h: connection set-up (WAL, synchronous=FULL, foreign keys), a
 * per-connection cache of prepared statements, the single writer, per-thread readers and the
 * migration runner. Nothing outside src/db/ includes sqlite3.h.
 */
#include "db/db.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct migration db_migrations[]; /* generated from migrations/ by the build */

struct cache_slot {
    const char *key; /* the caller's sql pointer */
    sqlite3_stmt *stmt;
};

struct db {
    sqlite3 *h;
    struct cache_slot *slots;
    size_t nslots, used;
};

/* A db_stmt is an sqlite3_stmt; the cast keeps SQLite's type out of db.h. */
#define ST(p) ((sqlite3_stmt *)(void *)(p))

static char *g_path;
static struct db *g_writer;
static pthread_key_t g_reader_key;
static pthread_once_t g_reader_once = PTHREAD_ONCE_INIT;

static int map_rc(sqlite3 *h, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_CONSTRAINT: return rc == SQLITE_CONSTRAINT_CHECK ? ERR_INVALID : ERR_CONFLICT;
    default:
        log_error("database error", "%s", h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        return ERR_DB;
    }
}

/* The database holds password hashes and personal data: its file is the owner's alone. SQLite
 * gives its -wal and -shm files the database file's mode when it creates them. */
static void owner_only(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char name[4096];
        if ((size_t)snprintf(name, sizeof name, "%s%s", path, suffixes[i]) >= sizeof name)
            return;
        int fd = open(name, O_RDWR | O_CLOEXEC | (i ? 0 : O_CREAT), 0600);
        if (fd < 0)
            continue;
        struct stat st;
        if (!fstat(fd, &st) && (st.st_mode & 077) && st.st_uid == geteuid())
            (void)fchmod(fd, st.st_mode & 0700);
        close(fd);
    }
}

static int open_conn(const char *path, int reader, struct db **out)
{
    sqlite3 *h = NULL;
    if (!reader && strcmp(path, ":memory:"))
        owner_only(path);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (reader ? 0 : SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &h, flags, NULL);
    if (rc != SQLITE_OK) {
        log_error("cannot open database", "%s: %s", path, h ? sqlite3_errmsg(h) : "no memory");
        sqlite3_close(h);
        return ERR_DB;
    }
    sqlite3_busy_timeout(h, 10000);
    sqlite3_extended_result_codes(h, 1);
    /* Readers map the file: page reads then cost no system call. */
    const char *pragmas = reader ? "PRAGMA query_only=1; PRAGMA foreign_keys=ON;"
                                   " PRAGMA mmap_size=268435456;"
                                 : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   " PRAGMA foreign_keys=ON;"
                                   /* Statement journals (every insert that fires a
                                    * trigger keeps one) stay in memory, not in /var/tmp. */
                                   " PRAGMA temp_store=MEMORY;";
    char *msg = NULL;
    if (sqlite3_exec(h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("cannot configure database", "%s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(h);
        return ERR_DB;
    }
    struct db *db = xcalloc(1, sizeof *db);
    db->h = h;
    *out = db;
    return 0;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nslots; i++)
        sqlite3_finalize(db->slots[i].stmt);
    free(db->slots);
    sqlite3_close(db->h);
    free(db);
}

int db_open_memory(struct db **out)
{
    int rc = open_conn(":memory:", 0, out);
    if (rc)
        return rc;
    rc = db_migrate(*out);
    if (rc) {
        db_close(*out);
        *out = NULL;
    }
    return rc;
}

int db_exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error("database script failed", "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return (rc & 0xff) == SQLITE_CONSTRAINT ? ERR_CONFLICT : ERR_DB;
    }
    return 0;
}

static size_t slot_of(const struct db *db, const char *key)
{
    uintptr_t h = (uintptr_t)key;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (db->nslots - 1);
}

static void cache_grow(struct db *db)
{
    struct cache_slot *old = db->slots;
    size_t n = db->nslots;
    db->nslots = n ? n * 2 : 64;
    db->slots = xcalloc(db->nslots, sizeof *db->slots);
    for (size_t i = 0; i < n; i++) {
        if (!old[i].key)
            continue;
        size_t j = slot_of(db, old[i].key);
        while (db->slots[j].key)
            j = (j + 1) & (db->nslots - 1);
        db->slots[j] = old[i];
    }
    free(old);
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    *out = NULL;
    if (!db) /* db_read() could not open a connection: out of descriptors, say */
        return ERR_DB;
    if (db->used * 2 >= db->nslots)
        cache_grow(db);
    size_t j = slot_of(db, sql);
    while (db->slots[j].key) {
        /* The pointer finds the slot; the text guards against a reused buffer. */
        if (db->slots[j].key == sql && strcmp(sqlite3_sql(db->slots[j].stmt), sql) == 0) {
            sqlite3_reset(db->slots[j].stmt);
            sqlite3_clear_bindings(db->slots[j].stmt);
            *out = (struct db_stmt *)(void *)db->slots[j].stmt;
            return 0;
        }
        if (db->slots[j].key == sql) { /* same address, new text: replace */
            sqlite3_finalize(db->slots[j].stmt);
            db->slots[j].key = NULL;
            db->used--;
            break;
        }
        j = (j + 1) & (db->nslots - 1);
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        log_error("cannot prepare statement", "%s: %s", sqlite3_errmsg(db->h), sql);
        return ERR_DB;
    }
    j = slot_of(db, sql);
    while (db->slots[j].key)
        j = (j + 1) & (db->nslots - 1);
    db->slots[j].key = sql;
    db->slots[j].stmt = st;
    db->used++;
    *out = (struct db_stmt *)(void *)st;
    return 0;
}

void db_done(struct db_stmt *st)
{
    if (st)
        sqlite3_reset(ST(st));
}

int db_prepare_once(struct db *db, const char *sql, struct db_stmt **out)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    if (!db)
        return ERR_DB;
    if (sqlite3_prepare_v3(db->h, sql, -1, 0, &st, NULL) != SQLITE_OK) {
        log_error("cannot prepare statement", "%s: %s", sqlite3_errmsg(db->h), sql);
        return ERR_DB;
    }
    *out = (struct db_stmt *)(void *)st;
    return 0;
}

void db_finalize(struct db_stmt *st)
{
    sqlite3_finalize(ST(st));
}

static int bind_rc(struct db_stmt *st, int rc)
{
    return rc == SQLITE_OK ? 0 : map_rc(sqlite3_db_handle(ST(st)), rc);
}

int db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    return bind_rc(st, sqlite3_bind_int64(ST(st), idx, v));
}

int db_bind_double(struct db_stmt *st, int idx, double v)
{
    return bind_rc(st, sqlite3_bind_double(ST(st), idx, v));
}

int db_bind_text(struct db_stmt *st, int idx, const char *s, int len)
{
    if (!s)
        return db_bind_null(st, idx);
    return bind_rc(st, sqlite3_bind_text(ST(st), idx, s, len, SQLITE_TRANSIENT));
}

int db_bind_blob(struct db_stmt *st, int idx, const void *p, int len)
{
    return bind_rc(st, sqlite3_bind_blob(ST(st), idx, p, len, SQLITE_TRANSIENT));
}

int db_bind_null(struct db_stmt *st, int idx)
{
    return bind_rc(st, sqlite3_bind_null(ST(st), idx));
}

int db_step(struct db_stmt *st)
{
    int rc = sqlite3_step(ST(st));
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    return map_rc(sqlite3_db_handle(ST(st)), sqlite3_extended_errcode(sqlite3_db_handle(ST(st))));
}

int db_row(struct db_stmt *st)
{
    int rc = db_step(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? ERR_NOTFOUND : rc;
}

int db_run(struct db_stmt *st)
{
    int rc;
    do
        rc = db_step(st);
    while (rc == DB_ROW);
    sqlite3_reset(ST(st));
    return rc;
}

int db_col_count(struct db_stmt *st)
{
    return sqlite3_column_count(ST(st));
}

const char *db_col_name(struct db_stmt *st, int i)
{
    return sqlite3_column_name(ST(st), i);
}

int db_col_type(struct db_stmt *st, int i)
{
    switch (sqlite3_column_type(ST(st), i)) {
    case SQLITE_INTEGER: return DB_INT;
    case SQLITE_FLOAT: return DB_FLOAT;
    case SQLITE_TEXT: return DB_TEXT;
    case SQLITE_BLOB: return DB_BLOB;
    default: return DB_NULL;
    }
}

int64_t db_col_int(struct db_stmt *st, int i)
{
    return sqlite3_column_int64(ST(st), i);
}

double db_col_double(struct db_stmt *st, int i)
{
    return sqlite3_column_double(ST(st), i);
}

const char *db_col_text(struct db_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(ST(st), i);
}

const void *db_col_blob(struct db_stmt *st, int i)
{
    return sqlite3_column_blob(ST(st), i);
}

int db_col_len(struct db_stmt *st, int i)
{
    return sqlite3_column_bytes(ST(st), i);
}

int64_t db_last_id(struct db *db)
{
    return sqlite3_last_insert_rowid(db->h);
}

int db_changes(struct db *db)
{
    return sqlite3_changes(db->h);
}

const char *db_errmsg(struct db *db)
{
    return sqlite3_errmsg(db->h);
}

int64_t db_size_bytes(struct db *db)
{
    static const char sql[] = "SELECT page_count * page_size FROM pragma_page_count(), "
                              "pragma_page_size()";
    struct db_stmt *st;
    int64_t size = -1;
    if (db_prepare(db, sql, &st))
        return -1;
    if (db_step(st) == DB_ROW)
        size = db_col_int(st, 0);
    db_done(st);
    return size;
}

int db_backup(struct db *db, const char *dest)
{
    if (!db)
        return ERR_DB;
    if (access(dest, F_OK) == 0)
        return ERR_CONFLICT;
    sqlite3 *out = NULL;
    int rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(out, "main", db->h, "main") : NULL;
    if (b) {
        /* Copy in steps so writers are held up for one step at a time, not the whole copy. */
        do {
            rc = sqlite3_backup_step(b, 1024);
            if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                sqlite3_sleep(20);
        } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
        sqlite3_backup_finish(b);
    }
    int ok = rc == SQLITE_DONE;
    if (!ok)
        log_error("backup failed", "%s: %s", dest, out ? sqlite3_errmsg(out) : "cannot open");
    sqlite3_close(out);
    if (!ok)
        unlink(dest);
    return ok ? 0 : ERR_DB;
}

int db_analyze(struct db *w)
{
    /* A sampled ANALYZE: enough for the planner to prefer the selective index, and quick
     * on a city of 710,000 entities. */
    return db_exec(w, "PRAGMA analysis_limit = 1000; ANALYZE");
}

int db_checkpoint(struct db *db)
{
    return db ? db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") : ERR_DB;
}

void db_bulk_mode(struct db *w, int on)
{
    db_exec(w, on ? "PRAGMA cache_size = -1048576; PRAGMA cache_spill = OFF"
                  : "PRAGMA cache_size = -2000; PRAGMA cache_spill = ON");
}

int db_migrate(struct db *db)
{
    static const char create[] =
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT";
    static const char have[] = "SELECT 1 FROM schema_migrations WHERE version = ?";
    static const char mark[] =
        "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, unixepoch())";
    int rc = db_exec(db, create);
    for (const struct migration *m = db_migrations; !rc && m->sql; m++) {
        struct db_stmt *st;
        rc = db_prepare(db, have, &st);
        if (rc)
            break;
        rc = db_bind_int(st, 1, m->version);
        int step = rc ? rc : db_step(st);
        db_done(st);
        if (step < 0) {
            rc = step;
            break;
        }
        if (step == DB_ROW)
            continue;
        rc = db_exec(db, "BEGIN IMMEDIATE");
        if (!rc)
            rc = db_exec(db, m->sql);
        if (!rc)
            rc = db_prepare(db, mark, &st);
        if (!rc) {
            db_bind_int(st, 1, m->version);
            db_bind_text(st, 2, m->name, -1);
            rc = db_run(st);
        }
        if (!rc)
            rc = db_exec(db, "COMMIT");
        if (rc) {
            db_exec(db, "ROLLBACK");
            log_error("migration failed", "%s", m->name);
        }
    }
    return rc;
}

static void reader_free(void *p)
{
    db_close(p);
}

static void reader_key_init(void)
{
    pthread_key_create(&g_reader_key, reader_free);
}

int db_global_init(const char *path)
{
    int rc = open_conn(path, 0, &g_writer);
    if (rc)
        return rc;
    rc = db_migrate(g_writer);
    if (rc) {
        db_close(g_writer);
        g_writer = NULL;
        return rc;
    }
    g_path = xstrdup(path);
    pthread_once(&g_reader_once, reader_key_init);
    return 0;
}

void db_global_shutdown(void)
{
    if (g_path) {
        struct db *r = pthread_getspecific(g_reader_key);
        db_close(r);
        pthread_setspecific(g_reader_key, NULL);
    }
    db_close(g_writer);
    g_writer = NULL;
    free(g_path);
    g_path = NULL;
}

const char *db_path(void)
{
    return g_path;
}

struct db *db_read(void)
{
    struct db *r = pthread_getspecific(g_reader_key);
    if (r || !g_path)
        return r;
    if (open_conn(g_path, 1, &r))
        return NULL;
    pthread_setspecific(g_reader_key, r);
    return r;
}

/*
 * Group commit. Writers take the write connection in turn, each inside a SAVEPOINT of one open
 * transaction, the batch. A writer that finishes while others wait for the connection hands it
 * on and waits; the writer that finishes when nobody waits, or fills the batch, commits it —
 * one fsync for all — and wakes the batch with the outcome. A writer whose own work failed
 * rolls back to its savepoint and leaves at once without touching the others. An error that
 * undid the whole transaction (SQLite does so on SQLITE_FULL or SQLITE_IOERR) fails the batch.
 * Without contention this is BEGIN IMMEDIATE ... COMMIT, as before.
 */
#define BATCH_MAX 64

struct waiter {
    struct waiter *next;
    int rc, done;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t turn;      /* the connection may be free */
    pthread_cond_t committed; /* a batch ended */
    int busy;                 /* a writer holds the connection */
    int committing;           /* a batch is being committed */
    int waiting;              /* writers waiting for the connection */
    int in_txn, broken;
    int members;          /* writers of the open batch that succeeded */
    struct waiter *batch; /* those of them waiting for the commit */
    struct db_commit_stats stats;
} gc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};

static const double commit_buckets[DB_COMMIT_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};
static const int batch_buckets[DB_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64};

static _Atomic uint64_t g_generation;

uint64_t db_generation(void)
{
    return g_generation;
}

/* Records one commit of n writers that took ns. Caller holds gc.lock. */
static void commit_observe(int n, uint64_t ns, int failed)
{
    struct db_commit_stats *s = &gc.stats;
    int b = 0;
    while (b < DB_BATCH_BUCKETS && n > batch_buckets[b])
        b++;
    s->batch_hist[b]++;
    double secs = (double)ns / 1e9;
    int c = 0;
    while (c < DB_COMMIT_BUCKETS && secs > commit_buckets[c])
        c++;
    s->commit_hist[c]++;
    s->batches++;
    s->writes += (uint64_t)n;
    s->commit_ns += ns;
    s->failed += failed != 0;
}

/* Commits (or, when broken, abandons) the open batch and wakes its writers. Called with gc.lock
 * held and the connection in no writer's hands; releases the lock while the disk works. */
static void commit_batch(void)
{
    struct waiter *list = gc.batch;
    int n = gc.members, broken = gc.broken, rc = 0;
    gc.committing = 1;
    gc.batch = NULL;
    gc.members = gc.broken = 0;
    pthread_mutex_unlock(&gc.lock);
    uint64_t t0 = time_mono_ns();
    if (broken || db_exec(g_writer, "COMMIT")) {
        rc = ERR_UNAVAILABLE;
        if (!sqlite3_get_autocommit(g_writer->h))
            db_exec(g_writer, "ROLLBACK");
        log_error("group commit failed", "%d writes of the batch are lost", n);
    }
    uint64_t ns = time_mono_ns() - t0;
    pthread_mutex_lock(&gc.lock);
    if (!rc && n)
        g_generation++;
    if (n || rc) /* not a transaction whose every writer failed */
        commit_observe(n, ns, rc);
    gc.in_txn = gc.committing = 0;
    for (struct waiter *w = list; w; w = w->next) {
        w->rc = rc;
        w->done = 1;
    }
    pthread_cond_broadcast(&gc.committed);
    pthread_cond_broadcast(&gc.turn);
}

/* Gives the connection back after a writer's turn (rc: its outcome, me: where it waits for the
 * commit when rc is 0). Returns the writer's final outcome. */
static int turn_end(int rc, int lost)
{
    struct waiter me = {0};
    pthread_mutex_lock(&gc.lock);
    gc.busy = 0;
    gc.broken |= lost;
    if (!rc) {
        me.next = gc.batch;
        gc.batch = &me;
        gc.members++;
    }
    if (gc.waiting > 0 && gc.members < BATCH_MAX && !gc.broken)
        pthread_cond_signal(&gc.turn); /* the next writer joins the batch; the last commits */
    else if (gc.in_txn)
        commit_batch();
    while (!rc && !me.done)
        pthread_cond_wait(&gc.committed, &gc.lock);
    pthread_mutex_unlock(&gc.lock);
    return rc ? rc : me.rc;
}

struct db *db_write_begin(void)
{
    if (!g_writer)
        return NULL;
    pthread_mutex_lock(&gc.lock);
    gc.waiting++;
    while (gc.busy || gc.committing)
        pthread_cond_wait(&gc.turn, &gc.lock);
    gc.waiting--;
    gc.busy = 1;
    int rc = 0;
    if (!gc.in_txn) {
        rc = db_exec(g_writer, "BEGIN IMMEDIATE");
        gc.in_txn = !rc;
    }
    pthread_mutex_unlock(&gc.lock);
    if (!rc)
        rc = db_exec(g_writer, "SAVEPOINT w");
    if (rc) {
        turn_end(rc, gc.in_txn && sqlite3_get_autocommit(g_writer->h));
        return NULL;
    }
    return g_writer;
}

int db_write_end(struct db *w, int rc)
{
    if (!rc && db_exec(w, "RELEASE w"))
        rc = ERR_DB;
    if (rc && !sqlite3_get_autocommit(w->h)) {
        db_exec(w, "ROLLBACK TO w");
        db_exec(w, "RELEASE w");
    }
    return turn_end(rc, sqlite3_get_autocommit(w->h));
}

void db_commit_stats(struct db_commit_stats *out)
{
    pthread_mutex_lock(&gc.lock);
    *out = gc.stats;
    out->waiting = gc.waiting;
    pthread_mutex_unlock(&gc.lock);
}
