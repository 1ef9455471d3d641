/* SPDX-License-Identifier: MIT */
/*
 * M6, special equipment (特种设备) — 应检尽检: every registered unit inspected on time.
 *
 * A unit (boiler, pressure vessel, elevator, lifting machinery, in-plant vehicle, passenger
 * ropeway, large amusement ride, pressure piping, cylinder group) is registered with its
 * registration number (使用登记证编号), its owner (产权单位, an entity of the registry, whose
 * region the unit takes) and its user (使用单位, the owner unless given), and carries its last
 * inspection and its next due date. The categories are data (equipment_categories): each with
 * the periodic-inspection interval its TSG regulation sets, which a unit may override.
 *
 * Dates: next_due = last inspection + interval (calendar months, the day clamped to the end of
 * a shorter month), or installed date + interval before any inspection, unless given. An
 * inspection recorded with conclusion 合格 or 基本合格 moves next_due on; 不合格 keeps it (the unit
 * stays due until a re-inspection passes).
 *
 * Overdue: in use and next_due before today. Due within N days: in use and today <= next_due
 * <= today + N. Idle (停用) and scrapped (报废) units are neither.
 *
 * 定检率 (periodic-inspection rate) of a period [from, to], as of today: the dues of the period
 * are each (unit, due date D) with from <= D <= to that an inspection answered (its due_on) or
 * that is the unit's current next_due while it is in use. Each due is judged by the first
 * inspection that answered it (see equipment_due_state):
 *   on time   inspected in [D - 3 months, D]            (EQUIPMENT_WINDOW_MONTHS)
 *   early     inspected before D - 3 months             (fulfils it: counted as on time)
 *   late      inspected after D
 *   missed    not inspected and D before today          (逾期未检)
 *   pending   not inspected and D today or later        (未到期: not in the denominator)
 * rate = (on time + early) / (due - pending), null when nothing was due. Any conclusion counts:
 * the rate measures inspections done; the overdue list what may not be used.
 */
#ifndef JG_EQUIPMENT_H
#define JG_EQUIPMENT_H

#include <jansson.h>
#include <stdint.h>

#include "authz/authz.h"
#include "core/strbuf.h"
#include "db/db.h"
#include "record/record.h"

extern struct record equipment_unit, equipment_inspection;
/* The unit's fields (the body of POST and PATCH) and an inspection's (POST .../inspections). */
extern const struct field equipment_fields[], equipment_inspection_fields[];
extern const struct enum_value equipment_statuses[], equipment_conclusions[];

/* How far before its due date an inspection counts as on time. */
#define EQUIPMENT_WINDOW_MONTHS 3
/* Reminders: units due within this many days (and overdue ones). */
#define EQUIPMENT_REMIND_DAYS 30
/* A unit's own interval, in months: 1 .. 120. */
#define EQUIPMENT_MAX_INTERVAL 120

/* A category row (equipment_categories). */
struct equipment_category {
    char code[24], name[64], reg_char[8];
    int interval_months;
};

/* Reads category code; 0, ERR_NOTFOUND or an error. */
int equipment_category_get(struct db *db, const char *code, struct equipment_category *out);
/* Every category as a JSON array of {code, name, reg_char, interval_months, basis}, in order.
 * Returns 0 or an error. */
int equipment_categories_json(struct db *db, json_t **out);

/* The day months calendar months after day (months may be negative), the day of the month
 * clamped to the last of a shorter month (2024-02-29 + 12 = 2025-02-28). Pure. */
int32_t equipment_add_months(int32_t day, int months);

/* Whether no is a registration number of the category whose class character is reg_char (UTF-8):
 *   <类别代号><2-digit variety code><province abbreviation><A-Z><5-digit serial>(<2-digit year>)
 * e.g. 梯11鲁P00123(24) — the shape of TSG 08's 使用登记证编号. Pure. Returns 0 or ERR_INVALID
 * with a Chinese message in msg. */
int equipment_check_registration(const char *no, const char *reg_char, char *msg, size_t cap);

/* The rules of a unit's dates on the values v (a create body, or a unit merged with a patch),
 * judged against today with the interval cycle (months): installed_on and last_inspected not in
 * the future, last_inspected not before installed_on, last_inspected and last_conclusion given
 * together; when next_due is absent or null it is set to last_inspected + cycle, else
 * installed_on + cycle (one of the three must be given); a next_due the client gave (given)
 * must be after last_inspected. Returns 0 or ERR_INVALID with *field and a Chinese message.
 * Pure. */
int equipment_derive_dates(json_t *v, int cycle, int given, int32_t today, const char **field,
                           char *msg, size_t cap);

/* Adds what a unit's JSON says of today: "overdue" (bool) and "days_left" (next_due - today,
 * negative when overdue; null unless in use). */
void equipment_decorate(json_t *unit, int32_t today);
/* The same members appended to out (",\"overdue\":false,\"days_left\":12") for a unit of
 * that status and next due date, for JSON written straight from a row. Returns 0 or
 * ERR_TOOLARGE. */
int equipment_status_write(const char *status, const char *next_due, int32_t today,
                           struct strbuf *out);

/* Reminders (GET /api/v1/equipment/reminders) as of today: the units in use that are overdue
 * or due within EQUIPMENT_REMIND_DAYS days, of entity (owner or user) when not NULL, of region
 * when not NULL. *out gets {"as_of", "days", "overdue", "due_soon", "regions": [{"region",
 * "region_name", "overdue", "due_soon"}], "items": [unit, decorated; most urgent first, at most
 * limit], "more": whether items left some out}. Returns 0 or an error. */
int equipment_reminders(struct db *db, const char *entity, const char *region, int32_t today,
                        int limit, json_t **out);

/* Whether a unit may go from status from to status to: in_use <-> idle, anything -> scrapped,
 * nothing out of scrapped. Returns 0 or ERR_CONFLICT. Pure. */
int equipment_status_change(const char *from, const char *to);

/* Whether a unit is overdue on day today: in use and due before it. Pure. */
int equipment_overdue(const char *status, const char *next_due, int32_t today);

/* The fate of a due date due (a day), inspected first on inspected (-1: not), as of today. */
enum equipment_due_state {
    EQUIPMENT_ON_TIME,
    EQUIPMENT_EARLY,
    EQUIPMENT_LATE,
    EQUIPMENT_MISSED,
    EQUIPMENT_PENDING
};
/* Pure; see the file's comment. */
enum equipment_due_state equipment_due_state(int32_t due, int32_t inspected, int32_t today);

/* Counts of dues by state, and the rate they give. */
struct equipment_rate {
    int64_t due, on_time, early, late, missed, pending;
};
void equipment_rate_add(struct equipment_rate *r, enum equipment_due_state s);
/* (on_time + early) / (due - pending), or -1 when nothing counts. Pure. */
double equipment_rate_value(const struct equipment_rate *r);
/* The rate as JSON: {due, on_time, early, late, missed, pending, rate} (rate rounded to four
 * decimals, null when nothing counts). */
json_t *equipment_rate_json(const struct equipment_rate *r);

/* Computes the 定检率 of [from, to] (days) as of today on db, of region only when not NULL and
 * of category only when not NULL, grouped by "region" or "category" (by); *out gets
 * {"by", "from", "to", "as_of", "region", "category", "window_months", "total": rate,
 * "groups": [{"key", "label", ...rate}]} with a group for every region or category that had a
 * due. Returns 0 or an error. */
int equipment_inspection_rate(struct db *db, int32_t from, int32_t to, int32_t today,
                              const char *region, const char *category, int by_category,
                              json_t **out);

/* Copies unit id's region and category to its inspection history (after a change of owner or
 * category), on w. Returns 0 or an error. */
int equipment_sync_history(struct db *w, int64_t id);

/* The record of an inspection on a unit: moves last_inspected, last_conclusion and (unless
 * unqualified) next_due of unit (its values as read, cycle its interval) and inserts the
 * history row (first_of_due unless an inspection was recorded against the same due date), on w.
 * body is {inspected_on, conclusion, inspector_org, report_no, next_due?}. Returns 0; ERR_INVALID
 * with *field and msg (a date in the future, before the last inspection, a next_due not after the
 * inspection); ERR_CONFLICT for a scrapped unit; or an error. */
int equipment_record_inspection(struct db *w, json_t *unit, int cycle, json_t *body, int64_t by,
                                int32_t today, const char **field, char *msg, size_t cap);

#endif
