/*  proc_text.h: parsing helpers for /proc's "Key:   value" text files.

    /proc/<pid>/status and /proc/meminfo are lists of lines "Key:<blanks>N".
    Looking each key up with strstr rescans the whole file per key (about
    half of a sample's user-space instructions, measured with callgrind);
    proc_text_scan walks the lines once and fills every wanted key. Header
    only: the two samplers inline it into their hot paths.
*/
#ifndef ZAPM_PROC_TEXT_H
#define ZAPM_PROC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

//  One wanted key: the caller sets key (with its colon) and len.
typedef struct {
    const char *key; //  e.g. "VmRSS:"
    size_t len;      //  strlen (key)
    uint64_t value;  //  the number after it, when found
    bool found;      //  set by proc_text_scan
} proc_text_field_t;

#define PROC_TEXT_FIELD(key)                                                                       \
    {                                                                                              \
        (key), sizeof (key) - 1, 0, false                                                          \
    }

//  Parses an unsigned decimal at *p, skipping leading blanks; advances *p.
static inline uint64_t
proc_text_u64 (const char **p)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t) (*s++ - '0');
    *p = s;
    return v;
}

//  Walks the NUL-terminated text once and sets value and found for each of
//  the n fields whose key starts a line. Stops early once all are found.
//  Returns how many were found.
static inline size_t
proc_text_scan (const char *text, proc_text_field_t *fields, size_t n)
{
    size_t found = 0;
    const char *line = text;
    while (*line && found < n) {
        for (size_t i = 0; i < n; i++) {
            proc_text_field_t *f = &fields[i];
            if (!f->found && line[0] == f->key[0] && memcmp (line, f->key, f->len) == 0) {
                const char *p = line + f->len;
                f->value = proc_text_u64 (&p);
                f->found = true;
                found++;
                break;
            }
        }
        const char *next = strchr (line, '\n');
        if (!next)
            break;
        line = next + 1;
    }
    return found;
}

#endif
