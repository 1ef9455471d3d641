/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the CSV import (POST /api/v1/entities/import) through the router: any
 * bytes are refused with 4xx or imported atomically; never a crash or a 5xx.
 */
#include "fuzz_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    fuzz_request("POST", "/api/v1/entities/import", NULL, "text/csv", data, size);
    return 0;
}
