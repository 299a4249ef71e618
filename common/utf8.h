/*  utf8.h: UTF-8, decoded by one set of rules on every side.

    The collector refuses a frame that is not strict UTF-8; the agent's encoder
    replaces what is not UTF-8 with U+FFFD; both must agree on what "valid" is:
    no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629).
*/
#ifndef ZAPM_UTF8_H
#define ZAPM_UTF8_H

#include <stdbool.h>
#include <stddef.h>

//  The length (1 to 4) of the valid UTF-8 character at p, which has `left`
//  bytes (at least 1), or 0 when no valid character starts there. A NUL byte
//  is a valid one-byte character here.
size_t utf8_char_length (const unsigned char *p, size_t left);

//  True when `size` bytes at `data` are valid UTF-8 with no NUL byte.
bool utf8_valid (const char *data, size_t size);

#endif
