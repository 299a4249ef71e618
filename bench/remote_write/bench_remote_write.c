/*  bench_remote_write.c: what remote write costs per point, and how many points
    per second one sender delivers.

    With --url, it drives the real module (remote_write_append on this thread,
    the sender thread POSTing to the receiver) as fast as the receiver takes the
    points, never letting the queue fill (so nothing is dropped and the figure is
    the sustained rate): it appends while fewer than half the queue's points
    wait, else sleeps 1 ms. It prints the rate from the first append until the
    last point was acknowledged, the CPU per point of the appending thread
    (encode + copy into the queue) and of the sender thread (compress + HTTP,
    read from /proc/self/task), and the request figures.

    Without --url, it measures the CPU work alone, on one thread and with no
    network: copy a batch of points into records (the caller's share), encode
    them as protobuf and snappy-compress the body (the sender's share). Run it under
    `valgrind --tool=callgrind` for instruction counts that do not depend on
    what else the machine is doing.

    Points look like the collector's: `--series` series (say agents x fields),
    each with labels agent, host, instance and job, one point per series per
    round, timestamps one millisecond apart per round (Prometheus wants every
    series' samples in order and not too old).
*/
#include "cli.h"
#include "clock.h"
#include "remote_write.h"
#include "rw_record.h"

#include <dirent.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

//  The names of one series, built once.
typedef struct {
    char agent[32];
    char host[16];
    char instance[24];
    const char *metric;
} s_series_t;

static const char *s_metrics[] = {"zapm_process_cpu_percent",      "zapm_process_memory_rss_bytes",
                                  "zapm_process_memory_vms_bytes", "zapm_process_threads",
                                  "zapm_system_cpu_percent",       "zapm_system_load1",
                                  "zapm_system_memory_used_bytes", "zapm_custom_value"};

static s_series_t *
s_make_series (long count)
{
    s_series_t *series = calloc ((size_t) count, sizeof *series);
    for (long i = 0; i < count; i++) {
        long agent = i / 8;
        snprintf (series[i].agent, sizeof series[i].agent, "svc%ld@host%ld:%ld", agent % 97,
                  agent % 10, 1000 + agent);
        snprintf (series[i].host, sizeof series[i].host, "host%ld", agent % 10);
        snprintf (series[i].instance, sizeof series[i].instance, "10.0.%ld.%ld:5555",
                  agent / 250 % 250, agent % 250);
        series[i].metric = s_metrics[i % 8];
    }
    return series;
}

static void
s_point (const s_series_t *series, long round, int64_t base_ms, rw_label_t labels[4],
         rw_point_t *point)
{
    labels[0] = (rw_label_t){"agent", series->agent};
    labels[1] = (rw_label_t){"host", series->host};
    labels[2] = (rw_label_t){"instance", series->instance};
    labels[3] = (rw_label_t){"job", "zapm"};
    *point = (rw_point_t){series->metric, labels, 4, 12.5 + (double) (round % 1000) * 0.125,
                          base_ms + round};
}

//  CPU seconds (user + system) of every thread of this process but `skip`.
static double
s_other_threads_cpu (long skip)
{
    double total = 0;
    long ticks = sysconf (_SC_CLK_TCK);
    DIR *dir = opendir ("/proc/self/task");
    struct dirent *entry;
    while (dir && (entry = readdir (dir))) {
        long tid = atol (entry->d_name);
        if (tid <= 0 || tid == skip)
            continue;
        char path[64], line[1024];
        snprintf (path, sizeof path, "/proc/self/task/%ld/stat", tid);
        FILE *f = fopen (path, "r");
        if (!f)
            continue;
        if (fgets (line, sizeof line, f)) {
            const char *at = strrchr (line, ')'); //  the command may hold spaces
            unsigned long utime = 0, stime = 0;
            if (at && sscanf (at + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                              &stime) == 2)
                total += (double) (utime + stime) / (double) ticks;
        }
        fclose (f);
    }
    if (dir)
        closedir (dir);
    return total;
}

static int
s_encode_only (long series_count, long points, long batch)
{
    s_series_t *series = s_make_series (series_count);
    rw_buf_t records = {0}, body = {0};
    char *compressed = malloc (snappy_max_compressed_length (RW_MAX_POINT_BYTES * (size_t) batch));
    size_t raw_bytes = 0, compressed_bytes = 0;
    double start = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
    double record = 0, encode = 0, compress = 0;
    for (long done = 0; done < points;) {
        records.size = body.size = 0;
        double t0 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
        long in_batch = 0;
        for (; in_batch < batch && done < points; in_batch++, done++) {
            rw_label_t labels[4];
            rw_point_t point;
            s_point (&series[done % series_count], done / series_count, 1700000000000, labels,
                     &point);
            if (rw_record_write (&records, &point))
                return 1;
        }
        double t1 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
        const uint8_t *at = records.data;
        for (long i = 0; i < in_batch; i++) {
            rw_label_t labels[RW_MAX_LABELS];
            rw_point_t point;
            at += rw_record_read (at, &point, labels);
            if (rw_proto_append (&body, &point))
                return 1;
        }
        double t2 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
        size_t size = snappy_max_compressed_length (body.size);
        if (snappy_compress ((const char *) body.data, body.size, compressed, &size) != SNAPPY_OK)
            return 1;
        compress += clock_seconds (CLOCK_THREAD_CPUTIME_ID) - t2;
        encode += t2 - t1;
        record += t1 - t0;
        raw_bytes += body.size;
        compressed_bytes += size;
    }
    double total = clock_seconds (CLOCK_THREAD_CPUTIME_ID) - start;
    printf ("mode                     record + encode + compress, no network, one thread\n");
    printf ("points                   %ld (%ld series, batches of %ld)\n", points, series_count,
            batch);
    printf ("record ns/point          %.1f   (the caller's share: make the point, copy it)\n",
            record * 1e9 / (double) points);
    printf ("encode ns/point          %.1f   (sender: read the record, protobuf)\n",
            encode * 1e9 / (double) points);
    printf ("compress ns/point        %.1f   (sender: snappy)\n", compress * 1e9 / (double) points);
    printf ("total ns/point           %.1f\n", total * 1e9 / (double) points);
    printf ("bytes/point protobuf     %.1f\n", (double) raw_bytes / (double) points);
    printf ("bytes/point compressed   %.1f\n", (double) compressed_bytes / (double) points);
    rw_buf_free (&records);
    rw_buf_free (&body);
    free (compressed);
    free (series);
    return 0;
}

static int
s_send (const char *url, long series_count, long points, uint32_t batch, uint32_t queue)
{
    s_series_t *series = s_make_series (series_count);
    remote_write_config_t config = {
        .url = url, .batch_points = batch, .queue_points = queue, .timeout_ms = 30000};
    remote_write_t *rw = remote_write_new (&config);
    if (!rw)
        return 1;
    long self_tid = syscall (SYS_gettid);
    int64_t base_ms = clock_wall_ns () / 1000000 - 600000; //  ten minutes ago, 1 ms a round
    double others0 = s_other_threads_cpu (self_tid);
    double append_cpu = 0;
    int64_t start = clock_mono_ns ();
    rw_stats_t stats;
    long waits = 0;
    for (long done = 0; done < points;) {
        remote_write_stats (rw, &stats);
        if (stats.queue_points >= queue / 2) {
            struct timespec ms = {0, 1000000};
            nanosleep (&ms, NULL);
            waits++;
            continue;
        }
        double t0 = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
        for (long i = 0; i < 1000 && done < points; i++, done++) {
            rw_label_t labels[4];
            rw_point_t point;
            s_point (&series[done % series_count], done / series_count, base_ms, labels, &point);
            if (remote_write_append (rw, &point))
                return 1;
        }
        append_cpu += clock_seconds (CLOCK_THREAD_CPUTIME_ID) - t0;
    }
    do {
        remote_write_stats (rw, &stats);
        struct timespec ms = {0, 1000000};
        nanosleep (&ms, NULL);
    } while (stats.queue_points > 0 && clock_mono_ns () - start < 600 * 1000000000LL);
    double seconds = (double) (clock_mono_ns () - start) / 1e9;
    double sender_cpu = s_other_threads_cpu (self_tid) - others0;
    printf ("mode                     remote_write_append -> sender thread -> %s\n", url);
    printf ("points                   %ld (%ld series, batches of %u, queue %u)\n", points,
            series_count, batch, queue);
    printf ("sent / dropped           %llu / %llu\n", (unsigned long long) stats.points_sent,
            (unsigned long long) (stats.points_dropped_queue_full + stats.points_dropped_rejected +
                                  stats.points_dropped_invalid));
    printf ("requests                 %llu (retried %llu), %.0f compressed bytes/point\n",
            (unsigned long long) stats.batches_sent,
            (unsigned long long) (stats.retries_5xx + stats.retries_429 + stats.retries_network +
                                  stats.retries_timeout),
            (double) stats.bytes_sent / (double) stats.points_sent);
    printf ("seconds                  %.2f\n", seconds);
    printf ("points/s                 %.0f\n", (double) stats.points_sent / seconds);
    printf ("append ns/point          %.1f   (the caller's thread: record + queue)\n",
            append_cpu * 1e9 / (double) points);
    printf ("sender ns/point          %.1f   (the sender thread: encode + compress + HTTP)\n",
            sender_cpu * 1e9 / (double) points);
    printf ("producer waits (1 ms)    %ld\n", waits);
    remote_write_destroy (&rw);
    free (series);
    return stats.points_sent == (uint64_t) points ? 0 : 1;
}

int
main (int argc, char **argv)
{
    const char *url = NULL;
    long series = 8000, points = 1000000, batch = 5000, queue = 100000;
    const cli_option_t options[] = {
        {"url", 0, CLI_TEXT, &url, 1, 4096, "URL",
         "remote write endpoint; without it, CPU only (no network)", NULL, NULL},
        {"series", 0, CLI_LONG, &series, 1, 10000000, "N", "distinct series", NULL, NULL},
        {"points", 0, CLI_LONG, &points, 1, 1e10, "N", "points in all", NULL, NULL},
        {"batch-points", 0, CLI_LONG, &batch, 1, 1000000, "N", "points a batch", NULL, NULL},
        {"queue-points", 0, CLI_LONG, &queue, 1, 1e9, "N", "queue bound", NULL, NULL},
        {NULL}};
    const cli_spec_t spec = {"bench-remote-write",
                             "What remote write costs per point; see bench/remote_write/run.sh.",
                             options, NULL};
    int rc = cli_parse (&spec, argc, argv);
    if (rc != CLI_RUN)
        return rc;
    if (queue < batch) {
        cli_usage_error ("bench-remote-write", "--queue-points must be at least --batch-points");
        return CLI_EXIT_USAGE;
    }
    return url ? s_send (url, series, points, (uint32_t) batch, (uint32_t) queue)
               : s_encode_only (series, points, batch);
}
