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
#include "core/timeutil.h"
#include "core/tmpfile.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* Counts row number `rows` of an export (before writing it): ERR_TOOLARGE past the limit,
 * ERR_UNAVAILABLE once cancelled (looked at every 256 rows). */
static int row_done(struct export_progress *progress, int64_t rows)
{
    if (rows > export_max_rows(progress))
        return ERR_TOOLARGE;
    if (progress) {
        atomic_store_explicit(&progress->rows, rows, memory_order_relaxed);
        if (rows % 256 == 0 && atomic_load(&progress->cancel))
            return ERR_UNAVAILABLE;
    }
    return 0;
}

int64_t export_max_rows(const struct export_progress *progress)
{
    return progress ? EXPORT_JOB_MAX_ROWS : EXPORT_MAX_ROWS;
}

/* Writes the header and the rows of st as CSV to fd, record by record through a 64 KiB stdio
 * buffer; a record may be as long as max bytes. Returns 0, ERR_TOOLARGE past the row limit
 * (stopping there), ERR_IO or a db error. fd stays open; its offset is undefined. */
static int write_csv(int fd, struct record *rec, struct db_stmt *st, size_t max,
                     struct export_progress *progress)
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
    int n = db_col_count(st), rc = strbuf_puts(&line, "\xEF\xBB\xBF"), step = DB_DONE;
    int64_t rows = 0;
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
        rc = row_done(progress, ++rows);
        if (!rc)
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

/* The formats of an Excel workbook's cells. */
struct xlsx_formats {
    lxw_format *header, *date, *instant;
};

/* Writes column i of st's current row in the cell (row, i) as a clerk reads it: labels of
 * enumerations, 是/否, numbers as numbers, dates and instants (China time) as Excel dates. */
static void xlsx_cell(lxw_worksheet *ws, const struct xlsx_formats *fm, lxw_row_t row, int i,
                      const struct field *f, struct db_stmt *st)
{
    lxw_col_t col = (lxw_col_t)i;
    int t = db_col_type(st, i);
    if (t == DB_NULL)
        return;
    const char *text = db_col_text(st, i);
    int type = f ? f->type : t == DB_TEXT ? FIELD_STRING : FIELD_NUMBER;
    const char *label = f && f->values ? field_enum_label(f, text) : NULL;
    int y, m, d;
    if (label) {
        worksheet_write_string(ws, row, col, label, NULL);
    } else if (type == FIELD_BOOL) {
        worksheet_write_string(ws, row, col, db_col_int(st, i) ? "是" : "否", NULL);
    } else if ((type == FIELD_INT || type == FIELD_NUMBER) && (t == DB_INT || t == DB_FLOAT)) {
        worksheet_write_number(ws, row, col, db_col_double(st, i), NULL);
    } else if (type == FIELD_DATE && sscanf(text, "%4d-%2d-%2d", &y, &m, &d) == 3) {
        lxw_datetime dt = {y, m, d, 0, 0, 0};
        worksheet_write_datetime(ws, row, col, &dt, fm->date);
    } else if (type == FIELD_TIME) {
        time_t local = (time_t)(db_col_int(st, i) + 8 * 3600); /* China has no DST */
        struct tm tm;
        gmtime_r(&local, &tm);
        lxw_datetime dt = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour,        tm.tm_min,     tm.tm_sec};
        worksheet_write_datetime(ws, row, col, &dt, fm->instant);
    } else {
        char buf[40];
        const char *v = rec_cell_text(f, st, i, buf);
        if (v)
            worksheet_write_string(ws, row, col, v, NULL);
    }
}

/* Writes the header (labels) and the rows of st as an XLSX workbook to fd, named path, with
 * libxlsxwriter's constant_memory mode (rows go to its own temporary files as they come).
 * Unlinks path. Returns 0, ERR_TOOLARGE past the row limit, ERR_IO or a db error. fd stays
 * open. */
static int write_xlsx(int fd, char *path, const char *title, struct record *rec, struct db_stmt *st,
                      struct export_progress *progress)
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
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, title) : NULL;
    if (!ws) {
        rc = ERR_IO;
        goto out;
    }
    struct xlsx_formats fm = {workbook_add_format(wb), workbook_add_format(wb),
                              workbook_add_format(wb)};
    format_set_bold(fm.header);
    format_set_num_format(fm.date, "yyyy-mm-dd");
    format_set_num_format(fm.instant, "yyyy-mm-dd hh:mm:ss");
    int n = db_col_count(st);
    for (int i = 0; i < n; i++) {
        const struct field *f = rec_column_field(rec, i);
        double width = f && f->type == FIELD_TIME ? 20 : f && f->max > 32 ? 32 : 16;
        worksheet_write_string(ws, 0, (lxw_col_t)i, header_of(rec, st, i, 1), fm.header);
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, width, NULL);
    }
    worksheet_freeze_panes(ws, 1, 0);
    lxw_row_t row = 1;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        rc = row_done(progress, (int64_t)row);
        for (int i = 0; !rc && i < n; i++)
            xlsx_cell(ws, &fm, row, i, rec_column_field(rec, i), st);
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

void export_filename(const char *title, int format, int64_t t, char *out, size_t cap)
{
    time_t local = (time_t)(t + 8 * 3600);
    struct tm tm;
    gmtime_r(&local, &tm);
    snprintf(out, cap, "%s_%04d%02d%02d.%s", title, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             format == EXPORT_XLSX ? "xlsx" : "csv");
}

void export_disposition(struct resp *resp, const char *name)
{
    /* filename= is ASCII for old clients ("export.xlsx"); filename* the UTF-8 name, each byte
     * outside RFC 5987's attr-char set percent-encoded. */
    char disp[512];
    const char *ext = strrchr(name, '.');
    size_t n = (size_t)snprintf(disp, sizeof disp,
                                "attachment; filename=\"export%s\"; "
                                "filename*=UTF-8''",
                                ext ? ext : "");
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < sizeof disp; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p))
            disp[n++] = (char)*p;
        else
            n += (size_t)snprintf(disp + n, sizeof disp - n, "%%%02X", *p);
    }
    disp[n] = '\0';
    resp_header(resp, "Content-Disposition", disp);
}

int export_too_large(struct resp *resp, const struct export_progress *progress)
{
    return reply_error(resp, ERR_INVALID, "export_too_large",
                       progress ? "导出行数超过上限（2000000 行），请缩小筛选范围"
                                : "导出行数超过 100000 行，请改用后台导出或缩小筛选范围",
                       NULL);
}

int reply_export(struct resp *resp, struct db_stmt *st, int format, const char *title,
                 struct record *rec, struct export_progress *progress)
{
    strbuf_reset(&resp->body);
    db_stream(st); /* up to export_max_rows rows: never the whole result in memory at once */
    char path[PATH_MAX];
    struct stat sb = {0};
    int fd = tmp_create("jianguan-export", path), rc = ERR_IO;
    if (fd >= 0 && format == EXPORT_XLSX) {
        rc = write_xlsx(fd, path, title, rec, st, progress);
    } else if (fd >= 0) {
        tmp_unlink(path);
        rc = write_csv(fd, rec, st, resp->body.max, progress);
    }
    tmp_unlink(path);
    db_done(st);
    if (!rc && (fstat(fd, &sb) || lseek(fd, 0, SEEK_SET) < 0))
        rc = ERR_IO;
    if (rc && fd >= 0)
        close(fd);
    if (rc == ERR_TOOLARGE)
        return export_too_large(resp, progress);
    if (rc) {
        log_error("export failed", "%s", title);
        return rc;
    }
    resp->has_fd = 1;
    resp->fd = fd;
    resp->fd_len = (size_t)sb.st_size;
    char name[256];
    export_filename(title, format, time_now(), name, sizeof name);
    export_disposition(resp, name);
    resp->status = 200;
    resp->content_type = format == EXPORT_XLSX
                             ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                             : "text/csv; charset=utf-8";
    return 0;
}
