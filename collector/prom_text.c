/*  prom_text.c: the Prometheus text format's escaping and number rules, on a
    growing buffer.

    Rendering /metrics for thousands of series is a few hundred thousand lines,
    so the common writes avoid printf: label values are scanned for the three
    bytes that need escaping and copied in runs, and numbers that are whole or
    have few decimals (bytes, counts, percentages) are printed by hand. Other
    numbers go through "%.17g", which reads back exactly. Values are finite:
    the validator refuses anything else.
*/
#include "prom_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Makes room for `more` bytes plus the NUL. False when the buffer has failed.
static bool
s_reserve (prom_text_t *self, size_t more)
{
    if (self->failed)
        return false;
    if (self->size + more + 1 <= self->capacity)
        return true;
    size_t capacity = self->capacity * 2 + more + 1;
    char *grown = realloc (self->text, capacity);
    if (!grown) {
        self->failed = true;
        return false;
    }
    self->text = grown;
    self->capacity = capacity;
    return true;
}

void
prom_text_init (prom_text_t *self, size_t capacity)
{
    *self = (prom_text_t){.text = malloc (capacity + 1), .capacity = capacity + 1};
    if (self->text)
        self->text[0] = '\0';
    else
        self->failed = true;
}

char *
prom_text_take (prom_text_t *self)
{
    char *text = self->failed ? NULL : self->text;
    if (self->failed)
        free (self->text);
    *self = (prom_text_t){.failed = true};
    return text;
}

char *
prom_text_reserve (prom_text_t *self, size_t size)
{
    return s_reserve (self, size) ? self->text + self->size : NULL;
}

void
prom_text_commit (prom_text_t *self, size_t size)
{
    self->size += size;
    self->text[self->size] = '\0';
}

void
prom_text_put (prom_text_t *self, const char *data, size_t size)
{
    if (!s_reserve (self, size))
        return;
    memcpy (self->text + self->size, data, size);
    self->size += size;
    self->text[self->size] = '\0';
}

void
prom_text_puts (prom_text_t *self, const char *text)
{
    prom_text_put (self, text, strlen (text));
}

void
prom_text_printf (prom_text_t *self, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    int n = vsnprintf (NULL, 0, fmt, args);
    va_end (args);
    if (n < 0) {
        self->failed = true;
        return;
    }
    if (!s_reserve (self, (size_t) n))
        return;
    va_start (args, fmt);
    vsnprintf (self->text + self->size, (size_t) n + 1, fmt, args);
    va_end (args);
    self->size += (size_t) n;
}

//  Appends `text` with backslash and line feed escaped, and double quotes too
//  when `quotes` (label values; HELP text leaves them as they are).
static void
s_escaped (prom_text_t *self, const char *text, bool quotes)
{
    const char *run = text;
    for (const char *p = text;; p++) {
        char c = *p;
        if (c != '\0' && c != '\\' && c != '\n' && !(quotes && c == '"'))
            continue;
        prom_text_put (self, run, (size_t) (p - run));
        if (c == '\0')
            return;
        prom_text_put (self, c == '\n' ? "\\n" : c == '\\' ? "\\\\" : "\\\"", 2);
        run = p + 1;
    }
}

void
prom_text_header (prom_text_t *self, const char *name, const char *type, const char *help)
{
    prom_text_puts (self, "# HELP ");
    prom_text_puts (self, name);
    prom_text_put (self, " ", 1);
    s_escaped (self, help, false);
    prom_text_puts (self, "\n# TYPE ");
    prom_text_puts (self, name);
    prom_text_put (self, " ", 1);
    prom_text_puts (self, type);
    prom_text_put (self, "\n", 1);
}

void
prom_text_label_value (prom_text_t *self, const char *value)
{
    s_escaped (self, value, true);
}

//  Writes `value` in decimal, backwards from `end`; returns the first digit.
static char *
s_digits (uint64_t value, char *end)
{
    do {
        *--end = (char) ('0' + value % 10);
        value /= 10;
    } while (value);
    return end;
}

size_t
prom_text_format_number (double value, char *out)
{
    char buf[PROM_TEXT_NUMBER_MAX];
    char *end = buf + sizeof buf, *start = NULL;
    double magnitude = fabs (value);
    if (magnitude < 9007199254740992.0 && value == floor (value))
        start = s_digits ((uint64_t) magnitude, end);
    else if (magnitude < 1e9) {
        uint64_t micro = (uint64_t) llround (magnitude * 1e6);
        uint64_t frac = micro % 1000000;
        if (frac != 0 && fabs ((double) micro / 1e6 - magnitude) <= magnitude * 1e-15) {
            int decimals = 6;
            while (frac % 10 == 0) {
                frac /= 10;
                decimals--;
            }
            start = s_digits (frac, end);
            while (end - start < decimals)
                *--start = '0';
            *--start = '.';
            start = s_digits (micro / 1000000, start);
        }
    }
    if (!start) {
        int n = snprintf (out, PROM_TEXT_NUMBER_MAX, "%.17g", value);
        return n > 0 ? (size_t) n : 0;
    }
    if (value < 0)
        *--start = '-';
    size_t length = (size_t) (end - start);
    memcpy (out, start, length);
    return length;
}

void
prom_text_number (prom_text_t *self, double value)
{
    char *at = prom_text_reserve (self, PROM_TEXT_NUMBER_MAX);
    if (at)
        prom_text_commit (self, prom_text_format_number (value, at));
}
