#!/usr/bin/env python3
"""churn.py: a publisher that invents identities (or metric names) as fast as asked.

Issue 18's churn attack: a new agent name + pid RATE times a second (each
identity sends one sample and is never heard of again), or, with --names, one
agent that sends a new custom metric name in every sample. It connects like an
agent (an XPUB, waiting for the collector's subscription) and, with --rss PID,
prints the collector's VmRSS every --every seconds so a run shows whether
memory levels off:

    bench/abuse/churn.py --connect tcp://127.0.0.1:5555 --rate 2000 --seconds 180 --rss PID

Prints one line per report: seconds, identities sent, VmRSS in MiB.
"""
import argparse
import datetime
import json
import os
import sys
import time

import zmq


def vmrss_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return float("nan")
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connect", required=True, help="the collector's ZeroMQ endpoint")
    ap.add_argument("--rate", type=float, default=2000, help="new identities (or names) a second")
    ap.add_argument("--seconds", type=float, default=60, help="how long to churn")
    ap.add_argument("--names", action="store_true",
                    help="one agent, a new custom metric name per sample")
    ap.add_argument("--prefix", default="churn", help="agent name prefix")
    ap.add_argument("--rss", type=int, default=0, help="pid whose VmRSS to report")
    ap.add_argument("--every", type=float, default=10, help="seconds between reports")
    args = ap.parse_args()

    sock = zmq.Context.instance().socket(zmq.XPUB)
    sock.setsockopt(zmq.SNDHWM, 100000)
    sock.setsockopt(zmq.LINGER, 1000)
    sock.connect(args.connect)
    if not sock.poll(10000, zmq.POLLIN):
        sys.exit("churn.py: no subscription from the collector within 10 s")
    sock.recv()

    start = time.monotonic()
    next_report = start
    sent = 0
    pid_base = os.getpid() * 1000
    while True:
        now = time.monotonic()
        elapsed = now - start
        if now >= next_report:
            print("%7.1f s %9d sent  VmRSS %8.1f MiB" % (elapsed, sent, vmrss_mib(args.rss)),
                  flush=True)
            next_report += args.every
        if elapsed >= args.seconds:
            break
        due = int(elapsed * args.rate) + 1
        stamp = datetime.datetime.now(tz=datetime.timezone.utc)
        first = sent
        while sent < due:
            # One series' samples need distinct times (the store refuses a time
            # it holds): a microsecond apart within a batch.
            at = stamp + datetime.timedelta(microseconds=sent - first)
            sample = {"color": "#336699", "timestamp": at.isoformat(), "cpu": 1.0, "mem": 2.0}
            if args.names:
                sample.update(agent=args.prefix, pid=1, seq=sent, interval=0.001,
                              custom={"m%d" % sent: 1.0})
            else:
                sample.update(agent="%s%d" % (args.prefix, sent), pid=pid_base + sent, seq=0,
                              interval=1.0)
            sock.send(json.dumps(sample, separators=(",", ":")).encode())
            sent += 1
        time.sleep(0.005)
    sock.close()


if __name__ == "__main__":
    main()
