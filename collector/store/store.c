/*  store.c: the store's public API: the append queue, the two threads, and the
    hand-back of answers to the loop (see store.h).

    Both threads are workers (collector/base/include/worker.h): named, signals blocked, fed
    through a worker_queue_t. The append queue is the writer's (`zapm-store`):
    store_append (the loop) builds a sample's numbers in place, with its
    layout id (store_layouts.h: the paths travel only with the first sample of
    a layout), or drops it when it does not fit; it never takes a lock and
    makes no system call but the one that wakes an idle writer. The writer
    takes the samples into memory and commits once a second while it has
    points to commit or seal (store_writer.c), so a kill -9 loses at most the
    last second or so of samples. Between commits it sleeps and lets the
    queue fill (it is woken early only when half of it is used); an idle
    store's writer sleeps until its next rollup or retention falls due
    (store_writer_due), or the next sample arrives.

    Queries are messages of a queue with answers (`zapm-query`): the query
    thread writes each answer into its job, the queue's eventfd tells the
    loop's zmq_poll that answers wait, and store_dispatch runs their
    callbacks on the loop.
*/
#include "store.h"
#include "clock.h"
#include "base.h"
#include "store_db.h"
#include "store_layouts.h"
#include "store_query.h"
#include "store_writer.h"
#include "worker.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  How often the writer commits while it has points to commit or seal.
#define STORE_COMMIT_NS (1000 * 1000 * 1000LL)

//  A queued sample's header; then the values (count doubles), the series
//  identity, agent, host and color (each NUL-terminated), and the layout's
//  paths when paths_size is not 0. Its size is a multiple of 8, so the
//  values that follow it are aligned.
typedef struct {
    uint32_t id_size;    //  identity bytes
    uint32_t layout;     //  layout id, 0 for a one-off (paths follow)
    uint32_t count;      //  values
    uint32_t paths_size; //  bytes of paths that follow: the layout's definition
    uint16_t agent_size; //  `agent` bytes
    uint16_t host_size;  //  `host` bytes
    uint16_t color_size; //  `color` bytes
    int64_t pid;         //  `pid`, -1 when absent
    int64_t time_ns;     //  sample time
    int64_t received_ns; //  when ingest received it (its window is judged by this)
} s_entry_t;

_Static_assert(sizeof (s_entry_t) % 8 == 0, "the values after an entry must be aligned");

//  A query, as a message of the query queue.
typedef struct {
    store_query_t query; //  strings owned (copied)
    store_done_fn *done; //  callback
    void *arg;           //  its argument
    char *json;          //  the answer, NULL on failure
    size_t size;         //  its length
} s_job_t;

//  Queries held at once: STORE_QUERY_PENDING_MAX, and one more for the query
//  running, whether waiting, running or answered and not yet taken by the loop.
#define S_JOBS (STORE_QUERY_PENDING_MAX + 1)

struct _store_t {
    store_config_t config;        //  config->path is copied
    store_counters_t counters;    //  shared with the writer
    sqlite3 *writer_db;           //  the writer's connection until its thread takes it
    store_writer_t *writer;       //  the writer thread's (NULL if it could not load)
    store_layouts_t *layouts;     //  the loop's: layouts queued so far
    sqlite3 *reader;              //  the query thread's connection
    int lock_fd;                  //  the file, flock'ed (store_db_lock), or -1
    worker_queue_t *appends;      //  samples for the writer (s_entry_t messages)
    worker_queue_t *queries;      //  s_job_t, answered in place; its fd wakes the loop
    worker_t *writer_thread;      //  zapm-store: takes samples, commits
    worker_t *query_thread;       //  zapm-query: runs queries
    _Atomic int64_t flush_wanted; //  store_flush requests
    _Atomic int64_t flush_done;   //  requests satisfied
};

void
store_config_defaults (store_config_t *config, const char *path)
{
    memset (config, 0, sizeof *config);
    config->path = path;
    config->retention_s[STORE_TIER_RAW] = STORE_RAW_RETENTION_DEFAULT;
    config->retention_s[STORE_TIER_MINUTE] = STORE_MINUTE_RETENTION_DEFAULT;
    config->retention_s[STORE_TIER_HOUR] = STORE_HOUR_RETENTION_DEFAULT;
    config->max_mib = STORE_MAX_MIB_DEFAULT;
    config->queue_mib = STORE_QUEUE_MIB_DEFAULT;
    config->past_window_s = STORE_PAST_WINDOW_DEFAULT;
    config->future_window_s = STORE_FUTURE_WINDOW_DEFAULT;
    config->seal_s = 60;
    config->max_series = STORE_MAX_SERIES_DEFAULT;
    config->max_metrics = STORE_MAX_METRICS_DEFAULT;
    config->max_series_metrics = STORE_SERIES_METRICS_DEFAULT;
}

static uint16_t
s_short_size (const char *text)
{
    size_t size = text ? strlen (text) : 0;
    return (uint16_t) (size < UINT16_MAX ? size : UINT16_MAX);
}

//  Copies `size` bytes of `text` to `out` with a NUL; returns the byte after it.
static char *
s_put_string (char *out, const char *text, size_t size)
{
    if (size)
        memcpy (out, text, size);
    out[size] = '\0';
    return out + size + 1;
}

bool
store_append (store_t *self, const char *series_id, const store_ids_t *ids, int64_t sample_time_ns,
              int64_t received_ns, const store_numbers_t *numbers)
{
    uint64_t hash;
    uint32_t layout =
        store_layouts_find (self->layouts, numbers->paths, numbers->paths_size, &hash);
    bool define = layout == 0;
    if (define)
        layout = store_layouts_next (self->layouts, numbers->paths_size);
    s_entry_t entry = {.id_size = (uint32_t) strlen (series_id),
                       .layout = layout,
                       .count = numbers->count,
                       .paths_size = define ? numbers->paths_size : 0,
                       .agent_size = s_short_size (ids->agent),
                       .host_size = s_short_size (ids->host),
                       .color_size = s_short_size (ids->color),
                       .pid = ids->pid,
                       .time_ns = sample_time_ns,
                       .received_ns = received_ns};
    size_t values_size = (size_t) entry.count * sizeof (double);
    size_t need = sizeof entry + values_size + entry.id_size + entry.agent_size + entry.host_size +
                  entry.color_size + 4 + entry.paths_size;
    uint8_t *at = worker_queue_reserve (self->appends, need);
    if (!at)
        return false; //  full: counted by the queue (samples_dropped)
    memcpy (at, &entry, sizeof entry);
    at += sizeof entry;
    if (values_size)
        memcpy (at, numbers->value, values_size);
    char *text = (char *) at + values_size;
    text = s_put_string (text, series_id, entry.id_size);
    text = s_put_string (text, ids->agent, entry.agent_size);
    text = s_put_string (text, ids->host, entry.host_size);
    text = s_put_string (text, ids->color, entry.color_size);
    if (entry.paths_size)
        memcpy (text, numbers->paths, entry.paths_size);
    worker_queue_push (self->appends);
    if (numbers->truncated)
        atomic_fetch_add_explicit (&self->counters.samples_truncated, 1, memory_order_relaxed);
    //  Queued, so the writer will learn it before any sample that uses its id.
    if (define && layout)
        store_layouts_add (self->layouts, numbers->paths, numbers->paths_size, hash);
    return true;
}

//  Takes everything queued into the writer. Returns how many samples.
static int64_t
s_drain (store_t *self)
{
    int64_t taken = 0;
    s_entry_t *entry;
    while ((entry = worker_queue_next (self->appends, NULL))) {
        //  The values follow the entry, aligned (its size is a multiple of 8).
        const double *values = (const double *) (const void *) (entry + 1);
        const char *id = (const char *) (values + entry->count);
        store_ids_t ids = {.pid = entry->pid};
        ids.agent = id + entry->id_size + 1;
        ids.host = ids.agent + entry->agent_size + 1;
        ids.color = ids.host + entry->host_size + 1;
        const char *paths = ids.color + entry->color_size + 1;
        int64_t now = clock_wall_ns ();
        if (self->writer && entry->paths_size)
            store_writer_layout (self->writer, entry->layout, paths, entry->paths_size,
                                 entry->count);
        if (self->writer)
            store_writer_sample (self->writer, id, &ids, entry->time_ns, entry->layout, values,
                                 entry->count, entry->received_ns, now);
        else
            atomic_fetch_add (&self->counters.samples_dropped, 1);
        worker_queue_done (self->appends);
        taken++;
    }
    return taken;
}

//  The monotonic time of the writer's next commit after one at `now` (monotonic).
static int64_t
s_next_commit (store_t *self, int64_t now)
{
    if (!self->writer)
        return INT64_MAX; //  nothing to commit, ever: samples are dropped as they come
    int64_t wall = clock_wall_ns ();
    int64_t due = store_writer_due (self->writer, wall);
    if (due <= wall)
        return now + STORE_COMMIT_NS;
    if (due == INT64_MAX || due - wall > INT64_MAX - now)
        return INT64_MAX;
    return now + (due - wall);
}

static void
s_writer_main (void *arg)
{
    store_t *self = arg;
    //  Loading (the head replay after a crash) happens here, not in
    //  store_new: queries are served from the chunks meanwhile, and samples
    //  wait in the queue.
    int64_t started = clock_mono_ns ();
    sqlite3 *db = self->writer_db;
    self->writer_db = NULL; //  the writer owns it now, and closes it
    self->writer = store_writer_new (db, &self->config, &self->counters, clock_wall_ns ());
    if (!self->writer)
        log_error ("store: cannot read %s back: history is not written in this run",
                   self->config.path);
    else if (clock_mono_ns () - started > 100 * 1000 * 1000LL)
        log_info ("store: writer ready after %.1f s", (double) (clock_mono_ns () - started) / 1e9);
    //  One commit a second after the start (counters, rollups to catch up),
    //  then as store_writer_due says.
    int64_t next_commit = clock_mono_ns () + STORE_COMMIT_NS;
    while (!worker_queue_closed (self->appends)) {
        int64_t wanted = atomic_load (&self->flush_wanted);
        int64_t taken = s_drain (self);
        int64_t now = clock_mono_ns ();
        if (taken && self->writer && next_commit > now + STORE_COMMIT_NS)
            next_commit = now + STORE_COMMIT_NS; //  idle until now: commit in a second
        if (now >= next_commit || wanted > atomic_load (&self->flush_done)) {
            if (self->writer)
                store_writer_commit (self->writer, clock_wall_ns ());
            atomic_store (&self->flush_done, wanted);
            now = clock_mono_ns ();
            next_commit = s_next_commit (self, now);
        }
        //  With a commit due within the second, samples wait for it (unless
        //  the queue is half full); idle, the first sample wakes the writer.
        bool busy = next_commit <= now + STORE_COMMIT_NS;
        worker_queue_wait (self->appends, next_commit, busy ? SIZE_MAX : 1);
    }
    s_drain (self);
    store_writer_destroy (&self->writer, clock_wall_ns ());
}

//  Frees what a job owns (the job itself is a message of the queue).
static void
s_job_free (s_job_t *job)
{
    free ((char *) job->query.metrics);
    free ((char *) job->query.glob);
    store_memory_destroy (&job->query.memory);
    free (job->json);
}

//  Gives the heap back after a large answer: what a query allocated in many
//  pieces (series names, blocks) lies in the query thread's arena, which glibc
//  keeps unless asked. The answer itself is one mmapped block (collector's
//  M_MMAP_THRESHOLD, main.c) that goes back when the loop frees it.
#define S_TRIM_AFTER_BYTES (1 << 20)

static void
s_query_trim (size_t answer_size)
{
    if (answer_size >= S_TRIM_AFTER_BYTES)
        malloc_trim (0);
}

static void
s_query_main (void *arg)
{
    store_t *self = arg;
    while (!worker_queue_closed (self->queries)) {
        s_job_t *job = worker_queue_next (self->queries, NULL);
        if (!job) {
            worker_queue_wait (self->queries, INT64_MAX, 1);
            continue;
        }
        job->json = store_query_run (self->reader, &job->query, self->config.retention_s,
                                     clock_wall_ns (), &job->size);
        if (!job->json && job->size != STORE_ANSWER_TOO_LARGE)
            log_warn ("store: a history query failed: %s", sqlite3_errmsg (self->reader));
        s_query_trim (job->json ? job->size : SIZE_MAX); //  a failed one may have grown
        worker_queue_done (self->queries);
    }
}

//  Frees what store_new made, once the threads are gone.
static void
s_free (store_t *self)
{
    sqlite3_close (self->reader);
    if (self->lock_fd >= 0)
        close (self->lock_fd); //  after every connection: closing it drops the lock
    worker_queue_destroy (&self->appends);
    worker_queue_destroy (&self->queries);
    store_layouts_destroy (&self->layouts);
    free ((char *) self->config.path);
    free (self);
}

store_t *
store_new (const store_config_t *config)
{
    store_config_t defaults;
    store_config_defaults (&defaults, config->path);
    store_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->lock_fd = -1;
    self->config = *config;
    for (int tier = 0; tier < STORE_TIERS; tier++)
        if (self->config.retention_s[tier] <= 0)
            self->config.retention_s[tier] = defaults.retention_s[tier];
    if (self->config.max_mib <= 0)
        self->config.max_mib = defaults.max_mib;
    if (self->config.queue_mib <= 0)
        self->config.queue_mib = defaults.queue_mib;
    if (self->config.past_window_s <= 0)
        self->config.past_window_s = defaults.past_window_s;
    if (self->config.future_window_s <= 0)
        self->config.future_window_s = defaults.future_window_s;
    if (self->config.seal_s <= 0)
        self->config.seal_s = defaults.seal_s;
    if (self->config.max_series <= 0)
        self->config.max_series = defaults.max_series;
    if (self->config.max_metrics <= 0)
        self->config.max_metrics = defaults.max_metrics;
    if (self->config.max_series_metrics <= 0)
        self->config.max_series_metrics = defaults.max_series_metrics;
    self->config.path = strdup (config->path);
    self->appends =
        worker_queue_new ((size_t) self->config.queue_mib * 1024 * 1024, UINT32_MAX, false);
    self->queries = worker_queue_new (S_JOBS * WORKER_QUEUE_ROOM (sizeof (s_job_t)), S_JOBS, true);
    self->layouts = store_layouts_new ();
    if (!self->config.path || !self->appends || !self->queries || !self->layouts) {
        log_error ("store: out of memory or file descriptors");
        goto failed;
    }
    //  The WAL may take a twentieth of the cap between checkpoints (64 KiB to 64 MiB).
    int64_t wal_limit = self->config.max_mib * 1024 * 1024 / 20;
    if (wal_limit < 64 * 1024)
        wal_limit = 64 * 1024;
    if (wal_limit > 64 * 1024 * 1024)
        wal_limit = 64 * 1024 * 1024;
    if (!store_db_lock (self->config.path, false, &self->lock_fd))
        goto failed;
    self->writer_db = store_db_open_writer (self->config.path, wal_limit);
    if (!self->writer_db || !store_db_lock (self->config.path, true, &self->lock_fd))
        goto failed;
    self->reader = store_db_open_reader (self->config.path);
    if (!self->reader)
        goto failed;
    self->writer_thread = worker_new ("zapm-store", s_writer_main, self);
    if (!self->writer_thread) {
        log_error ("store: cannot start the writer thread");
        goto failed;
    }
    self->query_thread = worker_new ("zapm-query", s_query_main, self);
    if (!self->query_thread) {
        log_error ("store: cannot start the query thread");
        worker_queue_close (self->appends);
        worker_destroy (&self->writer_thread);
        goto failed;
    }
    log_info ("store: %s open (raw %llds, 1m %llds, 1h %llds, cap %lld MiB)", self->config.path,
              (long long) self->config.retention_s[0], (long long) self->config.retention_s[1],
              (long long) self->config.retention_s[2], (long long) self->config.max_mib);
    return self;

failed:
    sqlite3_close (self->writer_db);
    store_writer_destroy (&self->writer, 0);
    s_free (self);
    return NULL;
}

void
store_destroy (store_t **self_p)
{
    if (!*self_p)
        return;
    store_t *self = *self_p;
    //  Queries first: the reader must be closed before the writer's last
    //  checkpoint, or the WAL it still reads cannot be truncated. A long
    //  query in flight ends now (its answer is a 503) instead of holding
    //  the stop back for as long as it runs.
    worker_queue_close (self->queries);
    sqlite3_interrupt (self->reader);
    worker_destroy (&self->query_thread);
    sqlite3_close (self->reader);
    self->reader = NULL;
    //  Queries never run are answered with NULL, then every answer is handed over.
    s_job_t *job;
    while ((job = worker_queue_next (self->queries, NULL))) {
        job->json = NULL;
        worker_queue_done (self->queries);
    }
    store_dispatch (self);
    //  The writer takes what is queued, commits, checkpoints the WAL into
    //  the file and truncates it, and ends.
    worker_queue_close (self->appends);
    worker_destroy (&self->writer_thread);
    s_free (self);
    *self_p = NULL;
}

bool
store_query_start (store_t *self, const store_query_t *query, store_done_fn *done, void *arg)
{
    store_memory_t *memory = query->memory;
    if (!(query->to > query->from) || query->points < 0 || query->points > STORE_QUERY_POINTS_MAX) {
        store_memory_destroy (&memory);
        return false;
    }
    //  NULL when S_JOBS are held (counted by the queue) or the store is stopping.
    s_job_t *job = worker_queue_reserve (self->queries, sizeof *job);
    if (!job) {
        store_memory_destroy (&memory);
        return false;
    }
    *job = (s_job_t){.query = *query, .done = done, .arg = arg};
    job->query.metrics = query->metrics ? strdup (query->metrics) : NULL;
    job->query.glob = query->glob ? strdup (query->glob) : NULL;
    worker_queue_push (self->queries);
    return true;
}

int
store_fd (store_t *self)
{
    return worker_queue_fd (self->queries);
}

int
store_dispatch (store_t *self)
{
    int called = 0;
    s_job_t *answer;
    while ((answer = worker_queue_answer (self->queries, NULL))) {
        //  Off the queue before the callback, which may start another query.
        s_job_t job = *answer;
        worker_queue_release (self->queries);
        char *json = job.json;
        job.json = NULL;
        job.done (job.arg, json, json || job.size == STORE_ANSWER_TOO_LARGE ? job.size : 0);
        s_job_free (&job);
        called++;
    }
    return called;
}

void
store_stats (store_t *self, store_stats_t *stats)
{
    store_counters_t *c = &self->counters;
    stats->bytes = atomic_load (&c->bytes);
    stats->points_written = atomic_load (&c->points_written);
    stats->samples_written = atomic_load (&c->samples_written);
    stats->samples_dropped = atomic_load (&c->samples_dropped);
    stats->samples_refused = atomic_load (&c->samples_refused);
    stats->samples_truncated = atomic_load (&c->samples_truncated);
    stats->write_errors = atomic_load (&c->write_errors);
    stats->unrolled_deleted = atomic_load (&c->unrolled_deleted);
    stats->rollup_metrics_left_out = atomic_load (&c->rollup_metrics_left_out);
    stats->series_refused = atomic_load (&c->series_refused);
    stats->metrics_refused = atomic_load (&c->metrics_refused);
    stats->series_metrics_refused = atomic_load (&c->series_metrics_refused);
    stats->series_forgotten = atomic_load (&c->series_forgotten);
    stats->series_held = atomic_load (&c->series_held);
    stats->series = atomic_load (&c->series);
    stats->metrics = atomic_load (&c->metrics);
    for (int tier = 0; tier < STORE_TIERS; tier++)
        stats->oldest_ns[tier] = atomic_load (&c->oldest_ns[tier]);
    //  Never negative: the queue reads its older positions first.
    worker_queue_stats_t queue;
    worker_queue_stats (self->appends, &queue);
    stats->samples_dropped += (int64_t) queue.refused;
    stats->queue_bytes = (int64_t) queue.bytes;
    stats->queue_samples = (int64_t) queue.messages;
}

bool
store_flush (store_t *self, int timeout_ms)
{
    int64_t wanted = atomic_fetch_add (&self->flush_wanted, 1) + 1;
    worker_queue_wake (self->appends);
    int64_t deadline = clock_mono_ns () + (int64_t) timeout_ms * 1000000;
    while (atomic_load (&self->flush_done) < wanted) {
        if (clock_mono_ns () >= deadline)
            return false;
        struct timespec pause = {0, 1000000};
        nanosleep (&pause, NULL);
    }
    return true;
}
