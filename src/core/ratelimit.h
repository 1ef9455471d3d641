/* SPDX-License-Identifier: MIT */
/*
 * A small fixed-window rate limiter keyed by a short string (a client address): at most
 * `limit` hits per key in each window of `window` seconds. The table is fixed in size and
 * lives in the struct; when it is full, the slot of the stalest key is reused, so a flood of
 * distinct keys costs memory for none of them. Thread-safe.
 */
#ifndef JG_RATELIMIT_H
#define JG_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 1024
#define RATELIMIT_KEY 48

struct ratelimit_slot {
    char key[RATELIMIT_KEY];
    int64_t start; /* the window's first second */
    unsigned count;
};

struct ratelimit {
    pthread_mutex_t lock;
    unsigned limit;
    int64_t window;
    struct ratelimit_slot slots[RATELIMIT_SLOTS];
};

#define RATELIMIT_INIT(limit_, window_)                                                            \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, (limit_), (window_),                                            \
        {                                                                                          \
            {                                                                                      \
                {0}, 0, 0                                                                          \
            }                                                                                      \
        }                                                                                          \
    }

/* Counts a hit for key at time now; returns 1 if it is within the limit, 0 if refused (a
 * refused hit is not counted). A limit of 0 allows everything. */
int ratelimit_hit(struct ratelimit *rl, const char *key, int64_t now);
/* Changes the limit (hits per window); existing counts stay. */
void ratelimit_set(struct ratelimit *rl, unsigned limit, int64_t window);

#endif
