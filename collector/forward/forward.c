/*  forward.c: an edge collector's links to upstream collectors (--forward).

    The batch is one byte buffer of samples plus their offsets, and the header
    they share; a sample with another origin (a batch forwarded from a further
    edge) flushes the batch first, since a header speaks for all its frames.
*/
#include "forward.h"
#include "cert.h"
#include "base.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define FORWARD_SNDHWM        1000  //  messages (batches) queued per link
#define FORWARD_RECONNECT_MS  100   //  first reconnection attempt
#define FORWARD_RECONNECT_MAX 10000 //  back-off ceiling
#define FORWARD_HEARTBEAT_MS  5000  //  ZMTP PING interval
#define FORWARD_BATCH_BYTES   (1024 * 1024)
#define FORWARD_HEADER_BYTES  1024
#define FORWARD_LOG_GAP_NS    60000000000LL

//  Why a batch did not go out on a link.
typedef enum {
    DROP_UPSTREAM_DOWN, //  no upstream connected (not subscribed)
    DROP_QUEUE_FULL,    //  the link's queue is at SNDHWM
    DROP_PATH_TOO_LONG, //  the batch went through ZAPM_FORWARD_PATH_MAX collectors
    DROP_REASONS
} drop_reason_t;

static const char *s_drop_names[DROP_REASONS] = {"upstream_down", "queue_full", "path_too_long"};

typedef struct {
    char endpoint[256];             //  where it connects
    void *socket;                   //  XPUB, connecting
    bool subscribed;                //  the upstream's SUB is connected
    uint64_t sent;                  //  samples sent
    uint64_t batches;               //  messages sent
    uint64_t dropped[DROP_REASONS]; // samples dropped, by reason
    loglimit_t drop_log;            //  drops, counted: a line a minute at most
} link_t;

struct _forward_t {
    void *context;                              //  libzmq context of the links
    link_t links[FORWARD_LINKS_MAX];            //  one per upstream
    size_t link_count;                          //  how many
    forward_header_t own;                       //  the header of this collector's own samples
    forward_header_t header;                    //  the header of the batch being built
    bool header_set;                            //  batch has samples
    char *bytes;                                //  the batch's samples, back to back
    size_t used;                                //  bytes in it
    size_t offsets[ZAPM_FORWARD_BATCH_MAX + 1]; // sample i is bytes[offsets[i]..offsets[i+1])
    size_t count;                               //  samples in it
};

static bool
s_set (link_t *link, int option, int value, const char *name)
{
    if (zmq_setsockopt (link->socket, option, &value, sizeof value) == 0)
        return true;
    log_error ("forward to %s: cannot set %s: %s", link->endpoint, name, zmq_strerror (errno));
    return false;
}

//  Sets CURVE's keys on a link: this edge is the client of its upstream.
static bool
s_link_curve (link_t *link, const forward_curve_t *curve)
{
    uint8_t server[CERT_KEY_BYTES];
    cert_t own;
    char why[8192];
    if (cert_peer_key (curve->server, "--forward-curve-server", server, why, sizeof why) != 0 ||
        cert_load_secret (curve->cert, "--forward-curve-cert", &own, why, sizeof why) != 0) {
        log_error ("forward to %s: %s", link->endpoint, why);
        return false;
    }
    bool ok = zmq_setsockopt (link->socket, ZMQ_CURVE_SERVERKEY, server, sizeof server) == 0 &&
              zmq_setsockopt (link->socket, ZMQ_CURVE_PUBLICKEY, own.public_key,
                              sizeof own.public_key) == 0 &&
              zmq_setsockopt (link->socket, ZMQ_CURVE_SECRETKEY, own.secret_key,
                              sizeof own.secret_key) == 0;
    memset (&own, 0, sizeof own);
    if (!ok)
        log_error ("forward to %s: cannot set CURVE keys: %s", link->endpoint,
                   zmq_strerror (errno));
    return ok;
}

static bool
s_link_open (forward_t *self, link_t *link, const char *endpoint, const forward_curve_t *curve)
{
    snprintf (link->endpoint, sizeof link->endpoint, "%s", endpoint);
    link->socket = zmq_socket (self->context, ZMQ_XPUB);
    if (!link->socket) {
        log_error ("forward to %s: cannot create a socket: %s", endpoint, zmq_strerror (errno));
        return false;
    }
    if (!s_set (link, ZMQ_XPUB_NODROP, 1, "ZMQ_XPUB_NODROP") ||
        !s_set (link, ZMQ_XPUB_VERBOSER, 1, "ZMQ_XPUB_VERBOSER") ||
        !s_set (link, ZMQ_SNDHWM, FORWARD_SNDHWM, "ZMQ_SNDHWM") ||
        !s_set (link, ZMQ_LINGER, 0, "ZMQ_LINGER") ||
        !s_set (link, ZMQ_IMMEDIATE, 1, "ZMQ_IMMEDIATE") ||
        !s_set (link, ZMQ_RECONNECT_IVL, FORWARD_RECONNECT_MS, "ZMQ_RECONNECT_IVL") ||
        !s_set (link, ZMQ_RECONNECT_IVL_MAX, FORWARD_RECONNECT_MAX, "ZMQ_RECONNECT_IVL_MAX") ||
        !s_set (link, ZMQ_HEARTBEAT_IVL, FORWARD_HEARTBEAT_MS, "ZMQ_HEARTBEAT_IVL") ||
        !s_set (link, ZMQ_HEARTBEAT_TIMEOUT, 3 * FORWARD_HEARTBEAT_MS, "ZMQ_HEARTBEAT_TIMEOUT"))
        return false;
    if (curve->server && !s_link_curve (link, curve))
        return false;
    if (zmq_connect (link->socket, endpoint) != 0) {
        log_error ("--forward %s: %s", endpoint, zmq_strerror (errno));
        return false;
    }
    return true;
}

forward_t *
forward_new (const char *const *endpoints, size_t count, const char *name, const char *boot,
             const forward_curve_t *curve)
{
    assert (count <= FORWARD_LINKS_MAX);
    forward_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->context = zmq_ctx_new ();
    self->bytes = malloc (FORWARD_BATCH_BYTES);
    if (!self->context || !self->bytes) {
        forward_destroy (&self);
        return NULL;
    }
    snprintf (self->own.edge, sizeof self->own.edge, "%s", name);
    snprintf (self->own.path[0], sizeof self->own.path[0], "%s", boot);
    self->own.hops = 1;
    for (size_t i = 0; i < count; i++) {
        self->links[i].drop_log = (loglimit_t) LOGLIMIT_COUNTED (FORWARD_LOG_GAP_NS);
        if (!s_link_open (self, &self->links[i], endpoints[i], curve)) {
            self->link_count = i + 1;
            forward_destroy (&self);
            return NULL;
        }
        self->link_count = i + 1;
        log_info ("forwarding every sample to %s as edge '%s' (%s)", endpoints[i], name,
                  curve->server ? "CURVE" : "plaintext");
    }
    return self;
}

void
forward_destroy (forward_t **self_p)
{
    assert (self_p);
    forward_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->link_count; i++)
            if (self->links[i].socket)
                zmq_close (self->links[i].socket);
        if (self->context)
            zmq_ctx_term (self->context);
        free (self->bytes);
        free (self);
        *self_p = NULL;
    }
}

//  Reads the subscription messages an XPUB gets: 1 then the topic when the
//  upstream's SUB connects, 0 when it goes (ZMQ_XPUB_VERBOSER).
static void
s_read_subscriptions (link_t *link)
{
    char frame[64];
    int n;
    while ((n = zmq_recv (link->socket, frame, sizeof frame, ZMQ_DONTWAIT)) > 0) {
        bool subscribed = frame[0] == 1;
        if (subscribed != link->subscribed)
            log_info ("forward to %s: upstream %s", link->endpoint,
                      subscribed ? "connected" : "gone");
        link->subscribed = subscribed;
    }
}

static void
s_drop (link_t *link, drop_reason_t reason, size_t samples)
{
    link->dropped[reason] += samples;
    loglimit_hold (&link->drop_log, samples);
}

//  Sends the batch on one link: the header, then each sample, as one message.
static void
s_send (forward_t *self, link_t *link, const char *header, size_t header_size)
{
    if (!link->subscribed) {
        s_drop (link, DROP_UPSTREAM_DOWN, self->count);
        return;
    }
    if (zmq_send (link->socket, header, header_size, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        s_drop (link, errno == EAGAIN ? DROP_QUEUE_FULL : DROP_UPSTREAM_DOWN, self->count);
        return;
    }
    //  Once the first frame is taken, libzmq takes the whole message.
    for (size_t i = 0; i < self->count; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < self->count ? ZMQ_SNDMORE : 0);
        zmq_send (link->socket, self->bytes + self->offsets[i],
                  self->offsets[i + 1] - self->offsets[i], flags);
    }
    link->sent += self->count;
    link->batches++;
}

//  One line per link with drops since its last, at most once a minute.
static void
s_log_drops (forward_t *self, int64_t mono_ns)
{
    for (size_t i = 0; i < self->link_count; i++) {
        link_t *link = &self->links[i];
        uint64_t dropped = loglimit_take (&link->drop_log, mono_ns);
        if (dropped)
            log_warn ("forward to %s: %" PRIu64 " sample%s not forwarded (%" PRIu64
                      " upstream down, %" PRIu64 " queue full, %" PRIu64 " path too long so far)",
                      link->endpoint, dropped, dropped == 1 ? "" : "s",
                      link->dropped[DROP_UPSTREAM_DOWN], link->dropped[DROP_QUEUE_FULL],
                      link->dropped[DROP_PATH_TOO_LONG]);
    }
}

//  Sends the batch being built, if any, to every link.
static void
s_flush_batch (forward_t *self)
{
    if (self->count == 0)
        return;
    char header[FORWARD_HEADER_BYTES];
    size_t header_size = forward_header_write (&self->header, header, sizeof header);
    for (size_t i = 0; i < self->link_count; i++)
        if (header_size)
            s_send (self, &self->links[i], header, header_size);
    self->count = 0;
    self->used = 0;
    self->header_set = false;
}

void
forward_flush (forward_t *self, int64_t mono_ns)
{
    assert (self);
    for (size_t i = 0; i < self->link_count; i++)
        s_read_subscriptions (&self->links[i]);
    s_flush_batch (self);
    s_log_drops (self, mono_ns);
}

int64_t
forward_due (forward_t *self)
{
    assert (self);
    if (self->count > 0)
        return 1; //  long past: at once
    int64_t due = 0;
    for (size_t i = 0; i < self->link_count; i++)
        due = loglimit_earlier (due, loglimit_due (&self->links[i].drop_log));
    return due;
}

//  A link's socket has subscription messages.
static int
s_on_link (loop_t *loop, void *arg)
{
    (void) loop;
    s_read_subscriptions (arg);
    return 0;
}

int
forward_register (forward_t *self, loop_t *loop)
{
    assert (self);
    assert (loop);
    for (size_t i = 0; i < self->link_count; i++)
        if (loop_reader (loop, self->links[i].socket, -1, s_on_link, &self->links[i]) < 0)
            return -1;
    return 0;
}

void
forward_sample (forward_t *self, const char *data, size_t size, const forward_header_t *origin)
{
    assert (self);
    forward_header_t header = self->own;
    if (origin) {
        if (origin->hops == ZAPM_FORWARD_PATH_MAX) {
            for (size_t i = 0; i < self->link_count; i++)
                s_drop (&self->links[i], DROP_PATH_TOO_LONG, 1);
            return;
        }
        header = *origin;
        memcpy (header.path[header.hops++], self->own.path[0], SSE_BOOT_LEN + 1);
    }
    bool same = self->header_set && strcmp (header.edge, self->header.edge) == 0 &&
                header.hops == self->header.hops &&
                memcmp (header.path, self->header.path, sizeof header.path[0] * header.hops) == 0;
    if (self->count > 0 &&
        (!same || self->count == ZAPM_FORWARD_BATCH_MAX || self->used + size > FORWARD_BATCH_BYTES))
        s_flush_batch (self);
    if (!self->header_set) {
        self->header = header;
        self->header_set = true;
    }
    memcpy (self->bytes + self->used, data, size);
    self->offsets[self->count] = self->used;
    self->used += size;
    self->offsets[++self->count] = self->used;
}

//  One line: NAME{upstream="<endpoint>"[,reason="<reason>"]} VALUE.
static void
s_line (textbuf_t *out, const char *name, const link_t *link, const char *reason, uint64_t value)
{
    textbuf_printf (out, "%s{upstream=", name);
    textbuf_putc (out, '"');
    prom_text_label_value (out, link->endpoint);
    textbuf_putc (out, '"');
    if (reason)
        textbuf_printf (out, ",reason=\"%s\"", reason);
    textbuf_printf (out, "} %" PRIu64 "\n", value);
}

void
forward_metrics (forward_t *self, textbuf_t *out)
{
    assert (self);
    prom_text_header (out, "zapm_forward_sent_total", "counter",
                      "Samples forwarded upstream, by link.");
    for (size_t i = 0; i < self->link_count; i++)
        s_line (out, "zapm_forward_sent_total", &self->links[i], NULL, self->links[i].sent);
    prom_text_header (out, "zapm_forward_batches_total", "counter",
                      "Messages forwarded upstream, by link.");
    for (size_t i = 0; i < self->link_count; i++)
        s_line (out, "zapm_forward_batches_total", &self->links[i], NULL, self->links[i].batches);
    prom_text_header (out, "zapm_forward_dropped_total", "counter",
                      "Samples not forwarded, by link and reason.");
    for (size_t i = 0; i < self->link_count; i++)
        for (int r = 0; r < DROP_REASONS; r++)
            s_line (out, "zapm_forward_dropped_total", &self->links[i], s_drop_names[r],
                    self->links[i].dropped[r]);
    prom_text_header (out, "zapm_forward_connected", "gauge", "Whether the upstream is connected.");
    for (size_t i = 0; i < self->link_count; i++)
        s_line (out, "zapm_forward_connected", &self->links[i], NULL, self->links[i].subscribed);
}
