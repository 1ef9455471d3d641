/* SPDX-License-Identifier: MIT */
/* Fixed-window rate limiting over an open-addressed table with stalest-slot reuse. */
#include "core/ratelimit.h"

#include <stdio.h>
#include <string.h>

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

void ratelimit_set(struct ratelimit *rl, unsigned limit, int64_t window)
{
    pthread_mutex_lock(&rl->lock);
    rl->limit = limit;
    rl->window = window > 0 ? window : 1;
    pthread_mutex_unlock(&rl->lock);
}

int ratelimit_hit(struct ratelimit *rl, const char *key, int64_t now)
{
    pthread_mutex_lock(&rl->lock);
    if (rl->limit == 0) {
        pthread_mutex_unlock(&rl->lock);
        return 1;
    }
    /* Probe a short run of slots: the key's own, else an empty or expired one, else the
     * stalest of the run. */
    uint32_t h = hash_key(key);
    struct ratelimit_slot *slot = NULL, *vacant = NULL, *stalest = NULL;
    for (unsigned i = 0; i < 8 && !slot; i++) {
        struct ratelimit_slot *s = &rl->slots[(h + i) % RATELIMIT_SLOTS];
        if (s->key[0] && strncmp(s->key, key, RATELIMIT_KEY - 1) == 0)
            slot = s;
        else if (!s->key[0] || now - s->start >= rl->window)
            vacant = vacant ? vacant : s;
        else if (!stalest || s->start < stalest->start)
            stalest = s;
    }
    int fresh = !slot;
    if (!slot)
        slot = vacant ? vacant : stalest;
    if (fresh) {
        snprintf(slot->key, sizeof slot->key, "%s", key);
        slot->start = now;
        slot->count = 0;
    }
    if (now - slot->start >= rl->window) {
        slot->start = now;
        slot->count = 0;
    }
    int allowed = slot->count < rl->limit;
    if (allowed)
        slot->count++;
    pthread_mutex_unlock(&rl->lock);
    return allowed;
}
