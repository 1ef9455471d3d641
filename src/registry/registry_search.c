/* SPDX-License-Identifier: MIT */
/*
 * The entity name search. It picks its index by the fragment's length: a code range, FTS5
 * trigrams for 3+ characters, the character-pair index for two, a scan for one. The list
 * route (registry_routes.c) adds its condition.
 */
#include "registry/registry_search.h"
#include "core/alloc.h"
#include "core/err.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <string.h>

int registry_search_mode(const char *q, char *pattern, size_t cap, char *hi, size_t hicap)
{
    size_t n = q ? strlen(q) : 0, chars = 0;
    int ascii = n > 0;
    if (n == 0)
        return SEARCH_NONE;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)q[i];
        chars += (c & 0xC0) != 0x80;
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            ascii = 0;
    }
    if (ascii && n >= 2 && n <= 18) {
        /* A code or its prefix: a range on the unique index. */
        for (size_t i = 0; i <= n; i++)
            pattern[i] = (char)(q[i] >= 'a' && q[i] <= 'z' ? q[i] - 32 : q[i]);
        snprintf(hi, hicap, "%s~", pattern);
        return SEARCH_CODE;
    }
    snprintf(pattern, cap, "%s", q);
    if (chars >= 3)
        return SEARCH_TRIGRAM; /* the engine's trigram index (db_contains_query) */
    /* Two characters: the pair index; one: no index helps, scan the names. */
    return chars == 2 ? SEARCH_PAIR : SEARCH_SCAN;
}

int registry_search_bulk(struct db *w, int on)
{
    static const char off_sql[] =
        "INSERT INTO registry_bulk(one) VALUES (1) ON CONFLICT DO NOTHING";
    static const char done_sql[] = "DELETE FROM registry_bulk";
    static const char clear_sql[] = "DELETE FROM entity_bigrams";
    static const char fill_sql[] =
        "INSERT INTO entity_bigrams(gram, id) SELECT DISTINCT substr(e.name, p.n, 2), e.id"
        " FROM entities e JOIN name_positions p ON p.n < length(e.name) ORDER BY 1, 2";
    if (on)
        return db_exec(w, off_sql);
    int rc = db_exec(w, done_sql);
    if (!rc)
        rc = db_bulk_table(w, "entity_bigrams", 1); /* its key is built once, at the end */
    if (!rc)
        rc = db_exec(w, clear_sql);
    if (!rc)
        rc = db_exec(w, fill_sql);
    return rc ? rc : db_bulk_table(w, "entity_bigrams", 0);
}
