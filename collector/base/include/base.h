/*  base.h: the collector's toolbox, the face of collector/base/.

    Small classes every part of the collector uses and none owns: the log
    (log.h) and the rate limit of its per-event lines (loglimit.h), the
    Prometheus text writer (prom_text.h), checked ZeroMQ socket options
    (sockopt.h), the event loop the parts register their
    sockets, fds and timers with (loop.h), and the workers (worker.h): the
    one way a part starts a thread (named, signals blocked) and hands it work
    (a bounded queue, an eventfd back to the loop). base/ depends on nothing
    else of the collector; it takes nothing in and hands nothing out, and
    owns no thread itself: the parts own the workers they start.
*/
#ifndef ZAPM_BASE_H
#define ZAPM_BASE_H

#include "log.h"
#include "loglimit.h"
#include "loop.h"
#include "prom_text.h"
#include "sockopt.h"
#include "worker.h"

#endif
