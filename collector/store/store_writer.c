/*  store_writer.c: samples to points to chunks (see store_writer.h).

    The writer keeps no transaction open between commits except the one it
    begins lazily for the current interval. If a commit fails (disk full, I/O
    error, a file size limit), it rolls back, counts and logs the error (at
    most once a minute), drops its memory and rebuilds it from the database
    exactly as at start-up: the series and metric tables, and the head rows
    of the earlier, successful commits. So the points of the failed interval
    are lost, nothing else is, and writing resumes by itself.

    A head row's data, per sample: varint series id, zigzag varint time (ns),
    varint count, then count x (varint metric id, a byte e, then the value:
    when e <= 12 a zigzag varint m with value = m / 10^e, the decimal form of
    store_chunk.h, else 8 bytes of the double, little-endian). Most values
    take 3 to 6 bytes.
*/
#include "store_writer.h"
#include "base.h"
#include "store_chunk.h"
#include "store_db.h"
#include "store_layouts.h"
#include "store_tiers.h"
#include "service.h"
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A commit's rollup work, in series.
#define WRITER_ROLLUP_BUDGET 64

//  Error lines are logged at most this often.
#define WRITER_ERROR_LOG_NS (60 * STORE_NS)

//  The WAL is truncated after a commit that left it over this part of the cap.
#define WRITER_WAL_SHARE 20

//  How often a cap too small for the rate of writing is logged.
#define WRITER_SMALL_CAP_LOG_NS (3600 * STORE_NS)

//  Largest series id taken from the file. Ids are given densely from 1 and
//  index an array in memory, so a larger one is damage: taken, it would make
//  that array gigabytes (2^24 ids: 128 MiB of pointers).
#define WRITER_SERIES_ID_MAX (1LL << 24)

//  A sample layout (store_layouts.h) as the writer knows it: the metric id of
//  each of its numbers, looked up once per layout (again after a failed
//  commit, which can roll new metric rows back).
typedef struct {
    char *paths;         //  the paths, NUL-terminated, back to back (malloc'd)
    uint32_t paths_size; //  their bytes
    uint32_t count;      //  paths
    uint32_t *metric;    //  metric id of each, 0 for a path not kept; valid when `resolved`
    uint32_t kept;       //  paths whose metric is not 0
    bool resolved;       //  `metric` matches the metric table
} s_layout_t;

typedef struct {
    int64_t id;            //  row id in `series`
    char *key;             //  identity
    int64_t last_ns;       //  newest time taken (older or equal times are refused)
    int64_t head_first;    //  head row holding the open chunk's first point, 0 if empty
    uint32_t phase;        //  commit number modulo seal_s at which it seals
    chunk_builder_t chunk; //  the open raw chunk
    bool due;              //  seal at the next commit (the chunk is full)
} s_series_t;

typedef struct {
    char *name;  //  metric path, malloc'd
    uint32_t id; //  row id in `metric`
} s_metric_t;

struct _store_writer_t {
    sqlite3 *db;                 //  the writer's connection
    store_config_t config;       //  as given (path copied)
    store_counters_t *counters;  //  shared counters
    store_tiers_t tiers;         //  rollups, retention, cap
    s_series_t **series;         //  by row id (index 0 unused), NULL where unknown
    int64_t series_cap;          //  entries of `series`
    int64_t max_id;              //  largest series id
    int64_t *table;              //  identity hash -> series id, 0 empty
    size_t table_cap;            //  power of two
    size_t table_used;           //  entries in use
    s_metric_t *metrics;         //  metric hash by name
    size_t metrics_cap;          //  power of two
    size_t metrics_used;         //  entries in use
    chunk_bits_t head;           //  this interval's head row
    int64_t head_id;             //  its row id
    int64_t head_samples;        //  samples in it
    int64_t head_points;         //  points in it
    int64_t head_deleted_below;  //  head rows below this id are gone
    int64_t commits;             //  commits so far
    int64_t head_bytes;          //  head bytes committed since every chunk was last sealed
    int64_t commit_wal;          //  WAL bytes of the largest recent commit (decaying)
    int64_t small_cap_warned_ns; //  when a too-small cap was last logged
    bool in_transaction;         //  BEGIN was issued
    int failed_rc;               //  code of a failed statement this interval (the commit fails)
    bool loaded;                 //  memory matches the file (else reload first)
    int64_t error_logged_ns;     //  when an error line was last logged
    int64_t errors_unlogged;     //  errors since then
    int64_t failed_commits;      //  commits failed since the last that worked
    sqlite3_stmt *insert_series; //  INSERT INTO series
    sqlite3_stmt *insert_metric; //  INSERT INTO metric
    sqlite3_stmt *insert_head;   //  INSERT INTO head
    sqlite3_stmt *delete_head;   //  DELETE FROM head WHERE id < ?
    sqlite3_stmt *update_last;   //  UPDATE series SET last_ns
    s_layout_t *layouts[STORE_LAYOUTS_MAX + 1]; //  by layout id, NULL where unknown
};

static uint64_t
s_hash (const char *text, size_t size)
{
    uint64_t hash = 14695981039346656037ULL;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ (unsigned char) text[i]) * 1099511628211ULL;
    return hash;
}

//  Logs a failed statement, at most once a minute, and counts it.
static void
s_error (store_writer_t *self, const char *what, int rc, int64_t now_ns)
{
    atomic_fetch_add (&self->counters->write_errors, 1);
    if (self->error_logged_ns && now_ns - self->error_logged_ns < WRITER_ERROR_LOG_NS) {
        self->errors_unlogged++;
        return;
    }
    log_error ("store: %s failed: %s; the points of this second are lost, writing goes on"
               " (%lld more errors since the last such line; logged at most once a minute)",
               what, sqlite3_errstr (rc), (long long) self->errors_unlogged);
    self->error_logged_ns = now_ns;
    self->errors_unlogged = 0;
}

//  After a failed statement. SQLite may have rolled the transaction back by
//  itself (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM): then the interval's
//  earlier statements are gone, so it fails as a whole (the commit rolls back
//  and memory is reloaded), and the next statement begins a transaction
//  again instead of autocommitting on its own. `fatal`: the interval fails
//  even if the transaction is still open (memory no longer matches it).
static void
s_failed (store_writer_t *self, int rc, bool fatal)
{
    bool lost = self->in_transaction && sqlite3_get_autocommit (self->db);
    self->in_transaction = !sqlite3_get_autocommit (self->db);
    if ((fatal || lost) && self->failed_rc == SQLITE_OK)
        self->failed_rc = rc;
}

static int
s_begin (store_writer_t *self)
{
    if (self->in_transaction)
        return SQLITE_OK;
    int rc = store_db_exec (self->db, "BEGIN IMMEDIATE");
    self->in_transaction = rc == SQLITE_OK;
    return rc;
}

//  --------------------------------------------------------------------------
//  Metrics and series in memory

static bool
s_metric_put (store_writer_t *self, const char *name, size_t size, uint32_t id)
{
    if ((self->metrics_used + 1) * 2 > self->metrics_cap) {
        size_t cap = self->metrics_cap ? self->metrics_cap * 2 : 256;
        s_metric_t *metrics = calloc (cap, sizeof *metrics);
        if (!metrics)
            return false;
        for (size_t i = 0; i < self->metrics_cap; i++) {
            s_metric_t *old = &self->metrics[i];
            if (!old->name)
                continue;
            size_t at = s_hash (old->name, strlen (old->name)) & (cap - 1);
            while (metrics[at].name)
                at = (at + 1) & (cap - 1);
            metrics[at] = *old;
        }
        free (self->metrics);
        self->metrics = metrics;
        self->metrics_cap = cap;
    }
    char *copy = strndup (name, size);
    if (!copy)
        return false;
    size_t at = s_hash (name, size) & (self->metrics_cap - 1);
    while (self->metrics[at].name)
        at = (at + 1) & (self->metrics_cap - 1);
    self->metrics[at] = (s_metric_t){copy, id};
    self->metrics_used++;
    return true;
}

//  The metric id of `name`, created if new; 0 on error.
static uint32_t
s_metric (store_writer_t *self, const char *name, size_t size, int64_t now_ns)
{
    if (self->metrics_cap) {
        size_t at = s_hash (name, size) & (self->metrics_cap - 1);
        while (self->metrics[at].name) {
            if (strncmp (self->metrics[at].name, name, size) == 0 &&
                self->metrics[at].name[size] == '\0')
                return self->metrics[at].id;
            at = (at + 1) & (self->metrics_cap - 1);
        }
    }
    int rc = s_begin (self);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text (self->insert_metric, 1, name, (int) size, SQLITE_STATIC);
        rc = sqlite3_step (self->insert_metric);
        sqlite3_reset (self->insert_metric);
    }
    if (rc != SQLITE_DONE) {
        s_error (self, "adding a metric", rc, now_ns);
        s_failed (self, rc, false);
        return 0;
    }
    uint32_t id = (uint32_t) sqlite3_last_insert_rowid (self->db);
    return s_metric_put (self, name, size, id) ? id : 0;
}

static s_series_t *
s_series_put (store_writer_t *self, int64_t id, const char *key, int64_t last_ns)
{
    if (id >= self->series_cap) {
        int64_t cap = self->series_cap ? self->series_cap : 1024;
        while (cap <= id)
            cap *= 2;
        s_series_t **series = realloc (self->series, (size_t) cap * sizeof *series);
        if (!series)
            return NULL;
        memset (series + self->series_cap, 0, (size_t) (cap - self->series_cap) * sizeof *series);
        self->series = series;
        self->series_cap = cap;
    }
    if ((self->table_used + 1) * 2 > self->table_cap) {
        size_t cap = self->table_cap ? self->table_cap * 2 : 1024;
        int64_t *table = calloc (cap, sizeof *table);
        if (!table)
            return NULL;
        for (size_t i = 0; i < self->table_cap; i++) {
            int64_t old = self->table[i];
            if (!old)
                continue;
            const char *old_key = self->series[old]->key;
            size_t at = s_hash (old_key, strlen (old_key)) & (cap - 1);
            while (table[at])
                at = (at + 1) & (cap - 1);
            table[at] = old;
        }
        free (self->table);
        self->table = table;
        self->table_cap = cap;
    }
    s_series_t *series = calloc (1, sizeof *series);
    if (!series || !(series->key = strdup (key))) {
        free (series);
        return NULL;
    }
    series->id = id;
    series->last_ns = last_ns;
    series->phase = (uint32_t) (id % self->config.seal_s);
    self->series[id] = series;
    if (id > self->max_id)
        self->max_id = id;
    size_t at = s_hash (key, strlen (key)) & (self->table_cap - 1);
    while (self->table[at])
        at = (at + 1) & (self->table_cap - 1);
    self->table[at] = id;
    self->table_used++;
    return series;
}

static s_series_t *
s_series_find (store_writer_t *self, const char *key)
{
    if (!self->table_cap)
        return NULL;
    size_t at = s_hash (key, strlen (key)) & (self->table_cap - 1);
    while (self->table[at]) {
        s_series_t *series = self->series[self->table[at]];
        if (strcmp (series->key, key) == 0)
            return series;
        at = (at + 1) & (self->table_cap - 1);
    }
    return NULL;
}

//  Binds `text` to parameter `at` when it is not empty (else it stays NULL).
static void
s_bind_text (sqlite3_stmt *stmt, int at, const char *text)
{
    if (text && text[0])
        sqlite3_bind_text (stmt, at, text, -1, SQLITE_STATIC);
}

//  Adds a series row for a new identity.
static s_series_t *
s_series_new (store_writer_t *self, const char *key, const store_ids_t *ids, int64_t time_ns,
              int64_t now_ns)
{
    char service[ZAPM_IDENTITY_MAX + 1];
    service_of (key, ids->agent, ids->host, ids->pid >= 0, service, sizeof service);
    int rc = s_begin (self);
    sqlite3_stmt *stmt = self->insert_series;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 2, service, -1, SQLITE_STATIC);
        s_bind_text (stmt, 3, ids->agent);
        s_bind_text (stmt, 4, ids->host);
        if (ids->pid >= 0)
            sqlite3_bind_int64 (stmt, 5, ids->pid);
        s_bind_text (stmt, 6, ids->color);
        sqlite3_bind_int64 (stmt, 7, time_ns);
        rc = sqlite3_step (stmt);
        sqlite3_reset (stmt);
        sqlite3_clear_bindings (stmt);
    }
    if (rc != SQLITE_DONE) {
        s_error (self, "adding a series", rc, now_ns);
        s_failed (self, rc, false);
        return NULL;
    }
    return s_series_put (self, sqlite3_last_insert_rowid (self->db), key, 0);
}

//  --------------------------------------------------------------------------
//  Layouts

static void
s_layout_free (s_layout_t **layout_p)
{
    if (!*layout_p)
        return;
    free ((*layout_p)->paths);
    free ((*layout_p)->metric);
    free (*layout_p);
    *layout_p = NULL;
}

bool
store_writer_layout (store_writer_t *self, uint32_t id, const char *paths, size_t size,
                     uint32_t count)
{
    if (id > STORE_LAYOUTS_MAX)
        return false;
    s_layout_free (&self->layouts[id]);
    s_layout_t *layout = calloc (1, sizeof *layout);
    self->layouts[id] = layout;
    if (layout) {
        layout->paths = malloc (size ? size : 1);
        layout->metric = calloc (count ? count : 1, sizeof *layout->metric);
    }
    if (!layout || !layout->paths || !layout->metric) {
        //  Its samples are lost: count them once here.
        atomic_fetch_add (&self->counters->write_errors, 1);
        s_layout_free (&self->layouts[id]);
        return false;
    }
    memcpy (layout->paths, paths, size);
    layout->paths_size = (uint32_t) size;
    layout->count = count;
    return true;
}

//  True when `path` is made of [A-Za-z0-9_.:-] only: the metric names kept.
static bool
s_path_ok (const char *path, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char) path[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

//  Layout `id` with its metric ids looked up (paths not kept get 0); NULL if
//  it is unknown, does not hold `count` paths, or a metric row could not be
//  added.
static s_layout_t *
s_layout (store_writer_t *self, uint32_t id, uint32_t count, int64_t now_ns)
{
    s_layout_t *layout = id <= STORE_LAYOUTS_MAX ? self->layouts[id] : NULL;
    if (!layout || layout->count != count)
        return NULL;
    if (layout->resolved)
        return layout;
    const char *path = layout->paths, *end = layout->paths + layout->paths_size;
    layout->kept = 0;
    for (uint32_t i = 0; i < count; i++) {
        const char *nul = path < end ? memchr (path, '\0', (size_t) (end - path)) : NULL;
        if (!nul)
            return NULL;
        size_t size = (size_t) (nul - path);
        layout->metric[i] = 0;
        if (s_path_ok (path, size) && !(layout->metric[i] = s_metric (self, path, size, now_ns)))
            return NULL;
        layout->kept += layout->metric[i] != 0;
        path = nul + 1;
    }
    layout->resolved = true;
    return layout;
}

//  --------------------------------------------------------------------------
//  Head rows

//  Most bytes one point takes in the head: metric id, e and the value.
#define WRITER_HEAD_POINT_MAX (5 + 1 + 10)

//  Writes `value` as a varint at `out` (room checked by the caller); returns its bytes.
static size_t
s_varint (uint8_t *out, uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        out[n++] = (uint8_t) (value | 0x80);
        value >>= 7;
    }
    out[n++] = (uint8_t) value;
    return n;
}

//  Appends a point in the head's form, reusing the decimal form that the
//  chunk's column just found for its value. The caller reserved
//  WRITER_HEAD_POINT_MAX bytes.
static void
s_head_point (chunk_bits_t *head, uint32_t metric, double value, const chunk_column_t *column)
{
    uint8_t *out = head->data + head->size;
    size_t n = s_varint (out, metric);
    if (column && column->scale != CHUNK_SCALE_NONE) {
        out[n++] = (uint8_t) column->scale;
        n += s_varint (out + n, chunk_zigzag (column->prev));
    }
    else {
        out[n++] = 0xff;
        memcpy (out + n, &value, 8); //  little-endian hosts only (x86, arm)
        n += 8;
    }
    head->size += n;
}

//  --------------------------------------------------------------------------
//  Points into the open chunk

//  Starts a row of `series` at `time_ns` (sealing first if the chunk is full
//  or spans too long). Returns false if the row could not be started.
static bool s_row (store_writer_t *self, s_series_t *series, int64_t time_ns, int64_t head_row);

static int s_seal (store_writer_t *self, s_series_t *series);

//  Puts a value into the open chunk; returns its column, NULL on failure.
static const chunk_column_t *
s_put (s_series_t *series, uint32_t metric, int hint, double value)
{
    int column = chunk_builder_column (&series->chunk, metric, hint);
    if (column < 0 || !chunk_builder_put (&series->chunk, column, value))
        return NULL;
    return &series->chunk.columns[column];
}

static bool
s_row (store_writer_t *self, s_series_t *series, int64_t time_ns, int64_t head_row)
{
    chunk_builder_t *chunk = &series->chunk;
    if (chunk->rows > 0 && (chunk->rows >= CHUNK_ROWS_MAX ||
                            time_ns - chunk->t_first >= store_tier_span_ns[STORE_TIER_RAW])) {
        int rc = s_seal (self, series);
        if (rc != SQLITE_OK)
            return false;
    }
    if (!chunk_builder_row (chunk, time_ns))
        return false;
    if (chunk->rows == 1)
        series->head_first = head_row;
    series->last_ns = time_ns;
    return true;
}

void
store_writer_sample (store_writer_t *self, const char *series_id, const store_ids_t *ids,
                     int64_t time_ns, uint32_t layout_id, const double *values, uint32_t count,
                     int64_t now_ns)
{
    if (!self->loaded)
        return; //  the file could not be read back after an error; counted there
    if (time_ns < now_ns - self->config.past_window_s * STORE_NS ||
        time_ns > now_ns + self->config.future_window_s * STORE_NS) {
        atomic_fetch_add (&self->counters->samples_refused, 1);
        return;
    }
    s_series_t *series = s_series_find (self, series_id);
    if (series && time_ns <= series->last_ns) {
        atomic_fetch_add (&self->counters->samples_refused, 1);
        return;
    }
    s_layout_t *layout = count < (1u << 14) ? s_layout (self, layout_id, count, now_ns) : NULL;
    if (!layout)
        return; //  a metric row could not be added: counted as a write error
    if (!series)
        series = s_series_new (self, series_id, ids, time_ns, now_ns);
    if (!series || !s_row (self, series, time_ns, self->head_id))
        return;
    //  The head entry: series, time, a two-byte count, then the points.
    if (!chunk_bits_varint (&self->head, (uint64_t) series->id) ||
        !chunk_bits_varint (&self->head, chunk_zigzag (time_ns)) ||
        !chunk_bits_reserve (&self->head, 2 + (size_t) count * WRITER_HEAD_POINT_MAX))
        return;
    uint32_t kept = layout->kept;
    self->head.data[self->head.size++] = (uint8_t) (0x80 | (kept & 0x7f));
    self->head.data[self->head.size++] = (uint8_t) (kept >> 7);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t metric = layout->metric[i];
        if (!metric)
            continue;
        const chunk_column_t *column = s_put (series, metric, (int) i, values[i]);
        s_head_point (&self->head, metric, values[i], column);
    }
    self->head_points += kept;
    self->head_samples++;
    if (series->chunk.rows >= CHUNK_ROWS_MAX)
        series->due = true;
}

//  --------------------------------------------------------------------------
//  Sealing and committing

static int
s_seal (store_writer_t *self, s_series_t *series)
{
    chunk_builder_t *chunk = &series->chunk;
    if (chunk->rows == 0)
        return SQLITE_OK;
    uint8_t *blob = NULL;
    size_t size = 0;
    int rc = s_begin (self);
    if (rc == SQLITE_OK && !chunk_builder_seal (chunk, &blob, &size))
        rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = store_tiers_insert (&self->tiers, STORE_TIER_RAW, series->id, chunk->t_first,
                                 chunk->t_last, chunk->rows, blob, size);
    free (blob);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64 (self->update_last, 1, chunk->t_last);
        sqlite3_bind_int64 (self->update_last, 2, series->id);
        rc = sqlite3_step (self->update_last);
        sqlite3_reset (self->update_last);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK) {
        //  Its points are in no chunk: the chunk stays open and its head rows
        //  stay, and the interval fails (the commit rolls back and reloads).
        s_failed (self, rc, true);
        return rc;
    }
    chunk_builder_reset (chunk);
    series->head_first = 0;
    series->due = false;
    return SQLITE_OK;
}

void
store_writer_seal_all (store_writer_t *self)
{
    for (int64_t id = 1; id <= self->max_id; id++)
        if (self->series[id] && s_seal (self, self->series[id]) != SQLITE_OK)
            break;
}

static void s_forget (store_writer_t *self);
static bool s_load (store_writer_t *self, int64_t now_ns);

//  The oldest point not sealed yet (INT64_MAX if none) and the smallest head
//  row an open chunk still needs (INT64_MAX if none).
static void
s_open_bounds (store_writer_t *self, int64_t *open_ns, int64_t *head_needed)
{
    *open_ns = INT64_MAX;
    *head_needed = INT64_MAX;
    for (int64_t id = 1; id <= self->max_id; id++) {
        s_series_t *series = self->series[id];
        if (!series || series->chunk.rows == 0)
            continue;
        if (series->chunk.t_first < *open_ns)
            *open_ns = series->chunk.t_first;
        if (series->head_first < *head_needed)
            *head_needed = series->head_first;
    }
}

//  Room the cap keeps for one commit: the WAL may hold up to a
//  WRITER_WAL_SHARE-th of the cap when the commit starts, the commit adds its
//  frames, and the file grows by about as much when they are checkpointed.
static int64_t
s_reserve (store_writer_t *self)
{
    return self->config.max_mib * 1024 * 1024 / WRITER_WAL_SHARE + 2 * self->commit_wal;
}

static int
s_commit (store_writer_t *self, int64_t now_ns)
{
    int rc = self->failed_rc ? self->failed_rc : s_begin (self);
    if (rc == SQLITE_OK && self->head.size > 0) {
        sqlite3_bind_int64 (self->insert_head, 1, self->head_id);
        sqlite3_bind_int64 (self->insert_head, 2, now_ns);
        sqlite3_bind_blob (self->insert_head, 3, self->head.data, (int) self->head.size,
                           SQLITE_STATIC);
        rc = sqlite3_step (self->insert_head);
        sqlite3_reset (self->insert_head);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    self->commits++;
    //  The head must stay a small part of the cap: with a small cap and a fast
    //  writer, every chunk is sealed as soon as the head reaches a tenth of it.
    bool everything = self->head_bytes > self->config.max_mib * 1024 * 1024 / 10;
    for (int64_t id = 1; id <= self->max_id && rc == SQLITE_OK; id++) {
        s_series_t *series = self->series[id];
        if (series && series->chunk.rows > 0 &&
            (everything || series->due || series->phase == self->commits % self->config.seal_s))
            rc = s_seal (self, series);
    }
    if (rc == SQLITE_OK && everything)
        self->head_bytes = 0;
    //  Head rows below every open chunk's first row hold only sealed points.
    int64_t open_ns, head_needed;
    s_open_bounds (self, &open_ns, &head_needed);
    if (head_needed == INT64_MAX)
        head_needed = self->head_id + (self->head.size > 0);
    if (rc == SQLITE_OK && head_needed > self->head_deleted_below) {
        sqlite3_bind_int64 (self->delete_head, 1, head_needed);
        rc = sqlite3_step (self->delete_head);
        sqlite3_reset (self->delete_head);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc == SQLITE_OK)
        rc = store_rollup_step (&self->tiers, now_ns, open_ns, self->max_id, WRITER_ROLLUP_BUDGET);
    if (rc == SQLITE_OK)
        rc = store_retention_step (&self->tiers, now_ns, s_reserve (self));
    if (rc == SQLITE_OK)
        rc = store_tiers_save (&self->tiers);
    if (rc == SQLITE_OK)
        rc = store_db_exec (self->db, "COMMIT");
    if (rc == SQLITE_OK) {
        self->in_transaction = false;
        if (head_needed > self->head_deleted_below)
            self->head_deleted_below = head_needed;
    }
    return rc;
}

bool
store_writer_commit (store_writer_t *self, int64_t now_ns)
{
    if (!self->loaded && !s_load (self, now_ns)) {
        s_error (self, "reading the store back", sqlite3_errcode (self->db), now_ns);
        s_forget (self);
        return false;
    }
    int rc = s_commit (self, now_ns);
    if (rc == SQLITE_OK && self->failed_commits > 0) {
        log_info ("store: writing history again after %lld failed commits",
                  (long long) self->failed_commits);
        self->failed_commits = 0;
    }
    if (rc == SQLITE_OK) {
        atomic_fetch_add (&self->counters->samples_written, self->head_samples);
        atomic_fetch_add (&self->counters->points_written, self->head_points);
        self->head_bytes += (int64_t) self->head.size;
        if (self->head.size > 0)
            self->head_id++;
    }
    else {
        s_error (self, "writing history", rc, now_ns);
        self->failed_commits++;
        if (!sqlite3_get_autocommit (self->db))
            store_db_exec (self->db, "ROLLBACK");
        self->in_transaction = false;
        //  Memory no longer matches the file: rebuild it from the file.
        s_forget (self);
        if (!s_load (self, now_ns))
            s_forget (self);
    }
    self->head.size = 0;
    self->head_samples = self->head_points = 0;
    if (!self->loaded)
        return false;
    //  Measure what the commit added to the WAL (it starts near empty), and
    //  keep the WAL small: truncate it when it passed its share of the cap
    //  (automatic checkpoints fell behind, a reader held them back, or the
    //  commit itself was large).
    int64_t used, file, wal;
    store_db_sizes (self->db, self->config.path, &used, &file, &wal);
    int64_t cap = self->config.max_mib * 1024 * 1024;
    self->commit_wal -= self->commit_wal / 64;
    if (wal > self->commit_wal)
        self->commit_wal = wal;
    if (wal > cap / WRITER_WAL_SHARE) {
        sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        store_db_sizes (self->db, self->config.path, &used, &file, &wal);
    }
    if (s_reserve (self) > cap * 3 / 4 &&
        (!self->small_cap_warned_ns ||
         now_ns - self->small_cap_warned_ns > WRITER_SMALL_CAP_LOG_NS)) {
        log_warn ("store: one commit writes %.1f MiB, too much for --store-max-mib %lld: the"
                  " files may pass the cap; raise it (logged at most once an hour)",
                  (double) self->commit_wal / 1048576.0, (long long) self->config.max_mib);
        self->small_cap_warned_ns = now_ns;
    }
    if (file > cap) {
        store_retention_vacuum (&self->tiers);
        store_db_sizes (self->db, self->config.path, &used, &file, &wal);
    }
    atomic_store (&self->counters->bytes, file + wal);
    if (self->commits % 10 == 1)
        store_retention_oldest (&self->tiers);
    for (int tier = 0; tier < STORE_TIERS; tier++)
        atomic_store (&self->counters->oldest_ns[tier], self->tiers.oldest_ns[tier]);
    atomic_store (&self->counters->unrolled_deleted, self->tiers.unrolled_deleted);
    atomic_store (&self->counters->rollup_metrics_left_out, self->tiers.rollup_metrics_left_out);
    return rc == SQLITE_OK;
}

int64_t
store_writer_due (store_writer_t *self, int64_t now_ns)
{
    if (!self->loaded || self->failed_rc || self->head.size > 0)
        return now_ns;
    int64_t open_ns, head_needed;
    s_open_bounds (self, &open_ns, &head_needed);
    if (open_ns != INT64_MAX || head_needed != INT64_MAX)
        return now_ns; //  open chunks wait for their seals
    if (self->head_id > self->head_deleted_below)
        return now_ns; //  head rows of sealed points wait to be deleted
    int64_t rollup = store_rollup_due (&self->tiers, now_ns, open_ns);
    int64_t retention = store_retention_due (&self->tiers, now_ns, s_reserve (self));
    return rollup < retention ? rollup : retention;
}

void
store_writer_rollup_all (store_writer_t *self, int64_t now_ns)
{
    for (int round = 0; round < 100000; round++) {
        int64_t before[STORE_TIERS];
        memcpy (before, self->tiers.watermark, sizeof before);
        int64_t cursor1 = self->tiers.cursor[1], cursor2 = self->tiers.cursor[2];
        int64_t open_ns, head_needed;
        s_open_bounds (self, &open_ns, &head_needed);
        if (!self->loaded || self->failed_rc)
            return; //  a failed interval is for store_writer_commit to roll back
        int rc = s_begin (self);
        if (rc == SQLITE_OK)
            rc = store_rollup_step (&self->tiers, now_ns, open_ns, self->max_id, 1000);
        if (rc == SQLITE_OK)
            rc = store_tiers_save (&self->tiers);
        if (rc == SQLITE_OK)
            rc = store_db_exec (self->db, "COMMIT");
        self->in_transaction = false;
        if (rc != SQLITE_OK) {
            store_db_exec (self->db, "ROLLBACK");
            return;
        }
        if (memcmp (before, self->tiers.watermark, sizeof before) == 0 &&
            cursor1 == self->tiers.cursor[1] && cursor2 == self->tiers.cursor[2])
            return;
    }
}

//  --------------------------------------------------------------------------
//  Loading, replaying, freeing

static void
s_series_free (s_series_t *series)
{
    chunk_builder_free (&series->chunk);
    free (series->key);
    free (series);
}

static void
s_forget (store_writer_t *self)
{
    for (int64_t id = 0; id < self->series_cap; id++)
        if (self->series[id])
            s_series_free (self->series[id]);
    free (self->series);
    free (self->table);
    for (size_t i = 0; i < self->metrics_cap; i++)
        free (self->metrics[i].name);
    free (self->metrics);
    self->series = NULL;
    self->table = NULL;
    self->metrics = NULL;
    self->series_cap = self->max_id = 0;
    self->failed_rc = SQLITE_OK; //  what failed is gone with the memory
    self->table_cap = self->table_used = self->metrics_cap = self->metrics_used = 0;
    store_tiers_free (&self->tiers);
    //  Metric rows of a failed commit are gone: layouts look their ids up again.
    for (uint32_t id = 0; id <= STORE_LAYOUTS_MAX; id++)
        if (self->layouts[id])
            self->layouts[id]->resolved = false;
    self->loaded = false;
}

//  Feeds the points of the head rows left by an earlier run into open chunks.
static bool
s_replay (store_writer_t *self)
{
    sqlite3_stmt *stmt = store_db_prepare (self->db, "SELECT id, data FROM head ORDER BY id");
    if (!stmt)
        return false;
    int64_t rows = 0, samples = 0, unknown = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t row = sqlite3_column_int64 (stmt, 0);
        const uint8_t *data = sqlite3_column_blob (stmt, 1);
        size_t size = (size_t) sqlite3_column_bytes (stmt, 1), at = 0;
        rows++;
        if (row >= self->head_id)
            self->head_id = row + 1;
        if (self->head_deleted_below == 0 || row < self->head_deleted_below)
            self->head_deleted_below = row;
        while (at < size) {
            uint64_t id, zig, count;
            if (!chunk_varint_read (data, size, &at, &id) ||
                !chunk_varint_read (data, size, &at, &zig) ||
                !chunk_varint_read (data, size, &at, &count))
                break;
            int64_t time_ns = chunk_unzigzag (zig);
            //  Unsigned: a damaged id of 2^64 - 1 must not become index -1.
            s_series_t *series = id < (uint64_t) self->series_cap ? self->series[id] : NULL;
            unknown += !series;
            bool take = series && time_ns > series->last_ns && s_row (self, series, time_ns, row);
            for (uint64_t i = 0; i < count; i++) {
                uint64_t metric, zig_m;
                double value;
                if (!chunk_varint_read (data, size, &at, &metric) || at >= size) {
                    at = size;
                    break;
                }
                uint8_t e = data[at++];
                if (e == 0xff && size - at >= 8) {
                    memcpy (&value, data + at, 8);
                    at += 8;
                }
                else if (e <= CHUNK_SCALE_MAX && chunk_varint_read (data, size, &at, &zig_m))
                    value = chunk_decimal_value (chunk_unzigzag (zig_m), e);
                else {
                    at = size;
                    break;
                }
                if (take)
                    s_put (series, (uint32_t) metric, (int) i, value);
            }
            samples += take;
        }
    }
    sqlite3_finalize (stmt);
    if (rows > 0)
        log_info ("store: replayed %lld samples from %lld head rows of the last run",
                  (long long) samples, (long long) rows);
    if (unknown > 0)
        log_warn ("store: skipped %lld head entries of an unknown series id (a damaged file)",
                  (long long) unknown);
    return rc == SQLITE_DONE;
}

static bool
s_load (store_writer_t *self, int64_t now_ns)
{
    if (!store_tiers_init (&self->tiers, self->db, &self->config, now_ns))
        return false;
    sqlite3_stmt *stmt = store_db_prepare (self->db, "SELECT id, key, last_ns FROM series");
    if (!stmt)
        return false;
    //  Rows a damaged file can hold (an id out of range or taken twice, no
    //  name) are skipped: they must not index memory or crash every start.
    int64_t damaged = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        const char *key = (const char *) sqlite3_column_text (stmt, 1);
        if (id <= 0 || id > WRITER_SERIES_ID_MAX || !key ||
            (id < self->series_cap && self->series[id]) || s_series_find (self, key)) {
            damaged++;
            continue;
        }
        if (!s_series_put (self, id, key, sqlite3_column_int64 (stmt, 2)))
            break;
    }
    sqlite3_finalize (stmt);
    if (rc != SQLITE_DONE)
        return false;
    stmt = store_db_prepare (self->db, "SELECT id, name FROM metric");
    if (!stmt)
        return false;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        const char *name = (const char *) sqlite3_column_text (stmt, 1);
        if (id <= 0 || id > UINT32_MAX || !name) {
            damaged++;
            continue;
        }
        if (!s_metric_put (self, name, strlen (name), (uint32_t) id))
            break;
    }
    sqlite3_finalize (stmt);
    if (rc != SQLITE_DONE)
        return false;
    if (damaged > 0)
        log_warn ("store: skipped %lld damaged rows of the series and metric tables",
                  (long long) damaged);
    self->head_id = 1;
    self->head_deleted_below = 0;
    if (!s_replay (self))
        return false;
    store_retention_oldest (&self->tiers);
    self->loaded = true;
    return true;
}

store_writer_t *
store_writer_new (sqlite3 *db, const store_config_t *config, store_counters_t *counters,
                  int64_t now_ns)
{
    store_writer_t *self = calloc (1, sizeof *self);
    if (!self) {
        sqlite3_close (db);
        return NULL;
    }
    self->db = db;
    self->config = *config;
    self->config.path = strdup (config->path);
    self->counters = counters;
    self->insert_series = store_db_prepare (
        db, "INSERT INTO series (key, service, agent, host, pid, color, first_ns, last_ns)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0)");
    self->insert_metric = store_db_prepare (db, "INSERT INTO metric (name) VALUES (?)");
    self->insert_head = store_db_prepare (db, "INSERT INTO head (id, t_ns, data) VALUES (?, ?, ?)");
    self->delete_head = store_db_prepare (db, "DELETE FROM head WHERE id < ?");
    self->update_last = store_db_prepare (db, "UPDATE series SET last_ns = ? WHERE id = ?");
    if (!self->config.path || !self->insert_series || !self->insert_metric || !self->insert_head ||
        !self->delete_head || !self->update_last || !s_load (self, now_ns)) {
        store_writer_destroy (&self, 0);
        return NULL;
    }
    return self;
}

void
store_writer_destroy (store_writer_t **self_p, int64_t now_ns)
{
    if (!*self_p)
        return;
    store_writer_t *self = *self_p;
    if (self->loaded && now_ns) {
        store_writer_commit (self, now_ns);
        store_writer_seal_all (self);
        store_writer_commit (self, now_ns);
    }
    if (self->in_transaction)
        store_db_exec (self->db, "ROLLBACK");
    s_forget (self);
    for (uint32_t id = 0; id <= STORE_LAYOUTS_MAX; id++)
        s_layout_free (&self->layouts[id]);
    sqlite3_finalize (self->insert_series);
    sqlite3_finalize (self->insert_metric);
    sqlite3_finalize (self->insert_head);
    sqlite3_finalize (self->delete_head);
    sqlite3_finalize (self->update_last);
    sqlite3_close (self->db);
    free ((char *) self->config.path);
    free (self->head.data);
    free (self);
    *self_p = NULL;
}

sqlite3 *
store_writer_db (store_writer_t *self)
{
    return self->db;
}
