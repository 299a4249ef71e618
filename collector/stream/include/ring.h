/*  ring.h: the shared ring of framed SSE events.

    Ingest frames each event once and appends it here; every SSE client is only a
    cursor (a sequence number) into the ring, so fan-out costs one memcpy per
    event per client and no per-client queue can grow. Old events are overwritten;
    a client whose cursor falls behind the tail is told so and skips ahead.

    Events live in one byte arena, written front to back and wrapping around, with
    a power-of-two index of entries by sequence number. Sequence numbers start at 1.
*/
#ifndef ZAPM_RING_H
#define ZAPM_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _ring_t ring_t;

//  No series: the event belongs to everyone (never filtered out).
#define RING_NO_SERIES UINT32_MAX

//  A reader's position: the next event to send, and how much of it was sent.
typedef struct {
    uint64_t seq;    //  next event to copy
    uint32_t offset; //  bytes of that event already copied (events larger than a buffer)
} ring_cursor_t;

//  Decides per event whether a reader wants it, from the event's series index.
typedef bool (ring_filter_fn) (void *arg, uint32_t series);

//  Creates a ring with `arena_bytes` of event storage and room for `slots` events
//  (rounded up to a power of two). Returns NULL if memory is short.
ring_t *ring_new (size_t arena_bytes, size_t slots);

//  Destroys the ring and sets *self_p to NULL.
void ring_destroy (ring_t **self_p);

//  Returns space for an event of at most `max_size` bytes, evicting the oldest events
//  it overlaps. Follow with ring_commit. `max_size` must be at most a quarter of the
//  arena. The pointer is valid until the next reserve.
char *ring_reserve (ring_t *self, size_t max_size);

//  Appends the reserved event with its actual `size`, its series index and the
//  monotonic time it arrived. Returns its sequence number.
uint64_t ring_commit (ring_t *self, size_t size, uint32_t series, int64_t mono_ns);

//  Sequence number the next event will get; the newest held is ring_head () - 1.
uint64_t ring_head (ring_t *self);

//  Oldest sequence number still held (equals ring_head when the ring is empty).
uint64_t ring_tail (ring_t *self);

//  First held sequence number whose event arrived at or after `mono_ns`.
uint64_t ring_seek_time (ring_t *self, int64_t mono_ns);

//  Copies events from *cursor into buf (at most `room` bytes), skipping events that
//  `filter` (if not NULL) rejects, and advances the cursor. An event larger than the
//  room left is copied in part and finished on the next call. Returns bytes copied.
//  The caller checks that cursor->seq is not behind the tail first.
size_t ring_copy (ring_t *self, ring_cursor_t *cursor, char *buf, size_t room,
                  ring_filter_fn *filter, void *arg);

//  Bytes of the arena currently holding events, for /metrics.
size_t ring_bytes_used (ring_t *self);

#endif
