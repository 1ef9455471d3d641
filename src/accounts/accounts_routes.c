/* SPDX-License-Identifier: MIT */
/*
 * Login, logout, the current user and their password, and user administration (RuoYi's
 * 用户管理): list, create, read, edit, disable and re-enable, reset a password, revoke sessions
 * and tokens, list active sessions.
 */
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "authz/authz.h"
#include "http/list.h"
#include "http/module.h"
#include "http/server.h"
#include "refdata/refdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Adds the Chinese name of o's role as "role_name". */
static void add_role_name(struct req *req, json_t *o)
{
    (void)req;
    const char *role = json_string_value(json_object_get(o, "role"));
    json_object_set_new(o, "role_name", json_string(role_label(role_of(role))));
}

/* Returns in *out the public JSON of user id read on db: 0, ERR_NOTFOUND or an error. */
static int user_json(struct db *db, int64_t id, json_t **out)
{
    int rc = accounts_get(db, id, out);
    if (!rc)
        add_role_name(NULL, *out);
    return rc;
}

/* "; Secure" when the public address is HTTPS (behind a TLS proxy), so browsers never send the
 * session over plain HTTP; "" for a plain-HTTP deployment such as `make run`. */
static const char *cookie_secure(void)
{
    return strncmp(server_public_url(), "https://", 8) == 0 ? "; Secure" : "";
}

static const struct field login_body[] = {
    {"username", FIELD_STRING, FIELD_REQUIRED, 64, "用户名"},
    {"password", FIELD_STRING, FIELD_REQUIRED | FIELD_WRITEONLY, PASSWORD_MAX, "密码"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Before any argon2id work: one address may only try so often, and one user only fails so
 * often from one address (a guesser locks himself out, not the user), or from all of them
 * together (distributed guessing). The attempt is taken in the writer's transaction, so concurrent
 * guesses cannot all pass the count before any of them is recorded; it stays recorded as a failure
 * unless the password turns out right. Answers 429 and returns an error when refused. */
static int take_attempt_or_reply(struct req *req, struct resp *resp, const char *username,
                                 int64_t now)
{
    int64_t failures = 0, all = 0;
    if (!accounts_login_rate_ok(req->ip, now)) {
        resp_header(resp, "Retry-After", "60");
        return reply_error(resp, ERR_RATE, "too_many_requests",
                           "该地址登录尝试过于频繁，请一分钟后再试", NULL);
    }
    struct db *w = db_write_begin();
    if (!w)
        return ERR_DB;
    int rc = accounts_recent_failures(w, username, req->ip, now, &failures, &all);
    int allowed = !rc && accounts_login_allowed(failures, all);
    if (allowed)
        rc = accounts_note_failure(w, username, req->ip, now);
    rc = db_write_end(w, rc);
    if (!rc && !allowed) {
        resp_header(resp, "Retry-After", "900");
        return reply_error(resp, ERR_RATE, "too_many_attempts",
                           "登录失败次数过多，请 15 分钟后再试", NULL);
    }
    return rc;
}

/* Checks username's password: *id gets the user's id (0 if unknown), *ok whether the password
 * is right and the account enabled. Unknown names cost the same time, so timing does not
 * reveal who exists. Returns 0 or a database error. */
static int check_password(const char *username, const char *password, int64_t *id, int *ok)
{
    static const char sql[] = "SELECT id, password_hash, disabled FROM users WHERE username = ?";
    struct db_stmt *st;
    int rc = db_prepare(db_read(), sql, &st);
    if (!rc)
        rc = db_bind_text(st, 1, username, -1);
    if (!rc)
        rc = db_step(st);
    *id = 0;
    *ok = 0;
    if (rc == DB_ROW) {
        *id = db_col_int(st, 0);
        *ok = db_col_int(st, 2) == 0 && accounts_password_ok(db_col_text(st, 1), password);
    } else if (rc == DB_DONE) {
        accounts_password_ok(NULL, password); /* as long as a wrong password takes */
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* Records a failed login (its actor is nobody: the name tried goes in the detail); answers 401. */
static int login_failed_reply(struct req *req, struct resp *resp, const char *username, int64_t id)
{
    json_t *d = json_pack("{s:s,s:b}", "username", username, "known", id != 0);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct db *w = db_write_begin();
    int rc = w ? audit_record(w, 0, req->ip, "auth.login_failed", "auth", detail) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    free(detail);
    return rc ? rc : reply_error(resp, ERR_UNAUTH, "bad_credentials", "用户名或密码错误", NULL);
}

static int auth_login(struct req *req, struct resp *resp)
{
    const char *username = json_string_value(json_object_get(req->json, "username"));
    const char *password = json_string_value(json_object_get(req->json, "password"));
    int64_t id;
    int ok;
    int rc = take_attempt_or_reply(req, resp, username, time_now());
    if (!rc)
        rc = check_password(username, password, &id, &ok);
    if (!rc && !ok)
        return login_failed_reply(req, resp, username, id);
    if (rc)
        return rc;
    char token[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1], object[32], cookie[160];
    snprintf(object, sizeof object, "user:%lld", (long long)id);
    struct db *w = db_write_begin();
    rc = w ? authz_token_create(w, id, TOKEN_SESSION, req->ip, token, csrf) : ERR_DB;
    if (!rc)
        rc = accounts_clear_failures(w, username, req->ip);
    if (!rc)
        rc = audit_record(w, id, req->ip, "auth.login", object, NULL);
    if (w)
        rc = db_write_end(w, rc);
    json_t *user = NULL;
    if (!rc)
        rc = user_json(db_read(), id, &user);
    if (rc)
        return rc;
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
    int rc = authz_token_revoke(w, req->token);
    if (!rc)
        rc = audit_record_as(w, req->user, req->ip, "auth.logout", object, NULL);
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
    json_t *user = NULL;
    int rc = user_json(db_read(), req->user->id, &user);
    if (rc)
        return rc == ERR_NOTFOUND ? ERR_UNAUTH : rc;
    resp_header(resp, "Cache-Control", "no-store");
    return reply_json(resp, 200,
                      json_pack("{s:o,s:s}", "user", user, "csrf_token", req->user->csrf));
}

static const struct field password_body[] = {
    {"old_password", FIELD_STRING, FIELD_REQUIRED | FIELD_WRITEONLY, PASSWORD_MAX, "原密码"},
    {"new_password", FIELD_STRING, FIELD_REQUIRED | FIELD_WRITEONLY, PASSWORD_MAX, "新密码"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Answers the outcome of an accounts write on user id (its JSON, or the error). */
static int user_write_reply(struct resp *resp, int rc, int64_t id, int status, const char *field)
{
    if (rc == ERR_CONFLICT)
        return reply_error(resp, rc, "username_taken", "用户名已存在", "username");
    if (rc == ERR_INVALID)
        return reply_error(resp, rc, "validation_failed", accounts_field_message(field), field);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "用户不存在", NULL);
    json_t *user = NULL;
    if (!rc)
        rc = user_json(db_read(), id, &user);
    return rc ? rc : reply_json(resp, status, user);
}

/* A user changes their own password: the old one must be right; every other session and
 * API token of theirs is revoked, this session stays. */
static int auth_password(struct req *req, struct resp *resp)
{
    static const char sql[] = "SELECT password_hash FROM users WHERE id = ?";
    const char *old = json_string_value(json_object_get(req->json, "old_password"));
    const char *new = json_string_value(json_object_get(req->json, "new_password"));
    struct db_stmt *st;
    int rc = db_prepare(db_read(), sql, &st);
    if (!rc)
        rc = db_bind_int(st, 1, req->user->id);
    if (!rc)
        rc = db_step(st);
    int ok = rc == DB_ROW && accounts_password_ok(db_col_text(st, 0), old);
    db_done(st);
    if (rc < 0)
        return rc;
    if (!ok)
        return reply_error(resp, ERR_INVALID, "bad_credentials", "原密码错误", "old_password");
    char hash[128];
    struct actor by = {req->user->id, req->ip};
    struct db *w = NULL;
    rc = accounts_new_password(new, hash);
    if (!rc)
        w = db_write_begin();
    if (w)
        rc = db_write_end(w, accounts_set_password(w, &by, req->user->id, hash, req->token));
    else if (!rc)
        rc = ERR_DB;
    return user_write_reply(resp, rc, req->user->id, 200, "new_password");
}

/* The {id} path parameter (http.h: req_id_or_reply). */
static int id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "用户不存在", id);
}

static const struct list_filter user_filters[] = {
    {"role"},
    {"region", NULL, NULL, refdata_parse_region},
    {"department"},
    {"disabled"},
    {"q", ACCOUNTS_NAME_SEARCH},
    {NULL},
};

static const struct list_sort user_sorts[] = {
    {"id", "u.id"}, {"username", "u.username"}, {"role", "u.role"}, {"created_at", "u.created_at"},
    {NULL, NULL},
};

static const struct list_def users_list_def = {
    .rec = &accounts_user,
    .order = "u.id",
    .filename = "用户",
    .filters = user_filters,
    .sorts = user_sorts,
    .count_cap = -1,
    .decorate = add_role_name,
};

/* Officers as staff pick them (an entity's 驻企服务员): names and regions, nothing more. */
static const struct field officer_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "u.id"},
    {"username", FIELD_STRING, FIELD_READONLY, 0, "用户名", "u.username"},
    {"display_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "姓名", "u.display_name"},
    {"region", FIELD_STRING, FIELD_READONLY, 16, "区划代码", "u.region"},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static struct record officer_row = {
    .name = "officer",
    .label = "驻企服务员",
    .table = "users",
    .from = " FROM users u",
    .joins = " JOIN regions r ON r.code = u.region",
    .key = "id",
    .key_expr = "u.id",
    .fields = officer_fields,
};

static const struct list_filter officer_filters[] = {
    {"region", NULL, NULL, refdata_parse_region},
    {"q", ACCOUNTS_NAME_SEARCH},
    {NULL},
};

/* County staff pick among their county's officers. */
static int officers_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    (void)resp;
    const char *region = scope_region(req->user);
    if (region)
        list_set(q, "region", region);
    return 0;
}

static const struct list_def officers_list_def = {
    .rec = &officer_row,
    .where = " AND u.role = 'officer' AND u.disabled = 0",
    .order = "u.display_name, u.id",
    .filters = officer_filters,
    .no_export = 1,
    .prepare = officers_prepare,
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
    struct actor by = {req->user->id, req->ip};
    int rc = w ? accounts_create(w, &by, &u, &id, &field) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    return user_write_reply(resp, rc, id, 201, field);
}

static int users_get(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    return rc ? rc : user_write_reply(resp, 0, id, 200, NULL);
}

static int users_patch(struct req *req, struct resp *resp)
{
    int64_t id;
    const char *field = NULL;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    if (id == req->user->id && json_object_get(req->json, "role"))
        return reply_error(resp, ERR_CONFLICT, "own_account", "不能修改自己的角色", "role");
    if (!field_any_given(accounts_user_fields, req->json))
        return reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    struct actor by = {req->user->id, req->ip};
    struct db *w = db_write_begin();
    rc = w ? accounts_update(w, &by, id, req->json, &field) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    return user_write_reply(resp, rc, id, 200, field);
}

static int users_set_disabled(struct req *req, struct resp *resp, int disabled)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    if (id == req->user->id)
        return reply_error(resp, ERR_CONFLICT, "own_account", "不能停用或启用自己的账号", NULL);
    struct actor by = {req->user->id, req->ip};
    struct db *w = db_write_begin();
    rc = w ? accounts_set_disabled(w, &by, id, disabled) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    return user_write_reply(resp, rc, id, 200, NULL);
}

static int users_disable(struct req *req, struct resp *resp)
{
    return users_set_disabled(req, resp, 1);
}

static int users_enable(struct req *req, struct resp *resp)
{
    return users_set_disabled(req, resp, 0);
}

static const struct field reset_body[] = {
    {"password", FIELD_STRING, FIELD_REQUIRED | FIELD_WRITEONLY, PASSWORD_MAX, "新密码"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int users_reset_password(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    const char *password = json_string_value(json_object_get(req->json, "password"));
    const char *keep = id == req->user->id ? req->token : NULL;
    char hash[128];
    struct actor by = {req->user->id, req->ip};
    struct db *w = NULL;
    rc = accounts_new_password(password, hash);
    if (!rc)
        w = db_write_begin();
    if (w)
        rc = db_write_end(w, accounts_set_password(w, &by, id, hash, keep));
    else if (!rc)
        rc = ERR_DB;
    return user_write_reply(resp, rc, id, 200, "password");
}

static int users_revoke(struct req *req, struct resp *resp)
{
    int64_t id;
    int n = 0;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    /* An administrator revoking their own sessions keeps the one they are using. */
    struct actor by = {req->user->id, req->ip};
    struct db *w = db_write_begin();
    rc = w ? accounts_revoke(w, &by, id, id == req->user->id ? req->token : NULL, &n) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "用户不存在", NULL);
    return rc ? rc : reply_json(resp, 200, json_pack("{s:i}", "revoked", n));
}

/* A new API token for a station's scanner or another system: answered once, never again. */
static int users_token(struct req *req, struct resp *resp)
{
    int64_t id;
    char token[TOKEN_LEN + 1];
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    struct actor by = {req->user->id, req->ip};
    struct db *w = db_write_begin();
    rc = w ? accounts_issue_token(w, &by, id, token) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "用户不存在", NULL);
    if (rc == ERR_CONFLICT)
        return reply_error(resp, rc, "user_disabled", "该用户已停用，不能签发令牌", NULL);
    if (rc)
        return rc;
    resp_header(resp, "Cache-Control", "no-store");
    return reply_json(
        resp, 201,
        json_pack("{s:s,s:I,s:s}", "token", token, "user", (json_int_t)id, "kind", "api"));
}

/* The login locks in force: who, from which address (null: every address), until when. */
static int login_locks(struct req *req, struct resp *resp)
{
    (void)req;
    json_t *items = NULL;
    int rc = accounts_locks_json(db_read(), time_now(), &items);
    return rc ? rc : reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

static int login_unlock(struct req *req, struct resp *resp)
{
    const char *username = req_param(req, "username");
    struct actor by = {req->user->id, req->ip};
    struct db *w = db_write_begin();
    int rc = w ? accounts_unlock(w, &by, username, time_now()) : ERR_DB;
    if (w)
        rc = db_write_end(w, rc);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_locked", "该用户名没有被锁定", "username");
    return rc ? rc : reply_json(resp, 200, json_pack("{s:s}", "unlocked", username));
}

static int users_sessions(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *user = NULL, *items = NULL;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = accounts_get(db_read(), id, &user);
    json_decref(user);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "用户不存在", NULL);
    if (!rc)
        rc = authz_sessions_json(db_read(), id, &items);
    return rc ? rc : reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

static const struct route routes[] = {
    {"POST", "/api/v1/auth/login", auth_login, ROLES_PUBLIC, login_body,
     ROUTE_BODY_JSON | ROUTE_SLOW, 0},
    {"POST", "/api/v1/auth/logout", auth_logout, ROLES_ANY, NULL, 0, 0},
    {"GET", "/api/v1/auth/me", auth_me, ROLES_ANY, NULL, 0, 0},
    {"POST", "/api/v1/auth/password", auth_password, ROLES_ANY, password_body,
     ROUTE_BODY_JSON | ROUTE_SLOW, 0},
    {"GET", "/api/v1/users", NULL, ROLE_ADMIN, NULL, 0, 0, &users_list_def},
    {"POST", "/api/v1/users", users_create, ROLE_ADMIN, accounts_user_fields,
     ROUTE_BODY_JSON | ROUTE_SLOW, 0},
    {"GET", "/api/v1/users/{id}", users_get, ROLE_ADMIN, NULL, 0, 0},
    {"PATCH", "/api/v1/users/{id}", users_patch, ROLE_ADMIN, accounts_user_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"POST", "/api/v1/users/{id}/disable", users_disable, ROLE_ADMIN, NULL, 0, 0},
    {"POST", "/api/v1/users/{id}/enable", users_enable, ROLE_ADMIN, NULL, 0, 0},
    {"POST", "/api/v1/users/{id}/password", users_reset_password, ROLE_ADMIN, reset_body,
     ROUTE_BODY_JSON | ROUTE_SLOW, 0},
    {"POST", "/api/v1/users/{id}/revoke", users_revoke, ROLE_ADMIN, NULL, 0, 0},
    {"GET", "/api/v1/users/{id}/sessions", users_sessions, ROLE_ADMIN, NULL, 0, 0},
    {"POST", "/api/v1/users/{id}/tokens", users_token, ROLE_ADMIN, NULL, 0, 0},
    {"GET", "/api/v1/login-locks", login_locks, ROLE_ADMIN, NULL, 0, 0},
    {"DELETE", "/api/v1/login-locks/{username}", login_unlock, ROLE_ADMIN, NULL, 0, 0},
    {"GET", "/api/v1/officers", NULL, ROLES_STAFF, NULL, 0, 0, &officers_list_def},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {&accounts_user, NULL};

static const struct audit_action actions[] = {
    {"auth.login", "登录"},
    {"auth.login_failed", "登录失败"},
    {"auth.logout", "退出登录"},
    {"user.create", "新增用户"},
    {"user.update", "修改用户"},
    {"user.set_password", "设置密码"},
    {"user.disable", "停用用户"},
    {"user.enable", "启用用户"},
    {"user.revoke", "注销会话与令牌"},
    {"user.token", "签发 API 令牌"},
    {"auth.locked", "登录锁定"},
    {"user.unlock", "解除登录锁定"},
    {NULL, NULL},
};

int accounts_demo_hook(struct db *w, struct demo *d);

const struct module accounts_module = {
    .name = "accounts",
    .label = "用户与登录",
    .roles = ROLES_ANY,
    .routes = routes,
    .records = records,
    .actions = actions,
    .demo = accounts_demo_hook,
};
