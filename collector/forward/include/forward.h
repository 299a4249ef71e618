/*  forward.h: an edge collector's links to upstream collectors (--forward).

    Every validated sample, its own agents' and those forwarded to it, goes on
    to each upstream over a PUB-like socket that connects, as the agents' own
    PUB sockets do; the upstream binds its usual SUB and treats the samples as
    its own agents' (same identity, same seq accounting). Samples are batched:
    whatever one turn of the loop ingested goes out as one multipart message per
    link (a header frame, forward_header.h, then up to ZAPM_FORWARD_BATCH_MAX
    samples), so a busy edge pays one send per turn, not one per sample.

    Nothing waits: each link's socket is an XPUB (so the edge sees whether the
    upstream is subscribed, i.e. connected) with ZMQ_XPUB_NODROP (so a full
    queue is an error it can count) and a bounded SNDHWM. A batch that cannot go
    is dropped and counted per link and reason; the upstream's seq accounting
    shows the same loss per agent.

    The links' sockets are in the loop (forward_register): an upstream that
    connects or goes is seen when it does, with no timer while idle.

    The face of collector/forward/ (with forward_header.h). Takes in every
    valid sample from the loop; hands out batches to the upstream collectors
    over ZeroMQ. Loop thread only; owns no thread of its own (libzmq's I/O
    thread sends).
*/
#ifndef ZAPM_FORWARD_H
#define ZAPM_FORWARD_H

#include "forward_header.h"
#include "base.h"
#include "textbuf.h"

#include <stddef.h>
#include <stdint.h>

//  Upstreams one collector forwards to at most (--forward is repeatable).
#define FORWARD_LINKS_MAX 8

typedef struct _forward_t forward_t;

//  CURVE for the links, as an agent has it (docs/SECURITY.md): the upstream's
//  public key (40 Z85 characters, or its certificate's path) and this edge's
//  own certificate, whose public half goes in the upstream's --curve-allow.
//  Both NULL: plaintext (the upstream must then admit this address).
typedef struct {
    const char *server; //  --forward-curve-server KEY|FILE
    const char *cert;   //  --forward-curve-cert FILE
} forward_curve_t;

//  Connects to each of `count` upstream endpoints. `name` is this collector's
//  name (the `edge` of its own agents' samples), `boot` its boot token (kept by
//  reference), `curve` the links' keys. Returns NULL and logs why when a key
//  cannot be read or a socket cannot be set up.
forward_t *forward_new (const char *const *endpoints, size_t count, const char *name,
                        const char *boot, const forward_curve_t *curve);

//  Closes every link; sets *self_p to NULL.
void forward_destroy (forward_t **self_p);

//  Queues one validated sample for every link. `origin` is the header it came
//  under when it was itself forwarded, NULL for this collector's own agents.
//  Batches go out at forward_flush, or at once when full.
void forward_sample (forward_t *self, const char *data, size_t size,
                     const forward_header_t *origin);

//  Sends the batch built since the last flush to every link; reads the links'
//  subscription messages; logs drops (at most once a minute per link). Call
//  after each turn that ingested samples, and when forward_due says.
void forward_flush (forward_t *self, int64_t mono_ns);

//  When forward_flush must run next: at once (a time long past) when a batch
//  waits, when the drop lines are due when drops wait to be logged, else 0.
int64_t forward_due (forward_t *self);

//  Registers each link's socket with `loop`, to read its subscription
//  messages as they come. Returns -1 when the loop is full.
int forward_register (forward_t *self, loop_t *loop);

//  Appends the per-link figures in the Prometheus text format.
void forward_metrics (forward_t *self, textbuf_t *out);

#endif
