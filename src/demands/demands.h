/* SPDX-License-Identifier: MIT */
/*
 * M2, enterprise demands (诉求通, 问题诉求"一码办"): the demand record, its life as a state
 * machine, who may take each step, the routing of a tier, and the deadlines in working days.
 *
 * A demand is filed (submitted), triaged small / medium / large, routed, worked on and resolved,
 * then confirmed and rated by the enterprise (closed):
 *
 *   submitted --triage small--> assigned (to the enterprise's officer)
 *   submitted --triage medium|large--> triaged --assign--> assigned --start--> in_progress
 *   in_progress --resolve--> resolved --confirm--> closed
 *                                      --reopen--> in_progress
 *   triaged|assigned|in_progress --return--> returned --supply--> (the state it was returned from)
 *   assigned|in_progress --reassign--> assigned (another department: 转办)
 *   triaged|assigned|in_progress --escalate--> triaged (small -> medium -> large)
 *   any open state --merge--> merged (a duplicate of another demand)
 *
 * Medium demands are routed by the chain office of the enterprise's county when the county has
 * one, else by the city's; large ones by the city chain-leader office (city_office), which names
 * a lead department and assisting ones. The rules here are pure: they judge a principal, a
 * demand's state and an action; demands_routes.c reads and writes.
 */
#ifndef JG_DEMANDS_H
#define JG_DEMANDS_H
#include <stdint.h>
#include <jansson.h>
#include "authz/authz.h"
#include "db/db.h"
#include "record/record.h"

/* The demand record (GET /api/v1/demands, its exports) and the body of POST /api/v1/demands. */
extern struct record demands_demand;
extern const struct field demands_create_fields[];
extern const struct enum_value demands_statuses[], demands_tiers[], demands_categories[],
    demands_channels[];

enum demand_action {
    DA_TRIAGE,
    DA_ASSIGN,
    DA_START,
    DA_RETURN,
    DA_SUPPLY,
    DA_REASSIGN,
    DA_ESCALATE,
    DA_RESOLVE,
    DA_CONFIRM,
    DA_REOPEN,
    DA_MERGE,
    DA_COUNT
};

/* The action called name ("triage"), or -1. */
int demands_action_of(const char *name);
const char *demands_action_name(int action);
const char *demands_action_label(int action); /* Chinese: "分级" */

/* What the rules read of a demand. */
struct demand_state {
    char uscc[20];
    char status[16];
    char tier[8]; /* "" before triage */
    char region[16];
    char office_region[16]; /* "" until routed */
    int64_t officer;        /* the entity's officer when filed; 0: none */
    int64_t assignee;       /* the officer of a small demand; 0: none */
    int64_t department;     /* the (lead) department; 0: none */
    int assisted;           /* the caller's department is one of the assisting ones */
    int32_t due;            /* the deadline (days since 1970); -1: none */
    int32_t filed;          /* the day it was filed */
};

/* Whether p may read d: the enterprise its own, an officer the demands of the enterprises it
 * serves, a chain office those of its county (the city's: all), a department those routed to
 * it (lead or assisting), the city office and the bureau all (county bureau staff: their
 * county), the administrator all. Returns 0, ERR_NOTFOUND when d must look to p as if it did
 * not exist (another entity's account), or ERR_FORBIDDEN. Pure. */
int demands_may_see(const struct principal *p, const struct demand_state *d);

/* Whether p may take action on d now: 0; ERR_CONFLICT when d's state does not allow it (*msg
 * says why); ERR_FORBIDDEN when p is not who takes this step (*msg says who does). The state
 * is judged first, so the answer tells the caller what the demand awaits. Pure. */
int demands_may_act(const struct principal *p, const struct demand_state *d, int action,
                    const char **msg /* out */);

/* Whether p may file a demand for the entity uscc in region served by officer (0: none): the
 * enterprise for itself, the entity's officer, chain offices of its county or the city, the
 * city office and bureau staff of its county (recording a call or a visit). Returns 0 or
 * ERR_FORBIDDEN with *msg. Pure. */
int demands_may_file(const struct principal *p, const char *uscc, const char *region,
                     int64_t officer, const char **msg /* out */);
/* The channel a demand filed by p is recorded with when the body names none. Pure. */
const char *demands_default_channel(const struct principal *p);

/* The tier one step up from tier ("small" -> "medium" -> "large"), or NULL at the top. Pure. */
const char *demands_tier_up(const char *tier);
/* The state a transition leads to from d (DA_SUPPLY: d's returned_from, given). Pure. */
const char *demands_next_status(const struct demand_state *d, int action,
                                const char *returned_from);

/* Whether status is one that still awaits work (counts for overdue). Pure. */
int demands_status_open(const char *status);
/* Whether a demand in status with due day (days since 1970, or < 0 for none) is overdue on
 * today: still open and past its due day. Pure. */
int demands_overdue(const char *status, int32_t due, int32_t today);

/* The working days each tier is given, read from the database; 0 or an error. */
struct demand_deadlines {
    int small, medium, large;
};
int demands_deadlines(struct db *db, struct demand_deadlines *out /* out */);
int demands_tier_days(const struct demand_deadlines *dl, const char *tier);

/* The SQL condition (on alias d) that narrows a list or statistics to what p may read: sql is
 * a fixed fragment (" AND ..." or ""), and its n values are bound in order, each an integer
 * (is_int) or a text. Pure. */
struct demand_scope {
    const char *sql;
    int n;
    int is_int[2];
    int64_t ints[2];
    const char *texts[2];
};
void demands_scope(const struct principal *p, struct demand_scope *out /* out */);

/* ---- steps, inside the write transaction (demands_steps.c) ---- */

/* Reads demand id as the rules see it on db (p's department decides `assisted`) and the
 * state it was returned from ("" when not returned). Returns 0, ERR_NOTFOUND or an error. */
int demands_state(struct db *db, int64_t id, const struct principal *p, struct demand_state *d,
                  char returned_from[16]);
/* A refusal decided inside the transaction, answered after it is rolled back. */
struct demands_refusal {
    int err;
    const char *code, *message, *field;
};
/* Decides the changes of action on demand id (state d, checked by demands_may_act) with body
 * b into v (the demand's new values) and the event's detail, writing what belongs to other
 * rows (assisting departments, a merge's event on its target), or refuses into r (and
 * returns r->err). p and ip are the actor's, for the audit. Runs on the write connection w. */
int demands_plan(struct db *w, const struct principal *p, const char *ip, int64_t id,
                 const struct demand_state *d, const char *returned_from, int action, json_t *b,
                 json_t *v, json_t *detail, struct demands_refusal *r);
/* Appends an event (action, status from -> to, detail or NULL) to demand id on w, with its
 * audit row by p from ip (p NULL: the system). Returns 0 or an error. */
int demands_record_event(struct db *w, const struct principal *p, const char *ip, int64_t id,
                         const char *action, const char *from, const char *to, json_t *detail);

#endif
