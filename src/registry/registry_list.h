/* SPDX-License-Identifier: MIT */
/* The entity list query composer (see registry_list.c). */
#ifndef JG_REGISTRY_LIST_H
#define JG_REGISTRY_LIST_H

#include <stddef.h>

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
enum list_search { SEARCH_NONE, SEARCH_CODE, SEARCH_FTS, SEARCH_SCAN, LIST_NSEARCH };

/* Returns the SQL for shape, search mode and filter bits (1 << enum list_filter); the text
 * lives as long as the process. Parameters: ?1..?8 the filters in enum order, ?9 the search
 * pattern, ?10 its upper bound (codes), ?11 limit, ?12 offset. */
const char *registry_list_sql(int shape, int search, unsigned filters);

/* Chooses how to search for q and writes the bound pattern (and for codes, the exclusive
 * upper bound hi). Pure. Returns an enum list_search. */
int registry_search_mode(const char *q, char *pattern, size_t cap, char *hi, size_t hicap);

#endif
