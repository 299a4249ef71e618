/*  loop.h: the collector's event loop, a small reactor over zmq_poll.

    In the spirit of Redis' ae event loop and czmq's zloop: a part registers
    what wakes it (a ZeroMQ socket or a plain fd to read, a timer) with a
    handler and an argument, and the loop calls the handler when that happens. Nothing else
    is polled, so an idle collector sleeps until its next timer.

    One turn of the loop, in this order:
      1. wait in zmq_poll, no longer than the earliest timer and the shortest
         timeout any hook asks for (libmicrohttpd's, for instance);
      2. readers whose socket or fd is readable, in the order they were
         registered;
      3. timers that are due, earliest deadline first, each at most once;
      4. hooks, in the order they were registered, each told whether the
         timeout it asked for has passed (a server that runs last in a turn).
    A handler that returns -1 stops the loop at once: loop_run returns.

    A timer has a period, and is armed at now + period again each time it
    fires (a timer never fires twice in a burst after a slow turn), or no
    period: a one-shot, disarmed until loop_timer_at gives it a deadline and
    after it fires. Any handler may move or disarm any timer: a part whose
    work is pending arms its timer, and needs no timer when idle.

    The number of readers, timers and hooks is fixed (LOOP_*_MAX): registering
    one more returns -1. The loop allocates nothing after loop_new and is used
    from one thread.
*/
#ifndef ZAPM_LOOP_H
#define ZAPM_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define LOOP_READERS_MAX 32
#define LOOP_TIMERS_MAX  16
#define LOOP_HOOKS_MAX   4

typedef struct _loop_t loop_t;

//  A reader's or a timer's handler: returns 0 to go on, -1 to stop the loop.
typedef int (loop_fn) (loop_t *loop, void *arg);

//  A hook's timeout: how long the loop may wait (ms) for it, -1 for no limit.
typedef long (loop_timeout_fn) (void *arg);

//  A hook's handler, at the end of every turn: `due` is true when the timeout
//  the hook gave before the wait has passed. Returns 0, or -1 to stop the loop.
typedef int (loop_hook_fn) (loop_t *loop, bool due, void *arg);

//  Creates an empty loop. Returns NULL if memory is short.
loop_t *loop_new (void);

//  Destroys the loop and sets *self_p to NULL. What it polled stays open.
void loop_destroy (loop_t **self_p);

//  Calls `handler` with `arg` whenever `socket` (a ZeroMQ socket), or `fd`
//  when `socket` is NULL, is readable. Returns 0, or -1 when the loop has
//  LOOP_READERS_MAX readers already.
int loop_reader (loop_t *self, void *socket, int fd, loop_fn *handler, void *arg);

//  Adds a timer that calls `handler` with `arg`. With a `period_ns` > 0 it is
//  armed at once and fires every period; with 0 it is a one-shot, disarmed
//  until loop_timer_at. Returns the timer's id, or -1 when the loop has
//  LOOP_TIMERS_MAX timers already.
int loop_timer (loop_t *self, int64_t period_ns, loop_fn *handler, void *arg);

//  Arms timer `id` to fire at `mono_ns` (clock_mono_ns time; a time already
//  past fires in this turn or the next), or disarms it when `mono_ns` is 0.
//  A periodic timer goes on with its period from there.
void loop_timer_at (loop_t *self, int id, int64_t mono_ns);

//  When timer `id` fires next, 0 when disarmed.
int64_t loop_timer_next (loop_t *self, int id);

//  Adds a hook: before each wait the loop asks `timeout` (may be NULL: no
//  limit), and calls `handler` last in every turn. Returns 0, or -1 when the
//  loop has LOOP_HOOKS_MAX hooks already.
int loop_hook (loop_t *self, loop_timeout_fn *timeout, loop_hook_fn *handler, void *arg);

//  The time (clock_mono_ns) the loop read before calling the timers of this
//  turn: the time a timer's handler runs at.
int64_t loop_now (loop_t *self);

//  Runs turns until a handler returns -1 (returns 0) or zmq_poll fails with
//  another error than EINTR (returns -1, errno set).
int loop_run (loop_t *self);

#endif
