/*  test_rw_queue.c: the remote write batch queue: sealing by size, bytes and
    age, dropping the oldest batch (the in-flight one included) when full, every
    point counted once by its fate, close and abort, and memory that stays flat. */
#include "check.h"
#include "clock.h"
#include "rw_queue.h"

#include <pthread.h>
#include <string.h>

//  A fake encoded point: 8 bytes holding its number.
static void
s_push (rw_queue_t *queue, uint64_t n)
{
    uint8_t bytes[8];
    memcpy (bytes, &n, sizeof n);
    CHECK (rw_queue_push (queue, bytes, sizeof bytes) == 0);
}

//  The number of the i-th point of a batch.
static uint64_t
s_point (const rw_batch_t *batch, uint32_t i)
{
    uint64_t n;
    CHECK (batch->body.size == batch->points * 8u);
    memcpy (&n, batch->body.data + 8 * i, sizeof n);
    return n;
}

static void
s_check_sums (rw_queue_t *queue)
{
    rw_queue_stats_t s;
    rw_queue_stats (queue, &s);
    CHECKF (s.queued == s.sent + s.dropped_rejected + s.dropped_queue_full + s.dropped_shutdown +
                            s.depth_points,
            "queued %llu sent %llu rejected %llu full %llu shutdown %llu depth %llu",
            (unsigned long long) s.queued, (unsigned long long) s.sent,
            (unsigned long long) s.dropped_rejected, (unsigned long long) s.dropped_queue_full,
            (unsigned long long) s.dropped_shutdown, (unsigned long long) s.depth_points);
}

static void
test_full_batches_in_order (void)
{
    rw_queue_t *queue = rw_queue_new (3, RW_MAX_POINT_BYTES, 4, 10000);
    for (uint64_t n = 0; n < 7; n++)
        s_push (queue, n);
    //  Two full batches leave at once; the seventh point waits for its delay.
    for (uint64_t b = 0; b < 2; b++) {
        rw_batch_t *batch = rw_queue_take (queue, 0);
        CHECK (batch && batch->points == 3);
        for (uint32_t i = 0; i < 3; i++)
            CHECK (s_point (batch, i) == 3 * b + i);
        rw_queue_finish (queue, batch, b == 0 ? RW_FATE_SENT : RW_FATE_REJECTED);
    }
    CHECK (rw_queue_take (queue, 20) == NULL);
    rw_queue_stats_t s;
    rw_queue_stats (queue, &s);
    CHECK (s.queued == 7 && s.sent == 3 && s.dropped_rejected == 3 && s.depth_points == 1);
    CHECK (s.depth_batches == 0);
    s_check_sums (queue);
    rw_queue_destroy (&queue);
    CHECK (queue == NULL);
    rw_queue_destroy (&queue);
}

static void
test_seal_by_age (void)
{
    rw_queue_t *queue = rw_queue_new (1000, RW_MAX_POINT_BYTES, 4, 50);
    int64_t start = clock_mono_ns ();
    s_push (queue, 1);
    s_push (queue, 2);
    rw_batch_t *batch = rw_queue_take (queue, 5000);
    int64_t waited_ms = (clock_mono_ns () - start) / 1000000;
    CHECK (batch && batch->points == 2);
    CHECKF (waited_ms >= 49 && waited_ms < 2000, "took %lld ms", (long long) waited_ms);
    rw_queue_finish (queue, batch, RW_FATE_SENT);
    s_check_sums (queue);
    rw_queue_destroy (&queue);
}

static void
test_seal_by_bytes (void)
{
    //  Room for 2048 bytes a batch: 256 points of 8 bytes, the 257th starts a new one.
    rw_queue_t *queue = rw_queue_new (100000, RW_MAX_POINT_BYTES, 4, 10000);
    uint8_t big[RW_MAX_POINT_BYTES] = {0};
    CHECK (rw_queue_push (queue, big, 10000) == 0);
    CHECK (rw_queue_push (queue, big, 10000) == 0); //  10000 + 10000 > 16384: seals the first
    rw_batch_t *batch = rw_queue_take (queue, 0);
    CHECK (batch && batch->points == 1 && batch->body.size == 10000);
    rw_queue_finish (queue, batch, RW_FATE_SENT);
    rw_queue_destroy (&queue);
}

static void
test_drop_oldest (void)
{
    //  Batches of 2, at most 3 kept: 5 batches pushed, the 2 oldest go.
    rw_queue_t *queue = rw_queue_new (2, RW_MAX_POINT_BYTES, 3, 10000);
    for (uint64_t n = 0; n < 10; n++)
        s_push (queue, n);
    rw_queue_stats_t s;
    rw_queue_stats (queue, &s);
    CHECK (s.dropped_queue_full == 4 && s.depth_points == 6 && s.depth_batches == 3);
    s_check_sums (queue);
    for (uint64_t b = 2; b < 5; b++) {
        rw_batch_t *batch = rw_queue_take (queue, 0);
        CHECK (batch && s_point (batch, 0) == 2 * b && s_point (batch, 1) == 2 * b + 1);
        rw_queue_finish (queue, batch, RW_FATE_SENT);
    }
    rw_queue_stats (queue, &s);
    CHECK (s.sent == 6 && s.depth_points == 0 && s.depth_batches == 0);
    s_check_sums (queue);
    rw_queue_destroy (&queue);
}

static void
test_inflight_is_oldest (void)
{
    rw_queue_t *queue = rw_queue_new (2, RW_MAX_POINT_BYTES, 2, 10000);
    s_push (queue, 0);
    s_push (queue, 1);
    rw_batch_t *inflight = rw_queue_take (queue, 0);
    CHECK (inflight && s_point (inflight, 0) == 0);
    //  Still being tried: one more batch fits beside it.
    s_push (queue, 2);
    s_push (queue, 3);
    CHECK (rw_queue_backoff (queue, inflight, 1));
    //  The next one pushes the in-flight batch out: backoff ends at once, false.
    s_push (queue, 4);
    s_push (queue, 5);
    int64_t start = clock_mono_ns ();
    CHECK (!rw_queue_backoff (queue, inflight, 5000));
    CHECK (clock_mono_ns () - start < 1000000000LL);
    rw_queue_finish (queue, inflight, RW_FATE_GIVEN_UP);
    rw_queue_stats_t s;
    rw_queue_stats (queue, &s);
    CHECK (s.dropped_queue_full == 2 && s.dropped_shutdown == 0 && s.depth_points == 4);
    s_check_sums (queue);
    //  A superseded batch that got through after all counts as sent.
    rw_batch_t *batch = rw_queue_take (queue, 0);
    CHECK (batch && s_point (batch, 0) == 2);
    s_push (queue, 6);
    s_push (queue, 7); //  full again: batch {2,3} is superseded
    s_push (queue, 8);
    s_push (queue, 9); //  and now the oldest waiting one, {4,5}, goes
    rw_queue_finish (queue, batch, RW_FATE_SENT);
    rw_queue_stats (queue, &s);
    CHECK (s.sent == 2 && s.dropped_queue_full == 4 && s.depth_points == 4);
    s_check_sums (queue);
    for (uint64_t first = 6; first <= 8; first += 2) {
        batch = rw_queue_take (queue, 0);
        CHECK (batch && s_point (batch, 0) == first);
        rw_queue_finish (queue, batch, RW_FATE_SENT);
    }
    rw_queue_destroy (&queue);
}

static void
test_close_and_abort (void)
{
    rw_queue_t *queue = rw_queue_new (100, RW_MAX_POINT_BYTES, 4, 100000);
    s_push (queue, 1);
    CHECK (!rw_queue_done (queue));
    rw_queue_close (queue);
    uint8_t bytes[8] = {0};
    CHECK (rw_queue_push (queue, bytes, 8) == -1);   //  closed: refused
    rw_batch_t *batch = rw_queue_take (queue, 5000); //  the open batch, at once
    CHECK (batch && batch->points == 1);
    CHECK (!rw_queue_done (queue)); //  in flight
    rw_queue_finish (queue, batch, RW_FATE_SENT);
    CHECK (rw_queue_done (queue));
    CHECK (rw_queue_take (queue, 5000) == NULL);
    rw_queue_destroy (&queue);

    queue = rw_queue_new (2, RW_MAX_POINT_BYTES, 4, 100000);
    for (uint64_t n = 0; n < 5; n++)
        s_push (queue, n);
    batch = rw_queue_take (queue, 0);
    rw_queue_abort (queue);
    CHECK (rw_queue_done (queue));
    CHECK (!rw_queue_backoff (queue, batch, 5000));
    rw_queue_finish (queue, batch, RW_FATE_GIVEN_UP);
    CHECK (rw_queue_take (queue, 5000) == NULL);
    rw_queue_stats_t s;
    rw_queue_stats (queue, &s);
    CHECK (s.dropped_shutdown == 5 && s.depth_points == 0 && s.depth_batches == 0);
    s_check_sums (queue);
    rw_queue_destroy (&queue);
}

//  A million points into a queue nobody drains, then a steady stream with a
//  taker: batches and bytes in memory stop growing once the queue is full.
static void
test_flat_memory (void)
{
    rw_queue_t *queue = rw_queue_new (100, RW_MAX_POINT_BYTES, 4, 100000);
    rw_queue_stats_t s;
    for (uint64_t n = 0; n < 1000; n++)
        s_push (queue, n);
    rw_queue_stats (queue, &s);
    uint64_t bytes = s.bytes_allocated;
    for (uint64_t n = 1000; n < 1000000; n++)
        s_push (queue, n);
    rw_queue_stats (queue, &s);
    CHECK (s.batches_allocated <= 4 + 2);
    CHECKF (s.bytes_allocated == bytes, "%llu then %llu bytes", (unsigned long long) bytes,
            (unsigned long long) s.bytes_allocated);
    CHECK (s.depth_points == 400 && s.dropped_queue_full == 1000000 - 400);
    s_check_sums (queue);
    for (uint64_t round = 0; round < 10000; round++) {
        for (uint64_t n = 0; n < 100; n++)
            s_push (queue, n);
        rw_batch_t *batch = rw_queue_take (queue, 0);
        CHECK (batch);
        rw_queue_finish (queue, batch, RW_FATE_SENT);
    }
    rw_queue_stats (queue, &s);
    CHECK (s.batches_allocated <= 4 + 2 && s.bytes_allocated == bytes);
    s_check_sums (queue);
    rw_queue_destroy (&queue);
}

//  The loop thread pushes while the sender thread takes: nothing is lost or
//  counted twice, and the points come out in order.
typedef struct {
    rw_queue_t *queue;
    uint64_t next;     //  the number the taker expects
    uint64_t received; //  points it took
} s_taker_t;

static void *
s_taker (void *arg)
{
    s_taker_t *taker = arg;
    while (!rw_queue_done (taker->queue)) {
        rw_batch_t *batch = rw_queue_take (taker->queue, 100);
        if (!batch)
            continue;
        for (uint32_t i = 0; i < batch->points; i++) {
            uint64_t n = s_point (batch, i);
            CHECK (n >= taker->next); //  drops skip ahead, never back
            taker->next = n + 1;
        }
        taker->received += batch->points;
        rw_queue_finish (taker->queue, batch, RW_FATE_SENT);
    }
    return NULL;
}

static void
test_two_threads (void)
{
    s_taker_t taker = {.queue = rw_queue_new (500, RW_MAX_POINT_BYTES, 8, 5)};
    pthread_t thread;
    CHECK (pthread_create (&thread, NULL, s_taker, &taker) == 0);
    for (uint64_t n = 0; n < 2000000; n++)
        s_push (taker.queue, n);
    rw_queue_close (taker.queue);
    pthread_join (thread, NULL);
    rw_queue_stats_t s;
    rw_queue_stats (taker.queue, &s);
    CHECK (s.queued == 2000000 && s.sent == taker.received && s.depth_points == 0);
    CHECK (taker.next == 2000000); //  the newest point always arrives
    s_check_sums (taker.queue);
    rw_queue_destroy (&taker.queue);
}

int
main (void)
{
    test_full_batches_in_order ();
    test_seal_by_age ();
    test_seal_by_bytes ();
    test_drop_oldest ();
    test_inflight_is_oldest ();
    test_close_and_abort ();
    test_flat_memory ();
    test_two_threads ();
    return CHECK_DONE ();
}
