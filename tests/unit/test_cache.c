/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the answer cache (http/cache.c) that the list counts and the 定检率 share:
 * hits and misses, a write (the generation) and the age ending a value, keys compared in full
 * (slot collisions, keys that share a long prefix), over-long keys and texts not kept, numbers
 * and texts apart, and many threads at once. The clock and the generation are the test's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/cache.h"

static int64_t now = 1000;
static uint64_t gen = 1;

static int64_t fake_clock(void)
{
    return now;
}

static uint64_t fake_generation(void)
{
    return gen;
}

static struct cache small = CACHE_INIT(4, 30);

static int setup(void **state)
{
    (void)state;
    now = 1000;
    gen = 1;
    small.clock = fake_clock;
    small.generation = fake_generation;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cache_clear(&small);
    return 0;
}

static void test_hit_and_miss(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_false(cache_get_int(&small, "a", &v)); /* nothing stored yet: no slots either */
    assert_int_equal(v, -1);
    cache_put_int(&small, "a", cache_generation(&small), 42);
    assert_true(cache_get_int(&small, "a", &v));
    assert_int_equal(v, 42);
    assert_false(cache_get_int(&small, "b", &v));
    cache_put_int(&small, "", cache_generation(&small), 7); /* an empty key is a key */
    assert_true(cache_get_int(&small, "", &v));
    assert_int_equal(v, 7);
    cache_put_int(&small, NULL, 1, 8); /* ignored */
    assert_false(cache_get_int(&small, NULL, &v));
}

static void test_write_ends_a_value(void **state)
{
    (void)state;
    int64_t v;
    uint64_t g = cache_generation(&small);
    cache_put_int(&small, "k", g, 1);
    assert_true(cache_get_int(&small, "k", &v));
    gen++; /* a write committed */
    assert_false(cache_get_int(&small, "k", &v));
    /* A value computed while a write committed (read the generation before, stored after)
     * is stale from the start. */
    g = cache_generation(&small);
    gen++;
    cache_put_int(&small, "k", g, 2);
    assert_false(cache_get_int(&small, "k", &v));
    cache_put_int(&small, "k", cache_generation(&small), 3);
    assert_true(cache_get_int(&small, "k", &v));
    assert_int_equal(v, 3);
}

static void test_age_ends_a_value(void **state)
{
    (void)state;
    int64_t v;
    cache_put_int(&small, "k", cache_generation(&small), 1);
    now += 29;
    assert_true(cache_get_int(&small, "k", &v));
    now += 1; /* 30 s: the ttl */
    assert_false(cache_get_int(&small, "k", &v));
    cache_put_int(&small, "k", cache_generation(&small), 1);
    now -= 5; /* a clock set back never serves a value from "the future" */
    assert_false(cache_get_int(&small, "k", &v));
}

/* Keys that land in the same slot (4 slots, 40 keys) evict each other and never answer for
 * one another; every key read back gets its own value or nothing. */
static void test_collisions_never_mix(void **state)
{
    (void)state;
    char key[32];
    int64_t v;
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        cache_put_int(&small, key, cache_generation(&small), i);
    }
    int hits = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        if (cache_get_int(&small, key, &v)) {
            assert_int_equal(v, i);
            hits++;
        }
    }
    assert_in_range(hits, 1, 4);
}

/* Two keys alike in their first 4,000 bytes (as two count keys with a long search text are,
 * or two 定检率 questions cut by a fixed buffer would be) are two keys. */
static void test_long_keys_compared_in_full(void **state)
{
    (void)state;
    static char a[CACHE_MAX_KEY + 1], b[CACHE_MAX_KEY + 1];
    memset(a, 'x', CACHE_MAX_KEY);
    memset(b, 'x', CACHE_MAX_KEY);
    a[CACHE_MAX_KEY - 1] = 'a';
    b[CACHE_MAX_KEY - 1] = 'b';
    int64_t v;
    cache_put_int(&small, a, cache_generation(&small), 1);
    assert_true(cache_get_int(&small, a, &v));
    assert_int_equal(v, 1);
    assert_false(cache_get_int(&small, b, &v));
    /* One byte over the limit: not kept, not found, and nothing else disturbed. */
    static char over[CACHE_MAX_KEY + 2];
    memset(over, 'x', CACHE_MAX_KEY + 1);
    cache_put_int(&small, over, cache_generation(&small), 2);
    assert_false(cache_get_int(&small, over, &v));
    assert_true(cache_get_int(&small, a, &v));
    assert_int_equal(v, 1);
}

static void test_texts(void **state)
{
    (void)state;
    const char body[] = "{\"rate\":0.9916}";
    size_t len = 0;
    int64_t v;
    cache_put_text(&small, "r", cache_generation(&small), body, strlen(body));
    char *got = cache_get_text(&small, "r", &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(body));
    assert_string_equal(got, body);
    free(got); /* a copy: the cache keeps its own */
    got = cache_get_text(&small, "r", NULL);
    assert_string_equal(got, body);
    free(got);
    /* Too long a text is not kept (and does not evict what the slot held). */
    size_t big = CACHE_MAX_TEXT + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, 'y', big);
    cache_put_text(&small, "r", cache_generation(&small), huge, big);
    free(huge);
    got = cache_get_text(&small, "r", &len);
    assert_non_null(got);
    assert_string_equal(got, body);
    free(got);
    /* A text is not a number, nor a number a text. */
    assert_false(cache_get_int(&small, "r", &v));
    cache_put_int(&small, "n", cache_generation(&small), 5);
    assert_null(cache_get_text(&small, "n", &len));
    gen++;
    assert_null(cache_get_text(&small, "r", &len));
}

/* Eight threads storing and reading their own keys: each reads its own value or nothing. */
static struct cache shared = CACHE_INIT(16, 30);

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg, bad = 0;
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "t%d-%d", id, i % 50);
        int64_t v;
        if (i % 3 == 0)
            cache_put_int(&shared, key, cache_generation(&shared), id * 1000 + i % 50);
        else if (cache_get_int(&shared, key, &v) && v != id * 1000 + i % 50)
            bad++;
    }
    return (void *)(intptr_t)bad;
}

static void test_threads(void **state)
{
    (void)state;
    shared.clock = fake_clock;
    shared.generation = fake_generation;
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 8; i++) {
        void *bad;
        assert_int_equal(pthread_join(t[i], &bad), 0);
        assert_int_equal((intptr_t)bad, 0);
    }
    cache_clear(&shared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit_and_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_ends_a_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_age_ends_a_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collisions_never_mix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_keys_compared_in_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_texts, setup, teardown),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
