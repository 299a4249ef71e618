/*  store_writer_parts.h: the writer's state, shared by the files that each
    do one of its jobs (see store_writer.h):

      store_writer.c         the class, and samples into open chunks and the head row
      store_writer_names.c   the series and metric tables in memory
      store_writer_bounds.c  their limits (admission, refusals) and forgetting emptied series
      store_writer_commit.c  sealing, committing, recovery from a failed commit, upkeep
      store_writer_load.c    reading the store back: at start and after a failure
      store_head.h, .c       the head row's format

    Everything here runs on the writer thread. The functions declared below
    are the writer's own, not for other parts of the store.
*/
#ifndef ZAPM_STORE_WRITER_PARTS_H
#define ZAPM_STORE_WRITER_PARTS_H

#include "store_chunk.h"
#include "store_layouts.h"
#include "store_tiers.h"
#include "store_writer.h"
#include "loglimit.h"

#include "wire.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  A sample layout (store_layouts.h) as the writer knows it: the metric id of
//  each of its numbers, looked up once per layout (again after a failed
//  commit, which can roll new metric rows back).
//  How often the writer's warnings are logged at most (loglimit_t, counted):
//  failed statements, refused series and names, a cap too small for the rate
//  of writing.
#define WRITER_ERROR_LOG_NS     (60 * STORE_NS)
#define WRITER_REFUSED_LOG_NS   (60 * STORE_NS)
#define WRITER_SMALL_CAP_LOG_NS (3600 * STORE_NS)

typedef struct {
    char *paths;         //  the paths, NUL-terminated, back to back (malloc'd)
    uint32_t paths_size; //  their bytes
    uint32_t count;      //  paths
    uint32_t *metric;    //  metric id of each, 0 for a path not kept; valid when `resolved`
    uint32_t kept;       //  paths whose metric is not 0
    uint32_t refused;    //  paths not kept because their name was refused (max_metrics)
    bool resolved;       //  `metric` matches the metric table
} store_writer_layout_t;

typedef struct {
    int64_t id;            //  row id in `series`
    char *key;             //  identity
    int64_t first_ns;      //  its row's first_ns (head entries older than it are not its own)
    int64_t last_ns;       //  newest time taken (older or equal times are refused)
    int64_t head_first;    //  head row holding the open chunk's first point, 0 if empty
    uint32_t phase;        //  commit number modulo seal_s at which it seals
    chunk_builder_t chunk; //  the open raw chunk
    bool due;              //  seal at the next commit (the chunk is full)
} store_writer_series_t;

//  Largest series id taken from the file. Freed ids are reused, so ids stay
//  below the most rows held (store_writer_bounds.c keeps them below this); a larger one
//  is damage (store_recall.c indexes an array by id).
#define WRITER_SERIES_ID_MAX (1LL << 24)

typedef struct {
    char *name;  //  metric path, malloc'd
    uint32_t id; //  row id in `metric`
} store_writer_metric_t;

struct _store_writer_t {
    sqlite3 *db;                     //  the writer's connection
    store_config_t config;           //  as given (path copied)
    store_counters_t *counters;      //  shared counters
    store_tiers_t tiers;             //  rollups, retention, cap
    store_writer_series_t **by_key;  //  series held, hashed by identity (NULL: empty)
    store_writer_series_t **by_id;   //  the same, hashed by row id
    size_t held_cap;                 //  entries of each, a power of two
    size_t held;                     //  series held (in both)
    store_writer_series_t **sealing; //  room for held_cap series: those sealed at a commit
    int64_t rows;                    //  rows of the series table
    int64_t max_id;                  //  largest series id in the table
    int64_t free_below;              //  no id at or below this is free (ids are reused)
    store_writer_metric_t *metrics;  //  metric hash by name
    size_t metrics_cap;              //  power of two
    size_t metrics_used;             //  entries in use
    chunk_bits_t head;               //  this interval's head row
    int64_t head_id;                 //  its row id
    int64_t head_samples;            //  samples in it
    int64_t head_points;             //  points in it
    int64_t head_deleted_below;      //  head rows below this id are gone
    int64_t commits;                 //  commits so far
    int64_t head_bytes;              //  head bytes committed since every chunk was last sealed
    int64_t commit_wal;              //  WAL bytes of the largest recent commit (decaying)
    loglimit_t small_cap_log;        //  a too-small cap, counted: a line an hour at most
    bool in_transaction;             //  BEGIN was issued
    int failed_rc;                   //  code of a failed statement this interval (the commit fails)
    bool loaded;                     //  memory matches the file (else reload first)
    loglimit_t error_log;            //  failed statements, counted: a line a minute at most
    int64_t failed_commits;          //  commits failed since the last that worked
    sqlite3_stmt *insert_series;     //  INSERT INTO series
    sqlite3_stmt *insert_metric;     //  INSERT INTO metric
    sqlite3_stmt *insert_head;       //  INSERT INTO head
    sqlite3_stmt *delete_head;       //  DELETE FROM head WHERE id < ?
    sqlite3_stmt *update_last;       //  UPDATE series SET last_ns
    sqlite3_stmt *any_chunk;         //  SELECT a chunk of a series, any tier
    sqlite3_stmt *delete_series;     //  DELETE FROM series WHERE id
    sqlite3_stmt *series_by_key;     //  SELECT a series row by identity
    sqlite3_stmt *series_by_id;      //  SELECT a series row by id
    sqlite3_stmt *next_rows;         //  SELECT the ids of series rows past one
    sqlite3_stmt *next_free;         //  SELECT the first free id past one
    size_t forget_slot;              //  the slot of by_id the next forgetting step looks at
    int64_t forget_row;              //  the series row id it goes on from in the file
    loglimit_t refused_log;          //  refusals, counted: a line a minute at most
    int64_t refused_series;          //  new identities refused since the last line
    int64_t refused_metrics;         //  new metric names refused since then
    int64_t refused_series_metrics;  //  points past a series' metrics since then
    int64_t offender_votes;          //  majority vote for the top offender (Boyer-Moore)
    char offender[ZAPM_IDENTITY_MAX + 1]; //  its candidate: the host or service refused most
    store_writer_layout_t *layouts[STORE_LAYOUTS_MAX + 1]; //  by layout id, NULL where unknown
};

//  Logs a failed statement, at most once a minute, and counts it.
void store_writer_error (store_writer_t *self, const char *what, int rc, int64_t now_ns);

//  After a failed statement: fails the interval when the transaction was
//  lost, or always when `fatal` (store_writer.c says when).
void store_writer_failed (store_writer_t *self, int rc, bool fatal);

//  Begins the interval's transaction unless it is open. Returns the SQLite code.
int store_writer_begin (store_writer_t *self);

//  Starts a row of `series` at `time_ns` (sealing first if the chunk is full
//  or spans too long). Returns false if the row could not be started.
bool store_writer_row (store_writer_t *self, store_writer_series_t *series, int64_t time_ns,
                       int64_t head_row);

//  Puts a value into the open chunk; returns its column, NULL on failure.
const chunk_column_t *store_writer_put (store_writer_series_t *series, uint32_t metric, int hint,
                                        double value);

//  Seals the open chunk of `series` into the chunk table (in the open
//  transaction). Returns the SQLite code; on failure the interval fails.
int store_writer_seal (store_writer_t *self, store_writer_series_t *series);

//  Adds metric `name` (`size` bytes) with id `id` to the table in memory.
//  Returns false if memory ran out.
bool store_writer_metric_put (store_writer_t *self, const char *name, size_t size, uint32_t id);

//  The metric id of `name`, created if new; 0 on error. A new name past
//  max_metrics is refused: 0 with *refused set (it is not an error).
uint32_t store_writer_metric (store_writer_t *self, const char *name, size_t size, int64_t now_ns,
                              bool *refused);

//  Adds series `id` with identity `key` to the tables in memory. Returns it,
//  or NULL if memory ran out.
store_writer_series_t *store_writer_series_put (store_writer_t *self, int64_t id, const char *key,
                                                int64_t first_ns, int64_t last_ns);

//  The series held of identity `key`, or NULL.
store_writer_series_t *store_writer_series_find (store_writer_t *self, const char *key);

//  The series held of row id `id`, or NULL.
store_writer_series_t *store_writer_series_at (store_writer_t *self, int64_t id);

//  Removes `series` from the tables in memory and frees it (its row stays).
void store_writer_series_remove (store_writer_t *self, store_writer_series_t *series);

//  The series of identity `key`, taking its row back into memory if the file
//  holds it; NULL if it has none (or on an error: *rc set).
store_writer_series_t *store_writer_series_take (store_writer_t *self, const char *key, int *rc);

//  The series row id a new series gets: the lowest free one, so that ids
//  stay below the most rows ever held however many came and went. 0 on error.
int64_t store_writer_series_id (store_writer_t *self, int *rc);

//  True when series `key` may be held: a new identity (`known` false) needs
//  a row too. Else counts the refusal (logged at most once a minute with
//  the top offender).
bool store_writer_admit_series (store_writer_t *self, const char *key, const store_ids_t *ids,
                                bool known, int64_t now_ns);

//  Counts `points` of names refused (store_writer_metric said so), sent by
//  series `key` of `ids`; logged like the series'.
void store_writer_refuse_metric (store_writer_t *self, const char *key, const store_ids_t *ids,
                                 uint32_t points, int64_t now_ns);

//  Counts `points` of metrics new to series `key` left out past
//  max_series_metrics; logged like the series'.
void store_writer_refuse_series_metrics (store_writer_t *self, const char *key,
                                         const store_ids_t *ids, uint32_t points, int64_t now_ns);

//  A bounded step of forgetting: drops from memory the series idle at
//  `now_ns` (all sealed, nothing taken for WRITER_IDLE_NS), and deletes the
//  rows of series not held that hold no point any more (retention or the
//  cap took their chunks). Returns the SQLite code.
int store_writer_forget_empty (store_writer_t *self, int64_t now_ns);

//  How long a series is held after its newest sample (all sealed): an
//  hour, or two seal periods if longer.
int64_t store_writer_idle_ns (const store_writer_t *self);

//  Reads the tables and replays the head into memory. Returns false on a
//  SQLite error or out of memory (then call store_writer_forget).
bool store_writer_load (store_writer_t *self, int64_t now_ns);

//  Drops what memory holds of the file (series, metrics, tiers' state).
void store_writer_forget (store_writer_t *self);

#endif
