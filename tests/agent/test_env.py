#!/usr/bin/env python3
"""test_env.py: the library's environment variables and their precedence, through zapm-agent.

zapm-agent leaves every setting it was not given to the library, which reads
ZAPM_ENDPOINT, ZAPM_NAME, ZAPM_COLOR, ZAPM_INTERVAL, ZAPM_CURVE_SERVER and
ZAPM_CURVE_CERT; a flag always wins. The "collector" is a python3-zmq SUB that
binds on loopback, plaintext or a CURVE server whose ZAP handler records the
mechanism and key of every peer. Bad values exit 2 with one "zapm: " line.

Usage: test_env.py ZAPM_AGENT ZAPM_KEYGEN
"""
import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import zmq
import zmq.auth
import zmq.utils.z85

AGENT, KEYGEN = sys.argv[1], sys.argv[2]
failures = []
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith("ZAPM_")}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    else:
        print("ok:", what)


class Result:
    def __init__(self, returncode, stderr, samples):
        self.returncode, self.stderr, self.samples = returncode, stderr, samples


def agent(args, env, sink=None, timeout=15):
    """Runs zapm-agent --count 30 ARGS under ENV; a bound SUB drops what it has not read
    when the peer leaves, so the sink is read while the agent runs."""
    p = subprocess.Popen([AGENT, "--count", "30", *args], env=dict(CLEAN, **env),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    got = []
    deadline = time.monotonic() + timeout
    while sink and p.poll() is None and time.monotonic() < deadline:
        if sink.sock.poll(100):
            got.append(json.loads(sink.sock.recv()))
    try:
        _, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    return Result(p.returncode, err, got)


class Sink:
    """A SUB that binds on a free loopback port; CURVE server when `secret` is given."""

    def __init__(self, ctx, secret=None):
        self.sock = ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.SUBSCRIBE, b"")
        self.sock.linger = 0
        if secret:
            self.sock.curve_server = True
            self.sock.curve_secretkey = secret
        port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = "tcp://127.0.0.1:%d" % port

    def close(self):
        self.sock.close()


class Zap(threading.Thread):
    """Admits every peer and records (mechanism, Z85 key) of each handshake."""

    def __init__(self, ctx):
        super().__init__(daemon=True)
        self.sock = ctx.socket(zmq.REP)
        self.sock.linger = 0
        self.sock.bind("inproc://zeromq.zap.01")
        self.seen = []
        self.stopping = False
        self.start()

    def run(self):
        # The socket is used and closed by this thread alone (libzmq sockets are
        # not thread-safe: closing it from another thread aborts in libzmq).
        while not self.stopping:
            if not self.sock.poll(100):
                continue
            m = self.sock.recv_multipart()
            key = zmq.utils.z85.encode(m[6]).decode() if len(m) > 6 else None
            self.seen.append((m[5].decode(), key))
            self.sock.send_multipart([b"1.0", m[1], b"200", b"OK", b"", b""])
        self.sock.close()

    def stop(self):
        self.stopping = True
        self.join(5)


ctx = zmq.Context()
zap = None
tmp = tempfile.mkdtemp(prefix="zapm-env-")
try:
    # Plain variables, no flags.
    sink = Sink(ctx)
    r = agent([], {"ZAPM_ENDPOINT": sink.endpoint, "ZAPM_NAME": "from-env",
                   "ZAPM_COLOR": "env-color", "ZAPM_INTERVAL": "0.05"}, sink)
    got = r.samples
    check(r.returncode == 0, "zapm-agent with ZAPM_* set exits 0 (%d: %r)" % (r.returncode, r.stderr))
    check(len(got) >= 2, "samples arrive at $ZAPM_ENDPOINT (%d)" % len(got))
    check(all(s.get("agent") == "from-env" for s in got), "ZAPM_NAME names the agent")
    check(all(s.get("color") == "env-color" for s in got), "ZAPM_COLOR sets the colour")
    check(all(s.get("interval") == 0.05 for s in got), "ZAPM_INTERVAL sets the interval")

    # Flags win over every variable.
    r = agent(["--connect", sink.endpoint, "--name", "from-flag", "--color", "flag-color",
               "--interval", "0.07"],
              {"ZAPM_ENDPOINT": "tcp://127.0.0.1:1", "ZAPM_NAME": "from-env",
               "ZAPM_COLOR": "env-color", "ZAPM_INTERVAL": "0.05"}, sink)
    got = r.samples
    check(r.returncode == 0 and len(got) >= 2, "--connect wins over ZAPM_ENDPOINT (%d samples)" % len(got))
    check(all(s.get("agent") == "from-flag" for s in got), "--name wins over ZAPM_NAME")
    check(all(s.get("color") == "flag-color" for s in got), "--color wins over ZAPM_COLOR")
    check(all(s.get("interval") == 0.07 for s in got), "--interval wins over ZAPM_INTERVAL")
    sink.close()

    # CURVE from the environment: the ZAP handler sees the agent's key.
    server_cert = os.path.join(tmp, "collector")
    agent_cert = os.path.join(tmp, "agent")
    other_cert = os.path.join(tmp, "other")
    for path in (server_cert, agent_cert, other_cert):
        subprocess.run([KEYGEN, path], check=True, capture_output=True, timeout=10)
    server_pub, server_sec = zmq.auth.load_certificate(server_cert + "_secret")
    # zapm-keygen's files as czmq itself reads them (zcert_load), key for key.
    czmq = ctypes.CDLL(ctypes.util.find_library("czmq"))
    czmq.zcert_load.restype = ctypes.c_void_p
    czmq.zcert_load.argtypes = [ctypes.c_char_p]
    czmq.zcert_public_txt.restype = ctypes.c_char_p
    czmq.zcert_public_txt.argtypes = [ctypes.c_void_p]
    czmq.zcert_secret_txt.restype = ctypes.c_char_p
    czmq.zcert_secret_txt.argtypes = [ctypes.c_void_p]
    czmq.zcert_destroy.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    zcert = ctypes.c_void_p(czmq.zcert_load(server_cert.encode()))
    check(bool(zcert.value), "czmq's zcert_load reads zapm-keygen's certificate")
    if zcert.value:
        check(czmq.zcert_public_txt(zcert) == server_pub and czmq.zcert_secret_txt(zcert) == server_sec,
              "czmq and pyzmq read the same keys from zapm-keygen's files")
        czmq.zcert_destroy(ctypes.byref(zcert))
    mode = os.stat(server_cert + "_secret").st_mode & 0o777
    check(mode == 0o600, "the _secret file has mode 0600 (%o)" % mode)
    agent_pub, _ = zmq.auth.load_certificate(agent_cert)
    other_pub, _ = zmq.auth.load_certificate(other_cert)
    zap = Zap(ctx)
    sink = Sink(ctx, secret=server_sec)
    r = agent([], {"ZAPM_ENDPOINT": sink.endpoint, "ZAPM_CURVE_SERVER": server_pub.decode(),
                   "ZAPM_CURVE_CERT": agent_cert, "ZAPM_INTERVAL": "0.05"}, sink)
    got = r.samples
    check(r.returncode == 0 and len(got) >= 2,
          "CURVE from ZAPM_CURVE_SERVER (a key) and ZAPM_CURVE_CERT delivers (%d; %r)" % (len(got), r.stderr))
    check(("CURVE", agent_pub.decode()) in zap.seen, "the handshake used CURVE with the agent's key: %r" % zap.seen)

    # The collector's key as a certificate file; flags win over the variables.
    zap.seen.clear()
    r = agent(["--curve-server", server_cert, "--curve-cert", other_cert, "--connect", sink.endpoint],
              {"ZAPM_CURVE_SERVER": "not-a-key", "ZAPM_CURVE_CERT": "/nonexistent",
               "ZAPM_INTERVAL": "0.05"}, sink)
    got = r.samples
    check(r.returncode == 0 and len(got) >= 2, "--curve-server FILE/--curve-cert win over the variables (%r)" % r.stderr)
    check(zap.seen and all(k == other_pub.decode() for _, k in zap.seen),
          "the flag's certificate was used, not the variable's: %r" % zap.seen)
    sink.close()

    # Bad values: exit 2, one "zapm: " line naming the problem, no crash.
    for env, needle in (({"ZAPM_INTERVAL": "abc"}, "ZAPM_INTERVAL"),
                        ({"ZAPM_INTERVAL": "0"}, "ZAPM_INTERVAL"),
                        ({"ZAPM_COLOR": "c" * 65}, "ZAPM_COLOR"),
                        ({"ZAPM_NAME": "n" * 256}, "ZAPM_NAME"),
                        ({"ZAPM_CURVE_SERVER": server_pub.decode()}, "CURVE needs both"),
                        ({"ZAPM_CURVE_CERT": agent_cert}, "CURVE needs both"),
                        ({"ZAPM_CURVE_SERVER": server_pub.decode()[:39], "ZAPM_CURVE_CERT": agent_cert},
                         "ZAPM_CURVE_SERVER"),
                        ({"ZAPM_CURVE_SERVER": server_pub.decode(), "ZAPM_CURVE_CERT": agent_cert + "_missing"},
                         "ZAPM_CURVE_CERT")):
        r = agent(["--connect", "tcp://127.0.0.1:1"], env)
        err = r.stderr.decode(errors="replace")
        zapm_lines = [line for line in err.splitlines() if line.startswith("zapm: ")]
        check(r.returncode == 2 and len(zapm_lines) == 1 and needle in zapm_lines[0],
              "bad %s: exit 2 with one zapm: line naming %s (%d, %r)" % (list(env), needle, r.returncode, err))
    # An empty variable counts as unset.
    r = agent(["--connect", "tcp://127.0.0.1:1", "--interval", "0.001"],
              {"ZAPM_CURVE_SERVER": "", "ZAPM_CURVE_CERT": "", "ZAPM_INTERVAL": ""})
    # It starts in plaintext (no "zapm: " line refusing a value); nothing listens
    # there, so --count ends with exit 1, "no collector accepted" (issue 19).
    check(r.returncode == 1 and b"zapm: " not in r.stderr and b"no collector accepted" in r.stderr,
          "empty ZAPM_* variables are unset (%d, %r)" % (r.returncode, r.stderr))
finally:
    if zap:
        zap.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    ctx.destroy(linger=0)

if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("all checks passed")
