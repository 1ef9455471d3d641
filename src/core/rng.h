/* SPDX-License-Identifier: MIT */
/*
 * rng.h - deterministic random numbers from a ChaCha20 keystream.
 *
 * Owns a reproducible stream: the same seed gives the same values on every
 * machine, whatever its byte order, so seeded demo data and draws can be
 * regenerated and audited.  The stream is libsodium's crypto_stream_chacha20
 * (original 64-bit-nonce ChaCha20), nonce all zero, block counter from 0,
 * read in order; multi-byte values are assembled little-endian.  Not for
 * secrets: use randombytes_buf() for keys and tokens.
 *
 * The caller must have called sodium_init() successfully first.
 */
#ifndef JIANGUAN_CORE_RNG_H
#define JIANGUAN_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

#define RNG_KEY_BYTES 32
#define RNG_BUF_BYTES 1024 /* a multiple of the 64-byte ChaCha20 block */

struct rng {
    unsigned char key[RNG_KEY_BYTES];
    unsigned char buf[RNG_BUF_BYTES];
    size_t pos;     /* next unread byte of buf; RNG_BUF_BYTES means empty */
    uint64_t block; /* ChaCha20 block counter of the next refill */
};

/*
 * Initialises r from a 64-bit seed: the key is the seed's 8 bytes
 * little-endian followed by 24 zero bytes.
 */
void rng_init_seed(struct rng *r, uint64_t seed);

/* Initialises r from 32 raw key bytes (copied). */
void rng_init_key(struct rng *r, const unsigned char key[RNG_KEY_BYTES]);

/* Wipes the key and buffered keystream of r; r must be initialised again before use. */
void rng_dispose(struct rng *r);

/* Fills out[0..len) with the next len keystream bytes. */
void rng_bytes(struct rng *r, void *out, size_t len);

/* Returns the next 4 keystream bytes as a little-endian uint32_t. */
uint32_t rng_u32(struct rng *r);

/* Returns the next 8 keystream bytes as a little-endian uint64_t. */
uint64_t rng_u64(struct rng *r);

/*
 * Returns a uniform value in [0, n) by rejection sampling over rng_u32(), so
 * without modulo bias; n must be > 0 (n == 0 returns 0 and draws nothing).
 */
uint32_t rng_below(struct rng *r, uint32_t n);

/*
 * Returns 1 with probability per_million / 1,000,000, else 0 (always 1 from
 * 1,000,000 up).  Always draws, so the stream does not depend on the odds.
 */
int rng_chance(struct rng *r, uint32_t per_million);

#endif
