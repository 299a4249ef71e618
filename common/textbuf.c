/*  textbuf.c: text written byte by byte into a buffer, bounded or growing. */
#include "textbuf.h"
#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  "00" to "99", for printing two digits at a time.
static const char s_pairs[] = "00010203040506070809101112131415161718192021222324"
                              "25262728293031323334353637383940414243444546474849"
                              "50515253545556575859606162636465666768697071727374"
                              "75767778798081828384858687888990919293949596979899";

//  Most bytes textbuf_json_number and textbuf_json_seconds write.
#define TEXTBUF_NUMBER_MAX 32

textbuf_t
textbuf_growing (size_t capacity)
{
    if (capacity == 0)
        capacity = 256;
    char *buf = malloc (capacity);
    textbuf_t self = {buf, buf, buf ? buf + capacity : NULL, buf == NULL, true};
    return self;
}

bool
textbuf_reserve (textbuf_t *self, size_t more)
{
    if (self->overflow)
        return false;
    if ((size_t) (self->end - self->p) >= more)
        return true;
    if (!self->growing) {
        self->overflow = true;
        return false;
    }
    size_t used = textbuf_length (self);
    size_t capacity = (size_t) (self->end - self->start);
    size_t wanted = capacity * 2 > used + more ? capacity * 2 : used + more + capacity;
    char *grown = realloc (self->start, wanted);
    if (!grown) {
        self->overflow = true;
        return false;
    }
    self->start = grown;
    self->p = grown + used;
    self->end = grown + wanted;
    return true;
}

void
textbuf_u64 (textbuf_t *self, uint64_t value)
{
    char text[20];
    char *p = text + sizeof text;
    while (value >= 100) {
        unsigned pair = (unsigned) (value % 100) * 2;
        value /= 100;
        *--p = s_pairs[pair + 1];
        *--p = s_pairs[pair];
    }
    if (value >= 10) {
        *--p = s_pairs[value * 2 + 1];
        *--p = s_pairs[value * 2];
    }
    else
        *--p = (char) ('0' + value);
    textbuf_put (self, p, (size_t) (text + sizeof text - p));
}

//  Writes `value` in decimal at `at` (room for 20 bytes); returns the end.
//  Its length is known first, so the digits go straight to their places.
static char *
s_digits (char *at, uint64_t value)
{
    static const uint64_t powers[] = {1ULL,
                                      10ULL,
                                      100ULL,
                                      1000ULL,
                                      10000ULL,
                                      100000ULL,
                                      1000000ULL,
                                      10000000ULL,
                                      100000000ULL,
                                      1000000000ULL,
                                      10000000000ULL,
                                      100000000000ULL,
                                      1000000000000ULL,
                                      10000000000000ULL,
                                      100000000000000ULL,
                                      1000000000000000ULL,
                                      10000000000000000ULL,
                                      100000000000000000ULL,
                                      1000000000000000000ULL,
                                      10000000000000000000ULL};
    //  Digits: log10 from the bit length (1233 / 4096 ~ log10 2), then exact.
    int bits = 64 - __builtin_clzll (value | 1);
    int length = (bits * 1233) >> 12;
    length += length < 20 && value >= powers[length];
    length += !length;
    char *end = at + length;
    while (value >= 100) {
        end -= 2;
        memcpy (end, s_pairs + 2 * (value % 100), 2);
        value /= 100;
    }
    if (value >= 10)
        memcpy (end - 2, s_pairs + 2 * value, 2);
    else
        end[-1] = (char) ('0' + value);
    return at + length;
}

//  Writes `value` with 10 significant digits at `at` (room for
//  TEXTBUF_NUMBER_MAX bytes); returns the end. The value is rounded once to
//  an integer of 10 digits, whose digits are copied with the decimal point
//  put in place and trailing zeros cut.
static char *
s_number (char *at, double value)
{
    if (!isfinite (value)) {
        memcpy (at, "null", 4);
        return at + 4;
    }
    double magnitude = fabs (value);
    if (magnitude < 1e-4 || magnitude >= 1e15)
        return at + sprintf (at, "%.10g", value);
    if (value < 0)
        *at++ = '-';
    if (magnitude == (double) (int64_t) magnitude)
        return s_digits (at, (uint64_t) magnitude);
    static const double powers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int digits = 1;
    while (digits < 15 && magnitude >= powers[digits])
        digits++;
    int decimals = magnitude < 1 ? 10 : digits >= 10 ? 0 : 10 - digits;
    char text[24];
    int length = (int) (s_digits (text, (uint64_t) (magnitude * powers[decimals] + 0.5)) - text);
    //  The fraction's digits, without the trailing zeros.
    int whole = length - decimals;
    int last = length;
    while (last > (whole > 0 ? whole : 0) && text[last - 1] == '0')
        last--;
    if (whole > 0) {
        memcpy (at, text, (size_t) whole);
        at += whole;
    }
    else
        *at++ = '0';
    if (last > whole) {
        *at++ = '.';
        for (int zero = whole; zero < 0; zero++)
            *at++ = '0';
        int from = whole > 0 ? whole : 0;
        memcpy (at, text + from, (size_t) (last - from));
        at += last - from;
    }
    return at;
}

//  Writes Unix nanoseconds `ns` as seconds with up to `decimals` (3 or 6)
//  decimals at `at` (room for TEXTBUF_NUMBER_MAX bytes); returns the end.
static char *
s_seconds (char *at, int64_t ns, int decimals)
{
    int64_t unit = decimals == 6 ? 1000 : 1000000, per_second = 1000000000 / unit;
    int64_t n = ns >= 0 ? (ns + unit / 2) / unit : -((-ns + unit / 2) / unit);
    if (n < 0) {
        *at++ = '-';
        n = -n;
    }
    at = s_digits (at, (uint64_t) (n / per_second));
    int64_t frac = n % per_second;
    if (frac) {
        *at++ = '.';
        for (int64_t digit = per_second / 10; frac; digit /= 10) {
            *at++ = (char) ('0' + frac / digit);
            frac %= digit;
        }
    }
    return at;
}

//  Where a number of at most TEXTBUF_NUMBER_MAX bytes is written: straight
//  into the buffer when it has (or a growing one makes) that room, else into
//  `local` for textbuf_put to copy what fits; NULL once overflowed.
static char *
s_number_at (textbuf_t *self, char *local)
{
    if (self->overflow)
        return NULL;
    if ((size_t) (self->end - self->p) >= TEXTBUF_NUMBER_MAX ||
        (self->growing && textbuf_reserve (self, TEXTBUF_NUMBER_MAX)))
        return self->p;
    return self->growing ? NULL : local;
}

//  Ends a number written at `at` up to `end` (see s_number_at).
static void
s_number_end (textbuf_t *self, char *at, char *end, char *local)
{
    if (at == local)
        textbuf_put (self, local, (size_t) (end - local));
    else
        self->p = end;
}

void
textbuf_json_number (textbuf_t *self, double value)
{
    char local[TEXTBUF_NUMBER_MAX];
    char *at = s_number_at (self, local);
    if (at)
        s_number_end (self, at, s_number (at, value), local);
}

void
textbuf_json_seconds (textbuf_t *self, int64_t ns)
{
    char local[TEXTBUF_NUMBER_MAX];
    char *at = s_number_at (self, local);
    if (at)
        s_number_end (self, at, s_seconds (at, ns, 3), local);
}

void
textbuf_json_micros (textbuf_t *self, int64_t ns)
{
    char local[TEXTBUF_NUMBER_MAX];
    char *at = s_number_at (self, local);
    if (at)
        s_number_end (self, at, s_seconds (at, ns, 6), local);
}

void
textbuf_json_float (textbuf_t *self, float value)
{
    if (!isfinite (value)) {
        TEXTBUF_LIT (self, "null");
        return;
    }
    char text[40];
    for (int digits = 6; digits <= 9; digits++) {
        snprintf (text, sizeof text, "%.*g", digits, (double) value);
        if (digits == 9 || (float) strtod (text, NULL) == value)
            break;
    }
    textbuf_put (self, text, strlen (text));
}

void
textbuf_json_string (textbuf_t *self, const char *text, size_t length)
{
    static const char hex[] = "0123456789abcdef";
    textbuf_putc (self, '"');
    const unsigned char *p = (const unsigned char *) text, *end = p + length;
    while (p < end) {
        //  Copy the longest run that needs no escaping in one put.
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            textbuf_put (self, (const char *) run, (size_t) (p - run));
        if (p == end)
            break;
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char escape[2] = {'\\', (char) c};
            textbuf_put (self, escape, 2);
            p++;
        }
        else if (c < 0x20 || c == 0x7F) {
            char escape[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            textbuf_put (self, escape, 6);
            p++;
        }
        else {
            size_t n = utf8_char_length (p, (size_t) (end - p));
            if (n == 0) {
                TEXTBUF_LIT (self, "\xEF\xBF\xBD"); //  U+FFFD REPLACEMENT CHARACTER
                p++;
            }
            else {
                textbuf_put (self, (const char *) p, n);
                p += n;
            }
        }
    }
    textbuf_putc (self, '"');
}

void
textbuf_printf (textbuf_t *self, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !self->overflow; attempt++) {
        va_list args;
        va_start (args, fmt);
        size_t room = (size_t) (self->end - self->p);
        int n = vsnprintf (self->p, room, fmt, args);
        va_end (args);
        if (n < 0) {
            self->overflow = true;
            return;
        }
        if ((size_t) n < room) {
            self->p += n;
            return;
        }
        if (!textbuf_reserve (self, (size_t) n + 1))
            return;
    }
}

char *
textbuf_take (textbuf_t *self)
{
    if (!self->growing)
        return NULL;
    textbuf_putc (self, '\0');
    if (self->overflow) {
        textbuf_free (self);
        return NULL;
    }
    char *text = self->start;
    *self = (textbuf_t){NULL, NULL, NULL, true, true};
    return text;
}

void
textbuf_free (textbuf_t *self)
{
    if (self->growing)
        free (self->start);
    *self = (textbuf_t){NULL, NULL, NULL, true, self->growing};
}
