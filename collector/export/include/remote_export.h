/*  remote_export.h: every valid sample, sent on by Prometheus remote write.

    With `--remote-write URL` (repeatable) each sample's numbers leave for each
    receiver as the same metrics, with the same names and labels, that /metrics
    shows: the names from the one table (metric_map.h), the labels from the one
    rule (series_metrics_labels), custom metrics as zapm_custom_<name>, counters
    with _total. Beside them, with each sample, what the collector knows of the
    series itself (zapm_agent_up, zapm_agent_samples_total,
    zapm_agent_samples_lost_total), and once more when the series leaves, with
    zapm_agent_up 0, so an alert on a dead agent can be written in the remote
    store. The points carry the sample's own time. The collector's own
    counters (zapm_http_*, zapm_remote_write_*, ...) carry no series labels
    and are not sent: scrape /metrics for them. One remote_write_t per
    URL does the sending on its own thread; this file only turns samples into
    points on the loop, which costs a copy per point and never waits.

    The face of collector/export/. Takes in every valid sample from the loop;
    hands out remote-write requests to the receivers and its counters on
    /metrics. Owns one sender thread per receiver (remote_write.c).
*/
#ifndef ZAPM_REMOTE_EXPORT_H
#define ZAPM_REMOTE_EXPORT_H

#include "series.h"
#include "textbuf.h"
#include "sample.h"

#include <stddef.h>
#include <stdint.h>

//  Receivers one collector writes to at most (--remote-write is repeatable).
#define REMOTE_EXPORT_URLS_MAX 4

//  The receivers and how to reach them; the credentials apply to every URL.
typedef struct {
    const char *urls[REMOTE_EXPORT_URLS_MAX]; //  --remote-write
    size_t count;                             //  how many
    const char *user;                         //  --remote-write-user, or NULL
    const char *password_file;                //  --remote-write-password-file
    const char *bearer_file;                  //  --remote-write-bearer-file
    const char *ca_file;                      //  --remote-write-ca
} remote_export_config_t;

typedef struct _remote_export_t remote_export_t;

//  Starts one sender per URL. Returns NULL after a log line when one cannot
//  start (a bad URL, an unreadable or too open secret file).
remote_export_t *remote_export_new (const remote_export_config_t *config);

//  Delivers what is queued for a bounded time, stops the senders; sets *self_p
//  to NULL.
void remote_export_destroy (remote_export_t **self_p);

//  Queues the numbers of one validated sample of `series` for every receiver.
void remote_export_sample (remote_export_t *self, const series_t *series, const sample_t *sample,
                           int64_t time_ns);

//  Queues, for every receiver, the last points of `series`, which has just left:
//  zapm_agent_up 0 and its final counters, at wall time `wall_ns` (or just
//  after the series' last sample, if that is later).
void remote_export_left (remote_export_t *self, const series_t *series, int64_t wall_ns);

//  Appends the senders' figures, per URL, in the Prometheus text format.
void remote_export_metrics (remote_export_t *self, textbuf_t *out);

#endif
