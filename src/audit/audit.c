/* SPDX-License-Identifier: MIT */
/* Hash-chained audit rows (BLAKE2b-256) and their verification. */
#include "audit/audit.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char g_key[AUDIT_KEY_LEN];
static int g_have_key;

void audit_set_key(const unsigned char key[AUDIT_KEY_LEN])
{
    memcpy(g_key, key, AUDIT_KEY_LEN);
    g_have_key = 1;
}

int audit_save_key(const char *path)
{
    if (!g_have_key)
        return ERR_INTERNAL;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ERR_IO;
    int ok = write(fd, g_key, sizeof g_key) == (ssize_t)sizeof g_key && fsync(fd) == 0;
    close(fd);
    return ok ? 0 : ERR_IO;
}

void audit_key_path(const char *db, char *out, size_t cap)
{
    const char *env = getenv("JIANGUAN_AUDIT_KEY");
    if (env && *env)
        snprintf(out, cap, "%s", env);
    else
        snprintf(out, cap, "%s.audit-key", db);
}

int audit_load_key(const char *path, int create)
{
    unsigned char key[AUDIT_KEY_LEN];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        randombytes_buf(key, sizeof key);
        audit_set_key(key);
        sodium_memzero(key, sizeof key);
        return audit_save_key(path);
    }
    if (fd < 0)
        return errno == ENOENT ? ERR_NOTFOUND : ERR_IO;
    ssize_t n = read(fd, key, sizeof key);
    close(fd);
    if (n != (ssize_t)sizeof key)
        return ERR_IO;
    audit_set_key(key);
    sodium_memzero(key, sizeof key);
    return 0;
}

/* Each field is fed as an 8-byte little-endian length and its bytes, so no two different rows
 * can serialise alike. */
static void feed(crypto_generichash_state *st, const void *p, size_t len)
{
    unsigned char n[8];
    for (int i = 0; i < 8; i++)
        n[i] = (unsigned char)((uint64_t)len >> (8 * i));
    crypto_generichash_update(st, n, sizeof n);
    crypto_generichash_update(st, p, len);
}

static void feed_int(crypto_generichash_state *st, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    feed(st, buf, (size_t)n);
}

static void feed_str(crypto_generichash_state *st, const char *s)
{
    feed(st, s ? s : "", s ? strlen(s) : 0);
}

void audit_hash(const unsigned char key[AUDIT_KEY_LEN], const unsigned char prev[AUDIT_HASH_LEN],
                const struct audit_row *row, unsigned char out[AUDIT_HASH_LEN])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, AUDIT_KEY_LEN, AUDIT_HASH_LEN);
    feed(&st, prev, AUDIT_HASH_LEN);
    feed_int(&st, row->id);
    feed_int(&st, row->at);
    feed_int(&st, row->actor);
    feed_str(&st, row->ip);
    feed_str(&st, row->action);
    feed_str(&st, row->object);
    feed_str(&st, row->detail);
    crypto_generichash_final(&st, out, AUDIT_HASH_LEN);
}

/* The head's MAC binds the newest id to the newest hash under the key. */
static void head_mac(int64_t last_id, const unsigned char last_hash[AUDIT_HASH_LEN],
                     unsigned char out[AUDIT_HASH_LEN])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, g_key, AUDIT_KEY_LEN, AUDIT_HASH_LEN);
    feed(&st, "head", 4);
    feed_int(&st, last_id);
    feed(&st, last_hash, AUDIT_HASH_LEN);
    crypto_generichash_final(&st, out, AUDIT_HASH_LEN);
}

int audit_record(struct db *w, int64_t actor, const char *ip, const char *action,
                 const char *object, const char *detail)
{
    static const char head_sql[] = "SELECT last_id, last_hash FROM audit_head WHERE one = 1";
    static const char insert_sql[] =
        "INSERT INTO audit_log(id, at, actor, ip, action, object, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static const char update_sql[] =
        "INSERT INTO audit_head(one, last_id, last_hash, mac) VALUES (1, ?, ?, ?)"
        " ON CONFLICT(one) DO UPDATE SET last_id = excluded.last_id,"
        " last_hash = excluded.last_hash, mac = excluded.mac";
    unsigned char prev[AUDIT_HASH_LEN] = {0}, hash[AUDIT_HASH_LEN], mac[AUDIT_HASH_LEN];
    if (!g_have_key)
        return ERR_INTERNAL;
    struct audit_row row = {
        0, time_now(), actor, ip ? ip : "", action, object, detail ? detail : "{}"};
    struct db_stmt *st;
    int rc = db_prepare(w, head_sql, &st);
    if (rc)
        return rc;
    rc = db_step(st);
    if (rc == DB_ROW) {
        row.id = db_col_int(st, 0);
        if (db_col_len(st, 1) == AUDIT_HASH_LEN)
            memcpy(prev, db_col_blob(st, 1), AUDIT_HASH_LEN);
        rc = 0;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    row.id++;
    audit_hash(g_key, prev, &row, hash);
    head_mac(row.id, hash, mac);
    rc = db_prepare(w, insert_sql, &st);
    if (rc)
        return rc;
    db_bind_int(st, 1, row.id);
    db_bind_int(st, 2, row.at);
    if (actor)
        db_bind_int(st, 3, actor);
    db_bind_text(st, 4, row.ip, -1);
    db_bind_text(st, 5, row.action, -1);
    db_bind_text(st, 6, row.object, -1);
    db_bind_text(st, 7, row.detail, -1);
    db_bind_blob(st, 8, prev, AUDIT_HASH_LEN);
    db_bind_blob(st, 9, hash, AUDIT_HASH_LEN);
    rc = db_run(st);
    if (rc)
        return rc;
    rc = db_prepare(w, update_sql, &st);
    if (rc)
        return rc;
    db_bind_int(st, 1, row.id);
    db_bind_blob(st, 2, hash, AUDIT_HASH_LEN);
    db_bind_blob(st, 3, mac, AUDIT_HASH_LEN);
    return db_run(st);
}

int audit_record_as(struct db *w, const struct principal *p, const char *ip, const char *action,
                    const char *object, const char *detail)
{
    return audit_record(w, p ? p->id : 0, ip, action, object, detail);
}

int audit_update(struct db *w, const struct principal *p, const char *ip, struct record *r,
                 const char *key, json_t *v, json_t *before, const char *action, const char *object)
{
    int rc = rec_update(w, r, key, v);
    if (rc)
        return rc;
    char *diff = rec_diff(r, v, before);
    rc = audit_record_as(w, p, ip, action, object, diff);
    free(diff);
    return rc;
}

/* Reads the chain's head: the newest id it names in *last, and in *ok whether its hash is the
 * chain's newest (last_hash) and its MAC is right. Rows deleted from the end show here. */
static int read_head(struct db *db, const unsigned char last_hash[AUDIT_HASH_LEN], int64_t *last,
                     int *ok)
{
    static const char head_sql[] = "SELECT last_id, last_hash, mac FROM audit_head WHERE one = 1";
    unsigned char mac[AUDIT_HASH_LEN];
    struct db_stmt *st;
    int rc = db_prepare(db, head_sql, &st);
    if (!rc)
        rc = db_step(st);
    *ok = 0;
    if (rc == DB_ROW) {
        *last = db_col_int(st, 0);
        head_mac(*last, last_hash, mac);
        *ok = db_col_len(st, 1) == AUDIT_HASH_LEN &&
              memcmp(db_col_blob(st, 1), last_hash, AUDIT_HASH_LEN) == 0 &&
              db_col_len(st, 2) == AUDIT_HASH_LEN &&
              memcmp(db_col_blob(st, 2), mac, AUDIT_HASH_LEN) == 0;
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

int audit_verify(struct db *db, int64_t *bad_id, const char **why, int64_t *rows)
{
    static const char rows_sql[] = "SELECT id, at, actor, ip, action, object, detail, prev_hash,"
                                   " hash FROM audit_log ORDER BY id";
    unsigned char prev[AUDIT_HASH_LEN] = {0}, hash[AUDIT_HASH_LEN];
    int64_t expect = 1;
    if (!g_have_key)
        return ERR_INTERNAL;
    struct db_stmt *st;
    *bad_id = 0;
    *why = NULL;
    *rows = 0;
    int rc = db_prepare(db, rows_sql, &st);
    if (rc)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct audit_row row = {db_col_int(st, 0),  db_col_int(st, 1),  db_col_int(st, 2),
                                db_col_text(st, 3), db_col_text(st, 4), db_col_text(st, 5),
                                db_col_text(st, 6)};
        if (row.id != expect) {
            *bad_id = expect;
            *why = row.id > expect ? "row missing (deleted)" : "unexpected row id";
            break;
        }
        if (db_col_len(st, 7) != AUDIT_HASH_LEN ||
            memcmp(db_col_blob(st, 7), prev, AUDIT_HASH_LEN) != 0) {
            *bad_id = row.id;
            *why = "previous-hash link broken";
            break;
        }
        audit_hash(g_key, prev, &row, hash);
        if (db_col_len(st, 8) != AUDIT_HASH_LEN ||
            memcmp(db_col_blob(st, 8), hash, AUDIT_HASH_LEN) != 0) {
            *bad_id = row.id;
            *why = "hash mismatch (row edited)";
            break;
        }
        memcpy(prev, hash, AUDIT_HASH_LEN);
        expect++;
        (*rows)++;
    }
    db_done(st);
    if (rc < 0)
        return rc;
    if (*why)
        return ERR_CONFLICT;
    int64_t last = 0;
    int head_ok = 0;
    rc = read_head(db, prev, &last, &head_ok);
    if (rc)
        return rc;
    if (expect == 1) { /* no rows at all: the log was emptied */
        *bad_id = 1;
        *why = "row missing (the log is empty)";
        return ERR_CONFLICT;
    }
    if (last != expect - 1 || !head_ok) {
        *bad_id = last > expect - 1 ? expect : last;
        *why = last > expect - 1 ? "row missing (deleted)" : "chain head does not match";
        return ERR_CONFLICT;
    }
    return 0;
}
