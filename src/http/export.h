/* SPDX-License-Identifier: MIT */
/*
 * Lists as files: `?format=csv|xlsx` on any list answers the same rows as a download. CSV is
 * for machines: headers are the JSON field names and values as the API gives them, so an
 * export can be edited and imported back. Excel is for clerks: Chinese headers, enumerations
 * by their Chinese labels, 是/否, dates and instants as Excel dates. Files are named after
 * the list and the day ("市场主体_20261202.xlsx").
 *
 * An export answered at once stops at EXPORT_MAX_ROWS; a larger one runs in the background
 * (http/export_jobs.c) through the same route, with a struct export_progress on the request.
 */
#ifndef JG_EXPORT_H
#define JG_EXPORT_H

#include "db/db.h"
#include "http/http.h"
#include "record/record.h"

#include <stdatomic.h>

#define EXPORT_MAX_ROWS 100000      /* an export answered at once */
#define EXPORT_JOB_MAX_ROWS 2000000 /* a background export */

/* A background export's limit and counters, shared between its thread and whoever polls. */
struct export_progress {
    atomic_llong rows;  /* written so far */
    atomic_llong total; /* rows the export will hold, -1 until counted */
    atomic_int cancel;  /* set to stop the export (shutdown); it then fails ERR_UNAVAILABLE */
};

enum export_format { EXPORT_NONE, EXPORT_CSV, EXPORT_XLSX };

/* Reads ?format=; answers 422 and returns ERR_INVALID for an unknown format. */
int export_format_or_reply(struct req *req, struct resp *resp, int *format /* out */);
/* The most rows an export may hold: EXPORT_JOB_MAX_ROWS with progress, else EXPORT_MAX_ROWS. */
int64_t export_max_rows(const struct export_progress *progress);
/* Steps st to the end and answers the rows as a file named title_YYYYMMDD (today in China)
 * with the format's extension. The columns are rec's (rec_columns); formula-like text is
 * escaped (core/formula.h). progress, when not NULL, is kept up to date. Returns 0 or an error
 * (422 export_too_large past export_max_rows). */
int reply_export(struct resp *resp, struct db_stmt *st, int format, const char *title,
                 struct record *rec, struct export_progress *progress);
/* Answers 422 export_too_large for an export past export_max_rows(progress). */
int export_too_large(struct resp *resp, const struct export_progress *progress);
/* Sets Content-Disposition to an attachment called name (UTF-8): an ASCII fallback and the
 * RFC 5987 filename*. */
void export_disposition(struct resp *resp, const char *name);
/* The file name of an export of title made at t: "市场主体_20261202.xlsx". */
void export_filename(const char *title, int format, int64_t t, char *out, size_t cap);

#endif
