/* SPDX-License-Identifier: MIT */
/* QR encoding and two small image writers (SVG path; PNG through zlib). */
#include "core/qr.h"
#include "core/alloc.h"
#include "core/err.h"

#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define QUIET 4

static QRcode *encode(const char *text)
{
    if (!text || !*text || strlen(text) > 1000)
        return NULL;
    return QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
}

int qr_svg(const char *text, struct strbuf *out)
{
    QRcode *q = encode(text);
    if (!q)
        return ERR_INVALID;
    int w = q->width, size = w + 2 * QUIET;
    int rc = strbuf_printf(out,
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                           "shape-rendering=\"crispEdges\" width=\"%d\" height=\"%d\">"
                           "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
                           "<path fill=\"#000\" d=\"",
                           size, size, size * 8, size * 8);
    for (int y = 0; !rc && y < w; y++)
        for (int x = 0; !rc && x < w; x++) {
            if (!(q->data[y * w + x] & 1))
                continue;
            int run = 1;
            while (x + run < w && (q->data[y * w + x + run] & 1))
                run++;
            rc = strbuf_printf(out, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
            x += run - 1;
        }
    if (!rc)
        rc = strbuf_puts(out, "\"/></svg>");
    QRcode_free(q);
    return rc;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends one PNG chunk: length, type, data, CRC over type and data. */
static int chunk(struct strbuf *out, const char *type, const unsigned char *data, uint32_t len)
{
    unsigned char head[8], crc[4];
    put32(head, len);
    memcpy(head + 4, type, 4);
    uLong c = crc32(0, head + 4, 4);
    c = crc32(c, data, len);
    put32(crc, (uint32_t)c);
    int rc = strbuf_append(out, head, 8);
    if (!rc)
        rc = strbuf_append(out, data, len);
    if (!rc)
        rc = strbuf_append(out, crc, 4);
    return rc;
}

int qr_png(const char *text, int scale, struct strbuf *out)
{
    if (scale < 1 || scale > 32)
        return ERR_INVALID;
    QRcode *q = encode(text);
    if (!q)
        return ERR_INVALID;
    uint32_t side = (uint32_t)(q->width + 2 * QUIET) * (uint32_t)scale;
    size_t raw_len = (size_t)side * (side + 1); /* a filter byte per row, 8-bit grey */
    unsigned char *raw = xmalloc(raw_len);
    for (uint32_t y = 0; y < side; y++) {
        unsigned char *row = raw + (size_t)y * (side + 1);
        row[0] = 0;
        for (uint32_t x = 0; x < side; x++) {
            int mx = (int)(x / (uint32_t)scale) - QUIET, my = (int)(y / (uint32_t)scale) - QUIET;
            int dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
                       (q->data[my * q->width + mx] & 1);
            row[1 + x] = dark ? 0 : 255;
        }
    }
    QRcode_free(q);
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = xmalloc(zlen);
    int rc = compress2(z, &zlen, raw, (uLong)raw_len, 9) == Z_OK ? 0 : ERR_INTERNAL;
    free(raw);
    unsigned char ihdr[13];
    put32(ihdr, side);
    put32(ihdr + 4, side);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 0;  /* greyscale */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    if (!rc)
        rc = strbuf_append(out, "\x89PNG\r\n\x1a\n", 8);
    if (!rc)
        rc = chunk(out, "IHDR", ihdr, sizeof ihdr);
    if (!rc)
        rc = chunk(out, "IDAT", z, (uint32_t)zlen);
    if (!rc)
        rc = chunk(out, "IEND", (const unsigned char *)"", 0);
    free(z);
    return rc;
}
