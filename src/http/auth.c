/* SPDX-License-Identifier: MIT */
/* Tokens, sessions and role names. */
#include "http/auth.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <sodium.h>
#include <string.h>

static const struct {
    unsigned bit;
    const char *name, *label;
} roles[] = {
    {ROLE_ADMIN, "admin", "系统管理员"},
    {ROLE_BUREAU, "bureau", "市场监管人员"},
    {ROLE_INSPECTOR, "inspector", "执法人员"},
    {ROLE_OFFICER, "officer", "驻企服务员"},
    {ROLE_CHAIN_OFFICE, "chain_office", "链长办"},
    {ROLE_DEPARTMENT, "department", "要素保障部门"},
    {ROLE_CITY_OFFICE, "city_office", "市链长办"},
    {ROLE_ENTERPRISE, "enterprise", "企业"},
    {ROLE_STATION, "station", "充装站"},
    {ROLE_SLAUGHTERHOUSE, "slaughterhouse", "屠宰企业"},
};
#define NROLES (sizeof roles / sizeof roles[0])

unsigned role_of(const char *name)
{
    for (size_t i = 0; name && i < NROLES; i++)
        if (strcmp(roles[i].name, name) == 0)
            return roles[i].bit;
    return 0;
}

const char *role_name(unsigned role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (roles[i].bit == role)
            return roles[i].name;
    return "unknown";
}

const char *role_label(unsigned role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (roles[i].bit == role)
            return roles[i].label;
    return "未知";
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

int auth_token_create(struct db *w, int64_t user_id, int kind, char token[TOKEN_LEN + 1],
                      char csrf[TOKEN_LEN + 1])
{
    static const char sql[] = "INSERT INTO sessions(token_hash, user_id, kind, csrf, created_at,"
                              " expires_at) VALUES (?, ?, ?, ?, ?, ?)";
    /* Each new token sweeps the user's expired ones, so the table does not grow forever. */
    static const char sweep_sql[] = "DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?";
    unsigned char hash[32];
    struct db_stmt *st;
    random_token(token);
    random_token(csrf);
    token_hash(token, hash);
    int64_t now = time_now();
    int rc = db_prepare(w, sweep_sql, &st);
    if (rc)
        return rc;
    db_bind_int(st, 1, user_id);
    db_bind_int(st, 2, now);
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
    return db_run(st);
}

static void copy_col(char *dst, size_t cap, struct db_stmt *st, int i)
{
    const char *s = db_col_text(st, i);
    size_t n = s ? strlen(s) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s ? s : "", n);
    dst[n] = '\0';
}

int auth_token_lookup(struct db *db, const char *token, struct principal *p)
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
        rc = 0;
    } else if (rc >= 0) {
        rc = ERR_UNAUTH;
    }
    db_done(st);
    return rc;
}

int auth_token_revoke(struct db *w, const char *token)
{
    static const char sql[] = "DELETE FROM sessions WHERE token_hash = ?";
    unsigned char hash[32];
    struct db_stmt *st;
    token_hash(token, hash);
    int rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    db_bind_blob(st, 1, hash, sizeof hash);
    return db_run(st);
}
