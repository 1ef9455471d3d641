/* SPDX-License-Identifier: MIT */
/*
 * QR codes (libqrencode) drawn as SVG or PNG: 一企一码 enterprise codes, cylinder labels and
 * report codes all come from here.
 */
#ifndef JG_QR_H
#define JG_QR_H

#include "core/strbuf.h"

/* Appends an SVG image of text encoded as a QR code (error correction M, 4-module quiet zone).
 * Returns 0, ERR_INVALID when text cannot be encoded, or ERR_TOOLARGE. */
int qr_svg(const char *text, struct strbuf *out);
/* Appends a greyscale PNG with scale pixels per module (1..32). Same returns. */
int qr_png(const char *text, int scale, struct strbuf *out);

#endif
