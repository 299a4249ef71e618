/*  textbuf.c: text written byte by byte into a buffer, bounded or growing. */
#include "textbuf.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char text[20];
    char *p = text + sizeof text;
    while (value >= 100) {
        unsigned pair = (unsigned) (value % 100) * 2;
        value /= 100;
        *--p = pairs[pair + 1];
        *--p = pairs[pair];
    }
    if (value >= 10) {
        *--p = pairs[value * 2 + 1];
        *--p = pairs[value * 2];
    }
    else
        *--p = (char) ('0' + value);
    textbuf_put (self, p, (size_t) (text + sizeof text - p));
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
textbuf_label (textbuf_t *self, const char *text)
{
    textbuf_putc (self, '"');
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            TEXTBUF_LIT (self, "\\\\");
        else if (*p == '"')
            TEXTBUF_LIT (self, "\\\"");
        else if (*p == '\n')
            TEXTBUF_LIT (self, "\\n");
        else
            textbuf_putc (self, *p);
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
