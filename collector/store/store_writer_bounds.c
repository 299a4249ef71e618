/*  store_writer_bounds.c: how many series and metric names the store holds
    (see store_writer_parts.h).

    A publisher that invents identities (a new agent name or pid every
    sample) or metric names (a new custom name every sample) would otherwise
    add a row to `series` or `metric`, and an entry to the writer's tables in
    memory, for each: without end, on disk and in memory. So both tables have
    a limit (store_config_t's max_series and max_metrics, --store-max-series
    and --store-max-metrics), and so has one series' open chunk (its
    columns: max_series_metrics, --store-max-metrics-per-series); past it a
    new identity's samples, or a new name's points, are refused, counted, and logged at most once a
   minute with the top offender: the host (else the agent name) or service that most of the refusals
   came from, by a majority vote (Boyer-Moore), which needs no table of its own.

    Rows come back: a series whose chunks retention (or the size cap) has
    deleted, in every tier, and that has no open chunk holds no point any
    more. Each commit looks at a bounded run of series ids and deletes such
    series from the table and from memory, so a churning publisher levels
    off rather than growing until the limit holds for good. On the way, a
    series idle for two seal periods gives its open chunk's buffers back. Metric rows are
    not forgotten: their ids are inside chunk blobs, which the writer does
    not read back; the limit bounds them.
*/
#include "base.h"
#include "service.h"
#include "store_writer_parts.h"

#include <stdio.h>
#include <string.h>

//  Series ids one forgetting step walks, and series it may look up in the file.
#define FORGET_WALK    4096
#define FORGET_LOOKUPS 256

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
    log_warn ("store: %lld new series refused (--store-max-series %lld), %lld new metric names"
              " refused (--store-max-metrics %lld) and %lld points of metrics new to a series"
              " refused (--store-max-metrics-per-series %lld) since the last such line; most"
              " from '%s'; their points are not stored (logged at most once a minute)",
              (long long) self->refused_series, (long long) self->config.max_series,
              (long long) self->refused_metrics, (long long) self->config.max_metrics,
              (long long) self->refused_series_metrics, (long long) self->config.max_series_metrics,
              self->offender);
    self->refused_series = self->refused_metrics = self->refused_series_metrics = 0;
    self->offender_votes = 0;
}

bool
store_writer_admit_series (store_writer_t *self, const char *key, const store_ids_t *ids,
                           int64_t now_ns)
{
    if (self->config.max_series <= 0 || (int64_t) self->table_used < self->config.max_series)
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
                            int64_t now_ns)
{
    atomic_fetch_add (&self->counters->metrics_refused, 1);
    self->refused_metrics++;
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

int
store_writer_forget_empty (store_writer_t *self, int64_t now_ns)
{
    int64_t idle_before = now_ns - 2 * self->config.seal_s * STORE_NS;
    int rc = SQLITE_OK;
    int lookups = 0;
    for (int walked = 0; walked < FORGET_WALK && lookups < FORGET_LOOKUPS && rc == SQLITE_OK;
         walked++) {
        if (++self->forget_cursor > self->max_id)
            self->forget_cursor = 1;
        if (self->forget_cursor > self->max_id)
            break; //  no series at all
        store_writer_series_t *series = self->series[self->forget_cursor];
        if (!series || series->chunk.rows > 0 || series->due)
            continue;
        //  A sealed series that sends no more gives its chunk's buffers back
        //  (a churned identity would hold a couple of KiB each until forgotten).
        if (series->chunk.column_cap && series->last_ns < idle_before)
            chunk_builder_free (&series->chunk);
        lookups++;
        if (!s_no_chunk (self, series->id, &rc))
            continue;
        sqlite3_bind_int64 (self->delete_series, 1, series->id);
        int step = sqlite3_step (self->delete_series);
        sqlite3_reset (self->delete_series);
        if (step != SQLITE_DONE) {
            rc = step;
            break;
        }
        store_writer_series_remove (self, series);
        atomic_fetch_add (&self->counters->series_forgotten, 1);
    }
    return rc;
}
