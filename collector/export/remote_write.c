/*  remote_write.c: the remote write sender, one thread and one HTTP handle per
    receiver.

    The loop thread's part is remote_write_append: copy the point into a flat
    record in a scratch buffer (no lock; rw_record.h) and that into the queue
    (a short lock). The sender thread owns everything that costs: it takes a
    batch, encodes its records as protobuf (checking names, sorting labels;
    a point that fails is counted as invalid), compresses the body with snappy
    into a buffer it keeps, POSTs it (rw_http.c), and on a retryable failure
    waits with backoff in the queue itself, so that a newer batch pushing this
    one out, or shutdown, ends the wait at once. remote_write_destroy can cut a
    request short (rw_http_abort): a receiver that answers after 10 s never
    holds shutdown past flush_ms.

    The sender is a worker (collector/base/include/worker.h: `zapm-rw-N`, signals blocked), but
    its queue is rw_queue, not a worker_queue_t: a full queue here drops the
    OLDEST batch (the one being retried included) rather than refusing the
    newest point, a batch is sealed by size or by the age of its first point,
    and a retry's backoff must end at once when a newer batch pushes its
    batch out. Nothing goes back to the loop (the counters are atomics), so
    there is no eventfd either.

    Counting: the queue counts points by fate under its lock; the sender counts
    requests (sent, rejected, retries by reason, bytes, last status) in atomics.
    Log lines come from the sender thread only: each kind of failure at most
    once a minute, with how many happened since the last line, and one line
    when delivery works again. The loop thread never logs from here.
*/
#include "remote_write.h"
#include "clock.h"
#include "base.h"
#include "rw_http.h"
#include "rw_queue.h"
#include "rw_record.h"
#include "rw_secret.h"
#include "worker.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <snappy-c.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_BATCH_BYTES  (4u << 20) //  a batch body stops growing here
#define S_LOG_EVERY_NS (60 * 1000000000LL)
#define S_IDLE_MS      1000 //  the sender wakes at least this often to log drops
#define S_WHAT_MAX     640  //  bytes of the text naming the last invalid point

//  The kinds of failure, each logged at most once a minute. The first four are
//  failures to deliver, after which "delivering again" is logged.
typedef enum {
    S_FAIL_NETWORK,
    S_FAIL_TIMEOUT,
    S_FAIL_5XX,
    S_FAIL_429,
    S_FAIL_REJECTED,
    S_FAIL_QUEUE_FULL,
    S_FAIL_INVALID,
    S_FAILS
} s_fail_t;

struct _remote_write_t {
    remote_write_config_t config;      //  numbers with defaults filled in (strings not kept)
    char *url;                         //  the URL, as given
    char *name;                        //  the URL without its query, for log lines
    char *user;                        //  basic auth user, or NULL
    char *password;                    //  basic auth password, or NULL
    char *token;                       //  bearer token, or NULL
    char *ca_file;                     //  CA file, or NULL
    rw_queue_t *queue;                 //  batches between the two threads
    rw_buf_t scratch;                  //  loop thread: the record being written
    rw_buf_t body;                     //  sender: the batch encoded as a WriteRequest
    rw_http_t *http;                   //  sender: the receiver's request handle
    worker_t *thread;                  //  the sender
    char *compressed;                  //  sender: snappy output buffer
    size_t compressed_capacity;        //  its size
    uint64_t random;                   //  sender: xorshift state for the jitter
    loglimit_t alarms[S_FAILS];        //  sender: log rate limits, counted
    bool failing;                      //  sender: a failure was logged since the last success
    uint64_t logged_queue_full;        //  sender: dropped_queue_full at the last check
    uint64_t logged_invalid;           //  sender: dropped_invalid at the last check
    pthread_mutex_t invalid_lock;      //  guards invalid_what (both threads write it)
    char invalid_what[S_WHAT_MAX];     //  the last invalid point: its name, labels and why
    atomic_uint_fast64_t invalid;      //  points remote_write_append refused (loop thread)
    uint64_t encode_invalid;           //  sender: points its encoder refused
    atomic_uint_fast64_t batches_sent; //  the request counters of rw_stats_t
    atomic_uint_fast64_t batches_rejected;
    atomic_uint_fast64_t retries_5xx;
    atomic_uint_fast64_t retries_429;
    atomic_uint_fast64_t retries_network;
    atomic_uint_fast64_t retries_timeout;
    atomic_uint_fast64_t bytes_sent;
    atomic_int last_status;
    atomic_int_fast64_t last_success_ms;
};

//  Fills in the defaults and checks the numbers. Returns what is wrong, or NULL.
static const char *
s_check_numbers (remote_write_config_t *c)
{
    if (!c->batch_points)
        c->batch_points = 5000;
    if (!c->batch_delay_ms)
        c->batch_delay_ms = 1000;
    if (!c->queue_points)
        c->queue_points = 100000;
    if (!c->timeout_ms)
        c->timeout_ms = 5000;
    if (!c->backoff_min_ms)
        c->backoff_min_ms = 100;
    if (!c->backoff_max_ms)
        c->backoff_max_ms = 30000;
    if (!c->flush_ms)
        c->flush_ms = 2000;
    if (c->batch_points > 1000000)
        return "batch points must be at most 1000000";
    if (c->queue_points < c->batch_points)
        return "the queue must hold at least one batch of points";
    if (c->batch_delay_ms > 3600000 || c->timeout_ms > 3600000 || c->flush_ms > 3600000)
        return "delays and timeouts must be at most an hour";
    if (c->backoff_min_ms > c->backoff_max_ms || c->backoff_max_ms > 3600000)
        return "the backoff must grow from its minimum to a maximum of at most an hour";
    return NULL;
}

//  Counts `events` failures of `kind` and logs them unless a line about that kind
//  went out less than a minute ago; the next line then says how many there were.
static void s_alarm (remote_write_t *self, s_fail_t kind, uint64_t events, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_alarm (remote_write_t *self, s_fail_t kind, uint64_t events, const char *fmt, ...)
{
    if (kind <= S_FAIL_429)
        self->failing = true; //  a delivery failure: say so when delivery works again
    loglimit_hold (&self->alarms[kind], events);
    uint64_t told = loglimit_take (&self->alarms[kind], clock_mono_ns ());
    if (!told)
        return;
    char what[512];
    va_list args;
    va_start (args, fmt);
    vsnprintf (what, sizeof what, fmt, args);
    va_end (args);
    log_warn ("remote write to %s: %s (%llu since the last such line)", self->name, what,
              (unsigned long long) told);
}

//  Logs the drops the queue and remote_write_append counted since the last look.
static void
s_check_drops (remote_write_t *self)
{
    rw_queue_stats_t stats;
    rw_queue_stats (self->queue, &stats);
    uint64_t invalid = atomic_load (&self->invalid) + self->encode_invalid;
    if (stats.dropped_queue_full > self->logged_queue_full) {
        s_alarm (self, S_FAIL_QUEUE_FULL, stats.dropped_queue_full - self->logged_queue_full,
                 "the queue is full: dropped the oldest points");
        self->logged_queue_full = stats.dropped_queue_full;
    }
    if (invalid > self->logged_invalid) {
        char what[S_WHAT_MAX];
        pthread_mutex_lock (&self->invalid_lock);
        memcpy (what, self->invalid_what, sizeof what);
        pthread_mutex_unlock (&self->invalid_lock);
        s_alarm (self, S_FAIL_INVALID, invalid - self->logged_invalid,
                 "refused invalid points, the last one: %s", what);
        self->logged_invalid = invalid;
    }
}

//  Appends at most `max` bytes of `text` to `out`, escaped, or `missing` for NULL.
static void
s_put (textbuf_t *out, const char *text, size_t max, const char *missing)
{
    if (!text) {
        textbuf_put (out, missing, strlen (missing));
        return;
    }
    char escaped[4 * 64 + 1];
    size_t size = strnlen (text, max + 1);
    log_escape (text, size, max < 64 ? max : 64, escaped);
    textbuf_put (out, escaped, strlen (escaped));
    if (size > max)
        TEXTBUF_LIT (out, "...");
}

//  Keeps, for the next log line, the metric and labels of an invalid point and
//  why it was refused: `why: name{label="value",other=(no value)}`, each name
//  and value cut short, the whole at S_WHAT_MAX bytes. Either thread.
static void
s_invalid (remote_write_t *self, const rw_point_t *point, const char *why)
{
    char what[S_WHAT_MAX];
    textbuf_t out = textbuf_fixed (what, sizeof what - 1);
    textbuf_printf (&out, "%s: ", why);
    s_put (&out, point->metric, 64, "(no metric name)");
    textbuf_putc (&out, '{');
    size_t count = point->label_count < RW_MAX_LABELS ? point->label_count : RW_MAX_LABELS;
    for (size_t i = 0; i < count; i++) {
        if (i)
            textbuf_putc (&out, ',');
        s_put (&out, point->labels[i].name, 32, "(no name)");
        if (point->labels[i].value) {
            TEXTBUF_LIT (&out, "=\"");
            s_put (&out, point->labels[i].value, 32, "");
            textbuf_putc (&out, '"');
        }
        else
            TEXTBUF_LIT (&out, "=(no value)");
    }
    textbuf_putc (&out, '}');
    size_t length = textbuf_length (&out);
    what[length] = '\0';
    pthread_mutex_lock (&self->invalid_lock);
    memcpy (self->invalid_what, what, length + 1);
    pthread_mutex_unlock (&self->invalid_lock);
}

//  The outcome of one try.
typedef enum {
    S_SENT,     //  2xx
    S_REJECTED, //  4xx other than 429: do not retry
    S_RETRY,    //  5xx, 429, network error or timeout: retry
    S_ABORTED   //  destroy cut it short
} s_outcome_t;

//  POSTs `size` compressed bytes once and classifies the outcome, counting and
//  logging it.
static s_outcome_t
s_post (remote_write_t *self, size_t size)
{
    long status;
    rw_http_result_t result = rw_http_post (self->http, self->compressed, size, &status);
    if (result == RW_HTTP_ABORTED)
        return S_ABORTED;
    if (result == RW_HTTP_TIMEOUT) {
        atomic_fetch_add (&self->retries_timeout, 1);
        s_alarm (self, S_FAIL_TIMEOUT, 1, "no answer in time, will retry: %s",
                 rw_http_error (self->http));
        return S_RETRY;
    }
    if (result == RW_HTTP_NETWORK) {
        atomic_fetch_add (&self->retries_network, 1);
        s_alarm (self, S_FAIL_NETWORK, 1, "cannot reach the receiver, will retry: %s",
                 rw_http_error (self->http));
        return S_RETRY;
    }
    atomic_store (&self->last_status, (int) status);
    if (status >= 200 && status < 300)
        return S_SENT;
    size_t body_size;
    const char *body = rw_http_answer (self->http, &body_size);
    char quoted[4 * RW_HTTP_ANSWER_MAX + 1];
    char answer[sizeof quoted + 32];
    log_escape (body, body_size, RW_HTTP_ANSWER_MAX, quoted);
    snprintf (answer, sizeof answer, "%ld \"%s\"", status, quoted);
    if (status == 429) {
        atomic_fetch_add (&self->retries_429, 1);
        s_alarm (self, S_FAIL_429, 1, "receiver is throttling (answer %s), will retry", answer);
        return S_RETRY;
    }
    if (status >= 500 && status < 600) {
        atomic_fetch_add (&self->retries_5xx, 1);
        s_alarm (self, S_FAIL_5XX, 1, "receiver failed (answer %s), will retry", answer);
        return S_RETRY;
    }
    atomic_fetch_add (&self->batches_rejected, 1);
    s_alarm (self, S_FAIL_REJECTED, 1, "receiver refused a batch (answer %s), dropped it", answer);
    return S_REJECTED;
}

//  A backoff of `delay_ms` with jitter: somewhere between half of it and all of it.
static int64_t
s_jitter (remote_write_t *self, int64_t delay_ms)
{
    uint64_t x = self->random;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    self->random = x;
    return delay_ms / 2 + (int64_t) (x % (uint64_t) (delay_ms / 2 + 1));
}

//  Encodes the batch's records into self->body, counting the points the encoder
//  refuses in batch->invalid. Returns 0, or -1 if short of memory.
static int
s_encode (remote_write_t *self, rw_batch_t *batch)
{
    self->body.size = 0;
    const uint8_t *at = batch->body.data;
    const uint8_t *end = at + batch->body.size;
    while (at < end) {
        rw_point_t point;
        rw_label_t labels[RW_MAX_LABELS];
        at += rw_record_read (at, &point, labels);
        const char *wrong = rw_proto_append (&self->body, &point);
        if (wrong && !strcmp (wrong, "out of memory"))
            return -1;
        if (wrong) {
            batch->invalid++;
            self->encode_invalid++;
            s_invalid (self, &point, wrong);
        }
    }
    return 0;
}

//  Compresses self->body into self->compressed. Returns its size, or 0 if short
//  of memory.
static size_t
s_compress (remote_write_t *self)
{
    size_t need = snappy_max_compressed_length (self->body.size);
    if (need > self->compressed_capacity) {
        char *bigger = realloc (self->compressed, need);
        if (!bigger)
            return 0;
        self->compressed = bigger;
        self->compressed_capacity = need;
    }
    size_t size = need;
    if (snappy_compress ((const char *) self->body.data, self->body.size, self->compressed,
                         &size) != SNAPPY_OK)
        return 0;
    return size;
}

//  Delivers one batch: tries until it is sent or refused, or given up (pushed
//  out by a newer batch, or shutdown).
static void
s_deliver (remote_write_t *self, rw_batch_t *batch)
{
    size_t size = s_encode (self, batch) ? 0 : s_compress (self);
    int64_t delay = self->config.backoff_min_ms;
    rw_fate_t fate = RW_FATE_GIVEN_UP;
    if (batch->invalid == batch->points) {
        fate = RW_FATE_SENT; //  nothing left to send: every point was counted invalid
        size = 0;
    }
    while (size) {
        s_outcome_t outcome = s_post (self, size);
        if (outcome == S_SENT) {
            atomic_fetch_add (&self->batches_sent, 1);
            atomic_fetch_add (&self->bytes_sent, size);
            atomic_store (&self->last_success_ms, clock_wall_ns () / 1000000);
            if (self->failing)
                log_info ("remote write to %s: delivering again", self->name);
            self->failing = false;
            fate = RW_FATE_SENT;
            break;
        }
        if (outcome == S_REJECTED) {
            fate = RW_FATE_REJECTED;
            break;
        }
        if (outcome == S_ABORTED || !rw_queue_backoff (self->queue, batch, s_jitter (self, delay)))
            break;
        s_check_drops (self);
        delay = delay * 2 < self->config.backoff_max_ms ? delay * 2 : self->config.backoff_max_ms;
    }
    if (!size && fate == RW_FATE_GIVEN_UP)
        s_alarm (self, S_FAIL_NETWORK, 1, "out of memory encoding a batch, dropped it");
    rw_queue_finish (self->queue, batch, fate);
}

static void
s_sender (void *arg)
{
    remote_write_t *self = arg;
    while (!rw_queue_done (self->queue)) {
        rw_batch_t *batch = rw_queue_take (self->queue, S_IDLE_MS);
        s_check_drops (self);
        if (batch)
            s_deliver (self, batch);
    }
}

//  Frees everything remote_write_new may have set up; the thread is not running.
static void
s_free (remote_write_t *self)
{
    rw_http_destroy (&self->http);
    rw_queue_destroy (&self->queue);
    rw_buf_free (&self->scratch);
    rw_buf_free (&self->body);
    free (self->compressed);
    free (self->url);
    free (self->name);
    free (self->user);
    free (self->ca_file);
    rw_secret_free (self->password);
    rw_secret_free (self->token);
    pthread_mutex_destroy (&self->invalid_lock);
    free (self);
}

//  Copies the config's strings, reads the secrets. Returns what is wrong, or NULL
//  (a secret file's problem is logged by rw_secret_read, then "" is returned).
static const char *
s_configure (remote_write_t *self, const remote_write_config_t *config)
{
    const char *wrong = s_check_numbers (&self->config);
    if (!wrong)
        wrong = rw_http_check_url (config->url, &self->name);
    if (wrong)
        return wrong;
    bool basic = config->basic_user || config->basic_password_file;
    if (basic && config->bearer_token_file)
        return "choose basic auth or a bearer token, not both";
    if (basic && (!config->basic_user || !*config->basic_user || !config->basic_password_file))
        return "basic auth needs both a user name and a password file";
    if (config->basic_user && strchr (config->basic_user, ':'))
        return "a basic auth user name cannot hold ':'";
    if (config->ca_file && access (config->ca_file, R_OK))
        return "cannot read the CA file";
    if (!(self->url = strdup (config->url)) ||
        (config->basic_user && !(self->user = strdup (config->basic_user))) ||
        (config->ca_file && !(self->ca_file = strdup (config->ca_file))))
        return "out of memory";
    if (config->basic_password_file &&
        !(self->password = rw_secret_read (config->basic_password_file, "password")))
        return "";
    if (config->bearer_token_file &&
        !(self->token = rw_secret_read (config->bearer_token_file, "bearer token")))
        return "";
    if ((self->user || self->token) && strncmp (self->url, "https:", 6))
        log_warn ("remote write to %s: credentials go over plain http; use https beyond "
                  "this host",
                  self->name);
    return NULL;
}

remote_write_t *
remote_write_new (const remote_write_config_t *config)
{
    assert (config);
    remote_write_t *self = calloc (1, sizeof *self);
    if (!self) {
        log_error ("remote write: out of memory");
        return NULL;
    }
    self->config = *config;
    self->config.url = self->config.basic_user = NULL;
    for (int kind = 0; kind < S_FAILS; kind++)
        self->alarms[kind] = (loglimit_t) LOGLIMIT_COUNTED (S_LOG_EVERY_NS);
    self->config.basic_password_file = self->config.bearer_token_file = NULL;
    self->config.ca_file = NULL;
    self->random = (uint64_t) clock_mono_ns () ^ (uint64_t) (uintptr_t) self;
    if (!self->random)
        self->random = 1;
    pthread_mutex_init (&self->invalid_lock, NULL);

    const char *wrong = s_configure (self, config);
    if (!wrong) {
        uint32_t batches =
            (self->config.queue_points + self->config.batch_points - 1) / self->config.batch_points;
        self->queue = rw_queue_new (self->config.batch_points, S_BATCH_BYTES, batches,
                                    self->config.batch_delay_ms);
        rw_http_config_t http = {self->url,   self->user,    self->password,
                                 self->token, self->ca_file, self->config.timeout_ms};
        self->http = rw_http_new (&http);
        if (!self->queue || !self->http)
            wrong = "out of memory, or libcurl failed to start";
    }
    if (!wrong) {
        char name[16];
        snprintf (name, sizeof name, "zapm-rw-%u", config->index);
        if (!(self->thread = worker_new (name, s_sender, self)))
            wrong = "cannot start the sender thread";
    }
    if (wrong) {
        if (*wrong)
            log_error ("remote write to %s: %s", self->name ? self->name : "(no URL)", wrong);
        s_free (self);
        return NULL;
    }
    log_info ("remote write to %s: sending batches of %u points or %u ms, queue of %u points",
              self->name, self->config.batch_points, self->config.batch_delay_ms,
              self->config.queue_points);
    return self;
}

void
remote_write_destroy (remote_write_t **self_p)
{
    assert (self_p);
    remote_write_t *self = *self_p;
    if (!self)
        return;
    rw_queue_close (self->queue);
    if (!worker_join (self->thread, (int) self->config.flush_ms)) {
        rw_queue_abort (self->queue);
        rw_http_abort (self->http);
    }
    worker_destroy (&self->thread);
    rw_stats_t stats;
    remote_write_stats (self, &stats);
    if (stats.points_dropped_shutdown)
        log_warn ("remote write to %s: %llu points not delivered within %u ms of shutdown",
                  self->name, (unsigned long long) stats.points_dropped_shutdown,
                  self->config.flush_ms);
    s_free (self);
    *self_p = NULL;
}

int
remote_write_append (remote_write_t *self, const rw_point_t *point)
{
    assert (self);
    assert (point);
    self->scratch.size = 0;
    const char *wrong = rw_record_write (&self->scratch, point);
    if (wrong) {
        s_invalid (self, point, wrong);
        atomic_fetch_add (&self->invalid, 1);
        return -1;
    }
    return rw_queue_push (self->queue, self->scratch.data, self->scratch.size);
}

void
remote_write_stats (remote_write_t *self, rw_stats_t *stats)
{
    assert (self);
    uint64_t invalid = atomic_load (&self->invalid);
    rw_queue_stats_t queue;
    rw_queue_stats (self->queue, &queue);
    *stats = (rw_stats_t){
        .points_appended = queue.queued + invalid,
        .points_sent = queue.sent,
        .points_dropped_invalid = invalid + queue.dropped_invalid,
        .points_dropped_queue_full = queue.dropped_queue_full,
        .points_dropped_rejected = queue.dropped_rejected,
        .points_dropped_shutdown = queue.dropped_shutdown,
        .queue_points = queue.depth_points,
        .queue_batches = queue.depth_batches,
        .batches_sent = atomic_load (&self->batches_sent),
        .batches_rejected = atomic_load (&self->batches_rejected),
        .retries_5xx = atomic_load (&self->retries_5xx),
        .retries_429 = atomic_load (&self->retries_429),
        .retries_network = atomic_load (&self->retries_network),
        .retries_timeout = atomic_load (&self->retries_timeout),
        .bytes_sent = atomic_load (&self->bytes_sent),
        .last_status = atomic_load (&self->last_status),
        .last_success_ms = atomic_load (&self->last_success_ms),
    };
}

const char *
remote_write_name (remote_write_t *self)
{
    assert (self);
    return self->name;
}
