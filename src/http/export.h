/* SPDX-License-Identifier: MIT */
/*
 * Lists as files: `?format=csv|xlsx` on any list answers the same rows as a download. CSV
 * headers are the JSON field names (so an export can be edited and imported back); Excel
 * headers are the Chinese labels staff read.
 */
#ifndef JG_EXPORT_H
#define JG_EXPORT_H

#include "db/db.h"
#include "http/http.h"
#include "record/record.h"

#define EXPORT_MAX_ROWS 100000

enum export_format { EXPORT_NONE, EXPORT_CSV, EXPORT_XLSX };

/* Reads ?format=; answers 422 and returns ERR_INVALID for an unknown format. */
int export_format_or_reply(struct req *req, struct resp *resp, int *format /* out */);
/* Steps st to the end and answers the rows as a file named filename (without extension).
 * The columns are rec's (rec_columns): CSV headers are the field names, Excel headers their
 * labels; formula-like text is escaped (core/formula.h). Returns 0 or an error. */
int reply_export(struct resp *resp, struct db_stmt *st, int format, const char *filename,
                 struct record *rec);

#endif
