"""publisher.py: one process that publishes many zapm identities, for the browser tests.

Starting 200 zapm-agent processes to load the dashboard would measure the test
machine more than the page; one PUB socket that speaks for N identities (each its
own agent@host:pid, seq and colour) puts the same load on the collector and the
browser. Samples are spread evenly over each period so they arrive as 200 real
agents at 1 Hz would. --no-host, --no-pid and --book make foreign publishers
that send fewer identity fields than zapm-agent. Runs for --seconds, then exits 0.
"""

import argparse
import datetime
import math
import random
import sys
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connect", required=True, help="collector endpoint, e.g. tcp://127.0.0.1:5555")
    ap.add_argument("--count", type=int, default=200, help="identities to publish")
    ap.add_argument("--rate", type=float, default=1.0, help="samples per second per identity")
    ap.add_argument("--seconds", type=float, default=60.0, help="stop after this long")
    ap.add_argument("--name", default="perf", help="agent name (a number is appended when --count > 1)")
    ap.add_argument("--host", default="loadhost")
    ap.add_argument("--no-host", action="store_true", help="leave `host` out (identity agent:pid)")
    ap.add_argument("--no-pid", action="store_true", help="leave `pid` out (identity agent@host)")
    ap.add_argument("--pid", type=int, default=20000, help="pid of the first identity (the next +1)")
    ap.add_argument("--custom", default=None, help="add this custom gauge (a slow wave from 20 to 80)")
    ap.add_argument("--counter", default=None, help="add this custom counter (+10 a sample)")
    ap.add_argument("--seq-step", type=int, default=1,
                    help="add this to seq per sample (more than 1: the collector counts lost samples)")
    ap.add_argument("--color", default=None, help="colour for every identity (default: none, palette)")
    ap.add_argument("--system", action="store_true", help="add a sys object")
    ap.add_argument("--book", action="store_true",
                    help="book-style samples: only color, timestamp, cpu and mem (identity = color)")
    a = ap.parse_args()

    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 0)
    pub.setsockopt(zmq.SNDHWM, 10000)
    pub.connect(a.connect)
    time.sleep(0.3)  # let the subscription arrive: PUB drops until it has

    period = 1.0 / a.rate
    step = period / a.count
    seq = [0] * a.count
    names = [a.name if a.count == 1 else "%s%03d" % (a.name, i) for i in range(a.count)]
    start = time.monotonic()
    next_at = start
    k = 0
    while time.monotonic() - start < a.seconds:
        i = k % a.count
        k += 1
        now = time.time()
        s = {
            "v": 1, "agent": names[i], "host": a.host, "pid": a.pid + i, "seq": seq[i],
            "interval": period,
            "timestamp": datetime.datetime.fromtimestamp(now, datetime.timezone.utc).isoformat(),
            "cpu": round(10 + 8 * math.sin(now / 5 + i) + random.random() * 4, 2),
            "mem": round(20 + (i % 40) * 2 + random.random(), 2),
        }
        if a.color is not None:
            s["color"] = a.color
        if a.custom is not None:
            s["custom"] = {a.custom: round(50 + 30 * math.sin(now / 20), 2)}
        if a.counter is not None:
            s.setdefault("custom", {})[a.counter] = 10 * (seq[i] // a.seq_step)
            s["counters"] = [a.counter]
        if a.no_host:
            del s["host"]
        if a.no_pid:
            del s["pid"]
        if a.book:
            s = {"color": a.color if a.count == 1 else "%s-%03d" % (a.color or "book", i),
                 "timestamp": s["timestamp"], "cpu": s["cpu"], "mem": s["mem"]}
        if a.system:
            s["sys"] = {"cpu_percent": 25.0, "percpu": [20.0, 30.0], "load": [0.5, 0.4, 0.3],
                        "mem": {"total": 8 << 30, "available": 4 << 30, "used": 4 << 30, "percent": 50.0}}
        seq[i] += a.seq_step
        pub.send_json(s)
        next_at += step
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    pub.close()
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
