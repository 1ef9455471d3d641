/* SPDX-License-Identifier: MIT */
/* The entity name search (see registry_search.c). */
#ifndef JG_REGISTRY_SEARCH_H
#define JG_REGISTRY_SEARCH_H

#include <stddef.h>

#include "db/db.h"

enum search_mode {
    SEARCH_NONE,
    SEARCH_CODE,    /* a USCC or its prefix: a range of the unique index */
    SEARCH_TRIGRAM, /* 3+ characters: the engine's trigram index (db_contains_query) */
    SEARCH_PAIR,    /* 2 characters: the character-pair index (entity_bigrams) */
    SEARCH_SCAN     /* 1 character: instr() over the names */
};

/* Chooses how to search for q and writes the bound pattern into pattern (cap bytes), and for
 * codes the exclusive upper bound of the range into hi. Pure. Returns an enum search_mode. */
int registry_search_mode(const char *q, char *pattern, size_t cap, char *hi, size_t hicap);

/* Turns the pair index's insert trigger off (on = 1) for a bulk load on w, or back on and
 * rebuilds the index in key order (on = 0), inside the caller's transaction. 0 or an error. */
int registry_search_bulk(struct db *w, int on);

#endif
