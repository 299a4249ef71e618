/*  base64.c: strict base64 decoding and encoding (RFC 4648, section 4). */
#include "base64.h"

static const char s_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

//  The value of one symbol, or -1.
static int
s_value (char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool
base64_decode (const char *text, size_t length, uint8_t *out, size_t max, size_t *size)
{
    if (length % 4 != 0)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < length; i += 4) {
        bool last = i + 4 == length;
        int pad = 0;
        if (last && text[i + 3] == '=')
            pad = text[i + 2] == '=' ? 2 : 1;
        uint32_t bits = 0;
        for (int j = 0; j < 4 - pad; j++) {
            int value = s_value (text[i + j]);
            if (value < 0)
                return false;
            bits = bits << 6 | (uint32_t) value;
        }
        bits <<= 6 * pad;
        //  Padding bits must be zero, so each byte string has one encoding.
        if ((pad == 1 && (bits & 0xff)) || (pad == 2 && (bits & 0xffff)))
            return false;
        size_t bytes = (size_t) (3 - pad);
        if (n + bytes > max)
            return false;
        out[n++] = (uint8_t) (bits >> 16);
        if (bytes > 1)
            out[n++] = (uint8_t) (bits >> 8);
        if (bytes > 2)
            out[n++] = (uint8_t) bits;
    }
    *size = n;
    return true;
}

size_t
base64_encode (const uint8_t *data, size_t size, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < size; i += 3) {
        uint32_t bits = (uint32_t) data[i] << 16;
        if (i + 1 < size)
            bits |= (uint32_t) data[i + 1] << 8;
        if (i + 2 < size)
            bits |= data[i + 2];
        out[n++] = s_alphabet[bits >> 18 & 63];
        out[n++] = s_alphabet[bits >> 12 & 63];
        out[n++] = i + 1 < size ? s_alphabet[bits >> 6 & 63] : '=';
        out[n++] = i + 2 < size ? s_alphabet[bits & 63] : '=';
    }
    out[n] = '\0';
    return n;
}
