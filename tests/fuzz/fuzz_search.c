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
    struct search search;
    if (registry_search_prepare(db, q, &search))
        abort();
    struct db_stmt *st;
    if (db_prepare(db, registry_list_sql(LIST_COUNT, search.mode, 0), &st))
        abort();
    registry_search_bind(st, &search);
    if (db_step(st) != DB_ROW)
        abort();
    db_done(st);
    registry_search_dispose(&search);
    free(q);
    return 0;
}
