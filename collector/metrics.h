/*  metrics.h: the collector's counters in the Prometheus text format, at /metrics. */
#ifndef ZAPM_METRICS_H
#define ZAPM_METRICS_H

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

//  Returns the exposition text (format 0.0.4) as a new string; caller frees. NULL
//  if memory is short.
char *metrics_render (const stats_t *stats, const metrics_gauges_t *gauges);

#endif
