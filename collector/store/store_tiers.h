/*  store_tiers.h: the tiers' shared state: rollups (store_rollup.c), retention
    and the size cap (store_retention.c), and the one place chunks are added.

    Rollups are built from the durable tier below, never from memory: tier 1
    (1 minute) is computed from sealed raw chunks one hour-long span at a time,
    tier 2 (1 hour) from tier 1 one day at a time. `watermark[k]` says up to
    which time tier k is complete; it and the series cursor inside the span
    are saved in `meta` in the same transaction as the chunks they describe, so
    a crash neither loses nor doubles a rollup. Queries read tier k before its
    watermark and the finer tiers after it.
*/
#ifndef ZAPM_STORE_TIERS_H
#define ZAPM_STORE_TIERS_H

#include "store_types.h"
#include "loglimit.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define STORE_NS 1000000000LL

//  Width of a bucket per tier (0 for raw), and the longest time one chunk of a
//  tier spans (a raw chunk is sealed before it spans more).
extern const int64_t store_tier_bucket_ns[STORE_TIERS];
extern const int64_t store_tier_span_ns[STORE_TIERS];

//  Tier names in queries and logs: "raw", "1m", "1h".
extern const char *const store_tier_name[STORE_TIERS];

//  How often the cap's deletes of data not yet rolled up are logged.
#define RETENTION_LOG_NS (60 * STORE_NS)

typedef struct {
    sqlite3 *db;                     //  the writer's connection
    store_config_t config;           //  retention and cap (path not used)
    int64_t watermark[STORE_TIERS];  //  tier k >= 1 is complete before this time
    int64_t cursor[STORE_TIERS];     //  last series id rolled up in the current span
    int64_t bytes[STORE_TIERS];      //  chunk bytes held per tier
    int64_t oldest_ns[STORE_TIERS];  //  oldest time per tier (refreshed by retention)
    int64_t unrolled_deleted;        //  chunks the cap deleted before they were rolled up
    loglimit_t unrolled_log;         //  those deletes, counted: a line a minute at most
    int64_t rollup_metrics_left_out; //  metrics past a rollup chunk's columns, per chunk
    sqlite3_stmt *insert;            //  INSERT INTO chunk
    sqlite3_stmt *select_series;     //  chunks of one series and tier in a time range
    sqlite3_stmt *select_oldest;     //  oldest chunks of a tier
    sqlite3_stmt *delete_one;        //  DELETE a chunk by id
    sqlite3_stmt *next_data;         //  first chunk of a tier ending at or after a time
} store_tiers_t;

//  Loads the watermarks and counters from meta (setting them for a new store).
//  Returns false on a SQLite error.
bool store_tiers_init (store_tiers_t *tiers, sqlite3 *db, const store_config_t *config,
                       int64_t now_ns);

//  Finalises the statements.
void store_tiers_free (store_tiers_t *tiers);

//  Inserts a chunk of `tier` into the open transaction. Returns the SQLite code.
int store_tiers_insert (store_tiers_t *tiers, int tier, int64_t series, int64_t t0, int64_t t1,
                        uint32_t rows, const uint8_t *blob, size_t size);

//  Saves watermarks, cursors and byte counts in meta (in the open transaction).
int store_tiers_save (store_tiers_t *tiers);

//  Builds rollups for at most `budget` series (in the open transaction).
//  `open_ns` is the oldest point not yet sealed (INT64_MAX if none), `max_id`
//  the largest series id. Returns the SQLite code.
int store_rollup_step (store_tiers_t *tiers, int64_t now_ns, int64_t open_ns, int64_t max_id,
                       int budget);

//  When store_rollup_step next has work (Unix ns): `now_ns` if it has now,
//  INT64_MAX if only sealing open chunks can give it some.
int64_t store_rollup_due (store_tiers_t *tiers, int64_t now_ns, int64_t open_ns);

//  When store_retention_step next has work (Unix ns): `now_ns` if the cap
//  wants pages back now, else when the oldest chunk of a tier passes its
//  retention; INT64_MAX if nothing will (until more is written or rolled up).
int64_t store_retention_due (store_tiers_t *tiers, int64_t now_ns, int64_t reserve);

//  Deletes what retention and the cap say must go, at most a bounded amount
//  per call (in the open transaction): the pages in use are kept `reserve`
//  bytes below the cap (at most 3/4 of it). Returns the SQLite code.
int store_retention_step (store_tiers_t *tiers, int64_t now_ns, int64_t reserve);

//  Refreshes oldest_ns. Returns the SQLite code.
int store_retention_oldest (store_tiers_t *tiers);

//  Gives free pages back to the file system when the file is over the cap
//  (outside a transaction). Returns the SQLite code.
int store_retention_vacuum (store_tiers_t *tiers);

#endif
