/*  zapm_demo.c: zapm-demo, the book's backend service with libzapm linked in.

    It does what backend-app.py in "Using Asyncio in Python" does: burn a
    random amount of CPU, sleep a random 0..1 s, and with --leak N keep N more
    8-byte items every iteration, so the dashboard has something to show.
    The items are written to, so the leak really grows RSS. It also keeps two
    custom metrics: counter `iterations` and gauge `leaked_bytes`.
*/
#include "zapm.h"

#include "cli.h"
#include "clock.h"
#include "wire.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_PROG        "zapm-demo"
#define S_BURN_MAX_MS 300 //  most CPU time burnt per iteration

static void
s_help (void)
{
    printf ("Usage: " S_PROG " [OPTION]...\n"
            "A demo service instrumented with libzapm: burn a random amount of CPU (up to\n"
            "%d ms), sleep a random 0..1 s, repeat; publish samples to a zapm collector.\n"
            "\n"
            "  --connect ENDPOINT  collector endpoint (default " ZAPM_WIRE_CONNECT_DEFAULT ")\n"
            "  --name NAME         service name (default " S_PROG ")\n"
            "  --color COLOR       colour label (default: picked from the name and pid)\n"
            "  --interval SECONDS  time between samples, 0.001 to 3600 (default 1)\n"
            "  --leak N            keep N more 8-byte items every iteration (default 0)\n"
            "  --duration SECONDS  stop after this long, 0 for never (default 0)\n"
            "  --help              show this help and exit\n"
            "  --version           show the version and exit\n"
            "\n"
            "Custom metrics: iterations (counter), leaked_bytes (gauge).\n"
            "Stops on SIGINT or SIGTERM with status 0; 1 if the agent cannot start;\n"
            "2 for a bad option or value.\n",
            S_BURN_MAX_MS);
}

//  Burns `seconds` of this thread's CPU time (stops early on a signal).
static void
s_burn (double seconds)
{
    volatile uint64_t sum = 0;
    double until = clock_seconds (CLOCK_THREAD_CPUTIME_ID) + seconds;
    while (!cli_stop_requested () && clock_seconds (CLOCK_THREAD_CPUTIME_ID) < until)
        for (uint64_t i = 0; i < 100000; i++)
            sum += i;
    (void) sum;
}

//  Sleeps up to `seconds`, returning early on a signal.
static void
s_sleep (double seconds)
{
    struct timespec ts = {(time_t) seconds, (long) ((seconds - (double) (time_t) seconds) * 1e9)};
    nanosleep (&ts, NULL);
}

int
main (int argc, char **argv)
{
    const char *endpoint = ZAPM_WIRE_CONNECT_DEFAULT, *name = S_PROG, *color = NULL;
    double interval = ZAPM_AGENT_INTERVAL_DEFAULT, duration = 0;
    long leak = 0;
    enum { OPT_CONNECT = 256, OPT_NAME, OPT_COLOR, OPT_INTERVAL, OPT_LEAK, OPT_DURATION };
    static const struct option options[] = {{"connect", required_argument, NULL, OPT_CONNECT},
                                            {"name", required_argument, NULL, OPT_NAME},
                                            {"color", required_argument, NULL, OPT_COLOR},
                                            {"interval", required_argument, NULL, OPT_INTERVAL},
                                            {"leak", required_argument, NULL, OPT_LEAK},
                                            {"duration", required_argument, NULL, OPT_DURATION},
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
        case OPT_CONNECT:
            ok = cli_check_text (S_PROG, "--connect", optarg, 1024, false);
            endpoint = optarg;
            break;
        case OPT_NAME:
            ok = cli_check_text (S_PROG, "--name", optarg, 255, false);
            name = optarg;
            break;
        case OPT_COLOR:
            ok = cli_check_text (S_PROG, "--color", optarg, 64, false);
            color = optarg;
            break;
        case OPT_INTERVAL:
            ok = cli_parse_double (S_PROG, "--interval", optarg, ZAPM_AGENT_INTERVAL_MIN,
                                   ZAPM_AGENT_INTERVAL_MAX, &interval);
            break;
        case OPT_LEAK:
            ok = cli_parse_long (S_PROG, "--leak", optarg, 0, 100000000L, &leak);
            break;
        case OPT_DURATION:
            ok = cli_parse_double (S_PROG, "--duration", optarg, 0, 1e9, &duration);
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

    cli_catch_stop_signals ();

    zapm_agent_t *agent = zapm_agent_new (endpoint, name);
    if (!agent) {
        fprintf (stderr, S_PROG ": cannot start the agent for '%s': %s\n", endpoint,
                 strerror (errno));
        return 1;
    }
    if (color)
        zapm_agent_set_color (agent, color);
    zapm_agent_set_interval (agent, interval);

    srand ((unsigned) (time (NULL) ^ getpid ()));
    uint64_t *items = NULL;
    size_t used = 0, capacity = 0;
    double start = clock_seconds (CLOCK_MONOTONIC);
    int rc = 0;
    while (!cli_stop_requested () &&
           (duration == 0 || clock_seconds (CLOCK_MONOTONIC) - start < duration)) {
        s_burn ((double) (1 + rand () % S_BURN_MAX_MS) / 1000.0);
        if (cli_stop_requested ())
            break;
        double nap = (double) rand () / RAND_MAX;
        if (duration > 0 && clock_seconds (CLOCK_MONOTONIC) + nap - start > duration)
            nap = duration - (clock_seconds (CLOCK_MONOTONIC) - start);
        if (nap > 0)
            s_sleep (nap);
        if (leak > 0) {
            if (used + (size_t) leak > capacity) {
                size_t grown = capacity ? capacity * 2 : 1024;
                while (grown < used + (size_t) leak)
                    grown *= 2;
                uint64_t *more = realloc (items, grown * sizeof *items);
                if (!more) {
                    fprintf (stderr, S_PROG ": out of memory after leaking %zu bytes\n",
                             used * sizeof *items);
                    rc = 1;
                    break;
                }
                items = more;
                capacity = grown;
            }
            for (long k = 0; k < leak; k++) //  touch every item: RSS grows for real
                items[used++] = (uint64_t) k;
            zapm_agent_gauge_set (agent, "leaked_bytes", (double) (used * sizeof *items));
        }
        zapm_agent_counter_add (agent, "iterations", 1);
    }
    zapm_agent_destroy (&agent);
    free (items);
    return rc;
}
