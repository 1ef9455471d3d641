/* SPDX-License-Identifier: MIT */
/* The audit log's HTTP helpers for other modules' routes: a record's history pane. */
#ifndef JG_AUDIT_ROUTES_H
#define JG_AUDIT_ROUTES_H

#include "http/http.h"

/* Answers the paged audit rows of object, newest first ({items,total,...}); accounts bound to
 * an entity do not see staff addresses. The caller has checked that req may see object. */
int audit_history_reply(struct req *req, struct resp *resp, const char *object);

#endif
