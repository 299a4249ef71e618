/*  latest.c: each series' latest exported numbers and labels.

    The per-sample work is copies of fixed-size numbers; the custom metrics'
    names are copied with them (they may change from one sample to the next).
*/
#include "latest.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _latest_t {
    latest_entry_t *entries; //  by series index
    uint32_t max_series;     //  entries allocated
};

latest_t *
latest_new (uint32_t max_series)
{
    latest_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->entries = calloc (max_series ? max_series : 1, sizeof *self->entries);
    if (!self->entries) {
        free (self);
        return NULL;
    }
    self->max_series = max_series;
    return self;
}

void
latest_destroy (latest_t **self_p)
{
    assert (self_p);
    latest_t *self = *self_p;
    if (self) {
        for (uint32_t i = 0; i < self->max_series; i++) {
            latest_entry_t *entry = &self->entries[i];
            free (entry->percpu);
            free (entry->custom);
        }
        free (self->entries);
        free (self);
        *self_p = NULL;
    }
}

void
latest_update (latest_t *self, const series_t *series, const sample_t *sample)
{
    assert (self);
    if (series->index >= self->max_series)
        return;
    latest_entry_t *entry = &self->entries[series->index];
    const metric_values_t *values = &sample->metrics;
    memcpy (entry->value, values->value, sizeof entry->value);
    if (values->percpu_count > entry->percpu_capacity) {
        double *grown = realloc (entry->percpu, values->percpu_count * sizeof *grown);
        if (grown) {
            entry->percpu = grown;
            entry->percpu_capacity = values->percpu_count;
        }
    }
    entry->percpu_count = values->percpu_count <= entry->percpu_capacity ? values->percpu_count : 0;
    if (entry->percpu_count)
        memcpy (entry->percpu, values->percpu, entry->percpu_count * sizeof *entry->percpu);
    if (sample->custom_count && !entry->custom)
        entry->custom = malloc (ZAPM_CUSTOM_MAX * sizeof *entry->custom);
    entry->custom_count = entry->custom ? sample->custom_count : 0;
    if (entry->custom_count)
        memcpy (entry->custom, sample->custom, entry->custom_count * sizeof *entry->custom);
    entry->custom_counters = sample->custom_counters;
    entry->valid = true;
}

const latest_entry_t *
latest_at (latest_t *self, uint32_t index)
{
    assert (self);
    return index < self->max_series ? &self->entries[index] : NULL;
}
