/*  bench_store.c: the store's figures (issue 11), printed one per line.

    bench_store write FRAMES DIR SERIES SECONDS
        The writer in fast time: SERIES series at 1 Hz for SECONDS simulated
        seconds, a commit per simulated second, as the writer thread does.
        Each series replays the real zapm-agent --system frames in FRAMES (one
        JSON object a line, recorded by run.sh), from its own offset, as the
        numbers the collector's loop hands over (validated once at load, each
        frame's layout defined once, as store_append does). Prints
        the writer's CPU per sample (this process is single-threaded, so its
        CPU time is the writer's) and the raw tier's bytes per numeric point.
    bench_store query FRAMES DIR
        Builds 100 series over 30 days (1 sample a minute, then 1 Hz for
        the last 26 hours), rolls up, and times the queries of the
        issue: 24 h of cpu and mem at 800 points, and 30 days.
    bench_store queries DB
        Only the queries, on a store that `query` built.
    bench_store append FRAMES DIR SAMPLES
        What the store adds to the loop: SAMPLES frames (10,000 series)
        validated alone (validate_sample), validated with the store's numbers
        (validate_sample_numbers), and that plus store_append into a real store
        (its writer thread draining meanwhile). Prints this thread's CPU per
        sample for each; under callgrind the functions' inclusive counts give
        the same in instructions.
    bench_store codec FRAMES
        The value code of store_chunk.c against Gorilla's XOR code (computed
        here, sizes only) on the same columns of FRAMES, in chunks of 60 rows:
        bytes per value, times not counted (they are shared by both).
    bench_store startup FRAMES DIR MIB
        Builds a store of MIB MiB (filler chunks plus real series), leaves a
        head of 60 s of 10,000 series as a crash would (a child process exits
        without closing), drops the file from the page cache, then times
        store_new and the first answer.
*/
#include "clock.h"
#include "store.h"
#include "store_chunk.h"
#include "store_db.h"
#include "store_frame.h"
#include "store_layouts.h"
#include "store_query.h"
#include "store_tiers.h"
#include "store_writer.h"
#include "sample.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

//  One frame as the loop hands it to the store.
typedef struct {
    char *json;          //  the frame as received
    size_t json_size;    //  its bytes
    double *values;      //  its numbers
    uint32_t count;      //  how many
    char *paths;         //  their paths, NUL-terminated, back to back
    uint32_t paths_size; //  bytes of paths
    uint32_t layout;     //  its layout id (store_layouts.h)
} s_frame_t;

typedef struct {
    s_frame_t *frames; //  the frames
    size_t count;      //  how many
    int numbers;       //  numeric points of the first frame that the store keeps
} s_frames_t;

static s_frames_t
s_load_frames (const char *path)
{
    s_frames_t frames = {0};
    FILE *file = fopen (path, "r");
    if (!file) {
        perror (path);
        exit (1);
    }
    static char line[70000];
    static store_numbers_t numbers;
    store_layouts_t *layouts = store_layouts_new ();
    size_t cap = 0;
    while (layouts && fgets (line, sizeof line, file)) {
        size_t size = strlen (line);
        while (size && (line[size - 1] == '\n' || line[size - 1] == '\r'))
            line[--size] = '\0';
        store_ids_t ids;
        if (!size || !store_frame_numbers (line, size, &ids, &numbers))
            continue;
        if (frames.count == cap) {
            cap = cap ? cap * 2 : 1024;
            frames.frames = realloc (frames.frames, cap * sizeof *frames.frames);
        }
        s_frame_t *frame = &frames.frames[frames.count++];
        frame->json = strdup (line);
        frame->json_size = size;
        frame->count = numbers.count;
        frame->values = malloc (numbers.count * sizeof (double) + 1);
        memcpy (frame->values, numbers.value, numbers.count * sizeof (double));
        frame->paths_size = numbers.paths_size;
        frame->paths = malloc (numbers.paths_size + 1);
        memcpy (frame->paths, numbers.paths, numbers.paths_size);
        uint64_t hash;
        frame->layout = store_layouts_find (layouts, numbers.paths, numbers.paths_size, &hash);
        if (!frame->layout)
            frame->layout = store_layouts_add (layouts, numbers.paths, numbers.paths_size, hash);
    }
    fclose (file);
    store_layouts_destroy (&layouts);
    if (!frames.count) {
        fprintf (stderr, "%s: no valid frames\n", path);
        exit (1);
    }
    frames.numbers = (int) frames.frames[0].count;
    return frames;
}

static double
s_cpu (void)
{
    return clock_seconds (CLOCK_PROCESS_CPUTIME_ID);
}

//  A writer on config->path that knows the layouts of `frames`.
static store_writer_t *
s_writer (const s_frames_t *frames, const store_config_t *config, store_counters_t *counters,
          int64_t now)
{
    sqlite3 *db = store_db_open_writer (config->path, 16 * 1024 * 1024);
    if (!db)
        exit (1);
    store_writer_t *writer = store_writer_new (db, config, counters, now);
    if (!writer)
        exit (1);
    for (size_t i = 0; i < frames->count; i++) {
        const s_frame_t *frame = &frames->frames[i];
        if (!store_writer_layout (writer, frame->layout, frame->paths, frame->paths_size,
                                  frame->count))
            exit (1);
    }
    return writer;
}

static int64_t
s_sql_int (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;
    if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW)
        value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return value;
}

//  Feeds `series` series (ids "svcN@bench:N") from `first` to `last`
//  (seconds, exclusive) every `interval` s, committing every `commit` s.
static void
s_feed (store_writer_t *writer, const s_frames_t *frames, int series, int64_t start,
        int64_t seconds, int interval, int commit, uint64_t *seed)
{
    //  The identities are made once: the loop hands the writer a string it has.
    char (*ids)[32] = malloc ((size_t) series * sizeof *ids);
    char (*agents)[16] = malloc ((size_t) series * sizeof *agents);
    if (!ids || !agents)
        exit (1);
    for (int k = 0; k < series; k++) {
        snprintf (ids[k], sizeof ids[k], "svc%d@bench:%d", k, 1000 + k);
        snprintf (agents[k], sizeof agents[k], "svc%d", k);
    }
    for (int64_t s = 0; s < seconds; s += interval) {
        int64_t base = start + s * STORE_NS;
        for (int k = 0; k < series; k++) {
            const char *id = ids[k];
            *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
            int64_t jitter = (int64_t) (*seed >> 40) % 2000000; //  up to 2 ms late
            const s_frame_t *frame =
                &frames->frames[(size_t) (s / interval + k * 7) % frames->count];
            store_ids_t who = {agents[k], "bench", NULL, 1000 + k};
            store_writer_sample (writer, id, &who, base + jitter, frame->layout, frame->values,
                                 frame->count, base, base);
        }
        if ((s / interval) % (commit / interval > 0 ? commit / interval : 1) == 0)
            store_writer_commit (writer, base);
    }
    free (agents);
    free (ids);
}

static int
s_write (const s_frames_t *frames, const char *dir, int series, int64_t seconds)
{
    char path[600];
    snprintf (path, sizeof path, "%s/write.db", dir);
    unlink (path);
    store_config_t config;
    store_config_defaults (&config, path);
    store_counters_t counters = {0};
    int64_t start = clock_wall_ns () / STORE_NS * STORE_NS;
    store_writer_t *writer = s_writer (frames, &config, &counters, start);
    uint64_t seed = 1;
    //  A first minute creates the series and warms up; then the measured run.
    s_feed (writer, frames, series, start, 60, 1, 1, &seed);
    double cpu = s_cpu (), wall = clock_seconds (CLOCK_MONOTONIC);
    int64_t points = atomic_load (&counters.points_written);
    s_feed (writer, frames, series, start + 60 * STORE_NS, seconds, 1, 1, &seed);
    cpu = s_cpu () - cpu;
    wall = clock_seconds (CLOCK_MONOTONIC) - wall;
    int64_t samples = (int64_t) series * seconds;
    printf ("write: %d series x 1 Hz, %lld simulated s, %d numbers a sample\n", series,
            (long long) seconds, frames->numbers);
    printf ("write: writer CPU %.3f s for %lld samples: %.2f us per sample (wall %.1f s)\n", cpu,
            (long long) samples, cpu * 1e6 / (double) samples, wall);
    store_writer_seal_all (writer);
    store_writer_commit (writer, start + (60 + seconds) * STORE_NS);
    points = atomic_load (&counters.points_written);
    sqlite3 *db = store_writer_db (writer);
    int64_t blob = s_sql_int (db, "SELECT sum(length(data)) FROM chunk WHERE tier = 0");
    int64_t rows = s_sql_int (db, "SELECT count(*) FROM chunk WHERE tier = 0");
    int64_t pages = s_sql_int (db, "SELECT sum(pgsize) FROM dbstat WHERE name IN"
                                   " ('chunk', 'chunk_series', 'chunk_age')");
    printf ("write: raw tier %lld chunks, %lld blob bytes for %lld points: %.3f bytes per point\n",
            (long long) rows, (long long) blob, (long long) points,
            (double) blob / (double) points);
    if (pages > 0)
        printf ("write: chunk table and its indexes on disk (dbstat): %lld bytes: %.3f bytes per"
                " point\n",
                (long long) pages, (double) pages / (double) points);
    store_writer_destroy (&writer, start + (60 + seconds) * STORE_NS);
    return 0;
}

static double
s_time_query (const char *path, const store_query_t *query, int64_t now, size_t *size)
{
    sqlite3 *reader = store_db_open_reader (path);
    int64_t retention[STORE_TIERS] = {STORE_RAW_RETENTION_DEFAULT, STORE_MINUTE_RETENTION_DEFAULT,
                                      STORE_HOUR_RETENTION_DEFAULT};
    double best = 1e9, worst = 0;
    for (int i = 0; i < 6; i++) {
        double t = clock_seconds (CLOCK_MONOTONIC);
        char *json = store_query_run (reader, query, retention, now, size);
        t = clock_seconds (CLOCK_MONOTONIC) - t;
        if (!json)
            exit (1);
        //  BENCH_STORE_DUMP=PREFIX keeps each answer, to compare two builds.
        const char *dump = getenv ("BENCH_STORE_DUMP");
        if (dump && i == 0) {
            static int serial;
            char name[600];
            snprintf (name, sizeof name, "%s.%d.json", dump, serial++);
            FILE *file = fopen (name, "w");
            if (file) {
                fwrite (json, 1, *size, file);
                fclose (file);
            }
        }
        free (json);
        if (i == 0)
            continue; //  the first run warms the page cache
        best = t < best ? t : best;
        worst = t > worst ? t : worst;
    }
    sqlite3_close (reader);
    printf ("          best %.1f ms, worst %.1f ms of 5 (after one warm-up), answer %zu bytes\n",
            best * 1e3, worst * 1e3, *size);
    return best;
}

static int s_queries (const char *path, int64_t now);

static int
s_query (const s_frames_t *frames, const char *dir)
{
    char path[600];
    snprintf (path, sizeof path, "%s/query.db", dir);
    unlink (path);
    store_config_t config;
    store_config_defaults (&config, path);
    store_counters_t counters = {0};
    int64_t now = clock_wall_ns () / 3600 / STORE_NS * 3600 * STORE_NS;
    int64_t start = now - 30 * 86400 * STORE_NS;
    store_writer_t *writer = s_writer (frames, &config, &counters, start);
    uint64_t seed = 2;
    double t = clock_seconds (CLOCK_MONOTONIC);
    int64_t fine = 26 * 3600; //  the last 26 h at 1 Hz: the 24 h window is all real rate
    s_feed (writer, frames, 100, start, 30 * 86400 - fine, 60, 60, &seed);
    s_feed (writer, frames, 100, now - fine * STORE_NS, fine, 1, 10, &seed);
    store_writer_seal_all (writer);
    store_writer_commit (writer, now);
    store_writer_rollup_all (writer, now);
    sqlite3 *db = store_writer_db (writer);
    printf ("query: built 100 series x 30 days in %.0f s: %lld raw, %lld 1m, %lld 1h chunks, "
            "%lld MiB\n",
            clock_seconds (CLOCK_MONOTONIC) - t,
            (long long) s_sql_int (db, "SELECT count(*) FROM chunk WHERE tier = 0"),
            (long long) s_sql_int (db, "SELECT count(*) FROM chunk WHERE tier = 1"),
            (long long) s_sql_int (db, "SELECT count(*) FROM chunk WHERE tier = 2"),
            (long long) (s_sql_int (db, "SELECT page_count * page_size FROM pragma_page_count,"
                                        " pragma_page_size") >>
                         20));
    store_writer_destroy (&writer, now);
    return s_queries (path, now);
}

//  The queries on the store at `path`, whose data ends at `now`.
static int
s_queries (const char *path, int64_t now)
{
    size_t size;
    double now_s = (double) (now / STORE_NS);
    store_query_t day = {.from = now_s - 86400,
                         .to = now_s,
                         .metrics = "cpu,mem",
                         .points = 800,
                         .group = STORE_GROUP_SERIES};
    printf ("query: 24 h, cpu and mem, 100 series, 800 points (tier %s)\n",
            store_tier_name[store_query_tier ((int64_t[]){STORE_RAW_RETENTION_DEFAULT,
                                                          STORE_MINUTE_RETENTION_DEFAULT,
                                                          STORE_HOUR_RETENTION_DEFAULT},
                                              now, now - 86400 * STORE_NS, now, 800)]);
    s_time_query (path, &day, now, &size);
    day.metrics_only = true;
    printf ("query: the same, metrics_only (no copies of the means under today's names)\n");
    s_time_query (path, &day, now, &size);
    day.metrics_only = false;
    store_query_t month = day;
    month.from = now_s - 30 * 86400;
    printf ("query: 30 days, cpu and mem, 100 series, 800 points (tier %s)\n",
            store_tier_name[store_query_tier ((int64_t[]){STORE_RAW_RETENTION_DEFAULT,
                                                          STORE_MINUTE_RETENTION_DEFAULT,
                                                          STORE_HOUR_RETENTION_DEFAULT},
                                              now, now - 30 * 86400 * STORE_NS, now, 800)]);
    s_time_query (path, &month, now, &size);
    month.metrics_only = true;
    printf ("query: the same, metrics_only\n");
    s_time_query (path, &month, now, &size);
    store_query_t hour = day;
    hour.from = now_s - 3600;
    printf ("query: 1 h, cpu and mem, 100 series, 800 points (raw)\n");
    s_time_query (path, &hour, now, &size);
    return 0;
}

//  Columns of the frames: one array of values per path, in frame order.
typedef struct {
    char paths[256][STORE_NUMBERS_PATH_MAX + 1];
    double *values[256];
    int count;
    size_t frame;
} s_columns_t;

static void
s_column_value (void *arg, const char *path, size_t size, double value)
{
    s_columns_t *columns = arg;
    int i = 0;
    while (i < columns->count && strncmp (columns->paths[i], path, size) != 0)
        i++;
    if (i == columns->count) {
        if (columns->count == 256)
            return;
        memcpy (columns->paths[i], path, size);
        columns->paths[i][size] = '\0';
        columns->values[i] = calloc (100000, sizeof (double));
        columns->count++;
    }
    if (columns->frame < 100000)
        columns->values[i][columns->frame] = value;
}

//  Bits of Gorilla's XOR code for values[0..n).
static int64_t
s_gorilla_bits (const double *values, size_t n)
{
    int64_t bits = 64;
    uint64_t prev;
    memcpy (&prev, &values[0], 8);
    int lead = -1, trail = -1;
    for (size_t i = 1; i < n; i++) {
        uint64_t cur;
        memcpy (&cur, &values[i], 8);
        uint64_t x = cur ^ prev;
        prev = cur;
        if (!x) {
            bits += 1;
            continue;
        }
        int l = __builtin_clzll (x), t = __builtin_ctzll (x);
        if (l > 31)
            l = 31;
        if (lead >= 0 && l >= lead && t >= trail)
            bits += 2 + (64 - lead - trail);
        else {
            bits += 2 + 5 + 6 + (64 - l - t);
            lead = l;
            trail = t;
        }
    }
    return bits;
}

static int
s_codec (const s_frames_t *frames)
{
    s_columns_t *columns = calloc (1, sizeof *columns);
    for (columns->frame = 0; columns->frame < frames->count && columns->frame < 100000;
         columns->frame++) {
        const s_frame_t *frame = &frames->frames[columns->frame];
        const char *path = frame->paths;
        for (uint32_t i = 0; i < frame->count; path += strlen (path) + 1, i++)
            s_column_value (columns, path, strlen (path), frame->values[i]);
    }
    size_t rows = columns->frame, chunk_rows = 60;
    int64_t ours = 0, gorilla = 0, values = 0;
    printf ("codec: %zu frames, %d columns, chunks of %zu rows (bytes per value: decimal delta /"
            " Gorilla XOR)\n",
            rows, columns->count, chunk_rows);
    for (int c = 0; c < columns->count; c++) {
        int64_t col_ours = 0, col_gorilla = 0;
        for (size_t start = 0; start + chunk_rows <= rows; start += chunk_rows) {
            chunk_builder_t builder = {0};
            for (size_t r = 0; r < chunk_rows; r++) {
                chunk_builder_row (&builder, (int64_t) r);
                chunk_builder_put (&builder, chunk_builder_column (&builder, 1, 0),
                                   columns->values[c][start + r]);
            }
            uint8_t *blob;
            size_t size;
            chunk_builder_seal (&builder, &blob, &size);
            col_ours += (int64_t) builder.columns[0].bits.size;
            free (blob);
            chunk_builder_free (&builder);
            col_gorilla += (s_gorilla_bits (columns->values[c] + start, chunk_rows) + 7) / 8;
            values += (int64_t) chunk_rows;
        }
        ours += col_ours;
        gorilla += col_gorilla;
        double n = (double) (rows / chunk_rows * chunk_rows);
        printf ("codec:   %-24s %6.3f / %6.3f\n", columns->paths[c], (double) col_ours / n,
                (double) col_gorilla / n);
    }
    printf ("codec: all columns: %.3f / %.3f bytes per value\n", (double) ours / (double) values,
            (double) gorilla / (double) values);
    return 0;
}

static void
s_done (void *arg, char *json, size_t size)
{
    (void) size;
    *(char **) arg = json ? json : strdup ("");
}

static int
s_startup (const s_frames_t *frames, const char *dir, int mib)
{
    char path[600];
    snprintf (path, sizeof path, "%s/startup.db", dir);
    char command[2000];
    snprintf (command, sizeof command, "rm -f '%s' '%s-wal' '%s-shm'", path, path, path);
    if (system (command) != 0)
        return 1;
    store_config_t config;
    store_config_defaults (&config, path);
    config.max_mib = mib * 2;
    config.seal_s = 120; //  the head holds the whole minute at the "crash"
    int64_t now = clock_wall_ns () / STORE_NS * STORE_NS;
    double t = clock_seconds (CLOCK_MONOTONIC);
    {
        //  Filler: raw chunks of 10,000 series (2 KiB blobs) up to the size.
        store_counters_t counters = {0};
        store_writer_t *writer = s_writer (frames, &config, &counters, now - 86400 * STORE_NS);
        sqlite3 *db = store_writer_db (writer);
        char sql[600];
        snprintf (sql, sizeof sql,
                  "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < %d)"
                  " INSERT INTO chunk (tier, series, t0, t1, rows, data) SELECT 0, x %% 10000 + 1,"
                  " %lld + x * 1000000, %lld + x * 1000000, 60, randomblob(2000) FROM n",
                  mib * 1024 * 1024 / 2200, (long long) (now - 86400 * STORE_NS),
                  (long long) (now - 86400 * STORE_NS));
        if (store_db_exec (db, sql) != SQLITE_OK) {
            fprintf (stderr, "filler: %s\n", sqlite3_errmsg (db));
            return 1;
        }
        store_writer_destroy (&writer, now - 86400 * STORE_NS);
    }
    pid_t child = fork ();
    if (child == 0) {
        //  A minute of 10,000 series, then an exit without closing: a crash.
        store_counters_t counters = {0};
        store_writer_t *writer = s_writer (frames, &config, &counters, now - 61 * STORE_NS);
        uint64_t seed = 3;
        s_feed (writer, frames, 10000, now - 61 * STORE_NS, 60, 1, 1, &seed);
        _exit (0);
    }
    int status;
    waitpid (child, &status, 0);
    struct stat info;
    char wal[700];
    snprintf (wal, sizeof wal, "%s-wal", path);
    stat (path, &info);
    int64_t bytes = info.st_size;
    if (stat (wal, &info) == 0)
        bytes += info.st_size;
    printf ("startup: built a %lld MiB store (file + WAL) in %.0f s\n", (long long) (bytes >> 20),
            clock_seconds (CLOCK_MONOTONIC) - t);
    //  Out of the page cache (this file only: the machine is shared).
    int fd = open (path, O_RDONLY);
    fdatasync (fd);
    posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
    close (fd);
    fd = open (wal, O_RDONLY);
    if (fd >= 0) {
        posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
        close (fd);
    }
    t = clock_seconds (CLOCK_MONOTONIC);
    store_t *store = store_new (&config);
    double opened = clock_seconds (CLOCK_MONOTONIC) - t;
    if (!store)
        return 1;
    double now_s = (double) now / 1e9;
    store_query_t query = {.from = now_s - 3600, .to = now_s + 1, .glob = "svc1@*"};
    char *json = NULL;
    store_query_start (store, &query, s_done, &json);
    struct pollfd item = {store_fd (store), POLLIN, 0};
    for (int i = 0; i < 200 && !json; i++)
        if (poll (&item, 1, 50) > 0)
            store_dispatch (store);
    double served = clock_seconds (CLOCK_MONOTONIC) - t;
    printf ("startup: store_new %.0f ms, first answer after %.0f ms (%zu bytes); the head replay"
            " (60 s x 10,000 series) runs on the writer thread: see its log line\n",
            opened * 1e3, served * 1e3, json ? strlen (json) : 0);
    free (json);
    store_destroy (&store);
    return 0;
}

//  The loop's part of a stored sample, in this thread's CPU per sample.
static int
s_append (const s_frames_t *frames, const char *dir, int64_t samples)
{
    char path[600];
    snprintf (path, sizeof path, "%s/append.db", dir);
    unlink (path);
    store_config_t config;
    store_config_defaults (&config, path);
    store_t *store = store_new (&config);
    store_numbers_t *numbers = malloc (sizeof *numbers);
    if (!store || !numbers)
        return 1;
    int series = 10000;
    char (*ids)[32] = malloc ((size_t) series * sizeof *ids);
    for (int k = 0; ids && k < series; k++)
        snprintf (ids[k], sizeof ids[k], "svc%d@bench:%d", k, 1000 + k);
    double per[3];
    int64_t dropped = 0;
    for (int mode = 0; mode < 3; mode++) {
        double cpu = clock_seconds (CLOCK_THREAD_CPUTIME_ID);
        int64_t start = clock_wall_ns ();
        for (int64_t i = 0; i < samples; i++) {
            const s_frame_t *frame = &frames->frames[(size_t) i % frames->count];
            sample_t sample;
            if (validate_sample_numbers (frame->json, frame->json_size, &sample,
                                         mode ? numbers : NULL) != VALIDATE_OK)
                return 1;
            if (mode < 2)
                continue;
            store_ids_t who = {sample.agent, sample.host, sample.color,
                               sample.has_pid ? (int64_t) sample.pid : -1};
            dropped += !store_append (store, ids[i % series], &who, start + i * 100000,
                                      clock_wall_ns (), numbers);
        }
        per[mode] = (clock_seconds (CLOCK_THREAD_CPUTIME_ID) - cpu) * 1e6 / (double) samples;
    }
    printf ("append: %lld samples of %d numbers, %d series; loop thread CPU per sample:\n",
            (long long) samples, frames->numbers, series);
    printf ("append: validate_sample %.3f us, with numbers %.3f us, + store_append %.3f us"
            " (%lld dropped: queue full)\n",
            per[0], per[1], per[2], (long long) dropped);
    printf ("append: the store adds %.3f us a sample to validation (%.1f %%)\n", per[2] - per[0],
            (per[2] - per[0]) * 100 / per[0]);
    store_destroy (&store);
    free (ids);
    free (numbers);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc >= 5 && strcmp (argv[1], "append") == 0) {
        s_frames_t frames = s_load_frames (argv[2]);
        return s_append (&frames, argv[3], atoll (argv[4]));
    }
    if (argc >= 6 && strcmp (argv[1], "write") == 0) {
        s_frames_t frames = s_load_frames (argv[2]);
        return s_write (&frames, argv[3], atoi (argv[4]), atoll (argv[5]));
    }
    if (argc >= 4 && strcmp (argv[1], "query") == 0) {
        s_frames_t frames = s_load_frames (argv[2]);
        return s_query (&frames, argv[3]);
    }
    if (argc >= 3 && strcmp (argv[1], "queries") == 0) {
        //  Again on a store that `query` built (kept with KEEP=1 in run.sh).
        sqlite3 *db = store_db_open_reader (argv[2]);
        int64_t newest = db ? s_sql_int (db, "SELECT max(t1) FROM chunk WHERE tier = 0") : -1;
        sqlite3_close (db);
        if (newest < 0)
            return 1;
        int64_t hour = 3600 * STORE_NS;
        return s_queries (argv[2], (newest + hour - 1) / hour * hour);
    }
    if (argc >= 3 && strcmp (argv[1], "codec") == 0) {
        s_frames_t frames = s_load_frames (argv[2]);
        return s_codec (&frames);
    }
    if (argc >= 5 && strcmp (argv[1], "startup") == 0) {
        s_frames_t frames = s_load_frames (argv[2]);
        return s_startup (&frames, argv[3], atoi (argv[4]));
    }
    fprintf (stderr, "usage: bench_store write FRAMES DIR SERIES SECONDS\n"
                     "       bench_store query FRAMES DIR\n"
                     "       bench_store queries DB\n"
                     "       bench_store append FRAMES DIR SAMPLES\n"
                     "       bench_store codec FRAMES\n"
                     "       bench_store startup FRAMES DIR MIB\n");
    return 2;
}
