/*  fuzz_event_id.c: libFuzzer target for Last-Event-ID parsing (a request header). */
#include "stream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    memcpy (text, data, size);
    text[size] = '\0';
    uint64_t seq;
    sse_parse_id (text, "abcd1234", &seq);
    free (text);
    return 0;
}
