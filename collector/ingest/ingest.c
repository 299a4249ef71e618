/*  ingest.c: the ingest path, from an agent's frame to every place a sample goes.

    Frames are received into one reused zmq_msg_t and validated in place (with
    a store open, the validator also collects the sample's numbers for it). A
    valid sample then goes, in this order: into the batch for the upstream
    collectors (--forward), as received; into its series (liveness, seq loss,
    history) and the latest values that /metrics shows; into remote write's
    queue (--remote-write); framed once into the ring, where every /feed
    client reads it, after an `event: agent` when its series joins and an
    `event: lost` when its seq jumps; and last into the store's queue. Each
    of those is a copy that never waits: the forward links send the batch at
    the end of the turn, remote write and the store deliver on their own
    threads, and each counts what it drops. A batch from an edge collector (a
    multipart message) is read here too, each of its samples taking the same
    path.

    RCVHWM is per connected agent in libzmq, so a modest value bounds memory
    per agent while absorbing bursts.

    A drop is counted at once but logged by ingest_log_drops, at most one line a
    second (a counted loglimit_t) with the latest reason and the frame's first bytes (escaped), so a
    flood of bad frames cannot flood the log. The lines of other events (an
    agent joined or left, a seq count restarted, a timestamp out of the
    window) go through a loglimit_t each: a few a minute, then one summary of
    what was held back, so a publisher inventing identities cannot flood it
    either.
*/
#include "ingest.h"
#include "clock.h"
#include "base.h"
#include "gate.h"
#include "stream.h"
#include "sample.h"
#include "wire.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define INGEST_RCVHWM     1000
#define INGEST_LOG_GAP_NS 1000000000LL
#define INGEST_EXCERPT    48
#define INGEST_EDGES_MAX  64 //  edges counted by name; more are counted together

//  Where the frames of the message being received go.
typedef enum {
    PART_SINGLE,    //  not inside a multipart message
    PART_FORWARDED, //  inside a batch from an edge: each frame is a sample
    PART_REFUSED,   //  inside a forwarded batch refused (a loop, a bad header)
    PART_DROPPED    //  inside another multipart message: each frame is dropped
} part_state_t;

//  What arrived from one edge collector.
typedef struct {
    char name[ZAPM_FORWARD_EDGE_MAX + 1]; //  its name
    uint64_t samples;                     //  samples in its batches
    uint64_t batches;                     //  batches
} edge_t;

struct _ingest_t {
    void *context;                             //  libzmq context
    void *socket;                              //  SUB, bound
    peerlog_t *peerlog;                        //  log lines about peers, rate-limited
    gate_t *gate;                              //  ZAP handler: who may publish
    watch_t *watch;                            //  monitor: connections lost
    char endpoint[256];                        //  as bound
    ingest_sinks_t sinks;                      //  where samples go
    part_state_t part;                         //  where the next frame of a message goes
    forward_header_t origin;                   //  header of the forwarded batch being read
    edge_t edges[INGEST_EDGES_MAX];            //  per edge, in order of first sight
    size_t edge_count;                         //  edges seen
    edge_t *edge;                              //  the batch's edge
    uint64_t *refusing;                        //  the counter of the batch being refused
    uint64_t refused_loops;                    //  forwarded samples that had been here
    uint64_t refused_headers;                  //  forwarded samples under a bad header
    loglimit_t drop_log;                       //  drops, counted: a line a second at most
    validate_reason_t last_drop;               //  reason of the latest drop
    char last_excerpt[INGEST_EXCERPT * 4 + 1]; // its first bytes, escaped
    store_numbers_t *numbers;                  //  a sample's numbers for the store, if any
    loglimit_t joined_log;                     //  lines of agents that joined
    loglimit_t left_log;                       //  lines of agents that left
    loglimit_t reset_log;                      //  lines of seq counts restarted
    loglimit_t retimed_log;                    //  lines of timestamps out of the window
};

//  The TCP port of a bound endpoint like "tcp://0.0.0.0:5555", 0 if none.
static int
s_tcp_port (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    if (strncmp (endpoint, "tcp://", 6) != 0 || !colon)
        return 0;
    return atoi (colon + 1);
}

ingest_t *
ingest_new (const char *endpoint, const gate_config_t *gate, const ingest_sinks_t *sinks)
{
    ingest_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->sinks = *sinks;
    uint32_t lines = sinks->log_window_s ? sinks->log_lines : INGEST_LOG_LINES_DEFAULT;
    int64_t window_ns =
        (sinks->log_window_s ? sinks->log_window_s : INGEST_LOG_WINDOW_DEFAULT_S) * 1000000000LL;
    self->drop_log = (loglimit_t) LOGLIMIT_COUNTED (INGEST_LOG_GAP_NS);
    self->joined_log = (loglimit_t) LOGLIMIT_INIT ("agents joined", lines, window_ns);
    self->left_log = (loglimit_t) LOGLIMIT_INIT ("agents left", lines, window_ns);
    self->reset_log = (loglimit_t) LOGLIMIT_INIT ("seq counts restarted", lines, window_ns);
    self->retimed_log =
        (loglimit_t) LOGLIMIT_INIT ("samples filed at their arrival time", lines, window_ns);
    if (sinks->store && !(self->numbers = malloc (sizeof *self->numbers))) {
        log_error ("out of memory");
        free (self);
        return NULL;
    }
    self->context = zmq_ctx_new ();
    self->socket = self->context ? zmq_socket (self->context, ZMQ_SUB) : NULL;
    if (!self->socket) {
        log_error ("cannot create the SUB socket: %s", zmq_strerror (errno));
        ingest_destroy (&self);
        return NULL;
    }
    int64_t max_size = GATE_MAX_FRAME;
    int hwm = INGEST_RCVHWM, linger = 0;
    if (!sockopt_set (self->socket, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size, "ZMQ_MAXMSGSIZE") ||
        !sockopt_set (self->socket, ZMQ_RCVHWM, &hwm, sizeof hwm, "ZMQ_RCVHWM") ||
        !sockopt_set (self->socket, ZMQ_LINGER, &linger, sizeof linger, "ZMQ_LINGER") ||
        !sockopt_set (self->socket, ZMQ_SUBSCRIBE, "", 0, "ZMQ_SUBSCRIBE")) {
        ingest_destroy (&self);
        return NULL;
    }
    //  The ZAP handler and the monitor before bind: no connection unchecked or unseen.
    self->peerlog = peerlog_new ();
    self->gate = self->peerlog ? gate_new (self->context, self->socket, gate, sinks->gate_stats,
                                           self->peerlog)
                               : NULL;
    self->watch = self->gate ? watch_new (self->context, self->socket, self->gate,
                                          sinks->gate_stats, self->peerlog)
                             : NULL;
    if (!self->watch) {
        ingest_destroy (&self);
        return NULL;
    }
    if (zmq_bind (self->socket, endpoint) != 0) {
        log_error ("cannot bind %s for agents: %s", endpoint, zmq_strerror (errno));
        ingest_destroy (&self);
        return NULL;
    }
    size_t size = sizeof self->endpoint;
    if (zmq_getsockopt (self->socket, ZMQ_LAST_ENDPOINT, self->endpoint, &size) != 0)
        snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    gate_set_port (self->gate, s_tcp_port (self->endpoint));
    return self;
}

void
ingest_destroy (ingest_t **self_p)
{
    assert (self_p);
    ingest_t *self = *self_p;
    if (self) {
        watch_destroy (&self->watch);
        if (self->socket)
            zmq_close (self->socket);
        gate_destroy (&self->gate);
        peerlog_destroy (&self->peerlog);
        if (self->context)
            zmq_ctx_term (self->context);
        free (self->numbers);
        free (self);
        *self_p = NULL;
    }
}

void
ingest_log_mode (ingest_t *self)
{
    assert (self);
    gate_log_mode (self->gate);
}

const char *
ingest_endpoint (ingest_t *self)
{
    assert (self);
    return self->endpoint;
}

//  Appends one framed event for `series` to the ring.
static void
s_append (ingest_t *self, const series_t *series, const char *name, const char *json, size_t size,
          bool minify, int64_t mono_ns)
{
    ring_t *ring = self->sinks.ring;
    char *slot = ring_reserve (ring, size + SSE_FRAME_OVERHEAD + 1);
    size_t framed = sse_frame (slot, self->sinks.boot, ring_head (ring), name, json, size, minify);
    ring_commit (ring, framed, series->index, mono_ns);
    self->sinks.stats->events++;
}

//  Appends a named event built by the collector (rare: joins, leaves, gaps).
static void
s_append_json (ingest_t *self, const series_t *series, const char *name, cJSON *event)
{
    char *json = cJSON_PrintUnformatted (event);
    cJSON_Delete (event);
    if (json) {
        s_append (self, series, name, json, strlen (json), false, clock_mono_ns ());
        free (json);
    }
}

//  Appends `event: agent` for a series that joined or left, with the live count.
static void
s_agent_event (ingest_t *self, const series_t *series, const char *state)
{
    uint32_t live = series_map_live (self->sinks.series);
    cJSON *event = cJSON_CreateObject ();
    cJSON_AddStringToObject (event, ZAPM_KEY_ID, series->id);
    cJSON_AddStringToObject (event, ZAPM_KEY_STATE, state);
    cJSON_AddNumberToObject (event, ZAPM_KEY_AGENTS, live);
    s_append_json (self, series, ZAPM_EVENT_AGENT, event);
    bool joined = strcmp (state, ZAPM_STATE_JOINED) == 0;
    if (!loglimit_allow (joined ? &self->joined_log : &self->left_log, clock_mono_ns ()))
        return;
    char id[ZAPM_IDENTITY_MAX * 4 + 1];
    log_escape (series->id, strlen (series->id), ZAPM_IDENTITY_MAX, id);
    log_info ("agent %s %s (%u live)", id, state, live);
}

//  Logs (rate-limited) that `series` restarted its seq count.
static void
s_log_reset (ingest_t *self, const series_t *series, const sample_t *sample)
{
    if (!loglimit_allow (&self->reset_log, clock_mono_ns ()))
        return;
    char id[ZAPM_IDENTITY_MAX * 4 + 1];
    log_escape (series->id, strlen (series->id), ZAPM_IDENTITY_MAX, id);
    log_info ("agent %s restarted its seq count at %" PRIu64 ": not counted as lost", id,
              sample->seq);
}

//  Counts and logs (rate-limited) a timestamp that cannot be read.
static void
s_retimed (ingest_t *self, const sample_t *sample, sample_time_t how)
{
    self->sinks.stats->retimed[how]++;
    if (!loglimit_allow (&self->retimed_log, clock_mono_ns ()))
        return;
    char id[ZAPM_IDENTITY_MAX * 4 + 1];
    log_escape (sample->identity, strlen (sample->identity), ZAPM_IDENTITY_MAX, id);
    log_warn ("agent %s sent a timestamp that cannot be read (ISO 8601 up to 2262): "
              "filed at its arrival time",
              id);
}

//  Appends `event: lost` after a jump in a series' seq, with its totals.
static void
s_lost_event (ingest_t *self, const series_t *series)
{
    cJSON *event = cJSON_CreateObject ();
    cJSON_AddStringToObject (event, ZAPM_KEY_ID, series->id);
    cJSON_AddNumberToObject (event, ZAPM_KEY_LOST, (double) series->lost);
    cJSON_AddNumberToObject (event, ZAPM_KEY_SAMPLES, (double) series->samples);
    s_append_json (self, series, ZAPM_EVENT_LOST, event);
}

//  Counts a dropped frame; the log line is written by ingest_log_drops.
static void
s_drop (ingest_t *self, validate_reason_t reason, const char *data, size_t size)
{
    self->sinks.stats->invalid[reason]++;
    loglimit_hold (&self->drop_log, 1);
    self->last_drop = reason;
    log_escape (data, size, INGEST_EXCERPT, self->last_excerpt);
}

//  The counters of edge `name`; the last slot counts every edge past the table.
static edge_t *
s_edge (ingest_t *self, const char *name)
{
    for (size_t i = 0; i < self->edge_count; i++)
        if (strcmp (self->edges[i].name, name) == 0)
            return &self->edges[i];
    if (self->edge_count == INGEST_EDGES_MAX)
        return &self->edges[INGEST_EDGES_MAX - 1];
    edge_t *edge = &self->edges[self->edge_count++];
    snprintf (edge->name, sizeof edge->name, "%s",
              self->edge_count == INGEST_EDGES_MAX ? "(other)" : name);
    return edge;
}

//  One sample, from an agent or (`origin` set) forwarded by an edge. Returns
//  the events appended.
static size_t
s_ingest_sample (ingest_t *self, const char *data, size_t size, const forward_header_t *origin)
{
    ingest_stats_t *stats = self->sinks.stats;
    stats->received++;
    sample_t sample;
    //  With a store, the validator also collects its numbers from the same parse.
    validate_reason_t reason = validate_sample_numbers (data, size, &sample, self->numbers);
    if (reason != VALIDATE_OK) {
        s_drop (self, reason, data, size);
        return 0;
    }
    int64_t mono_ns = clock_mono_ns ();
    int64_t wall_ns = clock_wall_ns ();
    sample_time_t how = sample_time_check (&sample, wall_ns);
    if (how == SAMPLE_TIME_TOO_OLD || how == SAMPLE_TIME_TOO_NEW) {
        //  Counted and logged with the invalid frames (ingest_log_drops).
        s_drop (self, how == SAMPLE_TIME_TOO_OLD ? VALIDATE_TOO_OLD : VALIDATE_TOO_NEW, data, size);
        return 0;
    }
    if (how < SAMPLE_TIME_RETIMED)
        s_retimed (self, &sample, how);
    if (self->sinks.forward)
        forward_sample (self->sinks.forward, data, size, origin);
    int64_t time_ns = sample_time_ns (&sample, wall_ns);
    series_t *series;
    uint64_t lost_before = stats->lost;
    uint64_t resets_before = series_map_seq_resets (self->sinks.series);
    series_change_t change = series_map_observe (self->sinks.series, &sample, data, size, mono_ns,
                                                 wall_ns, time_ns, &series, &stats->lost);
    if (change == SERIES_FULL) {
        if (stats->series_dropped++ == 0)
            log_warn ("--max-series %u reached: samples of new series are dropped",
                      self->sinks.max_series);
        return 0;
    }
    snprintf (series->via, sizeof series->via, "%s", origin ? origin->edge : "");
    if (series_map_seq_resets (self->sinks.series) != resets_before) {
        stats->seq_resets++;
        s_log_reset (self, series, &sample);
    }
    latest_update (self->sinks.latest, series, &sample);
    if (self->sinks.remote)
        remote_export_sample (self->sinks.remote, series, &sample, time_ns);
    size_t events = 1;
    if (change == SERIES_JOINED) {
        s_agent_event (self, series, ZAPM_STATE_JOINED);
        events++;
    }
    if (stats->lost != lost_before) {
        s_lost_event (self, series);
        events++;
    }
    s_append (self, series, NULL, data, size, sample.has_line_break, mono_ns);
    if (self->sinks.store) {
        store_ids_t ids = {sample.agent, sample.host, sample.color,
                           sample.has_pid ? (int64_t) sample.pid : -1};
        store_append (self->sinks.store, series->id, &ids, time_ns, wall_ns, self->numbers);
    }
    return events;
}

//  The first frame of a multipart message: a forwarded batch's header, or not.
static part_state_t
s_start_message (ingest_t *self, const char *data, size_t size)
{
    if (!forward_header_is (data, size))
        return PART_DROPPED;
    if (!forward_header_parse (data, size, &self->origin)) {
        if (self->refused_headers == 0)
            log_warn ("refused a forwarded batch with a malformed header (%zu bytes)", size);
        self->refusing = &self->refused_headers;
        return PART_REFUSED;
    }
    if (forward_header_visited (&self->origin, self->sinks.boot)) {
        self->refusing = &self->refused_loops;
        if (self->refused_loops == 0)
            log_warn ("refused a batch that has been here before (edge '%s'): "
                      "check the --forward flags for a loop",
                      self->origin.edge);
        return PART_REFUSED;
    }
    self->edge = s_edge (self, self->origin.edge);
    self->edge->batches++;
    return PART_FORWARDED;
}

//  One frame. Returns the events appended.
static size_t
s_ingest (ingest_t *self, const char *data, size_t size, bool more)
{
    size_t events = 0;
    switch (self->part) {
    case PART_SINGLE:
        if (!more)
            return s_ingest_sample (self, data, size, NULL);
        self->part = s_start_message (self, data, size);
        if (self->part == PART_DROPPED) {
            self->sinks.stats->received++;
            s_drop (self, VALIDATE_MULTIPART, data, size);
        }
        return 0;
    case PART_FORWARDED:
        self->edge->samples++;
        events = s_ingest_sample (self, data, size, &self->origin);
        break;
    case PART_REFUSED:
        (*self->refusing)++;
        break;
    case PART_DROPPED:
        self->sinks.stats->received++;
        s_drop (self, VALIDATE_MULTIPART, data, size);
        break;
    }
    if (!more)
        self->part = PART_SINGLE;
    return events;
}

//  Receives and ingests up to `budget` frames without blocking. Returns the
//  events appended to the ring.
static size_t
s_drain (ingest_t *self, size_t budget)
{
    size_t count = 0, events = 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    bool curve = gate_curve (self->gate);
    while (count < budget && zmq_msg_recv (&msg, self->socket, ZMQ_DONTWAIT) >= 0) {
        count++;
        if (curve && !gate_admit (self->gate, &msg))
            continue; //  a revoked key: counted by the gate
        events += s_ingest (self, zmq_msg_data (&msg), zmq_msg_size (&msg), zmq_msg_more (&msg));
    }
    zmq_msg_close (&msg);
    return events;
}

size_t
ingest_drain (ingest_t *self, size_t budget)
{
    assert (self);
    return s_drain (self, budget);
}

//  The ZAP handler has requests: answer them.
static int
s_on_gate (loop_t *loop, void *arg)
{
    (void) loop;
    ingest_t *self = arg;
    gate_handle (self->gate, clock_mono_ns ());
    return 0;
}

//  The monitor has connection events: count them.
static int
s_on_watch (loop_t *loop, void *arg)
{
    (void) loop;
    ingest_t *self = arg;
    watch_handle (self->watch, clock_mono_ns ());
    return 0;
}

int
ingest_register (ingest_t *self, loop_t *loop, loop_fn *on_frames, void *arg)
{
    assert (self);
    assert (loop);
    if (loop_reader (loop, gate_socket (self->gate), -1, s_on_gate, self) < 0 ||
        loop_reader (loop, watch_socket (self->watch), -1, s_on_watch, self) < 0 ||
        loop_reader (loop, self->socket, -1, on_frames, arg) < 0)
        return -1;
    return 0;
}

static void
s_on_left (void *arg, series_t *series)
{
    ingest_t *self = arg;
    s_agent_event (self, series, ZAPM_STATE_LEFT);
    if (self->sinks.remote)
        remote_export_left (self->sinks.remote, series, clock_wall_ns ());
}

//  One counter line per edge: NAME{edge="..."} VALUE.
static void
s_edge_lines (ingest_t *self, textbuf_t *out, const char *name, bool batches)
{
    for (size_t i = 0; i < self->edge_count; i++) {
        textbuf_printf (out, "%s{edge=", name);
        textbuf_putc (out, '"');
        prom_text_label_value (out, self->edges[i].name);
        textbuf_putc (out, '"');
        textbuf_printf (out, "} %" PRIu64 "\n",
                        batches ? self->edges[i].batches : self->edges[i].samples);
    }
}

void
ingest_metrics (ingest_t *self, textbuf_t *out)
{
    assert (self);
    prom_text_header (out, "zapm_forward_received_total", "counter",
                      "Samples that edge collectors forwarded here, by edge.");
    s_edge_lines (self, out, "zapm_forward_received_total", false);
    prom_text_header (out, "zapm_forward_batches_received_total", "counter",
                      "Batches that edge collectors forwarded here, by edge.");
    s_edge_lines (self, out, "zapm_forward_batches_received_total", true);
    prom_text_header (out, "zapm_forward_refused_total", "counter",
                      "Forwarded samples refused, by reason.");
    textbuf_printf (out,
                    "zapm_forward_refused_total{reason=\"loop\"} %" PRIu64 "\n"
                    "zapm_forward_refused_total{reason=\"bad_header\"} %" PRIu64 "\n",
                    self->refused_loops, self->refused_headers);
}

size_t
ingest_sweep (ingest_t *self, int64_t mono_ns)
{
    assert (self);
    return series_map_sweep (self->sinks.series, mono_ns, s_on_left, self);
}

int64_t
ingest_drops_due (ingest_t *self)
{
    assert (self);
    int64_t due = loglimit_due (&self->drop_log);
    due = loglimit_earlier (due, loglimit_due (&self->joined_log));
    due = loglimit_earlier (due, loglimit_due (&self->left_log));
    due = loglimit_earlier (due, loglimit_due (&self->reset_log));
    return loglimit_earlier (due, loglimit_due (&self->retimed_log));
}

void
ingest_log_drops (ingest_t *self, int64_t mono_ns)
{
    assert (self);
    uint64_t dropped = loglimit_take (&self->drop_log, mono_ns);
    if (dropped > 0) {
        char hint[128] = "";
        if (self->last_drop == VALIDATE_TOO_OLD || self->last_drop == VALIDATE_TOO_NEW)
            snprintf (hint, sizeof hint,
                      " (timestamp more than %d s behind or %d s ahead: check the agent's clock)",
                      SAMPLE_PAST_WINDOW_S, SAMPLE_FUTURE_WINDOW_S);
        log_warn ("dropped %lu invalid frame%s; latest: %s%s, starting '%s'",
                  (unsigned long) dropped, dropped == 1 ? "" : "s",
                  validate_reason_name (self->last_drop), hint, self->last_excerpt);
    }
    loglimit_flush (&self->joined_log, mono_ns);
    loglimit_flush (&self->left_log, mono_ns);
    loglimit_flush (&self->reset_log, mono_ns);
    loglimit_flush (&self->retimed_log, mono_ns);
}

void
ingest_reread_allowlist (ingest_t *self, int64_t mono_ns)
{
    assert (self);
    gate_tick (self->gate, mono_ns);
}
