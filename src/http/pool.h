/* SPDX-License-Identifier: MIT */
/*
 * A bounded pool of worker threads with a bounded queue: the server hands it the requests that
 * must not run on an event thread (slow work, and writes that wait for their group commit).
 * A full queue refuses at once; the caller answers 503.
 */
#ifndef JG_POOL_H
#define JG_POOL_H

#include <stdint.h>

struct pool;

/* Starts threads workers behind a queue of at most queue_max tasks; name labels its metrics.
 * Returns NULL when no thread could start. */
struct pool *pool_new(const char *name, unsigned threads, unsigned queue_max);
/* Queues fn(arg); returns 0, or -1 when the queue is full (nothing queued). */
int pool_submit(struct pool *p, void (*fn)(void *), void *arg);
/* Runs every queued task, then stops and frees the pool. NULL is allowed. */
void pool_free(struct pool *p);
struct pool_stats {
    const char *name;
    unsigned queued, busy, threads;
    uint64_t done, refused;
};
/* What the pool is doing now and has done, for /metrics. */
void pool_stats(struct pool *p, struct pool_stats *out);

#endif
