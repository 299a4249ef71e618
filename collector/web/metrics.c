/*  metrics.c: Prometheus text exposition of the collector's counters, then of
    every agent's metrics.

    Written by hand (prom_text.h, into a textbuf): the format is simple and this keeps the
    collector free of a metrics library.
*/
#include "metrics.h"
#include "base.h"

#include <inttypes.h>

static void
s_metric (textbuf_t *buffer, const char *name, const char *type, const char *help, uint64_t value)
{
    prom_text_header (buffer, name, type, help);
    textbuf_printf (buffer, "%s %" PRIu64 "\n", name, value);
}

//  A counter with one sample per reason, labelled by `label`.
static void
s_by_reason (textbuf_t *buffer, const char *name, const char *help, const uint64_t *values,
             int count, const char *(*label) (int) )
{
    prom_text_header (buffer, name, "counter", help);
    for (int reason = 0; reason < count; reason++)
        textbuf_printf (buffer, "%s{reason=\"%s\"} %" PRIu64 "\n", name, label (reason),
                        values[reason]);
}

static const char *
s_invalid_name (int reason)
{
    return validate_reason_name ((validate_reason_t) (reason + 1));
}

static const char *
s_retimed_name (int reason)
{
    return sample_time_name ((sample_time_t) reason);
}

static const char *
s_refusal_name (int reason)
{
    return gate_refusal_name ((stats_refusal_t) reason);
}

static const char *
s_query_refused_name (int reason)
{
    static const char *const names[WEB_REFUSED_REASONS] = WEB_REFUSED_NAMES;
    return names[reason];
}

static const char *
s_lost_name (int reason)
{
    return watch_lost_name ((stats_lost_t) reason);
}

//  What metrics_render reads when it is given no counters: all zero.
static const metrics_counters_t s_zero_counters = {.ingest = &(ingest_stats_t){0},
                                                   .gate = &(gate_stats_t){0},
                                                   .web = &(web_stats_t){0},
                                                   .auth = &(auth_stats_t){0}};

char *
metrics_render (const metrics_counters_t *counters, const metrics_gauges_t *gauges,
                const series_metrics_t *agents)
{
    if (!counters)
        counters = &s_zero_counters;
    //  About 3 KiB per exposed series with process and system metrics.
    size_t estimate = 4096 + (agents ? (size_t) series_map_live (agents->series) * 3072 : 0);
    textbuf_t buffer = textbuf_growing (estimate);
    s_metric (&buffer, "zapm_samples_received_total", "counter", "Frames received from agents.",
              counters->ingest->received);
    //  Every drop reason but VALIDATE_OK (0), which is not one.
    s_by_reason (&buffer, "zapm_samples_invalid_total", "Frames dropped as invalid, by reason.",
                 counters->ingest->invalid + 1, VALIDATE_REASONS - 1, s_invalid_name);
    s_metric (&buffer, "zapm_samples_lost_total", "counter",
              "Samples missing according to agents' seq numbers.", counters->ingest->lost);
    s_metric (&buffer, "zapm_seq_resets_total", "counter",
              "Jumps in agents' seq numbers read as a restarted count, not as loss.",
              counters->ingest->seq_resets);
    s_by_reason (&buffer, "zapm_samples_retimed_total",
                 "Samples whose timestamp was outside the window the store takes, or unreadable, "
                 "filed at their arrival time, by reason.",
                 counters->ingest->retimed, SAMPLE_TIME_RETIMED, s_retimed_name);
    s_metric (&buffer, "zapm_series_dropped_total", "counter",
              "Valid samples dropped because --max-series was reached.",
              counters->ingest->series_dropped);
    s_metric (&buffer, "zapm_events_total", "counter", "Events appended to the ring.",
              counters->ingest->events);
    s_metric (&buffer, "zapm_clients_rejected_total", "counter",
              "/feed requests answered with the overload retry.", counters->web->clients_rejected);
    s_metric (&buffer, "zapm_resets_total", "counter", "Reset events sent to /feed clients.",
              counters->web->resets);
    s_metric (&buffer, "zapm_wakes_total", "counter", "Batches of suspended clients woken.",
              counters->web->wakes);
    s_by_reason (&buffer, "zapm_agents_refused_total",
                 "Agent connections refused at the handshake, by reason.", counters->gate->refused,
                 STATS_REFUSALS, s_refusal_name);
    s_by_reason (&buffer, "zapm_agent_connections_lost_total",
                 "Agent connections that ended, by reason.", counters->gate->connections_lost,
                 STATS_LOST_REASONS, s_lost_name);
    s_metric (&buffer, "zapm_agent_connections_accepted_total", "counter",
              "Agent TCP connections accepted.", counters->gate->accepted);
    s_metric (&buffer, "zapm_agent_connections", "gauge", "Agent connections open.",
              counters->gate->connections);
    s_metric (&buffer, "zapm_agent_frames_revoked_total", "counter",
              "Frames dropped because their agent's key was revoked.",
              counters->gate->revoked_frames);
    s_metric (&buffer, "zapm_http_logins_failed_total", "counter",
              "Requests refused with 401: no, malformed or wrong credentials.",
              counters->auth->auth_failed);
    s_metric (&buffer, "zapm_http_logins_busy_total", "counter",
              "Logins answered 429 because the password-hashing queue was full.",
              counters->auth->auth_busy);
    s_metric (&buffer, "zapm_http_header_timeouts_total", "counter",
              "Connections closed for not sending a whole request head in time.",
              counters->web->header_timeouts);
    s_metric (&buffer, "zapm_http_tls_failed_total", "counter",
              "TLS handshakes that failed (plain HTTP to the TLS port, scanners).",
              counters->web->tls_failed);
    s_metric (&buffer, "zapm_http_malformed_total", "counter",
              "Requests refused with 400 and a closed connection (RFC 9112 framing).",
              counters->web->malformed);
    s_metric (&buffer, "zapm_http_write_timeouts_total", "counter",
              "Connections closed because an answer made no progress for --http-write-timeout.",
              counters->web->write_timeouts);
    s_by_reason (&buffer, "zapm_http_query_refused_total",
                 "History queries refused: budget (503), too_large (413), repeated_metric (400).",
                 counters->web->query_refused, WEB_REFUSED_REASONS, s_query_refused_name);
    s_metric (&buffer, "zapm_http_query_bytes", "gauge",
              "Bytes history answers in flight hold (waiting, running or being sent).",
              counters->web->query_bytes);
    s_metric (&buffer, "zapm_clients", "gauge", "Open /feed streams.", gauges->clients);
    s_metric (&buffer, "zapm_series", "gauge", "Series known.", gauges->series);
    s_metric (&buffer, "zapm_series_live", "gauge", "Series live.", gauges->series_live);
    s_metric (&buffer, "zapm_ring_events", "gauge", "Events held in the ring.",
              gauges->ring_events);
    s_metric (&buffer, "zapm_ring_bytes", "gauge", "Bytes of framed events held in the ring.",
              gauges->ring_bytes);
    s_metric (&buffer, "zapm_series_recycled_total", "counter",
              "Series slots that a full map gave from a departed series to a new one.",
              gauges->series_recycled);
    prom_text_header (&buffer, "zapm_series_refused_total", "counter",
                      "What the series map refused, by reason: samples of new identities past"
                      " --max-series (series_limit), custom values past a series' history"
                      " columns (metric_limit).");
    textbuf_printf (&buffer, "zapm_series_refused_total{reason=\"series_limit\"} %" PRIu64 "\n",
                    counters->ingest->series_dropped);
    textbuf_printf (&buffer, "zapm_series_refused_total{reason=\"metric_limit\"} %" PRIu64 "\n",
                    gauges->series_custom_refused);
    if (agents)
        series_metrics_render (agents, &buffer);
    return textbuf_take (&buffer);
}

void
metrics_render_refused (const metrics_counters_t *counters, textbuf_t *out)
{
    prom_text_header (out, "zapm_metrics_refused_total", "counter",
                      "Custom values left off /metrics because the page already held"
                      " --max-metric-names custom families, by reason.");
    textbuf_printf (out, "zapm_metrics_refused_total{reason=\"metric_limit\"} %" PRIu64 "\n",
                    counters->web->metric_names_refused);
}
