/*  store_query.c: a history query, step by step (see store_query.h).

    A query's window is cut into `points` buckets of equal width. The series
    the glob selects are grouped into lines (per series or per service)
    before folding, so a service's line runs on across a restart that gave
    it a new pid. Then each series' chunks fold into its line's buckets, from
    the tier chosen down to raw past each tier's watermark
    (store_query_read.c), the points the loop kept in memory join in
    (store_query_join.c), and the lines are printed (store_query_answer.c),
    one line at a time: a line's buckets are allocated, filled, printed and
    freed before the next, so a query holds one line's buckets (at most
    64 metrics x 10,000 points x 48 bytes), not every line's. The answer
    text stops at the request's max_bytes (STORE_ANSWER_TOO_LARGE).
    All of it inside one read transaction: a consistent snapshot while the
    writer goes on. The steps share the lines of store_lines.h.
*/
#include "store_query.h"
#include "store_chunk.h"
#include "store_db.h"
#include "store_lines.h"
#include "store_tiers.h"
#include "wire.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_POINTS_DEFAULT 800

//  First size of the answer's buffer (a day of five metrics is megabytes).
#define QUERY_ANSWER_BUFFER 65536

//  The charted metrics (wire.h): their stored names, the default of a query
//  that names none, and their current /api/history names, in one order.
static const char *const s_charted_paths[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_PATHS;
static const char *const s_charted_columns[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_COLUMNS;

static const char *
s_legacy_name (const char *metric)
{
    for (size_t i = 0; i < ZAPM_CHARTED_COUNT; i++)
        if (strcmp (s_charted_paths[i], metric) == 0)
            return s_charted_columns[i];
    return NULL;
}

//  --------------------------------------------------------------------------
//  Tiers

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

static char *
s_dup (const unsigned char *text)
{
    return text ? strdup ((const char *) text) : NULL;
}

//  Adds metric `name` to query->names with its key in today's shape, and
//  looks up its id with `stmt`.
static void
s_metric_add (store_lines_t *query, sqlite3_stmt *stmt, const char *name)
{
    int m = query->metric_count++;
    query->names[m] = strdup (name);
    query->legacy[m] = s_legacy_name (name);
    query->ids[m] = 0;
    if (stmt) {
        sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step (stmt) == SQLITE_ROW)
            query->ids[m] = sqlite3_column_int64 (stmt, 0);
        sqlite3_reset (stmt);
    }
}

//  Splits the metric list (NULL or empty: the charted metrics and the
//  custom ones, store_query_custom.c) into query->names; looks up their ids
//  and their keys in today's shape.
static bool
s_metrics (store_lines_t *query, const char *list, const store_memory_t *memory)
{
    char *copy = strdup (list ? list : "");
    if (!copy)
        return false;
    sqlite3_stmt *stmt = store_db_prepare (query->db, "SELECT id FROM metric WHERE name = ?");
    if (!*copy) {
        for (size_t i = 0; i < ZAPM_CHARTED_COUNT; i++)
            s_metric_add (query, stmt, s_charted_paths[i]);
        char *customs[STORE_QUERY_CUSTOMS_MAX];
        int count = store_query_customs (query->db, memory, customs, STORE_QUERY_CUSTOMS_MAX);
        for (int i = 0; i < count; i++) {
            query->implied[query->metric_count] = true;
            s_metric_add (query, stmt, customs[i]);
            free (customs[i]);
        }
    }
    char *save = NULL;
    for (char *name = strtok_r (copy, ",", &save);
         name && query->metric_count < STORE_LINES_METRICS_MAX;
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
//  Lines

bool
store_lines_alloc (store_line_t *line, const store_lines_t *lines)
{
    size_t folds = (size_t) lines->metric_count * (size_t) lines->points;
    line->folds = malloc ((folds ? folds : 1) * sizeof *line->folds);
    if (line->folds)
        store_fold_empty (line->folds, folds);
    line->time_sum = calloc ((size_t) lines->points, sizeof (double));
    line->time_count = calloc ((size_t) lines->points, sizeof (double));
    return line->folds && line->time_sum && line->time_count;
}

void
store_lines_free (store_line_t *line)
{
    free (line->folds);
    free (line->time_sum);
    free (line->time_count);
    line->folds = NULL;
    line->time_sum = line->time_count = NULL;
}

int
store_lines_by_group (const void *a, const void *b)
{
    const store_member_t *x = a, *y = b;
    int c = strcmp (x->group, y->group);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

//  --------------------------------------------------------------------------
//  The steps

//  What a query holds while it runs.
typedef struct {
    store_lines_t lines;            //  window, metrics, reading state
    bool service;                   //  lines are services, else series
    int tier;                       //  the tier read first
    int64_t watermark[STORE_TIERS]; //  tier k >= 1 is complete before watermark[k]
    store_member_t *series;         //  the series read, sorted by group
    size_t series_count;            //  ...
    store_line_t *line;             //  the lines (room for series + memory series)
    size_t line_count;              //  ...
    size_t stored;                  //  line[0..stored) have members in the store
    store_member_t *extra;          //  members of lines only in memory
    size_t *joins;                  //  per line, its first memory series (SIZE_MAX: none)
    size_t *next;                   //  per memory series, the next one of its line
    store_head_points_t head;       //  the head rows' points memory no longer holds
} s_query_t;

//  Takes the request's window, points and grouping. False if it is invalid.
static bool
s_window (s_query_t *query, const store_query_t *request)
{
    store_lines_t *lines = &query->lines;
    lines->from = (int64_t) (request->from * 1e9);
    lines->to = (int64_t) (request->to * 1e9);
    lines->points = request->points > 0 ? request->points : QUERY_POINTS_DEFAULT;
    lines->metrics_only = request->metrics_only;
    if (lines->points > STORE_QUERY_POINTS_MAX || lines->to <= lines->from)
        return false;
    //  The last bucket ends at or after `to`.
    lines->step = (lines->to - lines->from + lines->points - 1) / lines->points;
    if (lines->step < 1)
        lines->step = 1;
    store_group_t group = request->group;
    if (group == STORE_GROUP_AUTO)
        group = lines->to - lines->from > 900 * STORE_NS ? STORE_GROUP_SERVICE : STORE_GROUP_SERIES;
    query->service = group == STORE_GROUP_SERVICE;
    return true;
}

//  Reads the metrics' ids, the watermarks and the tier to read first.
static bool
s_plan (s_query_t *query, const store_query_t *request, const int64_t *retention_s, int64_t now_ns)
{
    store_lines_t *lines = &query->lines;
    if (!s_metrics (lines, request->metrics, request->memory))
        return false;
    store_db_meta_get (lines->db, "watermark.1", &query->watermark[1]);
    store_db_meta_get (lines->db, "watermark.2", &query->watermark[2]);
    query->tier = store_query_tier (retention_s, now_ns, lines->from, lines->to, lines->points);
    query->tier = s_tier_held (lines->db, query->tier, lines->from);
    return true;
}

//  Lists the series the glob selects, sorted by group.
static bool
s_series (s_query_t *query, const char *glob)
{
    sqlite3_stmt *stmt = store_db_prepare (query->lines.db, "SELECT id, key, service, agent, host,"
                                                            " pid, color, last_ns FROM series");
    if (!stmt)
        return false;
    bool ok = true;
    size_t cap = 0;
    while (sqlite3_step (stmt) == SQLITE_ROW) {
        const char *key = (const char *) sqlite3_column_text (stmt, 1);
        if (glob && *glob && fnmatch (glob, key, 0) != 0)
            continue;
        if (query->series_count == cap) {
            cap = cap ? cap * 2 : 64;
            store_member_t *grown = realloc (query->series, cap * sizeof *grown);
            if (!grown) {
                ok = false;
                break;
            }
            query->series = grown;
        }
        store_member_t *s = &query->series[query->series_count++];
        s->id = sqlite3_column_int64 (stmt, 0);
        s->who.key = s_dup (sqlite3_column_text (stmt, 1));
        s->who.service = s_dup (sqlite3_column_text (stmt, 2));
        s->who.agent = s_dup (sqlite3_column_text (stmt, 3));
        s->who.host = s_dup (sqlite3_column_text (stmt, 4));
        s->who.pid =
            sqlite3_column_type (stmt, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 5);
        s->who.color = s_dup (sqlite3_column_text (stmt, 6));
        s->last_ns = sqlite3_column_int64 (stmt, 7);
        s->group = query->service ? s->who.service : s->who.key;
    }
    sqlite3_finalize (stmt);
    if (ok && query->series_count)
        qsort (query->series, query->series_count, sizeof *query->series, store_lines_by_group);
    return ok;
}

//  Allocates the lines (one per series at most, plus the memory's) and what
//  reading chunks needs.
static bool
s_prepare (s_query_t *query, size_t memory_count)
{
    store_lines_t *lines = &query->lines;
    size_t line_room = query->series_count + memory_count + 1;
    query->line = calloc (line_room, sizeof *query->line);
    query->extra = calloc (memory_count + 1, sizeof *query->extra);
    query->joins = malloc (line_room * sizeof *query->joins);
    query->next = malloc ((memory_count + 1) * sizeof *query->next);
    lines->chunks = store_db_prepare (lines->db, "SELECT data FROM chunk WHERE tier = ? AND"
                                                 " series = ? AND t0 >= ? AND t0 < ? ORDER BY t0");
    lines->times = malloc (CHUNK_ROWS_MAX * sizeof *lines->times);
    lines->means = textbuf_growing (QUERY_ANSWER_BUFFER);
    return query->line && query->extra && query->joins && query->next && lines->chunks &&
           lines->times && !lines->means.overflow;
}

//  Folds series s into `line`: tier `tier` up to its watermark, then each
//  finer tier up to its own.
static bool
s_read_series (s_query_t *query, const store_member_t *s, store_line_t *line)
{
    store_lines_t *lines = &query->lines;
    int64_t until = s->last_ns < lines->to ? s->last_ns : lines->to;
    if (s->last_ns >= lines->from && until > line->until_ns)
        line->until_ns = until;
    if (s->last_ns < lines->from - store_tier_span_ns[STORE_TIER_RAW])
        return true; //  nothing in the window
    int64_t lo = lines->from;
    for (int k = query->tier; k >= 0; k--) {
        int64_t hi = k > 0 && query->watermark[k] < lines->to ? query->watermark[k] : lines->to;
        if (hi > lo) {
            if (!store_lines_read (lines, k, s->id, lo, hi, line))
                return false;
            lo = hi;
        }
    }
    return true;
}

//  Groups the series into lines (they are sorted by group); their buckets
//  come later, one line at a time (s_answer).
static void
s_group_lines (s_query_t *query)
{
    for (size_t i = 0; i < query->series_count; i++) {
        store_member_t *s = &query->series[i];
        if (i == 0 || strcmp (s->group, query->series[i - 1].group) != 0)
            query->line[query->line_count++].first = s;
        query->line[query->line_count - 1].members++;
    }
    query->stored = query->line_count;
}

//  Plans the join with memory: new lines for series only there, and per
//  line the list of memory series that fold into it.
static void
s_plan_join (s_query_t *query, const store_memory_t *memory)
{
    size_t size = store_memory_size (memory);
    if (size)
        store_lines_join_plan (memory, query->line, &query->line_count, query->extra,
                               query->service, query->next);
    for (size_t i = 0; i < query->line_count; i++)
        query->joins[i] = SIZE_MAX;
    //  query->next holds each series' line; turn it into per-line lists.
    for (size_t m = size; m-- > 0;) {
        size_t line = query->next[m];
        query->next[m] = line == SIZE_MAX ? SIZE_MAX : query->joins[line];
        if (line != SIZE_MAX)
            query->joins[line] = m;
    }
}

//  A point of memory within this of its series' sealed time is the stored
//  one (as in store_query_join.c).
#define QUERY_UNTIL_SLACK_NS 500000

//  Reads the head rows' points of the stored members whose memory does not
//  reach back to their sealed time: those between it and memory's oldest
//  point in the window (all of them for a member memory does not hold).
static bool
s_plan_head (s_query_t *query, const store_memory_t *memory)
{
    store_head_want_t *want = malloc ((query->series_count + 1) * sizeof *want);
    if (!want)
        return false;
    size_t count = 0;
    for (size_t i = 0; i < query->stored; i++) {
        const store_line_t *line = &query->line[i];
        for (size_t k = 0; k < line->members; k++) {
            const store_member_t *member = &line->first[k];
            int64_t before = query->lines.to;
            for (size_t m = query->joins[i]; m != SIZE_MAX; m = query->next[m]) {
                const store_memory_series_t *series = store_memory_at (memory, m);
                if (series->count && strcmp (series->who.key, member->who.key) == 0)
                    before = series->times[0];
            }
            if (before > member->last_ns + QUERY_UNTIL_SLACK_NS)
                want[count++] = (store_head_want_t){member->id, member->last_ns, before};
        }
    }
    bool ok = store_lines_head_read (&query->lines, want, count, &query->head);
    free (want);
    return ok;
}

//  Fills line i's buckets: its stored members' chunks and head points, then
//  the points of its series in memory.
static bool
s_fill_line (s_query_t *query, size_t i, const store_memory_t *memory)
{
    store_line_t *line = &query->line[i];
    if (!store_lines_alloc (line, &query->lines))
        return false;
    for (size_t k = 0; i < query->stored && k < line->members; k++) {
        if (!s_read_series (query, &line->first[k], line))
            return false;
        store_lines_head_fold (&query->lines, line, &query->head, line->first[k].id);
    }
    for (size_t m = query->joins[i]; m != SIZE_MAX; m = query->next[m])
        store_lines_join_fold (&query->lines, line, store_memory_at (memory, m));
    return true;
}

//  Fills and prints the lines one at a time, each freed once printed, so a
//  query holds one line's buckets. Stops with *too_large when the answer
//  grows past `max_bytes` (0: no cap).
static bool
s_answer (s_query_t *query, const store_memory_t *memory, textbuf_t *out, size_t max_bytes,
          int64_t now_ns, bool *too_large)
{
    store_lines_answer_begin (out, &query->lines, store_tier_name[query->tier], query->service,
                              now_ns);
    bool first = true;
    for (size_t i = 0; i < query->line_count; i++) {
        bool ok =
            s_fill_line (query, i, memory) &&
            store_lines_answer_line (out, &query->lines, &query->line[i], query->service, &first);
        store_lines_free (&query->line[i]);
        if (!ok)
            return false;
        if (max_bytes && textbuf_length (out) > max_bytes) {
            *too_large = true;
            return false;
        }
    }
    return store_lines_answer_end (out);
}

static void
s_query_free (s_query_t *query)
{
    store_lines_t *lines = &query->lines;
    sqlite3_finalize (lines->chunks);
    free (lines->times);
    textbuf_free (&lines->means);
    free (lines->block);
    for (int m = 0; m < lines->metric_count; m++)
        free (lines->names[m]);
    for (size_t i = 0; i < query->line_count; i++)
        store_lines_free (&query->line[i]);
    free (query->line);
    free (query->extra); //  its strings belong to the request's memory
    free (query->joins);
    free (query->next);
    free (query->head.at);
    for (size_t i = 0; i < query->series_count; i++)
        store_who_free (&query->series[i].who);
    free (query->series);
}

char *
store_query_run (sqlite3 *db, const store_query_t *request, const int64_t *retention_s,
                 int64_t now_ns, size_t *size)
{
    if (request->raw)
        return store_query_raw (db, request, now_ns, size);
    s_query_t query = {.lines = {.db = db}};
    if (!s_window (&query, request))
        return NULL;
    textbuf_t out = textbuf_growing (QUERY_ANSWER_BUFFER);
    bool ok = store_db_exec (db, "BEGIN") == SQLITE_OK;
    bool began = ok, too_large = false;
    ok = ok && s_plan (&query, request, retention_s, now_ns);
    ok = ok && s_series (&query, request->glob);
    ok = ok && s_prepare (&query, store_memory_size (request->memory));
    if (ok) {
        s_group_lines (&query);
        s_plan_join (&query, request->memory);
    }
    ok = ok && s_plan_head (&query, request->memory);
    ok = ok && s_answer (&query, request->memory, &out, request->max_bytes, now_ns, &too_large);
    if (began)
        store_db_exec (db, "COMMIT");
    s_query_free (&query);
    size_t length = textbuf_length (&out);
    char *text = ok ? textbuf_take (&out) : NULL; //  a NUL after the text, not counted
    if (!text) {
        textbuf_free (&out);
        if (too_large)
            *size = STORE_ANSWER_TOO_LARGE;
        return NULL;
    }
    *size = length;
    return text;
}
