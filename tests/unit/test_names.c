/* SPDX-License-Identifier: MIT */
/*
 * test_names.c - unit tests for src/core/names.c.
 *
 * Checks every generator for valid, non-empty UTF-8 that fits the buffer, the
 * -1 contract for short buffers, determinism per seed, that the buffer size
 * does not shift the stream, the expected shapes (prefix, suffix), and that
 * enterprise names rarely repeat.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/names.h"
#include "core/strbuf.h"

#define BUF 256

enum kind { K_PERSON, K_ENTERPRISE, K_INDIVIDUAL, K_COOPERATIVE, K_ADDRESS, K_COUNT };

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

/* Returns 1 if s ends with suffix, else 0. */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Runs generator kind (i picks the county/argument variant) into buf[0..cap). */
static int gen(enum kind kind, struct rng *r, int i, char *buf, size_t cap)
{
    static const char *const counties[] = {NULL, "阳谷县", "经济技术开发区", "临清市"};
    const char *county = counties[i % 4];

    switch (kind) {
    case K_PERSON: return names_person(r, buf, cap);
    case K_ENTERPRISE: return names_enterprise(r, county, i % 3 ? NULL : "机械制造", buf, cap);
    case K_INDIVIDUAL: return names_individual(r, county, i % 3 ? NULL : "五金店", buf, cap);
    case K_COOPERATIVE: return names_cooperative(r, county, buf, cap);
    case K_ADDRESS:
    default: return names_address(r, i % NAMES_COUNTY_COUNT, buf, cap);
    }
}

static void test_outputs_valid(void **state)
{
    char buf[BUF];

    (void)state;
    for (int kind = 0; kind < K_COUNT; kind++) {
        struct rng r;

        rng_init_seed(&r, 1000 + (uint64_t)kind);
        for (int i = 0; i < 5000; i++) {
            int n;

            memset(buf, 'x', sizeof buf);
            n = gen((enum kind)kind, &r, i, buf, sizeof buf);
            assert_true(n > 0);
            assert_true((size_t)n < sizeof buf);
            assert_int_equal(strlen(buf), (size_t)n);
            if (!utf8_valid(buf, (size_t)n))
                fail_msg("kind %d: invalid UTF-8", kind);
            /* Only CJK text, digits and no ASCII letters or spaces. */
            for (int k = 0; k < n; k++) {
                unsigned char c = (unsigned char)buf[k];
                assert_true(c >= 0x80 || (c >= '0' && c <= '9'));
            }
        }
    }
}

static void test_shapes(void **state)
{
    char buf[BUF];
    struct rng r;

    (void)state;
    rng_init_seed(&r, 77);
    for (int i = 0; i < 2000; i++) {
        int county = i % NAMES_COUNTY_COUNT;
        char want[BUF];

        assert_true(names_enterprise(&r, NULL, NULL, buf, sizeof buf) > 0);
        assert_true(ends_with(buf, "公司"));
        assert_null(strstr(buf, "开发区"));
        assert_null(strstr(buf, "度假区"));

        assert_true(names_enterprise(&r, "高新技术产业开发区", "纺织", buf, sizeof buf) > 0);
        assert_true(strncmp(buf, "聊城", strlen("聊城")) == 0 ||
                    strncmp(buf, "山东", strlen("山东")) == 0);
        assert_non_null(strstr(buf, "纺织"));

        assert_true(names_cooperative(&r, NULL, buf, sizeof buf) > 0);
        assert_true(ends_with(buf, "专业合作社"));

        assert_true(names_individual(&r, "冠县", "理发店", buf, sizeof buf) > 0);
        assert_true(strncmp(buf, "冠县", strlen("冠县")) == 0);
        assert_true(ends_with(buf, "理发店"));

        assert_true(names_address(&r, county, buf, sizeof buf) > 0);
        assert_true(snprintf(want, sizeof want, "山东省聊城市%s", names_county(county)) > 0);
        assert_true(strncmp(buf, want, strlen(want)) == 0);

        /* A person name is 2 to 4 characters (3 bytes each). */
        assert_true(names_person(&r, buf, sizeof buf) > 0);
        assert_true(strlen(buf) >= 6 && strlen(buf) <= 12);
    }
}

static void test_counties(void **state)
{
    (void)state;
    assert_string_equal(names_county(0), "东昌府区");
    assert_string_equal(names_county(7), "临清市");
    assert_string_equal(names_county(10), "江北水城旅游度假区");
    assert_null(names_county(-1));
    assert_null(names_county(NAMES_COUNTY_COUNT));
}

static void test_address_bad_index(void **state)
{
    char buf[16] = "junk";
    struct rng r;

    (void)state;
    rng_init_seed(&r, 1);
    assert_int_equal(names_address(&r, -1, buf, sizeof buf), -1);
    assert_string_equal(buf, "");
    assert_int_equal(names_address(&r, NAMES_COUNTY_COUNT, buf, sizeof buf), -1);
}

static void test_small_buffer(void **state)
{
    char big[BUF];
    char small[BUF];

    (void)state;
    for (int kind = 0; kind < K_COUNT; kind++) {
        for (int i = 0; i < 50; i++) {
            struct rng a, b, c;
            int n, m;

            rng_init_seed(&a, (uint64_t)(i + 1));
            rng_init_seed(&b, (uint64_t)(i + 1));
            rng_init_seed(&c, (uint64_t)(i + 1));
            n = gen((enum kind)kind, &a, i, big, sizeof big);
            assert_true(n > 0);

            /* One byte short (no room for the NUL): -1, buffer "". */
            memset(small, 'x', sizeof small);
            m = gen((enum kind)kind, &b, i, small, (size_t)n);
            assert_int_equal(m, -1);
            assert_int_equal(small[0], '\0');

            /* Exact fit. */
            m = gen((enum kind)kind, &c, i, small, (size_t)n + 1);
            assert_int_equal(m, n);
            assert_string_equal(small, big);

            /* The short call drew as much as the full one. */
            assert_true(rng_u64(&a) == rng_u64(&b));
        }
    }

    {
        struct rng r;
        char one = 'x';

        rng_init_seed(&r, 3);
        assert_int_equal(names_person(&r, &one, 1), -1);
        assert_int_equal(one, '\0');
        one = 'x';
        assert_int_equal(names_enterprise(&r, NULL, NULL, &one, 0), -1);
        assert_int_equal(one, 'x'); /* cap 0: nothing written */
    }
}

static void test_overlong_arguments(void **state)
{
    char arg[600];
    char buf[BUF];
    struct rng r;

    (void)state;
    memset(arg, 'a', sizeof arg - 1);
    arg[sizeof arg - 1] = '\0';
    rng_init_seed(&r, 4);
    assert_int_equal(names_enterprise(&r, "冠县", arg, buf, sizeof buf), -1);
    assert_string_equal(buf, "");
    assert_int_equal(names_individual(&r, arg, NULL, buf, sizeof buf), -1);
    assert_string_equal(buf, "");
}

static void test_deterministic(void **state)
{
    char x[BUF], y[BUF];

    (void)state;
    for (int kind = 0; kind < K_COUNT; kind++) {
        struct rng a, b, c;
        int differ = 0;

        rng_init_seed(&a, 42);
        rng_init_seed(&b, 42);
        rng_init_seed(&c, 43);
        for (int i = 0; i < 500; i++) {
            assert_true(gen((enum kind)kind, &a, i, x, sizeof x) > 0);
            assert_true(gen((enum kind)kind, &b, i, y, sizeof y) > 0);
            assert_string_equal(x, y);
            assert_true(gen((enum kind)kind, &c, i, y, sizeof y) > 0);
            differ += strcmp(x, y) != 0;
        }
        assert_true(differ > 250);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns how many of n enterprise names repeat an earlier one (fixed: one county and industry). */
static size_t count_duplicates(uint64_t seed, int n, int fixed)
{
    char **v = calloc((size_t)n, sizeof *v);
    char buf[BUF];
    struct rng r;
    size_t dups = 0;

    assert_non_null(v);
    rng_init_seed(&r, seed);
    for (int i = 0; i < n; i++) {
        int len = fixed ? names_enterprise(&r, "东昌府区", "商贸", buf, sizeof buf)
                        : names_enterprise(&r, NULL, NULL, buf, sizeof buf);
        assert_true(len > 0);
        v[i] = malloc((size_t)len + 1);
        assert_non_null(v[i]);
        memcpy(v[i], buf, (size_t)len + 1);
    }
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    for (int i = 1; i < n; i++)
        dups += strcmp(v[i], v[i - 1]) == 0;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return dups;
}

static void test_enterprise_duplicates_rare(void **state)
{
    size_t dups = count_duplicates(2024, 10000, 0);

    (void)state;
    /* Free draws: below 5% required; in practice well under 1%. */
    assert_true(dups < 500);
    assert_true(dups < 100);
    /* One county and one industry: the trade name alone must still spread them. */
    assert_true(count_duplicates(7, 10000, 1) < 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outputs_valid), cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_counties),      cmocka_unit_test(test_address_bad_index),
        cmocka_unit_test(test_small_buffer),  cmocka_unit_test(test_overlong_arguments),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_enterprise_duplicates_rare),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
