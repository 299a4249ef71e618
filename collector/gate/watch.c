/*  watch.c: the SUB socket's monitor; counts and logs every lost connection (watch.h).

    Only the events below are asked for; zmq_event.h reads them.
*/
#include "watch.h"
#include "base.h"
#include "zmq_event.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define WATCH_ENDPOINT "inproc://zapm-ingest-monitor"
#define WATCH_BUDGET   512
#define WATCH_FD_MAX   (1 << 20)
#define WATCH_ADDR     (INET6_ADDRSTRLEN + 8)
#define WATCH_EVENTS                                                                               \
    (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |          \
     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

struct _watch_t {
    void *sub;                 //  the monitored socket
    void *pair;                //  receives its events
    gate_t *gate;              //  told of refusals and closed descriptors
    gate_stats_t *stats;       //  counters
    peerlog_t *peerlog;        //  rate limit of log lines by address
    char (*peers)[WATCH_ADDR]; //  "address:port" by descriptor, from ACCEPTED
    int peers_size;            //  entries in peers
    int pending;               //  the handshake failure event just seen, 0 if none
    uint32_t pending_value;    //  its value (errno or ZMTP error code)
};

const char *
watch_lost_name (stats_lost_t reason)
{
    static const char *names[STATS_LOST_REASONS] = {
        "closed",         "handshake_refused", "mechanism_mismatch",
        "protocol_error", "handshake_failed",  "revoked"};
    return reason < STATS_LOST_REASONS ? names[reason] : "unknown";
}

watch_t *
watch_new (void *context, void *sub, gate_t *gate, gate_stats_t *stats, peerlog_t *peerlog)
{
    watch_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->sub = sub;
    self->gate = gate;
    self->stats = stats;
    self->peerlog = peerlog;
    int linger = 0;
    if (zmq_socket_monitor (sub, WATCH_ENDPOINT, WATCH_EVENTS) != 0 ||
        !(self->pair = zmq_socket (context, ZMQ_PAIR)) ||
        zmq_setsockopt (self->pair, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_connect (self->pair, WATCH_ENDPOINT) != 0) {
        log_error ("cannot monitor the SUB socket: %s", zmq_strerror (errno));
        watch_destroy (&self);
        return NULL;
    }
    return self;
}

void
watch_destroy (watch_t **self_p)
{
    assert (self_p);
    watch_t *self = *self_p;
    if (self) {
        zmq_socket_monitor (self->sub, NULL, 0);
        if (self->pair)
            zmq_close (self->pair);
        free (self->peers);
        free (self);
        *self_p = NULL;
    }
}

void *
watch_socket (watch_t *self)
{
    assert (self);
    return self->pair;
}

//  The slot for descriptor fd, growing the table; NULL if out of range.
static char *
s_peer (watch_t *self, int fd)
{
    if (fd < 0 || fd >= WATCH_FD_MAX)
        return NULL;
    if (fd >= self->peers_size) {
        int size = self->peers_size ? self->peers_size : 64;
        while (size <= fd)
            size *= 2;
        char (*grown)[WATCH_ADDR] = realloc (self->peers, (size_t) size * WATCH_ADDR);
        if (!grown)
            return NULL;
        memset (grown + self->peers_size, 0, (size_t) (size - self->peers_size) * WATCH_ADDR);
        self->peers = grown;
        self->peers_size = size;
    }
    return self->peers[fd];
}

//  Records the peer of a new connection. The event may arrive after libzmq
//  has already closed fd; then the address stays unknown.
static void
s_accepted (watch_t *self, int fd)
{
    self->stats->accepted++;
    self->stats->connections++;
    char *slot = s_peer (self, fd);
    if (!slot)
        return;
    struct sockaddr_storage peer;
    socklen_t size = sizeof peer;
    char host[INET6_ADDRSTRLEN] = "an address gone before it was read";
    int port = 0;
    if (getpeername (fd, (struct sockaddr *) &peer, &size) == 0) {
        if (peer.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *) &peer;
            inet_ntop (AF_INET, &in->sin_addr, host, sizeof host);
            port = ntohs (in->sin_port);
        }
        else if (peer.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &peer;
            inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
            port = ntohs (in6->sin6_port);
        }
        else
            snprintf (host, sizeof host, "local");
    }
    snprintf (slot, WATCH_ADDR, port ? "%s:%d" : "%s", host, port);
}

//  A connection ended: classify, count, log.
static void
s_disconnected (watch_t *self, int fd, int64_t mono_ns)
{
    if (self->stats->connections > 0)
        self->stats->connections--;
    char *slot = s_peer (self, fd);
    char peer[WATCH_ADDR];
    snprintf (peer, sizeof peer, "%s", slot && *slot ? slot : "unknown");
    if (slot)
        *slot = '\0';
    char host[WATCH_ADDR];
    snprintf (host, sizeof host, "%s", peer);
    char *colon = strrchr (host, ':');
    if (colon && strchr (host, ':') == colon)
        *colon = '\0'; //  IPv4 "10.1.2.3:port": the address alone, as ZAP gives it
    bool revoked = gate_closed (self->gate, fd);
    stats_lost_t reason = STATS_LOST_CLOSED;
    char detail[160] = "";
    switch (self->pending) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        reason = STATS_LOST_HANDSHAKE_REFUSED; //  the gate has logged why
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if (self->pending_value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
            reason = STATS_LOST_MECHANISM_MISMATCH;
            if (gate_curve (self->gate))
                gate_refused (self->gate, STATS_REFUSED_PLAINTEXT, host, NULL, mono_ns);
            else
                snprintf (detail, sizeof detail,
                          "it speaks CURVE, and this collector runs without --curve-cert");
        }
        else if (self->pending_value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC) {
            reason = STATS_LOST_PROTOCOL_ERROR;
            snprintf (detail, sizeof detail,
                      "its CURVE handshake does not decrypt: the agent has a wrong collector key "
                      "(--curve-server, ZAPM_CURVE_SERVER)");
        }
        else {
            reason = STATS_LOST_PROTOCOL_ERROR;
            snprintf (detail, sizeof detail, "ZMTP protocol error 0x%x%s", self->pending_value,
                      gate_curve (self->gate) ? " (an agent with a wrong --curve-server key?)"
                                              : "");
        }
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        reason = STATS_LOST_HANDSHAKE_FAILED;
        snprintf (detail, sizeof detail, "handshake failed (%s)",
                  strerror ((int) self->pending_value));
        break;
    default:
        if (revoked)
            reason = STATS_LOST_REVOKED; //  the gate has logged it
        break;
    }
    self->pending = 0;
    self->stats->connections_lost[reason]++;
    uint64_t held = 0;
    if (reason == STATS_LOST_HANDSHAKE_REFUSED || reason == STATS_LOST_REVOKED ||
        (reason == STATS_LOST_MECHANISM_MISMATCH && gate_curve (self->gate)) ||
        !peerlog_allow (self->peerlog, host, STATS_REFUSALS + (int) reason, mono_ns, &held))
        return;
    char more[64] = "";
    if (held > 0)
        snprintf (more, sizeof more, " (%lu more since the last line)", (unsigned long) held);
    if (reason == STATS_LOST_CLOSED)
        log_info ("agent connection from %s closed: the agent stopped or went silent, or sent a "
                  "frame over %d KiB (libzmq does not say which)%s",
                  peer, GATE_MAX_FRAME / 1024, more);
    else
        log_warn ("agent connection from %s lost: %s%s", peer, detail, more);
}

void
watch_handle (watch_t *self, int64_t mono_ns)
{
    assert (self);
    uint16_t event;
    uint32_t value;
    for (int i = 0; i < WATCH_BUDGET && zmq_event_recv (self->pair, &event, &value, NULL, 0); i++) {
        switch (event) {
        case ZMQ_EVENT_ACCEPTED:
            s_accepted (self, (int) value);
            break;
        case ZMQ_EVENT_DISCONNECTED:
            s_disconnected (self, (int) value, mono_ns);
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            //  A refused peer that hangs up first adds this to its AUTH
            //  or PROTOCOL event: the first one says why.
            if (self->pending)
                break;
            //  fall through
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            self->pending = event;
            self->pending_value = value;
            break;
        default:
            break;
        }
    }
}
