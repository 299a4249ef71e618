/*  zapm_demo.c: zapm-demo, the book's backend service with libzapm linked in.

    It does what backend-app.py in "Using Asyncio in Python" does: burn a
    random amount of CPU, sleep a random 0..1 s, and with --leak N keep N more
    8-byte items every iteration, so the dashboard has something to show.
    The items are written to, so the leak really grows RSS. It also keeps two
    custom metrics: counter `iterations` and gauge `leaked_bytes`.
*/
#include "agent_cli.h"
#include "signals.h"
#include "clock.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define S_PROG         "zapm-demo"
#define S_BURN_MAX_MS  300 //  most CPU time burnt per iteration
#define S_TEXT(x)      S_TEXT_ (x)
#define S_TEXT_(x)     #x
#define S_LEAK_MAX     100000000 //  items per iteration at most
#define S_DURATION_MAX 1e9       //  seconds

//  Burns `seconds` of this thread's CPU time (stops early on a signal).
static void
s_burn (double seconds)
{
    volatile uint64_t sum = 0;
    double until = clock_seconds (CLOCK_THREAD_CPUTIME_ID) + seconds;
    while (!signals_stop_requested () && clock_seconds (CLOCK_THREAD_CPUTIME_ID) < until)
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
    agent_cli_t opts = AGENT_CLI_DEFAULTS;
    double duration = 0;
    long leak = 0;
    const cli_option_t options[] = {AGENT_CLI_OPTIONS (&opts, "$ZAPM_NAME, else " S_PROG),
                                    {"leak", 0, CLI_LONG, &leak, 0, S_LEAK_MAX, "N",
                                     "keep N more 8-byte items every iteration", NULL, NULL},
                                    {"duration", 0, CLI_DOUBLE, &duration, 0, S_DURATION_MAX,
                                     "SECONDS", "stop after this long, 0 for never", NULL, NULL},
                                    {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {
        .prog = S_PROG,
        .summary = "A demo service instrumented with libzapm: burn a random amount of CPU (up "
                   "to\n" S_TEXT (
                       S_BURN_MAX_MS) " ms), sleep a random 0..1 s, repeat; publish samples to a "
                                      "zapm collector.\n",
        .options = options,
        .epilogue = "Custom metrics: iterations (counter), leaked_bytes (gauge).\n"
                    "Stops on SIGINT or SIGTERM with status 0; 1 if the agent cannot start;\n"
                    "2 for a bad option or value."};
    int status = cli_parse (&spec, argc, argv);
    if (status != CLI_RUN)
        return status;

    signals_catch (false);

    zapm_agent_t *agent = agent_cli_start (S_PROG, &opts, opts.name ? opts.name : S_PROG, &status);
    if (!agent)
        return status;

    srand ((unsigned) (time (NULL) ^ getpid ()));
    uint64_t *items = NULL;
    size_t used = 0, capacity = 0;
    double start = clock_seconds (CLOCK_MONOTONIC);
    int rc = 0;
    while (!signals_stop_requested () &&
           (duration == 0 || clock_seconds (CLOCK_MONOTONIC) - start < duration)) {
        s_burn ((double) (1 + rand () % S_BURN_MAX_MS) / 1000.0);
        if (signals_stop_requested ())
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
