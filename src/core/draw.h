/* SPDX-License-Identifier: MIT */
/*
 * Verifiable random draws (双随机: random targets, random inspectors), DESIGN.md "Random draws".
 *
 * A draw is a pure function of the population, the parameters and a 32-byte seed: a ChaCha20
 * stream keyed by the seed (core/rng.h) drives a partial Fisher–Yates shuffle in each stratum
 * (a credit grade) over the population in code order, then picks each target's inspectors
 * from the pool. Before the draw a task publishes SHA-256(seed) and the population's hash;
 * after it, the seed, so that anyone can run the same function and compare. Nothing here does
 * I/O or keeps state; the same inputs give the same output on every machine. M4 (inspection
 * tasks) and M13 (expert panels) call it.
 *
 * The stream is read in a fixed order, which is part of the published method:
 *   1. targets: strata 0, 1, ... in turn; in stratum s of n members with k = draw_quota(n, r),
 *      for i = 0 .. k-1: j = i + rng_below(n - i), swap members i and j (members listed in
 *      code order); the first k are drawn. The drawn targets are then listed in code order.
 *   2. inspectors: for each drawn target in code order, seat by seat (in a joint task one
 *      seat per department first, in the order the task lists them, then any member), among
 *      the members eligible for the seat (not on the team yet, not in conflict with the target,
 *      of the seat's department), those not on the target's previous team if any are left, and
 *      of them those with the fewest assignments so far, counted in pool order: the member at
 *      rng_below(their number) takes the seat.
 */
#ifndef JG_DRAW_H
#define JG_DRAW_H
#include <stddef.h>
#include <stdint.h>

#define DRAW_SEED_LEN 32
#define DRAW_HASH_LEN 32
#define DRAW_MAX_STRATA 8
#define DRAW_MAX_TEAM 8

/* How many of n members a ratio r in [0, 1] draws: r·n rounded up (a stratum with members and
 * a ratio above zero is never skipped), at most n. Pure. */
size_t draw_quota(size_t n, double r);

/* SHA-256 of the population as published: each code followed by '\n', in the order given
 * (callers give code order). */
void draw_population_hash(const char *const *codes, size_t n, unsigned char out[DRAW_HASH_LEN]);
/* SHA-256 of the seed: the commitment published before the draw. */
void draw_seed_hash(const unsigned char seed[DRAW_SEED_LEN], unsigned char out[DRAW_HASH_LEN]);
/* Lower-case hexadecimal of n bytes into out (2n + 1 bytes); and back: 0, or -1 when hex is
 * not exactly 2n hexadecimal digits. */
void draw_hex(const unsigned char *bytes, size_t n, char *out);
int draw_unhex(const char *hex, unsigned char *out, size_t n);

/* Step 1. strata[i] is member i's stratum (0 .. nstrata-1, or -1: not in the population, e.g.
 * inspected already in the period); members are in code order. ratios[s] is stratum s's ratio.
 * Writes the drawn members' indices, ascending, into out (room for n) and returns how many. */
size_t draw_targets(const int *strata, size_t n, const double *ratios, int nstrata,
                    const unsigned char seed[DRAW_SEED_LEN], size_t *out);

/* An inspector of the pool, in a stable order (by id). */
struct draw_inspector {
    int64_t id;
    int64_t department;
};

/* Whether inspector (pool index) may not inspect target (index into the drawn list): a
 * conflict of interest (回避) when it returns 2, the target's previous team when it returns 1,
 * else 0. */
typedef int (*draw_relation_fn)(void *arg, size_t target, size_t inspector);

/* Step 2, after step 1 on the same stream (draw_team_all runs both). For each of ntargets
 * targets picks per_target inspectors from pool (joint task: departments[0..ndepartments) each
 * gets one member first). Writes pool indices into teams[t * per_target + m]. Returns 0, or
 * the index + 1 of the first target that could not get a full team (too few eligible members,
 * or a department without an eligible member). */
struct draw_teams {
    const struct draw_inspector *pool;
    size_t npool;
    size_t per_target;          /* at least 1, at most DRAW_MAX_TEAM */
    const int64_t *departments; /* of a joint task; NULL or ndepartments == 0: any */
    size_t ndepartments;
    draw_relation_fn relation; /* may be NULL: no conflicts, no previous teams */
    void *arg;
};

/* The whole draw: targets (step 1) into targets (room for n; *ntargets gets the count), then
 * their teams (step 2) into teams (room for n * per_target). Returns 0, or the index + 1 of
 * the first drawn target left without a full team. */
size_t draw_run(const int *strata, size_t n, const double *ratios, int nstrata,
                const unsigned char seed[DRAW_SEED_LEN], const struct draw_teams *t,
                size_t *targets, size_t *ntargets, size_t *teams);

#endif
