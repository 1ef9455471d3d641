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
 * The workers run at scheduling priority nice (0: the process's; 10: below the event threads,
 * so that CPU-bound work never starves quick requests). Returns NULL when no thread could
 * start. */
struct pool *pool_new(const char *name, unsigned threads, unsigned queue_max, int nice);
/* A task: cancelled is 1 when the pool stopped before the task began (the task should then
 * only answer that it was not done). */
typedef void (*pool_fn)(void *arg, int cancelled);
/* Queues fn(arg); returns 0, or -1 when the queue is full or the pool stopping (nothing
 * queued). */
int pool_submit(struct pool *p, pool_fn fn, void *arg);
/* Stops taking tasks; those still queued run at once as cancelled, those running finish. */
void pool_cancel(struct pool *p);
/* Cancels (pool_cancel), waits for every task, and frees the pool. NULL is allowed. */
void pool_free(struct pool *p);
struct pool_stats {
    const char *name;
    unsigned queued, busy, threads;
    uint64_t done, refused;
};
/* What the pool is doing now and has done, for /metrics. */
void pool_stats(struct pool *p, struct pool_stats *out);

#endif
