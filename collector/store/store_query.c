/*  store_query.c: range query, tier choice and resampling (see store_query.h).

    A query's window is cut into `points` buckets of equal width. Every point
    (raw tier) or rollup (min, max, sum, count) that falls in a bucket is
    folded into that bucket's min, max, sum and count, so a one-second spike
    survives as the bucket's max however wide the bucket is. Series are
    grouped into lines (per series or per service) before folding, so a
    service's line runs on across a restart that gave it a new pid.

    Only buckets where some requested metric has data are printed; `t` gives
    their mean times, and every array is aligned with `t`.

    The join with memory happens here too, on the query thread: the points
    the loop copied (store_memory.h) that are newer than their own series'
    sealed time (not the line's `until`: a service's members seal at
    staggered times) are folded into the same buckets before printing, and a
    series the store holds nothing of gets a line of its own. The loop only
    sends the bytes.
*/
#include "store_query.h"
#include "store_chunk.h"
#include "store_db.h"
#include "store_memory.h"
#include "store_tiers.h"
#include "wire.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_METRICS_MAX    64
#define QUERY_POINTS_DEFAULT 800
//  A memory point within this of its line's `until` is the stored one (the
//  sample's time went through a double on one side only).
#define QUERY_UNTIL_SLACK_NS 500000

//  The charted metrics (wire.h): their stored names, the default of a query
//  that names none, and their current /api/history names, in one order.
static const char *const s_charted_paths[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_PATHS;
static const char *const s_charted_columns[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_COLUMNS;

typedef struct {
    double min, max, sum, count;
} s_cell_t;

typedef struct {
    int64_t id;        //  series id
    store_who_t who;   //  its identity
    int64_t last_ns;   //  sealed up to here
    const char *group; //  the key or the service (of who)
} s_series_t;

typedef struct {
    s_series_t *first;  //  the first series of the line
    size_t members;     //  series in the line
    int64_t until_ns;   //  newest durable time in the line, 0 if none
    s_cell_t *cells;    //  metric_count x points
    double *time_sum;   //  per bucket: sum of (time - from) x weight, ns
    double *time_count; //  per bucket: sum of weights
} s_line_t;

typedef struct {
    char *data;
    size_t size, cap;
    bool failed;
} s_out_t;

typedef struct {
    sqlite3 *db;
    int64_t from, to, step; //  window and bucket width, ns
    int points;
    int metric_count;
    bool metrics_only; //  no arrays under today's names
    char *names[QUERY_METRICS_MAX];
    int64_t ids[QUERY_METRICS_MAX]; //  0 when unknown
    sqlite3_stmt *chunks;
    int64_t *times;                        //  a chunk's times
    double *block;                         //  a chunk's decoded columns
    size_t block_cap;                      //  doubles allocated in `block`
    s_out_t means;                         //  the current line's mean arrays, printed once
    size_t mean_at[QUERY_METRICS_MAX + 1]; //  where each metric's starts in `means`
} s_query_t;

//  --------------------------------------------------------------------------
//  Output

static void
s_reserve (s_out_t *out, size_t more)
{
    if (out->failed || out->size + more <= out->cap)
        return;
    size_t cap = out->cap ? out->cap * 2 : 65536;
    while (cap < out->size + more)
        cap *= 2;
    char *data = realloc (out->data, cap);
    if (!data) {
        out->failed = true;
        return;
    }
    out->data = data;
    out->cap = cap;
}

static void
s_raw (s_out_t *out, const char *text, size_t size)
{
    s_reserve (out, size);
    if (out->failed)
        return;
    memcpy (out->data + out->size, text, size);
    out->size += size;
}

static void
s_text (s_out_t *out, const char *text)
{
    s_raw (out, text, strlen (text));
}

static void
s_string (s_out_t *out, const char *text)
{
    if (!text) {
        s_text (out, "null");
        return;
    }
    s_reserve (out, strlen (text) * 6 + 2);
    if (out->failed)
        return;
    char *at = out->data + out->size;
    *at++ = '"';
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *at++ = '\\';
            *at++ = (char) *p;
        }
        else if (*p < 0x20)
            at += sprintf (at, "\\u%04x", *p);
        else
            *at++ = (char) *p;
    }
    *at++ = '"';
    out->size = (size_t) (at - out->data);
}

//  "00" to "99", for printing two digits at a time.
static const char s_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                              "34353637383940414243444546474849505152535455565758596061626364656667"
                              "6869707172737475767778798081828384858687888990919293949596979899";

//  Writes `value` in decimal at `at`; returns the end.
static char *
s_u64 (char *at, uint64_t value)
{
    static const uint64_t powers[] = {1ULL,
                                      10ULL,
                                      100ULL,
                                      1000ULL,
                                      10000ULL,
                                      100000ULL,
                                      1000000ULL,
                                      10000000ULL,
                                      100000000ULL,
                                      1000000000ULL,
                                      10000000000ULL,
                                      100000000000ULL,
                                      1000000000000ULL,
                                      10000000000000ULL,
                                      100000000000000ULL,
                                      1000000000000000ULL,
                                      10000000000000000ULL,
                                      100000000000000000ULL,
                                      1000000000000000000ULL,
                                      10000000000000000000ULL};
    //  Digits: log10 from the bit length (1233 / 4096 ~ log10 2), then exact.
    int bits = 64 - __builtin_clzll (value | 1);
    int length = (bits * 1233) >> 12;
    length += length < 20 && value >= powers[length];
    length += !length;
    char *end = at + length;
    while (value >= 100) {
        end -= 2;
        memcpy (end, s_pairs + 2 * (value % 100), 2);
        value /= 100;
    }
    if (value >= 10)
        memcpy (end - 2, s_pairs + 2 * value, 2);
    else
        end[-1] = (char) ('0' + value);
    return at + length;
}

//  Prints a number with 10 significant digits (integers exactly), or null.
//  Hand-written because an answer holds hundreds of thousands of numbers:
//  the value is rounded once to an integer of 10 digits, whose digits are
//  printed with the decimal point put in place and trailing zeros cut.
static void
s_number (s_out_t *out, double value)
{
    s_reserve (out, 32);
    if (out->failed)
        return;
    char *at = out->data + out->size, *start = at;
    if (!isfinite (value)) {
        memcpy (at, "null", 4);
        out->size += 4;
        return;
    }
    double magnitude = fabs (value);
    if (magnitude < 1e-4 || magnitude >= 1e15) {
        out->size += (size_t) sprintf (at, "%.10g", value);
        return;
    }
    if (value < 0)
        *at++ = '-';
    if (magnitude == (double) (int64_t) magnitude) {
        at = s_u64 (at, (uint64_t) magnitude);
        out->size += (size_t) (at - start);
        return;
    }
    static const double powers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int digits = 1;
    while (digits < 15 && magnitude >= powers[digits])
        digits++;
    int decimals = magnitude < 1 ? 10 : digits >= 10 ? 0 : 10 - digits;
    char text[24];
    int length = (int) (s_u64 (text, (uint64_t) (magnitude * powers[decimals] + 0.5)) - text);
    //  The fraction's digits, without the trailing zeros.
    int whole = length - decimals;
    int last = length;
    while (last > (whole > 0 ? whole : 0) && text[last - 1] == '0')
        last--;
    if (whole > 0) {
        memcpy (at, text, (size_t) whole);
        at += whole;
    }
    else
        *at++ = '0';
    if (last > whole) {
        *at++ = '.';
        for (int zero = whole; zero < 0; zero++)
            *at++ = '0';
        int from = whole > 0 ? whole : 0;
        memcpy (at, text + from, (size_t) (last - from));
        at += last - from;
    }
    out->size += (size_t) (at - start);
}

//  Prints Unix nanoseconds as seconds with up to 3 decimals.
static void
s_time (s_out_t *out, int64_t ns)
{
    s_reserve (out, 32);
    if (out->failed)
        return;
    int64_t ms = ns >= 0 ? (ns + 500000) / 1000000 : -((-ns + 500000) / 1000000);
    char *at = out->data + out->size, *start = at;
    if (ms < 0) {
        *at++ = '-';
        ms = -ms;
    }
    at = s_u64 (at, (uint64_t) (ms / 1000));
    int n = (int) (at - start);
    at = start;
    int frac = (int) (ms % 1000);
    if (frac) {
        at[n++] = '.';
        at[n++] = (char) ('0' + frac / 100);
        if (frac % 100) {
            at[n++] = (char) ('0' + frac / 10 % 10);
            if (frac % 10)
                at[n++] = (char) ('0' + frac % 10);
        }
    }
    out->size += (size_t) n;
}

//  --------------------------------------------------------------------------
//  Reading

int
store_query_tier (const int64_t *retention_s, int64_t now_ns, int64_t from_ns, int64_t to_ns,
                  int points)
{
    int64_t step = (to_ns - from_ns) / (points > 0 ? points : 1);
    int finest = STORE_TIERS - 1;
    for (int tier = 0; tier < STORE_TIERS; tier++)
        if (now_ns - retention_s[tier] * STORE_NS <= from_ns) {
            finest = tier;
            break;
        }
    int chosen = finest;
    for (int tier = finest + 1; tier < STORE_TIERS; tier++)
        if ((double) store_tier_bucket_ns[tier] <= 1.25 * (double) step)
            chosen = tier;
    return chosen;
}

//  The tier to read first given what the tiers hold: `tier` (chosen by
//  retention and step) if its oldest chunk reaches back to `from`, else the
//  coarser tier that reaches back further (by a whole bucket). The size
//  cap trims raw long before its retention, and rollups of the span it cut
//  are still there. A tier's oldest time is the t0 of its chunk with the
//  smallest t1, as store_retention_oldest has it (chunk_age index).
static int
s_tier_held (sqlite3 *db, int tier, int64_t from_ns)
{
    sqlite3_stmt *stmt =
        store_db_prepare (db, "SELECT t0 FROM chunk WHERE tier = ? ORDER BY t1 LIMIT 1");
    if (!stmt)
        return tier;
    int best = tier;
    int64_t best_ns = INT64_MAX;
    for (int k = tier; k < STORE_TIERS; k++) {
        sqlite3_bind_int (stmt, 1, k);
        int64_t oldest =
            sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : INT64_MAX;
        sqlite3_reset (stmt);
        //  A rollup's t0 is its bucket's start: it reaches back further only
        //  with a whole bucket before the finer tier's oldest point.
        if (oldest == INT64_MAX)
            continue;
        if (best_ns == INT64_MAX || oldest + store_tier_bucket_ns[k] <= best_ns) {
            best = k;
            best_ns = oldest;
        }
        if (best_ns <= from_ns)
            break;
    }
    sqlite3_finalize (stmt);
    return best;
}

//  Makes room for `values` doubles in query->block. False if memory ran out.
static bool
s_block (s_query_t *query, size_t values)
{
    if (values <= query->block_cap)
        return true;
    double *block = realloc (query->block, values * sizeof *block);
    if (!block)
        return false;
    query->block = block;
    query->block_cap = values;
    return true;
}

//  Folds the chunks of `series` in tier `tier` within [lo, hi) into `cells`.
//  Each chunk's columns are decoded in one pass over its directory.
static bool
s_read (s_query_t *query, int tier, int64_t series, int64_t lo, int64_t hi, s_line_t *line_out)
{
    s_cell_t *cells = line_out->cells;
    //  A rollup stands for the middle of its bucket.
    int64_t middle = store_tier_bucket_ns[tier] / 2;
    //  The columns: per known metric, its value (raw) or min, max, sum, count.
    int kinds = tier == STORE_TIER_RAW ? 1 : 4;
    uint32_t keys[QUERY_METRICS_MAX * 4];
    int metric[QUERY_METRICS_MAX], metrics = 0, count = 0;
    for (int m = 0; m < query->metric_count; m++) {
        if (!query->ids[m])
            continue;
        metric[metrics++] = m;
        uint32_t id = (uint32_t) query->ids[m];
        for (int kind = 0; kind < kinds; kind++)
            keys[count++] = tier == STORE_TIER_RAW ? id : id * 4 + (uint32_t) kind;
    }
    double *values[QUERY_METRICS_MAX * 4];
    int found[QUERY_METRICS_MAX * 4];
    sqlite3_stmt *stmt = query->chunks;
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
            !chunk_reader_times (&reader, query->times))
            continue; //  a chunk that does not decode is skipped
        if (!s_block (query, (size_t) count * reader.rows)) {
            ok = false;
            break;
        }
        for (int c = 0; c < count; c++)
            values[c] = query->block + (size_t) c * reader.rows;
        chunk_reader_columns (&reader, keys, count, values, found);
        for (int j = 0; j < metrics; j++) {
            int m = metric[j];
            const double *const *column = (const double *const *) values + j * kinds;
            bool all = true;
            for (int kind = 0; kind < kinds; kind++)
                all = all && found[j * kinds + kind] > 0;
            if (!all)
                continue;
            s_cell_t *line = cells + (size_t) m * (size_t) query->points;
            for (uint32_t row = 0; row < reader.rows; row++) {
                int64_t t = query->times[row];
                double v = column[0][row];
                if (t < lo || t >= hi || t < query->from || t >= query->to || isnan (v))
                    continue;
                int64_t bucket = (t - query->from) / query->step;
                s_cell_t *cell = line + bucket;
                double hi_v = v, sum = v, n = 1;
                if (kinds == 4) {
                    hi_v = column[1][row];
                    sum = column[2][row];
                    n = column[3][row];
                    if (isnan (hi_v) || isnan (sum) || isnan (n))
                        continue;
                }
                if (cell->count == 0 || v < cell->min)
                    cell->min = v;
                if (cell->count == 0 || hi_v > cell->max)
                    cell->max = hi_v;
                cell->sum += sum;
                cell->count += n;
                line_out->time_sum[bucket] += (double) (t + middle - query->from) * n;
                line_out->time_count[bucket] += n;
            }
        }
    }
    if (!count)
        rc = SQLITE_DONE; //  no metric known: nothing to read
    sqlite3_reset (stmt);
    return ok && rc == SQLITE_DONE;
}

static char *
s_dup (const unsigned char *text)
{
    return text ? strdup ((const char *) text) : NULL;
}

static int
s_by_group (const void *a, const void *b)
{
    const s_series_t *x = a, *y = b;
    int c = strcmp (x->group, y->group);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

//  Adds metric `name` to query->names and looks up its id with `stmt`.
static void
s_metric_add (s_query_t *query, sqlite3_stmt *stmt, const char *name)
{
    int m = query->metric_count++;
    query->names[m] = strdup (name);
    query->ids[m] = 0;
    if (stmt) {
        sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step (stmt) == SQLITE_ROW)
            query->ids[m] = sqlite3_column_int64 (stmt, 0);
        sqlite3_reset (stmt);
    }
}

//  Splits the metric list (NULL or empty: the charted metrics) into
//  query->names; looks up their ids.
static bool
s_metrics (s_query_t *query, const char *list)
{
    char *copy = strdup (list ? list : "");
    if (!copy)
        return false;
    sqlite3_stmt *stmt = store_db_prepare (query->db, "SELECT id FROM metric WHERE name = ?");
    if (!*copy)
        for (size_t i = 0; i < ZAPM_CHARTED_COUNT; i++)
            s_metric_add (query, stmt, s_charted_paths[i]);
    char *save = NULL;
    for (char *name = strtok_r (copy, ",", &save); name && query->metric_count < QUERY_METRICS_MAX;
         name = strtok_r (NULL, ",", &save)) {
        while (*name == ' ')
            name++;
        size_t size = strlen (name);
        while (size && name[size - 1] == ' ')
            name[--size] = '\0';
        if (size)
            s_metric_add (query, stmt, name);
    }
    sqlite3_finalize (stmt);
    free (copy);
    return stmt != NULL;
}

//  --------------------------------------------------------------------------
//  The join with memory

//  The line whose group is `group` in lines[0..count), sorted by group; NULL if none.
static s_line_t *
s_line_of (s_line_t *lines, size_t count, const char *group)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp (lines[mid].first->group, group);
        if (c == 0)
            return &lines[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

//  Where the store's points of `memory`'s series end: the sealed last_ns of
//  the line's member with its key, 0 if the store holds none of it. Seals are
//  staggered by series, so each member is joined after its own seal, not the
//  line's newest: else a member sealed earlier loses the points in between.
static int64_t
s_member_until (const s_line_t *line, const store_memory_series_t *memory)
{
    for (size_t i = 0; line->first && i < line->members; i++)
        if (line->first[i].last_ns && strcmp (line->first[i].who.key, memory->who.key) == 0)
            return line->first[i].last_ns;
    return 0;
}

//  Folds the points of `memory` newer than its member's sealed time into the
//  line's buckets.
static void
s_fold_memory (s_query_t *query, s_line_t *line, const store_memory_series_t *memory)
{
    int column[QUERY_METRICS_MAX];
    for (int m = 0; m < query->metric_count; m++) {
        column[m] = -1;
        for (int c = 0; c < memory->columns; c++)
            if (strcmp (memory->names[c], query->names[m]) == 0)
                column[m] = c;
    }
    int64_t until = s_member_until (line, memory);
    int64_t after = until ? until + QUERY_UNTIL_SLACK_NS : INT64_MIN;
    for (size_t i = 0; i < memory->count; i++) {
        int64_t t = memory->times[i];
        if (t <= after || t < query->from || t >= query->to)
            continue;
        int64_t bucket = (t - query->from) / query->step;
        const float *row = memory->values + i * (size_t) memory->columns;
        bool any = false;
        for (int m = 0; m < query->metric_count; m++) {
            if (column[m] < 0 || isnan (row[column[m]]))
                continue;
            double v = store_memory_value (row[column[m]]);
            s_cell_t *cell = line->cells + (size_t) m * (size_t) query->points + (size_t) bucket;
            if (cell->count == 0 || v < cell->min)
                cell->min = v;
            if (cell->count == 0 || v > cell->max)
                cell->max = v;
            cell->sum += v;
            cell->count += 1;
            any = true;
        }
        if (any) {
            line->time_sum[bucket] += (double) (t - query->from);
            line->time_count[bucket] += 1;
        }
    }
}

//  Allocates a line's buckets (zeroed).
static bool
s_line_alloc (s_line_t *line, const s_query_t *query)
{
    size_t cells = (size_t) query->metric_count * (size_t) query->points;
    line->cells = calloc (cells ? cells : 1, sizeof *line->cells);
    line->time_sum = calloc ((size_t) query->points, sizeof (double));
    line->time_count = calloc ((size_t) query->points, sizeof (double));
    return line->cells && line->time_sum && line->time_count;
}

//  Joins `memory` into lines[0..*line_count) (room for as many more lines as
//  memory has series): a series whose line the store has gets folded into it,
//  the others get new lines, one per group, described by `extra` (room for
//  every memory series; its strings point into `memory`).
static bool
s_join (s_query_t *query, const store_memory_t *memory, s_line_t *lines, size_t *line_count,
        s_series_t *extra, bool service)
{
    size_t stored = *line_count, extra_count = 0;
    size_t count = store_memory_size (memory);
    for (size_t i = 0; i < count; i++) {
        const store_memory_series_t *m = store_memory_at (memory, i);
        const char *group = service ? m->who.service : m->who.key;
        if (s_line_of (lines, stored, group))
            continue;
        extra[extra_count++] = (s_series_t){.id = (int64_t) i, .who = m->who, .group = group};
    }
    if (extra_count)
        qsort (extra, extra_count, sizeof *extra, s_by_group);
    for (size_t i = 0; i < extra_count; i++) {
        if (i == 0 || strcmp (extra[i].group, extra[i - 1].group) != 0) {
            s_line_t *line = &lines[(*line_count)++];
            line->first = &extra[i];
            if (!s_line_alloc (line, query))
                return false;
        }
        lines[*line_count - 1].members++;
    }
    for (size_t i = 0; i < count; i++) {
        const store_memory_series_t *m = store_memory_at (memory, i);
        const char *group = service ? m->who.service : m->who.key;
        s_line_t *line = s_line_of (lines, stored, group);
        if (!line)
            line = s_line_of (lines + stored, *line_count - stored, group);
        if (line)
            s_fold_memory (query, line, m);
    }
    return true;
}

//  --------------------------------------------------------------------------
//  Printing one line

static const char *
s_legacy_name (const char *metric)
{
    for (size_t i = 0; i < ZAPM_CHARTED_COUNT; i++)
        if (strcmp (s_charted_paths[i], metric) == 0)
            return s_charted_columns[i];
    return NULL;
}

//  Prints `"key":[...]` of one statistic of metric m over the non-empty buckets.
static void
s_array (s_out_t *out, s_query_t *query, const s_cell_t *cells, const bool *keep, int kind)
{
    s_text (out, "[");
    bool first = true;
    for (int b = 0; b < query->points; b++) {
        if (!keep[b])
            continue;
        if (!first)
            s_text (out, ",");
        first = false;
        const s_cell_t *cell = &cells[b];
        double v = NAN;
        if (cell->count > 0)
            v = kind == 0 ? cell->sum / cell->count : kind == 1 ? cell->min : cell->max;
        s_number (out, v);
    }
    s_text (out, "]");
}

//  Copies metric m's mean array, printed by s_line into query->means.
static void
s_means (s_out_t *out, const s_query_t *query, int m)
{
    s_raw (out, query->means.data + query->mean_at[m], query->mean_at[m + 1] - query->mean_at[m]);
}

static void
s_line (s_out_t *out, s_query_t *query, s_line_t *line, s_series_t *members, bool service)
{
    s_series_t *first = line->first;
    bool *keep = calloc ((size_t) query->points, sizeof *keep);
    if (!keep) {
        out->failed = true;
        return;
    }
    for (int m = 0; m < query->metric_count; m++)
        for (int b = 0; b < query->points; b++)
            if (line->cells[(size_t) m * (size_t) query->points + (size_t) b].count > 0)
                keep[b] = true;
    //  Each metric's means, printed once: today's names repeat them.
    query->means.size = 0;
    for (int m = 0; m < query->metric_count; m++) {
        query->mean_at[m] = query->means.size;
        s_array (&query->means, query, line->cells + (size_t) m * (size_t) query->points, keep, 0);
    }
    query->mean_at[query->metric_count] = query->means.size;
    out->failed |= query->means.failed;
    s_text (out, "{\"id\":");
    s_string (out, first->group);
    s_text (out, ",\"service\":");
    s_string (out, first->who.service);
    s_text (out, ",\"agent\":");
    s_string (out, first->who.agent);
    s_text (out, ",\"host\":");
    s_string (out, first->who.host);
    s_text (out, ",\"pid\":");
    if ((service && line->members > 1) || first->who.pid < 0)
        s_text (out, "null");
    else
        s_number (out, (double) first->who.pid);
    s_text (out, ",\"color\":");
    s_string (out, first->who.color);
    if (service) {
        s_text (out, ",\"pids\":[");
        for (size_t i = 0; i < line->members; i++) {
            if (i)
                s_text (out, ",");
            if (members[i].who.pid >= 0)
                s_number (out, (double) members[i].who.pid);
            else
                s_text (out, "null");
        }
        s_text (out, "]");
    }
    s_text (out, ",\"until\":");
    if (line->until_ns)
        s_time (out, line->until_ns);
    else
        s_text (out, "null");
    s_text (out, ",\"t\":[");
    bool first_t = true;
    for (int b = 0; b < query->points; b++) {
        if (!keep[b])
            continue;
        if (!first_t)
            s_text (out, ",");
        first_t = false;
        double t = line->time_count[b] > 0 ? line->time_sum[b] / line->time_count[b]
                                           : (double) (b * query->step);
        s_time (out, query->from + (int64_t) t);
    }
    s_text (out, "]");
    //  The current shape: means under the old names, custom.* under "custom".
    for (int m = 0; m < query->metric_count && !query->metrics_only; m++) {
        const char *legacy = s_legacy_name (query->names[m]);
        if (!legacy)
            continue;
        s_text (out, ",\"");
        s_text (out, legacy);
        s_text (out, "\":");
        s_means (out, query, m);
    }
    if (!query->metrics_only)
        s_text (out, ",\"custom\":{");
    bool first_custom = true;
    for (int m = 0; m < query->metric_count && !query->metrics_only; m++) {
        if (strncmp (query->names[m], "custom.", 7) != 0)
            continue;
        if (!first_custom)
            s_text (out, ",");
        first_custom = false;
        s_string (out, query->names[m] + 7);
        s_text (out, ":");
        s_means (out, query, m);
    }
    s_text (out, query->metrics_only ? ",\"metrics\":{" : "},\"metrics\":{");
    for (int m = 0; m < query->metric_count; m++) {
        if (m)
            s_text (out, ",");
        s_string (out, query->names[m]);
        const s_cell_t *cells = line->cells + (size_t) m * (size_t) query->points;
        s_text (out, ":{\"mean\":");
        s_means (out, query, m);
        s_text (out, ",\"min\":");
        s_array (out, query, cells, keep, 1);
        s_text (out, ",\"max\":");
        s_array (out, query, cells, keep, 2);
        s_text (out, "}");
    }
    s_text (out, "}}");
    free (keep);
}

//  --------------------------------------------------------------------------
//  The query

char *
store_query_run (sqlite3 *db, const store_query_t *request, const int64_t *retention_s,
                 int64_t now_ns, size_t *size)
{
    s_query_t query = {.db = db};
    query.from = (int64_t) (request->from * 1e9);
    query.to = (int64_t) (request->to * 1e9);
    query.points = request->points > 0 ? request->points : QUERY_POINTS_DEFAULT;
    query.metrics_only = request->metrics_only;
    if (query.points > STORE_QUERY_POINTS_MAX || query.to <= query.from)
        return NULL;
    query.step = (query.to - query.from + query.points - 1) / query.points;
    if (query.step < 1)
        query.step = 1;
    //  The last bucket ends at or after `to`.
    store_group_t group = request->group;
    if (group == STORE_GROUP_AUTO)
        group = query.to - query.from > 900 * STORE_NS ? STORE_GROUP_SERVICE : STORE_GROUP_SERIES;
    bool service = group == STORE_GROUP_SERVICE;

    s_out_t out = {0};
    s_series_t *series = NULL;
    s_line_t *lines = NULL;
    size_t series_count = 0, series_cap = 0, line_count = 0;
    bool ok = store_db_exec (db, "BEGIN") == SQLITE_OK;
    bool began = ok;
    ok = ok && s_metrics (&query, request->metrics);
    int64_t watermark[STORE_TIERS] = {0};
    if (ok) {
        store_db_meta_get (db, "watermark.1", &watermark[1]);
        store_db_meta_get (db, "watermark.2", &watermark[2]);
    }
    int tier = store_query_tier (retention_s, now_ns, query.from, query.to, query.points);
    if (ok)
        tier = s_tier_held (db, tier, query.from);

    sqlite3_stmt *stmt = ok ? store_db_prepare (db, "SELECT id, key, service, agent, host, pid,"
                                                    " color, last_ns FROM series")
                            : NULL;
    ok = ok && stmt;
    while (ok && sqlite3_step (stmt) == SQLITE_ROW) {
        const char *key = (const char *) sqlite3_column_text (stmt, 1);
        if (request->glob && *request->glob && fnmatch (request->glob, key, 0) != 0)
            continue;
        if (series_count == series_cap) {
            series_cap = series_cap ? series_cap * 2 : 64;
            s_series_t *grown = realloc (series, series_cap * sizeof *series);
            if (!grown) {
                ok = false;
                break;
            }
            series = grown;
        }
        s_series_t *s = &series[series_count++];
        s->id = sqlite3_column_int64 (stmt, 0);
        s->who.key = s_dup (sqlite3_column_text (stmt, 1));
        s->who.service = s_dup (sqlite3_column_text (stmt, 2));
        s->who.agent = s_dup (sqlite3_column_text (stmt, 3));
        s->who.host = s_dup (sqlite3_column_text (stmt, 4));
        s->who.pid =
            sqlite3_column_type (stmt, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 5);
        s->who.color = s_dup (sqlite3_column_text (stmt, 6));
        s->last_ns = sqlite3_column_int64 (stmt, 7);
        s->group = service ? s->who.service : s->who.key;
    }
    sqlite3_finalize (stmt);
    if (ok && series_count)
        qsort (series, series_count, sizeof *series, s_by_group);
    size_t memory_count = store_memory_size (request->memory);
    s_series_t *extra = NULL;
    if (ok) {
        lines = calloc (series_count + memory_count + 1, sizeof *lines);
        extra = calloc (memory_count + 1, sizeof *extra);
    }
    ok = ok && lines && extra;

    query.chunks = ok ? store_db_prepare (db, "SELECT data FROM chunk WHERE tier = ? AND series = ?"
                                              " AND t0 >= ? AND t0 < ? ORDER BY t0")
                      : NULL;
    query.times = malloc (CHUNK_ROWS_MAX * sizeof *query.times);
    ok = ok && query.chunks && query.times;

    for (size_t i = 0; ok && i < series_count; i++) {
        s_series_t *s = &series[i];
        if (i == 0 || strcmp (s->group, series[i - 1].group) != 0) {
            s_line_t *line = &lines[line_count++];
            line->first = s;
            ok = s_line_alloc (line, &query);
            if (!ok)
                break;
        }
        s_line_t *line = &lines[line_count - 1];
        line->members++;
        int64_t until = s->last_ns < query.to ? s->last_ns : query.to;
        if (s->last_ns >= query.from && until > line->until_ns)
            line->until_ns = until;
        if (s->last_ns < query.from - store_tier_span_ns[STORE_TIER_RAW])
            continue; //  nothing in the window
        //  Tier `tier` up to its watermark, then each finer tier up to its own.
        int64_t lo = query.from;
        for (int k = tier; k >= 0 && ok; k--) {
            int64_t hi = k > 0 ? (watermark[k] < query.to ? watermark[k] : query.to) : query.to;
            if (hi > lo) {
                ok = s_read (&query, k, s->id, lo, hi, line);
                lo = hi;
            }
        }
    }

    if (ok && request->memory)
        ok = s_join (&query, request->memory, lines, &line_count, extra, service);

    //  Print.
    if (ok) {
        s_text (&out, "{\"now\":");
        s_time (&out, now_ns);
        s_text (&out, ",\"from\":");
        s_time (&out, query.from);
        s_text (&out, ",\"to\":");
        s_time (&out, query.to);
        s_text (&out, ",\"step\":");
        s_number (&out, (double) query.step / 1e9);
        s_text (&out, ",\"points\":");
        s_number (&out, query.points);
        s_text (&out, ",\"tier\":");
        s_string (&out, store_tier_name[tier]);
        s_text (&out, ",\"group\":");
        s_string (&out, service ? "service" : "series");
        s_text (&out, ",\"series\":[");
        bool first = true;
        for (size_t i = 0; i < line_count; i++) {
            //  Lines with nothing in the window are left out.
            bool any = false;
            for (int b = 0; b < query.points && !any; b++)
                any = lines[i].time_count[b] > 0;
            if (!any)
                continue;
            if (!first)
                s_text (&out, ",");
            first = false;
            s_line (&out, &query, &lines[i], lines[i].first, service);
        }
        s_text (&out, "]}");
        ok = !out.failed;
    }
    if (began)
        store_db_exec (db, "COMMIT");
    sqlite3_finalize (query.chunks);
    free (query.times);
    free (query.means.data);
    free (query.block);
    for (int m = 0; m < query.metric_count; m++)
        free (query.names[m]);
    for (size_t i = 0; i < line_count; i++) {
        free (lines[i].cells);
        free (lines[i].time_sum);
        free (lines[i].time_count);
    }
    free (lines);
    free (extra); //  its strings belong to request->memory
    for (size_t i = 0; i < series_count; i++) {
        store_who_free (&series[i].who);
    }
    free (series);
    if (!ok) {
        free (out.data);
        return NULL;
    }
    s_raw (&out, "", 1); //  a NUL after the text, not counted
    if (out.failed) {
        free (out.data);
        return NULL;
    }
    *size = out.size - 1;
    return out.data;
}
