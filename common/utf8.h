/*  utf8.h: UTF-8, decoded by one set of rules on every side.

    The collector refuses a frame that is not strict UTF-8; the agent's encoder
    replaces what is not UTF-8 with U+FFFD; both must agree on what "valid" is:
    no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629).

    It is also the one home of what a name may not hold: a control character
    (utf8_find_control). The collector refuses a sample whose agent, host,
    colour or custom metric name holds one (control_character), and the agent
    refuses such a name when it is given, so the two cannot disagree. The
    dashboard's copy (web/src/series.js, CONTROL) is run against the same
    case table, tests/identity_cases.json.
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

//  The first control character in the NUL-terminated UTF-8 `text`: C0
//  (U+0000..U+001F), DEL or C1 (U+007F..U+009F, in UTF-8 0xC2 0x80..0x9F);
//  NULL when it holds none. A name with one cannot be shown, logged or
//  labelled as it was sent (a line break splits a log line; C1 bytes are
//  terminal escapes).
const char *utf8_find_control (const char *text);

#endif
