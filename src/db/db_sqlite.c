/* SPDX-License-Identifier: MIT */
/*
 * The SQLite engine behind db.h (db_backend.h): connection set-up (WAL, synchronous=FULL,
 * foreign keys), statements, online backup and checkpoints. Nothing outside src/db/ includes
 * sqlite3.h.
 */
#include "db/db_backend.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Checkpoints off the commit path. SQLite's own automatic checkpoint runs in the writer that
 * has just committed once the log holds 1,000 pages: it copies them into the database and
 * syncs it, 10-25 ms in which no write of the next batch can run (about one commit in
 * twenty-five under load, and the slowest writes' wait). A write connection hands that work
 * to a thread of its own with its own connection, which copies the log's pages in PASSIVE
 * mode: it never blocks the writer or a reader. SQLite rewinds the log only when a write
 * transaction begins with every page of it copied, which a copy running beside continuous
 * writes never quite reaches; past CKPT_INLINE pages the writer therefore copies the rest in
 * line after its commit (a few batches' pages, since the thread has copied the bulk), until
 * the log rewinds. In bulk mode (demo, import) the writer copies in line as SQLite does.
 */
#define CKPT_PAGES 1000   /* log pages that wake the checkpointer (SQLite's default) */
#define CKPT_INLINE 16000 /* log pages (64 MB) past which the writer copies in line too */

struct checkpointer {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int stop, pending;
    char *path;
};

struct conn {
    struct db base;
    sqlite3 *h;
    struct checkpointer *ckpt; /* a write connection's, once started */
    int bulk;
};

struct load;

struct stmt {
    struct db_stmt base;
    sqlite3_stmt *h;
    struct load *load; /* a load's (db_load_begin): binds gather rows instead */
};

#define H(db) (((struct conn *)(void *)(db))->h)
#define ST(st) (((struct stmt *)(void *)(st))->h)

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

/* SQLite's memory statistics take one process-wide mutex on every allocation and free, which
 * every event thread and the writers then queue on; nothing here reads them. Must run before
 * SQLite initializes itself (at the first open). */
static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int wal_hook(void *arg, sqlite3 *h, const char *name, int pages);

static int sq_open(const char *path, enum db_role role, struct db **out)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, sqlite_configure);
    int reader = role == DB_READER;
    sqlite3 *h = NULL;
    if (role == DB_WRITER)
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
    /* Readers read pages with pread, not through a memory map. SQLite drops a reader's map (and
     * its page cache) at the first read after any commit, and maps the file anew: under writes
     * that cost every read transaction a munmap of the whole file and page faults for each
     * page it touched again (a fifth of the CPU of a write answered from a reader; the filling
     * check, 64 against 55 us per check). Read-only, a map saves about a tenth. */
    const char *pragmas = reader ? "PRAGMA query_only=1; PRAGMA foreign_keys=ON;"
                                   " PRAGMA mmap_size=0;"
                                 : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   /* Its cache outlives its transactions (no other writer):
                                    * the pages writes touch stay in it. */
                                   " PRAGMA cache_size=-65536;"
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
    struct conn *db = xcalloc(1, sizeof *db);
    db->h = h;
    if (role == DB_WRITER)
        sqlite3_wal_hook(h, wal_hook, db); /* replaces SQLite's automatic checkpoint */
    *out = &db->base;
    return 0;
}

static void *checkpoint_loop(void *arg)
{
    struct checkpointer *c = arg;
    sqlite3 *h = NULL;
    int failing = 0;
    if (sqlite3_open_v2(c->path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        log_error("cannot open database", "checkpointer: %s", h ? sqlite3_errmsg(h) : "no memory");
        sqlite3_close(h);
        h = NULL;
    }
    /* A connection finds the log at its first read; until then it has nothing to copy. */
    if (h && sqlite3_exec(h, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL) != SQLITE_OK)
        log_error("checkpointer cannot read the database", "%s", sqlite3_errmsg(h));
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->pending && !c->stop)
            pthread_cond_wait(&c->wake, &c->lock);
        if (c->stop)
            break;
        c->pending = 0;
        pthread_mutex_unlock(&c->lock);
        /* BUSY: the writer is copying in line; its copy serves as well. */
        int rc = h ? sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)
                   : SQLITE_CANTOPEN;
        if (rc != SQLITE_OK && rc != SQLITE_BUSY && !failing)
            log_error("checkpoint failed", "%s (the log keeps the pages; retried as it grows)",
                      h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        failing = rc != SQLITE_OK && rc != SQLITE_BUSY;
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    sqlite3_close(h); /* the writer is still open: closing it does not checkpoint */
    return NULL;
}

/* Wakes the write connection's checkpointer, starting it on first use; 0, or -1 when it
 * cannot run (the caller checkpoints in line). */
static int checkpoint_request(struct conn *w)
{
    struct checkpointer *c = w->ckpt;
    if (!c) {
        const char *path = sqlite3_db_filename(w->h, "main");
        if (!path || !*path)
            return -1;
        c = xcalloc(1, sizeof *c);
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->wake, NULL);
        c->path = xstrdup(path);
        if (pthread_create(&c->thread, NULL, checkpoint_loop, c)) {
            pthread_cond_destroy(&c->wake);
            pthread_mutex_destroy(&c->lock);
            free(c->path);
            free(c);
            return -1;
        }
        w->ckpt = c;
    }
    pthread_mutex_lock(&c->lock);
    c->pending = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static void checkpointer_stop(struct checkpointer *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c->path);
    free(c);
}

/* After every commit of the write connection (in place of SQLite's automatic checkpoint):
 * pages is the log's length. */
static int wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
    struct conn *w = arg;
    if (pages >= CKPT_PAGES && (w->bulk || pages >= CKPT_INLINE || checkpoint_request(w)))
        (void)sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static void sq_close(struct db *db)
{
    struct conn *c = (struct conn *)(void *)db;
    checkpointer_stop(c->ckpt);
    sqlite3_close(c->h);
    free(db);
}

static int sq_exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(H(db), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_error("database script failed", "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return (rc & 0xff) == SQLITE_CONSTRAINT ? ERR_CONFLICT : ERR_DB;
    }
    return 0;
}

static int sq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    sqlite3_stmt *h = NULL;
    if (sqlite3_prepare_v3(H(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &h, NULL) != SQLITE_OK)
        return ERR_DB;
    struct stmt *st = xcalloc(1, sizeof *st);
    st->h = h;
    *out = &st->base;
    return 0;
}

static void sq_reset(struct db_stmt *st)
{
    sqlite3_reset(ST(st));
    sqlite3_clear_bindings(ST(st));
}

static void sq_finalize(struct db_stmt *st)
{
    sqlite3_finalize(ST(st));
    free(st);
}

/*
 * Loads (db_load_begin) insert their rows LOAD_ROWS at a time with one multi-row INSERT. In a
 * transaction, a statement that may fail half-way (a table with triggers, as entities and its
 * search index) keeps a statement journal: it copies every page it first touches, so one row
 * per statement copied the pages of every index for every row (the demo city's first 100,000
 * entities: 8.1 s one per statement, 4.7 s a hundred per statement; the whole registry demo
 * 60-78 s before, 49 s after). The row values are kept here until the batch is full (texts
 * copied, as SQLITE_TRANSIENT would) and bound then.
 *
 * Into a table without triggers the statement is INSERT OR FAIL: a row that breaks a
 * constraint stops it without undoing the rows it inserted before, which lets SQLite run a
 * multi-row INSERT with no statement journal at all. A load is all or nothing only as a whole
 * anyway (a failure fails db_load_end, and the caller's write rolls back): earlier batches are
 * not undone by ABORT either. Without it, a load inside a savepoint (a group-committed write)
 * paid, at the end of each statement, a walk of the savepoint's in-memory journal from its
 * start (the filling check's log: 20 us per row, against 7 with one statement per row). A
 * table with triggers keeps ABORT: an outer statement's OR clause overrides the conflict
 * policy of its triggers' statements (their INSERT OR IGNORE would fail).
 */
#define LOAD_ROWS 64

struct load_val {
    int type; /* SQLITE_NULL (0: unbound), SQLITE_INTEGER, _FLOAT, _TEXT or _BLOB */
    int len;
    int64_t i;
    double d;
    size_t off; /* of a text or blob in bytes */
};

struct load {
    sqlite3 *h;
    char *head;             /* "INSERT INTO t(a, b) VALUES " */
    char *tuple;            /* "(?, ?)" */
    int ncols, rows, nrows; /* values per row, rows per full batch, rows gathered */
    sqlite3_stmt *full;     /* the full batch's statement */
    struct load_val *vals;  /* rows x ncols */
    char *bytes;            /* the gathered texts and blobs */
    size_t nbytes, cap;
};

/* The INSERT of n rows, prepared (persistent when it is the full batch's). */
static sqlite3_stmt *load_statement(struct load *l, int n)
{
    struct strbuf sql;
    strbuf_init(&sql, (size_t)1 << 20);
    strbuf_puts(&sql, l->head);
    for (int r = 0; r < n; r++)
        strbuf_printf(&sql, "%s%s", r ? ", " : "", l->tuple);
    sqlite3_stmt *h = NULL;
    if (sqlite3_prepare_v3(l->h, strbuf_get(&sql), -1, n == l->rows ? SQLITE_PREPARE_PERSISTENT : 0,
                           &h, NULL) != SQLITE_OK)
        h = NULL;
    strbuf_dispose(&sql);
    return h;
}

/* Whether the table named by the len bytes at name has triggers: 1, 0, or -1 on error. */
static int has_triggers(sqlite3 *h, const char *name, size_t len)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_bind_text(q, 1, name, (int)len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int sq_load_begin(struct db *db, const char *sql, struct db_stmt **out)
{
    static const char insert[] = "INSERT INTO ", fail[] = "INSERT OR FAIL INTO ";
    const char *values = strstr(sql, " VALUES (");
    int ncols = 0;
    for (const char *p = values; p && *p; p++)
        ncols += *p == '?';
    if (strncmp(sql, insert, sizeof insert - 1) || !values || !ncols)
        return ERR_DB; /* not "INSERT INTO t(...) VALUES (?, ...)" (db.h) */
    struct load *l = xcalloc(1, sizeof *l);
    l->h = H(db);
    /* "INSERT OR FAIL INTO t(...) VALUES " unless t has triggers (see above). */
    const char *table = sql + sizeof insert - 1;
    int triggers = has_triggers(l->h, table, strcspn(table, "("));
    if (triggers < 0) {
        free(l);
        return ERR_DB;
    }
    struct strbuf head;
    strbuf_init(&head, (size_t)1 << 20);
    strbuf_printf(&head, "%s%.*s", triggers ? insert : fail, (int)(values - table) + 8, table);
    l->head = strbuf_take(&head, NULL);
    l->tuple = xstrdup(values + 8);
    l->ncols = ncols;
    int most = sqlite3_limit(l->h, SQLITE_LIMIT_VARIABLE_NUMBER, -1) / ncols;
    l->rows = most < LOAD_ROWS ? (most > 0 ? most : 1) : LOAD_ROWS;
    l->vals = xcalloc((size_t)l->rows * (size_t)ncols, sizeof *l->vals);
    /* Prepared now, so that a statement in error fails here, as a prepare would. */
    l->full = load_statement(l, l->rows);
    if (!l->full) {
        free(l->head);
        free(l->tuple);
        free(l->vals);
        free(l);
        return ERR_DB;
    }
    struct stmt *st = xcalloc(1, sizeof *st);
    st->load = l;
    *out = &st->base;
    return 0;
}

/* Inserts the rows gathered; 0 or an error. */
static int load_flush(struct load *l)
{
    int n = l->nrows, rc = SQLITE_OK;
    if (!n)
        return 0;
    sqlite3_stmt *h = n == l->rows ? l->full : load_statement(l, n);
    if (!h) {
        log_error("cannot load rows", "%s", sqlite3_errmsg(l->h));
        return ERR_DB;
    }
    for (int k = 0; rc == SQLITE_OK && k < n * l->ncols; k++) {
        const struct load_val *v = &l->vals[k];
        switch (v->type) {
        case SQLITE_INTEGER: rc = sqlite3_bind_int64(h, k + 1, v->i); break;
        case SQLITE_FLOAT: rc = sqlite3_bind_double(h, k + 1, v->d); break;
        case SQLITE_TEXT:
            rc = sqlite3_bind_text(h, k + 1, l->bytes + v->off, v->len, SQLITE_STATIC);
            break;
        case SQLITE_BLOB:
            rc = sqlite3_bind_blob(h, k + 1, l->bytes + v->off, v->len, SQLITE_STATIC);
            break;
        default: rc = sqlite3_bind_null(h, k + 1);
        }
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_step(h);
    rc = rc == SQLITE_DONE ? 0 : map_rc(l->h, sqlite3_extended_errcode(l->h));
    sqlite3_reset(h);
    sqlite3_clear_bindings(h);
    if (h != l->full)
        sqlite3_finalize(h);
    memset(l->vals, 0, (size_t)n * (size_t)l->ncols * sizeof *l->vals);
    l->nrows = 0;
    l->nbytes = 0;
    return rc;
}

/* The slot of the gathered row's value idx (1-based), or NULL when idx is out of range. */
static struct load_val *load_slot(struct db_stmt *st, int idx)
{
    struct load *l = ((struct stmt *)(void *)st)->load;
    return idx >= 1 && idx <= l->ncols ? &l->vals[l->nrows * l->ncols + idx - 1] : NULL;
}

static int load_bytes(struct db_stmt *st, int idx, int type, const void *p, int len)
{
    struct load *l = ((struct stmt *)(void *)st)->load;
    struct load_val *v = load_slot(st, idx);
    if (!v)
        return ERR_DB;
    if (!p) { /* as sqlite3_bind_text(NULL) */
        *v = (struct load_val){.type = SQLITE_NULL};
        return 0;
    }
    size_t n = len < 0 ? strlen(p) : (size_t)len;
    if (l->nbytes + n + 1 > l->cap) {
        l->cap = (l->nbytes + n + 1) * 2;
        l->bytes = xrealloc(l->bytes, l->cap);
    }
    memcpy(l->bytes + l->nbytes, p, n);
    l->bytes[l->nbytes + n] = 0;
    *v = (struct load_val){.type = type, .len = (int)n, .off = l->nbytes};
    l->nbytes += n + 1;
    return 0;
}

static int sq_load_row(struct db_stmt *st)
{
    struct load *l = ((struct stmt *)(void *)st)->load;
    return ++l->nrows == l->rows ? load_flush(l) : 0;
}

static int sq_load_end(struct db_stmt *st, int rc)
{
    struct load *l = ((struct stmt *)(void *)st)->load;
    if (!rc)
        rc = load_flush(l);
    sqlite3_finalize(l->full);
    free(l->head);
    free(l->tuple);
    free(l->vals);
    free(l->bytes);
    free(l);
    free(st);
    return rc;
}

static int bind_rc(struct db_stmt *st, int rc)
{
    return rc == SQLITE_OK ? 0 : map_rc(sqlite3_db_handle(ST(st)), rc);
}

#define LOADING(st) (((struct stmt *)(void *)(st))->load)

static int sq_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    if (LOADING(st)) {
        struct load_val *slot = load_slot(st, idx);
        return slot ? (*slot = (struct load_val){.type = SQLITE_INTEGER, .i = v}, 0) : ERR_DB;
    }
    return bind_rc(st, sqlite3_bind_int64(ST(st), idx, v));
}

static int sq_bind_double(struct db_stmt *st, int idx, double v)
{
    if (LOADING(st)) {
        struct load_val *slot = load_slot(st, idx);
        return slot ? (*slot = (struct load_val){.type = SQLITE_FLOAT, .d = v}, 0) : ERR_DB;
    }
    return bind_rc(st, sqlite3_bind_double(ST(st), idx, v));
}

static int sq_bind_text(struct db_stmt *st, int idx, const char *s, int len)
{
    if (LOADING(st))
        return load_bytes(st, idx, SQLITE_TEXT, s, len);
    return bind_rc(st, sqlite3_bind_text(ST(st), idx, s, len, SQLITE_TRANSIENT));
}

static int sq_bind_blob(struct db_stmt *st, int idx, const void *p, int len)
{
    if (LOADING(st))
        return load_bytes(st, idx, SQLITE_BLOB, p, len);
    return bind_rc(st, sqlite3_bind_blob(ST(st), idx, p, len, SQLITE_TRANSIENT));
}

static int sq_bind_null(struct db_stmt *st, int idx)
{
    if (LOADING(st)) {
        struct load_val *slot = load_slot(st, idx);
        return slot ? (*slot = (struct load_val){.type = SQLITE_NULL}, 0) : ERR_DB;
    }
    return bind_rc(st, sqlite3_bind_null(ST(st), idx));
}

static int sq_step(struct db_stmt *st)
{
    int rc = sqlite3_step(ST(st));
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    return map_rc(sqlite3_db_handle(ST(st)), sqlite3_extended_errcode(sqlite3_db_handle(ST(st))));
}

static int sq_col_count(struct db_stmt *st)
{
    return sqlite3_column_count(ST(st));
}

static const char *sq_col_name(struct db_stmt *st, int i)
{
    return sqlite3_column_name(ST(st), i);
}

static int sq_col_type(struct db_stmt *st, int i)
{
    switch (sqlite3_column_type(ST(st), i)) {
    case SQLITE_INTEGER: return DB_INT;
    case SQLITE_FLOAT: return DB_FLOAT;
    case SQLITE_TEXT: return DB_TEXT;
    case SQLITE_BLOB: return DB_BLOB;
    default: return DB_NULL;
    }
}

static int64_t sq_col_int(struct db_stmt *st, int i)
{
    return sqlite3_column_int64(ST(st), i);
}

static double sq_col_double(struct db_stmt *st, int i)
{
    return sqlite3_column_double(ST(st), i);
}

static const char *sq_col_text(struct db_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(ST(st), i);
}

static const void *sq_col_blob(struct db_stmt *st, int i)
{
    return sqlite3_column_blob(ST(st), i);
}

static int sq_col_len(struct db_stmt *st, int i)
{
    return sqlite3_column_bytes(ST(st), i);
}

static int64_t sq_last_id(struct db *db)
{
    return sqlite3_last_insert_rowid(H(db));
}

static int sq_changes(struct db *db)
{
    return sqlite3_changes(H(db));
}

static const char *sq_errmsg(struct db *db)
{
    return sqlite3_errmsg(H(db));
}

static int64_t sq_size_bytes(struct db *db)
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

static int sq_in_txn(struct db *db)
{
    return !sqlite3_get_autocommit(H(db));
}

static int sq_alive(struct db *db)
{
    (void)db;
    return 1;
}

/* The read transaction of a turn: a deferred BEGIN (the snapshot is taken at its first read)
 * and its COMMIT, prepared once each. A transaction an error rolled back is not ended again;
 * one with a statement still reading is not ended (ERR_CONFLICT): SQLite would keep its
 * snapshot for that statement, and a BEGIN after it would go on reading it. */
static int sq_hold(struct db *db, int on)
{
    if (on == !sqlite3_get_autocommit(H(db)))
        return 0;
    for (sqlite3_stmt *s = on ? NULL : sqlite3_next_stmt(H(db), NULL); s;
         s = sqlite3_next_stmt(H(db), s))
        if (sqlite3_stmt_busy(s))
            return ERR_CONFLICT;
    struct db_stmt *st;
    int rc = db_prepare(db, on ? "BEGIN" : "COMMIT", &st);
    if (!rc)
        rc = db_run(st);
    db_done(st);
    return rc;
}

static int sq_begin(struct db *db)
{
    return sq_exec(db, "BEGIN IMMEDIATE");
}

/* The failed transaction's frames lie past the log's last commit that the index knows; a
 * checkpoint that truncates the log removes them for good. */
static int sq_discard(struct db *db)
{
    return sq_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") ? ERR_IN_DOUBT : 0;
}

static int sq_backup(struct db *db, const char *dest)
{
    if (access(dest, F_OK) == 0)
        return ERR_CONFLICT;
    sqlite3 *out = NULL;
    int rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(out, "main", H(db), "main") : NULL;
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

static int sq_analyze(struct db *w)
{
    /* A sampled ANALYZE: enough for the planner to prefer the selective index, and quick
     * on a city of 710,000 entities. */
    return sq_exec(w, "PRAGMA analysis_limit = 1000; ANALYZE");
}

static int sq_checkpoint(struct db *db)
{
    return sq_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

static void sq_bulk_mode(struct db *w, int on)
{
    ((struct conn *)(void *)w)->bulk = on;
    sq_exec(w, on ? "PRAGMA cache_size = -1048576; PRAGMA cache_spill = OFF"
                  : "PRAGMA cache_size = -65536; PRAGMA cache_spill = ON");
}

static char *printed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *printed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* An FTS5 phrase over the trigram table <table>_fts: the fragment in double quotes, inner
 * quotes doubled, so that no query syntax leaks in. */
static int sq_contains(const char *table, const char *alias, const char *column,
                       const char *fragment, char *text[4], char *pattern, size_t cap)
{
    (void)column;
    /* CROSS JOIN keeps the FTS table outer: the index drives, in rowid order. */
    text[0] =
        printed(" FROM %s_fts f CROSS JOIN %s %s ON %s.id = f.rowid", table, table, alias, alias);
    text[1] = printed(" FROM %s_fts f", table);
    text[2] = printed("f.rowid");
    text[3] = printed(" AND f.%s_fts MATCH ?", table);
    size_t o = 0;
    if (cap < 3)
        return ERR_TOOLARGE;
    pattern[o++] = '"';
    for (const char *p = fragment; *p; p++) {
        if (o + (*p == '"') + 2 >= cap)
            return ERR_TOOLARGE;
        if (*p == '"')
            pattern[o++] = '"';
        pattern[o++] = *p;
    }
    pattern[o++] = '"';
    pattern[o] = '\0';
    return 0;
}

/* Loading into SQLite keeps its triggers (they fill the FTS table, which is not copied):
 * foreign keys are off so that tables load in any order. Outside a transaction only. */
static int sq_copy_mode(struct db *db, int on)
{
    return sq_exec(db, on ? "PRAGMA foreign_keys = OFF" : "PRAGMA foreign_keys = ON");
}

static void sq_read_cache(struct db *db, int64_t bytes)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%lld", (long long)(bytes >> 10));
    sq_exec(db, sql);
}

static int sq_bulk_table(struct db *db, const char *table, int on)
{
    (void)db;
    (void)table;
    (void)on;
    return 0;
}

static int sq_loaded(struct db *db, const char *table)
{
    (void)db;
    (void)table;
    return 0;
}

const struct db_ops db_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .reset = sq_reset,
    .load_begin = sq_load_begin,
    .load_row = sq_load_row,
    .load_end = sq_load_end,
    .finalize = sq_finalize,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_type = sq_col_type,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .col_len = sq_col_len,
    .last_id = sq_last_id,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .size_bytes = sq_size_bytes,
    .in_txn = sq_in_txn,
    .hold = sq_hold,
    .alive = sq_alive,
    .begin = sq_begin,
    .discard = sq_discard,
    .backup = sq_backup,
    .analyze = sq_analyze,
    .checkpoint = sq_checkpoint,
    .bulk_mode = sq_bulk_mode,
    .bulk_table = sq_bulk_table,
    .read_cache = sq_read_cache,
    .contains = sq_contains,
    /* Tables, not virtual tables nor the tables an FTS5 table keeps for itself. */
    .tables_sql = "SELECT name FROM sqlite_schema t WHERE type = 'table'"
                  " AND name NOT LIKE 'sqlite%' AND sql NOT LIKE 'CREATE VIRTUAL%'"
                  " AND NOT EXISTS (SELECT 1 FROM sqlite_schema v WHERE v.type = 'table'"
                  " AND v.sql LIKE 'CREATE VIRTUAL%' AND t.name LIKE v.name || '\\_%' ESCAPE '\\')"
                  " ORDER BY name",
    .copy_mode = sq_copy_mode,
    .loaded = sq_loaded,
};
