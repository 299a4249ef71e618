#!/usr/bin/python3
"""feed_storm.py: live /feed latency while history queries storm the store (issue 11).

A real zapm-collector on a copy of a store holding 24 h of 100 series (the
store `bench-store query` builds; made with bench/store/run.sh when --store is
not given), zapm-loadgen publishing live samples (carrying their send time),
and zapm-ssesink on /feed measuring each event's latency (receive time minus
send time). First quiet, then while CLIENTS threads each loop the issue's
query (24 h of cpu and mem at 800 points, per series) back to back. Prints
the p50 and p99 of both windows and their ratio (goal: p99 within 2x), the
queries answered and their latency, and the load average.

Usage: bench/store/feed_storm.py [--store STORE.db] [--build DIR] [--clients N]
           [--agents N] [--rate R] [--streams K] [--window S]
Not a ctest test; paste the output into docs/PERFORMANCE.md with the date.
"""

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUERY = "/api/history?seconds=86400&points=800&metric=cpu,mem&group=series"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fields(line):
    """key=value pairs of a zapm-ssesink or zapm-loadgen output line."""
    return dict(item.split("=", 1) for item in line.split() if "=" in item)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_seconds(pid, tid=None):
    """CPU time (user + system) of a process, or of one of its threads."""
    path = "/proc/%d/task/%d/stat" % (pid, tid) if tid else "/proc/%d/stat" % pid
    with open(path) as f:
        stat = f.read().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid, fn):
    """Runs fn(); returns its result and the CPU % of the loop thread (the
    main thread: the collector's loop) and of the whole collector meanwhile."""
    loop0, all0, t0 = cpu_seconds(pid, pid), cpu_seconds(pid), time.monotonic()
    result = fn()
    wall = time.monotonic() - t0
    return result, 100 * (cpu_seconds(pid, pid) - loop0) / wall, 100 * (cpu_seconds(pid) - all0) / wall


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


class Storm:
    """CLIENTS threads, each looping QUERY on its own connection until stopped."""

    def __init__(self, port, clients):
        self.port, self.stop, self.lock = port, threading.Event(), threading.Lock()
        self.latencies, self.bytes, self.statuses = [], 0, {}
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(clients)]

    def loop(self):
        while not self.stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                start = time.monotonic()
                conn.request("GET", QUERY)
                r = conn.getresponse()
                body = r.read()
                with self.lock:
                    self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
                    if r.status == 200:
                        self.latencies.append(time.monotonic() - start)
                        self.bytes += len(body)
                if r.status != 200:
                    time.sleep(1)  # Retry-After: 1
            except OSError as e:
                with self.lock:
                    self.statuses[repr(e)] = self.statuses.get(repr(e), 0) + 1
                time.sleep(0.1)
            finally:
                conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def sink(binary, port, streams, agents, window):
    """One zapm-ssesink run: 3 s warm-up, then `window` seconds measured."""
    out = subprocess.run([binary, "--http", "127.0.0.1:%d" % port, "--clients", str(streams),
                          "--warmup", "3", "--duration", str(window),
                          "--max-agents", str(agents)],
                         capture_output=True, text=True, timeout=window + 60)
    line = [l for l in out.stdout.splitlines() if l.startswith("ssesink:")]
    if not line:
        sys.exit("zapm-ssesink failed: %s" % out.stderr[-500:])
    return fields(line[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", help="a store built by `bench-store query` (default: build one)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory")
    p.add_argument("--clients", type=int, default=4, help="query clients in the storm")
    p.add_argument("--agents", type=int, default=100, help="live agents (zapm-loadgen)")
    p.add_argument("--rate", type=int, default=100, help="live samples per second, all agents")
    p.add_argument("--streams", type=int, default=4, help="/feed streams measured")
    p.add_argument("--window", type=int, default=20, help="seconds measured, quiet and storm")
    args = p.parse_args()
    bin_dir = os.path.join(args.build, "bin")
    subprocess.run(["cmake", "--build", args.build, "-j2", "--target", "zapm-collector",
                    "zapm-loadgen", "zapm-ssesink", "bench-store"], check=True,
                   stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="zapm-feed-storm-")
    procs = []
    try:
        source = args.store
        if not source:
            env = dict(os.environ, BUILD_DIR=args.build, SKIP="codec write startup", KEEP=work)
            subprocess.run([os.path.join(ROOT, "bench/store/run.sh")], env=env, check=True)
            source = os.path.join(work, "query.db")
        store = os.path.join(work, "storm.db")
        for suffix in ("", "-wal"):
            if os.path.exists(source + suffix):
                shutil.copyfile(source + suffix, store + suffix)
        zmq_port, http_port = free_port(), free_port()
        log = open(os.path.join(work, "collector.log"), "w")
        collector = subprocess.Popen(
            [os.path.join(bin_dir, "zapm-collector"), "--bind", "tcp://127.0.0.1:%d" % zmq_port,
             "--http", "127.0.0.1:%d" % http_port, "--store", store,
             "--max-clients-per-address", "0"], stdout=log, stderr=subprocess.STDOUT)
        procs.append(collector)
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("zapm-collector did not come up: %s" % open(log.name).read()[-500:])
        seconds = 2 * (args.window + 3) + 30
        loadgen = subprocess.Popen(
            [os.path.join(bin_dir, "zapm-loadgen"), "--endpoint", "tcp://127.0.0.1:%d" % zmq_port,
             "--agents", str(args.agents), "--rate", str(args.rate), "--duration", str(seconds)],
            stdout=subprocess.PIPE, text=True)
        procs.append(loadgen)
        time.sleep(3)
        ssesink = os.path.join(bin_dir, "zapm-ssesink")
        print("feed_storm: %s UTC, %d cores, load average %s, %d agents at %d samples/s, "
              "%d /feed streams, %d query clients, windows of %d s" %
              (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.cpu_count(), loadavg(),
               args.agents, args.rate, args.streams, args.clients, args.window))
        def run():
            return sink(ssesink, http_port, args.streams, args.agents, args.window)

        report = ("%s: load average %s, events %s, p50 %s ms, p99 %s ms, max %s ms; "
                  "collector CPU %.0f %% (its loop thread %.0f %%)")
        quiet, loop, total = measured(collector.pid, run)
        print(report % ("quiet", loadavg(), quiet["samples"], quiet["lat_p50_ms"],
                        quiet["lat_p99_ms"], quiet["lat_max_ms"], total, loop))
        quiet_loop = loop
        with Storm(http_port, args.clients) as storm:
            time.sleep(1)
            answered, t0 = len(storm.latencies), time.monotonic()
            stormy, loop, total = measured(collector.pid, run)
            answered, wall = len(storm.latencies) - answered, time.monotonic() - t0
            during = loadavg()
        lat = storm.latencies
        print(report % ("storm", during, stormy["samples"], stormy["lat_p50_ms"],
                        stormy["lat_p99_ms"], stormy["lat_max_ms"], total, loop))
        print("storm queries: %d answered (%s), %.1f MB each, latency p50 %.0f ms, p99 %.0f ms;"
              " loop CPU per query about %.1f ms" %
              (len(lat), storm.statuses, storm.bytes / max(1, len(lat)) / 1e6,
               percentile(lat, 0.5) * 1e3, percentile(lat, 0.99) * 1e3,
               (loop - quiet_loop) / 100 * wall / max(1, answered) * 1e3))
        for key in ("lat_p50_ms", "lat_p99_ms"):
            print("ratio %s storm / quiet: %.2f" % (key, float(stormy[key]) / float(quiet[key])))
        for name, run in (("quiet", quiet), ("storm", stormy)):
            if run["lost"] != "0" or run["resets"] != "0":
                print("%s: lost %s, resets %s" % (name, run["lost"], run["resets"]))
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
