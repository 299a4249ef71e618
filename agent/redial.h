/*  redial.h: the agent watches its handshakes: dials again after a refusal,
    and says once why it was refused.

    libzmq 4.3 treats a ZAP refusal (the collector's "400": an unknown CURVE
    key, or a plaintext agent from an address it does not serve) as final:
    the connecting socket never tries again, measured. An agent started
    before its certificate was added to the collector's allow-list, or
    revoked and then allowed again, would stay silent until restarted. So the
    agent watches its own PUB socket (zmq_socket_monitor on an inproc PAIR
    its actor polls) and after HANDSHAKE_FAILED_AUTH disconnects and connects
    again, 1 s later at first, doubling up to 30 s, and back to 1 s once a
    handshake succeeds. Nothing is queued meanwhile (ZMQ_IMMEDIATE).

    The same events tell the agent why it is not heard, which otherwise only
    the collector's log knows. Per collector (endpoint) it keeps the last
    verdict: accepted (HANDSHAKE_SUCCEEDED), or refused with a reason:
    - HANDSHAKE_FAILED_AUTH: the collector's ZAP said no: with CURVE, this
      agent's key is not in its --curve-allow directory; in plaintext, this
      agent's address is not in its --plaintext-from.
    - HANDSHAKE_FAILED_PROTOCOL, mechanism mismatch: one side speaks CURVE
      and the other does not (an agent without a certificate, say).
    - HANDSHAKE_FAILED_NO_DETAIL, with CURVE, twice in a row: the collector
      dropped the connection mid-handshake, which is what a CURVE server
      does with a HELLO it cannot open: the collector key given is not its
      key. Once is not enough: a collector that restarts does the same.
      Without CURVE, the same twice means the collector wants CURVE (when
      it hangs up before the agent reads its greeting).
    A refusal is reported (redial_handle returns true) when a collector's
    verdict changes to it, so a retry that fails the same way says nothing
    new; an accepted handshake clears it.
*/
#ifndef ZAPM_REDIAL_H
#define ZAPM_REDIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _redial_t redial_t;

//  Watches `pub` (a libzmq socket of `context`), before it connects (the
//  monitor's events name each collector); `curve` says whether it speaks
//  CURVE, for the reasons' wording. Returns NULL with errno set on failure.
redial_t *redial_new (void *context, void *pub, bool curve);

//  Stops watching; sets *self_p to NULL. Call before closing the PUB socket.
void redial_destroy (redial_t **self_p);

//  The monitor's PAIR socket, for zmq_poll.
void *redial_socket (redial_t *self);

//  Reads the pending monitor events; a refusal schedules a new dial. Returns
//  true when a collector's verdict changed to a new refusal (the caller says
//  so once: redial_reason).
bool redial_handle (redial_t *self, int64_t mono_ns);

//  Monotonic time of the next dial, or INT64_MAX when none is due.
int64_t redial_due (const redial_t *self);

//  Dials again if it is time.
void redial_tick (redial_t *self, int64_t mono_ns);

//  Handshakes that succeeded so far, with any collector.
uint64_t redial_accepted (const redial_t *self);

//  The latest refusal of a collector that has not accepted since, as one
//  sentence naming the collector, the reason and what to do; NULL when no
//  collector stands refused.
const char *redial_reason (const redial_t *self);

#endif
