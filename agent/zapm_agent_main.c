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
#include "zapm.h"

#include "cli.h"
#include "wire.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_PROG "zapm-agent"

//  What the command line asked for.
typedef struct {
    const char *endpoint; //  --connect
    const char *name;     //  --name, NULL for the default
    const char *color;    //  --color, NULL for the default
    double interval;      //  --interval
    long pid;             //  --pid, 0 for zapm-agent itself
    bool system;          //  --system
    bool process;         //  false with --no-process
    bool smaps;           //  --smaps
    long count;           //  --count, 0 for no limit
} s_options_t;

static void
s_help (void)
{
    printf ("Usage: " S_PROG " [OPTION]...\n"
            "Sample a process and/or this host and publish the samples to a zapm collector\n"
            "(wire protocol v1: one JSON object per ZeroMQ frame, PUB socket that connects).\n"
            "\n"
            "  --connect ENDPOINT  collector endpoint, any libzmq transport\n"
            "                      (default " ZAPM_WIRE_CONNECT_DEFAULT ")\n"
            "  --name NAME         service name in every sample (default: the --pid process's\n"
            "                      command name, \"system\" with --no-process, else " S_PROG ")\n"
            "  --color COLOR       colour label (default: picked from the name and pid)\n"
            "  --interval SECONDS  time between samples, 0.001 to 3600 (default 1)\n"
            "  --pid PID           sample process PID instead of " S_PROG " itself; when it\n"
            "                      ends, print one line to stderr and exit with status 0\n"
            "  --system            add system metrics (sys: CPU, per-CPU, load, memory, swap)\n"
            "  --no-process        system metrics only, no process (implies --system)\n"
            "  --smaps             add uss and pss (reads smaps_rollup: costly on big processes)\n"
            "  --count N           stop after N samples and exit with status 0\n"
            "  --help              show this help and exit\n"
            "  --version           show the version and exit\n"
            "\n"
            "Exit status: 0 on SIGINT/SIGTERM, after --count samples, or when the --pid\n"
            "process ends; 1 if the agent cannot start; 2 for a bad option or value.\n"
            "Fields: see docs/FIELDS.md.\n");
}

//  Parses the command line into *opt. Returns -1 to continue, else an exit status.
static int
s_parse (int argc, char **argv, s_options_t *opt)
{
    enum {
        OPT_CONNECT = 256,
        OPT_NAME,
        OPT_COLOR,
        OPT_INTERVAL,
        OPT_PID,
        OPT_SYSTEM,
        OPT_NO_PROCESS,
        OPT_SMAPS,
        OPT_COUNT
    };
    static const struct option options[] = {{"connect", required_argument, NULL, OPT_CONNECT},
                                            {"name", required_argument, NULL, OPT_NAME},
                                            {"color", required_argument, NULL, OPT_COLOR},
                                            {"interval", required_argument, NULL, OPT_INTERVAL},
                                            {"pid", required_argument, NULL, OPT_PID},
                                            {"system", no_argument, NULL, OPT_SYSTEM},
                                            {"no-process", no_argument, NULL, OPT_NO_PROCESS},
                                            {"smaps", no_argument, NULL, OPT_SMAPS},
                                            {"count", required_argument, NULL, OPT_COUNT},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};
    opterr = 0;
    int option;
    while ((option = getopt_long (argc, argv, ":hV", options, NULL)) != -1) {
        bool ok = true;
        switch (option) {
        case 'h':
            s_help ();
            return 0;
        case 'V':
            printf (S_PROG " " ZAPM_VERSION "\n");
            return 0;
        case OPT_SYSTEM:
            opt->system = true;
            break;
        case OPT_NO_PROCESS:
            opt->process = false;
            opt->system = true;
            break;
        case OPT_SMAPS:
            opt->smaps = true;
            break;
        case OPT_CONNECT:
            ok = cli_check_text (S_PROG, "--connect", optarg, 1024, false);
            opt->endpoint = optarg;
            break;
        case OPT_NAME:
            ok = cli_check_text (S_PROG, "--name", optarg, 255, false);
            opt->name = optarg;
            break;
        case OPT_COLOR:
            ok = cli_check_text (S_PROG, "--color", optarg, 64, true);
            opt->color = optarg;
            break;
        case OPT_INTERVAL:
            ok = cli_parse_double (S_PROG, "--interval", optarg, ZAPM_AGENT_INTERVAL_MIN,
                                   ZAPM_AGENT_INTERVAL_MAX, &opt->interval);
            break;
        case OPT_PID:
            ok = cli_parse_long (S_PROG, "--pid", optarg, 1, 2147483647L, &opt->pid);
            break;
        case OPT_COUNT:
            ok = cli_parse_long (S_PROG, "--count", optarg, 1, 2147483647L, &opt->count);
            break;
        default:
            cli_getopt_error (S_PROG, option, argv);
            return CLI_EXIT_USAGE;
        }
        if (!ok)
            return CLI_EXIT_USAGE;
    }
    if (optind < argc) {
        cli_usage_error (S_PROG, "unexpected argument '%s'", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (!opt->process && opt->pid) {
        cli_usage_error (S_PROG, "--pid and --no-process exclude each other");
        return CLI_EXIT_USAGE;
    }
    return -1;
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
    s_options_t opt = {.endpoint = ZAPM_WIRE_CONNECT_DEFAULT,
                       .interval = ZAPM_AGENT_INTERVAL_DEFAULT,
                       .process = true};
    int status = s_parse (argc, argv, &opt);
    if (status >= 0)
        return status;

    char comm[64] = "";
    if (opt.pid && !s_comm (opt.pid, comm, sizeof comm)) {
        fprintf (stderr, S_PROG ": no process with pid %ld\n", opt.pid);
        return 1;
    }
    const char *name = opt.name ? opt.name : opt.pid ? comm : !opt.process ? "system" : S_PROG;

    cli_catch_stop_signals ();

    zapm_agent_t *agent = zapm_agent_new (opt.endpoint, name);
    if (!agent) {
        fprintf (stderr, S_PROG ": cannot start the agent for '%s': %s\n", opt.endpoint,
                 strerror (errno));
        return 1;
    }
    //  The library installs no signal handlers; ours stay in place.
    int rc = 0;
    if (opt.pid && zapm_agent_set_pid (agent, (pid_t) opt.pid) < 0) {
        fprintf (stderr, S_PROG ": cannot sample pid %ld: %s\n", opt.pid, strerror (errno));
        rc = 1;
    }
    if (rc == 0 && opt.system)
        zapm_agent_set_system (agent, true);
    if (rc == 0 && !opt.process)
        zapm_agent_set_process (agent, false);
    if (rc == 0 && opt.smaps)
        zapm_agent_set_smaps (agent, true);
    if (rc == 0 && opt.color)
        zapm_agent_set_color (agent, opt.color);
    if (rc == 0 && opt.count)
        zapm_agent_set_count (agent, (uint64_t) opt.count);
    if (rc == 0)
        zapm_agent_set_interval (agent, opt.interval);

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
