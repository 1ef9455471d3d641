/* SPDX-License-Identifier: MIT */
/* Unit tests for core/strbuf: bounds, escaping, ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/strbuf.h"

static void test_append_and_limit(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 8);
    assert_string_equal(strbuf_get(&sb), "");
    assert_int_equal(strbuf_puts(&sb, "abcd"), 0);
    assert_int_equal(strbuf_puts(&sb, "efgh"), 0);
    assert_int_equal(sb.len, 8);
    /* Past the maximum: refused, contents unchanged. */
    assert_int_equal(strbuf_putc(&sb, 'x'), ERR_TOOLARGE);
    assert_int_equal(strbuf_printf(&sb, "%d", 1), ERR_TOOLARGE);
    assert_string_equal(strbuf_get(&sb), "abcdefgh");
    strbuf_reset(&sb);
    assert_int_equal(sb.len, 0);
    assert_int_equal(strbuf_printf(&sb, "%s-%d", "a", 42), 0);
    assert_string_equal(strbuf_get(&sb), "a-42");
    strbuf_dispose(&sb);
}

static void test_json_string(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1024);
    const char in[] = "a\"b\\c\n\x01中";
    assert_int_equal(strbuf_json_string(&sb, in, strlen(in)), 0);
    assert_string_equal(strbuf_get(&sb), "\"a\\\"b\\\\c\\u000a\\u0001中\"");
    strbuf_dispose(&sb);
    /* Too small: nothing half-written. */
    strbuf_init(&sb, 6);
    strbuf_puts(&sb, "ab");
    assert_int_equal(strbuf_json_string(&sb, "\"\"\"", 3), ERR_TOOLARGE);
    assert_string_equal(strbuf_get(&sb), "ab");
    strbuf_dispose(&sb);
}

static void test_csv_field(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1024);
    strbuf_csv_field(&sb, "plain", 5);
    strbuf_putc(&sb, ',');
    strbuf_csv_field(&sb, "a,b", 3);
    strbuf_putc(&sb, ',');
    strbuf_csv_field(&sb, "say \"hi\"", 8);
    strbuf_putc(&sb, ',');
    strbuf_csv_field(&sb, "l1\nl2", 5);
    assert_string_equal(strbuf_get(&sb), "plain,\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\"");
    strbuf_dispose(&sb);
}

static void test_take(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 100);
    size_t len = 99;
    char *empty = strbuf_take(&sb, &len);
    assert_string_equal(empty, "");
    assert_int_equal(len, 0);
    free(empty);
    strbuf_puts(&sb, "hello");
    char *p = strbuf_take(&sb, &len);
    assert_string_equal(p, "hello");
    assert_int_equal(len, 5);
    assert_null(sb.buf);
    assert_int_equal(sb.len, 0);
    free(p);
}

static void test_item(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 64);
    assert_int_equal(strbuf_item(&sb, "、", "from"), 0);
    assert_string_equal(strbuf_get(&sb), "from");
    assert_int_equal(strbuf_item(&sb, "、", "to"), 0);
    assert_string_equal(strbuf_get(&sb), "from、to");
    strbuf_dispose(&sb);
}

static void test_utf8(void **state)
{
    (void)state;
    const char *city = "聊城市a"; /* three 3-byte characters and one byte */
    assert_int_equal(utf8_len(city), 4);
    assert_int_equal(utf8_len(""), 0);

    assert_true(utf8_valid(city, strlen(city)));
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("\xF0\x9F\x98\x80", 4));  /* U+1F600, four bytes */
    assert_false(utf8_valid("\xE8\x81", 2));         /* truncated */
    assert_false(utf8_valid("\xC0\xAF", 2));         /* overlong */
    assert_false(utf8_valid("\xE0\x80\xAF", 3));     /* overlong, three bytes */
    assert_false(utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    assert_false(utf8_valid("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(utf8_valid("\xE8\x81\x8A\x80", 4)); /* stray continuation */
    assert_false(utf8_valid("\xFF", 1));

    /* Cut at a character's start, never inside one; short text whole. */
    assert_int_equal(utf8_prefix(city, 64), strlen(city));
    assert_int_equal(utf8_prefix(city, 10), 10);
    assert_int_equal(utf8_prefix(city, 9), 9);
    assert_int_equal(utf8_prefix(city, 8), 6);
    assert_int_equal(utf8_prefix(city, 7), 6);
    assert_int_equal(utf8_prefix(city, 2), 0);
    assert_int_equal(utf8_prefix("abc", 2), 2);
    assert_int_equal(utf8_prefix("", 0), 0);
    /* Bytes that are not text are cut by the byte: the caller checks them. */
    assert_int_equal(utf8_prefix("\x80\x80\x80", 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_limit),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_csv_field),
        cmocka_unit_test(test_take),
        cmocka_unit_test(test_item),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
