/*  store_crash_driver.c: the store under kill -9, driven by test_crash.py.

    store_crash_driver append PATH RATE
        appends one sample of series crash@h:1 RATE times a second, cpu = its
        index, and prints "index time_ns" after each, until it is killed.
    store_crash_driver check PATH
        opens the store as a restarted collector would (replaying the head),
        closes and reopens it, and prints the answer of a query over the last
        minute at 6 ms buckets (one point per bucket).
*/
#include "clock.h"
#include "store.h"
#include "store_frame.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
s_done (void *arg, char *json, size_t size)
{
    (void) size;
    *(char **) arg = json;
}

int
main (int argc, char **argv)
{
    if (argc < 3)
        return 2;
    store_config_t config;
    store_config_defaults (&config, argv[2]);
    store_t *store = store_new (&config);
    if (!store)
        return 1;
    if (strcmp (argv[1], "append") == 0 && argc == 4) {
        int rate = atoi (argv[3]);
        struct timespec pause = {0, 1000000000L / (rate > 0 ? rate : 1)};
        for (long long i = 0;; i++) {
            char frame[256];
            int size = snprintf (
                frame, sizeof frame,
                "{\"agent\":\"crash\",\"host\":\"h\",\"pid\":1,\"cpu\":%lld,\"mem\":1}", i);
            int64_t t = clock_wall_ns ();
            if (store_frame_append (store, "crash@h:1", t, frame, (size_t) size))
                printf ("%lld %lld\n", i, (long long) t);
            fflush (stdout);
            nanosleep (&pause, NULL);
        }
    }
    if (strcmp (argv[1], "check") != 0)
        return 2;
    store_destroy (&store); //  seals what the replay took
    store = store_new (&config);
    if (!store)
        return 1;
    double now = (double) clock_wall_ns () / 1e9;
    //  The last minute at 6 ms buckets: samples are at least 20 ms apart, so
    //  one sample per bucket.
    store_query_t query = {.from = now - 59,
                           .to = now + 1,
                           .metrics = "cpu",
                           .points = STORE_QUERY_POINTS_MAX,
                           .group = STORE_GROUP_SERIES};
    char *json = NULL;
    if (!store_query_start (store, &query, s_done, &json))
        return 1;
    struct pollfd item = {store_fd (store), POLLIN, 0};
    for (int i = 0; i < 100 && !json; i++)
        if (poll (&item, 1, 100) > 0)
            store_dispatch (store);
    if (!json)
        return 1;
    puts (json);
    free (json);
    store_destroy (&store);
    return 0;
}
