/*  store_query.h: answers a history query from the store's file, as JSON.

    Runs on the store's query thread, on its own connection, inside one read
    transaction (a consistent snapshot while the writer goes on). The answer's
    shape is the new /api/history, documented in docs/HTTP-API.md and
    docs/STORE.md.

    Tier choice: the finest tier whose retention reaches back to `from` and
    that is not needlessly fine: the coarsest such tier whose buckets are at
    most 1.25 times the query's step ((to - from) / points). So 24 h at 800
    points (108 s a step) reads 1-minute rollups and 30 days (54 min) 1-hour
    rollups, returning 720 buckets. Past a tier's watermark (the last hours
    not rolled up yet) the finer tiers fill in, down to raw. If the tier so
    chosen holds nothing as old as `from` (the size cap trimmed it), the
    query reads first a coarser tier that reaches back further.
*/
#ifndef ZAPM_STORE_QUERY_H
#define ZAPM_STORE_QUERY_H

#include "store_memory.h"
#include "store_types.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

//  Runs `query` on `db`. `retention_s` are the store's retentions per tier.
//  Returns malloc'd JSON text (its length in *size), or NULL on error.
char *store_query_run (sqlite3 *db, const store_query_t *query, const int64_t *retention_s,
                       int64_t now_ns, size_t *size);

//  Runs a `raw` query (store_query_t): the memory answer of /api/history,
//  each memory series' window before its seam filled in from the raw tier
//  (store_query_raw.c). Returns malloc'd JSON text (its length in *size), or
//  NULL on error (*size STORE_ANSWER_TOO_LARGE past max_bytes).
char *store_query_raw (sqlite3 *db, const store_query_t *query, int64_t now_ns, size_t *size);

//  The tier a window [from, to] of `points` reads first by retention and
//  step; store_query_run may go coarser by what the tiers hold.
int store_query_tier (const int64_t *retention_s, int64_t now_ns, int64_t from_ns, int64_t to_ns,
                      int points);

//  Custom metrics a query without `metric=` adds to the charted ones
//  (store_query_custom.c).
#define STORE_QUERY_CUSTOMS_MAX ZAPM_HISTORY_CUSTOM_MAX

//  Fills names[0..max) with the custom.* paths a query without `metric=`
//  adds: those of `memory`'s series first, then the newest of `db`'s metric
//  table. Returns how many; the caller frees each.
int store_query_customs (sqlite3 *db, const store_memory_t *memory, char **names, int max);

#endif
