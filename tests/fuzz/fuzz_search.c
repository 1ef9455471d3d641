/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the registry's search: any query string picks a search mode whose
 * pattern, bound into the composed list SQL, runs on a real (in-memory) database without an
 * SQL or FTS5 syntax error — no input can change the query's structure.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "db/db.h"
#include "refdata/refdata.h"
#include "registry/registry_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct db *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) {
        if (sodium_init() < 0 || db_open_memory(&db) || refdata_load(db))
            abort();
    }
    if (size > 300)
        return 0;
    char *q = xstrndup((const char *)data, size); /* a query value stops at its first NUL */
    char pattern[1024], hi[64];
    int mode = registry_search_mode(q, pattern, sizeof pattern, hi, sizeof hi);
    struct db_stmt *st;
    if (db_prepare(db, registry_list_sql(LIST_COUNT, mode, 0), &st))
        abort();
    if (mode != SEARCH_NONE)
        db_bind_text(st, 9, pattern, -1);
    if (mode == SEARCH_CODE)
        db_bind_text(st, 10, hi, -1);
    if (db_step(st) != DB_ROW)
        abort();
    db_done(st);
    free(q);
    return 0;
}
