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
/* Keeps freed heap memory instead of returning it to the kernel at once: SQLite's FTS5 and
 * bulk writes allocate and free large blocks in turn, and glibc's default trimming turned each
 * of those into page faults (the demo city ran ten times slower). Call once at start-up. */
void alloc_tune(void);

#endif
