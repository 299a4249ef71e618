/*  redial.c: dial the collector again after a refused handshake (redial.h). */
#include "redial.h"
#include "zmq_event.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define REDIAL_FIRST_NS 1000000000LL  //  first new dial after a refusal
#define REDIAL_MAX_NS   30000000000LL //  back-off ceiling
#define REDIAL_BUDGET   64            //  events read per call
#define REDIAL_PENDING  8             //  collectors waiting for a new dial at once
#define REDIAL_ENDPOINT 1025          //  bytes of one endpoint

struct _redial_t {
    void *pub;                                     //  the watched socket
    void *pair;                                    //  its monitor events
    char *endpoint;                                //  where it connects (a comma list)
    char monitor[64];                              //  inproc endpoint of the monitor
    int64_t due;                                   //  next dial, INT64_MAX for none
    int64_t backoff;                               //  wait before the next dial after a refusal
    char pending[REDIAL_PENDING][REDIAL_ENDPOINT]; //  the collectors that refused
    int npending;                                  //  entries in pending
};

redial_t *
redial_new (void *context, void *pub, const char *endpoint)
{
    redial_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->pub = pub;
    self->due = INT64_MAX;
    self->backoff = REDIAL_FIRST_NS;
    self->endpoint = strdup (endpoint);
    //  A name never used before in this process: libzmq may still hold the
    //  endpoint of a destroyed agent's monitor for a moment.
    static atomic_uint s_count;
    snprintf (self->monitor, sizeof self->monitor, "inproc://zapm-agent-redial-%u",
              atomic_fetch_add (&s_count, 1));
    int linger = 0;
    if (!self->endpoint ||
        zmq_socket_monitor (pub, self->monitor,
                            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0 ||
        !(self->pair = zmq_socket (context, ZMQ_PAIR)) ||
        zmq_setsockopt (self->pair, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_connect (self->pair, self->monitor) != 0) {
        int err = errno ? errno : ENOMEM;
        redial_destroy (&self);
        errno = err;
        return NULL;
    }
    return self;
}

void
redial_destroy (redial_t **self_p)
{
    assert (self_p);
    redial_t *self = *self_p;
    if (self) {
        zmq_socket_monitor (self->pub, NULL, 0);
        if (self->pair)
            zmq_close (self->pair);
        free (self->endpoint);
        free (self);
        *self_p = NULL;
    }
}

void *
redial_socket (redial_t *self)
{
    assert (self);
    return self->pair;
}

void
redial_handle (redial_t *self, int64_t mono_ns)
{
    assert (self);
    uint16_t event;
    uint32_t value;
    char endpoint[REDIAL_ENDPOINT];
    for (int i = 0; i < REDIAL_BUDGET &&
                    zmq_event_recv (self->pair, &event, &value, endpoint, sizeof endpoint);
         i++) {
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && self->npending == 0)
            self->backoff = REDIAL_FIRST_NS;
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            //  Only the collector that refused is dialled again: the others'
            //  connections are left alone.
            bool known = false;
            for (int k = 0; k < self->npending; k++)
                known = known || strcmp (self->pending[k], endpoint) == 0;
            if (!known && self->npending < REDIAL_PENDING)
                snprintf (self->pending[self->npending++], REDIAL_ENDPOINT, "%s", endpoint);
            if (self->due == INT64_MAX) {
                self->due = mono_ns + self->backoff;
                self->backoff =
                    self->backoff * 2 > REDIAL_MAX_NS ? REDIAL_MAX_NS : self->backoff * 2;
            }
        }
    }
}

int64_t
redial_due (const redial_t *self)
{
    assert (self);
    return self->due;
}

void
redial_tick (redial_t *self, int64_t mono_ns)
{
    assert (self);
    if (mono_ns < self->due)
        return;
    self->due = INT64_MAX;
    for (int k = 0; k < self->npending; k++) {
        zmq_disconnect (self->pub, self->pending[k]); //  ENOENT when libzmq gave up: fine
        zmq_connect (self->pub, self->pending[k]);
    }
    self->npending = 0;
}
