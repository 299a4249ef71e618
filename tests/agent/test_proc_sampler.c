/*  test_proc_sampler.c: the /proc process readers, checked against /proc itself.

    Each check changes something observable (threads, fds, CPU time, a
    process ending) and expects the sampler to see exactly that change.
*/
#include "check.h"
#include "clock.h"
#include "proc_sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
s_burn (double seconds)
{
    volatile unsigned long sum = 0;
    double until = clock_seconds (CLOCK_MONOTONIC) + seconds;
    while (clock_seconds (CLOCK_MONOTONIC) < until)
        for (int i = 0; i < 10000; i++)
            sum += (unsigned long) i;
    (void) sum;
}

static void
s_sleep_ms (long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep (&ts, NULL);
}

static pthread_mutex_t s_gate = PTHREAD_MUTEX_INITIALIZER;

static void *
s_parked (void *arg)
{
    (void) arg;
    pthread_mutex_lock (&s_gate);
    pthread_mutex_unlock (&s_gate);
    return NULL;
}

//  Reads resident pages and size pages from /proc/self/statm.
static void
s_statm (unsigned long *size, unsigned long *resident)
{
    FILE *file = fopen ("/proc/self/statm", "r");
    CHECK (file);
    CHECK (fscanf (file, "%lu %lu", size, resident) == 2);
    fclose (file);
}

static void
test_self (void)
{
    unsigned long size, resident;
    s_statm (&size, &resident); //  warm stdio up: its first use grows RSS
    proc_sampler_t *sampler = proc_sampler_new (0, false);
    CHECK (sampler);
    CHECK (proc_sampler_pid (sampler) == getpid ());
    proc_sample_t s;
    CHECK (proc_sampler_read (sampler, &s) == 0);
    CHECK (s.cpu_percent == 0.0); //  first read, psutil semantics

    //  rss and vms agree with psutil's source, statm, read just before and
    //  just after (code and stdio pages warmed up by the first round).
    unsigned long size2, resident2;
    s_statm (&size, &resident);
    CHECK (proc_sampler_read (sampler, &s) == 0);
    s_statm (&size2, &resident2);
    unsigned long page = (unsigned long) sysconf (_SC_PAGESIZE);
    CHECKF (s.vms == size * page && size == size2, "vms %lu statm %lu", (unsigned long) s.vms,
            size * page);
    CHECKF (s.rss >= resident * page && s.rss <= resident2 * page, "rss %lu statm %lu..%lu",
            (unsigned long) s.rss, resident * page, resident2 * page);
    CHECK (s.num_threads == 1);
    CHECK (s.have & PROC_HAVE_STATUS);
    CHECK (s.have & PROC_HAVE_FDS);
    CHECK (s.have & PROC_HAVE_IO);
    CHECK (s.have & PROC_HAVE_SWAP);
    CHECK (!(s.have & PROC_HAVE_SMAPS));

    //  Three more fds, exactly three more counted.
    uint64_t fds = s.num_fds;
    int extra[3];
    for (int i = 0; i < 3; i++)
        CHECK ((extra[i] = open ("/dev/null", O_RDONLY)) >= 0);
    CHECK (proc_sampler_read (sampler, &s) == 0);
    CHECKF (s.num_fds == fds + 3, "fds %lu then %lu", (unsigned long) fds,
            (unsigned long) s.num_fds);
    for (int i = 0; i < 3; i++)
        close (extra[i]);

    //  One more thread.
    pthread_t thread;
    pthread_mutex_lock (&s_gate);
    CHECK (pthread_create (&thread, NULL, s_parked, NULL) == 0);
    CHECK (proc_sampler_read (sampler, &s) == 0);
    CHECK (s.num_threads == 2);
    pthread_mutex_unlock (&s_gate);
    pthread_join (thread, NULL);

    //  Burn 300 ms: cpu_percent is our CPU time over wall time, as measured
    //  independently with clock_gettime, within two clock ticks.
    CHECK (proc_sampler_read (sampler, &s) == 0);
    double cpu_before = clock_seconds (CLOCK_PROCESS_CPUTIME_ID),
           wall_before = clock_seconds (CLOCK_MONOTONIC);
    double user = s.cpu_user + s.cpu_system;
    s_burn (0.3);
    CHECK (proc_sampler_read (sampler, &s) == 0);
    double wall = clock_seconds (CLOCK_MONOTONIC) - wall_before;
    double expect = (clock_seconds (CLOCK_PROCESS_CPUTIME_ID) - cpu_before) / wall * 100;
    double tolerance = 2 * 0.01 / wall * 100;
    CHECKF (fabs (s.cpu_percent - expect) <= tolerance, "cpu_percent %.1f, expected %.1f",
            s.cpu_percent, expect);
    CHECK (s.cpu_user + s.cpu_system >=
           user + (clock_seconds (CLOCK_PROCESS_CPUTIME_ID) - cpu_before) - 0.02);

    //  Context switches grow when we sleep.
    uint64_t switches = s.num_ctx_switches;
    s_sleep_ms (5);
    CHECK (proc_sampler_read (sampler, &s) == 0);
    CHECK (s.num_ctx_switches > switches);
    proc_sampler_destroy (&sampler);
    CHECK (sampler == NULL);
    proc_sampler_destroy (&sampler);
}

static void
test_smaps (void)
{
    proc_sampler_t *sampler = proc_sampler_new (getpid (), true);
    CHECK (sampler);
    proc_sample_t s;
    CHECK (proc_sampler_read (sampler, &s) == 0);
    CHECK (s.have & PROC_HAVE_SMAPS);
    CHECK (s.uss > 0 && s.pss >= s.uss && s.pss <= s.rss + 4096);
    proc_sampler_destroy (&sampler);
}

static void
test_missing (void)
{
    errno = 0;
    CHECK (proc_sampler_new (-1, false) == NULL);
    CHECK (errno == EINVAL);
    //  pid_max is at most 2^22; this one cannot exist.
    CHECK (proc_sampler_new (1 << 23, false) == NULL);
    CHECK (errno == ESRCH);
}

//  A child with a hostile command name; the stat parser must skip it.
static void
test_child_ends (bool reap)
{
    int ready[2];
    CHECK (pipe (ready) == 0);
    pid_t child = fork ();
    CHECK (child >= 0);
    if (child == 0) {
        prctl (PR_SET_NAME, "a) b (c 1 2 3", 0, 0, 0);
        char byte = 1;
        if (write (ready[1], &byte, 1) != 1)
            _exit (3);
        s_sleep_ms (200);
        _exit (0);
    }
    char byte;
    CHECK (read (ready[0], &byte, 1) == 1);
    close (ready[0]);
    close (ready[1]);
    proc_sampler_t *sampler = proc_sampler_new (child, false);
    CHECK (sampler);
    proc_sample_t s;
    CHECK (proc_sampler_read (sampler, &s) == 0);
    CHECK (s.num_threads == 1);
    CHECK (s.rss > 0 && s.vms >= s.rss);
    if (reap) {
        int status;
        CHECK (waitpid (child, &status, 0) == child);
    }
    else {
        //  Stays a zombie until we reap it: still counts as ended.
        s_sleep_ms (400);
    }
    errno = 0;
    CHECK (proc_sampler_read (sampler, &s) == -1);
    CHECK (errno == ESRCH);
    proc_sampler_destroy (&sampler);
    if (!reap)
        waitpid (child, NULL, 0);
}

int
main (void)
{
    test_self ();
    test_smaps ();
    test_missing ();
    test_child_ends (true);
    test_child_ends (false);
    printf ("test_proc_sampler: OK\n");
    return 0;
}
