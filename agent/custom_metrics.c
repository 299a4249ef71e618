/*  custom_metrics.c: the service's own gauges and counters, safe from any thread.

    A linear scan of at most 64 short names is cheaper than hashing them and
    keeps the table a plain array that the sampler copies in one go.
*/
#include "custom_metrics.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct _custom_metrics_t {
    pthread_mutex_t mutex;                  //  guards everything below
    size_t size;                            //  entries used
    custom_metric_t table[ZAPM_CUSTOM_MAX]; //  in order of first use
};

custom_metrics_t *
custom_metrics_new (void)
{
    custom_metrics_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (pthread_mutex_init (&self->mutex, NULL) != 0) {
        free (self);
        return NULL;
    }
    return self;
}

void
custom_metrics_destroy (custom_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pthread_mutex_destroy (&(*self_p)->mutex);
    free (*self_p);
    *self_p = NULL;
}

bool
custom_metrics_name_valid (const char *name)
{
    if (!name || !*name)
        return false;
    size_t len = 0;
    for (const char *p = name; *p; p++, len++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == ':' || c == '-';
        if (!ok || len >= ZAPM_CUSTOM_NAME_MAX)
            return false;
    }
    return true;
}

//  Finds or adds `name`; call with the mutex held. Returns NULL with errno
//  ENOSPC when the table is full.
static custom_metric_t *
s_lookup (custom_metrics_t *self, const char *name, bool counter)
{
    for (size_t i = 0; i < self->size; i++)
        if (strcmp (self->table[i].name, name) == 0)
            return &self->table[i];
    if (self->size == ZAPM_CUSTOM_MAX) {
        errno = ENOSPC;
        return NULL;
    }
    custom_metric_t *metric = &self->table[self->size++];
    strcpy (metric->name, name); //  length checked by custom_metrics_name_valid
    metric->value = 0.0;
    metric->counter = counter;
    return metric;
}

//  Sets (add = false) or adds to (add = true) a metric.
static int
s_update (custom_metrics_t *self, const char *name, double value, bool add)
{
    if (!self || !custom_metrics_name_valid (name) || !isfinite (value)) {
        errno = EINVAL;
        return -1;
    }
    int rc = 0;
    pthread_mutex_lock (&self->mutex);
    custom_metric_t *metric = s_lookup (self, name, add);
    if (!metric)
        rc = -1;
    else if (add) {
        double sum = metric->value + value;
        if (isfinite (sum))
            metric->value = sum;
        else {
            errno = EINVAL;
            rc = -1;
        }
    }
    else
        metric->value = value;
    pthread_mutex_unlock (&self->mutex);
    return rc;
}

int
custom_metrics_gauge_set (custom_metrics_t *self, const char *name, double value)
{
    return s_update (self, name, value, false);
}

int
custom_metrics_counter_add (custom_metrics_t *self, const char *name, double delta)
{
    return s_update (self, name, delta, true);
}

size_t
custom_metrics_snapshot (custom_metrics_t *self, custom_metric_t *out, size_t max)
{
    pthread_mutex_lock (&self->mutex);
    size_t n = self->size < max ? self->size : max;
    memcpy (out, self->table, n * sizeof *out);
    pthread_mutex_unlock (&self->mutex);
    return n;
}
