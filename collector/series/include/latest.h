/*  latest.h: each series' latest exported numbers and labels, for exporters.

    /metrics (and remote write) publish, for every series, the numbers of its
    last sample. They are kept here, by series index, as the validator
    extracted them (metric_map.h), so no exporter parses JSON: ingest copies a
    few hundred bytes per sample. The labels (agent, host, pid) are the
    series' own (series_t), since they are part of its identity.

    Entries follow series indexes: a recycled index is overwritten by its new
    series' first sample (which always joins).
*/
#ifndef ZAPM_LATEST_H
#define ZAPM_LATEST_H

#include "sample.h"
#include "series_map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  One series' latest values.
typedef struct {
    bool valid;                  //  holds a sample
    double value[METRIC_FIELDS]; //  by metric_field_id_t, base units; NAN when absent
    uint32_t percpu_count;       //  entries in percpu
    uint32_t percpu_capacity;    //  entries allocated
    double *percpu;              //  each CPU's busy share, as a ratio
    uint32_t custom_count;       //  entries in custom
    uint32_t custom_capacity;    //  entries allocated
    sample_custom_t *custom;     //  custom metrics, as the sample gave them
    uint64_t custom_counters;    //  bit k set: custom[k] is a counter
} latest_entry_t;

typedef struct _latest_t latest_t;

//  Creates a store for `max_series` series (the series map's cap).
latest_t *latest_new (uint32_t max_series);

//  Frees the store; sets *self_p to NULL.
void latest_destroy (latest_t **self_p);

//  Records `sample` as the latest of `series`. Per-CPU and custom entries
//  that cannot be allocated are left out until memory allows.
void latest_update (latest_t *self, const series_t *series, const sample_t *sample);

//  The entry of series `index`, or NULL past the cap.
const latest_entry_t *latest_at (latest_t *self, uint32_t index);

#endif
