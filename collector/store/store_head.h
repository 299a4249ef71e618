/*  store_head.h: the head row's format, written per sample by the writer
    and read back by its replay after a crash (store_writer_load.c).

    A head row holds every point of one commit interval in a plain
    time-major form: a cheap append with no index, deleted once its points
    are sealed into chunks. Per sample: varint series id, zigzag varint time
    (ns), varint count (written as two bytes), then count x (varint metric
    id, a byte e, then the value: when e <= 12 a zigzag varint m with
    value = m / 10^e, the decimal form of store_chunk.h, else 8 bytes of the
    double, little-endian). Most values take 3 to 6 bytes.

    The writing side is inline: it runs once per stored number.
*/
#ifndef ZAPM_STORE_HEAD_H
#define ZAPM_STORE_HEAD_H

#include "store_chunk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

//  Most bytes one point takes in the head: metric id, e and the value.
#define STORE_HEAD_POINT_MAX (5 + 1 + 10)

//  Most points one sample may hold: its count is written in two bytes.
#define STORE_HEAD_POINTS_MAX (1u << 14)

//  Writes `value` as a varint at `out` (room checked by the caller); returns its bytes.
static inline size_t
store_head_varint (uint8_t *out, uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        out[n++] = (uint8_t) (value | 0x80);
        value >>= 7;
    }
    out[n++] = (uint8_t) value;
    return n;
}

//  Starts a sample's entry in `head`: series id, time and `points` (below
//  STORE_HEAD_POINTS_MAX), with room for `room` points after it. Returns
//  false if memory ran out.
static inline bool
store_head_sample (chunk_bits_t *head, int64_t series, int64_t time_ns, uint32_t points,
                   uint32_t room)
{
    if (!chunk_bits_varint (head, (uint64_t) series) ||
        !chunk_bits_varint (head, chunk_zigzag (time_ns)) ||
        !chunk_bits_reserve (head, 2 + (size_t) room * STORE_HEAD_POINT_MAX))
        return false;
    head->data[head->size++] = (uint8_t) (0x80 | (points & 0x7f));
    head->data[head->size++] = (uint8_t) (points >> 7);
    return true;
}

//  Appends a point in the head's form, reusing the decimal form that the
//  chunk's column just found for its value (NULL: none). The room was
//  reserved by store_head_sample.
static inline void
store_head_point (chunk_bits_t *head, uint32_t metric, double value, const chunk_column_t *column)
{
    uint8_t *out = head->data + head->size;
    size_t n = store_head_varint (out, metric);
    if (column && column->scale != CHUNK_SCALE_NONE) {
        out[n++] = (uint8_t) column->scale;
        n += store_head_varint (out + n, chunk_zigzag (column->prev));
    }
    else {
        out[n++] = 0xff;
        memcpy (out + n, &value, 8); //  little-endian hosts only (x86, arm)
        n += 8;
    }
    head->size += n;
}

//  Reads a head row's data.
typedef struct {
    const uint8_t *data; //  the row's bytes
    size_t size;         //  how many
    size_t at;           //  where the next entry starts
} store_head_reader_t;

//  Reads the next sample's series id, time and count of points. Returns
//  false at the end of the row or when what follows is damaged.
bool store_head_next_sample (store_head_reader_t *self, uint64_t *series, int64_t *time_ns,
                             uint64_t *count);

//  Reads the next point of the current sample. Returns false when it is
//  damaged: then the rest of the row is skipped.
bool store_head_next_point (store_head_reader_t *self, uint64_t *metric, double *value);

#endif
