/* SPDX-License-Identifier: MIT */
/*
 * The PostgreSQL engine behind db.h (db_backend.h), on libpq, for postgresql:// addresses.
 *
 * Statements are written for both engines with `?` placeholders; prepare rewrites them to
 * `$n` (and SQLite's `?NN` to `$NN`). The server prepares a statement when it first runs,
 * with the types of its first bindings (integers int8, reals float8, blobs bytea, text and
 * NULL left for the server to infer), so `? IS NULL` and `LIMIT ?` work as on SQLite. Results
 * come in text form and are read as the column types say.
 *
 * Migrations are the same files as SQLite's: their column types (INTEGER, REAL, BLOB, the
 * STRICT and WITHOUT ROWID table options) are translated here, and what differs beyond that
 * sits in the migrations' "-- @postgresql" blocks. The write transaction takes an advisory
 * lock, so that several server processes on one database still write the audit chain in one
 * line.
 */
#include "db/db_backend.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS 64
#define WRITE_LOCK_KEY 0x6a69616eLL /* "jian": the advisory lock of the write transaction */

enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700
};

struct conn {
    struct db base;
    PGconn *h;
    unsigned next_name; /* statements are named s1, s2, ... on their connection */
    unsigned epoch;     /* grows when the connection is made anew: statements re-prepare */
    struct strbuf bulk; /* db_bulk_table: what puts back the indexes and keys it dropped */
    char *bulk_table;   /* ... of this table */
    int changes;
    char err[256];
};

struct param {
    Oid type;
    int is_null, binary;
    char *value; /* owned */
    int len;
    char num[32]; /* integers and reals, written out */
};

struct stmt {
    struct db_stmt base;
    char *text; /* with $n placeholders */
    char name[16];
    int prepared;
    unsigned epoch; /* the connection's epoch it was prepared in */
    int nparams;
    struct param params[MAX_PARAMS];
    PGresult *res;
    int row, nrows;      /* the current row of res; -1 before the first step */
    int stream;          /* db_stream: rows come one result each (single-row mode) */
    int streaming;       /* sent, and results still to be read from the connection */
    unsigned char *blob; /* the current bytea cell, decoded */
    int blob_col, blob_row;
    size_t blob_len;
    struct strbuf copy; /* a loader's rows not yet sent (db_load_*) */
};

#define C(db) ((struct conn *)(void *)(db))
#define S(st) ((struct stmt *)(void *)(st))

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

/* ---- errors ---- */

static int map_result(struct conn *c, PGresult *r, const char *sql)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->err, sizeof c->err, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->h));
    c->err[strcspn(c->err, "\n")] = '\0';
    if (state && !strncmp(state, "23", 2)) /* integrity constraint violation */
        return !strcmp(state, "23514") ? ERR_INVALID : ERR_CONFLICT;
    log_error("database error", "%s: %.300s", c->err, sql);
    return ERR_DB;
}

/* ---- translation ---- */

static int word_at(const char *p, const char *start, const char *word);

/* Copies sql with each `?` (outside quotes and comments) made `$n`, and `?NN` made `$NN`.
 * SQLite's CROSS JOIN ... ON (an inner join whose loop order is fixed, a hint to its
 * planner) is an inner join here. Returns the new text (caller frees) and the number of
 * parameters in *n. */
static char *placeholders(const char *sql, int *n)
{
    struct strbuf out;
    strbuf_init(&out, 1u << 20);
    int next = 0, most = 0;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            const char *q = strchr(p + 1, *p);
            size_t len = q ? (size_t)(q - p) + 1 : strlen(p);
            strbuf_append(&out, p, len);
            p += len;
        } else if (p[0] == '-' && p[1] == '-') {
            size_t len = strcspn(p, "\n");
            strbuf_append(&out, p, len);
            p += len;
        } else if (*p == '?') {
            p++;
            int k = 0;
            if (isdigit((unsigned char)*p))
                while (isdigit((unsigned char)*p))
                    k = k * 10 + (*p++ - '0');
            else
                k = ++next;
            if (k > most)
                most = k;
            strbuf_printf(&out, "$%d", k);
        } else if (word_at(p, sql, "CROSS JOIN")) {
            strbuf_puts(&out, "JOIN");
            p += 10;
        } else {
            strbuf_append(&out, p++, 1);
        }
    }
    *n = most;
    size_t len;
    return strbuf_take(&out, &len);
}

static int word_at(const char *p, const char *start, const char *word)
{
    size_t n = strlen(word);
    return !strncmp(p, word, n) && !isalnum((unsigned char)p[n]) && p[n] != '_' &&
           (p == start || (!isalnum((unsigned char)p[-1]) && p[-1] != '_'));
}

/* A migration's DDL in PostgreSQL's words: INTEGER is 64-bit BIGINT (an INTEGER PRIMARY KEY
 * numbers itself, as SQLite's rowid does), REAL is DOUBLE PRECISION, BLOB is BYTEA, TEXT
 * compares in code-point order (COLLATE "C", as SQLite's BINARY: the same sorted answers, and
 * a code-prefix range that holds whatever the database's collation), and the STRICT and
 * WITHOUT ROWID table options go. Keywords are matched in capitals, as migrations write them
 * (so a -- @postgresql block's lower-case `text` and `integer` stay as written); quoted text
 * and comments are left alone. */
static char *db_pg_ddl(const char *sql)
{
    static const char *const from[] = {
        "INTEGER PRIMARY KEY",     "INTEGER",  "REAL",           "BLOB", "TEXT",
        ") STRICT, WITHOUT ROWID", ") STRICT", ") WITHOUT ROWID"};
    static const char *const to[] = {"BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                                     "BIGINT",
                                     "DOUBLE PRECISION",
                                     "BYTEA",
                                     "TEXT COLLATE \"C\"",
                                     ")",
                                     ")",
                                     ")"};
    struct strbuf out;
    strbuf_init(&out, 16u << 20);
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            const char *q = strchr(p + 1, *p);
            size_t len = q ? (size_t)(q - p) + 1 : strlen(p);
            strbuf_append(&out, p, len);
            p += len;
            continue;
        }
        if (p[0] == '-' && p[1] == '-') {
            size_t len = strcspn(p, "\n");
            strbuf_append(&out, p, len);
            p += len;
            continue;
        }
        size_t k = 0;
        for (; k < sizeof from / sizeof from[0]; k++)
            if (from[k][0] == ')' ? !strncmp(p, from[k], strlen(from[k]))
                                  : word_at(p, sql, from[k]))
                break;
        if (k < sizeof from / sizeof from[0]) {
            /* INTEGER PRIMARY KEY CHECK (one = 1): a one-row table, numbered by hand. */
            if (k == 0 && word_at(p + strlen(from[0]) + 1, sql, "CHECK"))
                k = 1;
            strbuf_puts(&out, to[k]);
            p += strlen(from[k]);
        } else {
            strbuf_append(&out, p++, 1);
        }
    }
    size_t len;
    return strbuf_take(&out, &len);
}

/* ---- connections ---- */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int pg_open(const char *target, enum db_role role, struct db **out)
{
    /* The session's settings go with the connection's parameters, so that a connection made
     * anew (PQreset) keeps them. A reader cannot write, whatever a bug would ask. */
    const char *keys[] = {"dbname", "client_encoding", "application_name", "options", NULL};
    const char *values[] = {target, "UTF8", role == DB_READER ? "jianguan-reader" : "jianguan",
                            role == DB_READER ? "-c default_transaction_read_only=on"
                                              : "-c synchronous_commit=on",
                            NULL};
    PGconn *h = PQconnectdbParams(keys, values, 1);
    if (PQstatus(h) != CONNECTION_OK) {
        log_error("cannot open database", "%s", PQerrorMessage(h));
        PQfinish(h);
        return ERR_DB;
    }
    struct conn *c = xcalloc(1, sizeof *c);
    strbuf_init(&c->bulk, 1u << 20);
    c->h = h;
    *out = &c->base;
    /* Notices (a table that existed already) are not errors. */
    PQsetNoticeProcessor(h, quiet, NULL);
    return 0;
}

static void pg_close(struct db *db)
{
    strbuf_dispose(&C(db)->bulk);
    free(C(db)->bulk_table);
    PQfinish(C(db)->h);
    free(db);
}

/* After a failed call outside a transaction: when the connection broke (the server restarted),
 * makes it anew and says to try once more. */
static int reconnected(struct conn *c, PGTransactionStatusType before)
{
    if (before != PQTRANS_IDLE || PQstatus(c->h) != CONNECTION_BAD)
        return 0;
    PQreset(c->h);
    if (PQstatus(c->h) != CONNECTION_OK)
        return 0;
    c->epoch++;
    log_warn("database connection made anew", "%s", PQdb(c->h));
    return 1;
}

static int pg_exec(struct db *db, const char *sql)
{
    PGTransactionStatusType before = PQtransactionStatus(C(db)->h);
    PGresult *r = PQexec(C(db)->h, sql);
    if (PQresultStatus(r) == PGRES_FATAL_ERROR && reconnected(C(db), before)) {
        PQclear(r);
        r = PQexec(C(db)->h, sql);
    }
    ExecStatusType s = PQresultStatus(r);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY
                 ? 0
                 : map_result(C(db), r, sql);
    if (!rc)
        C(db)->changes = atoi(PQcmdTuples(r));
    PQclear(r);
    return rc;
}

/* ---- statements ---- */

static void clear_result(struct stmt *st)
{
    if (st->streaming) { /* read what is left, so the connection is free again */
        PGresult *r;
        while ((r = PQgetResult(C(st->base.db)->h)))
            PQclear(r);
        st->streaming = 0;
    }
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->nrows = 0;
    free(st->blob);
    st->blob = NULL;
}

static void clear_params(struct stmt *st)
{
    for (int i = 0; i < st->nparams; i++) {
        free(st->params[i].value);
        st->params[i] = (struct param){0};
        st->params[i].is_null = 1;
    }
}

static int pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    int n;
    char *text = placeholders(sql, &n);
    if (n > MAX_PARAMS) {
        snprintf(C(db)->err, sizeof C(db)->err, "%d parameters, at most %d", n, MAX_PARAMS);
        free(text);
        return ERR_DB;
    }
    struct stmt *st = xcalloc(1, sizeof *st);
    st->text = text;
    st->nparams = n;
    st->row = -1;
    snprintf(st->name, sizeof st->name, "s%u", ++C(db)->next_name);
    for (int i = 0; i < n; i++)
        st->params[i].is_null = 1;
    *out = &st->base;
    return 0;
}

static void pg_reset(struct db_stmt *st)
{
    clear_result(S(st));
    S(st)->stream = 0;
    clear_params(S(st));
}

static void pg_stream(struct db_stmt *st)
{
    S(st)->stream = 1;
}

static void pg_finalize(struct db_stmt *st)
{
    struct stmt *s = S(st);
    clear_result(s);
    clear_params(s);
    if (s->prepared && s->epoch == C(st->db)->epoch) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        PQclear(PQexec(C(st->db)->h, sql));
    }
    free(s->text);
    free(s);
}

static struct param *param_at(struct db_stmt *st, int idx)
{
    if (idx < 1 || idx > S(st)->nparams)
        return NULL;
    struct param *p = &S(st)->params[idx - 1];
    free(p->value);
    *p = (struct param){0};
    return p;
}

static int pg_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    struct param *p = param_at(st, idx);
    if (!p)
        return ERR_DB;
    p->type = OID_INT8;
    snprintf(p->num, sizeof p->num, "%lld", (long long)v);
    return 0;
}

static int pg_bind_double(struct db_stmt *st, int idx, double v)
{
    struct param *p = param_at(st, idx);
    if (!p)
        return ERR_DB;
    p->type = OID_FLOAT8;
    snprintf(p->num, sizeof p->num, "%.17g", v);
    return 0;
}

static int pg_bind_text(struct db_stmt *st, int idx, const char *s, int len)
{
    struct param *p = param_at(st, idx);
    if (!p)
        return ERR_DB;
    p->value = xstrndup(s, len < 0 ? strlen(s) : (size_t)len);
    return 0;
}

static int pg_bind_blob(struct db_stmt *st, int idx, const void *v, int len)
{
    struct param *p = param_at(st, idx);
    if (!p)
        return ERR_DB;
    p->type = OID_BYTEA;
    p->binary = 1;
    p->len = len;
    p->value = xmalloc(len > 0 ? (size_t)len : 1);
    memcpy(p->value, v, (size_t)len);
    return 0;
}

static int pg_bind_null(struct db_stmt *st, int idx)
{
    struct param *p = param_at(st, idx);
    if (!p)
        return ERR_DB;
    p->is_null = 1;
    return 0;
}

static int run_once(struct stmt *st);

/* Streaming: reads the next result of the connection, a row of its own or the end (a result
 * of no rows, which still describes the columns). */
static int next_piece(struct stmt *st)
{
    struct conn *c = C(st->base.db);
    PQclear(st->res);
    free(st->blob);
    st->blob = NULL;
    st->res = PQgetResult(c->h);
    st->row = -1;
    ExecStatusType s = PQresultStatus(st->res);
    if (s == PGRES_SINGLE_TUPLE) {
        st->nrows = 1;
        return 0;
    }
    st->nrows = 0;
    c->changes = 0;
    int rc = s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK ? 0 : map_result(c, st->res, st->text);
    PGresult *r; /* the end: the connection says so with a NULL result */
    while ((r = PQgetResult(c->h)))
        PQclear(r);
    st->streaming = 0;
    if (rc) {
        PQclear(st->res);
        st->res = NULL;
    }
    return rc;
}

/* Runs the statement with its bindings, preparing it on its first run; once more on a
 * connection made anew when the server went away outside a transaction. */
static int run(struct stmt *st)
{
    struct conn *c = C(st->base.db);
    PGTransactionStatusType before = PQtransactionStatus(c->h);
    int rc = run_once(st);
    if (rc == ERR_DB && reconnected(c, before))
        rc = run_once(st);
    return rc;
}

static int run_once(struct stmt *st)
{
    struct conn *c = C(st->base.db);
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    Oid types[MAX_PARAMS];
    for (int i = 0; i < st->nparams; i++) {
        struct param *p = &st->params[i];
        types[i] = p->is_null ? 0 : p->type;
        values[i] = p->is_null                                     ? NULL
                    : p->type == OID_INT8 || p->type == OID_FLOAT8 ? p->num
                                                                   : p->value;
        lengths[i] = p->binary ? p->len : 0;
        formats[i] = p->binary;
    }
    if (!st->prepared || st->epoch != c->epoch) {
        PGresult *r = PQprepare(c->h, st->name, st->text, st->nparams, types);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && !strcmp(state, "42P18")) { /* `? IS NULL` of a text or NULL: say text */
            PQclear(r);
            for (int i = 0; i < st->nparams; i++)
                types[i] = types[i] ? types[i] : OID_TEXT;
            r = PQprepare(c->h, st->name, st->text, st->nparams, types);
        }
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        int rc = ok ? 0 : map_result(c, r, st->text);
        PQclear(r);
        if (rc)
            return rc;
        st->prepared = 1;
        st->epoch = c->epoch;
    }
    if (st->stream) {
        if (!PQsendQueryPrepared(c->h, st->name, st->nparams, values, lengths, formats, 0)) {
            snprintf(c->err, sizeof c->err, "%s", PQerrorMessage(c->h));
            return ERR_DB;
        }
        st->streaming = 1;
        PQsetSingleRowMode(c->h);
        return next_piece(st);
    }
    st->res = PQexecPrepared(c->h, st->name, st->nparams, values, lengths, formats, 0);
    ExecStatusType s = PQresultStatus(st->res);
    if (s == PGRES_TUPLES_OK) {
        st->nrows = PQntuples(st->res);
        c->changes = 0;
        return 0;
    }
    if (s == PGRES_COMMAND_OK) {
        c->changes = atoi(PQcmdTuples(st->res));
        return 0;
    }
    int rc = map_result(c, st->res, st->text);
    clear_result(st);
    return rc;
}

static int pg_step(struct db_stmt *base)
{
    struct stmt *st = S(base);
    if (!st->res) {
        int rc = run(st);
        if (rc)
            return rc;
    } else if (st->streaming && st->row + 1 >= st->nrows) {
        int rc = next_piece(st);
        if (rc)
            return rc;
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return DB_ROW;
    }
    st->row = st->nrows;
    return DB_DONE;
}

/* SQLite describes a statement's columns before its first step: run it now to know them. */
static int described(struct stmt *st)
{
    return st->res || !run(st);
}

static int pg_col_count(struct db_stmt *st)
{
    return described(S(st)) ? PQnfields(S(st)->res) : 0;
}

static const char *pg_col_name(struct db_stmt *st, int i)
{
    return described(S(st)) ? PQfname(S(st)->res, i) : NULL;
}

static int is_null(struct stmt *st, int i)
{
    return !st->res || st->row < 0 || st->row >= st->nrows || PQgetisnull(st->res, st->row, i);
}

static int pg_col_type(struct db_stmt *base, int i)
{
    struct stmt *st = S(base);
    if (is_null(st, i))
        return DB_NULL;
    switch (PQftype(st->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID: return DB_INT;
    case OID_FLOAT4:
    case OID_FLOAT8: return DB_FLOAT;
    case OID_NUMERIC: /* sums and averages: whole or not */
        return strpbrk(PQgetvalue(st->res, st->row, i), ".eE") ? DB_FLOAT : DB_INT;
    case OID_BYTEA: return DB_BLOB;
    default: return DB_TEXT;
    }
}

static int64_t pg_col_int(struct db_stmt *base, int i)
{
    struct stmt *st = S(base);
    if (is_null(st, i))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, i);
    if (PQftype(st->res, i) == OID_BOOL)
        return v[0] == 't';
    if (strpbrk(v, ".eE"))
        return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

static double pg_col_double(struct db_stmt *base, int i)
{
    struct stmt *st = S(base);
    if (is_null(st, i))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, i);
    return PQftype(st->res, i) == OID_BOOL ? v[0] == 't' : strtod(v, NULL);
}

static const char *pg_col_text(struct db_stmt *base, int i)
{
    struct stmt *st = S(base);
    if (is_null(st, i))
        return NULL;
    const char *v = PQgetvalue(st->res, st->row, i);
    if (PQftype(st->res, i) == OID_BOOL) /* as SQLite shows a comparison */
        return v[0] == 't' ? "1" : "0";
    return v;
}

/* The current bytea cell of column i, decoded once. */
static const unsigned char *bytea(struct stmt *st, int i)
{
    if (st->blob && st->blob_col == i && st->blob_row == st->row)
        return st->blob;
    free(st->blob);
    st->blob =
        PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, i), &st->blob_len);
    st->blob_col = i;
    st->blob_row = st->row;
    return st->blob;
}

static const void *pg_col_blob(struct db_stmt *base, int i)
{
    struct stmt *st = S(base);
    if (is_null(st, i))
        return NULL;
    if (PQftype(st->res, i) != OID_BYTEA)
        return PQgetvalue(st->res, st->row, i);
    return bytea(st, i);
}

static int pg_col_len(struct db_stmt *base, int i)
{
    struct stmt *st = S(base);
    if (is_null(st, i))
        return 0;
    if (PQftype(st->res, i) != OID_BYTEA)
        return PQgetlength(st->res, st->row, i);
    return bytea(st, i) ? (int)st->blob_len : 0;
}

/* ---- loading: COPY ... FROM STDIN in text form ---- */

#define COPY_CHUNK (256 * 1024) /* rows are sent in pieces of about this size */

static int pg_load_begin(struct db *db, const char *insert_sql, struct db_stmt **out)
{
    /* "INSERT INTO table(cols) VALUES (?, ...)": the table and columns of a COPY. */
    const char *into = strstr(insert_sql, "INSERT INTO ");
    const char *open = into ? strchr(into, '(') : NULL;
    const char *close = open ? strchr(open, ')') : NULL;
    if (!close) {
        snprintf(C(db)->err, sizeof C(db)->err, "not an INSERT of columns");
        return ERR_DB;
    }
    into += 12;
    char *copy = printed("COPY %.*s %.*s FROM STDIN", (int)(open - into), into,
                         (int)(close - open + 1), open);
    PGresult *r = PQexec(C(db)->h, copy);
    int rc = PQresultStatus(r) == PGRES_COPY_IN ? 0 : map_result(C(db), r, copy);
    PQclear(r);
    free(copy);
    if (rc)
        return rc;
    rc = pg_prepare(db, insert_sql, out);   /* the parameters, never prepared on the server */
    strbuf_init(&S(*out)->copy, 64u << 20); /* a row is far smaller */
    return rc;
}

/* Appends s (len bytes) to a COPY line, escaped as its text form wants. */
static void copy_text(struct strbuf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        const char *esc = c == '\\'   ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if (esc)
            strbuf_puts(b, esc);
        else
            strbuf_append(b, &c, 1);
    }
}

static int copy_flush(struct stmt *st)
{
    struct conn *c = C(st->base.db);
    if (st->copy.len && PQputCopyData(c->h, strbuf_get(&st->copy), (int)st->copy.len) != 1) {
        snprintf(c->err, sizeof c->err, "%s", PQerrorMessage(c->h));
        return ERR_DB;
    }
    st->copy.len = 0;
    return 0;
}

static int pg_load_row(struct db_stmt *base)
{
    struct stmt *st = S(base);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < st->nparams; i++) {
        struct param *p = &st->params[i];
        if (i)
            strbuf_putc(&st->copy, '\t');
        if (p->is_null)
            strbuf_puts(&st->copy, "\\N");
        else if (p->type == OID_INT8 || p->type == OID_FLOAT8)
            strbuf_puts(&st->copy, p->num);
        else if (p->type == OID_BYTEA) {
            strbuf_puts(&st->copy, "\\\\x"); /* bytea's \x, its backslash escaped */
            for (int k = 0; k < p->len; k++) {
                unsigned char v = (unsigned char)p->value[k];
                char two[2] = {hex[v >> 4], hex[v & 15]};
                strbuf_append(&st->copy, two, 2);
            }
        } else
            copy_text(&st->copy, p->value, strlen(p->value));
    }
    strbuf_putc(&st->copy, '\n');
    clear_params(st);
    return st->copy.len >= COPY_CHUNK ? copy_flush(st) : 0;
}

static int pg_load_end(struct db_stmt *base, int rc)
{
    struct stmt *st = S(base);
    struct conn *c = C(base->db);
    if (!rc)
        rc = copy_flush(st);
    if (PQputCopyEnd(c->h, rc ? "abandoned" : NULL) != 1 && !rc) {
        snprintf(c->err, sizeof c->err, "%s", PQerrorMessage(c->h));
        rc = ERR_DB;
    }
    PGresult *r;
    while ((r = PQgetResult(c->h))) {
        if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = map_result(c, r, st->text);
        PQclear(r);
    }
    strbuf_dispose(&st->copy);
    pg_finalize(base);
    return rc;
}

static int64_t pg_last_id(struct db *db)
{
    PGresult *r = PQexec(C(db)->h, "SELECT lastval()");
    int64_t id = PQresultStatus(r) == PGRES_TUPLES_OK ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return id;
}

static int pg_changes(struct db *db)
{
    return C(db)->changes;
}

static const char *pg_errmsg(struct db *db)
{
    return C(db)->err[0] ? C(db)->err : PQerrorMessage(C(db)->h);
}

static int64_t pg_size_bytes(struct db *db)
{
    PGresult *r = PQexec(C(db)->h, "SELECT pg_database_size(current_database())");
    int64_t n = PQresultStatus(r) == PGRES_TUPLES_OK ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return n;
}

static int pg_in_txn(struct db *db)
{
    PGTransactionStatusType s = PQtransactionStatus(C(db)->h);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

static int pg_alive(struct db *db)
{
    return PQstatus(C(db)->h) == CONNECTION_OK;
}

static int pg_begin(struct db *db)
{
    char sql[96];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", WRITE_LOCK_KEY);
    return pg_exec(db, sql);
}

/* A COMMIT the server answered with an error did not commit; one whose connection broke may
 * have. */
static int pg_discard(struct db *db)
{
    if (PQstatus(C(db)->h) == CONNECTION_OK)
        return 0;
    PQreset(C(db)->h); /* for the next writer */
    return ERR_IN_DOUBT;
}

static int pg_backup(struct db *db, const char *dest)
{
    (void)db;
    log_error("backup", "%s: a PostgreSQL database is backed up with pg_dump or pg_basebackup",
              dest);
    return ERR_DB;
}

static int pg_analyze(struct db *w)
{
    return pg_exec(w, "ANALYZE");
}

static int pg_checkpoint(struct db *db)
{
    (void)db; /* the server checkpoints its own write-ahead log */
    return 0;
}

static void pg_bulk_mode(struct db *w, int on)
{
    pg_exec(w, on ? "SET work_mem = '256MB'" : "RESET work_mem");
}

/* ILIKE '%fragment%' (the GIN trigram index serves it), with %, _ and the escape character \
 * taken literally. */
static int pg_contains(const char *table, const char *alias, const char *column,
                       const char *fragment, char *text[4], char *pattern, size_t cap)
{
    text[0] = printed(" FROM %s %s", table, alias);
    text[1] = printed(" FROM %s %s", table, alias);
    text[2] = printed("%s.id", alias);
    text[3] = printed(" AND %s.%s ILIKE ?", alias, column);
    size_t o = 0;
    if (cap < 3)
        return ERR_TOOLARGE;
    pattern[o++] = '%';
    for (const char *p = fragment; *p; p++) {
        int special = *p == '%' || *p == '_' || *p == '\\';
        if (o + special + 2 >= cap)
            return ERR_TOOLARGE;
        if (special)
            pattern[o++] = '\\';
        pattern[o++] = *p;
    }
    pattern[o++] = '%';
    pattern[o] = '\0';
    return 0;
}

/* Loading as a replica does: no triggers, no foreign-key checks (which are triggers), so
 * tables load in any order and derived tables are copied as they are. Needs a superuser. */
static int pg_copy_mode(struct db *db, int on)
{
    return pg_exec(db, on ? "SET session_replication_role = replica"
                          : "SET session_replication_role = DEFAULT");
}

/* The statements that drop a bulk table's indexes and keys, and those that put them back:
 * its secondary indexes (not those behind a constraint), its foreign keys (checked again, in
 * one join each, when they are added back), and its primary key and unique keys unless another
 * table's foreign key needs them. Each row: the drop, then the rebuild. */
static const char bulk_sql[] =
    "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)"
    " FROM pg_index i WHERE i.indrelid = $1::regclass AND NOT EXISTS"
    " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
    " UNION ALL"
    " SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', k.conrelid::regclass, k.conname),"
    " format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.conrelid::regclass, k.conname,"
    " pg_get_constraintdef(k.oid))"
    " FROM pg_constraint k WHERE k.conrelid = $1::regclass AND (k.contype = 'f' OR"
    " (k.contype IN ('p', 'u') AND NOT EXISTS (SELECT 1 FROM pg_constraint f"
    " WHERE f.contype = 'f' AND f.confrelid = k.conrelid AND f.conindid = k.conindid)))";

/* In bulk (on), a table keeps none of the indexes and keys it can do without while it fills:
 * PostgreSQL builds each in one sort at the end, and checks each foreign key in one join,
 * rather than row by row (the demo city's 710,000 entities: 75 s of COPY with its seven
 * indexes and three foreign keys). One table at a time. */
static int pg_bulk_table(struct db *db, const char *table, int on)
{
    struct conn *c = C(db);
    if (!on) {
        if (!c->bulk_table)
            return 0; /* nothing in bulk (an "on" refused before it dropped anything) */
        if (strcmp(c->bulk_table, table)) {
            /* Another table is in bulk: keep what rebuilds its keys for its own "off". */
            log_error("bulk table", "%s ended while %s is in bulk", table, c->bulk_table);
            return ERR_INTERNAL;
        }
        int rc = c->bulk.len ? pg_exec(db, strbuf_get(&c->bulk)) : 0;
        strbuf_reset(&c->bulk);
        free(c->bulk_table);
        c->bulk_table = NULL;
        return rc;
    }
    if (c->bulk_table) {
        log_error("bulk table", "%s asked while %s is in bulk", table, c->bulk_table);
        return ERR_INTERNAL;
    }
    const char *params[1] = {table};
    PGresult *r = PQexecParams(c->h, bulk_sql, 1, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : map_result(c, r, "pg_index");
    strbuf_reset(&c->bulk);
    if (!rc)
        c->bulk_table = xstrdup(table);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        rc = pg_exec(db, PQgetvalue(r, i, 0));
        if (!rc)
            rc = strbuf_printf(&c->bulk, "%s;\n", PQgetvalue(r, i, 1)) ? ERR_INTERNAL : 0;
    }
    PQclear(r);
    if (rc) { /* the transaction fails and rolls the drops back: nothing is left to rebuild */
        strbuf_reset(&c->bulk);
        free(c->bulk_table);
        c->bulk_table = NULL;
    }
    return rc;
}

/* A copied table's identity column goes on from its largest value. */
static int pg_loaded(struct db *db, const char *table)
{
    char *has = printed("SELECT 1 FROM information_schema.columns WHERE table_schema ="
                        " current_schema() AND table_name = '%s' AND column_name = 'id'"
                        " AND is_identity = 'YES'",
                        table);
    PGresult *r = PQexec(C(db)->h, has);
    int identity = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    free(has);
    if (!identity)
        return 0;
    char *sql = printed("SELECT setval(pg_get_serial_sequence('%s', 'id'),"
                        " greatest((SELECT max(id) FROM %s), 1))",
                        table, table);
    int rc = pg_exec(db, sql);
    free(sql);
    return rc;
}

const struct db_ops db_pg_ops = {
    .name = "postgresql",
    .analyzes_itself = 1, /* autovacuum */
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .reset = pg_reset,
    .stream = pg_stream,
    .load_begin = pg_load_begin,
    .load_row = pg_load_row,
    .load_end = pg_load_end,
    .finalize = pg_finalize,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_len = pg_col_len,
    .last_id = pg_last_id,
    .changes = pg_changes,
    .errmsg = pg_errmsg,
    .size_bytes = pg_size_bytes,
    .in_txn = pg_in_txn,
    .alive = pg_alive,
    .begin = pg_begin,
    .discard = pg_discard,
    .backup = pg_backup,
    .analyze = pg_analyze,
    .checkpoint = pg_checkpoint,
    .bulk_mode = pg_bulk_mode,
    .bulk_table = pg_bulk_table,
    .contains = pg_contains,
    .tables_sql = "SELECT table_name::text FROM information_schema.tables WHERE"
                  " table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    .copy_mode = pg_copy_mode,
    .loaded = pg_loaded,
    .ddl = db_pg_ddl,
};
