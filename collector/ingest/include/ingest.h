/*  ingest.h: the ingest path, from an agent's frame to every place a sample goes.

    Owns the SUB socket that agents publish to and everything a frame goes
    through once received:

        frame -> validate -> forward (--forward)
              -> series state (liveness, seq loss, history), latest values
              -> remote write (--remote-write)
              -> framed once into the ring (plus `event: agent` / `event: lost`)
              -> the store's queue

    and the sweep that marks silent series as left. Dropped frames are counted
    by reason in the stats and logged at most once a second (ingest_log_drops);
    the lines of joins, leaves, seq restarts and out-of-window timestamps are
    rate-limited (loglimit.h), their summaries written by ingest_log_drops too.

    The SUB binds (agents' PUBs connect), subscribes to everything, and caps
    frames: frames up to GATE_MAX_FRAME (twice the protocol's 64 KiB) are
    received so that the validator can count and log the oversized ones, and a
    peer sending more than that is disconnected by libzmq before any memory is
    used. With RCVHWM that bounds what one agent can have queued to 128 MiB,
    and only while the loop is not keeping up.

    Who may publish is decided by the gate (gate.h: the ZAP handler, CURVE
    allow-list, plaintext addresses, revocation), and every connection lost
    is counted by the watch (watch.h: the socket monitor). Both are sockets
    of their own on the ingest context that the loop polls next to the SUB
    socket: ingest_register hands all three to the loop, and serves the first
    two itself.

    A multipart message is not a sample, with one exception: a batch from an
    edge collector (forward.h), a header frame then samples, each ingested as
    if its agent were connected here, and refused when the header shows it has
    been here before (a forwarding loop).

    The face of collector/ingest/. Takes in frames from the SUB socket; hands
    out validated samples to the series, the ring, the store, the forward
    links and remote write, and its counters (ingest_stats_t). Loop thread
    only; owns no thread.
*/
#ifndef ZAPM_INGEST_H
#define ZAPM_INGEST_H

#include "base.h"
#include "forward.h"
#include "gate.h"
#include "series.h"
#include "remote_export.h"
#include "stream.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

//  The ingest path's counters, for /metrics and the stop line. Plain integers,
//  written by the loop thread only.
typedef struct {
    uint64_t received;                     //  frames received on the SUB socket
    uint64_t invalid[VALIDATE_REASONS];    //  frames dropped, by reason
    uint64_t series_dropped;               //  valid samples of series past --max-series
    uint64_t lost;                         //  samples missing according to `seq` gaps
    uint64_t seq_resets;                   //  `seq` jumps read as a restarted count, not loss
    uint64_t retimed[SAMPLE_TIME_RETIMED]; // timestamps filed at arrival, by sample_time_t
    uint64_t events;                       //  events appended to the ring
} ingest_stats_t;

typedef struct _ingest_t ingest_t;

//  Defaults of --log-lines and --log-window: per kind of event (joined, left,
//  seq restarted, retimed), 10 lines a minute and one summary.
#define INGEST_LOG_LINES_DEFAULT    10
#define INGEST_LOG_WINDOW_DEFAULT_S 60

//  Where valid samples go; all of it outlives the ingest.
typedef struct {
    series_map_t *series;     //  per-series state
    ring_t *ring;             //  framed events for /feed
    ingest_stats_t *stats;    //  counters
    gate_stats_t *gate_stats; //  the gate's and the watch's counters
    latest_t *latest;         //  latest values per series, for exporters
    const char *boot;         //  this run's token, in every event id
    uint32_t max_series;      //  for the "map full" log line
    uint32_t log_lines;       //  lines of one kind of event a window (--log-lines)
    uint32_t log_window_s;    //  that window, seconds (--log-window); 0: the defaults
    forward_t *forward;       //  upstream links (--forward), or NULL
    remote_export_t *remote;  // remote write receivers (--remote-write), or NULL
    store_t *store;           //  durable history (--store), or NULL
} ingest_sinks_t;

//  Binds a SUB socket on `endpoint`, its ZAP handler and monitor started
//  first, with the security settings of `gate`. Returns NULL and logs why on
//  failure.
ingest_t *ingest_new (const char *endpoint, const gate_config_t *gate, const ingest_sinks_t *sinks);

//  Closes the socket and the ZeroMQ context; sets *self_p to NULL.
void ingest_destroy (ingest_t **self_p);

//  Registers the ingest's sockets with `loop`, in the order a turn serves
//  them: the ZAP handler and the monitor, which the ingest serves itself, then
//  the SUB socket, whose readiness calls `on_frames` with `arg` (which takes
//  the frames with ingest_drain). Returns -1 when the loop is full.
int ingest_register (ingest_t *self, loop_t *loop, loop_fn *on_frames, void *arg);

//  Ingests up to `budget` frames waiting on the SUB socket, without blocking.
//  Returns how many events were appended to the ring (the feed must be told
//  when > 0).
size_t ingest_drain (ingest_t *self, size_t budget);

//  Writes the security mode in force as one log line (at start).
void ingest_log_mode (ingest_t *self);

//  The endpoint actually bound (wildcard ports resolved).
const char *ingest_endpoint (ingest_t *self);

//  Appends the figures of the batches forwarded to this collector, per edge,
//  in the Prometheus text format.
void ingest_metrics (ingest_t *self, textbuf_t *out);

//  Marks the series silent for too long as left (appending their
//  `event: agent`). Returns the events appended.
size_t ingest_sweep (ingest_t *self, int64_t mono_ns);

//  When the pending drop log line or a summary of held-back lines is due (a
//  time already past when it may be written at once), or 0 when none waits.
int64_t ingest_drops_due (ingest_t *self);

//  Writes the pending drop log line and the summaries that are due at `mono_ns`.
void ingest_log_drops (ingest_t *self, int64_t mono_ns);

//  Lets the gate reread its allow-list (--curve-allow), revoking removed keys;
//  call it about once a second when there is one.
void ingest_reread_allowlist (ingest_t *self, int64_t mono_ns);

#endif
