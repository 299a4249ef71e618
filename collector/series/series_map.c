/*  series_map.c: per-series state in a map by identity (czmq's zhashx), plus an array
    by index so sweeps and API listings walk series in the order they appeared.

    Liveness uses the agent's own announced interval: three missed samples mean
    it has left. The book's agents announce none and send about once a second, so
    they get 5 s. A floor of 0.5 s keeps very fast agents from flapping on
    scheduling jitter.

    Loss is read from `seq`, but a jump is loss only if the time since the
    last sample could explain it: more than twice the samples its interval
    allows in that time (and SERIES_SEQ_SLACK more, for bursts and agents
    without an interval), or any step back, means the publisher started its
    count again (a restart, or a hostile sender), and is counted as a reset,
    not as loss. So `lost` stays a small exact integer: 0, 10^15, 0 is two
    resets, not 10^15 samples lost.
*/
#include "series_map.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERIES_SILENT_DEFAULT_NS 5000000000LL
#define SERIES_SILENT_MIN_NS     500000000LL
#define SERIES_SEQ_SLACK         1000 //  samples a jump may lose beyond what time explains
#define SERIES_SEQ_INTERVAL_MIN  1e-3 //  the shortest interval a jump is measured by (s)
#define SERIES_SEQ_INTERVAL_NONE 1.0  //  the interval assumed when none is announced (s)

struct _series_map_t {
    zhashx_t *by_id;         //  identity -> series_t * (not owning)
    series_t **by_index;     //  owning, in order of appearance
    uint32_t size;           //  series held
    uint32_t live;           //  series live
    uint32_t max_series;     //  cap
    uint32_t history_points; //  points per series
    uint64_t recycled;       //  series slots given to a new identity (index reused)
    uint64_t custom_refused; //  custom values past ZAPM_HISTORY_CUSTOM_MAX columns of a series
    uint64_t seq_resets;     //  seq jumps read as a restarted count
};

series_map_t *
series_map_new (uint32_t max_series, uint32_t history_points)
{
    series_map_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->by_id = zhashx_new ();
    self->by_index = calloc (max_series ? max_series : 1, sizeof *self->by_index);
    if (!self->by_id || !self->by_index) {
        series_map_destroy (&self);
        return NULL;
    }
    self->max_series = max_series;
    self->history_points = history_points ? history_points : 1;
    return self;
}

static void
s_series_free (series_t *series)
{
    for (uint32_t c = 0; c < series->custom_count; c++)
        free (series->custom[c].values);
    free (series->id);
    free (series->agent);
    free (series->host);
    free (series->last);
    free (series->history);
    free (series);
}

void
series_map_destroy (series_map_t **self_p)
{
    assert (self_p);
    series_map_t *self = *self_p;
    if (self) {
        for (uint32_t i = 0; i < self->size; i++)
            s_series_free (self->by_index[i]);
        zhashx_destroy (&self->by_id);
        free (self->by_index);
        free (self);
        *self_p = NULL;
    }
}

//  Copies the parts of the identity (they never change for one identity); out of
//  memory leaves a part NULL, shown as null by /api/agents.
static void
s_set_parts (series_t *series, const sample_t *sample)
{
    series->agent = sample->agent ? strdup (sample->agent) : NULL;
    series->host = sample->host ? strdup (sample->host) : NULL;
    series->has_pid = sample->has_pid;
    series->pid = sample->pid;
}

//  Points a series' ring starts with; it doubles as points come, up to
//  --history. A publisher that invents an identity per sample (issue 18)
//  then costs each of them a few hundred bytes, not --history points.
#define S_HISTORY_FIRST 16

static uint32_t
s_history_first (const series_map_t *self)
{
    return self->history_points < S_HISTORY_FIRST ? self->history_points : S_HISTORY_FIRST;
}

static series_t *
s_series_new (series_map_t *self, const char *id)
{
    series_t *series = calloc (1, sizeof *series);
    if (!series)
        return NULL;
    series->id = strdup (id);
    series->history = calloc (s_history_first (self), sizeof *series->history);
    if (!series->id || !series->history) {
        s_series_free (series);
        return NULL;
    }
    series->history_capacity = s_history_first (self);
    series->index = self->size;
    self->by_index[self->size++] = series;
    zhashx_insert (self->by_id, id, series);
    return series;
}

//  When the map is full, the series that left longest ago gives its slot (and
//  index) to `id`: services that restart get a new pid, hence a new identity,
//  and must not fill the map for good. Returns NULL when every series is live.
static series_t *
s_series_recycle (series_map_t *self, const char *id)
{
    series_t *oldest = NULL;
    for (uint32_t i = 0; i < self->size; i++) {
        series_t *series = self->by_index[i];
        if (!series->live && (!oldest || series->last_seen_mono < oldest->last_seen_mono))
            oldest = series;
    }
    char *copy = oldest ? strdup (id) : NULL;
    //  The newcomer starts with a small ring, like a new series: the one
    //  that left may have held --history points.
    series_point_t *history =
        copy ? calloc (s_history_first (self), sizeof *oldest->history) : NULL;
    if (!history) {
        free (copy);
        return NULL;
    }
    zhashx_delete (self->by_id, oldest->id);
    free (oldest->id);
    free (oldest->agent);
    free (oldest->host);
    for (uint32_t c = 0; c < oldest->custom_count; c++)
        free (oldest->custom[c].values);
    free (oldest->history);
    uint32_t index = oldest->index, capacity = s_history_first (self);
    char *last = oldest->last;
    size_t last_capacity = oldest->last_capacity;
    *oldest = (series_t){.index = index,
                         .id = copy,
                         .history = history,
                         .history_capacity = capacity,
                         .last = last,
                         .last_capacity = last_capacity};
    zhashx_insert (self->by_id, copy, oldest);
    self->recycled++;
    return oldest;
}

//  The most samples a series can have sent in `elapsed_ns` beyond the one
//  expected: twice what its interval allows, plus the slack. Integer, capped
//  well below 2^53, so no count ever goes through a rounded double.
static uint64_t
s_seq_plausible (const series_t *series, int64_t elapsed_ns)
{
    double interval = series->interval > 0 ? series->interval : SERIES_SEQ_INTERVAL_NONE;
    if (interval < SERIES_SEQ_INTERVAL_MIN)
        interval = SERIES_SEQ_INTERVAL_MIN;
    double samples = elapsed_ns > 0 ? 2.0 * ((double) elapsed_ns / 1e9) / interval : 0;
    if (samples > 1e15)
        samples = 1e15;
    return SERIES_SEQ_SLACK + (uint64_t) samples;
}

//  Counts samples missing between the expected `seq` and this one, received
//  at `mono_ns`. A step back, or a jump the time since the last sample cannot
//  explain, is a restart of the count (*reset set): start again from it.
static uint64_t
s_count_lost (series_t *series, const sample_t *sample, int64_t mono_ns, bool *reset)
{
    if (!sample->has_seq)
        return 0;
    uint64_t lost = 0;
    if (series->has_next_seq && sample->seq != series->next_seq) {
        uint64_t gap = sample->seq - series->next_seq; //  only read when seq > next_seq
        if (sample->seq > series->next_seq &&
            gap <= s_seq_plausible (series, mono_ns - series->last_seen_mono))
            lost = gap;
        else if (sample->seq + 1 != series->next_seq) //  a repeat of the last seq is no restart
            *reset = true;
    }
    series->has_next_seq = true;
    series->next_seq = sample->seq + 1;
    series->lost += lost;
    if (*reset)
        series->seq_resets++;
    return lost;
}

static void
s_keep_last (series_t *series, const char *bytes, size_t size)
{
    if (size > SERIES_LAST_MAX) {
        series->last_size = 0; //  too big to keep for every series: /api/agents shows null
        return;
    }
    if (size + 1 > series->last_capacity) {
        char *grown = realloc (series->last, size + 1);
        if (!grown)
            return; //  keep the previous sample rather than fail the ingest
        series->last = grown;
        series->last_capacity = size + 1;
    }
    memcpy (series->last, bytes, size);
    series->last[size] = '\0';
    series->last_size = size;
}

//  The history column of custom metric `name`, created (all NAN) on first sight;
//  NULL once the series has ZAPM_HISTORY_CUSTOM_MAX of them.
static series_custom_t *
s_custom_column (series_t *series, const char *name)
{
    for (uint32_t c = 0; c < series->custom_count; c++)
        if (strcmp (series->custom[c].name, name) == 0)
            return &series->custom[c];
    if (series->custom_count == ZAPM_HISTORY_CUSTOM_MAX)
        return NULL;
    float *values = malloc (series->history_capacity * sizeof *values);
    if (!values)
        return NULL;
    for (uint32_t i = 0; i < series->history_capacity; i++)
        values[i] = NAN;
    series_custom_t *column = &series->custom[series->custom_count++];
    snprintf (column->name, sizeof column->name, "%s", name);
    column->values = values;
    return column;
}

//  Doubles `series`' ring (up to `most` points), its points and custom
//  columns laid out oldest first. False when out of memory: the ring then
//  stays as it is and overwrites its oldest point, as a full one does.
static bool
s_grow_history (series_t *series, uint32_t most)
{
    uint32_t old = series->history_capacity;
    uint32_t capacity = old > most / 2 ? most : old * 2;
    series_point_t *history = malloc (capacity * sizeof *history);
    float *values[ZAPM_HISTORY_CUSTOM_MAX] = {NULL};
    bool ok = history != NULL;
    for (uint32_t c = 0; ok && c < series->custom_count; c++)
        ok = (values[c] = malloc (capacity * sizeof *values[c])) != NULL;
    if (!ok) {
        free (history);
        for (uint32_t c = 0; c < series->custom_count; c++)
            free (values[c]);
        return false;
    }
    for (uint32_t i = 0; i < series->history_count; i++) {
        uint32_t from = (series->history_start + i) % old;
        history[i] = series->history[from];
        for (uint32_t c = 0; c < series->custom_count; c++)
            values[c][i] = series->custom[c].values[from];
    }
    for (uint32_t c = 0; c < series->custom_count; c++) {
        for (uint32_t i = series->history_count; i < capacity; i++)
            values[c][i] = NAN;
        free (series->custom[c].values);
        series->custom[c].values = values[c];
    }
    free (series->history);
    series->history = history;
    series->history_start = 0;
    series->history_capacity = capacity;
    return true;
}

//  Takes the ring's next slot (the oldest point's when full at `most`
//  points; it grows up to that first), its customs absent.
static uint32_t
s_next_slot (series_t *series, uint32_t most)
{
    if (series->history_count == series->history_capacity && series->history_capacity < most)
        s_grow_history (series, most);
    uint32_t capacity = series->history_capacity;
    uint32_t slot = (series->history_start + series->history_count) % capacity;
    if (series->history_count == capacity)
        series->history_start = (series->history_start + 1) % capacity;
    else
        series->history_count++;
    for (uint32_t c = 0; c < series->custom_count; c++)
        series->custom[c].values[slot] = NAN;
    return slot;
}

//  Adds the sample's point; custom values with no column left count in *custom_refused.
static void
s_add_point (series_t *series, uint32_t most, const sample_t *sample, int64_t time_ns,
             uint64_t *custom_refused)
{
    uint32_t slot = s_next_slot (series, most);
    //  In the order of ZAPM_CHARTED_PATHS (tests/collector/web/test_charted.c holds it to it).
    _Static_assert(ZAPM_CHARTED_COUNT == 5, "a charted metric was added or taken away in wire.h");
    series->history[slot] = (series_point_t){
        .t = (double) time_ns / 1e9,
        .charted = {(float) sample->cpu, (float) sample->mem, (float) sample->sys_cpu,
                    (float) sample->sys_mem, (float) sample->load1}};
    for (uint32_t k = 0; k < sample->custom_count; k++) {
        series_custom_t *column = s_custom_column (series, sample->custom[k].name);
        if (column)
            column->values[slot] = (float) sample->custom[k].value;
        else
            (*custom_refused)++;
    }
}

series_change_t
series_map_observe (series_map_t *self, const sample_t *sample, const char *bytes, size_t size,
                    int64_t mono_ns, int64_t wall_ns, int64_t time_ns, series_t **series_p,
                    uint64_t *lost)
{
    assert (self);
    series_change_t change = SERIES_UPDATED;
    series_t *series = zhashx_lookup (self->by_id, sample->identity);
    if (!series) {
        series = self->size < self->max_series ? s_series_new (self, sample->identity)
                                               : s_series_recycle (self, sample->identity);
        if (!series) {
            *series_p = NULL;
            return SERIES_FULL;
        }
        s_set_parts (series, sample);
    }
    if (!series->live) {
        series->live = true;
        self->live++;
        change = SERIES_JOINED;
    }
    bool reset = false;
    *lost += s_count_lost (series, sample, mono_ns, &reset);
    self->seq_resets += reset;
    memcpy (series->color, sample->color, strlen (sample->color) + 1); //  both 64 bytes
    s_keep_last (series, bytes, size);
    series->last_seen_mono = mono_ns;
    series->last_seen_wall = wall_ns;
    series->interval = sample->interval;
    series->samples++;
    s_add_point (series, self->history_points, sample, time_ns, &self->custom_refused);
    *series_p = series;
    return change;
}

bool
series_map_recall (series_map_t *self, const series_recalled_t *point, int64_t mono_ns,
                   int64_t wall_ns)
{
    assert (self);
    series_t *series = zhashx_lookup (self->by_id, point->id);
    if (!series) {
        if (self->size == self->max_series || !(series = s_series_new (self, point->id)))
            return false;
        series->agent = point->agent ? strdup (point->agent) : NULL;
        series->host = point->host ? strdup (point->host) : NULL;
        series->has_pid = point->has_pid;
        series->pid = point->pid;
    }
    if (series->live ||
        (series->history_count &&
         series_point (series, series->history_count - 1)->t * 1e9 >= (double) point->time_ns))
        return false; //  memory is newer: it wins
    snprintf (series->color, sizeof series->color, "%s", point->color ? point->color : "");
    series->last_seen_wall = point->time_ns;
    series->last_seen_mono = mono_ns - (wall_ns - point->time_ns);
    uint32_t slot = s_next_slot (series, self->history_points);
    series->history[slot].t = (double) point->time_ns / 1e9;
    memcpy (series->history[slot].charted, point->charted, sizeof point->charted);
    for (int k = 0; k < point->customs; k++) {
        series_custom_t *column = s_custom_column (series, point->custom_name[k]);
        if (column)
            column->values[slot] = point->custom_value[k];
    }
    return true;
}

static int64_t
s_silent_limit_ns (const series_t *series)
{
    if (series->interval <= 0)
        return SERIES_SILENT_DEFAULT_NS;
    int64_t limit = (int64_t) (series->interval * 3e9);
    return limit < SERIES_SILENT_MIN_NS ? SERIES_SILENT_MIN_NS : limit;
}

size_t
series_map_sweep (series_map_t *self, int64_t mono_ns, void (*on_left) (void *, series_t *),
                  void *arg)
{
    assert (self);
    size_t left = 0;
    for (uint32_t i = 0; i < self->size && self->live > 0; i++) {
        series_t *series = self->by_index[i];
        if (series->live && mono_ns - series->last_seen_mono > s_silent_limit_ns (series)) {
            series->live = false;
            self->live--;
            left++;
            if (on_left)
                on_left (arg, series);
        }
    }
    return left;
}

uint32_t
series_map_size (series_map_t *self)
{
    assert (self);
    return self->size;
}

uint32_t
series_map_live (series_map_t *self)
{
    assert (self);
    return self->live;
}

uint64_t
series_map_recycled (series_map_t *self)
{
    assert (self);
    return self->recycled;
}

uint64_t
series_map_custom_refused (series_map_t *self)
{
    assert (self);
    return self->custom_refused;
}

uint64_t
series_map_seq_resets (series_map_t *self)
{
    assert (self);
    return self->seq_resets;
}

uint32_t
series_map_max (series_map_t *self)
{
    assert (self);
    return self->max_series;
}

series_t *
series_map_at (series_map_t *self, uint32_t index)
{
    assert (self);
    return index < self->size ? self->by_index[index] : NULL;
}

static uint32_t
s_slot (const series_t *series, uint32_t i)
{
    assert (i < series->history_count);
    return (series->history_start + i) % series->history_capacity;
}

const series_point_t *
series_point (const series_t *series, uint32_t i)
{
    assert (series);
    return &series->history[s_slot (series, i)];
}

float
series_custom_point (const series_t *series, uint32_t c, uint32_t i)
{
    assert (series);
    assert (c < series->custom_count);
    return series->custom[c].values[s_slot (series, i)];
}
