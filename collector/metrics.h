/*  metrics.h: /metrics, the Prometheus text exposition (format 0.0.4).

    The collector's own counters and gauges first, then every agent's metrics
    (series_metrics.h).
*/
#ifndef ZAPM_METRICS_H
#define ZAPM_METRICS_H

#include "series_metrics.h"
#include "stats.h"

#include <stdint.h>

//  A snapshot of the gauges that are not plain counters.
typedef struct {
    uint32_t clients;         //  /feed streams open
    uint32_t series;          //  series known
    uint32_t series_live;     //  series live
    uint64_t ring_events;     //  events held in the ring
    uint64_t ring_bytes;      //  bytes those events take
    uint64_t series_recycled; //  series slots given to a new identity
} metrics_gauges_t;

//  Returns the exposition text as a new string; caller frees. `agents` (may be
//  NULL) adds every exposed series' metrics. NULL if memory is short.
char *metrics_render (const stats_t *stats, const metrics_gauges_t *gauges,
                      const series_metrics_t *agents);

#endif
