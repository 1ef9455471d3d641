/* SPDX-License-Identifier: MIT */
/*
 * The only door to the database. Modules see connections, cached prepared statements with
 * typed binds, row iteration and transactions; they never see SQLite. Statement text uses `?`
 * placeholders and portable SQL so that a PostgreSQL backend (libpq, `?` rewritten to `$n`)
 * can be added behind this header without touching a module.
 *
 * Connections: one write connection taken in turn (db_write_begin/db_write_end, group-
 * committed) and one read connection per thread (db_read), opened on first use and closed
 * when the thread ends. Reads see committed data only and never wait for the writer.
 */
#ifndef JG_DB_H
#define JG_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;      /* one connection */
struct db_stmt; /* a prepared statement, owned by its connection's cache */

enum db_step_result { DB_DONE = 0, DB_ROW = 1 };

/* Opens the database at path for the process: creates it if missing, applies pending
 * migrations and keeps the write connection. Returns 0 or ERR_DB (message logged). */
int db_global_init(const char *path);
/* Closes the write connection and the calling thread's read connection. */
void db_global_shutdown(void);
/* Whether target names a database file (SQLite) rather than a server (postgresql://...). */
int db_is_file(const char *target);
/* Where files that belong with the database live: the file itself for SQLite ("data/jg.db"),
 * "data/<database name>" for a server (so its audit key is data/<name>.audit-key). */
void db_local_name(const char *target, char *out, size_t cap);
/* Returns the path given to db_global_init. */
const char *db_path(void);

/* Sends the read connections to target, a replica of the database (PostgreSQL streaming
 * replication): writes stay on the primary. Reads may then lag writes by the replica's delay.
 * Call after db_global_init, before any thread reads. Returns 0, or ERR_DB when target
 * cannot be opened. */
int db_set_read_target(const char *target);
/* This thread's read connection to the primary when reads go to a replica, else db_read():
 * for what must not lag (a token issued a moment ago). */
struct db *db_read_primary(void);
/* Returns this thread's read connection, opening it on first use; NULL on failure. */
struct db *db_read(void);
/* Sets the page cache, in bytes, that the calling thread's read connection keeps: at once when
 * it is open, else when it opens (a backend without such a cache ignores it). Threads that do
 * not ask keep the backend's default; the server's event threads, which answer the hottest
 * reads themselves, ask for a large one. */
void db_read_cache(int64_t bytes);
/* Reads in turns (on: 1). The calling thread's read connection then answers its reads from one
 * snapshot until db_read_turn_end(), not from one per statement, and takes a new snapshot at
 * its first read after any write this process committed (db_generation), so that no read is
 * older than a write already acknowledged. The server's event threads read so, a turn being
 * one pass of their event loop: a snapshot lives no longer than that pass. Saves the begin and
 * end of a read transaction per statement, which with SQLite's write-ahead log take a lock on
 * the log's index (a system call, shared by all the process's connections) each time. A
 * backend that cannot hold a snapshot (ops->hold) reads as before. */
void db_read_turns(int on);
/* Ends the calling thread's snapshot, if it reads in turns and holds one. */
void db_read_turn_end(void);
/* Takes the write connection (waiting for its turn) inside a transaction of its own; returns
 * it, or NULL on failure. Every call must be paired with db_write_end. Writers that come
 * together are group-committed: each runs in a savepoint of one transaction that commits once
 * for all of them (see db_sqlite.c), which callers do not see. */
struct db *db_write_begin(void);
/* Ends the write: when rc is 0, waits until it is durably committed; otherwise undoes this
 * writer's changes only. Returns rc, or ERR_UNAVAILABLE when the commit failed (a full or
 * failing disk: the whole batch is lost and every writer of it told so), or ERR_IN_DOUBT when
 * it failed in a way that may yet have saved it (the disk failed while the commit was being
 * made durable and still fails, or the database server went away during it). */
int db_write_end(struct db *w, int rc);

/* Group-commit statistics for /metrics. */
#define DB_BATCH_BUCKETS 7   /* batch sizes <= 1, 2, 4, 8, 16, 32, 64 */
#define DB_COMMIT_BUCKETS 12 /* commit seconds <= 0.0001 ... 1, as the request histogram */
struct db_commit_stats {
    uint64_t batches, writes, failed, commit_ns;
    uint64_t turns, held_ns; /* writers' turns on the connection, and their time on it */
    uint64_t batch_hist[DB_BATCH_BUCKETS + 1];   /* last: larger */
    uint64_t commit_hist[DB_COMMIT_BUCKETS + 1]; /* last: slower */
    int waiting;                                 /* writers waiting for their turn now */
};
void db_commit_stats(struct db_commit_stats *out);

/* Returns a copy of text that lives as long as the process: the same pointer for the same
 * text, so that statements composed at run time (from fixed fragments, never from input) are
 * prepared once per connection like literals. At most DB_INTERN_MAX texts are kept (each is
 * also prepared on every connection); past that it returns NULL and the caller prepares the
 * text with db_prepare_once. Thread-safe. */
#define DB_INTERN_MAX 1024
const char *db_intern(const char *text);
/* A number that grows with every committed write of this process (cached counts compare it). */
uint64_t db_generation(void);

/* Runs a script of statements without parameters; returns 0 or ERR_DB. */
int db_exec(struct db *db, const char *sql);
/* Returns in *out the connection's statement for sql, prepared on first use (sql should be a
 * string literal) and reset with no bindings. Do not nest two uses of the same sql.
 * Returns 0 or ERR_DB (also for a NULL db, so db_prepare(db_read(), ...) needs no check). */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* Resets a statement after use so it holds no read lock; safe on NULL. */
void db_done(struct db_stmt *st);
/* Prepares sql without keeping it in the connection's cache; release it with db_finalize.
 * Returns 0 or ERR_DB. */
int db_prepare_once(struct db *db, const char *sql, struct db_stmt **out);
/* Releases a statement from db_prepare_once; safe on NULL. */
void db_finalize(struct db_stmt *st);

/* Binds parameter idx (1-based). Text and blob are copied; NULL text binds SQL NULL;
 * len < 0 means strlen. Return 0 or ERR_DB. */
int db_bind_int(struct db_stmt *st, int idx, int64_t v);
int db_bind_double(struct db_stmt *st, int idx, double v);
int db_bind_text(struct db_stmt *st, int idx, const char *s, int len);
int db_bind_blob(struct db_stmt *st, int idx, const void *p, int len);
int db_bind_null(struct db_stmt *st, int idx);

/* Says st's rows may be many (an export): the engine reads them in pieces instead of holding
 * the whole result (PostgreSQL's single-row mode; SQLite always steps so). Call it before the
 * first step or column; until st is done, run nothing else on its connection. */
void db_stream(struct db_stmt *st);

/* Advances: DB_ROW, DB_DONE, or a negative error (ERR_CONFLICT for a unique or foreign-key
 * violation, ERR_INVALID for a CHECK violation, ERR_DB otherwise). */
int db_step(struct db_stmt *st);
/* Column accessors for the current row (0-based). Text is NUL-terminated and valid until the
 * next step or db_done; NULL for SQL NULL. */
int db_col_count(struct db_stmt *st);
const char *db_col_name(struct db_stmt *st, int i);
enum db_type { DB_NULL, DB_INT, DB_FLOAT, DB_TEXT, DB_BLOB };
int db_col_type(struct db_stmt *st, int i);
int64_t db_col_int(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
const char *db_col_text(struct db_stmt *st, int i);
const void *db_col_blob(struct db_stmt *st, int i);
int db_col_len(struct db_stmt *st, int i);

/* Steps st expecting a row: 0 when there is one (read it, then db_done), ERR_NOTFOUND when
 * there is none, or an error as db_step. */
int db_row(struct db_stmt *st);
/* Steps a write statement to completion and resets it; returns 0 or an error as db_step. */
int db_run(struct db_stmt *st);

/* Loading many rows into one table inside the caller's write transaction (a demo city, a
 * database moved between engines, the filling check's log): PostgreSQL streams them with COPY,
 * SQLite inserts them 64 to a statement. insert_sql is exactly
 * "INSERT INTO table(col, ...) VALUES (?, ...)", one placeholder per column. Bind a row's
 * values with db_bind_*, then db_load_row; finish with db_load_end, which frees the statement. A
 * constraint a row breaks may be reported only by db_load_end; it then fails the whole load. Each
 * returns 0 or an error as db_step. */
int db_load_begin(struct db *w, const char *insert_sql, struct db_stmt **out);
int db_load_row(struct db_stmt *st);
int db_load_end(struct db_stmt *st, int rc);

/* A table filled in bulk inside the write transaction w: before (on = 1) and after (on = 0)
 * the fill, one table at a time. PostgreSQL drops the table's secondary indexes, its foreign
 * keys, and its primary and unique keys that no foreign key needs, and builds them again at
 * the end (one sort per index, one join per foreign key: a row that breaks one fails there),
 * rather than growing them row by row; SQLite does nothing (a WITHOUT ROWID table is its own
 * key). Returns 0 or an error. */
int db_bulk_table(struct db *w, const char *table, int on);

/* Rowid of the last insert and rows changed by the last statement on this connection. */
int64_t db_last_id(struct db *db);
int db_changes(struct db *db);
/* The connection's last error message (for logs, never for users). */
const char *db_errmsg(struct db *db);
/* Size of the database in bytes (page count times page size), or -1. */
int64_t db_size_bytes(struct db *db);

/* Opens a private in-memory database with the migrations applied (for tests and fuzzing).
 * Close with db_close. */
int db_open_memory(struct db **out);
void db_close(struct db *db);
/* Writes a consistent copy of the database behind db to the new file dest (which must not
 * exist), while other connections go on reading and writing. Returns 0, ERR_CONFLICT when
 * dest exists, or ERR_DB. */
int db_backup(struct db *db, const char *dest);
/* Copies the write-ahead log into the database and truncates it, after bulk work (any
 * connection may ask, outside a transaction); returns 0 or ERR_DB. */
int db_checkpoint(struct db *db);
/* Refreshes the query planner's statistics after a bulk change; returns 0 or ERR_DB. */
int db_analyze(struct db *w);
/* Refreshes them at a server's start inside the write w, where the engine keeps none up to
 * date by itself: SQLite (a sampled ANALYZE, 50-350 ms at city scale), so that plans chosen
 * by statistics hold for a city whose rows came one by one; PostgreSQL's autovacuum analyzes
 * on its own. Returns 0 or ERR_DB. */
int db_refresh_stats(struct db *w);
/* Tunes the write connection w for one long bulk transaction (a large page cache), or back.
 * Durability is unchanged: the commit is still synchronous. */
void db_bulk_mode(struct db *w, int on);
/* Finding the rows whose text column contains a fragment of three or more characters, through
 * the trigram index a migration made for it (SQLite: an FTS5 table <table>_fts with the
 * trigram tokenizer and content_rowid id; PostgreSQL: a pg_trgm GIN index on the column).
 * Both ignore the case of ASCII letters. The pieces suit the list composer (http/list.h). */
struct db_contains {
    const char *from;       /* " FROM ... <alias>": the index drives, rows in id order */
    const char *count_from; /* " FROM ...": the same for counting */
    const char *order;      /* the id column the index yields its rows by */
    const char *where;      /* " AND ...": takes one text parameter, the pattern */
};
/* Fills c for table (alias in queries) and its column, and the pattern to bind for fragment
 * into pattern (cap bytes), quoted so that no text changes the query's structure. The strings
 * live as long as the process. Returns 0, or ERR_TOOLARGE when the pattern does not fit. */
int db_contains_query(struct db *db, const char *table, const char *alias, const char *column,
                      const char *fragment, struct db_contains *c, char *pattern, size_t cap);

/* Copies every row of the database from into to (a file or a server, either engine), in one
 * transaction: to is created or migrated to this schema and must hold no data yet. Rows and
 * ids are copied as they are, so the audit chain verifies on the copy with the same key.
 * Loading into PostgreSQL needs a superuser (triggers and foreign keys are held off while
 * tables load). Returns 0, ERR_CONFLICT when to holds data, or ERR_DB (logged). */
int db_copy(const char *from, const char *to);

/* Applies every pending migration to db; returns 0 or ERR_DB. */
int db_migrate(struct db *db);
/* The text of migration sql that engine ("sqlite", "postgresql") runs: the lines outside
 * "-- @<engine>" ... "-- @end" blocks and those of its own blocks. The caller frees it. */
char *db_migration_text(const char *sql, const char *engine);
/* The engine behind db: "sqlite" or "postgresql". */
const char *db_engine(const struct db *db);

#endif
