/* SPDX-License-Identifier: MIT */
/*
 * What a database engine provides behind db.h (private to src/db/). db.c holds what every
 * engine shares — the statement cache, group commit, the per-thread readers, the migration
 * runner — and calls the engine through its operations: db_sqlite.c for a file, db_pg.c for
 * a postgresql:// address. Each connection carries its engine's operations, so one process
 * may hold both (jianguan migrate-data copies from one to the other).
 */
#ifndef JG_DB_BACKEND_H
#define JG_DB_BACKEND_H

#include "db/db.h"

#include <stddef.h>
#include <stdint.h>

struct cache_slot {
    const char *key; /* the caller's sql pointer */
    struct db_stmt *stmt;
};

/* The part of a connection every engine shares; an engine's connection begins with it. */
struct db {
    const struct db_ops *ops;
    struct cache_slot *slots;
    size_t nslots, used;
};

/* The part of a statement every engine shares; an engine's statement begins with it. */
struct db_stmt {
    struct db *db;
    char *sql; /* the text it was prepared from */
};

enum db_role { DB_WRITER, DB_READER, DB_MEMORY };

struct db_ops {
    const char *name;    /* "sqlite", "postgresql": also the migrations' dialect */
    int analyzes_itself; /* it keeps the planner's statistics up to date: no db_refresh_stats */
    /* Opens a connection to target for role; 0 or ERR_DB (logged). */
    int (*open)(const char *target, enum db_role role, struct db **out);
    void (*close)(struct db *db); /* the cached statements are finalized before */
    int (*exec)(struct db *db, const char *sql);
    /* Prepares sql (with `?` placeholders); st->db and st->sql are set by the caller. */
    int (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
    void (*reset)(struct db_stmt *st);  /* ready to run again, without bindings */
    void (*stream)(struct db_stmt *st); /* db_stream; NULL where stepping already streams */
    /* db_load_*: begin prepares st (st->db and st->sql set by the caller); end frees it. */
    int (*load_begin)(struct db *db, const char *insert_sql, struct db_stmt **out);
    int (*load_row)(struct db_stmt *st);
    int (*load_end)(struct db_stmt *st, int rc);
    void (*finalize)(struct db_stmt *st);
    int (*bind_int)(struct db_stmt *st, int idx, int64_t v);
    int (*bind_double)(struct db_stmt *st, int idx, double v);
    int (*bind_text)(struct db_stmt *st, int idx, const char *s, int len);
    int (*bind_blob)(struct db_stmt *st, int idx, const void *p, int len);
    int (*bind_null)(struct db_stmt *st, int idx);
    int (*step)(struct db_stmt *st);
    int (*col_count)(struct db_stmt *st);
    const char *(*col_name)(struct db_stmt *st, int i);
    int (*col_type)(struct db_stmt *st, int i);
    int64_t (*col_int)(struct db_stmt *st, int i);
    double (*col_double)(struct db_stmt *st, int i);
    const char *(*col_text)(struct db_stmt *st, int i);
    const void *(*col_blob)(struct db_stmt *st, int i);
    int (*col_len)(struct db_stmt *st, int i);
    int64_t (*last_id)(struct db *db);
    int (*changes)(struct db *db);
    const char *(*errmsg)(struct db *db);
    int64_t (*size_bytes)(struct db *db);
    int (*in_txn)(struct db *db); /* whether a transaction is open on db */
    int (*alive)(struct db *db);  /* whether the connection still works (a server may go) */
    /* Opens the write transaction of a batch (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and
     * the lock that keeps the audit chain linear across processes). */
    int (*begin)(struct db *db);
    /* After a COMMIT failed: undoes what may be left of it on disk. Returns 0 when it is
     * surely not saved, or ERR_IN_DOUBT when it may still come back (SQLite: its frames,
     * written before the sync failed, stay in the write-ahead log until it is reset, and a
     * crash before that replays them; PostgreSQL: the server went away during the commit). */
    int (*discard)(struct db *db);
    int (*backup)(struct db *db, const char *dest);
    int (*analyze)(struct db *db);
    int (*checkpoint)(struct db *db);
    void (*bulk_mode)(struct db *db, int on);
    void (*read_cache)(struct db *db, int64_t bytes); /* NULL: the backend keeps no page cache */
    /* Opens (on) or ends (off) a read transaction held across statements (db_read_turns), when
     * none is open or one is; ending it fails while a statement still reads. NULL: the backend
     * reads in a snapshot per statement only. */
    int (*hold)(struct db *db, int on);
    int (*bulk_table)(struct db *db, const char *table, int on);
    /* db_contains_query for this engine; the strings of c are interned by the caller. */
    int (*contains)(const char *table, const char *alias, const char *column, const char *fragment,
                    char *text[4], char *pattern, size_t cap);
    /* The copy of a whole database (db_copy): the names of the tables that hold data (not an
     * index's own tables), as one SELECT of one text column; whether tables may be loaded in
     * any order without triggers (on) or back to normal (off); and, after a table is loaded,
     * whatever keeps numbering right (PostgreSQL's identity sequences). */
    const char *tables_sql;
    int (*copy_mode)(struct db *db, int on);
    int (*loaded)(struct db *db, const char *table);
    /* A migration's text in the engine's own words (caller frees); NULL: run as written. */
    char *(*ddl)(const char *sql);
};

extern const struct db_ops db_sqlite_ops, db_pg_ops;

/* The engine for a database name: PostgreSQL for postgresql:// and postgres:// addresses,
 * SQLite for anything else (a file path). NULL when the engine is not built in. */
const struct db_ops *db_ops_for(const char *target);

#endif
