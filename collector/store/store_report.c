/*  store_report.c: the store on /metrics and in the log (store_report.h). */
#include "store_report.h"
#include "base.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#define S_DROP_LOG_GAP_NS 60000000000LL   //  a minute
#define S_SUMMARY_GAP_NS  3600000000000LL //  an hour
#define S_TICK_NS         1000000000LL    //  a second, while samples are queued

struct _store_report_t {
    store_t *store;           //  reported on
    int64_t dropped_seen;     //  samples_dropped at the last tick
    int64_t truncated_seen;   //  samples_truncated at the last tick
    loglimit_t dropped_log;   //  drops since, counted: a line a minute at most
    loglimit_t truncated_log; //  truncations since, counted: likewise
    int64_t next_summary;     //  time of the next summary, 0 before the first tick
};

static const char *s_tier_names[STORE_TIERS] = {"raw", "1m", "1h"};

store_report_t *
store_report_new (store_t *store)
{
    store_report_t *self = calloc (1, sizeof *self);
    if (self) {
        self->store = store;
        self->dropped_log = (loglimit_t) LOGLIMIT_COUNTED (S_DROP_LOG_GAP_NS);
        self->truncated_log = (loglimit_t) LOGLIMIT_COUNTED (S_DROP_LOG_GAP_NS);
    }
    return self;
}

static void
s_summary (store_report_t *self, const char *when)
{
    store_stats_t stats;
    store_stats (self->store, &stats);
    log_info ("store %s: %.1f MiB, %" PRId64 " points written, %" PRId64 " samples dropped "
              "(queue full), %" PRId64 " refused, %" PRId64 " write errors",
              when, (double) stats.bytes / 1048576.0, stats.points_written, stats.samples_dropped,
              stats.samples_refused, stats.write_errors);
}

void
store_report_destroy (store_report_t **self_p)
{
    assert (self_p);
    store_report_t *self = *self_p;
    if (self) {
        s_summary (self, "at stop");
        free (self);
        *self_p = NULL;
    }
}

//  The drop and truncation lines, each at most once a minute.
static void
s_log_losses (store_report_t *self, const store_stats_t *stats, int64_t mono_ns)
{
    if (stats->samples_dropped > self->dropped_seen)
        loglimit_hold (&self->dropped_log,
                       (uint64_t) (stats->samples_dropped - self->dropped_seen));
    self->dropped_seen = stats->samples_dropped;
    if (stats->samples_truncated > self->truncated_seen)
        loglimit_hold (&self->truncated_log,
                       (uint64_t) (stats->samples_truncated - self->truncated_seen));
    self->truncated_seen = stats->samples_truncated;
    uint64_t dropped = loglimit_take (&self->dropped_log, mono_ns);
    if (dropped)
        log_warn ("store: %" PRIu64 " samples not stored: the write queue was full "
                  "(the disk is slower than ingest; live data is unaffected)",
                  dropped);
    uint64_t truncated = loglimit_take (&self->truncated_log, mono_ns);
    if (truncated)
        log_warn ("store: %" PRIu64 " samples taken without some of their numbers: more than"
                  " %d numbers or %d KiB of paths in one sample, the rest are skipped",
                  truncated, STORE_NUMBERS_MAX, STORE_NUMBERS_PATHS_BYTES / 1024);
}

int64_t
store_report_tick (store_report_t *self, int64_t mono_ns)
{
    assert (self);
    if (!self->next_summary)
        self->next_summary = mono_ns + S_SUMMARY_GAP_NS;
    else if (mono_ns >= self->next_summary) {
        s_summary (self, "hourly");
        self->next_summary = mono_ns + S_SUMMARY_GAP_NS;
    }
    store_stats_t stats;
    store_stats (self->store, &stats);
    s_log_losses (self, &stats, mono_ns);
    int64_t next = loglimit_earlier (self->next_summary, loglimit_due (&self->dropped_log));
    next = loglimit_earlier (next, loglimit_due (&self->truncated_log));
    //  Queued samples may yet be dropped by the writer.
    if (stats.queue_samples > 0 && mono_ns + S_TICK_NS < next)
        next = mono_ns + S_TICK_NS;
    return next;
}

//  One metric with its HELP and TYPE lines.
static void
s_metric (textbuf_t *out, const char *name, const char *type, const char *help, int64_t value)
{
    prom_text_header (out, name, type, help);
    textbuf_printf (out, "%s %" PRId64 "\n", name, value);
}

void
store_report_metrics (store_t *store, textbuf_t *out)
{
    assert (store);
    store_stats_t stats;
    store_stats (store, &stats);
    s_metric (out, "zapm_store_bytes", "gauge", "Bytes of the store's file and its WAL.",
              stats.bytes);
    s_metric (out, "zapm_store_points_written_total", "counter",
              "Numeric points committed to the store.", stats.points_written);
    s_metric (out, "zapm_store_samples_written_total", "counter", "Samples committed to the store.",
              stats.samples_written);
    s_metric (out, "zapm_store_samples_dropped_total", "counter",
              "Samples not stored because the write queue was full.", stats.samples_dropped);
    s_metric (out, "zapm_store_samples_refused_total", "counter",
              "Samples not stored: too old, too far ahead, or a time already stored.",
              stats.samples_refused);
    s_metric (out, "zapm_store_samples_truncated_total", "counter",
              "Samples taken without some of their numbers (too many numbers or paths).",
              stats.samples_truncated);
    s_metric (out, "zapm_store_write_errors_total", "counter",
              "Failed commits to the store (disk full, I/O errors).", stats.write_errors);
    s_metric (out, "zapm_store_chunks_deleted_unrolled_total", "counter",
              "Chunks the size cap deleted before the next tier had rolled them up.",
              stats.unrolled_deleted);
    s_metric (out, "zapm_store_rollup_metrics_left_out_total", "counter",
              "Metrics left out of a rollup chunk (a series with over 1024 in one span).",
              stats.rollup_metrics_left_out);
    s_metric (out, "zapm_store_queue_bytes", "gauge", "Bytes waiting in the store's write queue.",
              stats.queue_bytes);
    prom_text_header (out, "zapm_store_refused_total", "counter",
                      "New identities (samples), metric names and points of metrics new to a series"
                      " the store refused at its limits, by reason (--store-max-series,"
                      " --store-max-metrics, --store-max-metrics-per-series).");
    textbuf_printf (out, "zapm_store_refused_total{reason=\"series_limit\"} %" PRId64 "\n",
                    stats.series_refused);
    textbuf_printf (out, "zapm_store_refused_total{reason=\"metric_limit\"} %" PRId64 "\n",
                    stats.metrics_refused);
    textbuf_printf (out, "zapm_store_refused_total{reason=\"series_metric_limit\"} %" PRId64 "\n",
                    stats.series_metrics_refused);
    s_metric (out, "zapm_store_series", "gauge", "Rows of the store's series table.", stats.series);
    s_metric (
        out, "zapm_store_series_held", "gauge",
        "Series the store's writer holds in memory: seen in the last hour (--store-max-series).",
        stats.series_held);
    s_metric (out, "zapm_store_metrics", "gauge", "Rows of the store's metric table.",
              stats.metrics);
    s_metric (out, "zapm_store_series_forgotten_total", "counter",
              "Series rows deleted once retention had taken all their points.",
              stats.series_forgotten);
    prom_text_header (out, "zapm_store_oldest_seconds", "gauge",
                      "Oldest time held per tier (Unix seconds; 0 when empty).");
    for (int tier = 0; tier < STORE_TIERS; tier++)
        textbuf_printf (out, "zapm_store_oldest_seconds{tier=\"%s\"} %.3f\n", s_tier_names[tier],
                        (double) stats.oldest_ns[tier] / 1e9);
}
