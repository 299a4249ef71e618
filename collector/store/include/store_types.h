/*  store_types.h: the values that cross the store's face: how a store is
    opened (store_config_t), who a sample is from (store_ids_t) and what a
    history query asks (store_query_t), with the tiers they name.

    It exists so that the store's own parts (the writer, the query, the
    tiers) read these types without including the face, store.h, whose
    functions only the rest of the collector calls. It holds no functions;
    store.h includes it, so it sits beside store.h where other parts can
    read it.
*/
#ifndef ZAPM_STORE_TYPES_H
#define ZAPM_STORE_TYPES_H

#include "store_memory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

//  The tiers, finest first.
typedef enum {
    STORE_TIER_RAW = 0, //  every point at the sample's own time
    STORE_TIER_MINUTE,  //  1-minute rollups: min, max, sum, count
    STORE_TIER_HOUR,    //  1-hour rollups: min, max, sum, count
    STORE_TIERS         //  number of tiers, keep last
} store_tier_t;

//  How a store is opened. Zero fields mean "the default".
typedef struct {
    const char *path;                 //  the database file (its WAL is PATH-wal)
    int64_t retention_s[STORE_TIERS]; //  seconds each tier keeps, by store_tier_t
    int64_t max_mib;                  //  cap on database + WAL, MiB
    int64_t queue_mib;                //  bound of the append queue, MiB
    int64_t past_window_s;            //  points older than now - this are refused
    int64_t future_window_s;          //  points newer than now + this are refused
    int64_t seal_s;                   //  seconds a raw chunk stays open (default 60)
    int64_t max_series;               //  rows of the series table at most (new ones refused)
    int64_t max_metrics;              //  rows of the metric table at most (new names refused)
    int64_t max_series_metrics;       //  metrics in one series' open chunk at most
} store_config_t;

//  Who a sample is from, kept in the series table when its series is new.
//  The strings are copied; NULL or "" when absent.
typedef struct {
    const char *agent; //  `agent`
    const char *host;  //  `host`
    const char *color; //  `color`
    int64_t pid;       //  `pid`, -1 when absent
} store_ids_t;

//  How a query groups series.
typedef enum {
    STORE_GROUP_AUTO = 0, //  per service when the window is longer than 15 minutes
    STORE_GROUP_SERIES,   //  one line per series: agent@host:pid (or the sample's identity)
    STORE_GROUP_SERVICE   //  one line per service: agent@host, across pids
} store_group_t;

//  Largest `points` a query may ask for (the dashboard reads it from wire.h).
#define STORE_QUERY_POINTS_MAX ZAPM_HISTORY_POINTS_MAX

//  Most metrics one query reads (/api/history refuses more with 413).
#define STORE_QUERY_METRICS_MAX 64

//  A history query. The strings are copied by store_query_start.
typedef struct {
    double from;            //  Unix seconds, start of the window
    double to;              //  Unix seconds, end of the window
    const char *metrics;    //  comma-separated metric names, NULL for the charted metrics
                            //  (wire.h's ZAPM_CHARTED_PATHS)
    const char *glob;       //  shell glob on the series identity, NULL for all
    int points;             //  buckets per line, 1..STORE_QUERY_POINTS_MAX (0: 800)
    store_group_t group;    //  grouping
    bool metrics_only;      //  leave out today's mean arrays (cpu, mem, ..., custom)
    store_memory_t *memory; //  in-memory points to join after each line's until, or NULL
    size_t max_bytes;       //  an answer that grows past this fails as too large (0: no cap)
    bool raw;               //  the memory answer's shape instead: per memory series, every
                            //  stored raw point in [from, its seam_ns), then its own points
                            //  (store_query_raw.c); metrics, points and group are not read
} store_query_t;

//  The `size` that comes with a NULL answer when it grew past max_bytes: the
//  query stopped there (its memory is bounded by the cap and one line).
#define STORE_ANSWER_TOO_LARGE SIZE_MAX

#endif
