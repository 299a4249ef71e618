/*  custom_metrics.h: the service's own gauges and counters, safe from any thread.

    A small fixed table (ZAPM_CUSTOM_MAX entries of ZAPM_CUSTOM_NAME_MAX-byte
    names) behind one mutex. Service threads write to it; the agent's thread
    copies it out once per sample. Nothing is allocated after creation, and a
    writer holds the lock only for a short scan of at most 64 names.
*/
#ifndef ZAPM_CUSTOM_METRICS_H
#define ZAPM_CUSTOM_METRICS_H

#include "wire.h"

#include <stdbool.h>
#include <stddef.h>

//  One metric as copied out by custom_metrics_snapshot.
typedef struct {
    char name[ZAPM_CUSTOM_NAME_MAX + 1]; //  NUL-terminated, validated name
    double value;                        //  finite
    bool counter;                        //  made by counter_add (else by gauge_set)
} custom_metric_t;

typedef struct _custom_metrics_t custom_metrics_t;

//  Creates an empty table. Returns NULL on allocation failure.
custom_metrics_t *custom_metrics_new (void);

//  Frees the table; sets *self_p to NULL.
void custom_metrics_destroy (custom_metrics_t **self_p);

//  Returns true if `name` is 1 to ZAPM_CUSTOM_NAME_MAX bytes of [A-Za-z0-9_.:-].
bool custom_metrics_name_valid (const char *name);

//  A metric's kind is decided by the call that creates it: gauge_set makes a
//  gauge, counter_add a counter (published in `counters`); later calls of the
//  other kind change its value, not its kind.

//  Sets metric `name` to `value`, adding it if new. Returns 0, or -1 with
//  errno EINVAL (bad name, value not finite) or ENOSPC (table full).
int custom_metrics_gauge_set (custom_metrics_t *self, const char *name, double value);

//  Adds `delta` to metric `name`, adding it at 0 if new. Returns 0, or -1
//  with errno EINVAL (bad name, delta or result not finite) or ENOSPC.
int custom_metrics_counter_add (custom_metrics_t *self, const char *name, double delta);

//  Copies up to `max` metrics, in the order they were first set, into `out`.
//  Returns how many were copied.
size_t custom_metrics_snapshot (custom_metrics_t *self, custom_metric_t *out, size_t max);

#endif
