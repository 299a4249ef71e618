/*  collector.h: the zapm collector, one loop thread plus the workers of its parts.

    Wires the parts together along the data flow:
        SUB frame -> validate -> series state -> framed once into the ring
                  -> woken SSE clients copy it out
                  (and the store's queue, --forward, --remote-write)
    and runs the loop (loop.h) that each part registers its sockets, fds and
    timers with. Every part runs on the loop's thread; what would block it
    runs on worker threads that parts own: the store's writer and query
    threads, the password hasher (--users) and one sender per --remote-write
    URL (docs/ARCHITECTURE.md lists every thread).
*/
#ifndef ZAPM_COLLECTOR_H
#define ZAPM_COLLECTOR_H

#include "config.h"

typedef struct _collector_t collector_t;

//  Binds the SUB socket and starts the web server. Returns NULL, having logged
//  why, if either cannot start.
collector_t *collector_new (const config_t *config);

//  Destroys the collector and sets *self_p to NULL.
void collector_destroy (collector_t **self_p);

//  Runs until SIGINT or SIGTERM, then ends every stream and returns the exit
//  status (0 on a clean stop).
int collector_run (collector_t *self);

#endif
