/*  sys_sampler.c: reads the host's CPU, memory and load from /proc, psutil's way.

    Definitions follow psutil 5.9 on Linux, so numbers match what users see
    from psutil, free(1) and top:
    - cpu_percent: from /proc/stat tick deltas; total = sum of all columns
      minus guest and guest_nice (already inside user and nice); busy = total
      minus idle minus iowait. Rounded to 0.1 by the encoder, as psutil does.
    - mem: used = MemTotal - MemFree - Buffers - (Cached + SReclaimable), or
      total - free if that is negative; percent = (total - MemAvailable) /
      total × 100.
    - swap: used = SwapTotal - SwapFree.
    - load: /proc/loadavg, as os.getloadavg ().

    /proc/stat is read only as far as the cpu lines go: the kernel formats the
    whole file anyway, but the long intr line is not copied to us.
*/
#include "sys_sampler.h"
#include "proc_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Tick counters of one /proc/stat cpu line, reduced to what psutil uses.
typedef struct {
    uint64_t total; //  all columns minus guest and guest_nice
    uint64_t busy;  //  total minus idle and iowait
} s_ticks_t;

struct _sys_sampler_t {
    int stat_fd;     //  /proc/stat
    int meminfo_fd;  //  /proc/meminfo, -1 if unreadable
    int loadavg_fd;  //  /proc/loadavg, -1 if unreadable
    char *buf;       //  read buffer, buf_size bytes
    size_t buf_size; //  sized for the cpu lines of /proc/stat
    bool primed;     //  last[] holds a previous read
    size_t last_cap; //  entries allocated in last (1 + CPUs at start)
    size_t last_n;   //  entries of last filled by the previous read
    s_ticks_t *last; //  previous ticks: [0] all CPUs, [1..] each CPU
};

static int
s_open (const char *path)
{
    return open (path, O_RDONLY | O_CLOEXEC);
}

sys_sampler_t *
sys_sampler_new (void)
{
    sys_sampler_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->stat_fd = s_open ("/proc/stat");
    self->meminfo_fd = s_open ("/proc/meminfo");
    self->loadavg_fd = s_open ("/proc/loadavg");
    long ncpu = sysconf (_SC_NPROCESSORS_CONF);
    if (ncpu < 1)
        ncpu = 1;
    if (ncpu > SYS_SAMPLER_MAX_CPUS)
        ncpu = SYS_SAMPLER_MAX_CPUS;
    //  A cpu line is at most ~11 numbers of 20 digits; meminfo is ~1.5 KiB.
    self->buf_size = 4096 + (size_t) (ncpu + 1) * 256;
    self->buf = malloc (self->buf_size);
    self->last_cap = (size_t) ncpu + 1;
    self->last = calloc (self->last_cap, sizeof (s_ticks_t));
    if (self->stat_fd < 0 || !self->buf || !self->last) {
        sys_sampler_destroy (&self);
        return NULL;
    }
    return self;
}

void
sys_sampler_destroy (sys_sampler_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sys_sampler_t *self = *self_p;
    if (self->stat_fd >= 0)
        close (self->stat_fd);
    if (self->meminfo_fd >= 0)
        close (self->meminfo_fd);
    if (self->loadavg_fd >= 0)
        close (self->loadavg_fd);
    free (self->buf);
    free (self->last);
    free (self);
    *self_p = NULL;
}

//  Parses one "cpu..." line's counters starting after the label.
static s_ticks_t
s_parse_ticks (const char **p)
{
    uint64_t col[10] = {0};
    for (int i = 0; i < 10 && **p != '\n' && **p; i++)
        col[i] = proc_text_u64 (p);
    //  user nice system idle iowait irq softirq steal guest guest_nice
    s_ticks_t t;
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++)
        sum += col[i];
    t.total = sum - col[8] - col[9];
    t.busy = t.total - col[3] - col[4];
    return t;
}

//  Percent busy between two reads, psutil style: a counter that went
//  backwards counts as 0, nothing elapsed gives 0.0.
static double
s_percent (s_ticks_t then, s_ticks_t now)
{
    uint64_t total = now.total > then.total ? now.total - then.total : 0;
    uint64_t busy = now.busy > then.busy ? now.busy - then.busy : 0;
    if (total == 0)
        return 0.0;
    double percent = (double) busy / (double) total * 100.0;
    return percent > 100.0 ? 100.0 : percent;
}

static void
s_read_cpu (sys_sampler_t *self, sys_sample_t *sample)
{
    ssize_t n = pread (self->stat_fd, self->buf, self->buf_size - 1, 0);
    if (n <= 0)
        return;
    self->buf[n] = '\0';
    size_t max = (size_t) SYS_SAMPLER_MAX_CPUS + 1;
    size_t lines = 0;
    const char *p = self->buf;
    s_ticks_t ticks;
    while (strncmp (p, "cpu", 3) == 0 && lines < max) {
        p += 3;
        while (*p && *p != ' ')
            p++;
        ticks = s_parse_ticks (&p);
        //  A line cut by the buffer's end is not trusted.
        if (*p != '\n')
            break;
        p++;
        double percent = 0.0;
        if (self->primed && lines < self->last_n)
            percent = s_percent (self->last[lines], ticks);
        if (lines == 0)
            sample->cpu_percent = percent;
        else
            sample->percpu[lines - 1] = percent;
        //  last[] has room for the CPUs counted at start; CPUs that came
        //  online later get 0.0 until the sampler is recreated.
        if (lines < self->last_cap)
            self->last[lines] = ticks;
        lines++;
    }
    if (lines == 0)
        return;
    self->last_n = lines < self->last_cap ? lines : self->last_cap;
    self->primed = true;
    sample->ncpu = lines - 1;
    sample->have |= SYS_HAVE_CPU;
}

static double
s_ratio (uint64_t part, uint64_t whole)
{
    return whole ? (double) part / (double) whole * 100.0 : 0.0;
}

static void
s_read_mem (sys_sampler_t *self, sys_sample_t *sample)
{
    if (self->meminfo_fd < 0)
        return;
    ssize_t n = pread (self->meminfo_fd, self->buf, self->buf_size - 1, 0);
    if (n <= 0)
        return;
    self->buf[n] = '\0';
    enum { TOTAL, FREE, BUFFERS, CACHED, RECLAIMABLE, AVAILABLE, SWAP_TOTAL, SWAP_FREE, FIELDS };
    proc_text_field_t f[FIELDS] = {
        [TOTAL] = PROC_TEXT_FIELD ("MemTotal:"),
        [FREE] = PROC_TEXT_FIELD ("MemFree:"),
        [BUFFERS] = PROC_TEXT_FIELD ("Buffers:"),
        [CACHED] = PROC_TEXT_FIELD ("Cached:"),
        [RECLAIMABLE] = PROC_TEXT_FIELD ("SReclaimable:"),
        [AVAILABLE] = PROC_TEXT_FIELD ("MemAvailable:"),
        [SWAP_TOTAL] = PROC_TEXT_FIELD ("SwapTotal:"),
        [SWAP_FREE] = PROC_TEXT_FIELD ("SwapFree:"),
    };
    proc_text_scan (self->buf, f, FIELDS);
    if (!f[TOTAL].found || !f[FREE].found)
        return;
    //  meminfo counts kB.
    uint64_t total = f[TOTAL].value * 1024, free_ = f[FREE].value * 1024;
    uint64_t buffers = f[BUFFERS].value * 1024;
    uint64_t cached = (f[CACHED].value + f[RECLAIMABLE].value) * 1024;
    uint64_t avail = f[AVAILABLE].found ? f[AVAILABLE].value * 1024 : free_ + buffers + cached;
    if (avail > total)
        avail = free_;
    uint64_t used =
        free_ + buffers + cached <= total ? total - free_ - buffers - cached : total - free_;
    uint64_t swap_total = f[SWAP_TOTAL].value * 1024, swap_free = f[SWAP_FREE].value * 1024;
    sample->mem_total = total;
    sample->mem_available = avail;
    sample->mem_used = used;
    sample->mem_percent = s_ratio (total - avail, total);
    sample->swap_total = swap_total;
    sample->swap_used = swap_total > swap_free ? swap_total - swap_free : 0;
    sample->swap_percent = s_ratio (sample->swap_used, swap_total);
    sample->have |= SYS_HAVE_MEM;
}

//  Parses "0.49 0.37 0.16 ..." from /proc/loadavg (two decimals each).
static void
s_read_load (sys_sampler_t *self, sys_sample_t *sample)
{
    char buf[128];
    if (self->loadavg_fd < 0)
        return;
    ssize_t n = pread (self->loadavg_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return;
    buf[n] = '\0';
    const char *p = buf;
    for (int i = 0; i < 3; i++) {
        uint64_t whole = proc_text_u64 (&p);
        uint64_t frac = 0, scale = 1;
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9') {
                frac = frac * 10 + (uint64_t) (*p++ - '0');
                scale *= 10;
            }
        }
        sample->load[i] = (double) whole + (double) frac / (double) scale;
    }
    sample->have |= SYS_HAVE_LOAD;
}

int
sys_sampler_read (sys_sampler_t *self, sys_sample_t *sample)
{
    sample->have = 0;
    sample->ncpu = 0;
    sample->cpu_percent = 0.0;
    s_read_cpu (self, sample);
    s_read_mem (self, sample);
    s_read_load (self, sample);
    return 0;
}
