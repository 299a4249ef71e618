/*  stats.h: the collector's own counters, exposed at /metrics and in logs.

    Plain integers updated from the one collector thread; nothing to lock.
*/
#ifndef ZAPM_STATS_H
#define ZAPM_STATS_H

#include "validate.h"

#include <stdint.h>

typedef struct {
    uint64_t received;                  //  frames received on the SUB socket
    uint64_t invalid[VALIDATE_REASONS]; //  frames dropped, by reason
    uint64_t series_dropped;            //  valid samples of series past --max-series
    uint64_t lost;                      //  samples missing according to `seq` gaps
    uint64_t events;                    //  events appended to the ring
    uint64_t clients_rejected;          //  /feed requests past --max-clients
    uint64_t resets;                    //  `event: reset` sent to clients
    uint64_t wakes;                     //  batches of suspended clients woken
    uint64_t auth_failed;               //  logins refused (bad header, wrong password)
    uint64_t auth_busy;                 //  logins answered 429: hashing queue full
    uint64_t header_timeouts;           //  connections closed by the header deadline
    uint64_t tls_failed;                //  TLS handshakes that failed (plain HTTP, scanners)
} stats_t;

#endif
