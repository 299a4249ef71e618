/*  test_ring.c: the shared ring: order, eviction, wrap-around, partial copies,
    filters and time seeks, checked against a model of what it should hold. */
#include "check.h"
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Appends event number `n` as "<n>:<padding>\n" of `size` bytes, after reserving
//  `reserve` bytes for it (the collector reserves the worst case, commits less).
static uint64_t
s_append_reserving (ring_t *ring, uint64_t n, size_t size, size_t reserve, uint32_t series,
                    int64_t t)
{
    char *slot = ring_reserve (ring, reserve);
    memset (slot, '.', size);
    int head = snprintf (slot, size, "%lu:", (unsigned long) n);
    slot[head] = ':';
    slot[size - 1] = '\n';
    return ring_commit (ring, size, series, t);
}

static uint64_t
s_append (ring_t *ring, uint64_t n, size_t size, uint32_t series, int64_t t)
{
    return s_append_reserving (ring, n, size, size, series, t);
}

static bool
s_odd_only (void *arg, uint32_t series)
{
    (void) arg;
    return series % 2 == 1;
}

static void
test_order_and_eviction (void)
{
    ring_t *ring = ring_new (4096, 16);
    CHECK (ring);
    CHECK (ring_head (ring) == 1 && ring_tail (ring) == 1);
    for (uint64_t n = 1; n <= 10; n++)
        CHECK (s_append (ring, n, 100, (uint32_t) n, (int64_t) n) == n);
    CHECK (ring_tail (ring) == 1 && ring_head (ring) == 11);

    char buf[4096];
    ring_cursor_t cursor = {.seq = 1};
    size_t n = ring_copy (ring, &cursor, buf, sizeof buf, NULL, NULL);
    CHECK (n == 1000 && cursor.seq == 11);
    CHECK (strncmp (buf, "1:", 2) == 0 && strncmp (buf + 900, "10:", 3) == 0);

    //  more events than slots: the index evicts the oldest
    for (uint64_t k = 11; k <= 40; k++)
        s_append (ring, k, 100, 0, (int64_t) k);
    CHECK (ring_head (ring) == 41);
    CHECK (ring_head (ring) - ring_tail (ring) <= 16);
    cursor.seq = ring_tail (ring);
    n = ring_copy (ring, &cursor, buf, sizeof buf, NULL, NULL);
    char first[16];
    snprintf (first, sizeof first, "%lu:", (unsigned long) ring_tail (ring));
    CHECK (strncmp (buf, first, strlen (first)) == 0);
    CHECK (cursor.seq == 41);
    ring_destroy (&ring);
    CHECK (ring == NULL);
    ring_destroy (&ring);
}

//  Many laps of odd sizes: every held event must read back intact and in order.
static void
test_wrap_around (void)
{
    ring_t *ring = ring_new (8192, 1024);
    char buf[8192];
    for (uint64_t n = 1; n <= 5000; n++) {
        size_t size = 20 + (n * 37) % 900;
        s_append (ring, n, size, 0, (int64_t) n);
        if (n % 97 == 0) {
            ring_cursor_t cursor = {.seq = ring_tail (ring)};
            size_t got = ring_copy (ring, &cursor, buf, sizeof buf, NULL, NULL);
            CHECK (cursor.seq == ring_head (ring));
            //  walk the copied events and check their numbers ascend without gaps
            uint64_t expect = ring_tail (ring);
            size_t at = 0;
            while (at < got) {
                unsigned long seen = strtoul (buf + at, NULL, 10);
                CHECK (seen == expect);
                size_t size_seen = 20 + (seen * 37) % 900;
                CHECK (buf[at + size_seen - 1] == '\n');
                at += size_seen;
                expect++;
            }
            CHECK (expect == ring_head (ring));
            CHECK (ring_bytes_used (ring) == got);
            CHECK (got <= 8192);
        }
    }
    ring_destroy (&ring);
}

static void
test_partial_and_filter (void)
{
    ring_t *ring = ring_new (8192, 64);
    s_append (ring, 1, 1000, 1, 10);
    s_append (ring, 2, 100, 2, 20);
    s_append (ring, 3, 100, 3, 30);
    char buf[2048];

    //  a 1000-byte event through a 300-byte buffer arrives whole, in four parts
    ring_cursor_t cursor = {.seq = 1};
    size_t total = 0;
    for (int i = 0; i < 4; i++)
        total += ring_copy (ring, &cursor, buf + total, 300, NULL, NULL);
    CHECK (total == 1000 + 100 + 100);
    CHECK (cursor.seq == 4 && cursor.offset == 0);
    CHECK (strncmp (buf, "1:", 2) == 0 && buf[999] == '\n' && strncmp (buf + 1000, "2:", 2) == 0);

    //  the filter skips even series
    cursor = (ring_cursor_t){.seq = 1};
    total = ring_copy (ring, &cursor, buf, sizeof buf, s_odd_only, NULL);
    CHECK (total == 1100 && strncmp (buf + 1000, "3:", 2) == 0);

    CHECK (ring_seek_time (ring, 0) == 1);
    CHECK (ring_seek_time (ring, 15) == 2);
    CHECK (ring_seek_time (ring, 30) == 3);
    CHECK (ring_seek_time (ring, 31) == 4);
    ring_destroy (&ring);
}

//  As the collector uses it: reserve the worst case, commit less. Readers that
//  keep up see every event; a reader left a lap behind finds its cursor under
//  the tail (the feed then resets it), and one overtaken mid-event is detectable.
static void
test_reserve_more_than_commit (void)
{
    ring_t *ring = ring_new (8192, 256);
    char buf[8192];
    ring_cursor_t keeping_up = {.seq = 1};
    ring_cursor_t stalled = {.seq = 1};
    ring_cursor_t half = {.seq = 1};
    CHECK (s_append_reserving (ring, 1, 200, 1000, 0, 1) == 1);
    CHECK (ring_copy (ring, &half, buf, 50, NULL, NULL) == 50 && half.offset == 50);
    uint64_t expect = 1;
    for (uint64_t n = 2; n <= 400; n++) {
        s_append_reserving (ring, n, 100 + n % 50, 1000, 0, (int64_t) n);
        size_t got = ring_copy (ring, &keeping_up, buf, sizeof buf, NULL, NULL);
        for (size_t at = 0; at < got;) {
            CHECK (strtoul (buf + at, NULL, 10) == expect);
            at += 100 + (expect == 1 ? 100 : expect % 50);
            expect++;
        }
    }
    CHECK (expect == 401 && keeping_up.seq == ring_head (ring));
    CHECK (stalled.seq < ring_tail (ring));
    CHECK (half.seq < ring_tail (ring) && half.offset == 50);
    ring_destroy (&ring);
}

int
main (void)
{
    test_order_and_eviction ();
    test_wrap_around ();
    test_partial_and_filter ();
    test_reserve_more_than_commit ();
    CHECK (ring_new (100, 16) == NULL);
    return CHECK_DONE ();
}
