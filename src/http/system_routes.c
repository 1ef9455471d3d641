/* SPDX-License-Identifier: MIT */
/* GET /healthz, GET /metrics, GET /api/v1/openapi.yaml and GET /api/v1/meta. */
#include "http/http.h"
#include "http/list.h"
#include "http/metrics.h"
#include "http/module.h"
#include "http/router.h"
#include "core/err.h"

extern const char openapi_yaml[]; /* generated from docs/openapi.yaml */
extern const unsigned long openapi_yaml_len;

/* Answers ok only when the database answers a query on this thread's read connection. */
static int healthz(struct req *req, struct resp *resp)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    static const char sql[] = "SELECT 1";
    struct db_stmt *st;
    (void)req;
    int rc = db_prepare(db_read(), sql, &st);
    if (!rc)
        rc = db_step(st) == DB_ROW ? 0 : ERR_DB;
    db_done(st);
    if (rc)
        return reply_error(resp, ERR_UNAVAILABLE, "database_unavailable", "数据库无法访问", NULL);
    resp->status = 200;
    resp->content_type = "application/json";
    resp->static_body = ok;
    resp->static_len = sizeof ok - 1;
    return 0;
}

static int metrics(struct req *req, struct resp *resp)
{
    (void)req;
    int rc = metrics_render(&resp->body);
    if (rc)
        return rc;
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}

static int openapi(struct req *req, struct resp *resp)
{
    (void)req;
    resp->status = 200;
    resp->content_type = "application/yaml; charset=utf-8";
    resp->static_body = openapi_yaml;
    resp->static_len = openapi_yaml_len;
    return 0;
}

/* {"value": "label", ...} of an enumeration. */
static json_t *enum_json(const struct enum_value *values)
{
    json_t *o = json_object();
    for (const struct enum_value *e = values; e->value; e++)
        json_object_set_new(o, e->value, json_string(e->label));
    return o;
}

/* One record: its label and each field's label, whether it is read only or internal, and,
 * for enumerations, values. */
static json_t *record_json(const struct record *r)
{
    json_t *fields = json_object();
    for (const struct field *f = r->fields; f->name; f++) {
        if (f->flags & FIELD_WRITEONLY)
            continue;
        json_t *o = json_pack("{s:s}", "label", f->label ? f->label : f->name);
        /* Fields a body or an import cannot set (the UI leaves them out of forms and the
         * import template). */
        if (f->flags & FIELD_READONLY)
            json_object_set_new(o, "readonly", json_true());
        if (f->flags & FIELD_INTERNAL)
            json_object_set_new(o, "internal", json_true());
        if (f->values)
            json_object_set_new(o, "values", enum_json(f->values));
        json_object_set_new(fields, f->name, o);
    }
    return json_pack("{s:s,s:o}", "label", r->label, "fields", fields);
}

/* The lists the caller may read, by path: their record, filters, the other query names they
 * read (a search's q), sort keys and whether they export, so that one list component serves
 * them all. */
static json_t *lists_json(const struct principal *p)
{
    json_t *lists = json_object();
    for (int i = 0; i < router_count(); i++) {
        const struct route *r = router_get(i);
        const struct list_def *l = r->list;
        if (!l || l->feed || !router_may_call(r, p)) /* a feed is a file, not a page */
            continue;
        json_t *filters = json_array(), *params = json_array(), *sorts = json_array();
        for (const struct list_filter *f = l->filters; f && f->name; f++)
            json_array_append_new(filters, json_string(f->name));
        for (const char *const *q = l->params; q && *q; q++)
            json_array_append_new(params, json_string(*q));
        for (const struct list_sort *k = l->sorts; k && k->key; k++)
            json_array_append_new(sorts, json_string(k->key));
        json_object_set_new(lists, r->pattern,
                            json_pack("{s:s,s:s,s:o,s:o,s:o,s:b}", "record", l->rec->name, "title",
                                      list_title(l), "filters", filters, "params", params, "sorts",
                                      sorts, "export", list_may_export(l, p)));
    }
    return lists;
}

/* What the UI needs to label everything without copying it: the modules present (and who
 * works with them), the records' fields and enumerations, the lists the caller may read,
 * roles, audit action labels. */
static int meta(struct req *req, struct resp *resp)
{
    json_t *mods = json_array(), *records = json_object(), *actions = json_object();
    for (const struct module *const *m = modules; *m; m++) {
        json_t *roles = json_array();
        for (int i = 0; authz_roles[i].value; i++)
            if ((*m)->roles & (1u << i))
                json_array_append_new(roles, json_string(authz_roles[i].value));
        json_array_append_new(mods, json_pack("{s:s,s:s,s:o}", "name", (*m)->name, "label",
                                              (*m)->label, "roles", roles));
        for (struct record *const *r = (*m)->records; r && *r; r++)
            json_object_set_new(records, (*r)->name, record_json(*r));
        for (const struct audit_action *a = (*m)->actions; a && a->action; a++)
            json_object_set_new(actions, a->action, json_string(a->label));
    }
    resp_header(resp, "Cache-Control", "private, max-age=300");
    return reply_json(resp, 200,
                      json_pack("{s:o,s:o,s:o,s:o,s:o}", "modules", mods, "records", records,
                                "lists", lists_json(req->user), "roles", enum_json(authz_roles),
                                "actions", actions));
}

static const struct route routes[] = {
    {"GET", "/healthz", healthz, ROLES_PUBLIC, NULL, 0, 0},
    /* Not for anonymous clients here: Prometheus reads it on --metrics-listen. */
    {"GET", "/metrics", metrics, ROLE_ADMIN, NULL, 0, 0},
    {"GET", "/api/v1/openapi.yaml", openapi, ROLES_PUBLIC, NULL, 0, 0},
    {"GET", "/api/v1/meta", meta, ROLES_ANY, NULL, 0, 0},
    {NULL, NULL, NULL, 0, NULL, 0, 0},
};

const struct module system_module = {
    .name = "system",
    .label = "系统",
    .roles = ROLES_ANY,
    .routes = routes,
};
