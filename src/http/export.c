/* SPDX-License-Identifier: MIT */
/*
 * CSV (RFC 4180, UTF-8 with BOM for Excel) and XLSX (libxlsxwriter) answers. Both are written
 * to a temporary file in $TMPDIR (or /tmp), unlinked at once, and the server sends that file
 * (resp->fd): an export of 100 000 rows costs disk, not its size in the heap, and nothing is
 * left behind if the process dies.
 */
#include "http/export.h"
#include "core/formula.h"
#include "core/err.h"
#include "core/log.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define CSV_BUFFER (64u << 10) /* the CSV writer's stdio buffer */

int export_format_or_reply(struct req *req, struct resp *resp, int *format)
{
    const char *f = req_query(req, "format");
    *format = EXPORT_NONE;
    if (!f || !*f || !strcmp(f, "json"))
        return 0;
    if (!strcmp(f, "csv"))
        *format = EXPORT_CSV;
    else if (!strcmp(f, "xlsx"))
        *format = EXPORT_XLSX;
    else
        return reply_error(resp, ERR_INVALID, "validation_failed", "导出格式须为 csv 或 xlsx",
                           "format");
    return 0;
}

/* The header of column i: the field's name (CSV) or its Chinese label (Excel). */
static const char *header_of(struct record *rec, struct db_stmt *st, int i, int label)
{
    const struct field *f = rec_column_field(rec, i);
    if (!f)
        return db_col_name(st, i);
    return label && f->label ? f->label : f->name;
}

static const char *tmp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

/* Creates an empty temporary file, named in path. Returns its descriptor (the caller closes
 * it and calls tmp_unlink) or -1. */
static int tmp_file(char path[PATH_MAX] /* out */)
{
    int n = snprintf(path, PATH_MAX, "%s/jianguan-export-XXXXXX", tmp_dir());
    if (n < 0 || n >= PATH_MAX) {
        path[0] = '\0';
        return -1;
    }
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        path[0] = '\0';
    return fd;
}

/* Removes the name of a file tmp_file() made, once; the open descriptor keeps the file. */
static void tmp_unlink(char *path)
{
    if (path[0])
        unlink(path);
    path[0] = '\0';
}

/* Appends the current row of st (n columns) to line as one CSV record, CRLF included. A text
 * cell formula_needs_escape() flags gets its apostrophe (built in cell, a scratch buffer). */
static int csv_record(struct strbuf *line, struct strbuf *cell, struct record *rec,
                      struct db_stmt *st, int n)
{
    int rc = 0;
    char buf[40];
    for (int i = 0; !rc && i < n; i++) {
        const char *v = rec_cell_text(rec_column_field(rec, i), st, i, buf);
        rc = strbuf_puts(line, i ? "," : "");
        if (!rc && v && db_col_type(st, i) == DB_TEXT && formula_needs_escape(v)) {
            strbuf_reset(cell);
            rc = strbuf_putc(cell, '\'');
            if (!rc)
                rc = strbuf_puts(cell, v);
            if (!rc)
                rc = strbuf_csv_field(line, strbuf_get(cell), cell->len);
        } else if (!rc && v) {
            rc = strbuf_csv_field(line, v, strlen(v));
        }
    }
    return rc ? rc : strbuf_puts(line, "\r\n");
}

/* Writes the header and the rows of st as CSV to fd, record by record through a 64 KiB stdio
 * buffer; a record may be as long as max bytes. Returns 0, ERR_TOOLARGE past EXPORT_MAX_ROWS
 * rows (stopping there), ERR_IO or a db error. fd stays open; its offset is undefined. */
static int write_csv(int fd, struct record *rec, struct db_stmt *st, size_t max)
{
    int dup_fd = dup(fd);
    FILE *f = dup_fd >= 0 ? fdopen(dup_fd, "w") : NULL;
    if (!f) {
        if (dup_fd >= 0)
            close(dup_fd);
        return ERR_IO;
    }
    char buf[CSV_BUFFER];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    struct strbuf line, cell;
    strbuf_init(&line, max);
    strbuf_init(&cell, max);
    int n = db_col_count(st), rc = strbuf_puts(&line, "\xEF\xBB\xBF"), step = DB_DONE, rows = 0;
    for (int i = 0; !rc && i < n; i++) {
        const char *name = header_of(rec, st, i, 0);
        rc = strbuf_puts(&line, i ? "," : "");
        if (!rc)
            rc = strbuf_csv_field(&line, name, strlen(name));
    }
    if (!rc)
        rc = strbuf_puts(&line, "\r\n");
    while (!rc) {
        if (fwrite(strbuf_get(&line), 1, line.len, f) != line.len) {
            rc = ERR_IO;
            break;
        }
        strbuf_reset(&line);
        if ((step = db_step(st)) != DB_ROW)
            break;
        if (++rows > EXPORT_MAX_ROWS)
            rc = ERR_TOOLARGE;
        else
            rc = csv_record(&line, &cell, rec, st, n);
    }
    if (!rc && step < 0)
        rc = step;
    if (fclose(f) && !rc) /* flushes before buf goes out of scope */
        rc = ERR_IO;
    strbuf_dispose(&line);
    strbuf_dispose(&cell);
    return rc;
}

/* Writes the header (labels) and the rows of st as an XLSX workbook to fd, named path, with
 * libxlsxwriter's constant_memory mode (rows go to its own temporary files as they come).
 * Unlinks path. Returns 0, ERR_TOOLARGE past EXPORT_MAX_ROWS rows, ERR_IO or a db error. fd
 * stays open. */
static int write_xlsx(int fd, char *path, struct record *rec, struct db_stmt *st)
{
    /* libxlsxwriter opens its output by name: the unlinked file's name in /proc, or, without
     * /proc, the temporary name until the workbook is written. */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (!access(proc, W_OK))
        tmp_unlink(path);
    int rc = 0, step = DB_DONE;
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmp_dir()};
    lxw_workbook *wb = workbook_new_opt(path[0] ? path : proc, &opts);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, NULL) : NULL;
    if (!ws) {
        rc = ERR_IO;
        goto out;
    }
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    int n = db_col_count(st);
    for (int i = 0; i < n; i++) {
        worksheet_write_string(ws, 0, (lxw_col_t)i, header_of(rec, st, i, 1), bold);
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, 16, NULL);
    }
    lxw_row_t row = 1;
    while ((step = db_step(st)) == DB_ROW) {
        if (row > EXPORT_MAX_ROWS) {
            rc = ERR_TOOLARGE;
            break;
        }
        for (int i = 0; i < n; i++) {
            const struct field *f = rec_column_field(rec, i);
            int t = db_col_type(st, i);
            char buf[40];
            const char *text = rec_cell_text(f, st, i, buf);
            if ((t == DB_INT || t == DB_FLOAT) &&
                (!f || f->type == FIELD_INT || f->type == FIELD_NUMBER))
                worksheet_write_number(ws, row, (lxw_col_t)i, db_col_double(st, i), NULL);
            else if (text)
                worksheet_write_string(ws, row, (lxw_col_t)i, text, NULL);
        }
        row++;
    }
    if (!rc && step < 0)
        rc = step;
out:
    if (wb && workbook_close(wb) != LXW_NO_ERROR && !rc)
        rc = ERR_IO;
    tmp_unlink(path);
    return rc;
}

int reply_export(struct resp *resp, struct db_stmt *st, int format, const char *filename,
                 struct record *rec)
{
    strbuf_reset(&resp->body);
    char path[PATH_MAX];
    struct stat sb = {0};
    int fd = tmp_file(path), rc = ERR_IO;
    if (fd >= 0 && format == EXPORT_XLSX) {
        rc = write_xlsx(fd, path, rec, st);
    } else if (fd >= 0) {
        tmp_unlink(path);
        rc = write_csv(fd, rec, st, resp->body.max);
    }
    tmp_unlink(path);
    db_done(st);
    if (!rc && (fstat(fd, &sb) || lseek(fd, 0, SEEK_SET) < 0))
        rc = ERR_IO;
    if (rc && fd >= 0)
        close(fd);
    if (rc == ERR_TOOLARGE)
        return reply_error(resp, ERR_INVALID, "export_too_large",
                           "导出行数超过上限（100000 行），请缩小筛选范围", NULL);
    if (rc) {
        log_error("export failed", "%s", filename);
        return rc;
    }
    resp->has_fd = 1;
    resp->fd = fd;
    resp->fd_len = (size_t)sb.st_size;
    char disp[256];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.%s\"", filename,
             format == EXPORT_XLSX ? "xlsx" : "csv");
    resp_header(resp, "Content-Disposition", disp);
    resp->status = 200;
    resp->content_type = format == EXPORT_XLSX
                             ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                             : "text/csv; charset=utf-8";
    return 0;
}
