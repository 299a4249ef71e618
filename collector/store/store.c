/*  store.c: the store's public API: the append queue, the two threads, and the
    hand-back of answers to the loop (see store.h).

    The append queue is a single-producer single-consumer byte ring with two
    atomic positions: store_append (the loop) copies a sample's numbers in,
    with its layout id (store_layouts.h: the paths travel only with the first
    sample of a layout), or drops it when it does not fit, and never takes a
    lock, so the loop cannot wait on the writer. The writer thread drains it,
    takes the samples into memory and commits once a second
    (store_writer.c), so a kill -9 loses at most the last second or so of
    samples.

    Queries go to the query thread under a mutex (held only to link a job),
    and come back on a done list; an eventfd tells the loop's zmq_poll that
    answers wait, and store_dispatch runs their callbacks on the loop.
*/
#include "store.h"
#include "clock.h"
#include "base.h"
#include "store_db.h"
#include "store_layouts.h"
#include "store_query.h"
#include "store_writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

//  How often the writer commits, and how long it naps when the queue is empty.
#define STORE_COMMIT_NS (1000 * 1000 * 1000LL)
#define STORE_NAP_NS    (20 * 1000 * 1000LL)

//  A queued sample's header; then the values (count doubles), the series
//  identity, agent, host and color (no NULs), and the layout's paths when
//  paths_size is not 0.
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
} s_entry_t;

typedef struct s_job_s s_job_t;
struct s_job_s {
    store_query_t query; //  strings owned (copied)
    store_done_fn *done; //  callback
    void *arg;           //  its argument
    char *json;          //  the answer, NULL on failure
    size_t size;         //  its length
    s_job_t *next;       //  next in its list
};

struct _store_t {
    store_config_t config;     //  config->path is copied
    store_counters_t counters; //  shared with the writer
    sqlite3 *writer_db;        //  the writer's connection until its thread takes it
    store_writer_t *writer;    //  the writer thread's (NULL if it could not load)
    store_layouts_t *layouts;  //  the loop's: layouts queued so far
    sqlite3 *reader;           //  the query thread's connection
    int lock_fd;               //  the file, flock'ed (store_db_lock), or -1
    //  The append ring.
    uint8_t *ring;              //  bytes
    uint64_t ring_size;         //  capacity
    _Atomic uint64_t ring_head; //  read position (writer thread)
    _Atomic uint64_t ring_tail; //  write position (loop)
    _Atomic int64_t queued;     //  samples in the ring
    //  Threads.
    pthread_t writer_thread;      //  drains the ring, commits
    pthread_t query_thread;       //  runs queries
    _Atomic bool stop;            //  both threads end
    _Atomic int64_t flush_wanted; //  store_flush requests
    _Atomic int64_t flush_done;   //  requests satisfied
    //  Queries.
    pthread_mutex_t lock;   //  guards the lists and query_stop
    pthread_cond_t wake;    //  a job arrived or stop
    s_job_t *pending;       //  jobs to run, FIFO (head)
    s_job_t *pending_tail;  //  ... (tail)
    s_job_t *finished;      //  answers to dispatch, FIFO (head)
    s_job_t *finished_tail; //  ... (tail)
    bool query_stop;        //  the query thread ends
    int pending_count;      //  jobs in `pending`
    int event_fd;           //  readable when `finished` is not empty
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
}

//  Copies `size` bytes into the ring at position `at`, wrapping.
static void
s_ring_write (store_t *self, uint64_t at, const void *data, size_t size)
{
    if (!size)
        return; //  `data` may be NULL then
    uint64_t offset = at % self->ring_size;
    size_t first = size < self->ring_size - offset ? size : (size_t) (self->ring_size - offset);
    memcpy (self->ring + offset, data, first);
    memcpy (self->ring, (const uint8_t *) data + first, size - first);
}

static void
s_ring_read (store_t *self, uint64_t at, void *data, size_t size)
{
    uint64_t offset = at % self->ring_size;
    size_t first = size < self->ring_size - offset ? size : (size_t) (self->ring_size - offset);
    memcpy (data, self->ring + offset, first);
    memcpy ((uint8_t *) data + first, self->ring, size - first);
}

static uint16_t
s_short_size (const char *text)
{
    size_t size = text ? strlen (text) : 0;
    return (uint16_t) (size < UINT16_MAX ? size : UINT16_MAX);
}

bool
store_append (store_t *self, const char *series_id, const store_ids_t *ids, int64_t sample_time_ns,
              const store_numbers_t *numbers)
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
                       .time_ns = sample_time_ns};
    uint64_t values_size = (uint64_t) entry.count * sizeof (double);
    uint64_t need = sizeof entry + values_size + entry.id_size + entry.agent_size +
                    entry.host_size + entry.color_size + entry.paths_size;
    uint64_t tail = atomic_load_explicit (&self->ring_tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit (&self->ring_head, memory_order_acquire);
    if (need > self->ring_size - (tail - head)) {
        atomic_fetch_add_explicit (&self->counters.samples_dropped, 1, memory_order_relaxed);
        return false;
    }
    uint64_t at = tail;
    s_ring_write (self, at, &entry, sizeof entry);
    at += sizeof entry;
    s_ring_write (self, at, numbers->value, values_size);
    at += values_size;
    s_ring_write (self, at, series_id, entry.id_size);
    at += entry.id_size;
    s_ring_write (self, at, ids->agent, entry.agent_size);
    at += entry.agent_size;
    s_ring_write (self, at, ids->host, entry.host_size);
    at += entry.host_size;
    s_ring_write (self, at, ids->color, entry.color_size);
    at += entry.color_size;
    s_ring_write (self, at, numbers->paths, entry.paths_size);
    atomic_store_explicit (&self->ring_tail, tail + need, memory_order_release);
    atomic_fetch_add_explicit (&self->queued, 1, memory_order_relaxed);
    if (numbers->truncated)
        atomic_fetch_add_explicit (&self->counters.samples_truncated, 1, memory_order_relaxed);
    //  Queued, so the writer will learn it before any sample that uses its id.
    if (define && layout)
        store_layouts_add (self->layouts, numbers->paths, numbers->paths_size, hash);
    return true;
}

//  Reads the next `size` bytes of the entry at *at into `out` as a string.
static char *
s_ring_string (store_t *self, uint64_t *at, char *out, size_t size)
{
    s_ring_read (self, *at, out, size);
    out[size] = '\0';
    *at += size;
    return out;
}

//  Takes everything queued into the writer. Returns how many samples.
static int64_t
s_drain (store_t *self, char **scratch, size_t *scratch_size)
{
    int64_t taken = 0;
    uint64_t head = atomic_load_explicit (&self->ring_head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit (&self->ring_tail, memory_order_acquire);
    while (head < tail) {
        s_entry_t entry;
        s_ring_read (self, head, &entry, sizeof entry);
        size_t values_size = (size_t) entry.count * sizeof (double);
        size_t strings = (size_t) entry.id_size + entry.agent_size + entry.host_size +
                         entry.color_size + entry.paths_size + 4;
        size_t need = values_size + strings;
        if (need > *scratch_size) {
            char *grown = realloc (*scratch, need);
            if (!grown)
                break;
            *scratch = grown;
            *scratch_size = need;
        }
        //  The values first: malloc'd memory is aligned for doubles.
        double *values = (double *) (void *) *scratch;
        char *text = *scratch + values_size;
        uint64_t at = head + sizeof entry;
        s_ring_read (self, at, values, values_size);
        at += values_size;
        char *id = s_ring_string (self, &at, text, entry.id_size);
        text += entry.id_size + 1;
        store_ids_t ids = {.pid = entry.pid};
        ids.agent = s_ring_string (self, &at, text, entry.agent_size);
        text += entry.agent_size + 1;
        ids.host = s_ring_string (self, &at, text, entry.host_size);
        text += entry.host_size + 1;
        ids.color = s_ring_string (self, &at, text, entry.color_size);
        text += entry.color_size + 1;
        s_ring_read (self, at, text, entry.paths_size);
        head = at + entry.paths_size;
        atomic_store_explicit (&self->ring_head, head, memory_order_release);
        atomic_fetch_sub_explicit (&self->queued, 1, memory_order_relaxed);
        int64_t now = clock_wall_ns ();
        if (self->writer && entry.paths_size)
            store_writer_layout (self->writer, entry.layout, text, entry.paths_size, entry.count);
        if (self->writer)
            store_writer_sample (self->writer, id, &ids, entry.time_ns, entry.layout, values,
                                 entry.count, now);
        else
            atomic_fetch_add (&self->counters.samples_dropped, 1);
        taken++;
    }
    return taken;
}

static void
s_nap (int64_t ns)
{
    struct timespec pause = {ns / 1000000000, ns % 1000000000};
    nanosleep (&pause, NULL);
}

static void *
s_writer_main (void *arg)
{
    store_t *self = arg;
    pthread_setname_np (pthread_self (), "store-writer"); //  as top -H and /proc show it
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
    char *scratch = NULL;
    size_t scratch_size = 0;
    int64_t next_commit = clock_mono_ns () + STORE_COMMIT_NS;
    while (!atomic_load (&self->stop)) {
        int64_t wanted = atomic_load (&self->flush_wanted);
        int64_t taken = s_drain (self, &scratch, &scratch_size);
        int64_t now = clock_mono_ns ();
        if (now >= next_commit || wanted > atomic_load (&self->flush_done)) {
            if (self->writer)
                store_writer_commit (self->writer, clock_wall_ns ());
            next_commit = now + STORE_COMMIT_NS;
            atomic_store (&self->flush_done, wanted);
        }
        if (!taken)
            s_nap (STORE_NAP_NS);
    }
    s_drain (self, &scratch, &scratch_size);
    store_writer_destroy (&self->writer, clock_wall_ns ());
    free (scratch);
    return NULL;
}

static void
s_job_free (s_job_t *job)
{
    free ((char *) job->query.metrics);
    free ((char *) job->query.glob);
    store_memory_destroy (&job->query.memory);
    free (job->json);
    free (job);
}

static void *
s_query_main (void *arg)
{
    store_t *self = arg;
    pthread_setname_np (pthread_self (), "store-query");
    pthread_mutex_lock (&self->lock);
    while (true) {
        while (!self->pending && !self->query_stop)
            pthread_cond_wait (&self->wake, &self->lock);
        if (self->query_stop)
            break;
        s_job_t *job = self->pending;
        self->pending = job->next;
        self->pending_count--;
        if (!self->pending)
            self->pending_tail = NULL;
        pthread_mutex_unlock (&self->lock);

        job->json = store_query_run (self->reader, &job->query, self->config.retention_s,
                                     clock_wall_ns (), &job->size);
        if (!job->json)
            log_warn ("store: a history query failed: %s", sqlite3_errmsg (self->reader));
        job->next = NULL;

        pthread_mutex_lock (&self->lock);
        if (self->finished_tail)
            self->finished_tail->next = job;
        else
            self->finished = job;
        self->finished_tail = job;
        uint64_t one = 1;
        if (write (self->event_fd, &one, sizeof one) < 0) {
            //  The counter is full, which means it is readable: nothing lost.
        }
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

//  Frees what store_new made, once the threads are gone.
static void
s_free (store_t *self)
{
    sqlite3_close (self->reader);
    if (self->event_fd >= 0)
        close (self->event_fd);
    if (self->lock_fd >= 0)
        close (self->lock_fd); //  after every connection: closing it drops the lock
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->wake);
    free (self->ring);
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
    self->config.path = strdup (config->path);
    self->event_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
    self->ring_size = (uint64_t) self->config.queue_mib * 1024 * 1024;
    self->ring = malloc (self->ring_size);
    self->layouts = store_layouts_new ();
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (!self->config.path || self->event_fd < 0 || !self->ring || !self->layouts) {
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
    if (pthread_create (&self->writer_thread, NULL, s_writer_main, self) != 0) {
        log_error ("store: cannot start the writer thread");
        goto failed;
    }
    if (pthread_create (&self->query_thread, NULL, s_query_main, self) != 0) {
        log_error ("store: cannot start the query thread");
        atomic_store (&self->stop, true);
        pthread_join (self->writer_thread, NULL);
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
    atomic_store (&self->stop, true);
    pthread_join (self->writer_thread, NULL);
    pthread_mutex_lock (&self->lock);
    self->query_stop = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    //  A long query in flight ends now (its answer is a 503) instead of
    //  holding the stop back for as long as it runs.
    sqlite3_interrupt (self->reader);
    pthread_join (self->query_thread, NULL);
    //  Queries never run are answered with NULL, then every answer is handed over.
    for (s_job_t *job = self->pending; job;) {
        s_job_t *next = job->next;
        job->next = NULL;
        if (self->finished_tail)
            self->finished_tail->next = job;
        else
            self->finished = job;
        self->finished_tail = job;
        job = next;
    }
    self->pending = self->pending_tail = NULL;
    store_dispatch (self);
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
    s_job_t *job = calloc (1, sizeof *job);
    if (!job) {
        store_memory_destroy (&memory);
        return false;
    }
    job->query = *query;
    job->query.metrics = query->metrics ? strdup (query->metrics) : NULL;
    job->query.glob = query->glob ? strdup (query->glob) : NULL;
    job->done = done;
    job->arg = arg;
    pthread_mutex_lock (&self->lock);
    bool stopping = self->query_stop || self->pending_count >= STORE_QUERY_PENDING_MAX;
    if (!stopping) {
        self->pending_count++;
        if (self->pending_tail)
            self->pending_tail->next = job;
        else
            self->pending = job;
        self->pending_tail = job;
        pthread_cond_signal (&self->wake);
    }
    pthread_mutex_unlock (&self->lock);
    if (stopping)
        s_job_free (job);
    return !stopping;
}

int
store_fd (store_t *self)
{
    return self->event_fd;
}

int
store_dispatch (store_t *self)
{
    uint64_t count;
    if (read (self->event_fd, &count, sizeof count) < 0) {
        //  Nothing signalled (EAGAIN); the lists are checked anyway.
    }
    pthread_mutex_lock (&self->lock);
    s_job_t *job = self->finished;
    self->finished = self->finished_tail = NULL;
    pthread_mutex_unlock (&self->lock);
    int called = 0;
    while (job) {
        s_job_t *next = job->next;
        char *json = job->json;
        job->json = NULL;
        job->done (job->arg, json, json ? job->size : 0);
        s_job_free (job);
        called++;
        job = next;
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
    for (int tier = 0; tier < STORE_TIERS; tier++)
        stats->oldest_ns[tier] = atomic_load (&c->oldest_ns[tier]);
    stats->queue_bytes =
        (int64_t) (atomic_load (&self->ring_tail) - atomic_load (&self->ring_head));
    stats->queue_samples = atomic_load (&self->queued);
}

bool
store_flush (store_t *self, int timeout_ms)
{
    int64_t wanted = atomic_fetch_add (&self->flush_wanted, 1) + 1;
    int64_t deadline = clock_mono_ns () + (int64_t) timeout_ms * 1000000;
    while (atomic_load (&self->flush_done) < wanted) {
        if (clock_mono_ns () >= deadline)
            return false;
        s_nap (1000000);
    }
    return true;
}
