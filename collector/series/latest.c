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

//  Grows *array (of `size`-byte items, *capacity allocated) to hold `count`.
//  Returns how many it holds: `count`, or 0 if memory is short.
static uint32_t
s_fit (void **array, uint32_t *capacity, uint32_t count, size_t size)
{
    if (count > *capacity) {
        void *grown = realloc (*array, count * size);
        if (!grown)
            return 0;
        *array = grown;
        *capacity = count;
    }
    return count;
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
    entry->percpu_count = s_fit ((void **) &entry->percpu, &entry->percpu_capacity,
                                 values->percpu_count, sizeof *entry->percpu);
    if (entry->percpu_count)
        memcpy (entry->percpu, values->percpu, entry->percpu_count * sizeof *entry->percpu);
    entry->custom_count = s_fit ((void **) &entry->custom, &entry->custom_capacity,
                                 sample->custom_count, sizeof *entry->custom);
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
