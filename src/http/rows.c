/* SPDX-License-Identifier: MIT */
/* Rows to JSON and the paged list answer. */
#include "http/rows.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

json_t *row_to_json(struct db_stmt *st)
{
    json_t *o = json_object();
    int n = db_col_count(st);
    for (int i = 0; i < n; i++) {
        const char *name = db_col_name(st, i);
        size_t nl = strlen(name);
        json_t *v;
        switch (db_col_type(st, i)) {
        case DB_INT: v = json_integer(db_col_int(st, i)); break;
        case DB_FLOAT: v = json_real(db_col_double(st, i)); break;
        case DB_TEXT: v = json_stringn(db_col_text(st, i), (size_t)db_col_len(st, i)); break;
        default: v = json_null(); break;
        }
        if (nl > 5 && strcmp(name + nl - 5, "_json") == 0) {
            json_t *parsed =
                json_is_string(v) ? json_loads(json_string_value(v), JSON_DECODE_ANY, NULL) : NULL;
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(nl - 5), name);
            json_object_set_new(o, key, parsed ? parsed : json_null());
            json_decref(v);
            continue;
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

json_t *rows_to_json(struct db_stmt *st)
{
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(a, row_to_json(st));
    db_done(st);
    if (rc < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

int req_page_or_reply(struct req *req, struct resp *resp, int64_t *page, int64_t *size)
{
    int rc = req_query_int_or_reply(req, resp, "page", 1, 1, 1000000, page);
    if (!rc)
        rc = req_query_int_or_reply(req, resp, "page_size", 20, 1, 200, size);
    return rc;
}
