/* SPDX-License-Identifier: MIT */
/* Verifiable random draws: see draw.h for the method, which is part of what a task publishes. */
#include "core/draw.h"
#include "core/alloc.h"
#include "core/rng.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

size_t draw_quota(size_t n, double r)
{
    if (!(r > 0) || n == 0)
        return 0;
    if (r >= 1)
        return n;
    /* The ceiling of r·n, with the product rounded to 1e-9 first: 0.1 of 30 is 3, not 4 from
     * 3.0000000000000004. */
    double x = (double)n * r;
    size_t k = (size_t)x;
    if ((double)k < x - 1e-9)
        k++;
    return k < 1 ? 1 : k > n ? n : k;
}

void draw_population_hash(const char *const *codes, size_t n, unsigned char out[DRAW_HASH_LEN])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < n; i++) {
        crypto_hash_sha256_update(&st, (const unsigned char *)codes[i], strlen(codes[i]));
        crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    }
    crypto_hash_sha256_final(&st, out);
}

void draw_seed_hash(const unsigned char seed[DRAW_SEED_LEN], unsigned char out[DRAW_HASH_LEN])
{
    crypto_hash_sha256(out, seed, DRAW_SEED_LEN);
}

void draw_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static int nibble(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int draw_unhex(const char *hex, unsigned char *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* Step 1 on the stream r. */
static size_t targets_on(struct rng *r, const int *strata, size_t n, const double *ratios,
                         int nstrata, size_t *out)
{
    size_t start[DRAW_MAX_STRATA + 1] = {0}, fill[DRAW_MAX_STRATA];
    if (nstrata < 1 || nstrata > DRAW_MAX_STRATA)
        return 0;
    for (size_t i = 0; i < n; i++) /* members per stratum, then where each stratum starts */
        if (strata[i] >= 0 && strata[i] < nstrata)
            start[strata[i] + 1]++;
    for (int s = 0; s < nstrata; s++) {
        start[s + 1] += start[s];
        fill[s] = start[s];
    }
    size_t *member = xmalloc((start[nstrata] ? start[nstrata] : 1) * sizeof *member);
    for (size_t i = 0; i < n; i++) /* grouped by stratum, each group in code order */
        if (strata[i] >= 0 && strata[i] < nstrata)
            member[fill[strata[i]]++] = i;
    unsigned char *drawn = xcalloc(n ? n : 1, 1);
    for (int s = 0; s < nstrata; s++) {
        size_t *m = member + start[s], size = start[s + 1] - start[s];
        size_t k = draw_quota(size, ratios[s]);
        for (size_t i = 0; i < k; i++) { /* partial Fisher–Yates */
            size_t j = i + rng_below(r, (uint32_t)(size - i));
            size_t t = m[i];
            m[i] = m[j];
            m[j] = t;
            drawn[m[i]] = 1;
        }
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (drawn[i])
            out[count++] = i;
    free(drawn);
    free(member);
    return count;
}

size_t draw_targets(const int *strata, size_t n, const double *ratios, int nstrata,
                    const unsigned char seed[DRAW_SEED_LEN], size_t *out)
{
    struct rng r;
    rng_init_key(&r, seed);
    size_t count = targets_on(&r, strata, n, ratios, nstrata, out);
    rng_dispose(&r);
    return count;
}

/* Whether pool member p may fill a seat of the team being drawn: not yet on it, not in
 * conflict, and of department dept when any is 0. */
static int eligible(const struct draw_teams *t, const int *rel, const unsigned char *taken,
                    size_t p, int64_t dept, int any)
{
    return !taken[p] && rel[p] != 2 && (any || t->pool[p].department == dept);
}

/* One seat: among the eligible members, those not on the target's previous team if there are
 * any, and of them those with the fewest assignments so far; one of these at random (the
 * stream's next rng_below over their number, counted in pool order). Returns npool when no one
 * is eligible. */
static size_t seat(struct rng *r, const struct draw_teams *t, const int *rel, const size_t *load,
                   const unsigned char *taken, int64_t dept, int any)
{
    size_t count = 0, best_load = 0;
    int best_prev = 0;
    for (size_t p = 0; p < t->npool; p++) {
        if (!eligible(t, rel, taken, p, dept, any))
            continue;
        int prev = rel[p] == 1;
        if (!count || prev < best_prev || (prev == best_prev && load[p] < best_load)) {
            best_prev = prev;
            best_load = load[p];
            count = 1;
        } else if (prev == best_prev && load[p] == best_load) {
            count++;
        }
    }
    if (!count)
        return t->npool;
    size_t k = rng_below(r, (uint32_t)count);
    for (size_t p = 0; p < t->npool; p++)
        if (eligible(t, rel, taken, p, dept, any) && (rel[p] == 1) == best_prev &&
            load[p] == best_load && k-- == 0)
            return p;
    return t->npool; /* not reached */
}

size_t draw_run(const int *strata, size_t n, const double *ratios, int nstrata,
                const unsigned char seed[DRAW_SEED_LEN], const struct draw_teams *t,
                size_t *targets, size_t *ntargets, size_t *teams)
{
    struct rng r;
    rng_init_key(&r, seed);
    *ntargets = targets_on(&r, strata, n, ratios, nstrata, targets);
    size_t k = t->per_target, failed = 0;
    size_t np = t->npool ? t->npool : 1;
    int *rel = xmalloc(np * sizeof *rel);
    size_t *load = xcalloc(np, sizeof *load);
    unsigned char *taken = xmalloc(np);
    for (size_t i = 0; i < *ntargets && !failed; i++) {
        for (size_t p = 0; p < t->npool; p++)
            rel[p] = t->relation ? t->relation(t->arg, i, p) : 0;
        memset(taken, 0, np);
        size_t m = 0;
        for (size_t d = 0; m < k && !failed && d < t->ndepartments + k; d++) {
            int any = d >= t->ndepartments; /* one per department first, then anyone */
            size_t b = seat(&r, t, rel, load, taken, any ? 0 : t->departments[d], any);
            if (b == t->npool)
                failed = i + 1;
            else
                taken[b] = 1, teams[i * k + m++] = b;
        }
        for (size_t j = 0; j < m; j++)
            load[teams[i * k + j]]++;
    }
    free(rel);
    free(load);
    free(taken);
    rng_dispose(&r);
    return failed;
}
