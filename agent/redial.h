/*  redial.h: the agent dials the collector again after a refused handshake.

    libzmq 4.3 treats a ZAP refusal (the collector's "400": an unknown CURVE
    key, or a plaintext agent from an address it does not serve) as final:
    the connecting socket never tries again, measured. An agent started
    before its certificate was added to the collector's allow-list, or
    revoked and then allowed again, would stay silent until restarted. So the
    agent watches its own PUB socket (zmq_socket_monitor on an inproc PAIR
    its actor polls) and after HANDSHAKE_FAILED_AUTH disconnects and connects
    again, 1 s later at first, doubling up to 30 s, and back to 1 s once a
    handshake succeeds. Nothing is queued meanwhile (ZMQ_IMMEDIATE).
*/
#ifndef ZAPM_REDIAL_H
#define ZAPM_REDIAL_H

#include <stdint.h>

typedef struct _redial_t redial_t;

//  Watches `pub` (a libzmq socket of `context`) that connects to `endpoint`. Returns NULL
//  with errno set on failure.
redial_t *redial_new (void *context, void *pub, const char *endpoint);

//  Stops watching; sets *self_p to NULL. Call before closing the PUB socket.
void redial_destroy (redial_t **self_p);

//  The monitor's PAIR socket, for zmq_poll.
void *redial_socket (redial_t *self);

//  Reads the pending monitor events; a refusal schedules a new dial.
void redial_handle (redial_t *self, int64_t mono_ns);

//  Monotonic time of the next dial, or INT64_MAX when none is due.
int64_t redial_due (const redial_t *self);

//  Dials again if it is time.
void redial_tick (redial_t *self, int64_t mono_ns);

#endif
