/* SPDX-License-Identifier: MIT */
/*
 * The answer cache (see cache.h): slots picked by a 64-bit FNV-1a hash of the key, each owning
 * a copy of its key and of its text. A lookup compares the hash, then the whole key, then the
 * generation and the age; a store replaces the slot's contents. The cache owns what its slots
 * hold until they are replaced or cleared.
 */
#include "http/cache.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/timeutil.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

struct cache_slot {
    char *key; /* NULL: empty */
    uint64_t hash, generation;
    int64_t at;  /* when stored (the cache's clock) */
    int is_text; /* else num holds the value */
    int64_t num;
    char *text;
    size_t len;
};

static int64_t now_of(struct cache *c)
{
    return c->clock ? c->clock() : time_now();
}

uint64_t cache_generation(struct cache *c)
{
    return c->generation ? c->generation() : db_generation();
}

/* The length of key, or 0 when it may not be cached (NULL or longer than CACHE_MAX_KEY); an
 * empty key has length 0 too but is usable, hence *ok. */
static size_t key_len(const char *key, int *ok)
{
    size_t len = key ? strnlen(key, CACHE_MAX_KEY + 1) : 0;
    *ok = key && len <= CACHE_MAX_KEY;
    return len;
}

/* The slot holding a current value for key, or NULL; c->lock is held. */
static struct cache_slot *lookup(struct cache *c, const char *key, int is_text)
{
    int ok;
    size_t len = key_len(key, &ok);
    if (!ok || !c->slots)
        return NULL;
    uint64_t h = hash_bytes(key, len);
    struct cache_slot *s = &c->slots[h % (uint64_t)c->nslots];
    if (!s->key || s->hash != h || s->is_text != is_text || strcmp(s->key, key))
        return NULL;
    if (s->generation != cache_generation(c))
        return NULL;
    int64_t age = now_of(c) - s->at;
    return age >= 0 && age < c->ttl ? s : NULL;
}

int cache_get_int(struct cache *c, const char *key, int64_t *out)
{
    pthread_mutex_lock(&c->lock);
    struct cache_slot *s = lookup(c, key, 0);
    if (s)
        *out = s->num;
    pthread_mutex_unlock(&c->lock);
    return s != NULL;
}

char *cache_get_text(struct cache *c, const char *key, size_t *len)
{
    char *copy = NULL;
    pthread_mutex_lock(&c->lock);
    struct cache_slot *s = lookup(c, key, 1);
    if (s) {
        copy = xmalloc(s->len + 1);
        memcpy(copy, s->text, s->len + 1);
        if (len)
            *len = s->len;
    }
    pthread_mutex_unlock(&c->lock);
    return copy;
}

static void slot_dispose(struct cache_slot *s)
{
    free(s->key);
    free(s->text);
    *s = (struct cache_slot){0};
}

/* Stores into key's slot; the copies are made before taking the lock. */
static void put(struct cache *c, const char *key, uint64_t generation, int is_text, int64_t num,
                const char *text, size_t len)
{
    int ok;
    size_t klen = key_len(key, &ok);
    if (!ok || c->nslots <= 0 || (is_text && (!text || len > CACHE_MAX_TEXT)))
        return;
    struct cache_slot v = {
        xstrndup(key, klen), hash_bytes(key, klen), generation, now_of(c), is_text, num, NULL, 0};
    if (is_text) {
        v.text = xmalloc(len + 1);
        memcpy(v.text, text, len);
        v.text[len] = '\0';
        v.len = len;
    }
    pthread_mutex_lock(&c->lock);
    if (!c->slots)
        c->slots = xcalloc((size_t)c->nslots, sizeof *c->slots);
    struct cache_slot *s = &c->slots[v.hash % (uint64_t)c->nslots], old = *s;
    *s = v;
    pthread_mutex_unlock(&c->lock);
    slot_dispose(&old);
}

void cache_put_int(struct cache *c, const char *key, uint64_t generation, int64_t v)
{
    put(c, key, generation, 0, v, NULL, 0);
}

void cache_put_text(struct cache *c, const char *key, uint64_t generation, const char *text,
                    size_t len)
{
    put(c, key, generation, 1, 0, text, len);
}

void cache_clear(struct cache *c)
{
    pthread_mutex_lock(&c->lock);
    struct cache_slot *slots = c->slots;
    c->slots = NULL;
    pthread_mutex_unlock(&c->lock);
    for (int i = 0; slots && i < c->nslots; i++)
        slot_dispose(&slots[i]);
    free(slots);
}
