/*  latest.c: each series' latest exported numbers and labels.

    The per-sample work is copies of fixed-size numbers; the custom metrics'
    names are copied with them (they may change from one sample to the next).
    Labels are part of the identity, so they only change when the series does:
    they are read from the frame on a join, with one cJSON parse, on the
    collector's thread.
*/
#include "latest.h"
#include "sse.h"
#include "wire.h"

#include <assert.h>
#include <cjson/cJSON.h>
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
            free (entry->agent);
            free (entry->host);
            free (entry->percpu);
            free (entry->custom);
        }
        free (self->entries);
        free (self);
        *self_p = NULL;
    }
}

//  A copy of the non-empty string at object.key, else of "".
static char *
s_label (const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    return strdup (cJSON_IsString (item) ? item->valuestring : "");
}

//  Reads the labels of a series from its frame (already validated).
static void
s_read_labels (latest_entry_t *entry, const char *bytes, size_t size)
{
    free (entry->agent);
    free (entry->host);
    entry->agent = entry->host = NULL;
    entry->pid[0] = '\0';
    cJSON *root = cJSON_ParseWithLength (bytes, size);
    entry->agent = s_label (root, ZAPM_KEY_AGENT);
    entry->host = s_label (root, ZAPM_KEY_HOST);
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_PID);
    if (cJSON_IsNumber (pid))
        entry->pid[sse_format_u64 ((uint64_t) pid->valuedouble, entry->pid)] = '\0';
    cJSON_Delete (root);
}

void
latest_update (latest_t *self, const series_t *series, const sample_t *sample, const char *bytes,
               size_t size, bool joined)
{
    assert (self);
    if (series->index >= self->max_series)
        return;
    latest_entry_t *entry = &self->entries[series->index];
    if (joined || !entry->agent || !entry->host)
        s_read_labels (entry, bytes, size);
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
        entry->custom = malloc (SAMPLE_CUSTOM_MAX * sizeof *entry->custom);
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
