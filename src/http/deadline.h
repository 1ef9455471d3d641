/* SPDX-License-Identifier: MIT */
/*
 * Deadlines libmicrohttpd does not keep. Its idle timeout restarts on every byte, so a client
 * that trickles a request head or a body a byte at a time holds a connection for ever, and a
 * thousand such clients hold them all. A watcher thread closes a connection whose request head
 * has not arrived within the head timeout, or whose body falls below the minimum rate. While
 * the connections in use near the limit, a head gets one second only: real clients send theirs
 * in milliseconds, and the slots go to them rather than to whoever holds them longest.
 *
 * Each connection is watched from its opening to its closing, in one of three phases set by
 * the server: waiting for a head (also between keep-alive requests: an idle connection is
 * closed after the head timeout too), receiving a body, or busy (a handler, a worker or the
 * answer owns it; no deadline but libmicrohttpd's idle timeout).
 */
#ifndef JG_DEADLINE_H
#define JG_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

struct watch;

/* Starts the watcher: head_timeout seconds for a request head (0: no deadline), min_rate bytes
 * per second for a body once it has run head_timeout seconds (0: no minimum); pressure is the
 * number of open connections from which heads get one second. Returns 0 or -1. */
int deadline_start(unsigned head_timeout, unsigned min_rate, unsigned pressure);
/* Stops the watcher; connections stay watched until they close. */
void deadline_stop(void);

/* A connection opened on socket fd: watched, waiting for its head. */
struct watch *deadline_open(int fd);
/* The connection closed (its socket still open): no longer watched, freed. NULL is allowed. */
void deadline_close(struct watch *w);

/* The head is in; a body of n more bytes may follow. */
void deadline_head(struct watch *w);
/* n more bytes of the body arrived. */
void deadline_body(struct watch *w, size_t n);
/* A handler or the answer owns the connection. */
void deadline_busy(struct watch *w);
/* The answer is sent; the connection waits for its next head. */
void deadline_idle(struct watch *w);

/* Connections closed so far for a late head and for a slow body. */
void deadline_counts(uint64_t *heads, uint64_t *bodies);

#endif
