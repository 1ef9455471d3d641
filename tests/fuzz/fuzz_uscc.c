/* SPDX-License-Identifier: MIT */
/*
 * fuzz_uscc.c - libFuzzer target for src/core/uscc.c.
 *
 * Feeds arbitrary bytes to uscc_validate() and cross-checks the result with
 * the lower-level functions: a code reported valid must agree with
 * uscc_check_char() and uscc_org_check_char() and round-trip through
 * uscc_build(); any result must be one of the enum values; normalising never
 * changes the length or turns a valid code invalid.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/uscc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy lets ASan catch any read past len. */
    char *s = malloc(size ? size : 1);
    char built[USCC_LEN + 1];
    int rc;

    if (s == NULL)
        return 0;
    if (size)
        memcpy(s, data, size);
    rc = uscc_validate(s, size);
    if (rc != USCC_OK && rc != USCC_MALFORMED && rc != USCC_BAD_CHECK && rc != USCC_BAD_ORG_CHECK)
        abort();
    if (uscc_message(rc) == NULL)
        abort();
    if (rc != USCC_MALFORMED && size != USCC_LEN)
        abort();

    if (size >= 17) {
        char c = uscc_check_char(s);
        if (rc != USCC_MALFORMED && c == '\0')
            abort();
        if (rc == USCC_OK && c != s[17])
            abort();
        if (rc == USCC_BAD_CHECK && c == s[17])
            abort();
    }
    if (rc == USCC_OK) {
        if (uscc_org_check_char(s + 8) != s[16])
            abort();
        uscc_build(s[0], s[1], s + 2, s + 8, built);
        if (memcmp(built, s, USCC_LEN) != 0 || built[USCC_LEN] != '\0')
            abort();
        uscc_normalize(s, size);
        if (uscc_validate(s, size) != USCC_OK)
            abort();
    }
    free(s);
    return 0;
}
