/*  bench_metrics.c: what one /metrics scrape costs the collector's loop.

    Fills a series map and the latest-values store with N series (10,000 by
    default) of agent-sized samples, as ingest does (validate_sample,
    series_map_observe, latest_update), then renders /metrics R times with the
    collector's own function and prints the CPU time per render, the page's
    size and its line count. Each series has process and system metrics (two
    CPUs) and two custom metrics, a counter and a gauge.

        build-col/bin/bench-metrics --series 10000 --rounds 20
*/
#include "clock.h"
#include "cli.h"
#include "series.h"
#include "web.h"
#include "sample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROG "bench-metrics"

//  An agent-sized sample (zapm-agent --system with two custom metrics); the
//  %u is the series number, in the name and the pid.
static const char *s_format =
    "{\"v\":1,\"agent\":\"api-%u\",\"host\":\"web-1\",\"pid\":%u,\"seq\":7,\"interval\":1,"
    "\"color\":\"#1f77b4\",\"timestamp\":\"2026-11-23T10:00:00.123456+00:00\",\"cpu\":3.2,"
    "\"mem\":41.7,\"proc\":{\"cpu_percent\":3.2,\"cpu_user\":12.34,\"cpu_system\":1.5,"
    "\"rss\":43728896,\"vms\":318271488,\"swap\":0,\"num_threads\":4,\"num_fds\":12,"
    "\"num_ctx_switches\":18234,\"io_read_bytes\":4096,\"io_write_bytes\":81920},"
    "\"sys\":{\"cpu_percent\":27.5,\"percpu\":[30.1,24.9],\"load\":[1.25,0.98,0.77],"
    "\"mem\":{\"total\":25169350656,\"available\":22817415168,\"used\":1823514624,"
    "\"percent\":9.3},\"swap\":{\"total\":0,\"used\":0,\"percent\":0}},"
    "\"custom\":{\"requests\":1234,\"queue_depth\":3},\"counters\":[\"requests\"]}";

int
main (int argc, char **argv)
{
    long series_count = 10000, rounds = 20;
    const cli_option_t options[] = {
        {"series", 0, CLI_LONG, &series_count, 1, 1000000, "N", "agent series on the page", NULL,
         NULL},
        {"rounds", 0, CLI_LONG, &rounds, 1, 100000, "R", "renders to time", NULL, NULL},
        {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {
        .prog = PROG,
        .summary = "Renders /metrics R times over N agent series; prints the CPU time per\n"
                   "render, the page's bytes and lines.\n",
        .options = options};
    int status = cli_parse (&spec, argc, argv);
    if (status != CLI_RUN)
        return status;
    uint32_t n = (uint32_t) series_count;
    series_map_t *map = series_map_new (n, 1);
    latest_t *latest = latest_new (n);
    if (!map || !latest) {
        fprintf (stderr, PROG ": out of memory\n");
        return 1;
    }
    int64_t now = clock_mono_ns ();
    for (uint32_t i = 0; i < n; i++) {
        char frame[2048];
        int size = snprintf (frame, sizeof frame, s_format, i, 10000 + i);
        sample_t sample;
        series_t *series;
        uint64_t lost = 0;
        int64_t wall_ns = clock_wall_ns ();
        if (validate_sample (frame, (size_t) size, &sample) != VALIDATE_OK ||
            series_map_observe (map, &sample, frame, (size_t) size, now, wall_ns,
                                sample_time_ns (&sample, wall_ns), &series, &lost) == SERIES_FULL) {
            fprintf (stderr, PROG ": the built-in sample was refused\n");
            return 1;
        }
        latest_update (latest, series, &sample);
    }
    metrics_gauges_t gauges = {.series = n, .series_live = n};
    series_metrics_t agents = {
        .series = map, .latest = latest, .now_mono = now, .ttl_ns = 300000000000LL};
    size_t bytes = 0, lines = 0;
    double best = 1e9, total = 0;
    for (long r = 0; r < rounds; r++) {
        double start = clock_seconds (CLOCK_PROCESS_CPUTIME_ID);
        char *text = metrics_render (NULL, &gauges, &agents);
        double took = clock_seconds (CLOCK_PROCESS_CPUTIME_ID) - start;
        if (!text) {
            fprintf (stderr, PROG ": render failed\n");
            return 1;
        }
        total += took;
        best = took < best ? took : best;
        bytes = strlen (text);
        lines = 0;
        for (const char *p = text; (p = strchr (p, '\n')); p++)
            lines++;
        free (text);
    }
    printf ("%u series: %.1f ms CPU per render (mean of %ld, best %.1f), %zu bytes, %zu lines, "
            "%.0f bytes per series\n",
            n, total / (double) rounds * 1e3, rounds, best * 1e3, bytes, lines, (double) bytes / n);
    latest_destroy (&latest);
    series_map_destroy (&map);
    return 0;
}
