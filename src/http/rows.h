/* SPDX-License-Identifier: MIT */
/*
 * Query rows to JSON: a column named `x` becomes the member "x" with its SQL type (integer,
 * real, text, null). Columns whose name ends in "_json" hold JSON text and are embedded
 * parsed, under the name without the suffix. Page and page size are read here for every list.
 */
#ifndef JG_ROWS_H
#define JG_ROWS_H

#include <jansson.h>

#include "db/db.h"
#include "http/http.h"

/* Returns the current row as a new JSON object. */
json_t *row_to_json(struct db_stmt *st);
/* Steps st to the end, returns a new JSON array of its rows, or NULL on a database error. The
 * statement is reset. */
json_t *rows_to_json(struct db_stmt *st);
/* Reads ?page= and ?page_size= (default 20, at most 200); answers 422 on bad values. */
int req_page_or_reply(struct req *req, struct resp *resp, int64_t *page /* out */,
                      int64_t *size /* out */);

#endif
