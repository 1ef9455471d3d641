/* SPDX-License-Identifier: MIT */
/*
 * rng.c - ChaCha20 keystream reader behind struct rng.
 *
 * Keystream blocks are produced by XORing zeros with
 * crypto_stream_chacha20_xor_ic() at an explicit block counter, RNG_BUF_BYTES
 * at a time, so the stream is the plain ChaCha20 keystream for (key, nonce 0)
 * and does not depend on the buffer size.  Values are assembled byte by byte,
 * little-endian, never by copying into an integer, so byte order and
 * alignment of the host do not matter.
 */
#include "core/rng.h"

#include <string.h>

#include <sodium.h>

/* Refills r->buf with the next RNG_BUF_BYTES of keystream. */
static void rng_refill(struct rng *r)
{
    static const unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {0};

    memset(r->buf, 0, sizeof r->buf);
    crypto_stream_chacha20_xor_ic(r->buf, r->buf, sizeof r->buf, nonce, r->block, r->key);
    r->block += RNG_BUF_BYTES / 64;
    r->pos = 0;
}

void rng_init_key(struct rng *r, const unsigned char key[RNG_KEY_BYTES])
{
    memcpy(r->key, key, RNG_KEY_BYTES);
    memset(r->buf, 0, sizeof r->buf);
    r->pos = RNG_BUF_BYTES;
    r->block = 0;
}

void rng_init_seed(struct rng *r, uint64_t seed)
{
    unsigned char key[RNG_KEY_BYTES] = {0};

    for (int i = 0; i < 8; i++)
        key[i] = (unsigned char)(seed >> (8 * i));
    rng_init_key(r, key);
}

void rng_dispose(struct rng *r)
{
    sodium_memzero(r, sizeof *r);
    r->pos = RNG_BUF_BYTES;
}

void rng_bytes(struct rng *r, void *out, size_t len)
{
    unsigned char *o = out;

    while (len > 0) {
        size_t n;

        if (r->pos >= RNG_BUF_BYTES)
            rng_refill(r);
        n = RNG_BUF_BYTES - r->pos;
        if (n > len)
            n = len;
        memcpy(o, r->buf + r->pos, n);
        r->pos += n;
        o += n;
        len -= n;
    }
}

uint32_t rng_u32(struct rng *r)
{
    unsigned char b[4];
    uint32_t v = 0;

    rng_bytes(r, b, sizeof b);
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

uint64_t rng_u64(struct rng *r)
{
    unsigned char b[8];
    uint64_t v = 0;

    rng_bytes(r, b, sizeof b);
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
    /* Values below 2^32 mod n would make the low residues likelier: reject them. */
    uint32_t threshold;

    if (n == 0)
        return 0;
    threshold = (uint32_t)(0u - n) % n;
    for (;;) {
        uint32_t x = rng_u32(r);
        if (x >= threshold)
            return x % n;
    }
}

int rng_chance(struct rng *r, uint32_t per_million)
{
    return rng_below(r, 1000000u) < per_million;
}
