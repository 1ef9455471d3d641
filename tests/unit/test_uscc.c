/* SPDX-License-Identifier: MIT */
/*
 * test_uscc.c - unit tests for src/core/uscc.c.
 *
 * Covers real published codes, codes built with uscc_build(), every
 * single-character substitution of each valid code, the malformed cases
 * (length, forbidden letters, lowercase, NUL, authority, division) and a code
 * whose only fault is the organisation-code check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/uscc.h"

static const char charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/*
 * Public codes of well-known companies, each confirmed by both checks (a
 * wrong code passes both by chance with probability 1/341):
 * GB 32100 example, 华为技术有限公司, 深圳市腾讯计算机系统有限公司,
 * 阿里巴巴（中国）有限公司, 小米科技有限责任公司, 中国石油天然气股份有限公司.
 */
static const char *const real_codes[] = {
    "91350100M000100Y43", "914403001922038216", "91440300708461136T",
    "91330100799655058B", "91110108551385082Q", "91110000710925462X",
};

/* Returns the USCC validation result of the NUL-terminated s. */
static int check(const char *s)
{
    return uscc_validate(s, strlen(s));
}

static void test_real_codes_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof real_codes / sizeof real_codes[0]; i++)
        assert_int_equal(check(real_codes[i]), USCC_OK);
}

/*
 * Hand calculation for 91350100M000100Y43.
 * Org code M000100Y4 (GB 11714 values M=22, Y=34):
 *   22*3 + 1*5 + 34*2 = 66 + 5 + 68 = 139; 139 mod 11 = 7; 11 - 7 = 4 -> '4'.
 * USCC (set values M=21, Y=30; weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28):
 *   9*1 + 1*3 + 3*9 + 5*27 + 1*26 + 21*20 + 1*8 + 30*30 + 4*28
 *   = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640;
 *   1640 mod 31 = 28; 31 - 28 = 3 -> '3'.
 */
static void test_hand_calculation(void **state)
{
    (void)state;
    assert_int_equal(uscc_org_check_char("M000100Y"), '4');
    assert_int_equal(uscc_check_char("91350100M000100Y4"), '3');
}

static void test_org_check_special_values(void **state)
{
    (void)state;
    /* Sum 0 -> 11 -> '0'. */
    assert_int_equal(uscc_org_check_char("00000000"), '0');
    /* 1*5 = 5; 11 - 5 = 6. */
    assert_int_equal(uscc_org_check_char("00001000"), '6');
    /* 1*3 + 1*9 = 12; 12 mod 11 = 1; 11 - 1 = 10 -> 'X'. */
    assert_int_equal(uscc_org_check_char("10100000"), 'X');
    assert_int_equal(uscc_org_check_char("0000000a"), '\0');
    assert_int_equal(uscc_check_char("91350100M000100y4"), '\0');
}

static void test_build(void **state)
{
    char out[USCC_LEN + 1];

    (void)state;
    uscc_build('9', '1', "350100", "M000100Y", out);
    assert_string_equal(out, "91350100M000100Y43");

    uscc_build('9', '1', "371500", "MA3C5X5X", out);
    assert_int_equal(strlen(out), USCC_LEN);
    assert_int_equal(check(out), USCC_OK);
    uscc_build('9', '2', "371502", "L1234567", out);
    assert_int_equal(check(out), USCC_OK);
    uscc_build('9', '3', "371521", "MA0000YU", out);
    assert_int_equal(check(out), USCC_OK);
    uscc_build('Y', '1', "371581", "00000000", out);
    assert_int_equal(check(out), USCC_OK);
    uscc_build('5', '1', "371500", "10100000", out); /* org check 'X' */
    assert_int_equal(out[16], 'X');
    assert_int_equal(check(out), USCC_OK);

    uscc_build('Z', '1', "371500", "MA3C5X5X", out); /* Z outside the set */
    assert_string_equal(out, "");
    uscc_build('X', '1', "371500", "MA3C5X5X", out); /* X is no authority */
    assert_string_equal(out, "");
    uscc_build('9', 'I', "371500", "MA3C5X5X", out);
    assert_string_equal(out, "");
    uscc_build('9', '1', "37150A", "MA3C5X5X", out);
    assert_string_equal(out, "");
    uscc_build('9', '1', "371500", "MA3C5O5X", out);
    assert_string_equal(out, "");
}

/* Asserts every substitution of every position of the valid code s is refused. */
static void assert_all_corruptions_caught(const char *s)
{
    char c[USCC_LEN + 1];

    assert_int_equal(check(s), USCC_OK);
    for (size_t pos = 0; pos < USCC_LEN; pos++) {
        for (size_t k = 0; k < 31; k++) {
            int rc;

            if (charset[k] == s[pos])
                continue;
            memcpy(c, s, sizeof c);
            c[pos] = charset[k];
            rc = uscc_validate(c, USCC_LEN);
            if (rc != USCC_BAD_CHECK && rc != USCC_BAD_ORG_CHECK && rc != USCC_MALFORMED)
                fail_msg("%s (pos %zu -> %c) gave %d", s, pos, charset[k], rc);
        }
    }
}

static void test_single_corruptions(void **state)
{
    static const char *const parts[][4] = {
        {"9", "1", "371500", "MA3C5X5X"}, {"9", "2", "371502", "L1234567"},
        {"9", "3", "371521", "MA0000YU"}, {"Y", "1", "371581", "00000000"},
        {"5", "1", "371500", "10100000"}, {"1", "2", "371525", "4950021X"},
    };
    char out[USCC_LEN + 1];

    (void)state;
    for (size_t i = 0; i < sizeof real_codes / sizeof real_codes[0]; i++)
        assert_all_corruptions_caught(real_codes[i]);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        uscc_build(parts[i][0][0], parts[i][1][0], parts[i][2], parts[i][3], out);
        assert_int_equal(strlen(out), USCC_LEN);
        assert_all_corruptions_caught(out);
    }
}

static void test_malformed(void **state)
{
    char c[USCC_LEN + 2];
    static const char forbidden[] = "IOSVZ";

    (void)state;
    assert_int_equal(uscc_validate("", 0), USCC_MALFORMED);
    assert_int_equal(uscc_validate(NULL, 18), USCC_MALFORMED);
    assert_int_equal(uscc_validate("91350100M000100Y4", 17), USCC_MALFORMED);
    assert_int_equal(uscc_validate("91350100M000100Y433", 19), USCC_MALFORMED);
    /* A valid code with a length that cuts it short. */
    assert_int_equal(uscc_validate("91350100M000100Y43", 17), USCC_MALFORMED);

    for (size_t f = 0; f < 5; f++) {
        for (size_t pos = 0; pos < USCC_LEN; pos++) {
            memcpy(c, "91350100M000100Y43", USCC_LEN + 1);
            c[pos] = forbidden[f];
            assert_int_equal(uscc_validate(c, USCC_LEN), USCC_MALFORMED);
        }
    }

    memcpy(c, "91350100M000100Y43", USCC_LEN + 1);
    c[9] = '\0';
    assert_int_equal(uscc_validate(c, USCC_LEN), USCC_MALFORMED);

    assert_int_equal(check("91350100m000100y43"), USCC_MALFORMED);
    assert_int_equal(check("9135010 M000100Y43"), USCC_MALFORMED);
    assert_int_equal(check("91350100M000100Y4-"), USCC_MALFORMED);
    /* Division must be digits, authority one of 1-9 A N Y. */
    assert_int_equal(check("9135A100M000100Y43"), USCC_MALFORMED);
    assert_int_equal(check("01350100M000100Y43"), USCC_MALFORMED);
    assert_int_equal(check("X1350100M000100Y43"), USCC_MALFORMED);
}

static void test_normalize(void **state)
{
    char s[] = "91350100m000100y43 x";

    (void)state;
    uscc_normalize(s, 18);
    assert_string_equal(s, "91350100M000100Y43 x");
    assert_int_equal(uscc_validate(s, 18), USCC_OK);
    uscc_normalize(s, sizeof s - 1);
    assert_string_equal(s, "91350100M000100Y43 X");
}

static void test_bad_org_check(void **state)
{
    char c[USCC_LEN + 1];

    (void)state;
    for (size_t i = 0; i < sizeof real_codes / sizeof real_codes[0]; i++) {
        for (size_t k = 0; k < 31; k++) {
            memcpy(c, real_codes[i], sizeof c);
            if (charset[k] == c[16])
                continue;
            c[16] = charset[k];
            c[17] = uscc_check_char(c);
            assert_int_equal(uscc_validate(c, USCC_LEN), USCC_BAD_ORG_CHECK);
        }
    }
    /* Check char wrong: reported as BAD_CHECK. */
    assert_int_equal(check("91350100M000100Y44"), USCC_BAD_CHECK);
}

static void test_messages(void **state)
{
    (void)state;
    assert_string_equal(uscc_message(USCC_OK), "");
    assert_string_equal(uscc_message(USCC_MALFORMED), "统一社会信用代码格式错误");
    assert_string_equal(uscc_message(USCC_BAD_CHECK), "统一社会信用代码校验位错误");
    assert_string_equal(uscc_message(USCC_BAD_ORG_CHECK), "组织机构代码校验位错误");
    assert_string_equal(uscc_message(-99), "统一社会信用代码格式错误");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_codes_valid),
        cmocka_unit_test(test_hand_calculation),
        cmocka_unit_test(test_org_check_special_values),
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_single_corruptions),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_bad_org_check),
        cmocka_unit_test(test_messages),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
