/* SPDX-License-Identifier: MIT */
/*
 * Connections per client address, across all of the server's event threads. Each thread runs a
 * libmicrohttpd daemon of its own (server.c), and a daemon counts only its own connections, so
 * the --max-connections-per-ip limit is kept here: a connection is admitted as it is accepted,
 * counted as it opens, and forgotten as it closes. Thread-safe.
 */
#ifndef JG_PEERS_H
#define JG_PEERS_H

#include <sys/socket.h>

/* Keeps at most limit connections per address (0: no limit), for a server that holds at most max
 * connections in all. */
void peers_init(unsigned limit, unsigned max);
void peers_free(void);

/* A connection from addr was accepted: returns 1 when its address is below the limit (an
 * address that is not IPv4 or IPv6 is not limited), else 0. Counts nothing: libmicrohttpd may
 * still drop the connection before it opens, unannounced. */
int peers_admit(const struct sockaddr *addr, socklen_t len);
/* A connection from addr opened: counts it; returns 1 when counted (to be left), else 0. Two
 * event threads accepting from one address at once may take it one past the limit each. */
int peers_join(const struct sockaddr *addr, socklen_t len);
/* A connection that peers_join counted has closed. */
void peers_leave(const struct sockaddr *addr, socklen_t len);
/* The connections counted now from addr's address (for tests). */
unsigned peers_count(const struct sockaddr *addr, socklen_t len);

#endif
