/* SPDX-License-Identifier: MIT */
/* Unit tests for the rules of inspection tasks: strata of credit grades, the checks and
 * defaults of a task body, a county user's scope, and the population text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "inspections/inspections.h"

static struct principal bureau(const char *region)
{
    struct principal p = {.id = 2, .role = ROLE_BUREAU};
    snprintf(p.region, sizeof p.region, "%s", region);
    return p;
}

static json_t *body(void)
{
    return json_pack("{ss s[i] s{ss ss}}", "title", "抽查", "departments", 10, "period", "from",
                     "2026-01-01", "to", "2026-06-30");
}

/* Checks v as p; returns the bad field (NULL when accepted) and the error in *rc. */
static const char *check(const struct principal *p, json_t *v, int *rc)
{
    const char *field = NULL;
    char msg[256] = "";
    *rc = inspections_check_task(p, v, &field, msg, sizeof msg);
    if (*rc)
        assert_true(strlen(msg) > 0);
    return *rc ? field : NULL;
}

static void test_strata(void **state)
{
    (void)state;
    assert_int_equal(inspections_stratum("A"), 0);
    assert_int_equal(inspections_stratum("D"), 3);
    assert_int_equal(inspections_stratum("E"), -1);
    assert_int_equal(inspections_stratum("AB"), -1);
    assert_int_equal(inspections_stratum(NULL), -1);
    char line[32];
    inspections_population_line("91371502MA3C00011G", "B", line);
    assert_string_equal(line, "91371502MA3C00011G B");
}

static void test_defaults(void **state)
{
    (void)state;
    struct principal city = bureau("371500");
    json_t *v = body();
    int rc;
    assert_null(check(&city, v, &rc));
    json_t *r = json_object_get(v, "ratios");
    assert_true(json_real_value(json_object_get(r, "A")) == 0.03);
    assert_true(json_real_value(json_object_get(r, "D")) == 0.30); /* worse credit, more often */
    assert_int_equal(json_integer_value(json_object_get(v, "inspectors_per_target")), 2);
    assert_true(json_is_true(json_object_get(v, "exclude_inspected")));
    /* The pool defaults to the task's own departments. */
    json_t *pool = json_object_get(json_object_get(v, "inspector_pool"), "departments");
    assert_int_equal(json_integer_value(json_array_get(pool, 0)), 10);
    json_decref(v);
}

static void test_refusals(void **state)
{
    (void)state;
    struct principal city = bureau("371500");
    int rc;
    static const char *const bad[][2] = {
        {"{\"ratios\":{\"A\":1.5}}", "ratios"},
        {"{\"ratios\":{\"B\":-0.01}}", "ratios"},
        {"{\"ratios\":{\"C\":\"0.1\"}}", "ratios"},
        {"{\"ratios\":[0.1]}", "ratios"},
        {"{\"period\":{\"from\":\"2026-07-01\",\"to\":\"2026-06-30\"}}", "period"},
        {"{\"period\":{\"from\":\"2026-02-30\",\"to\":\"2026-06-30\"}}", "period"},
        {"{\"period\":{}}", "period"},
        {"{\"departments\":[]}", "departments"},
        {"{\"departments\":[\"10\"]}", "departments"},
        {"{\"items\":[\"x\"]}", "items"},
        {"{\"scope\":{\"chains\":[\"1\"]}}", "scope"},
        {"{\"scope\":{\"regions\":[371502]}}", "scope"},
        {"{\"inspector_pool\":{\"regions\":[1]}}", "inspector_pool"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = body(), *patch = json_loads(bad[i][0], 0, NULL);
        assert_non_null(patch);
        json_object_update(v, patch);
        const char *f = check(&city, v, &rc);
        assert_int_equal(rc, ERR_INVALID);
        assert_string_equal(f, bad[i][1]);
        json_decref(patch);
        json_decref(v);
    }
}

static void test_county_scope(void **state)
{
    (void)state;
    struct principal county = bureau("371502");
    int rc;
    json_t *v = body();
    assert_null(check(&county, v, &rc)); /* no regions given: its own county */
    json_t *regions = json_object_get(json_object_get(v, "scope"), "regions");
    assert_string_equal(json_string_value(json_array_get(regions, 0)), "371502");
    json_decref(v);
    v = body();
    json_object_set_new(v, "scope", json_pack("{s[ss]}", "regions", "371502", "371521"));
    assert_string_equal(check(&county, v, &rc), "scope");
    assert_int_equal(rc, ERR_FORBIDDEN);
    json_decref(v);
}

/* 一公开: due within 20 working days of completion; late when published after it, or past it
 * and not published. */
static void test_publication_late(void **state)
{
    (void)state;
    int32_t due = 20000;
    assert_false(inspections_publication_late(-1, -1, due + 100)); /* not completed */
    assert_false(inspections_publication_late(due, -1, due - 1));
    assert_false(inspections_publication_late(due, -1, due)); /* the last day */
    assert_true(inspections_publication_late(due, -1, due + 1));
    assert_false(inspections_publication_late(due, due, due + 30)); /* published in time */
    assert_true(inspections_publication_late(due, due + 1, due + 1));
    assert_true(inspections_publication_late(due, due + 1, due - 5)); /* whatever today is */
}

/* Results: only while the task is being inspected, by its team or bureau staff. */
static void test_may_record(void **state)
{
    (void)state;
    struct principal b = bureau("371500"), i = {.id = 9, .role = ROLE_INSPECTOR},
                     o = {.id = 3, .role = ROLE_OFFICER};
    assert_int_equal(inspections_may_record("drawn", 1, &i), 0);
    assert_int_equal(inspections_may_record("in_progress", 1, &i), 0);
    assert_int_equal(inspections_may_record("in_progress", 0, &i), ERR_FORBIDDEN);
    assert_int_equal(inspections_may_record("in_progress", 0, &b), 0);
    assert_int_equal(inspections_may_record("in_progress", 0, &o), ERR_FORBIDDEN);
    static const char *const closed[] = {"draft", "committed", "completed", "published"};
    for (size_t k = 0; k < 4; k++) { /* the state is judged first */
        assert_int_equal(inspections_may_record(closed[k], 1, &i), ERR_CONFLICT);
        assert_int_equal(inspections_may_record(closed[k], 0, &o), ERR_CONFLICT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strata),           cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_refusals),         cmocka_unit_test(test_county_scope),
        cmocka_unit_test(test_publication_late), cmocka_unit_test(test_may_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
