/* SPDX-License-Identifier: MIT */
/*
 * M5, inspections and enforcement (检查执法): campaigns (专项行动) with counters computed from
 * their records, inspection records (routine, campaign, random-task) with their outcome and
 * the follow-up of rectification orders, cases (立案) with the 免罚轻罚 check, the decision,
 * the fine and revisits (案件回访).
 *
 *   inspection: pass | rectify (order open --passed re-check--> done) | interview | case
 *   case: open --decision--> decided --first revisit--> closed
 *
 * The rules here are pure (they judge JSON values and dates); enforcement_sql.c holds the
 * writes other modules and the handlers share; enforcement_routes.c the handlers. M4 (random
 * tasks) records its results through enforcement_record_random.
 */
#ifndef JG_ENFORCEMENT_H
#define JG_ENFORCEMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "authz/authz.h"
#include "db/db.h"
#include "record/record.h"

/* The records; their field tables are also the bodies of POST (and PATCH) of each. */
extern struct record enforcement_campaign, enforcement_inspection, enforcement_case;
extern const struct field enforcement_campaign_fields[], enforcement_inspection_fields[],
    enforcement_case_fields[];
extern const struct enum_value enforcement_kinds[], enforcement_outcomes[],
    enforcement_rectifications[], enforcement_harms[], enforcement_case_statuses[],
    enforcement_decisions[], enforcement_campaign_statuses[];

#define ENFORCEMENT_MAX_INSPECTORS 20
#define ENFORCEMENT_LIMITATION_YEARS 2 /* 《行政处罚法》第三十六条 */

/* Checks a campaign's values (a create body, or the record with a patch applied): the period
 * ends on or after its start. Returns 0 or ERR_INVALID with *field and a Chinese *msg. Pure. */
int enforcement_check_campaign(json_t *v, const char **field /* out */, const char **msg /* out */);

/* Checks an inspection record v given through the API on today (days since 1970): a campaign
 * iff kind is campaign, kind random refused (M4 records those), inspected_on not after today,
 * inspectors an array of 1..ENFORCEMENT_MAX_INSPECTORS distinct positive ids, rectify_by iff
 * outcome is rectify and not before inspected_on. Returns 0 or ERR_INVALID with *field and
 * *msg. Pure. */
int enforcement_check_inspection(json_t *v, int32_t today, const char **field /* out */,
                                 const char **msg /* out */);
/* The same for a random-task result (enforcement_record_random): outcome, dates and
 * rectify_by as above. Pure. */
int enforcement_check_result(const char *outcome, const char *inspected_on, const char *rectify_by,
                             int32_t today, const char **field /* out */,
                             const char **msg /* out */);

/* Whether a rectification re-check on checked_on may be recorded on an inspection whose
 * outcome, rectification state ("open", "done" or NULL) and inspection date are given:
 * 0; ERR_CONFLICT when there is no open order; ERR_INVALID for a date before the inspection or
 * after today. *msg says why. Pure. */
int enforcement_check_recheck(const char *outcome, const char *rectification,
                              const char *inspected_on, const char *checked_on, int32_t today,
                              const char **field /* out */, const char **msg /* out */);

/* Whether a rectification order is overdue on today: open and past its rectify_by. Pure. */
int enforcement_rectify_overdue(const char *rectification, const char *rectify_by, int32_t today);

/* 免罚轻罚 (no or lighter penalty for a minor first violation corrected in time). */
struct minor_prior { /* another case of the same entity */
    int64_t id;
    const char *opened_on; /* YYYY-MM-DD */
    const char *decision;  /* NULL while open */
};
struct minor_case {
    const char *opened_on;    /* YYYY-MM-DD */
    const char *harm;         /* slight | ordinary | serious */
    int corrected_in_time;    /* 1, 0, or -1 while unknown */
    const char *rectify_by;   /* of the linked rectification order, or NULL */
    const char *rectified_on; /* the day its passed re-check was, or NULL */
};
/* The first day of the limitation period that ends on day (a date): the same day two years
 * before (28 February for 29 February). Periods are counted as 《民法典》第二百零一条 counts
 * them (the day an event happens is not counted), so a case opened exactly two years before
 * still falls inside. Pure. */
int32_t enforcement_limitation_start(int32_t day);
/* Judges c against the entity's other cases (prior, n of them, in any order): eligible when
 * (a) none with a decision of penalty, lighter or no_penalty was opened within the limitation
 * period up to c's opening day (a dismissed or undecided one does not count), (b) the harm is
 * slight, (c) it was corrected in time (corrected_in_time 1, or the linked rectification
 * passed on or before its rectify_by). Returns 1 (eligible) or 0; *reasons (may be NULL) gets
 * a new array of {code, message} for each condition not met (empty when eligible). Pure. */
int enforcement_minor_check(const struct minor_case *c, const struct minor_prior *prior, size_t n,
                            json_t **reasons /* out */);

/* Checks a decision on a case in status opened on opened_on: the case is open (else
 * ERR_CONFLICT), decided_on not before opened_on nor after today, the fine 0 unless the
 * decision is penalty or lighter, no_penalty only when eligible (else ERR_INVALID with *code
 * "not_eligible"). Returns 0 or an error with *code, *field and *msg. Pure. */
int enforcement_check_decision(const char *status, const char *opened_on, const char *decision,
                               int64_t fine, const char *decided_on, int eligible, int32_t today,
                               const char **code /* out */, const char **field /* out */,
                               const char **msg /* out */);
/* Checks a revisit on visited_on of a case in status decided on decided_on: decided or closed
 * (else ERR_CONFLICT), not before the decision nor after today. Pure. */
int enforcement_check_revisit(const char *status, const char *decided_on, const char *visited_on,
                              int32_t today, const char **field /* out */,
                              const char **msg /* out */);

/* Data scope. Whether p may see an inspection of region in which p took part (took_part) or
 * not: bureau staff and inspectors of the city everything, those of a county their county's,
 * inspectors also the records they took part in. 0 or ERR_FORBIDDEN. Pure. */
int enforcement_may_see(const struct principal *p, const char *region, int took_part);
/* Whether p may see a campaign of region: its own county's and the city's. Pure. */
int enforcement_may_see_campaign(const struct principal *p, const char *region);

/* ---- writes (enforcement_sql.c), inside the caller's write transaction w ---- */

/* Inserts the inspection v (the record's members: uscc, region, industry, kind, campaign,
 * task, department, inspected_on, inspectors, outcome, note, rectify_by, recorded_by), its
 * inspectors and, when the outcome is case, the case it opens, with audit rows by p (NULL:
 * the user recorded_by) from ip. *id gets the record's id, *case_id (may be NULL) the case's
 * or 0. Returns 0 or an error (ERR_CONFLICT: a reference that does not exist). */
int enforcement_insert_inspection(struct db *w, const struct principal *p, const char *ip,
                                  json_t *v, int64_t *id /* out */, int64_t *case_id /* out */);
/* Inserts the case v (uscc, region, inspection, department, opened_on, violation, basis, harm,
 * corrected_in_time, opened_by) with its audit row; *id gets its id. */
int enforcement_insert_case(struct db *w, const struct principal *p, const char *ip, json_t *v,
                            int64_t *id /* out */);
/* The 免罚轻罚 check of case id as it stands on db: {"eligible", "reasons"} in *out. Returns
 * 0, ERR_NOTFOUND or an error. */
int enforcement_case_minor(struct db *db, int64_t id, json_t **out /* out */);

/* For M4: records the result of a random task's target as an inspection record of kind random
 * on w (inside the caller's transaction), replacing the record this task and entity had, so
 * that counts stay right; a result of case opens a case (kept when it was one already), and a
 * case the earlier result opened is withdrawn when it is still open. inspected_on NULL is
 * today; note may be NULL; rectify_by is given iff outcome is rectify. recorded_by (a user id)
 * is the recorder and, when an inspector, the inspector of the record. *record_id gets the
 * record's id. Returns 0; ERR_INVALID for a bad outcome or date; ERR_NOTFOUND when uscc is
 * not in the registry; ERR_CONFLICT when the earlier result's case was decided already (it
 * cannot be withdrawn); or an error. Writes audit rows as recorded_by. */
int enforcement_record_random(struct db *w, int64_t task, int64_t department, const char *uscc,
                              const char *outcome, const char *note, const char *rectify_by,
                              const char *inspected_on, int64_t recorded_by, int64_t *record_id);

#endif
