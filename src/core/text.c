/* SPDX-License-Identifier: MIT */
/* Accepted text (see text.h). */
#include "core/text.h"
#include "core/strbuf.h"

#include <string.h>

/* Decodes the code point at p (well-formed UTF-8 assumed) and its length in bytes. */
static unsigned decode(const unsigned char *p, int *n)
{
    if (p[0] < 0x80) {
        *n = 1;
        return p[0];
    }
    if (p[0] < 0xE0) {
        *n = 2;
        return (unsigned)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    }
    if (p[0] < 0xF0) {
        *n = 3;
        return (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    }
    *n = 4;
    return (unsigned)(p[0] & 0x07) << 18 | (unsigned)(p[1] & 0x3F) << 12 |
           (unsigned)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

int text_check(const char *s, size_t len, int multiline)
{
    if (!utf8_valid(s, len) || memchr(s, '\0', len))
        return TEXT_UTF8;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        int n;
        unsigned c = decode(p, &n);
        int lf = c == '\n' || c == '\t' || (c == '\r' && p + 1 < end && p[1] == '\n');
        if ((c < 0x20 && !(multiline && lf)) || (c >= 0x7F && c <= 0x9F))
            return TEXT_CONTROL;
        if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
            return TEXT_BIDI;
        p += n;
    }
    return TEXT_OK;
}

/* The length of the white space that ends at (backward) or starts at (forward) p, or 0. */
static size_t space_at(const unsigned char *p, size_t avail, int backward)
{
    static const char *const wide[] = {"\xC2\xA0", "\xE3\x80\x80"}; /* U+00A0, U+3000 */
    if (avail && strchr(" \t\r\n", backward ? p[-1] : p[0]) && (backward ? p[-1] : p[0]))
        return 1;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        size_t k = strlen(wide[i]);
        if (avail >= k && !memcmp(backward ? p - k : p, wide[i], k))
            return k;
    }
    return 0;
}

void text_trim(const char **s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t n = *len, k;
    while (n && (k = space_at(p, n, 0))) {
        p += k;
        n -= k;
    }
    while (n && (k = space_at(p + n, n, 1)))
        n -= k;
    *s = (const char *)p;
    *len = n;
}

const char *text_problem_message(int problem)
{
    switch (problem) {
    case TEXT_CONTROL: return "含有控制字符或不允许的换行";
    case TEXT_BIDI: return "含有改变文字方向的控制字符";
    case TEXT_UTF8: return "含有非法字符";
    default: return "";
    }
}
