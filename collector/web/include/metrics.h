/*  metrics.h: /metrics, the Prometheus text exposition (format 0.0.4).

    The collector's own counters and gauges first, then every agent's metrics
    (series_metrics.h).
*/
#ifndef ZAPM_METRICS_H
#define ZAPM_METRICS_H

#include "auth.h"
#include "gate.h"
#include "ingest.h"
#include "series.h"
#include "web_stats.h"

#include <stdint.h>

//  The counters of the parts, each owned by the collector (collector.c).
typedef struct {
    const ingest_stats_t *ingest; //  frames received, dropped, lost; events
    const gate_stats_t *gate;     //  agent connections: refused, accepted, lost
    const web_stats_t *web;       //  /feed streams and the HTTP port
    const auth_stats_t *auth;     //  logins refused or turned away
} metrics_counters_t;

//  A snapshot of the gauges that are not plain counters.
typedef struct {
    uint32_t clients;               //  /feed streams open
    uint32_t series;                //  series known
    uint32_t series_live;           //  series live
    uint64_t ring_events;           //  events held in the ring
    uint64_t ring_bytes;            //  bytes those events take
    uint64_t series_recycled;       //  series slots given to a new identity
    uint64_t series_custom_refused; //  custom values past a series' history columns
} metrics_gauges_t;

//  Returns the exposition text as a new string; caller frees. `counters` NULL
//  renders every counter as 0 (for tests and benchmarks of the rest). `agents`
//  (may be NULL) adds every exposed series' metrics. NULL if memory is short.
char *metrics_render (const metrics_counters_t *counters, const metrics_gauges_t *gauges,
                      const series_metrics_t *agents);

//  Appends zapm_metrics_refused_total: custom values left off /metrics by
//  --max-metric-names (written after the agents' families, which count them).
void metrics_render_refused (const metrics_counters_t *counters, textbuf_t *out);

#endif
