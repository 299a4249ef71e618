/*  test_store.c: the store on real SQLite files in temporary directories.

    One case per run (`test_store CASE`), each its own ctest test. Cases that
    need hours or days of data drive the writer (store_writer.h) and the
    query engine (store_query.h) directly in fast time, with the clock as an
    argument; the others go through the public API and its threads.
*/
#include "check.h"
#include "clock.h"
#include "store.h"
#include "store_db.h"
#include "store_frame.h"
#include "store_query.h"
#include "store_tiers.h"
#include "store_writer.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[256];
static char s_path[512];
static char s_log[512];

//  A temporary directory and the store path inside it; stderr goes to a file
//  so that log lines can be checked.
//  At exit, the captured log goes to stdout, so ctest shows it with a failure.
static void
s_dump_log (void)
{
    FILE *file = fopen (s_log, "r");
    if (!file)
        return;
    char line[2048];
    while (fgets (line, sizeof line, file))
        fputs (line, stdout);
    fclose (file);
}

static void
s_setup (const char *name)
{
    snprintf (s_dir, sizeof s_dir, "/tmp/zapm-store-%s-XXXXXX", name);
    CHECK (mkdtemp (s_dir));
    snprintf (s_path, sizeof s_path, "%s/history.db", s_dir);
    snprintf (s_log, sizeof s_log, "%s/stderr.log", s_dir);
    CHECK (freopen (s_log, "w", stderr));
    setvbuf (stderr, NULL, _IONBF, 0);
    atexit (s_dump_log);
}

//  Removes the directory (kept when ZAPM_TEST_KEEP is set, to look at it).
static void
s_cleanup (void)
{
    if (getenv ("ZAPM_TEST_KEEP"))
        return;
    char command[600];
    snprintf (command, sizeof command, "rm -rf '%s'", s_dir);
    CHECK (system (command) == 0);
}

//  How many lines of the log contain `text`.
static int
s_log_count (const char *text)
{
    FILE *file = fopen (s_log, "r");
    CHECK (file);
    char line[2048];
    int count = 0;
    while (fgets (line, sizeof line, file))
        count += strstr (line, text) != NULL;
    fclose (file);
    return count;
}

static int
s_frame (char *out, size_t size, const char *agent, int pid, double cpu, double mem)
{
    return snprintf (out, size,
                     "{\"v\":1,\"agent\":\"%s\",\"host\":\"h\",\"pid\":%d,\"color\":\"red\","
                     "\"cpu\":%.10g,\"mem\":%.10g,\"proc\":{\"rss\":%d,\"num_threads\":4},"
                     "\"sys\":{\"cpu_percent\":12.5,\"load\":[0.5,0.25,0.125],"
                     "\"mem\":{\"percent\":40.5}},\"custom\":{\"queue\":7,\"bad key\":1}}",
                     agent, pid, cpu, mem, 4096 * pid);
}

//  A sample of agent `agent` with `count` custom metrics of random doubles
//  (15 significant digits: the value code's worst case).
static int
s_random_frame (char *frame, size_t size, const char *agent, int cpu, int count, uint64_t *seed)
{
    int n =
        snprintf (frame, size, "{\"agent\":\"%s\",\"cpu\":%d,\"mem\":1,\"custom\":{", agent, cpu);
    for (int k = 0; k < count; k++) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        n += snprintf (frame + n, size - (size_t) n, "%s\"m%d\":%.15g", k ? "," : "", k,
                       (double) (*seed >> 11) / 9007199254740992.0);
    }
    return n + snprintf (frame + n, size - (size_t) n, "}}");
}

//  --------------------------------------------------------------------------
//  Queries through the public API

typedef struct {
    char *json;
    bool called;
} s_answer_t;

static void
s_done (void *arg, char *json, size_t size)
{
    s_answer_t *answer = arg;
    CHECK (!json || strlen (json) == size);
    answer->json = json;
    answer->called = true;
}

//  Runs a query through the threads and the eventfd, as the loop would.
static cJSON *
s_query (store_t *store, const store_query_t *query)
{
    s_answer_t answer = {0};
    CHECK (store_query_start (store, query, s_done, &answer));
    struct pollfd item = {store_fd (store), POLLIN, 0};
    for (int i = 0; i < 100 && !answer.called; i++)
        if (poll (&item, 1, 100) > 0)
            store_dispatch (store);
    CHECK (answer.called && answer.json);
    cJSON *root = cJSON_Parse (answer.json);
    CHECKF (root, "not JSON: %.200s", answer.json);
    free (answer.json);
    return root;
}

static cJSON *
s_line (cJSON *root, const char *id)
{
    cJSON *line;
    cJSON_ArrayForEach (
        line, cJSON_GetObjectItem (
                  root, "series")) if (strcmp (cJSON_GetObjectItem (line, "id")->valuestring, id) ==
                                       0) return line;
    return NULL;
}

static cJSON *
s_stat (cJSON *line, const char *metric, const char *stat)
{
    return cJSON_GetObjectItem (cJSON_GetObjectItem (cJSON_GetObjectItem (line, "metrics"), metric),
                                stat);
}

//  --------------------------------------------------------------------------
//  Fast time: the writer without its thread

typedef struct {
    store_config_t config;
    store_counters_t counters;
    store_writer_t *writer;
} s_fast_t;

//  Starts case `name` with a fast writer's default config, chunks sealed
//  every `seal_s` commits; the caller may change more, then s_fast_open.
static void
s_fast_config (s_fast_t *fast, const char *name, int64_t seal_s)
{
    s_setup (name);
    store_config_defaults (&fast->config, s_path);
    fast->config.seal_s = seal_s;
}

static void
s_fast_open (s_fast_t *fast, int64_t now_ns)
{
    sqlite3 *db = store_db_open_writer (fast->config.path, 1024 * 1024);
    CHECK (db);
    memset (&fast->counters, 0, sizeof fast->counters);
    fast->writer = store_writer_new (db, &fast->config, &fast->counters, now_ns);
    CHECK (fast->writer);
}

static char *
s_fast_query (s_fast_t *fast, const store_query_t *query, int64_t now_ns)
{
    sqlite3 *reader = store_db_open_reader (fast->config.path);
    CHECK (reader);
    size_t size;
    char *json = store_query_run (reader, query, fast->config.retention_s, now_ns, &size);
    sqlite3_close (reader);
    CHECK (json);
    return json;
}

//  Day-aligned start of the simulated runs.
#define T0 (1795046400LL * STORE_NS)

//  cpu of simulated sample i: a 5-minute saw 0..29 (at 10 s intervals), with
//  one spike of 500 at sample 1000.
static double
s_saw (int64_t i)
{
    return i == 1000 ? 500 : (double) (i % 30);
}

//  Feeds `seconds` of samples at `interval` seconds from `start`, committing
//  every `every` samples. The pid changes at `pid_change` (a restart).
static void
s_fast_feed (s_fast_t *fast, int64_t start, int64_t seconds, int interval, int every,
             int64_t pid_change)
{
    char frame[1024];
    int64_t samples = seconds / interval;
    for (int64_t i = 0; i < samples; i++) {
        int64_t t = start + i * interval * STORE_NS;
        int pid = t < pid_change ? 1 : 2;
        int size = s_frame (frame, sizeof frame, "svc", pid, s_saw (i), 100);
        char id[64];
        snprintf (id, sizeof id, "svc@h:%d", pid);
        store_frame_sample (fast->writer, id, t, frame, (size_t) size, t);
        if (i % every == 0)
            CHECK (store_writer_commit (fast->writer, t));
    }
}

//  A fast writer fed `hours` of samples from T0 (the pid changes at
//  `pid_change`), all sealed and rolled up 2 hours after the end, the time
//  it returns.
static int64_t
s_fast_rolled (s_fast_t *fast, int64_t hours, int64_t pid_change)
{
    store_config_defaults (&fast->config, s_path);
    fast->config.seal_s = 6;
    s_fast_open (fast, T0);
    s_fast_feed (fast, T0, hours * 3600, 10, 3, pid_change);
    int64_t now = T0 + (hours + 2) * 3600 * STORE_NS;
    store_writer_seal_all (fast->writer);
    CHECK (store_writer_commit (fast->writer, now));
    store_writer_rollup_all (fast->writer, now);
    return now;
}

//  --------------------------------------------------------------------------
//  Cases

//  Samples in, restart, the same samples out; default metrics and the old shape.
static void
s_case_roundtrip (void)
{
    s_setup ("roundtrip");
    store_config_t config;
    store_config_defaults (&config, s_path);
    config.seal_s = 1;
    store_t *store = store_new (&config);
    CHECK (store);
    int64_t now = clock_wall_ns ();
    int64_t start = now - 30 * STORE_NS;
    char frame[1024];
    for (int i = 0; i < 20; i++) {
        for (int pid = 1; pid <= 2; pid++) {
            char id[32];
            snprintf (id, sizeof id, "svc@h:%d", pid);
            int size = s_frame (frame, sizeof frame, "svc", pid, i * 0.5 + pid, 10 + i);
            CHECK (store_frame_append (store, id, start + i * STORE_NS, frame, (size_t) size));
        }
    }
    CHECK (store_flush (store, 5000));
    CHECK (store_flush (store, 5000)); //  the second commit seals what the first took
    store_stats_t stats;
    store_stats (store, &stats);
    CHECKF (stats.samples_written == 40, "%lld", (long long) stats.samples_written);
    CHECKF (stats.points_written == 40 * 10, "%lld", (long long) stats.points_written);
    CHECK (stats.samples_dropped == 0 && stats.samples_refused == 0 && stats.write_errors == 0);
    CHECK (stats.bytes > 0 && stats.oldest_ns[0] == start);

    for (int round = 0; round < 2; round++) {
        store_query_t query = {.from = (double) (start / STORE_NS) - 1,
                               .to = (double) (now / STORE_NS) + 1,
                               .points = 1000,
                               .group = STORE_GROUP_SERIES};
        cJSON *root = s_query (store, &query);
        CHECK (strcmp (cJSON_GetObjectItem (root, "tier")->valuestring, "raw") == 0);
        CHECK (cJSON_GetArraySize (cJSON_GetObjectItem (root, "series")) == 2);
        cJSON *line = s_line (root, "svc@h:2");
        CHECK (line);
        CHECK (cJSON_GetObjectItem (line, "pid")->valueint == 2);
        CHECK (strcmp (cJSON_GetObjectItem (line, "color")->valuestring, "red") == 0);
        CHECK (strcmp (cJSON_GetObjectItem (line, "service")->valuestring, "svc@h") == 0);
        cJSON *t = cJSON_GetObjectItem (line, "t");
        cJSON *cpu = cJSON_GetObjectItem (line, "cpu");
        cJSON *mem = cJSON_GetObjectItem (line, "mem");
        cJSON *load1 = cJSON_GetObjectItem (line, "load1");
        CHECK (cJSON_GetArraySize (t) == 20 && cJSON_GetArraySize (cpu) == 20);
        for (int i = 0; i < 20; i++) {
            CHECKF (cJSON_GetArrayItem (cpu, i)->valuedouble == i * 0.5 + 2, "cpu[%d] = %g", i,
                    cJSON_GetArrayItem (cpu, i)->valuedouble);
            CHECK (cJSON_GetArrayItem (mem, i)->valuedouble == 10 + i);
            CHECK (cJSON_GetArrayItem (load1, i)->valuedouble == 0.5);
            double want = (double) (start + i * STORE_NS) / 1e9;
            CHECKF (fabs (cJSON_GetArrayItem (t, i)->valuedouble - want) < 0.002, "t[%d] %f != %f",
                    i, cJSON_GetArrayItem (t, i)->valuedouble, want);
        }
        CHECK (cJSON_GetObjectItem (line, "sys_cpu") && cJSON_GetObjectItem (line, "sys_mem"));
        CHECK (cJSON_IsObject (cJSON_GetObjectItem (line, "custom")));
        double until = cJSON_GetObjectItem (line, "until")->valuedouble;
        CHECKF (fabs (until - (double) (start + 19 * STORE_NS) / 1e9) < 0.01, "until %f", until);
        //  Named metrics, a glob, and custom ones under "custom".
        cJSON_Delete (root);
        query.metrics = "proc.rss, custom.queue,sys.load.2,no.such";
        query.glob = "svc@h:1";
        root = s_query (store, &query);
        CHECK (cJSON_GetArraySize (cJSON_GetObjectItem (root, "series")) == 1);
        line = s_line (root, "svc@h:1");
        CHECK (line);
        CHECK (cJSON_GetArrayItem (s_stat (line, "proc.rss", "max"), 0)->valuedouble == 4096);
        CHECK (cJSON_GetArrayItem (s_stat (line, "sys.load.2", "min"), 3)->valuedouble == 0.125);
        CHECK (cJSON_IsNull (cJSON_GetArrayItem (s_stat (line, "no.such", "mean"), 0)));
        cJSON *queue = cJSON_GetObjectItem (cJSON_GetObjectItem (line, "custom"), "queue");
        CHECK (queue && cJSON_GetArrayItem (queue, 5)->valuedouble == 7);
        CHECK (!cJSON_GetObjectItem (line, "cpu"));
        cJSON_Delete (root);
        //  metrics_only: no arrays under today's names.
        query.metrics = "cpu,custom.queue";
        query.metrics_only = true;
        root = s_query (store, &query);
        line = s_line (root, "svc@h:1");
        CHECK (line && !cJSON_GetObjectItem (line, "cpu") && !cJSON_GetObjectItem (line, "custom"));
        CHECK (cJSON_GetArrayItem (s_stat (line, "cpu", "mean"), 0)->valuedouble == 1);
        cJSON_Delete (root);
        //  Restart: everything is still there.
        store_destroy (&store);
        CHECK (!store);
        store = store_new (&config);
        CHECK (store);
    }
    //  An invalid query is refused at once.
    store_query_t bad = {.from = 10, .to = 5};
    CHECK (!store_query_start (store, &bad, s_done, NULL));
    bad = (store_query_t){.from = 1, .to = 5, .points = STORE_QUERY_POINTS_MAX + 1};
    CHECK (!store_query_start (store, &bad, s_done, NULL));
    store_destroy (&store);
    s_cleanup ();
}

static void
s_count_done (void *arg, char *json, size_t size)
{
    CHECK (json && size > 0);
    free (json);
    (*(int *) arg)++;
}

//  A storm of queries: each accepted one is answered exactly once through the
//  eventfd, the rest are refused at once (at most STORE_QUERY_PENDING_MAX wait).
static void
s_case_storm (void)
{
    s_setup ("storm");
    store_config_t config;
    store_config_defaults (&config, s_path);
    store_t *store = store_new (&config);
    CHECK (store);
    double now = (double) clock_wall_ns () / 1e9;
    store_query_t query = {.from = now - 86400, .to = now, .points = 800};
    int accepted = 0, answered = 0;
    for (int i = 0; i < 500; i++)
        accepted += store_query_start (store, &query, s_count_done, &answered);
    CHECKF (accepted >= STORE_QUERY_PENDING_MAX, "%d accepted", accepted);
    struct pollfd item = {store_fd (store), POLLIN, 0};
    for (int i = 0; i < 300 && answered < accepted; i++)
        if (poll (&item, 1, 100) > 0)
            store_dispatch (store);
    CHECKF (answered == accepted, "%d of %d answered", answered, accepted);
    CHECK (store_dispatch (store) == 0);
    printf ("storm: %d of 500 queries accepted, all answered\n", accepted);
    store_destroy (&store);
    s_cleanup ();
}

//  Out-of-window and duplicate times are refused and counted.
//  Voluntary context switches of this process's thread named `name`, -1 if none.
static long
s_thread_wakeups (const char *name)
{
    DIR *dir = opendir ("/proc/self/task");
    CHECK (dir);
    long wakeups = -1;
    struct dirent *entry;
    while (wakeups < 0 && (entry = readdir (dir))) {
        char path[300], line[256] = "";
        snprintf (path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *file = fopen (path, "r");
        if (!file)
            continue;
        if (!fgets (line, sizeof line, file))
            line[0] = '\0';
        fclose (file);
        line[strcspn (line, "\n")] = '\0';
        bool match = strcmp (line, name) == 0;
        snprintf (path, sizeof path, "/proc/self/task/%s/status", entry->d_name);
        if (!match || !(file = fopen (path, "r")))
            continue;
        while (fgets (line, sizeof line, file))
            if (sscanf (line, "voluntary_ctxt_switches: %ld", &wakeups) == 1)
                break;
        fclose (file);
    }
    closedir (dir);
    return wakeups;
}

//  An idle store's writer does not wake (it napped every 20 ms before issue
//  17); a sample and a flush still wake it.
static void
s_case_idle (void)
{
    s_setup ("idle");
    store_config_t config;
    store_config_defaults (&config, s_path);
    store_t *store = store_new (&config);
    CHECK (store);
    usleep (1500 * 1000); //  past its first commit, a second after the start
    long before = s_thread_wakeups ("zapm-store");
    CHECK (before >= 0);
    usleep (2000 * 1000);
    long wakeups = s_thread_wakeups ("zapm-store") - before;
    //  One for slack: on a loaded machine the first commit may come late.
    CHECKF (wakeups <= 1, "the idle writer woke %ld times in 2 s", wakeups);
    char frame[1024];
    int size = s_frame (frame, sizeof frame, "svc", 1, 1, 1);
    CHECK (store_frame_append (store, "svc@h:1", clock_wall_ns (), frame, (size_t) size));
    CHECK (store_flush (store, 5000));
    store_stats_t stats;
    store_stats (store, &stats);
    CHECKF (stats.samples_written == 1, "%lld written", (long long) stats.samples_written);
    store_destroy (&store);
    s_cleanup ();
    printf ("idle: the writer woke %ld times in 2 s, then took a sample at once\n", wakeups);
}

static void
s_case_window (void)
{
    s_setup ("window");
    store_config_t config;
    store_config_defaults (&config, s_path);
    config.seal_s = 1;
    store_t *store = store_new (&config);
    CHECK (store);
    int64_t now = clock_wall_ns ();
    char frame[1024];
    int size = s_frame (frame, sizeof frame, "svc", 1, 1, 1);
    int64_t times[] = {now - 5 * STORE_NS,
                       now - 4 * STORE_NS,
                       now - 4 * STORE_NS,                                  //  duplicate
                       now - 6 * STORE_NS,                                  //  older than the last
                       now - (STORE_PAST_WINDOW_DEFAULT + 60) * STORE_NS,   //  too old
                       now + (STORE_FUTURE_WINDOW_DEFAULT + 60) * STORE_NS, //  too new
                       now - 3 * STORE_NS};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        CHECK (store_frame_append (store, "svc@h:1", times[i], frame, (size_t) size));
    CHECK (store_flush (store, 5000) && store_flush (store, 5000));
    store_stats_t stats;
    store_stats (store, &stats);
    CHECKF (stats.samples_written == 3 && stats.samples_refused == 4, "%lld written, %lld refused",
            (long long) stats.samples_written, (long long) stats.samples_refused);
    //  After a restart, the newest stored time still counts.
    store_destroy (&store);
    store = store_new (&config);
    CHECK (store);
    CHECK (store_frame_append (store, "svc@h:1", now - 3 * STORE_NS, frame, (size_t) size));
    CHECK (store_frame_append (store, "svc@h:1", now - 2 * STORE_NS, frame, (size_t) size));
    CHECK (store_flush (store, 5000));
    store_stats (store, &stats);
    CHECK (stats.samples_written == 1 && stats.samples_refused == 1);
    //  One rule, one clock: a sample ingest received 30 s ago, 599 s old
    //  then, is in the window it was judged by, and stored though the
    //  writer takes it later (629 s after its time by the writer's clock).
    int64_t received = clock_wall_ns () - 30 * STORE_NS;
    CHECK (store_frame_append_at (store, "late@h:1",
                                  received - (STORE_PAST_WINDOW_DEFAULT - 1) * STORE_NS, received,
                                  frame, (size_t) size));
    CHECK (store_flush (store, 5000));
    store_stats (store, &stats);
    CHECKF (stats.samples_written == 2 && stats.samples_refused == 1, "%lld written, %lld refused",
            (long long) stats.samples_written, (long long) stats.samples_refused);
    store_destroy (&store);
    s_cleanup ();
}

//  A sample with more numbers than the store keeps: the first ones are
//  stored, the sample is counted (store_stats, /metrics) and logged.
static void
s_case_truncated (void)
{
    s_setup ("truncated");
    store_config_t config;
    store_config_defaults (&config, s_path);
    store_t *store = store_new (&config);
    CHECK (store);
    static char frame[32 * 1024];
    int size = snprintf (frame, sizeof frame,
                         "{\"agent\":\"big\",\"cpu\":1,\"mem\":2,"
                         "\"sys\":{\"p\":[");
    for (int i = 0; i < STORE_NUMBERS_MAX + 10; i++)
        size += snprintf (frame + size, sizeof frame - (size_t) size, "%s%d", i ? "," : "", i % 10);
    size += snprintf (frame + size, sizeof frame - (size_t) size, "]}}");
    CHECK (size < (int) sizeof frame - 1);
    int64_t now = clock_wall_ns ();
    CHECK (store_frame_append (store, "big", now - 2 * STORE_NS, frame, (size_t) size));
    char small[1024];
    int small_size = s_frame (small, sizeof small, "svc", 1, 1, 1);
    CHECK (store_frame_append (store, "svc@h:1", now - STORE_NS, small, (size_t) small_size));
    CHECK (store_flush (store, 5000));
    store_stats_t stats;
    store_stats (store, &stats);
    CHECKF (stats.samples_truncated == 1 && stats.samples_written == 2,
            "%lld truncated, %lld written", (long long) stats.samples_truncated,
            (long long) stats.samples_written);
    //  STORE_NUMBERS_MAX of the large sample, the 10 of the small one.
    CHECKF (stats.points_written == STORE_NUMBERS_MAX + 10, "%lld points",
            (long long) stats.points_written);
    textbuf_t out = textbuf_growing (4096);
    store_report_metrics (store, &out);
    char *text = textbuf_take (&out);
    CHECK (text && strstr (text, "\nzapm_store_samples_truncated_total 1\n"));
    free (text);
    store_report_t *report = store_report_new (store);
    CHECK (report);
    int64_t mono = clock_mono_ns ();
    store_report_tick (report, mono);
    int64_t next = store_report_tick (report, mono);
    CHECK (s_log_count ("1 samples taken without some of their numbers") == 1);
    //  Nothing queued, nothing left to log: the report sleeps until its hourly summary.
    CHECKF (next == mono + 3600 * STORE_NS, "next run in %lld ms",
            (long long) ((next - mono) / 1000000));
    store_report_destroy (&report);
    store_destroy (&store);
    s_cleanup ();
}

//  Rollups, tier choice, resampling with min and max, one line per service.
static void
s_case_tiers (void)
{
    s_setup ("tiers");
    s_fast_t fast;
    int64_t hours = 30;
    int64_t now = s_fast_rolled (&fast, hours, T0 + 15 * 3600 * STORE_NS);
    int64_t end = T0 + hours * 3600 * STORE_NS;
    sqlite3 *db = store_writer_db (fast.writer);
    int64_t w1 = 0, w2 = 0;
    CHECK (store_db_meta_get (db, "watermark.1", &w1) &&
           store_db_meta_get (db, "watermark.2", &w2));
    CHECKF (w1 == end + 3600 * STORE_NS, "watermark 1 at %lld h",
            (long long) ((w1 - T0) / 3600 / STORE_NS));
    CHECKF (w2 == T0 + 86400 * STORE_NS, "watermark 2 at %lld h",
            (long long) ((w2 - T0) / 3600 / STORE_NS));

    //  6 hours at 5-minute buckets: the 1-minute tier; every bucket holds one
    //  saw 0..29, so min 0, max 29, mean 14.5, but the spike stays visible.
    store_query_t query = {.from = (double) (T0 / STORE_NS),
                           .to = (double) (T0 / STORE_NS) + 6 * 3600,
                           .points = 72,
                           .group = STORE_GROUP_SERIES};
    char *json = s_fast_query (&fast, &query, now);
    cJSON *root = cJSON_Parse (json);
    CHECK (root);
    CHECK (strcmp (cJSON_GetObjectItem (root, "tier")->valuestring, "1m") == 0);
    cJSON *line = s_line (root, "svc@h:1");
    CHECK (line && !s_line (root, "svc@h:2"));
    cJSON *min = s_stat (line, "cpu", "min"), *max = s_stat (line, "cpu", "max");
    cJSON *mean = s_stat (line, "cpu", "mean");
    CHECK (cJSON_GetArraySize (max) == 72);
    int spike = 1000 * 10 / 300; //  the bucket of sample 1000
    for (int b = 0; b < 72; b++) {
        CHECK (cJSON_GetArrayItem (min, b)->valuedouble == 0);
        double top = cJSON_GetArrayItem (max, b)->valuedouble;
        CHECKF (top == (b == spike ? 500 : 29), "bucket %d max %g", b, top);
        double m = cJSON_GetArrayItem (mean, b)->valuedouble;
        double want = b == spike ? (14.5 * 30 - 1000 % 30 + 500) / 30 : 14.5;
        CHECKF (fabs (m - want) < 1e-6, "bucket %d mean %g, want %g", b, m, want);
    }
    cJSON_Delete (root);
    free (json);

    //  The whole run per hour: the 1-hour tier for the first day, the 1-minute
    //  tier and raw after it; per service, one line across the pid change.
    query = (store_query_t){.from = (double) (T0 / STORE_NS),
                            .to = (double) (end / STORE_NS),
                            .points = (int) hours,
                            .group = STORE_GROUP_AUTO};
    json = s_fast_query (&fast, &query, now);
    root = cJSON_Parse (json);
    CHECK (root);
    CHECK (strcmp (cJSON_GetObjectItem (root, "tier")->valuestring, "1h") == 0);
    CHECK (strcmp (cJSON_GetObjectItem (root, "group")->valuestring, "service") == 0);
    CHECK (cJSON_GetArraySize (cJSON_GetObjectItem (root, "series")) == 1);
    line = s_line (root, "svc@h");
    CHECK (line && cJSON_GetArraySize (cJSON_GetObjectItem (line, "pids")) == 2);
    CHECK (cJSON_IsNull (cJSON_GetObjectItem (line, "pid")));
    max = s_stat (line, "cpu", "max");
    mean = s_stat (line, "mem", "mean");
    CHECKF (cJSON_GetArraySize (max) == hours, "%d buckets", cJSON_GetArraySize (max));
    for (int b = 0; b < hours; b++) {
        CHECKF (cJSON_GetArrayItem (max, b)->valuedouble == (b == 2 ? 500 : 29), "hour %d max %g",
                b, cJSON_GetArrayItem (max, b)->valuedouble);
        CHECK (cJSON_GetArrayItem (mean, b)->valuedouble == 100);
    }
    double until = cJSON_GetObjectItem (line, "until")->valuedouble;
    CHECK (fabs (until - (double) (end - 10 * STORE_NS) / 1e9) < 0.01);
    cJSON_Delete (root);
    free (json);

    //  The same window per series: two lines, split at the restart.
    query.group = STORE_GROUP_SERIES;
    json = s_fast_query (&fast, &query, now);
    root = cJSON_Parse (json);
    CHECK (root && cJSON_GetArraySize (cJSON_GetObjectItem (root, "series")) == 2);
    CHECK (cJSON_GetArraySize (cJSON_GetObjectItem (s_line (root, "svc@h:1"), "t")) == 15);
    CHECK (cJSON_GetArraySize (cJSON_GetObjectItem (s_line (root, "svc@h:2"), "t")) == 15);
    cJSON_Delete (root);
    free (json);

    //  Tier choice in general.
    int64_t r[STORE_TIERS] = {2 * 86400, 60 * 86400, 730 * 86400};
    int64_t n = T0 + 100 * 86400 * STORE_NS;
    CHECK (store_query_tier (r, n, n - 600 * STORE_NS, n, 800) == STORE_TIER_RAW);
    CHECK (store_query_tier (r, n, n - 86400 * STORE_NS, n, 800) == STORE_TIER_MINUTE);
    CHECK (store_query_tier (r, n, n - 86400 * STORE_NS, n, 86400) == STORE_TIER_RAW);
    CHECK (store_query_tier (r, n, n - 30 * 86400 * STORE_NS, n, 800) == STORE_TIER_HOUR);
    CHECK (store_query_tier (r, n, n - 3 * 86400 * STORE_NS, n, 100000) == STORE_TIER_MINUTE);
    CHECK (store_query_tier (r, n, n - 90 * 86400 * STORE_NS, n, 100000) == STORE_TIER_HOUR);
    store_writer_destroy (&fast.writer, now);
    s_cleanup ();
}

static int64_t
s_sql_int (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    CHECK (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK);
    CHECK (sqlite3_step (stmt) == SQLITE_ROW);
    int64_t value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return value;
}

//  Retention with small limits: each tier keeps about what it is told.
static void
s_case_retention (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "retention", 6);
    fast.config.retention_s[STORE_TIER_RAW] = 3600;
    fast.config.retention_s[STORE_TIER_MINUTE] = 3 * 3600;
    fast.config.retention_s[STORE_TIER_HOUR] = 2 * 86400;
    s_fast_open (&fast, T0);
    int64_t seconds = 3 * 86400;
    s_fast_feed (&fast, T0, seconds, 60, 1, INT64_MAX);
    int64_t now = T0 + seconds * STORE_NS;
    //  Each tier ends at now - retention, except that raw and 1-minute data
    //  stay until the next tier has rolled them up (its watermark).
    sqlite3 *db = store_writer_db (fast.writer);
    int64_t w[STORE_TIERS] = {0};
    CHECK (store_db_meta_get (db, "watermark.1", &w[1]) &&
           store_db_meta_get (db, "watermark.2", &w[2]));
    for (int tier = 0; tier < STORE_TIERS; tier++) {
        int64_t expect = now - fast.config.retention_s[tier] * STORE_NS;
        if (tier + 1 < STORE_TIERS && w[tier + 1] < expect)
            expect = w[tier + 1];
        char sql[128];
        snprintf (sql, sizeof sql, "SELECT min(t1) FROM chunk WHERE tier = %d", tier);
        int64_t oldest = s_sql_int (db, sql);
        //  Deletion runs a commit at a time: at most one commit (60 s) and one
        //  chunk behind.
        int64_t slack = 60 * STORE_NS + store_tier_span_ns[tier];
        CHECKF (oldest >= expect && oldest < expect + slack,
                "tier %d ends %.2f h ago, expected %.2f h", tier, (double) (now - oldest) / 3600e9,
                (double) (now - expect) / 3600e9);
    }
    store_writer_destroy (&fast.writer, now);
    s_cleanup ();
}

static int64_t
s_disk_bytes (void)
{
    struct stat info;
    char wal[600];
    int64_t total = 0;
    if (stat (s_path, &info) == 0)
        total += info.st_size;
    snprintf (wal, sizeof wal, "%s-wal", s_path);
    if (stat (wal, &info) == 0)
        total += info.st_size;
    return total;
}

//  A series with more metrics than a rollup chunk holds (1100 > 1024): the
//  rollup keeps the first 1024, counts the rest, and every commit still
//  succeeds (before, each commit failed from the moment the hour was due).
static void
s_case_wide (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "wide", 6);
    s_fast_open (&fast, T0);
    static char frame[64 * 1024];
    uint64_t seed = 5;
    int64_t samples = 70 * 6; //  one every 10 s for 70 minutes
    for (int64_t i = 0; i < samples; i++) {
        int64_t t = T0 + i * 10 * STORE_NS;
        int size = s_random_frame (frame, sizeof frame, "wide", (int) (i % 50), 1100, &seed);
        CHECK (size > 0 && (size_t) size < sizeof frame);
        store_frame_sample (fast.writer, "wide", t, frame, (size_t) size, t);
        CHECK (store_writer_commit (fast.writer, t));
    }
    int64_t now = T0 + 3 * 3600 * STORE_NS;
    store_writer_seal_all (fast.writer);
    CHECK (store_writer_commit (fast.writer, now));
    store_writer_rollup_all (fast.writer, now);
    CHECK (store_writer_commit (fast.writer, now + STORE_NS));
    CHECKF (atomic_load (&fast.counters.write_errors) == 0, "%lld write errors",
            (long long) atomic_load (&fast.counters.write_errors));
    sqlite3 *db = store_writer_db (fast.writer);
    CHECK (s_sql_int (db, "SELECT count(*) FROM chunk WHERE tier = 1") >= 1);
    int64_t left_out = atomic_load (&fast.counters.rollup_metrics_left_out);
    CHECKF (left_out >= 1102 - 1024, "%lld metrics left out", (long long) left_out);
    store_writer_destroy (&fast.writer, now + 2 * STORE_NS);
    s_cleanup ();
}

//  The cap holds with a fast writer of badly compressible samples: the file
//  and its WAL never pass the cap by more than 10 %, and the newest data stays.
static void
s_case_cap (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "cap", 5);
    fast.config.max_mib = 2;
    s_fast_open (&fast, T0);
    int64_t cap = 2 * 1024 * 1024, largest = 0, written = 0;
    char frame[2048];
    uint64_t seed = 7;
    int64_t seconds = 900;
    for (int64_t s = 0; s < seconds; s++) {
        int64_t t = T0 + s * STORE_NS;
        for (int series = 0; series < 50; series++) {
            char id[16];
            snprintf (id, sizeof id, "a%d", series);
            int size = s_random_frame (frame, sizeof frame, id, (int) s, 20, &seed);
            store_frame_sample (fast.writer, id, t, frame, (size_t) size, t);
        }
        CHECK (store_writer_commit (fast.writer, t));
        int64_t bytes = s_disk_bytes ();
        if (bytes > largest)
            largest = bytes;
        written += 50 * 22;
    }
    printf ("cap %lld bytes: largest file + WAL %lld bytes (%.1f %%), %lld points written\n",
            (long long) cap, (long long) largest, 100.0 * (double) largest / (double) cap,
            (long long) written);
    CHECKF (largest <= cap * 11 / 10, "file + WAL reached %lld bytes", (long long) largest);
    //  Far more than the cap went in: old raw data went, the newest is there.
    sqlite3 *db = store_writer_db (fast.writer);
    int64_t oldest = s_sql_int (db, "SELECT min(t0) FROM chunk WHERE tier = 0");
    int64_t newest = s_sql_int (db, "SELECT max(t1) FROM chunk WHERE tier = 0");
    CHECKF (oldest > T0 + 60 * STORE_NS, "oldest raw point at %lld s",
            (long long) ((oldest - T0) / STORE_NS));
    CHECK (newest >= T0 + (seconds - 10) * STORE_NS);
    CHECK (s_sql_int (db,
                      "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") ==
           1);
    store_writer_destroy (&fast.writer, T0 + seconds * STORE_NS);
    s_cleanup ();
}

static bool
s_aside_exists (const char *content_prefix)
{
    DIR *dir = opendir (s_dir);
    CHECK (dir);
    struct dirent *entry;
    bool found = false;
    while ((entry = readdir (dir)))
        if (strstr (entry->d_name, "history.db.corrupt-") && !strstr (entry->d_name, "-wal")) {
            if (!content_prefix) {
                found = true;
                continue;
            }
            char path[800];
            snprintf (path, sizeof path, "%s/%s", s_dir, entry->d_name);
            FILE *file = fopen (path, "rb");
            char head[64] = {0};
            if (file) {
                size_t n = fread (head, 1, sizeof head - 1, file);
                head[n] = '\0';
                fclose (file);
            }
            found = found || strncmp (head, content_prefix, strlen (content_prefix)) == 0;
        }
    closedir (dir);
    return found;
}

//  A store that works after opening: it takes a sample and answers with it.
static void
s_check_usable (store_t *store)
{
    char frame[1024];
    int size = s_frame (frame, sizeof frame, "svc", 1, 3.25, 1);
    int64_t now = clock_wall_ns ();
    CHECK (store_frame_append (store, "svc@h:1", now - STORE_NS, frame, (size_t) size));
    CHECK (store_flush (store, 5000) && store_flush (store, 5000));
    store_query_t query = {.from = (double) (now / STORE_NS) - 60,
                           .to = (double) (now / STORE_NS) + 1,
                           .metrics = "cpu"};
    cJSON *root = s_query (store, &query);
    cJSON *line = s_line (root, "svc@h:1");
    CHECK (line && cJSON_GetArrayItem (cJSON_GetObjectItem (line, "cpu"), 0)->valuedouble == 3.25);
    cJSON_Delete (root);
}

static void
s_write_file (const char *path, const char *text)
{
    FILE *file = fopen (path, "wb");
    CHECK (file);
    fputs (text, file);
    fclose (file);
}

//  Not a store, another database, a truncated store, a corrupt schema: each
//  is renamed aside with one log line and a fresh store works.
static void
s_case_corrupt (void)
{
    s_setup ("corrupt");
    store_config_t config;
    store_config_defaults (&config, s_path);
    config.seal_s = 1;

    //  1. Not a database.
    s_write_file (s_path, "hello, this is not a database\n");
    store_t *store = store_new (&config);
    CHECK (store);
    CHECK (s_aside_exists ("hello, this"));
    CHECK (s_log_count ("not a SQLite database; renamed it to") == 1);
    s_check_usable (store);
    store_destroy (&store);
    CHECK (system ("true") == 0);

    //  2. Another SQLite database.
    char command[1200];
    snprintf (command, sizeof command, "rm -f '%s'/history.db*", s_dir);
    CHECK (system (command) == 0);
    sqlite3 *db;
    CHECK (sqlite3_open (s_path, &db) == SQLITE_OK);
    CHECK (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL) ==
           SQLITE_OK);
    sqlite3_close (db);
    store = store_new (&config);
    CHECK (store);
    CHECK (s_log_count ("not a zapm store; renamed it to") == 1);
    s_check_usable (store);
    store_destroy (&store);

    //  3. A real store, truncated to half (with some data in it first).
    snprintf (command, sizeof command, "rm -f '%s'/history.db*", s_dir);
    CHECK (system (command) == 0);
    store = store_new (&config);
    CHECK (store);
    char frame[1024];
    int size = s_frame (frame, sizeof frame, "svc", 1, 1, 1);
    int64_t now = clock_wall_ns ();
    for (int i = 0; i < 400; i++) {
        char id[32];
        snprintf (id, sizeof id, "svc%d@h:1", i);
        CHECK (store_frame_append (store, id, now - STORE_NS, frame, (size_t) size));
    }
    CHECK (store_flush (store, 5000) && store_flush (store, 5000));
    store_destroy (&store);
    struct stat info;
    CHECK (stat (s_path, &info) == 0 && info.st_size > 16384);
    CHECK (truncate (s_path, info.st_size / 2) == 0);
    store = store_new (&config);
    CHECK (store);
    CHECK (s_log_count ("truncated; renamed it to") == 1);
    s_check_usable (store);
    store_destroy (&store);

    //  4. A store whose schema page is garbage.
    snprintf (command, sizeof command, "rm -f '%s'/history.db*", s_dir);
    CHECK (system (command) == 0);
    store = store_new (&config);
    CHECK (store);
    store_destroy (&store);
    int fd = open (s_path, O_WRONLY);
    CHECK (fd >= 0);
    char garbage[3000];
    memset (garbage, 0xa5, sizeof garbage);
    CHECK (pwrite (fd, garbage, sizeof garbage, 100) == (ssize_t) sizeof garbage);
    close (fd);
    store = store_new (&config);
    CHECK (store);
    CHECK (s_log_count ("renamed it to") == 4);
    s_check_usable (store);
    store_destroy (&store);
    s_cleanup ();
}

//  Runs `sql` on the store's file with its own connection.
static void
s_sql_exec (const char *sql)
{
    sqlite3 *db;
    CHECK (sqlite3_open (s_path, &db) == SQLITE_OK);
    CHECKF (sqlite3_exec (db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
            sqlite3_errmsg (db));
    sqlite3_close (db);
}

//  Damaged rows that the writer reads at every start (a head entry's series
//  id of 2^64 - 1, series ids below 1 and far too large) are skipped with a
//  line: the writer opens, the sound rows are replayed, writing goes on.
static void
s_case_damaged (void)
{
    s_fast_t fast;
    //  seal_s 1000: series `id` seals at commit `id` (its phase), then not
    //  before commit 1000 + id unless it is full or told.
    s_fast_config (&fast, "damaged", 1000);
    s_fast_open (&fast, T0);
    char frame[1024];
    int size = s_frame (frame, sizeof frame, "svc", 1, 1, 1);
    for (int i = 0; i < 5; i++)
        for (int pid = 1; pid <= 3; pid++) {
            char id[32];
            snprintf (id, sizeof id, "svc@h:%d", pid);
            store_frame_sample (fast.writer, id, T0 + i * STORE_NS, frame, (size_t) size,
                                T0 + i * STORE_NS);
        }
    //  Commit 1 seals series 1 (its phase); series 2 and 3 stay in the head.
    CHECK (store_writer_commit (fast.writer, T0 + 5 * STORE_NS));
    store_writer_destroy (&fast.writer, 0); //  as a crash: no seal
    CHECK (s_log_count ("skipped") == 0);
    //  The head row's first entry is series 1's: its id becomes 2^64 - 1.
    s_sql_exec ("UPDATE head SET data = X'FFFFFFFFFFFFFFFFFF01' || substr (data, 2)");
    s_sql_exec ("INSERT INTO series (id, key, service, first_ns, last_ns) VALUES"
                " (-5, 'neg', 'neg', 0, 0), (4611686018427387904, 'huge', 'huge', 0, 0)");
    s_fast_open (&fast, T0 + 6 * STORE_NS);
    CHECK (s_log_count ("skipped 2 damaged rows of the series and metric tables") == 1);
    CHECK (s_log_count ("skipped 1 head entries of an unknown series id") == 1);
    //  Series 2 and 3 got their points back from the head.
    store_writer_seal_all (fast.writer);
    CHECK (store_writer_commit (fast.writer, T0 + 6 * STORE_NS));
    sqlite3 *db = store_writer_db (fast.writer);
    CHECK (s_sql_int (db, "SELECT count(*) FROM chunk WHERE tier = 0 AND series IN (2, 3)"
                          " AND rows = 5") == 2);
    //  And writing goes on.
    int64_t written = fast.counters.samples_written;
    store_frame_sample (fast.writer, "svc@h:2", T0 + 6 * STORE_NS, frame, (size_t) size,
                        T0 + 6 * STORE_NS);
    CHECK (store_writer_commit (fast.writer, T0 + 7 * STORE_NS));
    CHECK (fast.counters.samples_written == written + 1 && fast.counters.write_errors == 0);
    store_writer_destroy (&fast.writer, T0 + 7 * STORE_NS);
    s_cleanup ();
}

//  A seal whose INSERT fails (a trigger makes it fail here) loses no chunk:
//  the interval fails as a whole, its chunk stays with its head rows, and the
//  points are sealed once the INSERT works again. Before, the chunk was
//  dropped and the next commit deleted the head rows that held it.
static void
s_case_sealfail (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "sealfail", 1000);
    s_fast_open (&fast, T0);
    char frame[1024];
    int size = s_frame (frame, sizeof frame, "svc", 1, 1, 1);
    store_frame_sample (fast.writer, "svc@h:1", T0, frame, (size_t) size, T0);
    CHECK (store_writer_commit (fast.writer, T0)); //  commit 1 seals series 1 (its phase)
    for (int i = 1; i <= 5; i++)
        store_frame_sample (fast.writer, "svc@h:1", T0 + i * STORE_NS, frame, (size_t) size,
                            T0 + i * STORE_NS);
    CHECK (store_writer_commit (fast.writer, T0 + 5 * STORE_NS)); //  5 points in the head
    sqlite3 *db = store_writer_db (fast.writer);
    CHECK (store_db_exec (db, "CREATE TRIGGER chunk_fail BEFORE INSERT ON chunk"
                              " BEGIN SELECT RAISE (ABORT, 'no chunk'); END") == SQLITE_OK);
    //  A raw chunk's span later: this sample seals the open chunk first.
    int64_t late = T0 + store_tier_span_ns[STORE_TIER_RAW] + 2 * STORE_NS;
    store_frame_sample (fast.writer, "svc@h:1", late, frame, (size_t) size, late);
    CHECK (!store_writer_commit (fast.writer, late));
    CHECK (fast.counters.write_errors == 1);
    CHECK (store_db_exec (db, "DROP TRIGGER IF EXISTS chunk_fail") == SQLITE_OK);
    store_writer_seal_all (fast.writer);
    CHECK (store_writer_commit (fast.writer, late + STORE_NS));
    char sql[160];
    snprintf (sql, sizeof sql,
              "SELECT count(*) FROM chunk WHERE tier = 0 AND t0 = %lld AND rows = 5",
              (long long) (T0 + STORE_NS));
    CHECK (s_sql_int (db, sql) == 1);
    CHECK (s_sql_int (db, "SELECT sum(rows) FROM chunk WHERE tier = 0") == 6);
    store_writer_destroy (&fast.writer, late + STORE_NS);
    s_cleanup ();
}

//  A path that cannot be a file: NULL and a clear line.
static void
s_case_unwritable (void)
{
    s_setup ("unwritable");
    store_config_t config;
    char path[600];
    snprintf (path, sizeof path, "%s/file", s_dir);
    s_write_file (path, "x");
    snprintf (path, sizeof path, "%s/file/history.db", s_dir);
    store_config_defaults (&config, path);
    CHECK (!store_new (&config));
    CHECK (s_log_count ("store: cannot use") == 1);
    store_config_defaults (&config, s_dir); //  a directory
    CHECK (!store_new (&config));
    CHECK (s_log_count ("not a regular file") == 1);
    s_cleanup ();
}

//  Write errors (a file size limit): counted, logged once a minute at most,
//  and writing resumes by itself when the limit goes.
static void
s_case_fsize (void)
{
    s_setup ("fsize");
    signal (SIGXFSZ, SIG_IGN);
    store_config_t config;
    store_config_defaults (&config, s_path);
    config.seal_s = 1;
    store_t *store = store_new (&config);
    CHECK (store);
    CHECK (store_flush (store, 5000));
    struct rlimit old;
    CHECK (getrlimit (RLIMIT_FSIZE, &old) == 0);
    struct rlimit tight = {256 * 1024, old.rlim_max};
    CHECK (setrlimit (RLIMIT_FSIZE, &tight) == 0);
    char frame[4096];
    uint64_t seed = 3;
    int64_t start = clock_wall_ns () - 100 * STORE_NS;
    int64_t i = 0;
    store_stats_t stats = {0};
    //  Until errors have happened for a while (bounded: 20 s).
    for (int round = 0; round < 200 && stats.write_errors < 3; round++) {
        for (int k = 0; k < 50; k++, i++) {
            int size = s_random_frame (frame, sizeof frame, "a", 1, 40, &seed);
            store_frame_append (store, "a", start + i * 1000000, frame, (size_t) size);
        }
        store_flush (store, 5000);
        store_stats (store, &stats);
    }
    CHECKF (stats.write_errors >= 3, "%lld errors", (long long) stats.write_errors);
    int64_t written = stats.samples_written;
    CHECK (s_log_count ("writing history failed") == 1); //  once a minute at most
    CHECK (setrlimit (RLIMIT_FSIZE, &old) == 0);
    //  Writing resumes by itself.
    for (int round = 0; round < 5; round++) {
        for (int k = 0; k < 50; k++, i++)
            store_frame_append (store, "a", start + i * 1000000, frame, strlen (frame));
        CHECK (store_flush (store, 5000));
    }
    store_stats_t after;
    store_stats (store, &after);
    CHECKF (after.samples_written >= written + 200, "%lld then %lld", (long long) written,
            (long long) after.samples_written);
    CHECK (after.write_errors <= stats.write_errors + 1);
    store_destroy (&store);
    //  And the file is sound.
    sqlite3 *db;
    CHECK (sqlite3_open (s_path, &db) == SQLITE_OK);
    CHECK (s_sql_int (db,
                      "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") ==
           1);
    CHECK (s_sql_int (db, "SELECT count(*) FROM chunk") > 0);
    sqlite3_close (db);
    s_cleanup ();
}

//  The seam with memory on a service line: two pids sealed at different
//  times (seals are staggered by series), memory holding the newest points of
//  both. Every second must hold both pids' points, once each: cpu 10 and 30,
//  so a bucket's mean is 20, its min 10 and its max 30.
static void
s_case_seam (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "seam", 6); //  a seal every 6 commits (60 s), one commit apart
    s_fast_open (&fast, T0);
    char frame[1024];
    int64_t seconds = 300, end = T0 + seconds * STORE_NS;
    for (int64_t i = 0; i < seconds; i++) {
        int64_t t = T0 + i * STORE_NS;
        for (int pid = 1; pid <= 2; pid++) {
            char id[32];
            snprintf (id, sizeof id, "svc@h:%d", pid);
            int size = s_frame (frame, sizeof frame, "svc", pid, pid == 1 ? 10 : 30, 100);
            store_frame_sample (fast.writer, id, t, frame, (size_t) size, t);
        }
        if (i % 10 == 9)
            CHECK (store_writer_commit (fast.writer, t));
    }
    //  The two seals differ (else this case tests nothing).
    sqlite3 *db = store_writer_db (fast.writer);
    int64_t sealed[2] = {0};
    sqlite3_stmt *stmt = store_db_prepare (db, "SELECT last_ns FROM series ORDER BY key");
    for (int k = 0; k < 2 && stmt && sqlite3_step (stmt) == SQLITE_ROW; k++)
        sealed[k] = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    CHECKF (sealed[0] && sealed[1] && sealed[0] != sealed[1] && sealed[0] < end && sealed[1] < end,
            "sealed at %lld and %lld s", (long long) ((sealed[0] - T0) / STORE_NS),
            (long long) ((sealed[1] - T0) / STORE_NS));
    //  Memory: the last 120 s of both, as the loop's ring would hand them.
    store_memory_t *memory = store_memory_new ();
    const char *names[] = {"cpu"};
    for (int pid = 1; pid <= 2; pid++) {
        char id[32];
        snprintf (id, sizeof id, "svc@h:%d", pid);
        CHECK (store_memory_series (memory, id, "svc@h", "svc", "h", pid, "red", names, 1));
        for (int64_t t = end - 120 * STORE_NS; t < end; t += STORE_NS)
            CHECK (store_memory_point (memory, t, (float[]){pid == 1 ? 10.0f : 30.0f}));
    }
    store_query_t query = {.from = (double) (T0 / STORE_NS),
                           .to = (double) (end / STORE_NS),
                           .points = (int) seconds,
                           .group = STORE_GROUP_SERVICE,
                           .memory = memory};
    char *json = s_fast_query (&fast, &query, end);
    cJSON *root = cJSON_Parse (json);
    CHECK (root);
    cJSON *line = s_line (root, "svc@h");
    CHECK (line && cJSON_GetArraySize (cJSON_GetObjectItem (line, "pids")) == 2);
    cJSON *mean = s_stat (line, "cpu", "mean"), *min = s_stat (line, "cpu", "min");
    cJSON *max = s_stat (line, "cpu", "max");
    CHECKF (cJSON_GetArraySize (mean) == seconds, "%d buckets", cJSON_GetArraySize (mean));
    for (int b = 0; b < cJSON_GetArraySize (mean); b++) {
        double m = cJSON_GetArrayItem (mean, b)->valuedouble;
        CHECKF (m == 20 && cJSON_GetArrayItem (min, b)->valuedouble == 10 &&
                    cJSON_GetArrayItem (max, b)->valuedouble == 30,
                "second %d: mean %g", b, m);
    }
    cJSON_Delete (root);
    free (json);
    store_memory_destroy (&memory);
    store_writer_destroy (&fast.writer, end);
    s_cleanup ();
}

//  Tier choice by what the tiers hold: with raw trimmed (as the size cap
//  does) to the last 2 hours, a 6-hour window that raw's retention covers
//  reads the 1-minute rollups, which hold all of it, instead of showing a
//  4-hour hole.
static void
s_case_held (void)
{
    s_setup ("held");
    s_fast_t fast;
    int64_t hours = 8;
    int64_t now = s_fast_rolled (&fast, hours, INT64_MAX);
    int64_t end = T0 + hours * 3600 * STORE_NS;
    sqlite3 *db = store_writer_db (fast.writer);
    int64_t cut = end - 2 * 3600 * STORE_NS;
    sqlite3_stmt *stmt = store_db_prepare (db, "DELETE FROM chunk WHERE tier = 0 AND t0 < ?");
    CHECK (stmt);
    sqlite3_bind_int64 (stmt, 1, cut);
    CHECK (sqlite3_step (stmt) == SQLITE_DONE && sqlite3_changes (db) > 0);
    sqlite3_finalize (stmt);

    int64_t from = end - 6 * 3600 * STORE_NS;
    store_query_t query = {.from = (double) (from / STORE_NS),
                           .to = (double) (end / STORE_NS),
                           .points = 800,
                           .group = STORE_GROUP_SERIES};
    CHECK (store_query_tier (fast.config.retention_s, now, from, end, 800) == STORE_TIER_RAW);
    char *json = s_fast_query (&fast, &query, now);
    cJSON *root = cJSON_Parse (json);
    CHECK (root);
    CHECKF (strcmp (cJSON_GetObjectItem (root, "tier")->valuestring, "1m") == 0, "tier %s",
            cJSON_GetObjectItem (root, "tier")->valuestring);
    cJSON *line = s_line (root, "svc@h:1");
    CHECK (line);
    //  A 1-minute rollup every minute of the 6 hours, none before the cut missing.
    cJSON *t = cJSON_GetObjectItem (line, "t"), *mem = s_stat (line, "mem", "mean");
    CHECKF (cJSON_GetArraySize (t) == 6 * 60, "%d buckets", cJSON_GetArraySize (t));
    CHECK (cJSON_GetArraySize (t) > 0 &&
           cJSON_GetArrayItem (t, 0)->valuedouble < (double) (from / STORE_NS) + 60);
    for (int b = 0; b < cJSON_GetArraySize (mem); b++)
        CHECK (cJSON_GetArrayItem (mem, b)->valuedouble == 100);
    cJSON_Delete (root);
    free (json);
    store_writer_destroy (&fast.writer, now);
    s_cleanup ();
}

//  One sample of a new identity `agent`@h:`pid` at `t`, with `customs` custom
//  metrics named c<first>..; committed.
static void
s_fast_identity (s_fast_t *fast, const char *agent, int pid, int64_t t, int first, int customs)
{
    char frame[4096], id[96];
    int n = snprintf (
        frame, sizeof frame,
        "{\"agent\":\"%s\",\"host\":\"h\",\"pid\":%d,\"cpu\":1,\"mem\":2,\"custom\":{", agent, pid);
    for (int k = 0; k < customs; k++)
        n += snprintf (frame + n, sizeof frame - (size_t) n, "%s\"c%d\":%d", k ? "," : "",
                       first + k, k);
    n += snprintf (frame + n, sizeof frame - (size_t) n, "}}");
    snprintf (id, sizeof id, "%s@h:%d", agent, pid);
    store_frame_sample (fast->writer, id, t, frame, (size_t) n, t);
    CHECK (store_writer_commit (fast->writer, t));
}

//  The limits on the series and metric tables: new identities and names past
//  them are refused, counted and logged with the top offender; series that
//  retention has emptied are forgotten (rows and memory), which makes room.
static void
s_case_limits (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "limits", 6);
    fast.config.max_series = 5;
    fast.config.max_metrics = 8; //  cpu, mem, then six custom names
    fast.config.retention_s[STORE_TIER_RAW] = 600;
    fast.config.retention_s[STORE_TIER_MINUTE] = 1800;
    fast.config.retention_s[STORE_TIER_HOUR] = 7200;
    s_fast_open (&fast, T0);
    sqlite3 *db = store_writer_db (fast.writer);
    char agent[32];
    //  20 identities, one sample each (the churn of a publisher inventing them).
    for (int i = 0; i < 20; i++) {
        snprintf (agent, sizeof agent, "churn%d", i);
        s_fast_identity (&fast, agent, 1000 + i, T0 + i * STORE_NS, 0, 0);
    }
    CHECKF (s_sql_int (db, "SELECT count(*) FROM series") == 5, "%lld series rows",
            (long long) s_sql_int (db, "SELECT count(*) FROM series"));
    CHECKF (atomic_load (&fast.counters.series_refused) == 15, "%lld refused",
            (long long) atomic_load (&fast.counters.series_refused));
    CHECK (atomic_load (&fast.counters.series) == 5);
    //  A new custom name in every sample of one series: six fit, then refused.
    for (int i = 0; i < 10; i++)
        s_fast_identity (&fast, "churn0", 1000, T0 + (30 + i) * STORE_NS, i, 1);
    CHECKF (s_sql_int (db, "SELECT count(*) FROM metric") == 8, "%lld metric rows",
            (long long) s_sql_int (db, "SELECT count(*) FROM metric"));
    CHECKF (atomic_load (&fast.counters.metrics_refused) == 4, "%lld names refused",
            (long long) atomic_load (&fast.counters.metrics_refused));
    CHECK (atomic_load (&fast.counters.metrics) == 8);
    //  Logged once (a minute had not passed), naming the host that sent most.
    CHECKF (s_log_count ("new series refused") == 1, "%d lines",
            s_log_count ("new series refused"));
    CHECK (s_log_count ("most from 'h'") == 1);
    CHECK (atomic_load (&fast.counters.series_forgotten) == 0);
    //  Three days on, every tier's retention has taken their points: the rows
    //  go, and new identities are taken again.
    int64_t now = T0 + 3 * 86400 * STORE_NS;
    store_writer_seal_all (fast.writer);
    CHECK (store_writer_commit (fast.writer, now));
    store_writer_rollup_all (fast.writer, now);
    for (int i = 0; i < 20; i++)
        CHECK (store_writer_commit (fast.writer, now + i * STORE_NS));
    CHECKF (s_sql_int (db, "SELECT count(*) FROM chunk") == 0, "%lld chunks left",
            (long long) s_sql_int (db, "SELECT count(*) FROM chunk"));
    CHECKF (s_sql_int (db, "SELECT count(*) FROM series") == 0, "%lld series rows",
            (long long) s_sql_int (db, "SELECT count(*) FROM series"));
    CHECK (atomic_load (&fast.counters.series_forgotten) == 5);
    CHECK (atomic_load (&fast.counters.series) == 0);
    now += 30 * STORE_NS;
    for (int i = 0; i < 5; i++) {
        snprintf (agent, sizeof agent, "fresh%d", i);
        s_fast_identity (&fast, agent, 1, now + i * STORE_NS, 0, 0);
    }
    CHECK (s_sql_int (db, "SELECT count(*) FROM series") == 5);
    CHECK (atomic_load (&fast.counters.series_refused) == 15);
    //  A forgotten identity comes back as a new series, and its points are kept.
    store_writer_destroy (&fast.writer, now + 10 * STORE_NS);
    s_fast_open (&fast, now + 10 * STORE_NS);
    CHECK (atomic_load (&fast.counters.series_refused) == 0);
    s_fast_identity (&fast, "fresh0", 1, now + 11 * STORE_NS, 0, 0);
    s_fast_identity (&fast, "late", 1, now + 12 * STORE_NS, 0, 0);
    CHECK (atomic_load (&fast.counters.series_refused) == 1);
    store_writer_destroy (&fast.writer, now + 20 * STORE_NS);
    s_cleanup ();
}

//  One sample of layout `layout` (defined by the caller) from agent `agent`.
static void
s_fast_layout_sample (s_fast_t *fast, const char *agent, uint32_t layout, uint32_t count, int64_t t)
{
    char id[64];
    snprintf (id, sizeof id, "%s@h:1", agent);
    store_ids_t ids = {agent, "h", "", 1};
    double values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    store_writer_sample (fast->writer, id, &ids, t, layout, values, count, t, t);
}

//  Past max_metrics every point of a refused name is counted, in every
//  sample of a layout (resolved once) and from every series that sends it;
//  a series refused at max_series adds no metric rows.
static void
s_case_limits_points (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "limits_points", 6);
    fast.config.max_series = 2;
    fast.config.max_metrics = 3;
    s_fast_open (&fast, T0);
    sqlite3 *db = store_writer_db (fast.writer);
    static const char paths[] = "cpu\0mem\0c_a\0c_b\0c_c";
    CHECK (store_writer_layout (fast.writer, 7, paths, sizeof paths, 5));
    for (int i = 0; i < 3; i++) {
        s_fast_layout_sample (&fast, "one", 7, 5, T0 + i * STORE_NS);
        s_fast_layout_sample (&fast, "two", 7, 5, T0 + i * STORE_NS);
        CHECK (store_writer_commit (fast.writer, T0 + i * STORE_NS));
    }
    //  c_b and c_c refused: 2 points a sample, 6 samples.
    CHECKF (atomic_load (&fast.counters.metrics_refused) == 12, "%lld points refused",
            (long long) atomic_load (&fast.counters.metrics_refused));
    CHECK (s_sql_int (db, "SELECT count(*) FROM metric") == 3);
    CHECKF (atomic_load (&fast.counters.points_written) == 18, "%lld points written",
            (long long) atomic_load (&fast.counters.points_written));
    //  A third identity is refused before its new names would add rows.
    static const char other[] = "cpu\0x.new";
    CHECK (store_writer_layout (fast.writer, 8, other, sizeof other, 2));
    s_fast_layout_sample (&fast, "three", 8, 2, T0 + 5 * STORE_NS);
    CHECK (atomic_load (&fast.counters.series_refused) == 1);
    CHECK (s_sql_int (db, "SELECT count(*) FROM metric WHERE name = 'x.new'") == 0);
    CHECK (atomic_load (&fast.counters.metrics_refused) == 12);
    CHECK (s_log_count ("points of new metric names refused") == 1);
    store_writer_destroy (&fast.writer, T0 + 10 * STORE_NS);
    s_cleanup ();
}

//  A fleet that restarts daily (a new pid: a new identity every day) is
//  never refused: the limit holds the series seen lately, and yesterday's
//  leave memory while their rows and points stay.
static void
s_case_limits_fleet (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "limits_fleet", 6);
    fast.config.max_series = 20; //  the fleet is 15
    s_fast_open (&fast, T0);
    sqlite3 *db = store_writer_db (fast.writer);
    char agent[32];
    int64_t held_max = 0;
    for (int day = 0; day < 3; day++) {
        int64_t start = T0 + day * 86400 * STORE_NS;
        //  An hour of a sample a minute from each agent, then quiet.
        for (int minute = 0; minute < 60; minute++) {
            int64_t t = start + minute * 60 * STORE_NS;
            for (int a = 0; a < 15; a++) {
                snprintf (agent, sizeof agent, "agent%d", a);
                store_ids_t ids = {agent, "h", "", 100 * day + a};
                char id[64];
                snprintf (id, sizeof id, "%s@h:%d", agent, 100 * day + a);
                double values[2] = {1, 2};
                static const char paths[] = "cpu\0mem";
                CHECK (store_writer_layout (fast.writer, 1, paths, sizeof paths, 2));
                store_writer_sample (fast.writer, id, &ids, t, 1, values, 2, t, t);
            }
            for (int s = 0; s < 6; s++)
                CHECK (store_writer_commit (fast.writer, t + s * STORE_NS));
            int64_t held = atomic_load (&fast.counters.series_held);
            held_max = held > held_max ? held : held_max;
        }
        for (int64_t t = start + 3600 * STORE_NS; t < start + 86400 * STORE_NS; t += 600 * STORE_NS)
            CHECK (store_writer_commit (fast.writer, t));
    }
    CHECKF (atomic_load (&fast.counters.series_refused) == 0, "%lld refused",
            (long long) atomic_load (&fast.counters.series_refused));
    CHECKF (held_max <= 15, "%lld held at most", (long long) held_max);
    CHECK (atomic_load (&fast.counters.series_held) == 0);
    //  Every day's rows and points stay (the hour tier keeps them).
    CHECK (s_sql_int (db, "SELECT count(*) FROM series") == 45);
    CHECK (atomic_load (&fast.counters.series) == 45);
    CHECK (s_sql_int (db, "SELECT count(DISTINCT series) FROM chunk") == 45);
    //  A restart holds only the series seen lately; an old one comes back.
    int64_t now = T0 + 3 * 86400 * STORE_NS;
    store_writer_destroy (&fast.writer, now);
    s_fast_open (&fast, now + STORE_NS);
    CHECK (atomic_load (&fast.counters.series_refused) == 0);
    store_ids_t ids = {"agent0", "h", "", 200};
    double values[2] = {1, 2};
    static const char paths[] = "cpu\0mem";
    CHECK (store_writer_layout (fast.writer, 1, paths, sizeof paths, 2));
    store_writer_sample (fast.writer, "agent0@h:200", &ids, now + 2 * STORE_NS, 1, values, 2,
                         now + 2 * STORE_NS, now + 2 * STORE_NS);
    CHECK (store_writer_commit (fast.writer, now + 2 * STORE_NS));
    CHECK (atomic_load (&fast.counters.series_held) == 1);
    CHECK (s_sql_int (db = store_writer_db (fast.writer), "SELECT count(*) FROM series") == 45);
    store_writer_destroy (&fast.writer, now + 3 * STORE_NS);
    s_cleanup ();
}

//  Identities churn (10 new ones every half hour, each sending once) for
//  five days, with the shortest retention the day tier allows: the series
//  held, the rows and the ids all level off (freed ids are reused, so the
//  writer's tables and the id range follow the rows held, not the ids
//  ever given).
static void
s_case_limits_churn (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "limits_churn", 6);
    fast.config.max_series = 1000;
    fast.config.retention_s[STORE_TIER_RAW] = 600;
    fast.config.retention_s[STORE_TIER_MINUTE] = 3600;
    fast.config.retention_s[STORE_TIER_HOUR] = 3600;
    s_fast_open (&fast, T0);
    sqlite3 *db = store_writer_db (fast.writer);
    char agent[32], id[64];
    static const char paths[] = "cpu\0mem";
    double values[2] = {1, 2};
    int64_t rows_max = 0, held_max = 0, given = 0, rows_late = 0;
    for (int round = 0; round < 5 * 48; round++) {
        int64_t t = T0 + round * 1800 * STORE_NS;
        CHECK (store_writer_layout (fast.writer, 1, paths, sizeof paths, 2));
        for (int i = 0; i < 10; i++, given++) {
            snprintf (agent, sizeof agent, "churn%lld", (long long) given);
            snprintf (id, sizeof id, "%s@h:1", agent);
            store_ids_t ids = {agent, "h", "", 1};
            store_writer_sample (fast.writer, id, &ids, t, 1, values, 2, t, t);
        }
        //  A writer commits every second: its rollups keep up (here at once).
        for (int s = 0; s < 1800; s += 180) {
            CHECK (store_writer_commit (fast.writer, t + s * STORE_NS));
            store_writer_rollup_all (fast.writer, t + s * STORE_NS);
        }
        int64_t rows = s_sql_int (db, "SELECT count(*) FROM series");
        int64_t held = atomic_load (&fast.counters.series_held);
        rows_max = rows > rows_max ? rows : rows_max;
        held_max = held > held_max ? held : held_max;
        if (round >= 4 * 48)
            rows_late = rows > rows_late ? rows : rows_late;
    }
    int64_t max_id = s_sql_int (db, "SELECT max(id) FROM series");
    printf ("churn: %lld identities given, rows at most %lld (%lld on the last day), held at"
            " most %lld, max id %lld, %lld forgotten\n",
            (long long) given, (long long) rows_max, (long long) rows_late, (long long) held_max,
            (long long) max_id, (long long) atomic_load (&fast.counters.series_forgotten));
    CHECK (atomic_load (&fast.counters.series_refused) == 0);
    CHECKF (rows_max < given / 2, "%lld rows at most", (long long) rows_max);
    CHECKF (rows_late <= rows_max && rows_late > 0, "%lld rows on the last day",
            (long long) rows_late);
    CHECKF (held_max <= 3 * 10, "%lld held at most", (long long) held_max);
    CHECKF (max_id <= rows_max + 10, "max id %lld, rows at most %lld", (long long) max_id,
            (long long) rows_max);
    CHECK (atomic_load (&fast.counters.series_forgotten) >= given - rows_max);
    store_writer_destroy (&fast.writer, T0 + 5 * 86400 * STORE_NS);
    s_cleanup ();
}

//  One series' open chunk holds at most max_series_metrics metrics: the
//  points of further names are left out and counted; the head stays
//  readable (a restart replays it).
static void
s_case_series_metrics (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "series_metrics", 600);
    fast.config.max_series_metrics = 5;
    s_fast_open (&fast, T0);
    //  cpu, mem and 10 custom names: 7 points over, twice.
    s_fast_identity (&fast, "wide", 1, T0, 0, 10);
    s_fast_identity (&fast, "wide", 1, T0 + STORE_NS, 0, 10);
    CHECKF (atomic_load (&fast.counters.series_metrics_refused) == 14, "%lld refused",
            (long long) atomic_load (&fast.counters.series_metrics_refused));
    CHECK (atomic_load (&fast.counters.metrics_refused) == 0);
    CHECK (s_log_count ("points of metrics new to a series refused") == 1);
    //  Another series is not held back by the first one's columns.
    s_fast_identity (&fast, "narrow", 1, T0 + 2 * STORE_NS, 0, 3);
    CHECK (atomic_load (&fast.counters.series_metrics_refused) == 14);
    int64_t written = atomic_load (&fast.counters.points_written);
    CHECKF (written == 5 + 5 + 5, "%lld points written", (long long) written);
    //  A restart replays the head (nothing sealed yet): same points, no damage.
    store_writer_destroy (&fast.writer, 0);
    s_fast_open (&fast, T0 + 3 * STORE_NS);
    CHECK (s_log_count ("damaged") == 0 && s_log_count ("unknown series") == 0);
    store_writer_seal_all (fast.writer);
    CHECK (store_writer_commit (fast.writer, T0 + 4 * STORE_NS));
    sqlite3 *db = store_writer_db (fast.writer);
    CHECK (s_sql_int (db, "SELECT sum(rows) FROM chunk") == 3);
    store_writer_destroy (&fast.writer, T0 + 5 * STORE_NS);
    s_cleanup ();
}

//  What store_recall gave, point by point.
typedef struct {
    int count;
    char key[16][32];
    int64_t pid[16];
    int64_t t[16];
    double cpu[16], mem[16], sys_cpu[16], sys_mem[16], load1[16], queue[16];
    int customs[16];
} s_recalled_t;

static void
s_on_recalled (void *arg, const store_recall_point_t *point)
{
    s_recalled_t *got = arg;
    CHECK (got->count < 16);
    int i = got->count++;
    snprintf (got->key[i], sizeof got->key[i], "%s", point->who->key);
    got->pid[i] = point->who->pid;
    got->t[i] = point->time_ns;
    got->cpu[i] = point->charted[0];
    got->mem[i] = point->charted[1];
    got->sys_cpu[i] = point->charted[2];
    got->sys_mem[i] = point->charted[3];
    got->load1[i] = point->charted[4];
    got->customs[i] = point->customs;
    got->queue[i] = NAN;
    for (int c = 0; c < point->customs; c++)
        if (strcmp (point->custom_name[c], "queue") == 0)
            got->queue[i] = point->custom_value[c];
}

//  After a crash, store_recall gives each series' last points from its
//  chunks and from the head rows, in time order, each time once: series 1
//  sealed 5 points at commit 1 and series 2 its 5 at commit 2 (the head row
//  that holds them stays for series 3, in the head alone); series 1 has 3
//  more in the head.
static void
s_case_recall (void)
{
    s_fast_t fast;
    s_fast_config (&fast, "recall", 1000); //  series k seals at commit k, then not for long
    s_fast_open (&fast, T0);
    char frame[1024];
    for (int i = 0; i < 8; i++)
        for (int pid = 1; pid <= 3; pid++) {
            if (i >= 5 && pid > 1)
                continue;
            char id[32];
            snprintf (id, sizeof id, "svc@h:%d", pid);
            int size = s_frame (frame, sizeof frame, "svc", pid, i, 100 + pid);
            store_frame_sample (fast.writer, id, T0 + i * STORE_NS, frame, (size_t) size,
                                T0 + i * STORE_NS);
            if (i == 4 && pid == 3)
                CHECK (store_writer_commit (fast.writer, T0 + 5 * STORE_NS));
        }
    CHECK (store_writer_commit (fast.writer, T0 + 8 * STORE_NS));
    store_writer_destroy (&fast.writer, 0); //  as a crash: no seal
    sqlite3 *db;
    CHECK (sqlite3_open (s_path, &db) == SQLITE_OK);
    CHECK (s_sql_int (db, "SELECT count(*) FROM chunk WHERE tier = 0") == 2);
    CHECK (s_sql_int (db, "SELECT count(*) FROM head") == 2);
    sqlite3_close (db);

    //  The newest series only, its last 6 points: 3 of its chunk, 3 of the head.
    s_recalled_t got = {0};
    CHECK (store_recall (s_path, T0 - STORE_NS, 6, 1, s_on_recalled, &got) == 6);
    CHECKF (got.count == 6, "%d points", got.count);
    for (int i = 0; i < 6; i++) {
        CHECKF (strcmp (got.key[i], "svc@h:1") == 0 && got.pid[i] == 1, "%s", got.key[i]);
        CHECKF (got.t[i] == T0 + (i + 2) * STORE_NS && got.cpu[i] == i + 2, "point %d: %lld %g", i,
                (long long) ((got.t[i] - T0) / STORE_NS), got.cpu[i]);
        CHECK (got.mem[i] == 101 && got.sys_cpu[i] == 12.5 && got.sys_mem[i] == 40.5 &&
               got.load1[i] == 0.5);
        CHECK (got.customs[i] == 1 && got.queue[i] == 7);
    }

    //  Every series, 3 points each: series 1 from the head alone; the
    //  series whose newest point is oldest come first.
    memset (&got, 0, sizeof got);
    CHECK (store_recall (s_path, T0 - STORE_NS, 3, 10, s_on_recalled, &got) == 9);
    static const char *const keys[] = {"svc@h:2", "svc@h:3", "svc@h:1"};
    static const int firsts[] = {2, 2, 5};
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < 3; i++) {
            int at = s * 3 + i;
            CHECKF (strcmp (got.key[at], keys[s]) == 0, "point %d of %s", at, got.key[at]);
            CHECKF (got.t[at] == T0 + (firsts[s] + i) * STORE_NS && got.cpu[at] == firsts[s] + i,
                    "%s point %d at %lld", keys[s], i, (long long) ((got.t[at] - T0) / STORE_NS));
        }

    //  `since` bounds what is read: nothing of series 2 and 3 is that new.
    memset (&got, 0, sizeof got);
    CHECK (store_recall (s_path, T0 + 6 * STORE_NS, 100, 10, s_on_recalled, &got) == 2);
    CHECK (got.t[0] == T0 + 6 * STORE_NS && got.t[1] == T0 + 7 * STORE_NS);
    s_cleanup ();
}

int
main (int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run) (void);
    } cases[] = {{"roundtrip", s_case_roundtrip},
                 {"window", s_case_window},
                 {"tiers", s_case_tiers},
                 {"retention", s_case_retention},
                 {"cap", s_case_cap},
                 {"corrupt", s_case_corrupt},
                 {"unwritable", s_case_unwritable},
                 {"storm", s_case_storm},
                 {"wide", s_case_wide},
                 {"fsize", s_case_fsize},
                 {"seam", s_case_seam},
                 {"held", s_case_held},
                 {"damaged", s_case_damaged},
                 {"sealfail", s_case_sealfail},
                 {"truncated", s_case_truncated},
                 {"idle", s_case_idle},
                 {"limits", s_case_limits},
                 {"limits_points", s_case_limits_points},
                 {"limits_fleet", s_case_limits_fleet},
                 {"limits_churn", s_case_limits_churn},
                 {"series_metrics", s_case_series_metrics},
                 {"recall", s_case_recall}};
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp (argv[1], cases[i].name) == 0) {
            cases[i].run ();
            return CHECK_DONE ();
        }
    fprintf (stderr, "usage: test_store CASE\n");
    return 2;
}
