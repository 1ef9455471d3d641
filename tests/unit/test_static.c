/* SPDX-License-Identifier: MIT */
/* Unit tests for content negotiation of the UI's compressed copies (static_accepts) and the
 * names exports are saved under (export_filename, export_disposition). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/export.h"
#include "http/server.h"
#include "http/static.h"

static void test_accepts_named(void **state)
{
    (void)state;
    assert_true(static_accepts("gzip, deflate, br, zstd", "br"));
    assert_true(static_accepts("gzip, deflate, br, zstd", "gzip"));
    assert_true(static_accepts("GZIP", "gzip"));
    assert_false(static_accepts("gzip, deflate", "br"));
    assert_false(static_accepts("", "gzip"));
    assert_false(static_accepts(NULL, "gzip"));
    /* a coding whose name only starts like another is not it */
    assert_false(static_accepts("brotli, gzipx", "br"));
    assert_false(static_accepts("gzipx", "gzip"));
}

static void test_accepts_weights(void **state)
{
    (void)state;
    assert_true(static_accepts("br;q=0.5, gzip;q=1.0", "br"));
    assert_false(static_accepts("br;q=0, gzip", "br"));
    assert_true(static_accepts("br;q=0, gzip", "gzip"));
    assert_false(static_accepts("gzip; q=0.000", "gzip"));
    /* a weight belongs to its own coding only */
    assert_true(static_accepts("gzip, br;q=0", "gzip"));
}

static void test_accepts_star(void **state)
{
    (void)state;
    assert_true(static_accepts("*", "br"));
    assert_false(static_accepts("*;q=0", "gzip"));
    assert_false(static_accepts("br;q=0, *", "br")); /* named beats the star */
    assert_true(static_accepts("br;q=0, *", "gzip"));
    assert_false(static_accepts("identity", "gzip"));
}

static void test_export_filename(void **state)
{
    (void)state;
    char name[64];
    const int64_t midnight = 1796140800; /* 2026-12-02 00:00 in China, 2026-12-01 16:00 UTC */
    export_filename("市场主体", EXPORT_XLSX, midnight, name, sizeof name);
    assert_string_equal(name, "市场主体_20261202.xlsx");
    export_filename("市场主体", EXPORT_XLSX, midnight - 1, name, sizeof name);
    assert_string_equal(name, "市场主体_20261201.xlsx");
    /* 2026-12-02 16:00 UTC is already the next day in China */
    export_filename("市场主体", EXPORT_CSV, midnight + 24 * 3600, name, sizeof name);
    assert_string_equal(name, "市场主体_20261203.csv");
}

static void test_export_disposition(void **state)
{
    (void)state;
    struct resp resp;
    memset(&resp, 0, sizeof resp);
    export_disposition(&resp, "用户_20261202.xlsx");
    assert_int_equal(resp.nheaders, 1);
    assert_string_equal(resp.headers[0].name, "Content-Disposition");
    assert_string_equal(resp.headers[0].value, "attachment; filename=\"export.xlsx\"; "
                                               "filename*=UTF-8''%E7%94%A8%E6%88%B7_20261202.xlsx");
    resp_dispose(&resp);
}

static void test_loopback(void **state)
{
    (void)state;
    assert_true(server_url_is_loopback("http://127.0.0.1:8080"));
    assert_true(server_url_is_loopback("http://localhost"));
    assert_true(server_url_is_loopback("http://LOCALHOST:80/x"));
    assert_true(server_url_is_loopback("http://[::1]:8080"));
    assert_true(server_url_is_loopback("http://0.0.0.0:8080"));
    assert_false(server_url_is_loopback("http://192.168.1.10:8080"));
    assert_false(server_url_is_loopback("https://jianguan.liaocheng.gov.cn"));
    assert_false(server_url_is_loopback("http://localhost.example.cn"));
    assert_false(server_url_is_loopback("http://127example.cn"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_named),      cmocka_unit_test(test_accepts_weights),
        cmocka_unit_test(test_accepts_star),       cmocka_unit_test(test_export_filename),
        cmocka_unit_test(test_export_disposition), cmocka_unit_test(test_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
