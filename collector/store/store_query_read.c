/*  store_query_read.c: folds a series' chunks into a line's buckets (see
    store_lines.h).

    The hot part of a query: every stored point or rollup row in the window
    passes here once. Each chunk's columns are decoded in one pass over its
    directory into one reused block, and every row folds into its bucket
    (store_fold_add), so a one-second spike survives as the bucket's max
    however wide the bucket is. A rollup row stands for the middle of its
    bucket when the bucket's mean time is computed.
*/
#include "store_chunk.h"
#include "store_lines.h"
#include "store_tiers.h"

#include <math.h>
#include <stdlib.h>

//  Makes room for `values` doubles in lines->block. False if memory ran out.
static bool
s_block (store_lines_t *lines, size_t values)
{
    if (values <= lines->block_cap)
        return true;
    double *block = realloc (lines->block, values * sizeof *block);
    if (!block)
        return false;
    lines->block = block;
    lines->block_cap = values;
    return true;
}

//  The columns a tier's chunk holds for the known metrics: per metric its
//  value (raw) or the four columns of its fold (rollups, store_fold.h).
typedef struct {
    int kinds;                                                   //  columns per metric
    int metrics;                                                 //  known metrics
    int count;                                                   //  columns
    int metric[STORE_LINES_METRICS_MAX];                         //  index in lines->names
    uint32_t keys[STORE_LINES_METRICS_MAX * STORE_ROLLUP_KINDS]; //  column keys
} s_columns_t;

static void
s_columns (s_columns_t *columns, const store_lines_t *lines, int tier)
{
    columns->kinds = tier == STORE_TIER_RAW ? 1 : STORE_ROLLUP_KINDS;
    columns->metrics = columns->count = 0;
    for (int m = 0; m < lines->metric_count; m++) {
        if (!lines->ids[m])
            continue;
        columns->metric[columns->metrics++] = m;
        uint32_t id = (uint32_t) lines->ids[m];
        for (int kind = 0; kind < columns->kinds; kind++)
            columns->keys[columns->count++] =
                tier == STORE_TIER_RAW ? id : store_rollup_key (id, kind);
    }
}

//  Folds the rows of one metric's columns (`column[kind]`) in [lo, hi) into
//  its buckets in `line`.
static void
s_fold_rows (const store_lines_t *lines, store_line_t *line, int m, int kinds,
             const double *const *column, const int64_t *times, uint32_t rows, int64_t lo,
             int64_t hi, int64_t middle)
{
    store_fold_t *folds = line->folds + (size_t) m * (size_t) lines->points;
    for (uint32_t row = 0; row < rows; row++) {
        int64_t t = times[row];
        double v = column[0][row];
        if (t < lo || t >= hi || t < lines->from || t >= lines->to || isnan (v))
            continue;
        int64_t bucket = (t - lines->from) / lines->step;
        double max = v, sum = v, n = 1;
        if (kinds == STORE_ROLLUP_KINDS) {
            max = column[STORE_ROLLUP_MAX][row];
            sum = column[STORE_ROLLUP_SUM][row];
            n = column[STORE_ROLLUP_COUNT][row];
            if (isnan (max) || isnan (sum) || isnan (n))
                continue;
        }
        store_fold_add (&folds[bucket], v, max, sum, n);
        line->time_sum[bucket] += (double) (t + middle - lines->from) * n;
        line->time_count[bucket] += n;
    }
}

bool
store_lines_read (store_lines_t *lines, int tier, int64_t series, int64_t lo, int64_t hi,
                  store_line_t *line)
{
    //  A rollup stands for the middle of its bucket.
    int64_t middle = store_tier_bucket_ns[tier] / 2;
    s_columns_t columns;
    s_columns (&columns, lines, tier);
    int kinds = columns.kinds, count = columns.count;
    double *values[STORE_LINES_METRICS_MAX * STORE_ROLLUP_KINDS];
    int found[STORE_LINES_METRICS_MAX * STORE_ROLLUP_KINDS];
    sqlite3_stmt *stmt = lines->chunks;
    sqlite3_bind_int (stmt, 1, tier);
    sqlite3_bind_int64 (stmt, 2, series);
    sqlite3_bind_int64 (stmt, 3, lo - store_tier_span_ns[tier]);
    sqlite3_bind_int64 (stmt, 4, hi);
    int rc;
    bool ok = true;
    while (count && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        chunk_reader_t reader;
        if (!chunk_reader_open (&reader, sqlite3_column_blob (stmt, 0),
                                (size_t) sqlite3_column_bytes (stmt, 0)) ||
            !chunk_reader_times (&reader, lines->times))
            continue; //  a chunk that does not decode is skipped
        if (!s_block (lines, (size_t) count * reader.rows)) {
            ok = false;
            break;
        }
        for (int c = 0; c < count; c++)
            values[c] = lines->block + (size_t) c * reader.rows;
        chunk_reader_columns (&reader, columns.keys, count, values, found);
        for (int j = 0; j < columns.metrics; j++) {
            bool all = true;
            for (int kind = 0; kind < kinds; kind++)
                all = all && found[j * kinds + kind] > 0;
            if (all)
                s_fold_rows (lines, line, columns.metric[j], kinds,
                             (const double *const *) values + j * kinds, lines->times, reader.rows,
                             lo, hi, middle);
        }
    }
    if (!count)
        rc = SQLITE_DONE; //  no metric known: nothing to read
    sqlite3_reset (stmt);
    return ok && rc == SQLITE_DONE;
}
