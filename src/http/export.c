/* SPDX-License-Identifier: MIT */
/* CSV (RFC 4180, UTF-8 with BOM for Excel) and XLSX (libxlsxwriter) answers. */
#include "http/export.h"
#include "core/err.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

int export_needs_escape(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
}

const char *export_unescape(const char *s)
{
    return s[0] == '\'' && export_needs_escape(s + 1) ? s + 1 : s;
}

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

/* The header of column i: the name without a "_json" suffix. */
static void header_of(struct db_stmt *st, int i, char *out, size_t cap)
{
    const char *name = db_col_name(st, i);
    size_t n = strlen(name);
    if (n > 5 && !strcmp(name + n - 5, "_json"))
        n -= 5;
    snprintf(out, cap, "%.*s", (int)n, name);
}

static const char *label_of(const struct export_label *labels, const char *field)
{
    for (const struct export_label *l = labels; l && l->field; l++)
        if (!strcmp(l->field, field))
            return l->label;
    return field;
}

static int write_csv(struct resp *resp, struct db_stmt *st)
{
    struct strbuf *b = &resp->body;
    int n = db_col_count(st), rc = strbuf_puts(b, "\xEF\xBB\xBF"), step;
    char name[64];
    for (int i = 0; !rc && i < n; i++) {
        header_of(st, i, name, sizeof name);
        rc = strbuf_puts(b, i ? "," : "");
        if (!rc)
            rc = strbuf_csv_field(b, name, strlen(name));
    }
    if (!rc)
        rc = strbuf_puts(b, "\r\n");
    int rows = 0;
    while (!rc && (step = db_step(st)) == DB_ROW) {
        if (++rows > EXPORT_MAX_ROWS) {
            rc = ERR_TOOLARGE;
            break;
        }
        for (int i = 0; !rc && i < n; i++) {
            const char *v = db_col_text(st, i);
            rc = strbuf_puts(b, i ? "," : "");
            if (!rc && v && db_col_type(st, i) == DB_TEXT && export_needs_escape(v)) {
                struct strbuf cell;
                strbuf_init(&cell, b->max);
                rc = strbuf_putc(&cell, '\'');
                if (!rc)
                    rc = strbuf_append(&cell, v, (size_t)db_col_len(st, i));
                if (!rc)
                    rc = strbuf_csv_field(b, strbuf_get(&cell), cell.len);
                strbuf_dispose(&cell);
            } else if (!rc && v) {
                rc = strbuf_csv_field(b, v, (size_t)db_col_len(st, i));
            }
        }
        if (!rc)
            rc = strbuf_puts(b, "\r\n");
    }
    if (!rc && step < 0)
        rc = step;
    return rc;
}

static int write_xlsx(struct resp *resp, struct db_stmt *st, const struct export_label *labels)
{
    char path[] = "/tmp/jianguan-export-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return ERR_IO;
    close(fd);
    int rc = 0, step = DB_DONE;
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = "/tmp"};
    lxw_workbook *wb = workbook_new_opt(path, &opts);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, NULL) : NULL;
    if (!ws) {
        rc = ERR_IO;
        goto out;
    }
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    int n = db_col_count(st);
    char name[64];
    for (int i = 0; i < n; i++) {
        header_of(st, i, name, sizeof name);
        worksheet_write_string(ws, 0, (lxw_col_t)i, label_of(labels, name), bold);
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, 16, NULL);
    }
    lxw_row_t row = 1;
    while ((step = db_step(st)) == DB_ROW) {
        if (row > EXPORT_MAX_ROWS) {
            rc = ERR_TOOLARGE;
            break;
        }
        for (int i = 0; i < n; i++) {
            int t = db_col_type(st, i);
            if (t == DB_INT || t == DB_FLOAT)
                worksheet_write_number(ws, row, (lxw_col_t)i, db_col_double(st, i), NULL);
            else if (t == DB_TEXT)
                worksheet_write_string(ws, row, (lxw_col_t)i, db_col_text(st, i), NULL);
        }
        row++;
    }
    if (!rc && step < 0)
        rc = step;
out:
    if (wb && workbook_close(wb) != LXW_NO_ERROR && !rc)
        rc = ERR_IO;
    if (!rc) {
        FILE *f = fopen(path, "rb");
        char buf[65536];
        size_t got;
        if (!f)
            rc = ERR_IO;
        while (!rc && (got = fread(buf, 1, sizeof buf, f)) > 0)
            rc = strbuf_append(&resp->body, buf, got);
        if (f)
            fclose(f);
    }
    unlink(path);
    return rc;
}

int reply_export(struct resp *resp, struct db_stmt *st, int format, const char *filename,
                 const struct export_label *labels)
{
    strbuf_reset(&resp->body);
    int rc = format == EXPORT_XLSX ? write_xlsx(resp, st, labels) : write_csv(resp, st);
    db_done(st);
    if (rc == ERR_TOOLARGE)
        return reply_error(resp, ERR_INVALID, "export_too_large",
                           "导出行数超过上限（100000 行），请缩小筛选范围", NULL);
    if (rc) {
        log_error("export failed", "%s", filename);
        return rc;
    }
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
