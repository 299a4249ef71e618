/*  fuzz_validate.c: libFuzzer target for the collector's frame validator, the
    code every byte from the network passes through. Also frames each valid
    sample, as ingest does, to exercise minifying. */
#include "sse.h"
#include "validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    sample_t sample;
    if (validate_sample ((const char *) data, size, &sample) != VALIDATE_OK)
        return 0;
    char *frame = malloc (size + SSE_FRAME_OVERHEAD + 1);
    size_t n =
        sse_frame (frame, "fuzzfuzz", 1, NULL, (const char *) data, size, sample.has_line_break);
    //  A framed event is one id line, one data line, one blank line.
    //  ... and its data line holds no control character a browser's JSON.parse refuses.
    size_t newlines = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) frame[i];
        newlines += c == '\n';
        if (c < 0x20 && c != '\n' && c != '\t')
            abort ();
    }
    if (newlines != 3)
        abort ();
    free (frame);
    return 0;
}
