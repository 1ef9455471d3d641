/* SPDX-License-Identifier: MIT */
/*
 * User accounts: creation with validated role, region, department and bound entity; argon2id
 * password hashes; the login rule (at most LOGIN_MAX_FAILURES failures per user from one
 * client address, and LOGIN_MAX_USER_FAILURES from all of them, in LOGIN_WINDOW seconds).
 * Used by the HTTP routes and by `jianguan user`.
 */
#ifndef JG_ACCOUNTS_H
#define JG_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "audit/audit.h"
#include "db/db.h"
#include "record/record.h"

#define LOGIN_MAX_FAILURES 5       /* per user and client address: a guesser locks only himself */
#define LOGIN_MAX_USER_FAILURES 50 /* per user over all addresses: distributed guessing */
#define LOGIN_WINDOW (15 * 60)
#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

/* The user record: fields (the body of POST /users, and of PATCH without the keys), columns. */
extern const struct field accounts_user_fields[];
extern struct record accounts_user;

struct demo; /* http/module.h */

struct user_new {
    const char *username;
    const char *display_name; /* NULL: the username */
    const char *role;
    const char *region;        /* NULL: the city */
    int64_t department;        /* 0: none */
    const char *entity;        /* NULL: none */
    const char *password;      /* NULL with password_hash "!": an account that cannot log in */
    const char *password_hash; /* NULL: hashed by accounts_create; callers that hold the
                                  writer hash first, as argon2id takes 50-100 ms */
};

/* Checks u and creates the user on w with an audit row by `by` (NULL: the system); *id gets the new
 * id. Returns 0, ERR_INVALID with *field naming the bad field, or ERR_CONFLICT for a taken
 * username. */
int accounts_create(struct db *w, const struct actor *by, const struct user_new *u,
                    int64_t *id /* out */, const char **field /* out */);
/* A list filter (http/list.h) for ?q= on a list of users under the alias u: a fragment of the
 * login name or of the person's name. */
#define ACCOUNTS_NAME_SEARCH " AND (instr(u.username, ?) > 0 OR instr(u.display_name, ?) > 0)"

/* Returns 0 if user id exists with role (an enum role bit), ERR_INVALID if not, or ERR_DB. */
int accounts_has_role(struct db *db, int64_t id, unsigned role);
/* Whether an enabled account of role (an enum role bit) serves region: 0, ERR_NOTFOUND or an
 * error (a county's own chain office routes its medium demands). */
int accounts_role_in_region(struct db *db, unsigned role, const char *region);
/* Calls fn(arg, id, department) for each enabled account of role whose department is one of
 * departments and whose region one of regions (JSON arrays of integers and of codes; NULL or
 * empty: any), in id order. Returns 0, ERR_INVALID for arrays of the wrong types or longer
 * than 64, or an error. fn must not use db. */
typedef int (*accounts_member_fn)(void *arg, int64_t id, int64_t department);
int accounts_each_of_role(struct db *db, unsigned role, json_t *departments, json_t *regions,
                          accounts_member_fn fn, void *arg);
/* Checks a new password's length and hashes it into hash (argon2id: 50-100 ms, so before
 * taking the writer). Returns 0, ERR_INVALID or ERR_INTERNAL. */
int accounts_new_password(const char *password, char hash[128]);
/* Sets the password hash (from accounts_new_password) of user id and revokes the user's
 * sessions and API tokens but the token keep (the caller's own session when users change
 * their own password; NULL: none). Returns 0, ERR_NOTFOUND or an error. */
int accounts_set_password(struct db *w, const struct actor *by, int64_t id, const char *hash,
                          const char *keep);
/* Finds the id of username on db; returns 0, ERR_NOTFOUND or an error. */
int accounts_find(struct db *db, const char *username, int64_t *id /* out */);
/* Reads user id as its record's JSON; returns 0, ERR_NOTFOUND or an error. */
int accounts_get(struct db *db, int64_t id, json_t **out /* out */);
/* Changes the members of v (checked against accounts_user_fields) on user id, with an audit
 * row of the changes. Returns 0, ERR_INVALID (*field names it), ERR_NOTFOUND or an error. */
int accounts_update(struct db *w, const struct actor *by, int64_t id, json_t *v,
                    const char **field /* out */);
/* Disables (revoking every session and token) or re-enables user id. Returns 0,
 * ERR_NOTFOUND, or an error. */
int accounts_set_disabled(struct db *w, const struct actor *by, int64_t id, int disabled);
/* Revokes every session and API token of user id but the token keep (NULL: none); *n gets how
 * many. */
int accounts_revoke(struct db *w, const struct actor *by, int64_t id, const char *keep,
                    int *n /* out */);

/* Issues a long-lived API token for user id (a station's scanner, a system that calls the API)
 * into token, with an audit row that does not hold it. Returns 0, ERR_NOTFOUND, ERR_CONFLICT
 * for a disabled user, or an error. The token is shown once: only its hash is kept. */
int accounts_issue_token(struct db *w, const struct actor *by, int64_t id,
                         char token[TOKEN_LEN + 1] /* out */);

/* How accounts learns whether a market entity exists without depending on the registry: the
 * registry module installs the look-up at start (it returns 0, ERR_NOTFOUND or an error). */
typedef int (*accounts_entity_fn)(struct db *db, const char *uscc);
void accounts_set_entity_lookup(accounts_entity_fn fn);

/* Creates demo login u on w with a random password, recorded in d->logins for the credentials
 * file; u->region defaults to the city. Returns 0 or an error (printed). */
int accounts_demo_login(struct db *w, struct demo *d, const struct user_new *u);
/* Hashes a password with argon2id; returns 0 or ERR_INTERNAL. out needs 128 bytes. */
int accounts_hash_password(const char *password, char out[128]);
/* Returns 1 if password matches the stored hash. A hash that is not an argon2id string (an
 * account without a password: "!") or NULL (no such user) never matches, and takes as long to
 * refuse as a wrong password. */
int accounts_password_ok(const char *hash, const char *password);
/* Chinese message for a bad field from accounts_create. */
const char *accounts_field_message(const char *field);

/* Counts failed logins for username in the window ending at now: *from_ip those from ip,
 * *all those from every address. */
int accounts_recent_failures(struct db *db, const char *username, const char *ip, int64_t now,
                             int64_t *from_ip /* out */, int64_t *all /* out */);
/* Records a failed login; audits the lock (auth.locked) when this failure makes one. */
int accounts_note_failure(struct db *w, const char *username, const char *ip, int64_t now);
/* Forgets the failures of username from ip (after a successful login there). */
int accounts_clear_failures(struct db *w, const char *username, const char *ip);
/* The locks now in force, as a JSON array of {username, ip (null: every address), failures,
 * until}. */
int accounts_locks_json(struct db *db, int64_t now, json_t **out /* out */);
/* Lifts every lock of username (all its recent failures), audited as user.unlock by by.
 * Returns 0, ERR_NOTFOUND when no lock was in force, or an error. */
int accounts_unlock(struct db *w, const struct actor *by, const char *username, int64_t now);

/* Sets how many login attempts one client address may make per minute (0: no limit). The
 * per-user rule above stops guessing one password; this one stops a client from trying many
 * users, or from spending the server's time on argon2id. */
void accounts_set_login_rate(unsigned per_minute);
/* Counts a login attempt from ip; returns 1 if allowed, 0 if over the rate. */
int accounts_login_rate_ok(const char *ip, int64_t now);

/* Login decision, pure: 1 if a login attempt may be checked at all, given the user's recent
 * failures from this address and from all of them. */
int accounts_login_allowed(int64_t from_ip, int64_t all);

#endif
