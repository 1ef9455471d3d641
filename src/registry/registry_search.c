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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* One row of the pair index: the two characters' UTF-8 bytes packed big-endian and padded
 * with zeros, so that the integers sort as SQLite orders the texts (bytes, then length; no
 * UTF-8 byte is zero), and the entity. */
struct pair {
    uint64_t gram;
    int64_t id;
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    if (x->gram != y->gram)
        return x->gram < y->gram ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Appends name's pairs of consecutive characters (as substr(name, n, 2) for n < length(name):
 * a character is a lead byte and the continuation bytes after it). Returns 0, or -1 when a
 * pair is longer than 8 bytes (not UTF-8: left to SQL). */
static int name_pairs(const char *name, int64_t id, struct pair **v, size_t *n, size_t *cap)
{
    size_t len = strlen(name), at[2] = {0, 0}, chars = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && ((unsigned char)name[i] & 0xC0) == 0x80)
            continue; /* inside a character */
        /* i starts a character (or ends the name): the pair before it is complete. */
        if (chars >= 2) {
            size_t from = at[(chars - 2) % 2], bytes = i - from;
            if (bytes > 8)
                return -1;
            uint64_t g = 0;
            for (size_t k = 0; k < 8; k++)
                g = g << 8 | (k < bytes ? (unsigned char)name[from + k] : 0);
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 1u << 16;
                *v = xrealloc(*v, *cap * sizeof **v);
            }
            (*v)[(*n)++] = (struct pair){g, id};
        }
        at[chars % 2] = i;
        chars++;
    }
    return 0;
}

/* Fills the emptied pair index from the names: the pairs are made and sorted here (a sort of
 * integers: 7 million pairs of the demo city in about a second, where SQLite's sorter took
 * 15-20 s over the texts) and loaded in key order, each (pair, entity) once. Returns 0,
 * LEFT_TO_SQL when a name is not UTF-8 (then nothing was written), or an error. */
#define LEFT_TO_SQL 1
static int fill_pairs(struct db *w)
{
    struct db_stmt *st = NULL;
    struct pair *v = NULL;
    size_t n = 0, cap = 0;
    /* Room for every pair at once (120 MB for the demo city, not twice that while growing). */
    int rc = db_prepare(w,
                        "SELECT sum(CASE WHEN length(name) > 1 THEN length(name) - 1 ELSE 0 END)"
                        " FROM entities",
                        &st);
    if (!rc && !(rc = db_row(st)) && db_col_int(st, 0) > 0) {
        cap = (size_t)db_col_int(st, 0);
        v = xmalloc(cap * sizeof *v);
    }
    if (st)
        db_done(st);
    st = NULL;
    if (rc == ERR_NOTFOUND)
        rc = 0;
    int step = DB_DONE;
    if (!rc && !(rc = db_prepare(w, "SELECT id, name FROM entities", &st))) {
        while (!rc && (step = db_step(st)) == DB_ROW)
            if (name_pairs(db_col_text(st, 1), db_col_int(st, 0), &v, &n, &cap))
                rc = LEFT_TO_SQL;
        if (!rc && step != DB_DONE)
            rc = step;
        db_done(st);
    }
    st = NULL;
    if (!rc && n) {
        qsort(v, n, sizeof *v, pair_cmp);
        rc = db_load_begin(w, "INSERT INTO entity_bigrams(gram, id) VALUES (?, ?)", &st);
        for (size_t i = 0; !rc && i < n; i++) {
            if (i && !pair_cmp(&v[i], &v[i - 1]))
                continue; /* a pair a name holds twice */
            char gram[9];
            size_t len = 0;
            for (; len < 8 && (v[i].gram >> (56 - 8 * len) & 0xFF); len++)
                gram[len] = (char)(v[i].gram >> (56 - 8 * len));
            rc = db_bind_text(st, 1, gram, (int)len);
            if (!rc)
                rc = db_bind_int(st, 2, v[i].id);
            if (!rc)
                rc = db_load_row(st);
        }
        if (st)
            rc = db_load_end(st, rc);
    }
    free(v);
    return rc;
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
    if (!rc && (rc = fill_pairs(w)) == LEFT_TO_SQL) /* a name not UTF-8: SQL counts as it can */
        rc = db_exec(w, fill_sql);
    return rc ? rc : db_bulk_table(w, "entity_bigrams", 0);
}
