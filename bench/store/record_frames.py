#!/usr/bin/env python3
"""record_frames.py: records real zapm-agent --system frames for the store's benchmarks.

Runs zapm-agent --system --interval 0.1 against a SUB socket on loopback and
writes COUNT frames, one JSON object a line, to OUT. Used by bench/store/run.sh
and bench/store/loop_cost.py.

  bench/store/record_frames.py build/bin/zapm-agent 300 frames.jsonl
"""
import subprocess
import sys

import zmq


def record(agent, count, out):
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.RCVTIMEO, 5000)
    port = sub.bind_to_random_port("tcp://127.0.0.1")
    proc = subprocess.Popen([agent, "--system", "--interval", "0.1", "--count", str(count + 5),
                             "--connect", "tcp://127.0.0.1:%d" % port])
    try:
        with open(out, "w") as f:
            for _ in range(count):
                f.write(sub.recv().decode() + "\n")
    finally:
        proc.wait(timeout=30)
        sub.close(0)
        ctx.term()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    record(sys.argv[1], int(sys.argv[2]), sys.argv[3])
