/* SPDX-License-Identifier: MIT */
/*
 * POST /api/v1/entities/import: a CSV file (RFC 4180, UTF-8, optional BOM, header row with the
 * JSON field names) inserted or updated atomically. Every line is checked first; one bad line
 * rejects the file with the list of every bad line and nothing is written. A code of the right
 * form whose check character fails is imported and flagged, as real registers hold a few.
 * Line numbers count records: the header is line 1.
 */
#include "registry/registry.h"
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "http/export.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_COLS 32
#define MAX_ROWS 200000   /* data lines in one file: bounds the memory an import may take */
#define MAX_REPORTED 1000 /* bad lines listed in one answer */

/* The columns an import understands; read-only ones (as an export writes them) are skipped. */
enum col {
    C_USCC,
    C_NAME,
    C_KIND,
    C_REGION,
    C_LEGAL_REP,
    C_ADDRESS,
    C_INDUSTRY,
    C_CHAIN,
    C_TIER,
    C_CREDIT,
    C_STATUS,
    C_ESTABLISHED,
    C_REPORT_YEAR,
    C_OFFICER,
    C_KEY,
    C_SKIP,
    C_NCOLS
};
static const struct {
    const char *name;
    int col;
    unsigned bit;
} columns[] = {
    {"uscc", C_USCC, 0},
    {"name", C_NAME, ENT_NAME},
    {"kind", C_KIND, ENT_KIND},
    {"region", C_REGION, ENT_REGION},
    {"legal_rep", C_LEGAL_REP, ENT_LEGAL_REP},
    {"address", C_ADDRESS, ENT_ADDRESS},
    {"industry", C_INDUSTRY, ENT_INDUSTRY},
    {"chain", C_CHAIN, ENT_CHAIN},
    {"tier", C_TIER, ENT_TIER},
    {"credit", C_CREDIT, ENT_CREDIT},
    {"status", C_STATUS, ENT_STATUS},
    {"established", C_ESTABLISHED, ENT_ESTABLISHED},
    {"annual_report_year", C_REPORT_YEAR, ENT_REPORT_YEAR},
    {"officer", C_OFFICER, ENT_OFFICER},
    {"key", C_KEY, ENT_KEY},
    {"region_name", C_SKIP, 0},
    {"chain_name", C_SKIP, 0},
    {"officer_name", C_SKIP, 0},
    {"uscc_flagged", C_SKIP, 0},
};

struct row {
    char *f[MAX_COLS];
    int n;
    int line;
};

struct parse {
    struct row *rows;
    size_t nrows, cap;
    struct row cur;
    int too_wide, too_many;
};

static void on_field(void *s, size_t len, void *data)
{
    struct parse *p = data;
    if (p->too_many)
        return;
    if (p->cur.n == MAX_COLS) {
        p->too_wide = 1;
        return;
    }
    p->cur.f[p->cur.n++] = xstrndup(s ? s : "", s ? len : 0);
}

static void on_row(int c, void *data)
{
    (void)c;
    struct parse *p = data;
    if (p->nrows > MAX_ROWS) { /* the header and MAX_ROWS data lines are kept */
        p->too_many = 1;
        for (int k = 0; k < p->cur.n; k++)
            free(p->cur.f[k]);
        memset(&p->cur, 0, sizeof p->cur);
        return;
    }
    if (p->nrows == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 1024;
        p->rows = xrealloc(p->rows, p->cap * sizeof *p->rows);
    }
    p->cur.line = (int)p->nrows + 1;
    p->rows[p->nrows++] = p->cur;
    memset(&p->cur, 0, sizeof p->cur);
}

static void parse_free(struct parse *p)
{
    for (size_t i = 0; i < p->nrows; i++)
        for (int k = 0; k < p->rows[i].n; k++)
            free(p->rows[i].f[k]);
    for (int k = 0; k < p->cur.n; k++)
        free(p->cur.f[k]);
    free(p->rows);
}

/* Parses a decimal integer field; "" is 0. Returns 0 or -1. */
static int int_field(const char *s, int64_t *out)
{
    char *end;
    *out = 0;
    if (!*s)
        return 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

struct problems {
    json_t *lines; /* [{line, field, message}] */
    size_t count;
};

static void problem(struct problems *pr, int line, const char *field, const char *msg)
{
    pr->count++;
    if (json_array_size(pr->lines) < MAX_REPORTED)
        json_array_append_new(
            pr->lines, json_pack("{s:i,s:s?,s:s}", "line", line, "field", field, "message", msg));
}

/* Builds the entity of one data row; records a problem and returns -1 when it is bad. */
static int row_entity(struct req *req, const struct row *r, const int *map, int ncols,
                      struct entity *e, struct problems *pr)
{
    const char *v[C_NCOLS] = {0};
    unsigned given = 0;
    memset(e, 0, sizeof *e);
    if (r->n != ncols) {
        char msg[96];
        snprintf(msg, sizeof msg, "列数为 %d，应为 %d", r->n, ncols);
        problem(pr, r->line, NULL, msg);
        return -1;
    }
    for (int k = 0; k < ncols; k++) {
        if (map[k] == C_SKIP)
            continue;
        v[map[k]] = export_unescape(r->f[k]);
        for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
            if (columns[c].col == map[k])
                given |= columns[c].bit;
    }
    const char *msg, *field;
    if (registry_set_uscc(e, v[C_USCC], USCC_FLAG, &msg)) {
        problem(pr, r->line, "uscc", msg);
        return -1;
    }
    e->given = given | ENT_FLAGGED;
#define TEXT(c) (v[c] && *v[c] ? v[c] : NULL)
    e->name = TEXT(C_NAME);
    e->kind = TEXT(C_KIND);
    e->region = TEXT(C_REGION);
    e->legal_rep = TEXT(C_LEGAL_REP);
    e->address = TEXT(C_ADDRESS);
    e->industry = TEXT(C_INDUSTRY);
    e->tier = TEXT(C_TIER);
    e->credit = TEXT(C_CREDIT);
    e->status = TEXT(C_STATUS);
    e->established = TEXT(C_ESTABLISHED);
#undef TEXT
    /* An empty tier, credit or status cell keeps the record's value (or the default). */
    if (!e->tier)
        e->given &= ~ENT_TIER;
    if (!e->credit)
        e->given &= ~ENT_CREDIT;
    if (!e->status)
        e->given &= ~ENT_STATUS;
    if (int_field(v[C_CHAIN] ? v[C_CHAIN] : "", &e->chain)) {
        problem(pr, r->line, "chain", "产业链编号须为整数");
        return -1;
    }
    if (int_field(v[C_REPORT_YEAR] ? v[C_REPORT_YEAR] : "", &e->annual_report_year)) {
        problem(pr, r->line, "annual_report_year", "年报年度须为整数");
        return -1;
    }
    if (int_field(v[C_OFFICER] ? v[C_OFFICER] : "", &e->officer)) {
        problem(pr, r->line, "officer", "驻企服务员编号须为整数");
        return -1;
    }
    if (v[C_KEY] && *v[C_KEY]) {
        if (!strcmp(v[C_KEY], "true") || !strcmp(v[C_KEY], "1"))
            e->key = 1;
        else if (strcmp(v[C_KEY], "false") && strcmp(v[C_KEY], "0")) {
            problem(pr, r->line, "key", "key 须为 true 或 false");
            return -1;
        }
    }
    if (registry_check(e, 1, &field, &msg)) {
        problem(pr, r->line, field, msg);
        return -1;
    }
    if (scope_allows(req->user, e->region)) {
        problem(pr, r->line, "region", "不能导入其他辖区的市场主体");
        return -1;
    }
    /* An update must also be allowed on the record as it stands: a row cannot move another
     * county's entity into one's own. */
    char old[16];
    if (registry_region_of(db_read(), e->uscc, old) == 0 && scope_allows(req->user, old)) {
        problem(pr, r->line, "uscc", "该市场主体属于其他辖区，不能修改");
        return -1;
    }
    if (e->officer && accounts_has_role(db_read(), e->officer, ROLE_OFFICER)) {
        problem(pr, r->line, "officer", "驻企服务员不存在");
        return -1;
    }
    return 0;
}

static int by_uscc(const void *a, const void *b, void *base)
{
    const struct entity *ents = base;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(ents[x].uscc, ents[y].uscc);
    return c ? c : (x > y) - (x < y);
}

/* A file names each code once: reports every later line that repeats an earlier code. Data
 * row i is on line i + 2 (the header is line 1). */
static void duplicates(struct entity *ents, size_t n, struct problems *pr)
{
    size_t *idx = xmalloc(n * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, n, sizeof *idx, by_uscc, ents);
    size_t first = 0; /* the earliest row of the current run of equal codes */
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || strcmp(ents[idx[k - 1]].uscc, ents[idx[k]].uscc)) {
            first = idx[k];
            continue;
        }
        char msg[96];
        snprintf(msg, sizeof msg, "与第 %zu 行的统一社会信用代码重复", first + 2);
        problem(pr, (int)idx[k] + 2, "uscc", msg);
    }
    free(idx);
}

static int reply_rejected(struct resp *resp, struct problems *pr)
{
    char msg[128];
    snprintf(msg, sizeof msg, "导入文件有 %zu 行错误，未写入任何数据", pr->count);
    json_t *err = json_pack("{s:s,s:s,s:I,s:O}", "code", "import_rejected", "message", msg, "count",
                            (json_int_t)pr->count, "lines", pr->lines);
    return reply_json(resp, 422, json_pack("{s:o}", "error", err)) ? ERR_INVALID : ERR_INVALID;
}

int registry_import(struct req *req, struct resp *resp)
{
    const char *ct = req_header(req, "Content-Type");
    if (!ct || (strncasecmp(ct, "text/csv", 8) && strncasecmp(ct, "application/csv", 15)))
        return reply_error(resp, ERR_MEDIA, "unsupported_media_type", "请以 text/csv 上传 CSV 文件",
                           NULL);
    const char *body = strbuf_get(&req->body);
    size_t len = req->body.len;
    if (len >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3)) {
        body += 3;
        len -= 3;
    }
    struct parse p = {0};
    struct problems pr = {json_array(), 0};
    struct entity *ents = NULL;
    int rc = 0;
    if (!utf8_valid(body, len)) {
        json_decref(pr.lines);
        return reply_error(resp, ERR_INVALID, "bad_encoding",
                           "文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8”后再导入", NULL);
    }
    struct csv_parser csv;
    csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI);
    if (csv_parse(&csv, body, len, on_field, on_row, &p) != len ||
        csv_fini(&csv, on_field, on_row, &p) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "CSV 格式错误：%s", csv_strerror(csv_error(&csv)));
        problem(&pr, (int)p.nrows + 1, NULL, msg);
    }
    csv_free(&csv);
    if (!pr.count && p.too_wide)
        problem(&pr, 1, NULL, "列数过多");
    if (!pr.count && p.too_many)
        problem(&pr, MAX_ROWS + 2, NULL, "文件超过 200000 行，请分批导入");
    if (!pr.count && p.nrows < 2)
        problem(&pr, 1, NULL, "文件没有数据行（第一行须为表头）");
    int map[MAX_COLS];
    int ncols = pr.count ? 0 : p.rows[0].n;
    unsigned seen = 0;
    for (int k = 0; k < ncols; k++) {
        map[k] = -1;
        for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
            if (!strcmp(p.rows[0].f[k], columns[c].name))
                map[k] = columns[c].col;
        if (map[k] < 0 || (map[k] != C_SKIP && (seen & (1u << map[k])))) {
            char msg[160];
            snprintf(msg, sizeof msg, "未知或重复的列：%.60s", p.rows[0].f[k]);
            problem(&pr, 1, p.rows[0].f[k], msg);
        } else if (map[k] != C_SKIP) {
            seen |= 1u << map[k];
        }
    }
    if (!pr.count && (seen & 0xF) != 0xF)
        problem(&pr, 1, NULL, "表头须包含 uscc、name、kind、region 四列");
    json_t *flagged = json_array();
    if (!pr.count) {
        size_t n = p.nrows - 1;
        ents = xcalloc(n, sizeof *ents);
        for (size_t i = 0; i < n; i++) {
            const struct row *r = &p.rows[i + 1];
            if (row_entity(req, r, map, ncols, &ents[i], &pr))
                continue;
            if (ents[i].uscc_flagged)
                json_array_append_new(flagged, json_pack("{s:i,s:s,s:s}", "line", r->line, "uscc",
                                                         ents[i].uscc, "message",
                                                         "校验位不符，已导入并标记待核实"));
        }
    }
    if (!pr.count)
        duplicates(ents, p.nrows - 1, &pr);
    if (pr.count) {
        rc = reply_rejected(resp, &pr);
        goto out;
    }
    int64_t inserted = 0, updated = 0;
    struct db *w = db_write_begin();
    rc = w ? 0 : ERR_DB;
    for (size_t i = 0; !rc && i + 1 < p.nrows; i++) {
        char object[32];
        snprintf(object, sizeof object, "entity:%s", ents[i].uscc);
        /* The county of an existing record is checked again here, under the write lock: the
         * checks above read a snapshot that another write may have changed since. */
        char region[16];
        int found = registry_region_of(w, ents[i].uscc, region);
        int exists = found == 0;
        if (found && found != ERR_NOTFOUND)
            rc = found;
        else if (exists && scope_allows(req->user, region))
            rc = ERR_FORBIDDEN;
        else if (exists)
            rc = registry_update(w, &ents[i]);
        else
            rc = registry_insert(w, &ents[i]);
        if (!rc)
            rc = audit_record_req(w, req, exists ? "entity.import_update" : "entity.import_insert",
                                  object, NULL);
        exists ? updated++ : inserted++;
    }
    if (!rc && inserted + updated >= 1000)
        rc = db_analyze(w);
    if (!rc) {
        char detail[128];
        snprintf(detail, sizeof detail, "{\"inserted\":%lld,\"updated\":%lld,\"flagged\":%zu}",
                 (long long)inserted, (long long)updated, json_array_size(flagged));
        rc = audit_record_req(w, req, "registry.import", "registry", detail);
    }
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_FORBIDDEN || rc == ERR_CONFLICT) {
        rc = reply_error(resp, ERR_CONFLICT, "concurrent_change",
                         "导入期间数据已被他人修改，未写入任何数据，请重新导入", NULL);
        goto out;
    }
    if (!rc)
        rc = reply_json(resp, 201,
                        json_pack("{s:I,s:I,s:O}", "inserted", (json_int_t)inserted, "updated",
                                  (json_int_t)updated, "flagged", flagged));
out:
    json_decref(flagged);
    json_decref(pr.lines);
    free(ents);
    parse_free(&p);
    return rc;
}
