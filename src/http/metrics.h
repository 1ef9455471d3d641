/* SPDX-License-Identifier: MIT */
/*
 * Prometheus metrics: requests by route and status, a latency histogram, open connections and
 * the database size. Counters are relaxed atomics: one increment per request, no lock.
 */
#ifndef JG_METRICS_H
#define JG_METRICS_H

#include <stdint.h>

#include "core/strbuf.h"

/* Sizes the per-route counters; call once before serving. */
void metrics_init(int nroutes);
void metrics_free(void);
/* Records one answered request; route is -1 when no route matched. */
void metrics_observe(int route, int status, uint64_t ns);
void metrics_connection(int delta);
/* Appends the exposition text; returns 0 or ERR_TOOLARGE. */
int metrics_render(struct strbuf *out);

#endif
