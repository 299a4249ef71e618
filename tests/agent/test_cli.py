#!/usr/bin/env python3
"""test_cli.py: the zapm-agent and zapm-demo command lines, run as a user would.

--help and --version exit 0; a bad flag or value exits 2 naming it (a
--name or --color, or ZAPM_NAME, with a control character too); --pid of
a process that ends stops zapm-agent with one line on stderr and status 0;
--count N publishes N samples then exits 0; zapm-demo publishes its custom
metrics and its --leak really grows RSS. Loopback only, every wait bounded.

Usage: test_cli.py ZAPM_AGENT ZAPM_DEMO
"""
import json
import os
import subprocess
import sys
import time

import zmq

from wire_keys import K

AGENT, DEMO = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(args, timeout=10):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def sub_socket(ctx):
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    port = sub.bind_to_random_port("tcp://127.0.0.1")
    return sub, "tcp://127.0.0.1:%d" % port


def recv_all(sub, until_exit, timeout=10.0):
    """Receives samples until the process exits (then drains briefly)."""
    samples, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sub.poll(100):
            samples.append(json.loads(sub.recv()))
        elif until_exit.poll() is not None:
            while sub.poll(200):
                samples.append(json.loads(sub.recv()))
            break
    return samples


# --help, --version
for prog, name in ((AGENT, "zapm-agent"), (DEMO, "zapm-demo")):
    r = run([prog, "--help"])
    check(r.returncode == 0 and "--connect" in r.stdout and "Usage" in r.stdout,
          "%s --help" % name)
    r = run([prog, "--version"])
    check(r.returncode == 0 and r.stdout.startswith(name + " "), "%s --version" % name)
    for bad, word in ((["--bogus"], "--bogus"), (["--interval", "0"], "--interval"),
                      (["--interval", "1x"], "--interval"), (["--interval"], "--interval"),
                      (["--connect"], "--connect")):
        r = run([prog] + bad)
        check(r.returncode == 2 and word in r.stderr and "--help" in r.stderr,
              "%s %s: exit %d, stderr %r" % (name, bad, r.returncode, r.stderr))

for bad, word in ((["--pid", "-3"], "--pid"), (["--pid", "abc"], "--pid"),
                  (["--count", "0"], "--count"), (["--interval", "3601"], "--interval"),
                  (["--no-process", "--pid", "1"], "--pid")):
    r = run([AGENT] + bad)
    check(r.returncode == 2 and word in r.stderr, "zapm-agent %s: %d %r" % (bad, r.returncode, r.stderr))
r = run([DEMO, "--leak", "-1"])
check(r.returncode == 2 and "--leak" in r.stderr, "zapm-demo --leak -1")
r = run([DEMO, "--duration", "nan"])
check(r.returncode == 2 and "--duration" in r.stderr, "zapm-demo --duration nan")

# A name or colour with a control character (C0, DEL, C1): the collector
# would refuse every sample (control_character), so the programs refuse it
# first, saying which byte and where, with exit 2 and nothing published.
for prog, name in ((AGENT, "zapm-agent"), (DEMO, "zapm-demo")):
    for flag, value, byte in (("--name", "orders\nforged", "0x0a"), ("--name", "a\x7f", "0x7f"),
                              ("--color", "red\x1b[0m", "0x1b"), ("--name", "c1\u0085", "0xc2")):
        r = run([prog, flag, value, "--connect", "tcp://127.0.0.1:1"])
        check(r.returncode == 2 and flag in r.stderr and "control character" in r.stderr
              and byte in r.stderr and "--help" in r.stderr,
              "%s %s %r: exit %d, stderr %r" % (name, flag, value, r.returncode, r.stderr))
    env = dict(os.environ, ZAPM_NAME="env\tname")
    r = subprocess.run([prog, "--connect", "tcp://127.0.0.1:1"], capture_output=True, text=True,
                       timeout=10, env=env)
    check(r.returncode == 2 and "ZAPM_NAME holds a control character" in r.stderr,
          "%s ZAPM_NAME with a tab: exit %d, stderr %r" % (name, r.returncode, r.stderr))
# A no-break space (U+00A0) is no control character: the name is taken (no
# collector listens on port 1, so exit 1 for that, not 2 for the name).
r = run([AGENT, "--name", "a\u00a0b", "--count", "1", "--interval", "0.01", "--no-process",
         "--connect", "tcp://127.0.0.1:1"])
check(r.returncode == 1 and "control character" not in r.stderr and "no collector" in r.stderr,
      "zapm-agent --name with U+00A0: exit %d, stderr %r" % (r.returncode, r.stderr))

# --pid of a process that does not exist: exit 1 with a message.
r = run([AGENT, "--pid", "4194303", "--connect", "tcp://127.0.0.1:1"])
check(r.returncode == 1 and "4194303" in r.stderr, "zapm-agent --pid missing: %r" % r.stderr)

ctx = zmq.Context()

# --pid of a process that ends: samples, then one line, exit 0.
sub, endpoint = sub_socket(ctx)
target = subprocess.Popen(["sleep", "1"])
agent = subprocess.Popen([AGENT, "--connect", endpoint, "--pid", str(target.pid),
                          "--interval", "0.1"], stderr=subprocess.PIPE, text=True)
samples = recv_all(sub, agent)
target.wait()
try:
    err = agent.communicate(timeout=5)[1]
except subprocess.TimeoutExpired:
    agent.kill()
    err = agent.communicate()[1]
check(agent.returncode == 0, "--pid end: exit %s" % agent.returncode)
lines = [l for l in err.splitlines() if l.strip()]
check(len(lines) == 1 and str(target.pid) in lines[0] and "exited" in lines[0],
      "--pid end: stderr %r" % err)
check(len(samples) >= 3, "--pid: %d samples" % len(samples))
check(all(s[K.PID] == target.pid and s[K.AGENT] == "sleep" for s in samples),
      "--pid samples name the target")
check([s[K.SEQ] for s in samples] == list(range(samples[0][K.SEQ], samples[0][K.SEQ] + len(samples))),
      "--pid seq consecutive")
sub.close()

# --count N --no-process: N system samples, exit 0.
sub, endpoint = sub_socket(ctx)
agent = subprocess.Popen([AGENT, "--connect", endpoint, "--no-process", "--count", "5",
                          "--interval", "0.05", "--name", "host-only"])
samples = recv_all(sub, agent)
check(agent.wait(timeout=5) == 0, "--count exit status")
check([s[K.SEQ] for s in samples] == [0, 1, 2, 3, 4], "--count: seqs %r" % [s[K.SEQ] for s in samples])
check(all(K.SYS in s and K.PROC not in s and s[K.AGENT] == "host-only" for s in samples),
      "--no-process samples carry sys only")
sub.close()

# SIGTERM: exit 0 promptly.
agent = subprocess.Popen([AGENT, "--connect", "tcp://127.0.0.1:1", "--system"])
time.sleep(0.3)
agent.terminate()
check(agent.wait(timeout=2) == 0, "zapm-agent SIGTERM exit status")

# zapm-demo: custom metrics, and --leak grows RSS (8 MB an iteration).
sub, endpoint = sub_socket(ctx)
demo = subprocess.Popen([DEMO, "--connect", endpoint, "--interval", "0.1", "--leak", "1000000",
                         "--duration", "3", "--color", "orange"])
samples = recv_all(sub, demo, timeout=15)
check(demo.wait(timeout=5) == 0, "zapm-demo --duration exit status")
check(len(samples) >= 10, "zapm-demo: %d samples" % len(samples))
if samples:
    last = samples[-1]
    check(last[K.COLOR] == "orange" and last[K.AGENT] == "zapm-demo", "zapm-demo identity")
    custom = last.get(K.CUSTOM, {})
    check(custom.get("iterations", 0) >= 1, "zapm-demo iterations %r" % custom)
    leaked = custom.get("leaked_bytes", 0)
    check(leaked >= 8000000, "zapm-demo leaked_bytes %r" % leaked)
    grew = last[K.PROC][K.RSS] - samples[0][K.PROC][K.RSS]
    check(grew >= 0.9 * leaked - 8000000, "RSS grew %d for %d leaked" % (grew, leaked))
sub.close()

demo = subprocess.Popen([DEMO, "--connect", "tcp://127.0.0.1:1"])
time.sleep(0.3)
demo.send_signal(2)
check(demo.wait(timeout=2) == 0, "zapm-demo SIGINT exit status")

ctx.term()
if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("test_cli: OK")
