/*  redial.c: dial again after a refused handshake, and say why (redial.h). */
#include "redial.h"
#include "zapm.h"
#include "zmq_event.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define REDIAL_FIRST_NS  1000000000LL          //  first new dial after a refusal
#define REDIAL_MAX_NS    30000000000LL         //  back-off ceiling
#define REDIAL_BUDGET    64                    //  events read per call
#define REDIAL_PEERS     16                    //  collectors whose verdict is kept
#define REDIAL_ENDPOINT  1025                  //  bytes of one endpoint
#define REDIAL_REASON    ZAPM_AGENT_REASON_MAX //  bytes of one reason
#define REDIAL_DROPS_MIN 2 //  mid-handshake drops in a row that mean a wrong key

//  One collector's last verdict.
typedef enum { S_UNKNOWN, S_ACCEPTED, S_REFUSED } s_verdict_t;

typedef struct {
    char endpoint[REDIAL_ENDPOINT]; //  as the events name it
    s_verdict_t verdict;            //  the last one
    int cause;                      //  why it refused (s_cause_t), 0 when not refused
    int drops;                      //  NO_DETAIL failures in a row
    bool pending;                   //  refused by ZAP: to dial again
    uint64_t heard;                 //  when last heard of (redial_t.clock)
    char reason[REDIAL_REASON];     //  why, when refused
} s_peer_t;

struct _redial_t {
    void *pub;                    //  the watched socket
    void *pair;                   //  its monitor events
    bool curve;                   //  the socket speaks CURVE
    char monitor[64];             //  inproc endpoint of the monitor
    int64_t due;                  //  next dial, INT64_MAX for none
    int64_t backoff;              //  wait before the next dial after a refusal
    uint64_t accepted;            //  handshakes that succeeded
    s_peer_t peers[REDIAL_PEERS]; //  the collectors heard of
    int npeers;                   //  entries in peers
    uint64_t clock;               //  counts the events heard, to find the oldest peer
    const s_peer_t *latest;       //  the latest refusal still standing, or NULL
};

redial_t *
redial_new (void *context, void *pub, bool curve)
{
    redial_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->pub = pub;
    self->curve = curve;
    self->due = INT64_MAX;
    self->backoff = REDIAL_FIRST_NS;
    //  A name never used before in this process: libzmq may still hold the
    //  endpoint of a destroyed agent's monitor for a moment.
    static atomic_uint s_count;
    snprintf (self->monitor, sizeof self->monitor, "inproc://zapm-agent-redial-%u",
              atomic_fetch_add (&s_count, 1));
    int linger = 0;
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
    if (zmq_socket_monitor (pub, self->monitor, events) != 0 ||
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

//  The collector at `endpoint`, added if new. When the table is full, the
//  slot heard of longest ago is reused, one waiting to dial again last, so
//  a refused collector is not forgotten before it is dialled again.
static s_peer_t *
s_peer (redial_t *self, const char *endpoint)
{
    self->clock++;
    for (int k = 0; k < self->npeers; k++)
        if (strcmp (self->peers[k].endpoint, endpoint) == 0) {
            self->peers[k].heard = self->clock;
            return &self->peers[k];
        }
    s_peer_t *peer = NULL;
    if (self->npeers < REDIAL_PEERS)
        peer = &self->peers[self->npeers++];
    else
        for (int k = 0; k < REDIAL_PEERS; k++) {
            s_peer_t *candidate = &self->peers[k];
            if (!peer || (peer->pending && !candidate->pending) ||
                (peer->pending == candidate->pending && candidate->heard < peer->heard))
                peer = candidate;
        }
    if (peer == self->latest)
        self->latest = NULL;
    memset (peer, 0, sizeof *peer);
    snprintf (peer->endpoint, sizeof peer->endpoint, "%s", endpoint);
    peer->heard = self->clock;
    return peer;
}

//  Why a collector refused, as far as the events tell.
typedef enum {
    S_NONE,        //  nothing sure yet (a single drop)
    S_AUTH,        //  its ZAP said no
    S_NEEDS_CURVE, //  it speaks CURVE, this agent does not
    S_NO_CURVE,    //  this agent speaks CURVE, it does not
    S_WRONG_KEY,   //  it drops the CURVE handshake: not its key
    S_PROTOCOL     //  another ZMTP error
} s_cause_t;

//  The cause an event (event, value) says, counting drops in a row on `peer`.
static s_cause_t
s_cause (redial_t *self, s_peer_t *peer, uint16_t event, uint32_t value)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        return S_AUTH;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
        value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        return self->curve ? S_NO_CURVE : S_NEEDS_CURVE;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        return S_PROTOCOL;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL && ++peer->drops >= REDIAL_DROPS_MIN)
        return self->curve ? S_WRONG_KEY : S_NEEDS_CURVE;
    return S_NONE;
}

//  Writes why `peer` refused into its reason: the collector, the cause and the fix.
static void
s_explain (redial_t *self, s_peer_t *peer, s_cause_t cause, uint32_t value)
{
    const char *at = peer->endpoint;
    char *out = peer->reason;
    size_t size = sizeof peer->reason;
    if (cause == S_AUTH && self->curve)
        snprintf (out, size,
                  "the collector at %s refused this agent's key (ZAP status %u): add this agent's "
                  "public certificate to the collector's --curve-allow directory",
                  at, value);
    else if (cause == S_AUTH)
        snprintf (out, size,
                  "the collector at %s refused this agent's address (ZAP status %u): add it to "
                  "the collector's --plaintext-from, or use CURVE (--curve-server and "
                  "--curve-cert, or ZAPM_CURVE_SERVER and ZAPM_CURVE_CERT)",
                  at, value);
    else if (cause == S_NO_CURVE)
        snprintf (out, size,
                  "the collector at %s does not speak CURVE: start it with --curve-cert and "
                  "--curve-allow, or give this agent no collector key and certificate",
                  at);
    else if (cause == S_NEEDS_CURVE)
        snprintf (out, size,
                  "the collector at %s requires CURVE: give this agent the collector's public "
                  "key and its own certificate (--curve-server and --curve-cert, or "
                  "ZAPM_CURVE_SERVER and ZAPM_CURVE_CERT; zapm-keygen makes a certificate)",
                  at);
    else if (cause == S_WRONG_KEY)
        snprintf (out, size,
                  "the collector at %s drops this agent's CURVE handshake: the collector key "
                  "this agent was given is not its key (check --curve-server or "
                  "ZAPM_CURVE_SERVER against the public half of the collector's --curve-cert)",
                  at);
    else
        snprintf (out, size,
                  "the handshake with %s failed (ZMTP protocol error 0x%x): is it a zapm "
                  "collector, of a compatible libzmq?",
                  at, value);
}

bool
redial_handle (redial_t *self, int64_t mono_ns)
{
    assert (self);
    uint16_t event;
    uint32_t value;
    char endpoint[REDIAL_ENDPOINT];
    bool news = false;
    for (int i = 0; i < REDIAL_BUDGET &&
                    zmq_event_recv (self->pair, &event, &value, endpoint, sizeof endpoint);
         i++) {
        if (event == 0)
            continue;
        s_peer_t *peer = s_peer (self, endpoint);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            self->accepted++;
            peer->verdict = S_ACCEPTED;
            peer->cause = 0;
            peer->drops = 0;
            if (peer == self->latest)
                self->latest = NULL;
            bool any_pending = false;
            for (int k = 0; k < self->npeers; k++)
                any_pending = any_pending || self->peers[k].pending;
            if (!any_pending)
                self->backoff = REDIAL_FIRST_NS;
            continue;
        }
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            //  Only the collector that refused is dialled again: the others'
            //  connections are left alone.
            peer->pending = true;
            if (self->due == INT64_MAX) {
                self->due = mono_ns + self->backoff;
                self->backoff =
                    self->backoff * 2 > REDIAL_MAX_NS ? REDIAL_MAX_NS : self->backoff * 2;
            }
        }
        s_cause_t cause = s_cause (self, peer, event, value);
        if (cause == S_NONE || (peer->verdict == S_REFUSED && peer->cause == (int) cause))
            continue; //  nothing sure, or the same refusal again: said already
        s_explain (self, peer, cause, value);
        peer->verdict = S_REFUSED;
        peer->cause = (int) cause;
        self->latest = peer;
        news = true;
    }
    return news;
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
    for (int k = 0; k < self->npeers; k++)
        if (self->peers[k].pending) {
            zmq_disconnect (self->pub, self->peers[k].endpoint); //  ENOENT when libzmq gave up
            zmq_connect (self->pub, self->peers[k].endpoint);
            self->peers[k].pending = false;
        }
}

uint64_t
redial_accepted (const redial_t *self)
{
    assert (self);
    return self->accepted;
}

const char *
redial_reason (const redial_t *self)
{
    assert (self);
    return self->latest ? self->latest->reason : NULL;
}
