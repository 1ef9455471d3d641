/* SPDX-License-Identifier: MIT */
/* Account rules and queries. */
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "registry/registry.h"
#include "core/err.h"
#include "core/ratelimit.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "http/auth.h"

#include <sodium.h>
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

int accounts_login_allowed(int64_t recent_failures)
{
    return recent_failures < LOGIN_MAX_FAILURES;
}

int accounts_hash_password(const char *password, char out[128])
{
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer");
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return ERR_INTERNAL;
    return 0;
}

int accounts_password_ok(const char *hash, const char *password)
{
    return hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
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

static int exists(struct db *db, const char *sql, const char *text, int64_t num)
{
    struct db_stmt *st;
    if (db_prepare(db, sql, &st))
        return -1;
    if (text)
        db_bind_text(st, 1, text, -1);
    else
        db_bind_int(st, 1, num);
    int found = db_step(st) == DB_ROW;
    db_done(st);
    return found;
}

/* Whether a market entity with code uscc is registered (asked of the registry). */
static int entity_exists(struct db *db, const char *uscc)
{
    char region[16];
    return uscc && registry_region_of(db, uscc, region) == 0;
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

const char *accounts_field_message(const char *field)
{
    if (!field)
        return "数据校验失败";
    if (!strcmp(field, "username"))
        return "用户名须为 2–32 位小写字母、数字或 _ . -";
    if (!strcmp(field, "password"))
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

int accounts_create(struct db *w, int64_t actor, const struct user_new *u, int64_t *id,
                    const char **field)
{
    static const char region_sql[] = "SELECT 1 FROM regions WHERE code = ?";
    static const char dept_sql[] = "SELECT 1 FROM departments WHERE id = ?";
    static const char insert_sql[] =
        "INSERT INTO users(username, display_name, role, region, department, entity,"
        " password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    const char *region = u->region ? u->region : "371500";
    const char *display = u->display_name ? u->display_name : u->username;
    unsigned role = role_of(u->role);
    *field = NULL;
    if (!u->username || !username_ok(u->username))
        *field = "username";
    else if (!role)
        *field = "role";
    else if (!u->password || !password_ok(u->password))
        *field = "password";
    else if (strlen(display) == 0 || strlen(display) > 192)
        *field = "display_name";
    else if (exists(w, region_sql, region, 0) != 1)
        *field = "region";
    else if (u->department && exists(w, dept_sql, NULL, u->department) != 1)
        *field = "department";
    else if ((role & (ROLE_ENTERPRISE | ROLE_STATION | ROLE_SLAUGHTERHOUSE)) &&
             !entity_exists(w, u->entity))
        *field = "entity";
    else if (u->entity && *u->entity && !entity_exists(w, u->entity))
        *field = "entity";
    if (*field)
        return ERR_INVALID;
    char hash[128];
    if (u->password_hash)
        snprintf(hash, sizeof hash, "%s", u->password_hash);
    else if (accounts_hash_password(u->password, hash))
        return ERR_INTERNAL;
    struct db_stmt *st;
    int rc = db_prepare(w, insert_sql, &st);
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
    char object[32];
    snprintf(object, sizeof object, "user:%lld", (long long)*id);
    struct strbuf detail;
    strbuf_init(&detail, 4096);
    strbuf_puts(&detail, "{\"username\":");
    strbuf_json_string(&detail, u->username, strlen(u->username));
    strbuf_printf(&detail, ",\"role\":\"%s\",\"region\":", u->role);
    strbuf_json_string(&detail, region, strlen(region));
    strbuf_puts(&detail, "}");
    rc = audit_record(w, actor, NULL, "user.create", object, strbuf_get(&detail));
    strbuf_dispose(&detail);
    return rc;
}

int accounts_set_password(struct db *w, int64_t actor, const char *username, const char *password)
{
    static const char sql[] = "UPDATE users SET password_hash = ? WHERE username = ?";
    static const char revoke_sql[] = "DELETE FROM sessions WHERE kind = 'session' AND user_id ="
                                     " (SELECT id FROM users WHERE username = ?)";
    if (!password_ok(password))
        return ERR_INVALID;
    char hash[128];
    if (accounts_hash_password(password, hash))
        return ERR_INTERNAL;
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, hash, -1);
    db_bind_text(st, 2, username, -1);
    rc = db_run(st);
    if (rc)
        return rc;
    if (db_changes(w) == 0)
        return ERR_NOTFOUND;
    rc = db_prepare(w, revoke_sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, username, -1);
    rc = db_run(st);
    if (rc)
        return rc;
    struct strbuf detail;
    strbuf_init(&detail, 256);
    strbuf_puts(&detail, "{\"username\":");
    strbuf_json_string(&detail, username, strlen(username));
    strbuf_puts(&detail, "}");
    rc = audit_record(w, actor, NULL, "user.set_password", "user", strbuf_get(&detail));
    strbuf_dispose(&detail);
    return rc;
}

int accounts_recent_failures(struct db *db, const char *username, int64_t now, int64_t *n)
{
    static const char sql[] = "SELECT count(*) FROM login_failures WHERE username = ? AND at > ?";
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, username, -1);
    db_bind_int(st, 2, now - LOGIN_WINDOW);
    rc = db_step(st);
    *n = rc == DB_ROW ? db_col_int(st, 0) : 0;
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
    return db_run(st);
}

int accounts_clear_failures(struct db *w, const char *username)
{
    static const char sql[] = "DELETE FROM login_failures WHERE username = ?";
    struct db_stmt *st;
    int rc = db_prepare(w, sql, &st);
    if (rc)
        return rc;
    db_bind_text(st, 1, username, -1);
    return db_run(st);
}
