/*  base64.h: strict decoding of base64 (RFC 4648, section 4), for HTTP Basic.

    The text comes from whoever reaches the HTTP port, so the decoder is total
    and strict: it takes the standard alphabet with '=' padding to a multiple
    of four, refuses anything else (whitespace, the URL-safe alphabet, bits
    left over in the last symbol), and never writes past the caller's buffer.
*/
#ifndef ZAPM_BASE64_H
#define ZAPM_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Decodes `length` bytes of `text` into `out` (room for `max` bytes). Returns
//  true and sets *size to the decoded length; false for bad input or when the
//  result does not fit.
bool base64_decode (const char *text, size_t length, uint8_t *out, size_t max, size_t *size);

//  Encodes `size` bytes of `data` into `out`, which has room for
//  4 * ((size + 2) / 3) + 1 bytes; NUL-terminates it and returns its length.
size_t base64_encode (const uint8_t *data, size_t size, char *out);

#endif
