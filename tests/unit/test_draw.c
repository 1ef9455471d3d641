/* SPDX-License-Identifier: MIT */
/* Unit tests for the verifiable draw (core/draw.h): quotas, hashes, determinism, a pinned
 * result (the published method may not drift), the uniformity of the draw within each stratum
 * over 1,000 seeds (chi-square), and the inspector teams: full, distinct, never a conflict,
 * the previous team avoided, one member per department in a joint task, shortfalls reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/draw.h"

/* The pinned draw of test_pinned_result; tools/draw-reference.py, written apart from this code
 * from draw.h's description, computes the same (tests/api/test_draw_reference.py checks). */
#define PINNED "3 9 14 17 19 "

static void seed_of(unsigned i, unsigned char seed[DRAW_SEED_LEN])
{
    memset(seed, 0, DRAW_SEED_LEN);
    memcpy(seed, &i, sizeof i);
}

static void test_quota(void **state)
{
    (void)state;
    assert_int_equal(draw_quota(30, 0.1), 3);
    assert_int_equal(draw_quota(10, 0.03), 1); /* a stratum with members is never skipped */
    assert_int_equal(draw_quota(100, 0.05), 5);
    assert_int_equal(draw_quota(7, 0.5), 4);
    assert_int_equal(draw_quota(0, 0.5), 0);
    assert_int_equal(draw_quota(5, 0), 0);
    assert_int_equal(draw_quota(5, 1), 5);
    assert_int_equal(draw_quota(5, 2), 5);
    assert_int_equal(draw_quota(710000, 0.03), 21300);
}

static void test_hashes_and_hex(void **state)
{
    (void)state;
    unsigned char h[DRAW_HASH_LEN], seed[DRAW_SEED_LEN] = {0}, back[DRAW_HASH_LEN];
    char hex[2 * DRAW_HASH_LEN + 1];
    draw_seed_hash(seed, h);
    draw_hex(h, sizeof h, hex); /* SHA-256 of 32 zero bytes */
    assert_string_equal(hex, "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
    const char *codes[] = {"a", "b"};
    draw_population_hash(codes, 2, h);
    draw_hex(h, sizeof h, hex); /* SHA-256("a\nb\n") */
    assert_string_equal(hex, "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2");
    assert_int_equal(draw_unhex(hex, back, sizeof back), 0);
    assert_memory_equal(back, h, sizeof h);
    assert_int_equal(draw_unhex("abc", back, sizeof back), -1);
    hex[5] = 'g';
    assert_int_equal(draw_unhex(hex, back, sizeof back), -1);
    assert_int_equal(draw_unhex(NULL, back, sizeof back), -1);
}

/* A population of n members in strata 0..3 of sizes in proportion 4:3:2:1. */
static int *population(size_t n)
{
    int *s = malloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++)
        s[i] = i % 10 < 4 ? 0 : i % 10 < 7 ? 1 : i % 10 < 9 ? 2 : 3;
    return s;
}

static const double ratios[4] = {0.03, 0.05, 0.1, 0.3};

static void test_same_inputs_same_draw(void **state)
{
    (void)state;
    size_t n = 5000, a[5000], b[5000];
    int *s = population(n);
    unsigned char seed[DRAW_SEED_LEN];
    seed_of(42, seed);
    size_t na = draw_targets(s, n, ratios, 4, seed, a);
    size_t nb = draw_targets(s, n, ratios, 4, seed, b);
    assert_int_equal(na, 60 + 75 + 100 + 150);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof a[0]);
    seed[31] ^= 1; /* another seed, another draw */
    nb = draw_targets(s, n, ratios, 4, seed, b);
    assert_int_equal(na, nb);
    assert_true(memcmp(a, b, na * sizeof a[0]) != 0);
    s[0] = -1; /* a member left out of the population changes the draw too */
    seed[31] ^= 1;
    nb = draw_targets(s, n, ratios, 4, seed, b);
    assert_true(nb != na || memcmp(a, b, na * sizeof a[0]) != 0);
    free(s);
}

/* The method is published: a fixed seed over a fixed population gives this draw forever. */
static void test_pinned_result(void **state)
{
    (void)state;
    int s[20];
    for (int i = 0; i < 20; i++)
        s[i] = i < 10 ? 0 : 1;
    unsigned char seed[DRAW_SEED_LEN];
    for (int i = 0; i < DRAW_SEED_LEN; i++)
        seed[i] = (unsigned char)i;
    size_t out[20];
    const double r[2] = {0.2, 0.3};
    size_t n = draw_targets(s, 20, r, 2, seed, out);
    assert_int_equal(n, 5);
    char got[64] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%zu ", out[i]);
    print_message("pinned draw: %s\n", got);
    assert_string_equal(got, PINNED);
}

/* Over 1,000 seeds every member of a stratum is drawn about as often as any other: the
 * chi-square of the counts per member stays under a bound that a fair draw exceeds with a
 * probability far below 1e-6; and every draw takes exactly each stratum's quota, once each. */
static void test_uniform_within_strata(void **state)
{
    (void)state;
    enum { N = 1000, DRAWS = 1000 };
    int *s = population(N);
    size_t out[N], size[4] = {0}, quota[4];
    unsigned *count = calloc(N, sizeof *count);
    for (size_t i = 0; i < N; i++)
        size[s[i]]++;
    for (int k = 0; k < 4; k++)
        quota[k] = draw_quota(size[k], ratios[k]);
    unsigned char seed[DRAW_SEED_LEN];
    for (unsigned d = 0; d < DRAWS; d++) {
        seed_of(d + 1, seed);
        size_t n = draw_targets(s, N, ratios, 4, seed, out), per[4] = {0};
        for (size_t i = 0; i < n; i++) {
            assert_true(i == 0 || out[i] > out[i - 1]); /* ascending: no member twice */
            per[s[out[i]]]++;
            count[out[i]]++;
        }
        for (int k = 0; k < 4; k++)
            assert_int_equal(per[k], quota[k]);
    }
    for (int k = 0; k < 4; k++) {
        double expect = (double)DRAWS * (double)quota[k] / (double)size[k], chi = 0;
        for (size_t i = 0; i < N; i++)
            if (s[i] == k)
                chi += ((double)count[i] - expect) * ((double)count[i] - expect) / expect;
        double df = (double)size[k] - 1, bound = df + 6 * sqrt(2 * df);
        print_message("stratum %d: %zu members, quota %zu, chi-square %.1f (df %.0f, bound %.1f)\n",
                      k, size[k], quota[k], chi, df, bound);
        assert_true(chi < bound);
        assert_true(chi > df - 6 * sqrt(2 * df)); /* not suspiciously even either */
    }
    free(count);
    free(s);
}

/* The relations of the team tests: member 0 is in conflict with every target, member 1 with
 * target 3; member 2 was on target 0's previous team. */
static int relation(void *arg, size_t target, size_t inspector)
{
    (void)arg;
    if (inspector == 0 || (inspector == 1 && target == 3))
        return 2;
    return inspector == 2 && target == 0;
}

static void test_teams(void **state)
{
    (void)state;
    struct draw_inspector pool[9];
    for (int i = 0; i < 9; i++)
        pool[i] = (struct draw_inspector){100 + i, 1 + i % 3}; /* departments 1, 2, 3 */
    int s[200];
    for (int i = 0; i < 200; i++)
        s[i] = i % 2;
    const double r[2] = {0.1, 0.2};
    size_t targets[200], n, teams[200 * 3];
    unsigned char seed[DRAW_SEED_LEN];
    size_t load[9] = {0};
    for (unsigned d = 0; d < 50; d++) {
        seed_of(d, seed);
        struct draw_teams t = {pool, 9, 2, NULL, 0, relation, NULL};
        assert_int_equal(draw_run(s, 200, r, 2, seed, &t, targets, &n, teams), 0);
        assert_int_equal(n, 30);
        for (size_t i = 0; i < n; i++) {
            size_t a = teams[2 * i], b = teams[2 * i + 1];
            assert_true(a != b);
            assert_int_not_equal(relation(NULL, i, a), 2);
            assert_int_not_equal(relation(NULL, i, b), 2);
            if (i == 0) /* others were free: the previous team is avoided */
                assert_true(a != 2 && b != 2);
            load[a]++, load[b]++;
        }
        /* A joint task of departments 3 and 1: one member of each, in that order. */
        const int64_t joint[] = {3, 1};
        struct draw_teams j = {pool, 9, 3, joint, 2, relation, NULL};
        assert_int_equal(draw_run(s, 200, r, 2, seed, &j, targets, &n, teams), 0);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(pool[teams[3 * i]].department, 3);
            assert_int_equal(pool[teams[3 * i + 1]].department, 1);
            assert_true(teams[3 * i + 2] != teams[3 * i] && teams[3 * i + 2] != teams[3 * i + 1]);
        }
    }
    /* The work is spread: no eligible member has more than twice the average. */
    assert_int_equal(load[0], 0);
    for (int p = 1; p < 9; p++)
        assert_true(load[p] > 0 && load[p] < 2 * 50 * 30 * 2 / 8);
    /* Too few: two eligible members (1 and 2, but 1 is in conflict with target 3) for teams of
     * two. The first target without a full team is named. */
    struct draw_teams small = {pool, 3, 2, NULL, 0, relation, NULL};
    seed_of(7, seed);
    size_t failed = draw_run(s, 200, r, 2, seed, &small, targets, &n, teams);
    assert_int_equal(failed, 4); /* target 3, the fourth drawn */
    /* A department without any member fails at once. */
    const int64_t none[] = {9};
    struct draw_teams lonely = {pool, 9, 2, none, 1, relation, NULL};
    assert_int_equal(draw_run(s, 200, r, 2, seed, &lonely, targets, &n, teams), 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_hashes_and_hex),
        cmocka_unit_test(test_same_inputs_same_draw),
        cmocka_unit_test(test_pinned_result),
        cmocka_unit_test(test_uniform_within_strata),
        cmocka_unit_test(test_teams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
