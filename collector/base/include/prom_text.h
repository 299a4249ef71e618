/*  prom_text.h: the Prometheus text format's rules, written into a textbuf.

    /metrics is written by hand, without a metrics library: the format is lines
    of `name{label="value",...} number`. This file holds the rules of that
    format in one place: HELP and TYPE lines, label values escaped (backslash,
    double quote and line feed, as the exposition format 0.0.4 requires) and
    numbers printed exactly and fast (integers as integers, short decimals
    without printf). The buffer is common/textbuf.h's.
*/
#ifndef ZAPM_PROM_TEXT_H
#define ZAPM_PROM_TEXT_H

#include "textbuf.h"

#include <stddef.h>

//  Appends "# HELP name help\n# TYPE name type\n"; `help` is escaped as the
//  format asks (backslash and line feed).
void prom_text_header (textbuf_t *out, const char *name, const char *type, const char *help);

//  Appends `value` escaped as a label value (without the quotes).
void prom_text_label_value (textbuf_t *out, const char *value);

//  Longest text prom_text_format_number writes.
#define PROM_TEXT_NUMBER_MAX 32

//  Writes `value` (finite) at `out` (PROM_TEXT_NUMBER_MAX bytes, not
//  terminated) and returns its length: a whole number below 2^53 as an
//  integer; a number within 1e-15 (relative) of one with at most 6 decimals
//  as that one (so 21.1 / 100 is 0.211, not 0.21100000000000002: measurements
//  carry far fewer digits); anything else with 17 significant digits.
size_t prom_text_format_number (double value, char *out);

//  Appends `value` as prom_text_format_number writes it.
void prom_text_number (textbuf_t *out, double value);

#endif
