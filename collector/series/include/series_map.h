/*  series_map.h: per-series state, kept in a map by identity.

    A series is one agent instance (agent@host:pid) or, for the book's agents,
    one colour. For each the collector keeps the last sample's bytes, liveness,
    counters, and a fixed-size history of the numbers the dashboard charts, so a
    page that opens can be filled at once from /api/history. The number of series
    is capped: a hostile or misconfigured fleet cannot grow the collector without
    bound. When the map is full, the series that left longest ago makes room for
    a new one, keeping its index; series_map_recycled counts that, so SSE
    filters that cache by index know to look again.
*/
#ifndef ZAPM_SERIES_MAP_H
#define ZAPM_SERIES_MAP_H

#include "sample.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  One point of history. Floats are plenty for percentages and MiB.
typedef struct {
    double t;                          //  sample time, Unix seconds
    float charted[ZAPM_CHARTED_COUNT]; //  the charted metrics in wire.h's order
                                       //  (ZAPM_CHARTED_PATHS), NAN when absent
} series_point_t;

//  The history of one custom metric, aligned point for point with `history`.
typedef struct {
    char name[ZAPM_CUSTOM_NAME_MAX + 1]; //  metric name
    float *values;                       //  one per history point, NAN when absent
} series_custom_t;

typedef struct {
    uint32_t index;                      //  position in the map, stable for the collector's life
    char *id;                            //  identity
    char *agent;                         //  its `agent`, NULL when none (book-style series)
    char *host;                          //  its `host`, NULL when none
    bool has_pid;                        //  whether it has a `pid`
    uint64_t pid;                        //  its `pid`
    char color[ZAPM_COLOR_MAX + 1];      // last `color`
    char via[ZAPM_FORWARD_EDGE_MAX + 1]; // the edge its last sample came by, "" if direct
    char *last;                          //  last sample's JSON bytes (NUL-terminated)
    size_t last_size;                    //  its length
    size_t last_capacity;                //  bytes allocated for it
    int64_t last_seen_mono;              //  monotonic ns of the last sample
    int64_t last_seen_wall;              //  wall-clock ns of the last sample
    double interval;                     //  announced interval in seconds, 0 if none
    bool live;                           //  false once silent for the liveness timeout
    uint64_t samples;                    //  samples received
    uint64_t lost;                       //  samples missing according to `seq`
    uint64_t seq_resets;                 //  times its `seq` count restarted (not loss)
    bool has_next_seq;                   //  whether next_seq is known
    uint64_t next_seq;                   //  the `seq` expected next
    series_point_t *history;             //  ring of points
    uint32_t history_start;              //  oldest point
    uint32_t history_count;              //  points held
    uint32_t history_capacity;           // points allocated (16 at first, doubling up to --history)
    uint32_t custom_count;               //  custom metrics with history
    series_custom_t custom[ZAPM_HISTORY_CUSTOM_MAX]; // their histories
} series_t;

//  Largest last sample kept per series; bigger ones are forwarded but not kept,
//  so a series costs at most about 16 KiB + 24 B per history point (+ 4 B per
//  point per custom metric, up to 16); its ring grows with the points it holds.
#define SERIES_LAST_MAX (16 * 1024)

typedef struct _series_map_t series_map_t;

//  What observing a sample did to its series.
typedef enum {
    SERIES_UPDATED, //  known series, still live
    SERIES_JOINED,  //  new series, or one that had left came back
    SERIES_FULL     //  new series refused: the map is at its cap and every series is live
} series_change_t;

//  Creates a map holding at most `max_series` series of `history_points` points each.
series_map_t *series_map_new (uint32_t max_series, uint32_t history_points);

//  Destroys the map and every series, and sets *self_p to NULL.
void series_map_destroy (series_map_t **self_p);

//  Records a valid sample (its parsed fields and its raw bytes) received at
//  `mono_ns` and `wall_ns`, taken at `time_ns` (sample_time_ns: the time of
//  its history point). Sets *series_p to the series (NULL when SERIES_FULL),
//  adds to *lost the samples its `seq` says went missing (a restarted count
//  is no loss: series_map_seq_resets), and returns what changed.
series_change_t series_map_observe (series_map_t *self, const sample_t *sample, const char *bytes,
                                    size_t size, int64_t mono_ns, int64_t wall_ns, int64_t time_ns,
                                    series_t **series_p, uint64_t *lost);

//  A point of history read back from the store at start (store_recall.h), so
//  memory after a restart holds what it held before.
typedef struct {
    const char *id;                                   //  identity
    const char *agent;                                //  NULL when none
    const char *host;                                 //  NULL when none
    bool has_pid;                                     //  whether it has a `pid`
    uint64_t pid;                                     //  its `pid`
    const char *color;                                //  its colour, NULL when none
    int64_t time_ns;                                  //  the point's time, Unix ns
    float charted[ZAPM_CHARTED_COUNT];                //  as series_point_t's
    int customs;                                      //  custom metrics present
    const char *custom_name[ZAPM_HISTORY_CUSTOM_MAX]; // their names
    float custom_value[ZAPM_HISTORY_CUSTOM_MAX];      //  their values
} series_recalled_t;

//  Adds a recalled point to its series, creating the series (not live: it
//  has left, as far as this run knows) when the map has room. Points must
//  come in time order per series; one not newer than the series' newest, or
//  for a series live already, is not taken. `mono_ns` and `wall_ns` are now.
//  Returns whether it was taken.
bool series_map_recall (series_map_t *self, const series_recalled_t *point, int64_t mono_ns,
                        int64_t wall_ns);

//  Marks as left every live series silent for 3 intervals (5 s without an
//  interval, never less than 0.5 s). Calls `on_left` for each. Returns how many.
size_t series_map_sweep (series_map_t *self, int64_t mono_ns,
                         void (*on_left) (void *arg, series_t *series), void *arg);

//  Number of series, and of live ones.
uint32_t series_map_size (series_map_t *self);
uint32_t series_map_live (series_map_t *self);

//  How many times a full map gave the slot of a series that had left to a new
//  identity. A series index read before a change of this count may now name
//  another series: whoever caches per index must drop that cache.
uint64_t series_map_recycled (series_map_t *self);

//  Custom values not kept in a series' history because it already had
//  ZAPM_HISTORY_CUSTOM_MAX custom columns (a new name in every sample).
uint64_t series_map_custom_refused (series_map_t *self);

//  How many times a series' `seq` stepped back or jumped further than the
//  time since its last sample explains: a restarted count, not loss.
uint64_t series_map_seq_resets (series_map_t *self);

//  Largest number of series, as given to series_map_new.
uint32_t series_map_max (series_map_t *self);

//  The series at `index` (0 <= index < series_map_size), or NULL.
series_t *series_map_at (series_map_t *self, uint32_t index);

//  The series' i-th oldest history point (0 <= i < history_count).
const series_point_t *series_point (const series_t *series, uint32_t i);

//  The value of custom metric `c` (0 <= c < custom_count) at the i-th oldest point.
float series_custom_point (const series_t *series, uint32_t c, uint32_t i);

#endif
