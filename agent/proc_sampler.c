/*  proc_sampler.c: reads one process's metrics from /proc, psutil's way.

    Where the numbers come from (psutil 5.9 reads the same values):
    - stat:   utime, stime (clock ticks) and the state (a zombie has ended).
              For the calling process itself getrusage (RUSAGE_SELF) gives
              the same times (the kernel computes both with
              thread_group_cputime_adjusted) in µs, in one syscall that does
              not format a page of text: ~1.5 µs less per sample.
    - status: Threads, VmSize and VmRSS (kB) for vms and rss, VmSwap,
              voluntary_ctxt_switches, nonvoluntary_ctxt_switches.
              psutil reads rss and vms from statm; status prints the same
              page counts in kB, and status has to be read anyway, which
              saves a syscall (about 1.5 µs here). stat has rss and vsize
              too, but on recent kernels (6.x) stat reads the per-CPU RSS
              counters approximately (up to 32 pages per CPU off) while
              statm and status sum them exactly.
    - io:     read_bytes, write_bytes (needs ptrace rights on other processes).
    - fd:     the directory's st_size is its number of entries on Linux 6.2
              and later, one fstat; older kernels report 0, then we count.
    - smaps_rollup (opt-in): Private_* summed for uss, Pss.

    Parsing is by hand over the bytes just read, with no allocation: this is
    the hot path of every sample.
*/
#include "proc_sampler.h"
#include "clock.h"
#include "proc_text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

struct _proc_sampler_t {
    pid_t pid;            //  process being sampled
    bool self;            //  pid is the calling process: CPU times by getrusage
    int stat_fd;          //  /proc/<pid>/stat, -1 for the process itself
    int status_fd;        //  /proc/<pid>/status
    int io_fd;            //  /proc/<pid>/io, -1 if unreadable
    int fd_dir;           //  /proc/<pid>/fd, -1 if unreadable
    int smaps_fd;         //  /proc/<pid>/smaps_rollup, -1 unless opted in
    double tick;          //  seconds per clock tick (1 / sysconf (_SC_CLK_TCK))
    uint64_t page_size;   //  bytes per page
    bool primed;          //  a previous read set last_cpu_ns and last_mono
    uint64_t last_cpu_ns; //  user + system CPU time at the previous read
    int64_t last_mono_ns; //  monotonic time of the previous read
};

//  Opens /proc/<pid>/<name> with flags; returns the fd or -1.
static int
s_open (pid_t pid, const char *name, int flags)
{
    char path[64];
    snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, name);
    return open (path, flags | O_CLOEXEC);
}

static void
s_close (int *fd)
{
    if (*fd >= 0)
        close (*fd);
    *fd = -1;
}

//  Reads the whole (small) file at offset 0 into buf, NUL-terminated.
//  Returns the length or -1 with errno set.
static ssize_t
s_pread (int fd, char *buf, size_t size)
{
    ssize_t n = pread (fd, buf, size - 1, 0);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

proc_sampler_t *
proc_sampler_new (pid_t pid, bool smaps)
{
    if (pid < 0) {
        errno = EINVAL;
        return NULL;
    }
    proc_sampler_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->io_fd = self->fd_dir = self->smaps_fd = -1; //  none opened yet
    self->pid = pid ? pid : getpid ();
    self->self = self->pid == getpid ();
    //  The process itself needs no stat: getrusage gives its CPU times.
    self->stat_fd = self->self ? -1 : s_open (self->pid, "stat", O_RDONLY);
    self->status_fd = s_open (self->pid, "status", O_RDONLY);
    if ((!self->self && self->stat_fd < 0) || self->status_fd < 0) {
        proc_sampler_destroy (&self);
        errno = ESRCH;
        return NULL;
    }
    self->io_fd = s_open (self->pid, "io", O_RDONLY);
    self->fd_dir = s_open (self->pid, "fd", O_RDONLY | O_DIRECTORY);
    self->smaps_fd = smaps ? s_open (self->pid, "smaps_rollup", O_RDONLY) : -1;
    long hz = sysconf (_SC_CLK_TCK);
    self->tick = 1.0 / (double) (hz > 0 ? hz : 100);
    long page = sysconf (_SC_PAGESIZE);
    self->page_size = (uint64_t) (page > 0 ? page : 4096);
    return self;
}

void
proc_sampler_destroy (proc_sampler_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    proc_sampler_t *self = *self_p;
    s_close (&self->stat_fd);
    s_close (&self->status_fd);
    s_close (&self->io_fd);
    s_close (&self->fd_dir);
    s_close (&self->smaps_fd);
    free (self);
    *self_p = NULL;
}

pid_t
proc_sampler_pid (proc_sampler_t *self)
{
    return self->pid;
}

//  Counts the entries of the fd directory: one fstat on Linux 6.2+, else a
//  getdents walk (the directory is re-read from offset 0 every time).
static bool
s_count_fds (proc_sampler_t *self, uint64_t *count)
{
    struct stat st;
    if (fstat (self->fd_dir, &st) < 0)
        return false;
    if (st.st_size > 0) {
        *count = (uint64_t) st.st_size;
        return true;
    }
    int fd = dup (self->fd_dir);
    if (fd < 0)
        return false;
    DIR *dir = fdopendir (fd);
    if (!dir) {
        close (fd);
        return false;
    }
    rewinddir (dir);
    uint64_t n = 0;
    struct dirent *entry;
    while ((entry = readdir (dir)) != NULL)
        if (entry->d_name[0] != '.')
            n++;
    closedir (dir);
    *count = n;
    return true;
}

//  Reads the CPU times into sample and *cpu_ns (user + system). Another
//  process: /proc/<pid>/stat, whose command name may hold spaces and
//  parentheses, so fields are counted from the last ')'. Returns -1 with
//  errno ESRCH once the process has ended, zombie included.
static int
s_read_times (proc_sampler_t *self, proc_sample_t *sample, uint64_t *cpu_ns)
{
    if (self->self) {
        struct rusage usage;
        if (getrusage (RUSAGE_SELF, &usage) < 0)
            return -1;
        uint64_t user =
            (uint64_t) usage.ru_utime.tv_sec * 1000000 + (uint64_t) usage.ru_utime.tv_usec;
        uint64_t system =
            (uint64_t) usage.ru_stime.tv_sec * 1000000 + (uint64_t) usage.ru_stime.tv_usec;
        sample->cpu_user = (double) user / 1e6;
        sample->cpu_system = (double) system / 1e6;
        *cpu_ns = (user + system) * 1000;
        return 0;
    }
    char buf[1024];
    if (s_pread (self->stat_fd, buf, sizeof buf) < 0)
        return -1;
    const char *p = strrchr (buf, ')');
    if (!p || p[1] != ' ') {
        errno = EIO;
        return -1;
    }
    p += 2;
    char state = *p;
    if (state == 'Z' || state == 'X' || state == 'x') {
        errno = ESRCH;
        return -1;
    }
    //  p is at field 3 (state); walk to fields 14 and 15.
    uint64_t utime = 0, stime = 0;
    int field = 3;
    while (*p && field < 15) {
        while (*p && *p != ' ')
            p++;
        if (*p == ' ')
            p++;
        field++;
        if (field == 14)
            utime = proc_text_u64 (&p);
        else if (field == 15)
            stime = proc_text_u64 (&p);
    }
    if (field < 15) {
        errno = EIO;
        return -1;
    }
    sample->cpu_user = (double) utime * self->tick;
    sample->cpu_system = (double) stime * self->tick;
    *cpu_ns = (uint64_t) ((double) (utime + stime) * self->tick * 1e9 + 0.5);
    return 0;
}

//  Parses /proc/<pid>/status in one pass. The memory lines are missing for
//  kernel threads (no mm): then rss and vms are 0, as psutil reports them.
static int
s_read_status (proc_sampler_t *self, proc_sample_t *sample)
{
    char buf[4096];
    if (s_pread (self->status_fd, buf, sizeof buf) < 0)
        return -1;
    enum { THREADS, VMS, RSS, SWAP, VOLUNTARY, INVOLUNTARY, FIELDS };
    proc_text_field_t f[FIELDS] = {
        [THREADS] = PROC_TEXT_FIELD ("Threads:"),
        [VMS] = PROC_TEXT_FIELD ("VmSize:"),
        [RSS] = PROC_TEXT_FIELD ("VmRSS:"),
        [SWAP] = PROC_TEXT_FIELD ("VmSwap:"),
        [VOLUNTARY] = PROC_TEXT_FIELD ("voluntary_ctxt_switches:"),
        [INVOLUNTARY] = PROC_TEXT_FIELD ("nonvoluntary_ctxt_switches:"),
    };
    proc_text_scan (buf, f, FIELDS);
    sample->num_threads = f[THREADS].value;
    sample->vms = f[VMS].value * 1024;
    sample->rss = f[RSS].value * 1024;
    if (f[SWAP].found) {
        sample->swap = f[SWAP].value * 1024;
        sample->have |= PROC_HAVE_SWAP;
    }
    if (f[VOLUNTARY].found && f[INVOLUNTARY].found) {
        sample->num_ctx_switches = f[VOLUNTARY].value + f[INVOLUNTARY].value;
        sample->have |= PROC_HAVE_STATUS;
    }
    return 0;
}

static void
s_read_io (proc_sampler_t *self, proc_sample_t *sample)
{
    char buf[512];
    if (self->io_fd < 0 || s_pread (self->io_fd, buf, sizeof buf) < 0)
        return;
    proc_text_field_t f[2] = {PROC_TEXT_FIELD ("read_bytes:"), PROC_TEXT_FIELD ("write_bytes:")};
    if (proc_text_scan (buf, f, 2) == 2) {
        sample->io_read_bytes = f[0].value;
        sample->io_write_bytes = f[1].value;
        sample->have |= PROC_HAVE_IO;
    }
}

//  smaps_rollup: psutil sums every "Private_*" line (Private_Clean,
//  Private_Dirty, Private_Hugetlb) for uss.
static void
s_read_smaps (proc_sampler_t *self, proc_sample_t *sample)
{
    char buf[2048];
    if (self->smaps_fd < 0 || s_pread (self->smaps_fd, buf, sizeof buf) < 0)
        return;
    proc_text_field_t f[4] = {PROC_TEXT_FIELD ("Pss:"), PROC_TEXT_FIELD ("Private_Clean:"),
                              PROC_TEXT_FIELD ("Private_Dirty:"),
                              PROC_TEXT_FIELD ("Private_Hugetlb:")};
    proc_text_scan (buf, f, 4);
    if (!f[0].found)
        return;
    sample->pss = f[0].value * 1024;
    sample->uss = (f[1].value + f[2].value + f[3].value) * 1024;
    sample->have |= PROC_HAVE_SMAPS;
}

int
proc_sampler_read (proc_sampler_t *self, proc_sample_t *sample)
{
    memset (sample, 0, sizeof *sample);
    uint64_t cpu_ns = 0;
    if (s_read_times (self, sample, &cpu_ns) < 0 || s_read_status (self, sample) < 0)
        return -1;
    int64_t now = clock_mono_ns ();
    if (self->primed && now > self->last_mono_ns && cpu_ns >= self->last_cpu_ns)
        sample->cpu_percent =
            (double) (cpu_ns - self->last_cpu_ns) / (double) (now - self->last_mono_ns) * 100.0;
    self->primed = true;
    self->last_cpu_ns = cpu_ns;
    self->last_mono_ns = now;

    if (self->fd_dir >= 0 && s_count_fds (self, &sample->num_fds))
        sample->have |= PROC_HAVE_FDS;
    s_read_io (self, sample);
    s_read_smaps (self, sample);
    return 0;
}
