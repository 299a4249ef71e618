/*  remote_export.c: every valid sample, sent on by Prometheus remote write. */
#include "remote_export.h"
#include "base.h"
#include "sample.h"
#include "remote_write.h"
#include "series.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _remote_export_t {
    remote_write_t *senders[REMOTE_EXPORT_URLS_MAX]; //  one per URL
    size_t count;                                    //  how many
};

//  What the walk over one sample needs.
typedef struct {
    remote_export_t *self; //  where the points go
    rw_label_t labels[6];  //  the series' labels, then room for two of the field's
    size_t label_count;    //  the series' labels
    int64_t timestamp_ms;  //  the sample's time
} s_walk_t;

remote_export_t *
remote_export_new (const remote_export_config_t *config)
{
    remote_export_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    for (size_t i = 0; i < config->count; i++) {
        remote_write_config_t one = {.url = config->urls[i],
                                     .basic_user = config->user,
                                     .basic_password_file = config->password_file,
                                     .bearer_token_file = config->bearer_file,
                                     .ca_file = config->ca_file,
                                     .index = (uint32_t) i};
        self->senders[i] = remote_write_new (&one);
        if (!self->senders[i]) {
            remote_export_destroy (&self);
            return NULL;
        }
        self->count = i + 1;
        log_info ("remote write to %s", remote_write_name (self->senders[i]));
    }
    return self;
}

void
remote_export_destroy (remote_export_t **self_p)
{
    assert (self_p);
    remote_export_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < REMOTE_EXPORT_URLS_MAX; i++)
            remote_write_destroy (&self->senders[i]);
        free (self);
        *self_p = NULL;
    }
}

static void
s_send (s_walk_t *walk, const char *metric, size_t label_count, double value)
{
    rw_point_t point = {.metric = metric,
                        .labels = walk->labels,
                        .label_count = label_count,
                        .value = value,
                        .timestamp_ms = walk->timestamp_ms};
    for (size_t i = 0; i < walk->self->count; i++)
        remote_write_append (walk->self->senders[i], &point);
}

//  One value of the table: the series' labels, plus the one label a row of the
//  field carries (the CPU time's `mode`, a per-CPU row's `cpu`).
static void
s_visit (void *arg, const metric_field_t *field, int cpu, double value)
{
    s_walk_t *walk = arg;
    size_t count = walk->label_count;
    char digits[12];
    const char *label_value = metric_map_label_value (field, cpu, digits);
    if (label_value)
        walk->labels[count++] = (rw_label_t){field->label_name, label_value};
    s_send (walk, field->name, count, value);
}

//  The series' labels, as /metrics writes them.
static void
s_series_labels (s_walk_t *walk, const series_t *series, char pid[24])
{
    const char *names[4], *values[4];
    walk->label_count = series_metrics_labels (series, pid, names, values);
    for (size_t k = 0; k < walk->label_count; k++)
        walk->labels[k] = (rw_label_t){names[k], values[k]};
}

//  What the collector knows of the series itself: zapm_agent_up and its counters.
static void
s_agent_families (s_walk_t *walk, const series_t *series)
{
    for (int f = 0; f < SERIES_AGENT_FAMILIES; f++)
        s_send (walk, series_agent_families[f].name, walk->label_count,
                series_agent_value (series, (series_agent_family_t) f));
}

void
remote_export_sample (remote_export_t *self, const series_t *series, const sample_t *sample,
                      int64_t time_ns)
{
    assert (self);
    s_walk_t walk = {.self = self, .timestamp_ms = time_ns / 1000000};
    char pid[24];
    s_series_labels (&walk, series, pid);
    s_agent_families (&walk, series);
    const metric_values_t *metrics = &sample->metrics;
    metric_map_walk (metrics->value, metrics->percpu, metrics->percpu_count, s_visit, &walk);
    for (uint32_t k = 0; k < sample->custom_count; k++) {
        char name[METRIC_CUSTOM_NAME_MAX + 1];
        bool counter = (sample->custom_counters >> k) & 1;
        if (metric_map_custom_name (sample->custom[k].name, counter, name))
            s_send (&walk, name, walk.label_count, sample->custom[k].value);
    }
}

void
remote_export_left (remote_export_t *self, const series_t *series, int64_t wall_ns)
{
    assert (self);
    assert (series);
    //  After the series' last point, even when its agent's clock runs ahead:
    //  a receiver refuses a whole request that holds an out-of-order point.
    int64_t time_ms = wall_ns / 1000000;
    if (series->history_count > 0) {
        const series_point_t *last = series_point (series, series->history_count - 1);
        int64_t after_ms = (int64_t) (last->t * 1000.0) + 1;
        if (after_ms > time_ms)
            time_ms = after_ms;
    }
    s_walk_t walk = {.self = self, .timestamp_ms = time_ms};
    char pid[24];
    s_series_labels (&walk, series, pid);
    s_agent_families (&walk, series);
}

//  One family: a line per URL.
static void
s_family (remote_export_t *self, textbuf_t *out, const char *name, const char *type,
          const char *help, const char *reason, const rw_stats_t *stats, size_t offset)
{
    if (help)
        prom_text_header (out, name, type, help);
    for (size_t i = 0; i < self->count; i++) {
        textbuf_printf (out, "%s{url=\"", name);
        prom_text_label_value (out, remote_write_name (self->senders[i]));
        if (reason)
            textbuf_printf (out, "\",reason=\"%s", reason);
        uint64_t value = *(const uint64_t *) ((const char *) &stats[i] + offset);
        textbuf_printf (out, "\"} %" PRIu64 "\n", value);
    }
}

void
remote_export_metrics (remote_export_t *self, textbuf_t *out)
{
    assert (self);
    rw_stats_t stats[REMOTE_EXPORT_URLS_MAX];
    for (size_t i = 0; i < self->count; i++)
        remote_write_stats (self->senders[i], &stats[i]);
    s_family (self, out, "zapm_remote_write_points_sent_total", "counter",
              "Points the remote write receiver took, by URL.", NULL, stats,
              offsetof (rw_stats_t, points_sent));
    static const struct {
        const char *reason;
        size_t offset;
    } drops[] = {{"queue_full", offsetof (rw_stats_t, points_dropped_queue_full)},
                 {"rejected", offsetof (rw_stats_t, points_dropped_rejected)},
                 {"invalid", offsetof (rw_stats_t, points_dropped_invalid)},
                 {"shutdown", offsetof (rw_stats_t, points_dropped_shutdown)}};
    for (size_t d = 0; d < sizeof drops / sizeof drops[0]; d++)
        s_family (self, out, "zapm_remote_write_points_dropped_total", "counter",
                  d == 0 ? "Points not delivered, by URL and reason." : NULL, drops[d].reason,
                  stats, drops[d].offset);
    static const struct {
        const char *reason;
        size_t offset;
    } retries[] = {{"5xx", offsetof (rw_stats_t, retries_5xx)},
                   {"429", offsetof (rw_stats_t, retries_429)},
                   {"network", offsetof (rw_stats_t, retries_network)},
                   {"timeout", offsetof (rw_stats_t, retries_timeout)}};
    for (size_t r = 0; r < sizeof retries / sizeof retries[0]; r++)
        s_family (self, out, "zapm_remote_write_retries_total", "counter",
                  r == 0 ? "Requests tried again, by URL and reason." : NULL, retries[r].reason,
                  stats, retries[r].offset);
    s_family (self, out, "zapm_remote_write_queue_points", "gauge",
              "Points waiting for the receiver, by URL.", NULL, stats,
              offsetof (rw_stats_t, queue_points));
}
