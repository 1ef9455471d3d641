/* SPDX-License-Identifier: MIT */
/*
 * Record descriptions: a record type (an entity, a user, an audit row) is written down once,
 * as a table of fields, and everything else is derived from that table — the check of a JSON
 * body, the JSON of a row, the SELECT list, INSERT and partial UPDATE, the CSV and Excel
 * headers of an export, the columns an import understands, and the {from,to} diff the audit
 * log keeps. Adding a field to a record is one line here and one migration.
 *
 * A record's values travel as a JSON object (member = field name). A member that is present
 * was given; JSON null clears a nullable field (or stores its default). Rules a table cannot
 * express (a USCC's check character, a region that must exist) stay in the module's pure
 * rule functions, which read the same object.
 *
 * This layer knows the database (through db.h) and JSON, never HTTP.
 */
#ifndef JG_RECORD_H
#define JG_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "db/db.h"

enum field_type {
    FIELD_STRING,
    FIELD_INT,
    FIELD_BOOL,
    FIELD_NUMBER,
    FIELD_OBJECT, /* JSON object; stored as JSON text */
    FIELD_ARRAY,  /* JSON array; stored as JSON text */
    FIELD_DATE,   /* a string "YYYY-MM-DD" that is a real date */
    FIELD_TIME    /* read only: Unix seconds in the row, RFC 3339 (+08:00) in JSON */
};

#define FIELD_REQUIRED 0x01u  /* must be given on create */
#define FIELD_NULLABLE 0x02u  /* may be null */
#define FIELD_READONLY 0x04u  /* computed or joined: read and exported, never written */
#define FIELD_KEY 0x08u       /* the record's key: given on create, never changed */
#define FIELD_WRITEONLY 0x10u /* accepted in a body, never stored as such nor shown (password) */
#define FIELD_INTERNAL 0x20u  /* stored and shown, set by rules only (not by bodies, imports) */
#define FIELD_MULTILINE 0x40u /* strings: long text that may hold newlines and tabs */

/* One value of an enumerated field, with its Chinese label. */
struct enum_value {
    const char *value, *label;
};

struct field {
    const char *name;  /* JSON member, CSV header, stored column (unless READONLY) */
    int type;          /* enum field_type */
    unsigned flags;    /* FIELD_* */
    size_t max;        /* strings: most characters (not bytes); 0 = no limit */
    const char *label; /* Chinese name: messages, Excel header, UI */
    const char *expr;  /* SQL expression that reads it ("e.name"); NULL: not read */
    const char *def;   /* stored when absent on insert or given as null ("none"); NULL: SQL NULL */
    const struct enum_value *values; /* NULL-terminated, when the field is an enumeration */
    int64_t lo, hi;                  /* integers: allowed range when lo < hi */
};

struct rec_sql; /* statements derived from a record, built on first use */

struct record {
    const char *name;           /* "entity": audit objects are "<name>:<key>" */
    const char *label;          /* "市场主体" */
    const char *table;          /* "entities" */
    const char *from;           /* " FROM entities e": the table, under the alias of the key_expr */
    const char *joins;          /* " JOIN regions r ON r.code = e.region ...": for joined fields */
    const char *key;            /* the key field's name, also its stored column */
    const char *key_expr;       /* the key in reads: "e.uscc" */
    const char *stamp;          /* column set to now on every write ("updated_at"), or NULL */
    const struct field *fields; /* NULL-name-terminated */
    struct rec_sql *sql;        /* owned by record.c */
};

/* The field called name, or NULL. */
const struct field *field_find(const struct field *fields, const char *name);
/* The Chinese label of value in an enumerated field, or NULL when it is not one of them. */
const char *field_enum_label(const struct field *f, const char *value);

/* Checks body against fields: types, presence (unless partial, every FIELD_REQUIRED field),
 * null only where FIELD_NULLABLE, strings as people may type them (core/text.h: trimmed in
 * place, not blank when required, no control characters or bidi overrides, newlines only in
 * FIELD_MULTILINE), lengths in characters, enumerations, dates,
 * integer ranges; a KEY member is refused when partial. READONLY and INTERNAL members are
 * removed from body (they are never applied); members that are not fields are ignored. Returns 0,
 * or ERR_INVALID with the field's name in *field and a Chinese message in msg. Pure. */
int field_check_body(const struct field *fields, json_t *body, int partial,
                     const char **field /* out */, char *msg /* out */, size_t cap);
/* Whether body gives any field a write could apply (not READONLY or INTERNAL). */
int field_any_given(const struct field *fields, json_t *body);
/* Replaces each null member of v whose field has a default with that default, so that rules
 * judge the value that will be stored. */
void field_defaults(const struct field *fields, json_t *v);
/* Checks one value as the field's type would hold it ("C", "2026-01-01", "12", "true"), as a
 * query filter or a CSV cell; on success *out (may be NULL) gets it as JSON. Returns 0 or
 * ERR_INVALID with a message. Pure. */
int field_parse_text(const struct field *f, const char *text, json_t **out /* out */, char *msg,
                     size_t cap);

/* The SELECT list of every readable field, in order ("e.uscc AS uscc, ..."). The text lives as
 * long as the process. */
const char *rec_columns(struct record *r);
/* The field read as column i of rec_columns (0-based), or NULL past the last. */
const struct field *rec_column_field(struct record *r, int i);
/* The text of column i of the current row as field f shows it in a file: booleans as
 * true/false, instants in RFC 3339; NULL for SQL NULL. buf (40 bytes) may hold it. */
const char *rec_cell_text(const struct field *f, struct db_stmt *st, int i, char buf[40]);
/* The current row (columns from rec_columns, starting at column 0) as a new JSON object. */
json_t *rec_row_json(struct record *r, struct db_stmt *st);
/* Appends the current row to out as the JSON object rec_row_json would give, without building
 * it (lists write their pages this way). Returns 0 or ERR_TOOLARGE. */
int rec_row_write(struct record *r, struct db_stmt *st, struct strbuf *out);
/* Reads the record whose key is key. Returns 0 with a new object in *out, ERR_NOTFOUND, or a
 * database error. */
int rec_get(struct db *db, struct record *r, const char *key, json_t **out /* out */);
/* Inserts v (every writable member; absent ones take their default). Returns 0,
 * ERR_CONFLICT for a taken key, or an error. */
int rec_insert(struct db *w, struct record *r, json_t *v);
/* Many inserts at once (db_load_begin): rec_load_begin starts loading r's table inside the
 * write transaction w, rec_load adds v as rec_insert would, db_load_end finishes. */
int rec_load_begin(struct db *w, struct record *r, struct db_stmt **out);
int rec_load(struct db_stmt *st, struct record *r, json_t *v);
/* Changes the members of v on the record whose key is key. Returns 0, ERR_NOTFOUND, or an
 * error. */
int rec_update(struct db *w, struct record *r, const char *key, json_t *v);
/* The audit detail of a write: the writable members of v, each as {"from","to"} when before
 * (the record as it stood, may be NULL) differs. Returns JSON text the caller frees. */
char *rec_diff(struct record *r, json_t *v, json_t *before);

/* A filter on a set of values: appends " AND column IN (?, ...)" to sql for the values of the
 * JSON array a (nothing when a is NULL or empty), and rec_bind_values binds them from index *k
 * on, advancing it. Returns 0, or ERR_INVALID when a is not an array of at most max integers
 * (ints) or strings. */
int rec_sql_in(struct strbuf *sql, const char *column, json_t *a, int ints, size_t max);
int rec_bind_values(struct db_stmt *st, int *k, json_t *a);
/* Reads CSV text (RFC 4180, UTF-8, an optional BOM, a header row of field names) into one JSON
 * object per data line, each cell typed and checked as its field (an empty cell is null for
 * a nullable field and absent otherwise; a formula-escaping apostrophe is taken off). Columns
 * of READONLY and INTERNAL fields, as an export writes them, are skipped; unknown or repeated
 * columns, a missing required one, a malformed file, or more than max_rows lines are
 * problems. Each problem is appended to problems as {line, field, message} (the header is line
 * 1), at most max_report of them, and counted in *nproblems. On return *rows holds the objects
 * of the good lines, in order, with their line numbers in member "_line". Returns 0,
 * ERR_INVALID when there were problems, ERR_MALFORMED when the text is not UTF-8, or ERR_IO
 * when read failed (*rows is then empty). */
int rec_csv_read(struct record *r, const char *text, size_t len, size_t max_rows, size_t max_report,
                 json_t **rows /* out */, json_t *problems, size_t *nproblems /* out */);
/* Reads up to cap bytes of a text into buf: returns how many, 0 at its end, or -1. */
typedef long (*rec_read_fn)(void *arg, char *buf, size_t cap);
/* rec_csv_read over a text read piece by piece with read(arg, ...): a large upload is parsed
 * as it is read from its file, never held whole. */
int rec_csv_read_from(struct record *r, rec_read_fn read, void *arg, size_t max_rows,
                      size_t max_report, json_t **rows /* out */, json_t *problems,
                      size_t *nproblems /* out */);

#endif
