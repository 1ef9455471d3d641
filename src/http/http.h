/* SPDX-License-Identifier: MIT */
/*
 * What a module sees of HTTP: the request, the response, the route table row, the principal
 * (who is calling) and the helpers that answer. Modules never include microhttpd.h; the server
 * (server.c) and the router (router.c) own the connection and the error model.
 */
#ifndef JG_HTTP_H
#define JG_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

/* Roles of SPEC.md as bits, so that a route names who may call it in one word. */
enum role {
    ROLE_ADMIN = 1 << 0,
    ROLE_BUREAU = 1 << 1,
    ROLE_INSPECTOR = 1 << 2,
    ROLE_OFFICER = 1 << 3,
    ROLE_CHAIN_OFFICE = 1 << 4,
    ROLE_DEPARTMENT = 1 << 5,
    ROLE_CITY_OFFICE = 1 << 6,
    ROLE_ENTERPRISE = 1 << 7,
    ROLE_STATION = 1 << 8,
    ROLE_SLAUGHTERHOUSE = 1 << 9
};
#define ROLES_PUBLIC 0u /* no login needed */
#define ROLES_STAFF                                                                                \
    (ROLE_ADMIN | ROLE_BUREAU | ROLE_INSPECTOR | ROLE_OFFICER | ROLE_CHAIN_OFFICE |                \
     ROLE_DEPARTMENT | ROLE_CITY_OFFICE)
#define ROLES_ANY (ROLES_STAFF | ROLE_ENTERPRISE | ROLE_STATION | ROLE_SLAUGHTERHOUSE)

#define CITY_REGION "371500"

/* Who is calling: filled by the router from the session or API token. */
struct principal {
    int64_t id;
    unsigned role; /* one enum role bit */
    char username[64];
    char display_name[128];
    char region[16];
    int64_t department; /* 0 when none */
    char entity[20];    /* USCC of the bound market entity, "" when none */
    char csrf[48];
    int via_cookie; /* authenticated by the session cookie (writes need X-CSRF-Token) */
};

/* A JSON body field the route declares; the router checks type, presence and length. */
enum field_type { FIELD_STRING, FIELD_INT, FIELD_BOOL, FIELD_NUMBER, FIELD_OBJECT, FIELD_ARRAY };
#define FIELD_REQUIRED 1u
#define FIELD_NULLABLE 2u
struct field_spec {
    const char *name;
    int type;          /* enum field_type */
    unsigned flags;    /* FIELD_REQUIRED, FIELD_NULLABLE */
    size_t max;        /* strings: most characters (not bytes); 0 = no limit */
    const char *label; /* Chinese name for messages */
};

#define ROUTE_MAX_PARAMS 4
#define ROUTE_BODY_JSON 1u    /* expects a JSON object body described by body */
#define ROUTE_BODY_RAW 2u     /* takes the raw body (CSV import); handler reads req->body */
#define ROUTE_BODY_PARTIAL 4u /* with ROUTE_BODY_JSON: every field optional (PATCH) */

struct req;
struct resp;
typedef int (*handler_fn)(struct req *req, struct resp *resp);

struct route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/entities/{uscc}" */
    handler_fn handler;
    unsigned roles;                /* enum role bits; ROLES_PUBLIC for anyone */
    const struct field_spec *body; /* NULL-name-terminated, when ROUTE_BODY_JSON */
    unsigned flags;
    size_t max_body; /* bytes; 0 = the server's limit */
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
    struct strbuf body;
    json_t *json;           /* the parsed body of a ROUTE_BODY_JSON route */
    struct principal *user; /* NULL on public routes without credentials */
    struct principal user_buf;
    const char *token; /* the credential presented, when user is set */
    char id[24];       /* request id, echoed as X-Request-Id */
    char ip[48];
    void *conn;    /* the server's connection handle */
    void **allocs; /* request-scoped allocations, freed with the request */
    size_t nallocs, cap_allocs;
};

struct resp {
    int status;
    struct strbuf body;
    const char *content_type;
    struct header headers[6];
    int nheaders;
    const void *static_body; /* borrowed bytes that outlive the request (web assets) */
    size_t static_len;
};

/* Request accessors. Path parameters and query values are NUL-terminated and owned by the
 * request; query values are URL-decoded by the server. Both return NULL when absent. */
const char *req_param(const struct req *req, const char *name);
const char *req_query(const struct req *req, const char *name);
const char *req_header(const struct req *req, const char *name);
/* Allocates n bytes freed with the request. */
void *req_alloc(struct req *req, size_t n);

/* Reads the query parameter name as an integer in [min, max], default def when absent.
 * On bad input answers 422 and returns ERR_INVALID. */
int req_query_int_or_reply(struct req *req, struct resp *resp, const char *name, int64_t def,
                           int64_t min, int64_t max, int64_t *out /* out */);

/* Answers with a JSON error body; returns err so a handler can `return reply_error(...)`.
 * code is a stable English word, message Chinese, field may be NULL. */
int reply_error(struct resp *resp, int err, const char *code, const char *message,
                const char *field);
/* Answers with obj encoded (the reference is stolen); returns 0. */
int reply_json(struct resp *resp, int status, json_t *obj);
/* Answers with bytes already encoded as JSON (copied); returns 0. */
int reply_raw(struct resp *resp, int status, const char *content_type, const char *bytes,
              size_t len);
/* Adds a response header (copied). */
void resp_header(struct resp *resp, const char *name, const char *value);

/* The status an error code maps to (ERR_NOTFOUND -> 404). */
int http_status_of(int err);

/* Data scope (数据权限): the region a principal is limited to, or NULL for city-wide staff. */
const char *scope_region(const struct principal *p);
/* Returns 0 if p may see records of region, ERR_FORBIDDEN otherwise. */
int scope_allows(const struct principal *p, const char *region);

#endif
