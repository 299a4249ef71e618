/*  test_loop.c: the collector's event loop: timers in deadline order and no
    sooner than their period, readers dispatched by the fd that is ready, a
    handler that stops the loop, the hook's timeout honoured, and the fixed
    number of items.

    Time bounds are one-sided where the scheduler can only make things late:
    a timer must never fire before its deadline, and a generous upper bound
    (seconds, not milliseconds) only catches a loop that never wakes. */
#include "check.h"
#include "clock.h"
#include "loop.h"

#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#define MS 1000000LL

typedef struct {
    loop_t *loop;
    char order[32]; //  timer names in firing order
    size_t fired;   //  how many fired
    int64_t at[32]; //  loop_now at each firing
    int stop_after; //  stop the loop after this many firings
    int id;         //  a timer to move
} s_log_t;

static int
s_record (s_log_t *log, char name)
{
    CHECK (log->fired < sizeof log->order - 1);
    log->at[log->fired] = loop_now (log->loop);
    log->order[log->fired++] = name;
    return (int) log->fired >= log->stop_after ? -1 : 0;
}

static int
s_timer_a (loop_t *loop, void *arg)
{
    (void) loop;
    return s_record (arg, 'a');
}

static int
s_timer_b (loop_t *loop, void *arg)
{
    (void) loop;
    return s_record (arg, 'b');
}

static int
s_timer_c (loop_t *loop, void *arg)
{
    (void) loop;
    return s_record (arg, 'c');
}

//  One-shots armed at different deadlines fire earliest first, never early.
static void
test_timers_in_order (void)
{
    s_log_t log = {.loop = loop_new (), .stop_after = 3};
    CHECK (log.loop);
    int a = loop_timer (log.loop, 0, s_timer_a, &log);
    int b = loop_timer (log.loop, 0, s_timer_b, &log);
    int c = loop_timer (log.loop, 0, s_timer_c, &log);
    CHECK (a == 0 && b == 1 && c == 2);
    CHECK (loop_timer_next (log.loop, a) == 0); //  one-shots start disarmed
    int64_t start = clock_mono_ns ();
    loop_timer_at (log.loop, c, start + 30 * MS);
    loop_timer_at (log.loop, a, start + 50 * MS);
    loop_timer_at (log.loop, b, start + 10 * MS);
    CHECK (loop_run (log.loop) == 0);
    CHECKF (strcmp (log.order, "bca") == 0, "fired %s", log.order);
    CHECKF (log.at[0] >= start + 10 * MS && log.at[1] >= start + 30 * MS &&
                log.at[2] >= start + 50 * MS,
            "early: %lld %lld %lld ms", (long long) (log.at[0] - start) / MS,
            (long long) (log.at[1] - start) / MS, (long long) (log.at[2] - start) / MS);
    CHECK (log.at[2] - start < 5000 * MS);
    //  fired one-shots are disarmed
    CHECK (loop_timer_next (log.loop, a) == 0 && loop_timer_next (log.loop, b) == 0);
    loop_destroy (&log.loop);
    CHECK (log.loop == NULL);
    loop_destroy (&log.loop); //  harmless
}

//  A periodic timer fires every period, each firing at least a period after
//  the one before; a faster one interleaves with it.
static void
test_periods (void)
{
    s_log_t log = {.loop = loop_new (), .stop_after = 12};
    CHECK (log.loop);
    int64_t start = clock_mono_ns ();
    int slow = loop_timer (log.loop, 40 * MS, s_timer_a, &log);
    int fast = loop_timer (log.loop, 15 * MS, s_timer_b, &log);
    CHECK (slow >= 0 && fast >= 0);
    CHECK (loop_timer_next (log.loop, slow) >= start + 40 * MS);
    CHECK (loop_run (log.loop) == 0);
    int64_t last_a = start, last_b = start;
    size_t count_a = 0, count_b = 0;
    for (size_t i = 0; i < log.fired; i++) {
        if (log.order[i] == 'a') {
            CHECKF (log.at[i] - last_a >= 40 * MS, "a after %lld ms",
                    (long long) (log.at[i] - last_a) / MS);
            last_a = log.at[i];
            count_a++;
        }
        else {
            CHECKF (log.at[i] - last_b >= 15 * MS, "b after %lld ms",
                    (long long) (log.at[i] - last_b) / MS);
            last_b = log.at[i];
            count_b++;
        }
    }
    //  12 firings: at least 12 * 15 ms / (1 + 15/40) of time went by, and the
    //  fast one fired more often
    CHECKF (count_b > count_a && count_a >= 1, "a %zu b %zu (%s)", count_a, count_b, log.order);
    CHECK (log.at[log.fired - 1] - start < 10000 * MS);
    //  still armed, a period ahead of the last firing
    CHECK (loop_timer_next (log.loop, fast) >= last_b + 15 * MS ||
           loop_timer_next (log.loop, slow) >= last_a + 40 * MS);
    loop_destroy (&log.loop);
}

//  A timer that disarms itself and one that moves itself.
static int
s_disarm (loop_t *loop, void *arg)
{
    s_log_t *log = arg;
    loop_timer_at (loop, log->id, 0);
    return s_record (log, 'd');
}

static int
s_stopper (loop_t *loop, void *arg)
{
    (void) loop;
    (void) arg;
    return -1;
}

static int
s_move (loop_t *loop, void *arg)
{
    s_log_t *log = arg;
    //  a deadline already past: fires again, but in the next turn, not this one
    loop_timer_at (loop, log->id, 1);
    return s_record (log, 'm');
}

static void
test_moving_timers (void)
{
    s_log_t log = {.loop = loop_new (), .stop_after = 100};
    log.id = loop_timer (log.loop, 5 * MS, s_disarm, &log);
    int stop = loop_timer (log.loop, 0, s_stopper, NULL);
    loop_timer_at (log.loop, stop, clock_mono_ns () + 100 * MS);
    CHECK (loop_run (log.loop) == 0);
    CHECKF (strcmp (log.order, "d") == 0, "a disarmed periodic timer fired %s", log.order);
    loop_destroy (&log.loop);

    s_log_t moving = {.loop = loop_new (), .stop_after = 5};
    moving.id = loop_timer (moving.loop, 0, s_move, &moving);
    loop_timer_at (moving.loop, moving.id, clock_mono_ns ());
    CHECK (loop_run (moving.loop) == 0);
    CHECK (strcmp (moving.order, "mmmmm") == 0);
    loop_destroy (&moving.loop);
}

typedef struct {
    int fd;      //  the eventfd this reader drains
    int calls;   //  how many times it was called
    char name;   //  its name in the order
    char *order; //  shared: readers in calling order
    int stop;    //  return -1 at this call
} s_reader_t;

static int
s_read (loop_t *loop, void *arg)
{
    (void) loop;
    s_reader_t *reader = arg;
    uint64_t value;
    CHECK (read (reader->fd, &value, sizeof value) == sizeof value);
    reader->calls++;
    strncat (reader->order, &reader->name, 1);
    return reader->calls == reader->stop ? -1 : 0;
}

static void
s_poke (int fd)
{
    uint64_t one = 1;
    CHECK (write (fd, &one, sizeof one) == sizeof one);
}

//  Only the ready fd's handler runs; several ready ones run in registration
//  order; a handler that stops the loop ends the turn at once.
static void
test_readers (void)
{
    loop_t *loop = loop_new ();
    char order[64] = "";
    s_reader_t x = {eventfd (0, EFD_NONBLOCK), 0, 'x', order, 0};
    s_reader_t y = {eventfd (0, EFD_NONBLOCK), 0, 'y', order, 0};
    s_reader_t z = {eventfd (0, EFD_NONBLOCK), 0, 'z', order, 0};
    CHECK (x.fd >= 0 && y.fd >= 0 && z.fd >= 0);
    CHECK (loop_reader (loop, NULL, x.fd, s_read, &x) == 0);
    CHECK (loop_reader (loop, NULL, y.fd, s_read, &y) == 0);
    CHECK (loop_reader (loop, NULL, z.fd, s_read, &z) == 0);
    //  a safety net: a loop that never dispatches stops here and fails below
    int stop = loop_timer (loop, 0, s_stopper, NULL);
    loop_timer_at (loop, stop, clock_mono_ns () + 5000 * MS);

    //  y alone is ready: only y's handler runs (and stops the loop)
    y.stop = 1;
    s_poke (y.fd);
    CHECK (loop_run (loop) == 0);
    CHECKF (strcmp (order, "y") == 0, "order %s", order);

    //  z, then x, made ready: served as registered, x first; z stops
    z.stop = 1;
    s_poke (z.fd);
    s_poke (x.fd);
    CHECK (loop_run (loop) == 0);
    CHECKF (strcmp (order, "yxz") == 0, "order %s", order);

    //  all three ready, y stops: z is not served in that turn
    y.stop = 2;
    s_poke (x.fd);
    s_poke (y.fd);
    s_poke (z.fd);
    CHECK (loop_run (loop) == 0);
    CHECKF (strcmp (order, "yxzxy") == 0, "order %s", order);
    //  ... and is still ready, served first in the next run
    z.stop = 2;
    CHECK (loop_run (loop) == 0);
    CHECKF (strcmp (order, "yxzxyz") == 0, "order %s", order);
    CHECK (x.calls == 2 && y.calls == 2 && z.calls == 2);
    close (x.fd);
    close (y.fd);
    close (z.fd);
    loop_destroy (&loop);
}

//  A ZeroMQ socket as a reader: a PAIR gets a message.
static int
s_zmq_read (loop_t *loop, void *arg)
{
    (void) loop;
    char buf[16];
    int n = zmq_recv (arg, buf, sizeof buf, ZMQ_DONTWAIT);
    CHECK (n == 5 && memcmp (buf, "hello", 5) == 0);
    return -1;
}

static void
test_zmq_socket (void)
{
    void *context = zmq_ctx_new ();
    void *a = zmq_socket (context, ZMQ_PAIR);
    void *b = zmq_socket (context, ZMQ_PAIR);
    CHECK (zmq_bind (a, "inproc://test_loop") == 0 && zmq_connect (b, "inproc://test_loop") == 0);
    loop_t *loop = loop_new ();
    CHECK (loop_reader (loop, a, -1, s_zmq_read, a) == 0);
    int stop = loop_timer (loop, 0, s_stopper, NULL);
    loop_timer_at (loop, stop, clock_mono_ns () + 5000 * MS);
    CHECK (zmq_send (b, "hello", 5, 0) == 5);
    int64_t start = clock_mono_ns ();
    CHECK (loop_run (loop) == 0);
    CHECK (clock_mono_ns () - start < 4000 * MS); //  the reader stopped it, not the net
    loop_destroy (&loop);
    zmq_close (a);
    zmq_close (b);
    zmq_ctx_term (context);
}

typedef struct {
    long timeout;  //  what the hook asks for
    int turns;     //  turn ends seen
    int due;       //  of which due
    int64_t first; //  loop_now at the first due
    int64_t start; //  when the run started
    loop_t *loop;  //  for the time
} s_hook_t;

static long
s_hook_timeout (void *arg)
{
    return ((s_hook_t *) arg)->timeout;
}

static int
s_hook_end (loop_t *loop, bool due, void *arg)
{
    s_hook_t *hook = arg;
    hook->turns++;
    if (due) {
        hook->due++;
        hook->first = clock_mono_ns ();
        (void) loop;
        return -1;
    }
    return 0;
}

//  With nothing else to wake it, the loop wakes for the hook's timeout and
//  tells it so; with no timeout (-1) the hook is never due.
static void
test_hook_timeout (void)
{
    loop_t *loop = loop_new ();
    s_hook_t hook = {.timeout = 30, .loop = loop};
    CHECK (loop_hook (loop, s_hook_timeout, s_hook_end, &hook) == 0);
    int stop = loop_timer (loop, 0, s_stopper, NULL);
    hook.start = clock_mono_ns ();
    loop_timer_at (loop, stop, hook.start + 5000 * MS);
    CHECK (loop_run (loop) == 0);
    CHECKF (hook.due == 1 && hook.turns == 1, "due %d of %d turns", hook.due, hook.turns);
    CHECK (hook.first - hook.start >= 30 * MS && hook.first - hook.start < 4000 * MS);

    //  no timeout: only the 50 ms timer ends the wait, and the hook is not due
    hook = (s_hook_t){.timeout = -1, .loop = loop};
    hook.start = clock_mono_ns ();
    loop_timer_at (loop, stop, hook.start + 50 * MS);
    CHECK (loop_run (loop) == 0);
    CHECKF (hook.due == 0 && hook.turns == 0, "due %d turns %d", hook.due, hook.turns);
    CHECK (clock_mono_ns () - hook.start >= 50 * MS);
    loop_destroy (&loop);
}

static int
s_nothing (loop_t *loop, void *arg)
{
    (void) loop;
    (void) arg;
    return 0;
}

static int
s_hook_nothing (loop_t *loop, bool due, void *arg)
{
    (void) loop;
    (void) due;
    (void) arg;
    return 0;
}

//  The loop holds a fixed number of each kind of item; one more is refused.
static void
test_item_cap (void)
{
    loop_t *loop = loop_new ();
    int fd = eventfd (0, EFD_NONBLOCK);
    for (int i = 0; i < LOOP_READERS_MAX; i++)
        CHECK (loop_reader (loop, NULL, fd, s_nothing, NULL) == 0);
    CHECK (loop_reader (loop, NULL, fd, s_nothing, NULL) == -1);
    for (int i = 0; i < LOOP_TIMERS_MAX; i++)
        CHECK (loop_timer (loop, 0, s_nothing, NULL) == i);
    CHECK (loop_timer (loop, 0, s_nothing, NULL) == -1);
    for (int i = 0; i < LOOP_HOOKS_MAX; i++)
        CHECK (loop_hook (loop, NULL, s_hook_nothing, NULL) == 0);
    CHECK (loop_hook (loop, NULL, s_hook_nothing, NULL) == -1);
    close (fd);
    loop_destroy (&loop);
}

int
main (void)
{
    test_timers_in_order ();
    test_periods ();
    test_moving_timers ();
    test_readers ();
    test_zmq_socket ();
    test_hook_timeout ();
    test_item_cap ();
    return CHECK_DONE ();
}
