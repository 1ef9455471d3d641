/* SPDX-License-Identifier: MIT */
/*
 * Connections per client address, across all of the server's event threads. Each thread runs a
 * libmicrohttpd daemon of its own (server.c), and a daemon counts only its own connections, so
 * the --max-connections-per-ip limit is kept here: a connection is admitted and counted as it is
 * accepted, and forgotten as it closes. (One that libmicrohttpd drops between the two, which it
 * does only when it cannot allocate, stays counted.) Thread-safe.
 */
#ifndef JG_PEERS_H
#define JG_PEERS_H

#include <sys/socket.h>

/* Keeps at most limit connections per address (0: no limit), for a server that holds at most max
 * connections in all. */
void peers_init(unsigned limit, unsigned max);
void peers_free(void);

/* A connection from addr was accepted: returns 1 and counts it when its address is below the
 * limit, else 0. An address that is not IPv4 or IPv6, or no limit, admits without counting.
 * The check and the count are one step, so that event threads accepting from one address at
 * once cannot pass the limit together. */
int peers_admit(const struct sockaddr *addr, socklen_t len);
/* A connection that peers_admit admitted has closed: forgotten if it was counted. */
void peers_leave(const struct sockaddr *addr, socklen_t len);
/* The connections counted now from addr's address (for tests). */
unsigned peers_count(const struct sockaddr *addr, socklen_t len);

#endif
