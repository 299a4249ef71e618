/*  store_writer.h: what the store's writer thread does, without the thread.

    The writer turns samples into points: per series an open raw chunk in
    memory (store_chunk.h) and, for crash safety, a `head` row per commit that
    holds every point since the last commit in a plain time-major form (a
    cheap append with no index). A series' open chunk is sealed into `chunk`
    every seal_s seconds (series are staggered so that seals spread evenly);
    head rows whose points are all sealed are deleted. At start the head
    left by a crash is replayed into chunks, so at most one commit interval of
    samples is lost.

    Every commit also runs a bounded step of the rollups and of retention and
    the size cap (store_tiers.h). The functions take the time as an
    argument so tests and the benchmark can drive the writer in fast time.
*/
#ifndef ZAPM_STORE_WRITER_H
#define ZAPM_STORE_WRITER_H

#include "store_types.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

//  Counters shared with other threads (store_stats reads them).
typedef struct {
    _Atomic int64_t bytes;                   //  database + WAL
    _Atomic int64_t points_written;          //  points committed
    _Atomic int64_t samples_written;         //  samples committed
    _Atomic int64_t samples_dropped;         //  queue full (counted by store.c)
    _Atomic int64_t samples_refused;         //  out of window or duplicate time
    _Atomic int64_t samples_truncated;       //  numbers past the sample's room left out (store.c)
    _Atomic int64_t write_errors;            //  failed commits or statements
    _Atomic int64_t oldest_ns[STORE_TIERS];  //  oldest time per tier
    _Atomic int64_t unrolled_deleted;        //  chunks the cap took before their rollup
    _Atomic int64_t rollup_metrics_left_out; //  metrics past a rollup chunk's columns
    _Atomic int64_t series_refused;          //  samples of new identities past max_series
    _Atomic int64_t metrics_refused;         //  new metric names past max_metrics
    _Atomic int64_t series_metrics_refused;  //  points past a series' max_series_metrics
    _Atomic int64_t series_forgotten;        //  series rows deleted once emptied
    _Atomic int64_t series;                  //  rows of the series table
    _Atomic int64_t series_held;             //  series the writer holds (seen lately)
    _Atomic int64_t metrics;                 //  rows of the metric table
} store_counters_t;

typedef struct _store_writer_t store_writer_t;

//  Creates a writer on `db` (the writer connection, which it then owns: it is
//  closed by store_writer_destroy, or here on failure). Loads the series and metric tables and
//  replays the head. Returns NULL if memory ran out or the tables cannot be read.
store_writer_t *store_writer_new (sqlite3 *db, const store_config_t *config,
                                  store_counters_t *counters, int64_t now_ns);

//  Seals every open chunk, commits, closes the connection. Nullifies *self_p.
void store_writer_destroy (store_writer_t **self_p, int64_t now_ns);

//  Learns (or, for id 0 and ids seen before, replaces) sample layout `id`
//  (store_layouts.h): `count` NUL-terminated metric paths in `size` bytes.
//  Returns false if memory ran out or the id is out of range.
bool store_writer_layout (store_writer_t *self, uint32_t id, const char *paths, size_t size,
                          uint32_t count);

//  Takes one sample into memory (nothing is written until the next commit):
//  `count` values, value i for the i-th path of layout `layout`. `ids` is
//  used when the series is new. Samples out of the time window around
//  `received_ns` (when ingest received it, the time it judged it by) or not
//  newer than the series' newest are refused (counted); a sample whose
//  layout is unknown or holds another count is ignored. `now_ns`: the
//  writer's clock (for its log lines and idle series).
void store_writer_sample (store_writer_t *self, const char *series_id, const store_ids_t *ids,
                          int64_t time_ns, uint32_t layout, const double *values, uint32_t count,
                          int64_t received_ns, int64_t now_ns);

//  Commits: the head row, due seals, a step of rollups, retention and cap.
//  Call about once a second. Returns false if the commit failed (counted and
//  logged at most once a minute; the next commit tries again).
bool store_writer_commit (store_writer_t *self, int64_t now_ns);

//  When the next commit has work (Unix ns): `now_ns` while points are not
//  committed or sealed (commit about once a second then), else when a rollup
//  or retention falls due; INT64_MAX for never. Until then an idle writer
//  need not wake.
int64_t store_writer_due (store_writer_t *self, int64_t now_ns);

//  Seals every open chunk now (used on shutdown, by tests and the benchmark).
void store_writer_seal_all (store_writer_t *self);

//  Runs rollups until they are up to date for `now_ns` (tests, benchmark).
void store_writer_rollup_all (store_writer_t *self, int64_t now_ns);

//  The connection (for tests and the benchmark).
sqlite3 *store_writer_db (store_writer_t *self);

#endif
