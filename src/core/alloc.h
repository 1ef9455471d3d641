/* SPDX-License-Identifier: MIT */
/*
 * Allocation wrappers. Running out of memory is not a condition this server recovers from:
 * every wrapper logs and aborts, so callers never check for NULL.
 */
#ifndef JG_ALLOC_H
#define JG_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
