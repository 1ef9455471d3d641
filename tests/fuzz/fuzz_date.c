/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for date_parse(): arbitrary bytes either fail cleanly or parse to a day
 * that formats back to exactly the input, and whose weekday is in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    if (!s)
        return 0;
    memcpy(s, data, size);
    int32_t day;
    if (date_parse(s, size, &day) == 0) {
        char out[DATE_LEN + 1];
        date_format(day, out);
        if (size != DATE_LEN || memcmp(out, s, DATE_LEN) != 0)
            abort();
        int w = date_weekday(day);
        if (w < 1 || w > 7)
            abort();
    }
    free(s);
    return 0;
}
