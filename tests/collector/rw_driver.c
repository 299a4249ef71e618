/*  rw_driver.c: a small program that drives the remote write module the way
    the collector will, for tests/collector/test_remote_write.py and by hand.

    It sends `--series` series of two metrics each, one point per series and
    metric every `--step-ms`, for `--steps` steps; point i of series k is
    worth k * 1000 + i + 0.25 (exact in binary, so a receiver's answer can be
    compared with ==) and stamped start + i * ts-step. `--invalid` adds points
    that break the rules. Then it waits (at most
    `--drain-ms`) for the queue to empty, prints the final counters, destroys
    the sender and prints how long that took. Counters go to stdout as one
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

#include <getopt.h>
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

static bool
s_number (const char *flag, const char *text, long max, long *value)
{
    return cli_parse_long (PROG, flag, text, 0, max, value);
}

int
main (int argc, char **argv)
{
    remote_write_config_t config = {0};
    long series = 3, steps = 10, step_ms = 200, ts_step_ms = -1, invalid = 0;
    long drain_ms = 10000, stats_every_ms = 0, number;
    long start_ms = (long) (clock_wall_ns () / 1000000000) * 1000;
    static const struct option options[] = {{"url", required_argument, 0, 'u'},
                                            {"user", required_argument, 0, 'U'},
                                            {"password-file", required_argument, 0, 'P'},
                                            {"token-file", required_argument, 0, 'T'},
                                            {"ca-file", required_argument, 0, 'C'},
                                            {"series", required_argument, 0, 's'},
                                            {"steps", required_argument, 0, 'n'},
                                            {"step-ms", required_argument, 0, 'i'},
                                            {"start-ms", required_argument, 0, 't'},
                                            {"ts-step-ms", required_argument, 0, 'j'},
                                            {"invalid", required_argument, 0, 'x'},
                                            {"drain-ms", required_argument, 0, 'd'},
                                            {"stats-every-ms", required_argument, 0, 'e'},
                                            {"batch-points", required_argument, 0, 1},
                                            {"batch-delay-ms", required_argument, 0, 2},
                                            {"queue-points", required_argument, 0, 3},
                                            {"timeout-ms", required_argument, 0, 4},
                                            {"backoff-min-ms", required_argument, 0, 5},
                                            {"backoff-max-ms", required_argument, 0, 6},
                                            {"flush-ms", required_argument, 0, 7},
                                            {0, 0, 0, 0}};
    opterr = 0;
    int option;
    while ((option = getopt_long (argc, argv, ":", options, NULL)) != -1) {
        bool ok = true;
        switch (option) {
        case 'u':
            config.url = optarg;
            break;
        case 'U':
            config.basic_user = optarg;
            break;
        case 'P':
            config.basic_password_file = optarg;
            break;
        case 'T':
            config.bearer_token_file = optarg;
            break;
        case 'C':
            config.ca_file = optarg;
            break;
        case 's':
            ok = s_number ("--series", optarg, 1000, &series);
            break;
        case 'n':
            ok = s_number ("--steps", optarg, 10000000, &steps);
            break;
        case 'i':
            ok = s_number ("--step-ms", optarg, 60000, &step_ms);
            break;
        case 't':
            ok = cli_parse_long (PROG, "--start-ms", optarg, 0, 1L << 50, &start_ms);
            break;
        case 'j':
            ok = s_number ("--ts-step-ms", optarg, 3600000, &ts_step_ms);
            break;
        case 'x':
            ok = s_number ("--invalid", optarg, 1000000, &invalid);
            break;
        case 'd':
            ok = s_number ("--drain-ms", optarg, 600000, &drain_ms);
            break;
        case 'e':
            ok = s_number ("--stats-every-ms", optarg, 600000, &stats_every_ms);
            break;
        case 1:
        case 2:
        case 3:
        case 4:
        case 5:
        case 6:
        case 7: {
            ok = s_number (options[option + 12].name, optarg, 100000000, &number);
            uint32_t *fields[] = {&config.batch_points,   &config.batch_delay_ms,
                                  &config.queue_points,   &config.timeout_ms,
                                  &config.backoff_min_ms, &config.backoff_max_ms,
                                  &config.flush_ms};
            *fields[option - 1] = (uint32_t) number;
            break;
        }
        default:
            cli_getopt_error (PROG, option, argv);
            return CLI_EXIT_USAGE;
        }
        if (!ok)
            return CLI_EXIT_USAGE;
    }
    if (ts_step_ms < 0)
        ts_step_ms = step_ms;

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
            if (remote_write_append (rw, &point))
                fprintf (stderr, PROG ": point %ld of %s refused\n", i, name);
            point.metric = "zapm_rw_test_total";
            point.label_count = 2;
            point.value = (double) (i * (k + 1));
            if (remote_write_append (rw, &point))
                fprintf (stderr, PROG ": point %ld of %s refused\n", i, name);
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
    int64_t before = clock_mono_ns ();
    remote_write_destroy (&rw);
    printf ("destroyed_ms %lld\n", (long long) ((clock_mono_ns () - before) / 1000000));
    return 0;
}
