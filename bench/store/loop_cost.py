#!/usr/bin/env python3
"""loop_cost.py: what the store costs the collector's loop (issue 11's first benchmark).

Runs a real zapm-collector fed by zapm-fleetgen: AGENTS simulated agents (10,000
distinct series), one sample a second each, every sample carrying the metrics of
a real zapm-agent --system frame (recorded first, or --frames FILE). The
collector runs with its store on (a fresh file) and with --store none,
interleaved (store, none, store, none, ...: --rounds pairs), each run for
--warmup seconds (the series appear) and then --seconds measured. Over the
measured interval it reads each thread's CPU (utime + stime from
/proc/PID/task/TID/stat): the loop (the main thread), the store's writer
thread (`zapm-store`), and the rest; and the samples received (/metrics).

Prints one line per run, then the ratio of the loop's CPU per sample with the
store on to that with --store none (the issue's goal: <= 1.10), and the
writer thread's CPU per sample. CPU time on a shared machine varies by 10 to
20 % between runs, so --callgrind also counts the loop thread's instructions
(valgrind --tool=callgrind --separate-threads=yes) at --callgrind-agents
agents, store on and none, for two fleet durations; the difference between the
durations divided by the difference in samples is the loop's instructions per
sample, start-up and shutdown cancelled. Not a ctest test. Needs Debian's python3 with
python3-zmq (scripts/setup.sh), and a RelWithDebInfo build:

  /usr/bin/python3 bench/store/loop_cost.py --build build-bench
  /usr/bin/python3 bench/store/loop_cost.py --build build-bench --rounds 0 --callgrind
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record_frames  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
METRIC_ROOTS = ("cpu", "mem", "proc", "sys", "custom")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def threads(pid):
    """CPU seconds of each thread of pid, by name: {tid: (name, seconds)}."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        out[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def received(port):
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read()
    m = re.search(rb"^zapm_samples_received_total(?:\{[^}]*\})?\s+(\S+)$", body, re.M)
    return float(m.group(1))


def bodies(frames, out):
    """The metric members of each recorded frame, without braces, one a line."""
    with open(frames) as f, open(out, "w") as o:
        for line in f:
            sample = json.loads(line)
            kept = {k: sample[k] for k in METRIC_ROOTS if k in sample}
            o.write(json.dumps(kept, separators=(",", ":"))[1:-1] + "\n")
    with open(out) as f:
        first = json.loads("{" + f.readline() + "}")
    return first


def numbers(obj):
    if isinstance(obj, bool):
        return 0
    if isinstance(obj, (int, float)):
        return 1
    if isinstance(obj, dict):
        return sum(numbers(v) for v in obj.values())
    if isinstance(obj, list):
        return sum(numbers(v) for v in obj)
    return 0


def start(args, store_path, log_path, prefix=(), seconds=10):
    """A zapm-collector (under `prefix`, e.g. valgrind) on fresh loopback ports, up
    within `seconds`: (process, zmq port, http port, log file)."""
    zmq_port, http_port = free_port(), free_port()
    argv = list(prefix) + [
        args.collector or os.path.join(args.build, "bin", "zapm-collector"),
        "--bind", "tcp://127.0.0.1:%d" % zmq_port, "--http", "127.0.0.1:%d" % http_port,
        "--max-series", str(args.agents + 100), "--store", store_path or "none"]
    log = open(log_path, "w")
    col = subprocess.Popen(argv, stdout=log, stderr=log)
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % http_port, timeout=2)
            return col, zmq_port, http_port, log
        except OSError:
            if time.monotonic() > deadline or col.poll() is not None:
                stop(col, log)
                raise SystemExit("the collector did not start: see %s" % log_path)
            time.sleep(0.1)


def stop(col, log):
    col.send_signal(signal.SIGTERM)
    try:
        col.wait(120)
    except subprocess.TimeoutExpired:
        col.kill()
    log.close()


def run(args, store, work, bodies_file, index):
    db = os.path.join(work, "run%d.db" % index)
    col, zmq_port, http_port, log = start(args, db if store else None,
                                          os.path.join(work, "run%d.log" % index))
    gen = None
    try:
        duration = args.warmup + args.seconds + 3
        gen = subprocess.Popen([os.path.join(args.build, "bin", "zapm-fleetgen"),
                                "--endpoints", "tcp://127.0.0.1:%d" % zmq_port,
                                "--agents", str(args.agents), "--sockets", str(args.sockets),
                                "--duration", str(duration), "--bodies", bodies_file],
                               stdout=subprocess.PIPE, text=True)
        time.sleep(args.warmup)
        t0, n0, c0 = time.monotonic(), received(http_port), threads(col.pid)
        time.sleep(args.seconds)
        t1, n1, c1 = time.monotonic(), received(http_port), threads(col.pid)
        gen_out = gen.communicate(timeout=duration + 60)[0]
    finally:
        if gen and gen.poll() is None:
            gen.kill()
        stop(col, log)
    samples = n1 - n0
    cpu = {}
    for tid, (name, seconds) in c1.items():
        role = "loop" if tid == col.pid else "writer" if name == "zapm-store" else "other"
        cpu[role] = cpu.get(role, 0.0) + seconds - c0.get(tid, (name, 0.0))[1]
    gen_stats = dict(kv.split("=") for kv in gen_out.split())
    return {
        "store": "on" if store else "none",
        "samples": int(samples),
        "rate": round(samples / (t1 - t0), 1),
        "blocked": int(gen_stats.get("blocked", -1)),
        "loop_cpu_s": round(cpu.get("loop", 0.0), 2),
        "loop_us_per_sample": round(cpu.get("loop", 0.0) / max(samples, 1) * 1e6, 3),
        "writer_cpu_s": round(cpu.get("writer", 0.0), 2),
        "writer_us_per_sample": round(cpu.get("writer", 0.0) / max(samples, 1) * 1e6, 3),
        "other_cpu_s": round(cpu.get("other", 0.0), 2),
        "db_mib": round(sum(os.path.getsize(p) for p in (db, db + "-wal")
                            if os.path.exists(p)) / 2**20, 1) if store else 0,
    }


def callgrind_run(args, store, work, bodies_file, seconds, tag):
    """Loop-thread instructions and samples received of one collector run under callgrind."""
    out = os.path.join(work, "cg-%s" % tag)
    os.makedirs(out)
    prefix = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
              "--callgrind-out-file=%s/cg.out" % out]
    col, zmq_port, http_port, log = start(args, os.path.join(out, "store.db") if store else None,
                                          os.path.join(out, "log"), prefix, 60)
    try:
        subprocess.run([os.path.join(args.build, "bin", "zapm-fleetgen"),
                        "--endpoints", "tcp://127.0.0.1:%d" % zmq_port,
                        "--agents", str(args.callgrind_agents), "--sockets", "2",
                        "--duration", str(seconds), "--bodies", bodies_file],
                       stdout=subprocess.DEVNULL, check=True, timeout=seconds + 120)
        time.sleep(2)
        samples = received(http_port)
    finally:
        stop(col, log)
    # One file per thread: cg.out-01 is the main thread, the loop.
    with open(os.path.join(out, "cg.out-01")) as f:
        m = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
    return int(m.group(1)), samples


def callgrind(args, work, bodies_file):
    short, long_ = args.callgrind_seconds
    per = {}
    for store in (True, False):
        i0, n0 = callgrind_run(args, store, work, bodies_file, short, "%d-%d" % (store, short))
        i1, n1 = callgrind_run(args, store, work, bodies_file, long_, "%d-%d" % (store, long_))
        per[store] = (i1 - i0) / (n1 - n0)
        print("callgrind: store %s: loop thread %d instructions for %d samples (%d s), %d for %d"
              " (%d s): %.0f instructions a sample"
              % ("on" if store else "none", i0, n0, short, i1, n1, long_, per[store]), flush=True)
    print("callgrind: loop instructions per sample, store on / --store none: %.0f / %.0f = %.3f"
          % (per[True], per[False], per[True] / per[False]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="build directory (RelWithDebInfo)")
    ap.add_argument("--agents", type=int, default=10000, help="series, one sample a second each")
    ap.add_argument("--sockets", type=int, default=10, help="fleetgen sockets")
    ap.add_argument("--warmup", type=int, default=15, help="seconds before measuring")
    ap.add_argument("--seconds", type=int, default=30, help="seconds measured per run")
    ap.add_argument("--rounds", type=int, default=2, help="pairs of runs (store on, none)")
    ap.add_argument("--frames", help="recorded frames (default: record 300 now)")
    ap.add_argument("--collector", help="another zapm-collector binary to measure (e.g. an older"
                    " build; its writer thread counts as 'other' if it has no thread names)")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count the loop's instructions per sample under callgrind")
    ap.add_argument("--callgrind-agents", type=int, default=300,
                    help="agents for --callgrind (valgrind is slow)")
    ap.add_argument("--callgrind-seconds", type=int, nargs=2, default=[10, 30],
                    help="the two fleet durations for --callgrind")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="zapm-loop-cost-") as work:
        frames = args.frames
        if not frames:
            frames = os.path.join(work, "frames.jsonl")
            record_frames.record(os.path.join(args.build, "bin", "zapm-agent"), 300, frames)
        first = bodies(frames, os.path.join(work, "bodies.txt"))
        print("%d agents x 1 Hz, %d numbers a sample (zapm-agent --system), %d s warm-up, "
              "%d s measured, %d rounds; load %s" %
              (args.agents, numbers(first), args.warmup, args.seconds, args.rounds,
               " ".join(open("/proc/loadavg").read().split()[:3])), flush=True)
        rows = []
        for i in range(2 * args.rounds):
            row = run(args, i % 2 == 0, work, os.path.join(work, "bodies.txt"), i)
            rows.append(row)
            print(json.dumps(row), flush=True)
        if args.callgrind:
            callgrind(args, work, os.path.join(work, "bodies.txt"))
    if not rows:
        return 0
    on = [r for r in rows if r["store"] == "on"]
    none = [r for r in rows if r["store"] == "none"]

    def per_sample(rs, key):
        return sum(r[key] for r in rs) / max(sum(r["samples"] for r in rs), 1) * 1e6

    loop_on, loop_none = per_sample(on, "loop_cpu_s"), per_sample(none, "loop_cpu_s")
    print("loop CPU per sample: store on %.3f us, --store none %.3f us: ratio %.3f (goal <= 1.10)"
          % (loop_on, loop_none, loop_on / loop_none))
    print("pairwise ratios: %s" % ", ".join("%.3f" % (a["loop_us_per_sample"] /
                                                      b["loop_us_per_sample"])
                                            for a, b in zip(on, none)))
    print("writer thread CPU per sample (store on): %.3f us (goal <= 2)"
          % per_sample(on, "writer_cpu_s"))


if __name__ == "__main__":
    sys.exit(main())
