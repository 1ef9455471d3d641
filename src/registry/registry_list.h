/* SPDX-License-Identifier: MIT */
/* The entity list query composer (see registry_list.c). */
#ifndef JG_REGISTRY_LIST_H
#define JG_REGISTRY_LIST_H

#include <stddef.h>

#include "core/strbuf.h"
#include "db/db.h"
#include "registry/registry.h"

enum list_filter {
    LIST_REGION,
    LIST_CHAIN,
    LIST_TIER,
    LIST_CREDIT,
    LIST_KIND,
    LIST_STATUS,
    LIST_OFFICER,
    LIST_KEY,
    LIST_NFILTERS
};
enum list_shape { LIST_PAGE, LIST_COUNT, LIST_ALL, LIST_NSHAPES };
enum list_search {
    SEARCH_NONE,
    SEARCH_CODE, /* a USCC or its prefix: a range of the unique index */
    SEARCH_FTS,  /* 3+ characters: an FTS5 trigram phrase */
    SEARCH_SCAN, /* 1 character, or a very common 2: instr() over the names */
    SEARCH_PAIR, /* 2 characters: trigrams that start with them, or names that end with them */
    SEARCH_TAIL, /* 2 characters that start no trigram: names that end with them */
    LIST_NSEARCH
};

/* A search prepared for binding: the mode, its pattern and bound, and for SEARCH_PAIR the FTS
 * expression of the trigrams found. */
struct search {
    int mode;
    char pattern[512];
    char hi[64];
    struct strbuf match;
};

/* Returns the SQL for shape, search mode and filter bits (1 << enum list_filter); the text
 * lives as long as the process. Parameters: ?1..?8 the filters in enum order, ?9 the search
 * pattern, ?10 its upper bound (codes), ?11 limit, ?12 offset. */
const char *registry_list_sql(int shape, int search, unsigned filters);

/* Chooses how to search for q and writes the bound pattern (for codes, and for the trigram
 * vocabulary of two-character fragments, the exclusive upper bound hi). Pure. Returns an enum
 * list_search (SEARCH_PAIR, never SEARCH_TAIL: that needs the database). */
int registry_search_mode(const char *q, char *pattern, size_t cap, char *hi, size_t hicap);

/* Prepares a search for q on db: the mode, and for two characters the trigrams of the index
 * that start with them. Returns 0 or ERR_DB; release with registry_search_dispose. */
int registry_search_prepare(struct db *db, const char *q, struct search *s /* out */);
void registry_search_dispose(struct search *s);
/* Binds the search's parameters (?9, ?10) to a statement from registry_list_sql. */
void registry_search_bind(struct db_stmt *st, const struct search *s);

#endif
