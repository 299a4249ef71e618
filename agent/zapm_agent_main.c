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

//  Returns the value of flag argv[*i] ("--flag VALUE" or "--flag=VALUE"),
//  or NULL after printing a usage error.
static const char *
s_value (int argc, char **argv, int *i, const char *flag, const char *eq)
{
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc) {
        cli_usage_error (S_PROG, "option '%s' needs a value", flag);
        return NULL;
    }
    return argv[++*i];
}

//  Parses the command line into *opt. Returns -1 to continue, else an exit status.
static int
s_parse (int argc, char **argv, s_options_t *opt)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strncmp (arg, "--", 2) == 0 ? strchr (arg, '=') : NULL;
        char flag[64];
        size_t len = eq ? (size_t) (eq - arg) : strlen (arg);
        snprintf (flag, sizeof flag, "%.*s", (int) (len < sizeof flag ? len : sizeof flag - 1),
                  arg);
        const char *value = NULL;
        if (strcmp (flag, "--help") == 0 && !eq) {
            s_help ();
            return 0;
        }
        if (strcmp (flag, "--version") == 0 && !eq) {
            printf (S_PROG " " ZAPM_VERSION "\n");
            return 0;
        }
        if (strcmp (flag, "--system") == 0 && !eq)
            opt->system = true;
        else if (strcmp (flag, "--no-process") == 0 && !eq) {
            opt->process = false;
            opt->system = true;
        }
        else if (strcmp (flag, "--smaps") == 0 && !eq)
            opt->smaps = true;
        else if (strcmp (flag, "--connect") == 0) {
            if (!(value = s_value (argc, argv, &i, flag, eq)))
                return CLI_EXIT_USAGE;
            if (!*value) {
                cli_usage_error (S_PROG, "--connect needs an endpoint");
                return CLI_EXIT_USAGE;
            }
            opt->endpoint = value;
        }
        else if (strcmp (flag, "--name") == 0) {
            if (!(value = s_value (argc, argv, &i, flag, eq)))
                return CLI_EXIT_USAGE;
            if (!*value || strlen (value) > 255) {
                cli_usage_error (S_PROG, "--name needs 1 to 255 bytes, got '%s'", value);
                return CLI_EXIT_USAGE;
            }
            opt->name = value;
        }
        else if (strcmp (flag, "--color") == 0) {
            if (!(value = s_value (argc, argv, &i, flag, eq)))
                return CLI_EXIT_USAGE;
            if (strlen (value) > 64) {
                cli_usage_error (S_PROG, "--color takes at most 64 bytes");
                return CLI_EXIT_USAGE;
            }
            opt->color = value;
        }
        else if (strcmp (flag, "--interval") == 0) {
            if (!(value = s_value (argc, argv, &i, flag, eq)) ||
                !cli_parse_double (S_PROG, flag, value, ZAPM_AGENT_INTERVAL_MIN,
                                   ZAPM_AGENT_INTERVAL_MAX, &opt->interval))
                return CLI_EXIT_USAGE;
        }
        else if (strcmp (flag, "--pid") == 0) {
            if (!(value = s_value (argc, argv, &i, flag, eq)) ||
                !cli_parse_long (S_PROG, flag, value, 1, 2147483647L, &opt->pid))
                return CLI_EXIT_USAGE;
        }
        else if (strcmp (flag, "--count") == 0) {
            if (!(value = s_value (argc, argv, &i, flag, eq)) ||
                !cli_parse_long (S_PROG, flag, value, 1, 2147483647L, &opt->count))
                return CLI_EXIT_USAGE;
        }
        else {
            cli_usage_error (S_PROG, "unknown option '%s'", arg);
            return CLI_EXIT_USAGE;
        }
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
