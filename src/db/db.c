/* SPDX-License-Identifier: MIT */
/*
 * What every engine shares (db_backend.h): the per-connection cache of prepared statements,
 * the calls of db.h passed to the connection's engine, the migration runner, the process's
 * write connection with its group commit, and the per-thread read connections.
 */
#include "db/db_backend.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct migration db_migrations[]; /* generated from migrations/ by the build */

static char *g_path;
static char *g_read_path; /* --db-read: a replica for the readers; NULL: g_path */
static struct db *g_writer;
static pthread_key_t g_reader_key, g_primary_key;
static _Thread_local int64_t t_read_cache; /* db_read_cache's bytes; 0: the default */
/* db_read_turns: whether this thread reads in turns, whether its reader holds a snapshot now,
 * and the db_generation it was taken at (read before the snapshot begins). */
static _Thread_local struct {
    int on, open;
    uint64_t generation;
} t_turn;
static pthread_once_t g_reader_once = PTHREAD_ONCE_INIT;

const struct db_ops *db_ops_for(const char *target)
{
    if (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11))
        return &db_pg_ops;
    return &db_sqlite_ops;
}

int db_is_file(const char *target)
{
    return db_ops_for(target) == &db_sqlite_ops;
}

void db_local_name(const char *target, char *out, size_t cap)
{
    if (db_is_file(target)) {
        snprintf(out, cap, "%s", target);
        return;
    }
    /* postgresql://host:port/name?options: the database's name, or the server's default. */
    const char *path = strchr(strstr(target, "://") + 3, '/');
    size_t len = path ? strcspn(path + 1, "?") : 0;
    snprintf(out, cap, "data/%.*s", len ? (int)len : 8, len ? path + 1 : "postgres");
}

/* ---- connections and the statement cache ---- */

static int open_with(const char *target, enum db_role role, struct db **out)
{
    const struct db_ops *ops = db_ops_for(target);
    *out = NULL;
    if (!ops) {
        log_error("unsupported database", "%s", target);
        return ERR_DB;
    }
    int rc = ops->open(target, role, out);
    if (!rc)
        (*out)->ops = ops;
    return rc;
}

static void finalize(struct db_stmt *st)
{
    if (!st)
        return;
    free(st->sql);
    st->db->ops->finalize(st);
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nslots; i++)
        finalize(db->slots[i].stmt);
    free(db->slots);
    db->ops->close(db);
}

int db_open_memory(struct db **out)
{
    int rc = db_sqlite_ops.open(":memory:", DB_MEMORY, out);
    if (rc)
        return rc;
    (*out)->ops = &db_sqlite_ops;
    rc = db_migrate(*out);
    if (rc) {
        db_close(*out);
        *out = NULL;
    }
    return rc;
}

int db_exec(struct db *db, const char *sql)
{
    return db ? db->ops->exec(db, sql) : ERR_DB;
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

int db_prepare_once(struct db *db, const char *sql, struct db_stmt **out)
{
    *out = NULL;
    if (!db) /* db_read() could not open a connection: out of descriptors, say */
        return ERR_DB;
    int rc = db->ops->prepare(db, sql, out);
    if (rc) {
        log_error("cannot prepare statement", "%s: %s", db->ops->errmsg(db), sql);
        return rc;
    }
    (*out)->db = db;
    (*out)->sql = xstrdup(sql);
    return 0;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    *out = NULL;
    if (!db)
        return ERR_DB;
    if (db->used * 2 >= db->nslots)
        cache_grow(db);
    size_t j = slot_of(db, sql);
    while (db->slots[j].key) {
        /* The pointer finds the slot; the text guards against a reused buffer. */
        struct db_stmt *st = db->slots[j].stmt;
        if (db->slots[j].key == sql && strcmp(st->sql, sql) == 0) {
            db->ops->reset(st);
            *out = st;
            return 0;
        }
        if (db->slots[j].key == sql) { /* same address, new text: replace */
            finalize(st);
            db->slots[j].key = NULL;
            db->used--;
            break;
        }
        j = (j + 1) & (db->nslots - 1);
    }
    struct db_stmt *st;
    int rc = db_prepare_once(db, sql, &st);
    if (rc)
        return rc;
    j = slot_of(db, sql);
    while (db->slots[j].key)
        j = (j + 1) & (db->nslots - 1);
    db->slots[j].key = sql;
    db->slots[j].stmt = st;
    db->used++;
    *out = st;
    return 0;
}

void db_done(struct db_stmt *st)
{
    if (st)
        st->db->ops->reset(st);
}

void db_stream(struct db_stmt *st)
{
    if (st->db->ops->stream)
        st->db->ops->stream(st);
}

void db_finalize(struct db_stmt *st)
{
    finalize(st);
}

int db_load_begin(struct db *w, const char *insert_sql, struct db_stmt **out)
{
    *out = NULL;
    if (!w)
        return ERR_DB;
    int rc = w->ops->load_begin(w, insert_sql, out);
    if (rc) {
        log_error("cannot load rows", "%s: %s", w->ops->errmsg(w), insert_sql);
        return rc;
    }
    (*out)->db = w;
    (*out)->sql = xstrdup(insert_sql);
    return 0;
}

int db_load_row(struct db_stmt *st)
{
    return st->db->ops->load_row(st);
}

int db_load_end(struct db_stmt *st, int rc)
{
    if (!st)
        return rc;
    free(st->sql);
    st->sql = NULL;
    return st->db->ops->load_end(st, rc);
}

/* ---- binds, steps and columns: the statement's engine ---- */

int db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    return st->db->ops->bind_int(st, idx, v);
}

int db_bind_double(struct db_stmt *st, int idx, double v)
{
    return st->db->ops->bind_double(st, idx, v);
}

int db_bind_text(struct db_stmt *st, int idx, const char *s, int len)
{
    return s ? st->db->ops->bind_text(st, idx, s, len) : st->db->ops->bind_null(st, idx);
}

int db_bind_blob(struct db_stmt *st, int idx, const void *p, int len)
{
    return st->db->ops->bind_blob(st, idx, p, len);
}

int db_bind_null(struct db_stmt *st, int idx)
{
    return st->db->ops->bind_null(st, idx);
}

int db_step(struct db_stmt *st)
{
    return st->db->ops->step(st);
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
    st->db->ops->reset(st);
    return rc;
}

int db_col_count(struct db_stmt *st)
{
    return st->db->ops->col_count(st);
}

const char *db_col_name(struct db_stmt *st, int i)
{
    return st->db->ops->col_name(st, i);
}

int db_col_type(struct db_stmt *st, int i)
{
    return st->db->ops->col_type(st, i);
}

int64_t db_col_int(struct db_stmt *st, int i)
{
    return st->db->ops->col_int(st, i);
}

double db_col_double(struct db_stmt *st, int i)
{
    return st->db->ops->col_double(st, i);
}

const char *db_col_text(struct db_stmt *st, int i)
{
    return st->db->ops->col_text(st, i);
}

const void *db_col_blob(struct db_stmt *st, int i)
{
    return st->db->ops->col_blob(st, i);
}

int db_col_len(struct db_stmt *st, int i)
{
    return st->db->ops->col_len(st, i);
}

int64_t db_last_id(struct db *db)
{
    return db->ops->last_id(db);
}

int db_changes(struct db *db)
{
    return db->ops->changes(db);
}

const char *db_errmsg(struct db *db)
{
    return db->ops->errmsg(db);
}

int64_t db_size_bytes(struct db *db)
{
    return db ? db->ops->size_bytes(db) : -1;
}

int db_backup(struct db *db, const char *dest)
{
    return db ? db->ops->backup(db, dest) : ERR_DB;
}

int db_analyze(struct db *w)
{
    return w->ops->analyze(w);
}

int db_refresh_stats(struct db *w)
{
    return w->ops->analyzes_itself ? 0 : w->ops->analyze(w);
}

int db_checkpoint(struct db *db)
{
    return db ? db->ops->checkpoint(db) : ERR_DB;
}

void db_bulk_mode(struct db *w, int on)
{
    w->ops->bulk_mode(w, on);
}

int db_bulk_table(struct db *w, const char *table, int on)
{
    return w ? w->ops->bulk_table(w, table, on) : ERR_DB;
}

const char *db_engine(const struct db *db)
{
    return db ? db->ops->name : "";
}

int db_contains_query(struct db *db, const char *table, const char *alias, const char *column,
                      const char *fragment, struct db_contains *c, char *pattern, size_t cap)
{
    const struct db_ops *ops = db ? db->ops : &db_sqlite_ops;
    char *text[4] = {0};
    int rc = ops->contains(table, alias, column, fragment, text, pattern, cap);
    const char **out[4] = {&c->from, &c->count_from, &c->order, &c->where};
    for (int i = 0; i < 4; i++) {
        *out[i] = text[i] ? db_intern(text[i]) : NULL;
        free(text[i]);
        if (!rc && !*out[i]) /* the interned set is full: no new shapes of query */
            rc = ERR_TOOLARGE;
    }
    return rc;
}

/* ---- migrations ---- */

/* The text of a migration for one engine. A migration is portable SQL; where an engine needs
 * its own, the two variants stand side by side between marker lines:
 *     -- @sqlite            (or -- @postgresql)
 *     ...
 *     -- @end
 * and each engine runs the lines outside the markers and those of its own blocks. */
char *db_migration_text(const char *sql, const char *engine)
{
    size_t n = strlen(sql), o = 0;
    char *out = xmalloc(n + 1);
    int keep = 1;
    for (const char *line = sql; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (!strncmp(line, "-- @", 4)) {
            const char *tag = line + 4;
            size_t tl = strcspn(tag, " \t\r\n");
            keep = (tl == 3 && !strncmp(tag, "end", 3)) ||
                   (tl == strlen(engine) && !strncmp(tag, engine, tl));
        } else if (keep) {
            memcpy(out + o, line, len);
            o += len;
        }
        line += len;
    }
    out[o] = '\0';
    return out;
}

int db_migrate(struct db *db)
{
    static const char create[] =
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
    static const char have[] = "SELECT 1 FROM schema_migrations WHERE version = ?";
    static const char mark[] =
        "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)";
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
        char *text = db_migration_text(m->sql, db->ops->name);
        if (db->ops->ddl) {
            char *own = db->ops->ddl(text);
            free(text);
            text = own;
        }
        rc = db->ops->begin(db);
        if (!rc)
            rc = db_exec(db, text);
        free(text);
        if (!rc)
            rc = db_prepare(db, mark, &st);
        if (!rc) {
            db_bind_int(st, 1, m->version);
            db_bind_text(st, 2, m->name, -1);
            db_bind_int(st, 3, time_now());
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

/* ---- the process's connections ---- */

static void reader_free(void *p)
{
    db_close(p);
}

static void reader_key_init(void)
{
    pthread_key_create(&g_reader_key, reader_free);
    pthread_key_create(&g_primary_key, reader_free);
}

int db_global_init(const char *path)
{
    int rc = open_with(path, DB_WRITER, &g_writer);
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
        db_close(pthread_getspecific(g_reader_key));
        pthread_setspecific(g_reader_key, NULL);
        t_turn.open = 0;
        db_close(pthread_getspecific(g_primary_key));
        pthread_setspecific(g_primary_key, NULL);
    }
    db_close(g_writer);
    g_writer = NULL;
    free(g_path);
    g_path = NULL;
    free(g_read_path);
    g_read_path = NULL;
}

struct db *db_read_primary(void)
{
    if (!g_read_path)
        return db_read();
    struct db *r = pthread_getspecific(g_primary_key);
    if (r && !r->ops->alive(r)) {
        db_close(r);
        pthread_setspecific(g_primary_key, NULL);
        r = NULL;
    }
    if (r || !g_path)
        return r;
    if (open_with(g_path, DB_READER, &r))
        return NULL;
    pthread_setspecific(g_primary_key, r);
    return r;
}

int db_set_read_target(const char *target)
{
    struct db *probe;
    if (open_with(target, DB_READER, &probe))
        return ERR_DB;
    db_close(probe);
    free(g_read_path);
    g_read_path = xstrdup(target);
    return 0;
}

const char *db_path(void)
{
    return g_path;
}

/* Keeps r's snapshot for this turn unless a commit came since it was taken. While a statement
 * still reads it (a read made inside another's rows) it is kept, and renewed at a later read. */
static void turn_snapshot(struct db *r)
{
    uint64_t gen = db_generation();
    if (t_turn.open && t_turn.generation == gen)
        return;
    if (t_turn.open && r->ops->hold(r, 0))
        return;
    t_turn.generation = gen;
    t_turn.open = r->ops->hold(r, 1) == 0;
}

struct db *db_read(void)
{
    struct db *r = pthread_getspecific(g_reader_key);
    if (r && !r->ops->alive(r)) { /* the server restarted: open anew */
        db_close(r);
        pthread_setspecific(g_reader_key, NULL);
        r = NULL;
        t_turn.open = 0;
    }
    if (!r && g_path) {
        if (open_with(g_read_path ? g_read_path : g_path, DB_READER, &r))
            return NULL;
        if (t_read_cache && r->ops->read_cache)
            r->ops->read_cache(r, t_read_cache);
        pthread_setspecific(g_reader_key, r);
    }
    if (r && t_turn.on && r->ops->hold)
        turn_snapshot(r);
    return r;
}

void db_read_turns(int on)
{
    if (!on)
        db_read_turn_end();
    t_turn.on = on;
}

void db_read_turn_end(void)
{
    if (!t_turn.open)
        return;
    struct db *r = pthread_getspecific(g_reader_key);
    if (r && r->ops->hold(r, 0)) {
        t_turn.generation = UINT64_MAX; /* a statement still reads: renewed at the next read */
        return;
    }
    t_turn.open = 0;
}

void db_read_cache(int64_t bytes)
{
    if (bytes == t_read_cache)
        return;
    t_read_cache = bytes;
    struct db *r = pthread_getspecific(g_reader_key);
    if (r && r->ops->read_cache)
        r->ops->read_cache(r, bytes);
}

/*
 * Group commit. Writers take the write connection in turn, each inside a SAVEPOINT of one open
 * transaction, the batch. A writer that finishes while others wait for the connection hands it
 * on and waits; the writer that finishes when nobody waits, or fills the batch, commits it —
 * one fsync for all — and wakes the batch with the outcome. A writer whose own work failed
 * rolls back to its savepoint and leaves at once without touching the others. An error that
 * undid the whole transaction (SQLite does so on SQLITE_FULL or SQLITE_IOERR; PostgreSQL
 * aborts it on any error outside a savepoint) fails the batch. Without contention this is
 * BEGIN ... COMMIT.
 */
#define BATCH_MAX 64

/* A writer of the open batch, waiting for its commit on its own semaphore: the end of a batch
 * wakes each of its writers without their queueing again on gc.lock. */
struct waiter {
    struct waiter *next;
    int rc;
    sem_t done;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t turn; /* the connection may be free */
    int busy;            /* a writer holds the connection */
    int committing;      /* a batch is being committed */
    int waiting;         /* writers waiting for the connection */
    int in_txn, broken;
    int members;          /* writers of the open batch that succeeded */
    uint64_t turn_start;  /* when the writer holding the connection took it */
    struct waiter *batch; /* those of them waiting for the commit */
    struct db_commit_stats stats;
} gc = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static const double commit_buckets[DB_COMMIT_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};
static const int batch_buckets[DB_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64};

static _Atomic uint64_t g_generation;

uint64_t db_generation(void)
{
    return g_generation;
}

/* Runs one of the statements every write runs (SAVEPOINT, RELEASE) from the writer's
 * statement cache: parsing them anew each time was a tenth of the writer's own work. */
static int write_step(struct db *w, const char *sql)
{
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    return rc ? rc : db_run(st);
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
    if (broken) {
        rc = ERR_UNAVAILABLE; /* the engine undid the transaction before any commit */
        if (g_writer->ops->in_txn(g_writer))
            db_exec(g_writer, "ROLLBACK");
        log_error("group commit failed", "%d writes of the batch are lost", n);
    } else if (db_exec(g_writer, "COMMIT")) {
        if (g_writer->ops->in_txn(g_writer))
            db_exec(g_writer, "ROLLBACK");
        /* The writers are told only what is sure: not saved, or in doubt. */
        rc = g_writer->ops->discard(g_writer) ? ERR_IN_DOUBT : ERR_UNAVAILABLE;
        log_error("group commit failed", "%d writes of the batch are %s", n,
                  rc == ERR_IN_DOUBT ? "in doubt until the disk recovers" : "lost");
    }
    uint64_t ns = time_mono_ns() - t0;
    if (!rc && n)
        g_generation++;
    for (struct waiter *w = list, *next; w; w = next) {
        next = w->next; /* w lives on its writer's stack: gone once it is woken */
        w->rc = rc;
        sem_post(&w->done);
    }
    pthread_mutex_lock(&gc.lock);
    if (n || rc) /* not a transaction whose every writer failed */
        commit_observe(n, ns, rc);
    gc.in_txn = gc.committing = 0;
    /* One waiter takes the connection; each writer's turn_end wakes the next. */
    if (gc.waiting > 0)
        pthread_cond_signal(&gc.turn);
}

/* Gives the connection back after a writer's turn (rc: its outcome; lost: the transaction is
 * gone). Returns the writer's final outcome. */
static int turn_end(int rc, int lost)
{
    struct waiter me = {0};
    if (!rc)
        sem_init(&me.done, 0, 0);
    pthread_mutex_lock(&gc.lock);
    gc.stats.turns++;
    gc.stats.held_ns += time_mono_ns() - gc.turn_start;
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
    pthread_mutex_unlock(&gc.lock);
    if (rc)
        return rc;
    while (sem_wait(&me.done) && errno == EINTR)
        ;
    sem_destroy(&me.done);
    return me.rc;
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
    gc.turn_start = time_mono_ns();
    int rc = 0;
    if (!gc.in_txn && !g_writer->ops->alive(g_writer)) { /* the server restarted: open anew */
        struct db *fresh;
        if (!open_with(g_path, DB_WRITER, &fresh)) {
            db_close(g_writer);
            g_writer = fresh;
        }
    }
    if (!gc.in_txn) {
        rc = g_writer->ops->begin(g_writer);
        gc.in_txn = !rc;
    }
    pthread_mutex_unlock(&gc.lock);
    if (!rc)
        rc = write_step(g_writer, "SAVEPOINT w");
    if (rc) {
        turn_end(rc, gc.in_txn && !g_writer->ops->in_txn(g_writer));
        return NULL;
    }
    return g_writer;
}

int db_write_end(struct db *w, int rc)
{
    if (!rc && write_step(w, "RELEASE w"))
        rc = ERR_DB;
    if (rc && w->ops->in_txn(w)) {
        db_exec(w, "ROLLBACK TO w");
        db_exec(w, "RELEASE w");
    }
    return turn_end(rc, !w->ops->in_txn(w));
}

void db_commit_stats(struct db_commit_stats *out)
{
    pthread_mutex_lock(&gc.lock);
    *out = gc.stats;
    out->waiting = gc.waiting;
    pthread_mutex_unlock(&gc.lock);
}
