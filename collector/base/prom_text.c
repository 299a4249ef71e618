/*  prom_text.c: the Prometheus text format's escaping and number rules.

    Rendering /metrics for thousands of series is a few hundred thousand lines,
    so the common writes avoid printf: label values are scanned for the three
    bytes that need escaping and copied in runs, and numbers that are whole or
    have few decimals (bytes, counts, percentages) are printed with
    textbuf_u64. Other numbers go through "%.17g", which reads back exactly.
    Values are finite: the validator refuses anything else.
*/
#include "prom_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

//  Appends `text` with backslash and line feed escaped, and double quotes too
//  when `quotes` (label values; HELP text leaves them as they are).
static void
s_escaped (textbuf_t *out, const char *text, bool quotes)
{
    const char *run = text;
    for (const char *p = text;; p++) {
        char c = *p;
        if (c != '\0' && c != '\\' && c != '\n' && !(quotes && c == '"'))
            continue;
        textbuf_put (out, run, (size_t) (p - run));
        if (c == '\0')
            return;
        textbuf_put (out, c == '\n' ? "\\n" : c == '\\' ? "\\\\" : "\\\"", 2);
        run = p + 1;
    }
}

void
prom_text_header (textbuf_t *out, const char *name, const char *type, const char *help)
{
    TEXTBUF_LIT (out, "# HELP ");
    textbuf_put (out, name, strlen (name));
    textbuf_putc (out, ' ');
    s_escaped (out, help, false);
    TEXTBUF_LIT (out, "\n# TYPE ");
    textbuf_put (out, name, strlen (name));
    textbuf_putc (out, ' ');
    textbuf_put (out, type, strlen (type));
    textbuf_putc (out, '\n');
}

void
prom_text_label_value (textbuf_t *out, const char *value)
{
    s_escaped (out, value, true);
}

size_t
prom_text_format_number (double value, char *out)
{
    textbuf_t text = textbuf_fixed (out, PROM_TEXT_NUMBER_MAX);
    double magnitude = fabs (value);
    if (value < 0)
        textbuf_putc (&text, '-');
    if (magnitude < 9007199254740992.0 && value == floor (value)) {
        textbuf_u64 (&text, (uint64_t) magnitude);
        return textbuf_length (&text);
    }
    //  micro / 1e6 is correctly rounded, as strtod of the decimal text is.
    if (magnitude < 1e9) {
        uint64_t micro = (uint64_t) llround (magnitude * 1e6);
        uint64_t frac = micro % 1000000;
        if (frac != 0 && fabs ((double) micro / 1e6 - magnitude) <= magnitude * 1e-15) {
            int zeros = 5; //  leading zeros of the 6 decimals, trailing ones dropped
            for (uint64_t f = frac; f >= 10; f /= 10)
                zeros--;
            while (frac % 10 == 0)
                frac /= 10;
            textbuf_u64 (&text, micro / 1000000);
            textbuf_putc (&text, '.');
            textbuf_put (&text, "00000", (size_t) zeros);
            textbuf_u64 (&text, frac);
            return textbuf_length (&text);
        }
    }
    int n = snprintf (out, PROM_TEXT_NUMBER_MAX, "%.17g", value);
    return n > 0 ? (size_t) n : 0;
}

void
prom_text_number (textbuf_t *out, double value)
{
    if (textbuf_reserve (out, PROM_TEXT_NUMBER_MAX))
        out->p += prom_text_format_number (value, out->p);
}
