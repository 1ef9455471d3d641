/* SPDX-License-Identifier: MIT */
/* The entity name search (see registry_search.c). */
#ifndef JG_REGISTRY_SEARCH_H
#define JG_REGISTRY_SEARCH_H

#include <stddef.h>

#include "core/strbuf.h"
#include "db/db.h"
#include "registry/registry.h"

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

/* Chooses how to search for q and writes the bound pattern (for codes, and for the trigram
 * vocabulary of two-character fragments, the exclusive upper bound hi). Pure. Returns an enum
 * list_search (SEARCH_PAIR, never SEARCH_TAIL: that needs the database). */
int registry_search_mode(const char *q, char *pattern, size_t cap, char *hi, size_t hicap);

/* Prepares a search for q on db: the mode, and for two characters the trigrams of the index
 * that start with them. Returns 0 or ERR_DB; release with registry_search_dispose. */
int registry_search_prepare(struct db *db, const char *q, struct search *s /* out */);
void registry_search_dispose(struct search *s);
#endif
