/*  store_head.c: reading a head row back (see store_head.h). A damaged row
    ends where its damage starts: what was read before it is kept. */
#include "store_head.h"

bool
store_head_next_sample (store_head_reader_t *self, uint64_t *series, int64_t *time_ns,
                        uint64_t *count)
{
    uint64_t zig;
    if (self->at >= self->size || !chunk_varint_read (self->data, self->size, &self->at, series) ||
        !chunk_varint_read (self->data, self->size, &self->at, &zig) ||
        !chunk_varint_read (self->data, self->size, &self->at, count))
        return false;
    *time_ns = chunk_unzigzag (zig);
    return true;
}

bool
store_head_next_point (store_head_reader_t *self, uint64_t *metric, double *value)
{
    const uint8_t *data = self->data;
    size_t size = self->size;
    uint64_t zig;
    if (!chunk_varint_read (data, size, &self->at, metric) || self->at >= size) {
        self->at = size;
        return false;
    }
    uint8_t e = data[self->at++];
    if (e == 0xff && size - self->at >= 8) {
        memcpy (value, data + self->at, 8);
        self->at += 8;
    }
    else if (e <= CHUNK_SCALE_MAX && chunk_varint_read (data, size, &self->at, &zig))
        *value = chunk_decimal_value (chunk_unzigzag (zig), e);
    else {
        self->at = size;
        return false;
    }
    return true;
}
