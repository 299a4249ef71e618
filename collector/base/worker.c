/*  worker.c: named threads with one signal policy, and their hand-off queue
    (see worker.h).

    The queue is a byte ring with three positions that only grow: `tail`
    (the loop pushed up to here), `done` (the worker finished up to here) and
    `head` (freed up to here; equal to `done` in a queue without answers,
    moved by the loop's release in one with answers). Each is written by one
    thread only, so no read-modify-write is needed. A message is a header
    (its size) and its bytes, 8-aligned and contiguous: one that would cross
    the end of the buffer starts at its beginning instead, behind a wrap mark.

    Sleeping without polling and without a system call per push is the one
    delicate part. The worker, under the mutex, says how much work it waits
    for (`wake_bytes`), sets `waiting`, looks at `tail` once more, and only
    then sleeps on the condition variable. The loop stores `tail` and then
    reads `waiting`. Both pairs are sequentially consistent, so at least one
    side sees the other's store: either the worker sees the new message and
    does not sleep, or the loop sees `waiting` and signals (taking the mutex,
    which the worker holds until it sleeps). While the worker is busy or has
    asked for more than is queued, a push costs two atomic stores and a load.
    Answers go back the same way: the loop arms the eventfd (`armed`) when it
    has taken every answer, and the worker writes the eventfd only when it
    finds it armed.

    A depth computed from two positions is read older position first (head,
    then tail; freed, then pushed): the older one cannot overtake a newer
    value of the other, so the difference is never negative.
*/
#include "worker.h"
#include "clock.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

//  --------------------------------------------------------------------------
//  Threads

struct _worker_t {
    pthread_t thread;     //  the thread
    char name[16];        //  its name (the kernel keeps 15 bytes)
    worker_main_fn *main; //  what it runs
    void *arg;            //  main's argument
    bool joined;          //  it has returned and was joined
};

static void *
s_start (void *arg)
{
    worker_t *self = arg;
    self->main (self->arg);
    return NULL;
}

worker_t *
worker_new (const char *name, worker_main_fn *main, void *arg)
{
    assert (name);
    assert (main);
    worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->name, sizeof self->name, "%s", name);
    self->main = main;
    self->arg = arg;
    //  The thread inherits the mask in force when it is created, so it never
    //  runs a moment with signals open. Faults stay open: they go to the
    //  thread that caused them, whatever the mask (blocked, they kill the
    //  process without a handler's report).
    sigset_t all, old;
    sigfillset (&all);
    int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        sigdelset (&all, faults[i]);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    int rc = pthread_create (&self->thread, NULL, s_start, self);
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (rc) {
        free (self);
        errno = rc;
        return NULL;
    }
    pthread_setname_np (self->thread, self->name);
    return self;
}

bool
worker_join (worker_t *self, int timeout_ms)
{
    assert (self);
    if (self->joined)
        return true;
    if (timeout_ms < 0)
        self->joined = pthread_join (self->thread, NULL) == 0;
    else {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        int64_t ns = until.tv_nsec + (int64_t) timeout_ms * 1000000;
        until.tv_sec += ns / 1000000000;
        until.tv_nsec = ns % 1000000000;
        self->joined = pthread_timedjoin_np (self->thread, NULL, &until) == 0;
    }
    return self->joined;
}

void
worker_destroy (worker_t **self_p)
{
    assert (self_p);
    worker_t *self = *self_p;
    if (!self)
        return;
    worker_join (self, -1);
    free (self);
    *self_p = NULL;
}

const char *
worker_name (worker_t *self)
{
    assert (self);
    return self->name;
}

//  --------------------------------------------------------------------------
//  The hand-off queue

//  A message's header; a wrap mark says the message starts at the buffer's beginning.
typedef struct {
    uint32_t size;  //  the message's bytes
    uint32_t flags; //  S_WRAP, or 0
} s_header_t;

#define S_WRAP 1u

struct _worker_queue_t {
    //  Fixed at creation.
    uint8_t *ring;         //  the buffer
    uint64_t capacity;     //  its size, a multiple of 8
    uint32_t max_messages; //  messages held at most
    bool answers;          //  done messages go back to the loop
    int event_fd;          //  answers wait (with answers), else -1
    //  Written by the loop (the producer).
    _Alignas(64) _Atomic uint64_t tail; //  end of what was pushed
    _Atomic uint64_t pushed;            //  messages pushed
    _Atomic uint64_t refused;           //  messages refused: full
    uint64_t head_seen;                 //  a recent `head`: the room is at least this much
    uint64_t freed_seen;                //  a recent `freed`
    uint64_t reserved_at;               //  the reserved message's header
    uint64_t reserved_end;              //  ... and its end
    uint64_t answer_at;                 //  the message worker_queue_answer returned
    uint64_t answer_end;                //  ... and its end, 0 if none
    //  Written by the worker (the consumer).
    _Alignas(64) _Atomic uint64_t done; //  end of what the worker finished
    uint64_t next_at;                   //  the message worker_queue_next returned
    uint64_t next_end;                  //  ... and its end, 0 if none
    //  Written by whoever frees: the worker, or the loop in a queue with answers.
    _Alignas(64) _Atomic uint64_t head; //  end of what was freed
    _Atomic uint64_t freed;             //  messages freed
    //  Sleeping and waking.
    _Alignas(64) pthread_mutex_t lock; //  held to sleep and to signal
    pthread_cond_t wake;               //  the worker sleeps on it (CLOCK_MONOTONIC)
    _Atomic bool waiting;              //  the worker sleeps until `wake_bytes` are queued
    _Atomic uint64_t wake_bytes;       //  ... that many
    bool woken;                        //  worker_queue_wake was called (under `lock`)
    _Atomic bool closed;               //  pushes are refused; the worker should stop
    _Atomic bool armed;                //  the loop waits for the eventfd
};

worker_queue_t *
worker_queue_new (size_t capacity, uint32_t max_messages, bool answers)
{
    worker_queue_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->capacity = ((uint64_t) capacity + 7) & ~(uint64_t) 7;
    self->max_messages = max_messages;
    self->answers = answers;
    self->event_fd = answers ? eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
    self->ring = self->capacity >= WORKER_QUEUE_ROOM (0) ? malloc (self->capacity) : NULL;
    atomic_init (&self->armed, true);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->wake, &attr);
    pthread_condattr_destroy (&attr);
    pthread_mutex_init (&self->lock, NULL);
    if (!self->ring || (answers && self->event_fd < 0) || max_messages == 0) {
        worker_queue_destroy (&self);
        return NULL;
    }
    return self;
}

void
worker_queue_destroy (worker_queue_t **self_p)
{
    assert (self_p);
    worker_queue_t *self = *self_p;
    if (!self)
        return;
    free (self->ring); //  a user whose messages hold secrets wipes them first
    if (self->event_fd >= 0)
        close (self->event_fd);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

static s_header_t *
s_header (worker_queue_t *self, uint64_t at)
{
    return (s_header_t *) (void *) (self->ring + at % self->capacity);
}

static void
s_refuse (worker_queue_t *self)
{
    uint64_t refused = atomic_load_explicit (&self->refused, memory_order_relaxed);
    atomic_store_explicit (&self->refused, refused + 1, memory_order_relaxed);
}

void *
worker_queue_reserve (worker_queue_t *self, size_t size)
{
    assert (self);
    if (atomic_load_explicit (&self->closed, memory_order_relaxed))
        return NULL;
    if (size > UINT32_MAX - 8) {
        s_refuse (self);
        return NULL;
    }
    uint64_t room = WORKER_QUEUE_ROOM (size);
    uint64_t tail = atomic_load_explicit (&self->tail, memory_order_relaxed);
    uint64_t offset = tail % self->capacity;
    uint64_t skip = offset + room > self->capacity ? self->capacity - offset : 0;
    uint64_t end = tail + skip + room;
    if (end - self->head_seen > self->capacity) {
        self->head_seen = atomic_load_explicit (&self->head, memory_order_acquire);
        if (end - self->head_seen > self->capacity) {
            s_refuse (self);
            return NULL;
        }
    }
    uint64_t pushed = atomic_load_explicit (&self->pushed, memory_order_relaxed);
    if (pushed - self->freed_seen >= self->max_messages) {
        self->freed_seen = atomic_load_explicit (&self->freed, memory_order_acquire);
        if (pushed - self->freed_seen >= self->max_messages) {
            s_refuse (self);
            return NULL;
        }
    }
    if (skip)
        *s_header (self, tail) = (s_header_t){0, S_WRAP};
    *s_header (self, tail + skip) = (s_header_t){(uint32_t) size, 0};
    self->reserved_at = tail + skip;
    self->reserved_end = end;
    return self->ring + (tail + skip) % self->capacity + sizeof (s_header_t);
}

//  Signals the worker if it sleeps waiting for no more than is queued now.
static void
s_nudge (worker_queue_t *self, uint64_t tail)
{
    uint64_t done = atomic_load_explicit (&self->done, memory_order_relaxed);
    if (tail - done < atomic_load_explicit (&self->wake_bytes, memory_order_relaxed))
        return; //  it asked for more; its deadline or a later push wakes it
    pthread_mutex_lock (&self->lock);
    if (atomic_load (&self->waiting)) {
        atomic_store (&self->waiting, false);
        pthread_cond_signal (&self->wake);
    }
    pthread_mutex_unlock (&self->lock);
}

void
worker_queue_push (worker_queue_t *self)
{
    assert (self);
    assert (self->reserved_end);
    uint64_t end = self->reserved_end;
    self->reserved_end = 0;
    uint64_t pushed = atomic_load_explicit (&self->pushed, memory_order_relaxed);
    atomic_store_explicit (&self->pushed, pushed + 1, memory_order_relaxed);
    atomic_store (&self->tail, end); //  sequentially consistent: see the top comment
    if (atomic_load (&self->waiting))
        s_nudge (self, end);
}

//  The message whose header is at *at, skipping a wrap mark; sets *at to its
//  header, *end to its end and *size to its size.
static void *
s_message (worker_queue_t *self, uint64_t *at, uint64_t *end, size_t *size)
{
    s_header_t *header = s_header (self, *at);
    if (header->flags & S_WRAP) {
        *at += self->capacity - *at % self->capacity;
        header = s_header (self, *at);
    }
    *end = *at + WORKER_QUEUE_ROOM (header->size);
    if (size)
        *size = header->size;
    return (uint8_t *) header + sizeof *header;
}

void *
worker_queue_next (worker_queue_t *self, size_t *size)
{
    assert (self);
    uint64_t at = atomic_load_explicit (&self->done, memory_order_relaxed);
    if (!self->next_end && at == atomic_load_explicit (&self->tail, memory_order_acquire))
        return NULL;
    self->next_at = at;
    return s_message (self, &self->next_at, &self->next_end, size);
}

void
worker_queue_done (worker_queue_t *self)
{
    assert (self);
    assert (self->next_end);
    uint64_t end = self->next_end;
    self->next_end = 0;
    if (self->answers) {
        atomic_store (&self->done, end); //  sequentially consistent: see the top comment
        if (atomic_load (&self->armed) && atomic_exchange (&self->armed, false)) {
            uint64_t one = 1;
            if (write (self->event_fd, &one, sizeof one) < 0) {
                //  The counter is full, so the fd is readable: nothing is lost.
            }
        }
        return;
    }
    atomic_store_explicit (&self->done, end, memory_order_relaxed);
    atomic_store_explicit (&self->head, end, memory_order_release);
    uint64_t freed = atomic_load_explicit (&self->freed, memory_order_relaxed);
    atomic_store_explicit (&self->freed, freed + 1, memory_order_release);
}

bool
worker_queue_wait (worker_queue_t *self, int64_t deadline_ns, size_t wake_bytes)
{
    assert (self);
    //  More than half the buffer might never be queued at once: the loop
    //  would be refused before it signals.
    uint64_t want = wake_bytes < 1 ? 1 : wake_bytes;
    if (want > self->capacity / 2)
        want = self->capacity / 2;
    bool timed_out = false;
    pthread_mutex_lock (&self->lock);
    while (!self->woken && !atomic_load (&self->closed)) {
        atomic_store (&self->wake_bytes, want);
        atomic_store (&self->waiting, true); //  then look once more: see the top comment
        uint64_t queued =
            atomic_load (&self->tail) - atomic_load_explicit (&self->done, memory_order_relaxed);
        if (queued >= want)
            break;
        if (clock_mono_ns () >= deadline_ns) {
            timed_out = true;
            break;
        }
        if (deadline_ns == INT64_MAX)
            pthread_cond_wait (&self->wake, &self->lock);
        else {
            struct timespec until = {.tv_sec = deadline_ns / 1000000000,
                                     .tv_nsec = deadline_ns % 1000000000};
            pthread_cond_timedwait (&self->wake, &self->lock, &until);
        }
    }
    atomic_store (&self->waiting, false);
    self->woken = false;
    pthread_mutex_unlock (&self->lock);
    return !timed_out;
}

void *
worker_queue_answer (worker_queue_t *self, size_t *size)
{
    assert (self);
    assert (self->answers);
    if (self->answer_end)
        return self->ring + self->answer_at % self->capacity + sizeof (s_header_t);
    uint64_t at = atomic_load_explicit (&self->head, memory_order_relaxed);
    if (at == atomic_load_explicit (&self->done, memory_order_acquire)) {
        //  None: reset the fd, arm it, and look once more (see the top comment).
        uint64_t count;
        if (read (self->event_fd, &count, sizeof count) < 0) {
            //  EAGAIN: it was not readable.
        }
        atomic_store (&self->armed, true);
        if (at == atomic_load (&self->done))
            return NULL;
    }
    self->answer_at = at;
    return s_message (self, &self->answer_at, &self->answer_end, size);
}

void
worker_queue_release (worker_queue_t *self)
{
    assert (self);
    assert (self->answer_end);
    atomic_store_explicit (&self->head, self->answer_end, memory_order_release);
    uint64_t freed = atomic_load_explicit (&self->freed, memory_order_relaxed);
    atomic_store_explicit (&self->freed, freed + 1, memory_order_release);
    self->answer_end = 0;
}

int
worker_queue_fd (worker_queue_t *self)
{
    assert (self);
    return self->event_fd;
}

void
worker_queue_wake (worker_queue_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    self->woken = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
}

void
worker_queue_close (worker_queue_t *self)
{
    assert (self);
    atomic_store (&self->closed, true);
    worker_queue_wake (self);
}

bool
worker_queue_closed (worker_queue_t *self)
{
    assert (self);
    return atomic_load (&self->closed);
}

void
worker_queue_stats (worker_queue_t *self, worker_queue_stats_t *stats)
{
    assert (self);
    //  The older positions first: see the top comment. Read again after the
    //  newer one, unchanged, the older held when the newer was read, so the pair
    //  is one moment's and the depth also within the bounds, from any thread (a
    //  stale `head` with a later `tail` could exceed the capacity).
    uint64_t freed, pushed, head, tail;
    do {
        freed = atomic_load_explicit (&self->freed, memory_order_acquire);
        pushed = atomic_load_explicit (&self->pushed, memory_order_acquire);
    } while (freed != atomic_load_explicit (&self->freed, memory_order_acquire));
    do {
        head = atomic_load_explicit (&self->head, memory_order_acquire);
        tail = atomic_load_explicit (&self->tail, memory_order_acquire);
    } while (head != atomic_load_explicit (&self->head, memory_order_acquire));
    stats->messages = pushed - freed;
    stats->bytes = tail - head;
    stats->pushed = pushed;
    stats->refused = atomic_load_explicit (&self->refused, memory_order_relaxed);
}
