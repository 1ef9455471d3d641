/* SPDX-License-Identifier: MIT */
/*
 * M4, 双随机、一公开: inspection tasks whose targets and inspectors are drawn at random, in the
 * open. A task is a draft until it is committed: then its population (the registry's active
 * entities in scope, in code order, each with its credit grade, those inspected in the period
 * left out when the task says so), its inspector pool and the relations between them
 * (conflicts of interest, each entity's previous team) are fixed in the database, a secret
 * seed is chosen and SHA-256(seed) and the population's hash are published. The draw
 * (core/draw.h) is then a pure function of what was fixed and the seed, which it reveals; verify
 * runs it again from the database and compares it with the stored result.
 *
 *   draft --commit--> committed --draw--> drawn --first result--> in_progress
 *         --complete--> completed --publish--> published
 */
#ifndef JG_INSPECTIONS_H
#define JG_INSPECTIONS_H
#include <jansson.h>
#include <stdint.h>
#include "authz/authz.h"
#include "core/draw.h"
#include "db/db.h"
#include "record/record.h"

extern struct record inspections_task, inspections_item, inspections_assignment;
/* 行政执法证: an inspector's certificate number, field and expiry; only inspectors holding a
 * valid one (of one of the pool's fields, when it names some) enter a task's pool. */
extern struct record inspections_credential, inspections_inspector;
extern const struct field inspections_credential_body[];
/* 一公开 as open data in the LIVES layout: the entities, results and violations of published
 * tasks. */
extern struct record inspections_lives_business, inspections_lives_inspection,
    inspections_lives_violation;
extern const struct field inspections_task_create[], inspections_item_fields[];
/* A target's outcome: pass, rectify (by a date), interview (约谈), case (立案). */
extern const struct enum_value inspections_outcomes[];

/* Credit grades as strata: "A".."D" -> 0..3, else -1. Pure. */
int inspections_stratum(const char *credit);

/* Checks a task body beyond its field table: ratios A-D each in [0, 1] (missing ones take the
 * bureau's defaults 3/5/10/30%, worse credit drawn more often), a period whose end is not
 * before its start, scope and pool arrays of the right types, the departments non-empty, and a
 * county user's scope within its county (it defaults to it). Completes v with the defaults.
 * Returns 0 or ERR_INVALID / ERR_FORBIDDEN with *field and a Chinese message in msg. Pure. */
int inspections_check_task(const struct principal *p, json_t *v, const char **field, char *msg,
                           size_t cap);

/* The population text a commitment covers: one line "USCC GRADE\n" per member in the draw, in
 * code order; its SHA-256 is the published population hash. */
void inspections_population_line(const char *uscc, const char *credit, char out[32]);

/* Commits task id on w (status draft): fixes population, pool and relations, chooses the seed.
 * Returns 0; ERR_INVALID with msg (empty population, a pool short of inspectors: the message
 * says how many are needed and found, per department of a joint task); or an error. */
int inspections_commit(struct db *w, int64_t id, char *msg, size_t cap);
/* Draws task id on w (status committed): stores the targets and teams, reveals the seed.
 * Returns 0, ERR_INVALID with msg (a target left without a full team), or an error. */
int inspections_draw(struct db *w, int64_t id, char *msg, size_t cap);
/* What verify found: the seed's hash is the one published at the commit; the population the
 * database holds hashes to the published population hash; the draw made again from them is
 * the stored one, target by target and team by team. match: all three. */
struct inspections_check {
    int match, seed_hash, population_hash, draw;
};
/* Verifies task id from what the database holds, with seed_hex (64 hex digits) or, when
 * NULL, the stored seed. Returns 0, ERR_CONFLICT when the task has not been drawn,
 * ERR_INVALID for a malformed seed_hex, or an error. */
int inspections_verify(struct db *db, int64_t id, const char *seed_hex,
                       struct inspections_check *out);

/* What a commit of task (a body completed by inspections_check_task) would fix, counted,
 * nothing stored: {"population", "excluded", "expected", "strata": [{"grade", "population",
 * "excluded", "eligible", "ratio", "expected"} A..D], "inspectors": {"pool", "needed",
 * "departments": [{"id", "name", "pool", "needed"}]}, "shortfall": [{"grade" | "department",
 * "message"}]}. A commit is refused with the same shortfalls. Returns 0 or an error. */
int inspections_preview(struct db *db, json_t *task, json_t **out);

/* The steps of a task's life that take no body. */
enum inspections_step {
    INSPECTIONS_COMMIT,
    INSPECTIONS_DRAW,
    INSPECTIONS_COMPLETE,
    INSPECTIONS_PUBLISH
};
/* The audit action of step s ("inspection_task.commit"). */
const char *inspections_step_action(enum inspections_step s);
/* Takes step s of task id on w, judged on the status the task has in the write transaction:
 * ERR_CONFLICT with the refusal in msg when that status does not allow it; commit and draw
 * as above. Complete sets the publication deadline, publish notes whether it was late.
 * Returns 0 or an error with msg. */
int inspections_step(struct db *w, int64_t id, const char *status, enum inspections_step s,
                     char *msg, size_t cap);

/* 一公开: results are published within this many working days of the task's completion. */
#define INSPECTIONS_PUBLISH_DAYS 20
/* Whether a task's publication is late: due is its deadline (-1: none yet), published the day
 * it was published (-1: not yet). Pure. */
int inspections_publication_late(int32_t due, int32_t published, int32_t today);

/* Adds "late" to a task's JSON: published after its deadline, or past it and not published. */
void inspections_decorate(json_t *task);
/* Adds "names" to a task's JSON, for readers who cannot look them up (the public pages):
 * {"departments":{id:name}, "items":{id:name}, "regions":{code:name}, "chains":{id:name}}
 * for the ids its departments, items, scope, inspector pool and targets (when present) name. */
int inspections_names(struct db *db, json_t *task);

/* Whether p may record the result of a target of a task in status: 0; ERR_CONFLICT when the
 * task is not being inspected (drawn or in progress); ERR_FORBIDDEN unless p is on the
 * target's team (on_team) or bureau staff. Pure. */
int inspections_may_record(const char *status, int on_team, const struct principal *p);
/* Whether user is in the inspector pool task id fixed at its commit: 0, ERR_NOTFOUND or an
 * error. (A county's inspector drawn for a city task works on it.) */
int inspections_in_pool(struct db *db, int64_t id, int64_t user);
/* *on_team = whether inspector user is on the team of target uscc of task id. Returns 0,
 * ERR_NOTFOUND when uscc is not a target of the task, or an error. */
int inspections_on_team(struct db *db, int64_t id, const char *uscc, int64_t user, int *on_team);
/* Records the result body ({"outcome", "note", "rectify_by", "inspected_on"}, checked) of
 * target uscc of task id (in status, led by department) by user on w; the first result starts
 * the inspection (drawn -> in_progress). The result is also M5's inspection record of the
 * entity (enforcement_record_random: a case result opens a case). Returns 0, ERR_CONFLICT when
 * the case an earlier result opened has been decided, or an error. */
int inspections_record_result(struct db *w, int64_t id, int64_t department, const char *status,
                              const char *uscc, json_t *body, int64_t user);
#endif
