/* SPDX-License-Identifier: MIT */
/*
 * M1, the market-entity registry (市场主体库): the entity record, the rules an entity must
 * satisfy beyond what its field table says, and the calls other modules use to read entities.
 * Keyed by the 18-character Unified Social Credit Code; every record carries a region, so
 * county staff see only their county. An entity's values travel as a JSON object whose
 * members are the fields of registry_entity (record/record.h).
 */
#ifndef JG_REGISTRY_H
#define JG_REGISTRY_H

#include <stdint.h>

#include <jansson.h>

#include "authz/authz.h"
#include "db/db.h"
#include "record/record.h"

/* The entity record: fields (also the body of POST and PATCH), columns, joins. */
extern const struct field registry_fields[];
extern struct record registry_entity;

/* How strictly a USCC is judged: the API refuses a failed check, an import keeps and flags it
 * (real registers hold a few such codes); a malformed code is refused by both. */
enum uscc_policy { USCC_STRICT, USCC_FLAG };

/* Upper-cases and checks the "uscc" member of v under policy, and sets "uscc_flagged".
 * Returns 0 or ERR_INVALID with a Chinese message in *msg. */
int registry_set_uscc(json_t *v, int policy, const char **msg /* out */);

/* The rules a field table cannot say, on the members v gives (its types and limits already
 * checked against the record): the region exists, the industry code has the GB/T 4754 form,
 * the founding date and report year are not in the future (the chain's 1..12 is the field's
 * range). Returns 0 or ERR_INVALID
 * with the field and a Chinese message. Pure but for the reference data. */
int registry_check(json_t *v, const char **field /* out */, const char **msg /* out */);

/* Judges a write of the entity values v by p: registry_check, the caller's county for a region
 * given, and that a given officer is one. Returns 0; ERR_INVALID or ERR_FORBIDDEN with the
 * field and a Chinese message; or a database error. Used by the API and the CSV import. */
int registry_check_write(struct db *db, const struct principal *p, json_t *v,
                         const char **field /* out */, const char **msg /* out */);

/* Whether uscc must look to p as if it did not exist: p is an account bound to another entity,
 * which learns nothing of others, not even that they exist (404, decided before any read).
 * Pure. */
int registry_code_hidden(const struct principal *p, const char *uscc);
/* Data scope of one entity (uscc, in region, assigned to officer, 0 for none): owner accounts
 * see their own entity, officers the entities assigned to them, other staff their county (or
 * the whole city). Returns 0 or ERR_FORBIDDEN. Pure. */
int registry_may_see(const struct principal *p, const char *uscc, const char *region,
                     int64_t officer);
/* Data scope of a list: narrows *region to a county user's own county and *officer to an
 * officer's own id. Returns ERR_FORBIDDEN when *region names another county. Pure. */
int registry_list_scope(const struct principal *p, const char **region /* in, out */,
                        int64_t *officer /* in, out */);

/* Reads the entity uscc: 0 with a new JSON object in *out, ERR_NOTFOUND, or an error. */
int registry_get(struct db *db, const char *uscc, json_t **out /* out */);
/* Reads the entity's region into region (16 bytes); returns 0, ERR_NOTFOUND or an error. */
int registry_region_of(struct db *db, const char *uscc, char region[16]);
/* Calls fn for each entity that has a service officer, in id order, until fn returns non-zero
 * (returned). chain is 0 when none. Returns 0 or an error. */
typedef int (*registry_served_fn)(void *arg, const char *uscc, const char *region, int64_t chain,
                                  int64_t officer);
int registry_each_served(struct db *db, registry_served_fn fn, void *arg);
/* A population of the registry for a random draw: active entities within scope, a JSON object
 * whose arrays regions, chains, kinds and tiers list the values allowed (absent or empty: any)
 * and industries the GB/T 4754 codes or their prefixes ("H62" takes H6210 and H6291). fn gets
 * each one in code order, with its credit grade and region, until it returns non-zero
 * (returned). Returns 0, ERR_INVALID when an array holds more than REGISTRY_SCOPE_MAX values
 * or a value of the wrong type, or an error. The rows are streamed: fn must not use db. */
#define REGISTRY_SCOPE_MAX 64
typedef int (*registry_member_fn)(void *arg, const char *uscc, const char *credit,
                                  const char *region);
int registry_population(struct db *db, json_t *scope, registry_member_fn fn, void *arg);
/* Whether text is a GB/T 4754 industry code or a prefix of one: a section letter A-T and up to
 * four digits. Pure. */
int registry_industry_prefix_ok(const char *text);
/* Active entities of one industry (a GB/T 4754 code), for a sample by trade: fn gets each one
 * in code order, with its credit grade and region, until it returns non-zero (returned).
 * Streamed: fn must not use db. Returns 0 or an error. */
int registry_each_of_industry(struct db *db, const char *industry, registry_member_fn fn,
                              void *arg);
/* Active entities whose industry (a GB/T 4754 code) is one of industries (a JSON array of at
 * most REGISTRY_SCOPE_MAX codes), for samples by trade: fn gets each one in id order with its
 * region and industry, until it returns non-zero (returned). One scan of the registry (about
 * a second at the city's 710,000 entities). Streamed: fn must not use db. Returns 0,
 * ERR_INVALID for a bad array, or an error. */
typedef int (*registry_trade_fn)(void *arg, const char *uscc, const char *region,
                                 const char *industry);
int registry_each_in_industries(struct db *db, json_t *industries, registry_trade_fn fn, void *arg);
/* Counts the active entities, grouped by region or, when by_industry is set, by industry; of
 * region only when region is not NULL. fn gets each group's key and count, in key order, until
 * it returns non-zero (returned). Streamed: fn must not use db. Returns 0 or an error. (A
 * full scan of the registry: about half a second at the city's 710,000 entities.) */
typedef int (*registry_count_fn)(void *arg, const char *key, int64_t n);
int registry_count_active(struct db *db, int by_industry, const char *region, registry_count_fn fn,
                          void *arg);
/* Inserts the entity v on w; 0, ERR_CONFLICT for a taken code, or an error. */
int registry_insert(struct db *w, json_t *v);
/* Changes the members of v on entity uscc; 0, ERR_NOTFOUND or an error. */
int registry_update(struct db *w, const char *uscc, json_t *v);

#endif
