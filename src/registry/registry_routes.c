/* SPDX-License-Identifier: MIT */
/*
 * M1 over HTTP:
 *   GET  /api/v1/entities                 list, filters, search, ?format=csv|xlsx
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
#include "registry/registry_list.h"
#include "accounts/accounts.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/qr.h"
#include "http/export.h"
#include "http/rows.h"
#include "http/server.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLES_REGISTRY_WRITE (ROLE_ADMIN | ROLE_BUREAU)

int registry_import(struct req *req, struct resp *resp);

static const struct export_label labels[] = {
    {"uscc", "统一社会信用代码"},
    {"name", "名称"},
    {"kind", "主体类型"},
    {"region", "区划代码"},
    {"region_name", "行政区划"},
    {"legal_rep", "法定代表人"},
    {"address", "住所"},
    {"industry", "行业代码"},
    {"chain", "产业链编号"},
    {"chain_name", "产业链"},
    {"tier", "企业层级"},
    {"credit", "信用等级"},
    {"status", "登记状态"},
    {"established", "成立日期"},
    {"annual_report_year", "年报年度"},
    {"officer", "驻企服务员编号"},
    {"officer_name", "驻企服务员"},
    {"uscc_flagged", "代码校验存疑"},
    {"key", "远航企业"},
    {NULL, NULL},
};

/* Reads the entity uscc in one query and decides whether the caller may see it; answers
 * 404/403 otherwise. On success *out (when not NULL) gets the entity's JSON, the caller's. */
static int entity_or_reply(struct req *req, struct resp *resp, const char *uscc, json_t **out)
{
    json_t *o = registry_entity_json(db_read(), uscc);
    if (!o)
        return reply_error(resp, ERR_NOTFOUND, "not_found", "未找到该市场主体", "uscc");
    int rc = registry_may_see(req->user, uscc, json_string_value(json_object_get(o, "region")),
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

static int entities_list(struct req *req, struct resp *resp)
{
    int format, rc;
    int64_t page, size, chain = 0, officer = 0;
    rc = export_format_or_reply(req, resp, &format);
    if (!rc)
        rc = req_page_or_reply(req, resp, &page, &size);
    if (!rc)
        rc = req_query_int_or_reply(req, resp, "chain", 0, 1, 12, &chain);
    if (!rc)
        rc = req_query_int_or_reply(req, resp, "officer", 0, 1, INT64_MAX, &officer);
    if (rc)
        return rc;
    const char *vals[LIST_NFILTERS] = {
        req_query(req, "region"),
        NULL,
        req_query(req, "tier"),
        req_query(req, "credit"),
        req_query(req, "kind"),
        req_query(req, "status"),
        NULL,
        req_query(req, "key"),
    };
    for (int i = 0; i < LIST_NFILTERS; i++)
        if (vals[i] && !*vals[i])
            vals[i] = NULL;
    /* The filters are entity fields: the entity rules judge their values. */
    struct entity f = {.region = vals[LIST_REGION],
                       .tier = vals[LIST_TIER],
                       .credit = vals[LIST_CREDIT],
                       .kind = vals[LIST_KIND],
                       .status = vals[LIST_STATUS]};
    const char *field, *msg;
    if (registry_check(&f, 0, &field, &msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, field);
    if (vals[LIST_KEY] && strcmp(vals[LIST_KEY], "true") && strcmp(vals[LIST_KEY], "false"))
        return reply_error(resp, ERR_INVALID, "validation_failed", "key 须为 true 或 false", "key");
    if (registry_list_scope(req->user, &vals[LIST_REGION], &officer))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "无权查看其他辖区的市场主体",
                           "region");
    unsigned mask = 0;
    for (int i = 0; i < LIST_NFILTERS; i++)
        if (vals[i])
            mask |= 1u << i;
    if (chain)
        mask |= 1u << LIST_CHAIN;
    if (officer)
        mask |= 1u << LIST_OFFICER;
    const char *q = req_query(req, "q");
    if (q && utf8_len(q) > 100)
        return reply_error(resp, ERR_INVALID, "validation_failed", "搜索词不能超过 100 个字符",
                           "q");
    struct db *db = db_read();
    struct search search;
    rc = registry_search_prepare(db, q, &search);
    int shapes[2] = {format ? LIST_ALL : LIST_COUNT, LIST_PAGE};
    int64_t total = 0;
    json_t *items = NULL;
    for (int k = 0; !rc && k < (format ? 1 : 2); k++) {
        struct db_stmt *st;
        rc = db_prepare(db, registry_list_sql(shapes[k], search.mode, mask), &st);
        if (rc)
            break;
        for (int i = 0; i < LIST_NFILTERS; i++) {
            if (!(mask & (1u << i)))
                continue;
            if (i == LIST_CHAIN)
                db_bind_int(st, 2, chain);
            else if (i == LIST_OFFICER)
                db_bind_int(st, 7, officer);
            else if (i == LIST_KEY)
                db_bind_int(st, 8, !strcmp(vals[i], "true"));
            else
                db_bind_text(st, i + 1, vals[i], -1);
        }
        registry_search_bind(st, &search);
        if (shapes[k] == LIST_ALL) {
            db_bind_int(st, 11, EXPORT_MAX_ROWS + 1);
            rc = reply_export(resp, st, format, "entities", labels);
        } else if (shapes[k] == LIST_COUNT) {
            int step = db_step(st);
            total = step == DB_ROW ? db_col_int(st, 0) : 0;
            db_done(st);
            rc = step < 0 ? step : 0;
        } else {
            db_bind_int(st, 11, size);
            db_bind_int(st, 12, (page - 1) * size);
            items = rows_to_json(st);
            rc = items ? 0 : ERR_DB;
        }
    }
    registry_search_dispose(&search);
    if (rc || format)
        return rc;
    return reply_page(resp, items, total, page, size);
}

static int entity_get(struct req *req, struct resp *resp)
{
    json_t *o = NULL;
    int rc = entity_or_reply(req, resp, uscc_param(req), &o);
    return rc ? rc : reply_json(resp, 200, o);
}

static const struct field_spec entity_body[] = {
    {"uscc", FIELD_STRING, FIELD_REQUIRED, 18, "统一社会信用代码"},
    {"name", FIELD_STRING, FIELD_REQUIRED, 100, "名称"},
    {"kind", FIELD_STRING, FIELD_REQUIRED, 16, "主体类型"},
    {"region", FIELD_STRING, FIELD_REQUIRED, 16, "行政区划"},
    {"legal_rep", FIELD_STRING, FIELD_NULLABLE, 50, "法定代表人"},
    {"address", FIELD_STRING, FIELD_NULLABLE, 200, "住所"},
    {"industry", FIELD_STRING, FIELD_NULLABLE, 5, "行业代码"},
    {"chain", FIELD_INT, FIELD_NULLABLE, 0, "产业链"},
    {"tier", FIELD_STRING, 0, 16, "企业层级"},
    {"credit", FIELD_STRING, 0, 1, "信用等级"},
    {"status", FIELD_STRING, 0, 16, "登记状态"},
    {"established", FIELD_STRING, FIELD_NULLABLE, 10, "成立日期"},
    {"annual_report_year", FIELD_INT, FIELD_NULLABLE, 0, "年报年度"},
    {"officer", FIELD_INT, FIELD_NULLABLE, 0, "驻企服务员"},
    {"key", FIELD_BOOL, 0, 0, "远航企业"},
    {NULL, 0, 0, 0, NULL},
};

/* Fills e from a body the router has type-checked against entity_body. */
static void entity_from_json(json_t *j, struct entity *e)
{
    static const struct {
        const char *name;
        unsigned bit;
        size_t off;
    } texts[] = {
        {"name", ENT_NAME, offsetof(struct entity, name)},
        {"kind", ENT_KIND, offsetof(struct entity, kind)},
        {"region", ENT_REGION, offsetof(struct entity, region)},
        {"legal_rep", ENT_LEGAL_REP, offsetof(struct entity, legal_rep)},
        {"address", ENT_ADDRESS, offsetof(struct entity, address)},
        {"industry", ENT_INDUSTRY, offsetof(struct entity, industry)},
        {"tier", ENT_TIER, offsetof(struct entity, tier)},
        {"credit", ENT_CREDIT, offsetof(struct entity, credit)},
        {"status", ENT_STATUS, offsetof(struct entity, status)},
        {"established", ENT_ESTABLISHED, offsetof(struct entity, established)},
    };
    static const struct {
        const char *name;
        unsigned bit;
        size_t off;
    } ints[] = {
        {"chain", ENT_CHAIN, offsetof(struct entity, chain)},
        {"annual_report_year", ENT_REPORT_YEAR, offsetof(struct entity, annual_report_year)},
        {"officer", ENT_OFFICER, offsetof(struct entity, officer)},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *v = json_object_get(j, texts[i].name);
        if (!v)
            continue;
        e->given |= texts[i].bit;
        *(const char **)(void *)((char *)e + texts[i].off) = json_string_value(v);
    }
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_t *v = json_object_get(j, ints[i].name);
        if (!v)
            continue;
        e->given |= ints[i].bit;
        *(int64_t *)(void *)((char *)e + ints[i].off) = json_integer_value(v);
    }
    json_t *key = json_object_get(j, "key");
    if (key) {
        e->given |= ENT_KEY;
        e->key = json_is_true(key);
    }
}

/* Checks e for a write by req: the rules, the caller's region, the officer. */
static int entity_check_or_reply(struct req *req, struct resp *resp, struct entity *e, int creating)
{
    const char *field, *msg;
    if (registry_check(e, creating, &field, &msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, field);
    if (e->region && scope_allows(req->user, e->region))
        return reply_error(resp, ERR_FORBIDDEN, "forbidden", "无权登记或迁入其他辖区的市场主体",
                           "region");
    if (e->officer && accounts_has_role(db_read(), e->officer, ROLE_OFFICER))
        return reply_error(resp, ERR_INVALID, "validation_failed", "驻企服务员不存在", "officer");
    return 0;
}

/* Writes e in one transaction with its audit row; answers 409 for a taken code. */
/* The audit detail of a write: the declared fields of the body only (whatever else a client
 * sent was not applied), each as {"from": old, "to": new} when before is the record as it
 * stood. Returns JSON text the caller frees. */
static char *change_detail(json_t *body, json_t *before)
{
    json_t *d = json_object();
    for (const struct field_spec *f = entity_body; f->name; f++) {
        json_t *to = json_object_get(body, f->name);
        if (!to)
            continue;
        if (!before) {
            json_object_set(d, f->name, to);
            continue;
        }
        json_t *from = json_object_get(before, f->name);
        if (!json_equal(from ? from : json_null(), to))
            json_object_set_new(
                d, f->name, json_pack("{s:O,s:O}", "from", from ? from : json_null(), "to", to));
    }
    char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    return text;
}

static int entity_write(struct req *req, struct resp *resp, struct entity *e, int creating)
{
    char object[32], region[16];
    snprintf(object, sizeof object, "entity:%s", e->uscc);
    json_t *before = NULL;
    char *detail = NULL;
    struct db *w = db_write_begin();
    int rc = w ? 0 : ERR_DB;
    /* The checks before the transaction read a snapshot; the record's county is checked again
     * here, where no other write can move it. */
    if (!rc && !creating) {
        rc = registry_region_of(w, e->uscc, region);
        if (!rc && scope_allows(req->user, region))
            rc = ERR_FORBIDDEN;
        if (!rc && !(before = registry_entity_json(w, e->uscc)))
            rc = ERR_DB;
    }
    if (!rc)
        rc = creating ? registry_insert(w, e) : registry_update(w, e);
    if (!rc) {
        detail = change_detail(req->json, before);
        rc = audit_record_req(w, req, creating ? "entity.create" : "entity.update", object, detail);
    }
    if (w)
        rc = db_write_end(w, rc);
    free(detail);
    json_decref(before);
    if (rc == ERR_CONFLICT && creating)
        return reply_error(resp, rc, "duplicate_uscc", "该统一社会信用代码已登记", "uscc");
    if (rc == ERR_FORBIDDEN)
        return reply_error(resp, rc, "forbidden", "无权修改其他辖区的市场主体", NULL);
    if (rc)
        return rc;
    json_t *o = registry_entity_json(db_read(), e->uscc);
    return o ? reply_json(resp, creating ? 201 : 200, o) : ERR_DB;
}

static int entity_create(struct req *req, struct resp *resp)
{
    struct entity e = {0};
    const char *msg;
    if (registry_set_uscc(&e, json_string_value(json_object_get(req->json, "uscc")), USCC_STRICT,
                          &msg))
        return reply_error(resp, ERR_INVALID, "validation_failed", msg, "uscc");
    entity_from_json(req->json, &e);
    int rc = entity_check_or_reply(req, resp, &e, 1);
    return rc ? rc : entity_write(req, resp, &e, 1);
}

static int entity_patch(struct req *req, struct resp *resp)
{
    const char *uscc = uscc_param(req);
    if (json_object_get(req->json, "uscc"))
        return reply_error(resp, ERR_INVALID, "validation_failed", "统一社会信用代码不可修改",
                           "uscc");
    int rc = entity_or_reply(req, resp, uscc, NULL);
    if (rc)
        return rc;
    struct entity e = {0};
    snprintf(e.uscc, sizeof e.uscc, "%s", uscc);
    entity_from_json(req->json, &e);
    if (!e.given)
        return reply_error(resp, ERR_INVALID, "validation_failed", "没有要修改的字段", NULL);
    rc = entity_check_or_reply(req, resp, &e, 0);
    return rc ? rc : entity_write(req, resp, &e, 0);
}

static int entity_history(struct req *req, struct resp *resp)
{
    const char *uscc = uscc_param(req);
    int64_t page, size;
    int rc = req_page_or_reply(req, resp, &page, &size);
    if (!rc)
        rc = entity_or_reply(req, resp, uscc, NULL);
    if (rc)
        return rc;
    char object[32];
    snprintf(object, sizeof object, "entity:%s", uscc);
    int64_t total = 0;
    json_t *items = audit_history(db_read(), object, page, size, &total);
    if (!items)
        return ERR_DB;
    /* An enterprise sees what was done to its record and by whom, not staff addresses. */
    if (req->user->role & ROLES_ENTITY_OWNERS) {
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) json_object_del(item, "ip");
    }
    return reply_page(resp, items, total, page, size);
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

const struct route registry_routes[] = {
    {"GET", "/api/v1/entities", entities_list, ROLES_STAFF, NULL, 0, 0},
    {"POST", "/api/v1/entities", entity_create, ROLES_REGISTRY_WRITE, entity_body, ROUTE_BODY_JSON,
     0},
    {"POST", "/api/v1/entities/import", registry_import, ROLES_REGISTRY_WRITE, NULL, ROUTE_BODY_RAW,
     32u << 20},
    {"GET", "/api/v1/entities/{uscc}", entity_get, ROLES_STAFF | ROLES_ENTITY_OWNERS, NULL, 0, 0},
    {"PATCH", "/api/v1/entities/{uscc}", entity_patch, ROLES_REGISTRY_WRITE, entity_body,
     ROUTE_BODY_JSON | ROUTE_BODY_PARTIAL, 0},
    {"GET", "/api/v1/entities/{uscc}/history", entity_history, ROLES_STAFF | ROLES_ENTITY_OWNERS,
     NULL, 0, 0},
    {"GET", "/api/v1/entities/{uscc}/qr.svg", entity_qr_svg, ROLES_STAFF | ROLES_ENTITY_OWNERS,
     NULL, 0, 0},
    {"GET", "/api/v1/entities/{uscc}/qr.png", entity_qr_png, ROLES_STAFF | ROLES_ENTITY_OWNERS,
     NULL, 0, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};
