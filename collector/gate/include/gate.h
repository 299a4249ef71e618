/*  gate.h: who may publish to the collector: the ZAP handler and revocation.

    libzmq asks a ZAP handler (RFC 27) about every new connection before any
    frame of it is delivered. The collector is its own handler: a ZMQ_REP
    socket bound at inproc://zeromq.zap.01 on the ingest context before the
    SUB socket binds, polled by the collector's one loop (no thread), so every
    refusal is counted and logged right where it is decided.

    Two modes (docs/SECURITY.md):
    - CURVE (--curve-cert FILE, --curve-allow DIR): the SUB socket is a CURVE
      server with the collector's secret key; a client key is admitted only
      if it is in the allow-list (allowlist.h), and its connection carries the
      key as its ZAP user id. Plaintext peers fail the handshake (libzmq says
      so through the socket monitor, watch.c, which calls gate_refused).
    - Plaintext ("protected mode", as in Redis): only peers whose address is
      in --plaintext-from (addrlist.h; loopback by default) are admitted.
      libzmq 4.3 asks ZAP about NULL-mechanism peers only when the socket has
      a ZAP domain, so the SUB socket gets one ("zapm").

    Revocation. libzmq cannot disconnect one peer of a bound socket, and a
    removed certificate does not end a connection that is already open. So
    every frame is checked: its "User-Id" (the key, set by the handler) and
    the descriptor of the connection it came on (ZMQ_SRCFD) go into a small
    table by descriptor. When a key leaves the allow-list, its frames are
    dropped (counted) and the collector shuts its TCP connection down
    (shutdown(2)), so libzmq closes it and the agent's reconnect is refused by
    ZAP. Before shutting a descriptor down it checks that the descriptor is
    still that connection (same local port as the SUB socket, same peer), since
    descriptor numbers are reused.

    The face of collector/gate/ (with addrlist.h, peerlog.h and watch.h).
    Takes in the settings of the agents' socket and, from the loop, ZAP
    requests and monitor events; hands out verdicts to libzmq, revocations
    and its counters (gate_stats_t). Loop thread only; owns no thread.
*/
#ifndef ZAPM_GATE_H
#define ZAPM_GATE_H

#include "peerlog.h"

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "wire.h"

//  Frames larger than this make libzmq drop the sending peer (ZMQ_MAXMSGSIZE on
//  the SUB socket): twice the protocol's 64 KiB, so that the validator still
//  sees, counts and logs an oversized sample before a peer is cut off.
#define GATE_MAX_FRAME (2 * ZAPM_WIRE_MAX_BYTES)

//  Why the ZAP handler refused an agent (gate_refusal_name names them for /metrics).
typedef enum {
    STATS_REFUSED_UNKNOWN_KEY, //  CURVE key not in --curve-allow
    STATS_REFUSED_PLAINTEXT,   //  plaintext peer while CURVE is on
    STATS_REFUSED_ADDRESS,     //  plaintext peer outside --plaintext-from
    STATS_REFUSALS
} stats_refusal_t;

//  Why an agent connection ended (watch_lost_name names them for /metrics).
typedef enum {
    STATS_LOST_CLOSED,             //  after the handshake: closed by the peer, heartbeat
                                   //  timeout, or a frame over the cap (libzmq 4.3 says no more)
    STATS_LOST_HANDSHAKE_REFUSED,  //  the ZAP handler said no
    STATS_LOST_MECHANISM_MISMATCH, //  plaintext peer on CURVE, or the other way round
    STATS_LOST_PROTOCOL_ERROR,     //  a ZMTP error in the handshake (bad keys, bad bytes)
    STATS_LOST_HANDSHAKE_FAILED,   //  handshake failed without detail (peer gone, I/O error)
    STATS_LOST_REVOKED,            //  closed by the collector: its key was removed
    STATS_LOST_REASONS
} stats_lost_t;

//  The gate's and the watch's counters, for /metrics. Plain integers, written
//  by the loop thread only.
typedef struct {
    uint64_t refused[STATS_REFUSALS];              //  agents refused at the handshake, by reason
    uint64_t accepted;                             //  agent TCP connections accepted
    uint64_t connections;                          //  agent connections open now
    uint64_t connections_lost[STATS_LOST_REASONS]; //  agent connections ended, by reason
    uint64_t revoked_frames;                       //  frames dropped because their key was revoked
} gate_stats_t;

//  The security settings of the agent socket (the collector's command line).
typedef struct {
    const char *curve_cert;     //  --curve-cert: the collector's certificate, NULL: plaintext
    const char *curve_allow;    //  --curve-allow: directory of allowed agents' certificates
    const char *plaintext_from; //  --plaintext-from: addresses, NULL for loopback only
} gate_config_t;

typedef struct _gate_t gate_t;

//  Binds the ZAP handler on `context` and configures `sub` (ZAP domain, and
//  CURVE server keys in CURVE mode); call before `sub` binds. Counts into
//  `stats`, logs through `peerlog`. Returns NULL and logs why on failure.
gate_t *gate_new (void *context, void *sub, const gate_config_t *config, gate_stats_t *stats,
                  peerlog_t *peerlog);

//  Closes the handler socket; sets *self_p to NULL.
void gate_destroy (gate_t **self_p);

//  The ZAP handler socket, for zmq_poll.
void *gate_socket (gate_t *self);

//  Tells the gate the port the SUB socket is bound to (0 for non-TCP).
void gate_set_port (gate_t *self, int port);

//  Answers the pending ZAP requests, a bounded number per call.
void gate_handle (gate_t *self, int64_t mono_ns);

//  True if frame `msg` may be ingested: always in plaintext mode; in CURVE
//  mode, if its key is still allowed. A frame of a revoked key is counted,
//  and its connection is shut down.
bool gate_admit (gate_t *self, zmq_msg_t *msg);

//  Rereads the allow-list when due and shuts down the connections of keys
//  that left it. Call about once a second (the allow-list looks at its
//  directory at most that often).
void gate_tick (gate_t *self, int64_t mono_ns);

//  Counts and logs (once a second per address) a refusal decided elsewhere
//  (watch.c: a plaintext peer failing a CURVE handshake).
void gate_refused (gate_t *self, stats_refusal_t reason, const char *address, const char *key,
                   int64_t mono_ns);

//  The connection on descriptor `fd` has ended. Returns true if the gate had
//  shut it down (revoked).
bool gate_closed (gate_t *self, int fd);

//  True in CURVE mode.
bool gate_curve (const gate_t *self);

//  Writes the mode in force as one log line (at start).
void gate_log_mode (const gate_t *self);

//  The /metrics label of a refusal reason.
const char *gate_refusal_name (stats_refusal_t reason);

//  The rest of the face: address lists (--plaintext-from) and the socket monitor.
#include "addrlist.h"
#include "watch.h"

#endif
