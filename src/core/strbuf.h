/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer with a maximum size fixed at init (curl's dynbuf). The buffer is
 * always NUL-terminated; an append that would pass the maximum fails with ERR_TOOLARGE and
 * leaves the contents as they were. strbuf_take() hands the bytes to the caller.
 */
#ifndef JG_STRBUF_H
#define JG_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *buf;  /* NULL until the first append */
    size_t len; /* bytes in use, excluding the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* largest len allowed */
};

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_dispose(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);

/* Each append returns 0, or ERR_TOOLARGE and changes nothing. */
int strbuf_append(struct strbuf *sb, const void *data, size_t len);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_putc(struct strbuf *sb, char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends item, after sep unless sb is empty: a list of names, one at a time. */
int strbuf_item(struct strbuf *sb, const char *sep, const char *item);
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends s as a JSON string literal, quotes included. */
int strbuf_json_string(struct strbuf *sb, const char *s, size_t len);
/* Appends s as one CSV field (RFC 4180 quoting when needed). */
int strbuf_csv_field(struct strbuf *sb, const char *s, size_t len);

/* Returns the number of characters (code points) of UTF-8 text s, which users see as its
 * length; continuation bytes are not counted. */
size_t utf8_len(const char *s);

/* Returns 1 if s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or code points
 * past U+10FFFF), 0 otherwise. */
int utf8_valid(const char *s, size_t len);

/* Returns the length of the longest prefix of s of at most max bytes that does not end inside
 * a character: where to cut text to fit a field. */
size_t utf8_prefix(const char *s, size_t max);

/* Returns the contents ("" when empty); the buffer keeps ownership. */
const char *strbuf_get(const struct strbuf *sb);
/* Returns the heap bytes (never NULL) and leaves the buffer empty; caller frees. */
char *strbuf_take(struct strbuf *sb, size_t *len /* out, may be NULL */);

#endif
