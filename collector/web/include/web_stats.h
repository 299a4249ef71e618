/*  web_stats.h: the web side's counters (the /feed streams and the HTTP port),
    for /metrics.

    Plain integers, written by the loop thread only. The collector owns them;
    the feed, the header deadline and the TLS handshake count into them.
*/
#ifndef ZAPM_WEB_STATS_H
#define ZAPM_WEB_STATS_H

#include <stdint.h>

typedef struct {
    uint64_t clients_rejected;     //  /feed requests past --max-clients
    uint64_t resets;               //  `event: reset` sent to clients
    uint64_t wakes;                //  batches of suspended clients woken
    uint64_t header_timeouts;      //  connections closed by the header deadline
    uint64_t tls_failed;           //  TLS handshakes that failed (plain HTTP, scanners)
    uint64_t malformed;            //  requests refused with 400 (http.c, "Strictness")
    uint64_t write_timeouts;       //  answers closed for making no progress (--http-write-timeout)
    uint64_t metric_names_refused; //  custom values left off /metrics past --max-metric-names
} web_stats_t;

#endif
