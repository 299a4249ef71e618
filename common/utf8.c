/*  utf8.c: UTF-8, decoded by one set of rules on every side. */
#include "utf8.h"

#include <stdint.h>

size_t
utf8_char_length (const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t length;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF)
        length = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        length = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        length = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0; //  stray continuation, overlong lead, or > U+10FFFF
    if (left < length)
        return 0;
    for (size_t i = 1; i < length; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return length;
}

bool
utf8_valid (const char *data, size_t size)
{
    const unsigned char *p = (const unsigned char *) data, *end = p + size;
    while (p < end) {
        if (*p >= 0x01 && *p < 0x80) {
            p++;
            continue;
        }
        size_t length = *p ? utf8_char_length (p, (size_t) (end - p)) : 0;
        if (length == 0)
            return false;
        p += length;
    }
    return true;
}

const char *
utf8_find_control (const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return (const char *) p;
    return NULL;
}
