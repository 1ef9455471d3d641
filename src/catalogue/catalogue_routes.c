/* SPDX-License-Identifier: MIT */
/*
 * M3 over HTTP:
 *   GET   /api/v1/services               list, filters, Chinese search, sort (anyone)
 *   POST  /api/v1/services               create (admin; a department for itself)
 *   GET   /api/v1/services/{id}          one item (anyone)
 *   PATCH /api/v1/services/{id}          change fields (admin; a department its own items)
 *   GET   /api/v1/services/{id}/history  its audit rows (staff)
 * The public and enterprise accounts see published items only: a draft is not in their lists
 * and is 404 to them. Staff see drafts too.
 */
#include "catalogue/catalogue.h"
#include "audit/audit.h"
#include "audit/audit_routes.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "http/list.h"
#include "http/module.h"

#include <stdio.h>
#include <stdlib.h>

#define ROLES_CATALOGUE_WRITE (ROLE_ADMIN | ROLE_DEPARTMENT)
/* The longest body the fields allow, with room for JSON escapes of every character. */
#define SERVICE_MAX_BODY (128u << 10)
#define SEARCH_MAX 100

int catalogue_demo_hook(struct db *w, struct demo *d);

/* The {id} path parameter (http.h: req_id_or_reply). */
static int id_or_reply(struct req *req, struct resp *resp, int64_t *id)
{
    return req_id_or_reply(req, resp, "id", "未找到该服务事项", id);
}

/* Reads item id and decides whether the caller may see it: a draft looks missing to whoever
 * may not see drafts. Answers 404; a database error is returned as such. On success *out (when
 * not NULL) gets the item's JSON, the caller's. */
static int item_or_reply(struct req *req, struct resp *resp, int64_t id, json_t **out)
{
    json_t *o = NULL;
    int rc = catalogue_get(db_read(), id, &o);
    if (!rc && catalogue_may_see(req->user, json_string_value(json_object_get(o, "status"))))
        rc = ERR_NOTFOUND;
    if (rc) {
        json_decref(o);
        return rc == ERR_NOTFOUND ? reply_error(resp, rc, "not_found", "未找到该服务事项", "id")
                                  : rc;
    }
    if (out)
        *out = o;
    else
        json_decref(o);
    return 0;
}

/* The caller's scope (published items only, unless staff) and the search: a fragment of the
 * title or the content, of any length, matched as it is. */
static int services_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    const char *status = list_value(q, "status");
    if (catalogue_list_scope(req->user, &status))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "无权查看未发布的服务事项", "status");
    list_set(q, "status", status);
    const char *text = req_query(req, "q");
    if (text && utf8_len(text) > SEARCH_MAX)
        return reply_error(resp, ERR_INVALID, "validation_failed", "搜索词不能超过 100 个字符",
                           "q");
    if (text && *text) { /* instr() is SQLite's; PostgreSQL has it from migration 001 */
        list_where(q, " AND (instr(s.title, ?) > 0 OR instr(s.content, ?) > 0)");
        list_bind_text(q, text);
        list_bind_text(q, text);
    }
    return 0;
}

static const struct list_filter filters[] = {
    {"list"}, {"department"}, {"category"}, {"status"}, {NULL},
};
static const char *const search_params[] = {"q", NULL};

static const struct list_sort sorts[] = {
    {"id", "s.id"},
    {"title", "s.title"},
    {"updated", "s.updated"},
    {"department", "s.department"},
    {"category", "s.category"},
    {"list", "s.list"},
    {NULL, NULL},
};

const struct list_def catalogue_list = {
    .rec = &catalogue_item,
    .order = "s.id",
    .filename = "服务清单",
    .filters = filters,
    .sorts = sorts,
    .prepare = services_prepare,
    .params = search_params,
    /* Files are for staff; the public reads the catalogue page by page. */
    .export_roles = ROLES_STAFF,
};

static int service_get(struct req *req, struct resp *resp)
{
    int64_t id;
    json_t *o = NULL;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = item_or_reply(req, resp, id, &o);
    return rc ? rc : reply_json(resp, 200, o);
}

/* Writes the body as item id (0: a new item) in one transaction with its audit row ({from,to}
 * of each changed field). The item as it stands and the caller's rights over it are judged
 * inside the transaction, where no other write can move the item to another department. */
static int service_write(struct req *req, struct resp *resp, int64_t id)
{
    int creating = id == 0;
    json_t *v = req->json, *before = NULL, *o = NULL;
    const char *field = NULL, *msg = NULL;
    char object[40], *detail = NULL;
    catalogue_stamp(v, date_today());
    struct db *w = db_write_begin();
    int rc = w ? 0 : ERR_DB;
    if (!rc && !creating)
        rc = catalogue_get(w, id, &before);
    if (!rc)
        rc = catalogue_check_write(w, req->user, v, before, &field, &msg);
    if (!rc)
        rc = creating ? catalogue_insert(w, v, &id) : catalogue_update(w, id, v);
    if (!rc) {
        snprintf(object, sizeof object, "service:%lld", (long long)id);
        detail = rec_diff(&catalogue_item, v, before);
        rc = audit_record_as(w, req->user, req->ip, creating ? "service.create" : "service.update",
                             object, detail);
    }
    /* The answer is read in the transaction: a read replica may not have the write yet. */
    if (!rc)
        rc = catalogue_get(w, id, &o);
    if (w)
        rc = db_write_end(w, rc);
    free(detail);
    json_decref(before);
    if (rc)
        json_decref(o);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "未找到该服务事项", "id");
    if ((rc == ERR_INVALID || rc == ERR_FORBIDDEN) && msg)
        return reply_error(resp, rc, rc == ERR_INVALID ? "validation_failed" : "forbidden", msg,
                           field);
    return rc ? rc : reply_json(resp, creating ? 201 : 200, o);
}

static int service_create(struct req *req, struct resp *resp)
{
    return service_write(req, resp, 0);
}

static int service_patch(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (rc)
        return rc;
    if (!field_any_given(catalogue_fields, req->json))
        return reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    return service_write(req, resp, id);
}

static int service_history(struct req *req, struct resp *resp)
{
    int64_t id;
    int rc = id_or_reply(req, resp, &id);
    if (!rc)
        rc = item_or_reply(req, resp, id, NULL);
    if (rc)
        return rc;
    char object[40];
    snprintf(object, sizeof object, "service:%lld", (long long)id);
    return audit_history_reply(req, resp, object);
}

static const struct route routes[] = {
    {"GET", "/api/v1/services", NULL, ROLES_PUBLIC, NULL, 0, 0, &catalogue_list},
    {"POST", "/api/v1/services", service_create, ROLES_CATALOGUE_WRITE, catalogue_fields,
     ROUTE_BODY_JSON, SERVICE_MAX_BODY},
    {"GET", "/api/v1/services/{id}", service_get, ROLES_PUBLIC, NULL, 0, 0},
    {"PATCH", "/api/v1/services/{id}", service_patch, ROLES_CATALOGUE_WRITE, catalogue_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, SERVICE_MAX_BODY},
    {"GET", "/api/v1/services/{id}/history", service_history, ROLES_STAFF, NULL, 0, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {&catalogue_item, NULL};

static const struct audit_action actions[] = {
    {"service.create", "新增服务事项"},
    {"service.update", "修改服务事项"},
    {NULL, NULL},
};

const struct module catalogue_module = {
    .name = "catalogue",
    .label = "服务清单",
    .roles = ROLES_ANY,
    .routes = routes,
    .records = records,
    .actions = actions,
    .demo = catalogue_demo_hook,
};
