/*  store_query_raw.c: the memory answer of /api/history, its window filled
    in from the store before memory's oldest point (issue 19).

    Memory keeps --history points per series: a 20 Hz agent's 600 points
    are 30 s, so a 5 or 15 minute window (the dashboard's, or a plain
    `/api/history?seconds=300`) showed 30 s though the store held the whole
    window. For such a window the loop copies each matching series' memory
    points into the query's snapshot (store_memory.h) with its seam: the
    time of memory's oldest point. Here, on the query thread, each series
    gets the store's raw points in [from, seam): its sealed chunks, then
    the head rows (store_head.h) for the points after its last seal, which
    memory may no longer hold either. They are sorted, each time kept once,
    and printed before memory's own points in the memory answer's shape
    (api.c): one array per charted column and per custom metric (memory's
    names first, then the store's, up to ZAPM_HISTORY_CUSTOM_MAX), times to
    the microsecond and values as the floats memory keeps, so a point reads
    the same from either side of the seam.

    Bounded like the store's other answers: the answer stops at max_bytes
    (STORE_ANSWER_TOO_LARGE), and so does a series whose store points alone
    would take more than max_bytes to hold while it is printed.
*/
#include "store_query.h"
#include "store_chunk.h"
#include "store_db.h"
#include "store_head.h"
#include "textbuf.h"
#include "wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_COLUMNS (ZAPM_CHARTED_COUNT + ZAPM_HISTORY_CUSTOM_MAX)
#define S_ID_MAX  (1LL << 24) //  larger ids are damage (as in store_recall.c)
#define S_CUSTOM  (-1)        //  a metric's kind: custom.*
#define S_OTHER   (-2)        //  a metric's kind: not in the memory answer

//  A stored point as memory keeps it: floats, NAN when absent.
typedef struct {
    int64_t t;
    float v[S_COLUMNS];
} s_point_t;

//  A series of the answer: a memory series and what the store adds to it.
typedef struct {
    const store_memory_series_t *memory;         //  its memory points and seam
    int64_t id;                                  //  its row in the store, 0 if none
    int64_t sealed;                              //  newest sealed point (series.last_ns)
    int customs;                                 //  custom columns
    const char *custom[ZAPM_HISTORY_CUSTOM_MAX]; //  their names, after "custom."
    int memory_column[S_COLUMNS];                //  per column, memory's column, -1 if none
    s_point_t *at;                               //  the store's points
    size_t count, cap;                           //  ...
    bool too_large;                              //  they passed the cap
} s_series_t;

typedef struct {
    sqlite3 *db;
    int64_t from;       //  the window's start, ns
    size_t max_points;  //  store points a series may hold (from max_bytes)
    int64_t metric_cap; //  ids in kind[] and name[]
    int *kind;          //  per metric id: charted column, S_CUSTOM or S_OTHER
    char **name;        //  per metric id: a custom metric's name, after "custom."
    s_series_t *series; //  one per memory series
    size_t count;       //  ...
    s_series_t **by_id; //  the series that read the head, by store id
    size_t head_count;  //  ...
} s_raw_t;

static const char s_custom_prefix[] = ZAPM_KEY_CUSTOM ZAPM_HISTORY_PATH_SEP;

static bool
s_push (s_series_t *series, const s_point_t *point, size_t max_points)
{
    if (series->count >= max_points) {
        series->too_large = true;
        return false;
    }
    if (series->count == series->cap) {
        size_t cap = series->cap ? series->cap * 2 : 256;
        s_point_t *at = realloc (series->at, cap * sizeof *at);
        if (!at)
            return false;
        series->at = at;
        series->cap = cap;
    }
    series->at[series->count++] = *point;
    return true;
}

//  The column of a custom metric `name` in `series`, added when new and
//  there is room; -1 when there is none.
static int
s_custom_column (s_series_t *series, const char *name)
{
    for (int c = 0; c < series->customs; c++)
        if (strcmp (series->custom[c], name) == 0)
            return ZAPM_CHARTED_COUNT + c;
    if (series->customs == ZAPM_HISTORY_CUSTOM_MAX)
        return -1;
    series->custom[series->customs] = name;
    series->memory_column[ZAPM_CHARTED_COUNT + series->customs] = -1;
    return ZAPM_CHARTED_COUNT + series->customs++;
}

//  The column of metric `id` in `series`' points, -1 when the answer has none.
static int
s_column (s_raw_t *self, s_series_t *series, uint64_t id)
{
    if (id >= (uint64_t) self->metric_cap || self->kind[id] == S_OTHER)
        return -1;
    if (self->kind[id] >= 0)
        return self->kind[id];
    return s_custom_column (series, self->name[id]);
}

//  Memory's columns: the charted ones in wire.h's order, then its customs.
static void
s_columns (s_series_t *series)
{
    static const char *const charted[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_PATHS;
    const store_memory_series_t *memory = series->memory;
    for (int c = 0; c < S_COLUMNS; c++)
        series->memory_column[c] = -1;
    for (int m = 0; m < memory->columns; m++) {
        const char *name = memory->names[m];
        for (int c = 0; c < ZAPM_CHARTED_COUNT; c++)
            if (strcmp (name, charted[c]) == 0)
                series->memory_column[c] = m;
        if (strncmp (name, s_custom_prefix, sizeof s_custom_prefix - 1) == 0) {
            int c = s_custom_column (series, name + sizeof s_custom_prefix - 1);
            if (c >= 0)
                series->memory_column[c] = m;
        }
    }
}

//  ------------------------------------------------------------ the tables

static bool
s_load_metrics (s_raw_t *self)
{
    static const char *const charted[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_PATHS;
    sqlite3_stmt *stmt = store_db_prepare (
        self->db, "SELECT id, name FROM metric WHERE id > 0 AND id < ?1 ORDER BY id DESC");
    if (!stmt)
        return false;
    sqlite3_bind_int64 (stmt, 1, S_ID_MAX);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        const char *name = (const char *) sqlite3_column_text (stmt, 1);
        if (!self->kind) { //  the first row has the largest id
            self->metric_cap = id + 1;
            self->kind = malloc ((size_t) self->metric_cap * sizeof *self->kind);
            self->name = calloc ((size_t) self->metric_cap, sizeof *self->name);
            ok = self->kind && self->name;
            for (int64_t i = 0; ok && i < self->metric_cap; i++)
                self->kind[i] = S_OTHER;
        }
        if (!ok || !name)
            continue;
        for (int c = 0; c < ZAPM_CHARTED_COUNT; c++)
            if (strcmp (name, charted[c]) == 0)
                self->kind[id] = c;
        if (strncmp (name, s_custom_prefix, sizeof s_custom_prefix - 1) == 0) {
            self->name[id] = strdup (name + sizeof s_custom_prefix - 1);
            ok = self->name[id] != NULL;
            self->kind[id] = S_CUSTOM;
        }
    }
    sqlite3_finalize (stmt);
    return ok && rc == SQLITE_DONE;
}

//  Finds each series' row and its newest sealed point.
static bool
s_load_series (s_raw_t *self)
{
    sqlite3_stmt *stmt =
        store_db_prepare (self->db, "SELECT id, last_ns FROM series WHERE key = ?1");
    if (!stmt)
        return false;
    for (size_t i = 0; i < self->count; i++) {
        s_series_t *series = &self->series[i];
        if (!series->memory->seam_ns)
            continue;
        sqlite3_bind_text (stmt, 1, series->memory->who.key, -1, SQLITE_STATIC);
        if (sqlite3_step (stmt) == SQLITE_ROW) {
            series->id = sqlite3_column_int64 (stmt, 0);
            series->sealed = sqlite3_column_int64 (stmt, 1);
        }
        sqlite3_reset (stmt);
    }
    sqlite3_finalize (stmt);
    return true;
}

//  ------------------------------------------------------------ the points

static int
s_by_store_id (const void *a, const void *b)
{
    const s_series_t *x = *(s_series_t *const *) a, *y = *(s_series_t *const *) b;
    return (x->id > y->id) - (x->id < y->id);
}

//  The series of store row `id` that reads the head, or NULL.
static s_series_t *
s_by_id (s_raw_t *self, uint64_t id)
{
    size_t lo = 0, hi = self->head_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint64_t) self->by_id[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < self->head_count && (uint64_t) self->by_id[lo]->id == id ? self->by_id[lo] : NULL;
}

static void
s_empty (s_point_t *point, int64_t t)
{
    point->t = t;
    for (int c = 0; c < S_COLUMNS; c++)
        point->v[c] = NAN;
}

//  The head rows' points after each series' last seal and before its seam:
//  committed, not sealed yet, and maybe already gone from memory.
static bool
s_read_head (s_raw_t *self)
{
    self->by_id = malloc ((self->count + 1) * sizeof *self->by_id);
    if (!self->by_id)
        return false;
    for (size_t i = 0; i < self->count; i++)
        if (self->series[i].id > 0 && self->series[i].memory->seam_ns > self->series[i].sealed)
            self->by_id[self->head_count++] = &self->series[i];
    if (!self->head_count)
        return true;
    qsort (self->by_id, self->head_count, sizeof *self->by_id, s_by_store_id);
    sqlite3_stmt *stmt = store_db_prepare (self->db, "SELECT data FROM head ORDER BY id");
    if (!stmt)
        return false;
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        store_head_reader_t reader = {sqlite3_column_blob (stmt, 0),
                                      (size_t) sqlite3_column_bytes (stmt, 0), 0};
        uint64_t id, count;
        int64_t t;
        while (ok && store_head_next_sample (&reader, &id, &t, &count)) {
            s_series_t *series = s_by_id (self, id);
            bool inside = series && t > series->sealed && t >= self->from &&
                          t < series->memory->seam_ns && !series->too_large;
            s_point_t point;
            s_empty (&point, t);
            bool damaged = false;
            for (uint64_t i = 0; i < count && !damaged; i++) {
                uint64_t metric;
                double value;
                damaged = !store_head_next_point (&reader, &metric, &value);
                int column = damaged || !inside ? -1 : s_column (self, series, metric);
                if (column >= 0)
                    point.v[column] = (float) value;
            }
            if (!damaged && inside)
                ok = s_push (series, &point, self->max_points) || series->too_large;
        }
    }
    sqlite3_finalize (stmt);
    return ok && rc == SQLITE_DONE;
}

typedef struct {
    s_raw_t *raw;
    s_series_t *series;
    uint32_t keys[S_COLUMNS];
    int columns[S_COLUMNS];
    int count;
} s_keys_t;

static void
s_on_key (void *arg, uint32_t key)
{
    s_keys_t *keys = arg;
    int column = s_column (keys->raw, keys->series, key);
    if (column >= 0 && keys->count < S_COLUMNS) {
        keys->keys[keys->count] = key;
        keys->columns[keys->count++] = column;
    }
}

//  Adds one chunk's rows in [from, seam) to series' points.
static bool
s_read_chunk (s_raw_t *self, s_series_t *series, const void *blob, size_t size)
{
    chunk_reader_t reader;
    if (!chunk_reader_open (&reader, blob, size) || reader.rows == 0)
        return true; //  a chunk that does not decode is skipped, as queries do
    s_keys_t keys = {.raw = self, .series = series};
    int64_t *times = malloc (reader.rows * sizeof *times);
    double *block = malloc ((size_t) S_COLUMNS * reader.rows * sizeof *block);
    bool ok = times && block;
    if (ok && chunk_reader_times (&reader, times) && chunk_reader_keys (&reader, s_on_key, &keys)) {
        double *values[S_COLUMNS];
        int found[S_COLUMNS];
        for (int c = 0; c < keys.count; c++)
            values[c] = block + (size_t) c * reader.rows;
        chunk_reader_columns (&reader, keys.keys, keys.count, values, found);
        for (uint32_t row = 0; ok && row < reader.rows; row++) {
            if (times[row] < self->from || times[row] >= series->memory->seam_ns)
                continue;
            s_point_t point;
            s_empty (&point, times[row]);
            for (int c = 0; c < keys.count; c++)
                if (found[c] > 0)
                    point.v[keys.columns[c]] = (float) values[c][row];
            ok = s_push (series, &point, self->max_points);
        }
    }
    free (times);
    free (block);
    return ok;
}

static int
s_by_time (const void *a, const void *b)
{
    const s_point_t *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

//  The series' raw chunks in [from, seam), oldest first; then the head's
//  points (read before), sorted in, each time once.
static bool
s_read_series (s_raw_t *self, s_series_t *series, sqlite3_stmt *chunks)
{
    if (!series->id || !series->memory->seam_ns || series->memory->seam_ns <= self->from)
        return true;
    sqlite3_bind_int64 (chunks, 1, series->id);
    sqlite3_bind_int64 (chunks, 2, self->from);
    sqlite3_bind_int64 (chunks, 3, series->memory->seam_ns);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step (chunks)) == SQLITE_ROW)
        ok = s_read_chunk (self, series, sqlite3_column_blob (chunks, 0),
                           (size_t) sqlite3_column_bytes (chunks, 0));
    sqlite3_reset (chunks);
    if (!ok || rc != SQLITE_DONE)
        return false;
    if (series->count > 1)
        qsort (series->at, series->count, sizeof *series->at, s_by_time);
    size_t kept = 0;
    for (size_t i = 0; i < series->count; i++)
        if (kept == 0 || series->at[i].t != series->at[kept - 1].t)
            series->at[kept++] = series->at[i];
    series->count = kept;
    return true;
}

//  ------------------------------------------------------------ the answer

//  One column's array: the store's points, then memory's.
static void
s_print_column (textbuf_t *out, const s_series_t *series, int column)
{
    const store_memory_series_t *memory = series->memory;
    int m = series->memory_column[column];
    textbuf_putc (out, '[');
    for (size_t i = 0; i < series->count; i++) {
        if (i)
            textbuf_putc (out, ',');
        textbuf_json_float (out, series->at[i].v[column]);
    }
    for (size_t i = 0; i < memory->count; i++) {
        if (i || series->count)
            textbuf_putc (out, ',');
        textbuf_json_float (out, m < 0 ? NAN : memory->values[i * (size_t) memory->columns + m]);
    }
    textbuf_putc (out, ']');
}

static void
s_print_series (textbuf_t *out, const s_series_t *series)
{
    static const char *const names[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_COLUMNS;
    const store_memory_series_t *memory = series->memory;
    const char *color = memory->who.color ? memory->who.color : "";
    TEXTBUF_LIT (out, "{\"" ZAPM_KEY_ID "\":");
    textbuf_json_string (out, memory->who.key, strlen (memory->who.key));
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_COLOR);
    textbuf_json_string (out, color, strlen (color));
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_T);
    textbuf_putc (out, '[');
    for (size_t i = 0; i < series->count; i++) {
        if (i)
            textbuf_putc (out, ',');
        textbuf_json_micros (out, series->at[i].t);
    }
    for (size_t i = 0; i < memory->count; i++) {
        if (i || series->count)
            textbuf_putc (out, ',');
        textbuf_json_micros (out, memory->times[i]);
    }
    textbuf_putc (out, ']');
    for (int c = 0; c < ZAPM_CHARTED_COUNT; c++) {
        textbuf_putc (out, ',');
        textbuf_json_string (out, names[c], strlen (names[c]));
        textbuf_putc (out, ':');
        s_print_column (out, series, c);
    }
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_CUSTOM);
    textbuf_putc (out, '{');
    for (int c = 0; c < series->customs; c++) {
        if (c)
            textbuf_putc (out, ',');
        textbuf_json_string (out, series->custom[c], strlen (series->custom[c]));
        textbuf_putc (out, ':');
        s_print_column (out, series, ZAPM_CHARTED_COUNT + c);
    }
    TEXTBUF_LIT (out, "}}");
}

static void
s_free (s_raw_t *self)
{
    for (size_t i = 0; self->series && i < self->count; i++)
        free (self->series[i].at);
    free (self->series);
    free (self->by_id);
    for (int64_t id = 0; self->name && id < self->metric_cap; id++)
        free (self->name[id]);
    free (self->name);
    free (self->kind);
}

char *
store_query_raw (sqlite3 *db, const store_query_t *request, int64_t now_ns, size_t *size)
{
    const store_memory_t *memory = request->memory;
    size_t max_bytes = request->max_bytes ? request->max_bytes : SIZE_MAX;
    s_raw_t self = {.db = db,
                    .from = (int64_t) (request->from * 1e9),
                    .max_points = max_bytes / sizeof (s_point_t),
                    .count = memory ? store_memory_size (memory) : 0};
    self.series = calloc (self.count + 1, sizeof *self.series);
    textbuf_t out = textbuf_growing (65536);
    bool began = self.series && store_db_exec (db, "BEGIN") == SQLITE_OK;
    bool ok = began, too_large = false;
    for (size_t i = 0; ok && i < self.count; i++) {
        self.series[i].memory = store_memory_at (memory, i);
        s_columns (&self.series[i]);
    }
    ok = ok && s_load_metrics (&self) && s_load_series (&self) && s_read_head (&self);
    sqlite3_stmt *chunks =
        ok ? store_db_prepare (db, "SELECT data FROM chunk WHERE tier = 0 AND series = ?1"
                                   " AND +t1 >= ?2 AND t0 < ?3 ORDER BY t0")
           : NULL;
    ok = ok && chunks;
    TEXTBUF_LIT (&out, "{\"" ZAPM_KEY_NOW "\":");
    textbuf_json_micros (&out, now_ns);
    TEXTBUF_NEXT_KEY (&out, ZAPM_KEY_SERIES);
    textbuf_putc (&out, '[');
    for (size_t i = 0; ok && i < self.count; i++) {
        s_series_t *series = &self.series[i];
        ok = s_read_series (&self, series, chunks) && !series->too_large;
        too_large = series->too_large;
        if (ok && i)
            textbuf_putc (&out, ',');
        if (ok)
            s_print_series (&out, series);
        free (series->at);
        series->at = NULL;
        if (ok && textbuf_length (&out) > max_bytes)
            ok = !(too_large = true);
    }
    TEXTBUF_LIT (&out, "]}");
    sqlite3_finalize (chunks);
    if (began)
        store_db_exec (db, "COMMIT");
    for (size_t i = 0; self.series && i < self.count; i++)
        too_large = too_large || self.series[i].too_large;
    s_free (&self);
    size_t length = textbuf_length (&out);
    char *text = ok ? textbuf_take (&out) : NULL;
    if (!text) {
        textbuf_free (&out);
        if (too_large)
            *size = STORE_ANSWER_TOO_LARGE;
        return NULL;
    }
    *size = length;
    return text;
}
