/* SPDX-License-Identifier: MIT */
/*
 * Bearer tokens and sessions: creation, look-up by hash, revocation. A look-up is one read of
 * an indexed row and never writes, so authenticated reads cost no fsync.
 */
#ifndef JG_AUTH_H
#define JG_AUTH_H

#include <stdint.h>

#include "db/db.h"
#include "http/http.h"

#define TOKEN_LEN 43 /* 32 random bytes, base64url without padding */
#define SESSION_TTL (12 * 3600)
#define API_TOKEN_TTL (10LL * 365 * 86400)
#define SESSION_COOKIE "jg_session"

enum token_kind { TOKEN_SESSION, TOKEN_API };

/* Creates a token of kind for user on the write connection w; writes the token (NUL-ended)
 * into token and the CSRF secret into csrf. Returns 0 or an error. */
int auth_token_create(struct db *w, int64_t user_id, int kind, char token[TOKEN_LEN + 1],
                      char csrf[TOKEN_LEN + 1]);
/* Looks the token up on db; fills p and returns 0, or ERR_UNAUTH when unknown, expired or
 * the user is disabled. */
int auth_token_lookup(struct db *db, const char *token, struct principal *p /* out */);
/* Deletes the token; returns 0 or an error. */
int auth_token_revoke(struct db *w, const char *token);

/* Maps role names to bits and back; role_of returns 0 for an unknown name. */
unsigned role_of(const char *name);
const char *role_name(unsigned role);
const char *role_label(unsigned role); /* Chinese */

#endif
