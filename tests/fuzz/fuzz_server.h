/* SPDX-License-Identifier: MIT */
/*
 * What the request-level fuzz targets share: a small city in a temporary database, an
 * administrator's bearer token, and one request run through the real router without a
 * connection (req.conn NULL: query and headers come from lists). A 5xx answer, or a crash or
 * sanitizer report anywhere below the router, is a finding.
 */
#ifndef JG_FUZZ_SERVER_H
#define JG_FUZZ_SERVER_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "db/db.h"
#include "http/http.h"
#include "http/router.h"
#include "refdata/refdata.h"
#include "registry/registry_demo.h"

static char fuzz_auth[TOKEN_LEN + 16];
static char fuzz_dir[] = "/tmp/jianguan-fuzz-XXXXXX";
static char fuzz_uscc[19];

/* Removes the temporary database when the fuzzer exits. */
static void fuzz_cleanup(void)
{
    char cmd[160];
    db_global_shutdown();
    snprintf(cmd, sizeof cmd, "rm -rf %s", fuzz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fuzz_dir);
}

/* Opens the database and the token once per process. */
static void fuzz_setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    char path[128], token[TOKEN_LEN + 1], csrf[TOKEN_LEN + 1];
    unsigned char key[AUDIT_KEY_LEN] = {7};
    if (sodium_init() < 0 || !mkdtemp(fuzz_dir))
        abort();
    atexit(fuzz_cleanup);
    snprintf(path, sizeof path, "%s/f.db", fuzz_dir);
    audit_set_key(key);
    if (db_global_init(path) || router_init())
        abort();
    struct db *w = db_write_begin();
    struct demo_scale s = {.enterprises = 200, .individuals = 100, .cooperatives = 10, .key = 5};
    struct demo_result res;
    struct rng r;
    struct user_new admin = {.username = "fuzzadmin", .role = "admin", .password_hash = "!"};
    int64_t id;
    const char *field;
    rng_init_seed(&r, 1);
    int rc = w ? refdata_load(w) : -1;
    if (!rc)
        rc = registry_demo(w, &r, &s, NULL, 0, &res);
    if (!rc)
        rc = accounts_create(w, NULL, &admin, &id, &field);
    if (!rc)
        rc = authz_token_create(w, id, TOKEN_API, NULL, token, csrf);
    if (!w || db_write_end(w, rc))
        abort();
    rng_dispose(&r);
    snprintf(fuzz_auth, sizeof fuzz_auth, "Bearer %s", token);
    snprintf(fuzz_uscc, sizeof fuzz_uscc, "%s", res.key_uscc[0]);
}

/* Aborts unless resp is an error answer in the shape every error has: application/json,
 * {"error":{"code":"...","message":"中文...","field":"..."}} with field optional and nothing
 * else. what names the request in the report. */
static void fuzz_check_error(const struct resp *resp, const char *what)
{
    json_t *o = json_loadb(strbuf_get(&resp->body), resp->body.len, 0, NULL);
    json_t *err = json_object_get(o, "error");
    json_t *code = json_object_get(err, "code"), *msg = json_object_get(err, "message");
    json_t *field = json_object_get(err, "field");
    const char *m = json_string_value(msg);
    int chinese = 0;
    for (const char *c = m; c && *c; c++)
        chinese |= (unsigned char)*c >= 0xE4 && (unsigned char)*c <= 0xE9; /* U+4000-U+9FFF */
    if (!resp->content_type || strcmp(resp->content_type, "application/json") ||
        json_object_size(o) != 1 || json_object_size(err) != 2u + (field != NULL) ||
        !json_is_string(code) || !json_string_length(code) || !chinese ||
        (field && !json_is_string(field))) {
        fprintf(stderr, "%s: %d without the error shape: %.300s\n", what, resp->status,
                strbuf_get(&resp->body));
        abort();
    }
    json_decref(o);
}

/* Runs one request as the administrator; aborts on a 5xx answer. Returns the status. */
static int fuzz_request(const char *method, const char *path, const char *const *query,
                        const char *content_type, const uint8_t *body, size_t len)
{
    const char *headers[] = {"Authorization", fuzz_auth, "Content-Type", content_type, NULL};
    struct req req = {.method = method, .path = path, .query = query, .headers_in = headers};
    struct resp resp = {0};
    strbuf_init(&req.body, 64u << 20);
    strbuf_init(&resp.body, 64u << 20);
    strbuf_append(&req.body, body, len);
    router_dispatch(&req, &resp);
    int status = resp.status;
    if (status >= 500) {
        fprintf(stderr, "%s %s answered %d: %.300s\n", method, path, status,
                strbuf_get(&resp.body));
        abort();
    }
    req_dispose(&req);
    resp_dispose(&resp);
    return status;
}

#endif
