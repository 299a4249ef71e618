#!/usr/bin/env python3
"""bench_psutil.py: the same sample as zapm's, taken with psutil, in CPU µs.

Computes what a full zapm sample carries (process metrics, system CPU and
per-CPU, load, memory, swap, custom metrics, ISO timestamp) with psutil and
json.dumps, the way a Python agent like the book's would, and the
process-only part alone. CPU time from time.process_time().

Usage: /usr/bin/python3 bench_psutil.py [N]
"""
import json
import os
import socket
import sys
import time
from datetime import datetime, timezone

import psutil

#  The protocol's keys are spelled once, in common/wire.h; tests/agent reads them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "agent"))
from wire_keys import K  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
proc = psutil.Process()
host = socket.gethostname()
custom = {"requests": 12345, "queue_depth": 3.5}


def proc_part():
    with proc.oneshot():
        mem = proc.memory_info()
        times = proc.cpu_times()
        io = proc.io_counters()
        return {
            K.CPU_PERCENT: proc.cpu_percent(None),
            K.CPU_USER: times.user,
            K.CPU_SYSTEM: times.system,
            K.RSS: mem.rss,
            K.VMS: mem.vms,
            K.NUM_THREADS: proc.num_threads(),
            K.NUM_FDS: proc.num_fds(),
            K.NUM_CTX_SWITCHES: sum(proc.num_ctx_switches()),
            K.IO_READ_BYTES: io.read_bytes,
            K.IO_WRITE_BYTES: io.write_bytes,
        }


def full_sample(seq):
    p = proc_part()
    vm = psutil.virtual_memory()
    sw = psutil.swap_memory()
    sample = {
        K.VERSION: 1, K.AGENT: "bench", K.HOST: host, K.PID: os.getpid(), K.COLOR: "royalblue",
        K.TIMESTAMP: datetime.now(timezone.utc).isoformat(),
        K.CPU: p[K.CPU_PERCENT], K.MEM: p[K.RSS] / 1048576, K.SEQ: seq, K.INTERVAL: 1.0,
        K.PROC: p,
        K.SYS: {
            K.CPU_PERCENT: psutil.cpu_percent(None),
            K.PERCPU: psutil.cpu_percent(None, percpu=True),
            K.LOAD: list(psutil.getloadavg()),
            K.SYS_MEM: {K.TOTAL: vm.total, K.AVAILABLE: vm.available, K.USED: vm.used,
                        K.PERCENT: vm.percent},
            K.SYS_SWAP: {K.TOTAL: sw.total, K.USED: sw.used, K.PERCENT: sw.percent},
        },
        K.CUSTOM: custom,
    }
    return json.dumps(sample)


full_sample(0)
start = time.process_time()
for i in range(N):
    proc_part()
proc_us = (time.process_time() - start) / N * 1e6
start = time.process_time()
for i in range(N):
    frame = full_sample(i)
full_us = (time.process_time() - start) / N * 1e6
print("psutil_version=%s\npsutil_samples=%d\npsutil_proc_only_us=%.1f\npsutil_full_us=%.1f\n"
      "psutil_frame_bytes=%d" % (psutil.__version__, N, proc_us, full_us, len(frame)))
