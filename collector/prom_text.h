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

//  Appends `value`: a whole number below 2^53 as an integer, a number with at
//  most 6 decimals as such, anything else with 17 significant digits, so the
//  text reads back as the same double.
void prom_text_number (prom_text_t *self, double value);

#endif
