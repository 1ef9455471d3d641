/* SPDX-License-Identifier: MIT */
/*
 * The list composer. A list route declares, as data, its record (columns, joins, export
 * headers), its filters (query name, SQL fragment, the record field that validates the value),
 * its sort keys and default order; list_reply() then reads and checks the query string, lets
 * the module narrow the query to the caller's data scope and add its searches, composes the
 * SQL from fixed fragments (every value is bound, so a filtered query keeps its index), and
 * answers {items,total,page,page_size} or, with ?format=csv|xlsx, the same rows as a file.
 *
 * Totals: a count is capped (count_cap) so a page never pays for counting a huge match set;
 * past the cap, total is the cap and the answer adds "total_exact":false. Counts are cached
 * until the next write this process commits, and 30 s at most (a write by another process,
 * `jianguan user add` against a live server, shows in totals within 30 s).
 */
#ifndef JG_LIST_H
#define JG_LIST_H

#include <jansson.h>
#include <stdint.h>

#include "http/http.h"
#include "record/record.h"

#define LIST_MAX_BINDS 24
#define LIST_DEFAULT_CAP 10000

/* A filter: ?name=value adds sql (each of its `?` is bound to the value); without sql, it is
 * equality on the field's expression ({"region"} is " AND e.region = ?"). The value is checked
 * as the record field named field (NULL: name), or by parse when set. */
struct list_filter {
    const char *name;
    const char *sql;   /* " AND e.region = ?" — refer to the base table's alias only; or NULL */
    const char *field; /* NULL: the field called name; no such field: text of ≤ 100 chars */
    /* Optional: turns the text into the bound value; 0 or ERR_INVALID with a message. */
    int (*parse)(const char *text, json_t **out, char *msg, size_t cap);
};

/* A sort key: ?sort=name,-established orders by the sql expressions, "-" descending. */
struct list_sort {
    const char *key, *sql;
};

/* The query names every list takes: page, page_size, sort, format (NULL-terminated). */
extern const char *const list_common_params[];

struct list_query;

struct list_def {
    struct record *rec; /* columns, table (what filters and counts run on), joins, labels */
    const char *where;  /* a fixed condition (" AND a.action LIKE 'auth.%'"), or NULL */
    const char *order;  /* default ORDER BY ("e.id"); also the tie-break of every sort */
    const char
        *filename; /* of exports: "市场主体" gives 市场主体_20261202.xlsx; NULL: rec's label */
    const struct list_filter *filters; /* NULL-name-terminated, may be NULL */
    const struct list_sort *sorts;     /* NULL-key-terminated, may be NULL */
    /* Other query names prepare reads ({"q", NULL} for a search), NULL-terminated, may be
     * NULL. A name that is neither one of these, a filter, nor page, page_size, sort or format
     * is refused (422 unknown_parameter), never ignored: a mistyped filter would otherwise
     * answer every row as if it were the filtered few. */
    const char *const *params;
    int64_t count_cap; /* 0: LIST_DEFAULT_CAP; -1: always exact */
    int no_export;     /* ?format= is refused (rows a file must not carry) */
    int feed;          /* an open-data file: always answered as CSV, named after filename alone */
    unsigned export_roles; /* who may export (role bits; admin always): 0 = whoever may list */
    /* Called after the filters are read: narrows to the caller's data scope and adds the
     * module's searches through the list_* calls below. Answers and returns an error to
     * refuse. May be NULL. */
    int (*prepare)(struct req *req, struct resp *resp, struct list_query *q);
    /* Adds or removes members of each item (a role's Chinese name). May be NULL. */
    void (*decorate)(struct req *req, json_t *item);
    /* Or, cheaper: appends members computed from the row's own columns (",\"overdue\":true")
     * to each item written straight from its row, without building it as a JSON object
     * (decorate costs most of a page's time). Returns 0 or ERR_TOOLARGE. Not with decorate. */
    int (*extend)(struct req *req, struct db_stmt *st, struct strbuf *out);
};

/* Answers the list def for req (see above); arg is handed to the hooks (list_arg). Returns 0
 * or an error. */
int list_reply(struct req *req, struct resp *resp, const struct list_def *def, const void *arg);

/* What def's files are called: its filename, else its record's label ("市场主体"). */
const char *list_title(const struct list_def *def);
/* Whether p may have def's rows as a file (?format=, background exports). */
int list_may_export(const struct list_def *def, const struct principal *p);
/* 0 when def's list reads the query name (or is a feed, which refuses none); otherwise answers
 * 422 unknown_parameter naming the names it reads, with field (NULL: the name itself), and
 * returns ERR_INVALID. list_reply refuses a request's unknown names so; a background export
 * refuses them before it starts. */
int list_param_refuse(struct resp *resp, const struct list_def *def, const char *name,
                      const char *field);

/* For prepare hooks. The arg given to list_reply. */
const void *list_arg(const struct list_query *q);
/* The value of filter name as given (NULL when absent). */
const char *list_value(const struct list_query *q, const char *name);
/* Sets filter name to value (a data scope forcing the caller's county), replacing what the
 * client gave; value is not checked again and must outlive the request. */
void list_set(struct list_query *q, const char *name, const char *value);
/* Adds a condition; its `?`s are bound by the list_bind_* calls that follow, in order. The
 * text must come from the module (never from input). */
void list_where(struct list_query *q, const char *sql);
int list_bind_text(struct list_query *q, const char *text); /* copied */
int list_bind_int(struct list_query *q, int64_t v);
/* Replaces the base with a search index that drives the query (base joins the record's table
 * to it), and the default order. count_base, when not NULL, is the index alone: the count runs
 * on it when no filter is in use, as the search's own conditions name only the index. */
void list_drive(struct list_query *q, const char *base, const char *count_base, const char *order);

/* Parsers for list_filter.parse, shared by the modules' date and flag filters. */
/* ?from=YYYY-MM-DD on an instant column: the Unix second the day starts (China time). */
int list_parse_from(const char *text, json_t **out, char *msg, size_t cap);
/* ?to=YYYY-MM-DD on an instant column, the whole day included: the second after it ends. */
int list_parse_to(const char *text, json_t **out, char *msg, size_t cap);
/* A day kept as text, for a date column (YYYY-MM-DD sorts as it reads). */
int list_parse_date(const char *text, json_t **out, char *msg, size_t cap);
/* A yes/no filter judged against today (overdue, late): "1"|"true"|"0"|"false" becomes
 * "YYYY-MM-DD:1" (today, the flag), so that one value binds every `?` of its fragment, written
 * with the two macros below: LIST_TODAY_FLAG("x.due < " LIST_TODAY) is ?overdue=1|0. */
int list_parse_today_flag(const char *text, json_t **out, char *msg, size_t cap);
/* Today's date, in the fragment of a list_parse_today_flag filter. */
#define LIST_TODAY "substr(?, 1, 10)"
/* The fragment of a list_parse_today_flag filter: whether cond holds equals the flag. */
#define LIST_TODAY_FLAG(cond) " AND (CASE WHEN " cond " THEN '1' ELSE '0' END) = substr(?, 12, 1)"

#endif
