/*  gate.c: the collector's ZAP handler, allow-list checks and revocation (gate.h).

    A ZAP request is six frames and the credentials: version "1.0", request
    id, domain, peer address, routing id, mechanism ("NULL" or "CURVE"), then
    for CURVE the client's 32-byte public key. The reply is version, request
    id, status ("200" or "400"), status text, user id and empty metadata.

    The per-frame check in CURVE mode is two metadata look-ups and a compare
    against the cached verdict for that descriptor; the allow-list is
    consulted only when a descriptor shows a new key or the list changed.
*/
#include "gate.h"
#include "addrlist.h"
#include "allowlist.h"
#include "cert.h"
#include "base.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define GATE_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define GATE_ZAP_DOMAIN   "zapm"
#define GATE_ZAP_FRAMES   8   //  frames of a request we look at
#define GATE_ZAP_BUDGET   256 //  requests answered per call
#define GATE_FD_MAX       (1 << 20)
#define GATE_KEY_SHOWN    8 //  Z85 characters of a key in log lines

//  What the gate knows of one agent connection, by descriptor.
typedef struct {
    bool known;                   //  a frame came on this descriptor
    bool allowed;                 //  its key was allowed at `generation`
    bool shut;                    //  the gate shut it down
    uint64_t generation;          //  allow-list generation of the verdict
    char key[CERT_KEY_TEXT + 1];  //  its key (the ZAP user id), Z85
    struct sockaddr_storage peer; //  its peer, to recognise it again
    socklen_t peer_size;          //  bytes of peer
} s_conn_t;

struct _gate_t {
    void *zap;                          //  REP bound at inproc://zeromq.zap.01
    gate_stats_t *stats;                //  counters
    peerlog_t *peerlog;                 //  rate limit of log lines by address
    allowlist_t *allow;                 //  CURVE mode: allowed keys; NULL in plaintext mode
    addrlist_t *plaintext;              //  plaintext mode: allowed addresses
    int port;                           //  the SUB socket's TCP port, 0 if not TCP
    s_conn_t *conns;                    //  by descriptor
    int conns_size;                     //  entries in conns
    char public_key[CERT_KEY_TEXT + 1]; //  the collector's, for the startup line
};

const char *
gate_refusal_name (stats_refusal_t reason)
{
    static const char *names[STATS_REFUSALS] = {"unknown_key", "plaintext", "address"};
    return reason < STATS_REFUSALS ? names[reason] : "unknown";
}

//  Loads the collector's own certificate and makes `sub` a CURVE server.
static bool
s_curve_server (gate_t *self, void *sub, const char *path)
{
    cert_t cert;
    char why[8192];
    if (cert_load_secret (path, "--curve-cert", &cert, why, sizeof why) != 0) {
        log_error ("%s", why);
        return false;
    }
    int on = 1;
    bool ok = sockopt_set (sub, ZMQ_CURVE_SERVER, &on, sizeof on, "ZMQ_CURVE_SERVER") &&
              sockopt_set (sub, ZMQ_CURVE_SECRETKEY, cert.secret_key, CERT_KEY_BYTES,
                           "ZMQ_CURVE_SECRETKEY");
    memcpy (self->public_key, cert.public_text, sizeof self->public_key);
    memset (&cert, 0, sizeof cert);
    return ok;
}

gate_t *
gate_new (void *context, void *sub, const gate_config_t *config, gate_stats_t *stats,
          peerlog_t *peerlog)
{
    gate_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->stats = stats;
    self->peerlog = peerlog;
    if (config->curve_cert) {
        self->allow = allowlist_new (config->curve_allow);
        if (!self->allow || !s_curve_server (self, sub, config->curve_cert)) {
            gate_destroy (&self);
            return NULL;
        }
    }
    else {
        char why[256];
        self->plaintext = addrlist_new (config->plaintext_from, why, sizeof why);
        if (!self->plaintext) {
            log_error ("--plaintext-from: %s", why);
            gate_destroy (&self);
            return NULL;
        }
    }
    int linger = 0;
    self->zap = zmq_socket (context, ZMQ_REP);
    if (!self->zap || zmq_setsockopt (self->zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind (self->zap, GATE_ZAP_ENDPOINT) != 0) {
        log_error ("cannot start the ZAP handler on %s: %s", GATE_ZAP_ENDPOINT,
                   zmq_strerror (errno));
        gate_destroy (&self);
        return NULL;
    }
    if (!sockopt_set (sub, ZMQ_ZAP_DOMAIN, GATE_ZAP_DOMAIN, strlen (GATE_ZAP_DOMAIN),
                      "ZMQ_ZAP_DOMAIN")) {
        gate_destroy (&self);
        return NULL;
    }
    return self;
}

void
gate_destroy (gate_t **self_p)
{
    assert (self_p);
    gate_t *self = *self_p;
    if (self) {
        if (self->zap)
            zmq_close (self->zap);
        allowlist_destroy (&self->allow);
        if (self->plaintext)
            addrlist_destroy (&self->plaintext);
        free (self->conns);
        free (self);
        *self_p = NULL;
    }
}

void *
gate_socket (gate_t *self)
{
    assert (self);
    return self->zap;
}

void
gate_set_port (gate_t *self, int port)
{
    assert (self);
    self->port = port;
}

bool
gate_curve (const gate_t *self)
{
    assert (self);
    return self->allow != NULL;
}

void
gate_log_mode (const gate_t *self)
{
    assert (self);
    if (self->allow)
        log_info ("agents: CURVE, collector key %s; %u agent key%s allowed from %s",
                  self->public_key, allowlist_size (self->allow),
                  allowlist_size (self->allow) == 1 ? "" : "s", allowlist_dir (self->allow));
    else if (strcmp (addrlist_text (self->plaintext), "loopback") == 0)
        log_info ("agents: plaintext from loopback only (protected mode; --plaintext-from LIST "
                  "widens it, --curve-cert secures it)");
    else
        log_info ("agents: plaintext from %s (--plaintext-from; --curve-cert secures it)",
                  addrlist_text (self->plaintext));
}

//  The first characters of a key for log lines: never the whole key.
static void
s_key_excerpt (const char *key, char *out)
{
    char escaped[GATE_KEY_SHOWN * 4 + 1];
    log_escape (key, strnlen (key, GATE_KEY_SHOWN), GATE_KEY_SHOWN, escaped);
    snprintf (out, GATE_KEY_SHOWN * 4 + 8, "%s...", escaped);
}

void
gate_refused (gate_t *self, stats_refusal_t reason, const char *address, const char *key,
              int64_t mono_ns)
{
    assert (self);
    self->stats->refused[reason]++;
    uint64_t held = 0;
    if (!peerlog_allow (self->peerlog, address, (int) reason, mono_ns, &held))
        return;
    char more[64] = "";
    if (held > 0)
        snprintf (more, sizeof more, " (%lu more since the last line)", (unsigned long) held);
    char shown[GATE_KEY_SHOWN * 4 + 8];
    switch (reason) {
    case STATS_REFUSED_UNKNOWN_KEY:
        s_key_excerpt (key ? key : "", shown);
        log_warn ("refused agent from %s: key %s is not in --curve-allow %s (add its public "
                  "certificate there to admit it)%s",
                  address, shown, allowlist_dir (self->allow), more);
        break;
    case STATS_REFUSED_PLAINTEXT:
        log_warn ("refused plaintext agent from %s: this collector takes CURVE only (give the "
                  "agent --curve-server and --curve-cert, or ZAPM_CURVE_SERVER and "
                  "ZAPM_CURVE_CERT)%s",
                  address, more);
        break;
    default:
        log_warn ("refused plaintext agent from %s: not in --plaintext-from %s (widen it with "
                  "--plaintext-from, or secure agents with --curve-cert)%s",
                  address, addrlist_text (self->plaintext), more);
        break;
    }
}

//  Decides one ZAP request. Returns true to admit; *user gets the user id.
static bool
s_decide (gate_t *self, zmq_msg_t *frames, int count, char *user, int64_t mono_ns)
{
    char address[64] = "";
    size_t size = zmq_msg_size (&frames[3]);
    if (size >= sizeof address)
        size = sizeof address - 1;
    memcpy (address, zmq_msg_data (&frames[3]), size);
    address[size] = '\0';
    bool curve =
        zmq_msg_size (&frames[5]) == 5 && memcmp (zmq_msg_data (&frames[5]), "CURVE", 5) == 0;
    if (self->allow) {
        if (!curve) {
            gate_refused (self, STATS_REFUSED_PLAINTEXT, address, NULL, mono_ns);
            return false;
        }
        if (count < 7 || zmq_msg_size (&frames[6]) != CERT_KEY_BYTES)
            return false;
        const uint8_t *key = zmq_msg_data (&frames[6]);
        zmq_z85_encode (user, key, CERT_KEY_BYTES);
        if (allowlist_has (self->allow, key))
            return true;
        gate_refused (self, STATS_REFUSED_UNKNOWN_KEY, address, user, mono_ns);
        user[0] = '\0';
        return false;
    }
    if (curve)
        return false; //  cannot happen: the socket is not a CURVE server
    if (addrlist_match (self->plaintext, address))
        return true;
    gate_refused (self, STATS_REFUSED_ADDRESS, address, NULL, mono_ns);
    return false;
}

//  Answers one request; returns false when there is none.
static bool
s_answer (gate_t *self, int64_t mono_ns)
{
    zmq_msg_t frames[GATE_ZAP_FRAMES];
    int count = 0;
    bool more = true;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init (&part);
        if (zmq_msg_recv (&part, self->zap, count == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close (&part);
            break;
        }
        more = zmq_msg_more (&part);
        if (count < GATE_ZAP_FRAMES)
            frames[count++] = part;
        else
            zmq_msg_close (&part);
    }
    if (count == 0)
        return false;
    char user[CERT_KEY_TEXT + 1] = "";
    bool ok = count >= 6 && s_decide (self, frames, count, user, mono_ns);
    zmq_msg_t *request_id = count >= 2 ? &frames[1] : NULL;
    zmq_send (self->zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send (self->zap, request_id ? zmq_msg_data (request_id) : "",
              request_id ? zmq_msg_size (request_id) : 0, ZMQ_SNDMORE);
    zmq_send (self->zap, ok ? "200" : "400", 3, ZMQ_SNDMORE);
    zmq_send (self->zap, ok ? "OK" : "refused", ok ? 2 : 7, ZMQ_SNDMORE);
    zmq_send (self->zap, user, ok ? strlen (user) : 0, ZMQ_SNDMORE);
    zmq_send (self->zap, "", 0, 0);
    for (int i = 0; i < count; i++)
        zmq_msg_close (&frames[i]);
    return true;
}

void
gate_handle (gate_t *self, int64_t mono_ns)
{
    assert (self);
    for (int i = 0; i < GATE_ZAP_BUDGET && s_answer (self, mono_ns); i++)
        ;
}

//  The entry for descriptor fd, growing the table; NULL if fd is out of range.
static s_conn_t *
s_conn (gate_t *self, int fd)
{
    if (fd < 0 || fd >= GATE_FD_MAX)
        return NULL;
    if (fd >= self->conns_size) {
        int size = self->conns_size ? self->conns_size : 64;
        while (size <= fd)
            size *= 2;
        s_conn_t *grown = realloc (self->conns, (size_t) size * sizeof *grown);
        if (!grown)
            return NULL;
        memset (grown + self->conns_size, 0, (size_t) (size - self->conns_size) * sizeof *grown);
        self->conns = grown;
        self->conns_size = size;
    }
    return &self->conns[fd];
}

//  The port of a socket address, 0 if not IP.
static int
s_port (const struct sockaddr_storage *address)
{
    if (address->ss_family == AF_INET)
        return ntohs (((const struct sockaddr_in *) address)->sin_port);
    if (address->ss_family == AF_INET6)
        return ntohs (((const struct sockaddr_in6 *) address)->sin6_port);
    return 0;
}

//  "address:port" of a socket address.
static void
s_format (const struct sockaddr_storage *address, char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (address->ss_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) address)->sin_addr, host, sizeof host);
    else if (address->ss_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) address)->sin6_addr, host,
                   sizeof host);
    snprintf (out, size, "%s:%d", host, s_port (address));
}

//  True if descriptor fd is still the agent connection `conn` describes: a
//  socket on the SUB socket's port with the same peer. Descriptor numbers
//  are reused, and shutting down someone else's socket must never happen.
static bool
s_still_ours (const gate_t *self, int fd, const s_conn_t *conn)
{
    struct sockaddr_storage local, peer;
    socklen_t local_size = sizeof local, peer_size = sizeof peer;
    if (getsockname (fd, (struct sockaddr *) &local, &local_size) != 0 ||
        getpeername (fd, (struct sockaddr *) &peer, &peer_size) != 0)
        return false;
    if (self->port == 0 || s_port (&local) != self->port)
        return false;
    return peer_size == conn->peer_size && memcmp (&peer, &conn->peer, peer_size) == 0;
}

//  Shuts down the connection of a revoked key, once.
static void
s_revoke (gate_t *self, int fd, s_conn_t *conn)
{
    if (conn->shut || !s_still_ours (self, fd, conn))
        return;
    if (shutdown (fd, SHUT_RDWR) != 0)
        return;
    conn->shut = true;
    char peer[INET6_ADDRSTRLEN + 8], shown[GATE_KEY_SHOWN * 4 + 8];
    s_format (&conn->peer, peer, sizeof peer);
    s_key_excerpt (conn->key, shown);
    log_warn ("revoked agent key %s (its certificate left --curve-allow %s): closed its "
              "connection from %s",
              shown, allowlist_dir (self->allow), peer);
}

bool
gate_admit (gate_t *self, zmq_msg_t *msg)
{
    assert (self);
    if (!self->allow)
        return true;
    const char *user = zmq_msg_gets (msg, "User-Id");
    int fd = zmq_msg_get (msg, ZMQ_SRCFD);
    s_conn_t *conn = s_conn (self, fd);
    if (!user || !conn) {
        self->stats->revoked_frames++; //  no key to check: fail closed
        return false;
    }
    uint64_t generation = allowlist_generation (self->allow);
    if (!conn->known || conn->generation != generation ||
        strncmp (conn->key, user, CERT_KEY_TEXT) != 0) {
        uint8_t key[CERT_KEY_BYTES];
        bool same = conn->known && strncmp (conn->key, user, CERT_KEY_TEXT) == 0;
        conn->known = true;
        conn->generation = generation;
        conn->allowed = cert_key_decode (user, key) && allowlist_has (self->allow, key);
        if (!same) {
            snprintf (conn->key, sizeof conn->key, "%s", user);
            conn->shut = false;
            conn->peer_size = sizeof conn->peer;
            if (getpeername (fd, (struct sockaddr *) &conn->peer, &conn->peer_size) != 0)
                conn->peer_size = 0;
        }
    }
    if (conn->allowed)
        return true;
    self->stats->revoked_frames++;
    s_revoke (self, fd, conn);
    return false;
}

void
gate_tick (gate_t *self, int64_t mono_ns)
{
    assert (self);
    if (!self->allow || !allowlist_refresh (self->allow, mono_ns))
        return;
    uint64_t generation = allowlist_generation (self->allow);
    for (int fd = 0; fd < self->conns_size; fd++) {
        s_conn_t *conn = &self->conns[fd];
        if (!conn->known)
            continue;
        uint8_t key[CERT_KEY_BYTES];
        conn->generation = generation;
        conn->allowed = cert_key_decode (conn->key, key) && allowlist_has (self->allow, key);
        if (!conn->allowed)
            s_revoke (self, fd, conn);
    }
}

bool
gate_closed (gate_t *self, int fd)
{
    assert (self);
    if (fd < 0 || fd >= self->conns_size)
        return false;
    bool shut = self->conns[fd].shut;
    memset (&self->conns[fd], 0, sizeof self->conns[fd]);
    return shut;
}
