/*  store_writer_names.c: the writer's tables of series and metrics in
    memory (see store_writer_parts.h).

    Every sample looks its series up by identity and every new layout its
    metrics by path, so both are open-addressing hash tables (FNV-1a, linear
    probing, at most half full) over the rows of the `series` and `metric`
    tables; series are also hashed by row id (the head names them by id).
    Both hold only the series held, not every id ever given. A metric not
    in the table is added to the file here, in the interval's transaction.
*/
#include "store_writer_parts.h"

#include <stdlib.h>
#include <string.h>

static uint64_t
s_hash (const char *text, size_t size)
{
    uint64_t hash = 14695981039346656037ULL;
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ (unsigned char) text[i]) * 1099511628211ULL;
    return hash;
}

bool
store_writer_metric_put (store_writer_t *self, const char *name, size_t size, uint32_t id)
{
    if ((self->metrics_used + 1) * 2 > self->metrics_cap) {
        size_t cap = self->metrics_cap ? self->metrics_cap * 2 : 256;
        store_writer_metric_t *metrics = calloc (cap, sizeof *metrics);
        if (!metrics)
            return false;
        for (size_t i = 0; i < self->metrics_cap; i++) {
            store_writer_metric_t *old = &self->metrics[i];
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
    self->metrics[at] = (store_writer_metric_t){copy, id};
    self->metrics_used++;
    return true;
}

//  The metric id of `name`, created if new; 0 on error or when refused.
uint32_t
store_writer_metric (store_writer_t *self, const char *name, size_t size, int64_t now_ns,
                     bool *refused)
{
    *refused = false;
    if (self->metrics_cap) {
        size_t at = s_hash (name, size) & (self->metrics_cap - 1);
        while (self->metrics[at].name) {
            if (strncmp (self->metrics[at].name, name, size) == 0 &&
                self->metrics[at].name[size] == '\0')
                return self->metrics[at].id;
            at = (at + 1) & (self->metrics_cap - 1);
        }
    }
    if (self->config.max_metrics > 0 && (int64_t) self->metrics_used >= self->config.max_metrics) {
        *refused = true;
        return 0;
    }
    int rc = store_writer_begin (self);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text (self->insert_metric, 1, name, (int) size, SQLITE_STATIC);
        rc = sqlite3_step (self->insert_metric);
        sqlite3_reset (self->insert_metric);
    }
    if (rc != SQLITE_DONE) {
        store_writer_error (self, "adding a metric", rc, now_ns);
        store_writer_failed (self, rc, false);
        return 0;
    }
    uint32_t id = (uint32_t) sqlite3_last_insert_rowid (self->db);
    return store_writer_metric_put (self, name, size, id) ? id : 0;
}

//  Where series `series` goes in a table of `cap` slots: by identity or by id.
static size_t
s_home (const store_writer_series_t *series, bool by_id, size_t cap)
{
    uint64_t hash = by_id ? (uint64_t) series->id * 0x9E3779B97F4A7C15ULL
                          : s_hash (series->key, strlen (series->key));
    return (size_t) (by_id ? hash >> 32 : hash) & (cap - 1);
}

static void
s_insert (store_writer_series_t **table, size_t cap, store_writer_series_t *series, bool by_id)
{
    size_t at = s_home (series, by_id, cap);
    while (table[at])
        at = (at + 1) & (cap - 1);
    table[at] = series;
}

//  Empties slot `at` by backward shift (linear probing needs no tombstones):
//  each later entry of the run that may move back does.
static void
s_delete (store_writer_series_t **table, size_t cap, size_t at, bool by_id)
{
    size_t mask = cap - 1;
    size_t hole = at;
    table[hole] = NULL;
    for (size_t next = (hole + 1) & mask; table[next]; next = (next + 1) & mask) {
        size_t home = s_home (table[next], by_id, cap);
        //  It stays if its home lies cyclically in (hole, next].
        bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays)
            continue;
        table[hole] = table[next];
        table[next] = NULL;
        hole = next;
    }
}

store_writer_series_t *
store_writer_series_put (store_writer_t *self, int64_t id, const char *key, int64_t first_ns,
                         int64_t last_ns)
{
    //  Both tables at most half full, so that they grow and shrink with the
    //  series held, not with the ids ever given.
    if ((self->held + 1) * 2 > self->held_cap) {
        size_t cap = self->held_cap ? self->held_cap * 2 : 1024;
        store_writer_series_t **by_key = calloc (cap, sizeof *by_key);
        store_writer_series_t **by_id = calloc (cap, sizeof *by_id);
        store_writer_series_t **sealing = malloc (cap * sizeof *sealing);
        if (!by_key || !by_id || !sealing) {
            free (by_key);
            free (by_id);
            free (sealing);
            return NULL;
        }
        for (size_t i = 0; i < self->held_cap; i++)
            if (self->by_id[i]) {
                s_insert (by_key, cap, self->by_id[i], false);
                s_insert (by_id, cap, self->by_id[i], true);
            }
        free (self->by_key);
        free (self->by_id);
        free (self->sealing);
        self->by_key = by_key;
        self->by_id = by_id;
        self->sealing = sealing;
        self->held_cap = cap;
    }
    store_writer_series_t *series = calloc (1, sizeof *series);
    if (!series || !(series->key = strdup (key))) {
        free (series);
        return NULL;
    }
    series->id = id;
    series->first_ns = first_ns;
    series->last_ns = last_ns;
    series->phase = (uint32_t) (id % self->config.seal_s);
    s_insert (self->by_key, self->held_cap, series, false);
    s_insert (self->by_id, self->held_cap, series, true);
    self->held++;
    if (id > self->max_id)
        self->max_id = id;
    return series;
}

void
store_writer_series_remove (store_writer_t *self, store_writer_series_t *series)
{
    size_t mask = self->held_cap - 1;
    size_t at = s_home (series, false, self->held_cap);
    while (self->by_key[at] && self->by_key[at] != series)
        at = (at + 1) & mask;
    if (self->by_key[at] == series)
        s_delete (self->by_key, self->held_cap, at, false);
    at = s_home (series, true, self->held_cap);
    while (self->by_id[at] && self->by_id[at] != series)
        at = (at + 1) & mask;
    if (self->by_id[at] == series)
        s_delete (self->by_id, self->held_cap, at, true);
    self->held--;
    chunk_builder_free (&series->chunk);
    free (series->key);
    free (series);
}

store_writer_series_t *
store_writer_series_find (store_writer_t *self, const char *key)
{
    if (!self->held_cap)
        return NULL;
    size_t at = s_hash (key, strlen (key)) & (self->held_cap - 1);
    for (; self->by_key[at]; at = (at + 1) & (self->held_cap - 1))
        if (strcmp (self->by_key[at]->key, key) == 0)
            return self->by_key[at];
    return NULL;
}

store_writer_series_t *
store_writer_series_at (store_writer_t *self, int64_t id)
{
    if (!self->held_cap)
        return NULL;
    store_writer_series_t probe = {.id = id};
    size_t at = s_home (&probe, true, self->held_cap);
    for (; self->by_id[at]; at = (at + 1) & (self->held_cap - 1))
        if (self->by_id[at]->id == id)
            return self->by_id[at];
    return NULL;
}

store_writer_series_t *
store_writer_series_take (store_writer_t *self, const char *key, int *rc)
{
    store_writer_series_t *series = store_writer_series_find (self, key);
    if (series)
        return series;
    sqlite3_stmt *stmt = self->series_by_key;
    sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step (stmt);
    if (step == SQLITE_ROW) {
        series = store_writer_series_put (self, sqlite3_column_int64 (stmt, 0), key,
                                          sqlite3_column_int64 (stmt, 1),
                                          sqlite3_column_int64 (stmt, 2));
        if (!series)
            *rc = SQLITE_NOMEM;
    }
    else if (step != SQLITE_DONE)
        *rc = step;
    sqlite3_reset (stmt);
    return series;
}

int64_t
store_writer_series_id (store_writer_t *self, int *rc)
{
    //  The first id past free_below that no row holds: free_below + 1, else
    //  the first gap after the run of rows that follows it.
    sqlite3_stmt *stmt = self->next_free;
    sqlite3_bind_int64 (stmt, 1, self->free_below);
    int step = sqlite3_step (stmt);
    int64_t id = step == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
    if (step != SQLITE_ROW)
        *rc = step == SQLITE_DONE ? SQLITE_ERROR : step;
    sqlite3_reset (stmt);
    if (id > 0)
        self->free_below = id;
    return id;
}
