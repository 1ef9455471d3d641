/* SPDX-License-Identifier: MIT */
/*
 * Answers kept while nothing is written: a fixed number of slots, each holding one key and its
 * value (a number, or a text such as a JSON body). A value is served while the database
 * generation (db_generation: it grows with every write this process commits) is the one read
 * before the value was computed, and for ttl seconds at most (a write by another process shows
 * within ttl). Used by the list counts (http/list.c) and the 定检率 answers (equipment).
 *
 * A key is compared in full (its hash only picks the slot), so two keys never share a value; a
 * key longer than CACHE_MAX_KEY, or a text longer than CACHE_MAX_TEXT, is simply not cached.
 * Two keys of the same slot evict each other. Thread-safe (one mutex per cache; every call
 * copies in or out under it and returns at once).
 */
#ifndef JG_CACHE_H
#define JG_CACHE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_MAX_KEY 4096
#define CACHE_MAX_TEXT (256 * 1024)

struct cache_slot;

struct cache {
    pthread_mutex_t lock;
    int nslots;                   /* fixed */
    int64_t ttl;                  /* seconds a value is served at most */
    int64_t (*clock)(void);       /* NULL: time_now (tests give their own) */
    uint64_t (*generation)(void); /* NULL: db_generation (tests give their own) */
    struct cache_slot *slots;     /* allocated by the first store */
};

/* A static cache: static struct cache counts = CACHE_INIT(512, 30); */
#define CACHE_INIT(nslots, ttl)                                                                    \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, (nslots), (ttl), NULL, NULL, NULL                               \
    }

/* The generation to store a value with: read it before computing the value, so that a write
 * committed meanwhile leaves the stored value stale from the start. */
uint64_t cache_generation(struct cache *c);

/* Returns 1 and the number in *out when c holds a current number for key, else 0. */
int cache_get_int(struct cache *c, const char *key, int64_t *out /* out */);
/* Returns a copy (NUL-terminated, its length in *len unless len is NULL; the caller frees it)
 * when c holds a current text for key, else NULL. */
char *cache_get_text(struct cache *c, const char *key, size_t *len /* out */);

/* Keep v (text: len bytes of text, copied) for key, computed at generation (cache_generation
 * before computing it); replaces whatever the slot held. Nothing is kept for a NULL or
 * over-long key, or an over-long text. */
void cache_put_int(struct cache *c, const char *key, uint64_t generation, int64_t v);
void cache_put_text(struct cache *c, const char *key, uint64_t generation, const char *text,
                    size_t len);

/* Forgets every value and frees the slots (tests; the next store allocates them again). */
void cache_clear(struct cache *c);

#endif
