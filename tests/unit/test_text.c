/* SPDX-License-Identifier: MIT */
/* Unit tests for accepted text (core/text.h) and formula escaping (core/formula.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/formula.h"
#include "core/text.h"

static int check(const char *s, int multiline)
{
    return text_check(s, strlen(s), multiline);
}

static void test_controls(void **state)
{
    (void)state;
    assert_int_equal(check("聊城市东昌府区古楼街道站前街678号", 0), TEXT_OK);
    assert_int_equal(check("a\nb", 0), TEXT_CONTROL);
    assert_int_equal(check("a\nb", 1), TEXT_OK);
    assert_int_equal(check("a\r\nb\tc", 1), TEXT_OK);
    assert_int_equal(check("a\rb", 1), TEXT_CONTROL); /* a lone CR is not a newline */
    assert_int_equal(check("a\tb", 0), TEXT_CONTROL);
    assert_int_equal(check("a\x01"
                           "b",
                           1),
                     TEXT_CONTROL);
    assert_int_equal(check("a\x7f", 0), TEXT_CONTROL);
    assert_int_equal(check("a\xc2\x85"
                           "b",
                           1),
                     TEXT_CONTROL); /* U+0085, a C1 control */
    assert_int_equal(text_check("a\0b", 3, 1), TEXT_UTF8);
    assert_int_equal(check("\xff", 0), TEXT_UTF8);
}

static void test_bidi(void **state)
{
    (void)state;
    assert_int_equal(check("abc\xe2\x80\xae"
                           "exe.txt",
                           0),
                     TEXT_BIDI); /* U+202E */
    assert_int_equal(check("\xe2\x80\xaa"
                           "x",
                           0),
                     TEXT_BIDI); /* U+202A */
    assert_int_equal(check("x\xe2\x81\xa6"
                           "y\xe2\x81\xa9",
                           0),
                     TEXT_BIDI);                          /* U+2066, 2069 */
    assert_int_equal(check("x\xe2\x80\x8f", 0), TEXT_OK); /* U+200F, a mark, not an override */
}

static const char *trim(const char *s, char *buf)
{
    size_t n = strlen(s);
    text_trim(&s, &n);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

static void test_trim(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(trim("  名称 \t", buf), "名称");
    assert_string_equal(trim("\xe3\x80\x80"
                             "名称\xe3\x80\x80",
                             buf),
                        "名称"); /* U+3000 */
    assert_string_equal(trim("\xc2\xa0"
                             "a b\xc2\xa0",
                             buf),
                        "a b"); /* U+00A0 */
    assert_string_equal(trim(" \r\n ", buf), "");
    assert_string_equal(trim("", buf), "");
    assert_string_equal(trim("a", buf), "a");
}

static void test_formula(void **state)
{
    (void)state;
    const char *yes[] = {"=1+1",
                         "+1",
                         "-1",
                         "@SUM(A1)",
                         "\t=1",
                         "\rx",
                         "|cmd",
                         "\xef\xbc\x9d"
                         "1", /* ＝ */
                         "\xef\xbc\x8b"
                         "1", /* ＋ */
                         "\xef\xbc\x8d"
                         "1", /* － */
                         "\xef\xbc\xa0"
                         "x", /* ＠ */
                         "'=1+1",
                         "'abc"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(formula_needs_escape(yes[i]));
    const char *no[] = {"", "abc", "聊城", " =1", "1-2", "a=b"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(formula_needs_escape(no[i]));
    /* Round trip: what an export writes (apostrophe + value), an import reads back. */
    const char *values[] = {"=1+1",
                            "'=1+1",
                            "''x",
                            "'abc",
                            "abc",
                            "\xef\xbc\x9d"
                            "1",
                            "|x"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char cell[32];
        const char *v = values[i];
        if (formula_needs_escape(v)) {
            cell[0] = '\'';
            strcpy(cell + 1, v);
        } else {
            strcpy(cell, v);
        }
        assert_string_equal(formula_unescape(cell), v);
    }
    /* A typed apostrophe before ordinary text stays. */
    assert_string_equal(formula_unescape("'abc"), "'abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_bidi),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_formula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
