/*  store_retention.c: what goes when: retention per tier and the size cap.

    Retention deletes a tier's chunks that end before now - retention, but
    never raw (or 1-minute) data that the next tier has not rolled up yet.

    The cap counts the database's file plus the WAL. The writer keeps room
    below the cap (`reserve`) for what a commit adds: its WAL frames and the
    file's growth by the pages it inserts (store_writer.c measures its
    commits). When the pages in use pass cap - reserve, the oldest chunks of
    one tier go: the tier furthest over its share of the space (raw 50 %,
    1-minute 30 %, 1-hour 20 %; a tier under its share leaves its room to the
    others), a small batch at a time, until the pages in use are under that
    line again. Like retention, the cap takes raw and 1-minute chunks only once
    the next tier has rolled them up; only when no tier has anything else to
    give does it take data not rolled up yet (counted and logged). Freed pages are reused by the
   next inserts, so the file stops growing, and the WAL is truncated after a commit that grew it
   (again store_writer.c). So the file and its WAL stay within the cap. When the file is larger than
   the cap (the cap was lowered), store_retention_vacuum gives pages back.
*/
#include "store_db.h"
#include "store_tiers.h"
#include "base.h"

#include <stdio.h>
#include <stdlib.h>

//  The least part of the cap the pages in use may take, however large the
//  reserve a fast writer asks for (the writer warns when it asks for more).
#define STORE_CAP_DB_FLOOR 0.25

//  Chunks deleted per retention statement batch; chunks per cap batch (small,
//  so that a tiny cap does not lose more than it must) and cap batches per call.
#define RETENTION_BATCH 256
#define CAP_BATCH       16
#define CAP_BATCHES     64

static const double s_share[STORE_TIERS] = {0.5, 0.3, 0.2};

//  Deletes up to `limit` of the oldest chunks of `tier` ending before
//  `before`. Sets *deleted to how many went.
static int
s_delete_oldest (store_tiers_t *tiers, int tier, int64_t before, int limit, int *deleted)
{
    int64_t ids[RETENTION_BATCH];
    int64_t sizes[RETENTION_BATCH];
    int count = 0, rc;
    sqlite3_stmt *stmt = tiers->select_oldest;
    sqlite3_bind_int (stmt, 1, tier);
    sqlite3_bind_int64 (stmt, 2, before);
    sqlite3_bind_int (stmt, 3, limit < RETENTION_BATCH ? limit : RETENTION_BATCH);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        ids[count] = sqlite3_column_int64 (stmt, 0);
        sizes[count] = sqlite3_column_int64 (stmt, 1);
        count++;
    }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE)
        return rc;
    for (int i = 0; i < count; i++) {
        sqlite3_bind_int64 (tiers->delete_one, 1, ids[i]);
        rc = sqlite3_step (tiers->delete_one);
        sqlite3_reset (tiers->delete_one);
        if (rc != SQLITE_DONE)
            return rc;
        tiers->bytes[tier] -= sizes[i];
    }
    if (tiers->bytes[tier] < 0)
        tiers->bytes[tier] = 0;
    *deleted = count;
    return SQLITE_OK;
}

//  The tier furthest over its share, -1 if every tier is empty (or skipped).
static int
s_fullest (store_tiers_t *tiers, const bool skip[STORE_TIERS])
{
    int best = -1;
    double best_ratio = 0;
    for (int tier = 0; tier < STORE_TIERS; tier++) {
        double ratio = (double) tiers->bytes[tier] / s_share[tier];
        if (!skip[tier] && tiers->bytes[tier] > 0 && ratio > best_ratio) {
            best = tier;
            best_ratio = ratio;
        }
    }
    return best;
}

//  The time before which `tier`'s chunks may go and lose no rollup: raw and
//  1-minute data stay until the next tier has rolled them up.
static int64_t
s_rolled_up (store_tiers_t *tiers, int tier)
{
    return tier + 1 < STORE_TIERS ? tiers->watermark[tier + 1] : INT64_MAX;
}

//  Deletes one batch for the cap: the oldest rolled-up chunks of the fullest
//  tier that has any, trying the tiers in order of fullness. Only when no
//  tier has such a chunk (rollups fell far behind) do the fullest tier's
//  oldest go, rolled up or not: counted and logged. Sets *deleted.
static int
s_cap_batch (store_tiers_t *tiers, int64_t now_ns, int *deleted)
{
    bool tried[STORE_TIERS] = {false};
    int rc = SQLITE_OK;
    *deleted = 0;
    for (int round = 0; round < STORE_TIERS && rc == SQLITE_OK && *deleted == 0; round++) {
        int tier = s_fullest (tiers, tried);
        if (tier < 0)
            break;
        tried[tier] = true;
        rc = s_delete_oldest (tiers, tier, s_rolled_up (tiers, tier), CAP_BATCH, deleted);
    }
    if (rc != SQLITE_OK || *deleted > 0)
        return rc;
    bool none[STORE_TIERS] = {false};
    int tier = s_fullest (tiers, none);
    if (tier < 0)
        return rc;
    rc = s_delete_oldest (tiers, tier, INT64_MAX, CAP_BATCH, deleted);
    if (rc == SQLITE_OK && *deleted == 0)
        tiers->bytes[tier] = 0; //  the count drifted: nothing is left there
    tiers->unrolled_deleted += *deleted;
    if (*deleted > 0 && loglimit_count (&tiers->unrolled_log, now_ns))
        log_warn ("store: the size cap deleted %lld chunks of tier %s before they were rolled"
                  " up (%lld so far): rollups are behind; raise --store-max-mib",
                  (long long) *deleted, store_tier_name[tier], (long long) tiers->unrolled_deleted);
    return rc;
}

//  The pages in use the cap allows, keeping `reserve` bytes for a commit.
static int64_t
s_cap_line (store_tiers_t *tiers, int64_t reserve)
{
    int64_t cap = tiers->config.max_mib * 1024 * 1024;
    int64_t line = cap - reserve;
    if (line < (int64_t) (cap * STORE_CAP_DB_FLOOR))
        line = (int64_t) (cap * STORE_CAP_DB_FLOOR);
    return line;
}

int
store_retention_step (store_tiers_t *tiers, int64_t now_ns, int64_t reserve)
{
    int rc = SQLITE_OK;
    for (int tier = 0; tier < STORE_TIERS && rc == SQLITE_OK; tier++) {
        int64_t before = now_ns - tiers->config.retention_s[tier] * STORE_NS;
        if (s_rolled_up (tiers, tier) < before)
            before = s_rolled_up (tiers, tier);
        int deleted = 0;
        rc = s_delete_oldest (tiers, tier, before, RETENTION_BATCH, &deleted);
    }
    int64_t line = s_cap_line (tiers, reserve);
    for (int batch = 0; batch < CAP_BATCHES && rc == SQLITE_OK; batch++) {
        int64_t used, file, wal;
        store_db_sizes (tiers->db, "", &used, &file, &wal);
        if (used <= line)
            break;
        int deleted = 0;
        rc = s_cap_batch (tiers, now_ns, &deleted);
        if (deleted == 0)
            break;
    }
    return rc;
}

int64_t
store_retention_due (store_tiers_t *tiers, int64_t now_ns, int64_t reserve)
{
    int64_t used, file, wal;
    store_db_sizes (tiers->db, "", &used, &file, &wal);
    if (used > s_cap_line (tiers, reserve))
        return now_ns; //  the cap has more to delete
    int64_t due = INT64_MAX;
    for (int tier = 0; tier < STORE_TIERS; tier++) {
        //  The tier's oldest chunk goes once it ends before now - retention,
        //  if the next tier has rolled it up (else the rollup comes first).
        sqlite3_stmt *stmt = tiers->next_data;
        sqlite3_bind_int (stmt, 1, tier);
        sqlite3_bind_int64 (stmt, 2, INT64_MIN);
        int rc = sqlite3_step (stmt);
        int64_t oldest_t1 = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : INT64_MAX;
        sqlite3_reset (stmt);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return now_ns; //  try again at the next commit
        if (oldest_t1 == INT64_MAX || oldest_t1 >= s_rolled_up (tiers, tier))
            continue;
        int64_t at = oldest_t1 + tiers->config.retention_s[tier] * STORE_NS + 1;
        if (at < due)
            due = at;
    }
    return due;
}

int
store_retention_oldest (store_tiers_t *tiers)
{
    for (int tier = 0; tier < STORE_TIERS; tier++) {
        sqlite3_stmt *stmt = tiers->select_oldest;
        sqlite3_bind_int (stmt, 1, tier);
        sqlite3_bind_int64 (stmt, 2, INT64_MAX);
        sqlite3_bind_int (stmt, 3, 1);
        int rc = sqlite3_step (stmt);
        tiers->oldest_ns[tier] = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 2) : 0;
        sqlite3_reset (stmt);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return rc;
    }
    return SQLITE_OK;
}

int
store_retention_vacuum (store_tiers_t *tiers)
{
    int64_t pages = 0, free_pages = 0, page_size = 4096;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (tiers->db,
                                 "SELECT * FROM pragma_page_count, pragma_freelist_count,"
                                 " pragma_page_size",
                                 -1, &stmt, NULL);
    if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW) {
        pages = sqlite3_column_int64 (stmt, 0);
        free_pages = sqlite3_column_int64 (stmt, 1);
        page_size = sqlite3_column_int64 (stmt, 2);
    }
    sqlite3_finalize (stmt);
    int64_t cap_pages = tiers->config.max_mib * 1024 * 1024 / page_size;
    int64_t over = pages - (int64_t) (cap_pages * 0.9);
    if (over <= 0 || free_pages == 0)
        return rc;
    char sql[64];
    snprintf (sql, sizeof sql, "PRAGMA incremental_vacuum (%lld)",
              (long long) (over < free_pages ? over : free_pages));
    return store_db_exec (tiers->db, sql);
}
