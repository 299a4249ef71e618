/*  store_writer_names.c: the writer's tables of series and metrics in
    memory (see store_writer_parts.h).

    Every sample looks its series up by identity and every new layout its
    metrics by path, so both are open-addressing hash tables (FNV-1a, linear
    probing, at most half full) over the rows of the `series` and `metric`
    tables; series are also indexed by row id in a dense array. A metric not
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

store_writer_series_t *
store_writer_series_put (store_writer_t *self, int64_t id, const char *key, int64_t last_ns)
{
    if (id >= self->series_cap) {
        int64_t cap = self->series_cap ? self->series_cap : 1024;
        while (cap <= id)
            cap *= 2;
        store_writer_series_t **series = realloc (self->series, (size_t) cap * sizeof *series);
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
    store_writer_series_t *series = calloc (1, sizeof *series);
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

//  Empties slot `at` of the identity table by backward shift (linear probing
//  needs no tombstones): each later entry of the run that may move back does.
static void
s_table_delete (store_writer_t *self, size_t at)
{
    size_t mask = self->table_cap - 1;
    size_t hole = at;
    self->table[hole] = 0;
    for (size_t next = (hole + 1) & mask; self->table[next]; next = (next + 1) & mask) {
        const char *key = self->series[self->table[next]]->key;
        size_t home = s_hash (key, strlen (key)) & mask;
        //  It stays if its home lies cyclically in (hole, next].
        bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays)
            continue;
        self->table[hole] = self->table[next];
        self->table[next] = 0;
        hole = next;
    }
    self->table_used--;
}

void
store_writer_series_remove (store_writer_t *self, store_writer_series_t *series)
{
    size_t mask = self->table_cap - 1;
    size_t at = s_hash (series->key, strlen (series->key)) & mask;
    while (self->table[at] && self->table[at] != series->id)
        at = (at + 1) & mask;
    if (self->table[at] == series->id)
        s_table_delete (self, at);
    self->series[series->id] = NULL;
    chunk_builder_free (&series->chunk);
    free (series->key);
    free (series);
}

store_writer_series_t *
store_writer_series_find (store_writer_t *self, const char *key)
{
    if (!self->table_cap)
        return NULL;
    size_t at = s_hash (key, strlen (key)) & (self->table_cap - 1);
    while (self->table[at]) {
        store_writer_series_t *series = self->series[self->table[at]];
        if (strcmp (series->key, key) == 0)
            return series;
        at = (at + 1) & (self->table_cap - 1);
    }
    return NULL;
}
