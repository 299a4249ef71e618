/*  zapm-fleetgen.c: a simulated fleet of agents at 1 Hz, for bench/fleet/run.py.

    Plays N agents, each its own identity (agent "fleet-<i>", host "sim", pid
    i, seq from 0, interval 1), spread evenly over the given edge collectors
    and, on each edge, over K sockets: simulated agents share sockets, as the
    issue allows, so that 100,000 agents do not need 100,000 TCP connections
    on one machine. Each agent sends one sample a second, the whole fleet paced
    evenly in 1 ms ticks, for D seconds.

    The sockets are XPUB with ZMQ_XPUB_NODROP, as in zapm-loadgen: the run
    starts once every socket's collector has subscribed, and a send that would
    block is counted as `blocked`, not silently dropped (it uses no seq, so
    every seq gap downstream is the collectors' doing).

    A sample carries cpu and mem only, unless --bodies FILE gives real
    samples' metrics: one JSON object's members a line, without the braces
    (`"cpu":0.2,"mem":7.3,"proc":{...},"sys":{...}`, as bench/store/loop_cost.py
    cuts them from recorded zapm-agent --system frames); agent i's k-th
    sample then carries line (k + 7 i) modulo their count.

    Prints one line of key=value results on stdout. Loopback use only.
*/
#include "cli.h"
#include "clock.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define PROG             "zapm-fleetgen"
#define FLEET_TICK_NS    1000000LL //  pacing tick: 1 ms
#define FLEET_EDGES_MAX  64
#define FLEET_SAMPLE_MAX 8192
#define FLEET_BODIES_MAX 100000

typedef struct {
    void *socket;    //  XPUB, connected to one edge
    bool subscribed; //  its subscription arrived
} fleet_socket_t;

typedef struct {
    const char *endpoints; //  comma-separated edges
    long agents;           //  simulated agents in all
    long sockets;          //  sockets per edge
    double duration;       //  seconds
    long sndhwm;           //  per socket
    const char *bodies;    //  file of sample bodies, or NULL
} fleet_options_t;

//  Reads the lines of `path` (at most FLEET_BODIES_MAX, each shorter than
//  FLEET_SAMPLE_MAX / 2); exits on error.
static char **
s_read_bodies (const char *path, long *count)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        fprintf (stderr, PROG ": cannot read %s\n", path);
        exit (1);
    }
    char **bodies = calloc (FLEET_BODIES_MAX, sizeof *bodies);
    char line[FLEET_SAMPLE_MAX / 2];
    *count = 0;
    while (bodies && *count < FLEET_BODIES_MAX && fgets (line, sizeof line, file)) {
        line[strcspn (line, "\r\n")] = '\0';
        if (line[0] && !(bodies[*count] = strdup (line)))
            break;
        *count += line[0] != '\0';
    }
    fclose (file);
    if (!bodies || *count == 0) {
        fprintf (stderr, PROG ": no sample bodies in %s\n", path);
        exit (1);
    }
    return bodies;
}

static fleet_socket_t *
s_connect (void *ctx, const fleet_options_t *opt, long *count)
{
    char list[4096];
    snprintf (list, sizeof list, "%s", opt->endpoints);
    char *edges[FLEET_EDGES_MAX];
    long edge_count = 0;
    char *saved = NULL;
    for (char *one = strtok_r (list, ",", &saved); one && edge_count < FLEET_EDGES_MAX;
         one = strtok_r (NULL, ",", &saved))
        edges[edge_count++] = one;
    *count = edge_count * opt->sockets;
    fleet_socket_t *sockets = calloc ((size_t) *count, sizeof *sockets);
    int nodrop = 1, hwm = (int) opt->sndhwm, linger = 0;
    for (long i = 0; sockets && i < *count; i++) {
        void *socket = zmq_socket (ctx, ZMQ_XPUB);
        zmq_setsockopt (socket, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
        zmq_setsockopt (socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect (socket, edges[i % edge_count]) != 0) {
            fprintf (stderr, PROG ": cannot connect %s: %s\n", edges[i % edge_count],
                     zmq_strerror (errno));
            exit (1);
        }
        sockets[i].socket = socket;
    }
    return sockets;
}

//  Waits for every socket's subscription, at most 20 s.
static long
s_wait_subscribed (fleet_socket_t *sockets, long count)
{
    long subscribed = 0;
    int64_t deadline = clock_mono_ns () + 20000000000LL;
    while (subscribed < count && clock_mono_ns () < deadline) {
        for (long i = 0; i < count; i++) {
            char frame[16];
            if (!sockets[i].subscribed &&
                zmq_recv (sockets[i].socket, frame, sizeof frame, ZMQ_DONTWAIT) > 0) {
                sockets[i].subscribed = true;
                subscribed++;
            }
        }
        struct timespec nap = {0, 1000000};
        nanosleep (&nap, NULL);
    }
    return subscribed;
}

int
main (int argc, char **argv)
{
    fleet_options_t opt = {.agents = 1000, .sockets = 4, .duration = 10, .sndhwm = 100000};
    const cli_option_t options[] = {
        {"endpoints", 0, CLI_TEXT, &opt.endpoints, 1, 4000, "LIST",
         "the edge collectors, comma-separated (tcp:// on loopback)", "", NULL},
        {"agents", 0, CLI_LONG, &opt.agents, 1, 1000000, "N", "simulated agents in all", NULL,
         NULL},
        {"sockets", 0, CLI_LONG, &opt.sockets, 1, 1000, "K", "sockets per edge", NULL, NULL},
        {"duration", 0, CLI_DOUBLE, &opt.duration, 1, 3600, "SECONDS", "how long to send", NULL,
         NULL},
        {"sndhwm", 0, CLI_LONG, &opt.sndhwm, 1, 10000000, "N", "queue bound per socket", NULL,
         NULL},
        {"bodies", 0, CLI_TEXT, &opt.bodies, 1, 4000, "FILE",
         "real samples' metrics, one object's members a line (default: cpu and mem only)", "",
         NULL},
        {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {.prog = PROG,
                             .summary =
                                 "A simulated fleet of zapm agents at 1 Hz, for benchmarks.\n",
                             .options = options,
                             .epilogue = "Prints one line of key=value results."};
    int status = cli_parse (&spec, argc, argv);
    if (status != CLI_RUN)
        return status;
    if (!opt.endpoints) {
        cli_usage_error (PROG, "--endpoints is required");
        return CLI_EXIT_USAGE;
    }
    long body_count = 0;
    char **bodies = opt.bodies ? s_read_bodies (opt.bodies, &body_count) : NULL;
    void *ctx = zmq_ctx_new ();
    int threads = 2;
    zmq_ctx_set (ctx, ZMQ_IO_THREADS, threads);
    long count = 0;
    fleet_socket_t *sockets = s_connect (ctx, &opt, &count);
    long subscribed = s_wait_subscribed (sockets, count);
    if (subscribed < count) {
        fprintf (stderr, PROG ": only %ld of %ld sockets subscribed within 20 s\n", subscribed,
                 count);
        return 1;
    }
    uint64_t *seq = calloc ((size_t) opt.agents, sizeof *seq);
    uint64_t sent = 0, blocked = 0, attempted = 0;
    char sample[FLEET_SAMPLE_MAX], stamp[40];
    int64_t start = clock_mono_ns ();
    int64_t end = start + (int64_t) (opt.duration * 1e9);
    //  Agent i sends at start + (i / agents) s + k s: evenly spread over each second.
    uint64_t next_agent = 0; //  index into the sequence of (second, agent) sends
    uint64_t total = (uint64_t) opt.agents * (uint64_t) opt.duration;
    while (next_agent < total) {
        int64_t now = clock_mono_ns ();
        if (now >= end + 1000000000LL)
            break;
        uint64_t due = (uint64_t) ((double) (now - start) / 1e9 * (double) opt.agents) + 1;
        if (due > total)
            due = total;
        clock_format_iso (clock_wall_ns (), stamp, sizeof stamp);
        for (; next_agent < due; next_agent++) {
            long agent = (long) (next_agent % (uint64_t) opt.agents);
            fleet_socket_t *socket = &sockets[agent % count];
            int n;
            if (bodies)
                n = snprintf (sample, sizeof sample,
                              "{\"v\":1,\"agent\":\"fleet-%ld\",\"host\":\"sim\",\"pid\":%ld,"
                              "\"color\":\"teal\",\"timestamp\":\"%s\",\"seq\":%llu,"
                              "\"interval\":1,%s}",
                              agent, agent, stamp, (unsigned long long) seq[agent],
                              bodies[(seq[agent] + 7 * (uint64_t) agent) % (uint64_t) body_count]);
            else
                n = snprintf (sample, sizeof sample,
                              "{\"v\":1,\"agent\":\"fleet-%ld\",\"host\":\"sim\",\"pid\":%ld,"
                              "\"color\":\"teal\",\"timestamp\":\"%s\",\"cpu\":%.1f,"
                              "\"mem\":%.2f,\"seq\":%llu,\"interval\":1}",
                              agent, agent, stamp, (double) (agent % 1000) / 10.0,
                              20.0 + (double) (agent % 500) / 10.0,
                              (unsigned long long) seq[agent]);
            attempted++;
            if (zmq_send (socket->socket, sample, (size_t) n, ZMQ_DONTWAIT) == n) {
                sent++;
                seq[agent]++;
            }
            else
                blocked++;
        }
        struct timespec nap = {0, FLEET_TICK_NS};
        nanosleep (&nap, NULL);
    }
    double elapsed = (double) (clock_mono_ns () - start) / 1e9;
    printf ("agents=%ld sockets=%ld attempted=%llu sent=%llu blocked=%llu elapsed=%.2f\n",
            opt.agents, count, (unsigned long long) attempted, (unsigned long long) sent,
            (unsigned long long) blocked, elapsed);
    struct timespec settle = {1, 0};
    nanosleep (&settle, NULL);
    for (long i = 0; i < count; i++)
        zmq_close (sockets[i].socket);
    zmq_ctx_term (ctx);
    free (sockets);
    free (seq);
    for (long i = 0; i < body_count; i++)
        free (bodies[i]);
    free (bodies);
    return 0;
}
