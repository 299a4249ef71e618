/*  remote_write.h: send points to a Prometheus remote write 1.0 receiver.

    One remote_write_t per receiver URL (Prometheus with
    --web.enable-remote-write-receiver, VictoriaMetrics, Mimir, Thanos, Cortex).
    The collector's loop thread hands it already-named points with
    remote_write_append, which copies the point into a bounded queue and
    returns: it never waits for the network. A sender thread of its own takes
    batches (5,000 points or 1 s by default, whichever comes first), encodes
    them as protobuf, compresses them with snappy and POSTs them with libcurl,
    retrying with
    exponential backoff and jitter on 5xx, 429 and network errors, and dropping
    (and counting) batches the receiver refuses with another 4xx. When the
    receiver is gone long enough for the queue to fill, the oldest batches are
    dropped and counted, so memory stays flat and the newest points arrive once
    it is back. Every failure is counted (remote_write_stats, for /metrics) and
    logged at most once a minute per kind per URL; recovery is automatic.

    Secrets come from files only (never the command line, never logs): a file
    readable by others is refused, one readable by its group gets a warning.
*/
#ifndef ZAPM_REMOTE_WRITE_H
#define ZAPM_REMOTE_WRITE_H

#include "rw_proto.h"

#include <stdint.h>

typedef struct _remote_write_t remote_write_t;

//  Where to send and how. Zero numbers mean the default shown.
typedef struct {
    const char *url;                 //  http(s)://host:port/path, no user:password@ in it
    const char *basic_user;          //  basic auth user name, or NULL for none
    const char *basic_password_file; //  file holding the basic auth password (with basic_user)
    const char *bearer_token_file;   //  file holding a bearer token, or NULL (not with basic auth)
    const char *ca_file;             //  PEM CA certificates for https, or NULL for the system's
    uint32_t batch_points;           //  a batch holds at most this many points (5000)
    uint32_t batch_delay_ms;         //  a batch leaves when its first point is this old (1000)
    uint32_t queue_points;           //  points held at most while the receiver is away (100000)
    uint32_t timeout_ms;             //  one request, connecting included (5000)
    uint32_t backoff_min_ms;         //  first retry after about this long (100), doubling...
    uint32_t backoff_max_ms;         //  ...up to this (30000); jittered between half and all
    uint32_t flush_ms;               //  remote_write_destroy tries to deliver for this long (2000)
    uint32_t index;                  //  the sender thread is named zapm-rw-<index> (0)
} remote_write_config_t;

//  What happened to the points and requests of one receiver, at one instant.
//  Each point is counted once: points_appended = points_sent + the four
//  points_dropped_* + queue_points.
typedef struct {
    uint64_t points_appended;           //  points given to remote_write_append
    uint64_t points_sent;               //  points the receiver took (2xx)
    uint64_t points_dropped_invalid;    //  points that break the protocol's rules (bad name, ...)
    uint64_t points_dropped_queue_full; //  oldest points dropped for newer ones
    uint64_t points_dropped_rejected;   //  points in batches refused with a 4xx other than 429
    uint64_t points_dropped_shutdown;   //  points not delivered within flush_ms of destroy
    uint64_t queue_points;              //  points waiting or in flight now
    uint32_t queue_batches;             //  sealed batches waiting or in flight now
    uint64_t batches_sent;              //  requests answered 2xx
    uint64_t batches_rejected;          //  requests answered 4xx other than 429 (not retried)
    uint64_t retries_5xx;               //  tries answered 5xx, retried
    uint64_t retries_429;               //  tries answered 429 Too Many Requests, retried
    uint64_t retries_network;           //  tries with no answer (refused, reset, TLS, ...), retried
    uint64_t retries_timeout;           //  tries with no answer within timeout_ms, retried
    uint64_t bytes_sent;                //  compressed body bytes of the batches sent
    int last_status;                    //  HTTP status of the last answer, 0 if none yet
    int64_t last_success_ms;            //  Unix time (ms) of the last 2xx, 0 if none yet
} rw_stats_t;

//  Checks the configuration, reads the secret files and starts the sender thread.
//  Returns NULL after one log line saying what is wrong (bad URL, unreadable or
//  too open secret file, a limit out of range). The config's strings are copied.
remote_write_t *remote_write_new (const remote_write_config_t *config);

//  Stops taking points, lets the sender deliver what is queued for at most
//  flush_ms (a request in flight is cut short at that point), stops the thread,
//  logs what was left undelivered, frees everything and sets *self_p to NULL.
void remote_write_destroy (remote_write_t **self_p);

//  Queues a copy of one point; never blocks. Call from one thread at a time (the
//  loop). Returns 0, or -1 if the point was dropped at once: over a size limit
//  of rw_proto.h, or memory is short. The sender checks the rest (names, unique
//  labels) and counts a point that fails as invalid; it logs invalid points at
//  most once a minute, with the reason and the last one's metric and labels.
int remote_write_append (remote_write_t *self, const rw_point_t *point);

//  Fills *stats with a consistent snapshot of the queue and the sender's
//  counters; any thread.
void remote_write_stats (remote_write_t *self, rw_stats_t *stats);

//  The receiver URL without its query, as the log lines name it.
const char *remote_write_name (remote_write_t *self);

#endif
