/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the entity list's search and filters through the router: any text as
 * ?q= (and, from its second half, as ?sort=) runs the composed list SQL without an SQL or FTS5
 * syntax error — no input can change the query's structure — and answers 200 or 422.
 */
#include "fuzz_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size > 300)
        return 0;
    size_t half = size / 2;
    char *q = xstrndup((const char *)data, half); /* a query value stops at its first NUL */
    char *sort = xstrndup((const char *)data + half, size - half);
    const char *query[] = {"q", q, NULL, NULL, NULL};
    if (size % 3 == 0) {
        query[2] = "sort";
        query[3] = sort;
    }
    int status = fuzz_request("GET", "/api/v1/entities", query, "", NULL, 0);
    if (status != 200 && status != 422)
        abort();
    free(q);
    free(sort);
    return 0;
}
