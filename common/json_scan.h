/*  json_scan.h: where JSON strings begin and end, byte by byte.

    Two places walk raw JSON text without parsing it: the validator (no raw
    control characters) and the SSE framer (minifying). Both need the same
    string state machine, with escapes, so it is written once here.
*/
#ifndef ZAPM_JSON_SCAN_H
#define ZAPM_JSON_SCAN_H

#include <stdbool.h>

typedef struct {
    bool in_string; //  inside a string literal
    bool escaped;   //  the previous byte was a backslash inside a string
} json_scan_t;

//  Advances over byte `c`. Returns true when `c` belongs to a string literal,
//  its quotes included, and false when it is structure or whitespace.
static inline bool
json_scan_step (json_scan_t *scan, char c)
{
    if (!scan->in_string) {
        scan->in_string = c == '"';
        return scan->in_string;
    }
    if (scan->escaped)
        scan->escaped = false;
    else if (c == '\\')
        scan->escaped = true;
    else if (c == '"')
        scan->in_string = false;
    return true;
}

#endif
