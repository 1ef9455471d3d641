/* SPDX-License-Identifier: MIT */
/* Unit tests for the router's path matching (router.c is included, as h2o's tests do, to reach
 * its static functions) and for the error-to-status map and data scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/router.c"

static void req_release(struct req *req)
{
    for (size_t i = 0; i < req->nallocs; i++)
        free(req->allocs[i]);
    free(req->allocs);
    memset(req, 0, sizeof *req);
}

static void test_match_literal(void **state)
{
    (void)state;
    assert_true(match("/healthz", "/healthz", NULL));
    assert_false(match("/healthz", "/healthz/", NULL));
    assert_false(match("/healthz", "/health", NULL));
    assert_false(match("/api/v1/chains", "/api/v1/chain", NULL));
}

static void test_match_params(void **state)
{
    (void)state;
    struct req req;
    memset(&req, 0, sizeof req);
    assert_true(match("/api/v1/entities/{uscc}", "/api/v1/entities/91371500MA3C00001X", &req));
    assert_int_equal(req.nparams, 1);
    assert_string_equal(req_param(&req, "uscc"), "91371500MA3C00001X");
    assert_null(req_param(&req, "id"));
    req_release(&req);

    assert_true(match("/api/v1/entities/{uscc}/qr.svg", "/api/v1/entities/ABC/qr.svg", &req));
    assert_string_equal(req_param(&req, "uscc"), "ABC");
    req_release(&req);

    /* A literal suffix inside the segment. */
    assert_true(match("/api/v1/entities/{uscc}.png", "/api/v1/entities/XYZ.png", &req));
    assert_string_equal(req_param(&req, "uscc"), "XYZ");
    req_release(&req);
    assert_false(match("/api/v1/entities/{uscc}.png", "/api/v1/entities/.png", NULL));

    assert_true(match("/a/{x}/b/{y}", "/a/1/b/2", &req));
    assert_string_equal(req_param(&req, "x"), "1");
    assert_string_equal(req_param(&req, "y"), "2");
    req_release(&req);

    /* Parameters never span segments and are never empty. */
    assert_false(match("/api/v1/entities/{uscc}", "/api/v1/entities/a/b", NULL));
    assert_false(match("/api/v1/entities/{uscc}", "/api/v1/entities/", NULL));
    assert_false(match("/a/{x}/b", "/a//b", NULL));
}

static void test_status_map(void **state)
{
    (void)state;
    assert_int_equal(http_status_of(ERR_INVALID), 422);
    assert_int_equal(http_status_of(ERR_MALFORMED), 400);
    assert_int_equal(http_status_of(ERR_UNAUTH), 401);
    assert_int_equal(http_status_of(ERR_FORBIDDEN), 403);
    assert_int_equal(http_status_of(ERR_NOTFOUND), 404);
    assert_int_equal(http_status_of(ERR_CONFLICT), 409);
    assert_int_equal(http_status_of(ERR_TOOLARGE), 413);
    assert_int_equal(http_status_of(ERR_MEDIA), 415);
    assert_int_equal(http_status_of(ERR_RATE), 429);
    assert_int_equal(http_status_of(ERR_DB), 500);
}

static void test_scope(void **state)
{
    (void)state;
    struct principal city = {.role = ROLE_BUREAU, .region = "371500"};
    struct principal county = {.role = ROLE_BUREAU, .region = "371502"};
    struct principal admin = {.role = ROLE_ADMIN, .region = "371502"};
    assert_null(scope_region(&city));
    assert_null(scope_region(&admin));
    assert_string_equal(scope_region(&county), "371502");
    assert_int_equal(scope_allows(&city, "371581"), 0);
    assert_int_equal(scope_allows(&county, "371502"), 0);
    assert_int_equal(scope_allows(&county, "371581"), ERR_FORBIDDEN);
    assert_int_equal(scope_allows(&county, NULL), ERR_FORBIDDEN);
}

/* The Allow list of a 405 names each method once, whole: two GET routes matching one path
 * (a literal and a parameter) must not make "GET, GET". */
static void test_allow_listed(void **state)
{
    (void)state;
    assert_false(listed("", "GET"));
    assert_true(listed("GET", "GET"));
    assert_true(listed("PUT, GET", "GET"));
    assert_true(listed("GET, PUT", "PUT"));
    assert_false(listed("GET, PUT", "POST"));
    assert_false(listed("GETX, XGET", "GET"));
    assert_false(listed("PATCH", "PAT"));
}

static void test_table(void **state)
{
    (void)state;
    router_init();
    assert_true(router_count() > 5);
    /* Every route has a handler, or is a GET list the router answers; a pattern starting with
     * '/'; and no two share method and pattern. */
    for (int i = 0; i < router_count(); i++) {
        const struct route *r = router_get(i);
        assert_true(r->handler || (r->list && !strcmp(r->method, "GET")));
        assert_int_equal(r->pattern[0], '/');
        if (r->flags & ROUTE_BODY_JSON)
            assert_non_null(r->body);
        for (int j = i + 1; j < router_count(); j++)
            assert_false(!strcmp(r->method, router_get(j)->method) &&
                         !strcmp(r->pattern, router_get(j)->pattern));
    }
    assert_null(router_get(router_count()));
    free(routes);
    routes = NULL;
}

static void test_media_types(void **state)
{
    (void)state;
    assert_true(media_type_is("application/json", "application/json"));
    assert_true(media_type_is("Application/JSON", "application/json"));
    assert_true(media_type_is("application/json; charset=utf-8", "application/json"));
    assert_true(media_type_is("application/json;charset=UTF-8", "application/json"));
    assert_true(media_type_is("application/json; charset=\"utf-8\" ", "application/json"));
    assert_true(media_type_is(" text/csv", "text/csv"));
    /* a longer type, another charset, another parameter, garbage after it */
    assert_false(media_type_is("application/jsonx", "application/json"));
    assert_false(media_type_is("text/csvx", "text/csv"));
    assert_false(media_type_is("application/json; charset=gbk", "application/json"));
    assert_false(media_type_is("application/json; boundary=x", "application/json"));
    assert_false(media_type_is("application/json; charset=utf-8x", "application/json"));
    assert_false(media_type_is("application/json, text/csv", "application/json"));
    assert_false(media_type_is("text/plain", "application/json"));
    assert_false(media_type_is("", "application/json"));
    assert_false(media_type_is(NULL, "application/json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_literal), cmocka_unit_test(test_match_params),
        cmocka_unit_test(test_status_map),    cmocka_unit_test(test_scope),
        cmocka_unit_test(test_allow_listed),  cmocka_unit_test(test_table),
        cmocka_unit_test(test_media_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
