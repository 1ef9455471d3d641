/* SPDX-License-Identifier: MIT */
/*
 * Reference data every module reads: the regions of Liaocheng, the 12 industry chains, the
 * departments with the factor each guarantees, and the working-day calendar. The data ships
 * in the binary (refdata_data.c) and is loaded by `jianguan init`; the calendar can be
 * extended by an administrator through the API.
 */
#ifndef JG_REFDATA_H
#define JG_REFDATA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "record/record.h"

struct region_row {
    const char *code, *name, *level, *parent;
};
struct chain_row {
    int id;
    const char *name;
};
struct department_row {
    int id;
    const char *name, *factor;
};
struct holiday_row {
    const char *from, *to; /* inclusive dates */
    const char *kind;      /* "holiday" or "workday" */
    const char *name;
};

extern const struct region_row refdata_regions[]; /* ends with a NULL code */
extern const struct chain_row refdata_chains[];   /* ends with id 0 */
extern const struct department_row refdata_departments[];
extern const struct holiday_row refdata_holidays[];

/* The name of department id (refdata_departments), or NULL. */
const char *refdata_department_name(int64_t id);

/* Inserts the reference rows that are missing (existing rows are kept). Returns 0 or an
 * error. Runs on the write connection w inside the caller's transaction. */
int refdata_load(struct db *w);
/* Reads the calendar overrides from db into the process calendar; returns 0 or an error. */
int refdata_calendar_reload(struct db *db);
void refdata_calendar_free(void);
/* Frees the encoded reference lists served by refdata_routes.c. */
void refdata_cache_free(void);
/* Working-day arithmetic on the process calendar (see core/workday.h). */
int32_t refdata_add_workdays(int32_t from, int n);
int refdata_is_workday(int32_t day);
int refdata_workdays_between(int32_t from, int32_t to);
/* Chinese name of a region code, or NULL; valid for the life of the process. */
const char *refdata_region_name(const char *code);
/* A list filter's parse hook (http/list.h) for region codes: 0 with the code as JSON in *out
 * (may be NULL), or ERR_INVALID "未知的行政区划代码". */
int refdata_parse_region(const char *text, json_t **out, char *msg, size_t cap);
/* The factors departments guarantee (the departments table's CHECK lists the same codes), as an
 * enumeration records can use: service items and demands are classified by them. */
extern const struct enum_value refdata_factors[]; /* ends with a NULL value */
/* Chinese name of a factor code ("funding" -> "资金"), or NULL. */
const char *refdata_factor_name(const char *factor);

#endif
