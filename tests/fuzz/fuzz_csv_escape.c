/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the escaping of CSV exports. The input is two cell values (split at
 * the first NUL; any bytes, UTF-8 or not, since the rules are bytewise). Each is checked in
 * three layers:
 *
 * 1. The rule (core/formula.h): formula_needs_escape(v) holds exactly when v starts with a
 *    character a spreadsheet takes for a formula (= + - @ tab CR | or one of ＝ ＋ － ＠)
 *    or with an apostrophe; formula_unescape() of the escaped text is v again.
 * 2. The writer and the reader's parser: the real export (reply_export, EXPORT_CSV) of a row
 *    holding the two values is the BOM, the header and one record, which libcsv, configured
 *    as rec_csv_read configures it, parses back into exactly the two escaped texts: v, or
 *    "'" + v when the rule says so. So a formula-like value never reaches a cell without its
 *    apostrophe in front, quoted or not.
 * 3. The import: rec_csv_read() of the export gives each value back as the field would take
 *    it typed in a JSON body (field_parse_text: trimmed, refused with a problem when the
 *    field refuses it); an empty value is an empty cell, which is absent.
 */
#include <csv.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/formula.h"
#include "core/strbuf.h"
#include "db/db.h"
#include "http/export.h"
#include "http/http.h"
#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A record of two text columns: one line of text, and text that may hold newlines. */
static const struct field fields[] = {
    {"name", FIELD_STRING, 0, 0, "名称", "name"},
    {"note", FIELD_STRING, FIELD_MULTILINE, 0, "备注", "note"},
    {NULL},
};
static struct record rec = {.name = "t",
                            .label = "测试",
                            .table = "t",
                            .from = " FROM t",
                            .key = "name",
                            .key_expr = "name",
                            .fields = fields};

static struct db *db;

/* Whether a spreadsheet takes s for a formula (see above). */
static int formula_like(const char *s)
{
    static const char *const wide[] = {"＝", "＋", "－", "＠"};
    if (s[0] && strchr("=+-@\t\r|", s[0]))
        return 1;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (!strncmp(s, wide[i], strlen(wide[i])))
            return 1;
    return 0;
}

struct cells {
    char *text[4];
    size_t len[4];
    int n, rows;
};

static void on_field(void *s, size_t len, void *data)
{
    struct cells *c = data;
    if (c->rows == 0 && c->n < 4) {
        c->text[c->n] = malloc(len + 1);
        memcpy(c->text[c->n], s ? s : "", len);
        c->text[c->n][len] = '\0';
        c->len[c->n] = len;
    }
    c->n++;
}

static void on_row(int term, void *data)
{
    (void)term;
    ((struct cells *)data)->rows++;
}

/* rec_csv_read's: no byte is a space to trim. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Layer 1 for v; puts the escaped text in out (caller frees). */
static char *check_rule(const char *v)
{
    int escape = formula_like(v) || v[0] == '\'';
    if (formula_needs_escape(v) != escape) {
        fprintf(stderr, "formula_needs_escape(\"%s\") is %d\n", v, !escape);
        abort();
    }
    size_t n = strlen(v);
    char *out = malloc(n + 2);
    out[0] = '\'';
    memcpy(out + 1, v, n + 1);
    const char *written = escape ? out : out + 1;
    if (strcmp(formula_unescape(written), v)) {
        fprintf(stderr, "formula_unescape(\"%s\") is not \"%s\"\n", written, v);
        abort();
    }
    if (!escape)
        memmove(out, out + 1, n + 1);
    return out;
}

/* Layer 3: what the import should make of v in field f: NULL for an empty cell (absent),
 * else the value field_parse_text gives (*refused set when it refuses). */
static json_t *import_of(const struct field *f, const char *v, int *refused)
{
    json_t *want = NULL;
    char msg[512];
    if (*v && field_parse_text(f, v, &want, msg, sizeof msg))
        *refused = 1;
    return want;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db && db_open_memory(&db))
        abort();
    /* Two values: up to the first NUL, and from there to the next. */
    size_t n1 = strnlen((const char *)data, size);
    size_t n2 = n1 < size ? strnlen((const char *)data + n1 + 1, size - n1 - 1) : 0;
    char *v[2] = {malloc(n1 + 1), malloc(n2 + 1)};
    memcpy(v[0], data, n1);
    v[0][n1] = '\0';
    if (n2)
        memcpy(v[1], data + n1 + 1, n2);
    v[1][n2] = '\0';
    char *escaped[2] = {check_rule(v[0]), check_rule(v[1])};

    /* Layer 2: the export. */
    struct db_stmt *st = NULL;
    struct resp resp = {0};
    strbuf_init(&resp.body, 64u << 20);
    if (db_prepare_once(db, "SELECT ? AS name, ? AS note", &st) ||
        db_bind_text(st, 1, v[0], (int)n1) || db_bind_text(st, 2, v[1], (int)n2) ||
        reply_export(&resp, st, EXPORT_CSV, "测试", &rec, NULL) || !resp.has_fd)
        abort();
    db_finalize(st);
    char *file = malloc(resp.fd_len + 1);
    if (pread(resp.fd, file, resp.fd_len, 0) != (ssize_t)resp.fd_len)
        abort();
    file[resp.fd_len] = '\0';
    static const char head[] = "\xEF\xBB\xBFname,note\r\n";
    size_t hl = sizeof head - 1;
    if (resp.fd_len < hl || memcmp(file, head, hl)) {
        fprintf(stderr, "export does not start with the BOM and the header\n");
        abort();
    }
    const char *rec_text = file + hl;
    size_t rec_len = resp.fd_len - hl;
    if (formula_like(v[0]) && rec_text[0] != '\'' && (rec_text[0] != '"' || rec_text[1] != '\'')) {
        fprintf(stderr, "formula-like \"%s\" written as %.40s\n", v[0], rec_text);
        abort();
    }
    struct cells c = {0};
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI))
        abort();
    csv_set_space_func(&p, no_space);
    if (csv_parse(&p, rec_text, rec_len, on_field, on_row, &c) != rec_len ||
        csv_fini(&p, on_field, on_row, &c) || c.rows != 1 || c.n != 2) {
        fprintf(stderr, "the record of \"%s\", \"%s\" parses as %d cells in %d rows\n", v[0], v[1],
                c.n, c.rows);
        abort();
    }
    csv_free(&p);
    for (int k = 0; k < 2; k++)
        if (c.len[k] != strlen(escaped[k]) || memcmp(c.text[k], escaped[k], c.len[k])) {
            fprintf(stderr, "cell %d: wrote \"%s\", read back \"%s\"\n", k, escaped[k], c.text[k]);
            abort();
        }

    /* Layer 3: the import of the file (the BOM taken off, as the import route does). */
    json_t *rows = NULL, *problems = json_array();
    size_t nproblems = 0;
    rec_csv_read(&rec, file + 3, resp.fd_len - 3, 10, 10, &rows, problems, &nproblems);
    json_t *row = json_array_get(rows, 0);
    int refused = 0;
    json_t *want[2] = {import_of(&fields[0], v[0], &refused),
                       import_of(&fields[1], v[1], &refused)};
    int bad = refused ? json_array_size(rows) != 0 || nproblems == 0
                      : json_array_size(rows) != 1 || nproblems != 0 ||
                            json_object_size(row) != 1u + (want[0] != NULL) + (want[1] != NULL);
    for (int k = 0; !bad && !refused && k < 2; k++) {
        json_t *got = json_object_get(row, fields[k].name);
        bad = want[k] ? !json_equal(got, want[k]) : got != NULL;
    }
    if (bad) {
        char *dump = json_dumps(row, 0);
        fprintf(stderr, "import of \"%s\", \"%s\" (%s): %zu rows, %zu problems, %s\n", v[0], v[1],
                refused ? "refused as a body" : "taken as a body", json_array_size(rows), nproblems,
                dump ? dump : "no row");
        abort();
    }
    json_decref(want[0]);
    json_decref(want[1]);
    json_decref(rows);
    json_decref(problems);
    for (int k = 0; k < 2; k++) {
        free(c.text[k]);
        free(escaped[k]);
        free(v[k]);
    }
    free(file);
    resp_dispose(&resp);
    return 0;
}
