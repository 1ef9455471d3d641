/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server on libmicrohttpd: connection handling, body limits, request ids, the access
 * log, and start/stop. Requests are handed to the router (router.h) once their body is in.
 */
#ifndef JG_SERVER_H
#define JG_SERVER_H

#include <stddef.h>

#include "http/http.h"

struct server_config {
    const char *listen;              /* "127.0.0.1:8080" or "[::1]:8080" */
    unsigned threads;                /* event threads; 0 = one per core */
    unsigned workers;                /* slow-pool workers; 0 = as many as event threads */
    unsigned max_queue;              /* slow requests waiting for a worker; 0 = 256 */
    size_t max_body;                 /* bytes; larger bodies get 413 */
    size_t max_body_memory;          /* bytes of bodies held at once, all requests; 0 = 128 MiB */
    unsigned max_connections;        /* concurrent connections */
    unsigned max_connections_per_ip; /* from one address; 0 = no limit */
    unsigned timeout;                /* idle seconds before a connection is closed */
    unsigned header_timeout;         /* seconds for a request head (deadline.h); 0 = none */
    unsigned min_body_rate;          /* bytes per second a body keeps up; 0 = no minimum */
    const char *web_root;            /* built UI (web/dist), NULL for none */
    const char *public_url;          /* how the public reaches us (QR codes); NULL: http://listen */
    const char *metrics_listen;      /* "127.0.0.1:9100": /metrics for anyone there; NULL: none */
};

/* Starts serving with cfg; returns 0 or ERR_IO (message logged). */
int server_start(const struct server_config *cfg);
/* Stops accepting, finishes requests in flight and stops the threads. */
void server_stop(void);

/* Appends the worker pools' metrics (queue depth, busy, refused) in Prometheus text. */
int server_metrics(struct strbuf *out);

/* The public base URL without a trailing slash ("https://jg.liaocheng.gov.cn"). */
const char *server_public_url(void);
/* Whether url's host is this machine only (localhost, 127.x, [::1], 0.0.0.0): QR codes that
 * point there cannot be opened by a phone. Pure. */
int server_url_is_loopback(const char *url);

/* Accessors used by request.c; they read the live connection of req. */
const char *server_query(const struct req *req, const char *name);
/* The first query name for which known(ctx, name) is 0, or NULL. */
const char *server_query_unknown(const struct req *req, int (*known)(const void *, const char *),
                                 const void *ctx);
const char *server_header(const struct req *req, const char *name);
const char *server_cookie(const struct req *req, const char *name);

#endif
