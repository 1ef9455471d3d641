/* SPDX-License-Identifier: MIT */
/*
 * The audit chain. Every write records one row in the same transaction as the write itself;
 * each row's hash covers the previous row's hash and its own fields, and a head row holds the
 * newest id and hash, so an edited, inserted or deleted row breaks the chain where it was.
 */
#ifndef JG_AUDIT_H
#define JG_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"
#include "http/http.h"

#define AUDIT_HASH_LEN 32

struct audit_row {
    int64_t id, at, actor; /* actor 0 = the system */
    const char *ip, *action, *object, *detail;
};

/* Computes a row's hash from the previous hash (zeros for the first row). Pure. */
void audit_hash(const unsigned char prev[AUDIT_HASH_LEN], const struct audit_row *row,
                unsigned char out[AUDIT_HASH_LEN]);

/* Appends a row on the write connection w (inside the caller's transaction). detail is a JSON
 * text, NULL for "{}". Returns 0 or an error. */
int audit_record(struct db *w, int64_t actor, const char *ip, const char *action,
                 const char *object, const char *detail);
/* The same for a request: the actor and ip come from req. */
int audit_record_req(struct db *w, const struct req *req, const char *action, const char *object,
                     const char *detail);

/* The audit rows of object (all objects when NULL), newest first, as a JSON array of
 * {id, at, actor, actor_name, ip, action, object, detail}; *total gets the count. NULL on a
 * database error. */
json_t *audit_history(struct db *db, const char *object, int64_t page, int64_t size,
                      int64_t *total /* out */);

/* Walks the chain. Returns 0 when intact; otherwise ERR_CONFLICT with the first bad row's id
 * in *bad_id and a reason ("hash mismatch", "missing", ...) in *why. */
int audit_verify(struct db *db, int64_t *bad_id /* out */, const char **why /* out */,
                 int64_t *rows /* out */);

#endif
