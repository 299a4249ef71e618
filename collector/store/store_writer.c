/*  store_writer.c: samples to points in open chunks (see store_writer.h).

    A sample's values go, by its layout's metric ids, into its series' open
    raw chunk (store_chunk.h) and, for crash safety, into this interval's
    head row (store_head.h), reusing the decimal form the chunk's column just
    found for each value. Nothing touches the disk here but the rows of a new
    series or metric; store_writer_commit.c writes the interval. The other
    jobs of the writer have files of their own (store_writer_parts.h).
*/
#include "store_writer.h"
#include "base.h"
#include "store_db.h"
#include "service.h"
#include "store_head.h"
#include "store_writer_parts.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

//  Logs a failed statement, at most once a minute, and counts it.
void
store_writer_error (store_writer_t *self, const char *what, int rc, int64_t now_ns)
{
    atomic_fetch_add (&self->counters->write_errors, 1);
    uint64_t errors = loglimit_count (&self->error_log, now_ns);
    if (errors)
        log_error ("store: %s failed: %s; the points of this second are lost, writing goes on"
                   " (%llu more errors since the last such line; logged at most once a minute)",
                   what, sqlite3_errstr (rc), (unsigned long long) (errors - 1));
}

//  After a failed statement. SQLite may have rolled the transaction back by
//  itself (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM): then the interval's
//  earlier statements are gone, so it fails as a whole (the commit rolls back
//  and memory is reloaded), and the next statement begins a transaction
//  again instead of autocommitting on its own. `fatal`: the interval fails
//  even if the transaction is still open (memory no longer matches it).
void
store_writer_failed (store_writer_t *self, int rc, bool fatal)
{
    bool lost = self->in_transaction && sqlite3_get_autocommit (self->db);
    self->in_transaction = !sqlite3_get_autocommit (self->db);
    if ((fatal || lost) && self->failed_rc == SQLITE_OK)
        self->failed_rc = rc;
}

int
store_writer_begin (store_writer_t *self)
{
    if (self->in_transaction)
        return SQLITE_OK;
    int rc = store_db_exec (self->db, "BEGIN IMMEDIATE");
    self->in_transaction = rc == SQLITE_OK;
    return rc;
}

//  Binds `text` to parameter `at` when it is not empty (else it stays NULL).
static void
s_bind_text (sqlite3_stmt *stmt, int at, const char *text)
{
    if (text && text[0])
        sqlite3_bind_text (stmt, at, text, -1, SQLITE_STATIC);
}

//  Adds a series row for a new identity, with the lowest free id.
static store_writer_series_t *
s_series_new (store_writer_t *self, const char *key, const store_ids_t *ids, int64_t time_ns,
              int64_t now_ns)
{
    char service[ZAPM_IDENTITY_MAX + 1];
    service_of (key, ids->agent, ids->host, ids->pid >= 0, service, sizeof service);
    int rc = store_writer_begin (self);
    int64_t id = rc == SQLITE_OK ? store_writer_series_id (self, &rc) : 0;
    sqlite3_stmt *stmt = self->insert_series;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64 (stmt, 1, id);
        sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 3, service, -1, SQLITE_STATIC);
        s_bind_text (stmt, 4, ids->agent);
        s_bind_text (stmt, 5, ids->host);
        if (ids->pid >= 0)
            sqlite3_bind_int64 (stmt, 6, ids->pid);
        s_bind_text (stmt, 7, ids->color);
        sqlite3_bind_int64 (stmt, 8, time_ns);
        rc = sqlite3_step (stmt);
        sqlite3_reset (stmt);
        sqlite3_clear_bindings (stmt);
    }
    if (rc != SQLITE_DONE) {
        store_writer_error (self, "adding a series", rc, now_ns);
        store_writer_failed (self, rc, false);
        return NULL;
    }
    self->rows++;
    return store_writer_series_put (self, id, key, time_ns, 0);
}

//  --------------------------------------------------------------------------
//  Layouts

static void
s_layout_free (store_writer_layout_t **layout_p)
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
    store_writer_layout_t *layout = calloc (1, sizeof *layout);
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

//  Looks the metric ids of `layout` up (paths not kept get 0); false if its
//  paths are damaged or a metric row could not be added. New names past
//  max_metrics are refused and not kept: `refused` counts them.
static bool
s_resolve (store_writer_t *self, store_writer_layout_t *layout, int64_t now_ns)
{
    const char *path = layout->paths, *end = layout->paths + layout->paths_size;
    layout->kept = layout->refused = 0;
    for (uint32_t i = 0; i < layout->count; i++) {
        const char *nul = path < end ? memchr (path, '\0', (size_t) (end - path)) : NULL;
        if (!nul)
            return false;
        size_t size = (size_t) (nul - path);
        layout->metric[i] = 0;
        bool refused = false;
        if (s_path_ok (path, size) &&
            !(layout->metric[i] = store_writer_metric (self, path, size, now_ns, &refused))) {
            if (!refused)
                return false;
            layout->refused++;
        }
        layout->kept += layout->metric[i] != 0;
        path = nul + 1;
    }
    layout->resolved = true;
    return true;
}

//  --------------------------------------------------------------------------
//  Points into the open chunk

//  True when the open chunk has a column for `metric` (`hint`: where it
//  would be when the series sends the same layout every time).
static bool
s_has_column (const chunk_builder_t *chunk, uint32_t metric, uint32_t hint)
{
    if (hint < chunk->column_count && chunk->columns[hint].key == metric)
        return true;
    for (uint32_t c = 0; c < chunk->column_count; c++)
        if (chunk->columns[c].key == metric)
            return true;
    return false;
}

//  The open chunk of a series holds at most max_series_metrics metrics: the
//  points of metrics new to it past that are left out. Marks them in `skip`
//  (a bit per position of the layout) and returns how many.
static uint32_t
s_over_series_metrics (store_writer_t *self, const store_writer_series_t *series,
                       const store_writer_layout_t *layout, uint64_t *skip)
{
    int64_t limit = self->config.max_series_metrics;
    const chunk_builder_t *chunk = &series->chunk;
    if (limit <= 0 || (int64_t) (chunk->column_count + layout->kept) <= limit)
        return 0;
    int64_t columns = chunk->column_count;
    uint32_t skipped = 0;
    for (uint32_t i = 0; i < layout->count; i++) {
        uint32_t metric = layout->metric[i];
        if (!metric || s_has_column (chunk, metric, i))
            continue;
        if (columns < limit) {
            columns++;
            continue;
        }
        skip[i / 64] |= 1ULL << (i % 64);
        skipped++;
    }
    return skipped;
}

//  Puts a value into the open chunk; returns its column, NULL on failure.
const chunk_column_t *
store_writer_put (store_writer_series_t *series, uint32_t metric, int hint, double value)
{
    int column = chunk_builder_column (&series->chunk, metric, hint);
    if (column < 0 || !chunk_builder_put (&series->chunk, column, value))
        return NULL;
    return &series->chunk.columns[column];
}

bool
store_writer_row (store_writer_t *self, store_writer_series_t *series, int64_t time_ns,
                  int64_t head_row)
{
    chunk_builder_t *chunk = &series->chunk;
    if (chunk->rows > 0 && (chunk->rows >= CHUNK_ROWS_MAX ||
                            time_ns - chunk->t_first >= store_tier_span_ns[STORE_TIER_RAW])) {
        int rc = store_writer_seal (self, series);
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
                     int64_t received_ns, int64_t now_ns)
{
    if (!self->loaded)
        return; //  the file could not be read back after an error; counted there
    //  Ingest took it by this window at `received_ns`: the same rule, the
    //  same clock, so that memory and the store keep the same samples.
    if (time_ns < received_ns - self->config.past_window_s * STORE_NS ||
        time_ns > received_ns + self->config.future_window_s * STORE_NS) {
        atomic_fetch_add (&self->counters->samples_refused, 1);
        return;
    }
    store_writer_layout_t *layout = layout_id <= STORE_LAYOUTS_MAX && count < STORE_HEAD_POINTS_MAX
                                        ? self->layouts[layout_id]
                                        : NULL;
    if (!layout || layout->count != count)
        return; //  its definition was lost: counted as a write error
    //  A series not held is admitted first (before it adds metric rows), then
    //  taken back from the file if it has a row there, else given one.
    store_writer_series_t *series = store_writer_series_find (self, series_id);
    if (!series && !store_writer_admit_series (self, series_id, ids, false, now_ns))
        return; //  max_series held: counted and logged there
    int rc = SQLITE_OK;
    if (!series && !(series = store_writer_series_take (self, series_id, &rc)) &&
        (rc != SQLITE_OK || !store_writer_admit_series (self, series_id, ids, true, now_ns))) {
        if (rc != SQLITE_OK) {
            store_writer_error (self, "finding a series", rc, now_ns);
            store_writer_failed (self, rc, false);
        }
        return;
    }
    if (series && time_ns <= series->last_ns) {
        atomic_fetch_add (&self->counters->samples_refused, 1);
        return;
    }
    if (!layout->resolved && !s_resolve (self, layout, now_ns))
        return; //  a metric row could not be added: counted as a write error
    //  Every point of a refused name is counted, in every sample.
    if (layout->refused > 0)
        store_writer_refuse_metric (self, series_id, ids, layout->refused, now_ns);
    if (!series)
        series = s_series_new (self, series_id, ids, time_ns, now_ns);
    if (!series || !store_writer_row (self, series, time_ns, self->head_id))
        return;
    uint64_t skip[STORE_HEAD_POINTS_MAX / 64] = {0};
    uint32_t skipped = s_over_series_metrics (self, series, layout, skip);
    if (skipped > 0)
        store_writer_refuse_series_metrics (self, series_id, ids, skipped, now_ns);
    //  The head entry: series, time, the count, then the points.
    uint32_t kept = layout->kept - skipped;
    if (!store_head_sample (&self->head, series->id, time_ns, kept, count))
        return;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t metric = layout->metric[i];
        if (!metric || (skip[i / 64] >> (i % 64)) & 1)
            continue;
        const chunk_column_t *column = store_writer_put (series, metric, (int) i, values[i]);
        store_head_point (&self->head, metric, values[i], column);
    }
    self->head_points += kept;
    self->head_samples++;
    if (series->chunk.rows >= CHUNK_ROWS_MAX)
        series->due = true;
}

//  --------------------------------------------------------------------------
//  The class

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
    self->error_log = (loglimit_t) LOGLIMIT_COUNTED (WRITER_ERROR_LOG_NS);
    self->refused_log = (loglimit_t) LOGLIMIT_COUNTED (WRITER_REFUSED_LOG_NS);
    self->small_cap_log = (loglimit_t) LOGLIMIT_COUNTED (WRITER_SMALL_CAP_LOG_NS);
    self->insert_series = store_db_prepare (
        db, "INSERT INTO series (id, key, service, agent, host, pid, color, first_ns, last_ns)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)");
    self->insert_metric = store_db_prepare (db, "INSERT INTO metric (name) VALUES (?)");
    self->insert_head = store_db_prepare (db, "INSERT INTO head (id, t_ns, data) VALUES (?, ?, ?)");
    self->delete_head = store_db_prepare (db, "DELETE FROM head WHERE id < ?");
    self->update_last = store_db_prepare (db, "UPDATE series SET last_ns = ? WHERE id = ?");
    self->any_chunk =
        store_db_prepare (db, "SELECT 1 FROM chunk WHERE tier IN (0, 1, 2) AND series = ? LIMIT 1");
    self->delete_series = store_db_prepare (db, "DELETE FROM series WHERE id = ?");
    self->series_by_key =
        store_db_prepare (db, "SELECT id, first_ns, last_ns FROM series WHERE key = ?");
    self->series_by_id =
        store_db_prepare (db, "SELECT key, first_ns, last_ns FROM series WHERE id = ?");
    self->next_rows =
        store_db_prepare (db, "SELECT id FROM series WHERE id > ? ORDER BY id LIMIT ?");
    self->next_free = store_db_prepare (
        db, "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM series WHERE id = ?1 + 1) THEN ?1 + 1"
            " ELSE (SELECT s.id + 1 FROM series s WHERE s.id > ?1 AND NOT EXISTS"
            " (SELECT 1 FROM series t WHERE t.id = s.id + 1) ORDER BY s.id LIMIT 1) END");
    if (!self->config.path || !self->insert_series || !self->insert_metric || !self->insert_head ||
        !self->delete_head || !self->update_last || !self->any_chunk || !self->delete_series ||
        !self->series_by_key || !self->series_by_id || !self->next_rows || !self->next_free ||
        !store_writer_load (self, now_ns)) {
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
    //  A clean stop leaves the file whole, without the free pages the head
    //  rows' churn left (the head holds up to seal_s of every series: 3 MB
    //  free in a 4 MB file after 20 agents at 20 Hz for 2 minutes), and no
    //  WAL beside it (issue 19): the store's reader is closed by now
    //  (store_destroy), so nothing holds the checkpoint back.
    if (self->loaded && now_ns && !self->in_transaction &&
        store_db_exec (self->db, "PRAGMA incremental_vacuum") != SQLITE_OK)
        log_warn ("store: free pages not given back at stop: %s", sqlite3_errmsg (self->db));
    if (self->loaded && now_ns && !self->in_transaction &&
        sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
            SQLITE_OK)
        log_warn ("store: the WAL could not be checkpointed at stop: %s",
                  sqlite3_errmsg (self->db));
    if (self->in_transaction)
        store_db_exec (self->db, "ROLLBACK");
    store_writer_forget (self);
    for (uint32_t id = 0; id <= STORE_LAYOUTS_MAX; id++)
        s_layout_free (&self->layouts[id]);
    sqlite3_finalize (self->insert_series);
    sqlite3_finalize (self->insert_metric);
    sqlite3_finalize (self->insert_head);
    sqlite3_finalize (self->delete_head);
    sqlite3_finalize (self->update_last);
    sqlite3_finalize (self->any_chunk);
    sqlite3_finalize (self->delete_series);
    sqlite3_finalize (self->series_by_key);
    sqlite3_finalize (self->series_by_id);
    sqlite3_finalize (self->next_rows);
    sqlite3_finalize (self->next_free);
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
