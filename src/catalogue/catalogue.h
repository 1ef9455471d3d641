/* SPDX-License-Identifier: MIT */
/*
 * M3, the service catalogue (服务归集“一清单”): the service items departments publish for
 * enterprises, and the rules of who sees and who edits them. The four lists of service-oriented
 * supervision — 合规指导, 政策集成, 服务发展 and 轻微免罚 — are one record with a `list`
 * member, so one table, one API and one page serve them all. An item's values travel as a JSON
 * object whose members are the fields of catalogue_fields (record/record.h).
 *
 * Anyone may read published items without logging in; staff see drafts too. An administrator
 * edits every item, a department account only its own department's.
 */
#ifndef JG_CATALOGUE_H
#define JG_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "authz/authz.h"
#include "db/db.h"
#include "record/record.h"

/* The service item record: fields (also the body of POST and PATCH), columns, joins. */
extern const struct field catalogue_fields[];
extern struct record catalogue_item;

/* Whether p works for the government (and so sees drafts): NULL, an anonymous caller, and
 * accounts bound to a market entity do not. Pure. */
int catalogue_is_staff(const struct principal *p);

/* The rules a field table cannot say, on the members v gives (types and limits already checked
 * against the record) over the item as it stood (before; NULL when creating): the updated date
 * is not after today (a day number, core/timeutil.h), and an item of 轻微免罚 cites its legal
 * basis, since no penalty may be waived without one. Returns 0 or ERR_INVALID with the field
 * and a Chinese message. Pure. */
int catalogue_check(json_t *v, json_t *before, int32_t today, const char **field /* out */,
                    const char **msg /* out */);

/* Sets the updated date of a write to today when v does not give one: every create and every
 * change revises the item, unless the writer says when it was revised (an item revised on
 * paper earlier and entered now). Pure. */
void catalogue_stamp(json_t *v, int32_t today);

/* Whether p may write an item of department `owner` (0: a new item) so that it belongs to
 * department `target` (0: unchanged). Administrators may write any; a department account only
 * items of its own department, kept there; everyone else none. Returns 0 or ERR_FORBIDDEN with
 * a Chinese message, and the field to blame ("department", or NULL). Pure. */
int catalogue_may_write(const struct principal *p, int64_t owner, int64_t target,
                        const char **field /* out */, const char **msg /* out */);

/* Whether p may see an item of status ("published" or "draft"): 0, or ERR_NOTFOUND when the
 * item must look missing (a draft to the public and to enterprise accounts). Pure. */
int catalogue_may_see(const struct principal *p, const char *status);

/* Data scope of a list: callers who are not staff see published items only, so *status (the
 * filter given, may be NULL) becomes "published"; asking them for another status is
 * ERR_FORBIDDEN. Staff keep what they asked for. Pure. */
int catalogue_list_scope(const struct principal *p, const char **status /* in, out */);

/* Judges a write of v by p to the item before (NULL when creating): catalogue_may_write,
 * catalogue_check, and that a department given exists. Returns 0; ERR_FORBIDDEN or ERR_INVALID
 * with the field (may be NULL) and a Chinese message; or a database error. */
int catalogue_check_write(struct db *db, const struct principal *p, json_t *v, json_t *before,
                          const char **field /* out */, const char **msg /* out */);

/* Reads item id: 0 with a new JSON object in *out (the caller's), ERR_NOTFOUND, or an error. */
int catalogue_get(struct db *db, int64_t id, json_t **out /* out */);
/* Inserts the item v on w; *id gets its number. Returns 0 or an error. */
int catalogue_insert(struct db *w, json_t *v, int64_t *id /* out */);
/* Changes the members of v on item id; 0, ERR_NOTFOUND or an error. */
int catalogue_update(struct db *w, int64_t id, json_t *v);

/* Writes the reference city's catalogue on w (inside the caller's transaction): the 82 items
 * of 服务发展 gathered from the departments and about a dozen in each other list. A function
 * of seed alone (dates and telephone numbers vary with it; the items do not), the same at
 * every scale. *n (may be NULL) gets how many items were written. Returns 0 or an error. */
int catalogue_demo(struct db *w, uint64_t seed, size_t *n /* out */);

#endif
