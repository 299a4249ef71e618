/*  store_tiers.c: the tiers' shared state and the one place chunks are added
    (see store_tiers.h).
*/
#include "store_tiers.h"
#include "store_db.h"

#include <stdio.h>
#include <string.h>

const int64_t store_tier_bucket_ns[STORE_TIERS] = {0, 60 * STORE_NS, 3600 * STORE_NS};
const int64_t store_tier_span_ns[STORE_TIERS] = {600 * STORE_NS, 3600 * STORE_NS, 86400 * STORE_NS};
const char *const store_tier_name[STORE_TIERS] = {"raw", "1m", "1h"};

static void
s_key (char *out, size_t size, const char *name, int tier)
{
    snprintf (out, size, "%s.%d", name, tier);
}

bool
store_tiers_init (store_tiers_t *tiers, sqlite3 *db, const store_config_t *config, int64_t now_ns)
{
    memset (tiers, 0, sizeof *tiers);
    tiers->db = db;
    tiers->config = *config;
    tiers->config.path = NULL;
    tiers->unrolled_log = (loglimit_t) LOGLIMIT_COUNTED (RETENTION_LOG_NS);
    for (int tier = 0; tier < STORE_TIERS; tier++) {
        char key[32];
        s_key (key, sizeof key, "bytes", tier);
        store_db_meta_get (db, key, &tiers->bytes[tier]);
        if (tier == 0)
            continue;
        s_key (key, sizeof key, "watermark", tier);
        if (!store_db_meta_get (db, key, &tiers->watermark[tier])) {
            //  A new store: nothing before the current span.
            int64_t span = store_tier_span_ns[tier];
            tiers->watermark[tier] = now_ns / span * span;
        }
        s_key (key, sizeof key, "cursor", tier);
        store_db_meta_get (db, key, &tiers->cursor[tier]);
    }
    tiers->insert = store_db_prepare (
        db, "INSERT INTO chunk (tier, series, t0, t1, rows, data) VALUES (?, ?, ?, ?, ?, ?)");
    tiers->select_series = store_db_prepare (
        db, "SELECT t0, data FROM chunk WHERE tier = ? AND series = ? AND t0 >= ? AND t0 < ?"
            " ORDER BY t0");
    tiers->select_oldest = store_db_prepare (
        db, "SELECT id, length(data), t0 FROM chunk WHERE tier = ? AND t1 < ? ORDER BY t1 LIMIT ?");
    tiers->delete_one = store_db_prepare (db, "DELETE FROM chunk WHERE id = ?");
    tiers->next_data = store_db_prepare (
        db, "SELECT t1 FROM chunk WHERE tier = ? AND t1 >= ? ORDER BY t1 LIMIT 1");
    return tiers->insert && tiers->select_series && tiers->select_oldest && tiers->delete_one &&
           tiers->next_data;
}

void
store_tiers_free (store_tiers_t *tiers)
{
    sqlite3_finalize (tiers->insert);
    sqlite3_finalize (tiers->select_series);
    sqlite3_finalize (tiers->select_oldest);
    sqlite3_finalize (tiers->delete_one);
    sqlite3_finalize (tiers->next_data);
    memset (tiers, 0, sizeof *tiers);
}

int
store_tiers_insert (store_tiers_t *tiers, int tier, int64_t series, int64_t t0, int64_t t1,
                    uint32_t rows, const uint8_t *blob, size_t size)
{
    sqlite3_stmt *stmt = tiers->insert;
    sqlite3_bind_int (stmt, 1, tier);
    sqlite3_bind_int64 (stmt, 2, series);
    sqlite3_bind_int64 (stmt, 3, t0);
    sqlite3_bind_int64 (stmt, 4, t1);
    sqlite3_bind_int64 (stmt, 5, rows);
    sqlite3_bind_blob (stmt, 6, blob, (int) size, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_DONE)
        return rc;
    tiers->bytes[tier] += (int64_t) size;
    if (tiers->oldest_ns[tier] == 0 || t0 < tiers->oldest_ns[tier])
        tiers->oldest_ns[tier] = t0;
    return SQLITE_OK;
}

int
store_tiers_save (store_tiers_t *tiers)
{
    int rc = SQLITE_OK;
    for (int tier = 0; tier < STORE_TIERS && rc == SQLITE_OK; tier++) {
        char key[32];
        s_key (key, sizeof key, "bytes", tier);
        rc = store_db_meta_set (tiers->db, key, tiers->bytes[tier]);
        if (tier == 0 || rc != SQLITE_OK)
            continue;
        s_key (key, sizeof key, "watermark", tier);
        rc = store_db_meta_set (tiers->db, key, tiers->watermark[tier]);
        s_key (key, sizeof key, "cursor", tier);
        if (rc == SQLITE_OK)
            rc = store_db_meta_set (tiers->db, key, tiers->cursor[tier]);
    }
    return rc;
}
