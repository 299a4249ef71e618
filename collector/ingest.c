/*  ingest.c: the SUB socket that agents publish to.

    RCVHWM is per connected agent in libzmq, so a modest value bounds memory per
    agent while absorbing bursts. Frames are received into one reused zmq_msg_t.
*/
#include "ingest.h"
#include "log.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#define INGEST_RCVHWM 1000

struct _ingest_t {
    void *context;      //  libzmq context
    void *socket;       //  SUB, bound
    char endpoint[256]; //  as bound
};

ingest_t *
ingest_new (const char *endpoint)
{
    ingest_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->context = zmq_ctx_new ();
    self->socket = self->context ? zmq_socket (self->context, ZMQ_SUB) : NULL;
    if (!self->socket) {
        log_error ("cannot create the SUB socket: %s", zmq_strerror (errno));
        ingest_destroy (&self);
        return NULL;
    }
    int64_t max_size = INGEST_MAX_FRAME;
    int hwm = INGEST_RCVHWM, linger = 0;
    zmq_setsockopt (self->socket, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size);
    zmq_setsockopt (self->socket, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (self->socket, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (self->socket, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_bind (self->socket, endpoint) != 0) {
        log_error ("cannot bind %s for agents: %s", endpoint, zmq_strerror (errno));
        ingest_destroy (&self);
        return NULL;
    }
    size_t size = sizeof self->endpoint;
    if (zmq_getsockopt (self->socket, ZMQ_LAST_ENDPOINT, self->endpoint, &size) != 0)
        snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    return self;
}

void
ingest_destroy (ingest_t **self_p)
{
    assert (self_p);
    ingest_t *self = *self_p;
    if (self) {
        if (self->socket)
            zmq_close (self->socket);
        if (self->context)
            zmq_ctx_term (self->context);
        free (self);
        *self_p = NULL;
    }
}

void *
ingest_socket (ingest_t *self)
{
    assert (self);
    return self->socket;
}

const char *
ingest_endpoint (ingest_t *self)
{
    assert (self);
    return self->endpoint;
}

size_t
ingest_drain (ingest_t *self, size_t budget, ingest_frame_fn *handler, void *arg)
{
    assert (self);
    size_t count = 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (count < budget) {
        if (zmq_msg_recv (&msg, self->socket, ZMQ_DONTWAIT) < 0)
            break;
        count++;
        handler (arg, zmq_msg_data (&msg), zmq_msg_size (&msg), zmq_msg_more (&msg));
    }
    zmq_msg_close (&msg);
    return count;
}
