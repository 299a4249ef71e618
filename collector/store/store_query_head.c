/*  store_query_head.c: folds the head rows' points into a query's lines
    (see store_lines.h).

    A series' chunks reach its sealed time (`until`, up to seal_s old: 60 s
    by default); the join folds memory's points after it. But memory keeps
    --history points: at 20 Hz the default 600 are 30 s, so the points
    between `until` and memory's oldest were in neither, and a 1 h window
    lacked up to half a minute before memory (issue 19). They are committed
    in the head rows (store_head.h) until they are sealed. So the head is read
    once per query, for the members whose memory does not reach back to their
    sealed time, and only the points in (sealed, memory's oldest) of the
    metrics asked for are kept, sorted by series and time; each line folds
    its members' ones with its chunks.
*/
#include "store_db.h"
#include "store_head.h"
#include "store_lines.h"

#include <math.h>
#include <stdlib.h>

static int
s_by_series_time (const void *a, const void *b)
{
    const store_head_point_t *x = a, *y = b;
    if (x->series != y->series)
        return (x->series > y->series) - (x->series < y->series);
    return (x->t > y->t) - (x->t < y->t);
}

//  The wanted range of `series` in want[0..count) (sorted by series), or NULL.
static const store_head_want_t *
s_want_of (const store_head_want_t *want, size_t count, int64_t series)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (want[mid].series < series)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && want[lo].series == series ? &want[lo] : NULL;
}

static int
s_want_by_series (const void *a, const void *b)
{
    const store_head_want_t *x = a, *y = b;
    return (x->series > y->series) - (x->series < y->series);
}

static bool
s_push (store_head_points_t *points, const store_head_point_t *point)
{
    if (points->count == points->cap) {
        size_t cap = points->cap ? points->cap * 2 : 256;
        store_head_point_t *at = realloc (points->at, cap * sizeof *at);
        if (!at)
            return false;
        points->at = at;
        points->cap = cap;
    }
    points->at[points->count++] = *point;
    return true;
}

bool
store_lines_head_read (const store_lines_t *lines, store_head_want_t *want, size_t count,
                       store_head_points_t *out)
{
    if (!count)
        return true;
    qsort (want, count, sizeof *want, s_want_by_series);
    sqlite3_stmt *stmt = store_db_prepare (lines->db, "SELECT data FROM head ORDER BY id");
    if (!stmt)
        return false;
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        store_head_reader_t reader = {sqlite3_column_blob (stmt, 0),
                                      (size_t) sqlite3_column_bytes (stmt, 0), 0};
        uint64_t series, points;
        int64_t t;
        while (ok && store_head_next_sample (&reader, &series, &t, &points)) {
            const store_head_want_t *range =
                series < INT64_MAX ? s_want_of (want, count, (int64_t) series) : NULL;
            bool inside =
                range && t > range->after && t < range->before && t >= lines->from && t < lines->to;
            bool damaged = false;
            for (uint64_t i = 0; i < points && !damaged; i++) {
                uint64_t metric;
                double value;
                damaged = !store_head_next_point (&reader, &metric, &value);
                for (int m = 0; !damaged && inside && m < lines->metric_count; m++)
                    if (lines->ids[m] > 0 && (uint64_t) lines->ids[m] == metric && !isnan (value))
                        ok = ok && s_push (out, &(store_head_point_t){.series = (int64_t) series,
                                                                      .t = t,
                                                                      .metric = m,
                                                                      .value = value});
            }
        }
    }
    sqlite3_finalize (stmt);
    if (ok && out->count > 1)
        qsort (out->at, out->count, sizeof *out->at, s_by_series_time);
    return ok && rc == SQLITE_DONE;
}

void
store_lines_head_fold (const store_lines_t *lines, store_line_t *line,
                       const store_head_points_t *points, int64_t series)
{
    size_t lo = 0, hi = points->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (points->at[mid].series < series)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t last = INT64_MIN;
    for (size_t i = lo; i < points->count && points->at[i].series == series; i++) {
        const store_head_point_t *point = &points->at[i];
        int64_t bucket = (point->t - lines->from) / lines->step;
        store_fold_point (
            &line->folds[(size_t) point->metric * (size_t) lines->points + (size_t) bucket],
            point->value);
        //  A sample's time counts once, whatever its number of metrics.
        if (point->t != last) {
            line->time_sum[bucket] += (double) (point->t - lines->from);
            line->time_count[bucket] += 1;
        }
        last = point->t;
    }
}
