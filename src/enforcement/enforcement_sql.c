/* SPDX-License-Identifier: MIT */
/*
 * The writes of M5 that the handlers and M4 share, each inside the caller's write transaction
 * and with its audit rows: an inspection record with its inspectors and the case it opens, a
 * case, and a random task's result recorded (again); and the 免罚轻罚 check of a stored case,
 * read from the entity's own history.
 */
#include "enforcement/enforcement.h"
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "registry/registry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PRIORS 64

/* An audit row by p from ip, or, without p, by the user actor (0: the system). */
static int audit_write(struct db *w, const struct principal *p, const char *ip, int64_t actor,
                       const char *action, const char *kind, int64_t id, json_t *detail)
{
    char object[48], *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(object, sizeof object, "%s:%" PRId64, kind, id);
    int rc = p ? audit_record_as(w, p, ip, action, object, text)
               : audit_record(w, actor, ip, action, object, text);
    free(text);
    return rc;
}

static int64_t int_of(json_t *v, const char *name)
{
    return json_integer_value(json_object_get(v, name));
}

/* The inspectors of inspection id: the rows of enforcement_inspectors, from the array a. */
static int put_inspectors(struct db *w, int64_t id, json_t *a)
{
    struct db_stmt *st;
    int rc = db_prepare(w, "DELETE FROM enforcement_inspectors WHERE inspection = ?", &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_run(st);
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        if (rc)
            break;
        rc = db_prepare(
            w, "INSERT INTO enforcement_inspectors(inspection, inspector) VALUES (?, ?)", &st);
        if (!rc)
            rc = db_bind_int(st, 1, id);
        if (!rc)
            rc = db_bind_int(st, 2, json_integer_value(x));
        if (!rc)
            rc = db_run(st);
    }
    return rc;
}

int enforcement_insert_case(struct db *w, const struct principal *p, const char *ip, json_t *v,
                            int64_t *id)
{
    json_object_set_new(v, "status", json_string("open"));
    json_object_set_new(v, "created_at", json_integer(time_now()));
    int rc = rec_insert(w, &enforcement_case, v);
    *id = rc ? 0 : db_last_id(w);
    if (!rc)
        rc = audit_write(w, p, ip, int_of(v, "opened_by"), "case.open", "case", *id, v);
    return rc;
}

/* The case an inspection of outcome case opens: the inspection's entity, department and day;
 * the note as the violation; the harm taken as ordinary until the case says otherwise. */
static int open_case_of(struct db *w, const struct principal *p, const char *ip, json_t *v,
                        int64_t inspection, int64_t *case_id)
{
    const char *note = json_string_value(json_object_get(v, "note"));
    json_t *c =
        json_pack("{sO sO sI sO sO ss ss ss sO}", "uscc", json_object_get(v, "uscc"), "region",
                  json_object_get(v, "region"), "inspection", (json_int_t)inspection, "department",
                  json_object_get(v, "department"), "opened_on", json_object_get(v, "inspected_on"),
                  "violation", note && *note ? note : "检查发现涉嫌违法行为", "basis", "", "harm",
                  "ordinary", "opened_by", json_object_get(v, "recorded_by"));
    int rc = c ? enforcement_insert_case(w, p, ip, c, case_id) : ERR_INTERNAL;
    json_decref(c);
    return rc;
}

/* Completes v (the members set by the rules) for an insert or a replacement. */
static void complete(json_t *v)
{
    int rectify = !strcmp(json_string_value(json_object_get(v, "outcome")), "rectify");
    json_object_set_new(v, "rectification", rectify ? json_string("open") : json_null());
    json_object_set_new(v, "rectified_on", json_null());
    json_object_set_new(v, "rechecks", json_integer(0));
    if (!json_object_get(v, "rectify_by"))
        json_object_set_new(v, "rectify_by", json_null());
}

static int insert_as(struct db *w, const struct principal *p, const char *ip, const char *action,
                     json_t *v, int64_t *id, int64_t *case_id)
{
    complete(v);
    json_object_set_new(v, "created_at", json_integer(time_now()));
    int rc = rec_insert(w, &enforcement_inspection, v);
    *id = rc ? 0 : db_last_id(w);
    if (case_id)
        *case_id = 0;
    if (!rc)
        rc = put_inspectors(w, *id, json_object_get(v, "inspectors"));
    if (!rc)
        rc = audit_write(w, p, ip, int_of(v, "recorded_by"), action, "inspection", *id, v);
    int64_t c = 0;
    if (!rc && !strcmp(json_string_value(json_object_get(v, "outcome")), "case"))
        rc = open_case_of(w, p, ip, v, *id, &c);
    if (case_id)
        *case_id = c;
    return rc;
}

int enforcement_insert_inspection(struct db *w, const struct principal *p, const char *ip,
                                  json_t *v, int64_t *id, int64_t *case_id)
{
    return insert_as(w, p, ip, "inspection.create", v, id, case_id);
}

/* ---- the 免罚轻罚 check of a stored case ---- */

struct prior_row {
    int64_t id;
    char opened_on[DATE_LEN + 1], decision[16];
};

int enforcement_case_minor(struct db *db, int64_t id, json_t **out)
{
    struct db_stmt *st;
    char uscc[20] = "", opened[DATE_LEN + 1] = "", harm[16] = "", by[DATE_LEN + 1] = "",
         done[DATE_LEN + 1] = "";
    int corrected = -1;
    int rc = db_prepare(db,
                        "SELECT k.uscc, k.opened_on, k.harm, k.corrected_in_time, i.rectify_by,"
                        " CASE WHEN i.rectification = 'done' THEN i.rectified_on END"
                        " FROM enforcement_cases k LEFT JOIN enforcement_inspections i"
                        " ON i.id = k.inspection WHERE k.id = ?",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        const char *t;
        snprintf(uscc, sizeof uscc, "%s", db_col_text(st, 0));
        snprintf(opened, sizeof opened, "%s", db_col_text(st, 1));
        snprintf(harm, sizeof harm, "%s", db_col_text(st, 2));
        corrected = db_col_type(st, 3) == DB_NULL ? -1 : (int)db_col_int(st, 3);
        snprintf(by, sizeof by, "%s", (t = db_col_text(st, 4)) ? t : "");
        snprintf(done, sizeof done, "%s", (t = db_col_text(st, 5)) ? t : "");
    }
    db_done(st);
    if (rc)
        return rc;
    /* The entity's decided cases opened on or before this one, newest first: the newest in
     * the period decides, so a bounded number is enough. */
    struct prior_row rows[MAX_PRIORS];
    struct minor_prior prior[MAX_PRIORS];
    size_t n = 0;
    int step = DB_DONE;
    rc = db_prepare(db,
                    "SELECT id, opened_on, decision FROM enforcement_cases WHERE uscc = ?"
                    " AND opened_on <= ? AND id <> ? AND decision IS NOT NULL"
                    " AND decision <> 'dismissed' ORDER BY opened_on DESC, id DESC LIMIT 64",
                    &st);
    if (!rc)
        rc = db_bind_text(st, 1, uscc, -1);
    if (!rc)
        rc = db_bind_text(st, 2, opened, -1);
    if (!rc)
        rc = db_bind_int(st, 3, id);
    while (!rc && n < MAX_PRIORS && (step = db_step(st)) == DB_ROW) {
        rows[n].id = db_col_int(st, 0);
        snprintf(rows[n].opened_on, sizeof rows[n].opened_on, "%s", db_col_text(st, 1));
        snprintf(rows[n].decision, sizeof rows[n].decision, "%s", db_col_text(st, 2));
        prior[n] = (struct minor_prior){rows[n].id, rows[n].opened_on, rows[n].decision};
        n++;
    }
    if (!rc && step < 0)
        rc = step;
    db_done(st);
    if (rc)
        return rc;
    struct minor_case c = {opened, harm, corrected, *by ? by : NULL, *done ? done : NULL};
    json_t *reasons = NULL;
    int eligible = enforcement_minor_check(&c, prior, n, &reasons);
    *out = json_pack("{sb so}", "eligible", eligible, "reasons", reasons);
    return 0;
}

/* ---- M4's random-task results ---- */

/* The record task and uscc had, and the case it opened: ids (0: none) and the case's status. */
static int earlier_of(struct db *w, int64_t task, const char *uscc, int64_t *id, int64_t *case_id,
                      char status[16])
{
    struct db_stmt *st;
    *id = *case_id = 0;
    status[0] = '\0';
    int rc = db_prepare(w,
                        "SELECT i.id, k.id, k.status FROM enforcement_inspections i"
                        " LEFT JOIN enforcement_cases k ON k.inspection = i.id"
                        " WHERE i.task = ? AND i.uscc = ?",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, task);
    if (!rc)
        rc = db_bind_text(st, 2, uscc, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        *id = db_col_int(st, 0);
        *case_id = db_col_type(st, 1) == DB_NULL ? 0 : db_col_int(st, 1);
        snprintf(status, 16, "%s", db_col_text(st, 2) ? db_col_text(st, 2) : "");
    }
    db_done(st);
    return rc == ERR_NOTFOUND ? 0 : rc;
}

static int run_on_id(struct db *w, const char *sql, int64_t id)
{
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_run(st);
    return rc;
}

int enforcement_record_random(struct db *w, int64_t task, int64_t department, const char *uscc,
                              const char *outcome, const char *note, const char *rectify_by,
                              const char *inspected_on, int64_t recorded_by, int64_t *record_id)
{
    char today[DATE_LEN + 1], status[16];
    const char *field, *msg;
    date_format(date_today(), today);
    *record_id = 0;
    if (!inspected_on)
        inspected_on = today;
    int rc =
        enforcement_check_result(outcome, inspected_on, rectify_by, date_today(), &field, &msg);
    if (rc || !uscc)
        return ERR_INVALID;
    json_t *e = NULL;
    rc = registry_get(w, uscc, &e);
    if (rc)
        return rc;
    json_t *inspectors = json_array();
    rc = accounts_has_role(w, recorded_by, ROLE_INSPECTOR);
    if (!rc)
        json_array_append_new(inspectors, json_integer(recorded_by));
    rc = rc == ERR_INVALID ? 0 : rc;
    json_t *v =
        json_pack("{ss sO sO ss sI sI ss so ss ss? ss? sI}", "uscc", uscc, "region",
                  json_object_get(e, "region"), "industry", json_object_get(e, "industry"), "kind",
                  "random", "task", (json_int_t)task, "department", (json_int_t)department,
                  "inspected_on", inspected_on, "inspectors", inspectors, "outcome", outcome,
                  "note", note, "rectify_by", rectify_by, "recorded_by", (json_int_t)recorded_by);
    json_decref(e);
    if (!v)
        return ERR_INTERNAL;
    int64_t id = 0, case_id = 0;
    if (!rc)
        rc = earlier_of(w, task, uscc, &id, &case_id, status);
    int is_case = !strcmp(outcome, "case");
    if (!rc && id && case_id && !is_case) { /* the earlier result's case goes with it */
        if (strcmp(status, "open"))
            rc = ERR_CONFLICT;
        if (!rc)
            rc = run_on_id(w, "DELETE FROM enforcement_cases WHERE id = ?", case_id);
        if (!rc)
            rc = audit_write(w, NULL, NULL, recorded_by, "case.withdraw", "case", case_id, NULL);
    }
    if (!rc && id) {
        char key[24];
        snprintf(key, sizeof key, "%" PRId64, id);
        complete(v);
        rc = run_on_id(w, "DELETE FROM enforcement_rechecks WHERE inspection = ?", id);
        if (!rc)
            rc = rec_update(w, &enforcement_inspection, key, v);
        if (!rc)
            rc = put_inspectors(w, id, inspectors);
        if (!rc)
            rc = audit_write(w, NULL, NULL, recorded_by, "inspection.random", "inspection", id, v);
        if (!rc && is_case && !case_id)
            rc = open_case_of(w, NULL, NULL, v, id, &case_id);
    } else if (!rc) {
        rc = insert_as(w, NULL, NULL, "inspection.random", v, &id, NULL);
    }
    json_decref(v);
    if (!rc)
        *record_id = id;
    return rc;
}
