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
