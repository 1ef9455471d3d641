/* SPDX-License-Identifier: MIT */
/*
 * The entity list query. Filters are optional, and a `(? IS NULL OR col = ?)` query would
 * keep SQLite from using an index, so the statement is composed from fixed fragments for the
 * combination of filters in use. Each composition is built once and kept for the life of the
 * process: its text never contains input (every value is bound), and its address is stable,
 * so the connection's statement cache prepares it once.
 */
#include "registry/registry_list.h"
#include "core/alloc.h"
#include "core/strbuf.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Parameter numbers are fixed per filter, so binding does not depend on the composition. */
static const char *const filter_sql[LIST_NFILTERS] = {
    " AND e.region = ?1", " AND e.chain = ?2",  " AND e.tier = ?3",    " AND e.credit = ?4",
    " AND e.kind = ?5",   " AND e.status = ?6", " AND e.officer = ?7", " AND e.key = ?8",
};
static const char *const search_sql[LIST_NSEARCH] = {
    "",
    " AND e.uscc >= ?9 AND e.uscc < ?10",
    " AND f.entities_fts MATCH ?9",
    " AND instr(e.name, ?9) > 0",
};

static char *interned[LIST_NSHAPES][LIST_NSEARCH][1u << LIST_NFILTERS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

const char *registry_list_sql(int shape, int search, unsigned filters)
{
    filters &= (1u << LIST_NFILTERS) - 1;
    /* A name search drives the query from the FTS index, in rowid order, so a page stops after
     * its rows instead of materialising every match. CROSS JOIN fixes the loop order (SQLite
     * keeps its left table outer): with statistics, the planner otherwise drove a page from the
     * 12 regions and sorted every entity to find the first 20. */
    int fts = search == SEARCH_FTS;
    const char *from =
        fts ? " FROM entities_fts f CROSS JOIN entities e ON e.id = f.rowid" : " FROM entities e";
    pthread_mutex_lock(&lock);
    char **slot = &interned[shape][search][filters];
    if (!*slot) {
        struct strbuf sb;
        strbuf_init(&sb, 8192);
        if (shape == LIST_COUNT && fts && !filters) {
            /* Counting matches needs the index alone. */
            strbuf_puts(&sb, "SELECT count(*) FROM entities_fts f WHERE 1");
        } else if (shape == LIST_COUNT) {
            strbuf_printf(&sb, "SELECT count(*)%s WHERE 1", from);
        } else {
            strbuf_printf(&sb,
                          "SELECT " REGISTRY_COLUMNS "%s CROSS JOIN regions r ON r.code = e.region"
                          " LEFT JOIN chains c ON c.id = e.chain"
                          " LEFT JOIN users o ON o.id = e.officer WHERE 1",
                          from);
        }
        for (int i = 0; i < LIST_NFILTERS; i++)
            if (filters & (1u << i))
                strbuf_puts(&sb, filter_sql[i]);
        strbuf_puts(&sb, search_sql[search]);
        if (shape != LIST_COUNT)
            strbuf_puts(&sb, fts ? " ORDER BY f.rowid" : " ORDER BY e.id");
        if (shape == LIST_PAGE)
            strbuf_puts(&sb, " LIMIT ?11 OFFSET ?12");
        else if (shape == LIST_ALL)
            strbuf_puts(&sb, " LIMIT ?11");
        *slot = strbuf_take(&sb, NULL);
    }
    const char *sql = *slot;
    pthread_mutex_unlock(&lock);
    return sql;
}

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
    if (chars >= 3) {
        /* An FTS5 phrase: quote it, doubling inner quotes, so no query syntax leaks in. */
        size_t o = 0;
        if (cap < 3)
            return SEARCH_NONE;
        pattern[o++] = '"';
        for (size_t i = 0; i < n && o + 3 < cap; i++) {
            if (q[i] == '"')
                pattern[o++] = '"';
            pattern[o++] = q[i];
        }
        pattern[o++] = '"';
        pattern[o] = '\0';
        return SEARCH_FTS;
    }
    /* One or two characters: trigram cannot match, scan with instr(). */
    snprintf(pattern, cap, "%s", q);
    return SEARCH_SCAN;
}
