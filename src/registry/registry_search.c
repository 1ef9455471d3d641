/* SPDX-License-Identifier: MIT */
/*
 * The entity name search. It picks its index by the fragment's length: a code range, FTS5
 * trigrams for 3+ characters, the trigram vocabulary or the name-tail index for two, a scan
 * for one or for a very common pair. The list route (registry_routes.c) adds its condition.
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
