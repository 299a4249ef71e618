#!/usr/bin/env python3
"""run.py: the fleet simulation: agents at 1 Hz -> 10 edge collectors -> 1 root.

Starts one root zapm-collector, EDGES edge collectors that --forward to it, and
zapm-fleetgen playing AGENTS simulated agents (one sample a second each, shared
sockets), all on loopback; runs for SECONDS; then accounts for every sample per
tier from the collectors' own /metrics:

  sent by the agents  ->  received by each edge  ->  forwarded + dropped by each edge
                      ->  received by the root from each edge  ->  lost (seq gaps) at the root

and the CPU each tier used (utime + stime from /proc/PID/stat), per sample.
Prints one table row per fleet size. Not a ctest test: run it by hand.

  bench/fleet/run.py --build build --agents 10000,20000,50000,100000 --seconds 20
"""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def metrics(port):
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10).read().decode()
    out = {}
    for line in body.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$", line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def total(m, name, **labels):
    return sum(v for k, v in m.items() if (k == name or k.startswith(name + "{"))
               and all('%s="%s"' % kv in k for kv in labels.items()))


class Collector:
    """A zapm-collector on fresh loopback ports. A port picked free can be taken by
    another program before the collector binds it: then it starts again on others."""

    def __init__(self, binary, name, forward=None):
        for _ in range(5):
            self.zmq, self.http = free_port(), free_port()
            self.endpoint = "tcp://127.0.0.1:%d" % self.zmq
            argv = [binary, "--bind", self.endpoint, "--http", "127.0.0.1:%d" % self.http,
                    "--name", name, "--max-series", "1000000", "--history", "4",
                    "--store", "none"]  # the loop's cost, as before the store (issue 11)
            if forward:
                argv += ["--forward", forward]
            self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._ready():
                return
            self.stop()
        raise SystemExit("collector %s did not start" % name)

    def _ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                body = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.http,
                                              timeout=1).read()
                return "boot" in json.loads(body)
            except (OSError, ValueError, http.client.HTTPException):
                time.sleep(0.05)
        return False

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run(build, agents, edges, seconds, sockets):
    col = os.path.join(build, "bin", "zapm-collector")
    gen = os.path.join(build, "bin", "zapm-fleetgen")
    root = Collector(col, "root")
    # edges == 0: the fleet publishes to the root itself, one sample per message,
    # to compare the root's cost per sample with batched forwarding.
    tier = []
    try:
        for i in range(edges):  # one by one, so a failed start still stops the others
            tier.append(Collector(col, "edge-%d" % i, root.endpoint))
        targets = tier or [root]
        # Every edge's link to the root up before the fleet starts.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if all(total(metrics(e.http), "zapm_forward_connected") == 1 for e in tier):
                break
            time.sleep(0.1)
        cpu0 = {p.proc.pid: cpu_seconds(p.proc.pid) for p in [root] + tier}
        t0 = time.monotonic()
        out = subprocess.run([gen, "--endpoints", ",".join(e.endpoint for e in targets),
                              "--agents", str(agents), "--sockets", str(sockets),
                              "--duration", str(seconds)], capture_output=True, text=True,
                             timeout=seconds + 60)
        wall = time.monotonic() - t0
        if out.returncode != 0:
            raise SystemExit("zapm-fleetgen: " + out.stderr)
        gen_stats = dict(kv.split("=") for kv in out.stdout.split())
        time.sleep(2)  # let the last batches arrive
        cpu = {p.proc.pid: cpu_seconds(p.proc.pid) - cpu0[p.proc.pid] for p in [root] + tier}
        em = [metrics(e.http) for e in tier]
        rm = metrics(root.http)
        sent = int(gen_stats["sent"])
        if tier:
            edge_received = sum(total(m, "zapm_samples_received_total") for m in em)
            forwarded = sum(total(m, "zapm_forward_sent_total") for m in em)
            dropped = sum(total(m, "zapm_forward_dropped_total") for m in em)
            root_received = total(rm, "zapm_forward_received_total")
        else:
            root_received = total(rm, "zapm_samples_received_total")
            edge_received = forwarded = root_received
            dropped = 0
        root_lost = total(rm, "zapm_samples_lost_total")
        edge_cpu = sum(cpu[e.proc.pid] for e in tier)
        return {
            "agents": agents, "edges": edges, "sockets/edge": sockets, "seconds": seconds,
            "sent": sent, "blocked": int(gen_stats["blocked"]),
            "edge_received": int(edge_received), "forwarded": int(forwarded),
            "edge_dropped": int(dropped),
            "edge_dropped_by_reason": {r: int(sum(total(m, "zapm_forward_dropped_total", reason=r)
                                                  for m in em))
                                       for r in ("upstream_down", "queue_full", "path_too_long")},
            "root_received": int(root_received),
            "root_lost": int(root_lost),
            "edge_cpu_us_per_sample": round(edge_cpu / max(edge_received, 1) * 1e6, 2),
            "root_cpu_us_per_sample": round(cpu[root.proc.pid] / max(root_received, 1) * 1e6, 2),
            "edge_cpu_cores": round(edge_cpu / wall, 2),
            "root_cpu_cores": round(cpu[root.proc.pid] / wall, 2),
            "connections": ("fleet->edges %d, edges->root %d" % (edges * sockets, edges)) if edges
            else "fleet->root %d" % sockets,
        }
    finally:
        for c in tier + [root]:
            c.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--agents", default="10000,20000,50000,100000",
                    help="fleet sizes to run, comma-separated")
    ap.add_argument("--edges", type=int, default=10,
                    help="edge collectors; 0 sends straight to the root (one sample per message)")
    ap.add_argument("--sockets", type=int, default=10, help="fleet sockets per edge")
    ap.add_argument("--seconds", type=int, default=20)
    args = ap.parse_args()
    for n in (int(x) for x in args.agents.split(",")):
        row = run(args.build, n, args.edges, args.seconds, args.sockets)
        zero = row["blocked"] == 0 and row["edge_dropped"] == 0 and row["root_lost"] == 0 and \
            row["sent"] == row["edge_received"] == row["forwarded"] == row["root_received"]
        row["zero_loss"] = zero
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
