"""zapmtest: shared helpers for zapm's end-to-end tests.

The tests start the real binaries on loopback and talk to them as a user would:
HTTP over a socket, SSE read line by line, ZeroMQ from python3-zmq as a foreign
peer. Everything here is bounded in time: every wait has a deadline, every
process is stopped (and killed if it will not stop) when a test ends, however
it ends; children also get SIGKILL if the test runner itself is killed.

A test script defines cases with @case and ends with run(); ctest registers
each case separately with --case NAME (see CMakeLists.txt). Binary paths come
in as --collector, --agent and --demo.
"""

import argparse
import atexit
import ctypes
import datetime
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

# ---------------------------------------------------------------- test runner

_cases = {}
BIN = argparse.Namespace(collector=None, agent=None, demo=None)

# Generous defaults that still end a hung test quickly; a sanitizer build is slower.
SLOW = float(os.environ.get("ZAPM_TEST_SLOW", "1"))
# True when the binaries are built with ASan or TSan: slower, and RSS says little
# (freed memory waits in ASan's quarantine; TSan keeps shadow memory and its own
# history per thread).
SANITIZED = False


class Failure(AssertionError):
    pass


def case(fn):
    """Registers a test case under its function name."""
    _cases[fn.__name__] = fn
    return fn


def check(cond, msg, *args):
    """Fails the current case with msg % args unless cond holds."""
    if not cond:
        raise Failure(msg % args if args else msg)


def log(msg, *args):
    print("    " + (msg % args if args else msg), flush=True)


def wait_until(pred, timeout, what, step=0.05):
    """Polls pred() until it returns something true, and returns that.

    Fails after timeout seconds (scaled for sanitizer builds), naming what.
    """
    deadline = time.monotonic() + timeout * SLOW
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Failure("%s: not within %.1f s" % (what, timeout * SLOW))
        time.sleep(step)


def run():
    """Parses the command line, runs the chosen case (or all), exits 0 or 1."""
    global SLOW, SANITIZED
    ap = argparse.ArgumentParser()
    ap.add_argument("--collector")
    ap.add_argument("--agent")
    ap.add_argument("--demo")
    ap.add_argument("--case", action="append", help="run only this case (repeatable)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    BIN.collector, BIN.agent, BIN.demo = args.collector, args.agent, args.demo
    if args.list:
        print("\n".join(_cases))
        return
    names = args.case or list(_cases)
    unknown = [n for n in names if n not in _cases]
    if unknown:
        print("unknown case(s): %s" % ", ".join(unknown), file=sys.stderr)
        sys.exit(2)
    # A binary built with ASan or TSan is several times slower to start and to run.
    if any(p and _is_sanitized(p) for p in (BIN.collector, BIN.agent, BIN.demo)):
        SLOW = max(SLOW, 3.0)
        SANITIZED = True
    # The collector keeps history on disk by default (zapm.db in the state
    # directory): each test process gets its own, never the user's.
    state = tempfile.mkdtemp(prefix="zapm-state-")
    atexit.register(shutil.rmtree, state, True)
    os.environ["XDG_STATE_HOME"] = state
    os.environ.pop("STATE_DIRECTORY", None)
    passed = failed = 0
    for name in names:
        print("--- %s" % name, flush=True)
        t0 = time.monotonic()
        try:
            with Procs() as procs:
                _cases[name](procs)
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            failed += 1
            if isinstance(e, Failure):
                print("FAIL %s: %s" % (name, e), flush=True)
            else:
                traceback.print_exc()
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
        else:
            passed += 1
            print("ok   %s (%.1f s)" % (name, time.monotonic() - t0), flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)


def _is_sanitized(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return b"__asan_init" in data or b"__tsan_init" in data
    except OSError:
        return False


# The first line of every report of the sanitizers zapm builds with. A program
# that prints one has a bug even when its exit status is the one a test expects
# (a refused command line, a SIGKILL on purpose).
_SANITIZER_REPORT = re.compile(
    r"^(WARNING: ThreadSanitizer: .*|ERROR: (Address|Leak)Sanitizer: .*|.*: runtime error: .*)$",
    re.MULTILINE)


def sanitizer_report(text):
    """The first line of a sanitizer report in a program's output, or None."""
    m = _SANITIZER_REPORT.search(text)
    return m.group(0) if m else None


def check_no_report(name, text):
    """Fails the case if name's output (text) holds a sanitizer report."""
    report = sanitizer_report(text)
    check(report is None, "%s: %s\n%s", name, report, text[-4000:])


# ---------------------------------------------------------------- processes

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # Runs in the child between fork and exec: SIGKILL it if we die first,
    # so a test killed by ctest's timeout leaves nothing behind.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A started child process whose output goes to a temporary file."""

    def __init__(self, argv, name=None, env=None):
        self.argv = [str(a) for a in argv]
        self.name = name or os.path.basename(self.argv[0])
        self.out = tempfile.TemporaryFile()
        self.popen = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self.out,
            stderr=subprocess.STDOUT, preexec_fn=_die_with_parent, env=env)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def output(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Sends sig, waits up to timeout, then SIGKILL; returns the exit status."""
        if self.alive():
            try:
                self.popen.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        return self.popen.wait(5)

    def rss_kib(self):
        """VmRSS from /proc/PID/status, in KiB."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise Failure("no VmRSS for %s" % self.name)


class Procs:
    """Owns every process and socket a case starts; cleans all of them up on exit."""

    _live = []

    def __init__(self):
        self.procs = []
        self.closers = []

    def __enter__(self):
        Procs._live.append(self)
        return self

    def __exit__(self, *exc):
        problems = self.cleanup(dump=exc[0] is not None)
        Procs._live.remove(self)
        if problems and exc[0] is None:
            # Every zapm program exits 0 on SIGTERM; anything else (a sanitizer
            # report at exit, a crash, a hang) fails the case.
            raise Failure("at cleanup: " + "; ".join(problems))
        return False

    def start(self, argv, name=None, env=None):
        p = Proc(argv, name, env)
        self.procs.append(p)
        return p

    def own(self, thing):
        """Registers something with a close() method to be closed at the end."""
        self.closers.append(thing)
        return thing

    def cleanup(self, dump=False):
        """Closes what it owns, stops every process; returns what went wrong."""
        problems = []
        for c in reversed(self.closers):
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        self.closers = []
        for p in reversed(self.procs):
            hung = False
            if p.alive():
                p.popen.send_signal(signal.SIGTERM)
                try:
                    p.popen.wait(3.0 * SLOW)
                except subprocess.TimeoutExpired:
                    hung = True
            rc = p.stop(signal.SIGKILL, 5.0)
            report = sanitizer_report(p.output())
            if hung:
                problems.append("%s did not stop within %.0f s of SIGTERM" % (p.name, 3.0 * SLOW))
            elif rc != 0:
                problems.append("%s exited %s" % (p.name, rc))
            if report:
                problems.append("%s: %s" % (p.name, report))
            if dump or hung or rc != 0 or report:
                lines = p.output().splitlines()
                if report:  # the whole report, wherever it is in the output
                    lines = lines[max(0, lines.index(report) - 1):][:80]
                    print("    [%s pid %d exited %s; its sanitizer report:]" % (p.name, p.pid, rc))
                else:
                    lines = lines[-40:]
                    print("    [%s pid %d exited %s; last output:]" % (p.name, p.pid, rc))
                for line in lines:
                    print("    | " + line)
        self.procs = []
        return problems

    # -- the binaries under test

    def collector(self, *extra, wait=True, state_home=None):
        """Starts zapm-collector on fresh loopback ports; waits for /healthz.

        Each collector gets its own $XDG_STATE_HOME (so its own default store:
        one collector per store file), unless state_home names one.
        """
        check(BIN.collector, "--collector PATH not given")
        return Collector(self, extra, wait, state_home)

    def agent(self, endpoint, name, color, interval=0.1, *extra):
        check(BIN.agent, "--agent PATH not given")
        return self.start([BIN.agent, "--connect", endpoint, "--name", name,
                           "--color", color, "--interval", interval, *extra],
                          name="zapm-agent[%s]" % name)


def _cleanup_all():
    for procs in list(Procs._live):
        procs.cleanup(dump=True)


atexit.register(_cleanup_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class Collector:
    """A running zapm-collector with its ports."""

    def __init__(self, procs, extra, wait, state_home=None):
        self.procs = procs
        self.state_home = state_home or tempfile.mkdtemp(prefix="collector-",
                                                         dir=os.environ["XDG_STATE_HOME"])
        env = dict(os.environ, XDG_STATE_HOME=self.state_home)
        # A port picked by free_port() can be taken by someone else before the
        # collector binds it (tests may run in parallel): then try fresh ports.
        for attempt in range(3):
            self.zmq_port = free_port()
            self.http_port = free_port()
            self.bind = "tcp://127.0.0.1:%d" % self.zmq_port
            self.endpoint = self.bind
            self.proc = procs.start([BIN.collector, "--bind", self.bind,
                                     "--http", "127.0.0.1:%d" % self.http_port, *extra],
                                    name="zapm-collector", env=env)
            self.pid = self.proc.pid
            if not wait:
                return
            try:
                self.wait_ready()
                return
            except Failure:
                if attempt < 2 and not self.proc.alive() and "in use" in self.proc.output():
                    log("port taken, retrying: %s", self.proc.output().strip().splitlines()[-1])
                    procs.procs.remove(self.proc)
                    continue
                raise

    def wait_ready(self, timeout=5.0):
        deadline = time.monotonic() + timeout * SLOW
        last = None
        while time.monotonic() < deadline:
            check(self.proc.alive(), "zapm-collector exited with %s before serving:\n%s",
                  self.proc.popen.returncode, self.proc.output())
            try:
                status, _, body = http_get(self.http_port, "/healthz", timeout=1.0)
                if status == 200:
                    self.boot = json.loads(body)["boot"]
                    return
                last = "status %d" % status
            except (OSError, ValueError, KeyError) as e:
                last = repr(e)
            time.sleep(0.05)
        raise Failure("zapm-collector not ready on /healthz within %.1f s (%s)" % (timeout * SLOW, last))

    def get(self, path, **kw):
        return http_get(self.http_port, path, **kw)

    def get_json(self, path, **kw):
        return get_json(self.http_port, path, **kw)

    def metrics(self):
        return metrics(self.http_port)

    def agents(self):
        return self.get_json("/api/agents")["agents"]

    def feed(self, path="/feed", headers=None, rcvbuf=None, read_headers=True):
        c = self.procs.own(SSEClient(self.http_port, path, headers, rcvbuf))
        if read_headers:
            c.read_headers()
        return c

    def publisher(self, **kw):
        return self.procs.own(Publisher(self.endpoint, **kw))


# ---------------------------------------------------------------- HTTP

def http_request(port, method, path, headers=None, body=None, timeout=5.0):
    """One HTTP/1.1 request to 127.0.0.1:port; returns (status, headers, body bytes).

    Headers come back as a dict with lower-case names.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout * SLOW)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def http_get(port, path, headers=None, timeout=5.0):
    return http_request(port, "GET", path, headers, timeout=timeout)


def get_json(port, path, timeout=5.0):
    status, headers, body = http_get(port, path, timeout=timeout)
    check(status == 200, "GET %s: status %d, body %r", path, status, body[:200])
    ctype = headers.get("content-type", "")
    check(ctype.startswith("application/json"), "GET %s: Content-Type %r", path, ctype)
    try:
        return json.loads(body)
    except ValueError as e:
        raise Failure("GET %s: not JSON (%s): %r" % (path, e, body[:200]))


_METRIC = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


class Metrics(dict):
    """Prometheus samples keyed 'name' or 'name{labels}' as exposed."""

    def total(self, name):
        """The sum of every sample of name, whatever its labels; None if absent."""
        vals = [v for k, v in self.items() if k == name or k.startswith(name + "{")]
        return sum(vals) if vals else None


def metrics(port):
    """GET /metrics, parsed."""
    status, _, body = http_get(port, "/metrics")
    check(status == 200, "GET /metrics: status %d", status)
    out = Metrics()
    for line in body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        m = _METRIC.match(line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


# ---------------------------------------------------------------- SSE

class Event:
    """One SSE block: the fields of one blank-line-terminated group of lines."""

    def __init__(self):
        self.id = None
        self.event = None
        self.data = None
        self.retry = None
        self.comments = []

    @property
    def type(self):
        """'message' for a default event with data, the event name, or None."""
        if self.data is None:
            return None
        return self.event or "message"

    def json(self):
        try:
            return json.loads(self.data)
        except ValueError as e:
            raise Failure("event data is not JSON (%s): %r" % (e, self.data[:200]))

    def id_seq(self):
        """The <seq> of an id '<boot>-<seq>'."""
        check(self.id and re.fullmatch(r"[^\s]+-\d+", self.id), "bad event id %r", self.id)
        return int(self.id.rsplit("-", 1)[1])

    def __repr__(self):
        return "Event(id=%r, event=%r, retry=%r, data=%r)" % (
            self.id, self.event, self.retry, (self.data or "")[:80])


class StreamEnded(Exception):
    pass


class SSEClient:
    """An EventSource over a raw socket: HTTP/1.1, chunked or not, with deadlines.

    The socket is ours, so a test can also stall it (never read) with a tiny
    receive buffer, which no HTTP library lets one do.
    """

    def __init__(self, port, path="/feed", headers=None, rcvbuf=None, timeout=5.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout * SLOW)
        self.sock.connect(("127.0.0.1", port))
        self.sock.setblocking(False)
        req = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port,
               "Accept: text/event-stream", "Cache-Control: no-cache"]
        for k, v in (headers or {}).items():
            req.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(req) + "\r\n\r\n").encode())
        self.raw = b""          # bytes received, not yet de-chunked
        self.body = b""         # de-chunked body, not yet split into lines
        self.status = None
        self.headers = {}
        self.chunked = False
        self.remaining = None   # body bytes still due when there is a Content-Length
        self.eof = False        # the body ended (last chunk or connection closed)
        self.pending = Event()
        self.pending_any = False
        self.events = []        # every event received, in order
        self.retry = None       # last retry: value seen
        self.received_bytes = 0
        self._queue = []        # parsed events not yet handed out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self, deadline):
        """Reads what is available, waiting until deadline; False on timeout."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        r, _, _ = select.select([self.sock], [], [], remaining)
        if not r:
            return False
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            if self.status is not None:
                self._dechunk(final=True)
            return True
        self.received_bytes += len(data)
        self.raw += data
        if self.status is not None:
            self._dechunk()
        return True

    def read_headers(self, timeout=5.0):
        deadline = time.monotonic() + timeout * SLOW
        while b"\r\n\r\n" not in self.raw:
            if self.eof:
                raise Failure("connection closed before response headers: %r" % self.raw[:200])
            if not self._fill(deadline) and time.monotonic() >= deadline:
                raise Failure("no response headers within %.1f s" % (timeout * SLOW))
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        check(m, "bad status line %r", lines[0])
        self.status = int(m.group(1))
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        if not self.chunked and "content-length" in self.headers:
            # A complete response (the overload answer): the stream ends with it.
            self.remaining = int(self.headers["content-length"])
        self._dechunk(final=self.eof)
        return self.status, self.headers

    def _dechunk(self, final=False):
        if not self.chunked:
            if self.remaining is None:
                self.body += self.raw
            else:
                self.body += self.raw[:self.remaining]
                self.remaining -= min(self.remaining, len(self.raw))
                if self.remaining == 0:
                    self.eof = True
            self.raw = b""
            if final:
                self.eof = True
            return
        while True:
            i = self.raw.find(b"\r\n")
            if i < 0:
                break
            size = int(self.raw[:i].split(b";")[0], 16)
            if size == 0:
                self.eof = True
                self.raw = b""
                break
            if len(self.raw) < i + 2 + size + 2:
                break
            self.body += self.raw[i + 2:i + 2 + size]
            self.raw = self.raw[i + 2 + size + 2:]
        if final:
            self.eof = True

    def _parse(self):
        """Splits complete lines off self.body into events; returns new events."""
        new = []
        while True:
            m = re.search(rb"\r\n|\r(?!$)|\n", self.body)
            if not m:
                if self.eof and self.body:
                    # An unterminated last line is discarded, as EventSource does.
                    self.body = b""
                break
            line = self.body[:m.start()].decode("utf-8", "replace")
            self.body = self.body[m.end():]
            if line == "":
                if self.pending_any:
                    ev = self.pending
                    self.events.append(ev)
                    new.append(ev)
                self.pending, self.pending_any = Event(), False
                continue
            self.pending_any = True
            if line.startswith(":"):
                self.pending.comments.append(line[1:].lstrip())
                continue
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "data":
                self.pending.data = value if self.pending.data is None else self.pending.data + "\n" + value
            elif field == "event":
                self.pending.event = value
            elif field == "id":
                self.pending.id = value
            elif field == "retry":
                self.pending.retry = value
                if value.isdigit():
                    self.retry = int(value)
        return new

    def next_event(self, timeout=5.0):
        """The next event (any block), or None on timeout; raises StreamEnded at end."""
        deadline = time.monotonic() + timeout * SLOW
        if self.status is None:
            self.read_headers(timeout)
        while True:
            if not self._queue:
                self._queue.extend(self._parse())
            if self._queue:
                return self._queue.pop(0)
            if self.eof:
                raise StreamEnded()
            if not self._fill(deadline) and time.monotonic() >= deadline:
                return None

    def _events(self, seconds, max_events, ended):
        """Yields events as they arrive for up to seconds (already scaled) and
        max_events; on stream end calls ended() and stops."""
        deadline = time.monotonic() + seconds
        for _ in range(max_events):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                ev = self.next_event(left / SLOW)
            except StreamEnded:
                ended()
                return
            if ev is None:
                return
            yield ev

    def collect(self, until, timeout, max_events=100000, what="the expected events"):
        """Reads events until until(ev, got) is true; returns the list read.

        Fails after timeout seconds or max_events events, or if the stream ends.
        """
        got = []

        def ended():
            raise Failure("stream ended before %s; got %d events: %r" % (what, len(got), got[-5:]))

        for ev in self._events(timeout * SLOW, max_events, ended):
            got.append(ev)
            if until(ev, got):
                return got
        raise Failure("no %s within %.1f s / %d events; got %d: %r" % (
            what, timeout * SLOW, max_events, len(got), got[-5:]))

    def read_for(self, seconds, max_events=1000000):
        """Reads every event that arrives within seconds; returns them (stops at stream end)."""
        return list(self._events(seconds, max_events, lambda: None))

    def wait_end(self, timeout=2.0, max_events=100000):
        """Reads until the stream ends; returns the events read. Fails on timeout."""
        deadline = time.monotonic() + timeout * SLOW
        got = []
        while len(got) < max_events and time.monotonic() < deadline:
            try:
                ev = self.next_event(max(0.0, deadline - time.monotonic()) / SLOW)
            except StreamEnded:
                return got
            if ev is not None:
                got.append(ev)
        raise Failure("stream did not end within %.1f s (got %d events)" % (timeout * SLOW, len(got)))


def samples(events):
    """The default (sample) events' JSON objects."""
    return [e.json() for e in events if e.type == "message"]


# ---------------------------------------------------------------- ZeroMQ peers

def iso_now():
    """The book's timestamp: datetime.now(tz=timezone.utc).isoformat()."""
    return datetime.datetime.now(tz=datetime.timezone.utc).isoformat()


def book_sample(color, cpu=12.5, mem=30.0):
    """A sample with only the book's four fields."""
    return {"color": color, "timestamp": iso_now(), "cpu": cpu, "mem": mem}


class Publisher:
    """A python3-zmq publisher that connects to the collector like an agent.

    It is an XPUB, so it can wait for the collector's subscription before
    sending: nothing is lost to ZeroMQ's slow-joiner start, and a test can
    count on every frame it sends arriving.
    """

    def __init__(self, endpoint, wait=True, timeout=5.0, curve=None):
        """curve: (collector public key, own public key, own secret key), Z85 bytes."""
        import zmq
        self.zmq = zmq
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.XPUB)
        self.sock.setsockopt(zmq.LINGER, 500)
        self.sock.setsockopt(zmq.SNDHWM, 100000)
        if curve:
            self.sock.curve_serverkey, self.sock.curve_publickey, self.sock.curve_secretkey = curve
        self.sock.connect(endpoint)
        if wait:
            self.wait_subscribed(timeout)

    def wait_subscribed(self, timeout=5.0):
        if not self.sock.poll(int(timeout * SLOW * 1000), self.zmq.POLLIN):
            raise Failure("no subscription from the collector within %.1f s" % (timeout * SLOW))
        msg = self.sock.recv()
        check(msg[:1] == b"\x01", "unexpected subscription frame %r", msg)

    def send_bytes(self, data):
        self.sock.send(data)

    def send(self, obj):
        self.sock.send(json.dumps(obj, separators=(",", ":")).encode())

    def close(self):
        self.sock.close(linger=500)


class BookCollector:
    """The book's metric-server.py side: a SUB that binds, read with recv_json()."""

    def __init__(self):
        import zmq
        self.zmq = zmq
        self.port = free_port()
        self.endpoint = "tcp://127.0.0.1:%d" % self.port
        self.sock = zmq.Context.instance().socket(zmq.SUB)
        self.sock.setsockopt_string(zmq.SUBSCRIBE, "")
        self.sock.bind(self.endpoint)

    def recv_json(self, timeout=5.0):
        if not self.sock.poll(int(timeout * SLOW * 1000), self.zmq.POLLIN):
            raise Failure("nothing received within %.1f s" % (timeout * SLOW))
        return self.sock.recv_json()

    def close(self):
        self.sock.close(linger=0)
