/*  rw_queue.h: the bounded queue of remote write batches between two threads.

    The collector's loop thread pushes encoded points; the sender thread takes
    whole batches. A batch is sealed when it holds `batch_points` points or
    `batch_bytes` bytes, or when its first point is `max_delay_ms` old. At most
    `max_batches` sealed batches wait; when one more is sealed, the OLDEST batch
    not yet delivered is dropped and its points counted (`dropped_queue_full`),
    so a receiver gone for long costs a bounded amount of memory and the newest
    points win. A batch the sender is retrying counts as waiting: when it is the
    oldest it is the one dropped, at the sender's next retry.

    Memory stays flat: batches that are done go back to a free list with their
    buffers, so a steady stream allocates nothing. Every point pushed is counted
    exactly once by its fate, and one lock guards all of it, so a snapshot always
    adds up: queued = sent + invalid + rejected + queue_full + shutdown + depth.

    The lock is held only to copy a point in or to move a batch pointer; the
    sender encodes nothing and sends nothing while holding it.
*/
#ifndef ZAPM_RW_QUEUE_H
#define ZAPM_RW_QUEUE_H

#include "rw_proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _rw_queue_t rw_queue_t;

//  A batch: the points of one WriteRequest, as the queue holds them.
typedef struct _rw_batch_t rw_batch_t;
struct _rw_batch_t {
    rw_buf_t body;     //  the points' records (rw_record.h), one after the other
    uint32_t points;   //  points in body
    uint32_t invalid;  //  of those, found invalid by the sender (set before rw_queue_finish)
    int64_t opened_ns; //  monotonic time of its first point
    rw_batch_t *next;  //  next in the free list
};

//  What became of a batch the sender took.
typedef enum {
    RW_FATE_SENT,     //  the receiver took it (2xx)
    RW_FATE_REJECTED, //  the receiver refused it for good (4xx other than 429)
    RW_FATE_GIVEN_UP  //  not delivered: dropped for a newer batch, or at shutdown
} rw_fate_t;

//  Where every point pushed went, at one instant.
typedef struct {
    uint64_t queued;             //  points given to rw_queue_push (while open)
    uint64_t sent;               //  points in batches the receiver took
    uint64_t dropped_invalid;    //  points the sender could not encode (batch->invalid)
    uint64_t dropped_queue_full; //  points dropped for newer ones (or as memory was short)
    uint64_t dropped_rejected;   //  points in batches the receiver refused
    uint64_t dropped_shutdown;   //  points still undelivered when the queue was aborted
    uint64_t depth_points;       //  points waiting or in flight now
    uint32_t depth_batches;      //  sealed batches waiting or in flight now
    uint32_t batches_allocated;  //  batches in memory, free ones included (<= max_batches + 2)
    uint64_t bytes_allocated;    //  bytes their buffers hold
} rw_queue_stats_t;

//  Creates a queue. `batch_points` >= 1, `batch_bytes` >= RW_MAX_POINT_BYTES,
//  `max_batches` >= 1, `max_delay_ms` >= 1. Returns NULL if memory is short or a
//  limit is out of range.
rw_queue_t *rw_queue_new (uint32_t batch_points, size_t batch_bytes, uint32_t max_batches,
                          int64_t max_delay_ms);

//  Frees the queue and every batch in it, and sets *self_p to NULL. The sender
//  thread must have stopped.
void rw_queue_destroy (rw_queue_t **self_p);

//  Copies one point's record (`size` bytes from rw_record_write) into the open
//  batch, sealing batches as needed; never waits for the sender. Returns 0, or -1
//  if the point was dropped (memory short, counted as dropped_queue_full) or the
//  queue is closed (not counted).
int rw_queue_push (rw_queue_t *self, const uint8_t *point, size_t size);

//  Sender: returns the oldest sealed batch, sealing the open one first if it is
//  due (or the queue is closed). Waits at most `wait_ms` for one. Returns NULL
//  on timeout, once the queue is aborted, or when it is closed and empty (see
//  rw_queue_done). The batch stays the queue's; give it back with rw_queue_finish.
rw_batch_t *rw_queue_take (rw_queue_t *self, int64_t wait_ms);

//  Sender, between two tries of `batch`: waits `wait_ms`. Returns true to try
//  again; false if the batch must be given up (a newer batch pushed it out, or
//  the queue was aborted): then call rw_queue_finish with RW_FATE_GIVEN_UP.
bool rw_queue_backoff (rw_queue_t *self, rw_batch_t *batch, int64_t wait_ms);

//  Sender: counts the points of `batch` by its fate (its `invalid` ones as
//  invalid whatever the fate) and takes it back.
void rw_queue_finish (rw_queue_t *self, rw_batch_t *batch, rw_fate_t fate);

//  Refuses further pushes; rw_queue_take hands out what is left (the open batch
//  at once), then returns NULL.
void rw_queue_close (rw_queue_t *self);

//  Stops the sender: rw_queue_take returns NULL and rw_queue_backoff false at
//  once. Points still queued are counted as dropped_shutdown.
void rw_queue_abort (rw_queue_t *self);

//  True once the queue is closed and empty, or aborted: the sender may stop.
bool rw_queue_done (rw_queue_t *self);

//  Copies the counters into *stats; any thread.
void rw_queue_stats (rw_queue_t *self, rw_queue_stats_t *stats);

#endif
