/* SPDX-License-Identifier: MIT */
/*
 * uscc.c - Unified Social Credit Code rules (GB 32100-2015, GB 11714-1997).
 *
 * Owns the character set, the weights and the two check computations.  The
 * USCC check uses the 31-character set with weights 3^i mod 31; the embedded
 * organisation code uses the GB 11714 mapping (digits 0-9, A=10 .. Z=35),
 * weights 3 7 9 10 5 8 4 2 and a mod-11 check where 10 is 'X' and 11 is '0'.
 */
#include "core/uscc.h"

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* w_i = 3^i mod 31. */
static const int uscc_weights[17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
};

static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

/* Registration authority codes of GB 32100 and its amendments (A, N added later). */
static const char uscc_authorities[] = "123456789ANY";

/* Returns the value 0-30 of c in the USCC character set, or -1. */
static int uscc_value(char c)
{
    for (int i = 0; i < 31; i++) {
        if (uscc_charset[i] == c)
            return i;
    }
    return -1;
}

/* Returns the GB 11714 value of c (0-9, A=10 .. Z=35), or -1. */
static int org_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

/* Returns 1 if c is one of the registration authority codes, else 0. */
static int is_authority(char c)
{
    for (const char *p = uscc_authorities; *p; p++) {
        if (*p == c)
            return 1;
    }
    return 0;
}

char uscc_check_char(const char *first17)
{
    int sum = 0;

    for (int i = 0; i < 17; i++) {
        int v = uscc_value(first17[i]);
        if (v < 0)
            return '\0';
        sum += v * uscc_weights[i];
    }
    return uscc_charset[(31 - sum % 31) % 31];
}

char uscc_org_check_char(const char *first8)
{
    int sum = 0;
    int c9;

    for (int i = 0; i < 8; i++) {
        int v = org_value(first8[i]);
        if (v < 0)
            return '\0';
        sum += v * org_weights[i];
    }
    c9 = 11 - sum % 11;
    if (c9 == 10)
        return 'X';
    if (c9 == 11)
        return '0';
    return (char)('0' + c9);
}

int uscc_validate(const char *s, size_t len)
{
    if (s == NULL || len != USCC_LEN)
        return USCC_MALFORMED;
    for (size_t i = 0; i < USCC_LEN; i++) {
        if (uscc_value(s[i]) < 0)
            return USCC_MALFORMED;
    }
    if (!is_authority(s[0]))
        return USCC_MALFORMED;
    for (size_t i = 2; i < 8; i++) {
        if (s[i] < '0' || s[i] > '9')
            return USCC_MALFORMED;
    }
    if (uscc_check_char(s) != s[17])
        return USCC_BAD_CHECK;
    if (uscc_org_check_char(s + 8) != s[16])
        return USCC_BAD_ORG_CHECK;
    return USCC_OK;
}

void uscc_normalize(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 'a' + 'A');
    }
}

void uscc_build(char reg_auth, char type, const char *division6, const char *org8,
                char out[USCC_LEN + 1])
{
    out[0] = '\0';
    if (!is_authority(reg_auth) || uscc_value(type) < 0)
        return;
    for (int i = 0; i < 6; i++) {
        if (division6[i] < '0' || division6[i] > '9')
            return;
    }
    for (int i = 0; i < 8; i++) {
        if (uscc_value(org8[i]) < 0)
            return;
    }
    out[0] = reg_auth;
    out[1] = type;
    for (int i = 0; i < 6; i++)
        out[2 + i] = division6[i];
    for (int i = 0; i < 8; i++)
        out[8 + i] = org8[i];
    out[16] = uscc_org_check_char(org8);
    out[17] = uscc_check_char(out);
    out[18] = '\0';
}

const char *uscc_message(int result)
{
    switch (result) {
    case USCC_OK: return "";
    case USCC_BAD_CHECK: return "统一社会信用代码校验位错误";
    case USCC_BAD_ORG_CHECK: return "组织机构代码校验位错误";
    case USCC_MALFORMED:
    default: return "统一社会信用代码格式错误";
    }
}
