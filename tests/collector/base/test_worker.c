/*  test_worker.c: the collector's worker threads and their hand-off queue
    (collector/base/include/worker.h): messages arrive whole and in order across the
    buffer's wrap, the capacity in bytes and in messages holds and every
    refusal is counted, the eventfd is readable exactly when answers wait,
    a worker sleeps through pushes below what it asked for and wakes past
    it, threads carry their names and block the signals the loop takes, a
    close with work pending stops cleanly, and the depth is never negative
    while both sides run. */
#include "check.h"
#include "clock.h"
#include "worker.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static bool
s_readable (int fd)
{
    struct pollfd item = {fd, POLLIN, 0};
    return poll (&item, 1, 0) == 1 && (item.revents & POLLIN);
}

static void
s_push_text (worker_queue_t *queue, const char *text)
{
    size_t size = strlen (text) + 1;
    char *room = worker_queue_reserve (queue, size);
    CHECK (room);
    memcpy (room, text, size);
    worker_queue_push (queue);
}

//  --------------------------------------------------------------------------
//  Order, across the wrap, with one worker reading

#define ORDER_COUNT 20000

static void
s_reader (void *arg)
{
    worker_queue_t *queue = arg;
    uint32_t expected = 0;
    for (;;) {
        size_t size;
        uint32_t *message = worker_queue_next (queue, &size);
        if (!message) {
            if (worker_queue_closed (queue) && !worker_queue_next (queue, &size))
                break;
            worker_queue_wait (queue, INT64_MAX, 1);
            continue;
        }
        //  Message n holds n % 50 + 1 words, each n: whole, in order.
        CHECKF (size == (message[0] % 50 + 1) * sizeof (uint32_t), "size %zu", size);
        CHECKF (message[0] == expected, "got %u, expected %u", message[0], expected);
        for (uint32_t i = 0; i <= message[0] % 50; i++)
            CHECK (message[i] == expected);
        expected++;
        worker_queue_done (queue);
    }
    CHECKF (expected == ORDER_COUNT, "read %u", expected);
}

static void
s_order (void)
{
    //  A small buffer, so messages of many sizes wrap around it often.
    worker_queue_t *queue = worker_queue_new (4096, 1000, false);
    CHECK (queue);
    worker_t *worker = worker_new ("zapm-test-order", s_reader, queue);
    CHECK (worker);
    uint64_t refused = 0;
    for (uint32_t n = 0; n < ORDER_COUNT;) {
        uint32_t words = n % 50 + 1;
        uint32_t *room = worker_queue_reserve (queue, words * sizeof (uint32_t));
        if (!room) {
            refused++;
            usleep (100); //  full: the reader catches up
            continue;
        }
        for (uint32_t i = 0; i < words; i++)
            room[i] = n;
        worker_queue_push (queue);
        n++;
    }
    worker_queue_close (queue);
    worker_destroy (&worker);
    CHECK (!worker);
    worker_queue_stats_t stats;
    worker_queue_stats (queue, &stats);
    CHECK (stats.messages == 0 && stats.bytes == 0);
    CHECK (stats.pushed == ORDER_COUNT);
    CHECK (stats.refused == refused);
    worker_queue_destroy (&queue);
    CHECK (!queue);
    printf ("order: %d messages in order through 4 KiB, %llu refusals while full\n", ORDER_COUNT,
            (unsigned long long) refused);
}

//  --------------------------------------------------------------------------
//  Capacity in bytes and in messages, and the refusal counter

static void
s_capacity (void)
{
    //  Room for exactly 4 messages of 24 bytes (32 bytes each with the header).
    worker_queue_t *queue = worker_queue_new (4 * WORKER_QUEUE_ROOM (24), 100, false);
    CHECK (queue);
    for (int i = 0; i < 4; i++)
        CHECK (worker_queue_reserve (queue, 24) && (worker_queue_push (queue), true));
    CHECK (!worker_queue_reserve (queue, 24));
    CHECK (!worker_queue_reserve (queue, 1));
    worker_queue_stats_t stats;
    worker_queue_stats (queue, &stats);
    CHECK (stats.messages == 4 && stats.bytes == 4 * WORKER_QUEUE_ROOM (24));
    CHECK (stats.refused == 2);
    //  Freeing one makes room for one.
    size_t size;
    CHECK (worker_queue_next (queue, &size) && size == 24);
    worker_queue_done (queue);
    CHECK (worker_queue_reserve (queue, 24));
    worker_queue_push (queue);
    CHECK (!worker_queue_reserve (queue, 24));
    //  Larger than the whole buffer: refused, counted.
    CHECK (!worker_queue_reserve (queue, 4096));
    worker_queue_stats (queue, &stats);
    CHECK (stats.refused == 4 && stats.messages == 4 && stats.pushed == 5);
    //  Closed: refused, not counted.
    worker_queue_close (queue);
    while (worker_queue_next (queue, &size))
        worker_queue_done (queue);
    CHECK (!worker_queue_reserve (queue, 1));
    worker_queue_stats (queue, &stats);
    CHECK (stats.refused == 4 && stats.messages == 0 && stats.bytes == 0);
    worker_queue_destroy (&queue);

    //  The bound in messages, with plenty of bytes.
    queue = worker_queue_new (1 << 16, 3, false);
    CHECK (queue);
    for (int i = 0; i < 3; i++)
        s_push_text (queue, "x");
    CHECK (!worker_queue_reserve (queue, 1));
    worker_queue_stats (queue, &stats);
    CHECK (stats.messages == 3 && stats.refused == 1);
    worker_queue_destroy (&queue); //  with messages held: freed
    printf ("capacity: bytes and messages bound the queue, refusals counted\n");
}

//  --------------------------------------------------------------------------
//  Answers: the eventfd is readable exactly when answers wait

static void
s_doubler (void *arg)
{
    worker_queue_t *queue = arg;
    while (!worker_queue_closed (queue)) {
        int *job = worker_queue_next (queue, NULL);
        if (!job) {
            worker_queue_wait (queue, INT64_MAX, 1);
            continue;
        }
        job[1] = job[0] * 2; //  the answer, written into the message
        worker_queue_done (queue);
    }
}

//  Waits (at most 5 s) until the queue's fd is readable.
static void
s_wait_readable (worker_queue_t *queue)
{
    struct pollfd item = {worker_queue_fd (queue), POLLIN, 0};
    CHECK (poll (&item, 1, 5000) == 1);
}

static void
s_answers (void)
{
    worker_queue_t *queue = worker_queue_new (64 * WORKER_QUEUE_ROOM (8), 64, true);
    CHECK (queue);
    CHECK (worker_queue_fd (queue) >= 0);
    CHECK (!s_readable (worker_queue_fd (queue)));
    CHECK (!worker_queue_answer (queue, NULL));
    worker_t *worker = worker_new ("zapm-test-ans", s_doubler, queue);
    CHECK (worker);
    for (int round = 0; round < 50; round++) {
        int count = round % 7 + 1;
        for (int i = 0; i < count; i++) {
            int *job = worker_queue_reserve (queue, 2 * sizeof (int));
            CHECK (job);
            job[0] = round * 100 + i;
            job[1] = -1;
            worker_queue_push (queue);
        }
        int taken = 0;
        while (taken < count) {
            s_wait_readable (queue);
            int *job;
            while ((job = worker_queue_answer (queue, NULL))) {
                CHECKF (job[0] == round * 100 + taken, "answer %d out of order", job[0]);
                CHECK (job[1] == job[0] * 2);
                worker_queue_release (queue);
                taken++;
            }
        }
        //  Every answer taken: the fd is not readable until the next one.
        CHECK (!s_readable (worker_queue_fd (queue)));
    }
    //  Answers not taken count against the bound.
    worker_queue_stats_t stats;
    for (int i = 0; i < 64; i++) {
        int *job = worker_queue_reserve (queue, 2 * sizeof (int));
        CHECK (job);
        job[0] = i;
        worker_queue_push (queue);
    }
    s_wait_readable (queue);
    worker_queue_stats (queue, &stats);
    CHECK (stats.messages == 64);
    CHECK (!worker_queue_reserve (queue, 8));
    worker_queue_close (queue);
    worker_destroy (&worker);
    //  The worker is gone: its owner finishes what it left, then takes every answer.
    int *job;
    while ((job = worker_queue_next (queue, NULL))) {
        job[1] = job[0] * 2;
        worker_queue_done (queue);
    }
    int answered = 0;
    while (worker_queue_answer (queue, NULL)) {
        worker_queue_release (queue);
        answered++;
    }
    CHECKF (answered == 64, "%d answered", answered);
    CHECK (!s_readable (worker_queue_fd (queue)));
    worker_queue_destroy (&queue);
    printf ("answers: the eventfd is readable exactly while answers wait\n");
}

//  --------------------------------------------------------------------------
//  Sleeping: no wake-up below what the worker asked for, one past it

typedef struct {
    worker_queue_t *queue;
    _Atomic int wakes;     //  waits that returned
    _Atomic int timeouts;  //  ... because their deadline passed
    int64_t deadline_ns;   //  the deadline of the second wait
    _Atomic bool finished; //  the worker returned
} s_sleeper_t;

static void
s_sleeper (void *arg)
{
    s_sleeper_t *sleeper = arg;
    //  First: wait for 1000 bytes, no deadline.
    worker_queue_wait (sleeper->queue, INT64_MAX, 1000);
    atomic_fetch_add (&sleeper->wakes, 1);
    //  Then: wait for one message, with a deadline and none coming.
    size_t size;
    while (worker_queue_next (sleeper->queue, &size))
        worker_queue_done (sleeper->queue);
    if (!worker_queue_wait (sleeper->queue, sleeper->deadline_ns, 1))
        atomic_fetch_add (&sleeper->timeouts, 1);
    atomic_fetch_add (&sleeper->wakes, 1);
    //  Then: until woken.
    worker_queue_wait (sleeper->queue, INT64_MAX, 1);
    atomic_fetch_add (&sleeper->wakes, 1);
    atomic_store (&sleeper->finished, true);
}

static void
s_sleeping (void)
{
    s_sleeper_t sleeper = {.queue = worker_queue_new (1 << 16, 10000, false)};
    CHECK (sleeper.queue);
    sleeper.deadline_ns = INT64_MAX;
    worker_t *worker = worker_new ("zapm-test-nap", s_sleeper, &sleeper);
    CHECK (worker);
    usleep (50000);
    //  Pushes that stay under 1000 bytes do not wake it.
    for (int i = 0; i < 20; i++)
        s_push_text (sleeper.queue, "0123456789012345678901234567890"); //  40 bytes each
    usleep (100000);
    CHECK (atomic_load (&sleeper.wakes) == 0);
    //  At 1000 bytes, it wakes (once: then it waits for more that never comes).
    int64_t pushed = clock_mono_ns ();
    for (int i = 0; i < 5; i++)
        s_push_text (sleeper.queue, "0123456789012345678901234567890");
    while (atomic_load (&sleeper.wakes) < 1 && clock_mono_ns () - pushed < 5000000000LL)
        usleep (1000);
    usleep (50000);
    CHECK (atomic_load (&sleeper.wakes) == 1);
    worker_queue_close (sleeper.queue); //  ends its other waits
    worker_destroy (&worker);
    CHECK (atomic_load (&sleeper.finished) && atomic_load (&sleeper.wakes) == 3);
    worker_queue_destroy (&sleeper.queue);

    //  The deadline: with its first 1000 bytes queued before it starts, the
    //  worker drains them, then sleeps until its deadline and says so.
    s_sleeper_t timed = {.queue = worker_queue_new (1 << 16, 10000, false)};
    CHECK (timed.queue);
    for (int i = 0; i < 30; i++)
        s_push_text (timed.queue, "0123456789012345678901234567890");
    timed.deadline_ns = clock_mono_ns () + 150 * 1000000LL;
    worker = worker_new ("zapm-test-nap", s_sleeper, &timed);
    CHECK (worker);
    while (atomic_load (&timed.wakes) < 2 && clock_mono_ns () < timed.deadline_ns + 5000000000LL)
        usleep (1000);
    CHECK (atomic_load (&timed.wakes) == 2 && atomic_load (&timed.timeouts) == 1);
    CHECK (clock_mono_ns () >= timed.deadline_ns);
    //  A wake-up ends the last wait, with nothing queued.
    usleep (20000);
    CHECK (atomic_load (&timed.wakes) == 2);
    worker_queue_wake (timed.queue);
    worker_destroy (&worker);
    CHECK (atomic_load (&timed.finished) && atomic_load (&timed.wakes) == 3);
    worker_queue_destroy (&timed.queue);
    printf ("sleeping: no wake-up under the threshold, one past it, deadlines and wakes kept\n");
}

//  --------------------------------------------------------------------------
//  Names and signals

typedef struct {
    char comm[32];     //  /proc/self/task/<tid>/comm as the thread reads it
    sigset_t mask;     //  its signal mask
    pid_t tid;         //  its id
    _Atomic bool seen; //  filled in
} s_self_t;

static void
s_look (void *arg)
{
    s_self_t *look = arg;
    look->tid = gettid ();
    pthread_sigmask (SIG_SETMASK, NULL, &look->mask);
    atomic_store (&look->seen, true);
}

static void
s_names_and_signals (void)
{
    sigset_t before, after;
    pthread_sigmask (SIG_SETMASK, NULL, &before);
    s_self_t look = {.seen = false};
    worker_t *worker = worker_new ("zapm-test-named-too-long", s_look, &look);
    CHECK (worker);
    CHECK (strcmp (worker_name (worker), "zapm-test-named") == 0); //  15 bytes kept
    //  The name is set before worker_new returns: read it while the thread lives.
    char path[64], comm[32] = "";
    while (!atomic_load (&look.seen))
        usleep (1000);
    snprintf (path, sizeof path, "/proc/self/task/%d/comm", (int) look.tid);
    FILE *file = fopen (path, "r");
    if (file) { //  the thread may have ended already; then its name is checked below
        if (fgets (comm, sizeof comm, file))
            comm[strcspn (comm, "\n")] = '\0';
        fclose (file);
        CHECKF (strcmp (comm, "zapm-test-named") == 0, "comm '%s'", comm);
    }
    CHECK (worker_join (worker, 5000));
    worker_destroy (&worker);
    //  Every signal the loop takes is blocked in the worker; faults are not.
    int blocked[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM, SIGQUIT};
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        CHECKF (sigismember (&look.mask, blocked[i]) == 1, "signal %d open", blocked[i]);
    int open[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        CHECKF (sigismember (&look.mask, open[i]) == 0, "fault %d blocked", open[i]);
    //  The caller's own mask is as it was.
    pthread_sigmask (SIG_SETMASK, NULL, &after);
    for (int sig = 1; sig < SIGRTMIN; sig++)
        CHECK (sigismember (&before, sig) == sigismember (&after, sig));

    //  A long-lived worker is found by name among the process's threads.
    worker_queue_t *queue = worker_queue_new (1024, 10, false);
    CHECK (queue);
    s_sleeper_t idle = {.queue = queue, .deadline_ns = INT64_MAX};
    worker = worker_new ("zapm-test-find", s_sleeper, &idle);
    CHECK (worker);
    bool found = false;
    char command[128];
    snprintf (command, sizeof command, "cat /proc/%d/task/*/comm", (int) getpid ());
    FILE *all = popen (command, "r");
    CHECK (all);
    while (fgets (comm, sizeof comm, all))
        found |= strcmp (comm, "zapm-test-find\n") == 0;
    pclose (all);
    CHECK (found);
    worker_queue_close (queue);
    worker_destroy (&worker);
    worker_queue_destroy (&queue);
    printf ("names and signals: named threads, signals blocked but faults, caller's mask kept\n");
}

//  --------------------------------------------------------------------------
//  A clean stop with work pending

typedef struct {
    worker_queue_t *queue;
    _Atomic int handled; //  messages finished by the worker
} s_slow_t;

static void
s_slow (void *arg)
{
    s_slow_t *slow = arg;
    while (!worker_queue_closed (slow->queue)) {
        if (!worker_queue_next (slow->queue, NULL)) {
            worker_queue_wait (slow->queue, INT64_MAX, 1);
            continue;
        }
        usleep (20000); //  a slow job
        worker_queue_done (slow->queue);
        atomic_fetch_add (&slow->handled, 1);
    }
}

static void
s_stop_pending (void)
{
    s_slow_t slow = {.queue = worker_queue_new (100 * WORKER_QUEUE_ROOM (16), 100, true)};
    CHECK (slow.queue);
    worker_t *worker = worker_new ("zapm-test-slow", s_slow, &slow);
    CHECK (worker);
    for (int i = 0; i < 50; i++)
        s_push_text (slow.queue, "a slow job");
    usleep (50000);
    int64_t start = clock_mono_ns ();
    worker_queue_close (slow.queue);
    worker_destroy (&worker); //  after the job in hand, not the other 40-odd
    CHECKF (clock_mono_ns () - start < 1000000000LL, "stop took %lld ns",
            (long long) (clock_mono_ns () - start));
    int handled = atomic_load (&slow.handled);
    CHECKF (handled > 0 && handled < 50, "%d handled", handled);
    //  The owner finishes what the worker left: every message comes back once.
    int left = 0;
    while (worker_queue_next (slow.queue, NULL)) {
        worker_queue_done (slow.queue);
        left++;
    }
    int answered = 0;
    while (worker_queue_answer (slow.queue, NULL)) {
        worker_queue_release (slow.queue);
        answered++;
    }
    CHECKF (handled + left == 50 && answered == 50, "%d + %d, %d answered", handled, left,
            answered);
    worker_queue_stats_t stats;
    worker_queue_stats (slow.queue, &stats);
    CHECK (stats.messages == 0 && stats.bytes == 0);
    worker_queue_destroy (&slow.queue);
    printf ("stop: %d handled before the stop, %d finished by the owner\n", handled, left);
}

//  --------------------------------------------------------------------------
//  The depth is never negative while both sides run

typedef struct {
    worker_queue_t *queue;
    _Atomic bool stop;
    uint64_t capacity;
    _Atomic uint64_t snapshots;
} s_watch_t;

static void *
s_watcher (void *arg)
{
    s_watch_t *watch = arg;
    while (!atomic_load (&watch->stop)) {
        worker_queue_stats_t stats;
        worker_queue_stats (watch->queue, &stats);
        //  Unsigned: a negative depth would be huge.
        CHECKF (stats.bytes <= watch->capacity, "bytes %llu", (unsigned long long) stats.bytes);
        CHECKF (stats.messages <= 64, "messages %llu", (unsigned long long) stats.messages);
        atomic_fetch_add (&watch->snapshots, 1);
    }
    return NULL;
}

static void
s_drainer (void *arg)
{
    worker_queue_t *queue = arg;
    for (;;) {
        if (worker_queue_next (queue, NULL)) {
            worker_queue_done (queue);
            continue;
        }
        if (worker_queue_closed (queue))
            break;
        worker_queue_wait (queue, INT64_MAX, 1);
    }
}

static void
s_depth (void)
{
    s_watch_t watch = {.queue = worker_queue_new (64 * WORKER_QUEUE_ROOM (8), 64, false),
                       .capacity = 64 * WORKER_QUEUE_ROOM (8)};
    CHECK (watch.queue);
    worker_t *worker = worker_new ("zapm-test-drain", s_drainer, watch.queue);
    CHECK (worker);
    pthread_t watcher;
    CHECK (pthread_create (&watcher, NULL, s_watcher, &watch) == 0);
    //  Until both sides have run a while (the watcher may start late).
    for (int i = 0; i < 100000 || atomic_load (&watch.snapshots) < 10000; i++) {
        void *room = worker_queue_reserve (watch.queue, 8);
        if (room) {
            memset (room, 0, 8);
            worker_queue_push (watch.queue);
        }
    }
    worker_queue_close (watch.queue);
    worker_destroy (&worker);
    atomic_store (&watch.stop, true);
    pthread_join (watcher, NULL);
    CHECK (atomic_load (&watch.snapshots) >= 10000);
    worker_queue_destroy (&watch.queue);
    printf ("depth: %llu snapshots while both sides ran, none negative\n",
            (unsigned long long) atomic_load (&watch.snapshots));
}

int
main (void)
{
    s_capacity ();
    s_order ();
    s_answers ();
    s_sleeping ();
    s_names_and_signals ();
    s_stop_pending ();
    s_depth ();
    return CHECK_DONE ();
}
