/*  query_budget.h: what /api/history answers may hold, each and all at once.

    Before issue 18 a history query allocated whatever its parameters said:
    3,000 series x 23 metrics x 10,000 points reached 9 GiB for a 97 MB
    answer, and a metric named 255 times killed the collector. Now every
    store query has a budget before it starts:

      - its estimate (query_budget_estimate) comes from what memory already
        proves exists: the buckets the matching series' memory points fall
        in, times the arrays the answer prints per bucket. An estimate past
        --query-answer-max is refused with 413 and a hint before anything
        is read. What memory does not know (older points in the store) is
        caught by the store itself, which stops an answer at the same cap
        (STORE_ANSWER_TOO_LARGE), also a 413;
      - all answers in flight (waiting, computed, or being sent to a slow
        reader, until libmicrohttpd frees them) share --query-memory: a
        query that would pass it is refused with 503 and Retry-After. A
        query reserves its estimate and the copy of memory's points that
        goes with it while it waits and runs (the query thread runs one at
        a time, and stops at the cap), then the bytes of its answer until
        the response is freed.

    The memory route's answers (/api/history without store parameters,
    built on the loop and bounded by --history) are not estimated, but they
    count too: one is refused with 503 when the budget is full, and holds
    its size until it is freed.

    Loop thread only: reserve and release run in the HTTP handlers and in
    libmicrohttpd's free callback, both on the loop.
*/
#ifndef ZAPM_QUERY_BUDGET_H
#define ZAPM_QUERY_BUDGET_H

#include "web_stats.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The 503 body of an answer refused for the budget (docs/HTTP-API.md).
#define QUERY_BUDGET_BUSY "busy: answers in flight hold --query-memory; retry in a second\n"

//  Least a query reserves (the buckets of a line, the answer's head).
#define QUERY_BUDGET_FLOOR ((size_t) 64 << 10)

typedef struct _query_budget_t query_budget_t;

//  A budget of `total` bytes for answers in flight, each at most
//  `answer_max`; refusals are counted in stats->query_refused.
query_budget_t *query_budget_new (size_t total, size_t answer_max, web_stats_t *stats);

//  Frees the budget; sets *self_p to NULL.
void query_budget_destroy (query_budget_t **self_p);

//  The budget of all answers in flight (--query-memory).
size_t query_budget_total (const query_budget_t *self);

//  The largest answer allowed (--query-answer-max).
size_t query_budget_answer_max (const query_budget_t *self);

//  Reserves `bytes` for a query; false (counted and logged, rate-limited, as
//  "budget") when that would pass the total.
bool query_budget_reserve (query_budget_t *self, size_t bytes);

//  Gives back `bytes` reserved before.
void query_budget_release (query_budget_t *self, size_t bytes);

//  Bytes reserved now.
size_t query_budget_in_use (const query_budget_t *self);

//  Counts (and logs, rate-limited) a refusal for `reason` with `detail`.
void query_budget_refused (query_budget_t *self, web_refused_t reason, const char *detail);

//  What an answer with `buckets` buckets summed over its lines, `lines`
//  lines and `metrics` metrics is estimated to take, in bytes: per bucket
//  its time and, per metric, mean, min and max (and the mean again under
//  today's name unless `metrics_only`), at QUERY_BUDGET_NUMBER_BYTES each,
//  and one line's buckets on the query thread (metrics x points x 48).
#define QUERY_BUDGET_NUMBER_BYTES 8
#define QUERY_BUDGET_LINE_BYTES   256
size_t query_budget_estimate (uint64_t buckets, uint64_t lines, int metrics, int points,
                              bool metrics_only);

//  What a memory answer joined with the store (history.h) is estimated to
//  take: `numbers` numbers at QUERY_BUDGET_NUMBER_BYTES each, `lines` lines
//  and `held` bytes the query thread holds while it prints the largest line.
size_t query_budget_estimate_raw (double numbers, uint64_t lines, double held);

//  The time of point i of `points` (a series' memory, say).
typedef double (query_time_fn) (const void *points, size_t i);

//  How many of the `buckets` buckets of [from, to) (seconds) the count
//  points, sorted by time, fall in: a bucket with several points counts once.
uint64_t query_budget_buckets (query_time_fn *time_of, const void *points, size_t count,
                               double from, double to, int buckets);

//  Queues `json` (malloc'd, `size` bytes, taken whatever happens) as a 200
//  application/json answer whose `reserved` bytes stay reserved until
//  libmicrohttpd frees the response (its free callback): a reader that
//  stalls holds them, and they count.
enum MHD_Result query_budget_send (query_budget_t *self, struct MHD_Connection *connection,
                                   char *json, size_t size, size_t reserved);

//  Sends `body` (malloc'd, NUL-terminated, taken whatever happens; NULL for
//  out of memory), an answer built on the loop (/metrics, /api/agents), as a
//  200 of `content_type` that holds its size in the budget until freed, as
//  query_budget_send does; 503 with Retry-After when it does not fit beside
//  the answers in flight (query_budget_grow: alone, it always goes). So
//  stalled readers of /metrics (29 MB at 10,000 series) cannot pile up.
//  With `in_flight` (a counter of this kind's answers being sent, kept by
//  the caller, NULL for none), the first of the kind always goes: /metrics
//  answers a scraper even while stalled history readers fill the budget.
enum MHD_Result query_budget_answer (query_budget_t *self, struct MHD_Connection *connection,
                                     char *body, const char *content_type, uint32_t *in_flight);

//  Sets `held` bytes reserved before to `now` bytes (an answer's actual size
//  once it is in). Shrinking always succeeds. Growing fails, counted as a
//  budget refusal with `held` still reserved, when the other answers in
//  flight and `now` would pass --query-memory; an answer larger than the
//  whole budget still goes when nothing else is in flight (the memory
//  route's answers are bounded by --history x --max-series, not by the
//  budget, and must not be refused for ever). The caller then frees the
//  answer and replies 503.
bool query_budget_grow (query_budget_t *self, size_t held, size_t now);

#endif
