/* SPDX-License-Identifier: MIT */
/*
 * The counts live in an open-addressed table (linear probing, deletion by shifting back), sized
 * at twice the connections the server may hold, so that it never fills: there are never more
 * addresses in it than connections. One lock: it is taken once as a connection opens and once
 * as it closes, not per request.
 */
#include "http/peers.h"
#include "core/alloc.h"
#include "core/hash.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct peer {
    unsigned char addr[16];
    uint8_t family; /* 0: a free slot; 4 or 6 */
    unsigned count;
};

static struct {
    pthread_mutex_t lock;
    struct peer *slots;
    size_t mask; /* slots - 1 */
    unsigned limit;
} g = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

void peers_init(unsigned limit, unsigned max)
{
    peers_free();
    if (!limit)
        return;
    size_t cap = 16;
    while (cap < (size_t)max * 2)
        cap *= 2;
    pthread_mutex_lock(&g.lock);
    g.slots = xcalloc(cap, sizeof *g.slots);
    g.mask = cap - 1;
    g.limit = limit;
    pthread_mutex_unlock(&g.lock);
}

void peers_free(void)
{
    pthread_mutex_lock(&g.lock);
    free(g.slots);
    g.slots = NULL;
    g.mask = 0;
    g.limit = 0;
    pthread_mutex_unlock(&g.lock);
}

/* The key of addr; 0 for an address of another family. */
static int key_of(const struct sockaddr *addr, socklen_t len, struct peer *k)
{
    memset(k, 0, sizeof *k);
    if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        memcpy(k->addr, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        k->family = 4;
    } else if (addr && addr->sa_family == AF_INET6 &&
               len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        memcpy(k->addr, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
        k->family = 6;
    }
    return k->family != 0;
}

static size_t hash_of(const struct peer *k)
{
    uint64_t h = hash_bytes(k->addr, sizeof k->addr) ^ k->family;
    return (size_t)(h ^ (h >> 29));
}

/* The slot holding k, or the free slot where it belongs; SIZE_MAX when neither is there (a full
 * table: never while every counted connection is left as it closes). g.lock held, a table. */
static size_t find(const struct peer *k)
{
    size_t i = hash_of(k) & g.mask;
    for (size_t n = 0; n <= g.mask; n++, i = (i + 1) & g.mask)
        if (!g.slots[i].family ||
            (g.slots[i].family == k->family && !memcmp(g.slots[i].addr, k->addr, 16)))
            return i;
    return SIZE_MAX;
}

int peers_admit(const struct sockaddr *addr, socklen_t len)
{
    struct peer k;
    if (!key_of(addr, len, &k))
        return 1;
    pthread_mutex_lock(&g.lock);
    size_t i = g.slots ? find(&k) : SIZE_MAX;
    int ok = !g.slots;
    if (i != SIZE_MAX && g.slots[i].count < g.limit) {
        if (!g.slots[i].family)
            g.slots[i] = k;
        g.slots[i].count++;
        ok = 1;
    }
    pthread_mutex_unlock(&g.lock);
    return ok;
}

void peers_leave(const struct sockaddr *addr, socklen_t len)
{
    struct peer k;
    if (!key_of(addr, len, &k))
        return;
    pthread_mutex_lock(&g.lock);
    size_t i = g.slots ? find(&k) : SIZE_MAX;
    if (i != SIZE_MAX && g.slots[i].family && --g.slots[i].count == 0) {
        /* Shift back the entries after the hole that would no longer be found past it; the
         * walk ends at a free slot, and there is one: the hole. */
        size_t hole = i;
        memset(&g.slots[hole], 0, sizeof g.slots[hole]);
        for (size_t j = (i + 1) & g.mask; g.slots[j].family; j = (j + 1) & g.mask) {
            size_t home = hash_of(&g.slots[j]) & g.mask;
            if (((j - home) & g.mask) >= ((j - hole) & g.mask)) {
                g.slots[hole] = g.slots[j];
                memset(&g.slots[j], 0, sizeof g.slots[j]);
                hole = j;
            }
        }
    }
    pthread_mutex_unlock(&g.lock);
}

unsigned peers_count(const struct sockaddr *addr, socklen_t len)
{
    struct peer k;
    unsigned n = 0;
    if (!key_of(addr, len, &k))
        return 0;
    pthread_mutex_lock(&g.lock);
    size_t i = g.slots ? find(&k) : SIZE_MAX;
    if (i != SIZE_MAX)
        n = g.slots[i].count;
    pthread_mutex_unlock(&g.lock);
    return n;
}
