/*  web_stats.h: the web side's counters (the /feed streams and the HTTP port),
    for /metrics.

    Plain integers, written by the loop thread only. The collector owns them;
    the feed, the header deadline, the TLS handshake and the
    history queries' budget (query_budget.h) count into them.
*/
#ifndef ZAPM_WEB_STATS_H
#define ZAPM_WEB_STATS_H

#include <stdint.h>

//  Why a history query was refused (query_budget.h), for
//  zapm_http_query_refused_total{reason}.
typedef enum {
    WEB_REFUSED_BUDGET,          //  answers in flight would pass --query-memory (503)
    WEB_REFUSED_TOO_LARGE,       //  the answer would pass --query-answer-max (413)
    WEB_REFUSED_REPEATED_METRIC, //  a metric named twice (400)
    WEB_REFUSED_REASONS          //  keep last
} web_refused_t;

//  Their label values, by web_refused_t.
#define WEB_REFUSED_NAMES                                                                          \
    {                                                                                              \
        "budget", "too_large", "repeated_metric"                                                   \
    }

typedef struct {
    uint64_t clients_rejected;     //  /feed requests past --max-clients
    uint64_t resets;               //  `event: reset` sent to clients
    uint64_t wakes;                //  batches of suspended clients woken
    uint64_t header_timeouts;      //  connections closed by the header deadline
    uint64_t tls_failed;           //  TLS handshakes that failed (plain HTTP, scanners)
    uint64_t malformed;            //  requests refused with 400 (http.c, "Strictness")
    uint64_t write_timeouts;       //  answers closed for making no progress (--http-write-timeout)
    uint64_t metric_names_refused; //  custom values left off /metrics past --max-metric-names
    uint64_t query_refused[WEB_REFUSED_REASONS]; //  history queries refused, by reason
    uint64_t query_bytes;                        //  bytes answers in flight hold (a gauge)
} web_stats_t;

#endif
