/*  store_writer_bounds.c: how many series and metric names the store holds
    (see store_writer_parts.h).

    A publisher that invents identities (a new agent name or pid every
    sample) or metric names (a new custom name every sample) would otherwise
    add a row to `series` or `metric`, and an entry to the writer's tables in
    memory, for each: without end, on disk and in memory. So:

    - The writer holds (in memory: identity, open chunk) only the series
      seen in the last WRITER_IDLE_NS; a series idle that long, all sealed,
      is dropped from memory and its row stays (a sample of it takes the row
      back). At most max_series are held (--store-max-series): past it a
      new identity's samples are refused. This bounds memory, and cannot
      lock a fleet out: a fleet restarting daily (a new pid, so a new
      identity, each day) holds its agents once, not once per day ever seen.
    - Rows a series no longer needs go: one not held whose chunks retention
      (or the size cap) deleted in every tier holds no point any more, and
      each commit looks at a bounded run of rows and deletes such. The rows
      are thus bounded by retention, and by WRITER_ROWS_PER_HELD times
      max_series as the last line of defence (a new identity past it is
      refused too): 64 x 100,000 = 6.4 million rows, over the 2.2 million a
      fleet of 3,000 restarting daily leaves in two years of hour tier.
      Freed ids are reused (store_writer_series_id), so ids stay below the
      most rows ever held.
    - The metric table has a limit (max_metrics, --store-max-metrics), and
      so has one series' open chunk (its columns: max_series_metrics,
      --store-max-metrics-per-series); past them a new name's points are
      left out, every one counted. Metric rows are not forgotten: their ids
      are inside chunk blobs, which the writer does not read back; the
      limit bounds them.

    Refusals are counted and logged at most once a minute with the top
    offender: the host (else the agent name) or service that most of them
    came from, by a majority vote (Boyer-Moore), which needs no table.
*/
#include "base.h"
#include "service.h"
#include "store_writer_parts.h"

#include <stdio.h>
#include <string.h>

//  Slots of the series held one forgetting step walks, rows of the file it
//  walks, and rows it may look up chunks of.
#define FORGET_WALK    4096
#define FORGET_ROWS    1024
#define FORGET_LOOKUPS 256

//  Rows of the series table: this many per series held at most.
#define WRITER_ROWS_PER_HELD 64

int64_t
store_writer_idle_ns (const store_writer_t *self)
{
    int64_t seal_ns = 2 * self->config.seal_s * STORE_NS;
    return seal_ns > 3600 * STORE_NS ? seal_ns : 3600 * STORE_NS;
}

//  Rows the series table may hold.
static int64_t
s_rows_max (const store_writer_t *self)
{
    int64_t held = self->config.max_series > 0 ? self->config.max_series : WRITER_SERIES_ID_MAX;
    return held < WRITER_SERIES_ID_MAX / WRITER_ROWS_PER_HELD ? held * WRITER_ROWS_PER_HELD
                                                              : WRITER_SERIES_ID_MAX - 1;
}

//  One vote for `who` as the top offender.
static void
s_vote (store_writer_t *self, const char *who)
{
    if (self->offender_votes == 0) {
        snprintf (self->offender, sizeof self->offender, "%s", who);
        self->offender_votes = 1;
    }
    else if (strcmp (self->offender, who) == 0)
        self->offender_votes++;
    else
        self->offender_votes--;
}

//  Logs the refusals since the last line, at most once a minute.
static void
s_log (store_writer_t *self, int64_t now_ns)
{
    if (!loglimit_count (&self->refused_log, now_ns))
        return;
    log_warn ("store: %lld new series refused (--store-max-series %lld held, %lld rows of"
              " %lld), %lld points of new metric names"
              " refused (--store-max-metrics %lld) and %lld points of metrics new to a series"
              " refused (--store-max-metrics-per-series %lld) since the last such line; most"
              " from '%s'; their points are not stored (logged at most once a minute)",
              (long long) self->refused_series, (long long) self->config.max_series,
              (long long) self->rows, (long long) s_rows_max (self),
              (long long) self->refused_metrics, (long long) self->config.max_metrics,
              (long long) self->refused_series_metrics, (long long) self->config.max_series_metrics,
              self->offender);
    self->refused_series = self->refused_metrics = self->refused_series_metrics = 0;
    self->offender_votes = 0;
}

bool
store_writer_admit_series (store_writer_t *self, const char *key, const store_ids_t *ids,
                           bool new_row, int64_t now_ns)
{
    bool held_full = self->config.max_series > 0 && (int64_t) self->held >= self->config.max_series;
    if (!held_full && !(new_row && self->rows >= s_rows_max (self)))
        return true;
    atomic_fetch_add (&self->counters->series_refused, 1);
    self->refused_series++;
    //  Inventing identities varies the agent and the pid: the host tells more.
    s_vote (self, ids->host && ids->host[0]     ? ids->host
                  : ids->agent && ids->agent[0] ? ids->agent
                                                : key);
    s_log (self, now_ns);
    return false;
}

void
store_writer_refuse_metric (store_writer_t *self, const char *key, const store_ids_t *ids,
                            uint32_t points, int64_t now_ns)
{
    atomic_fetch_add (&self->counters->metrics_refused, points);
    self->refused_metrics += points;
    char service[ZAPM_IDENTITY_MAX + 1];
    service_of (key, ids->agent, ids->host, ids->pid >= 0, service, sizeof service);
    s_vote (self, service);
    s_log (self, now_ns);
}

void
store_writer_refuse_series_metrics (store_writer_t *self, const char *key, const store_ids_t *ids,
                                    uint32_t points, int64_t now_ns)
{
    atomic_fetch_add (&self->counters->series_metrics_refused, points);
    self->refused_series_metrics += points;
    char service[ZAPM_IDENTITY_MAX + 1];
    service_of (key, ids->agent, ids->host, ids->pid >= 0, service, sizeof service);
    s_vote (self, service);
    s_log (self, now_ns);
}

//  True when the file holds no chunk of series `id` in any tier; false on an
//  error too (*rc set), so that nothing is deleted then.
static bool
s_no_chunk (store_writer_t *self, int64_t id, int *rc)
{
    sqlite3_bind_int64 (self->any_chunk, 1, id);
    int step = sqlite3_step (self->any_chunk);
    sqlite3_reset (self->any_chunk);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        *rc = step;
    return step == SQLITE_DONE;
}

//  Deletes row `id` (of a series not held). Returns the SQLite code.
static int
s_delete_row (store_writer_t *self, int64_t id)
{
    sqlite3_bind_int64 (self->delete_series, 1, id);
    int step = sqlite3_step (self->delete_series);
    sqlite3_reset (self->delete_series);
    if (step != SQLITE_DONE)
        return step;
    self->rows--;
    if (id - 1 < self->free_below)
        self->free_below = id - 1;
    atomic_fetch_add (&self->counters->series_forgotten, 1);
    return SQLITE_OK;
}

int
store_writer_forget_empty (store_writer_t *self, int64_t now_ns)
{
    //  Series held that are idle, all sealed, leave memory; their rows stay.
    int64_t idle_before = now_ns - store_writer_idle_ns (self);
    for (int walked = 0; walked < FORGET_WALK && self->held_cap; walked++) {
        self->forget_slot = (self->forget_slot + 1) & (self->held_cap - 1);
        store_writer_series_t *series = self->by_id[self->forget_slot];
        //  A sealed series that sends no more gives its chunk's buffers back
        //  after two seal periods (a churned identity would hold a couple
        //  of KiB each until dropped).
        if (series && series->chunk.rows == 0 && series->chunk.column_cap &&
            series->last_ns < now_ns - 2 * self->config.seal_s * STORE_NS)
            chunk_builder_free (&series->chunk);
        if (series && series->chunk.rows == 0 && !series->due && series->last_ns < idle_before) {
            store_writer_series_remove (self, series);
            //  The backward shift may have moved an entry into this slot.
            self->forget_slot = (self->forget_slot - 1) & (self->held_cap - 1);
        }
    }
    //  Rows not held whose every chunk is gone are deleted.
    int rc = SQLITE_OK;
    int lookups = 0;
    sqlite3_bind_int64 (self->next_rows, 1, self->forget_row);
    sqlite3_bind_int64 (self->next_rows, 2, FORGET_ROWS);
    int64_t ids[FORGET_ROWS];
    int count = 0;
    int step;
    while ((step = sqlite3_step (self->next_rows)) == SQLITE_ROW)
        ids[count++] = sqlite3_column_int64 (self->next_rows, 0);
    sqlite3_reset (self->next_rows);
    if (step != SQLITE_DONE)
        return step;
    self->forget_row = count < FORGET_ROWS ? 0 : ids[count - 1];
    for (int i = 0; i < count && rc == SQLITE_OK; i++) {
        if (store_writer_series_at (self, ids[i]))
            continue;
        if (lookups++ == FORGET_LOOKUPS) {
            self->forget_row = ids[i] - 1; //  go on from here next time
            break;
        }
        if (s_no_chunk (self, ids[i], &rc))
            rc = s_delete_row (self, ids[i]);
    }
    return rc;
}
