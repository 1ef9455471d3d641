/* SPDX-License-Identifier: MIT */
/* Unit tests for the rules of demands (M2): who sees a demand, who takes each step in which
 * state, who files for which entity, the tiers, overdue and the data scope of lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "demands/demands.h"

#define E1 "91371502MA3C00011G"
#define E2 "91371521MA3C00022H"

static struct principal who(unsigned role, int64_t id, const char *region, int64_t department,
                            const char *entity)
{
    struct principal p = {.id = id, .role = role, .department = department};
    snprintf(p.region, sizeof p.region, "%s", region);
    snprintf(p.entity, sizeof p.entity, "%s", entity ? entity : "");
    return p;
}

/* A demand of E1 (东昌府区), served by officer 7, in status, of tier ("" before triage). */
static struct demand_state demand(const char *status, const char *tier)
{
    struct demand_state d = {.officer = 7};
    snprintf(d.uscc, sizeof d.uscc, "%s", E1);
    snprintf(d.status, sizeof d.status, "%s", status);
    snprintf(d.tier, sizeof d.tier, "%s", tier);
    snprintf(d.region, sizeof d.region, "371502");
    if (!strcmp(tier, "small"))
        d.assignee = 7;
    if (!strcmp(tier, "medium"))
        snprintf(d.office_region, sizeof d.office_region, "371502");
    if (!strcmp(tier, "large"))
        snprintf(d.office_region, sizeof d.office_region, "371500");
    if (strcmp(tier, "small") && tier[0] && strcmp(status, "triaged"))
        d.department = 2;
    return d;
}

static int act(struct principal p, struct demand_state d, int action)
{
    const char *msg = NULL;
    int rc = demands_may_act(&p, &d, action, &msg);
    if (rc)
        assert_non_null(msg);
    return rc;
}

static void test_actions_by_name(void **state)
{
    (void)state;
    for (int a = 0; a < DA_COUNT; a++) {
        assert_int_equal(demands_action_of(demands_action_name(a)), a);
        assert_non_null(demands_action_label(a));
    }
    assert_int_equal(demands_action_of("fly"), -1);
    assert_int_equal(demands_action_of(NULL), -1);
}

static void test_see(void **state)
{
    (void)state;
    struct demand_state d = demand("assigned", "medium");
    assert_int_equal(demands_may_see(&(struct principal){.role = ROLE_ADMIN}, &d), 0);
    struct principal p = who(ROLE_ENTERPRISE, 1, "371500", 0, E1);
    assert_int_equal(demands_may_see(&p, &d), 0);
    p = who(ROLE_ENTERPRISE, 1, "371500", 0, E2); /* another entity: as if it did not exist */
    assert_int_equal(demands_may_see(&p, &d), ERR_NOTFOUND);
    p = who(ROLE_OFFICER, 7, "371500", 0, NULL);
    assert_int_equal(demands_may_see(&p, &d), 0);
    p = who(ROLE_OFFICER, 8, "371500", 0, NULL);
    assert_int_equal(demands_may_see(&p, &d), ERR_FORBIDDEN);
    p = who(ROLE_CHAIN_OFFICE, 3, "371502", 0, NULL);
    assert_int_equal(demands_may_see(&p, &d), 0);
    p = who(ROLE_CHAIN_OFFICE, 3, "371521", 0, NULL);
    assert_int_equal(demands_may_see(&p, &d), ERR_FORBIDDEN);
    p = who(ROLE_CHAIN_OFFICE, 3, "371500", 0, NULL); /* the city's covers every county */
    assert_int_equal(demands_may_see(&p, &d), 0);
    p = who(ROLE_DEPARTMENT, 4, "371500", 2, NULL);
    assert_int_equal(demands_may_see(&p, &d), 0);
    p = who(ROLE_DEPARTMENT, 4, "371500", 5, NULL);
    assert_int_equal(demands_may_see(&p, &d), ERR_FORBIDDEN);
    d.assisted = 1; /* an assisting department sees it */
    assert_int_equal(demands_may_see(&p, &d), 0);
    p = who(ROLE_BUREAU, 5, "371521", 0, NULL);
    assert_int_equal(demands_may_see(&p, &d), ERR_FORBIDDEN);
    p = who(ROLE_BUREAU, 5, "371502", 0, NULL);
    assert_int_equal(demands_may_see(&p, &d), 0);
    p = who(ROLE_INSPECTOR, 6, "371500", 0, NULL);
    assert_int_equal(demands_may_see(&p, &d), ERR_FORBIDDEN);
}

/* Each step from each state: the right actor may, in the right state only. */
static void test_states_never_skipped(void **state)
{
    (void)state;
    struct principal officer = who(ROLE_OFFICER, 7, "371500", 0, NULL);
    static const char *const all[] = {"submitted", "triaged",  "assigned", "in_progress",
                                      "returned",  "resolved", "closed",   "merged"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct demand_state d = demand(all[i], "small");
        int triage = act(officer, d, DA_TRIAGE), start = act(officer, d, DA_START),
            resolve = act(officer, d, DA_RESOLVE);
        assert_int_equal(triage, !strcmp(all[i], "submitted") ? 0 : ERR_CONFLICT);
        assert_int_equal(start, !strcmp(all[i], "assigned") ? 0 : ERR_CONFLICT);
        assert_int_equal(resolve, !strcmp(all[i], "in_progress") ? 0 : ERR_CONFLICT);
    }
}

static void test_who_takes_each_step(void **state)
{
    (void)state;
    struct principal officer = who(ROLE_OFFICER, 7, "371500", 0, NULL),
                     other_officer = who(ROLE_OFFICER, 9, "371500", 0, NULL),
                     county_office = who(ROLE_CHAIN_OFFICE, 3, "371502", 0, NULL),
                     city_chain = who(ROLE_CHAIN_OFFICE, 2, "371500", 0, NULL),
                     city_office = who(ROLE_CITY_OFFICE, 4, "371500", 0, NULL),
                     dept = who(ROLE_DEPARTMENT, 5, "371500", 2, NULL),
                     other_dept = who(ROLE_DEPARTMENT, 6, "371500", 3, NULL),
                     owner = who(ROLE_ENTERPRISE, 10, "371500", 0, E1),
                     admin = who(ROLE_ADMIN, 1, "371500", 0, NULL);
    struct demand_state submitted = demand("submitted", "");
    assert_int_equal(act(officer, submitted, DA_TRIAGE), 0);
    assert_int_equal(act(county_office, submitted, DA_TRIAGE), 0);
    assert_int_equal(act(city_chain, submitted, DA_TRIAGE), 0);
    assert_int_equal(act(other_officer, submitted, DA_TRIAGE), ERR_FORBIDDEN);
    assert_int_equal(act(admin, submitted, DA_TRIAGE), ERR_FORBIDDEN);
    assert_int_equal(act(owner, submitted, DA_TRIAGE), ERR_FORBIDDEN);

    struct demand_state medium = demand("triaged", "medium"); /* routed to 371502 */
    assert_int_equal(act(county_office, medium, DA_ASSIGN), 0);
    assert_int_equal(act(city_chain, medium, DA_ASSIGN), ERR_FORBIDDEN);
    assert_int_equal(act(city_office, medium, DA_ASSIGN), ERR_FORBIDDEN);
    struct demand_state large = demand("triaged", "large");
    assert_int_equal(act(city_office, large, DA_ASSIGN), 0);
    assert_int_equal(act(county_office, large, DA_ASSIGN), ERR_FORBIDDEN);

    struct demand_state assigned = demand("assigned", "medium");
    assert_int_equal(act(dept, assigned, DA_START), 0);
    assert_int_equal(act(other_dept, assigned, DA_START), ERR_FORBIDDEN);
    assert_int_equal(act(officer, assigned, DA_START), ERR_FORBIDDEN);
    assert_int_equal(act(dept, assigned, DA_REASSIGN), 0);
    assert_int_equal(act(county_office, assigned, DA_REASSIGN), 0);
    assert_int_equal(act(other_dept, assigned, DA_REASSIGN), ERR_FORBIDDEN);
    assert_int_equal(act(dept, assigned, DA_ESCALATE), 0);
    assert_int_equal(act(officer, demand("assigned", "small"), DA_REASSIGN), ERR_CONFLICT);
    assert_int_equal(act(city_office, demand("assigned", "large"), DA_ESCALATE), ERR_CONFLICT);

    struct demand_state resolved = demand("resolved", "small");
    assert_int_equal(act(owner, resolved, DA_CONFIRM), 0);
    assert_int_equal(act(owner, resolved, DA_REOPEN), 0);
    assert_int_equal(act(officer, resolved, DA_CONFIRM), ERR_FORBIDDEN);
    assert_int_equal(act(who(ROLE_ENTERPRISE, 11, "371500", 0, E2), resolved, DA_CONFIRM),
                     ERR_FORBIDDEN);

    struct demand_state returned = demand("returned", "small");
    assert_int_equal(act(owner, returned, DA_SUPPLY), 0);
    assert_int_equal(act(officer, returned, DA_SUPPLY), 0);
    assert_int_equal(act(dept, returned, DA_SUPPLY), ERR_FORBIDDEN);

    assert_int_equal(act(officer, submitted, DA_MERGE), 0);
    assert_int_equal(act(city_office, submitted, DA_MERGE), 0);
    assert_int_equal(act(dept, submitted, DA_MERGE), ERR_FORBIDDEN);
    assert_int_equal(act(officer, demand("closed", "small"), DA_MERGE), ERR_CONFLICT);
    assert_int_equal(act(officer, submitted, DA_COUNT), ERR_INVALID);
}

static void test_next_status_and_tiers(void **state)
{
    (void)state;
    struct demand_state d = demand("returned", "small");
    assert_string_equal(demands_next_status(&d, DA_SUPPLY, "in_progress"), "in_progress");
    assert_string_equal(demands_next_status(&d, DA_SUPPLY, ""), "submitted");
    assert_string_equal(demands_next_status(&d, DA_REOPEN, NULL), "in_progress");
    assert_string_equal(demands_next_status(&d, DA_CONFIRM, NULL), "closed");
    assert_string_equal(demands_next_status(&d, DA_ESCALATE, NULL), "triaged");
    assert_string_equal(demands_tier_up("small"), "medium");
    assert_string_equal(demands_tier_up("medium"), "large");
    assert_null(demands_tier_up("large"));
    assert_null(demands_tier_up(""));
    struct demand_deadlines dl = {3, 10, 30};
    assert_int_equal(demands_tier_days(&dl, "medium"), 10);
    assert_int_equal(demands_tier_days(&dl, "huge"), 0);
}

static void test_overdue(void **state)
{
    (void)state;
    assert_true(demands_overdue("in_progress", 100, 101));
    assert_false(demands_overdue("in_progress", 100, 100)); /* due today: still in time */
    assert_false(demands_overdue("resolved", 100, 200));
    assert_false(demands_overdue("closed", 100, 200));
    assert_false(demands_overdue("submitted", -1, 200)); /* no deadline before triage */
    assert_true(demands_status_open("returned"));
    assert_false(demands_status_open("merged"));
}

static void test_filing(void **state)
{
    (void)state;
    const char *msg;
    struct principal p = who(ROLE_ENTERPRISE, 1, "371500", 0, E1);
    assert_int_equal(demands_may_file(&p, E1, "371502", 7, &msg), 0);
    assert_int_equal(demands_may_file(&p, E2, "371521", 7, &msg), ERR_FORBIDDEN);
    assert_string_equal(demands_default_channel(&p), "web");
    p = who(ROLE_OFFICER, 7, "371500", 0, NULL);
    assert_int_equal(demands_may_file(&p, E1, "371502", 7, &msg), 0);
    assert_int_equal(demands_may_file(&p, E1, "371502", 8, &msg), ERR_FORBIDDEN);
    assert_int_equal(demands_may_file(&p, E1, "371502", 0, &msg), ERR_FORBIDDEN);
    assert_string_equal(demands_default_channel(&p), "officer");
    p = who(ROLE_CHAIN_OFFICE, 3, "371502", 0, NULL);
    assert_int_equal(demands_may_file(&p, E1, "371502", 0, &msg), 0);
    assert_int_equal(demands_may_file(&p, E2, "371521", 0, &msg), ERR_FORBIDDEN);
    assert_string_equal(demands_default_channel(&p), "phone");
    p = who(ROLE_DEPARTMENT, 4, "371500", 2, NULL);
    assert_int_equal(demands_may_file(&p, E1, "371502", 0, &msg), ERR_FORBIDDEN);
}

static void test_scope(void **state)
{
    (void)state;
    struct demand_scope s;
    struct principal p = who(ROLE_CITY_OFFICE, 1, "371500", 0, NULL);
    demands_scope(&p, &s);
    assert_string_equal(s.sql, "");
    assert_int_equal(s.n, 0);
    p = who(ROLE_OFFICER, 7, "371500", 0, NULL);
    demands_scope(&p, &s);
    assert_int_equal(s.n, 2);
    assert_true(s.is_int[0] && s.ints[0] == 7 && s.ints[1] == 7);
    p = who(ROLE_CHAIN_OFFICE, 3, "371502", 0, NULL);
    demands_scope(&p, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.texts[0], "371502");
    p = who(ROLE_CHAIN_OFFICE, 3, "371500", 0, NULL);
    demands_scope(&p, &s);
    assert_int_equal(s.n, 0);
    p = who(ROLE_ENTERPRISE, 10, "371500", 0, E1);
    demands_scope(&p, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.texts[0], E1);
    p = who(ROLE_INSPECTOR, 6, "371500", 0, NULL);
    demands_scope(&p, &s);
    assert_non_null(strstr(s.sql, "1 = 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actions_by_name),
        cmocka_unit_test(test_see),
        cmocka_unit_test(test_states_never_skipped),
        cmocka_unit_test(test_who_takes_each_step),
        cmocka_unit_test(test_next_status_and_tiers),
        cmocka_unit_test(test_overdue),
        cmocka_unit_test(test_filing),
        cmocka_unit_test(test_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
