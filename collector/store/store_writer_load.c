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

//  Largest series id taken from the file. Ids are given densely from 1 and
//  index an array in memory, so a larger one is damage: taken, it would make
//  that array gigabytes (2^24 ids: 128 MiB of pointers).
#define WRITER_SERIES_ID_MAX (1LL << 24)

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
            //  Unsigned: a damaged id of 2^64 - 1 must not become index -1.
            store_writer_series_t *series =
                id < (uint64_t) self->series_cap ? self->series[id] : NULL;
            unknown += !series;
            bool take = series && time_ns > series->last_ns &&
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
    if (rows > 0)
        log_info ("store: replayed %lld samples from %lld head rows of the last run",
                  (long long) samples, (long long) rows);
    if (unknown > 0)
        log_warn ("store: skipped %lld head entries of an unknown series id (a damaged file)",
                  (long long) unknown);
    return rc == SQLITE_DONE;
}

bool
store_writer_load (store_writer_t *self, int64_t now_ns)
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
            (id < self->series_cap && self->series[id]) || store_writer_series_find (self, key)) {
            damaged++;
            continue;
        }
        if (!store_writer_series_put (self, id, key, sqlite3_column_int64 (stmt, 2)))
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
