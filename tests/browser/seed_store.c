/*  seed_store.c: writes old history into a store, for browser.history.

    The collector refuses samples older than its past window (10 minutes), so
    a day of history cannot come in through its socket. This helper drives
    the store's writer (store_writer.h) in fast time, as tests/collector/store and
    bench/store do: one sample a minute for each series it is told of (the
    JSON an agent sends), committed minute by minute at the samples' own
    time, so the writer seals and rolls them up as it would have live. The
    collector started on the file afterwards serves them like its own.

    seed_store PATH NOW SERIES...
        PATH    the store file (made if missing; it must not hold later data)
        NOW     Unix seconds the ages below count back from
        SERIES  AGENT,HOST,PID,COLOR,FROM_AGO,TO_AGO[,CUSTOM]: samples every
                60 s from NOW - FROM_AGO to NOW - TO_AGO (seconds); with CUSTOM,
                each sample has the custom gauge CUSTOM too (`custom`: a
                square wave between 20 and 80, 10 minutes a level)

    Values: cpu is a slow wave with a spike at the start of each hour (so the
    bands show), mem a ramp; each series at its own level. Prints what it
    wrote, one line a series. Exit status: 0 when every sample was committed,
    1 otherwise, 2 for bad arguments.
*/
#include "store.h"
#include "store_db.h"
#include "store_frame.h"
#include "store_tiers.h"
#include "store_writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_STEP_S 60
#define S_PAST_S (3 * 86400)

typedef struct {
    char agent[64];  //  the service's name
    char host[64];   //  its host
    long pid;        //  its process id
    char color[32];  //  its colour
    long from_ago;   //  first sample, seconds before NOW
    long to_ago;     //  last sample, seconds before NOW
    char custom[64]; //  a custom gauge's name, or ""
} s_series_t;

static int
s_usage (const char *why)
{
    fprintf (stderr,
             "seed_store: %s\nusage: seed_store PATH NOW "
             "AGENT,HOST,PID,COLOR,FROM_AGO,TO_AGO[,CUSTOM]...\n",
             why);
    return 2;
}

static bool
s_parse (const char *text, s_series_t *series)
{
    memset (series, 0, sizeof *series);
    int fields = sscanf (text, "%63[^,],%63[^,],%ld,%31[^,],%ld,%ld,%63[A-Za-z0-9_]", series->agent,
                         series->host, &series->pid, series->color, &series->from_ago,
                         &series->to_ago, series->custom);
    return (fields == 6 || fields == 7) && series->pid > 0 && series->from_ago > series->to_ago &&
           series->to_ago >= 0 && series->from_ago <= S_PAST_S - 3600;
}

//  ISO 8601 in UTC of Unix seconds `t`.
static void
s_iso (double t, char *out, size_t size)
{
    time_t whole = (time_t) t;
    struct tm tm;
    gmtime_r (&whole, &tm);
    char date[40];
    strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out, size, "%s.%03d+00:00", date, (int) ((t - (double) whole) * 1000));
}

//  Takes in the sample series `series` (number `index`) has at NOW - `ago`.
static bool
s_sample (store_writer_t *writer, const s_series_t *series, int index, double now, long ago,
          long seq)
{
    char id[200];
    snprintf (id, sizeof id, "%s@%s:%ld", series->agent, series->host, series->pid);
    double t = floor (now) - (double) ago;
    double phase = fmod (t, 3600.0) / 3600.0;
    double cpu =
        8.0 + 6.0 * index + 4.0 * sin (t / 5400.0 * 2 * M_PI) + (phase < 0.02 ? 35.0 : 0.0);
    double mem = 40.0 + 25.0 * index + 10.0 * (double) (series->from_ago - ago) / 86400.0;
    char stamp[64], custom[128] = "", json[640];
    s_iso (t, stamp, sizeof stamp);
    if (series->custom[0])
        snprintf (custom, sizeof custom, ",\"custom\":{\"%s\":%d}", series->custom,
                  ((long) t / 600) % 2 ? 80 : 20);
    int size = snprintf (json, sizeof json,
                         "{\"v\":1,\"agent\":\"%s\",\"host\":\"%s\",\"pid\":%ld,\"color\":\"%s\","
                         "\"seq\":%ld,\"interval\":%d,\"timestamp\":\"%s\",\"cpu\":%.3f,"
                         "\"mem\":%.3f%s}",
                         series->agent, series->host, series->pid, series->color, seq, S_STEP_S,
                         stamp, cpu, mem, custom);
    if (size <= 0 || (size_t) size >= sizeof json)
        return false;
    int64_t t_ns = (int64_t) t * STORE_NS;
    store_frame_sample (writer, id, t_ns, json, (size_t) size,
                        t_ns); //  as the ingest hands it over
    return true;
}

int
main (int argc, char **argv)
{
    if (argc < 4)
        return s_usage ("too few arguments");
    char *end;
    double now = strtod (argv[2], &end);
    if (*end || !(now > 1e9))
        return s_usage ("NOW must be Unix seconds");
    int count = argc - 3;
    s_series_t *series = calloc ((size_t) count, sizeof *series);
    long *written = calloc ((size_t) count, sizeof *written);
    if (!series || !written)
        return 1;
    long oldest = 0;
    for (int i = 0; i < count; i++) {
        if (!s_parse (argv[i + 3], &series[i]))
            return s_usage ("bad SERIES: AGENT,HOST,PID,COLOR,FROM_AGO,TO_AGO");
        oldest = series[i].from_ago > oldest ? series[i].from_ago : oldest;
    }
    store_config_t config;
    store_config_defaults (&config, argv[1]);
    config.past_window_s = S_PAST_S;
    store_counters_t counters = {0};
    int64_t start_ns = ((int64_t) floor (now) - oldest) * STORE_NS;
    int64_t now_ns = (int64_t) floor (now) * STORE_NS;
    sqlite3 *db = store_db_open_writer (config.path, 16 * 1024 * 1024);
    store_writer_t *writer = db ? store_writer_new (db, &config, &counters, start_ns) : NULL;
    if (!writer)
        return 1;
    bool ok = true;
    //  Minute by minute across every series, a commit a minute, as live.
    for (long ago = oldest; ok && ago >= 0; ago -= S_STEP_S) {
        for (int i = 0; ok && i < count; i++)
            if (ago <= series[i].from_ago && ago >= series[i].to_ago)
                ok = s_sample (writer, &series[i], i, now, ago, written[i]++);
        ok = ok && store_writer_commit (writer, now_ns - (int64_t) ago * STORE_NS);
    }
    store_writer_seal_all (writer);
    ok = ok && store_writer_commit (writer, now_ns);
    store_writer_rollup_all (writer, now_ns);
    store_writer_destroy (&writer, now_ns);
    for (int i = 0; i < count; i++)
        printf ("seed_store: %s@%s:%ld: %ld samples from %ld s to %ld s ago\n", series[i].agent,
                series[i].host, series[i].pid, written[i], series[i].from_ago, series[i].to_ago);
    printf ("seed_store: %lld samples written, %lld refused, %lld write errors\n",
            (long long) atomic_load (&counters.samples_written),
            (long long) atomic_load (&counters.samples_refused),
            (long long) atomic_load (&counters.write_errors));
    if (atomic_load (&counters.samples_refused) || atomic_load (&counters.write_errors))
        ok = false;
    free (series);
    free (written);
    return ok ? 0 : 1;
}
