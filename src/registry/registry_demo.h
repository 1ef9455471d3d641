/* SPDX-License-Identifier: MIT */
/* The registry's part of the reference city (`jianguan demo`); see registry_demo.c. */
#ifndef JG_REGISTRY_DEMO_H
#define JG_REGISTRY_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "db/db.h"
#include "registry/registry.h"

#define DEMO_KEEP_ENTITIES 8

struct demo_scale {
    size_t enterprises, individuals, cooperatives;
    size_t key; /* 远航 key enterprises, each with an officer */
    size_t above_scale, specialized, little_giant, champion, unicorn;
};

#define DEMO_AS_OF_YEAR 2026 /* the city as of 2026-06-25, the bureau's press conference */

struct demo_result {
    size_t entities;
    char key_uscc[DEMO_KEEP_ENTITIES][19]; /* a few key enterprises, for demo logins */
    size_t nkey;
    char individual_uscc[DEMO_KEEP_ENTITIES][19];
    size_t nindividual;
};

/* Fills s for "small" (about 1/100 of the city) or "city" (710,000 entities). */
void registry_demo_scale(const char *scale, struct demo_scale *s);
/* Inserts the entities on w (inside the caller's transaction), assigning key enterprises to
 * officers round-robin. Deterministic for the state of r. Returns 0 or an error. */
int registry_demo(struct db *w, struct rng *r, const struct demo_scale *s, const int64_t *officers,
                  size_t nofficers, struct demo_result *out /* out */);

#endif
