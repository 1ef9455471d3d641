/* SPDX-License-Identifier: MIT */
/*
 * The hash of the platform's in-memory tables (FNV-1a, 64 bits): fast on the short keys they
 * hold (statement texts, cache keys, path heads, addresses); not for anything an attacker may
 * choose to collide on a large scale.
 */
#ifndef JG_HASH_H
#define JG_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

#endif
