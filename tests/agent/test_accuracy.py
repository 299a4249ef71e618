#!/usr/bin/env python3
"""test_accuracy.py: zapm-agent's numbers against psutil's, same pid, same moment.

Runs the real zapm-agent against a SUB socket here and, as each sample
arrives, asks Debian's psutil (python3-psutil, run with /usr/bin/python3)
about the same process and the same host:
- an idle process: rss, vms, num_threads, num_fds, num_ctx_switches, and
  with --smaps swap, exact; uss and pss within 64 KiB (they move whenever
  another process maps or unmaps a shared library);
  cpu_user and cpu_system within one clock tick;
- a busy child: cpu_percent within 10 points over the same window (psutil's
  window runs from one sample's arrival to the next);
- the host: mem.total and swap.total exact, mem.percent and cpu_percent
  within 2 points, one percpu entry per CPU.

Usage: test_accuracy.py ZAPM_AGENT
"""
import json
import subprocess
import sys
import time

import psutil
import zmq

from wire_keys import K

AGENT = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def watch(pid, interval, count, on_sample, extra=()):
    """Runs zapm-agent on pid and calls on_sample(sample) as each arrives."""
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    port = sub.bind_to_random_port("tcp://127.0.0.1")
    agent = subprocess.Popen([AGENT, "--connect", "tcp://127.0.0.1:%d" % port, "--pid", str(pid),
                              "--interval", str(interval), "--count", str(count)] + list(extra))
    received, deadline = 0, time.monotonic() + count * interval + 10
    while received < count and time.monotonic() < deadline:
        if sub.poll(100):
            on_sample(json.loads(sub.recv()))
            received += 1
    check(agent.wait(timeout=5) == 0, "zapm-agent exit status")
    check(received == count, "received %d of %d samples" % (received, count))
    sub.close()


# 1. An idle process: memory, threads, fds, switches exact.
idle = subprocess.Popen(["sleep", "60"])
time.sleep(0.2)
proc = psutil.Process(idle.pid)
tick = 1.0 / 100  # USER_HZ: cpu times are whole clock ticks


def on_idle(sample):
    p = sample[K.PROC]
    mem = proc.memory_info()
    times = proc.cpu_times()
    for key, want in ((K.RSS, mem.rss), (K.VMS, mem.vms), (K.NUM_THREADS, proc.num_threads()),
                      (K.NUM_FDS, proc.num_fds()),
                      (K.NUM_CTX_SWITCHES, sum(proc.num_ctx_switches()))):
        check(p[key] == want, "idle %s: zapm %s, psutil %s" % (key, p[key], want))
    check(abs(p[K.CPU_USER] - times.user) <= tick + 1e-9, "cpu_user %s vs %s" % (p[K.CPU_USER], times.user))
    check(abs(p[K.CPU_SYSTEM] - times.system) <= tick + 1e-9,
          "cpu_system %s vs %s" % (p[K.CPU_SYSTEM], times.system))
    #  Printed to 6 decimals; ties round up (Python's round() goes to even).
    check(abs(sample[K.MEM] - mem.rss / 1048576) <= 0.5e-6 + 1e-12,
          "mem MiB %s vs %s" % (sample[K.MEM], mem.rss / 1048576))
    full = proc.memory_full_info()  # smaps_rollup, as --smaps reads it
    check(p[K.SWAP_BYTES] == full.swap, "idle swap: zapm %s, psutil %s" % (p[K.SWAP_BYTES], full.swap))
    #  USS and PSS depend on who else maps each page (a shared libc page turns
    #  private when the last other process using it exits): they move with the
    #  rest of the machine between the two reads, so close, not equal.
    for key, want in ((K.USS, full.uss), (K.PSS, full.pss)):
        check(abs(p[key] - want) <= 64 * 1024, "idle %s: zapm %s, psutil %s" % (key, p[key], want))
    io = proc.io_counters()
    check(p[K.IO_READ_BYTES] == io.read_bytes and p[K.IO_WRITE_BYTES] == io.write_bytes,
          "io %s/%s vs %s" % (p[K.IO_READ_BYTES], p[K.IO_WRITE_BYTES], io))


watch(idle.pid, 0.2, 5, on_idle, extra=["--smaps"])
idle.kill()
idle.wait()

# 2. A busy child with system metrics: cpu percentages over the same windows.
busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
time.sleep(0.3)
proc = psutil.Process(busy.pid)
pairs = []


def on_busy(sample):
    #  psutil's windows: from the previous arrival to this one.
    pairs.append((sample, proc.cpu_percent(None), psutil.cpu_percent(None)))
    s = sample[K.SYS]
    vm, sw = psutil.virtual_memory(), psutil.swap_memory()
    check(s[K.SYS_MEM][K.TOTAL] == vm.total, "mem.total %s vs %s" % (s[K.SYS_MEM][K.TOTAL], vm.total))
    check(abs(s[K.SYS_MEM][K.PERCENT] - vm.percent) <= 2, "mem.percent %s vs %s" % (s[K.SYS_MEM][K.PERCENT], vm.percent))
    #  Other processes allocate between the two reads: used within 2 % of total.
    check(abs(s[K.SYS_MEM][K.USED] - vm.used) <= 0.02 * vm.total, "mem.used %s vs %s" % (s[K.SYS_MEM][K.USED], vm.used))
    check(s[K.SYS_SWAP][K.TOTAL] == sw.total, "swap.total %s vs %s" % (s[K.SYS_SWAP][K.TOTAL], sw.total))
    check(len(s[K.PERCPU]) == psutil.cpu_count(), "percpu has %d entries" % len(s[K.PERCPU]))
    load = psutil.getloadavg()
    #  The kernel updates the load every 5 s, maybe between the two reads.
    check(all(abs(a - b) <= 0.5 for a, b in zip(s[K.LOAD], load)), "load %s vs %s" % (s[K.LOAD], load))


watch(busy.pid, 1.0, 4, on_busy, extra=["--system"])
busy.kill()
busy.wait()
for (_, _, _), (sample, proc_cpu, sys_cpu) in zip(pairs, pairs[1:]):
    agent_proc, agent_sys = sample[K.PROC][K.CPU_PERCENT], sample[K.SYS][K.CPU_PERCENT]
    print("busy cpu_percent zapm %.1f psutil %.1f; system zapm %.1f psutil %.1f"
          % (agent_proc, proc_cpu, agent_sys, sys_cpu))
    check(abs(agent_proc - proc_cpu) <= 10, "busy cpu_percent %s vs %s" % (agent_proc, proc_cpu))
    check(agent_proc >= 10, "busy child at %s%%" % agent_proc)  # shared cores: not 100
    check(abs(agent_sys - sys_cpu) <= 2, "system cpu_percent %s vs %s" % (agent_sys, sys_cpu))
    check(sample[K.CPU] == agent_proc, "core cpu equals proc.cpu_percent")

if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("test_accuracy: OK")
