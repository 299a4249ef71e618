/*  sse.c: server-sent events framing and Last-Event-ID parsing. */
#include "sse.h"
#include "clock.h"
#include "json_scan.h"
#include "textbuf.h"
#include "wire.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
sse_boot_token (char *boot)
{
    //  Wall time and pid, mixed (splitmix64): unique per run without a random source.
    uint64_t x = (uint64_t) clock_wall_ns () ^ ((uint64_t) getpid () << 32);
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    snprintf (boot, SSE_BOOT_LEN + 1, "%08" PRIx32, (uint32_t) x);
}

//  Removes JSON whitespace outside strings, in place; returns the new length.
//  (cJSON_Minify is not used: it misreads an escaped backslash before a closing
//  quote, as in "a\\", and then keeps line breaks that would split the SSE line.)
static size_t
s_minify (char *json, size_t size)
{
    size_t out = 0;
    json_scan_t scan = {false, false};
    for (size_t i = 0; i < size; i++) {
        char c = json[i];
        if (json_scan_step (&scan, c) || (c != ' ' && c != '\t' && c != '\n' && c != '\r'))
            json[out++] = c;
    }
    return out;
}

size_t
sse_frame (char *buf, const char *boot, uint64_t seq, const char *name, const char *data,
           size_t size, bool minify)
{
    //  The caller reserved size + SSE_FRAME_OVERHEAD + 1 bytes: nothing here can overflow.
    textbuf_t out = textbuf_fixed (buf, size + SSE_FRAME_OVERHEAD + 1);
    TEXTBUF_LIT (&out, "id: ");
    textbuf_put (&out, boot, SSE_BOOT_LEN);
    textbuf_putc (&out, '-');
    textbuf_u64 (&out, seq);
    if (name) {
        TEXTBUF_LIT (&out, "\nevent: ");
        textbuf_put (&out, name, strnlen (name, SSE_NAME_MAX));
    }
    TEXTBUF_LIT (&out, "\ndata: ");
    char *json = out.p;
    textbuf_put (&out, data, size);
    if (minify)
        out.p = json + s_minify (json, size);
    TEXTBUF_LIT (&out, "\n\n");
    assert (!out.overflow);
    return textbuf_length (&out);
}

size_t
sse_retry (char *buf, size_t room, unsigned ms)
{
    char line[32];
    int n = snprintf (line, sizeof line, "retry: %u\n\n", ms);
    if ((size_t) n > room)
        return 0;
    memcpy (buf, line, (size_t) n);
    return (size_t) n;
}

size_t
sse_reset (char *buf, size_t room, const char *boot)
{
    char line[64];
    int n = snprintf (line, sizeof line, "event: reset\ndata: {\"" ZAPM_KEY_BOOT "\":\"%s\"}\n\n",
                      boot);
    if ((size_t) n > room)
        return 0;
    memcpy (buf, line, (size_t) n);
    return (size_t) n;
}

bool
sse_parse_id (const char *text, const char *boot, uint64_t *seq)
{
    if (!text || strncmp (text, boot, SSE_BOOT_LEN) != 0 || text[SSE_BOOT_LEN] != '-')
        return false;
    const char *p = text + SSE_BOOT_LEN + 1;
    if (*p < '0' || *p > '9')
        return false;
    uint64_t value = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (value > (UINT64_MAX - 9) / 10)
            return false;
        value = value * 10 + (uint64_t) (*p - '0');
    }
    if (*p != '\0')
        return false;
    *seq = value;
    return true;
}
