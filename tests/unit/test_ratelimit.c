/* SPDX-License-Identifier: MIT */
/* Unit tests for core/ratelimit: limits per key, windows, table pressure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/ratelimit.h"

static struct ratelimit rl = RATELIMIT_INIT(3, 60);

static void test_limit_and_window(void **state)
{
    (void)state;
    ratelimit_set(&rl, 3, 60);
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_hit(&rl, "10.0.0.1", 1000));
    assert_false(ratelimit_hit(&rl, "10.0.0.1", 1000));
    assert_false(ratelimit_hit(&rl, "10.0.0.1", 1059));
    /* Another key is counted on its own. */
    assert_true(ratelimit_hit(&rl, "10.0.0.2", 1000));
    /* A new window starts afresh. */
    assert_true(ratelimit_hit(&rl, "10.0.0.1", 1060));
}

static void test_zero_limit_allows(void **state)
{
    (void)state;
    ratelimit_set(&rl, 0, 60);
    for (int i = 0; i < 100; i++)
        assert_true(ratelimit_hit(&rl, "10.0.0.9", 5));
    ratelimit_set(&rl, 3, 60);
}

static void test_many_keys_keep_recent_limits(void **state)
{
    (void)state;
    ratelimit_set(&rl, 2, 60);
    char key[32];
    /* Fill the table with far more keys than slots... */
    for (int i = 0; i < 5 * RATELIMIT_SLOTS; i++) {
        snprintf(key, sizeof key, "192.168.%d.%d", i / 256, i % 256);
        ratelimit_hit(&rl, key, 2000);
    }
    /* ... a key still within its window and limit keeps counting correctly. */
    assert_true(ratelimit_hit(&rl, "172.16.0.1", 2001));
    assert_true(ratelimit_hit(&rl, "172.16.0.1", 2001));
    assert_false(ratelimit_hit(&rl, "172.16.0.1", 2001));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_and_window),
        cmocka_unit_test(test_zero_limit_allows),
        cmocka_unit_test(test_many_keys_keep_recent_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
