/* SPDX-License-Identifier: MIT */
/*
 * M1, the market-entity registry (市场主体库): the rules an entity record must satisfy, and the
 * queries other modules may use to read entities. Keyed by the 18-character Unified Social
 * Credit Code; every record carries a region, so county staff see only their county.
 */
#ifndef JG_REGISTRY_H
#define JG_REGISTRY_H

#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "http/http.h"

/* Fields of an entity, as bits of struct entity.given. */
enum entity_field {
    ENT_NAME = 1 << 0,
    ENT_KIND = 1 << 1,
    ENT_REGION = 1 << 2,
    ENT_LEGAL_REP = 1 << 3,
    ENT_ADDRESS = 1 << 4,
    ENT_INDUSTRY = 1 << 5,
    ENT_CHAIN = 1 << 6,
    ENT_TIER = 1 << 7,
    ENT_CREDIT = 1 << 8,
    ENT_STATUS = 1 << 9,
    ENT_ESTABLISHED = 1 << 10,
    ENT_REPORT_YEAR = 1 << 11,
    ENT_OFFICER = 1 << 12,
    ENT_KEY = 1 << 13,
    ENT_FLAGGED = 1 << 14
};

/* An entity as the rules see it: strings are borrowed; `given` says which fields were set (a
 * given field with a NULL string or a 0 number is cleared). */
struct entity {
    unsigned given;
    char uscc[20];
    const char *name, *kind, *region, *legal_rep, *address, *industry, *tier, *credit, *status,
        *established;
    int64_t chain;              /* 0 = none */
    int64_t annual_report_year; /* 0 = none */
    int64_t officer;            /* 0 = none */
    int key;                    /* 远航 key enterprise */
    int uscc_flagged;           /* form valid, a check character failed */
};

/* How strictly a USCC is judged: the API refuses a failed check, an import keeps and flags it
 * (real registers hold a few such codes); a malformed code is refused by both. */
enum uscc_policy { USCC_STRICT, USCC_FLAG };

/* Upper-cases and checks s into e->uscc under policy; returns 0 or ERR_INVALID with a Chinese
 * message in *msg. */
int registry_set_uscc(struct entity *e, const char *s, int policy, const char **msg /* out */);

/* Checks every given field of e (the ones that are not NULL/0). When creating, uscc, name, kind
 * and region are required. Returns 0 or ERR_INVALID with the field and a Chinese message.
 * Pure: region and chain are checked against the reference data, officers are not. */
int registry_check(const struct entity *e, int creating, const char **field /* out */,
                   const char **msg /* out */);

/* Chinese labels of the enumerations, NULL for an unknown value. */
const char *registry_kind_label(const char *kind);
const char *registry_tier_label(const char *tier);
const char *registry_status_label(const char *status);

/* The column list of every entity read, in the order of the field contract (e = entities,
 * r = regions, c = chains, o = users). Booleans leave SQL as JSON text, so rows_to_json()
 * gives true/false. A macro, so that every statement using it is a literal. */
#define REGISTRY_COLUMNS                                                                           \
    "e.uscc, e.name, e.kind, e.region, r.name AS region_name, e.legal_rep, e.address,"             \
    " e.industry, e.chain, c.name AS chain_name, e.tier, e.credit, e.status, e.established,"       \
    " e.annual_report_year, e.officer, o.display_name AS officer_name,"                            \
    " CASE e.uscc_flagged WHEN 1 THEN 'true' ELSE 'false' END AS uscc_flagged_json,"               \
    " CASE e.key WHEN 1 THEN 'true' ELSE 'false' END AS key_json"

/* The JSON of one entity, or NULL when missing. */
json_t *registry_entity_json(struct db *db, const char *uscc);

/* Inserts e on w; returns 0, ERR_CONFLICT for a taken code, or an
 * error. */
int registry_insert(struct db *w, const struct entity *e);
/* Updates the given fields of the entity e->uscc; returns 0, ERR_NOTFOUND or an error. */
int registry_update(struct db *w, const struct entity *e);

/* Accounts bound to one market entity, which see that entity only. */
#define ROLES_ENTITY_OWNERS (ROLE_ENTERPRISE | ROLE_STATION | ROLE_SLAUGHTERHOUSE)

/* Data scope of one entity (uscc, in region, assigned to officer, 0 for none): owner accounts
 * see their own entity, officers the entities assigned to them, other staff their county (or
 * the whole city). Returns 0 or ERR_FORBIDDEN. Pure. */
int registry_may_see(const struct principal *p, const char *uscc, const char *region,
                     int64_t officer);
/* Data scope of a list: narrows *region to a county user's own county and *officer to an
 * officer's own id. Returns ERR_FORBIDDEN when *region names another county. Pure. */
int registry_list_scope(const struct principal *p, const char **region /* in, out */,
                        int64_t *officer /* in, out */);

/* Reads the entity's region into region (16 bytes); returns 0, ERR_NOTFOUND or an error. */
int registry_region_of(struct db *db, const char *uscc, char region[16]);

#endif
