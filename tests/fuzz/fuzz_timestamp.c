/*  fuzz_timestamp.c: libFuzzer target for the ISO 8601 parser used on `timestamp`. */
#include "clock.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    int64_t ns;
    clock_parse_iso ((const char *) data, size, &ns);
    return 0;
}
