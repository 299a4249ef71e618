/*  store_rollup.c: builds the 1-minute and 1-hour tiers from the tier below.

    One step rolls up a few series of the oldest incomplete span (see
    store_tiers.h). Tier 1's span [W, W + 1 h) is ready when every point in it
    has been sealed: the clock is past the span by the accepted lateness of a
    point plus a seal interval, and no open chunk starts before the span's
    end. Tier 2's day is ready when tier 1 has passed it. A stretch without
    data (the collector was stopped) is skipped in one jump.

    Sums are kept to 6 decimal places so that the decimal code of
    store_chunk.c stays compact (a sum of decimals in binary floating point is
    rarely an exact short decimal); min, max and count are exact.
*/
#include "store_chunk.h"
#include "store_fold.h"
#include "store_tiers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  The most buckets a span holds (60 minutes, 24 hours).
#define ROLLUP_BUCKETS_MAX 60

typedef struct {
    uint32_t metric;                         //  metric id
    store_fold_t bucket[ROLLUP_BUCKETS_MAX]; //  per bucket
} s_agg_t;

typedef struct {
    s_agg_t *aggs;  //  one per metric seen
    uint32_t count; //  in use
    uint32_t cap;   //  allocated
    int buckets;    //  buckets in the span
    int64_t start;  //  span start, ns
    int64_t width;  //  bucket width, ns
} s_span_t;

static s_agg_t *
s_agg (s_span_t *span, uint32_t metric)
{
    for (uint32_t i = 0; i < span->count; i++)
        if (span->aggs[i].metric == metric)
            return &span->aggs[i];
    if (span->count == span->cap) {
        uint32_t cap = span->cap ? span->cap * 2 : 32;
        s_agg_t *aggs = realloc (span->aggs, cap * sizeof *aggs);
        if (!aggs)
            return NULL;
        span->aggs = aggs;
        span->cap = cap;
    }
    s_agg_t *agg = &span->aggs[span->count++];
    agg->metric = metric;
    store_fold_empty (agg->bucket, ROLLUP_BUCKETS_MAX);
    return agg;
}

typedef struct {
    uint32_t keys[CHUNK_COLUMNS_MAX]; //  column keys of the chunk
    uint32_t count;                   //  how many
} s_keys_t;

static void
s_collect_key (void *arg, uint32_t key)
{
    s_keys_t *keys = arg;
    if (keys->count < CHUNK_COLUMNS_MAX)
        keys->keys[keys->count++] = key;
}

//  Folds one source chunk of tier `source` into the span.
static bool
s_fold (s_span_t *span, int source, const void *blob, size_t size, int64_t *times, double *a,
        double *b, double *c, double *d, s_keys_t *keys)
{
    chunk_reader_t reader;
    if (!chunk_reader_open (&reader, blob, size) || !chunk_reader_times (&reader, times))
        return false; //  a corrupt chunk is skipped
    keys->count = 0;
    chunk_reader_keys (&reader, s_collect_key, keys);
    for (uint32_t i = 0; i < keys->count; i++) {
        uint32_t key = keys->keys[i];
        uint32_t metric = source == STORE_TIER_RAW ? key : store_rollup_metric (key);
        if (source != STORE_TIER_RAW && store_rollup_kind (key) != STORE_ROLLUP_MIN)
            continue; //  the four columns of a metric are read together
        s_agg_t *agg = s_agg (span, metric);
        if (!agg)
            return false;
        if (source == STORE_TIER_RAW) {
            if (chunk_reader_column (&reader, key, a) < 0)
                continue;
        }
        else if (chunk_reader_column (&reader, key, a) < 0 ||
                 chunk_reader_column (&reader, store_rollup_key (metric, STORE_ROLLUP_MAX), b) <
                     0 ||
                 chunk_reader_column (&reader, store_rollup_key (metric, STORE_ROLLUP_SUM), c) <
                     0 ||
                 chunk_reader_column (&reader, store_rollup_key (metric, STORE_ROLLUP_COUNT), d) <
                     0)
            continue;
        for (uint32_t row = 0; row < reader.rows; row++) {
            if (isnan (a[row]) || times[row] < span->start)
                continue;
            int64_t bucket = (times[row] - span->start) / span->width;
            if (bucket >= span->buckets)
                continue;
            double lo = a[row], hi = a[row], sum = a[row], n = 1;
            if (source != STORE_TIER_RAW) {
                if (isnan (b[row]) || isnan (c[row]) || isnan (d[row]))
                    continue;
                hi = b[row], sum = c[row], n = d[row];
            }
            store_fold_add (&agg->bucket[bucket], lo, hi, sum, n);
        }
    }
    return true;
}

static double
s_round_sum (double sum)
{
    return fabs (sum) < 1e9 ? nearbyint (sum * 1e6) / 1e6 : sum;
}

//  Writes the span's rollup chunk for `series` into tier `tier`.
static int
s_write (store_tiers_t *tiers, int tier, int64_t series, s_span_t *span)
{
    chunk_builder_t builder = {0};
    int rc = SQLITE_OK;
    int64_t t0 = 0, t1 = 0;
    //  A rollup chunk holds at most CHUNK_COLUMNS_MAX / STORE_ROLLUP_KINDS
    //  metrics (the first ones seen): the rest are left out and counted, so
    //  that one series with thousands of metric names cannot fail the commit
    //  of every series, again after every restart.
    uint32_t room = CHUNK_COLUMNS_MAX / STORE_ROLLUP_KINDS;
    uint32_t kept = span->count < room ? span->count : room;
    tiers->rollup_metrics_left_out += span->count - kept;
    for (int bucket = 0; bucket < span->buckets && rc == SQLITE_OK; bucket++) {
        bool any = false;
        for (uint32_t i = 0; i < kept && !any; i++)
            any = span->aggs[i].bucket[bucket].count > 0;
        if (!any)
            continue;
        int64_t t = span->start + bucket * span->width;
        if (!chunk_builder_row (&builder, t))
            rc = SQLITE_NOMEM;
        if (builder.rows == 1)
            t0 = t;
        t1 = t;
        for (uint32_t i = 0; i < kept && rc == SQLITE_OK; i++) {
            s_agg_t *agg = &span->aggs[i];
            const store_fold_t *fold = &agg->bucket[bucket];
            if (fold->count == 0)
                continue;
            double values[STORE_ROLLUP_KINDS];
            values[STORE_ROLLUP_MIN] = fold->min;
            values[STORE_ROLLUP_MAX] = fold->max;
            values[STORE_ROLLUP_SUM] = s_round_sum (fold->sum);
            values[STORE_ROLLUP_COUNT] = fold->count;
            for (int kind = 0; kind < STORE_ROLLUP_KINDS && rc == SQLITE_OK; kind++) {
                int column = chunk_builder_column (&builder, store_rollup_key (agg->metric, kind),
                                                   (int) store_rollup_key (i, kind));
                if (column < 0 || !chunk_builder_put (&builder, column, values[kind]))
                    rc = SQLITE_NOMEM;
            }
        }
    }
    uint8_t *blob = NULL;
    size_t size = 0;
    if (rc == SQLITE_OK && builder.rows > 0) {
        if (chunk_builder_seal (&builder, &blob, &size))
            rc = store_tiers_insert (tiers, tier, series, t0, t1, builder.rows, blob, size);
        else
            rc = SQLITE_NOMEM;
    }
    free (blob);
    chunk_builder_free (&builder);
    return rc;
}

//  Rolls up one series for the span of tier `tier` starting at `start`.
static int
s_rollup_series (store_tiers_t *tiers, int tier, int64_t series, int64_t start)
{
    int source = tier - 1;
    s_span_t span = {.buckets = (int) (store_tier_span_ns[tier] / store_tier_bucket_ns[tier]),
                     .start = start,
                     .width = store_tier_bucket_ns[tier]};
    int64_t end = start + store_tier_span_ns[tier];
    sqlite3_stmt *stmt = tiers->select_series;
    sqlite3_bind_int (stmt, 1, source);
    sqlite3_bind_int64 (stmt, 2, series);
    sqlite3_bind_int64 (stmt, 3, start - store_tier_span_ns[source]);
    sqlite3_bind_int64 (stmt, 4, end);
    size_t rows = CHUNK_ROWS_MAX;
    int64_t *times = malloc (rows * sizeof *times);
    double *columns = malloc (4 * rows * sizeof *columns);
    s_keys_t *keys = malloc (sizeof *keys);
    int rc = times && columns && keys ? SQLITE_OK : SQLITE_NOMEM;
    while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        //  A chunk that does not decode (corrupt on disk) is skipped.
        s_fold (&span, source, sqlite3_column_blob (stmt, 1),
                (size_t) sqlite3_column_bytes (stmt, 1), times, columns, columns + rows,
                columns + 2 * rows, columns + 3 * rows, keys);
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_reset (stmt);
    if (rc == SQLITE_OK && span.count > 0)
        rc = s_write (tiers, tier, series, &span);
    free (times);
    free (columns);
    free (keys);
    free (span.aggs);
    return rc;
}

//  How long after its end a 1-minute span is rolled up: points may arrive that
//  late (the past window) and wait that long in open chunks.
static int64_t
s_grace (store_tiers_t *tiers)
{
    return (tiers->config.past_window_s + 2 * tiers->config.seal_s + 60) * STORE_NS;
}

//  True when the span of tier `tier` that starts at the watermark is complete.
static bool
s_ready (store_tiers_t *tiers, int tier, int64_t now_ns, int64_t open_ns)
{
    int64_t end = tiers->watermark[tier] + store_tier_span_ns[tier];
    if (tier > 1)
        return end <= tiers->watermark[tier - 1];
    return end + s_grace (tiers) <= now_ns && end <= open_ns;
}

int64_t
store_rollup_due (store_tiers_t *tiers, int64_t now_ns, int64_t open_ns)
{
    for (int tier = 1; tier < STORE_TIERS; tier++)
        if (tiers->cursor[tier] != 0 || s_ready (tiers, tier, now_ns, open_ns))
            return now_ns; //  a span in progress, or one ready
    int64_t end = tiers->watermark[1] + store_tier_span_ns[1];
    //  Tier 2 follows tier 1; tier 1 waits for the span's open chunks to be
    //  sealed (the writer commits meanwhile anyway), then for the grace.
    return end <= open_ns ? end + s_grace (tiers) : INT64_MAX;
}

//  At the start of a span: moves the watermark over spans that are complete
//  and hold no data (the collector was stopped), without visiting every series.
static int
s_skip_empty (store_tiers_t *tiers, int tier, int64_t now_ns, int64_t open_ns)
{
    int64_t span = store_tier_span_ns[tier];
    sqlite3_stmt *stmt = tiers->next_data;
    sqlite3_bind_int (stmt, 1, tier - 1);
    sqlite3_bind_int64 (stmt, 2, tiers->watermark[tier]);
    int rc = sqlite3_step (stmt);
    //  The earliest time a source chunk ending at or after the watermark can start.
    int64_t next = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) - store_tier_span_ns[tier - 1]
                                    : INT64_MAX;
    sqlite3_reset (stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rc;
    while (s_ready (tiers, tier, now_ns, open_ns) && tiers->watermark[tier] + span <= next)
        tiers->watermark[tier] += span;
    return SQLITE_OK;
}

int
store_rollup_step (store_tiers_t *tiers, int64_t now_ns, int64_t open_ns, int64_t max_id,
                   int budget)
{
    for (int tier = 1; tier < STORE_TIERS; tier++) {
        while (budget > 0 && s_ready (tiers, tier, now_ns, open_ns)) {
            if (tiers->cursor[tier] == 0) {
                int64_t before = tiers->watermark[tier];
                int rc = s_skip_empty (tiers, tier, now_ns, open_ns);
                if (rc != SQLITE_OK)
                    return rc;
                if (tiers->watermark[tier] != before)
                    continue; //  check readiness of the new span
            }
            if (tiers->cursor[tier] >= max_id) {
                tiers->watermark[tier] += store_tier_span_ns[tier];
                tiers->cursor[tier] = 0;
                continue;
            }
            int64_t series = ++tiers->cursor[tier];
            int rc = s_rollup_series (tiers, tier, series, tiers->watermark[tier]);
            if (rc != SQLITE_OK)
                return rc;
            budget--;
        }
    }
    return SQLITE_OK;
}
