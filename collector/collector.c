/*  collector.c: the collector's one loop and its ingest path.

    Design (DESIGN.md "Collector internals"): one thread, no locks. zmq_poll waits
    on the SUB socket, libmicrohttpd's epoll fd and a signal pipe, for no longer
    than the earliest timer (MHD's timeout, a scheduled client wake, the liveness
    sweep, the invalid-frame log). Each turn drains a bounded batch of frames, so
    a flood of samples cannot starve the web server, then lets MHD write.

    Shutdown on SIGINT/SIGTERM: streams are told to end and every suspended
    client is resumed, MHD runs until they have drained (at most 800 ms), and only
    then is MHD stopped, since stopping it with suspended connections aborts.
*/
#include "collector.h"
#include "cli.h"
#include "clock.h"
#include "feed.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "ring.h"
#include "series_map.h"
#include "sse.h"
#include "stats.h"
#include "validate.h"
#include "wire.h"

#include <arpa/inet.h>
#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zmq.h>

#define COLLECTOR_DRAIN_BUDGET       512
#define COLLECTOR_SWEEP_NS           100000000LL
#define COLLECTOR_LOG_GAP_NS         1000000000LL
#define COLLECTOR_SHUTDOWN_NS        800000000LL
#define COLLECTOR_RING_SLOTS_PER_MIB 8192
#define COLLECTOR_EXCERPT            48

struct _collector_t {
    config_t config;                              //  settings
    char boot[SSE_BOOT_LEN + 1];                  //  this run's token, in every event id
    stats_t stats;                                //  counters
    ring_t *ring;                                 //  framed events
    series_map_t *series;                         //  per-series state
    feed_t *feed;                                 //  SSE streams
    ingest_t *ingest;                             //  SUB socket
    http_t *http;                                 //  web server
    int64_t start_mono;                           //  for uptime
    bool in_multipart;                            //  inside a multipart message being dropped
    uint64_t dropped_unlogged;                    //  drops since the last log line
    validate_reason_t last_drop;                  //  reason of the latest drop
    char last_excerpt[COLLECTOR_EXCERPT * 4 + 1]; // its first bytes, escaped
    int64_t next_drop_log;                        //  earliest time for the next drop line
};

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
    self->feed = self->ring && self->series ? feed_new (self->ring, self->series, &self->stats,
                                                        self->boot, config->max_clients)
                                            : NULL;
    if (!self->feed) {
        log_error ("out of memory setting up a %u MiB ring", config->ring_mib);
        collector_destroy (&self);
        return NULL;
    }
    self->ingest = ingest_new (config->bind);
    if (!self->ingest) {
        collector_destroy (&self);
        return NULL;
    }
    http_routes_t routes = {.feed = self->feed,
                            .series = self->series,
                            .ring = self->ring,
                            .stats = &self->stats,
                            .boot = self->boot,
                            .start_mono = self->start_mono};
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
        http_destroy (&self->http);
        ingest_destroy (&self->ingest);
        feed_destroy (&self->feed);
        series_map_destroy (&self->series);
        ring_destroy (&self->ring);
        free (self);
        *self_p = NULL;
    }
}

//  Appends one framed event for `series` to the ring.
static void
s_append (collector_t *self, const series_t *series, const char *name, const char *json,
          size_t size, bool minify, int64_t mono_ns)
{
    char *slot = ring_reserve (self->ring, size + SSE_FRAME_OVERHEAD + 1);
    size_t framed = sse_frame (slot, self->boot, ring_head (self->ring), name, json, size, minify);
    ring_commit (self->ring, framed, series->index, mono_ns);
    self->stats.events++;
}

//  Appends `event: agent` for a series that joined or left, with the live count.
static void
s_append_agent_event (collector_t *self, const series_t *series, const char *state)
{
    cJSON *event = cJSON_CreateObject ();
    cJSON_AddStringToObject (event, ZAPM_KEY_ID, series->id);
    cJSON_AddStringToObject (event, ZAPM_KEY_STATE, state);
    cJSON_AddNumberToObject (event, ZAPM_KEY_AGENTS, series_map_live (self->series));
    char *json = cJSON_PrintUnformatted (event);
    cJSON_Delete (event);
    if (json) {
        s_append (self, series, "agent", json, strlen (json), false, clock_mono_ns ());
        free (json);
    }
    char id[VALIDATE_IDENTITY_MAX * 4 + 1];
    log_escape (series->id, strlen (series->id), VALIDATE_IDENTITY_MAX, id);
    log_info ("agent %s %s (%u live)", id, state, series_map_live (self->series));
}

static void
s_on_left (void *arg, series_t *series)
{
    s_append_agent_event (arg, series, "left");
}

//  Counts a dropped frame; the log line is written by s_log_drops, at most once
//  a second, so a flood of bad frames cannot flood the log.
static void
s_drop (collector_t *self, validate_reason_t reason, const char *data, size_t size)
{
    self->stats.invalid[reason]++;
    self->dropped_unlogged++;
    self->last_drop = reason;
    log_escape (data, size, COLLECTOR_EXCERPT, self->last_excerpt);
}

static void
s_log_drops (collector_t *self, int64_t mono_ns)
{
    if (self->dropped_unlogged == 0 || mono_ns < self->next_drop_log)
        return;
    log_warn ("dropped %lu invalid frame%s; latest: %s, starting '%s'",
              (unsigned long) self->dropped_unlogged, self->dropped_unlogged == 1 ? "" : "s",
              validate_reason_name (self->last_drop), self->last_excerpt);
    self->dropped_unlogged = 0;
    self->next_drop_log = mono_ns + COLLECTOR_LOG_GAP_NS;
}

//  The ingest path: one frame from an agent.
static void
s_on_frame (void *arg, const char *data, size_t size, int more)
{
    collector_t *self = arg;
    self->stats.received++;
    if (more || self->in_multipart) {
        self->in_multipart = more;
        s_drop (self, VALIDATE_MULTIPART, data, size);
        return;
    }
    sample_t sample;
    validate_reason_t reason = validate_sample (data, size, &sample);
    if (reason != VALIDATE_OK) {
        s_drop (self, reason, data, size);
        return;
    }
    int64_t mono_ns = clock_mono_ns ();
    series_t *series;
    series_change_t change = series_map_observe (self->series, &sample, data, size, mono_ns,
                                                 clock_wall_ns (), &series, &self->stats.lost);
    if (change == SERIES_FULL) {
        if (self->stats.series_dropped++ == 0)
            log_warn ("--max-series %u reached: samples of new series are dropped",
                      self->config.max_series);
        return;
    }
    if (change == SERIES_JOINED)
        s_append_agent_event (self, series, "joined");
    s_append (self, series, NULL, data, size, sample.has_line_break, mono_ns);
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
    int64_t deadline = clock_mono_ns () + COLLECTOR_SHUTDOWN_NS;
    zmq_pollitem_t item = {NULL, http_poll_fd (self->http), ZMQ_POLLIN, 0};
    while (feed_clients (self->feed) > 0 && clock_mono_ns () < deadline) {
        http_run (self->http);
        zmq_poll (&item, 1, 10);
    }
    http_run (self->http);
    log_info ("stopped after %lu samples received, %lu events sent into the ring",
              (unsigned long) self->stats.received, (unsigned long) self->stats.events);
}

int
collector_run (collector_t *self)
{
    assert (self);
    if (!cli_catch_signals (false)) {
        log_error ("cannot set up signal handling: %s", strerror (errno));
        return EXIT_FAILURE;
    }
    log_info ("listening for agents on %s", ingest_endpoint (self->ingest));
    char host[INET_ADDRSTRLEN] = "127.0.0.1";
    if (self->config.http.sin_addr.s_addr != htonl (INADDR_ANY))
        inet_ntop (AF_INET, &self->config.http.sin_addr, host, sizeof host);
    log_info ("dashboard at http://%s:%u/ (boot %s)", host, http_port (self->http), self->boot);
    zmq_pollitem_t items[] = {
        {ingest_socket (self->ingest), 0, ZMQ_POLLIN, 0},
        {NULL, http_poll_fd (self->http), ZMQ_POLLIN, 0},
        {NULL, cli_signal_fd (), ZMQ_POLLIN, 0},
    };
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
        if (zmq_poll (items, 3, timeout) < 0 && errno != EINTR) {
            log_error ("poll failed: %s", zmq_strerror (errno));
            break;
        }
        if (items[2].revents & ZMQ_POLLIN) {
            cli_signal_drain ();
            if (cli_stop_requested ())
                break;
        }
        if ((items[0].revents & ZMQ_POLLIN) &&
            ingest_drain (self->ingest, COLLECTOR_DRAIN_BUDGET, s_on_frame, self) > 0)
            feed_notify (self->feed, clock_mono_ns ());
        now = clock_mono_ns ();
        if (now >= next_sweep) {
            if (series_map_sweep (self->series, now, s_on_left, self) > 0)
                feed_notify (self->feed, now);
            next_sweep = now + COLLECTOR_SWEEP_NS;
            s_log_drops (self, now);
        }
        next_feed = feed_tick (self->feed, now);
        //  MHD last, and only when it has work: its fd is ready, this turn resumed
        //  clients (MHD does not signal its fd for them), or its timeout is due.
        //  Under a trickle of samples with no client waiting this saves an
        //  epoll_wait per sample.
        if ((items[1].revents & ZMQ_POLLIN) || feed_take_resumed (self->feed) ||
            (http_timeout >= 0 && now - polled_at >= http_timeout * 1000000))
            http_run (self->http);
    }
    s_shutdown (self);
    return EXIT_SUCCESS;
}
