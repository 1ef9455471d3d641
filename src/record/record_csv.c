/* SPDX-License-Identifier: MIT */
/*
 * CSV import of a record (see rec_csv_read in record.h): libcsv parses, each line becomes a
 * typed JSON object as it is read, so memory holds objects rather than a table of strings.
 */
#include "core/alloc.h"
#include "core/err.h"
#include "core/formula.h"
#include "core/strbuf.h"
#include "record/record.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 64
#define READ_CHUNK (64 * 1024) /* bytes parsed at a time */

struct reader {
    struct record *r;
    const struct field *map[MAX_COLS];   /* the field each column writes; NULL: skipped */
    const struct field *named[MAX_COLS]; /* the field each column names */
    int ncols;
    char *cells[MAX_COLS];
    int ncells, too_wide, too_many, line, nul; /* nul: a cell of this line holds a NUL */
    int not_utf8;                              /* a cell is not UTF-8: the file is refused */
    size_t nproblems_header;                   /* a bad header: the lines are not read */
    size_t max_rows, max_report, nproblems;
    json_t *rows, *problems;
};

static void problem(struct reader *rd, int line, const char *field, const char *msg)
{
    rd->nproblems++;
    if (json_array_size(rd->problems) < rd->max_report)
        json_array_append_new(rd->problems, json_pack("{s:i,s:s?,s:s}", "line", line, "field",
                                                      field, "message", msg));
}

static void on_field(void *s, size_t len, void *data)
{
    struct reader *rd = data;
    if (rd->ncells == MAX_COLS) {
        rd->too_wide = 1;
        return;
    }
    if (s && memchr(s, '\0', len))
        rd->nul = 1;
    /* Between cells there are only ASCII separators, so the cells say whether the file is
     * UTF-8, whatever the pieces it is read in. */
    if (s && !utf8_valid(s, len))
        rd->not_utf8 = 1;
    rd->cells[rd->ncells++] = xstrndup(s ? s : "", s ? len : 0);
}

/* Maps the header's names to fields (a header can name at most MAX_COLS columns, so a column
 * seen twice is found among them). */
static void read_header(struct reader *rd)
{
    rd->ncols = rd->ncells;
    for (int k = 0; k < rd->ncells; k++) {
        const struct field *f = field_find(rd->r->fields, rd->cells[k]);
        int repeated = 0;
        for (int j = 0; f && j < k; j++)
            repeated |= !strcmp(rd->cells[j], rd->cells[k]);
        if (!f || (f->flags & FIELD_WRITEONLY) || repeated) {
            char msg[160];
            snprintf(msg, sizeof msg, "未知或重复的列：%.60s", rd->cells[k]);
            problem(rd, 1, rd->cells[k], msg);
            continue;
        }
        rd->map[k] = f->flags & (FIELD_READONLY | FIELD_INTERNAL) ? NULL : f;
        rd->named[k] = f;
    }
    for (const struct field *f = rd->r->fields; f->name; f++) {
        int present = 0;
        for (int k = 0; k < rd->ncols; k++)
            present |= rd->named[k] == f;
        if ((f->flags & FIELD_REQUIRED) && !present) {
            char msg[160];
            snprintf(msg, sizeof msg, "表头缺少必需的列：%s", f->name);
            problem(rd, 1, f->name, msg);
        }
    }
}

/* Turns the cells of one data line into an object; records its problems. */
static void read_line(struct reader *rd)
{
    char msg[512];
    if (rd->nul) {
        problem(rd, rd->line, NULL, "含有非法字符（NUL）");
        return;
    }
    if (rd->ncells != rd->ncols) {
        snprintf(msg, sizeof msg, "列数为 %d，应为 %d", rd->ncells, rd->ncols);
        problem(rd, rd->line, NULL, msg);
        return;
    }
    json_t *o = json_object(), *v;
    int bad = 0;
    for (int k = 0; k < rd->ncells && !bad; k++) {
        const struct field *f = rd->map[k];
        const char *text = f ? formula_unescape(rd->cells[k]) : NULL;
        if (!f || (!*text && !(f->flags & FIELD_NULLABLE)))
            continue;
        if (!*text) {
            json_object_set_new(o, f->name, json_null());
        } else if (field_parse_text(f, text, &v, msg, sizeof msg)) {
            problem(rd, rd->line, f->name, msg);
            bad = 1;
        } else {
            json_object_set_new(o, f->name, v);
        }
    }
    const char *field;
    if (!bad && field_check_body(rd->r->fields, o, 0, &field, msg, sizeof msg)) {
        problem(rd, rd->line, field, msg);
        bad = 1;
    }
    if (!bad) {
        json_object_set_new(o, "_line", json_integer(rd->line));
        json_array_append(rd->rows, o);
    }
    json_decref(o);
}

static void on_row(int c, void *data)
{
    (void)c;
    struct reader *rd = data;
    rd->line++;
    if (rd->line == 1) {
        read_header(rd);
        rd->nproblems_header = rd->nproblems;
    } else if ((size_t)rd->line - 1 > rd->max_rows)
        rd->too_many = 1;
    else if (!rd->too_wide && !rd->nproblems_header)
        read_line(rd);
    for (int k = 0; k < rd->ncells; k++)
        free(rd->cells[k]);
    rd->ncells = 0;
    rd->nul = 0;
}

/* libcsv trims spaces around unquoted fields by default; a cell is read as written, and the
 * field's own rule (record.c: text is trimmed) decides. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Fills buf from read until it is full or the text ends; returns the bytes, or -1. */
static long fill(rec_read_fn read, void *arg, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        long n = read(arg, buf + got, cap - got);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (long)got;
}

int rec_csv_read_from(struct record *r, rec_read_fn read, void *arg, size_t max_rows,
                      size_t max_report, json_t **rows, json_t *problems, size_t *nproblems)
{
    struct reader rd = {.r = r, .max_rows = max_rows, .max_report = max_report};
    rd.rows = json_array();
    rd.problems = problems;
    struct csv_parser csv;
    csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_space_func(&csv, no_space);
    char *buf = xmalloc(READ_CHUNK);
    long n = 0;
    int bad = 0, first = 1;
    while (!bad && !rd.not_utf8 && (n = fill(read, arg, buf, READ_CHUNK)) > 0) {
        const char *p = buf;
        size_t len = (size_t)n;
        if (first && len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) { /* Excel's "CSV UTF-8" */
            p += 3;
            len -= 3;
        }
        first = 0;
        bad = csv_parse(&csv, p, len, on_field, on_row, &rd) != len;
    }
    if (!bad && !rd.not_utf8 && n == 0)
        bad = csv_fini(&csv, on_field, on_row, &rd) != 0;
    free(buf);
    if (bad) {
        char msg[160];
        snprintf(msg, sizeof msg, "CSV 格式错误：%s", csv_strerror(csv_error(&csv)));
        problem(&rd, rd.line + 1, NULL, msg);
    }
    csv_free(&csv);
    for (int k = 0; k < rd.ncells; k++)
        free(rd.cells[k]);
    if (n < 0 || rd.not_utf8) {
        json_array_clear(rd.rows);
        *rows = rd.rows;
        *nproblems = rd.nproblems;
        return n < 0 ? ERR_IO : ERR_MALFORMED;
    }
    if (rd.too_wide)
        problem(&rd, 1, NULL, "列数过多");
    if (rd.too_many) { /* that alone is the answer */
        json_array_clear(problems);
        json_array_clear(rd.rows);
        rd.nproblems = 0;
        char msg[96];
        snprintf(msg, sizeof msg, "文件超过 %zu 行，请分批导入", max_rows);
        problem(&rd, (int)max_rows + 2, NULL, msg);
    }
    if (rd.line < 2)
        problem(&rd, 1, NULL, "文件没有数据行（第一行须为表头）");
    *rows = rd.rows;
    *nproblems = rd.nproblems;
    return rd.nproblems ? ERR_INVALID : 0;
}

struct text {
    const char *s;
    size_t len, pos;
};

static long text_read(void *arg, char *buf, size_t cap)
{
    struct text *t = arg;
    size_t n = t->len - t->pos < cap ? t->len - t->pos : cap;
    memcpy(buf, t->s + t->pos, n);
    t->pos += n;
    return (long)n;
}

int rec_csv_read(struct record *r, const char *text, size_t len, size_t max_rows, size_t max_report,
                 json_t **rows, json_t *problems, size_t *nproblems)
{
    struct text t = {text, len, 0};
    return rec_csv_read_from(r, text_read, &t, max_rows, max_report, rows, problems, nproblems);
}
