/*  sys_sampler.h: reads the host's CPU, memory and load from /proc, psutil's way.

    Like proc_sampler, it keeps /proc/stat, /proc/meminfo and /proc/loadavg
    open and re-reads them with pread. CPU percentages are deltas between
    consecutive reads, so the first read reports 0.0.
*/
#ifndef ZAPM_SYS_SAMPLER_H
#define ZAPM_SYS_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Most CPUs reported in `percpu`; a frame stays far below the 64 KiB limit.
#define SYS_SAMPLER_MAX_CPUS 1024

//  Bits of sys_sample_t.have.
#define SYS_HAVE_CPU  0x01 //  cpu_percent, percpu
#define SYS_HAVE_LOAD 0x02 //  load
#define SYS_HAVE_MEM  0x04 //  mem_*, swap_*

//  One system sample. Fields named as in psutil; see docs/FIELDS.md.
typedef struct {
    double cpu_percent;                  //  busy share of all CPUs, 0..100
    size_t ncpu;                         //  entries used in percpu
    double percpu[SYS_SAMPLER_MAX_CPUS]; //  busy share of each CPU, 0..100
    double load[3];                      //  load average over 1, 5, 15 minutes
    uint64_t mem_total;                  //  bytes (MemTotal)
    uint64_t mem_available;              //  bytes (MemAvailable)
    uint64_t mem_used;                   //  bytes, total - free - buffers - cached
    double mem_percent;                  //  (total - available) / total × 100
    uint64_t swap_total;                 //  bytes (SwapTotal)
    uint64_t swap_used;                  //  bytes, SwapTotal - SwapFree
    double swap_percent;                 //  used / total × 100, 0 without swap
    unsigned have;                       //  SYS_HAVE_* bits
} sys_sample_t;

typedef struct _sys_sampler_t sys_sampler_t;

//  Opens the system /proc files. Returns NULL if /proc/stat cannot be read.
sys_sampler_t *sys_sampler_new (void);

//  Closes the files and frees the sampler; sets *self_p to NULL.
void sys_sampler_destroy (sys_sampler_t **self_p);

//  Reads a sample into *sample. Parts that cannot be read are left out of
//  sample->have. Returns 0.
int sys_sampler_read (sys_sampler_t *self, sys_sample_t *sample);

#endif
