/*  worker.h: the collector's background threads, and the one way the loop
    hands them work.

    The collector serves from one loop thread. What would stall it runs on a
    worker (the store's writer and its queries, the password hasher, each
    remote-write sender), as Redis hands slow jobs to its background I/O threads (bio):

    - worker_t is a named thread (`zapm-store`, `zapm-query`, `zapm-auth`,
      `zapm-rw-N`, as top -H and /proc/PID/task/TID/comm show them) that
      starts with every asynchronous signal blocked, so the loop thread is the
      only one that takes SIGINT, SIGTERM, SIGHUP or SIGPIPE. (Faults, SIGSEGV
      and the like, stay unblocked: they belong to the thread that caused
      them.) docs/ARCHITECTURE.md lists every thread.

    - worker_queue_t is the hand-off: a bounded ring of messages from the loop
      (one producer) to one worker, with a capacity in bytes and in messages
      and a counter of the messages it refused because it was full. A push
      never blocks, takes no lock and makes no system call unless the worker
      sleeps waiting for that push; the worker sleeps on a condition variable
      until the queue holds as much as it asked for, a deadline of its own, or
      a wake-up (stop, flush), and never polls. A queue made `with answers`
      keeps each message after the worker is done with it, with the worker's
      answer written into it, until the loop takes it; an eventfd tells the
      loop's poll that answers wait. A message is built in place
      (worker_queue_reserve) and read in place, so nothing is copied twice.

    Threads: worker_queue_reserve, _push, _answer and _release on the loop
    (the one producer); _next, _done and _wait on the worker (the one
    consumer; once the worker has been joined, its owner may call them to
    finish what it left); _wake, _close, _closed and _stats anywhere.
*/
#ifndef ZAPM_WORKER_H
#define ZAPM_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  --------------------------------------------------------------------------
//  Threads

typedef struct _worker_t worker_t;

//  What a worker runs; it returns when its work is over (its queue closed).
typedef void (worker_main_fn) (void *arg);

//  Starts a thread that runs main (arg), named `name` (at most 15 bytes are
//  kept: "zapm-..."), with every signal but the synchronous faults blocked.
//  Returns NULL, with errno set, if the thread cannot start.
worker_t *worker_new (const char *name, worker_main_fn *main, void *arg);

//  Waits at most `timeout_ms` (< 0: for ever) for the thread to return.
//  Returns true once it has (then worker_destroy does not wait).
bool worker_join (worker_t *self, int timeout_ms);

//  Waits for the thread to return (tell it to first, e.g. worker_queue_close)
//  and frees it. Nullifies *self_p; harmless on NULL.
void worker_destroy (worker_t **self_p);

//  The thread's name.
const char *worker_name (worker_t *self);

//  --------------------------------------------------------------------------
//  The hand-off queue

typedef struct _worker_queue_t worker_queue_t;

//  Bytes a message of `size` bytes takes in a queue (header and alignment).
#define WORKER_QUEUE_ROOM(size) (8 + (((size_t) (size) + 7) & ~(size_t) 7))

//  A snapshot of a queue, for /metrics and logs. Never negative: a message
//  counts from its push until it is released.
typedef struct {
    uint64_t messages; //  messages held (waiting, in work, or answered and not taken)
    uint64_t bytes;    //  bytes they hold (WORKER_QUEUE_ROOM each, and wrap padding)
    uint64_t pushed;   //  messages pushed so far
    uint64_t refused;  //  messages refused because the queue was full
} worker_queue_stats_t;

//  Creates a queue of `capacity` bytes (at least the room of its largest
//  message; rounded up to a multiple of 8) holding at most `max_messages`.
//  Messages of one size never waste room when `capacity` is a multiple of
//  their WORKER_QUEUE_ROOM. With `answers`, worker_queue_done hands a message
//  back to the loop (worker_queue_answer, worker_queue_fd) instead of freeing
//  it. Returns NULL if memory or file descriptors ran out.
worker_queue_t *worker_queue_new (size_t capacity, uint32_t max_messages, bool answers);

//  Frees the queue and what it holds; no thread may use it any more.
//  Nullifies *self_p; harmless on NULL.
void worker_queue_destroy (worker_queue_t **self_p);

//  Loop: room for a message of `size` bytes, 8-byte aligned, to fill in and
//  then push (only one may be reserved at a time). Returns NULL when the queue
//  is full (counted as refused) or closed (not counted).
void *worker_queue_reserve (worker_queue_t *self, size_t size);

//  Loop: hands the reserved message to the worker, waking it if it sleeps
//  waiting for this much work.
void worker_queue_push (worker_queue_t *self);

//  Worker: the oldest message it has not finished (its size in *size), or
//  NULL if there is none. The same message until worker_queue_done.
void *worker_queue_next (worker_queue_t *self, size_t *size);

//  Worker: finishes the message worker_queue_next returned: frees it, or, in
//  a queue with answers, hands it back to the loop (its fd becomes readable
//  if the loop had taken every answer before).
void worker_queue_done (worker_queue_t *self);

//  Worker: sleeps until the queue holds at least `wake_bytes` bytes it has
//  not finished (1: any message; more than half the capacity counts as half,
//  so that a large wait ends before the queue is full; `deadline_ns` is what
//  bounds it when messages are large against the capacity), until
//  `deadline_ns` (clock_mono_ns; INT64_MAX for none), or until
//  worker_queue_wake or worker_queue_close. Returns false if it returned
//  because the deadline passed.
bool worker_queue_wait (worker_queue_t *self, int64_t deadline_ns, size_t wake_bytes);

//  Loop, queue with answers: the oldest answered message (its size in *size),
//  or NULL if none waits (then the fd is armed: it becomes readable with the
//  next answer). The same message until worker_queue_release.
void *worker_queue_answer (worker_queue_t *self, size_t *size);

//  Loop: frees the message worker_queue_answer returned.
void worker_queue_release (worker_queue_t *self);

//  The eventfd that is readable when answers wait (poll it for reading, then
//  take them all with worker_queue_answer); -1 in a queue without answers.
int worker_queue_fd (worker_queue_t *self);

//  Any thread: ends the worker's current or next worker_queue_wait at once.
void worker_queue_wake (worker_queue_t *self);

//  Any thread: refuses later pushes and wakes the worker, which should finish
//  (what it finishes is its own choice) and return.
void worker_queue_close (worker_queue_t *self);

//  True once worker_queue_close was called.
bool worker_queue_closed (worker_queue_t *self);

//  Any thread: fills *stats.
void worker_queue_stats (worker_queue_t *self, worker_queue_stats_t *stats);

#endif
