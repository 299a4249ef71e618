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
            "cpu_percent": proc.cpu_percent(None),
            "cpu_user": times.user,
            "cpu_system": times.system,
            "rss": mem.rss,
            "vms": mem.vms,
            "num_threads": proc.num_threads(),
            "num_fds": proc.num_fds(),
            "num_ctx_switches": sum(proc.num_ctx_switches()),
            "io_read_bytes": io.read_bytes,
            "io_write_bytes": io.write_bytes,
        }


def full_sample(seq):
    p = proc_part()
    vm = psutil.virtual_memory()
    sw = psutil.swap_memory()
    sample = {
        "v": 1, "agent": "bench", "host": host, "pid": os.getpid(), "color": "royalblue",
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "cpu": p["cpu_percent"], "mem": p["rss"] / 1048576, "seq": seq, "interval": 1.0,
        "proc": p,
        "sys": {
            "cpu_percent": psutil.cpu_percent(None),
            "percpu": psutil.cpu_percent(None, percpu=True),
            "load": list(psutil.getloadavg()),
            "mem": {"total": vm.total, "available": vm.available, "used": vm.used,
                    "percent": vm.percent},
            "swap": {"total": sw.total, "used": sw.used, "percent": sw.percent},
        },
        "custom": custom,
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
