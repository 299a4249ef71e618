/*  loglimit.h: at most N log lines a window for one kind of event, and a
    summary of what was held back.

    A line per event (an agent joined, an agent left) is what a person reading
    the log wants while events are few, and a flood when a publisher invents
    2,000 identities a second (issue 18: 60 MB of log). A loglimit_t lets the
    first `lines_max` lines of a window through; the rest are counted, and
    when the window is over one summary line says how many were held back:
    "... and 1,234 more agents joined in the last minute". So one kind of
    event costs at most lines_max + 1 lines a window, whatever its rate.

    The window starts at the first event after a quiet one, so an idle
    collector writes nothing. The summary is written by the next allowed
    event after the window, or by loglimit_flush at loglimit_due, so the loop
    can arm a timer and the summary does not wait for the next event.

    A kind whose every line says how many events it stands for ("refused 12
    malformed requests (latest: ...)") is counted instead (LOGLIMIT_COUNTED):
    loglimit_hold counts an event, loglimit_take says how many events the
    line written now stands for, or 0 while the window since the last line
    is open; so that kind costs at most one line a window, and no event goes
    unmentioned. loglimit_count is both, for a line written at the event.

    This is the one home of "at most so many lines": every part's throttled
    line goes through a loglimit_t. collector/gate/include/peerlog.h is its
    cousin, keyed by peer address (see there why it stays apart).

    A plain struct with no allocation and no lock: an instance belongs to one
    thread (most to the loop's; a remote-write sender's and the store
    writer's to those threads), which alone calls its functions.
*/
#ifndef ZAPM_LOGLIMIT_H
#define ZAPM_LOGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

//  Default window: a minute.
#define LOGLIMIT_MINUTE_NS 60000000000LL

typedef struct {
    const char *what;   //  the events, for the summary: "agents joined"
    int64_t window_ns;  //  length of a window
    uint32_t lines_max; //  lines let through per window
    int64_t window_end; //  end of the current window, 0 when none is open
    uint32_t lines;     //  lines let through in the current window
    uint64_t held;      //  events held back in the current window
    uint64_t held_all;  //  events held back since the start
} loglimit_t;

//  A limiter of `lines` lines per `window_ns` for events described by `what`:
//  an initializer, for a static one too (cast it to assign: (loglimit_t) LOGLIMIT_INIT).
#define LOGLIMIT_INIT(what_, lines_, window_ns_)                                                   \
    {                                                                                              \
        .what = (what_), .window_ns = (window_ns_), .lines_max = (lines_)                          \
    }

//  A counted limiter: one line per `window_ns` at most, that line saying how
//  many events it stands for (loglimit_hold, loglimit_take, loglimit_count).
#define LOGLIMIT_COUNTED(window_ns_)                                                               \
    {                                                                                              \
        .what = NULL, .window_ns = (window_ns_), .lines_max = 1                                    \
    }

//  True if the line of an event at `mono_ns` may be written now; false if it
//  is held back (and counted for the summary). Writes the summary of a
//  window that is over first.
bool loglimit_allow (loglimit_t *self, int64_t mono_ns);

//  When a line is due for events held back: for loglimit_flush, the end of
//  the window; for loglimit_take, the end of the window since the last line
//  (1, long past, if there was none). 0 if nothing is held back.
int64_t loglimit_due (const loglimit_t *self);

//  Writes the summary line of the window if it is over at `mono_ns` and held
//  events back, and closes it. Returns true if a line was written.
bool loglimit_flush (loglimit_t *self, int64_t mono_ns);

//  The earlier of two due times where 0 means none (loglimit_due, a timer's
//  next deadline), for a loop timer armed at the first of several.
int64_t loglimit_earlier (int64_t a, int64_t b);

//  Counted limiter: counts `events` events for the next line.
void loglimit_hold (loglimit_t *self, uint64_t events);

//  Counted limiter: if events are held and no line was written in the last
//  window before `mono_ns`, returns how many (the line the caller writes now
//  stands for them) and starts a window; else 0, and the caller writes nothing.
uint64_t loglimit_take (loglimit_t *self, int64_t mono_ns);

//  Counted limiter: loglimit_hold then loglimit_take, for a line written at
//  the event: how many events the line stands for, or 0 to write none.
uint64_t loglimit_count (loglimit_t *self, int64_t mono_ns);

#endif
