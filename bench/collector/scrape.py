#!/usr/bin/env python3
"""scrape.py: a real /metrics scrape with N agent series, and what it costs the loop.

Starts zapm-collector on free loopback ports, publishes one agent-sized sample
(proc, sys with two CPUs, a counter and a gauge) for each of N series from one
python3-zmq socket, then scrapes /metrics R times. For each scrape it prints the
time to the first byte (the render, on the loop) and to the last, the size,
and the worst /healthz round trip measured meanwhile from a second connection
every 2 ms: how long the loop was busy with the scrape, and the CPU time the
collector's loop thread used over the scrape (clock ticks, 10 ms each, from
/proc). Not a ctest test.

    bench/collector/scrape.py --collector build-col/bin/zapm-collector --series 10000
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

import zmq


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loop_cpu(pid):
    """CPU seconds (user + system) of the collector's main thread, its loop."""
    with open("/proc/%d/task/%d/stat" % (pid, pid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get(port, path, timeout=30.0):
    """GET path; returns (seconds to first byte, seconds total, body bytes)."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % path.encode())
        first = None
        chunks = []
        while True:
            data = s.recv(1 << 20)
            if first is None:
                first = time.monotonic() - start
            if not data:
                break
            chunks.append(data)
    return first, time.monotonic() - start, b"".join(chunks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--collector", required=True)
    ap.add_argument("--series", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    zport, hport = free_port(), free_port()
    col = subprocess.Popen([args.collector, "--bind", "tcp://127.0.0.1:%d" % zport,
                            "--http", "127.0.0.1:%d" % hport, "--max-series", str(args.series),
                            "--metrics-ttl", "3600"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                get(hport, "/healthz", 1.0)
                break
            except OSError:
                time.sleep(0.05)
        ctx = zmq.Context()
        pub = ctx.socket(zmq.XPUB)
        pub.setsockopt(zmq.SNDHWM, 0)
        pub.connect("tcp://127.0.0.1:%d" % zport)
        if not pub.poll(10000):
            sys.exit("scrape.py: no subscription from the collector")
        pub.recv()
        for i in range(args.series):
            sample = {"v": 1, "agent": "api-%d" % i, "host": "web-1", "pid": 10000 + i, "seq": 0,
                      "interval": 3600, "color": "#1f77b4", "cpu": 3.2, "mem": 41.7,
                      "proc": {"cpu_percent": 3.2, "cpu_user": 12.34, "cpu_system": 1.5,
                               "rss": 43728896, "vms": 318271488, "swap": 0, "num_threads": 4,
                               "num_fds": 12, "num_ctx_switches": 18234, "io_read_bytes": 4096,
                               "io_write_bytes": 81920},
                      "sys": {"cpu_percent": 27.5, "percpu": [30.1, 24.9], "load": [1.25, 0.98, 0.77],
                              "mem": {"total": 25169350656, "available": 22817415168,
                                      "used": 1823514624, "percent": 9.3},
                              "swap": {"total": 0, "used": 0, "percent": 0}},
                      "custom": {"requests": 1234, "queue_depth": 3}, "counters": ["requests"]}
            pub.send(json.dumps(sample, separators=(",", ":")).encode())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            body = get(hport, "/metrics")[2]
            if body.count(b"\nzapm_agent_up{") >= args.series:
                break
            time.sleep(0.2)
        else:
            sys.exit("scrape.py: the series did not all arrive")
        for r in range(args.rounds):
            worst = [0.0]
            done = threading.Event()

            def probe():
                #  One kept-alive connection: a new one every 2 ms would leave
                #  thousands of sockets in TIME_WAIT, taking ports from tests.
                conn = http.client.HTTPConnection("127.0.0.1", hport, timeout=30)
                while not done.is_set():
                    start = time.monotonic()
                    conn.request("GET", "/healthz")
                    conn.getresponse().read()
                    worst[0] = max(worst[0], time.monotonic() - start)
                    time.sleep(0.002)
                conn.close()

            t = threading.Thread(target=probe)
            t.start()
            time.sleep(0.05)
            done.set()
            t.join()
            quiet = worst[0]
            worst[0] = 0.0
            done.clear()
            t = threading.Thread(target=probe)
            t.start()
            time.sleep(0.05)
            cpu = loop_cpu(col.pid)
            first, total, body = get(hport, "/metrics")
            cpu = loop_cpu(col.pid) - cpu
            time.sleep(0.05)
            done.set()
            t.join()
            print("%d series: first byte %.1f ms, whole page %.1f ms, %d bytes; loop thread CPU "
                  "%.0f ms; worst /healthz round trip meanwhile %.1f ms (%.1f ms without a scrape)"
                  % (args.series, first * 1e3, total * 1e3, len(body), cpu * 1e3,
                     worst[0] * 1e3, quiet * 1e3), flush=True)
        pub.close(0)
        ctx.term()
    finally:
        col.terminate()
        col.wait(10)


if __name__ == "__main__":
    main()
