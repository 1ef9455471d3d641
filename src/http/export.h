/* SPDX-License-Identifier: MIT */
/*
 * Lists as files: `?format=csv|xlsx` on any list answers the same rows as a download. CSV
 * headers are the JSON field names (so an export can be edited and imported back); Excel
 * headers are the Chinese labels staff read. A column named `x_json` is written as `x`.
 */
#ifndef JG_EXPORT_H
#define JG_EXPORT_H

#include "db/db.h"
#include "http/http.h"

#define EXPORT_MAX_ROWS 100000

struct export_label {
    const char *field, *label;
};

enum export_format { EXPORT_NONE, EXPORT_CSV, EXPORT_XLSX };

/* Spreadsheets run a cell that starts with = + - or @ as a formula, so a name imported from
 * elsewhere ("=HYPERLINK(...)") could act when staff open an export. Such text cells are
 * written with a leading apostrophe, which Excel shows as plain text; the import takes it
 * off again (export_unescape), so an export still re-imports unchanged. */
int export_needs_escape(const char *s);
/* Returns s without the apostrophe export_needs_escape() added, if any. */
const char *export_unescape(const char *s);

/* Reads ?format=; answers 422 and returns ERR_INVALID for an unknown format. */
int export_format_or_reply(struct req *req, struct resp *resp, int *format /* out */);
/* Steps st to the end and answers the rows as a file named filename (without extension).
 * labels (NULL-field-terminated) name the Excel headers. Returns 0 or an error. */
int reply_export(struct resp *resp, struct db_stmt *st, int format, const char *filename,
                 const struct export_label *labels);

#endif
