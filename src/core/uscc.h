/* SPDX-License-Identifier: MIT */
/*
 * uscc.h - Unified Social Credit Code (统一社会信用代码, GB 32100-2015).
 *
 * Owns the form and check-character rules of the 18-character code and of the
 * organisation code (GB 11714) embedded at positions 9-17.  Pure functions, no
 * allocation, no I/O.  It does not know whether a code was ever issued: that is
 * the registry's business.
 *
 * Layout (1-based positions): 1 registration authority, 2 entity type,
 * 3-8 administrative division (6 digits), 9-17 organisation code (8 body
 * characters + GB 11714 check), 18 USCC check character.
 *
 * Case: the validator is strict, a lowercase letter is USCC_MALFORMED.  Callers
 * that accept user input call uscc_normalize() first.
 */
#ifndef JIANGUAN_CORE_USCC_H
#define JIANGUAN_CORE_USCC_H

#include <stddef.h>

#define USCC_LEN 18

enum uscc_result {
    USCC_OK = 0,
    USCC_MALFORMED = -1,     /* wrong length or characters */
    USCC_BAD_CHECK = -2,     /* form ok, check char wrong */
    USCC_BAD_ORG_CHECK = -3, /* form ok, org-code check wrong */
};

/*
 * Validates s[0..len) as a USCC; returns USCC_OK or a negative enum uscc_result.
 * MALFORMED: len != 18, a character outside 0-9A-HJ-NP-RTUWXY (so also
 * lowercase, I O S V Z and NUL), an unknown authority code (position 1 must be
 * one of 1-9 A N Y), or a non-digit in the division.  The USCC check is tested
 * before the organisation-code check, so a typo reports BAD_CHECK.
 */
int uscc_validate(const char *s, size_t len);

/* Upcases ASCII a-z in s[0..len) in place; trims nothing, touches no other byte. */
void uscc_normalize(char *s, size_t len);

/*
 * Returns the USCC check character for the 17 characters at first17, or '\0'
 * if any of them is outside the 31-character set.
 */
char uscc_check_char(const char *first17);

/*
 * Returns the GB 11714 check character ('0'-'9' or 'X') for the 8 body
 * characters at first8, or '\0' if any of them is not 0-9 or A-Z.
 */
char uscc_org_check_char(const char *first8);

/*
 * Builds a full code into out (18 characters + NUL) from its parts, computing
 * both check characters.  If any part is outside what uscc_validate() accepts
 * (authority 1-9 A N Y, type from the 31-character set, division 6 digits, org
 * body 8 characters of the 31-character set), out is set to the empty string.
 */
void uscc_build(char reg_auth, char type, const char *division6, const char *org8,
                char out[USCC_LEN + 1] /* out */);

/*
 * Returns a static Chinese message for a uscc_validate() result: "" for
 * USCC_OK, the format-error message for any unknown value.
 */
const char *uscc_message(int result);

#endif
