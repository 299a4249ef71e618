/*  forward_header.h: the header frame of a forwarded batch, written and read.

    An edge collector forwards samples upstream as one multipart message: this
    header, then the samples exactly as they arrived (common/wire.h and
    docs/FIELDS.md, "Forwarding"). The header names the edge the samples came
    in by and the boot token of every collector the batch went through, so the
    upstream can show where a series arrives from and refuse loops. The reader
    takes bytes from the network: it is strict, bounded and fuzzed.
*/
#ifndef ZAPM_FORWARD_HEADER_H
#define ZAPM_FORWARD_HEADER_H

#include "stream.h"
#include "wire.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char edge[ZAPM_FORWARD_EDGE_MAX + 1];               //  the first collector's name
    char path[ZAPM_FORWARD_PATH_MAX][SSE_BOOT_LEN + 1]; //  boot tokens on the way
    size_t hops;                                        //  entries in path
} forward_header_t;

//  True when a frame starts like a forward header (cheap: the first bytes).
bool forward_header_is (const char *data, size_t size);

//  Parses a header frame into *header. Returns false when it is not a valid
//  header (not UTF-8, wrong version, a name empty, too long or holding control
//  characters, too many hops, a boot token of the wrong form).
bool forward_header_parse (const char *data, size_t size, forward_header_t *header);

//  True when `boot` is on the header's path: the batch has been here before.
bool forward_header_visited (const forward_header_t *header, const char *boot);

//  Writes the header as JSON into buf (size bytes); returns its length, or 0
//  if it does not fit.
size_t forward_header_write (const forward_header_t *header, char *buf, size_t size);

#endif
