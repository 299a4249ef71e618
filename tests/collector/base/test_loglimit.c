/*  test_loglimit.c: a loglimit_t lets N lines through a window, holds back the
    rest, writes one summary with the count (1,234 grouped) when the window is
    over, and stays quiet when nothing was held. A counted limiter gives one
    line a window whose count covers every event, none lost or twice. The summary goes to stderr,
    which the test captures through a pipe and reads back. */
#include "check.h"
#include "loglimit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S 1000000000LL

//  What the limiter wrote to stderr since the last call.
static int s_pipe[2];

static const char *
s_written (void)
{
    static char text[4096];
    fflush (stderr);
    ssize_t size = read (s_pipe[0], text, sizeof text - 1);
    text[size > 0 ? size : 0] = '\0';
    return text;
}

int
main (void)
{
    CHECK (pipe (s_pipe) == 0);
    CHECK (fcntl (s_pipe[0], F_SETFL, O_NONBLOCK) == 0);
    int saved = dup (2);
    CHECK (dup2 (s_pipe[1], 2) == 2);

    loglimit_t joined = LOGLIMIT_INIT ("agents joined", 3, 60 * S);
    CHECK (loglimit_due (&joined) == 0);
    int allowed = 0;
    for (int i = 0; i < 1237; i++)
        allowed += loglimit_allow (&joined, 100 * S + i);
    CHECK (allowed == 3 && joined.held == 1234);
    CHECK (loglimit_due (&joined) == 160 * S);
    CHECK (!loglimit_flush (&joined, 159 * S)); //  the window is not over
    CHECK (strlen (s_written ()) == 0);
    CHECK (loglimit_flush (&joined, 160 * S));
    const char *text = s_written ();
    CHECKF (strstr (text, "... and 1,234 more agents joined in the last minute"), "%s", text);
    CHECK (loglimit_due (&joined) == 0 && joined.held_all == 1234);
    //  a new window starts at the next event, with its lines again
    CHECK (loglimit_allow (&joined, 500 * S));
    CHECK (!loglimit_flush (&joined, 600 * S)); //  nothing held: no summary
    CHECK (strlen (s_written ()) == 0);
    //  a summary due is written by the next event after the window, too
    loglimit_t left = LOGLIMIT_INIT ("agents left", 1, 10 * S);
    CHECK (loglimit_allow (&left, 1 * S) && !loglimit_allow (&left, 2 * S));
    CHECK (loglimit_allow (&left, 11 * S));
    text = s_written ();
    CHECKF (strstr (text, "... and 1 more agents left in the last 10 s"), "%s", text);

    //  counted: the first event's line at once, then one a window for the rest
    loglimit_t refused = LOGLIMIT_COUNTED (10 * S);
    CHECK (loglimit_due (&refused) == 0 && loglimit_take (&refused, 1 * S) == 0);
    loglimit_hold (&refused, 1); //  held before any line: due at once
    CHECK (loglimit_due (&refused) == 1);
    CHECK (loglimit_take (&refused, 1 * S) == 1);
    uint64_t told = 1, events = 1;
    for (int i = 0; i < 1000; i++) {
        told += loglimit_count (&refused, 2 * S + i * (S / 100)); //  10 s of events
        events++;
    }
    //  the line at 11 s stood for the 901 events since the one at 1 s
    CHECK (told == 902 && refused.held == 99 && told + refused.held == events);
    CHECK (loglimit_due (&refused) == 21 * S);
    CHECK (loglimit_take (&refused, 20 * S) == 0);
    CHECK (loglimit_take (&refused, 21 * S) == 99); //  a timer's line
    CHECK (refused.held == 0 && loglimit_due (&refused) == 0);
    CHECK (loglimit_count (&refused, 22 * S) == 0); //  a line at 21 s: wait until 31 s
    CHECK (loglimit_count (&refused, 31 * S) == 2);
    CHECK (strlen (s_written ()) == 0); //  the caller writes its lines

    dup2 (saved, 2);
    return CHECK_DONE ();
}
