/*  zapm_agent_main.c: zapm-agent, publishes samples of a process or the host.

    For services that cannot link libzapm: point it at a pid (or at nothing,
    for system metrics only) and it publishes the same samples a linked agent
    would. It is a program, not a library, so it handles SIGINT and SIGTERM
    itself: the main thread waits on the agent's status in short slices and
    checks a flag the handler sets.

    Exit status: 0 when stopped by a signal, when --count samples were sent,
    or when the --pid process ended (the end of what it was asked to watch,
    announced on stderr); 1 when the agent cannot start; 2 for a bad flag.
*/
#include "agent_cli.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_PROG "zapm-agent"

//  What the command line asked for.
typedef struct {
    agent_cli_t agent; //  --connect, --name, --color, --interval
    long pid;          //  --pid, 0 for zapm-agent itself
    bool system;       //  --system
    bool no_process;   //  --no-process
    bool smaps;        //  --smaps
    long count;        //  --count, 0 for no limit
} s_options_t;

//  Parses the command line into *opt. Returns CLI_RUN to continue, else an exit status.
static int
s_parse (int argc, char **argv, s_options_t *opt)
{
    const cli_option_t options[] = {
        AGENT_CLI_OPTIONS (&opt->agent, "$ZAPM_NAME, else the --pid process's name, else " S_PROG),
        {"pid", 0, CLI_LONG, &opt->pid, 1, INT_MAX, "PID",
         "sample process PID instead of " S_PROG " itself; when it\n"
         "ends, print one line to stderr and exit with status 0",
         "", NULL},
        {"system", 0, CLI_FLAG, &opt->system, 0, 0, NULL,
         "add system metrics (sys: CPU, per-CPU, load, memory, swap)", NULL, NULL},
        {"no-process", 0, CLI_FLAG, &opt->no_process, 0, 0, NULL,
         "system metrics only, no process (implies --system)", NULL, NULL},
        {"smaps", 0, CLI_FLAG, &opt->smaps, 0, 0, NULL,
         "add uss and pss (reads smaps_rollup: costly on big processes)", NULL, NULL},
        {"count", 0, CLI_LONG, &opt->count, 1, INT_MAX, "N", "stop after N samples and exit 0", "",
         NULL},
        {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {
        .prog = S_PROG,
        .summary = "Sample a process and/or this host and publish the samples to a zapm collector\n"
                   "(wire protocol v1: one JSON object per ZeroMQ frame, PUB socket that "
                   "connects).\n",
        .options = options,
        .epilogue = "Exit status: 0 on SIGINT/SIGTERM, after --count samples, or when the --pid\n"
                    "process ends; 1 if the agent cannot start; 2 for a bad option or value.\n"
                    "Fields: see docs/FIELDS.md."};
    int status = cli_parse (&spec, argc, argv);
    if (status != CLI_RUN)
        return status;
    if (opt->no_process && opt->pid) {
        cli_usage_error (S_PROG, "--pid and --no-process exclude each other");
        return CLI_EXIT_USAGE;
    }
    return CLI_RUN;
}

//  The command name of process pid, from /proc/<pid>/comm, into buf.
static bool
s_comm (long pid, char *buf, size_t size)
{
    char path[64];
    snprintf (path, sizeof path, "/proc/%ld/comm", pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    bool ok = fgets (buf, (int) size, file) != NULL;
    fclose (file);
    if (ok)
        buf[strcspn (buf, "\n")] = '\0';
    return ok && *buf;
}

static void
s_sleep_ms (long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep (&ts, NULL);
}

int
main (int argc, char **argv)
{
    s_options_t opt = {.agent = AGENT_CLI_DEFAULTS};
    int status = s_parse (argc, argv, &opt);
    if (status != CLI_RUN)
        return status;

    char comm[64] = "";
    if (opt.pid && !s_comm (opt.pid, comm, sizeof comm)) {
        fprintf (stderr, S_PROG ": no process with pid %ld\n", opt.pid);
        return 1;
    }
    const char *name = opt.agent.name   ? opt.agent.name
                       : opt.pid        ? comm
                       : opt.no_process ? "system"
                                        : S_PROG;

    cli_catch_signals (false);

    zapm_agent_t *agent = agent_cli_start (S_PROG, &opt.agent, name, &status);
    if (!agent)
        return status;
    //  The library installs no signal handlers; ours stay in place.
    int rc = 0;
    if (opt.pid && zapm_agent_set_pid (agent, (pid_t) opt.pid) < 0) {
        fprintf (stderr, S_PROG ": cannot sample pid %ld: %s\n", opt.pid, strerror (errno));
        rc = 1;
    }
    if (rc == 0 && (opt.system || opt.no_process))
        zapm_agent_set_system (agent, true);
    if (rc == 0 && opt.no_process)
        zapm_agent_set_process (agent, false);
    if (rc == 0 && opt.smaps)
        zapm_agent_set_smaps (agent, true);
    if (rc == 0 && opt.count)
        zapm_agent_set_count (agent, (uint64_t) opt.count);

    int agent_status = ZAPM_AGENT_RUNNING;
    while (rc == 0 && !cli_stop_requested () && agent_status == ZAPM_AGENT_RUNNING)
        agent_status = zapm_agent_wait (agent, 100);

    if (agent_status == ZAPM_AGENT_GONE)
        fprintf (stderr, S_PROG ": process %ld (%s) exited; stopped after %llu samples\n", opt.pid,
                 comm, (unsigned long long) zapm_agent_samples (agent));
    else if (agent_status == ZAPM_AGENT_DONE)
        s_sleep_ms (100); //  LINGER is 0: give the last frame time to leave
    zapm_agent_destroy (&agent);
    return rc;
}
