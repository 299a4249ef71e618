/*  store_memory.c: a snapshot of in-memory points for a query (store_memory.h).

    Filled on the loop thread, read on the query thread, freed by whoever
    holds the job last; never shared by two threads at once.
*/
#include "store_memory.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _store_memory_t {
    store_memory_series_t *series; //  the series
    size_t count;                  //  series in use
    size_t capacity;               //  series allocated
};

store_memory_t *
store_memory_new (void)
{
    return calloc (1, sizeof (store_memory_t));
}

void
store_who_free (store_who_t *who)
{
    free (who->key);
    free (who->service);
    free (who->agent);
    free (who->host);
    free (who->color);
}

static void
s_series_free (store_memory_series_t *series)
{
    store_who_free (&series->who);
    for (int c = 0; c < series->columns; c++)
        free (series->names[c]);
    free (series->times);
    free (series->values);
}

void
store_memory_destroy (store_memory_t **self_p)
{
    store_memory_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->count; i++)
            s_series_free (&self->series[i]);
        free (self->series);
        free (self);
        *self_p = NULL;
    }
}

//  strdup that keeps NULL; sets *failed when memory ran out.
static char *
s_copy (const char *text, bool *failed)
{
    if (!text)
        return NULL;
    char *copy = strdup (text);
    if (!copy)
        *failed = true;
    return copy;
}

bool
store_memory_series (store_memory_t *self, const char *key, const char *service, const char *agent,
                     const char *host, int64_t pid, const char *color, const char *const *names,
                     int columns)
{
    assert (self);
    if (columns < 0 || columns > STORE_MEMORY_COLUMNS_MAX)
        return false;
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 16;
        store_memory_series_t *grown = realloc (self->series, capacity * sizeof *grown);
        if (!grown)
            return false;
        self->series = grown;
        self->capacity = capacity;
    }
    store_memory_series_t *series = &self->series[self->count++];
    memset (series, 0, sizeof *series);
    bool failed = false;
    series->who = (store_who_t){.key = s_copy (key, &failed),
                                .service = s_copy (service, &failed),
                                .agent = s_copy (agent, &failed),
                                .host = s_copy (host, &failed),
                                .pid = pid,
                                .color = s_copy (color, &failed)};
    series->columns = columns;
    for (int c = 0; c < columns; c++)
        series->names[c] = s_copy (names[c], &failed);
    if (failed || !key || !service) {
        s_series_free (series);
        self->count--;
        return false;
    }
    return true;
}

bool
store_memory_point (store_memory_t *self, int64_t time_ns, const float *values)
{
    assert (self);
    if (!self->count)
        return false;
    store_memory_series_t *series = &self->series[self->count - 1];
    if (series->count == series->capacity) {
        size_t capacity = series->capacity ? series->capacity * 2 : 64;
        int64_t *times = realloc (series->times, capacity * sizeof *times);
        if (!times)
            return false;
        series->times = times;
        size_t row = (size_t) (series->columns ? series->columns : 1);
        float *grown = realloc (series->values, capacity * row * sizeof *grown);
        if (!grown)
            return false;
        series->values = grown;
        series->capacity = capacity;
    }
    series->times[series->count] = time_ns;
    memcpy (series->values + series->count * (size_t) series->columns, values,
            (size_t) series->columns * sizeof *values);
    series->count++;
    return true;
}

void
store_memory_seam (store_memory_t *self, int64_t seam_ns)
{
    assert (self);
    if (self->count)
        self->series[self->count - 1].seam_ns = seam_ns;
}

size_t
store_memory_size (const store_memory_t *self)
{
    return self ? self->count : 0;
}

const store_memory_series_t *
store_memory_at (const store_memory_t *self, size_t i)
{
    assert (self && i < self->count);
    return &self->series[i];
}

double
store_memory_value (float value)
{
    static const double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double v = value;
    if (!isfinite (v) || v == 0)
        return v;
    int exponent = (int) floor (log10 (fabs (v)));
    //  Six digits first: a float that a shorter decimal reads back as also
    //  reads back from its nearest six-digit one.
    for (int digits = 6; digits <= 9; digits++) {
        int decimals = digits - 1 - exponent;
        if (decimals > 22 || decimals < -22)
            return v;
        double r = decimals >= 0 ? nearbyint (v * powers[decimals]) / powers[decimals]
                                 : nearbyint (v / powers[-decimals]) * powers[-decimals];
        if ((float) r == value)
            return r;
    }
    return v;
}
