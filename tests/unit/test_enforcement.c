/* SPDX-License-Identifier: MIT */
/* Unit tests for the rules of M5: the 免罚轻罚 check at every boundary of its limitation period
 * and conditions, the checks of inspection records, campaigns, re-checks, decisions and
 * revisits, the data scope, and, on an in-memory database, the results M4 records through
 * enforcement_record_random and the check of a stored case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "enforcement/enforcement.h"
#include "refdata/refdata.h"
#include "registry/registry.h"

#define OWN "91371502MA3C00011G"

static int32_t day(const char *s)
{
    int32_t d;
    assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static const char *fmt(int32_t d)
{
    static char buf[4][DATE_LEN + 1];
    static int k;
    k = (k + 1) % 4;
    date_format(d, buf[k]);
    return buf[k];
}

/* ---- the limitation period ---- */

static void test_limitation_start(void **state)
{
    (void)state;
    assert_string_equal(fmt(enforcement_limitation_start(day("2026-03-01"))), "2024-03-01");
    assert_string_equal(fmt(enforcement_limitation_start(day("2026-12-31"))), "2024-12-31");
    /* 29 February has no same day two years before: the month's last day. */
    assert_string_equal(fmt(enforcement_limitation_start(day("2024-02-29"))), "2022-02-28");
    assert_string_equal(fmt(enforcement_limitation_start(day("2026-02-28"))), "2024-02-28");
}

/* ---- 免罚轻罚 ---- */

/* The codes of the reasons the check gives c against prior, joined by ",". */
static const char *codes(const struct minor_case *c, const struct minor_prior *prior, size_t n,
                         int *eligible)
{
    static char out[128];
    json_t *reasons = NULL, *x;
    size_t i;
    *eligible = enforcement_minor_check(c, prior, n, &reasons);
    out[0] = '\0';
    json_array_foreach(reasons, i, x)
    {
        const char *code = json_string_value(json_object_get(x, "code"));
        const char *msg = json_string_value(json_object_get(x, "message"));
        assert_non_null(msg);
        assert_true(strlen(msg) > 0);
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "", code);
    }
    assert_int_equal(*eligible, json_array_size(reasons) == 0);
    json_decref(reasons);
    return out;
}

static void test_minor_eligible(void **state)
{
    (void)state;
    int ok;
    struct minor_case c = {"2026-03-01", "slight", 1, NULL, NULL};
    assert_string_equal(codes(&c, NULL, 0, &ok), "");
    assert_true(ok);
    /* reasons may be left out */
    assert_int_equal(enforcement_minor_check(&c, NULL, 0, NULL), 1);
}

static void test_minor_first_violation_boundaries(void **state)
{
    (void)state;
    int ok;
    struct minor_case c = {"2026-03-01", "slight", 1, NULL, NULL};
    /* Exactly two years before: still within the period (the first day is not counted). */
    struct minor_prior p = {7, "2024-03-01", "penalty"};
    assert_string_equal(codes(&c, &p, 1, &ok), "not_first");
    assert_false(ok);
    /* One day earlier: the period has run. */
    p.opened_on = "2024-02-29";
    assert_string_equal(codes(&c, &p, 1, &ok), "");
    assert_true(ok);
    /* The day before this case, and the same day: both count. */
    p.opened_on = "2026-02-28";
    assert_string_equal(codes(&c, &p, 1, &ok), "not_first");
    p.opened_on = "2026-03-01";
    assert_string_equal(codes(&c, &p, 1, &ok), "not_first");
    /* A case opened after this one does not. */
    p.opened_on = "2026-03-02";
    assert_string_equal(codes(&c, &p, 1, &ok), "");
    assert_true(ok);
}

static void test_minor_prior_decisions(void **state)
{
    (void)state;
    int ok;
    struct minor_case c = {"2026-03-01", "slight", 1, NULL, NULL};
    struct minor_prior p = {7, "2025-06-01", NULL};
    /* Undecided or dismissed: no violation was established. */
    assert_string_equal(codes(&c, &p, 1, &ok), "");
    p.decision = "dismissed";
    assert_string_equal(codes(&c, &p, 1, &ok), "");
    assert_true(ok);
    /* Any finding of a violation counts, even one not punished. */
    static const char *const found[] = {"penalty", "lighter", "no_penalty"};
    for (int i = 0; i < 3; i++) {
        p.decision = found[i];
        assert_string_equal(codes(&c, &p, 1, &ok), "not_first");
        assert_false(ok);
    }
    /* Among several, one in the period is enough; the message names it. */
    struct minor_prior many[3] = {
        {1, "2020-01-01", "penalty"}, {2, "2025-12-01", "dismissed"}, {3, "2025-01-10", "lighter"}};
    json_t *reasons = NULL;
    assert_int_equal(enforcement_minor_check(&c, many, 3, &reasons), 0);
    const char *msg = json_string_value(json_object_get(json_array_get(reasons, 0), "message"));
    assert_non_null(strstr(msg, "2025-01-10"));
    json_decref(reasons);
}

static void test_minor_harm_and_correction(void **state)
{
    (void)state;
    int ok;
    struct minor_case c = {"2026-03-01", "ordinary", 1, NULL, NULL};
    assert_string_equal(codes(&c, NULL, 0, &ok), "harm_not_slight");
    c.harm = "serious";
    assert_string_equal(codes(&c, NULL, 0, &ok), "harm_not_slight");
    c.harm = "slight";
    c.corrected_in_time = 0;
    assert_string_equal(codes(&c, NULL, 0, &ok), "not_corrected");
    c.corrected_in_time = -1;
    assert_string_equal(codes(&c, NULL, 0, &ok), "correction_unknown");
    /* The linked order, re-checked as passed on its last day: in time. */
    c.rectify_by = "2026-02-20";
    c.rectified_on = "2026-02-20";
    assert_string_equal(codes(&c, NULL, 0, &ok), "");
    assert_true(ok);
    /* A day late: not in time. */
    c.rectified_on = "2026-02-21";
    assert_string_equal(codes(&c, NULL, 0, &ok), "not_corrected");
    /* Still open: unknown yet. */
    c.rectified_on = NULL;
    assert_string_equal(codes(&c, NULL, 0, &ok), "correction_unknown");
    /* Either says so: corrected_in_time false, but the order passed in time. */
    c.corrected_in_time = 0;
    c.rectified_on = "2026-02-10";
    assert_string_equal(codes(&c, NULL, 0, &ok), "");
    /* Every reason at once, in order. */
    struct minor_prior p = {9, "2025-01-01", "penalty"};
    struct minor_case bad = {"2026-03-01", "serious", 0, NULL, NULL};
    assert_string_equal(codes(&bad, &p, 1, &ok), "not_first,harm_not_slight,not_corrected");
    assert_false(ok);
}

/* ---- inspection records ---- */

static json_t *record(void)
{
    return json_pack("{ss ss si ss s[ii] ss}", "uscc", OWN, "kind", "routine", "department", 10,
                     "inspected_on", "2026-03-01", "inspectors", 5, 6, "outcome", "pass");
}

/* Checks v on 2026-03-01; returns the field refused, or NULL. */
static const char *check(json_t *v)
{
    const char *field = NULL, *msg = NULL;
    int rc = enforcement_check_inspection(v, day("2026-03-01"), &field, &msg);
    json_decref(v);
    if (rc) {
        assert_int_equal(rc, ERR_INVALID);
        assert_non_null(msg);
        return field;
    }
    return NULL;
}

static json_t *with(json_t *v, const char *name, json_t *value)
{
    json_object_set_new(v, name, value);
    return v;
}

static void test_check_inspection(void **state)
{
    (void)state;
    assert_null(check(record()));
    assert_string_equal(check(with(record(), "kind", json_string("random"))), "kind");
    assert_string_equal(check(with(record(), "kind", json_string("campaign"))), "campaign");
    assert_null(
        check(with(with(record(), "kind", json_string("campaign")), "campaign", json_integer(3))));
    assert_string_equal(check(with(record(), "campaign", json_integer(3))), "campaign");
    assert_null(check(with(record(), "campaign", json_null())));
    /* Today is fine, tomorrow is not. */
    assert_string_equal(check(with(record(), "inspected_on", json_string("2026-03-02"))),
                        "inspected_on");
    /* Inspectors: 1..20 distinct positive ids. */
    assert_string_equal(check(with(record(), "inspectors", json_array())), "inspectors");
    assert_string_equal(check(with(record(), "inspectors", json_pack("[ii]", 5, 5))), "inspectors");
    assert_string_equal(check(with(record(), "inspectors", json_pack("[s]", "5"))), "inspectors");
    assert_string_equal(check(with(record(), "inspectors", json_pack("[i]", 0))), "inspectors");
    assert_null(check(with(record(), "inspectors", json_pack("[i]", 5))));
    json_t *many = json_array();
    for (int i = 1; i <= 21; i++)
        json_array_append_new(many, json_integer(i));
    assert_string_equal(check(with(record(), "inspectors", many)), "inspectors");
    /* rectify_by iff rectify, not before the inspection. */
    json_t *r = with(record(), "outcome", json_string("rectify"));
    assert_string_equal(check(json_incref(r)), "rectify_by");
    assert_string_equal(check(with(json_deep_copy(r), "rectify_by", json_string("2026-02-28"))),
                        "rectify_by");
    assert_null(check(with(json_deep_copy(r), "rectify_by", json_string("2026-03-01"))));
    assert_null(check(with(r, "rectify_by", json_string("2026-03-15"))));
    assert_string_equal(check(with(record(), "rectify_by", json_string("2026-03-15"))),
                        "rectify_by");
    assert_null(check(with(record(), "rectify_by", json_null())));
}

static void test_check_result(void **state)
{
    (void)state;
    const char *field, *msg;
    int32_t today = day("2026-03-01");
    assert_int_equal(enforcement_check_result("pass", "2026-03-01", NULL, today, &field, &msg), 0);
    assert_int_equal(enforcement_check_result("bogus", "2026-03-01", NULL, today, &field, &msg),
                     ERR_INVALID);
    assert_string_equal(field, "outcome");
    assert_int_equal(enforcement_check_result(NULL, "2026-03-01", NULL, today, &field, &msg),
                     ERR_INVALID);
    assert_int_equal(enforcement_check_result("pass", "2026-02-30", NULL, today, &field, &msg),
                     ERR_INVALID);
    assert_string_equal(field, "inspected_on");
    assert_int_equal(
        enforcement_check_result("rectify", "2026-03-01", "2026-3-9", today, &field, &msg),
        ERR_INVALID);
    assert_string_equal(field, "rectify_by");
}

static void test_check_campaign(void **state)
{
    (void)state;
    const char *field, *msg;
    json_t *v = json_pack("{ss ss}", "period_from", "2026-03-01", "period_to", "2026-03-01");
    assert_int_equal(enforcement_check_campaign(v, &field, &msg), 0);
    json_object_set_new(v, "period_to", json_string("2026-02-28"));
    assert_int_equal(enforcement_check_campaign(v, &field, &msg), ERR_INVALID);
    assert_string_equal(field, "period_to");
    json_object_del(v, "period_from");
    assert_int_equal(enforcement_check_campaign(v, &field, &msg), ERR_INVALID);
    assert_string_equal(field, "period_from");
    json_decref(v);
}

static void test_rectification(void **state)
{
    (void)state;
    const char *field, *msg;
    int32_t today = day("2026-03-10");
    assert_int_equal(enforcement_check_recheck("rectify", "open", "2026-03-01", "2026-03-01", today,
                                               &field, &msg),
                     0);
    assert_int_equal(
        enforcement_check_recheck("pass", NULL, "2026-03-01", "2026-03-05", today, &field, &msg),
        ERR_CONFLICT);
    assert_int_equal(enforcement_check_recheck("rectify", "done", "2026-03-01", "2026-03-05", today,
                                               &field, &msg),
                     ERR_CONFLICT);
    assert_int_equal(enforcement_check_recheck("rectify", "open", "2026-03-01", "2026-02-28", today,
                                               &field, &msg),
                     ERR_INVALID);
    assert_string_equal(field, "rectified_on");
    assert_int_equal(enforcement_check_recheck("rectify", "open", "2026-03-01", "2026-03-11", today,
                                               &field, &msg),
                     ERR_INVALID);
    /* Overdue the day after rectify_by, not on it; never once done. */
    assert_false(enforcement_rectify_overdue("open", "2026-03-10", day("2026-03-10")));
    assert_true(enforcement_rectify_overdue("open", "2026-03-10", day("2026-03-11")));
    assert_false(enforcement_rectify_overdue("done", "2026-03-10", day("2026-03-11")));
    assert_false(enforcement_rectify_overdue(NULL, NULL, day("2026-03-11")));
}

static void test_decision(void **state)
{
    (void)state;
    const char *code, *field, *msg;
    int32_t today = day("2026-03-10");
#define DECIDE(status, decision, fine, on, eligible)                                               \
    enforcement_check_decision(status, "2026-03-01", decision, fine, on, eligible, today, &code,   \
                               &field, &msg)
    assert_int_equal(DECIDE("open", "penalty", 500000, "2026-03-01", 0), 0);
    assert_int_equal(DECIDE("open", "penalty", 0, "2026-03-10", 0), 0); /* a warning */
    assert_int_equal(DECIDE("open", "lighter", 100, "2026-03-05", 0), 0);
    assert_int_equal(DECIDE("open", "no_penalty", 0, "2026-03-05", 1), 0);
    assert_int_equal(DECIDE("open", "dismissed", 0, "2026-03-05", 0), 0);
    assert_int_equal(DECIDE("decided", "penalty", 0, "2026-03-05", 1), ERR_CONFLICT);
    assert_string_equal(code, "invalid_state");
    assert_int_equal(DECIDE("closed", "penalty", 0, "2026-03-05", 1), ERR_CONFLICT);
    assert_int_equal(DECIDE("open", "no_penalty", 0, "2026-03-05", 0), ERR_INVALID);
    assert_string_equal(code, "not_eligible");
    assert_string_equal(field, "decision");
    assert_int_equal(DECIDE("open", "no_penalty", 1, "2026-03-05", 1), ERR_INVALID);
    assert_string_equal(field, "fine");
    assert_int_equal(DECIDE("open", "dismissed", 1, "2026-03-05", 1), ERR_INVALID);
    assert_int_equal(DECIDE("open", "penalty", -1, "2026-03-05", 1), ERR_INVALID);
    assert_int_equal(DECIDE("open", "penalty", 0, "2026-02-28", 1), ERR_INVALID);
    assert_string_equal(field, "decided_on");
    assert_string_equal(code, "validation_failed");
    assert_int_equal(DECIDE("open", "penalty", 0, "2026-03-11", 1), ERR_INVALID);
#undef DECIDE
}

static void test_revisit(void **state)
{
    (void)state;
    const char *field, *msg;
    int32_t today = day("2026-03-10");
    assert_int_equal(
        enforcement_check_revisit("decided", "2026-03-01", "2026-03-01", today, &field, &msg), 0);
    assert_int_equal(
        enforcement_check_revisit("closed", "2026-03-01", "2026-03-10", today, &field, &msg), 0);
    assert_int_equal(enforcement_check_revisit("open", NULL, "2026-03-05", today, &field, &msg),
                     ERR_CONFLICT);
    assert_int_equal(
        enforcement_check_revisit("decided", "2026-03-01", "2026-02-28", today, &field, &msg),
        ERR_INVALID);
    assert_int_equal(
        enforcement_check_revisit("decided", "2026-03-01", "2026-03-11", today, &field, &msg),
        ERR_INVALID);
    assert_string_equal(field, "visited_on");
}

static struct principal who(unsigned role, const char *region)
{
    struct principal p = {.id = 7, .role = role};
    snprintf(p.region, sizeof p.region, "%s", region);
    return p;
}

static void test_scope(void **state)
{
    (void)state;
    struct principal city = who(ROLE_BUREAU, "371500"), county = who(ROLE_BUREAU, "371502"),
                     insp = who(ROLE_INSPECTOR, "371502"), dept = who(ROLE_DEPARTMENT, "371500"),
                     admin = who(ROLE_ADMIN, "371502");
    assert_int_equal(enforcement_may_see(&city, "371521", 0), 0);
    assert_int_equal(enforcement_may_see(&county, "371502", 0), 0);
    assert_int_equal(enforcement_may_see(&county, "371521", 0), ERR_FORBIDDEN);
    assert_int_equal(enforcement_may_see(&county, "371521", 1), ERR_FORBIDDEN);
    assert_int_equal(enforcement_may_see(&insp, "371521", 0), ERR_FORBIDDEN);
    assert_int_equal(enforcement_may_see(&insp, "371521", 1), 0); /* took part */
    assert_int_equal(enforcement_may_see(&dept, "371502", 0), ERR_FORBIDDEN);
    assert_int_equal(enforcement_may_see(&admin, "371521", 0), 0);
    assert_int_equal(enforcement_may_see(NULL, "371521", 0), ERR_FORBIDDEN);
    assert_int_equal(enforcement_may_see_campaign(&county, "371500"), 0);
    assert_int_equal(enforcement_may_see_campaign(&county, "371502"), 0);
    assert_int_equal(enforcement_may_see_campaign(&county, "371521"), ERR_FORBIDDEN);
    assert_int_equal(enforcement_may_see_campaign(&dept, "371500"), ERR_FORBIDDEN);
}

/* ---- on a database: M4's results and the check of a stored case ---- */

static struct db *db;
static int64_t inspector, task;

static int64_t scalar(const char *sql, int64_t id)
{
    struct db_stmt *st;
    int64_t v = -1;
    assert_int_equal(db_prepare_once(db, sql, &st), 0);
    if (id)
        assert_int_equal(db_bind_int(st, 1, id), 0);
    if (!db_row(st))
        v = db_col_type(st, 0) == DB_NULL ? -2 : db_col_int(st, 0);
    db_finalize(st);
    return v;
}

static int setup(void **state)
{
    (void)state;
    unsigned char key[AUDIT_KEY_LEN] = {3};
    audit_set_key(key);
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(refdata_load(db), 0);
    json_t *e = json_pack("{ss ss ss ss ss}", "uscc", OWN, "name", "聊城市鑫鹏机械制造有限公司",
                          "kind", "enterprise", "region", "371502", "industry", "C3499");
    assert_int_equal(registry_insert(db, e), 0);
    json_decref(e);
    struct user_new u = {
        .username = "insp", .role = "inspector", .department = 10, .password_hash = "!"};
    const char *field;
    assert_int_equal(accounts_create(db, NULL, &u, &inspector, &field), 0);
    assert_int_equal(db_exec(db, "INSERT INTO inspection_tasks(title, region, departments, items,"
                                 " scope, ratios, inspectors_per_target, inspector_pool, period,"
                                 " created_at, updated_at) VALUES ('抽查', '371500', '[10]', '[1]',"
                                 " '{}', '{}', 2, '{}', '{}', 0, 0)"),
                     0);
    task = db_last_id(db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    return 0;
}

static void test_record_random(void **state)
{
    (void)state;
    int64_t id = 0, again = 0;
    const char *today = fmt(date_today());
    assert_int_equal(
        enforcement_record_random(db, task, 10, OWN, "pass", NULL, NULL, NULL, inspector, &id), 0);
    assert_true(id > 0);
    assert_int_equal(
        scalar("SELECT count(*) FROM enforcement_inspections WHERE kind = 'random'", 0), 1);
    /* The recorder, an inspector, is the record's inspector; the day defaults to today. */
    assert_int_equal(
        scalar("SELECT inspector FROM enforcement_inspectors WHERE inspection = ?", id), inspector);
    json_t *o = NULL;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    assert_int_equal(rec_get(db, &enforcement_inspection, key, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "inspected_on")), today);
    assert_string_equal(json_string_value(json_object_get(o, "industry")), "C3499");
    assert_string_equal(json_string_value(json_object_get(o, "region")), "371502");
    json_decref(o);
    /* Recorded again as a case: the same record, now with a case. */
    assert_int_equal(enforcement_record_random(db, task, 10, OWN, "case", "无证经营", NULL,
                                               "2026-03-01", inspector, &again),
                     0);
    assert_int_equal(again, id);
    assert_int_equal(scalar("SELECT count(*) FROM enforcement_inspections", 0), 1);
    int64_t case_id = scalar("SELECT id FROM enforcement_cases WHERE inspection = ?", id);
    assert_true(case_id > 0);
    /* Its 免罚轻罚 check: harm taken as ordinary, correction unknown. */
    json_t *minor = NULL;
    assert_int_equal(enforcement_case_minor(db, case_id, &minor), 0);
    assert_true(json_is_false(json_object_get(minor, "eligible")));
    assert_int_equal(json_array_size(json_object_get(minor, "reasons")), 2);
    json_decref(minor);
    /* Case again: the case is kept. */
    assert_int_equal(enforcement_record_random(db, task, 10, OWN, "case", NULL, NULL, "2026-03-01",
                                               inspector, &again),
                     0);
    assert_int_equal(scalar("SELECT id FROM enforcement_cases WHERE inspection = ?", id), case_id);
    /* Rectify instead: the open case is withdrawn, the order opens. */
    assert_int_equal(enforcement_record_random(db, task, 10, OWN, "rectify", NULL, "2026-03-20",
                                               "2026-03-01", inspector, &again),
                     0);
    assert_int_equal(scalar("SELECT count(*) FROM enforcement_cases", 0), 0);
    assert_int_equal(scalar("SELECT count(*) FROM enforcement_inspections WHERE"
                            " rectification = 'open' AND rectify_by = '2026-03-20'",
                            0),
                     1);
    /* A case that was decided cannot be withdrawn by a new result. */
    assert_int_equal(enforcement_record_random(db, task, 10, OWN, "case", NULL, NULL, "2026-03-01",
                                               inspector, &again),
                     0);
    assert_int_equal(db_exec(db, "UPDATE enforcement_cases SET status = 'decided',"
                                 " decision = 'penalty', fine = 0, decided_on = '2026-03-05'"),
                     0);
    assert_int_equal(enforcement_record_random(db, task, 10, OWN, "pass", NULL, NULL, "2026-03-01",
                                               inspector, &again),
                     ERR_CONFLICT);
    /* Bad input changes nothing and says why. */
    assert_int_equal(
        enforcement_record_random(db, task, 10, OWN, "bogus", NULL, NULL, NULL, inspector, &again),
        ERR_INVALID);
    assert_int_equal(enforcement_record_random(db, task, 10, OWN, "rectify", NULL, NULL, NULL,
                                               inspector, &again),
                     ERR_INVALID);
    assert_int_equal(enforcement_record_random(db, task, 10, OWN, "pass", NULL, NULL, "2999-01-01",
                                               inspector, &again),
                     ERR_INVALID);
    assert_int_equal(enforcement_record_random(db, task, 10, "91371502MA3C00012E", "pass", NULL,
                                               NULL, NULL, inspector, &again),
                     ERR_NOTFOUND);
    /* Audit rows for each write. */
    assert_true(scalar("SELECT count(*) FROM audit_log WHERE action = 'inspection.random'", 0) >=
                5);
    assert_true(scalar("SELECT count(*) FROM audit_log WHERE action = 'case.withdraw'", 0) == 1);
}

static void test_stored_case_priors(void **state)
{
    (void)state;
    /* The decided case above (opened 2026-03-01, penalty) is a prior of a new one. */
    json_t *v = json_pack("{ss ss ss ss ss ss sb}", "uscc", OWN, "region", "371502", "opened_on",
                          "2026-06-01", "violation", "再次违法", "basis", "", "harm", "slight",
                          "corrected_in_time", 1);
    json_object_set_new(v, "department", json_integer(10));
    int64_t id = 0;
    assert_int_equal(enforcement_insert_case(db, NULL, NULL, v, &id), 0);
    json_decref(v);
    json_t *minor = NULL;
    assert_int_equal(enforcement_case_minor(db, id, &minor), 0);
    assert_true(json_is_false(json_object_get(minor, "eligible")));
    json_t *r = json_array_get(json_object_get(minor, "reasons"), 0);
    assert_string_equal(json_string_value(json_object_get(r, "code")), "not_first");
    json_decref(minor);
    /* Dismissed, it no longer counts. */
    assert_int_equal(db_exec(db, "UPDATE enforcement_cases SET decision = 'dismissed'"
                                 " WHERE decision = 'penalty'"),
                     0);
    assert_int_equal(enforcement_case_minor(db, id, &minor), 0);
    assert_true(json_is_true(json_object_get(minor, "eligible")));
    json_decref(minor);
    assert_int_equal(enforcement_case_minor(db, 999999, &minor), ERR_NOTFOUND);
}

int main(void)
{
    alloc_tune();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_limitation_start),
        cmocka_unit_test(test_minor_eligible),
        cmocka_unit_test(test_minor_first_violation_boundaries),
        cmocka_unit_test(test_minor_prior_decisions),
        cmocka_unit_test(test_minor_harm_and_correction),
        cmocka_unit_test(test_check_inspection),
        cmocka_unit_test(test_check_result),
        cmocka_unit_test(test_check_campaign),
        cmocka_unit_test(test_rectification),
        cmocka_unit_test(test_decision),
        cmocka_unit_test(test_revisit),
        cmocka_unit_test(test_scope),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test(test_record_random),
        cmocka_unit_test(test_stored_case_priors),
    };
    int failed = cmocka_run_group_tests_name("rules", pure, NULL, NULL);
    return failed + cmocka_run_group_tests_name("database", stored, setup, teardown);
}
