/*  ingest.h: the SUB socket that agents publish to.

    The collector's SUB binds (agents' PUBs connect), subscribes to everything,
    and caps frames: frames up to INGEST_MAX_FRAME (twice the protocol's 64 KiB)
    are received so that the validator can count and log the oversized ones, and
    a peer sending more than that is disconnected by libzmq before any memory is
    used. With RCVHWM that bounds what one agent can have queued to 128 MiB, and
    only while the loop is not keeping up.
*/
#ifndef ZAPM_INGEST_H
#define ZAPM_INGEST_H

#include <stddef.h>

//  Frames larger than this make libzmq drop the sending peer (ZMQ_MAXMSGSIZE).
#define INGEST_MAX_FRAME (128 * 1024)

typedef struct _ingest_t ingest_t;

//  Called for each frame received; `data` is valid only during the call.
//  `more` is set when the frame is part of a multipart message.
typedef void (ingest_frame_fn) (void *arg, const char *data, size_t size, int more);

//  Binds a SUB socket on `endpoint`. Returns NULL and logs why on failure.
ingest_t *ingest_new (const char *endpoint);

//  Closes the socket and the ZeroMQ context; sets *self_p to NULL.
void ingest_destroy (ingest_t **self_p);

//  The libzmq socket, for zmq_poll.
void *ingest_socket (ingest_t *self);

//  The endpoint actually bound (wildcard ports resolved).
const char *ingest_endpoint (ingest_t *self);

//  Receives up to `budget` frames without blocking, calling `handler` for each.
//  Returns how many were received.
size_t ingest_drain (ingest_t *self, size_t budget, ingest_frame_fn *handler, void *arg);

#endif
