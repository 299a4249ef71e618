/*  bench_ingest.c: CPU cost of the collector's per-sample work, without sockets.

    Runs the ingest path's pure part, validate_sample then sse_frame into the
    ring, over a book-sized and an agent-sized sample, and prints ns per sample.
    With --latest it also keeps each sample's exported values for /metrics
    (latest_update), as ingest does. With --store PATH it also collects the
    sample's numbers and queues them for a store at PATH (store_append), as
    ingest does with a store open; the store's writer thread runs meanwhile,
    so count the main thread alone (`--separate-threads=yes`).
    Under `valgrind --tool=callgrind` the instruction count per sample is the
    steady figure on a noisy machine:

        valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            build-bench/bin/bench-ingest --count 20000 --sample full
*/
#include "clock.h"
#include "cli.h"
#include "series.h"
#include "stream.h"
#include "sample.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "bench-ingest"

//  A sample as the book's agents send it, and one as zapm-agent --system sends it.
static const char *s_small =
    "{\"color\":\"red\",\"timestamp\":\"2026-11-23T10:00:00.123456+00:00\","
    "\"cpu\":12.5,\"mem\":30.25,\"v\":1,\"agent\":\"load-7\",\"host\":"
    "\"bench\",\"pid\":100007,\"seq\":41,\"interval\":0.005}";
static const char *s_full =
    "{\"v\":1,\"agent\":\"api\",\"host\":\"web-1\",\"pid\":4242,\"seq\":7,\"interval\":1,"
    "\"color\":\"#1f77b4\",\"timestamp\":\"2026-11-23T10:00:00.123456+00:00\",\"cpu\":3.2,"
    "\"mem\":41.7,\"proc\":{\"cpu_percent\":3.2,\"cpu_user\":12.34,\"cpu_system\":1.5,"
    "\"rss\":43728896,\"vms\":318271488,\"swap\":0,\"num_threads\":4,\"num_fds\":12,"
    "\"num_ctx_switches\":18234,\"io_read_bytes\":4096,\"io_write_bytes\":81920},"
    "\"sys\":{\"cpu_percent\":27.5,\"percpu\":[30.1,24.9],\"load\":[1.25,0.98,0.77],"
    "\"mem\":{\"total\":25169350656,\"available\":22817415168,\"used\":1823514624,"
    "\"percent\":9.3},\"swap\":{\"total\":0,\"used\":0,\"percent\":0}},"
    "\"custom\":{\"requests\":1234,\"queue_depth\":3}}";

int
main (int argc, char **argv)
{
    long count = 200000;
    const char *sample = s_small;
    bool keep_latest = false;
    const char *store_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--help") == 0) {
            printf ("Usage: " PROG " [--count N] [--sample small|full] [--latest] [--store PATH]\n"
                    "Times validate_sample + sse_frame into a ring, per sample;\n"
                    "--latest adds latest_update (the values /metrics exports),\n"
                    "--store adds store_append into a store at PATH.\n");
            return 0;
        }
        else if (strcmp (argv[i], "--count") == 0 && i + 1 < argc) {
            if (!cli_parse_long (PROG, "--count", argv[++i], 1, 100000000, &count))
                return CLI_EXIT_USAGE;
        }
        else if (strcmp (argv[i], "--sample") == 0 && i + 1 < argc) {
            const char *kind = argv[++i];
            if (strcmp (kind, "small") != 0 && strcmp (kind, "full") != 0) {
                cli_usage_error (PROG, "--sample is small or full, got '%s'", kind);
                return CLI_EXIT_USAGE;
            }
            sample = strcmp (kind, "full") == 0 ? s_full : s_small;
        }
        else if (strcmp (argv[i], "--latest") == 0)
            keep_latest = true;
        else if (strcmp (argv[i], "--store") == 0 && i + 1 < argc)
            store_path = argv[++i];
        else {
            cli_usage_error (PROG, "unknown option '%s'", argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    size_t size = strlen (sample);
    ring_t *ring = ring_new (16 << 20, 131072);
    latest_t *latest = latest_new (1);
    series_t series = {.index = 0};
    store_t *store = NULL;
    store_numbers_t *numbers = NULL;
    if (store_path) {
        store_config_t config;
        store_config_defaults (&config, store_path);
        store = store_new (&config);
        numbers = malloc (sizeof *numbers);
        if (!store || !numbers) {
            fprintf (stderr, PROG ": cannot open a store at %s\n", store_path);
            return 1;
        }
    }
    double start = clock_seconds (CLOCK_PROCESS_CPUTIME_ID);
    for (long i = 0; i < count; i++) {
        sample_t parsed;
        if (validate_sample_numbers (sample, size, &parsed, numbers) != VALIDATE_OK) {
            fprintf (stderr, PROG ": the built-in sample is invalid\n");
            return 1;
        }
        char *slot = ring_reserve (ring, size + SSE_FRAME_OVERHEAD + 1);
        size_t framed = sse_frame (slot, "abcd1234", ring_head (ring), NULL, sample, size,
                                   parsed.has_line_break);
        ring_commit (ring, framed, 0, 0);
        if (keep_latest)
            latest_update (latest, &series, &parsed);
        if (store) {
            store_ids_t ids = {parsed.agent, parsed.host, parsed.color,
                               parsed.has_pid ? (int64_t) parsed.pid : -1};
            store_append (store, "bench@bench:1", &ids,
                          parsed.wall_ns ? parsed.wall_ns : clock_wall_ns (), clock_wall_ns (),
                          numbers);
        }
    }
    double took = clock_seconds (CLOCK_PROCESS_CPUTIME_ID) - start;
    printf ("%s sample (%zu bytes): %.0f ns CPU per sample over %ld\n",
            sample == s_full ? "full" : "small", size, took / (double) count * 1e9, count);
    ring_destroy (&ring);
    latest_destroy (&latest);
    store_destroy (&store);
    free (numbers);
    return 0;
}
