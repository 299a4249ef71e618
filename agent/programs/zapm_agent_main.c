/*  zapm_agent_main.c: zapm-agent, publishes samples of a process or the host.

    For services that cannot link libzapm: point it at a pid (or at nothing,
    for system metrics only) and it publishes the same samples a linked agent
    would. It is a program, not a library, so it handles SIGINT and SIGTERM
    itself: the main thread waits on the agent's status in short slices and
    checks a flag the handler sets.

    With --pidof NAME or --pid-file FILE it follows a service rather than one
    process: when the sampled process exits, it looks for the successor (the
    restarted service, by name or by the pid now in the file) every --poll
    seconds, and samples that as a new series (a new pid is a new identity),
    with a fresh agent instance. Each switch is one line on stderr.

    Exit status: 0 when stopped by a signal, when --count samples were sent,
    or when the --pid process ended (the end of what it was asked to watch,
    announced on stderr); 1 when the agent cannot start, or when --count
    ended and no collector ever accepted it (every sample was dropped; a
    refusal is explained on stderr by the library); 2 for a bad flag.
*/
#include "agent_cli.h"
#include "proc_find.h"
#include "signals.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_PROG     "zapm-agent"
#define S_NAME_MAX 255
#define S_PATH_MAX 4096
#define S_POLL_MIN 0.05
#define S_POLL_MAX 3600.0

//  What the command line asked for.
typedef struct {
    agent_cli_t agent;    //  --connect, --name, --color, --interval
    long pid;             //  --pid, 0 for zapm-agent itself
    const char *pidof;    //  --pidof, NULL when not following by name
    const char *pid_file; // --pid-file, NULL when not following a pid file
    double poll;          //  --poll, seconds between looks for a successor
    bool system;          //  --system
    bool no_process;      //  --no-process
    bool smaps;           //  --smaps
    long count;           //  --count, 0 for no limit
} s_options_t;

//  Parses the command line into *opt. Returns CLI_RUN to continue, else an exit status.
static int
s_parse (int argc, char **argv, s_options_t *opt)
{
    const cli_option_t options[] = {
        AGENT_CLI_OPTIONS (&opt->agent, "$ZAPM_NAME, else the process's name, else " S_PROG),
        {"pid", 0, CLI_LONG, &opt->pid, 1, INT_MAX, "PID",
         "sample process PID instead of " S_PROG " itself; when it\n"
         "ends, print one line to stderr and exit with status 0",
         "", NULL},
        {"pidof", 0, CLI_TEXT, &opt->pidof, 1, S_NAME_MAX, "NAME",
         "sample the process called NAME (its oldest, as pidof(8)\n"
         "matches names); when it exits, sample its successor",
         "", NULL},
        {"pid-file", 0, CLI_TEXT, &opt->pid_file, 1, S_PATH_MAX, "FILE",
         "sample the process whose pid FILE holds; when it exits,\n"
         "sample the one FILE names next",
         "", NULL},
        {"poll", 0, CLI_DOUBLE, &opt->poll, S_POLL_MIN, S_POLL_MAX, "SECONDS",
         "with --pidof or --pid-file: how often to look for the\n"
         "process while there is none",
         NULL, NULL},
        {"system", 0, CLI_FLAG, &opt->system, 0, 0, NULL,
         "add system metrics (sys: CPU, per-CPU, load, memory, swap)", NULL, NULL},
        {"no-process", 0, CLI_FLAG, &opt->no_process, 0, 0, NULL,
         "system metrics only, no process (implies --system)", NULL, NULL},
        {"smaps", 0, CLI_FLAG, &opt->smaps, 0, 0, NULL,
         "add uss and pss (reads smaps_rollup: costly on big processes)", NULL, NULL},
        {"count", 0, CLI_LONG, &opt->count, 1, INT_MAX, "N",
         "stop after N samples and exit 0 (1 if no collector\n"
         "ever accepted this agent)",
         "", NULL},
        {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {
        .prog = S_PROG,
        .summary = "Sample a process and/or this host and publish the samples to a zapm collector\n"
                   "(wire protocol v1: one JSON object per ZeroMQ frame, PUB socket that "
                   "connects).\n",
        .options = options,
        .epilogue = "--pidof and --pid-file never end on their own: each successor is a new\n"
                    "series (a new pid), and each switch is one line on stderr.\n"
                    "A collector that refuses this agent (an unknown key, no certificate, a wrong\n"
                    "--curve-server) is named once on stderr, with the fix.\n"
                    "Exit status: 0 on SIGINT/SIGTERM, after --count samples, or when the --pid\n"
                    "process ends; 1 if the agent cannot start or no collector ever accepted it\n"
                    "during --count; 2 for a bad option or value.\n"
                    "Fields: see docs/FIELDS.md."};
    int status = cli_parse (&spec, argc, argv);
    if (status != CLI_RUN)
        return status;
    int targets =
        (opt->pid != 0) + (opt->pidof != NULL) + (opt->pid_file != NULL) + opt->no_process;
    if (targets > 1) {
        cli_usage_error (S_PROG, "--pid, --pidof, --pid-file and --no-process exclude each other");
        return CLI_EXIT_USAGE;
    }
    return CLI_RUN;
}

static void
s_sleep_ms (long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep (&ts, NULL);
}

//  The process to follow now: by name, or by pid file; 0 when there is none.
static pid_t
s_find (const s_options_t *opt)
{
    return opt->pidof ? proc_find_by_name (opt->pidof, getpid ())
                      : proc_find_pid_file (opt->pid_file);
}

//  Waits, --poll seconds at a time, until s_find names a process other than
//  `old` (a pid file may still hold the pid that just exited). Returns 0 on
//  a stop signal.
static pid_t
s_wait_for_target (const s_options_t *opt, pid_t old)
{
    long slice_ms = (long) (opt->poll * 1000);
    for (;;) {
        pid_t pid = s_find (opt);
        if (pid && pid != old)
            return pid;
        for (long waited = 0; waited < slice_ms; waited += 50) {
            if (signals_stop_requested ())
                return 0;
            s_sleep_ms (slice_ms - waited < 50 ? slice_ms - waited : 50);
        }
    }
}

//  Samples one target (pid, or 0 for the agent itself) until it ends, --count
//  is done, or a signal stops us. Returns the agent's last status, or -1 when
//  the agent cannot start or sample, with *failure the exit status to end with
//  (2 for a refused value, else 1); *samples gets how many were taken.
static int
s_sample (const s_options_t *opt, pid_t pid, const char *name, uint64_t *samples, int *failure)
{
    *failure = 1;
    zapm_agent_t *agent = agent_cli_start (S_PROG, &opt->agent, name, failure);
    if (!agent)
        return -1;
    //  The library installs no signal handlers; ours stay in place.
    int rc = 0;
    if (pid && zapm_agent_set_pid (agent, pid) < 0) {
        //  Gone between finding and sampling: to a follower, that is an exit.
        if (errno == ESRCH && (opt->pidof || opt->pid_file)) {
            zapm_agent_destroy (&agent);
            *samples = 0;
            return ZAPM_AGENT_GONE;
        }
        fprintf (stderr, S_PROG ": cannot sample pid %ld: %s\n", (long) pid, strerror (errno));
        rc = -1;
    }
    if (rc == 0 && (opt->system || opt->no_process))
        zapm_agent_set_system (agent, true);
    if (rc == 0 && opt->no_process)
        zapm_agent_set_process (agent, false);
    if (rc == 0 && opt->smaps)
        zapm_agent_set_smaps (agent, true);
    if (rc == 0 && opt->count)
        zapm_agent_set_count (agent, (uint64_t) opt->count);

    int status = ZAPM_AGENT_RUNNING;
    while (rc == 0 && !signals_stop_requested () && status == ZAPM_AGENT_RUNNING)
        status = zapm_agent_wait (agent, 100);
    *samples = zapm_agent_samples (agent);
    if (status == ZAPM_AGENT_DONE)
        s_sleep_ms (100); //  LINGER is 0: give the last frame time to leave
    if (status == ZAPM_AGENT_DONE && zapm_agent_accepted (agent) == 0) {
        //  Every sample was dropped: that is a failure, not a job done. The
        //  library said why already if a collector refused.
        char reason[ZAPM_AGENT_REASON_MAX];
        zapm_agent_link (agent, reason, sizeof reason);
        fprintf (stderr,
                 S_PROG ": no collector accepted this agent: all %llu samples were dropped%s\n",
                 (unsigned long long) *samples,
                 *reason ? " (see the line above)" : " (is a collector listening there?)");
        *failure = 1;
        rc = -1;
    }
    zapm_agent_destroy (&agent);
    return rc == 0 ? status : -1;
}

//  --pidof and --pid-file: sample the target, and each successor, until a
//  signal or --count. Returns the exit status.
static int
s_follow (const s_options_t *opt)
{
    const char *what = opt->pidof ? opt->pidof : opt->pid_file;
    pid_t pid = s_find (opt);
    if (!pid)
        fprintf (stderr, S_PROG ": no process %s %s yet; looking every %g s\n",
                 opt->pidof ? "called" : "in", what, opt->poll);
    for (pid_t old = 0;;) {
        if (!pid)
            pid = s_wait_for_target (opt, old);
        if (!pid)
            return 0; //  stopped by a signal while waiting
        char comm[PROC_FIND_COMM_MAX + 2] = "";
        proc_find_comm (pid, comm, sizeof comm);
        const char *name = opt->agent.name ? opt->agent.name : opt->pidof ? opt->pidof : comm;
        if (old)
            fprintf (stderr, S_PROG ": now sampling pid %ld (%s), the successor of pid %ld\n",
                     (long) pid, comm, (long) old);
        else
            fprintf (stderr, S_PROG ": sampling pid %ld (%s)\n", (long) pid, comm);
        uint64_t samples = 0;
        int failure;
        int status = s_sample (opt, pid, name, &samples, &failure);
        if (status != ZAPM_AGENT_GONE)
            return status < 0 ? failure : 0;
        fprintf (stderr,
                 S_PROG ": pid %ld (%s) exited after %llu samples; looking for its successor "
                        "every %g s\n",
                 (long) pid, comm, (unsigned long long) samples, opt->poll);
        old = pid;
        pid = 0;
    }
}

int
main (int argc, char **argv)
{
    s_options_t opt = {.agent = AGENT_CLI_DEFAULTS, .poll = 1.0};
    int status = s_parse (argc, argv, &opt);
    if (status != CLI_RUN)
        return status;
    signals_catch (false);
    if (opt.pidof || opt.pid_file)
        return s_follow (&opt);

    char comm[PROC_FIND_COMM_MAX + 2] = "";
    if (opt.pid && !proc_find_comm ((pid_t) opt.pid, comm, sizeof comm)) {
        fprintf (stderr, S_PROG ": no process with pid %ld\n", opt.pid);
        return 1;
    }
    const char *name = opt.agent.name   ? opt.agent.name
                       : opt.pid        ? comm
                       : opt.no_process ? "system"
                                        : S_PROG;
    uint64_t samples = 0;
    int failure;
    int agent_status = s_sample (&opt, (pid_t) opt.pid, name, &samples, &failure);
    if (agent_status == ZAPM_AGENT_GONE)
        fprintf (stderr, S_PROG ": process %ld (%s) exited; stopped after %llu samples\n", opt.pid,
                 comm, (unsigned long long) samples);
    return agent_status < 0 ? failure : 0;
}
