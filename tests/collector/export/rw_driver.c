/*  rw_driver.c: a small program that drives the remote write module the way
    the collector will, for tests/collector/export/test_remote_write.py and by hand.

    It sends `--series` series of two metrics each, one point per series and
    metric every `--step-ms`, for `--steps` steps; point i of series k is
    worth k * 1000 + i + 0.25 (exact in binary, so a receiver's answer can be
    compared with ==) and stamped start + i * ts-step. `--invalid` adds points
    that break the rules. Then it waits (at most
    `--drain-ms`) for the queue to empty, prints the final counters, destroys
    the sender and prints how long that took, and the longest append. Counters go to stdout as one
    JSON object a line ("stats {...}", "final {...}"); the module's log lines
    go to stderr.

    Usage: rw_driver --url URL [--series N] [--steps N] [--step-ms MS]
           [--start-ms T] [--ts-step-ms MS] [--invalid N] [--drain-ms MS]
           [--stats-every-ms MS] [--user U --password-file F | --token-file F]
           [--ca-file F] [--batch-points N] [--batch-delay-ms MS] [--queue-points N]
           [--timeout-ms MS] [--backoff-min-ms MS] [--backoff-max-ms MS] [--flush-ms MS]
*/
#include "cli.h"
#include "clock.h"
#include "remote_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROG "rw_driver"

static void
s_print (const char *tag, const rw_stats_t *s)
{
    printf ("%s {\"appended\": %llu, \"sent\": %llu, \"invalid\": %llu, \"queue_full\": %llu, "
            "\"rejected\": %llu, \"shutdown\": %llu, \"queue_points\": %llu, "
            "\"queue_batches\": %u, \"batches_sent\": %llu, \"batches_rejected\": %llu, "
            "\"retries_5xx\": %llu, \"retries_429\": %llu, \"retries_network\": %llu, "
            "\"retries_timeout\": %llu, \"bytes_sent\": %llu, \"last_status\": %d, "
            "\"last_success_ms\": %lld}\n",
            tag, (unsigned long long) s->points_appended, (unsigned long long) s->points_sent,
            (unsigned long long) s->points_dropped_invalid,
            (unsigned long long) s->points_dropped_queue_full,
            (unsigned long long) s->points_dropped_rejected,
            (unsigned long long) s->points_dropped_shutdown, (unsigned long long) s->queue_points,
            s->queue_batches, (unsigned long long) s->batches_sent,
            (unsigned long long) s->batches_rejected, (unsigned long long) s->retries_5xx,
            (unsigned long long) s->retries_429, (unsigned long long) s->retries_network,
            (unsigned long long) s->retries_timeout, (unsigned long long) s->bytes_sent,
            s->last_status, (long long) s->last_success_ms);
    fflush (stdout);
}

//  The longest remote_write_append call so far, in nanoseconds.
static int64_t s_max_append_ns;

//  Appends a point, timing the call: it must never wait for the receiver.
static void
s_append (remote_write_t *rw, const rw_point_t *point, long step)
{
    int64_t start = clock_mono_ns ();
    int rc = remote_write_append (rw, point);
    int64_t took = clock_mono_ns () - start;
    if (took > s_max_append_ns)
        s_max_append_ns = took;
    if (rc)
        fprintf (stderr, PROG ": point %ld of %s refused\n", step, point->metric);
}

static void
s_sleep_ms (long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep (&ts, NULL);
}

//  Sleeps until `mono_ns` on the monotonic clock, so that steps do not drift.
static void
s_sleep_until (int64_t mono_ns)
{
    struct timespec ts = {mono_ns / 1000000000, mono_ns % 1000000000};
    while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
        ;
}

int
main (int argc, char **argv)
{
    const char *url = NULL, *user = NULL, *password_file = NULL, *token_file = NULL;
    const char *ca_file = NULL;
    long series = 3, steps = 10, step_ms = 200, ts_step_ms = -1, invalid = 0;
    long drain_ms = 10000, stats_every_ms = 0;
    long start_ms = (long) (clock_wall_ns () / 1000000000) * 1000;
    //  The module's numbers, 0 for its defaults.
    long batch_points = 0, batch_delay_ms = 0, queue_points = 0, timeout_ms = 0;
    long backoff_min_ms = 0, backoff_max_ms = 0, flush_ms = 0;
    const double big = 100000000;
    const cli_option_t options[] = {
        {"url", 0, CLI_TEXT, &url, 1, 4096, "URL", "remote write endpoint", NULL, NULL},
        {"user", 0, CLI_TEXT, &user, 1, 256, "NAME", "basic auth user", NULL, NULL},
        {"password-file", 0, CLI_TEXT, &password_file, 1, 4096, "FILE", "basic auth password", NULL,
         NULL},
        {"token-file", 0, CLI_TEXT, &token_file, 1, 4096, "FILE", "bearer token", NULL, NULL},
        {"ca-file", 0, CLI_TEXT, &ca_file, 1, 4096, "FILE", "CA certificates (PEM)", NULL, NULL},
        {"series", 0, CLI_LONG, &series, 1, 1000, "N", "series per metric", NULL, NULL},
        {"steps", 0, CLI_LONG, &steps, 0, 10000000, "N", "points per series", NULL, NULL},
        {"step-ms", 0, CLI_LONG, &step_ms, 0, 60000, "MS", "wall time between steps", NULL, NULL},
        {"start-ms", 0, CLI_LONG, &start_ms, 0, 1e15, "MS", "timestamp of step 0", NULL, NULL},
        {"ts-step-ms", 0, CLI_LONG, &ts_step_ms, -1, 3600000, "MS",
         "timestamp step (-1: --step-ms)", NULL, NULL},
        {"invalid", 0, CLI_LONG, &invalid, 0, 1000000, "N", "invalid points to add", NULL, NULL},
        {"drain-ms", 0, CLI_LONG, &drain_ms, 0, 600000, "MS", "wait for the queue to empty", NULL,
         NULL},
        {"stats-every-ms", 0, CLI_LONG, &stats_every_ms, 0, 600000, "MS",
         "print counters this often (0: never)", NULL, NULL},
        {"batch-points", 0, CLI_LONG, &batch_points, 0, big, "N", "points a batch", NULL, NULL},
        {"batch-delay-ms", 0, CLI_LONG, &batch_delay_ms, 0, big, "MS", "age a batch leaves at",
         NULL, NULL},
        {"queue-points", 0, CLI_LONG, &queue_points, 0, big, "N", "queue bound", NULL, NULL},
        {"timeout-ms", 0, CLI_LONG, &timeout_ms, 0, big, "MS", "request timeout", NULL, NULL},
        {"backoff-min-ms", 0, CLI_LONG, &backoff_min_ms, 0, big, "MS", "first retry delay", NULL,
         NULL},
        {"backoff-max-ms", 0, CLI_LONG, &backoff_max_ms, 0, big, "MS", "longest retry delay", NULL,
         NULL},
        {"flush-ms", 0, CLI_LONG, &flush_ms, 0, big, "MS", "delivery time at destroy", NULL, NULL},
        {NULL}};
    const cli_spec_t spec = {PROG, "Send known points through the remote write module.", options,
                             NULL};
    int rc = cli_parse (&spec, argc, argv);
    if (rc != CLI_RUN)
        return rc;
    if (ts_step_ms < 0)
        ts_step_ms = step_ms;
    remote_write_config_t config = {
        .url = url,
        .basic_user = user,
        .basic_password_file = password_file,
        .bearer_token_file = token_file,
        .ca_file = ca_file,
        .batch_points = (uint32_t) batch_points,
        .batch_delay_ms = (uint32_t) batch_delay_ms,
        .queue_points = (uint32_t) queue_points,
        .timeout_ms = (uint32_t) timeout_ms,
        .backoff_min_ms = (uint32_t) backoff_min_ms,
        .backoff_max_ms = (uint32_t) backoff_max_ms,
        .flush_ms = (uint32_t) flush_ms,
    };

    remote_write_t *rw = remote_write_new (&config);
    if (!rw)
        return 1;
    //  Invalid points: a bad metric name (found by the sender's encoder) and too
    //  many labels (refused at once), by turns.
    rw_label_t many[RW_MAX_LABELS + 1];
    for (int i = 0; i <= RW_MAX_LABELS; i++)
        many[i] = (rw_label_t){"l", "v"};
    for (long i = 0; i < invalid; i++) {
        rw_point_t bad = {"0bad", NULL, 0, 1, start_ms};
        if (i % 2) {
            bad = (rw_point_t){"ok", many, RW_MAX_LABELS + 1, 1, start_ms};
            if (remote_write_append (rw, &bad) != -1)
                return 1;
        }
        else
            remote_write_append (rw, &bad);
    }
    int64_t last_stats = clock_mono_ns ();
    int64_t first_step = last_stats;
    for (long i = 0; i < steps; i++) {
        for (long k = 0; k < series; k++) {
            char name[32];
            snprintf (name, sizeof name, "s%ld", k);
            //  Any UTF-8 in values, labels in no particular order.
            rw_label_t labels[] = {{"series", name},
                                   {"job", "rw_driver"},
                                   {"note", "caf\xc3\xa9 \"quoted\" \\ back"},
                                   {"empty", ""}};
            rw_point_t point = {"zapm_rw_test_value", labels, 4, k * 1000.0 + i + 0.25,
                                start_ms + i * ts_step_ms};
            s_append (rw, &point, i);
            point.metric = "zapm_rw_test_total";
            point.label_count = 2;
            point.value = (double) (i * (k + 1));
            s_append (rw, &point, i);
        }
        if (stats_every_ms && clock_mono_ns () - last_stats >= stats_every_ms * 1000000) {
            rw_stats_t stats;
            remote_write_stats (rw, &stats);
            s_print ("stats", &stats);
            last_stats = clock_mono_ns ();
        }
        if (step_ms)
            s_sleep_until (first_step + (i + 1) * step_ms * 1000000);
    }
    rw_stats_t stats;
    int64_t deadline = clock_mono_ns () + drain_ms * 1000000;
    do {
        remote_write_stats (rw, &stats);
        if (stats.queue_points == 0)
            break;
        s_sleep_ms (20);
    } while (clock_mono_ns () < deadline);
    s_print ("final", &stats);
    printf ("max_append_us %lld\n", (long long) (s_max_append_ns / 1000));
    int64_t before = clock_mono_ns ();
    remote_write_destroy (&rw);
    printf ("destroyed_ms %lld\n", (long long) ((clock_mono_ns () - before) / 1000000));
    return 0;
}
