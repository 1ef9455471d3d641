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
#include "core/err.h"
#include "core/strbuf.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Parameter numbers are fixed per filter, so binding does not depend on the composition. */
static const char *const filter_sql[LIST_NFILTERS] = {
    " AND e.region = ?1", " AND e.chain = ?2",  " AND e.tier = ?3",    " AND e.credit = ?4",
    " AND e.kind = ?5",   " AND e.status = ?6", " AND e.officer = ?7", " AND e.key = ?8",
};
#define PAIR_SQL                                                                                   \
    " AND (e.id IN (SELECT rowid FROM entities_fts WHERE entities_fts MATCH ?9)"                   \
    " OR substr(e.name, -2) = ?10)"
static const char *const search_sql[LIST_NSEARCH] = {
    [SEARCH_NONE] = "",
    [SEARCH_CODE] = " AND e.uscc >= ?9 AND e.uscc < ?10",
    [SEARCH_FTS] = " AND f.entities_fts MATCH ?9",
    [SEARCH_SCAN] = " AND instr(e.name, ?9) > 0",
    [SEARCH_PAIR] = PAIR_SQL,
    [SEARCH_TAIL] = " AND substr(e.name, -2) = ?10",
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
    snprintf(pattern, cap, "%s", q);
    if (chars == 2) {
        /* The vocabulary's terms are folded to lower case; the range ends past every
         * continuation (U+10FFFF). */
        for (char *c = pattern; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c + 32);
        snprintf(hi, hicap, "%s\xF4\x8F\xBF\xBF", pattern);
        snprintf(pattern, cap, "%s", q);
        return SEARCH_PAIR;
    }
    /* One character: no trigram index helps, scan with instr(). */
    return SEARCH_SCAN;
}

#define PAIR_MAX_DOCS 20000

/* Appends t as an FTS5 phrase: quoted, inner quotes doubled. Returns 0 or ERR_TOOLARGE. */
static int append_phrase(struct strbuf *sb, const char *t)
{
    int rc = strbuf_putc(sb, '"');
    for (; *t && !rc; t++)
        rc = *t == '"' ? strbuf_puts(sb, "\"\"") : strbuf_putc(sb, *t);
    return rc ? rc : strbuf_putc(sb, '"');
}

int registry_search_prepare(struct db *db, const char *q, struct search *s)
{
    static const char terms_sql[] =
        "SELECT term, doc FROM entities_fts_vocab WHERE term >= ? AND term < ?";
    strbuf_init(&s->match, 64 * 1024);
    s->mode = registry_search_mode(q, s->pattern, sizeof s->pattern, s->hi, sizeof s->hi);
    if (s->mode != SEARCH_PAIR)
        return 0;
    char lo[sizeof s->pattern];
    size_t n = strlen(s->hi) - 4; /* the folded fragment is hi without its end mark */
    memcpy(lo, s->hi, n);
    lo[n] = '\0';
    struct db_stmt *st;
    if (db_prepare(db, terms_sql, &st))
        return ERR_DB;
    db_bind_text(st, 1, lo, -1);
    db_bind_text(st, 2, s->hi, -1);
    int rc = 0, full = 0;
    int64_t docs = 0; /* names holding one of the trigrams, counted once per trigram */
    while (!full && (rc = db_step(st)) == DB_ROW) {
        docs += db_col_int(st, 1);
        if (s->match.len)
            full = strbuf_puts(&s->match, " OR ");
        if (!full)
            full = append_phrase(&s->match, db_col_text(st, 0));
    }
    db_done(st);
    if (rc < 0)
        return rc;
    /* A common fragment ("聊城" is in a fifth of the names) is found sooner by a scan that
     * stops at the page's last row than by merging the postings of every trigram. */
    if (full || docs > PAIR_MAX_DOCS)
        s->mode = SEARCH_SCAN;
    else if (s->match.len == 0)
        s->mode = SEARCH_TAIL;
    return 0;
}

void registry_search_dispose(struct search *s)
{
    strbuf_dispose(&s->match);
}

void registry_search_bind(struct db_stmt *st, const struct search *s)
{
    switch (s->mode) {
    case SEARCH_CODE:
        db_bind_text(st, 9, s->pattern, -1);
        db_bind_text(st, 10, s->hi, -1);
        break;
    case SEARCH_FTS:
    case SEARCH_SCAN: db_bind_text(st, 9, s->pattern, -1); break;
    case SEARCH_PAIR:
        db_bind_text(st, 9, strbuf_get(&s->match), -1);
        db_bind_text(st, 10, s->pattern, -1);
        break;
    case SEARCH_TAIL: db_bind_text(st, 10, s->pattern, -1); break;
    default: break;
    }
}
