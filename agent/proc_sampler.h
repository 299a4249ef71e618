/*  proc_sampler.h: reads one process's metrics from /proc, psutil's way.

    The sampler opens /proc/<pid>/stat, status, io and fd once and re-reads
    them with pread on every sample: a pread costs about a third of an
    open+read+close. An open file also pins the process: once it has ended,
    reads fail with ESRCH, so a recycled pid is never mistaken for it.
*/
#ifndef ZAPM_PROC_SAMPLER_H
#define ZAPM_PROC_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

//  Bits of proc_sample_t.have: which optional fields were read this time.
#define PROC_HAVE_STATUS 0x01 //  swap, num_ctx_switches
#define PROC_HAVE_SWAP   0x02 //  swap (absent for kernel threads)
#define PROC_HAVE_FDS    0x04 //  num_fds
#define PROC_HAVE_IO     0x08 //  io_read_bytes, io_write_bytes
#define PROC_HAVE_SMAPS  0x10 //  uss, pss

//  One process sample. Fields named as in psutil; see docs/FIELDS.md.
typedef struct {
    double cpu_percent;   //  Δ(utime+stime) / Δwall × 100; 0.0 on the first read
    double cpu_user;      //  user CPU seconds since the process started (ticks, or µs for self)
    double cpu_system;    //  system CPU seconds since the process started
    uint64_t rss;         //  resident set size, bytes
    uint64_t vms;         //  virtual memory size, bytes
    uint64_t swap;        //  swapped out, bytes (VmSwap)
    uint64_t uss;         //  unique set size, bytes (smaps_rollup Private_*)
    uint64_t pss;         //  proportional set size, bytes
    uint64_t num_threads; //  threads in the process
    uint64_t num_fds;     //  open file descriptors
    uint64_t num_ctx_switches; //  voluntary + involuntary, main thread (as psutil)
    uint64_t io_read_bytes;    //  bytes read from storage (io read_bytes)
    uint64_t io_write_bytes;   //  bytes written to storage (io write_bytes)
    unsigned have;             //  PROC_HAVE_* bits for the optional fields
} proc_sample_t;

typedef struct _proc_sampler_t proc_sampler_t;

//  Opens the /proc files of process `pid` (0: the calling process). With
//  `smaps` it also reads smaps_rollup for uss and pss. Files that cannot be
//  opened (another user's io or fd) are left out of every sample. Returns
//  NULL with errno ESRCH if the process does not exist.
proc_sampler_t *proc_sampler_new (pid_t pid, bool smaps);

//  Closes the files and frees the sampler; sets *self_p to NULL.
void proc_sampler_destroy (proc_sampler_t **self_p);

//  Returns the pid being sampled (the real pid when created with 0).
pid_t proc_sampler_pid (proc_sampler_t *self);

//  Reads a sample into *sample. Returns 0, or -1 with errno ESRCH once the
//  process has ended (a zombie counts as ended).
int proc_sampler_read (proc_sampler_t *self, proc_sample_t *sample);

#endif
