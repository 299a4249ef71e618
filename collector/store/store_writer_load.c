/*  store_writer_load.c: reading the store back into the writer's memory
    (see store_writer_parts.h), at start and after a failed commit.

    The series and metric tables are read into memory, then the head rows
    left by a crash (or by the commits before a failed one) are replayed
    into open chunks (store_head.h), so at most one commit interval of
    samples is lost. Rows a damaged file can hold are skipped and counted in
    one log line: they must not index memory or crash every start.
*/
#include "base.h"
#include "store_db.h"
#include "store_head.h"
#include "store_writer_parts.h"

#include <stdlib.h>
#include <string.h>

static void
s_series_free (store_writer_series_t *series)
{
    chunk_builder_free (&series->chunk);
    free (series->key);
    free (series);
}

void
store_writer_forget (store_writer_t *self)
{
    for (size_t i = 0; i < self->held_cap; i++)
        if (self->by_id[i])
            s_series_free (self->by_id[i]);
    free (self->by_id);
    free (self->by_key);
    free (self->sealing);
    self->sealing = NULL;
    for (size_t i = 0; i < self->metrics_cap; i++)
        free (self->metrics[i].name);
    free (self->metrics);
    self->by_id = self->by_key = NULL;
    self->metrics = NULL;
    self->held_cap = self->held = 0;
    self->rows = self->max_id = self->free_below = self->forget_row = 0;
    self->forget_slot = 0;
    self->failed_rc = SQLITE_OK; //  what failed is gone with the memory
    self->metrics_cap = self->metrics_used = 0;
    store_tiers_free (&self->tiers);
    //  Metric rows of a failed commit are gone: layouts look their ids up again.
    for (uint32_t id = 0; id <= STORE_LAYOUTS_MAX; id++)
        if (self->layouts[id])
            self->layouts[id]->resolved = false;
    self->loaded = false;
}

//  The series of row `id`, taken into memory if it is not held; NULL if the
//  file has no such row (or on an error: *rc set).
static store_writer_series_t *
s_series_by_id (store_writer_t *self, uint64_t id, int *rc)
{
    if (id == 0 || id > (uint64_t) WRITER_SERIES_ID_MAX)
        return NULL;
    store_writer_series_t *series = store_writer_series_at (self, (int64_t) id);
    if (series)
        return series;
    sqlite3_stmt *stmt = self->series_by_id;
    sqlite3_bind_int64 (stmt, 1, (int64_t) id);
    int step = sqlite3_step (stmt);
    const char *key = step == SQLITE_ROW ? (const char *) sqlite3_column_text (stmt, 0) : NULL;
    if (key && !store_writer_series_find (self, key)) {
        series = store_writer_series_put (self, (int64_t) id, key, sqlite3_column_int64 (stmt, 1),
                                          sqlite3_column_int64 (stmt, 2));
        if (!series)
            *rc = SQLITE_NOMEM;
    }
    else if (step != SQLITE_ROW && step != SQLITE_DONE)
        *rc = step;
    sqlite3_reset (stmt);
    return series;
}

//  Feeds the points of the head rows left by an earlier run into open chunks.
static bool
s_replay (store_writer_t *self)
{
    sqlite3_stmt *stmt = store_db_prepare (self->db, "SELECT id, data FROM head ORDER BY id");
    if (!stmt)
        return false;
    int64_t rows = 0, samples = 0, unknown = 0;
    int rc = SQLITE_OK;
    int step;
    while (rc == SQLITE_OK && (step = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t row = sqlite3_column_int64 (stmt, 0);
        const uint8_t *data = sqlite3_column_blob (stmt, 1);
        size_t size = (size_t) sqlite3_column_bytes (stmt, 1);
        rows++;
        if (row >= self->head_id)
            self->head_id = row + 1;
        if (self->head_deleted_below == 0 || row < self->head_deleted_below)
            self->head_deleted_below = row;
        store_head_reader_t reader = {data, size, 0};
        uint64_t id, count;
        int64_t time_ns;
        while (store_head_next_sample (&reader, &id, &time_ns, &count)) {
            store_writer_series_t *series = s_series_by_id (self, id, &rc);
            if (rc != SQLITE_OK)
                break;
            unknown += !series;
            //  Entries older than its row are another's: a freed id reused.
            bool take = series && time_ns >= series->first_ns && time_ns > series->last_ns &&
                        store_writer_row (self, series, time_ns, row);
            for (uint64_t i = 0; i < count; i++) {
                uint64_t metric;
                double value;
                if (!store_head_next_point (&reader, &metric, &value))
                    break;
                if (take)
                    store_writer_put (series, (uint32_t) metric, (int) i, value);
            }
            samples += take;
        }
    }
    sqlite3_finalize (stmt);
    if (rc == SQLITE_OK && step != SQLITE_DONE)
        rc = step;
    if (rows > 0)
        log_info ("store: replayed %lld samples from %lld head rows of the last run",
                  (long long) samples, (long long) rows);
    if (unknown > 0)
        log_warn ("store: skipped %lld head entries of an unknown series id (a damaged file)",
                  (long long) unknown);
    return rc == SQLITE_OK;
}

bool
store_writer_load (store_writer_t *self, int64_t now_ns)
{
    if (!store_tiers_init (&self->tiers, self->db, &self->config, now_ns))
        return false;
    //  The series seen lately are held; the others' rows stay in the file.
    sqlite3_stmt *stmt = store_db_prepare (
        self->db, "SELECT id, key, first_ns, last_ns, last_ns >= ? FROM series ORDER BY id");
    if (!stmt)
        return false;
    sqlite3_bind_int64 (stmt, 1, now_ns - store_writer_idle_ns (self));
    //  Rows a damaged file can hold (an id out of range or taken twice, no
    //  name) are skipped: they must not index memory or crash every start.
    int64_t damaged = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (stmt, 0);
        const char *key = (const char *) sqlite3_column_text (stmt, 1);
        self->rows++;
        if (id > self->max_id)
            self->max_id = id;
        if (id <= 0 || id > WRITER_SERIES_ID_MAX || !key) {
            damaged++;
            continue;
        }
        if (!sqlite3_column_int (stmt, 4))
            continue;
        if (store_writer_series_find (self, key) || store_writer_series_at (self, id)) {
            damaged++;
            continue;
        }
        if (!store_writer_series_put (self, id, key, sqlite3_column_int64 (stmt, 2),
                                      sqlite3_column_int64 (stmt, 3)))
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
        if (!store_writer_metric_put (self, name, strlen (name), (uint32_t) id))
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
