/* SPDX-License-Identifier: MIT */
/* GET /api/v1/audit: the audit log, newest first, for administrators. */
#include "audit/audit.h"
#include "core/err.h"
#include "http/rows.h"

static int audit_list(struct req *req, struct resp *resp)
{
    static const char count_sql[] =
        "SELECT count(*) FROM audit_log WHERE (?1 IS NULL OR object = ?1)"
        " AND (?2 IS NULL OR action = ?2)";
    static const char list_sql[] =
        "SELECT a.id, strftime('%Y-%m-%dT%H:%M:%S+08:00', a.at, 'unixepoch', '+8 hours') AS at,"
        " a.actor, u.username AS actor_name, a.ip, a.action, a.object, a.detail AS detail_json"
        " FROM audit_log a LEFT JOIN users u ON u.id = a.actor"
        " WHERE (?1 IS NULL OR a.object = ?1) AND (?2 IS NULL OR a.action = ?2)"
        " ORDER BY a.id DESC LIMIT ?3 OFFSET ?4";
    int64_t page, size, total = 0;
    int rc = req_page_or_reply(req, resp, &page, &size);
    if (rc)
        return rc;
    struct db *db = db_read();
    struct db_stmt *st;
    if (!db || db_prepare(db, count_sql, &st))
        return ERR_DB;
    db_bind_text(st, 1, req_query(req, "object"), -1);
    db_bind_text(st, 2, req_query(req, "action"), -1);
    if (db_step(st) == DB_ROW)
        total = db_col_int(st, 0);
    db_done(st);
    if (db_prepare(db, list_sql, &st))
        return ERR_DB;
    db_bind_text(st, 1, req_query(req, "object"), -1);
    db_bind_text(st, 2, req_query(req, "action"), -1);
    db_bind_int(st, 3, size);
    db_bind_int(st, 4, (page - 1) * size);
    json_t *items = rows_to_json(st);
    if (!items)
        return ERR_DB;
    return reply_page(resp, items, total, page, size);
}

const struct route audit_routes[] = {
    {"GET", "/api/v1/audit", audit_list, ROLE_ADMIN, NULL, 0},
    {0},
};
