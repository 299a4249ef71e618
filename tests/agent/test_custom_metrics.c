/*  test_custom_metrics.c: custom gauge and counter limits, and thread safety.

    Limits: names of 1..ZAPM_CUSTOM_NAME_MAX bytes of [A-Za-z0-9_.:-], at most
    ZAPM_CUSTOM_MAX metrics, finite values; errors are -1 with EINVAL/ENOSPC.
    Threads: several writers and a reader at once must lose no update.
*/
#include "check.h"
#include "custom_metrics.h"
#include "wire.h"
#include "zapm.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define S_THREADS 4
#define S_ADDS    20000

static void
test_names (void)
{
    char name[ZAPM_CUSTOM_NAME_MAX + 2];
    memset (name, 'x', sizeof name);
    name[ZAPM_CUSTOM_NAME_MAX] = '\0';
    CHECK (custom_metrics_name_valid (name));
    name[ZAPM_CUSTOM_NAME_MAX] = 'x';
    name[ZAPM_CUSTOM_NAME_MAX + 1] = '\0';
    CHECK (!custom_metrics_name_valid (name));
    CHECK (custom_metrics_name_valid ("Az09_.:-"));
    CHECK (!custom_metrics_name_valid (""));
    CHECK (!custom_metrics_name_valid (NULL));
    const char *bad[] = {"a b", "a\"b", "a\\b", "a/b", "é", "a\nb", "a{b", "a,b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF (!custom_metrics_name_valid (bad[i]), "'%s' accepted", bad[i]);
}

static void
test_limits (void)
{
    custom_metrics_t *metrics = custom_metrics_new ();
    CHECK (metrics);
    errno = 0;
    CHECK (custom_metrics_gauge_set (metrics, "bad name", 1) == -1 && errno == EINVAL);
    errno = 0;
    CHECK (custom_metrics_gauge_set (metrics, "nan", NAN) == -1 && errno == EINVAL);
    errno = 0;
    CHECK (custom_metrics_counter_add (metrics, "inf", INFINITY) == -1 && errno == EINVAL);
    CHECK (custom_metrics_counter_add (metrics, "big", 1.7e308) == 0);
    errno = 0;
    CHECK (custom_metrics_counter_add (metrics, "big", 1.7e308) == -1 && errno == EINVAL);

    custom_metric_t out[ZAPM_CUSTOM_MAX];
    CHECK (custom_metrics_snapshot (metrics, out, ZAPM_CUSTOM_MAX) == 1);
    CHECK (strcmp (out[0].name, "big") == 0 && out[0].value == 1.7e308);

    for (int i = 1; i < ZAPM_CUSTOM_MAX; i++) {
        char name[16];
        snprintf (name, sizeof name, "m%d", i);
        CHECK (custom_metrics_gauge_set (metrics, name, i) == 0);
    }
    errno = 0;
    CHECK (custom_metrics_gauge_set (metrics, "one_too_many", 1) == -1 && errno == ENOSPC);
    errno = 0;
    CHECK (custom_metrics_counter_add (metrics, "one_too_many", 1) == -1 && errno == ENOSPC);
    //  Existing names still update when the table is full.
    CHECK (custom_metrics_gauge_set (metrics, "m5", -2.5) == 0);
    CHECK (custom_metrics_counter_add (metrics, "m5", 1) == 0);
    CHECK (custom_metrics_snapshot (metrics, out, ZAPM_CUSTOM_MAX) == ZAPM_CUSTOM_MAX);
    CHECK (strcmp (out[5].name, "m5") == 0 && out[5].value == -1.5);
    //  The call that made a metric decided its kind; later calls keep it.
    CHECK (out[0].counter && !out[5].counter);
    CHECK (custom_metrics_snapshot (metrics, out, 3) == 3);
    custom_metrics_destroy (&metrics);
    CHECK (metrics == NULL);
}

static custom_metrics_t *s_shared;
static zapm_agent_t *s_agent;
static atomic_int s_done; //  the reader's stop flag, set by the main thread

static void *
s_writer (void *arg)
{
    int id = (int) (intptr_t) arg;
    char own[16];
    snprintf (own, sizeof own, "own%d", id);
    for (int i = 0; i < S_ADDS; i++) {
        CHECK (custom_metrics_counter_add (s_shared, "shared", 1) == 0);
        CHECK (custom_metrics_gauge_set (s_shared, own, i) == 0);
        CHECK (zapm_agent_counter_add (s_agent, "hits", 1) == 0);
    }
    return NULL;
}

static void *
s_reader (void *arg)
{
    (void) arg;
    custom_metric_t out[ZAPM_CUSTOM_MAX];
    double last = 0;
    while (!atomic_load (&s_done)) {
        size_t n = custom_metrics_snapshot (s_shared, out, ZAPM_CUSTOM_MAX);
        for (size_t i = 0; i < n; i++)
            if (strcmp (out[i].name, "shared") == 0) {
                CHECK (out[i].value >= last); //  a counter never goes back
                last = out[i].value;
            }
    }
    return NULL;
}

static void
test_threads (void)
{
    s_shared = custom_metrics_new ();
    //  The agent samples (and so snapshots its table) every millisecond meanwhile.
    s_agent = zapm_agent_new ("tcp://127.0.0.1:1", "threads");
    CHECK (s_agent);
    CHECK (zapm_agent_set_interval (s_agent, 0.001) == 0);
    pthread_t writers[S_THREADS], reader;
    CHECK (pthread_create (&reader, NULL, s_reader, NULL) == 0);
    for (int i = 0; i < S_THREADS; i++)
        CHECK (pthread_create (&writers[i], NULL, s_writer, (void *) (intptr_t) i) == 0);
    for (int i = 0; i < S_THREADS; i++)
        pthread_join (writers[i], NULL);
    atomic_store (&s_done, 1);
    pthread_join (reader, NULL);

    custom_metric_t out[ZAPM_CUSTOM_MAX];
    size_t n = custom_metrics_snapshot (s_shared, out, ZAPM_CUSTOM_MAX);
    CHECK (n == 1 + S_THREADS);
    CHECK (strcmp (out[0].name, "shared") == 0);
    CHECKF (out[0].value == S_THREADS * S_ADDS, "shared = %.0f", out[0].value);
    for (size_t i = 1; i < n; i++)
        CHECK (out[i].value == S_ADDS - 1);
    custom_metrics_destroy (&s_shared);

    //  The public calls check their arguments the same way.
    errno = 0;
    CHECK (zapm_agent_gauge_set (NULL, "x", 1) == -1 && errno == EINVAL);
    errno = 0;
    CHECK (zapm_agent_gauge_set (s_agent, "x y", 1) == -1 && errno == EINVAL);
    zapm_agent_destroy (&s_agent);
}

int
main (void)
{
    test_names ();
    test_limits ();
    test_threads ();
    printf ("test_custom_metrics: OK\n");
    return 0;
}
