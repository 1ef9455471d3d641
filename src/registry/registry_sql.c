/* SPDX-License-Identifier: MIT */
/* Entity queries: one projection for every read, inserts, partial updates. */
#include "registry/registry.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "http/rows.h"

#include <stdio.h>
#include <string.h>

#define FROM_ENTITIES                                                                              \
    " FROM entities e JOIN regions r ON r.code = e.region LEFT JOIN chains c ON c.id = e.chain"    \
    " LEFT JOIN users o ON o.id = e.officer"

json_t *registry_entity_json(struct db *db, const char *uscc)
{
    static const char sql[] = "SELECT " REGISTRY_COLUMNS FROM_ENTITIES " WHERE e.uscc = ?";
    struct db_stmt *st;
    json_t *o = NULL;
    if (db_prepare(db, sql, &st))
        return NULL;
    db_bind_text(st, 1, uscc, -1);
    if (db_step(st) == DB_ROW)
        o = row_to_json(st);
    db_done(st);
    return o;
}

/* Binds a text field: NULL binds SQL NULL. */
static void bind_text_or(struct db_stmt *st, int idx, const char *s, const char *def)
{
    db_bind_text(st, idx, s ? s : def, -1);
}

static void bind_int_or_null(struct db_stmt *st, int idx, int64_t v)
{
    if (v)
        db_bind_int(st, idx, v);
    else
        db_bind_null(st, idx);
}

int registry_insert(struct db *w, const struct entity *e)
{
    static const char sql[] =
        "INSERT INTO entities(uscc, name, kind, region, legal_rep, address, industry, chain,"
        " tier, credit, status, established, annual_report_year, officer, key, uscc_flagged,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, e->uscc, -1);
    db_bind_text(st, 2, e->name, -1);
    db_bind_text(st, 3, e->kind, -1);
    db_bind_text(st, 4, e->region, -1);
    bind_text_or(st, 5, e->legal_rep, "");
    bind_text_or(st, 6, e->address, "");
    bind_text_or(st, 7, e->industry, "");
    bind_int_or_null(st, 8, e->chain);
    bind_text_or(st, 9, e->tier, "none");
    bind_text_or(st, 10, e->credit, "B");
    bind_text_or(st, 11, e->status, "active");
    db_bind_text(st, 12, e->established, -1);
    bind_int_or_null(st, 13, e->annual_report_year);
    bind_int_or_null(st, 14, e->officer);
    db_bind_int(st, 15, e->key);
    db_bind_int(st, 16, e->uscc_flagged);
    db_bind_int(st, 17, time_now());
    return db_run(st);
}

int registry_update(struct db *w, const struct entity *e)
{
    /* ?2k+1 says whether field k was given, ?2k+2 holds its value. */
    static const char sql[] =
        "UPDATE entities SET"
        " name = CASE WHEN ?2 THEN ?3 ELSE name END,"
        " kind = CASE WHEN ?4 THEN ?5 ELSE kind END,"
        " region = CASE WHEN ?6 THEN ?7 ELSE region END,"
        " legal_rep = CASE WHEN ?8 THEN coalesce(?9, '') ELSE legal_rep END,"
        " address = CASE WHEN ?10 THEN coalesce(?11, '') ELSE address END,"
        " industry = CASE WHEN ?12 THEN coalesce(?13, '') ELSE industry END,"
        " chain = CASE WHEN ?14 THEN ?15 ELSE chain END,"
        " tier = CASE WHEN ?16 THEN coalesce(?17, 'none') ELSE tier END,"
        " credit = CASE WHEN ?18 THEN ?19 ELSE credit END,"
        " status = CASE WHEN ?20 THEN ?21 ELSE status END,"
        " established = CASE WHEN ?22 THEN ?23 ELSE established END,"
        " annual_report_year = CASE WHEN ?24 THEN ?25 ELSE annual_report_year END,"
        " officer = CASE WHEN ?26 THEN ?27 ELSE officer END,"
        " key = CASE WHEN ?28 THEN ?29 ELSE key END,"
        " uscc_flagged = CASE WHEN ?30 THEN ?31 ELSE uscc_flagged END,"
        " updated_at = ?32"
        " WHERE uscc = ?1";
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    unsigned g = e->given;
    db_bind_text(st, 1, e->uscc, -1);
    const char *texts[] = {e->name, e->kind, e->region, e->legal_rep, e->address, e->industry};
    for (int k = 0; k < 6; k++) {
        db_bind_int(st, 2 + 2 * k, (g >> k) & 1);
        db_bind_text(st, 3 + 2 * k, texts[k], -1);
    }
    db_bind_int(st, 14, !!(g & ENT_CHAIN));
    bind_int_or_null(st, 15, e->chain);
    db_bind_int(st, 16, !!(g & ENT_TIER));
    db_bind_text(st, 17, e->tier, -1);
    db_bind_int(st, 18, !!(g & ENT_CREDIT));
    db_bind_text(st, 19, e->credit, -1);
    db_bind_int(st, 20, !!(g & ENT_STATUS));
    db_bind_text(st, 21, e->status, -1);
    db_bind_int(st, 22, !!(g & ENT_ESTABLISHED));
    db_bind_text(st, 23, e->established, -1);
    db_bind_int(st, 24, !!(g & ENT_REPORT_YEAR));
    bind_int_or_null(st, 25, e->annual_report_year);
    db_bind_int(st, 26, !!(g & ENT_OFFICER));
    bind_int_or_null(st, 27, e->officer);
    db_bind_int(st, 28, !!(g & ENT_KEY));
    db_bind_int(st, 29, e->key);
    db_bind_int(st, 30, !!(g & ENT_FLAGGED));
    db_bind_int(st, 31, e->uscc_flagged);
    db_bind_int(st, 32, time_now());
    rc = db_run(st);
    if (!rc && db_changes(w) == 0)
        rc = ERR_NOTFOUND;
    return rc;
}
