/*  fuzz_forward_header.c: libFuzzer target for the header of a forwarded batch
    (bytes from another collector, or from anyone who reaches the agent port).
    A header that parses must write back to one that parses to the same. */
#include "forward.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    forward_header_t header, again;
    if (!forward_header_parse ((const char *) data, size, &header))
        return 0;
    char text[2048];
    size_t n = forward_header_write (&header, text, sizeof text);
    //  Not assert: the check must hold in every build the corpus is replayed in.
    if (n == 0 || !forward_header_parse (text, n, &again) ||
        strcmp (header.edge, again.edge) != 0 || header.hops != again.hops)
        abort ();
    forward_header_visited (&header, "abcd1234");
    return 0;
}
