/* SPDX-License-Identifier: MIT */
/* The steps of a demand inside the write transaction: its state as the rules see it, the
 * changes an action makes (routing, deadlines, departments, merging), and its events. */
#include "demands/demands.h"
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "refdata/refdata.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int demands_state(struct db *db, int64_t id, const struct principal *p, struct demand_state *d,
                  char returned_from[16])
{
    struct db_stmt *st;
    int rc = db_prepare(
        db,
        "SELECT d.uscc, d.status, d.tier, d.region, d.office_region, d.officer,"
        " d.assignee, d.department, d.returned_from, d.due, d.filed_at, (SELECT count(*) FROM"
        " demand_assists x WHERE x.demand = d.id AND x.department = ?)"
        " FROM demands d WHERE d.id = ?",
        &st);
    if (!rc)
        rc = db_bind_int(st, 1, p ? p->department : 0);
    if (!rc)
        rc = db_bind_int(st, 2, id);
    if (!rc)
        rc = db_row(st);
    if (!rc) {
        const char *t;
        *d = (struct demand_state){0};
        snprintf(d->uscc, sizeof d->uscc, "%s", db_col_text(st, 0));
        snprintf(d->status, sizeof d->status, "%s", db_col_text(st, 1));
        snprintf(d->tier, sizeof d->tier, "%s", (t = db_col_text(st, 2)) ? t : "");
        snprintf(d->region, sizeof d->region, "%s", db_col_text(st, 3));
        snprintf(d->office_region, sizeof d->office_region, "%s",
                 (t = db_col_text(st, 4)) ? t : "");
        d->officer = db_col_int(st, 5);
        d->assignee = db_col_int(st, 6);
        d->department = db_col_int(st, 7);
        snprintf(returned_from, 16, "%s", (t = db_col_text(st, 8)) ? t : "");
        const char *due = db_col_text(st, 9);
        if (!due || date_parse(due, strlen(due), &d->due))
            d->due = -1;
        d->filed = date_of(db_col_int(st, 10));
        d->assisted = p && p->department && db_col_int(st, 11) > 0;
    }
    db_done(st);
    return rc;
}

int demands_record_event(struct db *w, const struct principal *p, const char *ip, int64_t id,
                         const char *action, const char *from, const char *to, json_t *detail)
{
    char *text = json_dumps(detail ? detail : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
    struct db_stmt *st;
    int rc = db_prepare(w,
                        "INSERT INTO demand_events(demand, at, actor, action, from_status,"
                        " to_status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_bind_int(st, 2, time_now());
    if (!rc)
        rc = p ? db_bind_int(st, 3, p->id) : db_bind_null(st, 3);
    if (!rc)
        rc = db_bind_text(st, 4, action, -1);
    if (!rc)
        rc = db_bind_text(st, 5, from, -1);
    if (!rc)
        rc = db_bind_text(st, 6, to, -1);
    if (!rc)
        rc = db_bind_text(st, 7, text, -1);
    if (!rc)
        rc = db_run(st);
    char audit_action[48], object[32];
    snprintf(audit_action, sizeof audit_action, "demand.%s", action);
    snprintf(object, sizeof object, "demand:%" PRId64, id);
    if (!rc)
        rc = audit_record_as(w, p, ip, audit_action, object, text);
    free(text);
    return rc;
}

static int refuse(struct demands_refusal *r, int err, const char *code, const char *message,
                  const char *field)
{
    *r = (struct demands_refusal){err, code, message, field};
    return err;
}

#define REFUSE(e, c, m, f) refuse(r, e, c, m, f)

static int department_exists(struct db *w, int64_t id)
{
    struct db_stmt *st;
    int rc = db_prepare(w, "SELECT id FROM departments WHERE id = ?", &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_row(st);
    db_done(st);
    return rc;
}

/* The chain office a tier is routed to: the city's for large demands; for medium ones the
 * county's when the county has a chain office, else the city's. */
static int office_for(struct db *w, const char *tier, const char *region, char out[16])
{
    snprintf(out, 16, "%s", CITY_REGION);
    if (strcmp(tier, "medium"))
        return 0;
    int rc = accounts_role_in_region(w, ROLE_CHAIN_OFFICE, region);
    if (rc == 0)
        snprintf(out, 16, "%s", region);
    return rc == ERR_NOTFOUND ? 0 : rc;
}

static void set_due(json_t *v, const struct demand_deadlines *dl, const char *tier)
{
    char due[DATE_LEN + 1];
    date_format(refdata_add_workdays(date_today(), demands_tier_days(dl, tier)), due);
    json_object_set_new(v, "due", json_string(due));
}

static int set_assists(struct db *w, int64_t id, json_t *assisting)
{
    struct db_stmt *st;
    int rc = db_prepare(w, "DELETE FROM demand_assists WHERE demand = ?", &st);
    if (!rc)
        rc = db_bind_int(st, 1, id);
    if (!rc)
        rc = db_run(st);
    size_t i;
    json_t *x;
    json_array_foreach(assisting, i, x)
    {
        if (rc)
            break;
        rc = db_prepare(w, "INSERT INTO demand_assists(demand, department) VALUES (?, ?)", &st);
        if (!rc)
            rc = db_bind_int(st, 1, id);
        if (!rc)
            rc = db_bind_int(st, 2, json_integer_value(x));
        if (!rc)
            rc = db_run(st);
    }
    return rc;
}

/* The assisting departments of an assign body: distinct existing ids other than the lead. */
static int assisting_ok(struct db *w, json_t *a, int64_t lead, struct demands_refusal *r)
{
    size_t i, j;
    json_t *x, *y;
    if (json_array_size(a) > 20)
        return REFUSE(ERR_INVALID, "validation_failed", "协办部门最多 20 个", "assisting");
    json_array_foreach(a, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) <= 0)
            return REFUSE(ERR_INVALID, "validation_failed", "协办部门须为部门编号的数组",
                          "assisting");
        if (json_integer_value(x) == lead)
            return REFUSE(ERR_INVALID, "validation_failed", "牵头部门不能同时是协办部门",
                          "assisting");
        json_array_foreach(
            a, j, y) if (j < i &&
                         json_integer_value(y) ==
                             json_integer_value(x)) return REFUSE(ERR_INVALID, "validation_failed",
                                                                  "协办部门重复", "assisting");
        int rc = department_exists(w, json_integer_value(x));
        if (rc == ERR_NOTFOUND)
            return REFUSE(ERR_INVALID, "unknown_department", "协办部门不存在", "assisting");
        if (rc)
            return rc;
    }
    return 0;
}

int demands_plan(struct db *w, const struct principal *p, const char *ip, int64_t id,
                 const struct demand_state *d, const char *returned_from, int action, json_t *b,
                 json_t *v, json_t *detail, struct demands_refusal *r)
{
    struct demand_deadlines dl;
    int rc = demands_deadlines(w, &dl);
    if (rc)
        return rc;
    const char *next = demands_next_status(d, action, returned_from);
    char office[16];
    json_object_update_missing(detail, b);
    switch (action) {
    case DA_TRIAGE: {
        const char *tier = json_string_value(json_object_get(b, "tier"));
        if (!strcmp(tier, "small") && !d->officer)
            return REFUSE(ERR_CONFLICT, "no_officer", "该企业未配备驻企服务员，不能按小问题办理",
                          "tier");
        json_object_set_new(v, "tier", json_string(tier));
        set_due(v, &dl, tier);
        if (!strcmp(tier, "small")) {
            next = "assigned";
            json_object_set_new(v, "assignee", json_integer(d->officer));
            json_object_set_new(v, "office_region", json_null());
        } else {
            next = "triaged";
            if ((rc = office_for(w, tier, d->region, office)))
                return rc;
            json_object_set_new(v, "office_region", json_string(office));
        }
        break;
    }
    case DA_ASSIGN: {
        json_t *dep = json_object_get(b, "department"), *lead = json_object_get(b, "lead"),
               *assisting = json_object_get(b, "assisting");
        int large = !strcmp(d->tier, "large");
        if (large && !json_is_integer(lead))
            return REFUSE(ERR_INVALID, "validation_failed", "大问题须指定牵头部门（lead）", "lead");
        if (!large && (!json_is_integer(dep) || json_is_integer(lead) || json_is_array(assisting)))
            return REFUSE(ERR_INVALID, "validation_failed",
                          "中问题须指定一个承办部门（department）", "department");
        int64_t target = json_integer_value(large ? lead : dep);
        rc = department_exists(w, target);
        if (rc == ERR_NOTFOUND)
            return REFUSE(ERR_INVALID, "unknown_department", "承办部门不存在",
                          large ? "lead" : "department");
        if (!rc && large && assisting)
            rc = assisting_ok(w, assisting, target, r);
        if (!rc && large)
            rc = set_assists(w, id, assisting);
        if (rc)
            return rc;
        json_object_set_new(v, "department", json_integer(target));
        break;
    }
    case DA_RETURN: json_object_set_new(v, "returned_from", json_string(d->status)); break;
    case DA_SUPPLY: json_object_set_new(v, "returned_from", json_null()); break;
    case DA_REASSIGN: {
        int64_t target = json_integer_value(json_object_get(b, "department"));
        if (target == d->department)
            return REFUSE(ERR_CONFLICT, "same_department", "已由该部门承办，请选择其他部门",
                          "department");
        rc = department_exists(w, target);
        if (rc == ERR_NOTFOUND)
            return REFUSE(ERR_INVALID, "unknown_department", "转办部门不存在", "department");
        if (rc)
            return rc;
        json_object_set_new(detail, "from_department", json_integer(d->department));
        json_object_set_new(v, "department", json_integer(target));
        break;
    }
    case DA_ESCALATE: {
        const char *tier = demands_tier_up(d->tier);
        if ((rc = office_for(w, tier, d->region, office)) || (rc = set_assists(w, id, NULL)))
            return rc;
        json_object_set_new(detail, "from_tier", json_string(d->tier));
        json_object_set_new(detail, "to_tier", json_string(tier));
        json_object_set_new(v, "tier", json_string(tier));
        json_object_set_new(v, "office_region", json_string(office));
        json_object_set_new(v, "assignee", json_null());
        json_object_set_new(v, "department", json_null());
        set_due(v, &dl, tier);
        break;
    }
    case DA_RESOLVE: {
        json_object_set_new(v, "late", json_boolean(d->due >= 0 && date_today() > d->due));
        json_object_set(v, "resolution", json_object_get(b, "resolution"));
        json_object_set_new(v, "resolved_at", json_integer(time_now()));
        break;
    }
    case DA_CONFIRM: {
        json_object_set_new(v, "days_to_close",
                            json_integer(refdata_workdays_between(d->filed, date_today())));
        json_object_set(v, "rating", json_object_get(b, "rating"));
        json_object_set(v, "comment", json_object_get(b, "comment"));
        json_object_set_new(v, "closed_at", json_integer(time_now()));
        break;
    }
    case DA_REOPEN:
        json_object_set_new(v, "late", json_false());
        json_object_set_new(v, "resolved_at", json_null());
        set_due(v, &dl, d->tier);
        break;
    case DA_MERGE: {
        int64_t into = json_integer_value(json_object_get(b, "into"));
        struct demand_state t;
        char rf[16];
        if (into == id)
            return REFUSE(ERR_CONFLICT, "merge_self", "不能把诉求合并到它自己", "into");
        rc = demands_state(w, into, p, &t, rf);
        if (rc == ERR_NOTFOUND || (!rc && demands_may_see(p, &t)))
            return REFUSE(ERR_INVALID, "unknown_demand", "合并目标诉求不存在或无权查看", "into");
        if (rc)
            return rc;
        if (!strcmp(t.status, "merged"))
            return REFUSE(ERR_CONFLICT, "merge_cycle", "目标诉求已合并到其他诉求，请合并到最终诉求",
                          "into");
        json_object_set_new(v, "merged_into", json_integer(into));
        json_t *in = json_pack("{sI}", "from", (json_int_t)id);
        rc = demands_record_event(w, p, ip, into, "merged_in", t.status, t.status, in);
        json_decref(in);
        if (rc)
            return rc;
        break;
    }
    default: break;
    }
    json_object_set_new(v, "status", json_string(next));
    return 0;
}
