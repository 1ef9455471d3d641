/* SPDX-License-Identifier: MIT */
/*
 * POST /api/v1/entities/import: a CSV file (RFC 4180, UTF-8, optional BOM, header row with the
 * entity's field names, as an export writes it) inserted or updated atomically. The record
 * description reads and types every line (rec_csv_read); the entity rules judge each; one bad
 * line rejects the file with the list of every bad line and nothing is written. A code of the
 * right form whose check character fails is imported and flagged, as real registers hold a
 * few. Line numbers count records: the header is line 1.
 */
#include "registry/registry.h"
#include "audit/audit.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ROWS 200000   /* data lines in one file: bounds the memory an import may take */
#define MAX_REPORTED 1000 /* bad lines listed in one answer */

struct problems {
    json_t *lines; /* [{line, field, message}] */
    size_t count;
};

static void problem(struct problems *pr, json_int_t line, const char *field, const char *msg)
{
    pr->count++;
    if (json_array_size(pr->lines) < MAX_REPORTED)
        json_array_append_new(
            pr->lines, json_pack("{s:I,s:s?,s:s}", "line", line, "field", field, "message", msg));
}

/* Judges one line's entity v by the entity rules and the caller's scope; returns 0 or -1
 * with a problem recorded, or a database error. */
static int check_row(struct req *req, json_t *v, struct problems *pr)
{
    json_int_t line = json_integer_value(json_object_get(v, "_line"));
    const char *msg, *field;
    if (registry_set_uscc(v, USCC_FLAG, &msg)) {
        problem(pr, line, "uscc", msg);
        return -1;
    }
    int rc = registry_check_write(db_read(), req->user, v, &field, &msg);
    if (rc == ERR_INVALID || rc == ERR_FORBIDDEN) {
        problem(pr, line, field, msg);
        return -1;
    }
    if (rc)
        return rc;
    /* An update must also be allowed on the record as it stands: a row cannot move another
     * county's entity into one's own. */
    char old[16];
    rc = registry_region_of(db_read(), json_string_value(json_object_get(v, "uscc")), old);
    if (rc == 0 && scope_allows(req->user, old)) {
        problem(pr, line, "uscc", "该市场主体属于其他辖区，不能修改");
        return -1;
    }
    return rc == ERR_NOTFOUND ? 0 : rc;
}

static const char *uscc_of(json_t *v)
{
    return json_string_value(json_object_get(v, "uscc"));
}

static json_int_t line_of(json_t *v)
{
    return json_integer_value(json_object_get(v, "_line"));
}

static int by_uscc(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(uscc_of(x), uscc_of(y));
    return c ? c : (line_of(x) > line_of(y)) - (line_of(x) < line_of(y));
}

/* A file names each code once: reports every later line that repeats an earlier code. */
static void duplicates(json_t *rows, struct problems *pr)
{
    size_t n = json_array_size(rows);
    json_t **sorted = xmalloc((n ? n : 1) * sizeof *sorted), *first = NULL;
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(rows, i);
    qsort(sorted, n, sizeof *sorted, by_uscc);
    for (size_t k = 0; k < n; k++) {
        if (!first || strcmp(uscc_of(first), uscc_of(sorted[k]))) {
            first = sorted[k]; /* the earliest line of a run of equal codes */
            continue;
        }
        char msg[96];
        snprintf(msg, sizeof msg, "与第 %lld 行的统一社会信用代码重复", (long long)line_of(first));
        problem(pr, line_of(sorted[k]), "uscc", msg);
    }
    free(sorted);
}

static int reply_rejected(struct resp *resp, struct problems *pr)
{
    char msg[128];
    snprintf(msg, sizeof msg, "导入文件有 %zu 行错误，未写入任何数据", pr->count);
    json_t *err = json_pack("{s:s,s:s,s:I,s:O}", "code", "import_rejected", "message", msg, "count",
                            (json_int_t)pr->count, "lines", pr->lines);
    reply_json(resp, 422, json_pack("{s:o}", "error", err));
    return ERR_INVALID;
}

#define BULK_ROWS 1000 /* an import this large refreshes statistics and checkpoints */

/* Writes every row in one transaction, each with its audit row, and the import's own. */
static int write_rows(struct req *req, json_t *rows, size_t flagged, int64_t *inserted,
                      int64_t *updated)
{
    struct db *w = db_write_begin();
    int rc = w ? 0 : ERR_DB;
    for (size_t i = 0; !rc && i < json_array_size(rows); i++) {
        json_t *v = json_array_get(rows, i);
        const char *uscc = json_string_value(json_object_get(v, "uscc"));
        char object[32];
        snprintf(object, sizeof object, "entity:%s", uscc);
        json_object_del(v, "_line");
        /* The county of an existing record is checked again here, under the write lock: the
         * checks above read a snapshot that another write may have changed since. */
        json_t *before = NULL;
        int missing = registry_get(w, uscc, &before);
        if (missing && missing != ERR_NOTFOUND)
            rc = missing;
        else if (before &&
                 scope_allows(req->user, json_string_value(json_object_get(before, "region"))))
            rc = ERR_FORBIDDEN;
        else
            rc = missing ? registry_insert(w, v) : registry_update(w, uscc, v);
        if (!rc) { /* the audit row says what changed, field by field, as a PATCH's does */
            char *detail = rec_diff(&registry_entity, v, before);
            rc = audit_record_as(w, req->user, req->ip,
                                 missing ? "entity.import_insert" : "entity.import_update", object,
                                 detail);
            free(detail);
        }
        json_decref(before);
        missing ? (*inserted)++ : (*updated)++;
    }
    if (!rc && *inserted + *updated >= BULK_ROWS)
        rc = db_analyze(w);
    if (!rc) {
        char detail[128];
        snprintf(detail, sizeof detail, "{\"inserted\":%lld,\"updated\":%lld,\"flagged\":%zu}",
                 (long long)*inserted, (long long)*updated, flagged);
        rc = audit_record_as(w, req->user, req->ip, "registry.import", "registry", detail);
    }
    rc = w ? db_write_end(w, rc) : rc;
    if (!rc && *inserted + *updated >= BULK_ROWS)
        db_checkpoint(db_read()); /* the WAL a big import grew is given back */
    return rc;
}

/* Reads the body as CSV rows of entities, as it comes from memory or its spooled file;
 * returns 0 (problems recorded) or an error answered. */
static int read_rows(struct req *req, struct resp *resp, json_t **rows, struct problems *pr)
{
    int rc = rec_csv_read_from(&registry_entity, req_body_read, req, MAX_ROWS, MAX_REPORTED, rows,
                               pr->lines, &pr->count);
    if (rc == ERR_MALFORMED)
        return reply_error(resp, ERR_INVALID, "bad_encoding",
                           "文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8”后再导入", NULL);
    return rc == ERR_IO ? rc : 0;
}

int registry_import(struct req *req, struct resp *resp)
{
    struct problems pr = {json_array(), 0};
    json_t *rows = NULL, *flagged = json_array();
    int rc = read_rows(req, resp, &rows, &pr);
    for (size_t i = 0; !rc && i < json_array_size(rows); i++) {
        json_t *v = json_array_get(rows, i);
        int bad = check_row(req, v, &pr);
        rc = bad > 0 || bad == -1 ? 0 : bad;
        if (!bad && json_is_true(json_object_get(v, "uscc_flagged")))
            json_array_append_new(flagged,
                                  json_pack("{s:O,s:O,s:s}", "line", json_object_get(v, "_line"),
                                            "uscc", json_object_get(v, "uscc"), "message",
                                            "校验位不符，已导入并标记待核实"));
    }
    if (!rc)
        duplicates(rows, &pr); /* every bad line in one answer */
    int64_t inserted = 0, updated = 0;
    if (!rc && pr.count)
        rc = reply_rejected(resp, &pr);
    else if (!rc)
        rc = write_rows(req, rows, json_array_size(flagged), &inserted, &updated);
    if (rc == ERR_FORBIDDEN || rc == ERR_CONFLICT)
        rc = reply_error(resp, ERR_CONFLICT, "concurrent_change",
                         "导入期间数据已被他人修改，未写入任何数据，请重新导入", NULL);
    else if (!rc)
        rc = reply_json(resp, 201,
                        json_pack("{s:I,s:I,s:O}", "inserted", (json_int_t)inserted, "updated",
                                  (json_int_t)updated, "flagged", flagged));
    json_decref(flagged);
    json_decref(pr.lines);
    json_decref(rows);
    return rc;
}
