/*  test_sys_sampler.c: the /proc system readers, checked against the kernel's
    other interfaces (sysinfo, sysconf, getloadavg). */
#include "check.h"
#include "clock.h"
#include "sys_sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

int
main (void)
{
    sys_sampler_t *sampler = sys_sampler_new ();
    CHECK (sampler);
    sys_sample_t *s = calloc (1, sizeof *s);
    CHECK (s);
    CHECK (sys_sampler_read (sampler, s) == 0);
    CHECK (s->have == (SYS_HAVE_CPU | SYS_HAVE_LOAD | SYS_HAVE_MEM));
    CHECK (s->cpu_percent == 0.0); //  first read
    CHECKF (s->ncpu == (size_t) sysconf (_SC_NPROCESSORS_ONLN), "ncpu %zu", s->ncpu);

    struct sysinfo info;
    CHECK (sysinfo (&info) == 0);
    CHECKF (s->mem_total == (uint64_t) info.totalram * info.mem_unit, "total %llu vs %llu",
            (unsigned long long) s->mem_total, (unsigned long long) info.totalram * info.mem_unit);
    CHECK (s->swap_total == (uint64_t) info.totalswap * info.mem_unit);
    CHECK (s->mem_available <= s->mem_total && s->mem_used <= s->mem_total);
    CHECK (s->mem_percent > 0 && s->mem_percent < 100);
    double expect = (double) (s->mem_total - s->mem_available) / (double) s->mem_total * 100;
    CHECK (fabs (s->mem_percent - expect) < 1e-9);

    double load[3];
    CHECK (getloadavg (load, 3) == 3);
    for (int i = 0; i < 3; i++)
        CHECKF (fabs (s->load[i] - load[i]) <= 0.011, "load %d: %.2f vs %.2f", i, s->load[i],
                load[i]);

    //  Keep one core busy for 300 ms: at least that core's share shows.
    volatile unsigned long sum = 0;
    double until = clock_seconds (CLOCK_MONOTONIC) + 0.3;
    while (clock_seconds (CLOCK_MONOTONIC) < until)
        sum += 1;
    (void) sum;
    CHECK (sys_sampler_read (sampler, s) == 0);
    double floor_percent = 100.0 / (double) s->ncpu * 0.4;
    CHECKF (s->cpu_percent >= floor_percent && s->cpu_percent <= 100, "cpu %.1f", s->cpu_percent);
    //  The whole is the mean of the parts, give or take tick rounding.
    double mean = 0;
    for (size_t i = 0; i < s->ncpu; i++) {
        CHECK (s->percpu[i] >= 0 && s->percpu[i] <= 100);
        mean += s->percpu[i] / (double) s->ncpu;
    }
    CHECKF (fabs (mean - s->cpu_percent) < 10, "mean of percpu %.1f, cpu %.1f", mean,
            s->cpu_percent);
    free (s);
    sys_sampler_destroy (&sampler);
    CHECK (sampler == NULL);
    printf ("test_sys_sampler: OK\n");
    return 0;
}
