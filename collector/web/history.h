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
//  413 when the store stopped it at the cap. The answer's bytes stay
//  reserved in the budget until libmicrohttpd frees the response.
enum MHD_Result history_answer (history_job_t *self, struct MHD_Connection *connection);

//  Frees a job once its request has completed; nullifies *self_p.
void history_destroy (history_job_t **self_p);

#endif
