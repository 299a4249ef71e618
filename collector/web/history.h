/*  history.h: /api/history answered from the durable store (issue 11).

    A request that asks for a range (`from`, `to`, or `seconds` beyond the
    86400 the memory route takes), `metric=`, `points=` or `group=` goes to
    the store: the
    connection is suspended while the store's query thread works, and the
    answer comes back on the loop (store_dispatch), which resumes it. Before
    the answer is queued, the newest in-memory points after each line's
    `until` (what the store has not sealed yet) are folded into the same
    buckets, so nothing is missing at the seam. Shape: docs/HTTP-API.md.
*/
#ifndef ZAPM_HISTORY_H
#define ZAPM_HISTORY_H

#include "query.h"
#include "query_budget.h"
#include "series.h"
#include "store.h"

#include <microhttpd.h>
#include <stdbool.h>

//  The longest `seconds=` the memory route answers (as before the store; the
//  dashboard's backfill asks for 900): a longer one goes to the store.
#define HISTORY_MEMORY_S QUERY_SECONDS_MAX

typedef struct _history_job_t history_job_t;

//  True when the request's parameters need the store.
bool history_wants_store (struct MHD_Connection *connection);

//  Parses the request, checks it against `budget` (query_budget.h) and
//  starts its query. On success returns a job; the caller suspends the
//  connection, and when the answer is in, the job sets *resumed to true
//  after resuming it. On failure returns NULL with the HTTP status (400,
//  413 or 503) and a static text in *status and *error.
history_job_t *history_start (store_t *store, series_map_t *series, query_budget_t *budget,
                              struct MHD_Connection *connection, bool *resumed, unsigned *status,
                              const char **error);

//  Queues the answer of a finished job on its (resumed) connection: 200, or
//  413 when the store stopped it at the cap (a memory answer's job: memory's
//  answer alone, with "partial"). The answer's bytes stay
//  reserved in the budget until libmicrohttpd frees the response.
enum MHD_Result history_answer (history_job_t *self, struct MHD_Connection *connection);

//  -------------------------------------------------------------- the memory answer
//
//  /api/history without store parameters answers from memory (api.c), which
//  keeps --history points per series: at 20 Hz, 600 points are 30 s. With
//  the store on, a window that starts before some matching series' oldest
//  memory point is answered in the same shape with each such series' stored
//  raw points before that point put in front of memory's (store_query_raw.c,
//  on the store's query thread, like the store route). Estimated and
//  reserved in the budget the same way; when the estimate or the answer
//  passes --query-answer-max, or the store's queue is full, the answer is
//  memory's alone with "partial" saying why (ZAPM_HISTORY_PARTIAL_*).

//  Bytes the query thread holds per stored point of a series while it
//  prints it (store_query_raw.c's s_point_t, rounded up).
#define HISTORY_RAW_POINT_BYTES 96

//  True when memory misses part of the last `seconds` for a series `glob`
//  matches: its oldest point is after the window's start.
bool history_needs_store (series_map_t *series, const char *glob, double seconds);

//  Starts the memory answer of the last `seconds` joined with the store. On
//  success returns a job, as history_start. Else NULL with either *partial
//  set (the store cannot fill it in: answer with history_memory_answer and
//  that reason) or the HTTP status (503) and static text in *status and *error.
history_job_t *history_start_memory (store_t *store, series_map_t *series, query_budget_t *budget,
                                     struct MHD_Connection *connection, bool *resumed,
                                     const char *glob, double seconds, unsigned *status,
                                     const char **error, const char **partial);

//  Queues memory's answer of the last `seconds` (api.c) with `partial` (NULL:
//  none), or 503 with Retry-After when --query-memory is full. The answer is
//  streamed: written one series at a time as the client reads (api_history_next),
//  so the loop never builds the whole (12 MB and half a second at 3,000
//  series) and a stalled reader holds one series' text. (A HEAD request is
//  answered before this: http.c.)
enum MHD_Result history_memory_answer (series_map_t *series, query_budget_t *budget,
                                       struct MHD_Connection *connection, const char *glob,
                                       double seconds, const char *partial);

//  Frees a job once its request has completed; nullifies *self_p.
void history_destroy (history_job_t **self_p);

#endif
