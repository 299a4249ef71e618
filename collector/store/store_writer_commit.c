/*  store_writer_commit.c: sealing and committing (see store_writer.h).

    The writer keeps no transaction open between commits except the one it
    begins lazily for the current interval. If a commit fails (disk full, I/O
    error, a file size limit), it rolls back, counts and logs the error (at
    most once a minute), drops its memory and rebuilds it from the database
    exactly as at start-up (store_writer_load.c): the series and metric
    tables, and the head rows of the earlier, successful commits. So the
    points of the failed interval are lost, nothing else is, and writing
    resumes by itself.

    After each commit the writer keeps the files within the cap: it measures
    what the commit added to the WAL, truncates the WAL when it passed its
    share, and gives pages back when the file is over the cap; then it
    publishes its counters for store_stats.
*/
#include "base.h"
#include "store_db.h"
#include "store_writer_parts.h"

#include <stdlib.h>
#include <string.h>

//  A commit's rollup work, in series.
#define WRITER_ROLLUP_BUDGET 64

//  The WAL is truncated after a commit that left it over this part of the cap.
#define WRITER_WAL_SHARE 20

int
store_writer_seal (store_writer_t *self, store_writer_series_t *series)
{
    chunk_builder_t *chunk = &series->chunk;
    if (chunk->rows == 0)
        return SQLITE_OK;
    uint8_t *blob = NULL;
    size_t size = 0;
    int rc = store_writer_begin (self);
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
        store_writer_failed (self, rc, true);
        return rc;
    }
    chunk_builder_reset (chunk);
    series->head_first = 0;
    series->due = false;
    return SQLITE_OK;
}

static int
s_by_id (const void *a, const void *b)
{
    int64_t x = (*(store_writer_series_t *const *) a)->id;
    int64_t y = (*(store_writer_series_t *const *) b)->id;
    return (x > y) - (x < y);
}

//  Seals the open chunks of the series held that are due at this commit
//  (all of them when `everything`), in id order: chunks inserted in series
//  order keep each commit's pages of the chunk table and its index
//  together (in the hash's order, e2e.store_size_cap's commits wrote up to
//  0.4 MiB under a 1 MiB cap and were called too large). Returns the
//  SQLite code.
static int
s_seal_held (store_writer_t *self, bool everything)
{
    size_t count = 0;
    for (size_t i = 0; i < self->held_cap; i++) {
        store_writer_series_t *series = self->by_id[i];
        if (series && series->chunk.rows > 0 &&
            (everything || series->due || series->phase == self->commits % self->config.seal_s))
            self->sealing[count++] = series;
    }
    if (count > 1)
        qsort (self->sealing, count, sizeof *self->sealing, s_by_id);
    int rc = SQLITE_OK;
    for (size_t i = 0; i < count && rc == SQLITE_OK; i++)
        rc = store_writer_seal (self, self->sealing[i]);
    return rc;
}

void
store_writer_seal_all (store_writer_t *self)
{
    s_seal_held (self, true);
}

//  The oldest point not sealed yet (INT64_MAX if none) and the smallest head
//  row an open chunk still needs (INT64_MAX if none).
static void
s_open_bounds (store_writer_t *self, int64_t *open_ns, int64_t *head_needed)
{
    *open_ns = INT64_MAX;
    *head_needed = INT64_MAX;
    for (size_t i = 0; i < self->held_cap; i++) {
        store_writer_series_t *series = self->by_id[i];
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

//  Inserts this interval's head row, if it holds anything. Returns the SQLite code.
static int
s_insert_head (store_writer_t *self, int64_t now_ns)
{
    if (self->head.size == 0)
        return SQLITE_OK;
    sqlite3_bind_int64 (self->insert_head, 1, self->head_id);
    sqlite3_bind_int64 (self->insert_head, 2, now_ns);
    sqlite3_bind_blob (self->insert_head, 3, self->head.data, (int) self->head.size, SQLITE_STATIC);
    int rc = sqlite3_step (self->insert_head);
    sqlite3_reset (self->insert_head);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

//  Seals the chunks due at this commit: each series once every seal_s
//  commits (at its phase), a full chunk at once. The head must stay a small
//  part of the cap: with a small cap and a fast writer, every chunk is sealed
//  as soon as the head reaches a tenth of it. Returns the SQLite code.
static int
s_seal_due (store_writer_t *self)
{
    bool everything = self->head_bytes > self->config.max_mib * 1024 * 1024 / 10;
    int rc = s_seal_held (self, everything);
    if (rc == SQLITE_OK && everything)
        self->head_bytes = 0;
    return rc;
}

//  Deletes the head rows below `head_needed`: they hold only sealed points.
//  Returns the SQLite code.
static int
s_delete_head (store_writer_t *self, int64_t head_needed)
{
    if (head_needed <= self->head_deleted_below)
        return SQLITE_OK;
    sqlite3_bind_int64 (self->delete_head, 1, head_needed);
    int rc = sqlite3_step (self->delete_head);
    sqlite3_reset (self->delete_head);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

//  Writes the interval in its transaction: the head row, due seals, the head
//  rows no longer needed, a step of rollups and of retention, the tiers'
//  state; then commits. Returns the SQLite code.
static int
s_commit (store_writer_t *self, int64_t now_ns)
{
    int rc = self->failed_rc ? self->failed_rc : store_writer_begin (self);
    if (rc == SQLITE_OK)
        rc = s_insert_head (self, now_ns);
    self->commits++;
    if (rc == SQLITE_OK)
        rc = s_seal_due (self);
    //  Head rows below every open chunk's first row hold only sealed points.
    int64_t open_ns, head_needed;
    s_open_bounds (self, &open_ns, &head_needed);
    if (head_needed == INT64_MAX)
        head_needed = self->head_id + (self->head.size > 0);
    if (rc == SQLITE_OK)
        rc = s_delete_head (self, head_needed);
    if (rc == SQLITE_OK)
        rc = store_rollup_step (&self->tiers, now_ns, open_ns, self->max_id, WRITER_ROLLUP_BUDGET);
    if (rc == SQLITE_OK)
        rc = store_retention_step (&self->tiers, now_ns, s_reserve (self));
    if (rc == SQLITE_OK)
        rc = store_writer_forget_empty (self, now_ns);
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

//  After a commit that worked: counts what it wrote, and says so once when
//  it ends a run of failures.
static void
s_committed (store_writer_t *self)
{
    if (self->failed_commits > 0) {
        log_info ("store: writing history again after %lld failed commits",
                  (long long) self->failed_commits);
        self->failed_commits = 0;
    }
    atomic_fetch_add (&self->counters->samples_written, self->head_samples);
    atomic_fetch_add (&self->counters->points_written, self->head_points);
    self->head_bytes += (int64_t) self->head.size;
    if (self->head.size > 0)
        self->head_id++;
}

//  After a commit that failed with `rc`: counts and logs it, rolls back, and
//  rebuilds memory from the file, which no longer matches it.
static void
s_recover (store_writer_t *self, int rc, int64_t now_ns)
{
    store_writer_error (self, "writing history", rc, now_ns);
    self->failed_commits++;
    if (!sqlite3_get_autocommit (self->db))
        store_db_exec (self->db, "ROLLBACK");
    self->in_transaction = false;
    store_writer_forget (self);
    if (!store_writer_load (self, now_ns))
        store_writer_forget (self);
}

//  Keeps the files within the cap after a commit. Measures what the commit
//  added to the WAL (it starts near empty), and keeps the WAL small:
//  truncates it when it passed its share of the cap (automatic checkpoints
//  fell behind, a reader held them back, or the commit itself was large).
//  Warns when one commit needs too much of the cap; gives pages back when
//  the file is over it. Returns the bytes of the file and its WAL.
static int64_t
s_keep_files (store_writer_t *self, int64_t now_ns)
{
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
    if (s_reserve (self) > cap * 3 / 4 && loglimit_count (&self->small_cap_log, now_ns))
        log_warn ("store: one commit writes %.1f MiB, too much for --store-max-mib %lld: the"
                  " files may pass the cap; raise it (logged at most once an hour)",
                  (double) self->commit_wal / 1048576.0, (long long) self->config.max_mib);
    if (file > cap) {
        store_retention_vacuum (&self->tiers);
        store_db_sizes (self->db, self->config.path, &used, &file, &wal);
    }
    return file + wal;
}

//  Publishes the counters store_stats reads (the oldest times refreshed
//  every 10 commits).
static void
s_publish (store_writer_t *self, int64_t bytes)
{
    atomic_store (&self->counters->bytes, bytes);
    if (self->commits % 10 == 1)
        store_retention_oldest (&self->tiers);
    for (int tier = 0; tier < STORE_TIERS; tier++)
        atomic_store (&self->counters->oldest_ns[tier], self->tiers.oldest_ns[tier]);
    atomic_store (&self->counters->unrolled_deleted, self->tiers.unrolled_deleted);
    atomic_store (&self->counters->rollup_metrics_left_out, self->tiers.rollup_metrics_left_out);
    atomic_store (&self->counters->series, self->rows);
    atomic_store (&self->counters->series_held, (int64_t) self->held);
    atomic_store (&self->counters->metrics, (int64_t) self->metrics_used);
}

bool
store_writer_commit (store_writer_t *self, int64_t now_ns)
{
    if (!self->loaded && !store_writer_load (self, now_ns)) {
        store_writer_error (self, "reading the store back", sqlite3_errcode (self->db), now_ns);
        store_writer_forget (self);
        return false;
    }
    int rc = s_commit (self, now_ns);
    if (rc == SQLITE_OK)
        s_committed (self);
    else
        s_recover (self, rc, now_ns);
    self->head.size = 0;
    self->head_samples = self->head_points = 0;
    if (!self->loaded)
        return false;
    s_publish (self, s_keep_files (self, now_ns));
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
        int rc = store_writer_begin (self);
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
