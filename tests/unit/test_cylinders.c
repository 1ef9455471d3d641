/* SPDX-License-Identifier: MIT */
/* Unit tests for the rules of M7: every refusal reason of the filling check alone at the day
 * before, the day of and the day after its boundary (or the second, for the refill interval),
 * every pair of reasons together, the service life with and without its extension, 29 February,
 * the answer's JSON, weights, instants and codes; and, on an in-memory database, that the
 * cylinder types of the migration are the standards' (YSP: LPG, 4 / 8 / 12 years), and that the
 * check's statement reads the caller's session and user with the facts (cylinders_caller_holds
 * on what it read, for a principal from the token cache). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "cylinders/cylinders.h"

#define HERE "91371502MA3C00011G"
#define OTHER "91371503MA3C00022H"

static int32_t day(const char *s)
{
    int32_t d;
    assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

/* An LPG YSP cylinder made 2020-03-10, inspected 2024-03-01, at a station licensed for LPG
 * until 2035-06-30, filler certified until 2035-01-31, last filled 2026-11-01 08:00 (+08). All
 * fine on 2026-12-03. */
static struct cylinder_facts base(void)
{
    struct cylinder_facts f = {0};
    snprintf(f.station, sizeof f.station, HERE);
    snprintf(f.region, sizeof f.region, "371502");
    f.licence_expires = day("2035-06-30");
    snprintf(f.media, sizeof f.media, "[\"LPG\"]");
    f.medium = "LPG";
    f.filler_known = f.filler_active = 1;
    f.cert_expires = day("2035-01-31");
    f.cylinder_known = 1;
    snprintf(f.cylinder_station, sizeof f.cylinder_station, HERE);
    f.manufactured = day("2020-03-10");
    f.last_inspection = day("2024-03-01");
    f.type = (struct cylinder_type_rules){.medium = "LPG",
                                          .inspection_years = 4,
                                          .design_years = 8,
                                          .extended_years = 12,
                                          .refill_seconds = 24 * 3600,
                                          .capacity_kg = 14.9,
                                          .tare_kg = 16.9,
                                          .min_weight_kg = 12,
                                          .max_weight_kg = 45};
    f.last_filled_at = date_start(day("2026-11-01")) + 8 * 3600;
    return f;
}

#define NOON(d) (date_start(day(d)) + 12 * 3600)
#define BIT(r) (1u << (r))

static unsigned check_on(const struct cylinder_facts *f, const char *d)
{
    return cylinders_check(f, day(d), NOON(d));
}

static void test_all_fine(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    assert_int_equal(check_on(&f, "2026-12-03"), 0);
}

static void test_reason_codes(void **state)
{
    (void)state;
    static const char *const codes[] = {"unknown_cylinder",      "scrapped",
                                        "service_life_exceeded", "inspection_overdue",
                                        "not_station_cylinder",  "licence_expired",
                                        "medium_not_permitted",  "filler_not_certified",
                                        "wrong_medium",          "filled_too_recently"};
    for (int i = 0; i < CYL_NREASONS; i++) {
        assert_string_equal(cylinders_reason_code(i), codes[i]);
        assert_int_equal(cylinders_reason_of(codes[i]), i);
    }
    assert_null(cylinders_reason_code(CYL_NREASONS));
    assert_int_equal(cylinders_reason_of("nope"), -1);
}

static void test_unknown_cylinder(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    f.cylinder_known = 0;
    /* The cylinder's own reasons cannot apply; the station's and filler's still do. */
    f.scrapped = 1;
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_UNKNOWN_CYLINDER));
    f.licence_expires = day("2026-12-02");
    assert_int_equal(check_on(&f, "2026-12-03"),
                     BIT(CYL_UNKNOWN_CYLINDER) | BIT(CYL_LICENCE_EXPIRED));
}

static void test_scrapped(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    f.scrapped = 1;
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_SCRAPPED));
}

static void test_inspection_overdue_boundary(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    f.last_filled_at = 0;
    /* Inspected 2024-03-01: due 2028-03-01, overdue from 2028-03-02. */
    assert_int_equal(cylinders_next_inspection(&f.type, f.manufactured, f.last_inspection),
                     day("2028-03-01"));
    f.manufactured = day("2021-03-10"); /* keep the service life out of the way */
    assert_int_equal(check_on(&f, "2028-02-29"), 0);
    assert_int_equal(check_on(&f, "2028-03-01"), 0);
    assert_int_equal(check_on(&f, "2028-03-02"), BIT(CYL_INSPECTION_OVERDUE));
    /* Never inspected: from the manufacture date. */
    f.last_inspection = -1;
    assert_int_equal(check_on(&f, "2025-03-09"), 0);
    assert_int_equal(check_on(&f, "2025-03-10"), 0);
    assert_int_equal(check_on(&f, "2025-03-11"), BIT(CYL_INSPECTION_OVERDUE));
}

static void test_service_life_boundary(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    f.last_filled_at = 0;
    /* Made 2018-05-20, last inspected 2022-05-01 (before the end of its design life): the
     * life ends 2026-05-20; the inspection is due 2026-05-01, so move that out of the way by
     * judging the service life on its own with a long inspection interval. */
    f.manufactured = day("2018-05-20");
    f.last_inspection = day("2022-05-01");
    f.type.inspection_years = 10;
    assert_int_equal(cylinders_life_ends(&f.type, f.manufactured, f.last_inspection),
                     day("2026-05-20"));
    assert_int_equal(check_on(&f, "2026-05-19"), 0);
    assert_int_equal(check_on(&f, "2026-05-20"), 0);
    assert_int_equal(check_on(&f, "2026-05-21"), BIT(CYL_SERVICE_LIFE_EXCEEDED));
}

static void test_service_life_extension(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    f.last_filled_at = 0;
    f.manufactured = day("2018-05-20");
    /* Inspected the day before the design life ends: no extension. */
    f.last_inspection = day("2026-05-19");
    assert_int_equal(cylinders_life_ends(&f.type, f.manufactured, f.last_inspection),
                     day("2026-05-20"));
    assert_int_equal(check_on(&f, "2026-05-21"), BIT(CYL_SERVICE_LIFE_EXCEEDED));
    /* Inspected on the day it ends, or after: to 12 years. */
    f.last_inspection = day("2026-05-20");
    assert_int_equal(cylinders_life_ends(&f.type, f.manufactured, f.last_inspection),
                     day("2030-05-20"));
    assert_int_equal(check_on(&f, "2026-05-21"), 0);
    f.last_inspection = day("2026-06-02");
    assert_int_equal(check_on(&f, "2026-06-03"), 0);
    /* The extended life ends like the design life: the end day is still within it. The
     * inspection from 2026-06-02 is due 2030-06-02, after the end, so only the life counts. */
    assert_int_equal(check_on(&f, "2030-05-19"), 0);
    assert_int_equal(check_on(&f, "2030-05-20"), 0);
    assert_int_equal(check_on(&f, "2030-05-21"), BIT(CYL_SERVICE_LIFE_EXCEEDED));
    /* A type without an extension ignores the inspection. */
    f.type.extended_years = 0;
    assert_int_equal(check_on(&f, "2026-05-21"), BIT(CYL_SERVICE_LIFE_EXCEEDED));
    /* Past the design life, not inspected since: both reasons. */
    struct cylinder_facts g = base();
    g.last_filled_at = 0;
    g.manufactured = day("2018-05-20");
    g.last_inspection = day("2022-05-10");
    assert_int_equal(check_on(&g, "2026-05-21"),
                     BIT(CYL_SERVICE_LIFE_EXCEEDED) | BIT(CYL_INSPECTION_OVERDUE));
}

static void test_leap_day(void **state)
{
    (void)state;
    assert_int_equal(cylinders_add_years(day("2024-02-29"), 4), day("2028-02-29"));
    assert_int_equal(cylinders_add_years(day("2024-02-29"), 1), day("2025-02-28"));
    assert_int_equal(cylinders_add_years(day("2023-12-31"), 8), day("2031-12-31"));
    struct cylinder_facts f = base();
    f.last_filled_at = 0;
    f.manufactured = day("2023-01-01");
    f.last_inspection = day("2024-02-29");
    f.type.inspection_years = 3; /* due 2027-02-28 */
    assert_int_equal(check_on(&f, "2027-02-28"), 0);
    assert_int_equal(check_on(&f, "2027-03-01"), BIT(CYL_INSPECTION_OVERDUE));
}

static void test_not_station_cylinder(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    snprintf(f.cylinder_station, sizeof f.cylinder_station, OTHER);
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_NOT_STATION_CYLINDER));
}

static void test_licence_boundary(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    f.licence_expires = day("2026-12-03");
    assert_int_equal(check_on(&f, "2026-12-02"), 0);
    assert_int_equal(check_on(&f, "2026-12-03"), 0);
    assert_int_equal(check_on(&f, "2026-12-04"), BIT(CYL_LICENCE_EXPIRED));
}

static void test_medium_not_permitted(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    snprintf(f.media, sizeof f.media, "[\"O2\",\"N2\"]");
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_MEDIUM_NOT_PERMITTED));
    snprintf(f.media, sizeof f.media, "[\"O2\",\"LPG\"]");
    assert_int_equal(check_on(&f, "2026-12-03"), 0);
    snprintf(f.media, sizeof f.media, "[]");
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_MEDIUM_NOT_PERMITTED));
    /* A prefix is not a match. */
    assert_int_equal(cylinders_media_has("[\"LPGX\",\"CO2\"]", "LPG"), 0);
    assert_int_equal(cylinders_media_has("[\"CO2\"]", "O2"), 0);
    assert_int_equal(cylinders_media_has("[\"CO2\",\"O2\"]", "O2"), 1);
}

static void test_filler_boundary(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    f.cert_expires = day("2026-12-03");
    assert_int_equal(check_on(&f, "2026-12-02"), 0);
    assert_int_equal(check_on(&f, "2026-12-03"), 0);
    assert_int_equal(check_on(&f, "2026-12-04"), BIT(CYL_FILLER_NOT_CERTIFIED));
    f = base();
    f.filler_known = 0; /* unknown, or another station's */
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_FILLER_NOT_CERTIFIED));
    f = base();
    f.filler_active = 0;
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_FILLER_NOT_CERTIFIED));
}

static void test_wrong_medium(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    snprintf(f.media, sizeof f.media, "[\"LPG\",\"O2\"]");
    f.medium = "O2"; /* permitted here, but not this cylinder's */
    assert_int_equal(check_on(&f, "2026-12-03"), BIT(CYL_WRONG_MEDIUM));
}

static void test_refill_boundary(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    int64_t last = f.last_filled_at, gap = f.type.refill_seconds;
    int32_t d = date_of(last);
    assert_int_equal(cylinders_check(&f, d, last + gap - 1), BIT(CYL_FILLED_TOO_RECENTLY));
    assert_int_equal(cylinders_check(&f, d, last + gap), 0);
    assert_int_equal(cylinders_check(&f, d, last + gap + 1), 0);
    assert_int_equal(cylinders_check(&f, d, last), BIT(CYL_FILLED_TOO_RECENTLY));
    /* An offline filling judged later: one recorded after it, within the interval, counts. */
    f.last_filled_at = 0;
    f.next_filled_at = last;
    assert_int_equal(cylinders_check(&f, d, last - gap + 1), BIT(CYL_FILLED_TOO_RECENTLY));
    assert_int_equal(cylinders_check(&f, d, last - gap), 0);
    /* A type without an interval. */
    f = base();
    f.type.refill_seconds = 0;
    assert_int_equal(cylinders_check(&f, d, f.last_filled_at), 0);
}

/* Each reason made true on its own by one change of the base facts. */
static void make(struct cylinder_facts *f, int reason)
{
    switch (reason) {
    case CYL_UNKNOWN_CYLINDER: f->cylinder_known = 0; break;
    case CYL_SCRAPPED: f->scrapped = 1; break;
    case CYL_SERVICE_LIFE_EXCEEDED:
        /* inspected after its life ended, but the type has no extension */
        f->manufactured = day("2018-01-10");
        f->last_inspection = day("2026-01-15");
        f->type.extended_years = 0;
        break;
    case CYL_INSPECTION_OVERDUE: f->last_inspection = day("2022-11-01"); break;
    case CYL_NOT_STATION_CYLINDER:
        snprintf(f->cylinder_station, sizeof f->cylinder_station, OTHER);
        break;
    case CYL_LICENCE_EXPIRED: f->licence_expires = day("2026-12-02"); break;
    case CYL_MEDIUM_NOT_PERMITTED: snprintf(f->media, sizeof f->media, "[\"O2\"]"); break;
    case CYL_FILLER_NOT_CERTIFIED: f->cert_expires = day("2026-11-30"); break;
    case CYL_WRONG_MEDIUM: snprintf(f->type.medium, sizeof f->type.medium, "O2"); break;
    case CYL_FILLED_TOO_RECENTLY: f->last_filled_at = NOON("2026-12-03") - 3600; break;
    }
}

static void test_each_alone_and_every_pair(void **state)
{
    (void)state;
    for (int a = 0; a < CYL_NREASONS; a++) {
        struct cylinder_facts f = base();
        make(&f, a);
        assert_int_equal(check_on(&f, "2026-12-03"), BIT(a));
        for (int b = a + 1; b < CYL_NREASONS; b++) {
            struct cylinder_facts g = base();
            make(&g, a);
            make(&g, b);
            unsigned want = BIT(a) | BIT(b);
            if (a == CYL_UNKNOWN_CYLINDER) /* the cylinder's own reasons fall away */
                want &= ~(BIT(CYL_SCRAPPED) | BIT(CYL_SERVICE_LIFE_EXCEEDED) |
                          BIT(CYL_INSPECTION_OVERDUE) | BIT(CYL_NOT_STATION_CYLINDER) |
                          BIT(CYL_WRONG_MEDIUM) | BIT(CYL_FILLED_TOO_RECENTLY));
            assert_int_equal(check_on(&g, "2026-12-03"), want);
        }
    }
    /* All at once (but unknown). */
    struct cylinder_facts f = base();
    for (int a = 1; a < CYL_NREASONS; a++)
        make(&f, a);
    assert_int_equal(check_on(&f, "2026-12-03"), (1u << CYL_NREASONS) - 2);
}

static void test_answer_json(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    struct strbuf sb;
    strbuf_init(&sb, 1 << 16);
    assert_int_equal(cylinders_answer_write(0, &f, &sb), 0);
    assert_string_equal(strbuf_get(&sb), "{\"allowed\":true}");
    strbuf_reset(&sb);
    f.licence_expires = day("2026-12-02");
    unsigned m = BIT(CYL_LICENCE_EXPIRED) | BIT(CYL_INSPECTION_OVERDUE);
    assert_int_equal(cylinders_answer_write(m, &f, &sb), 0);
    json_error_t e;
    json_t *o = json_loads(strbuf_get(&sb), 0, &e);
    assert_non_null(o);
    assert_true(json_is_false(json_object_get(o, "allowed")));
    json_t *r = json_object_get(o, "reasons");
    assert_int_equal(json_array_size(r), 2);
    /* In the order of the reasons, each with a Chinese message. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "code")),
                        "inspection_overdue");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "code")),
                        "licence_expired");
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(r, 1), "message")), "2026-12-02"));
    json_decref(o);
    json_t *a = cylinders_reasons_json(m, &f);
    assert_int_equal(json_array_size(a), 2);
    json_decref(a);
    strbuf_dispose(&sb);
}

static void test_weights(void **state)
{
    (void)state;
    struct cylinder_facts f = base();
    const char *field = NULL;
    char msg[256];
    assert_int_equal(cylinders_weights_ok(&f.type, 17.0, 31.8, &field, msg, sizeof msg), 0);
    assert_int_equal(cylinders_weights_ok(&f.type, -1, 31.8, &field, msg, sizeof msg), ERR_INVALID);
    assert_string_equal(field, "weight_before");
    assert_int_equal(cylinders_weights_ok(&f.type, 17, 450, &field, msg, sizeof msg), ERR_INVALID);
    assert_string_equal(field, "weight_after");
    assert_int_equal(cylinders_weights_ok(&f.type, 30, 20, &field, msg, sizeof msg), ERR_INVALID);
    assert_string_equal(field, "weight_after");
    assert_int_equal(cylinders_weights_ok(&f.type, 12, 45, &field, msg, sizeof msg), 0);
    /* Overfill: a net weight over the rated fill mass, to the gram. */
    assert_false(cylinders_overfilled(&f.type, 17.0, 31.9));
    assert_true(cylinders_overfilled(&f.type, 17.0, 31.901));
    assert_false(cylinders_overfilled(&f.type, 17.1, 32.0));
    assert_true(cylinders_overfilled(&f.type, 16.9, 32.0));
}

static void test_instants(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(cylinders_parse_instant("2026-12-03T08:30:00+08:00", &t), 0);
    assert_int_equal(t, date_start(day("2026-12-03")) + 8 * 3600 + 1800);
    int64_t u;
    assert_int_equal(cylinders_parse_instant("2026-12-03T00:30:00Z", &u), 0);
    assert_int_equal(u, t);
    assert_int_equal(cylinders_parse_instant("2026-12-03T00:30:00.250Z", &u), 0);
    assert_int_equal(u, t);
    assert_int_equal(cylinders_parse_instant("2026-12-02T19:30:00-05:00", &u), 0);
    assert_int_equal(u, t);
    const char *bad[] = {"2026-12-03",
                         "2026-12-03 08:30:00+08:00",
                         "2026-13-03T08:30:00Z",
                         "2026-12-03T24:00:00Z",
                         "2026-12-03T08:30:00",
                         "2026-12-03T08:30:00+8",
                         "2026-12-03T08:30:00Zjunk",
                         "",
                         "2026-02-30T08:30:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cylinders_parse_instant(bad[i], &u), ERR_INVALID);
    const char *code, *msg;
    int64_t now = t;
    assert_int_equal(cylinders_time_ok(now, now, &code, &msg), 0);
    assert_int_equal(cylinders_time_ok(now + CYL_CLOCK_SKEW, now, &code, &msg), 0);
    assert_int_equal(cylinders_time_ok(now + CYL_CLOCK_SKEW + 1, now, &code, &msg), ERR_INVALID);
    assert_string_equal(code, "future_time");
    assert_int_equal(cylinders_time_ok(now - CYL_OFFLINE_DAYS * 86400, now, &code, &msg), 0);
    assert_int_equal(cylinders_time_ok(now - CYL_OFFLINE_DAYS * 86400 - 1, now, &code, &msg),
                     ERR_INVALID);
    assert_string_equal(code, "too_old");
}

static void test_codes(void **state)
{
    (void)state;
    char a[40] = "lc0200000123", b[40] = "ABC", c[40] = "LC 0001", d[40] = "A-1B";
    assert_int_equal(cylinders_code_normalize(a), 0);
    assert_string_equal(a, "LC0200000123");
    assert_int_equal(cylinders_code_normalize(b), ERR_INVALID);
    assert_int_equal(cylinders_code_normalize(c), ERR_INVALID);
    assert_int_equal(cylinders_code_normalize(d), 0);
    char e[40];
    memset(e, 'A', 33);
    e[33] = 0;
    assert_int_equal(cylinders_code_normalize(e), ERR_INVALID);
    e[32] = 0;
    assert_int_equal(cylinders_code_normalize(e), 0);
}

static void test_types_in_the_database(void **state)
{
    (void)state;
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    struct cylinder_type_rules t;
    assert_int_equal(cylinders_type_rules(db, "YSP", &t), 0);
    assert_string_equal(t.medium, "LPG");
    assert_int_equal(t.inspection_years, 4);
    assert_int_equal(t.design_years, 8);
    assert_int_equal(t.extended_years, 12);
    assert_true(t.refill_seconds > 0);
    assert_int_equal(cylinders_type_rules(db, "WSP-O2", &t), 0);
    assert_int_equal(t.inspection_years, 3);
    assert_int_equal(t.extended_years, 0);
    assert_int_equal(cylinders_type_rules(db, "RDP", &t), 0);
    assert_string_equal(t.medium, "C2H2");
    assert_int_equal(cylinders_type_rules(db, "CNG-1", &t), 0);
    assert_int_equal(t.inspection_years, 3);
    assert_int_equal(cylinders_type_rules(db, "NOPE", &t), ERR_NOTFOUND);
    /* Every type's weights allow its own tare and a full fill. */
    struct db_stmt *st;
    assert_int_equal(db_prepare(db, "SELECT code FROM cylinder_types", &st), 0);
    while (db_step(st) == DB_ROW) {
        char code[24];
        snprintf(code, sizeof code, "%s", db_col_text(st, 0));
        struct cylinder_type_rules u;
        struct db_stmt *keep = st;
        (void)keep;
        assert_int_equal(cylinders_type_rules(db, code, &u), 0);
        const char *field;
        char msg[256];
        assert_int_equal(
            cylinders_weights_ok(&u, u.tare_kg, u.tare_kg + u.capacity_kg, &field, msg, 256), 0);
    }
    db_done(st);
    db_close(db);
}

/* A caller as the check's statement read it: a station account's running session. */
static struct cylinder_facts with_caller(void)
{
    struct cylinder_facts f = base();
    f.caller.found = 1;
    f.caller.user = 42;
    f.caller.expires_at = 5000;
    snprintf(f.caller.role, sizeof f.caller.role, "station");
    snprintf(f.caller.entity, sizeof f.caller.entity, HERE);
    return f;
}

static void test_caller_holds(void **state)
{
    (void)state;
    struct principal p = {.id = 42, .role = ROLE_STATION, .entity = HERE};
    struct cylinder_facts f = with_caller();
    assert_true(cylinders_caller_holds(&f, &p, 4999));
    assert_false(cylinders_caller_holds(&f, &p, 5000)); /* the session's end */
    f.caller.found = 0;                                 /* revoked: no session */
    assert_false(cylinders_caller_holds(&f, &p, 1000));
    f = with_caller();
    f.caller.disabled = 1;
    assert_false(cylinders_caller_holds(&f, &p, 1000));
    f = with_caller();
    f.caller.user = 43; /* cannot happen for one token, but is not p */
    assert_false(cylinders_caller_holds(&f, &p, 1000));
    f = with_caller();
    snprintf(f.caller.role, sizeof f.caller.role, "enterprise");
    assert_false(cylinders_caller_holds(&f, &p, 1000));
    f = with_caller();
    snprintf(f.caller.entity, sizeof f.caller.entity, OTHER); /* rebound to another station */
    assert_false(cylinders_caller_holds(&f, &p, 1000));
}

/* A database with the station HERE in the county 371502. */
static struct db *station_db(void)
{
    struct db *db;
    assert_int_equal(db_open_memory(&db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO regions VALUES ('371500','聊城市','city',NULL,0),"
                                 " ('371502','东昌府区','county','371500',1);"
                                 " INSERT INTO entities(uscc, name, kind, region, updated_at)"
                                 " VALUES ('" HERE
                                 "', '聊城甲液化气有限公司', 'enterprise', '371502', 0);"
                                 " INSERT INTO cylinder_stations VALUES ('" HERE
                                 "', '371502', 'TS1', '2035-06-30',"
                                 " '[\"LPG\"]', 0, 0);"),
                     0);
    return db;
}

static void test_facts_read_as(void **state)
{
    (void)state;
    struct db *db = station_db();
    assert_int_equal(
        db_exec(db,
                "INSERT INTO users(username, display_name, role, region, entity, password_hash,"
                " disabled, created_at) VALUES ('scan', 'scan', 'station', '371502', '" HERE "',"
                " '!', 0, 0)"),
        0);
    char token[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1];
    assert_int_equal(authz_token_create(db, 1, TOKEN_API, NULL, token, csrf), 0);
    unsigned char hash[32];
    authz_token_hash(token, hash);
    struct cylinder_facts f;
    assert_int_equal(cylinders_facts_read_as(db, HERE, "NOPE0001", 1, "LPG", hash, &f), 0);
    assert_false(f.cylinder_known);
    assert_true(f.caller.found);
    assert_int_equal(f.caller.user, 1);
    assert_string_equal(f.caller.role, "station");
    assert_string_equal(f.caller.entity, HERE);
    assert_int_equal(f.caller.disabled, 0);
    struct principal p = {.id = 1, .role = ROLE_STATION, .entity = HERE};
    assert_true(cylinders_caller_holds(&f, &p, time_now()));
    /* Without a token, or once it is revoked, no caller is read. */
    assert_int_equal(cylinders_facts_read(db, HERE, "NOPE0001", 1, "LPG", &f), 0);
    assert_false(f.caller.found);
    assert_int_equal(authz_token_revoke(db, token), 0);
    assert_int_equal(cylinders_facts_read_as(db, HERE, "NOPE0001", 1, "LPG", hash, &f), 0);
    assert_false(f.caller.found);
    assert_false(cylinders_caller_holds(&f, &p, time_now()));
    /* Not a station: no row at all. */
    assert_int_equal(cylinders_facts_read_as(db, OTHER, "NOPE0001", 1, "LPG", hash, &f),
                     ERR_NOTFOUND);
    db_close(db);
}

/* With the statistics a server refreshes at its start, the check reads its cylinder from the
 * covering index alone (migration 022), not from the unique index and then the table. */
static void test_facts_plan(void **state)
{
    (void)state;
    struct db *db = station_db();
    assert_int_equal(
        db_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)"
                    " INSERT INTO cylinders(code, type, manufactured, station, region,"
                    " last_inspection, next_inspection, life_ends, created_at, updated_at)"
                    " SELECT printf('LC%08d', i), 'YSP', '2020-01-01', '" HERE "', '371502',"
                    " '2024-01-01', '2028-01-01', '2028-01-01', 0, 0 FROM n"),
        0);
    assert_int_equal(db_refresh_stats(db), 0);
    struct db_stmt *st;
    char sql[2048];
    snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", cylinders_facts_sql);
    assert_int_equal(db_prepare_once(db, sql, &st), 0);
    int covered = 0, rows = 0;
    while (db_step(st) == DB_ROW) {
        const char *detail = db_col_text(st, 3);
        rows++;
        covered += strstr(detail, "SEARCH c USING COVERING INDEX cylinders_check (code=?)") != 0;
    }
    db_finalize(st);
    assert_int_equal(rows, 6);
    assert_int_equal(covered, 1);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_fine),
        cmocka_unit_test(test_reason_codes),
        cmocka_unit_test(test_unknown_cylinder),
        cmocka_unit_test(test_scrapped),
        cmocka_unit_test(test_inspection_overdue_boundary),
        cmocka_unit_test(test_service_life_boundary),
        cmocka_unit_test(test_service_life_extension),
        cmocka_unit_test(test_leap_day),
        cmocka_unit_test(test_not_station_cylinder),
        cmocka_unit_test(test_licence_boundary),
        cmocka_unit_test(test_medium_not_permitted),
        cmocka_unit_test(test_filler_boundary),
        cmocka_unit_test(test_wrong_medium),
        cmocka_unit_test(test_refill_boundary),
        cmocka_unit_test(test_each_alone_and_every_pair),
        cmocka_unit_test(test_answer_json),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_instants),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_types_in_the_database),
        cmocka_unit_test(test_caller_holds),
        cmocka_unit_test(test_facts_read_as),
        cmocka_unit_test(test_facts_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
