/*  series_metrics.h: every agent's metrics on /metrics, one family at a time.

    For each series that is live, or that left less than `ttl_ns` ago, the
    numbers of its latest sample (latest.h) are written as Prometheus families
    named by the one table (metric_map.h), labelled with the series' `agent`,
    `host`, `pid` and `color` when present. Beside them, per series, what the
    collector itself knows: `zapm_agent_up` (1 live, 0 left), samples received,
    samples lost and seq resets, as exact integers. Custom metrics become
    `zapm_custom_<name>` gauges, or counters `zapm_custom_<name>_total` when
    the agent said so (`counters`).

    The text format wants all lines of a family together, so the renderer goes
    family by family over the exposed series; custom families are gathered in
    a hash first. A custom family keeps the type it was first seen with: a
    series that exports the same name with the other type is left out of it,
    and so is a second metric of one series that maps to the same name.

    Custom names are the agents' to choose, so one page holds at most
    `max_names` custom families (--max-metric-names): values of further names
    are left out and counted (zapm_metrics_refused_total{reason="metric_limit"}).
*/
#ifndef ZAPM_SERIES_METRICS_H
#define ZAPM_SERIES_METRICS_H

#include "latest.h"
#include "textbuf.h"
#include "series_map.h"

#include <stdint.h>

//  Default time a series stays on /metrics after its last sample (--metrics-ttl).
#define SERIES_METRICS_TTL_DEFAULT_S 300

//  What the renderer reads.
typedef struct {
    series_map_t *series; //  the series and their liveness
    latest_t *latest;     //  their latest values and labels
    int64_t now_mono;     //  the time of the scrape, monotonic ns
    int64_t ttl_ns;       //  how long a series stays after its last sample
    uint32_t max_names;   //  custom families on one page at most, 0 for no limit
    uint64_t *refused;    //  adds the custom values left out past max_names, or NULL
} series_metrics_t;

//  The labels every exported metric of `series` carries, in order: `agent`,
//  `host`, `pid`, `color`, each when present (a book-style series' `color` is
//  its whole identity, so no two series share a label set). `pid` is a buffer
//  of 24 bytes the pid is written into. Fills names[] and values[] (4 each) and
//  returns how many. /metrics and remote write both label by this one rule.
size_t series_metrics_labels (const series_t *series, char pid[24], const char *names[4],
                              const char *values[4]);

//  The families of what the collector itself knows of each series, beside the
//  sample's numbers: /metrics writes them for every exposed series, remote write
//  sends them with each sample and once more when the series leaves.
typedef enum {
    SERIES_AGENT_UP,         //  zapm_agent_up: 1 live, 0 left
    SERIES_AGENT_SAMPLES,    //  zapm_agent_samples_total
    SERIES_AGENT_LOST,       //  zapm_agent_samples_lost_total
    SERIES_AGENT_SEQ_RESETS, //  zapm_agent_seq_resets_total
    SERIES_AGENT_FAMILIES    //  number of families, keep last
} series_agent_family_t;

//  One such family: its name, Prometheus type and help.
typedef struct {
    const char *name; //  family name
    const char *type; //  "gauge" or "counter"
    const char *help; //  one line of help
} series_family_t;

extern const series_family_t series_agent_families[SERIES_AGENT_FAMILIES];

//  The value of `family` for `series` now, as the exact integer it is (/metrics
//  writes these digits), and as a double (remote write's samples are doubles).
uint64_t series_agent_count (const series_t *series, series_agent_family_t family);
double series_agent_value (const series_t *series, series_agent_family_t family);

//  Appends every exposed series' families to `out`. Returns the number of
//  series exposed.
uint32_t series_metrics_render (const series_metrics_t *source, textbuf_t *out);

#endif
