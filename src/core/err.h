/* SPDX-License-Identifier: MIT */
/*
 * The error codes every layer returns. Functions return 0 on success or one of these
 * negative values; only the HTTP router turns them into statuses (see http/router.c).
 */
#ifndef JG_ERR_H
#define JG_ERR_H

enum err {
    ERR_OK = 0,
    ERR_INVALID = -1,          /* input failed validation (422) */
    ERR_MALFORMED = -2,        /* input could not be parsed (400) */
    ERR_UNAUTH = -3,           /* no or bad credentials (401) */
    ERR_FORBIDDEN = -4,        /* authenticated but not allowed (403) */
    ERR_NOTFOUND = -5,         /* no such object (404) */
    ERR_CONFLICT = -6,         /* state conflict, duplicate key (409) */
    ERR_TOOLARGE = -7,         /* over a size limit (413) */
    ERR_MEDIA = -8,            /* unsupported content type (415) */
    ERR_RATE = -9,             /* rate limited (429) */
    ERR_DB = -10,              /* storage failure (500) */
    ERR_IO = -11,              /* file or system failure (500) */
    ERR_INTERNAL = -12,        /* a bug (500) */
    ERR_METHOD = -13,          /* the path exists, not with this method (405) */
    ERR_UNAVAILABLE = -14,     /* the database does not answer, or the server is busy (503) */
    ERR_NOT_IMPLEMENTED = -15, /* a protocol feature the server does not offer (501) */
    ERR_IN_DOUBT = -16         /* a commit failed in a way that may still have saved it (503) */
};

#endif
