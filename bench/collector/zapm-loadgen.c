/*  zapm-loadgen.c: load generator for benchmarking zapm-collector's ingest path.

    Simulates N agents from one process, each with its own publisher socket and
    identity (agent "load-<i>", one host, pid 100000+i, seq from 0), connected to
    the collector's SUB endpoint. Together they send R samples per second, paced
    evenly in 1 ms ticks, for D seconds. Every sample carries the book's fields
    (color, timestamp, cpu, mem), zapm's (v, agent, host, pid, seq, interval), and
    "t_send": the CLOCK_REALTIME nanoseconds at which it was sent, so that
    zapm-ssesink can measure end-to-end latency on the same machine.

    The sockets are XPUB rather than PUB (the collector sees a publisher either
    way) for two reasons: an XPUB socket receives the subscription, so the run
    starts only once every agent is really connected and subscribed (a PUB drops
    everything before that); and with ZMQ_XPUB_NODROP a full queue makes
    zmq_send fail with EAGAIN instead of silently dropping, so sends that would
    have blocked are counted. Such a sample is not sent and does not use a seq,
    so gaps seen downstream are the collector's (or its receive queue's) doing.

    With --curve-server KEY and --curve-cert FILE every socket speaks CURVE
    (one certificate for all simulated agents), to measure what encryption
    costs the collector (docs/PERFORMANCE.md).

    Prints one line of key=value results on stdout. Loopback use only.
*/
#include "cert.h"
#include "cli.h"
#include "clock.h"
#include "wire.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define LOADGEN_TICK_NS 1000000LL //  pacing tick: 1 ms

typedef struct {
    void *socket;    //  XPUB, connected to the collector
    uint64_t seq;    //  next seq to send
    bool subscribed; //  the collector's subscription arrived
} loadgen_agent_t;

typedef struct {
    //  Settings
    const char *endpoint;
    const char *host;
    long agents;
    double rate;
    double duration;
    long sndhwm;
    double connect_timeout;
    long pad;
    bool full;
    const char *curve_server; //  the collector's public key (Z85) or certificate
    const char *curve_cert;   //  the simulated agents' certificate
    //  State
    void *ctx;
    loadgen_agent_t *agent;
    char *padding;
    //  Results
    long subscribed;
    uint64_t attempted;
    uint64_t sent;
    uint64_t blocked;
    uint64_t skipped;
    uint64_t failed;
    double elapsed;
} loadgen_t;

static const char *s_colors[] = {"red",   "green",  "blue", "orange",  "purple", "teal",
                                 "olive", "maroon", "navy", "fuchsia", "silver", "lime"};

static void
s_usage (const char *prog)
{
    printf ("Usage: %s [OPTION]...\n"
            "Simulate N zapm agents publishing R samples/s in total to a collector.\n"
            "\n"
            "  --endpoint E         collector SUB endpoint (default tcp://127.0.0.1:5555)\n"
            "  --agents N           simulated agents, one XPUB socket each (default 10)\n"
            "  --rate R             samples per second, all agents together (default 1000)\n"
            "  --duration D         seconds of sending (default 5)\n"
            "  --sndhwm H           send high-water mark per socket (default 100000)\n"
            "  --connect-timeout S  seconds to wait for all subscriptions (default 10)\n"
            "  --host NAME          the samples' host field (default bench)\n"
            "  --pad BYTES          add a \"pad\" string of BYTES characters (default 0)\n"
            "  --full               add the zapm agent's \"proc\" and \"sys\" objects (about\n"
            "                       600 bytes a sample instead of 190)\n"
            "  --curve-server KEY   CURVE: the collector's key (Z85) or certificate file\n"
            "  --curve-cert FILE    CURVE: the agents' certificate (with FILE_secret)\n"
            "  --help               show this help and exit\n"
            "\n"
            "Each sample carries \"t_send\" (CLOCK_REALTIME ns) for zapm-ssesink.\n"
            "Output: one line of key=value results on stdout.\n",
            prog);
}

static void
s_sleep_until (int64_t mono_ns)
{
    struct timespec ts = {.tv_sec = mono_ns / 1000000000LL, .tv_nsec = mono_ns % 1000000000LL};
    while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

//  A benchmark only ever targets this machine.
static bool
s_endpoint_is_local (const char *endpoint)
{
    if (strncmp (endpoint, "ipc://", 6) == 0 || strncmp (endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    return strncmp (host, "127.", 4) == 0 || strncmp (host, "localhost:", 10) == 0 ||
           strncmp (host, "[::1]:", 6) == 0;
}

static loadgen_t *
loadgen_new (void)
{
    loadgen_t *self = calloc (1, sizeof (loadgen_t));
    if (!self)
        return NULL;
    self->endpoint = "tcp://127.0.0.1:5555";
    self->host = "bench";
    self->agents = 10;
    self->rate = 1000;
    self->duration = 5;
    self->sndhwm = 100000;
    self->connect_timeout = 10;
    return self;
}

static void
loadgen_destroy (loadgen_t **self_p)
{
    loadgen_t *self = *self_p;
    if (!self)
        return;
    if (self->agent) {
        for (long i = 0; i < self->agents; i++)
            if (self->agent[i].socket)
                zmq_close (self->agent[i].socket);
        free (self->agent);
    }
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    free (self->padding);
    free (self);
    *self_p = NULL;
}

//  Creates and connects one socket per agent. Returns false on error.
static bool
s_loadgen_connect (loadgen_t *self)
{
    self->ctx = zmq_ctx_new ();
    if (!self->ctx)
        return false;
    zmq_ctx_set (self->ctx, ZMQ_MAX_SOCKETS, (int) self->agents + 16);
    self->agent = calloc ((size_t) self->agents, sizeof (loadgen_agent_t));
    if (!self->agent)
        return false;
    int hwm = (int) self->sndhwm;
    int linger = 2000; //  ms: flush what is queued at the end, but bounded
    int nodrop = 1;
    uint8_t server_key[CERT_KEY_BYTES];
    cert_t cert;
    char why[512];
    if (self->curve_server) {
        cert_t server;
        if (!cert_key_decode (self->curve_server, server_key)) {
            if (cert_load (self->curve_server, &server, why, sizeof why) != 0) {
                fprintf (stderr, "zapm-loadgen: --curve-server: %s\n", why);
                return false;
            }
            memcpy (server_key, server.public_key, CERT_KEY_BYTES);
        }
        if (!self->curve_cert || cert_load (self->curve_cert, &cert, why, sizeof why) != 0 ||
            !cert.has_secret) {
            fprintf (stderr, "zapm-loadgen: --curve-cert needs a certificate with its secret\n");
            return false;
        }
    }
    for (long i = 0; i < self->agents; i++) {
        void *socket = zmq_socket (self->ctx, ZMQ_XPUB);
        if (!socket) {
            fprintf (stderr, "zapm-loadgen: socket %ld: %s\n", i, zmq_strerror (zmq_errno ()));
            return false;
        }
        self->agent[i].socket = socket;
        zmq_setsockopt (socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt (socket, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
        if (self->curve_server &&
            (zmq_setsockopt (socket, ZMQ_CURVE_SERVERKEY, server_key, CERT_KEY_BYTES) != 0 ||
             zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, cert.public_key, CERT_KEY_BYTES) != 0 ||
             zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, cert.secret_key, CERT_KEY_BYTES) != 0)) {
            fprintf (stderr, "zapm-loadgen: CURVE options: %s\n", zmq_strerror (zmq_errno ()));
            return false;
        }
        if (zmq_connect (socket, self->endpoint) != 0) {
            fprintf (stderr, "zapm-loadgen: connect %s: %s\n", self->endpoint,
                     zmq_strerror (zmq_errno ()));
            return false;
        }
    }
    return true;
}

//  Waits, bounded by connect_timeout, until every socket has seen a subscription.
static void
s_loadgen_await_subscriptions (loadgen_t *self)
{
    zmq_pollitem_t *items = calloc ((size_t) self->agents, sizeof (zmq_pollitem_t));
    if (!items)
        return;
    int64_t deadline = clock_mono_ns () + (int64_t) (self->connect_timeout * 1e9);
    while (self->subscribed < self->agents) {
        int64_t left_ms = (deadline - clock_mono_ns ()) / 1000000;
        if (left_ms <= 0)
            break;
        int count = 0;
        for (long i = 0; i < self->agents; i++) {
            items[i].socket = self->agent[i].socket;
            items[i].events = self->agent[i].subscribed ? 0 : ZMQ_POLLIN;
            count++;
        }
        if (zmq_poll (items, count, left_ms > 100 ? 100 : (long) left_ms) < 0)
            break;
        for (long i = 0; i < self->agents; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            char buf[256];
            //  Read every pending (un)subscription message of this socket
            while (zmq_recv (self->agent[i].socket, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
                if (buf[0] == 1 && !self->agent[i].subscribed) {
                    self->agent[i].subscribed = true;
                    self->subscribed++;
                }
        }
    }
    free (items);
}

//  Formats and sends one sample for agent i. Returns 0 sent, 1 would block,
//  2 skipped (agent never subscribed), -1 error.
static int
s_loadgen_send (loadgen_t *self, long i, char *buf, size_t size)
{
    loadgen_agent_t *agent = &self->agent[i];
    if (!agent->subscribed)
        return 2; //  a PUB would drop it silently; do not count it as sent
    int64_t now = clock_wall_ns ();
    char stamp[40];
    clock_format_iso (now, stamp, sizeof stamp);
    //  Cheap, deterministic, varied-looking numbers
    uint64_t mix = agent->seq * 2654435761u + (uint64_t) i * 40503u;
    double cpu = (double) (mix % 1000) / 10.0;
    double mem = 20.0 + (double) ((mix >> 10) % 500) / 10.0;
    //  The zapm agent's process and system objects, psutil names (docs/FIELDS.md)
    char extra[768] = "";
    if (self->full)
        snprintf (extra, sizeof extra,
                  ",\"proc\":{\"cpu_percent\":%.1f,\"cpu_user\":%.2f,\"cpu_system\":%.2f,"
                  "\"rss\":%llu,\"vms\":%llu,\"swap\":0,\"num_threads\":%d,\"num_fds\":%d,"
                  "\"num_ctx_switches\":%llu,\"io_read_bytes\":%llu,\"io_write_bytes\":%llu},"
                  "\"sys\":{\"cpu_percent\":%.1f,\"percpu\":[%.1f,%.1f],\"load\":[%.2f,%.2f,%.2f],"
                  "\"mem\":{\"total\":25276887040,\"available\":%llu,\"used\":%llu,"
                  "\"percent\":%.1f},\"swap\":{\"total\":0,\"used\":0,\"percent\":0.0}}",
                  cpu, (double) agent->seq * 0.01, (double) agent->seq * 0.002,
                  (unsigned long long) (mem * 1048576.0), 812345344ULL + (mix % 4096) * 4096,
                  4 + (int) (mix % 8), 12 + (int) (mix % 20), (unsigned long long) agent->seq * 7,
                  (unsigned long long) agent->seq * 4096, (unsigned long long) agent->seq * 512,
                  cpu / 2, cpu / 2 + 1, cpu / 2 > 1 ? cpu / 2 - 1 : 0, 0.5 + cpu / 100,
                  0.4 + cpu / 200, 0.3, 22000000000ULL - (mix % 1000) * 1048576ULL,
                  3000000000ULL + (mix % 1000) * 1048576ULL, 12.0 + (double) (mix % 100) / 10);
    //  t_send, agent and seq first: the sink finds them sooner (any order parses)
    int len = snprintf (buf, size,
                        "{\"t_send\":%lld,\"agent\":\"load-%ld\",\"seq\":%llu,\"v\":%d,"
                        "\"host\":\"%s\",\"pid\":%ld,\"interval\":%.6g,\"color\":\"%s\","
                        "\"timestamp\":\"%s\",\"cpu\":%.1f,\"mem\":%.1f%s%s%s%s}",
                        (long long) now, i, (unsigned long long) agent->seq, ZAPM_WIRE_VERSION,
                        self->host, 100000 + i, (double) self->agents / self->rate,
                        s_colors[i % (long) (sizeof s_colors / sizeof s_colors[0])], stamp, cpu,
                        mem, extra, self->padding ? ",\"pad\":\"" : "",
                        self->padding ? self->padding : "", self->padding ? "\"" : "");
    if (len < 0 || (size_t) len >= size)
        return -1;
    if (zmq_send (agent->socket, buf, (size_t) len, ZMQ_DONTWAIT) < 0)
        return zmq_errno () == EAGAIN ? 1 : -1;
    agent->seq++;
    return 0;
}

//  Sends rate x duration samples, paced in 1 ms ticks, agents round-robin.
static void
s_loadgen_run (loadgen_t *self)
{
    size_t size = 2048 + (size_t) self->pad;
    char *buf = malloc (size);
    if (!buf)
        return;
    uint64_t total = (uint64_t) (self->rate * self->duration + 0.5);
    long next = 0;
    int64_t start = clock_mono_ns ();
    int64_t end = start + (int64_t) (self->duration * 1e9);
    int64_t tick = start;
    while (self->attempted < total) {
        int64_t now = clock_mono_ns ();
        //  Due by now; at the end send the remainder so the count is exact
        uint64_t due = now >= end ? total : (uint64_t) (self->rate * (double) (now - start) / 1e9);
        if (due > total)
            due = total;
        while (self->attempted < due) {
            int rc = s_loadgen_send (self, next, buf, size);
            self->attempted++;
            if (rc == 0)
                self->sent++;
            else if (rc == 1)
                self->blocked++;
            else if (rc == 2)
                self->skipped++;
            else
                self->failed++;
            next = (next + 1) % self->agents;
        }
        if (now >= end)
            break;
        tick += LOADGEN_TICK_NS;
        if (tick > now)
            s_sleep_until (tick);
        else
            tick = now; //  fell behind: do not try to catch up tick by tick
    }
    self->elapsed = (double) (clock_mono_ns () - start) / 1e9;
    free (buf);
}

int
main (int argc, char *argv[])
{
    const char *prog = "zapm-loadgen";
    loadgen_t *self = loadgen_new ();
    if (!self)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (strcmp (flag, "--help") == 0 || strcmp (flag, "-h") == 0) {
            s_usage (prog);
            loadgen_destroy (&self);
            return 0;
        }
        if (strcmp (flag, "--full") == 0) {
            self->full = true; //  takes no value
            continue;
        }
        if (!value) {
            cli_usage_error (prog, "unknown option or missing value: '%s'", flag);
            loadgen_destroy (&self);
            return CLI_EXIT_USAGE;
        }
        long l;
        if (strcmp (flag, "--endpoint") == 0)
            self->endpoint = value;
        else if (strcmp (flag, "--host") == 0)
            self->host = value;
        else if (strcmp (flag, "--curve-server") == 0)
            self->curve_server = value;
        else if (strcmp (flag, "--curve-cert") == 0)
            self->curve_cert = value;
        else if (strcmp (flag, "--agents") == 0)
            ok = cli_parse_long (prog, flag, value, 1, 10000, &self->agents);
        else if (strcmp (flag, "--rate") == 0)
            ok = cli_parse_double (prog, flag, value, 0.1, 10e6, &self->rate);
        else if (strcmp (flag, "--duration") == 0)
            ok = cli_parse_double (prog, flag, value, 0.01, 3600, &self->duration);
        else if (strcmp (flag, "--sndhwm") == 0)
            ok = cli_parse_long (prog, flag, value, 1, 10000000, &self->sndhwm);
        else if (strcmp (flag, "--connect-timeout") == 0)
            ok = cli_parse_double (prog, flag, value, 0.1, 600, &self->connect_timeout);
        else if (strcmp (flag, "--pad") == 0) {
            ok = cli_parse_long (prog, flag, value, 0, ZAPM_WIRE_MAX_BYTES, &l);
            self->pad = l;
        }
        else {
            cli_usage_error (prog, "unknown option '%s'", flag);
            ok = false;
        }
        if (!ok) {
            loadgen_destroy (&self);
            return CLI_EXIT_USAGE;
        }
        i++;
    }
    if (!s_endpoint_is_local (self->endpoint)) {
        cli_usage_error (prog,
                         "--endpoint must be ipc://, inproc:// or tcp:// on loopback, got '%s'",
                         self->endpoint);
        loadgen_destroy (&self);
        return CLI_EXIT_USAGE;
    }
    if (strlen (self->host) > 200) {
        cli_usage_error (prog, "--host is too long");
        loadgen_destroy (&self);
        return CLI_EXIT_USAGE;
    }
    if (self->pad > 0) {
        self->padding = malloc ((size_t) self->pad + 1);
        if (!self->padding) {
            loadgen_destroy (&self);
            return 1;
        }
        memset (self->padding, 'x', (size_t) self->pad);
        self->padding[self->pad] = '\0';
    }
    int rc = 0;
    int64_t t0 = clock_mono_ns ();
    if (!s_loadgen_connect (self))
        rc = 1;
    else {
        s_loadgen_await_subscriptions (self);
        double wait = (double) (clock_mono_ns () - t0) / 1e9;
        if (self->subscribed < self->agents)
            fprintf (stderr, "zapm-loadgen: only %ld of %ld agents subscribed after %.1f s\n",
                     self->subscribed, self->agents, wait);
        if (self->subscribed == 0)
            rc = 1;
        else {
            s_loadgen_run (self);
            printf (
                "loadgen: agents=%ld subscribed=%ld connect_s=%.3f rate=%.0f duration_s=%.3f "
                "attempted=%llu sent=%llu blocked=%llu skipped=%llu failed=%llu sent_per_s=%.0f\n",
                self->agents, self->subscribed, wait, self->rate, self->elapsed,
                (unsigned long long) self->attempted, (unsigned long long) self->sent,
                (unsigned long long) self->blocked, (unsigned long long) self->skipped,
                (unsigned long long) self->failed,
                self->elapsed > 0 ? (double) self->sent / self->elapsed : 0.0);
            fflush (stdout);
        }
    }
    loadgen_destroy (&self);
    return rc;
}
