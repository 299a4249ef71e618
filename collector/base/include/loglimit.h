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

    A plain struct with no allocation, set with LOGLIMIT_INIT; used from one
    thread (the loop's). collector/gate/include/peerlog.h is its cousin,
    keyed by peer address.
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

//  True if the line of an event at `mono_ns` may be written now; false if it
//  is held back (and counted for the summary). Writes the summary of a
//  window that is over first.
bool loglimit_allow (loglimit_t *self, int64_t mono_ns);

//  When loglimit_flush has a summary to write: the end of the window if
//  events were held back in it, else 0.
int64_t loglimit_due (const loglimit_t *self);

//  Writes the summary line of the window if it is over at `mono_ns` and held
//  events back, and closes it. Returns true if a line was written.
bool loglimit_flush (loglimit_t *self, int64_t mono_ns);

#endif
