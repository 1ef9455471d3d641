/* SPDX-License-Identifier: MIT */
/*
 * What a module sees of HTTP: the request, the response, the route table row and the helpers
 * that answer. The principal (who is calling) comes from authz/authz.h. Modules never include
 * microhttpd.h; the server (server.c) and the router (router.c) own the connection and the error
 * model.
 */
#ifndef JG_HTTP_H
#define JG_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "authz/authz.h"
#include "core/strbuf.h"
#include "record/record.h"

/* A route's JSON body is described by fields (record/record.h): the router checks types,
 * presence, lengths and enumerations before the handler runs. */
#define ROUTE_MAX_PARAMS 4
#define ROUTE_BODY_JSON 1u    /* expects a JSON object body described by body */
#define ROUTE_BODY_RAW 2u     /* takes the raw body of type route.media; handler reads req->body */
#define ROUTE_BODY_PARTIAL 4u /* with ROUTE_BODY_JSON: every field optional (PATCH) */
#define ROUTE_BODY_OPTIONAL                                                                        \
    16u /* with ROUTE_BODY_JSON: no body at all (no bytes, no Content-Type) is taken as {} */
#define ROUTE_SLOW                                                                                 \
    8u /* may take more than about a millisecond (argon2id, a file, a walk of the                  \
        * audit chain): runs on the slow pool, never on an event thread */
#define ROUTE_READ_ONLY                                                                            \
    32u /* a POST that only reads (a question such as a filling check): runs on the event          \
         * thread like a GET, not on the write pool */
#define ROUTE_AUTH_RECHECKED                                                                       \
    64u /* the handler reads the caller's session and user again in its own statement and          \
         * checks the principal still holds (router_recheck_or_reply when not): the router may     \
         * admit a bearer token from the token cache (authz.h), saving a look-up */

struct req;
struct resp;
struct list_def;        /* http/list.h */
struct export_progress; /* http/export.h */
typedef int (*handler_fn)(struct req *req, struct resp *resp);

struct route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/entities/{uscc}" */
    handler_fn handler;
    unsigned roles;           /* enum role bits; ROLES_PUBLIC for anyone */
    const struct field *body; /* NULL-name-terminated, when ROUTE_BODY_JSON */
    unsigned flags;
    size_t max_body; /* bytes; 0 = the server's limit */
    /* A list route: its declaration, which GET /api/v1/meta publishes (filters, sort keys,
     * export) and background exports run. With handler NULL the router answers it with
     * list_reply(req, resp, list, NULL). */
    const struct list_def *list;
    const char *media; /* ROUTE_BODY_RAW: the body's media type ("text/csv") */
    /* A route that is not a list and reads query parameters: their names, NULL-terminated.
     * The router refuses any other name (422 unknown_parameter) before the handler runs, as a
     * list refuses one its declaration does not read. NULL: the route reads none. */
    const char *const *query;
};

struct header {
    char *name, *value;
};

struct req {
    const char *method;
    const char *path; /* without the query string */
    const struct route *route;
    int route_index;
    const char *param_names[ROUTE_MAX_PARAMS];
    char *param_values[ROUTE_MAX_PARAMS]; /* decoded path parameters */
    int nparams;
    /* The body: in memory, or, when large, in the unlinked file body_fd (has_body_fd set)
     * the server spooled it to. Handlers read it with req_body_read. */
    struct strbuf body;
    int has_body_fd, body_fd;
    size_t body_fd_len;
    size_t body_pos;        /* where req_body_read goes on */
    json_t *json;           /* the parsed body of a ROUTE_BODY_JSON route */
    struct principal *user; /* NULL on public routes without credentials */
    struct principal user_buf;
    const char *token; /* the credential presented, when user is set */
    int user_cached;   /* user came from the token cache: not yet checked against the database */
    char id[24];       /* request id, echoed as X-Request-Id */
    char ip[48];
    void *conn; /* the server's connection handle */
    /* Without conn (unit tests, fuzzing): the query string and headers as name, value, ...,
     * NULL lists; no cookies. */
    const char *const *query, *const *headers_in;
    /* A background export (http/export.h) run on the caller's behalf: its row limit and
     * counters. NULL for requests from a connection. */
    struct export_progress *progress;
    void **allocs; /* request-scoped allocations, freed with the request */
    size_t nallocs, cap_allocs;
};

struct resp {
    int status;
    struct strbuf body;
    const char *content_type;
    struct header headers[10];
    int nheaders;
    const void *static_body; /* borrowed bytes that outlive the request (web assets) */
    size_t static_len;
    /* A file body (exports): when has_fd is set, fd is an open, unlinked file whose fd_len
     * bytes from offset 0 are the answer; the server owns it from then on and closes it
     * (has_fd, not fd != 0, says it is set: the struct starts zeroed). */
    int has_fd;
    int fd;
    size_t fd_len;
};

/* Request accessors. Path parameters and query values are NUL-terminated and owned by the
 * request; query values are URL-decoded by the server. Both return NULL when absent. */
const char *req_param(const struct req *req, const char *name);
const char *req_query(const struct req *req, const char *name);
/* The first name in the query string for which known(ctx, name) is 0, or NULL: for routes
 * that refuse what they do not understand rather than ignore it. */
const char *req_query_unknown(const struct req *req, int (*known)(const void *, const char *),
                              const void *ctx);
/* Whether name is one of names (NULL-terminated), matched as req_query matches, regardless
 * of case; an empty name (of a careless "?&a=1") names nothing to mistype and counts as one. */
int req_query_named(const char *const *names, const char *name);
/* Answers 422 unknown_parameter for the query name, which is not one of accepted (the names
 * the route reads, as text for the message); field is the error's field, NULL for the name
 * itself. Returns ERR_INVALID. */
int reply_unknown_parameter(struct resp *resp, const char *name, const char *field,
                            const char *accepted);
const char *req_header(const struct req *req, const char *name);
const char *req_cookie(const struct req *req, const char *name);
/* Release what the request and the response hold (not the structs themselves). */
void req_dispose(struct req *req);
/* The body's length in bytes. */
size_t req_body_len(const struct req *req);
/* Reads on in the body: up to cap bytes into buf. Returns how many, 0 at its end, or -1 when
 * the spooled file cannot be read. arg is the struct req (the shape of a reader callback). */
long req_body_read(void *arg, char *buf, size_t cap);
void resp_dispose(struct resp *resp);
/* Allocates n bytes freed with the request. */
void *req_alloc(struct req *req, size_t n);

/* Reads the query parameter name as an integer in [min, max], default def when absent.
 * On bad input answers 422 and returns ERR_INVALID. */
int req_query_int_or_reply(struct req *req, struct resp *resp, const char *name, int64_t def,
                           int64_t min, int64_t max, int64_t *out /* out */);

/* Reads the path parameter name as a record id: a positive decimal number, nothing else. No
 * record can have any other id, so otherwise answers 404 with message (field name) and returns
 * ERR_NOTFOUND. */
int req_id_or_reply(struct req *req, struct resp *resp, const char *name, const char *message,
                    int64_t *out /* out */);
/* The period of ?from=&to= (YYYY-MM-DD, both days included) into *from and *to, which hold
 * the defaults for an absent parameter. Answers 422 naming the parameter for a malformed date
 * or a to before from, and returns the error then; 0 otherwise. */
int req_period_or_reply(struct req *req, struct resp *resp, int32_t *from, int32_t *to);
/* Answers with a JSON error body; returns err so a handler can `return reply_error(...)`.
 * code is a stable English word, message Chinese, field may be NULL. */
int reply_error(struct resp *resp, int err, const char *code, const char *message,
                const char *field);
/* Answers with obj encoded (the reference is stolen); returns 0. */
int reply_json(struct resp *resp, int status, json_t *obj);
/* How answers encode JSON: compact, and numbers to 15 significant digits, so that 0.03 reads
 * 0.03 (every decimal of up to 15 digits a client sent comes back as it was). */
#define JSON_REPLY_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))
/* Answers with bytes already encoded as JSON (copied); returns 0. */
int reply_raw(struct resp *resp, int status, const char *content_type, const char *bytes,
              size_t len);
/* Adds a response header (copied). */
void resp_header(struct resp *resp, const char *name, const char *value);

/* Whether a Content-Type header value is exactly the media type type (case aside), with at
 * most the parameter charset=utf-8: "application/json; charset=UTF-8" is application/json,
 * "application/jsonx" and "text/csv; charset=gbk" are not. Pure. */
int media_type_is(const char *header, const char *type);

/* The status an error code maps to (ERR_NOTFOUND -> 404). */
int http_status_of(int err);

#endif
