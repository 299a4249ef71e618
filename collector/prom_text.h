/*  prom_text.h: a growing text buffer that writes the Prometheus text format.

    /metrics is written by hand, without a metrics library: the format is lines
    of `name{label="value",...} number`. This file holds the rules of that
    format in one place: label values escaped (backslash, double quote and line
    feed, as the exposition format 0.0.4 requires) and numbers printed exactly
    and fast (integers as integers, short decimals without printf).

    A failed allocation marks the buffer failed; later writes do nothing and
    prom_text_take returns NULL, so callers check once at the end.
*/
#ifndef ZAPM_PROM_TEXT_H
#define ZAPM_PROM_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *text;      //  NUL-terminated while not failed
    size_t size;     //  bytes written
    size_t capacity; //  bytes allocated
    bool failed;     //  an allocation failed
} prom_text_t;

//  Starts an empty buffer with room for `capacity` bytes (grows as needed).
void prom_text_init (prom_text_t *self, size_t capacity);

//  Returns the text (caller frees) and empties *self; NULL if anything failed.
char *prom_text_take (prom_text_t *self);

//  Returns room for `size` more bytes at the end, or NULL (the buffer has
//  failed). Follow with prom_text_commit of what was written, at most `size`.
char *prom_text_reserve (prom_text_t *self, size_t size);
void prom_text_commit (prom_text_t *self, size_t size);

//  Appends `size` bytes.
void prom_text_put (prom_text_t *self, const char *data, size_t size);

//  Appends a NUL-terminated string.
void prom_text_puts (prom_text_t *self, const char *text);

//  Appends printf-formatted text (rare lines: headers, collector counters).
void prom_text_printf (prom_text_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Appends "# HELP name help\n# TYPE name type\n"; `help` is escaped as the
//  format asks (backslash and line feed).
void prom_text_header (prom_text_t *self, const char *name, const char *type, const char *help);

//  Appends `value` escaped as a label value (without the quotes).
void prom_text_label_value (prom_text_t *self, const char *value);

//  Longest text prom_text_format_number writes.
#define PROM_TEXT_NUMBER_MAX 32

//  Writes `value` at `out` (PROM_TEXT_NUMBER_MAX bytes, not terminated) and
//  returns its length: a whole number below 2^53 as an integer; a number
//  within 1e-15 (relative) of one with at most 6 decimals as that one (so
//  0.01 * 21.1 is 0.211, not 0.21100000000000002: measurements carry far
//  fewer digits); anything else with 17 significant digits.
size_t prom_text_format_number (double value, char *out);

//  Appends `value` as prom_text_format_number writes it.
void prom_text_number (prom_text_t *self, double value);

#endif
