/*  collector.c: the collector's parts, wired together on one loop (loop.h).

    Design (docs/ARCHITECTURE.md, "One loop thread, plus workers"): one loop
    thread runs every part, with no locks; the store, the password hasher and
    remote write have worker threads of their own, and the store's and the
    hasher's answers come back through eventfds that the loop polls. Each
    part registers what wakes it (s_register): the signal fd, those answer
    fds, the ingest's sockets (SUB, its ZAP handler and monitor), forward's
    links and libmicrohttpd's epoll fd, and one timer per periodic job. A job
    with nothing pending has no timer armed, so an idle collector wakes only
    for the feed's 15 s keep-alive (and the store report's hourly summary),
    plus once a second to re-read the allow-list with --curve-allow.

    Each turn lets ingest drain a bounded batch of frames, so a flood of
    samples cannot starve the web server, then lets MHD write: MHD runs last
    (a loop hook), and only when it has work.

    Shutdown on SIGINT/SIGTERM: streams are told to end and every suspended
    client is resumed, MHD runs until they have drained (at most 800 ms), and only
    then is MHD stopped, since stopping it with suspended connections aborts.
*/
#include "collector.h"
#include "auth.h"
#include "cli.h"
#include "signals.h"
#include "clock.h"
#include "web.h"
#include "ingest.h"
#include "base.h"
#include "stream.h"
#include "series.h"
#include "store.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zmq.h>

#define COLLECTOR_DRAIN_BUDGET       512
#define COLLECTOR_SWEEP_NS           100000000LL  //  liveness, while series are live
#define COLLECTOR_ALLOWLIST_NS       1000000000LL //  --curve-allow's directory
#define COLLECTOR_REPORT_NS          1000000000LL //  the store's log lines, while samples come
#define COLLECTOR_SHUTDOWN_NS        800000000LL
#define COLLECTOR_RING_SLOTS_PER_MIB 8192

struct _collector_t {
    config_t config;             //  settings
    char boot[SSE_BOOT_LEN + 1]; //  this run's token, in every event id
    struct {
        ingest_stats_t ingest; //  the ingest path's
        gate_stats_t gate;     //  the agents' connections'
        web_stats_t web;       //  the streams' and the HTTP port's
        auth_stats_t auth;     //  the logins'
    } stats;                   //  every part's counters, for /metrics
    ring_t *ring;              //  framed events
    series_map_t *series;      //  per-series state
    latest_t *latest;          //  each series' latest values, for /metrics
    feed_t *feed;              //  SSE streams
    ingest_t *ingest;          //  SUB socket and the ingest path
    forward_t *forward;        //  upstream links, or NULL
    remote_export_t *remote;   //  remote write receivers, or NULL
    http_t *http;              //  web server
    auth_t *auth;              //  --users logins, or NULL
    tls_pem_t tls;             //  --tls-cert and --tls-key, when given
    store_t *store;            //  durable history, or NULL with --store none
    char store_path[4096];     //  where it is
    store_report_t *report;    //  the store's log lines, with the store
    int64_t start_mono;        //  for uptime
    loop_t *loop;              //  the loop, while collector_run runs
    int sweep_timer;           //  liveness sweep, armed while series are live
    int drops_timer;           //  ingest's drop line and summaries, armed while one waits
    int feed_timer;            //  the feed's next wake (feed_tick)
    int forward_timer;         //  forward's waiting batch or drop lines
    int header_timer;          //  the header deadline, armed while heads are awaited
    int report_timer;          //  the store's log lines: each second while samples come
    bool http_due;             //  MHD has work in this turn
};

static void s_close_store (collector_t *self);

//  Each stream needs a descriptor: lift the soft limit as far as allowed.
static void
s_raise_fd_limit (uint32_t max_clients)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t wanted = (rlim_t) max_clients + 256;
    if (limit.rlim_cur >= wanted)
        return;
    limit.rlim_cur = wanted < limit.rlim_max ? wanted : limit.rlim_max;
    setrlimit (RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < wanted)
        log_warn ("only %lu file descriptors allowed (ulimit -n); --max-clients %u needs %lu",
                  (unsigned long) limit.rlim_cur, max_clients, (unsigned long) wanted);
}

//  Loads --tls-cert/--tls-key and --users; false after logging why.
static bool
s_secure (collector_t *self)
{
    if (self->config.tls_cert) {
        if (!tls_available ()) {
            log_error ("--tls-cert: this libmicrohttpd was built without TLS support");
            return false;
        }
        if (!tls_pem_load (&self->tls, self->config.tls_cert, self->config.tls_key))
            return false;
    }
    if (self->config.users && !(self->auth = auth_new (self->config.users, &self->stats.auth)))
        return false;
    if (!self->config.users && self->config.http.sin_addr.s_addr != htonl (INADDR_LOOPBACK) &&
        (ntohl (self->config.http.sin_addr.s_addr) >> 24) != 127)
        log_warn ("the dashboard is open to anyone who reaches %s: add --users (and --tls-cert) "
                  "to require logins",
                  self->config.http_text);
    return true;
}

//  Opens the store (--store), unless it is "none"; false after logging why.
static bool
s_open_store (collector_t *self)
{
    const config_t *config = &self->config;
    if (strcmp (config->store, "none") == 0)
        return true;
    if (!config->store[0]) {
        if (!store_path_default (self->store_path, sizeof self->store_path))
            return false;
    }
    else
        snprintf (self->store_path, sizeof self->store_path, "%s", config->store);
    store_config_t store_config;
    store_config_defaults (&store_config, self->store_path);
    for (int tier = 0; tier < STORE_TIERS; tier++)
        store_config.retention_s[tier] = (int64_t) (config->store_days[tier] * 86400.0 + 0.5);
    store_config.max_mib = config->store_max_mib;
    store_config.seal_s = config->store_seal_s;
    store_config.max_series = config->store_max_series;
    store_config.max_metrics = config->store_max_metrics;
    store_config.max_series_metrics = config->store_max_series_metrics;
    self->store = store_new (&store_config);
    if (!self->store)
        return false;
    self->report = store_report_new (self->store);
    return self->report != NULL;
}

//  How far back the store is read into memory at start: the longest window
//  memory answers (/api/history?seconds=, web's QUERY_SECONDS_MAX).
#define COLLECTOR_RECALL_S 86400

static void
s_on_recalled (void *arg, const store_recall_point_t *point)
{
    collector_t *self = arg;
    series_recalled_t recalled = {.id = point->who->key,
                                  .agent = point->who->agent,
                                  .host = point->who->host,
                                  .has_pid = point->who->pid >= 0,
                                  .pid = point->who->pid >= 0 ? (uint64_t) point->who->pid : 0,
                                  .color = point->who->color,
                                  .time_ns = point->time_ns,
                                  .customs = point->customs};
    for (int c = 0; c < ZAPM_CHARTED_COUNT; c++)
        recalled.charted[c] = (float) point->charted[c];
    for (int c = 0; c < point->customs; c++) {
        recalled.custom_name[c] = point->custom_name[c];
        recalled.custom_value[c] = (float) point->custom_value[c];
    }
    if (point->who->key)
        series_map_recall (self->series, &recalled, clock_mono_ns (), clock_wall_ns ());
}

//  Reads the store's newest points back into memory, before HTTP serves: the
//  memory windows hold after a restart (or a kill -9) what they held before.
static void
s_recall (collector_t *self)
{
    int64_t now = clock_wall_ns ();
    int64_t started = clock_mono_ns ();
    int64_t points =
        store_recall (self->store_path, now - COLLECTOR_RECALL_S * 1000000000LL,
                      self->config.history_points, self->config.max_series, s_on_recalled, self);
    if (points > 0)
        log_info ("store: %lld points of %u series read back into memory in %.2f s",
                  (long long) points, series_map_size (self->series),
                  (double) (clock_mono_ns () - started) / 1e9);
}

collector_t *
collector_new (const config_t *config)
{
    collector_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    self->start_mono = clock_mono_ns ();
    sse_boot_token (self->boot);
    s_raise_fd_limit (config->max_clients);
    size_t ring_bytes = (size_t) config->ring_mib << 20;
    self->ring = ring_new (ring_bytes, (size_t) config->ring_mib * COLLECTOR_RING_SLOTS_PER_MIB);
    self->series = series_map_new (config->max_series, config->history_points);
    self->latest = latest_new (config->max_series);
    self->feed =
        self->ring && self->series && self->latest
            ? feed_new (self->ring, self->series, &self->stats.web, self->boot, config->max_clients)
            : NULL;
    if (!self->feed) {
        log_error ("out of memory setting up a %u MiB ring", config->ring_mib);
        collector_destroy (&self);
        return NULL;
    }
    if (!s_open_store (self)) {
        collector_destroy (&self);
        return NULL;
    }
    if (self->store)
        s_recall (self);
    if (config->forward_count) {
        self->forward = forward_new (config->forward, config->forward_count, config->name,
                                     self->boot, &config->forward_curve);
        if (!self->forward) {
            collector_destroy (&self);
            return NULL;
        }
    }
    if (config->remote.count) {
        self->remote = remote_export_new (&config->remote);
        if (!self->remote) {
            collector_destroy (&self);
            return NULL;
        }
    }
    ingest_sinks_t sinks = {.forward = self->forward,
                            .store = self->store,
                            .remote = self->remote,
                            .series = self->series,
                            .ring = self->ring,
                            .stats = &self->stats.ingest,
                            .gate_stats = &self->stats.gate,
                            .latest = self->latest,
                            .boot = self->boot,
                            .max_series = config->max_series,
                            .log_lines = config->log_lines,
                            .log_window_s = config->log_window_s};
    self->ingest = ingest_new (config->bind, &config->gate, &sinks);
    if (!self->ingest) {
        collector_destroy (&self);
        return NULL;
    }
    if (!s_secure (self)) {
        collector_destroy (&self);
        return NULL;
    }
    http_routes_t routes = {.feed = self->feed,
                            .series = self->series,
                            .ring = self->ring,
                            .stats = &self->stats.web,
                            .counters = {.ingest = &self->stats.ingest,
                                         .gate = &self->stats.gate,
                                         .web = &self->stats.web,
                                         .auth = &self->stats.auth},
                            .latest = self->latest,
                            .metrics_ttl = (int64_t) (config->metrics_ttl_s * 1e9),
                            .metrics_max_names = config->metrics_max_names,
                            .boot = self->boot,
                            .ingest_endpoint = config->bind,
                            .ingest_curve = config->gate.curve_cert != NULL,
                            .start_mono = self->start_mono,
                            .ingest = self->ingest,
                            .forward = self->forward,
                            .store = self->store,
                            .remote = self->remote,
                            .auth = self->auth,
                            .tls = self->tls.cert ? &self->tls : NULL,
                            .max_per_address = config->max_per_address,
                            .query_memory = config->query_memory,
                            .query_answer_max = config->query_answer_max,
                            .write_timeout_s = config->write_timeout_s};
    self->http = http_new (&config->http, config->max_clients, &routes);
    if (!self->http) {
        log_error ("cannot serve HTTP on %s: %s (is another collector running?)", config->http_text,
                   strerror (errno));
        collector_destroy (&self);
        return NULL;
    }
    return self;
}

void
collector_destroy (collector_t **self_p)
{
    assert (self_p);
    collector_t *self = *self_p;
    if (self) {
        //  The store first: it answers pending queries (their connections
        //  resume) and MHD must not stop with a connection suspended.
        s_close_store (self);
        http_destroy (&self->http);
        auth_destroy (&self->auth);
        tls_pem_free (&self->tls);
        ingest_destroy (&self->ingest);
        forward_destroy (&self->forward);
        remote_export_destroy (&self->remote);
        feed_destroy (&self->feed);
        series_map_destroy (&self->series);
        latest_destroy (&self->latest);
        ring_destroy (&self->ring);
        free (self);
        *self_p = NULL;
    }
}

//  Stops the store: pending history queries are answered (503) and resumed;
//  the routes forget it, so later requests are answered from memory.
static void
s_close_store (collector_t *self)
{
    if (!self->store)
        return;
    if (self->http)
        http_forget_store (self->http);
    store_report_destroy (&self->report);
    store_destroy (&self->store);
    if (self->http)
        http_run (self->http);
}

static void
s_shutdown (collector_t *self)
{
    log_info ("stopping: ending %u stream%s", feed_clients (self->feed),
              feed_clients (self->feed) == 1 ? "" : "s");
    feed_close (self->feed);
    http_cancel_logins (self->http);
    s_close_store (self);
    int64_t deadline = clock_mono_ns () + COLLECTOR_SHUTDOWN_NS;
    zmq_pollitem_t item = {NULL, http_poll_fd (self->http), ZMQ_POLLIN, 0};
    while (feed_clients (self->feed) > 0 && clock_mono_ns () < deadline) {
        http_run (self->http);
        zmq_poll (&item, 1, 10);
    }
    http_run (self->http);
    log_info ("stopped after %lu samples received, %lu events sent into the ring",
              (unsigned long) self->stats.ingest.received,
              (unsigned long) self->stats.ingest.events);
}

//  Signals: stop (the loop ends), or reload the users file.
static int
s_on_signal (loop_t *loop, void *arg)
{
    (void) loop;
    collector_t *self = arg;
    signals_drain ();
    if (signals_stop_requested ())
        return -1;
    if (signals_take_reload () && self->auth)
        auth_reload (self->auth);
    return 0;
}

//  The password hasher finished login checks: their requests resume.
static int
s_on_logins (loop_t *loop, void *arg)
{
    (void) loop;
    collector_t *self = arg;
    if (http_take_logins (self->http))
        self->http_due = true;
    return 0;
}

//  The store answered history queries: their requests resume.
static int
s_on_answers (loop_t *loop, void *arg)
{
    (void) loop;
    collector_t *self = arg;
    if (store_dispatch (self->store) > 0)
        self->http_due = true;
    return 0;
}

//  New events are in the ring: the feed wakes its clients now or schedules
//  it, and its timer moves to its next wake.
static void
s_feed_events (collector_t *self, int64_t now)
{
    feed_notify (self->feed, now);
    loop_timer_at (self->loop, self->feed_timer, feed_tick (self->feed, now));
}

//  Frames from agents: a bounded batch per turn, then what they set going
//  (the feed, the forward batch, the liveness sweep, a drop log line).
static int
s_on_frames (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    if (ingest_drain (self->ingest, COLLECTOR_DRAIN_BUDGET) > 0) {
        int64_t now = clock_mono_ns ();
        s_feed_events (self, now);
        if (self->forward)
            forward_flush (self->forward, now);
        if (self->report && loop_timer_next (loop, self->report_timer) > now + COLLECTOR_REPORT_NS)
            loop_timer_at (loop, self->report_timer, now + COLLECTOR_REPORT_NS);
    }
    if (self->forward)
        loop_timer_at (loop, self->forward_timer, forward_due (self->forward));
    if (!loop_timer_next (loop, self->sweep_timer) && series_map_live (self->series) > 0)
        loop_timer_at (loop, self->sweep_timer, clock_mono_ns () + COLLECTOR_SWEEP_NS);
    loop_timer_at (loop, self->drops_timer, ingest_drops_due (self->ingest));
    return 0;
}

//  Marks silent series as left; stops when none is live.
static int
s_on_sweep (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    if (ingest_sweep (self->ingest, loop_now (loop)) > 0)
        s_feed_events (self, loop_now (loop));
    if (series_map_live (self->series) == 0)
        loop_timer_at (loop, self->sweep_timer, 0);
    //  Lines of agents that left may have been held back: their summary is due.
    loop_timer_at (loop, self->drops_timer, ingest_drops_due (self->ingest));
    return 0;
}

static int
s_on_drops (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    ingest_log_drops (self->ingest, loop_now (loop));
    loop_timer_at (loop, self->drops_timer, ingest_drops_due (self->ingest));
    return 0;
}

static int
s_on_allowlist (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    ingest_reread_allowlist (self->ingest, loop_now (loop));
    return 0;
}

static int
s_on_feed (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    loop_timer_at (loop, self->feed_timer, feed_tick (self->feed, loop_now (loop)));
    return 0;
}

static int
s_on_forward (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    forward_flush (self->forward, loop_now (loop));
    loop_timer_at (loop, self->forward_timer, forward_due (self->forward));
    return 0;
}

static int
s_on_report (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    loop_timer_at (loop, self->report_timer, store_report_tick (self->report, loop_now (loop)));
    return 0;
}

static int
s_on_header_deadline (loop_t *loop, void *arg)
{
    collector_t *self = arg;
    http_tick (self->http, loop_now (loop));
    loop_timer_at (loop, self->header_timer, http_tick_due (self->http));
    return 0;
}

//  MHD's epoll fd is readable.
static int
s_on_http (loop_t *loop, void *arg)
{
    (void) loop;
    collector_t *self = arg;
    self->http_due = true;
    return 0;
}

static long
s_http_timeout (void *arg)
{
    collector_t *self = arg;
    return http_timeout_ms (self->http);
}

//  MHD last, and only when it has work: its fd is ready, this turn resumed
//  clients (MHD does not signal its fd for them), or its timeout is due.
//  Under a trickle of samples with no client waiting this saves an
//  epoll_wait per sample. Connections it accepted or served may now await a
//  request head: the header deadline's timer follows.
static int
s_on_turn_end (loop_t *loop, bool due, void *arg)
{
    collector_t *self = arg;
    if (self->http_due || feed_take_resumed (self->feed) || due) {
        http_run (self->http);
        loop_timer_at (loop, self->header_timer, http_tick_due (self->http));
    }
    self->http_due = false;
    return 0;
}

//  Adds a timer; false when the loop is full.
static bool
s_timer (collector_t *self, int64_t period_ns, loop_fn *handler, int *id)
{
    int timer = loop_timer (self->loop, period_ns, handler, self);
    if (id)
        *id = timer;
    return timer >= 0;
}

static bool
s_register_signals (collector_t *self)
{
    return loop_reader (self->loop, NULL, signals_fd (), s_on_signal, self) == 0;
}

static bool
s_register_logins (collector_t *self)
{
    return !self->auth ||
           loop_reader (self->loop, NULL, auth_fd (self->auth), s_on_logins, self) == 0;
}

static bool
s_register_store (collector_t *self)
{
    if (!self->store)
        return true;
    if (loop_reader (self->loop, NULL, store_fd (self->store), s_on_answers, self) != 0 ||
        !s_timer (self, 0, s_on_report, &self->report_timer))
        return false;
    loop_timer_at (self->loop, self->report_timer, clock_mono_ns () + COLLECTOR_REPORT_NS);
    return true;
}

static bool
s_register_ingest (collector_t *self)
{
    if (ingest_register (self->ingest, self->loop, s_on_frames, self) != 0 ||
        !s_timer (self, COLLECTOR_SWEEP_NS, s_on_sweep, &self->sweep_timer) ||
        !s_timer (self, 0, s_on_drops, &self->drops_timer))
        return false;
    return !self->config.gate.curve_allow ||
           s_timer (self, COLLECTOR_ALLOWLIST_NS, s_on_allowlist, NULL);
}

static bool
s_register_forward (collector_t *self)
{
    if (!self->forward)
        return true;
    return forward_register (self->forward, self->loop) == 0 &&
           s_timer (self, 0, s_on_forward, &self->forward_timer);
}

static bool
s_register_feed (collector_t *self)
{
    if (!s_timer (self, 0, s_on_feed, &self->feed_timer))
        return false;
    loop_timer_at (self->loop, self->feed_timer, feed_tick (self->feed, clock_mono_ns ()));
    return true;
}

static bool
s_register_http (collector_t *self)
{
    return loop_reader (self->loop, NULL, http_poll_fd (self->http), s_on_http, self) == 0 &&
           s_timer (self, 0, s_on_header_deadline, &self->header_timer) &&
           loop_hook (self->loop, s_http_timeout, s_on_turn_end, self) == 0;
}

//  Each part's place in the loop. Readers are served in this order in a turn:
//  signals first (a stop ends the turn), answers from the worker threads, then
//  ingest; MHD's fd only marks that MHD has work, done at the turn's end.
static bool
s_register (collector_t *self)
{
    return s_register_signals (self) && s_register_logins (self) && s_register_store (self) &&
           s_register_ingest (self) && s_register_forward (self) && s_register_feed (self) &&
           s_register_http (self);
}

//  Says where the collector listens and keeps history.
static void
s_log_start (collector_t *self)
{
    log_info ("listening for agents on %s", ingest_endpoint (self->ingest));
    ingest_log_mode (self->ingest);
    char host[INET_ADDRSTRLEN] = "127.0.0.1";
    if (self->config.http.sin_addr.s_addr != htonl (INADDR_ANY))
        inet_ntop (AF_INET, &self->config.http.sin_addr, host, sizeof host);
    if (self->store)
        log_info ("history stored in %s (--store-max-mib %ld)", self->store_path,
                  self->config.store_max_mib);
    else
        log_info ("history kept in memory only (--store none)");
    log_info ("dashboard at %s://%s:%u/ (boot %s)", self->tls.cert ? "https" : "http", host,
              http_port (self->http), self->boot);
}

int
collector_run (collector_t *self)
{
    assert (self);
    if (!signals_catch (true)) {
        log_error ("cannot set up signal handling: %s", strerror (errno));
        return EXIT_FAILURE;
    }
    s_log_start (self);
    self->loop = loop_new ();
    if (!self->loop || !s_register (self)) {
        log_error ("cannot set up the loop: out of memory or more parts than it holds");
        loop_destroy (&self->loop);
        return EXIT_FAILURE;
    }
    if (loop_run (self->loop) < 0)
        log_error ("poll failed: %s", zmq_strerror (errno));
    loop_destroy (&self->loop);
    s_shutdown (self);
    return EXIT_SUCCESS;
}
