/* SPDX-License-Identifier: MIT */
/*
 * The built web UI (web/dist), read into memory at start-up and served from there: no path
 * from a request ever reaches the file system. Hashed assets are cached for a year,
 * index.html never; brotli or gzip copies made by the build are sent to browsers that take them;
 * any other GET outside /api/ gets index.html (client-side routing).
 */
#ifndef JG_STATIC_H
#define JG_STATIC_H

#include "http/http.h"

/* Loads every file under root; returns 0, or ERR_IO when root is unreadable. */
int static_init(const char *root);
void static_free(void);
/* Answers a GET for a UI path; returns 0 if it did, ERR_NOTFOUND otherwise. */
int static_serve(struct req *req, struct resp *resp);
/* Whether an Accept-Encoding header value accepts coding ("br", "gzip"): named without q=0,
 * or covered by "*". NULL accepts nothing. Pure. */
int static_accepts(const char *accept, const char *coding);

#endif
