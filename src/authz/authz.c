/* SPDX-License-Identifier: MIT */
/* Roles, the data-scope rule, and the sessions table (tokens, look-up, revocation). A look-up
 * is one read of an indexed row and never writes, so authenticated reads cost no fsync. */
#include "authz/authz.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* In the order of enum role: role i is bit 1 << i. */
const struct enum_value authz_roles[] = {
    {"admin", "系统管理员"},
    {"bureau", "市场监管人员"},
    {"inspector", "执法人员"},
    {"officer", "驻企服务员"},
    {"chain_office", "链长办"},
    {"department", "要素保障部门"},
    {"city_office", "市链长办"},
    {"enterprise", "企业"},
    {"station", "充装站"},
    {"slaughterhouse", "屠宰企业"},
    {NULL, NULL},
};
#define NROLES (sizeof authz_roles / sizeof authz_roles[0] - 1)

unsigned role_of(const char *name)
{
    for (size_t i = 0; name && i < NROLES; i++)
        if (strcmp(authz_roles[i].value, name) == 0)
            return 1u << i;
    return 0;
}

const char *role_name(unsigned role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (1u << i == role)
            return authz_roles[i].value;
    return "unknown";
}

const char *role_label(unsigned role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (1u << i == role)
            return authz_roles[i].label;
    return "未知";
}

const char *scope_region(const struct principal *p)
{
    if (!p || p->role == ROLE_ADMIN || strcmp(p->region, CITY_REGION) == 0)
        return NULL;
    return p->region;
}

int scope_allows(const struct principal *p, const char *region)
{
    const char *own = scope_region(p);
    return !own || (region && strcmp(own, region) == 0) ? 0 : ERR_FORBIDDEN;
}

static void random_token(char out[TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void token_hash(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

void authz_token_hash(const char *token, unsigned char out[32])
{
    token_hash(token, out);
}

/* ---- the admission cache (authz.h) ---- */

struct cache_slot {
    char token[TOKEN_LEN + 1]; /* "" when free */
    struct principal p;        /* good until p.expires_at */
};

static _Thread_local struct cache_slot cache[AUTHZ_CACHE_SLOTS];

/* Tokens are random base64url: their first characters spread them over the slots. */
static struct cache_slot *slot_for(const char *token)
{
    unsigned h = 0;
    for (int i = 0; i < 4 && token[i]; i++)
        h = h * 64 + (unsigned char)token[i];
    return &cache[h % AUTHZ_CACHE_SLOTS];
}

int authz_token_cache_get(const char *token, int64_t now, struct principal *p)
{
    if (strlen(token) != TOKEN_LEN)
        return ERR_NOTFOUND;
    struct cache_slot *s = slot_for(token);
    if (strcmp(s->token, token) || s->p.expires_at <= now)
        return ERR_NOTFOUND;
    *p = s->p;
    return 0;
}

void authz_token_cache_put(const char *token, const struct principal *p)
{
    if (strlen(token) != TOKEN_LEN)
        return;
    struct cache_slot *s = slot_for(token);
    memcpy(s->token, token, TOKEN_LEN + 1);
    s->p = *p;
    s->p.via_cookie = 0;
}

void authz_token_cache_evict(const char *token)
{
    struct cache_slot *s = slot_for(token);
    if (!strcmp(s->token, token))
        s->token[0] = '\0';
}

int authz_token_create(struct db *w, int64_t user_id, int kind, const char *ip,
                       char token[TOKEN_LEN + 1], char csrf[TOKEN_LEN + 1])
{
    static const char sql[] = "INSERT INTO sessions(token_hash, user_id, kind, csrf, created_at,"
                              " expires_at, ip) VALUES (?, ?, ?, ?, ?, ?, ?)";
    /* Each new token sweeps the user's expired ones, so the table does not grow forever. */
    static const char sweep_sql[] = "DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?";
    unsigned char hash[32];
    struct db_stmt *st;
    random_token(token);
    random_token(csrf);
    token_hash(token, hash);
    int64_t now = time_now();
    int rc = db_prepare(w, sweep_sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, user_id);
    if (!rc)
        rc = db_bind_int(st, 2, now);
    if (!rc)
        rc = db_run(st);
    if (!rc)
        rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    db_bind_blob(st, 1, hash, sizeof hash);
    db_bind_int(st, 2, user_id);
    db_bind_text(st, 3, kind == TOKEN_API ? "api" : "session", -1);
    db_bind_text(st, 4, csrf, -1);
    db_bind_int(st, 5, now);
    db_bind_int(st, 6, now + (kind == TOKEN_API ? API_TOKEN_TTL : SESSION_TTL));
    db_bind_text(st, 7, ip ? ip : "", -1);
    return db_run(st);
}

static void copy_col(char *dst, size_t cap, struct db_stmt *st, int i)
{
    const char *s = db_col_text(st, i);
    snprintf(dst, cap, "%s", s ? s : "");
}

int authz_token_lookup(struct db *db, const char *token, struct principal *p)
{
    static const char sql[] =
        "SELECT u.id, u.role, u.username, u.display_name, u.region, u.department, u.entity,"
        " s.csrf, s.expires_at, u.disabled"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?";
    if (strlen(token) != TOKEN_LEN)
        return ERR_UNAUTH;
    unsigned char hash[32];
    token_hash(token, hash);
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    db_bind_blob(st, 1, hash, sizeof hash);
    rc = db_step(st);
    if (rc == DB_ROW && db_col_int(st, 8) > time_now() && db_col_int(st, 9) == 0) {
        memset(p, 0, sizeof *p);
        p->id = db_col_int(st, 0);
        p->role = role_of(db_col_text(st, 1));
        copy_col(p->username, sizeof p->username, st, 2);
        copy_col(p->display_name, sizeof p->display_name, st, 3);
        copy_col(p->region, sizeof p->region, st, 4);
        p->department = db_col_int(st, 5);
        copy_col(p->entity, sizeof p->entity, st, 6);
        copy_col(p->csrf, sizeof p->csrf, st, 7);
        p->expires_at = db_col_int(st, 8);
        rc = 0;
    } else if (rc >= 0) {
        rc = ERR_UNAUTH;
    }
    db_done(st);
    return rc;
}

int authz_token_revoke(struct db *w, const char *token)
{
    static const char sql[] = "DELETE FROM sessions WHERE token_hash = ?";
    unsigned char hash[32];
    struct db_stmt *st;
    token_hash(token, hash);
    int rc = db_prepare(w, sql, &st);
    if (!rc)
        rc = db_bind_blob(st, 1, hash, sizeof hash);
    return rc ? rc : db_run(st);
}

int authz_revoke_user(struct db *w, int64_t user_id, const char *keep, int *n)
{
    static const char sql[] = "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?";
    unsigned char hash[32] = {0};
    struct db_stmt *st;
    if (keep)
        token_hash(keep, hash);
    int rc = db_prepare(w, sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, user_id);
    if (!rc)
        rc = db_bind_blob(st, 2, hash, sizeof hash);
    if (!rc)
        rc = db_run(st);
    if (!rc && n)
        *n = db_changes(w);
    return rc;
}

int authz_sessions_json(struct db *db, int64_t user_id, json_t **out)
{
    /* The public handle is the first 8 bytes of the token's hash, in hex: enough to tell
     * sessions apart on screen, useless for logging in. */
    static const char sql[] =
        "SELECT substr(token_hash, 1, 8), kind, ip, created_at, expires_at"
        " FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, user_id);
    if (!rc)
        rc = db_bind_int(st, 2, time_now());
    if (rc)
        return rc;
    json_t *a = json_array();
    char at[RFC3339_LEN + 1], until[RFC3339_LEN + 1], id[17];
    while ((rc = db_step(st)) == DB_ROW) {
        int len = db_col_len(st, 0);
        sodium_bin2hex(id, sizeof id, db_col_blob(st, 0), len < 8 ? (size_t)len : 8);
        time_format_rfc3339(db_col_int(st, 3), at);
        time_format_rfc3339(db_col_int(st, 4), until);
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id, "kind",
                                           db_col_text(st, 1), "ip", db_col_text(st, 2),
                                           "created_at", at, "expires_at", until));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}
