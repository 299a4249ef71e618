/*  bench_agent.c: what one sample costs the host, in CPU time, memory and instructions.

    Modes (one per run, so each measures only itself):
      bench_agent [N]            µs of CPU per sample, N samples (default 20000):
                                 process-only (proc_sampler_read), encode only,
                                 and a full sample (process + system + custom
                                 snapshot + encode + zmq_send to a PUB socket
                                 connected to a SUB drained by a child process),
                                 both for the whole process (full_us, includes
                                 libzmq's I/O thread sending the frame) and for
                                 the sampling thread alone
      bench_agent --sources N    µs of CPU for each kernel source alone (one
                                 syscall each, kept-open files, pread at 0), and
                                 an empty syscall: the floor under a sample
      bench_agent --callgrind N  N full samples and nothing else; run it under
                                 valgrind --tool=callgrind --toggle-collect='s_full_sample*'
      bench_agent --rss S        RSS the agent adds to its host: before
                                 zapm_agent_new vs after S seconds at 1 ms with
                                 system metrics, publishing to a drain
      bench_agent --curve N      µs of CPU per full sample in plaintext and with
                                 CURVE to a CURVE drain (issue 9), alternated
                                 twice in one run, and their ratio
      bench_agent --idle S       CPU share of a core used by an agent at 1 Hz
                                 (system metrics on) while the host sleeps S s,
                                 then the floor: the host alone waking at 1 Hz
    CPU time is CLOCK_PROCESS_CPUTIME_ID: kernel time spent formatting /proc
    files for us counts, and so do libzmq's I/O thread and the agent thread.
*/
#include "custom_metrics.h"
#include "proc_sampler.h"
#include "sample_encoder.h"
#include "sys_sampler.h"
#include "clock.h"
#include "wire.h"
#include "zapm.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

//  Everything a full sample touches, as the agent's actor holds it.
typedef struct {
    proc_sampler_t *proc;
    sys_sampler_t *sys;
    sample_encoder_t *encoder;
    custom_metrics_t *custom;
    void *pub;
    uint64_t seq;
    proc_sample_t proc_sample;
    sys_sample_t sys_sample;
    custom_metric_t snapshot[ZAPM_CUSTOM_MAX];
    char frame[ZAPM_WIRE_MAX_BYTES];
} s_bench_t;

static double
s_cpu_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

//  Reads "Key:   N kB" from /proc/self/status (VmRSS, RssAnon, RssFile).
//  CPU time of the calling thread only: the sampling work without libzmq's
//  I/O thread, which does the actual transmission.
static double
s_thread_cpu_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static long
s_status_kib (const char *key)
{
    FILE *file = fopen ("/proc/self/status", "r");
    char line[256];
    long value = 0;
    size_t len = strlen (key);
    while (file && fgets (line, sizeof line, file))
        if (strncmp (line, key, len) == 0) {
            value = atol (line + len);
            break;
        }
    if (file)
        fclose (file);
    return value;
}

//  Forks a process that binds a SUB socket on a fresh ipc endpoint and reads
//  until killed; returns its pid. Done before this process creates any zmq
//  context, so the child starts clean.
static pid_t
s_drain_curve (char *endpoint, size_t size, const char *server_secret)
{
    const char *tmp = getenv ("TMPDIR");
    snprintf (endpoint, size, "ipc://%s/zapm-bench-%d.ipc", tmp && *tmp ? tmp : "/tmp",
              (int) getpid ());
    int ready[2];
    if (pipe (ready) < 0)
        exit (1);
    pid_t pid = fork ();
    if (pid == 0) {
        void *ctx = zmq_ctx_new ();
        void *sub = zmq_socket (ctx, ZMQ_SUB);
        zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0);
        int on = 1;
        if (server_secret && (zmq_setsockopt (sub, ZMQ_CURVE_SERVER, &on, sizeof on) != 0 ||
                              zmq_setsockopt (sub, ZMQ_CURVE_SECRETKEY, server_secret, 40) != 0))
            _exit (1);
        if (zmq_bind (sub, endpoint) < 0)
            _exit (1);
        char byte = 1;
        if (write (ready[1], &byte, 1) != 1)
            _exit (1);
        static char buf[ZAPM_WIRE_MAX_BYTES];
        while (zmq_recv (sub, buf, sizeof buf, 0) >= 0)
            ;
        _exit (0);
    }
    char byte;
    if (read (ready[0], &byte, 1) != 1)
        exit (1);
    close (ready[0]);
    close (ready[1]);
    return pid;
}

static pid_t
s_drain (char *endpoint, size_t size)
{
    return s_drain_curve (endpoint, size, NULL);
}

static void
s_stop_drain (pid_t pid, const char *endpoint)
{
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
    unlink (endpoint + strlen ("ipc://"));
}

//  One full sample, the same steps as the agent's actor (agent.c s_sample).
__attribute__ ((noinline)) static size_t
s_full_sample (s_bench_t *self)
{
    sample_parts_t parts = {0};
    proc_sampler_read (self->proc, &self->proc_sample);
    parts.proc = &self->proc_sample;
    sys_sampler_read (self->sys, &self->sys_sample);
    parts.sys = &self->sys_sample;
    parts.seq = self->seq++;
    parts.wall_ns = clock_wall_ns ();
    parts.interval = 1.0;
    parts.custom = self->snapshot;
    parts.ncustom = custom_metrics_snapshot (self->custom, self->snapshot, ZAPM_CUSTOM_MAX);
    size_t len = sample_encoder_encode (self->encoder, &parts, self->frame, sizeof self->frame);
    if (len > 0)
        zmq_send (self->pub, self->frame, len, ZMQ_DONTWAIT);
    return len;
}

//  The CURVE keys of a run: the drain's public key and the agent's pair, Z85.
typedef struct {
    char server_public[41], server_secret[41], public[41], secret[41];
} s_keys_t;

static s_bench_t *
s_bench_new_curve (void *ctx, const char *endpoint, const s_keys_t *keys)
{
    s_bench_t *self = calloc (1, sizeof *self);
    self->proc = proc_sampler_new (0, false);
    self->sys = sys_sampler_new ();
    self->encoder = sample_encoder_new ();
    self->custom = custom_metrics_new ();
    sample_encoder_set_identity (self->encoder, "bench", "host", "royalblue", getpid ());
    custom_metrics_counter_add (self->custom, "requests", 12345);
    custom_metrics_gauge_set (self->custom, "queue_depth", 3.5);
    self->pub = zmq_socket (ctx, ZMQ_PUB);
    int one = 1, hwm = 16, zero = 0;
    zmq_setsockopt (self->pub, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt (self->pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (self->pub, ZMQ_LINGER, &zero, sizeof zero);
    if (keys) {
        zmq_setsockopt (self->pub, ZMQ_CURVE_SERVERKEY, keys->server_public, 40);
        zmq_setsockopt (self->pub, ZMQ_CURVE_PUBLICKEY, keys->public, 40);
        zmq_setsockopt (self->pub, ZMQ_CURVE_SECRETKEY, keys->secret, 40);
    }
    zmq_connect (self->pub, endpoint);
    //  Let the connection and the subscription settle, then prime the samplers.
    usleep (200000);
    proc_sampler_read (self->proc, &self->proc_sample);
    sys_sampler_read (self->sys, &self->sys_sample);
    return self;
}

static s_bench_t *
s_bench_new (void *ctx, const char *endpoint)
{
    return s_bench_new_curve (ctx, endpoint, NULL);
}

static void
s_bench_destroy (s_bench_t **self_p)
{
    s_bench_t *self = *self_p;
    zmq_close (self->pub);
    proc_sampler_destroy (&self->proc);
    sys_sampler_destroy (&self->sys);
    sample_encoder_destroy (&self->encoder);
    custom_metrics_destroy (&self->custom);
    free (self);
    *self_p = NULL;
}

static int
s_timing (long n)
{
    char endpoint[128];
    pid_t drain = s_drain (endpoint, sizeof endpoint);
    void *ctx = zmq_ctx_new ();
    s_bench_t *bench = s_bench_new (ctx, endpoint);

    double start = s_cpu_us ();
    for (long i = 0; i < n; i++)
        proc_sampler_read (bench->proc, &bench->proc_sample);
    double proc_us = (s_cpu_us () - start) / (double) n;

    start = s_cpu_us ();
    for (long i = 0; i < n; i++)
        sys_sampler_read (bench->sys, &bench->sys_sample);
    double sys_us = (s_cpu_us () - start) / (double) n;

    sample_parts_t parts = {.seq = 1, .wall_ns = clock_wall_ns (), .interval = 1.0};
    parts.proc = &bench->proc_sample;
    parts.sys = &bench->sys_sample;
    parts.custom = bench->snapshot;
    parts.ncustom = custom_metrics_snapshot (bench->custom, bench->snapshot, ZAPM_CUSTOM_MAX);
    size_t bytes = 0;
    start = s_cpu_us ();
    for (long i = 0; i < n; i++)
        bytes = sample_encoder_encode (bench->encoder, &parts, bench->frame, sizeof bench->frame);
    double encode_us = (s_cpu_us () - start) / (double) n;

    start = s_cpu_us ();
    double thread_start = s_thread_cpu_us ();
    for (long i = 0; i < n; i++)
        s_full_sample (bench);
    double full_us = (s_cpu_us () - start) / (double) n;
    double full_thread_us = (s_thread_cpu_us () - thread_start) / (double) n;

    printf ("samples=%ld\nproc_only_us=%.2f\nsys_only_us=%.2f\nencode_us=%.2f\n"
            "full_sampling_thread_us=%.2f\nfull_us=%.2f\nframe_bytes=%zu\n",
            n, proc_us, sys_us, encode_us, full_thread_us, full_us, bytes);
    s_bench_destroy (&bench);
    zmq_ctx_term (ctx);
    s_stop_drain (drain, endpoint);
    return 0;
}

//  One kernel source: a pread of a kept-open file at offset 0, or a call.
typedef enum { S_PREAD, S_GETPPID, S_GETRUSAGE, S_FSTAT } s_source_t;

//  Reads source n times; returns µs of CPU per read, or -1 if unreadable.
static double
s_time_source (s_source_t source, const char *path, long n)
{
    static char buf[16384];
    struct rusage usage;
    struct stat st;
    int fd = path ? open (path, O_RDONLY | O_CLOEXEC) : -1;
    if (path && fd < 0)
        return -1;
    double start = s_cpu_us ();
    for (long i = 0; i < n; i++) {
        if (source == S_PREAD && pread (fd, buf, sizeof buf, 0) < 0)
            break;
        else if (source == S_GETPPID)
            getppid ();
        else if (source == S_GETRUSAGE)
            getrusage (RUSAGE_SELF, &usage);
        else if (source == S_FSTAT)
            fstat (fd, &st);
    }
    double us = (s_cpu_us () - start) / (double) n;
    if (fd >= 0)
        close (fd);
    return us;
}

static int
s_sources (long n)
{
    printf ("src_getppid_us=%.2f\n", s_time_source (S_GETPPID, NULL, n));
    printf ("src_getrusage_us=%.2f\n", s_time_source (S_GETRUSAGE, NULL, n));
    printf ("src_pid_stat_us=%.2f\n", s_time_source (S_PREAD, "/proc/self/stat", n));
    printf ("src_pid_statm_us=%.2f\n", s_time_source (S_PREAD, "/proc/self/statm", n));
    printf ("src_pid_status_us=%.2f\n", s_time_source (S_PREAD, "/proc/self/status", n));
    printf ("src_pid_io_us=%.2f\n", s_time_source (S_PREAD, "/proc/self/io", n));
    printf ("src_pid_fd_fstat_us=%.2f\n", s_time_source (S_FSTAT, "/proc/self/fd", n));
    printf ("src_pid_smaps_rollup_us=%.2f\n",
            s_time_source (S_PREAD, "/proc/self/smaps_rollup", n));
    printf ("src_proc_stat_us=%.2f\n", s_time_source (S_PREAD, "/proc/stat", n));
    printf ("src_meminfo_us=%.2f\n", s_time_source (S_PREAD, "/proc/meminfo", n));
    printf ("src_loadavg_us=%.2f\n", s_time_source (S_PREAD, "/proc/loadavg", n));
    return 0;
}

static int
s_callgrind (long n)
{
    char endpoint[128];
    pid_t drain = s_drain (endpoint, sizeof endpoint);
    void *ctx = zmq_ctx_new ();
    s_bench_t *bench = s_bench_new (ctx, endpoint);
    for (long i = 0; i < n; i++)
        s_full_sample (bench);
    printf ("callgrind_samples=%ld\n", n);
    s_bench_destroy (&bench);
    zmq_ctx_term (ctx);
    s_stop_drain (drain, endpoint);
    return 0;
}

static void
s_sleep (double seconds)
{
    struct timespec ts = {(time_t) seconds, (long) ((seconds - (double) (time_t) seconds) * 1e9)};
    while (nanosleep (&ts, &ts) < 0)
        ;
}

static int
s_rss (double seconds)
{
    char endpoint[128];
    pid_t drain = s_drain (endpoint, sizeof endpoint);
    s_status_kib ("VmRSS:"); //  warm stdio up before the first reading
    long rss = s_status_kib ("VmRSS:"), anon = s_status_kib ("RssAnon:");
    long file = s_status_kib ("RssFile:");
    zapm_agent_t *agent = zapm_agent_new (endpoint, "bench-rss");
    zapm_agent_set_system (agent, true);
    zapm_agent_gauge_set (agent, "g", 1);
    zapm_agent_set_interval (agent, 0.001);
    s_sleep (seconds);
    long rss2 = s_status_kib ("VmRSS:"), anon2 = s_status_kib ("RssAnon:");
    long file2 = s_status_kib ("RssFile:");
    printf ("rss_before_kib=%ld\nrss_after_kib=%ld\nrss_added_kib=%ld\n"
            "rss_added_anon_kib=%ld\nrss_added_file_kib=%ld\nrss_samples=%llu\n",
            rss, rss2, rss2 - rss, anon2 - anon, file2 - file,
            (unsigned long long) zapm_agent_samples (agent));
    zapm_agent_destroy (&agent);
    s_stop_drain (drain, endpoint);
    return 0;
}

//  The agent at 1 Hz while the host sleeps, then, for the floor of this
//  machine, the same host waking itself once a second and doing nothing.
static int
s_idle (double seconds)
{
    char endpoint[128];
    pid_t drain = s_drain (endpoint, sizeof endpoint);
    zapm_agent_t *agent = zapm_agent_new (endpoint, "bench-idle");
    zapm_agent_set_system (agent, true);
    s_sleep (0.5);
    double cpu = s_cpu_us ();
    int64_t wall = clock_mono_ns ();
    s_sleep (seconds);
    double used_us = s_cpu_us () - cpu;
    double wall_us = (double) (clock_mono_ns () - wall) / 1e3;
    uint64_t samples = zapm_agent_samples (agent);
    zapm_agent_destroy (&agent);
    s_stop_drain (drain, endpoint);

    double floor_cpu = s_cpu_us ();
    int64_t floor_wall = clock_mono_ns ();
    for (int i = 0; i < (int) seconds; i++)
        s_sleep (1.0);
    double floor_us = s_cpu_us () - floor_cpu;
    double floor_wall_us = (double) (clock_mono_ns () - floor_wall) / 1e3;
    printf ("idle_seconds=%.1f\nidle_samples=%llu\nidle_cpu_us=%.0f\nidle_core_percent=%.5f\n"
            "idle_us_per_sample=%.0f\nfloor_1hz_wakeup_us=%.0f\nfloor_core_percent=%.5f\n",
            wall_us / 1e6, (unsigned long long) samples, used_us, used_us / wall_us * 100,
            samples ? used_us / (double) samples : 0.0, floor_us / (int) seconds,
            floor_us / floor_wall_us * 100);
    return 0;
}

//  µs of process CPU per full sample to a fresh drain, CURVE when keys is set.
static double
s_full_run (long n, const s_keys_t *keys)
{
    char endpoint[128];
    pid_t drain = s_drain_curve (endpoint, sizeof endpoint, keys ? keys->server_secret : NULL);
    void *ctx = zmq_ctx_new ();
    s_bench_t *bench = s_bench_new_curve (ctx, endpoint, keys);
    double start = s_cpu_us ();
    for (long i = 0; i < n; i++)
        s_full_sample (bench);
    double us = (s_cpu_us () - start) / (double) n;
    s_bench_destroy (&bench);
    zmq_ctx_term (ctx);
    s_stop_drain (drain, endpoint);
    return us;
}

static int
s_curve (long n)
{
    s_keys_t keys;
    if (zmq_curve_keypair (keys.server_public, keys.server_secret) != 0 ||
        zmq_curve_keypair (keys.public, keys.secret) != 0) {
        fprintf (stderr, "bench_agent: no CURVE in this libzmq\n");
        return 1;
    }
    double plain = 0, curve = 0;
    for (int round = 0; round < 2; round++) {
        double p = s_full_run (n, NULL), c = s_full_run (n, &keys);
        printf ("round%d_plain_full_us=%.2f\nround%d_curve_full_us=%.2f\n", round, p, round, c);
        plain += p;
        curve += c;
    }
    printf ("samples=%ld\nplain_full_us=%.2f\ncurve_full_us=%.2f\ncurve_over_plain=%.2f\n", n,
            plain / 2, curve / 2, curve / plain);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc == 3 && strcmp (argv[1], "--callgrind") == 0)
        return s_callgrind (atol (argv[2]));
    if (argc == 3 && strcmp (argv[1], "--sources") == 0)
        return s_sources (atol (argv[2]));
    if (argc == 3 && strcmp (argv[1], "--rss") == 0)
        return s_rss (atof (argv[2]));
    if (argc == 3 && strcmp (argv[1], "--curve") == 0)
        return s_curve (atol (argv[2]));
    if (argc == 3 && strcmp (argv[1], "--idle") == 0)
        return s_idle (atof (argv[2]));
    if (argc <= 2 && (argc == 1 || argv[1][0] != '-'))
        return s_timing (argc == 2 ? atol (argv[1]) : 20000);
    fprintf (stderr, "usage: bench_agent [N] | --sources N | --callgrind N | --rss SECONDS | "
                     "--curve N | --idle SECONDS\n");
    return 2;
}
