/*  rw_queue.c: the bounded batch queue of remote write.

    One mutex and one condition variable (on CLOCK_MONOTONIC). Sealed batches
    wait in a ring of `max_batches` pointers, oldest first; the batch being
    filled (`open`) and the one the sender holds (`inflight`) sit beside it.
    The loop thread signals only when a batch gets its first point or is sealed,
    so a steady stream costs one wake-up per batch, not per point.
*/
#include "rw_queue.h"
#include "clock.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct _rw_queue_t {
    pthread_mutex_t lock;     //  guards everything below
    pthread_cond_t wake;      //  the sender waits on it
    uint32_t batch_points;    //  seal at this many points
    size_t batch_bytes;       //  or before the body would pass this many bytes
    int64_t max_delay_ns;     //  or when the first point is this old
    uint32_t max_batches;     //  sealed batches kept at most (in flight included)
    rw_batch_t **ready;       //  ring of sealed batches, oldest at ready_head
    uint32_t ready_head;      //  index of the oldest
    uint32_t ready_count;     //  batches in the ring
    rw_batch_t *open;         //  batch being filled, or NULL
    rw_batch_t *inflight;     //  batch the sender holds, or NULL
    bool inflight_superseded; //  a newer batch pushed the in-flight one out
    rw_batch_t *free_list;    //  done batches, buffers kept for reuse
    bool closed;              //  no more pushes
    bool aborted;             //  sender must stop now
    rw_queue_stats_t stats;   //  the counters
};

rw_queue_t *
rw_queue_new (uint32_t batch_points, size_t batch_bytes, uint32_t max_batches, int64_t max_delay_ms)
{
    if (batch_points < 1 || batch_bytes < RW_MAX_POINT_BYTES || max_batches < 1 || max_delay_ms < 1)
        return NULL;
    rw_queue_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->ready = calloc (max_batches, sizeof *self->ready);
    if (!self->ready) {
        free (self);
        return NULL;
    }
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->wake, &attr);
    pthread_condattr_destroy (&attr);
    pthread_mutex_init (&self->lock, NULL);
    self->batch_points = batch_points;
    self->batch_bytes = batch_bytes;
    self->max_batches = max_batches;
    self->max_delay_ns = max_delay_ms * 1000000;
    return self;
}

static void
s_batch_free (rw_batch_t *batch)
{
    if (batch) {
        rw_buf_free (&batch->body);
        free (batch);
    }
}

void
rw_queue_destroy (rw_queue_t **self_p)
{
    assert (self_p);
    rw_queue_t *self = *self_p;
    if (!self)
        return;
    for (uint32_t i = 0; i < self->ready_count; i++)
        s_batch_free (self->ready[(self->ready_head + i) % self->max_batches]);
    s_batch_free (self->open);
    s_batch_free (self->inflight);
    while (self->free_list) {
        rw_batch_t *next = self->free_list->next;
        s_batch_free (self->free_list);
        self->free_list = next;
    }
    free (self->ready);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

//  Empties a batch and puts it on the free list.
static void
s_recycle (rw_queue_t *self, rw_batch_t *batch)
{
    batch->body.size = 0;
    batch->points = batch->invalid = 0;
    batch->next = self->free_list;
    self->free_list = batch;
}

//  Takes the oldest sealed batch out of the ring.
static rw_batch_t *
s_pop_oldest (rw_queue_t *self)
{
    assert (self->ready_count > 0);
    rw_batch_t *batch = self->ready[self->ready_head];
    self->ready_head = (self->ready_head + 1) % self->max_batches;
    self->ready_count--;
    self->stats.depth_batches--;
    return batch;
}

//  Counts a batch's points in `counter`: they leave the queue.
static void
s_count (rw_queue_t *self, rw_batch_t *batch, uint64_t *counter)
{
    *counter += batch->points;
    self->stats.depth_points -= batch->points;
}

//  Moves the open batch into the ring, first making room by dropping the oldest
//  undelivered batch: the in-flight one if it is still being tried, else the
//  oldest waiting one.
static void
s_seal (rw_queue_t *self)
{
    rw_batch_t *batch = self->open;
    if (!batch || batch->points == 0)
        return;
    bool inflight_counts = self->inflight && !self->inflight_superseded;
    if (self->ready_count + inflight_counts >= self->max_batches) {
        if (inflight_counts)
            self->inflight_superseded = true; //  the sender counts it when it gives up
        else {
            rw_batch_t *oldest = s_pop_oldest (self);
            s_count (self, oldest, &self->stats.dropped_queue_full);
            s_recycle (self, oldest);
        }
    }
    assert (self->ready_count < self->max_batches);
    self->ready[(self->ready_head + self->ready_count) % self->max_batches] = batch;
    self->ready_count++;
    self->stats.depth_batches++;
    self->open = NULL;
    pthread_cond_signal (&self->wake);
}

int
rw_queue_push (rw_queue_t *self, const uint8_t *point, size_t size)
{
    assert (self);
    assert (size <= RW_MAX_POINT_BYTES);
    pthread_mutex_lock (&self->lock);
    if (self->closed) {
        pthread_mutex_unlock (&self->lock);
        return -1;
    }
    self->stats.queued++;
    if (self->open && self->open->body.size + size > self->batch_bytes)
        s_seal (self);
    rw_batch_t *batch = self->open;
    if (!batch) {
        batch = self->free_list;
        if (batch)
            self->free_list = batch->next;
        else if ((batch = calloc (1, sizeof *batch)))
            self->stats.batches_allocated++;
        self->open = batch;
    }
    size_t capacity = batch ? batch->body.capacity : 0;
    if (!batch || rw_buf_reserve (&batch->body, size)) {
        self->stats.dropped_queue_full++; //  memory is short: no room, as when full
        pthread_mutex_unlock (&self->lock);
        return -1;
    }
    self->stats.bytes_allocated += batch->body.capacity - capacity;
    memcpy (batch->body.data + batch->body.size, point, size);
    batch->body.size += size;
    if (batch->points++ == 0) {
        batch->opened_ns = clock_mono_ns ();
        pthread_cond_signal (&self->wake); //  the sender learns when this batch is due
    }
    self->stats.depth_points++;
    if (batch->points >= self->batch_points)
        s_seal (self);
    pthread_mutex_unlock (&self->lock);
    return 0;
}

//  Waits on the condition variable until `deadline_ns` (monotonic) at most.
static void
s_wait_until (rw_queue_t *self, int64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = deadline_ns / 1000000000, .tv_nsec = deadline_ns % 1000000000};
    pthread_cond_timedwait (&self->wake, &self->lock, &ts);
}

rw_batch_t *
rw_queue_take (rw_queue_t *self, int64_t wait_ms)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    assert (!self->inflight);
    int64_t now = clock_mono_ns ();
    int64_t deadline = now + wait_ms * 1000000;
    rw_batch_t *batch = NULL;
    while (!self->aborted) {
        if (self->ready_count > 0) {
            batch = s_pop_oldest (self);
            self->stats.depth_batches++; //  still undelivered: in flight
            self->inflight = batch;
            self->inflight_superseded = false;
            break;
        }
        rw_batch_t *open = self->open;
        bool has_open = open && open->points > 0;
        if (has_open && (self->closed || now - open->opened_ns >= self->max_delay_ns)) {
            s_seal (self);
            continue;
        }
        if (self->closed || now >= deadline)
            break;
        int64_t until = deadline;
        if (has_open && open->opened_ns + self->max_delay_ns < until)
            until = open->opened_ns + self->max_delay_ns;
        s_wait_until (self, until);
        now = clock_mono_ns ();
    }
    pthread_mutex_unlock (&self->lock);
    return batch;
}

bool
rw_queue_backoff (rw_queue_t *self, rw_batch_t *batch, int64_t wait_ms)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    assert (batch == self->inflight);
    (void) batch; //  only checked
    int64_t deadline = clock_mono_ns () + wait_ms * 1000000;
    while (!self->aborted && !self->inflight_superseded && clock_mono_ns () < deadline)
        s_wait_until (self, deadline);
    bool again = !self->aborted && !self->inflight_superseded;
    pthread_mutex_unlock (&self->lock);
    return again;
}

void
rw_queue_finish (rw_queue_t *self, rw_batch_t *batch, rw_fate_t fate)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    assert (batch == self->inflight);
    uint64_t *counter = fate == RW_FATE_SENT        ? &self->stats.sent
                        : fate == RW_FATE_REJECTED  ? &self->stats.dropped_rejected
                        : self->inflight_superseded ? &self->stats.dropped_queue_full
                                                    : &self->stats.dropped_shutdown;
    assert (batch->invalid <= batch->points);
    self->stats.dropped_invalid += batch->invalid;
    self->stats.depth_points -= batch->invalid;
    batch->points -= batch->invalid;
    s_count (self, batch, counter);
    self->stats.depth_batches--;
    self->inflight = NULL;
    self->inflight_superseded = false;
    s_recycle (self, batch);
    pthread_mutex_unlock (&self->lock);
}

void
rw_queue_close (rw_queue_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    self->closed = true;
    pthread_cond_broadcast (&self->wake);
    pthread_mutex_unlock (&self->lock);
}

void
rw_queue_abort (rw_queue_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    self->closed = self->aborted = true;
    if (self->open) {
        s_count (self, self->open, &self->stats.dropped_shutdown);
        s_recycle (self, self->open);
        self->open = NULL;
    }
    while (self->ready_count > 0) {
        rw_batch_t *batch = s_pop_oldest (self);
        s_count (self, batch, &self->stats.dropped_shutdown);
        s_recycle (self, batch);
    }
    pthread_cond_broadcast (&self->wake);
    pthread_mutex_unlock (&self->lock);
}

bool
rw_queue_done (rw_queue_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    bool done = self->aborted || (self->closed && self->ready_count == 0 && !self->inflight &&
                                  (!self->open || self->open->points == 0));
    pthread_mutex_unlock (&self->lock);
    return done;
}

void
rw_queue_stats (rw_queue_t *self, rw_queue_stats_t *stats)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    *stats = self->stats;
    pthread_mutex_unlock (&self->lock);
}
