/* SPDX-License-Identifier: MIT */
/*
 * The audit chain. Every write records one row in the same transaction as the write itself;
 * each row's hash covers the previous row's hash and its own fields, and a head row holds the
 * newest id and hash, so an edited, inserted or deleted row breaks the chain where it was.
 *
 * The hashes are keyed (BLAKE2b-256 with a 32-byte key kept in a file beside the database,
 * not in it): whoever can write the database file but not read the key cannot recompute the
 * chain after an edit, nor move the head back after deleting the newest rows.
 */
#ifndef JG_AUDIT_H
#define JG_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"
#include "record/record.h"
#include "authz/authz.h"

#define AUDIT_HASH_LEN 32
#define AUDIT_KEY_LEN 32

struct audit_row {
    int64_t id, at, actor; /* actor 0 = the system */
    const char *ip, *action, *object, *detail;
};

/* Who acts, for the audit log: a user (0: the system) and the client's address (NULL: none,
 * as for the command line). Functions that write take a `const struct actor *`, NULL for the
 * system. */
struct actor {
    int64_t id;
    const char *ip;
};

/* Sets the process's chain key; until it is set, audit_record and audit_verify fail. */
void audit_set_key(const unsigned char key[AUDIT_KEY_LEN]);
/* Reads the key from path, or when create is set and the file is missing, makes a random one
 * there (mode 0600). Returns 0, ERR_NOTFOUND (missing) or ERR_IO. */
int audit_load_key(const char *path, int create);
/* Writes the process's key to the new file path (mode 0600); returns 0 or ERR_IO. */
int audit_save_key(const char *path);
/* The key file of a database: $JIANGUAN_AUDIT_KEY, else "<db>.audit-key". */
void audit_key_path(const char *db, char *out, size_t cap);

/* Computes a row's hash under key from the previous hash (zeros for the first row). Pure. */
void audit_hash(const unsigned char key[AUDIT_KEY_LEN], const unsigned char prev[AUDIT_HASH_LEN],
                const struct audit_row *row, unsigned char out[AUDIT_HASH_LEN]);

/* Appends a row on the write connection w (inside the caller's transaction). detail is a JSON
 * text, NULL for "{}". Returns 0 or an error. */
int audit_record(struct db *w, int64_t actor, const char *ip, const char *action,
                 const char *object, const char *detail);
/* The same for a principal (NULL: the system) calling from ip. */
int audit_record_as(struct db *w, const struct principal *p, const char *ip, const char *action,
                    const char *object, const char *detail);
/* A change with its audit row, the way every PATCH ends: updates row key of record r with the
 * members of v (rec_update), then writes action on object as p from ip with the change from
 * before (rec_diff of v against the row as it was). Returns 0 or an error as rec_update's
 * (ERR_CONFLICT: a unique value taken) or the audit's. */
int audit_update(struct db *w, const struct principal *p, const char *ip, struct record *r,
                 const char *key, json_t *v, json_t *before, const char *action,
                 const char *object);

/* The audit row record (read only): GET /api/v1/audit, the login log, record histories. */
extern struct record audit_row;

/* Walks the chain. Returns 0 when intact; otherwise ERR_CONFLICT with the first bad row's id
 * in *bad_id and a reason ("hash mismatch", "missing", ...) in *why. A chain needs at least
 * one row (`init` writes the first), so an emptied log is not intact. */
int audit_verify(struct db *db, int64_t *bad_id /* out */, const char **why /* out */,
                 int64_t *rows /* out */);

#endif
