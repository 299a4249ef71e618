/*  watch.h: no silent loss of an agent connection (the SUB socket's monitor).

    zmq_socket_monitor publishes the SUB socket's connection events on an
    inproc PAIR that the collector's loop polls. Every ended connection is
    counted by reason (zapm_agent_connections_lost_total) and logged, with
    the peer's address, at most once a second per address.

    What libzmq 4.3 says, measured (docs/SECURITY.md has the table): ACCEPTED
    and DISCONNECTED carry the connection's descriptor, the handshake events
    carry none and name only the bound endpoint. So the peer address is read
    with getpeername at ACCEPTED and kept by descriptor; when the loop reads
    that event only after libzmq has already closed the connection (a
    plaintext peer on a CURVE socket is gone within a millisecond), the
    address is unknown and the line says so. A failed handshake
    (HANDSHAKE_FAILED_AUTH: ZAP said no; _PROTOCOL: a ZMTP error such as a
    plaintext peer on a CURVE socket; _NO_DETAIL) is reported by libzmq's I/O
    thread immediately before the DISCONNECTED of the same connection, so the
    two are paired in order (the context has one I/O thread). A frame over
    ZMQ_MAXMSGSIZE, bytes that are not ZMTP, a heartbeat timeout and a peer
    closing all give a bare DISCONNECTED: libzmq 4.3 does not tell them
    apart, so they are counted together as `closed`.
*/
#ifndef ZAPM_WATCH_H
#define ZAPM_WATCH_H

#include "gate.h"
#include "peerlog.h"

#include <stdint.h>

typedef struct _watch_t watch_t;

//  Starts monitoring `sub` (before it binds), reporting refusals it learns
//  of to `gate`. Returns NULL and logs why on failure.
watch_t *watch_new (void *context, void *sub, gate_t *gate, gate_stats_t *stats,
                    peerlog_t *peerlog);

//  Stops monitoring and closes the PAIR; sets *self_p to NULL.
void watch_destroy (watch_t **self_p);

//  The PAIR socket, for zmq_poll.
void *watch_socket (watch_t *self);

//  Handles the pending events, a bounded number per call.
void watch_handle (watch_t *self, int64_t mono_ns);

//  The /metrics label of a reason a connection ended.
const char *watch_lost_name (stats_lost_t reason);

#endif
