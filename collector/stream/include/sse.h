/*  sse.h: server-sent events framing, and parsing of Last-Event-ID.

    Every sample is framed once, when it enters the ring, as
        id: <boot>-<seq>\n[event: <name>\n]data: <one-line JSON>\n\n
    and those bytes are then copied to every client as they are. A sample whose
    JSON spans lines is minified in place while framing (docs/ARCHITECTURE.md: forward the
    bytes, do not re-print them). The other frames here (retry, reset,
    keep-alive) are per client and small.
*/
#ifndef ZAPM_SSE_H
#define ZAPM_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Length of a boot token, without the NUL.
#define SSE_BOOT_LEN 8

//  Bytes framing adds around the data: "id: " boot "-" 20-digit seq "\n",
//  "event: " name "\n", "data: ", "\n\n". Names are at most SSE_NAME_MAX bytes.
#define SSE_NAME_MAX       16
#define SSE_FRAME_OVERHEAD (4 + SSE_BOOT_LEN + 1 + 20 + 1 + 7 + SSE_NAME_MAX + 1 + 6 + 2)

//  The comment that keeps an idle stream alive, and tells a dead peer apart.
#define SSE_KEEPALIVE ": keep-alive\n\n"

//  Fills `boot` (SSE_BOOT_LEN + 1 bytes) with a token that tells this collector run
//  apart from others, so ids from another run are never taken as ours.
void sse_boot_token (char *boot);

//  Frames one event into `buf` (room for size + SSE_FRAME_OVERHEAD + 1 bytes).
//  `name` is NULL for a default event. When `minify` is set, whitespace outside
//  JSON strings is removed (the JSON must be valid, with no raw control characters
//  in strings, as validate_sample ensures). Returns the number of bytes written.
size_t sse_frame (char *buf, const char *boot, uint64_t seq, const char *name, const char *data,
                  size_t size, bool minify);

//  Writes "retry: <ms>\n\n" into buf; returns its length, or 0 if it does not fit.
size_t sse_retry (char *buf, size_t room, unsigned ms);

//  Writes the reset event into buf; returns its length, or 0 if it does not fit.
size_t sse_reset (char *buf, size_t room, const char *boot);

//  Parses a Last-Event-ID value "<boot>-<seq>". Returns true and sets *seq when the
//  syntax is right and the boot matches `boot`; false otherwise (another run, or junk).
bool sse_parse_id (const char *text, const char *boot, uint64_t *seq);

#endif
