/*  store_recall.c: the newest stored points of each recent series, read
    back at start (see store_recall.h).

    One read transaction on a connection of its own, before the query thread
    serves anything, so it is a consistent picture of the file whatever the
    writer (replaying the head meanwhile) does. The head rows are parsed
    first (they are the newest points, bounded by one seal interval of every
    series); then series by series, the raw chunks newest first until the
    series has its `points`, so a day of a 20 Hz series is not decoded to
    keep its last 600 points. Only the memory's columns are read: the
    charted paths of wire.h and up to ZAPM_HISTORY_CUSTOM_MAX custom.* per
    series (the ring keeps no more).
*/
#include "store_recall.h"
#include "base.h"
#include "store_chunk.h"
#include "store_db.h"
#include "store_head.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_COLUMNS (ZAPM_CHARTED_COUNT + ZAPM_HISTORY_CUSTOM_MAX)
#define S_ID_MAX  (1LL << 24) //  larger ids are damage (as in store_writer_load.c)
#define S_CUSTOM  (-1)        //  a metric's kind: custom.*
#define S_OTHER   (-2)        //  a metric's kind: not in memory

//  A point as memory keeps it: floats, NAN when absent.
typedef struct {
    int64_t t;
    float v[S_COLUMNS];
} s_point_t;

typedef struct {
    s_point_t *at;
    size_t count, cap;
} s_points_t;

//  A series of the file.
typedef struct {
    store_who_t who;                             //  its row
    int64_t sealed;                              //  newest point of its chunks since `since`
    int64_t newest;                              //  newest point since `since`, 0 if none
    int customs;                                 //  custom columns given
    uint32_t custom_id[ZAPM_HISTORY_CUSTOM_MAX]; //  their metric ids
    s_points_t head;                             //  its points in the head rows
} s_series_t;

typedef struct {
    sqlite3 *db;
    int64_t since;       //  oldest time recalled
    uint32_t points;     //  per series
    int64_t metric_cap;  //  ids in kind[] and name[]
    int *kind;           //  per metric id: charted column, S_CUSTOM or S_OTHER
    char **name;         //  per metric id: a custom metric's name, after "custom."
    int64_t series_cap;  //  ids in series[]
    s_series_t **series; //  per series id, NULL when none
    s_points_t chunk;    //  the chunks read of the current series, newest first
} s_recall_t;

static bool
s_push (s_points_t *points, const s_point_t *point)
{
    if (points->count == points->cap) {
        size_t cap = points->cap ? points->cap * 2 : 64;
        s_point_t *at = realloc (points->at, cap * sizeof *at);
        if (!at)
            return false;
        points->at = at;
        points->cap = cap;
    }
    points->at[points->count++] = *point;
    return true;
}

static void
s_empty (s_point_t *point, int64_t t)
{
    point->t = t;
    for (int c = 0; c < S_COLUMNS; c++)
        point->v[c] = NAN;
}

//  The column of metric `id` in `series`' points, -1 when memory keeps it not.
static int
s_column (s_recall_t *self, s_series_t *series, uint64_t id)
{
    if (id >= (uint64_t) self->metric_cap || self->kind[id] == S_OTHER)
        return -1;
    if (self->kind[id] >= 0)
        return self->kind[id];
    for (int c = 0; c < series->customs; c++)
        if (series->custom_id[c] == id)
            return ZAPM_CHARTED_COUNT + c;
    if (series->customs == ZAPM_HISTORY_CUSTOM_MAX)
        return -1;
    series->custom_id[series->customs] = (uint32_t) id;
    return ZAPM_CHARTED_COUNT + series->customs++;
}

//  ------------------------------------------------------------ the tables

static bool
s_load_metrics (s_recall_t *self)
{
    static const char *const charted[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_PATHS;
    static const char custom[] = ZAPM_KEY_CUSTOM ZAPM_HISTORY_PATH_SEP;
    sqlite3_stmt *stmt = store_db_prepare (
        self->db, "SELECT id, name FROM metric WHERE id > 0 AND id < ?1 ORDER BY id DESC");
    if (!stmt)
        return false;
    sqlite3_bind_int64 (stmt, 1, S_ID_MAX);
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        const char *name = (const char *) sqlite3_column_text (stmt, 1);
        if (!self->kind) { //  the first row has the largest id
            self->metric_cap = id + 1;
            self->kind = malloc ((size_t) self->metric_cap * sizeof *self->kind);
            self->name = calloc ((size_t) self->metric_cap, sizeof *self->name);
            if (!self->kind || !self->name)
                break;
            for (int64_t i = 0; i < self->metric_cap; i++)
                self->kind[i] = S_OTHER;
        }
        if (!name)
            continue;
        for (int c = 0; c < ZAPM_CHARTED_COUNT; c++)
            if (strcmp (name, charted[c]) == 0)
                self->kind[id] = c;
        if (strncmp (name, custom, sizeof custom - 1) == 0) {
            self->name[id] = strdup (name + sizeof custom - 1);
            if (self->name[id])
                self->kind[id] = S_CUSTOM;
        }
    }
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE;
}

static char *
s_text (sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *) sqlite3_column_text (stmt, column);
    return text && *text ? strdup (text) : NULL;
}

static bool
s_load_series (s_recall_t *self)
{
    sqlite3_stmt *stmt =
        store_db_prepare (self->db, "SELECT id, key, service, agent, host, pid, color FROM series"
                                    " WHERE id > 0 AND id < ?1 ORDER BY id DESC");
    if (!stmt)
        return false;
    sqlite3_bind_int64 (stmt, 1, S_ID_MAX);
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        if (!self->series) {
            self->series_cap = id + 1;
            self->series = calloc ((size_t) self->series_cap, sizeof *self->series);
            if (!self->series)
                break;
        }
        s_series_t *series = calloc (1, sizeof *series);
        if (!series)
            break;
        self->series[id] = series;
        series->who.key = s_text (stmt, 1);
        series->who.service = s_text (stmt, 2);
        series->who.agent = s_text (stmt, 3);
        series->who.host = s_text (stmt, 4);
        series->who.pid =
            sqlite3_column_type (stmt, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 5);
        series->who.color = s_text (stmt, 6);
    }
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE;
}

//  Each series' newest sealed raw point since `since` (chunk_age's index).
static bool
s_load_newest (s_recall_t *self)
{
    sqlite3_stmt *stmt = store_db_prepare (
        self->db, "SELECT series, max(t1) FROM chunk WHERE tier = 0 AND t1 >= ?1 GROUP BY series");
    if (!stmt)
        return false;
    sqlite3_bind_int64 (stmt, 1, self->since);
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        if (id > 0 && id < self->series_cap && self->series[id])
            self->series[id]->newest = self->series[id]->sealed = sqlite3_column_int64 (stmt, 1);
    }
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE;
}

//  The head rows' points of known series since `since` and after their
//  chunks, per series. A row stays until every point in it is sealed, so it
//  holds points of series sealed since: those are the chunks'.
static bool
s_load_head (s_recall_t *self)
{
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
            s_series_t *series = id < (uint64_t) self->series_cap ? self->series[id] : NULL;
            s_point_t point;
            s_empty (&point, t);
            bool damaged = false;
            for (uint64_t i = 0; i < count && !damaged; i++) {
                uint64_t metric;
                double value;
                damaged = !store_head_next_point (&reader, &metric, &value);
                int column = damaged || !series ? -1 : s_column (self, series, metric);
                if (column >= 0)
                    point.v[column] = (float) value;
            }
            if (damaged || !series || t < self->since || t <= series->sealed)
                continue;
            ok = s_push (&series->head, &point);
            if (t > series->newest)
                series->newest = t;
        }
    }
    sqlite3_finalize (stmt);
    return ok && rc == SQLITE_DONE;
}

//  ------------------------------------------------------------ the chunks

typedef struct {
    s_recall_t *recall;
    s_series_t *series;
    uint32_t keys[S_COLUMNS];
    int columns[S_COLUMNS];
    int count;
} s_keys_t;

static void
s_on_key (void *arg, uint32_t key)
{
    s_keys_t *keys = arg;
    int column = s_column (keys->recall, keys->series, key);
    if (column >= 0 && keys->count < S_COLUMNS) {
        keys->keys[keys->count] = key;
        keys->columns[keys->count++] = column;
    }
}

//  Appends one chunk's rows since `since` to self->chunk (newest first).
static bool
s_read_chunk (s_recall_t *self, s_series_t *series, const void *blob, size_t size)
{
    chunk_reader_t reader;
    if (!chunk_reader_open (&reader, blob, size) || reader.rows == 0)
        return true; //  a chunk that does not decode is skipped, as queries do
    s_keys_t keys = {.recall = self, .series = series};
    int64_t *times = malloc (reader.rows * sizeof *times);
    double *block = malloc ((size_t) S_COLUMNS * reader.rows * sizeof *block);
    bool ok = times && block;
    if (ok && chunk_reader_times (&reader, times) && chunk_reader_keys (&reader, s_on_key, &keys)) {
        double *values[S_COLUMNS];
        int found[S_COLUMNS];
        for (int c = 0; c < keys.count; c++)
            values[c] = block + (size_t) c * reader.rows;
        chunk_reader_columns (&reader, keys.keys, keys.count, values, found);
        for (uint32_t row = reader.rows; ok && row-- > 0;) {
            if (times[row] < self->since)
                continue;
            s_point_t point;
            s_empty (&point, times[row]);
            for (int c = 0; c < keys.count; c++)
                if (found[c] > 0)
                    point.v[keys.columns[c]] = (float) values[c][row];
            ok = s_push (&self->chunk, &point);
        }
    }
    free (times);
    free (block);
    return ok;
}

//  Gives `point` to fn as a store_recall_point_t.
static void
s_give (const s_series_t *series, const s_recall_t *self, const s_point_t *point,
        store_recall_fn *fn, void *arg)
{
    store_recall_point_t out = {.who = &series->who, .time_ns = point->t};
    for (int c = 0; c < ZAPM_CHARTED_COUNT; c++)
        out.charted[c] = (double) point->v[c];
    for (int c = 0; c < series->customs; c++) {
        float value = point->v[ZAPM_CHARTED_COUNT + c];
        if (isnan (value))
            continue;
        out.custom_name[out.customs] = self->name[series->custom_id[c]];
        out.custom_value[out.customs++] = (double) value;
    }
    fn (arg, &out);
}

//  Reads and gives the last `points` points of `series`. Returns how many, -1 on error.
static int64_t
s_recall_series (s_recall_t *self, int64_t id, s_series_t *series, sqlite3_stmt *chunks,
                 store_recall_fn *fn, void *arg)
{
    self->chunk.count = 0;
    size_t head = series->head.count;
    int rc = SQLITE_DONE;
    if (head < self->points) {
        sqlite3_bind_int64 (chunks, 1, id);
        sqlite3_bind_int64 (chunks, 2, self->since);
        while (self->chunk.count < self->points - head &&
               (rc = sqlite3_step (chunks)) == SQLITE_ROW)
            if (!s_read_chunk (self, series, sqlite3_column_blob (chunks, 0),
                               (size_t) sqlite3_column_bytes (chunks, 0))) {
                rc = SQLITE_NOMEM;
                break;
            }
        if (rc == SQLITE_ROW)
            rc = SQLITE_DONE; //  had enough
        sqlite3_reset (chunks);
    }
    if (rc != SQLITE_DONE)
        return -1;
    //  Oldest first: the chunks' points (held newest first), then the head's
    //  after them; each time once, the last `points` only.
    size_t total = self->chunk.count + head;
    size_t skip = total > self->points ? total - self->points : 0;
    int64_t given = 0, last = INT64_MIN;
    for (size_t i = 0; i < total; i++) {
        const s_point_t *point = i < self->chunk.count ? &self->chunk.at[self->chunk.count - 1 - i]
                                                       : &series->head.at[i - self->chunk.count];
        if (i < skip || point->t <= last)
            continue;
        last = point->t;
        s_give (series, self, point, fn, arg);
        given++;
    }
    return given;
}

//  A series to recall, ordered by its newest point.
typedef struct {
    int64_t newest;
    int64_t id;
} s_order_t;

static int
s_by_newest (const void *a, const void *b)
{
    const s_order_t *x = a, *y = b;
    if (x->newest != y->newest)
        return (x->newest > y->newest) - (x->newest < y->newest);
    return (x->id > y->id) - (x->id < y->id);
}

static void
s_free (s_recall_t *self)
{
    for (int64_t id = 0; self->series && id < self->series_cap; id++)
        if (self->series[id]) {
            store_who_free (&self->series[id]->who);
            free (self->series[id]->head.at);
            free (self->series[id]);
        }
    free (self->series);
    for (int64_t id = 0; self->name && id < self->metric_cap; id++)
        free (self->name[id]);
    free (self->name);
    free (self->kind);
    free (self->chunk.at);
}

int64_t
store_recall (const char *path, int64_t since_ns, uint32_t points, uint32_t max_series,
              store_recall_fn *fn, void *arg)
{
    s_recall_t self = {.since = since_ns, .points = points};
    self.db = store_db_open_reader (path);
    if (!self.db)
        return -1;
    int64_t given = -1;
    s_order_t *order = NULL;
    sqlite3_stmt *chunks = NULL;
    if (store_db_exec (self.db, "BEGIN") != SQLITE_OK || !s_load_metrics (&self) ||
        !s_load_series (&self) || !s_load_newest (&self) || !s_load_head (&self))
        goto done;
    //  "+t1": the series' own index (chunk_series), newest first, never a
    //  scan of chunk_age's every chunk since `since` for each series.
    chunks = store_db_prepare (self.db, "SELECT data FROM chunk WHERE tier = 0 AND series = ?1"
                                        " AND +t1 >= ?2 ORDER BY t0 DESC");
    order = malloc ((size_t) (self.series_cap ? self.series_cap : 1) * sizeof *order);
    if (!chunks || !order)
        goto done;
    size_t count = 0;
    for (int64_t id = 0; id < self.series_cap; id++)
        if (self.series[id] && self.series[id]->newest)
            order[count++] = (s_order_t){self.series[id]->newest, id};
    qsort (order, count, sizeof *order, s_by_newest);
    size_t first = count > max_series ? count - max_series : 0;
    given = 0;
    for (size_t i = first; i < count && given >= 0; i++) {
        int64_t id = order[i].id;
        int64_t n = s_recall_series (&self, id, self.series[id], chunks, fn, arg);
        given = n < 0 ? -1 : given + n;
    }
done:
    if (given < 0)
        log_error ("store: cannot read the recent history of %s back: %s", path,
                   sqlite3_errmsg (self.db));
    sqlite3_finalize (chunks);
    free (order);
    store_db_exec (self.db, "ROLLBACK");
    sqlite3_close (self.db);
    s_free (&self);
    return given;
}
