"""test_remote_write: the remote write module (collector/export/remote_write.c) driven
by tests/collector/export/rw_driver.c, against real receivers and a fake one.

- Prometheus (Debian's `prometheus`, --web.enable-remote-write-receiver) and
  VictoriaMetrics (Debian's `victoria-metrics`) started on free loopback ports
  with temporary storage: /api/v1/query returns every series with exactly the
  samples sent.
- A fake receiver (rw_receiver.py) that is down, slow, or answers 500, 429 or
  400: each case is counted as documented, logged once, and delivery resumes
  by itself; the receiver stopped for 20 s: the points of the outage up to the
  queue bound arrive, none twice.
- Headers, basic auth and bearer token from files, TLS with a CA file, bad
  configuration refused with a clear line.

Run: test_remote_write.py --case NAME; ctest passes the driver in $ZAPM_RW_DRIVER.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "e2e"))

import receivers  # noqa: E402
import zapmtest  # noqa: E402
from zapmtest import Failure, case, check, free_port, log, wait_until  # noqa: E402
from rw_receiver import Receiver  # noqa: E402

DRIVER = os.environ.get("ZAPM_RW_DRIVER", "")
NOTE = 'caf\u00e9 "quoted" \\ back'
VERSION = os.environ.get("ZAPM_VERSION", "")


# ---------------------------------------------------------------- helpers

def expected_points(series, steps, start_ms, ts_step_ms):
    """Every point rw_driver sends, as the receiver records them."""
    points = []
    for i in range(steps):
        for k in range(series):
            ts = start_ms + i * ts_step_ms
            name = "s%d" % k
            points.append(("zapm_rw_test_value",
                           frozenset({("series", name), ("job", "rw_driver"), ("note", NOTE)}),
                           k * 1000.0 + i + 0.25, ts))
            points.append(("zapm_rw_test_total",
                           frozenset({("series", name), ("job", "rw_driver")}),
                           float(i * (k + 1)), ts))
    return points


class Run:
    """A finished rw_driver run: its output, final counters, destroy time."""

    def __init__(self, proc):
        self.output = proc.output()
        self.rc = proc.popen.returncode
        self.final = None
        self.destroyed_ms = None
        self.max_append_us = None
        for line in self.output.splitlines():
            if line.startswith("final "):
                self.final = json.loads(line[6:])
            elif line.startswith("destroyed_ms "):
                self.destroyed_ms = int(line.split()[1])
            elif line.startswith("max_append_us "):
                self.max_append_us = int(line.split()[1])

    def check_append_never_waited(self):
        """The longest append is far below any receiver delay of these tests (a
        1 s timeout, 10 s answers, a 20 s outage): it never waited for the
        network. The bound leaves room for a busy machine's scheduling."""
        limit = 200000 * zapmtest.SLOW
        check(self.max_append_us is not None and self.max_append_us < limit,
              "an append took %s us", self.max_append_us)

    def warnings(self, text):
        return [ln for ln in self.output.splitlines() if " W: " in ln and text in ln]


def driver(procs, url, *args, wait=True, timeout=60):
    """Starts rw_driver; with wait, waits for it to exit 0 and returns a Run."""
    check(DRIVER, "ZAPM_RW_DRIVER not set")
    proc = procs.start([DRIVER, "--url", url, *[str(a) for a in args]], name="rw_driver")
    if not wait:
        return proc
    return finish(proc, timeout)


def finish(proc, timeout=60):
    try:
        proc.popen.wait(timeout * zapmtest.SLOW)
    except subprocess.TimeoutExpired:
        raise Failure("rw_driver still running after %.0f s:\n%s" % (timeout, proc.output()))
    run = Run(proc)
    check(run.rc == 0 and run.final, "rw_driver exited %s:\n%s", run.rc, run.output)
    return run


def check_sums(final):
    """Every point queued is accounted for exactly once."""
    total = (final["sent"] + final["invalid"] + final["queue_full"] + final["rejected"]
             + final["shutdown"] + final["queue_points"])
    check(final["appended"] == total, "counters do not add up: %r", final)


def check_exactly(points, want, what):
    """The receiver holds each wanted point once and nothing else."""
    got = sorted(points, key=repr)
    check(len(set(points)) == len(points), "%s: %d points arrived twice", what,
          len(points) - len(set(points)))
    missing = set(want) - set(points)
    extra = set(points) - set(want)
    check(not missing and not extra, "%s: %d missing (e.g. %r), %d unexpected (e.g. %r)", what,
          len(missing), sorted(missing)[:2], len(extra), sorted(extra)[:2])
    check(len(got) == len(want), "%s: %d points, want %d", what, len(got), len(want))


def check_headers(requests):
    check(requests, "no request arrived")
    for _, h in requests:
        check(h.get("content-encoding") == "snappy", "Content-Encoding %r", h.get("content-encoding"))
        check(h.get("content-type") == "application/x-protobuf", "Content-Type %r",
              h.get("content-type"))
        check(h.get("x-prometheus-remote-write-version") == "0.1.0", "version header %r",
              h.get("x-prometheus-remote-write-version"))
        check(h.get("user-agent", "").startswith("zapm/"), "User-Agent %r", h.get("user-agent"))
        if VERSION:
            check(h["user-agent"] == "zapm/" + VERSION, "User-Agent %r", h["user-agent"])


def now_ms():
    return int(time.time()) * 1000


def http_json(url, data=None, timeout=5.0):
    with urllib.request.urlopen(url, data=data, timeout=timeout) as r:
        return json.loads(r.read().decode())


def query_samples(base, start_ms, end_ms):
    """The raw samples of the driver's metrics in [start, end], as receiver points."""
    points = []
    window = "%ds" % ((end_ms - start_ms) // 1000 + 5)
    for metric in ("zapm_rw_test_value", "zapm_rw_test_total"):
        q = urllib.parse.urlencode({"query": "%s[%s]" % (metric, window),
                                    "time": "%.3f" % (end_ms / 1000.0)})
        answer = http_json("%s/api/v1/query?%s" % (base, q))
        check(answer.get("status") == "success", "query failed: %r", answer)
        for series in answer["data"]["result"]:
            labels = dict(series["metric"])
            name = labels.pop("__name__")
            for stamp, value in series["values"]:
                points.append((name, frozenset(labels.items()), float(value),
                               int(round(float(stamp) * 1000))))
    return points


def tmpdir(procs):
    return receivers.temp_dir(procs, "zapm-rw-")


def secret_file(directory, name, text, mode=0o600):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, mode)
    return path


def receiver(procs, **kw):
    r = Receiver(free_port(), **kw)
    r.start()
    procs.own(r)
    return r


# ---------------------------------------------------------------- real receivers

def _check_real_receiver(procs, base, write_url, settle=None):
    series, steps, step_ms = 3, 12, 250
    start = now_ms() - 10000  # a little in the past: well inside both stores' windows
    run = driver(procs, write_url, "--series", series, "--steps", steps, "--step-ms", step_ms,
                 "--start-ms", start, "--ts-step-ms", 1000, "--batch-delay-ms", 500,
                 "--invalid", 2)
    f = run.final
    want = expected_points(series, steps, start, 1000)
    check(f["appended"] == len(want) + 2 and f["sent"] == len(want), "counters %r", f)
    check(f["invalid"] == 2 and f["batches_sent"] >= 2, "counters %r", f)
    check(f["last_status"] == 204, "last status %r", f["last_status"])
    check_sums(f)
    lines = run.warnings("refused invalid points, the last one: ")
    check(lines, "no line about the invalid points:\n%s", run.output)
    # The line names the point: the reason, then its metric and labels.
    check(all("bad metric name: 0bad{}" in ln or 'too many labels: ok{l="v",l="v"' in ln
              for ln in lines), "invalid point not named:\n%s", "\n".join(lines))
    end = start + (steps - 1) * 1000

    def complete():
        if settle:
            settle()
        got = query_samples(base, start, end)
        return got if len(got) >= len(want) else None
    try:
        got = wait_until(complete, 15, "every sample queryable", step=0.5)
    except Failure:
        got = query_samples(base, start, end)
    check_exactly(got, want, "query answer")
    log("%d samples of %d series read back, in %d requests", len(got), 2 * series,
        f["batches_sent"])


@case
def prometheus(procs):
    server, base = receivers.prometheus(procs)
    _check_real_receiver(procs, base, base + "/api/v1/write")
    receivers.stop(server)


@case
def victoriametrics(procs):
    server, base, flush = receivers.victoriametrics(procs)
    _check_real_receiver(procs, base, base + "/api/v1/write", settle=flush)
    receivers.stop(server)


# ---------------------------------------------------------------- faults

def _fault(procs, mode, counter, line, phase_s=2.0, **extra):
    """The receiver answers `mode` for the first phase_s seconds, then 204."""
    r = receiver(procs, mode=mode, slow_s=extra.pop("slow_s", 10.0))
    series, steps, step_ms = 2, 20, 200
    start = now_ms()
    args = ["--series", series, "--steps", steps, "--step-ms", step_ms, "--start-ms", start,
            "--batch-delay-ms", 300, "--backoff-min-ms", 100, "--backoff-max-ms", 800,
            "--drain-ms", 20000]
    for k, v in extra.items():
        args += ["--" + k.replace("_", "-"), v]
    proc = driver(procs, "http://127.0.0.1:%d/api/v1/write" % r.port, *args, wait=False)
    time.sleep(phase_s)
    r.mode = "ok"
    run = finish(proc)
    f = run.final
    points, requests, problems = r.snapshot()
    check(not problems, "receiver found: %r", problems)
    check_headers(requests)
    check_sums(f)
    check(f["queue_points"] == 0, "not drained: %r", f)
    failed = sum(1 for m, _ in requests if m == mode)
    log("%s: %d failed requests, %d in all; counters %s", mode, failed, len(requests),
        {k: v for k, v in f.items() if v and k not in ("last_success_ms",)})
    check(f[counter] >= 2, "%s = %d, want >= 2: %r", counter, f[counter], f)
    warned = run.warnings(line)
    check(len(warned) == 1, "want one log line with %r (once a minute), got %d:\n%s", line,
          len(warned), run.output)
    run.check_append_never_waited()
    return r, run, expected_points(series, steps, start, step_ms), points


@case
def fault_500(procs):
    r, run, want, points = _fault(procs, "500", "retries_5xx", "receiver failed (answer 500")
    check(run.final["retries_5xx"] == sum(1 for m, _ in r.requests if m == "500"),
          "one retry per 500 answer")
    check_exactly(points, want, "after 500s")
    check(run.final["last_status"] == 204 and run.final["sent"] == len(want), "%r", run.final)
    check("delivering again" in run.output, "no recovery line:\n%s", run.output)


@case
def fault_429(procs):
    r, run, want, points = _fault(procs, "429", "retries_429", "receiver is throttling")
    check_exactly(points, want, "after 429s")
    check(run.final["sent"] == len(want), "%r", run.final)


@case
def fault_400(procs):
    r, run, want, points = _fault(procs, "400", "batches_rejected",
                                  "receiver refused a batch (answer 400 \"nope!\\x0a\")")
    f = run.final
    rejected = sum(1 for m, _ in r.requests if m == "400")
    check(f["batches_rejected"] == rejected, "one rejection per 400: %r", f)
    check(f["retries_5xx"] + f["retries_429"] + f["retries_network"] == 0, "400 retried: %r", f)
    # The refused batches are gone for good; the rest arrived once each.
    check(f["rejected"] > 0 and f["sent"] + f["rejected"] == len(want), "%r", f)
    check(len(points) == f["sent"] and len(set(points)) == len(points), "arrived twice")
    check(set(points) <= set(want), "unexpected points")


@case
def fault_down(procs):
    port = free_port()
    r = Receiver(port)
    procs.own(r)
    series, steps, step_ms = 2, 20, 200
    start = now_ms()
    proc = driver(procs, "http://127.0.0.1:%d/api/v1/write" % port, "--series", series,
                  "--steps", steps, "--step-ms", step_ms, "--start-ms", start,
                  "--batch-delay-ms", 300, "--backoff-max-ms", 800, "--drain-ms", 20000,
                  wait=False)
    time.sleep(2.0)
    r.start()
    run = finish(proc)
    f = run.final
    check(f["retries_network"] >= 2, "%r", f)
    run.check_append_never_waited()
    check(len(run.warnings("cannot reach the receiver, will retry")) == 1,
          "want one line about it:\n%s", run.output)
    check("delivering again" in run.output, "no recovery line")
    points, requests, _ = r.snapshot()
    check_headers(requests)
    check_exactly(points, expected_points(series, steps, start, step_ms), "after the outage")
    check_sums(f)


@case
def fault_slow(procs):
    # Answers after 10 s; the sender gives up after 1 s and tries again.
    r, run, want, points = _fault(procs, "slow", "retries_timeout", "no answer in time",
                                  phase_s=3.0, timeout_ms=1000)
    check_exactly(points, want, "after slow answers")


@case
def slow_shutdown(procs):
    """A receiver that never answers in time cannot hold destroy past flush_ms."""
    r = receiver(procs, mode="slow", slow_s=10.0)
    run = driver(procs, "http://127.0.0.1:%d/api/v1/write" % r.port, "--series", 2,
                 "--steps", 5, "--step-ms", 100, "--timeout-ms", 30000, "--flush-ms", 1000,
                 "--drain-ms", 1500, "--batch-delay-ms", 100)
    f = run.final
    check(run.destroyed_ms is not None and run.destroyed_ms < 1000 + 1500 * zapmtest.SLOW,
          "destroy took %r ms", run.destroyed_ms)
    check(f["sent"] == 0 and f["queue_points"] == 20, "%r", f)
    check("20 points not delivered within 1000 ms of shutdown" in run.output,
          "no line about the undelivered points:\n%s", run.output)


@case
def outage(procs):
    """The receiver stopped for 20 s: the newest queue_points of the outage
    arrive after it, the older ones are dropped and counted, none arrives twice."""
    port = free_port()
    r = Receiver(port)
    procs.own(r)
    r.start()
    step_ms, steps, batch, queue = 50, 600, 20, 200     # 40 points/s for 30 s
    start = int(time.time() * 1000)  # stamps follow the wall clock (the driver does not drift)
    proc = driver(procs, "http://127.0.0.1:%d/api/v1/write" % port, "--series", 1,
                  "--steps", steps, "--step-ms", step_ms, "--start-ms", start,
                  "--batch-points", batch, "--queue-points", queue, "--batch-delay-ms", 200,
                  "--backoff-max-ms", 1000, "--drain-ms", 20000, wait=False)
    time.sleep(5)
    r.stop()
    down_ms = int(time.time() * 1000)
    time.sleep(20)
    up_ms = int(time.time() * 1000)
    r.start()
    run = finish(proc, timeout=90)
    f = run.final
    points, _, problems = r.snapshot()
    check(not problems, "receiver found: %r", problems)
    want = expected_points(1, steps, start, step_ms)
    check(len(set(points)) == len(points), "%d points arrived twice",
          len(points) - len(set(points)))
    check(set(points) <= set(want), "unexpected points")
    arrived = {p[3] for p in points}
    missing = sorted({p[3] for p in want} - arrived)
    # Both metrics of a step travel together; the lost steps are one run of them.
    check(len(points) + f["queue_full"] == len(want), "arrived %d + dropped %d != sent %d",
          len(points), f["queue_full"], len(want))
    check(f["sent"] == len(points) and f["rejected"] == 0 and f["shutdown"] == 0, "%r", f)
    check_sums(f)
    check(missing, "nothing was dropped over a 20 s outage")
    check(missing == list(range(missing[0], missing[-1] + step_ms, step_ms)),
          "the dropped points are not one run of the oldest")
    check(down_ms - 1000 <= missing[0] <= down_ms + 1000,
          "drops start at %d, the outage at %d", missing[0], down_ms)
    from_outage = sum(1 for p in points if down_ms <= p[3] < up_ms)
    check(queue - 2 * batch <= from_outage <= queue + 2 * batch,
          "%d points from the outage arrived, want about the queue bound %d", from_outage, queue)
    check(max(arrived) == start + (steps - 1) * step_ms, "the newest point did not arrive")
    run.check_append_never_waited()
    check(len(run.warnings("the queue is full: dropped the oldest points")) == 1,
          "want one line about the drops:\n%s", run.output)
    log("outage %.1f s: %d points arrived (%d from the outage), %d dropped as the oldest; "
        "longest append %d us", (up_ms - down_ms) / 1000.0, len(points), from_outage,
        f["queue_full"], run.max_append_us)


# ---------------------------------------------------------------- security

@case
def auth(procs):
    d = tmpdir(procs)
    token = "t0k3n-" + base64.b16encode(os.urandom(8)).decode()
    password = "pa55-" + base64.b16encode(os.urandom(8)).decode()
    # Bearer token; the file may be readable by its group (the one rule for
    # secret files, common/secret_file.h: 0600 or 0640), without a warning.
    r = receiver(procs, auth="Bearer " + token)
    run = driver(procs, "http://127.0.0.1:%d/w" % r.port, "--steps", 2, "--step-ms", 0,
                 "--token-file", secret_file(d, "token", token, 0o640))
    check(run.final["sent"] == 12, "bearer: %r", run.final)
    check(not run.warnings("open to"), "a warning about mode 640")
    check(run.warnings("credentials go over plain http"), "no warning about plain http")
    check(token not in run.output, "the token is in the log")
    # Basic auth.
    r2 = receiver(procs, auth="Basic " + base64.b64encode(("zapm:" + password).encode()).decode())
    run = driver(procs, "http://127.0.0.1:%d/w" % r2.port, "--steps", 2, "--step-ms", 0,
                 "--user", "zapm", "--password-file", secret_file(d, "password", password))
    check(run.final["sent"] == 12, "basic: %r", run.final)
    check(password not in run.output, "the password is in the log")
    # A wrong token: 401 is a refusal, counted, not retried.
    run = driver(procs, "http://127.0.0.1:%d/w" % r.port, "--steps", 2, "--step-ms", 0,
                 "--token-file", secret_file(d, "wrong", "wrong-token"))
    f = run.final
    check(f["rejected"] == 12 and f["batches_rejected"] == 1 and f["last_status"] == 401, "%r", f)
    check("wrong-token" not in run.output, "the token is in the log")


def _refused(procs, url, *args, says):
    proc = driver(procs, url, "--steps", 1, *args, wait=False)
    try:
        proc.popen.wait(10 * zapmtest.SLOW)
    except subprocess.TimeoutExpired:
        raise Failure("rw_driver did not refuse %r" % (args,))
    out = proc.output()
    check(proc.popen.returncode == 1, "exit %s, want 1:\n%s", proc.popen.returncode, out)
    check(says in out, "want %r in:\n%s", says, out)
    procs.procs.remove(proc)
    return out


@case
def bad_config(procs):
    d = tmpdir(procs)
    url = "http://127.0.0.1:%d/w" % free_port()
    _refused(procs, "ftp://127.0.0.1/w", says="not an http:// or https:// URL")
    _refused(procs, "not a url at all", says="not a URL")
    out = _refused(procs, "http://user:hunter2@127.0.0.1/w",
                   says="credentials do not belong in the URL")
    check("hunter2" not in out, "the password from the URL is in the log")
    _refused(procs, url, "--token-file", secret_file(d, "open", "s3cret", 0o644),
             says="is open to others (mode 0644): it holds a secret; run chmod 600 ")
    # Writable by its group: refused too (a member could swap the secret).
    _refused(procs, url, "--password-file", secret_file(d, "groupw", "s3cret", 0o660),
             "--user", "zapm", says="is open to others (mode 0660)")
    _refused(procs, url, "--token-file", os.path.join(d, "absent"),
             says="the bearer token file: cannot open")
    _refused(procs, url, "--token-file", secret_file(d, "empty", ""), says="it is empty")
    two = secret_file(d, "two", "line1\nline2")
    _refused(procs, url, "--token-file", two, says="a control character or a second line")
    _refused(procs, url, "--user", "zapm", says="needs both a user name and a password file")
    _refused(procs, url, "--user", "zapm", "--password-file", secret_file(d, "p", "x"),
             "--token-file", secret_file(d, "t", "y"), says="not both")
    _refused(procs, url, "--ca-file", os.path.join(d, "absent.pem"), says="cannot read the CA")
    _refused(procs, url, "--batch-points", 100, "--queue-points", 10,
             says="the queue must hold at least one batch")
    out = _refused(procs, url, "--token-file", secret_file(d, "open2", "s3cret", 0o604),
                   says="open to others")
    check("s3cret" not in out, "a secret is in the log")


@case
def tls(procs):
    """https with the receiver's CA given: delivered; without it: refused by
    verification, counted as network errors and retried, nothing delivered."""
    openssl = shutil.which("openssl")
    check(openssl, "openssl not installed")
    d = tmpdir(procs)
    ca_key, ca, key, csr, cert = (os.path.join(d, n) for n in
                                  ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem"))
    ext = os.path.join(d, "ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for argv in (
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
             "-out", ca, "-days", "2", "-subj", "/CN=zapm test CA"],
            [openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
             "-subj", "/CN=127.0.0.1"],
            [openssl, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
             "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext]):
        subprocess.run(argv, check=True, capture_output=True, timeout=60)
    r = receiver(procs, tls=(cert, key))
    url = "https://127.0.0.1:%d/api/v1/write" % r.port
    run = driver(procs, url, "--steps", 3, "--step-ms", 0, "--ca-file", ca)
    check(run.final["sent"] == 18, "with the CA: %r", run.final)
    points, requests, _ = r.snapshot()
    check_headers(requests)
    check(len(points) == 18, "%d points arrived", len(points))
    run = driver(procs, url, "--steps", 1, "--step-ms", 0, "--batch-delay-ms", 100,
                 "--drain-ms", int(2000 * zapmtest.SLOW), "--flush-ms", 100,
                 "--backoff-max-ms", 200)
    f = run.final
    check(f["sent"] == 0 and f["retries_network"] >= 2, "without the CA: %r", f)
    check(run.warnings("cannot reach the receiver"), "no line about it:\n%s", run.output)


if __name__ == "__main__":
    if DRIVER and zapmtest._is_sanitized(DRIVER):
        zapmtest.SLOW = 3.0
    zapmtest.run()
