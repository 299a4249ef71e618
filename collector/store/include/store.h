/*  store.h: durable history, an embedded SQLite store with tiers (issue 11).

    The collector's loop hands every valid sample to store_append as the
    numbers the validator already parsed (store_numbers.h), which it only
    copies into a bounded queue, with a small id for the sample's list of
    metric paths (store_layouts.h): the loop never waits on the disk and the
    writer never parses JSON. A writer thread (its own SQLite connection)
    keeps every number per series in compressed chunks and builds 1-minute
    and 1-hour rollups. A
    query thread (another connection) answers history queries; answers come
    back to the loop only, through a pollable fd and store_dispatch.

    Design, schema and measurements: docs/STORE.md.

    The face of collector/store/ (with store_types.h, store_memory.h,
    store_path.h, store_recall.h and store_report.h). Takes in samples from the loop
    (store_append) and history queries; hands out answers on the loop
    (store_dispatch), its counters and log lines. Owns two threads: the
    writer and the query thread (docs/ARCHITECTURE.md, "Threads").
*/
#ifndef ZAPM_STORE_H
#define ZAPM_STORE_H

#include "sample.h"
#include "store_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Defaults of store_config_t (store_config_defaults fills them in).
#define STORE_RAW_RETENTION_DEFAULT    (2 * 86400)       //  seconds: 2 days
#define STORE_MINUTE_RETENTION_DEFAULT (60 * 86400)      //  seconds: 60 days
#define STORE_HOUR_RETENTION_DEFAULT   (2 * 365 * 86400) //  seconds: 2 years
#define STORE_MAX_MIB_DEFAULT          1024              //  the size cap
#define STORE_QUEUE_MIB_DEFAULT        32                //  the append queue's bound
#define STORE_PAST_WINDOW_DEFAULT                                                                  \
    SAMPLE_PAST_WINDOW_S //  seconds a point may lag the clock (sample.h)
#define STORE_FUTURE_WINDOW_DEFAULT                                                                \
    SAMPLE_FUTURE_WINDOW_S //  seconds a point may lead the clock (sample.h)

//  The limits on what the store's tables hold (docs/SECURITY.md, "Cardinality limits").
#define STORE_MAX_SERIES_DEFAULT     100000 //  series rows (identities) held
#define STORE_MAX_METRICS_DEFAULT    10000  //  metric rows (names) held
#define STORE_SERIES_METRICS_DEFAULT 4096   //  a series' chunk columns (a sample's most)

//  A snapshot of the store's counters (store_stats).
typedef struct {
    int64_t bytes;                   //  database + WAL on disk
    int64_t points_written;          //  numeric points committed to disk
    int64_t samples_written;         //  samples committed to disk
    int64_t samples_dropped;         //  samples dropped: the queue was full
    int64_t samples_refused;         //  too old, too far in the future, or duplicate time
    int64_t samples_truncated;       //  taken without their numbers past STORE_NUMBERS_MAX or
                                     //  STORE_NUMBERS_PATHS_BYTES (store_numbers.h)
    int64_t write_errors;            //  failed commits (disk full, I/O error, ...)
    int64_t oldest_ns[STORE_TIERS];  //  oldest time held per tier, 0 when empty
    int64_t queue_bytes;             //  bytes waiting in the append queue
    int64_t queue_samples;           //  samples waiting in the append queue
    int64_t unrolled_deleted;        //  chunks the cap deleted before they were rolled up
    int64_t rollup_metrics_left_out; //  metrics left out of rollup chunks (over 1024 in a span)
    int64_t series_refused;          //  samples of a new identity refused: max_series rows held
    int64_t metrics_refused;         //  new metric names refused: max_metrics rows held
    int64_t series_metrics_refused;  //  points of a metric new to a series past max_series_metrics
    int64_t series_forgotten;        //  series rows deleted once retention had emptied them
    int64_t series;                  //  rows of the series table
    int64_t series_held;             //  series the writer holds: seen in the last hour
    int64_t metrics;                 //  rows of the metric table
} store_stats_t;

//  Queries that may wait for the query thread at once; more are refused.
#define STORE_QUERY_PENDING_MAX 64

typedef struct _store_t store_t;

//  Called on the loop thread (from store_dispatch) with a query's answer: `json`
//  is malloc'd text the callee owns (free it), or NULL if the query failed
//  (`size` STORE_ANSWER_TOO_LARGE when it grew past query->max_bytes).
typedef void (store_done_fn) (void *arg, char *json, size_t size);

//  Fills *config with the defaults and `path`.
void store_config_defaults (store_config_t *config, const char *path);

//  Opens or creates the store at config->path and starts its writer and query
//  threads. A file that is not a zapm store, is truncated or corrupt is renamed
//  to PATH.corrupt-<unix time> (one log line) and a fresh store is created.
//  Returns NULL, with a log line that says why, when the path cannot be opened
//  or written.
store_t *store_new (const store_config_t *config);

//  Commits what is queued, stops the threads and closes the store. Pending
//  queries are answered with NULL before it returns (their callbacks run on
//  the calling thread). Nullifies *self_p; harmless on NULL.
void store_destroy (store_t **self_p);

//  Queues the numbers of one validated sample of series `series_id` taken at
//  `sample_time_ns` (Unix ns: the sample's `timestamp`, or the time it was
//  received when it has none), received at `received_ns` (Unix ns: the
//  time ingest judged its time window by; the store keeps the same window
//  by the same time). Copies the values, the ids and a layout id
//  (the paths only for a layout not queued before); allocates only for a new
//  layout. Never blocks and never touches the disk: when the queue is full
//  the sample is dropped and counted. Returns false when it was dropped.
//  Call from one thread only (the loop).
bool store_append (store_t *self, const char *series_id, const store_ids_t *ids,
                   int64_t sample_time_ns, int64_t received_ns, const store_numbers_t *numbers);

//  Hands a query to the query thread. `done (arg, json, size)` is called later
//  from store_dispatch on the loop thread. Returns false (and never calls
//  `done`) if the query is invalid (from >= to, bad points), the store is
//  stopping, or STORE_QUERY_PENDING_MAX + 1 queries are already held (waiting,
//  running, or answered and not yet dispatched: answer 503 then). It takes query->memory in both
//  cases (and frees it).
bool store_query_start (store_t *self, const store_query_t *query, store_done_fn *done, void *arg);

//  The fd that becomes readable when answers are waiting; poll it for reading
//  (ZMQ_POLLIN on a zmq_pollitem_t's fd) and call store_dispatch when it is.
int store_fd (store_t *self);

//  Calls the callbacks of every finished query. Returns how many it called.
int store_dispatch (store_t *self);

//  Fills *stats with the counters (each read atomically; `bytes` and
//  `oldest_ns` are refreshed at each commit). Thread-safe.
void store_stats (store_t *self, store_stats_t *stats);

//  Waits (at most `timeout_ms`) until everything appended so far is committed
//  (in the head; queries see points once their chunk is sealed, up to seal_s
//  later: see `until`; with seal_s = 1 every commit also seals). Returns true
//  if it is. For tests and orderly shutdown; never call it from the loop
//  while serving.
bool store_flush (store_t *self, int timeout_ms);

//  The rest of the face: where the store file lives, and its log lines and /metrics.
#include "store_path.h"
#include "store_recall.h"
#include "store_report.h"

#endif
