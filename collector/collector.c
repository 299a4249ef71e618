/*  collector.c: the collector's one loop; the parts it runs are wired here.

    Design (docs/ARCHITECTURE.md, "One loop thread, plus workers"): one loop
    thread runs every part, with no locks; the store, the password hasher and
    remote write have worker threads of their own, and the store's and the
    hasher's answers come back through eventfds that the loop polls. zmq_poll
    waits on the ingest's sockets (SUB, its ZAP handler and monitor),
    libmicrohttpd's epoll fd and the signal pipe, for no longer than the
    earliest timer (MHD's timeout, a scheduled client wake, the liveness sweep
    and drop log). Each turn lets ingest drain a bounded batch of frames, so a
    flood of samples cannot starve the web server, then lets MHD write.

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
#define COLLECTOR_SWEEP_NS           100000000LL
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
    self->store = store_new (&store_config);
    if (!self->store)
        return false;
    self->report = store_report_new (self->store);
    return self->report != NULL;
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
                            .max_series = config->max_series};
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
                            .boot = self->boot,
                            .start_mono = self->start_mono,
                            .ingest = self->ingest,
                            .forward = self->forward,
                            .store = self->store,
                            .remote = self->remote,
                            .auth = self->auth,
                            .tls = self->tls.cert ? &self->tls : NULL,
                            .max_per_address = config->max_per_address};
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

static long
s_ms_until (int64_t deadline, int64_t now)
{
    if (deadline <= now)
        return 0;
    return (long) ((deadline - now + 999999) / 1000000);
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

int
collector_run (collector_t *self)
{
    assert (self);
    if (!signals_catch (true)) {
        log_error ("cannot set up signal handling: %s", strerror (errno));
        return EXIT_FAILURE;
    }
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
    enum { HTTP = INGEST_POLL_ITEMS, SIGNALS, OPTIONAL, ITEMS = OPTIONAL + 2 };
    zmq_pollitem_t items[ITEMS];
    ingest_poll_items (self->ingest, items);
    items[HTTP] = (zmq_pollitem_t){NULL, http_poll_fd (self->http), ZMQ_POLLIN, 0};
    items[SIGNALS] = (zmq_pollitem_t){NULL, signals_fd (), ZMQ_POLLIN, 0};
    //  The optional parts' fds follow the ones every collector polls.
    int item_count = OPTIONAL, auth_at = -1, store_at = -1;
    if (self->auth) {
        auth_at = item_count++;
        items[auth_at] = (zmq_pollitem_t){NULL, auth_fd (self->auth), ZMQ_POLLIN, 0};
    }
    if (self->store) {
        store_at = item_count++;
        items[store_at] = (zmq_pollitem_t){NULL, store_fd (self->store), ZMQ_POLLIN, 0};
    }
    int64_t now = clock_mono_ns ();
    int64_t next_sweep = now + COLLECTOR_SWEEP_NS;
    int64_t next_feed = feed_tick (self->feed, now);
    for (;;) {
        now = clock_mono_ns ();
        int64_t next = next_sweep < next_feed ? next_sweep : next_feed;
        long timeout = s_ms_until (next, now);
        long http_timeout = http_timeout_ms (self->http);
        if (http_timeout >= 0 && http_timeout < timeout)
            timeout = http_timeout;
        int64_t polled_at = now;
        if (zmq_poll (items, item_count, timeout) < 0 && errno != EINTR) {
            log_error ("poll failed: %s", zmq_strerror (errno));
            break;
        }
        if (items[SIGNALS].revents & ZMQ_POLLIN) {
            signals_drain ();
            if (signals_stop_requested ())
                break;
            if (signals_take_reload () && self->auth)
                auth_reload (self->auth);
        }
        bool logins =
            auth_at >= 0 && (items[auth_at].revents & ZMQ_POLLIN) && http_take_logins (self->http);
        bool answers = store_at >= 0 && (items[store_at].revents & ZMQ_POLLIN) &&
                       store_dispatch (self->store) > 0;
        bool drained = false;
        if (ingest_handle (self->ingest, items, COLLECTOR_DRAIN_BUDGET) > 0) {
            feed_notify (self->feed, clock_mono_ns ());
            drained = true;
        }
        now = clock_mono_ns ();
        if (self->forward && (drained || now >= next_sweep))
            forward_flush (self->forward, now);
        if (now >= next_sweep) {
            if (ingest_tick (self->ingest, now) > 0)
                feed_notify (self->feed, now);
            http_tick (self->http, now);
            if (self->report)
                store_report_tick (self->report, now);
            next_sweep = now + COLLECTOR_SWEEP_NS;
        }
        next_feed = feed_tick (self->feed, now);
        //  MHD last, and only when it has work: its fd is ready, this turn resumed
        //  clients (MHD does not signal its fd for them), or its timeout is due.
        //  Under a trickle of samples with no client waiting this saves an
        //  epoll_wait per sample.
        if ((items[HTTP].revents & ZMQ_POLLIN) || feed_take_resumed (self->feed) || logins ||
            answers || (http_timeout >= 0 && now - polled_at >= http_timeout * 1000000))
            http_run (self->http);
    }
    s_shutdown (self);
    return EXIT_SUCCESS;
}
