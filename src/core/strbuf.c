/* SPDX-License-Identifier: MIT */
/* Bounded, always-terminated byte buffers. */
#include "core/strbuf.h"
#include "core/alloc.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *sb, size_t max)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->max = max;
}

void strbuf_dispose(struct strbuf *sb)
{
    free(sb->buf);
    strbuf_init(sb, sb->max);
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

/* Makes room for len more bytes plus the NUL; returns 0 or ERR_TOOLARGE. */
static int reserve(struct strbuf *sb, size_t len)
{
    if (len > sb->max || sb->len > sb->max - len)
        return ERR_TOOLARGE;
    size_t need = sb->len + len + 1;
    if (need <= sb->cap)
        return 0;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > sb->max + 1)
        cap = sb->max + 1;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
    return 0;
}

int strbuf_append(struct strbuf *sb, const void *data, size_t len)
{
    if (reserve(sb, len))
        return ERR_TOOLARGE;
    if (len)
        memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
    return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s)
{
    return strbuf_append(sb, s, strlen(s));
}

int strbuf_putc(struct strbuf *sb, char c)
{
    return strbuf_append(sb, &c, 1);
}

int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return ERR_INTERNAL;
    if (reserve(sb, (size_t)n))
        return ERR_TOOLARGE;
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
    return 0;
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
    return rc;
}

int strbuf_json_string(struct strbuf *sb, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = sb->len;
    int rc = strbuf_putc(sb, '"');
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = strbuf_append(sb, esc, 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            rc = strbuf_append(sb, esc, 6);
        } else { /* the run of bytes that need no escape, in one append */
            size_t n = 1;
            while (i + n < len && s[i + n] != '"' && s[i + n] != '\\' &&
                   (unsigned char)s[i + n] >= 0x20)
                n++;
            rc = strbuf_append(sb, s + i, n);
            i += n - 1;
        }
    }
    if (!rc)
        rc = strbuf_putc(sb, '"');
    if (rc) {
        sb->len = start;
        if (sb->buf)
            sb->buf[start] = '\0';
    }
    return rc;
}

int strbuf_csv_field(struct strbuf *sb, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = 1;
    if (!quote)
        return strbuf_append(sb, s, len);
    size_t start = sb->len;
    int rc = strbuf_putc(sb, '"');
    for (size_t i = 0; i < len && !rc; i++)
        rc = s[i] == '"' ? strbuf_append(sb, "\"\"", 2) : strbuf_putc(sb, s[i]);
    if (!rc)
        rc = strbuf_putc(sb, '"');
    if (rc) {
        sb->len = start;
        if (sb->buf)
            sb->buf[start] = '\0';
    }
    return rc;
}

int strbuf_item(struct strbuf *sb, const char *sep, const char *item)
{
    return strbuf_printf(sb, "%s%s", sb->len ? sep : "", item);
}

size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p++;
        if (c < 0x80)
            continue;
        int n;
        unsigned min, cp;
        if (c >= 0xC2 && c <= 0xDF)
            n = 1, min = 0x80, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2, min = 0x800, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3, min = 0x10000, cp = c & 0x07;
        else
            return 0;
        if (end - p < n)
            return 0;
        for (int i = 0; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n;
    }
    return 1;
}

size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

const char *strbuf_get(const struct strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

char *strbuf_take(struct strbuf *sb, size_t *len)
{
    char *p = sb->buf ? sb->buf : xstrdup("");
    if (len)
        *len = sb->len;
    strbuf_init(sb, sb->max);
    return p;
}
