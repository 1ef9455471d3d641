/* SPDX-License-Identifier: MIT */
/*
 * Who is calling and what they may see: the roles of SPEC.md, the principal a request acts as,
 * the data-scope rule (数据权限), and the sessions and API tokens that name a principal. Used by
 * the HTTP layer (to authenticate) and by the modules (to decide); it knows nothing of HTTP.
 * The sessions table is written here and nowhere else.
 */
#ifndef JG_AUTHZ_H
#define JG_AUTHZ_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"
#include "record/record.h"

/* Roles of SPEC.md as bits, so that a route names who may call it in one word. */
enum role {
    ROLE_ADMIN = 1 << 0,
    ROLE_BUREAU = 1 << 1,
    ROLE_INSPECTOR = 1 << 2,
    ROLE_OFFICER = 1 << 3,
    ROLE_CHAIN_OFFICE = 1 << 4,
    ROLE_DEPARTMENT = 1 << 5,
    ROLE_CITY_OFFICE = 1 << 6,
    ROLE_ENTERPRISE = 1 << 7,
    ROLE_STATION = 1 << 8,
    ROLE_SLAUGHTERHOUSE = 1 << 9
};
#define ROLES_PUBLIC 0u /* no login needed */
#define ROLES_STAFF                                                                                \
    (ROLE_ADMIN | ROLE_BUREAU | ROLE_INSPECTOR | ROLE_OFFICER | ROLE_CHAIN_OFFICE |                \
     ROLE_DEPARTMENT | ROLE_CITY_OFFICE)
/* Accounts bound to one market entity, which see that entity only. */
#define ROLES_ENTITY_OWNERS (ROLE_ENTERPRISE | ROLE_STATION | ROLE_SLAUGHTERHOUSE)
#define ROLES_ANY (ROLES_STAFF | ROLES_ENTITY_OWNERS)

#define CITY_REGION "371500"

/* Who is calling: filled from the session or API token. */
struct principal {
    int64_t id;
    unsigned role; /* one enum role bit */
    char username[64];
    char display_name[128];
    char region[16];
    int64_t department; /* 0 when none */
    char entity[20];    /* USCC of the bound market entity, "" when none */
    char csrf[48];
    int64_t expires_at; /* the session's or token's end (Unix seconds) */
    int via_cookie;     /* authenticated by the session cookie (writes need X-CSRF-Token) */
};

/* Maps role names to bits and back; role_of returns 0 for an unknown name. */
unsigned role_of(const char *name);
const char *role_name(unsigned role);
const char *role_label(unsigned role); /* Chinese */
/* Every role's name and Chinese label, in the order of enum role (role i is bit 1 << i). */
extern const struct enum_value authz_roles[];

/* Data scope: the region a principal is limited to, or NULL for city-wide staff. Pure. */
const char *scope_region(const struct principal *p);
/* Returns 0 if p may see records of region, ERR_FORBIDDEN otherwise. Pure. */
int scope_allows(const struct principal *p, const char *region);

#define TOKEN_LEN 43 /* 32 random bytes, base64url without padding */
#define SESSION_TTL (12 * 3600)
#define API_TOKEN_TTL (10LL * 365 * 86400)
#define SESSION_COOKIE "jg_session"

enum token_kind { TOKEN_SESSION, TOKEN_API };

/* Creates a token of kind for user on the write connection w; writes the token (NUL-ended)
 * into token and the CSRF secret into csrf. ip and agent describe the client, for the list of
 * active sessions (NULL: none). Returns 0 or an error. */
int authz_token_create(struct db *w, int64_t user_id, int kind, const char *ip,
                       char token[TOKEN_LEN + 1], char csrf[TOKEN_LEN + 1]);
/* Looks the token up on db; fills p and returns 0, or ERR_UNAUTH when unknown, expired or
 * the user is disabled. */
int authz_token_lookup(struct db *db, const char *token, struct principal *p /* out */);
/* The token's BLAKE2b-256, as the sessions table keys it. */
void authz_token_hash(const char *token, unsigned char out[32]);

/* A small cache of this thread's recent successful token look-ups, for admission only: a hit
 * says who the token named a moment ago, not who it names now (a revocation or an edit in any
 * process is not seen here). The router uses it only on routes whose handler reads the
 * caller's session and user again in its own statement and checks the cached principal still
 * holds (ROUTE_AUTH_RECHECKED); refusals are never cached. Per thread, so no lock. */
#define AUTHZ_CACHE_SLOTS 32
/* Fills p from the cache and returns 0, or ERR_NOTFOUND (absent, or expired by now). */
int authz_token_cache_get(const char *token, int64_t now, struct principal *p /* out */);
/* Remembers that token named p, until p->expires_at. */
void authz_token_cache_put(const char *token, const struct principal *p);
/* Forgets token on this thread. */
void authz_token_cache_evict(const char *token);

/* Deletes the token; returns 0 or an error. */
int authz_token_revoke(struct db *w, const char *token);
/* Deletes every session and API token of user but the token keep (NULL: none); *n (may be
 * NULL) gets how many. */
int authz_revoke_user(struct db *w, int64_t user_id, const char *keep, int *n /* out */);
/* The live sessions and tokens of user as a JSON array of {id, kind, ip, created_at,
 * expires_at}; id is a short public handle, never the token. Returns 0 or an error. */
int authz_sessions_json(struct db *db, int64_t user_id, json_t **out /* out */);

#endif
