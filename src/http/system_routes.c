/* SPDX-License-Identifier: MIT */
/* GET /healthz, GET /metrics and GET /api/v1/openapi.yaml. */
#include "http/http.h"
#include "http/metrics.h"
#include "core/err.h"

extern const char openapi_yaml[]; /* generated from docs/openapi.yaml */
extern const unsigned long openapi_yaml_len;

static int healthz(struct req *req, struct resp *resp)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    (void)req;
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

const struct route system_routes[] = {
    {"GET", "/healthz", healthz, ROLES_PUBLIC, NULL, 0, 0},
    {"GET", "/metrics", metrics, ROLES_PUBLIC, NULL, 0, 0},
    {"GET", "/api/v1/openapi.yaml", openapi, ROLES_PUBLIC, NULL, 0, 0},
    {0},
};
