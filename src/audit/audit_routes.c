/* SPDX-License-Identifier: MIT */
/* The audit log read back: GET /api/v1/audit for administrators, and audit_history() for the
 * history panes of record pages. */
#include "audit/audit.h"
#include "core/err.h"
#include "http/rows.h"

json_t *audit_history(struct db *db, const char *object, int64_t page, int64_t size, int64_t *total)
{
    static const char count_sql[] =
        "SELECT count(*) FROM audit_log WHERE (?1 IS NULL OR object = ?1)";
    static const char list_sql[] =
        "SELECT a.id, strftime('%Y-%m-%dT%H:%M:%S+08:00', a.at, 'unixepoch', '+8 hours') AS at,"
        " a.actor, u.display_name AS actor_name, a.ip, a.action, a.object,"
        " a.detail AS detail_json"
        " FROM audit_log a LEFT JOIN users u ON u.id = a.actor"
        " WHERE (?1 IS NULL OR a.object = ?1) ORDER BY a.id DESC LIMIT ?2 OFFSET ?3";
    struct db_stmt *st;
    if (!db || db_prepare(db, count_sql, &st))
        return NULL;
    db_bind_text(st, 1, object, -1);
    *total = db_step(st) == DB_ROW ? db_col_int(st, 0) : 0;
    db_done(st);
    if (db_prepare(db, list_sql, &st))
        return NULL;
    db_bind_text(st, 1, object, -1);
    db_bind_int(st, 2, size);
    db_bind_int(st, 3, (page - 1) * size);
    return rows_to_json(st);
}

static int audit_list(struct req *req, struct resp *resp)
{
    int64_t page, size, total = 0;
    int rc = req_page_or_reply(req, resp, &page, &size);
    if (rc)
        return rc;
    json_t *items = audit_history(db_read(), req_query(req, "object"), page, size, &total);
    return items ? reply_page(resp, items, total, page, size) : ERR_DB;
}

const struct route audit_routes[] = {
    {"GET", "/api/v1/audit", audit_list, ROLE_ADMIN, NULL, 0, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};
