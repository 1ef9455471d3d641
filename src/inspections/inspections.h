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

extern struct record inspections_task, inspections_item;
extern const struct field inspections_task_create[], inspections_item_fields[];

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
/* Runs the draw of task id again from what the database holds and compares: *match gets 1
 * when every target and team is the same. Returns 0, ERR_CONFLICT when the task has not been
 * drawn, or an error. */
int inspections_verify(struct db *db, int64_t id, int *match);

#endif
