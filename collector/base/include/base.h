/*  base.h: the collector's toolbox, the face of collector/base/.

    Small classes every part of the collector uses and none owns: the log
    (log.h), the Prometheus text writer (prom_text.h) and checked ZeroMQ
    socket options (sockopt.h). base/ depends on nothing else of the
    collector; it takes nothing in and hands nothing out, and owns no thread.
*/
#ifndef ZAPM_BASE_H
#define ZAPM_BASE_H

#include "log.h"
#include "prom_text.h"
#include "sockopt.h"

#endif
