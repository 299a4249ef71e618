#!/usr/bin/python3
"""run.py: the abuse harness: every attack of issue 18, one command, one table.

Starts one zapm-collector with a store (in a temporary directory, on loopback
ports it picks) and zapm-fleetgen playing SERIES good agents at 1 Hz with real
`zapm-agent --system` sample bodies; then runs each attack in turn against it
and prints one row per attack:

  peak RSS   the collector's VmHWM during the attack (reset before it through
             /proc/PID/clear_refs), MiB
  after      VmRSS a few seconds after the attack ended, MiB
  healthz    the 99th percentile and the worst /healthz latency seen while the
             attack ran (polled every 50 ms), ms
  lost       samples the good agents lost meanwhile (their
             zapm_agent_samples_lost_total on /metrics)
  result     what the collector answered or did (status codes, counters, rows)

The collector runs under `prlimit --as` (default 8 GiB), so an attack that used to
take 24 GiB ends in a failed allocation here, not in the kernel's OOM killer
picking another process of the machine. If the collector dies, the row says so
and the harness starts a fresh one for the next attack.

  bench/abuse/run.py --bin build/bin                      # every attack
  bench/abuse/run.py --bin build/bin --attacks churn_ids --churn-seconds 600
  bench/abuse/run.py --list

Loopback only; every loop is bounded in time. Needs python3-zmq and openssl.
Not a ctest test (it takes minutes and a core): the bounded versions of these
attacks are tests in tests/e2e.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import zmq

MIB = 1024 * 1024
UNVERIFIED = ssl._create_unverified_context()  # the harness's own self-signed test certificate
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


class Collector:
    """One zapm-collector with a store, under an address-space cap."""

    def __init__(self, args, work, store=None, extra=()):
        self.args = args
        self.work = work
        self.zmq_port, self.http_port = free_port(), free_port()
        self.store = store or os.path.join(work, "zapm.db")
        self.extra = list(extra)
        self.scheme = "https" if "--tls-cert" in self.extra else "http"
        self.log_path = os.path.join(work, "collector-%d.log" % self.http_port)
        self.start()

    def start(self, wait=30.0):
        argv = ["prlimit", "--as=%d" % (self.args.cap_gib * 1024 * MIB), "--",
                os.path.join(self.args.bin, "zapm-collector"),
                "--bind", "tcp://127.0.0.1:%d" % self.zmq_port,
                "--http", "127.0.0.1:%d" % self.http_port,
                "--store", self.store, "--max-series", str(self.args.series + 1000)]
        argv += self.args.collector_arg + self.extra
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("the collector exited at start: see %s" % self.log_path)
            try:
                self.get("/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the collector did not answer within %.0f s" % wait)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.http_port, path)

    def get(self, path, timeout=120):
        """(status, body length) of GET path; HTTP errors are answers too."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout,
                                        context=UNVERIFIED) as r:
                return r.status, len(r.read())
        except urllib.error.HTTPError as e:
            return e.code, len(e.read())

    def metrics(self):
        out = {}
        try:
            body = urllib.request.urlopen(self.url("/metrics"), timeout=30).read().decode()
        except OSError:
            return out
        for line in body.splitlines():
            m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$", line)
            if m:
                out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
        return out

    def log_lines(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return sum(1 for _ in f)
        except OSError:
            return 0


def family(metrics, name, label_filter=None):
    total = 0.0
    for key, value in metrics.items():
        base = key.split("{", 1)[0]
        if base == name and (label_filter is None or label_filter in key):
            total += value
    return total


class Watch:
    """Polls /healthz (worst latency) and VmRSS (peak, also after a crash) in threads."""

    def __init__(self, col):
        self.col = col
        self.stop_flag = threading.Event()
        self.worst_ms = 0.0
        self.latencies = []
        self.failed = 0
        self.peak_kib = 0
        try:
            with open("/proc/%d/clear_refs" % col.pid, "w") as f:
                f.write("5")  # resets VmHWM
        except OSError:
            pass
        self.threads = [threading.Thread(target=self._health, daemon=True),
                        threading.Thread(target=self._rss, daemon=True)]
        for t in self.threads:
            t.start()

    def _health(self):
        while not self.stop_flag.is_set() and self.col.alive():
            t0 = time.monotonic()
            try:
                urllib.request.urlopen(self.col.url("/healthz"), timeout=10).read()
            except OSError:
                self.failed += 1
            ms = (time.monotonic() - t0) * 1000
            self.latencies.append(ms)
            self.worst_ms = max(self.worst_ms, ms)
            time.sleep(0.05)

    def _rss(self):
        while not self.stop_flag.is_set() and self.col.alive():
            self.peak_kib = max(self.peak_kib, status_kib(self.col.pid, "VmRSS"),
                                status_kib(self.col.pid, "VmHWM"))
            time.sleep(0.02)

    def end(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(15)

    def p99_ms(self):
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Publisher:
    """A python3-zmq publisher that waits for the collector's subscription."""

    def __init__(self, col, sndhwm=100000):
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.XPUB)
        self.sock.setsockopt(zmq.SNDHWM, sndhwm)
        self.sock.setsockopt(zmq.LINGER, 2000)
        self.sock.connect("tcp://127.0.0.1:%d" % col.zmq_port)
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        if poller.poll(10000):
            self.sock.recv()
        self.seq = {}

    def send(self, agent, pid, extra="", seq=None, host="abuse", t=None):
        key = (agent, pid)
        if seq is None:
            seq = self.seq.get(key, 0)
            self.seq[key] = seq + 1
        frame = ('{"v":1,"agent":%s,"host":"%s","pid":%d,"color":"red","timestamp":"%s",'
                 '"seq":%d,"interval":1,"cpu":1.5,"mem":2.5%s}'
                 % (json.dumps(agent), host, pid, iso(time.time() if t is None else t), seq,
                    extra))
        try:
            self.sock.send(frame.encode(), zmq.NOBLOCK)
            return True
        except zmq.Again:
            return False

    def close(self):
        self.sock.close(2000)


def record_bodies(args, work):
    """Metric members of real zapm-agent --system frames, one a line (for zapm-fleetgen)."""
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.RCVTIMEO, 10000)
    port = sub.bind_to_random_port("tcp://127.0.0.1")
    agent = subprocess.Popen([os.path.join(args.bin, "zapm-agent"), "--system", "--interval",
                              "0.05", "--count", "40", "--connect", "tcp://127.0.0.1:%d" % port],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = os.path.join(work, "bodies.txt")
    paths = []
    try:
        with open(path, "w") as out:
            for i in range(30):
                sample = json.loads(sub.recv())
                kept = {k: sample[k] for k in ("cpu", "mem", "proc", "sys") if k in sample}
                out.write(json.dumps(kept, separators=(",", ":"))[1:-1] + "\n")
                if i == 0:
                    paths = leaf_paths(kept)
    finally:
        agent.wait(30)
        sub.close(0)
    return path, paths


def leaf_paths(obj, prefix=""):
    out = []
    for k, v in obj.items():
        p = prefix + k
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            out.append(p)
        elif isinstance(v, dict):
            out += leaf_paths(v, p + ".")
        elif isinstance(v, list):
            out += [p + ".%d" % i for i, x in enumerate(v) if isinstance(x, (int, float))]
    return out


# --- the attacks: each takes (ctx) and returns a result string -------------------

def history(ctx, query):
    status, size = ctx.col.get("/api/history?" + query, timeout=ctx.args.query_timeout)
    return "HTTP %d, %.1f MB" % (status, size / 1e6)


def attack_history_wide(ctx):
    metrics = ",".join(ctx.paths[:23])
    return history(ctx, "points=10000&group=series&seconds=600&metric=" + metrics)


def attack_history_repeat(ctx):
    return history(ctx, "points=10000&group=series&seconds=600&metric=" + ",".join(["cpu"] * 255))


def attack_history_decade(ctx):
    return history(ctx, "seconds=315360000")


def attack_slow_readers(ctx):
    """10 clients ask for a large answer and never read; held 30 s, then closed."""
    query = "/api/history?seconds=600&group=series&points=600&metric=cpu,mem,sys.cpu_percent"
    timeouts0 = family(ctx.col.metrics(), "zapm_http_write_timeouts_total")
    socks = []
    for _ in range(10):
        s = socket.create_connection(("127.0.0.1", ctx.col.http_port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % query).encode())
        socks.append(s)
    held_at = time.monotonic()
    rss_held = 0
    while time.monotonic() - held_at < ctx.args.slow_seconds:
        time.sleep(1)
        rss_held = max(rss_held, status_kib(ctx.col.pid, "VmRSS"))
    # The collector's own count: a close it makes is queued behind the
    # megabytes its kernel still holds for the client, so the client cannot see it.
    closed = family(ctx.col.metrics(), "zapm_http_write_timeouts_total") - timeouts0
    for s in socks:
        s.close()
    return "held %d s: RSS %.0f MiB while held; %d of 10 closed by --http-write-timeout" % (
        ctx.args.slow_seconds, rss_held / 1024, closed)


def attack_query_storm(ctx):
    """8 clients asking for the largest answers the defaults allow, back to back, 30 s."""
    queries = ["/api/history?seconds=600",  # the dashboard's backfill: memory, every series
               "/api/history?seconds=600&group=series&points=600&metric=cpu,mem,sys.cpu_percent",
               "/api/history?seconds=86400&group=service&points=800",
               "/api/history?seconds=2592000&points=800"]
    codes = {}
    lock = threading.Lock()
    end = time.monotonic() + ctx.args.storm_seconds

    def client(i):
        k = i
        while time.monotonic() < end:
            status, _ = ctx.col.get(queries[k % len(queries)], timeout=60)
            k += 1
            with lock:
                codes[status] = codes.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(ctx.args.storm_seconds + 90)
    return "%d answers in %d s: %s" % (sum(codes.values()), ctx.args.storm_seconds, ", ".join(
        "HTTP %s x%d" % (k, v) for k, v in sorted(codes.items(), key=lambda kv: str(kv[0]))))


def attack_churn_ids(ctx):
    """A new agent name + pid `rate` times a second."""
    pub = Publisher(ctx.col)
    rate, seconds = ctx.args.churn_rate, ctx.args.churn_seconds
    lines0 = ctx.col.log_lines()
    start = time.monotonic()
    sent, rss_1min = 0, None
    rss_marks = []
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while sent < due:
            pub.send("churn-%d" % sent, 100000 + sent)
            sent += 1
        if rss_1min is None and elapsed >= min(60, seconds / 2):
            rss_1min = status_kib(ctx.col.pid, "VmRSS")
        if int(elapsed) % 60 == 0 and (not rss_marks or rss_marks[-1][0] != int(elapsed)):
            rss_marks.append((int(elapsed), status_kib(ctx.col.pid, "VmRSS")))
        time.sleep(0.005)
    pub.close()
    rss_end = status_kib(ctx.col.pid, "VmRSS")
    lines = ctx.col.log_lines() - lines0
    rows = sqlite_count(ctx.col.store, "series")
    m = ctx.col.metrics()
    refused = sum(v for k, v in m.items() if k.split("{")[0] in (
        "zapm_series_refused_total", "zapm_store_refused_total"))
    return ("%d ids in %d s; RSS %.0f MiB at %s s, %.0f MiB at end (each minute: %s); "
            "%.0f log lines/min; store series rows %s; refused %d" % (
                sent, seconds, (rss_1min or 0) / 1024, min(60, seconds // 2), rss_end / 1024,
                " ".join("%.0f" % (k / 1024) for _, k in rss_marks[1:]) or "-",
                lines / (seconds / 60.0), rows, refused))


def attack_churn_metrics(ctx):
    """One publisher, a new custom metric name every sample."""
    pub = Publisher(ctx.col)
    rate, seconds = ctx.args.churn_rate, ctx.args.churn_seconds
    start, sent = time.monotonic(), 0
    rss_half = None
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while sent < due:
            pub.send("metric-churn", 4242, ',"custom":{"m%d":1}' % sent)
            sent += 1
        if rss_half is None and elapsed >= seconds / 2:
            rss_half = status_kib(ctx.col.pid, "VmRSS")
        time.sleep(0.005)
    pub.close()
    time.sleep(2)
    return "%d names; RSS %.0f MiB at half, %.0f MiB at end; store metric rows %s" % (
        sent, (rss_half or 0) / 1024, status_kib(ctx.col.pid, "VmRSS") / 1024,
        sqlite_count(ctx.col.store, "metric"))


def attack_seq_jump(ctx):
    """seq 0 -> 10^15 -> 0, 1, ... for 200 samples."""
    pub = Publisher(ctx.col)
    seqs = [0, 10 ** 15] + list(range(0, 198))
    for s in seqs:
        pub.send("seqjump", 777, seq=s)
        time.sleep(0.002)
    pub.close()
    time.sleep(2)
    m = ctx.col.metrics()
    lost = family(m, "zapm_agent_samples_lost_total", 'agent="seqjump"')
    resets = family(m, "zapm_seq_resets_total")
    return "lost %d (exact integer: %s); seq_reset counted %d" % (
        lost, "yes" if lost < 2 ** 53 else "no", resets)


def attack_nul_identity(ctx):
    pub = Publisher(ctx.col)
    before = ctx.col.metrics()
    pub.send("ab", 7)
    pub.send("ab\u0000cd", 7)
    pub.close()
    time.sleep(1.5)
    after = ctx.col.metrics()
    refused = (family(after, "zapm_samples_invalid_total", "control_character")
               - family(before, "zapm_samples_invalid_total", "control_character"))
    agents = json.loads(urllib.request.urlopen(ctx.col.url("/api/agents"), timeout=10).read())
    items = agents if isinstance(agents, list) else agents.get("agents", [])
    ab = [a for a in items if str(a.get("agent", "")).startswith("ab")]
    return "series named ab*: %s; refused as control_character +%d" % (
        ",".join(sorted(repr(a.get("agent")) for a in ab)), refused)


def attack_timestamps(ctx):
    pub = Publisher(ctx.col)
    before = ctx.col.metrics()
    pub.send("ts-1970", 71, t=86400.0)
    pub.send("ts-9999", 72, t=253370764800.0 - 86400)
    pub.close()
    time.sleep(1.5)
    after = ctx.col.metrics()
    refused = (family(after, "zapm_samples_invalid_total", "too_")
               - family(before, "zapm_samples_invalid_total", "too_"))
    stored_refused = (family(after, "zapm_store_samples_refused_total")
                      - family(before, "zapm_store_samples_refused_total"))
    retimed = (family(after, "zapm_samples_retimed_total")
               - family(before, "zapm_samples_retimed_total"))
    return "refused at the door +%d, retimed +%d, store refused +%d" % (
        refused, retimed, stored_refused)


def raw_http(port, request, timeout=3.0):
    """(status line, whether the server closed the connection, bytes after the headers)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(request)
    data = b""
    closed = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
            if b"\r\n\r\n" in data and not request.startswith(b"HEAD"):
                head, _, rest = data.partition(b"\r\n\r\n")
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    s.settimeout(0.5)
    except socket.timeout:
        pass
    except OSError:
        closed = True
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(errors="replace"), closed, len(rest)


def attack_http_strict(ctx):
    port = ctx.col.http_port
    cases = [
        ("CL 0+5", b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello"),
        ("TE sp", b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
        ("no Host", b"GET /healthz HTTP/1.1\r\n\r\n"),
        ("HEAD /feed", b"HEAD /feed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    ]
    out = []
    for name, req in cases:
        line, closed, body = raw_http(port, req)
        code = line.split(" ")[1] if line.count(" ") >= 1 else "none"
        out.append("%s %s%s%s" % (name, code, " closed" if closed else " kept",
                                  (" body %dB" % body) if name.startswith("HEAD") else ""))
    return "; ".join(out)


def attack_tls_old(ctx):
    """TLS 1.0, 1.1 and a non-forward-secret cipher against an HTTPS collector."""
    work = tempfile.mkdtemp(dir=ctx.work)
    key, cert = os.path.join(work, "key.pem"), os.path.join(work, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    col = Collector(ctx.args, work, store=os.path.join(work, "tls.db"),
                    extra=["--tls-cert", cert, "--tls-key", key])
    out = []
    try:
        for name, flags in (("TLS1.0", ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]),
                            ("TLS1.1", ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]),
                            ("TLS1.2 AES128-SHA", ["-tls1_2", "-cipher", "AES128-SHA"]),
                            ("TLS1.2 ECDHE-GCM", ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
                            ("TLS1.3", ["-tls1_3"])):
            r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % col.http_port]
                               + flags, input=b"", capture_output=True, timeout=20)
            text = r.stdout.decode(errors="replace")
            m = re.search(r"Cipher is (\S+)", text)
            ok = m and m.group(1) != "(NONE)"
            out.append("%s %s" % (name, "accepted" if ok else "refused"))
    finally:
        col.stop()
    return "; ".join(out)


def attack_kill9(ctx):
    """kill -9 under load, restart: seconds until the last second before the kill is served."""
    col = ctx.col
    time.sleep(3)
    killed_at = time.time()
    os.kill(col.pid, signal.SIGKILL)
    col.proc.wait(10)
    col.log.close()
    col.start()
    start = time.monotonic()
    served_after, first_gap = None, None
    while time.monotonic() - start < 120:
        try:
            body = urllib.request.urlopen(
                col.url("/api/history?seconds=60&agent=fleet-1@*&group=series&points=600"),
                timeout=10).read()
            doc = json.loads(body)
            before = [t for s in doc.get("series", []) for t in s.get("t", []) if t <= killed_at]
            gap = killed_at - max(before) if before else float("inf")
            if first_gap is None:
                first_gap = gap
            # fleet-1 sends once a second: its last sample before the kill is
            # at most 1 s (plus a bucket) before it.
            if gap <= 1.2:
                served_after = time.monotonic() - start
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.25)
    if served_after is None:
        return ("at the first answer the newest point before the kill was %.1f s old; "
                "still not within 1.2 s after 120 s" % first_gap)
    return ("at the first answer the newest point before the kill was %.1f s old; "
            "the last second before the kill served %.2f s after the first answer" % (
                first_gap, served_after))


def sqlite_count(db, table):
    try:
        r = subprocess.run(["sqlite3", "-readonly", db, "SELECT count(*) FROM %s" % table],
                           capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


ATTACKS = [
    ("history_wide", attack_history_wide,
     "/api/history points=10000 group=series seconds=600, 23 metrics"),
    ("history_repeat", attack_history_repeat, "the same with metric=cpu 255 times"),
    ("history_decade", attack_history_decade, "seconds=315360000 (ten years)"),
    ("slow_readers", attack_slow_readers, "10 clients that never read a large answer"),
    ("query_storm", attack_query_storm, "8 clients asking for the largest allowed answers, 30 s"),
    ("churn_ids", attack_churn_ids, "a new agent name + pid RATE times a second"),
    ("churn_metrics", attack_churn_metrics, "a new custom metric name every sample"),
    ("seq_jump", attack_seq_jump, "seq 0 -> 10^15 -> 0"),
    ("nul_identity", attack_nul_identity, "agent \"ab\\u0000cd\" beside agent \"ab\""),
    ("timestamps", attack_timestamps, "timestamps in 1970 and 9999"),
    ("http_strict", attack_http_strict, "duplicate Content-Length, 'TE :', no Host, HEAD /feed"),
    ("tls_old", attack_tls_old, "TLS 1.0, 1.1 and a non-forward-secret cipher"),
    ("kill9", attack_kill9, "kill -9 under load, restart"),
]


class Context:
    pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default="build/bin", help="directory of the zapm programs")
    p.add_argument("--series", type=int, default=3000, help="good agents at 1 Hz (3000)")
    p.add_argument("--warm", type=float, default=60, help="seconds of history before attacking")
    p.add_argument("--attacks", default="all", help="comma-separated names, or all")
    p.add_argument("--churn-rate", type=int, default=2000, help="new identities a second")
    p.add_argument("--churn-seconds", type=int, default=120, help="how long each churn runs")
    p.add_argument("--slow-seconds", type=int, default=75,
                   help="how long slow readers hold (past --http-write-timeout's 30 s, "
                        "after their queries' turns on the store's thread)")
    p.add_argument("--storm-seconds", type=int, default=30, help="how long the query storm runs")
    p.add_argument("--query-timeout", type=float, default=300, help="seconds per attack query")
    p.add_argument("--cap-gib", type=int, default=8, help="the collector's address-space cap")
    p.add_argument("--collector-arg", action="append", default=[], metavar="ARG",
                   help="one more argument for zapm-collector (repeatable)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--list", action="store_true", help="list the attacks and exit")
    args = p.parse_args()
    if args.list:
        for name, _, what in ATTACKS:
            print("%-15s %s" % (name, what))
        return 0
    chosen = [a for a in ATTACKS if args.attacks == "all" or a[0] in args.attacks.split(",")]
    unknown = set(args.attacks.split(",")) - {a[0] for a in ATTACKS} - {"all"}
    if unknown:
        p.error("unknown attack(s): %s (see --list)" % ",".join(sorted(unknown)))
    for prog in ("zapm-collector", "zapm-fleetgen", "zapm-agent"):
        if not os.access(os.path.join(args.bin, prog), os.X_OK):
            p.error("no %s in %s (build first, or give --bin)" % (prog, args.bin))

    work = tempfile.mkdtemp(prefix="zapm-abuse-")
    ctx = Context()
    ctx.args, ctx.work = args, work
    bodies, ctx.paths = record_bodies(args, work)
    total = args.warm + 60 * len(chosen) + args.churn_seconds * 2 + args.slow_seconds + 600
    ctx.col = Collector(args, work)
    fleet = subprocess.Popen([os.path.join(args.bin, "zapm-fleetgen"), "--endpoints",
                              "tcp://127.0.0.1:%d" % ctx.col.zmq_port, "--agents",
                              str(args.series), "--sockets", "8", "--duration",
                              str(int(min(total, 3600))), "--bodies", bodies],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print("zapm abuse harness: %d good agents, %s warm-up, work dir %s" % (
        args.series, "%.0f s" % args.warm, work), flush=True)
    time.sleep(args.warm)
    rows = []
    try:
        for name, fn, what in chosen:
            if not ctx.col.alive():
                ctx.col.log.close()
                ctx.col.start()
                time.sleep(5)
            lost0 = family(ctx.col.metrics(), "zapm_agent_samples_lost_total", 'agent="fleet-')
            base_kib = status_kib(ctx.col.pid, "VmRSS")
            watch = Watch(ctx.col)
            t0 = time.monotonic()
            try:
                result = fn(ctx)
            except Exception as e:  # noqa: BLE001 - an attack that breaks the harness is a row too
                result = "harness error: %s" % e
            watch.end()
            died = not ctx.col.alive()
            if died:
                result += "; COLLECTOR DIED (exit %s)" % ctx.col.proc.returncode
                after_kib, lost = 0, float("nan")
            else:
                time.sleep(5)
                after_kib = status_kib(ctx.col.pid, "VmRSS")
                lost = family(ctx.col.metrics(), "zapm_agent_samples_lost_total",
                              'agent="fleet-') - lost0
            row = (name, base_kib / 1024, max(watch.peak_kib, after_kib) / 1024,
                   after_kib / 1024, watch.p99_ms(), watch.worst_ms, lost,
                   time.monotonic() - t0, result)
            rows.append(row)
            print("%-15s before %6.0f MiB  peak %6.0f MiB  after %6.0f MiB  healthz p99 %5.0f "
                  "worst %5.0f ms  lost %6.0f  (%.0f s)  %s" % row, flush=True)
    finally:
        fleet.terminate()
        try:
            fleet.wait(30)
        except subprocess.TimeoutExpired:
            fleet.kill()
        ctx.col.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print("| attack | RSS before MiB | peak MiB | after MiB | /healthz p99 ms | worst ms "
          "| good agents lost | result |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %s |" % (
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[8]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
