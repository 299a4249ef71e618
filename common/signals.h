/*  signals.h: how every zapm program stops and reloads, one way for all.

    SIGINT and SIGTERM ask for a stop, SIGHUP for a reload (where the program
    has something to reload); SIGPIPE and SIGXFSZ are ignored, so a closed
    socket or a file past its size limit is an error the code sees, not a
    death. A handler only sets a flag and writes a byte to a pipe, so a program
    blocked in poll wakes at once and acts on the flag in its own loop.
    Threads other than the main one block every signal (the collector's
    workers), so the handler always runs on the loop.
*/
#ifndef ZAPM_SIGNALS_H
#define ZAPM_SIGNALS_H

#include <stdbool.h>

//  Catches SIGINT and SIGTERM (stop), and SIGHUP (reload) when `reload` is
//  set, and ignores SIGPIPE. A caught signal sets a flag and makes
//  signals_fd readable, so a program blocked in poll wakes at once.
//  Returns false with errno set if the pipe behind the fd cannot be made.
bool signals_catch (bool reload);

//  True once SIGINT or SIGTERM has arrived.
bool signals_stop_requested (void);

//  True once for each SIGHUP (or several close together) since the last call.
bool signals_take_reload (void);

//  A descriptor that is readable after a caught signal; signals_drain
//  empties it. -1 before signals_catch.
int signals_fd (void);
void signals_drain (void);

#endif
