/* SPDX-License-Identifier: MIT */
/*
 * Login, logout, the current user, and user administration:
 *   POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me,
 *   GET /api/v1/users, POST /api/v1/users.
 */
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "http/auth.h"
#include "http/rows.h"
#include "http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char user_sql[] =
    "SELECT u.id, u.username, u.display_name, u.role, u.region, r.name AS region_name,"
    " u.department, u.entity FROM users u JOIN regions r ON r.code = u.region WHERE u.id = ?";

/* Adds the Chinese name of o's role as "role_name". */
static void add_role_name(json_t *o)
{
    const char *role = json_string_value(json_object_get(o, "role"));
    json_object_set_new(o, "role_name", json_string(role_label(role_of(role))));
}

/* Returns the public JSON of user id read on db, or NULL. */
static json_t *user_json(struct db *db, int64_t id)
{
    struct db_stmt *st;
    json_t *o = NULL;
    if (db_prepare(db, user_sql, &st))
        return NULL;
    db_bind_int(st, 1, id);
    if (db_step(st) == DB_ROW)
        o = row_to_json(st);
    db_done(st);
    if (o)
        add_role_name(o);
    return o;
}

/* "; Secure" when the public address is HTTPS (behind a TLS proxy), so browsers never send the
 * session over plain HTTP; "" for a plain-HTTP deployment such as `make run`. */
static const char *cookie_secure(void)
{
    return strncmp(server_public_url(), "https://", 8) == 0 ? "; Secure" : "";
}

static const struct field_spec login_body[] = {
    {"username", FIELD_STRING, FIELD_REQUIRED, 64, "用户名"},
    {"password", FIELD_STRING, FIELD_REQUIRED, PASSWORD_MAX, "密码"},
    {0},
};

static int auth_login(struct req *req, struct resp *resp)
{
    static const char find_sql[] =
        "SELECT id, password_hash, disabled FROM users WHERE username = ?";
    const char *username = json_string_value(json_object_get(req->json, "username"));
    const char *password = json_string_value(json_object_get(req->json, "password"));
    int64_t now = time_now(), failures = 0, id = 0;
    /* Before any database or argon2id work: one address may only try so often. */
    if (!accounts_login_rate_ok(req->ip, now)) {
        resp_header(resp, "Retry-After", "60");
        return reply_error(resp, ERR_RATE, "too_many_requests",
                           "该地址登录尝试过于频繁，请一分钟后再试", NULL);
    }
    /* Take an attempt first, in the writer's transaction: concurrent guesses then cannot all
     * pass the count before any of them is recorded. The attempt stays recorded as a failure
     * unless the password turns out right. */
    struct db *w = db_write_begin();
    if (!w)
        return ERR_DB;
    int rc = accounts_recent_failures(w, username, now, &failures);
    int allowed = !rc && accounts_login_allowed(failures);
    if (allowed)
        rc = accounts_note_failure(w, username, req->ip, now);
    rc = db_write_end(w, rc);
    if (rc)
        return rc;
    if (!allowed) {
        resp_header(resp, "Retry-After", "900");
        return reply_error(resp, ERR_RATE, "too_many_attempts",
                           "登录失败次数过多，请 15 分钟后再试", NULL);
    }
    struct db *db = db_read();
    if (!db)
        return ERR_DB;
    struct db_stmt *st;
    int ok = 0;
    if (db_prepare(db, find_sql, &st))
        return ERR_DB;
    db_bind_text(st, 1, username, -1);
    if (db_step(st) == DB_ROW) {
        id = db_col_int(st, 0);
        ok = db_col_int(st, 2) == 0 && accounts_password_ok(db_col_text(st, 1), password);
    } else {
        /* Spend the same time on unknown names, so timing does not reveal who exists. */
        char dummy[128];
        accounts_hash_password(password, dummy);
    }
    db_done(st);

    char token[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1], object[32];
    w = db_write_begin();
    if (!w)
        return ERR_DB;
    if (!ok) {
        /* The actor of a failed login is nobody: the name tried goes in the detail. */
        json_t *d = json_pack("{s:s,s:b}", "username", username, "known", id != 0);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = audit_record(w, 0, req->ip, "auth.login_failed", "auth", detail);
        free(detail);
        rc = db_write_end(w, rc);
        if (rc)
            return rc;
        return reply_error(resp, ERR_UNAUTH, "bad_credentials", "用户名或密码错误", NULL);
    }
    snprintf(object, sizeof object, "user:%lld", (long long)id);
    rc = auth_token_create(w, id, TOKEN_SESSION, token, csrf);
    if (!rc)
        rc = accounts_clear_failures(w, username);
    if (!rc)
        rc = audit_record(w, id, req->ip, "auth.login", object, NULL);
    rc = db_write_end(w, rc);
    if (rc)
        return rc;
    json_t *user = user_json(db, id);
    if (!user)
        return ERR_DB;
    char cookie[160];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
             SESSION_COOKIE, token, SESSION_TTL, cookie_secure());
    resp_header(resp, "Set-Cookie", cookie);
    resp_header(resp, "Cache-Control", "no-store");
    return reply_json(resp, 200,
                      json_pack("{s:s,s:s,s:o}", "token", token, "csrf_token", csrf, "user", user));
}

static int auth_logout(struct req *req, struct resp *resp)
{
    char object[32];
    snprintf(object, sizeof object, "user:%lld", (long long)req->user->id);
    struct db *w = db_write_begin();
    if (!w)
        return ERR_DB;
    int rc = auth_token_revoke(w, req->token);
    if (!rc)
        rc = audit_record_req(w, req, "auth.logout", object, NULL);
    rc = db_write_end(w, rc);
    if (rc)
        return rc;
    char cookie[128];
    snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             SESSION_COOKIE, cookie_secure());
    resp_header(resp, "Set-Cookie", cookie);
    resp->status = 204;
    return 0;
}

static int auth_me(struct req *req, struct resp *resp)
{
    struct db *db = db_read();
    json_t *user = db ? user_json(db, req->user->id) : NULL;
    if (!user)
        return ERR_DB;
    resp_header(resp, "Cache-Control", "no-store");
    return reply_json(resp, 200,
                      json_pack("{s:o,s:s}", "user", user, "csrf_token", req->user->csrf));
}

static int users_list(struct req *req, struct resp *resp)
{
    static const char count_sql[] =
        "SELECT count(*) FROM users WHERE (?1 IS NULL OR role = ?1) AND (?2 IS NULL OR"
        " region = ?2)";
    static const char list_sql[] =
        "SELECT u.id, u.username, u.display_name, u.role, u.region, r.name AS region_name,"
        " u.department, u.entity, CASE u.disabled WHEN 0 THEN 'false' ELSE 'true' END"
        " AS disabled_json FROM users u JOIN regions r ON r.code = u.region"
        " WHERE (?1 IS NULL OR u.role = ?1) AND (?2 IS NULL OR u.region = ?2)"
        " ORDER BY u.id LIMIT ?3 OFFSET ?4";
    int64_t page, size, total = 0;
    int rc = req_page_or_reply(req, resp, &page, &size);
    if (rc)
        return rc;
    struct db *db = db_read();
    struct db_stmt *st;
    if (!db || db_prepare(db, count_sql, &st))
        return ERR_DB;
    db_bind_text(st, 1, req_query(req, "role"), -1);
    db_bind_text(st, 2, req_query(req, "region"), -1);
    if (db_step(st) == DB_ROW)
        total = db_col_int(st, 0);
    db_done(st);
    if (db_prepare(db, list_sql, &st))
        return ERR_DB;
    db_bind_text(st, 1, req_query(req, "role"), -1);
    db_bind_text(st, 2, req_query(req, "region"), -1);
    db_bind_int(st, 3, size);
    db_bind_int(st, 4, (page - 1) * size);
    json_t *items = rows_to_json(st);
    if (!items)
        return ERR_DB;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) add_role_name(item);
    return reply_page(resp, items, total, page, size);
}

static const struct field_spec user_body[] = {
    {"username", FIELD_STRING, FIELD_REQUIRED, 32, "用户名"},
    {"password", FIELD_STRING, FIELD_REQUIRED, PASSWORD_MAX, "密码"},
    {"role", FIELD_STRING, FIELD_REQUIRED, 32, "角色"},
    {"display_name", FIELD_STRING, FIELD_NULLABLE, 64, "姓名"},
    {"region", FIELD_STRING, FIELD_NULLABLE, 16, "行政区划"},
    {"department", FIELD_INT, FIELD_NULLABLE, 0, "部门"},
    {"entity", FIELD_STRING, FIELD_NULLABLE, 18, "市场主体"},
    {0},
};

static int users_create(struct req *req, struct resp *resp)
{
    json_t *j = req->json;
    struct user_new u = {
        .username = json_string_value(json_object_get(j, "username")),
        .password = json_string_value(json_object_get(j, "password")),
        .role = json_string_value(json_object_get(j, "role")),
        .display_name = json_string_value(json_object_get(j, "display_name")),
        .region = json_string_value(json_object_get(j, "region")),
        .department = json_integer_value(json_object_get(j, "department")),
        .entity = json_string_value(json_object_get(j, "entity")),
    };
    int64_t id = 0;
    const char *field = NULL;
    char hash[128];
    if (accounts_hash_password(u.password, hash) == 0) /* before taking the writer */
        u.password_hash = hash;
    struct db *w = db_write_begin();
    if (!w)
        return ERR_DB;
    int rc = accounts_create(w, req->user->id, &u, &id, &field);
    rc = db_write_end(w, rc);
    if (rc == ERR_CONFLICT)
        return reply_error(resp, rc, "username_taken", "用户名已存在", "username");
    if (rc == ERR_INVALID)
        return reply_error(resp, rc, "validation_failed", accounts_field_message(field), field);
    if (rc)
        return rc;
    struct db *db = db_read();
    json_t *user = db ? user_json(db, id) : NULL;
    return user ? reply_json(resp, 201, user) : ERR_DB;
}

const struct route accounts_routes[] = {
    {"POST", "/api/v1/auth/login", auth_login, ROLES_PUBLIC, login_body, ROUTE_BODY_JSON, 0},
    {"POST", "/api/v1/auth/logout", auth_logout, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/auth/me", auth_me, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/users", users_list, ROLE_ADMIN, NULL, 0, 0},
    {"POST", "/api/v1/users", users_create, ROLE_ADMIN, user_body, ROUTE_BODY_JSON, 0},
    {0},
};
