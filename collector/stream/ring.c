/*  ring.c: the shared ring of framed SSE events.

    The arena is written linearly; when an event does not fit before its end, the
    write position wraps to 0 and the leftover tail of the previous lap (the oldest
    events) is dropped at once. Then any entry that overlaps the reserved span is
    dropped, oldest first. Both steps only ever advance `tail`, so eviction is O(1)
    amortised and the hot path never allocates.
*/
#include "ring.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t offset; //  start in the arena
    uint32_t size;   //  framed bytes
    uint32_t series; //  series index, or RING_NO_SERIES
    int64_t mono_ns; //  arrival time, for history replay
} ring_entry_t;

struct _ring_t {
    char *arena;           //  event bytes
    size_t arena_size;     //  bytes in the arena
    size_t write_offset;   //  where the next event goes
    size_t reserved;       //  size of the pending reservation
    ring_entry_t *entries; //  index by sequence number & mask
    uint64_t mask;         //  slots - 1
    uint64_t head;         //  next sequence number
    uint64_t tail;         //  oldest held sequence number
};

ring_t *
ring_new (size_t arena_bytes, size_t slots)
{
    if (arena_bytes < 4096 || arena_bytes > UINT32_MAX || slots < 2)
        return NULL;
    size_t rounded = 2;
    while (rounded < slots)
        rounded <<= 1;
    ring_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->arena = malloc (arena_bytes);
    self->entries = calloc (rounded, sizeof *self->entries);
    if (!self->arena || !self->entries) {
        ring_destroy (&self);
        return NULL;
    }
    self->arena_size = arena_bytes;
    self->mask = rounded - 1;
    self->head = self->tail = 1;
    return self;
}

void
ring_destroy (ring_t **self_p)
{
    assert (self_p);
    ring_t *self = *self_p;
    if (self) {
        free (self->arena);
        free (self->entries);
        free (self);
        *self_p = NULL;
    }
}

static ring_entry_t *
s_entry (ring_t *self, uint64_t seq)
{
    return &self->entries[seq & self->mask];
}

char *
ring_reserve (ring_t *self, size_t max_size)
{
    assert (self);
    assert (max_size <= self->arena_size / 4);
    if (self->write_offset + max_size > self->arena_size) {
        //  Wrap: the previous lap's leftovers past this point are the oldest events.
        while (self->tail < self->head && s_entry (self, self->tail)->offset >= self->write_offset)
            self->tail++;
        self->write_offset = 0;
    }
    size_t start = self->write_offset, end = start + max_size;
    while (self->tail < self->head) {
        ring_entry_t *oldest = s_entry (self, self->tail);
        if (oldest->offset >= end || oldest->offset + oldest->size <= start)
            break;
        self->tail++;
    }
    //  One slot must be free in the index for the new entry.
    if (self->head - self->tail > self->mask)
        self->tail++;
    self->reserved = max_size;
    return self->arena + start;
}

uint64_t
ring_commit (ring_t *self, size_t size, uint32_t series, int64_t mono_ns)
{
    assert (self);
    assert (size <= self->reserved);
    ring_entry_t *entry = s_entry (self, self->head);
    entry->offset = (uint32_t) self->write_offset;
    entry->size = (uint32_t) size;
    entry->series = series;
    entry->mono_ns = mono_ns;
    self->write_offset += size;
    self->reserved = 0;
    return self->head++;
}

uint64_t
ring_head (ring_t *self)
{
    assert (self);
    return self->head;
}

uint64_t
ring_tail (ring_t *self)
{
    assert (self);
    return self->tail;
}

uint64_t
ring_seek_time (ring_t *self, int64_t mono_ns)
{
    assert (self);
    uint64_t low = self->tail, high = self->head;
    while (low < high) {
        uint64_t mid = low + (high - low) / 2;
        if (s_entry (self, mid)->mono_ns < mono_ns)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

size_t
ring_copy (ring_t *self, ring_cursor_t *cursor, char *buf, size_t room, ring_filter_fn *filter,
           void *arg)
{
    assert (self);
    assert (cursor->seq >= self->tail);
    size_t copied = 0;
    while (cursor->seq < self->head && copied < room) {
        const ring_entry_t *entry = s_entry (self, cursor->seq);
        if (cursor->offset == 0 && filter && entry->series != RING_NO_SERIES &&
            !filter (arg, entry->series)) {
            cursor->seq++;
            continue;
        }
        size_t left = entry->size - cursor->offset;
        size_t take = left <= room - copied ? left : 0;
        if (take == 0) {
            //  Split an event only when it could never fit a whole buffer.
            if (copied > 0)
                break;
            take = room;
        }
        memcpy (buf + copied, self->arena + entry->offset + cursor->offset, take);
        copied += take;
        if (take == left) {
            cursor->seq++;
            cursor->offset = 0;
        }
        else
            cursor->offset += (uint32_t) take;
    }
    return copied;
}

size_t
ring_bytes_used (ring_t *self)
{
    assert (self);
    if (self->tail == self->head)
        return 0;
    size_t used = 0;
    //  Sum over at most the index size; only called for /metrics.
    for (uint64_t seq = self->tail; seq < self->head; seq++)
        used += s_entry (self, seq)->size;
    return used;
}
