/* SPDX-License-Identifier: MIT */
/* Account rules and queries: the user record, creation, passwords, disabling, revocation,
 * login failures. The users and login_failures tables are written here only. */
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/ratelimit.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "authz/authz.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static struct ratelimit login_by_ip = RATELIMIT_INIT(60, 60);

void accounts_set_login_rate(unsigned per_minute)
{
    ratelimit_set(&login_by_ip, per_minute, 60);
}

int accounts_login_rate_ok(const char *ip, int64_t now)
{
    return ratelimit_hit(&login_by_ip, ip, now);
}

int accounts_login_allowed(int64_t from_ip, int64_t all)
{
    return from_ip < LOGIN_MAX_FAILURES && all < LOGIN_MAX_USER_FAILURES;
}

int accounts_hash_password(const char *password, char out[128])
{
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer");
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return ERR_INTERNAL;
    return 0;
}

/* A hash of nothing anyone knows, made once: checking against it costs what a real check
 * costs, so an account without a password (hash "!") or an unknown name takes as long to
 * refuse as a wrong password, and timing tells nobody which accounts exist. */
static char dummy[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
    unsigned char secret[32];
    char text[65];
    randombytes_buf(secret, sizeof secret);
    sodium_bin2hex(text, sizeof text, secret, sizeof secret);
    if (accounts_hash_password(text, dummy))
        dummy[0] = '\0';
}

int accounts_password_ok(const char *hash, const char *password)
{
    int real = hash && !strncmp(hash, "$argon2", 7);
    if (!real)
        pthread_once(&dummy_once, dummy_make);
    int ok = crypto_pwhash_str_verify(real ? hash : dummy, password, strlen(password)) == 0;
    return real && ok;
}

static int username_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static int password_ok(const char *p)
{
    size_t n = utf8_len(p);
    return n >= PASSWORD_MIN && n <= PASSWORD_MAX;
}

/* 1 when sql (one parameter, text or num) finds a row, 0 when not, or an error. */
static int exists(struct db *db, const char *sql, const char *text, int64_t num)
{
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (!rc)
        rc = text ? db_bind_text(st, 1, text, -1) : db_bind_int(st, 1, num);
    if (!rc)
        rc = db_step(st);
    db_done(st);
    return rc < 0 ? rc : rc == DB_ROW;
}

const struct field accounts_user_fields[] = {
    {"id", FIELD_INT, FIELD_READONLY, 0, "编号", "u.id"},
    {"username", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY, 32, "用户名", "u.username"},
    {"password", FIELD_STRING, FIELD_REQUIRED | FIELD_KEY | FIELD_WRITEONLY, PASSWORD_MAX, "密码"},
    {"display_name", FIELD_STRING, FIELD_NULLABLE, 64, "姓名", "u.display_name"},
    {"role", FIELD_STRING, FIELD_REQUIRED, 32, "角色", "u.role", NULL, authz_roles},
    {"region", FIELD_STRING, FIELD_NULLABLE, 16, "区划代码", "u.region", CITY_REGION},
    {"region_name", FIELD_STRING, FIELD_READONLY, 0, "行政区划", "r.name"},
    {"department", FIELD_INT, FIELD_NULLABLE, 0, "部门编号", "u.department", NULL, NULL, 1,
     INT64_MAX},
    {"department_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "部门", "d.name"},
    {"entity", FIELD_STRING, FIELD_NULLABLE, 18, "绑定市场主体", "u.entity"},
    {"entity_name", FIELD_STRING, FIELD_READONLY | FIELD_NULLABLE, 0, "绑定市场主体名称",
     "en.name"},
    {"disabled", FIELD_BOOL, FIELD_INTERNAL, 0, "已停用", "u.disabled", "0"},
    {"created_at", FIELD_TIME, FIELD_READONLY, 0, "创建时间", "u.created_at"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct record accounts_user = {
    .name = "user",
    .label = "用户",
    .table = "users",
    .from = " FROM users u",
    .joins = " JOIN regions r ON r.code = u.region LEFT JOIN departments d ON d.id = u.department"
             " LEFT JOIN entities en ON en.uscc = u.entity",
    .key = "id",
    .key_expr = "u.id",
    .fields = accounts_user_fields,
};

static accounts_entity_fn entity_lookup;

void accounts_set_entity_lookup(accounts_entity_fn fn)
{
    entity_lookup = fn;
}

/* 1 when a market entity with code uscc is registered, 0 when not, or an error. */
static int entity_exists(struct db *db, const char *uscc)
{
    int rc = uscc && entity_lookup ? entity_lookup(db, uscc) : ERR_NOTFOUND;
    return rc == 0 ? 1 : rc == ERR_NOTFOUND ? 0 : rc;
}

int accounts_has_role(struct db *db, int64_t id, unsigned role)
{
    static const char sql[] = "SELECT role FROM users WHERE id = ?";
    struct db_stmt *st;
    if (db_prepare(db, sql, &st))
        return ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_step(st);
    int ok = rc == DB_ROW && role_of(db_col_text(st, 0)) == role;
    db_done(st);
    return rc < 0 ? rc : ok ? 0 : ERR_INVALID;
}

int accounts_role_in_region(struct db *db, unsigned role, const char *region)
{
    struct db_stmt *st;
    int rc = db_prepare(db,
                        "SELECT id FROM users WHERE region = ? AND role = ? AND disabled = 0"
                        " LIMIT 1",
                        &st);
    if (!rc)
        rc = db_bind_text(st, 1, region, -1);
    if (!rc)
        rc = db_bind_text(st, 2, role_name(role), -1);
    if (!rc)
        rc = db_row(st);
    db_done(st);
    return rc;
}

int accounts_each_of_role(struct db *db, unsigned role, json_t *departments, json_t *regions,
                          accounts_member_fn fn, void *arg)
{
    struct strbuf sql;
    strbuf_init(&sql, 8192);
    strbuf_puts(&sql, "SELECT id, department FROM users WHERE role = ? AND disabled = 0");
    int rc = rec_sql_in(&sql, "department", departments, 1, 64);
    if (!rc)
        rc = rec_sql_in(&sql, "region", regions, 0, 64);
    strbuf_puts(&sql, " ORDER BY id");
    struct db_stmt *st = NULL;
    if (!rc)
        rc = db_prepare_once(db, strbuf_get(&sql), &st);
    int k = 1, step = DB_DONE;
    if (!rc)
        rc = db_bind_text(st, k++, role_name(role), -1);
    if (!rc)
        rc = rec_bind_values(st, &k, departments);
    if (!rc)
        rc = rec_bind_values(st, &k, regions);
    while (!rc && (step = db_step(st)) == DB_ROW)
        rc = fn(arg, db_col_int(st, 0), db_col_int(st, 1));
    if (!rc && step != DB_DONE)
        rc = step;
    db_finalize(st);
    strbuf_dispose(&sql);
    return rc;
}

const char *accounts_field_message(const char *field)
{
    if (!field)
        return "数据校验失败";
    if (!strcmp(field, "username"))
        return "用户名须为 2–32 位小写字母、数字或 _ . -";
    if (!strcmp(field, "password") || !strcmp(field, "new_password"))
        return "密码长度须为 8–128 个字符";
    if (!strcmp(field, "role"))
        return "未知的角色";
    if (!strcmp(field, "region"))
        return "未知的行政区划";
    if (!strcmp(field, "department"))
        return "未知的部门";
    if (!strcmp(field, "entity"))
        return "企业、充装站和屠宰企业账号须绑定一个存在的市场主体";
    if (!strcmp(field, "display_name"))
        return "姓名长度须为 1–64 个字符";
    return "数据校验失败";
}

/* Checks the references of a user: region and department exist, owner roles are bound to a
 * registered entity. Returns 0, ERR_INVALID with *field, or a database error. */
static int check_refs(struct db *db, unsigned role, const char *region, int64_t department,
                      const char *entity, const char **field)
{
    static const char region_sql[] = "SELECT 1 FROM regions WHERE code = ?";
    static const char dept_sql[] = "SELECT 1 FROM departments WHERE id = ?";
    int found = exists(db, region_sql, region, 0);
    if (found == 0)
        *field = "region";
    if (found == 1 && department) {
        found = exists(db, dept_sql, NULL, department);
        if (found == 0)
            *field = "department";
    }
    if (found == 1 && ((role & ROLES_ENTITY_OWNERS) || (entity && *entity))) {
        found = entity_exists(db, entity);
        if (found == 0)
            *field = "entity";
    }
    return found < 0 ? found : found ? 0 : ERR_INVALID;
}

/* Audits an accounts action on user id with a detail object (stolen). */
static int audit_user(struct db *w, const struct actor *by, const char *action, int64_t id,
                      json_t *detail)
{
    char object[32];
    snprintf(object, sizeof object, "user:%lld", (long long)id);
    char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    int rc = audit_record(w, by ? by->id : 0, by ? by->ip : NULL, action, object, text);
    free(text);
    return rc;
}

int accounts_create(struct db *w, const struct actor *by, const struct user_new *u, int64_t *id,
                    const char **field)
{
    static const char insert_sql[] =
        "INSERT INTO users(username, display_name, role, region, department, entity,"
        " password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    const char *region = u->region ? u->region : CITY_REGION;
    const char *display = u->display_name ? u->display_name : u->username;
    unsigned role = role_of(u->role);
    int no_login = !u->password && u->password_hash && !strcmp(u->password_hash, "!");
    *field = NULL;
    if (!u->username || !username_ok(u->username))
        *field = "username";
    else if (!role)
        *field = "role";
    else if (!no_login && (!u->password || !password_ok(u->password)))
        *field = "password";
    else if (utf8_len(display) == 0 || utf8_len(display) > 64)
        *field = "display_name";
    if (*field)
        return ERR_INVALID;
    int rc = check_refs(w, role, region, u->department, u->entity, field);
    if (rc)
        return rc;
    char hash[128];
    if (u->password_hash)
        snprintf(hash, sizeof hash, "%s", u->password_hash);
    else if (accounts_hash_password(u->password, hash))
        return ERR_INTERNAL;
    struct db_stmt *st;
    rc = db_prepare(w, insert_sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, u->username, -1);
    db_bind_text(st, 2, display, -1);
    db_bind_text(st, 3, u->role, -1);
    db_bind_text(st, 4, region, -1);
    if (u->department)
        db_bind_int(st, 5, u->department);
    db_bind_text(st, 6, u->entity && *u->entity ? u->entity : NULL, -1);
    db_bind_text(st, 7, hash, -1);
    db_bind_int(st, 8, time_now());
    rc = db_run(st);
    if (rc == ERR_CONFLICT)
        *field = "username";
    if (rc)
        return rc;
    *id = db_last_id(w);
    return audit_user(
        w, by, "user.create", *id,
        json_pack("{s:s,s:s,s:s}", "username", u->username, "role", u->role, "region", region));
}

int accounts_find(struct db *db, const char *username, int64_t *id)
{
    static const char sql[] = "SELECT id FROM users WHERE username = ?";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (!rc)
        rc = db_bind_text(st, 1, username, -1);
    if (!rc)
        rc = db_row(st);
    if (!rc)
        *id = db_col_int(st, 0);
    db_done(st);
    return rc;
}

int accounts_get(struct db *db, int64_t id, json_t **out)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return rec_get(db, &accounts_user, key, out);
}

/* Runs sql (parameters: one value, then the user id) on w; ERR_NOTFOUND when no row changed. */
static int set_column(struct db *w, const char *sql, const char *text, int64_t num, int64_t id)
{
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (!rc)
        rc = text ? db_bind_text(st, 1, text, -1) : db_bind_int(st, 1, num);
    if (!rc)
        rc = db_bind_int(st, 2, id);
    if (!rc)
        rc = db_run(st);
    return rc ? rc : db_changes(w) ? 0 : ERR_NOTFOUND;
}

int accounts_new_password(const char *password, char hash[128])
{
    if (!password || !password_ok(password))
        return ERR_INVALID;
    return accounts_hash_password(password, hash);
}

int accounts_set_password(struct db *w, const struct actor *by, int64_t id, const char *hash,
                          const char *keep)
{
    static const char sql[] = "UPDATE users SET password_hash = ? WHERE id = ?";
    int revoked = 0;
    int rc = set_column(w, sql, hash, 0, id);
    if (!rc)
        rc = authz_revoke_user(w, id, keep, &revoked);
    return rc ? rc
              : audit_user(w, by, "user.set_password", id, json_pack("{s:i}", "revoked", revoked));
}

int accounts_set_disabled(struct db *w, const struct actor *by, int64_t id, int disabled)
{
    static const char sql[] = "UPDATE users SET disabled = ? WHERE id = ?";
    int revoked = 0;
    int rc = set_column(w, sql, NULL, disabled != 0, id);
    if (!rc && disabled)
        rc = authz_revoke_user(w, id, NULL, &revoked);
    return rc ? rc
              : audit_user(w, by, disabled ? "user.disable" : "user.enable", id,
                           json_pack("{s:i}", "revoked", revoked));
}

int accounts_revoke(struct db *w, const struct actor *by, int64_t id, const char *keep, int *n)
{
    json_t *u = NULL;
    int rc = accounts_get(w, id, &u);
    json_decref(u);
    if (!rc)
        rc = authz_revoke_user(w, id, keep, n);
    return rc ? rc : audit_user(w, by, "user.revoke", id, json_pack("{s:i}", "revoked", *n));
}

int accounts_issue_token(struct db *w, const struct actor *by, int64_t id,
                         char token[TOKEN_LEN + 1])
{
    json_t *u = NULL;
    char csrf[TOKEN_LEN + 1];
    int rc = accounts_get(w, id, &u);
    if (!rc && json_is_true(json_object_get(u, "disabled")))
        rc = ERR_CONFLICT;
    json_decref(u);
    if (!rc)
        rc = authz_token_create(w, id, TOKEN_API, by ? by->ip : NULL, token, csrf);
    return rc ? rc : audit_user(w, by, "user.token", id, json_object());
}

int accounts_update(struct db *w, const struct actor *by, int64_t id, json_t *v, const char **field)
{
    json_t *before = NULL;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    int rc = accounts_get(w, id, &before);
    if (rc)
        return rc;
    field_defaults(accounts_user_fields, v); /* {"region": null} is the city */
    /* The user as it would stand: the references are judged together. */
    json_t *after = json_deep_copy(before);
    json_object_update(after, v);
    json_t *dept = json_object_get(after, "department");
    const char *display = json_string_value(json_object_get(after, "display_name"));
    *field = NULL;
    if (!display || utf8_len(display) == 0) {
        *field = "display_name";
        rc = ERR_INVALID;
    }
    if (!rc)
        rc = check_refs(w, role_of(json_string_value(json_object_get(after, "role"))),
                        json_string_value(json_object_get(after, "region")),
                        json_is_integer(dept) ? json_integer_value(dept) : 0,
                        json_string_value(json_object_get(after, "entity")), field);
    json_decref(after);
    if (!rc)
        rc = rec_update(w, &accounts_user, key, v);
    if (!rc) {
        char *diff = rec_diff(&accounts_user, v, before);
        rc = audit_user(w, by, "user.update", id, json_loads(diff, 0, NULL));
        free(diff);
    }
    json_decref(before);
    return rc;
}

int accounts_recent_failures(struct db *db, const char *username, const char *ip, int64_t now,
                             int64_t *from_ip, int64_t *all)
{
    static const char sql[] =
        "SELECT count(*), coalesce(sum(CASE WHEN ip = ? THEN 1 ELSE 0 END), 0) FROM login_failures"
        " WHERE username = ? AND at > ?";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, ip ? ip : "", -1);
    db_bind_text(st, 2, username, -1);
    db_bind_int(st, 3, now - LOGIN_WINDOW);
    rc = db_step(st);
    *all = rc == DB_ROW ? db_col_int(st, 0) : 0;
    *from_ip = rc == DB_ROW ? db_col_int(st, 1) : 0;
    db_done(st);
    return rc < 0 ? rc : 0;
}

int accounts_note_failure(struct db *w, const char *username, const char *ip, int64_t now)
{
    static const char sql[] = "INSERT INTO login_failures(username, at, ip) VALUES (?, ?, ?)";
    static const char prune_sql[] = "DELETE FROM login_failures WHERE at <= ?";
    struct db_stmt *st;
    int rc = db_prepare(w, prune_sql, &st);
    if (rc)
        return rc;
    db_bind_int(st, 1, now - LOGIN_WINDOW);
    rc = db_run(st);
    if (rc)
        return rc;
    rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, username, -1);
    db_bind_int(st, 2, now);
    db_bind_text(st, 3, ip ? ip : "", -1);
    rc = db_run(st);
    int64_t from_ip = 0, all = 0;
    if (!rc)
        rc = accounts_recent_failures(w, username, ip, now, &from_ip, &all);
    /* The failure that makes a lock is audited: who is locked, and from where. */
    if (!rc && (from_ip == LOGIN_MAX_FAILURES || all == LOGIN_MAX_USER_FAILURES)) {
        json_t *d = json_pack("{s:s,s:s?,s:I}", "username", username, "ip",
                              all == LOGIN_MAX_USER_FAILURES ? NULL : ip, "failures",
                              (json_int_t)(all == LOGIN_MAX_USER_FAILURES ? all : from_ip));
        char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(d);
        rc = audit_record(w, 0, ip, "auth.locked", "auth", text);
        free(text);
    }
    return rc;
}

int accounts_clear_failures(struct db *w, const char *username, const char *ip)
{
    static const char sql[] = "DELETE FROM login_failures WHERE username = ? AND ip = ?";
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, username, -1);
    db_bind_text(st, 2, ip ? ip : "", -1);
    return db_run(st);
}

int accounts_locks_json(struct db *db, int64_t now, json_t **out)
{
    /* Per address (5 in the window), and per user over all addresses (50). */
    static const char sql[] =
        "SELECT username, ip, count(*), max(at) FROM login_failures WHERE at > ?1"
        " GROUP BY username, ip HAVING count(*) >= ?2"
        " UNION ALL SELECT username, NULL, count(*), max(at) FROM login_failures WHERE at > ?1"
        " GROUP BY username HAVING count(*) >= ?3 ORDER BY 1, 2 NULLS FIRST";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    db_bind_int(st, 1, now - LOGIN_WINDOW);
    db_bind_int(st, 2, LOGIN_MAX_FAILURES);
    db_bind_int(st, 3, LOGIN_MAX_USER_FAILURES);
    json_t *a = json_array();
    while ((rc = db_step(st)) == DB_ROW) {
        char until[RFC3339_LEN + 1];
        time_format_rfc3339(db_col_int(st, 3) + LOGIN_WINDOW, until);
        json_array_append_new(
            a,
            json_pack("{s:s,s:o,s:I,s:s}", "username", db_col_text(st, 0), "ip",
                      db_col_type(st, 1) == DB_NULL ? json_null() : json_string(db_col_text(st, 1)),
                      "failures", (json_int_t)db_col_int(st, 2), "until", until));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

int accounts_unlock(struct db *w, const struct actor *by, const char *username, int64_t now)
{
    static const char sql[] = "DELETE FROM login_failures WHERE username = ? AND at > ?";
    int64_t from_ip = 0, all = 0;
    int rc = accounts_recent_failures(w, username, "", now, &from_ip, &all);
    if (!rc && !all)
        rc = ERR_NOTFOUND;
    struct db_stmt *st;
    if (!rc)
        rc = db_prepare(w, sql, &st);
    if (!rc) {
        db_bind_text(st, 1, username, -1);
        db_bind_int(st, 2, now - LOGIN_WINDOW);
        rc = db_run(st);
    }
    if (rc)
        return rc;
    json_t *d = json_pack("{s:s,s:I}", "username", username, "failures", (json_int_t)all);
    char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    rc = audit_record(w, by ? by->id : 0, by ? by->ip : NULL, "user.unlock", "auth", text);
    free(text);
    return rc;
}
