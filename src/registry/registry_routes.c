/* SPDX-License-Identifier: MIT */
/*
 * M1 over HTTP:
 *   GET  /api/v1/entities                 list, filters, search, sort, ?format=csv|xlsx
 *   POST /api/v1/entities                 create (admin, bureau)
 *   GET  /api/v1/entities/{uscc}          one entity
 *   PATCH /api/v1/entities/{uscc}         change fields (admin, bureau)
 *   GET  /api/v1/entities/{uscc}/history  its audit rows
 *   GET  /api/v1/entities/{uscc}/qr.svg|qr.png   一企一码
 *   POST /api/v1/entities/import          CSV import (registry_import.c)
 * County staff see and change only their county; officers only the entities assigned to them;
 * enterprise, station and slaughterhouse accounts only their own entity.
 */
#include "registry/registry.h"
#include "registry/registry_search.h"
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "audit/audit_routes.h"
#include "core/err.h"
#include "core/qr.h"
#include "http/list.h"
#include "http/module.h"
#include "http/server.h"
#include "refdata/refdata.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLES_REGISTRY_WRITE (ROLE_ADMIN | ROLE_BUREAU)

int registry_import(struct req *req, struct resp *resp);
int registry_demo_hook(struct db *w, struct demo *d);

/* Reads the entity uscc in one query and decides whether the caller may see it; answers
 * 404/403 otherwise (a database error is returned as such). On success *out (when not NULL)
 * gets the entity's JSON, the caller's. */
static int entity_or_reply(struct req *req, struct resp *resp, const char *uscc, json_t **out)
{
    json_t *o = NULL;
    int rc =
        registry_code_hidden(req->user, uscc) ? ERR_NOTFOUND : registry_get(db_read(), uscc, &o);
    if (rc == ERR_NOTFOUND)
        return reply_error(resp, rc, "not_found", "未找到该市场主体", "uscc");
    if (rc)
        return rc;
    rc = registry_may_see(req->user, uscc, json_string_value(json_object_get(o, "region")),
                          json_integer_value(json_object_get(o, "officer")));
    if (rc) {
        json_decref(o);
        return reply_error(resp, ERR_FORBIDDEN, "forbidden",
                           "无权查看其他辖区或非本人负责的市场主体", NULL);
    }
    if (out)
        *out = o;
    else
        json_decref(o);
    return 0;
}

/* Normalises the {uscc} path parameter in place (codes are upper case). */
static const char *uscc_param(struct req *req)
{
    char *s = (char *)req_param(req, "uscc");
    for (char *c = s; c && *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    return s;
}

/* Adds the name or code search text to the list. A fragment's index drives the query in id
 * order, so a page stops after its rows instead of materialising every match (CROSS JOIN
 * fixes the loop order: SQLite keeps its left table outer). */
static void add_search(struct list_query *q, const char *text)
{
    char pattern[512], hi[64];
    int mode = registry_search_mode(text, pattern, sizeof pattern, hi, sizeof hi);
    switch (mode) {
    case SEARCH_CODE:
        list_where(q, " AND e.uscc >= ? AND e.uscc < ?");
        list_bind_text(q, pattern);
        list_bind_text(q, hi);
        break;
    case SEARCH_TRIGRAM: {
        struct db_contains c;
        char fragment[sizeof pattern];
        snprintf(fragment, sizeof fragment, "%s", pattern);
        if (db_contains_query(db_read(), "entities", "e", "name", fragment, &c, pattern,
                              sizeof pattern))
            break; /* too long to search for: no condition would match more than none */
        list_drive(q, c.from, c.count_from, c.order);
        list_where(q, c.where);
        list_bind_text(q, pattern);
        break;
    }
    case SEARCH_PAIR:
        list_drive(q, " FROM entity_bigrams b CROSS JOIN entities e ON e.id = b.id",
                   " FROM entity_bigrams b", "b.id");
        list_where(q, " AND b.gram = ?");
        list_bind_text(q, pattern);
        break;
    case SEARCH_SCAN: /* instr() is SQLite's; PostgreSQL has it from migration 001 */
        list_where(q, " AND instr(e.name, ?) > 0");
        list_bind_text(q, pattern);
        break;
    default: break;
    }
}

/* The data scope (a county user's county, an officer's own enterprises) and the search. */
static int entities_prepare(struct req *req, struct resp *resp, struct list_query *q)
{
    const char *region = list_value(q, "region");
    int64_t officer = 0;
    if (registry_list_scope(req->user, &region, &officer))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的市场主体",
                           "region");
    list_set(q, "region", region);
    if (officer) {
        char *id = req_alloc(req, 24);
        snprintf(id, 24, "%lld", (long long)officer);
        list_set(q, "officer", id);
    }
    const char *text = req_query(req, "q");
    if (text && utf8_len(text) > 100)
        return reply_error(resp, ERR_INVALID, "validation_failed", "搜索词不能超过 100 个字符",
                           "q");
    if (text && *text)
        add_search(q, text);
    return 0;
}

static const struct list_filter filters[] = {
    {"region", NULL, NULL, refdata_parse_region},
    {"chain"},
    {"tier"},
    {"credit"},
    {"kind"},
    {"status"},
    {"officer"},
    {"key"},
    {NULL},
};

static const char *const search_params[] = {"q", NULL};

static const struct list_sort sorts[] = {
    {"uscc", "e.uscc"},     {"name", "e.name"},     {"established", "e.established"},
    {"credit", "e.credit"}, {"region", "e.region"}, {NULL, NULL},
};

const struct list_def registry_list = {
    .rec = &registry_entity,
    .order = "e.id",
    .filename = "市场主体",
    .filters = filters,
    .sorts = sorts,
    .prepare = entities_prepare,
    .params = search_params,
    /* The whole registry as a file is for the bureau; other staff read it page by page. */
    .export_roles = ROLE_BUREAU,
};

static int entity_get(struct req *req, struct resp *resp)
{
    json_t *o = NULL;
    int rc = entity_or_reply(req, resp, uscc_param(req), &o);
    return rc ? rc : reply_json(resp, 200, o);
}

/* Checks the values v for a write by req (registry_check_write); answers 422 or 403. */
static int entity_check_or_reply(struct req *req, struct resp *resp, json_t *v)
{
    const char *field, *msg;
    int rc = registry_check_write(db_read(), req->user, v, &field, &msg);
    if (rc == ERR_INVALID || rc == ERR_FORBIDDEN)
        return reply_error(resp, rc, rc == ERR_INVALID ? "validation_failed" : "forbidden", msg,
                           field);
    return rc;
}

/* Writes v in one transaction with its audit row ({from,to} of each changed field). */
static int entity_write(struct req *req, struct resp *resp, const char *uscc, json_t *v,
                        int creating)
{
    char object[32], *detail = NULL;
    json_t *before = NULL;
    snprintf(object, sizeof object, "entity:%s", uscc);
    struct db *w = db_write_begin();
    int rc = w ? 0 : ERR_DB;
    /* The checks before the transaction read a snapshot; the record's county is checked again
     * here, where no other write can move it. */
    if (!rc && !creating)
        rc = registry_get(w, uscc, &before);
    /* A change is checked against the record as this transaction sees it: may the caller see
     * it (else 403 as a read answers), and is its county the caller's. */
    int unseen = 0;
    if (!rc && before &&
        registry_may_see(req->user, uscc, json_string_value(json_object_get(before, "region")),
                         json_integer_value(json_object_get(before, "officer"))))
        rc = ERR_FORBIDDEN, unseen = 1;
    if (!rc && before &&
        scope_allows(req->user, json_string_value(json_object_get(before, "region"))))
        rc = ERR_FORBIDDEN;
    if (!rc)
        rc = creating ? registry_insert(w, v) : registry_update(w, uscc, v);
    if (!rc) {
        detail = rec_diff(&registry_entity, v, before);
        rc = audit_record_as(w, req->user, req->ip, creating ? "entity.create" : "entity.update",
                             object, detail);
    }
    /* The answer is read in the transaction: a read replica (--db-read) may not have the
     * write yet when it commits. */
    json_t *o = NULL;
    if (!rc)
        rc = registry_get(w, uscc, &o);
    if (w)
        rc = db_write_end(w, rc);
    free(detail);
    json_decref(before);
    if (rc == ERR_CONFLICT && creating)
        return reply_error(resp, rc, "duplicate_uscc", "该统一社会信用代码已登记", "uscc");
    if (rc == ERR_NOTFOUND && !creating)
        return reply_error(resp, rc, "not_found", "未找到该市场主体", "uscc");
    if (rc == ERR_FORBIDDEN && unseen)
        return reply_error(resp, ERR_FORBIDDEN, "forbidden",
                           "无权查看其他辖区或非本人负责的市场主体", NULL);
    if (rc == ERR_FORBIDDEN)
        return reply_error(resp, rc, "forbidden", "无权修改其他辖区的市场主体", NULL);
    if (rc)
        json_decref(o);
    return rc ? rc : reply_json(resp, creating ? 201 : 200, o);
}

static int entity_create(struct req *req, struct resp *resp)
{
    const char *msg;
    if (registry_set_uscc(req->json, USCC_STRICT, &msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, "uscc");
    int rc = entity_check_or_reply(req, resp, req->json);
    const char *uscc = json_string_value(json_object_get(req->json, "uscc"));
    return rc ? rc : entity_write(req, resp, uscc, req->json, 1);
}

/* The record is read once, in the write's transaction (entity_write answers 404 and 403 as
 * entity_or_reply does): a read before it would cost each change a read transaction on a
 * replica that every commit has just invalidated. A body refused before the write is answered
 * as though the record had been read first: 404 or 403 for a record the caller cannot see. */
static int entity_patch(struct req *req, struct resp *resp)
{
    const char *uscc = uscc_param(req);
    if (registry_code_hidden(req->user, uscc))
        return entity_or_reply(req, resp, uscc, NULL);
    int rc = field_any_given(registry_fields, req->json)
                 ? entity_check_or_reply(req, resp, req->json)
                 : reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    if (rc) {
        int seen = entity_or_reply(req, resp, uscc, NULL);
        return seen ? seen : rc;
    }
    return entity_write(req, resp, uscc, req->json, 0);
}

static int entity_history(struct req *req, struct resp *resp)
{
    const char *uscc = uscc_param(req);
    int rc = entity_or_reply(req, resp, uscc, NULL);
    if (rc)
        return rc;
    char object[32];
    snprintf(object, sizeof object, "entity:%s", uscc);
    return audit_history_reply(req, resp, object);
}

/* The address the enterprise's code opens: its demand page (M2), on the public site. */
static void qr_target(const char *uscc, char *out, size_t cap)
{
    snprintf(out, cap, "%s/m/entities/%s/demand", server_public_url(), uscc);
}

static int entity_qr(struct req *req, struct resp *resp, int png)
{
    const char *uscc = uscc_param(req);
    int rc = entity_or_reply(req, resp, uscc, NULL);
    if (rc)
        return rc;
    char url[512];
    qr_target(uscc, url, sizeof url);
    strbuf_reset(&resp->body);
    rc = png ? qr_png(url, 8, &resp->body) : qr_svg(url, &resp->body);
    if (rc)
        return rc;
    resp->status = 200;
    resp->content_type = png ? "image/png" : "image/svg+xml";
    resp_header(resp, "Cache-Control", "private, max-age=3600");
    return 0;
}

static int entity_qr_svg(struct req *req, struct resp *resp)
{
    return entity_qr(req, resp, 0);
}

static int entity_qr_png(struct req *req, struct resp *resp)
{
    return entity_qr(req, resp, 1);
}

static const struct route routes[] = {
    {"GET", "/api/v1/entities", NULL, ROLES_STAFF, NULL, 0, 0, &registry_list},
    {"POST", "/api/v1/entities", entity_create, ROLES_REGISTRY_WRITE, registry_fields,
     ROUTE_BODY_JSON, 0},
    {"POST", "/api/v1/entities/import", registry_import, ROLES_REGISTRY_WRITE, NULL,
     ROUTE_BODY_RAW | ROUTE_SLOW, 32u << 20, NULL, "text/csv"},
    {"GET", "/api/v1/entities/{uscc}", entity_get, ROLES_STAFF | ROLES_ENTITY_OWNERS, NULL, 0, 0},
    {"PATCH", "/api/v1/entities/{uscc}", entity_patch, ROLES_REGISTRY_WRITE, registry_fields,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"GET", "/api/v1/entities/{uscc}/history", entity_history, ROLES_STAFF | ROLES_ENTITY_OWNERS,
     NULL, 0, 0},
    {"GET", "/api/v1/entities/{uscc}/qr.svg", entity_qr_svg, ROLES_STAFF | ROLES_ENTITY_OWNERS,
     NULL, 0, 0},
    {"GET", "/api/v1/entities/{uscc}/qr.png", entity_qr_png, ROLES_STAFF | ROLES_ENTITY_OWNERS,
     NULL, 0, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

static struct record *const records[] = {&registry_entity, NULL};

static const struct audit_action actions[] = {
    {"entity.create", "登记市场主体"},
    {"entity.update", "修改市场主体"},
    {"entity.import_insert", "导入新增市场主体"},
    {"entity.import_update", "导入更新市场主体"},
    {"registry.import", "批量导入市场主体"},
    {NULL, NULL},
};

/* Accounts bound to an entity ask the registry whether it exists. */
static int entity_exists(struct db *db, const char *uscc)
{
    char region[16];
    return registry_region_of(db, uscc, region);
}

static int registry_init(void)
{
    accounts_set_entity_lookup(entity_exists);
    return 0;
}

const struct module registry_module = {
    .name = "registry",
    .label = "市场主体库",
    .roles = ROLES_STAFF | ROLES_ENTITY_OWNERS,
    .routes = routes,
    .records = records,
    .actions = actions,
    .init = registry_init,
    .demo = registry_demo_hook,
};
