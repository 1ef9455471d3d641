/* SPDX-License-Identifier: MIT */
/*
 * db_copy: a whole database into another, of either engine, for moving a city from SQLite
 * to PostgreSQL. The target is created or migrated to the same schema; every table that
 * holds data is loaded in one transaction with the engines' bulk loading (db_load_*), rows
 * and ids exactly as they are, so the audit chain verifies on the copy.
 */
#include "db/db_backend.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct names {
    char **v;
    int n;
};

static void names_free(struct names *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
}

/* The tables of db that hold data. */
static int tables_of(struct db *db, struct names *out)
{
    struct db_stmt *st;
    int rc = db_prepare_once(db, db->ops->tables_sql, &st), step;
    out->v = NULL;
    out->n = 0;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        out->v = xrealloc(out->v, (size_t)(out->n + 1) * sizeof *out->v);
        out->v[out->n++] = xstrdup(db_col_text(st, 0));
    }
    rc = rc ? rc : step < 0 ? step : 0;
    db_finalize(st);
    return rc;
}

static int has(const struct names *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->v[i], name))
            return 1;
    return 0;
}

static int count_rows(struct db *db, const char *table, int64_t *n)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    struct db_stmt *st;
    int rc = db_prepare_once(db, sql, &st);
    if (!rc)
        rc = db_row(st);
    if (!rc)
        *n = db_col_int(st, 0);
    db_finalize(st);
    return rc;
}

/* Binds column i of src's current row to parameter i + 1 of dst, by its type. */
static int bind_cell(struct db_stmt *dst, struct db_stmt *src, int i)
{
    switch (db_col_type(src, i)) {
    case DB_INT: return db_bind_int(dst, i + 1, db_col_int(src, i));
    case DB_FLOAT: return db_bind_double(dst, i + 1, db_col_double(src, i));
    case DB_TEXT: return db_bind_text(dst, i + 1, db_col_text(src, i), db_col_len(src, i));
    case DB_BLOB: return db_bind_blob(dst, i + 1, db_col_blob(src, i), db_col_len(src, i));
    default: return db_bind_null(dst, i + 1);
    }
}

/* Loads every row of table from src into dst; *rows counts them. */
static int copy_table(struct db *src, struct db *dst, const char *table, int64_t *rows)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    struct db_stmt *in, *out = NULL;
    int rc = db_prepare_once(src, sql, &in);
    int step = rc ? rc : db_step(in); /* a server names the columns once the query ran */
    struct strbuf ins;
    strbuf_init(&ins, 1u << 16);
    int ncols = step >= 0 ? db_col_count(in) : 0;
    strbuf_printf(&ins, "INSERT INTO %s(", table);
    for (int i = 0; i < ncols; i++)
        strbuf_printf(&ins, "%s%s", i ? ", " : "", db_col_name(in, i));
    strbuf_puts(&ins, ") VALUES (");
    for (int i = 0; i < ncols; i++)
        strbuf_puts(&ins, i ? ", ?" : "?");
    strbuf_puts(&ins, ")");
    rc = step < 0 ? step : db_load_begin(dst, strbuf_get(&ins), &out);
    *rows = 0;
    for (; !rc && step == DB_ROW; step = db_step(in)) {
        for (int i = 0; !rc && i < ncols; i++)
            rc = bind_cell(out, in, i);
        rc = rc ? rc : db_load_row(out);
        (*rows)++;
    }
    if (!rc && step < 0)
        rc = step;
    rc = db_load_end(out, rc);
    db_finalize(in);
    strbuf_dispose(&ins);
    return rc ? rc : dst->ops->loaded(dst, table);
}

int db_copy(const char *from, const char *to)
{
    const struct db_ops *fo = db_ops_for(from), *to_ops = db_ops_for(to);
    struct db *src = NULL, *dst = NULL;
    struct names st = {0}, dt = {0};
    int rc = fo->open(from, DB_READER, &src);
    if (!rc) {
        src->ops = fo;
        rc = to_ops->open(to, DB_WRITER, &dst);
    }
    if (!rc) {
        dst->ops = to_ops;
        rc = db_migrate(dst);
    }
    if (!rc)
        rc = tables_of(src, &st);
    if (!rc)
        rc = tables_of(dst, &dt);
    if (!rc)
        rc = dst->ops->copy_mode(dst, 1);
    if (!rc)
        rc = dst->ops->begin(dst);
    for (int i = 0; !rc && i < st.n; i++) {
        const char *t = st.v[i];
        int64_t have = 0, want = 0, rows = 0;
        if (!has(&dt, t) || !strcmp(t, "schema_migrations"))
            continue;
        rc = count_rows(dst, t, &have);
        if (!rc && have) { /* filled by a migration, as on the source, or not an empty target */
            rc = count_rows(src, t, &want);
            if (!rc && have != want) {
                log_error("target database is not empty", "table %s has %lld rows", t,
                          (long long)have);
                rc = ERR_CONFLICT;
            }
            continue;
        }
        if (!rc)
            rc = copy_table(src, dst, t, &rows);
        if (!rc)
            log_info("copied", "%s: %lld rows", t, (long long)rows);
    }
    if (dst && dst->ops->in_txn(dst))
        rc = rc ? (db_exec(dst, "ROLLBACK"), rc) : db_exec(dst, "COMMIT");
    if (dst && !rc)
        rc = dst->ops->copy_mode(dst, 0);
    if (dst && !rc)
        rc = dst->ops->analyze(dst);
    names_free(&st);
    names_free(&dt);
    db_close(src);
    db_close(dst);
    return rc;
}
