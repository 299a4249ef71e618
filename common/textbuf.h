/*  textbuf.h: text written byte by byte into a buffer, bounded or growing.

    Every piece of zapm that prints without printf uses this one writer: the
    agent's sample encoder (a fixed frame buffer, per sample), the SSE framer
    (a ring slot of known size), the collector's identity builder and its JSON
    answers, the store's history answers included (a growing heap buffer). A
    bounded textbuf that runs out of room sets `overflow` and ignores further
    writes, so a caller checks once at the end instead of after every put; a
    growing one reallocates, and overflows only when memory runs out.

    The puts are inline: on the hot paths they are a compare and a memcpy.
*/
#ifndef ZAPM_TEXTBUF_H
#define ZAPM_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char *start;   //  first byte of the buffer
    char *p;       //  next byte to write
    char *end;     //  one past the buffer
    bool overflow; //  something did not fit (or memory ran out)
    bool growing;  //  heap buffer that grows; else a fixed one
} textbuf_t;

//  A writer over the caller's `size` bytes at `buf`.
static inline textbuf_t
textbuf_fixed (char *buf, size_t size)
{
    return (textbuf_t){buf, buf, buf + size, false, false};
}

//  A writer over a heap buffer of `capacity` bytes that grows as needed.
//  Finish it with textbuf_take or textbuf_free.
textbuf_t textbuf_growing (size_t capacity);

//  Makes room for `more` bytes in a growing buffer; false (and overflow) if it
//  cannot, or if the buffer is fixed.
bool textbuf_reserve (textbuf_t *self, size_t more);

static inline void
textbuf_put (textbuf_t *self, const char *bytes, size_t length)
{
    if ((size_t) (self->end - self->p) < length && !textbuf_reserve (self, length))
        return;
    if (self->overflow)
        return;
    memcpy (self->p, bytes, length);
    self->p += length;
}

static inline void
textbuf_putc (textbuf_t *self, char c)
{
    if (self->p == self->end && !textbuf_reserve (self, 1))
        return;
    if (self->overflow)
        return;
    *self->p++ = c;
}

//  Writes a string literal.
#define TEXTBUF_LIT(self, text) textbuf_put ((self), (text), sizeof (text) - 1)

//  Writes `"key":` for a key that is a string literal (a wire.h name), in one
//  copy; TEXTBUF_NEXT_KEY writes `,"key":`, the next member of an object.
#define TEXTBUF_KEY(self, key)      TEXTBUF_LIT ((self), "\"" key "\":")
#define TEXTBUF_NEXT_KEY(self, key) TEXTBUF_LIT ((self), ",\"" key "\":")

//  Bytes written so far.
static inline size_t
textbuf_length (const textbuf_t *self)
{
    return (size_t) (self->p - self->start);
}

//  Empties the buffer for new text, keeping its memory (and its overflow).
static inline void
textbuf_rewind (textbuf_t *self)
{
    self->p = self->start;
}

//  Writes `value` in decimal (two digits per division: no snprintf).
void textbuf_u64 (textbuf_t *self, uint64_t value);

//  Writes `length` bytes of `text` as a JSON string literal, quotes included:
//  quotes, backslashes and control characters escaped, and bytes that are not
//  UTF-8 (utf8.h) replaced with U+FFFD, so the output is always valid JSON.
void textbuf_json_string (textbuf_t *self, const char *text, size_t length);

//  Writes `value` as a JSON number with 10 significant digits (integers up
//  to 10^15 exactly, no exponent between 10^-4 and 10^15), or `null` when it
//  is not finite. Made for answers of hundreds of thousands of numbers: no
//  printf on the common path.
void textbuf_json_number (textbuf_t *self, double value);

//  Writes Unix nanoseconds `ns` as a JSON number of seconds, rounded to the
//  millisecond, with up to 3 decimals and no trailing zeros.
void textbuf_json_seconds (textbuf_t *self, int64_t ns);

//  The same, rounded to the microsecond, up to 6 decimals: a sample's time as
//  the agents send it (ISO 8601 with microseconds), exactly.
void textbuf_json_micros (textbuf_t *self, int64_t ns);

//  Writes `value` with the fewest significant digits (6 to 9) that read back
//  as the same float, so a 30.1 kept as a float is "30.1"; `null` when it is
//  not finite. The one form of a history point, from memory or the store.
void textbuf_json_float (textbuf_t *self, float value);

//  Writes printf-style text (growing buffers; a fixed one overflows when full).
void textbuf_printf (textbuf_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

//  Ends a growing buffer: returns its text, NUL-terminated, for the caller to
//  free; NULL (and the buffer freed) if it overflowed.
char *textbuf_take (textbuf_t *self);

//  Frees a growing buffer's memory.
void textbuf_free (textbuf_t *self);

#endif
