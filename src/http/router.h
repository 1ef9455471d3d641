/* SPDX-License-Identifier: MIT */
/*
 * The route table of the whole platform, merged from every module's table at start-up, and
 * the dispatcher: 404 or 405, authentication, role, CSRF, body validation, then the handler,
 * and the one place that turns an error code into an HTTP answer.
 */
#ifndef JG_ROUTER_H
#define JG_ROUTER_H

#include "http/http.h"

/* Builds the table from the modules' tables; returns 0. */
int router_init(void);
/* Number of routes and the route at index i (for metrics and help). */
int router_count(void);
const struct route *router_get(int i);
/* Whether p may call route r: its role is one the route names (administrators may call every
 * route), or the route is public. */
int router_may_call(const struct route *r, const struct principal *p);
/* Where an admitted req (router_admit) should run: at once on the event thread (reads;
 * anything not admitted was answered already), on the slow pool (routes flagged ROUTE_SLOW,
 * exports of lists), or on the write pool (every other method but GET: it waits for its group
 * commit). */
enum placement { PLACE_INLINE, PLACE_SLOW, PLACE_WRITE };
int router_placement(const struct req *req);
/* Decides from the request head alone whether req may go on: finds its route (or answers a
 * file of the UI, 404 or 405), authenticates, checks the role, the CSRF token and the body's
 * media type. Returns 0 to go on (req->route is set), 1 when resp holds the answer. The server
 * calls it before reading any body, so that a refused upload is never read. */
int router_admit(struct req *req, struct resp *resp);
/* For a handler of a ROUTE_AUTH_RECHECKED route whose caller came from the token cache
 * (req->user_cached) and whose own statement found the cached principal no longer holds:
 * forgets the token on this thread and authenticates and authorizes req afresh. Returns 0
 * (req->user now read from the database), or an error with resp answered (401, 403). Returns
 * 0 at once when req->user was not cached. */
int router_recheck_or_reply(struct req *req, struct resp *resp);
/* Fills resp for req (admitting it first unless done). Never fails: every failure becomes an
 * error response. */
void router_dispatch(struct req *req, struct resp *resp);
/* The same for a request the server makes on p's behalf (a background export): p's
 * credentials stand for the request's, and the route's roles still apply. */
void router_dispatch_as(struct req *req, struct resp *resp, const struct principal *p);

#endif
