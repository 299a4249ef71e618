/*  loop.c: the collector's event loop (see loop.h).

    Fixed arrays, no allocation after loop_new: the collector registers about
    ten readers and as many timers, so finding the next timer is a scan of a
    few entries, cheaper than keeping a heap in order (Redis' ae scans a list too).

    The readers' zmq_pollitem_t array is the one handed to zmq_poll, so a turn
    builds nothing. A timer remembers the turn it last fired in: a handler
    that moves a timer to a deadline already past cannot make the turn spin.
*/
#include "loop.h"
#include "clock.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <zmq.h>

typedef struct {
    loop_fn *handler; //  called when readable
    void *arg;        //  its argument
} s_reader_t;

typedef struct {
    int64_t period;   //  ns between firings, 0 for a one-shot
    int64_t when;     //  next firing (clock_mono_ns), 0 when disarmed
    uint64_t turn;    //  the turn it last fired in
    loop_fn *handler; //  called when due
    void *arg;        //  its argument
} s_timer_t;

typedef struct {
    loop_timeout_fn *timeout; //  asked before each wait, or NULL
    loop_hook_fn *handler;    //  called at the end of each turn
    void *arg;                //  both's argument
    long asked;               //  what `timeout` said before this turn's wait
} s_hook_t;

struct _loop_t {
    zmq_pollitem_t items[LOOP_READERS_MAX]; //  what zmq_poll waits on
    s_reader_t readers[LOOP_READERS_MAX];   //  their handlers, by the same index
    size_t reader_count;                    //  readers registered
    s_timer_t timers[LOOP_TIMERS_MAX];      //  timers, by id
    size_t timer_count;                     //  timers registered
    s_hook_t hooks[LOOP_HOOKS_MAX];         //  hooks, in order
    size_t hook_count;                      //  hooks registered
    uint64_t turn;                          //  turns started
    int64_t now;                            //  when this turn's timers were checked
};

loop_t *
loop_new (void)
{
    loop_t *self = calloc (1, sizeof *self);
    if (self)
        self->now = clock_mono_ns ();
    return self;
}

void
loop_destroy (loop_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

int
loop_reader (loop_t *self, void *socket, int fd, loop_fn *handler, void *arg)
{
    assert (self);
    assert (handler);
    assert (socket || fd >= 0);
    if (self->reader_count == LOOP_READERS_MAX)
        return -1;
    self->items[self->reader_count] = (zmq_pollitem_t){socket, fd, ZMQ_POLLIN, 0};
    self->readers[self->reader_count++] = (s_reader_t){handler, arg};
    return 0;
}

int
loop_timer (loop_t *self, int64_t period_ns, loop_fn *handler, void *arg)
{
    assert (self);
    assert (handler);
    assert (period_ns >= 0);
    if (self->timer_count == LOOP_TIMERS_MAX)
        return -1;
    int64_t when = period_ns > 0 ? clock_mono_ns () + period_ns : 0;
    self->timers[self->timer_count] = (s_timer_t){period_ns, when, 0, handler, arg};
    return (int) self->timer_count++;
}

void
loop_timer_at (loop_t *self, int id, int64_t mono_ns)
{
    assert (self);
    assert (id >= 0 && (size_t) id < self->timer_count);
    assert (mono_ns >= 0);
    self->timers[id].when = mono_ns;
}

int64_t
loop_timer_next (loop_t *self, int id)
{
    assert (self);
    assert (id >= 0 && (size_t) id < self->timer_count);
    return self->timers[id].when;
}

int
loop_hook (loop_t *self, loop_timeout_fn *timeout, loop_hook_fn *handler, void *arg)
{
    assert (self);
    assert (handler);
    if (self->hook_count == LOOP_HOOKS_MAX)
        return -1;
    self->hooks[self->hook_count++] = (s_hook_t){timeout, handler, arg, -1};
    return 0;
}

int64_t
loop_now (loop_t *self)
{
    assert (self);
    return self->now;
}

//  How long zmq_poll may wait (ms, -1: no limit): until the earliest timer, a
//  deadline rounded up so that the timer is due when the wait ends, and no
//  longer than any hook allows.
static long
s_wait_ms (loop_t *self, int64_t now)
{
    int64_t earliest = 0;
    for (size_t i = 0; i < self->timer_count; i++) {
        int64_t when = self->timers[i].when;
        if (when && (!earliest || when < earliest))
            earliest = when;
    }
    long wait = -1;
    if (earliest) {
        int64_t ms = earliest <= now ? 0 : (earliest - now + 999999) / 1000000;
        wait = ms > 3600000 ? 3600000 : (long) ms;
    }
    for (size_t i = 0; i < self->hook_count; i++) {
        s_hook_t *hook = &self->hooks[i];
        hook->asked = hook->timeout ? hook->timeout (hook->arg) : -1;
        if (hook->asked >= 0 && (wait < 0 || hook->asked < wait))
            wait = hook->asked;
    }
    return wait;
}

//  Calls the readable readers' handlers in order; -1 when one stopped the loop.
static int
s_run_readers (loop_t *self)
{
    for (size_t i = 0; i < self->reader_count; i++)
        if ((self->items[i].revents & ZMQ_POLLIN) &&
            self->readers[i].handler (self, self->readers[i].arg) < 0)
            return -1;
    return 0;
}

//  Fires the due timers, earliest first, each at most once in this turn; -1
//  when one stopped the loop.
static int
s_run_timers (loop_t *self)
{
    self->now = clock_mono_ns ();
    for (;;) {
        s_timer_t *next = NULL;
        for (size_t i = 0; i < self->timer_count; i++) {
            s_timer_t *timer = &self->timers[i];
            if (timer->when && timer->when <= self->now && timer->turn != self->turn &&
                (!next || timer->when < next->when))
                next = timer;
        }
        if (!next)
            return 0;
        next->turn = self->turn;
        next->when = next->period ? self->now + next->period : 0;
        if (next->handler (self, next->arg) < 0)
            return -1;
    }
}

//  Calls every hook, telling each whether its timeout passed since `waited_at`.
static int
s_run_hooks (loop_t *self, int64_t waited_at)
{
    int64_t waited = clock_mono_ns () - waited_at;
    for (size_t i = 0; i < self->hook_count; i++) {
        s_hook_t *hook = &self->hooks[i];
        bool due = hook->asked >= 0 && waited >= (int64_t) hook->asked * 1000000;
        if (hook->handler (self, due, hook->arg) < 0)
            return -1;
    }
    return 0;
}

int
loop_run (loop_t *self)
{
    assert (self);
    for (;;) {
        self->turn++;
        int64_t now = clock_mono_ns ();
        long wait = s_wait_ms (self, now);
        if (zmq_poll (self->items, (int) self->reader_count, wait) < 0) {
            if (errno != EINTR)
                return -1;
            for (size_t i = 0; i < self->reader_count; i++)
                self->items[i].revents = 0;
        }
        if (s_run_readers (self) < 0 || s_run_timers (self) < 0 || s_run_hooks (self, now) < 0)
            return 0;
    }
}
