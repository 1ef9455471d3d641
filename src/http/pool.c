/* SPDX-License-Identifier: MIT */
/* Worker threads behind a ring of tasks, one mutex and two condition variables. */
#include "http/pool.h"
#include "core/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct task {
    pool_fn fn;
    void *arg;
};

struct pool {
    const char *name;
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a task was queued, or the pool stops */
    struct task *ring;
    unsigned cap, head, len; /* ring[head] is the oldest of len tasks */
    unsigned busy;           /* tasks running now */
    int stop;
    int nice;
    pthread_t *threads;
    unsigned nthreads;
    uint64_t done, refused;
};

static void *work(void *arg)
{
    struct pool *p = arg;
    /* On Linux a thread has its own nice value; failure only leaves it at the default. */
    if (p->nice)
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), p->nice);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->len && !p->stop)
            pthread_cond_wait(&p->ready, &p->lock);
        if (!p->len) /* stopping, and nothing is left */
            break;
        struct task t = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->len--;
        p->busy++;
        int cancelled = p->stop;
        pthread_mutex_unlock(&p->lock);
        t.fn(t.arg, cancelled);
        pthread_mutex_lock(&p->lock);
        p->busy--;
        p->done++;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct pool *pool_new(const char *name, unsigned threads, unsigned queue_max, int nice)
{
    struct pool *p = xcalloc(1, sizeof *p);
    p->name = name;
    p->nice = nice;
    p->cap = queue_max ? queue_max : 1;
    p->ring = xcalloc(p->cap, sizeof *p->ring);
    p->threads = xcalloc(threads ? threads : 1, sizeof *p->threads);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->ready, NULL);
    for (unsigned i = 0; i < (threads ? threads : 1); i++)
        if (!pthread_create(&p->threads[p->nthreads], NULL, work, p))
            p->nthreads++;
    if (!p->nthreads) {
        pool_free(p);
        return NULL;
    }
    return p;
}

int pool_submit(struct pool *p, pool_fn fn, void *arg)
{
    pthread_mutex_lock(&p->lock);
    int full = p->len == p->cap || p->stop;
    if (full) {
        p->refused++;
    } else {
        p->ring[(p->head + p->len) % p->cap] = (struct task){fn, arg};
        p->len++;
        pthread_cond_signal(&p->ready);
    }
    pthread_mutex_unlock(&p->lock);
    return full ? -1 : 0;
}

void pool_cancel(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->lock);
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    pool_cancel(p);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->ready);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p->ring);
    free(p);
}

void pool_stats(struct pool *p, struct pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = (struct pool_stats){p->name, p->len, p->busy, p->nthreads, p->done, p->refused};
    pthread_mutex_unlock(&p->lock);
}
