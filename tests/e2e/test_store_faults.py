"""End-to-end: the store under pressure (issue 11): a failing disk, a tiny cap.

A write past the process's file size limit (RLIMIT_FSIZE, lowered on the
running collector with prlimit) fails as a full disk does. Live streaming and
/api/agents must not notice; the errors are counted in /metrics and logged at
most once a minute; when the limit goes, writing resumes by itself and the
file is sound. Fast publishers against a 1 MiB cap: the file and its WAL
never pass it by more than 10 %, and the oldest data goes first. One
collector per store file, the file mode 0600, $STATE_DIRECTORY's first entry.
"""

import os
import resource
import sqlite3
import time

import zapmtest as z
from zapmtest import case, check, log
from test_store import history_json, sample, tmpdir

# Small enough that the WAL of one commit passes it, large enough for the
# collector's log file (its stdout) and the store's first pages.
FSIZE_LIMIT = 64 * 1024


def busy_sample(seq, pid):
    """A sample with many numbers, so each commit is many WAL pages."""
    s = sample(seq, pid=pid, agent="disk%d" % pid)
    s["custom"] = {"c%d" % k: float(seq * 16 + k) for k in range(16)}
    return s


def publish_round(pub, seq, series=40):
    for pid in range(1000, 1000 + series):
        pub.send(busy_sample(seq, pid))


@case
def store_disk_full(procs):
    """Write errors while running: live data unaffected, counted, logged once, resumed."""
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path, "--store-seal-s", "1")
    pub = col.publisher()
    feed = col.feed("/feed?agent=disk1000@*")
    seq = 0
    publish_round(pub, seq)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= 40, 10,
                 "the first round written")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.prlimit(col.pid, resource.RLIMIT_FSIZE, (FSIZE_LIMIT, hard))
    log("collector %d: RLIMIT_FSIZE lowered to %d bytes", col.pid, FSIZE_LIMIT)

    # Ten rounds a quarter second apart until the writer has failed at least
    # three times (bounded: 120 rounds, 30 s).
    errors = 0
    for _ in range(120):
        seq += 1
        publish_round(pub, seq)
        time.sleep(0.25)
        errors = col.metrics().total("zapm_store_write_errors_total")
        if errors >= 3:
            break
    check(errors >= 3, "only %d write errors under a %d byte limit", errors, FSIZE_LIMIT)
    check(col.proc.alive(), "the collector died of the file size limit:\n%s", col.proc.output())

    # Live data did not notice: every round reached /feed, in order, and
    # /api/agents counts every sample of every series.
    events = feed.collect(lambda ev, got: len(z.samples(got)) >= seq + 1, 10,
                          what="every round of disk1000 on /feed")
    seqs = [s["seq"] for s in z.samples(events)]
    check(seqs == list(range(seq + 1)), "/feed seqs %r (want 0..%d)", seqs, seq)
    agents = col.agents()
    counts = sorted(a["samples"] for a in agents)
    check(len(agents) == 40 and counts == [seq + 1] * 40, "/api/agents samples %r", counts)
    log("%d write errors while %d rounds were sent", errors, seq + 1)
    check(col.proc.output().count("; the points of this second are lost") == 1,
          "the write error should be logged exactly once a minute:\n%s", col.proc.output())

    # The limit goes: writing resumes by itself.
    resource.prlimit(col.pid, resource.RLIMIT_FSIZE, (soft, hard))
    written = col.metrics().total("zapm_store_samples_written_total")
    resumed_from = seq + 1
    for _ in range(3):  # a third of a second apart: a bucket each
        seq += 1
        publish_round(pub, seq)
        time.sleep(0.3)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= written + 120,
                 15, "the three rounds after the limit went written")
    now = time.time()
    params = {"from": "%.3f" % (now - 120), "to": "%.3f" % (now + 5), "points": 10000,
              "group": "series", "metric": "cpu", "agent": "disk1000@*"}

    def sealed():
        d = history_json(col, **params)
        line = d["series"][0] if d["series"] else None
        if line and line["until"] and line["until"] >= line["t"][-1] - 0.001:
            return d
        log("not sealed yet: until %r, last point %r", line and line["until"],
            line and line["t"][-1:])
        return None

    d = z.wait_until(sealed, 15, "the newest round sealed into the store", step=1.0)
    line = d["series"][0]
    log("after the limit went: %d points of disk1000 served, until %.3f", len(line["t"]),
        line["until"])
    check(line["cpu"][-1] == float(seq % 100), "the newest stored cpu %r, sent %r",
          line["cpu"][-1:], float(seq % 100))
    after = [float(i % 100) for i in range(resumed_from, seq + 1)]
    check(line["cpu"][-3:] == after, "the rounds after the limit went: %r, want %r",
          line["cpu"], after)
    check("store: writing history again after" in col.proc.output(), "no line saying writing "
          "resumed:\n%s", col.proc.output())
    col.proc.stop()
    check(col.proc.popen.returncode == 0, "exit %s", col.proc.popen.returncode)

    db = sqlite3.connect(path)
    try:
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check")
    finally:
        db.close()


def store_bytes(path):
    """Bytes of the store's file and its WAL, as the cap counts them."""
    total = 0
    for name in (path, path + "-wal"):
        try:
            total += os.stat(name).st_size
        except FileNotFoundError:
            pass
    return total


@case
def store_size_cap(procs):
    """Fast publishers of badly compressible samples: --store-max-mib 1 holds within 10 %."""
    import random
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path, "--store-seal-s", "1", "--store-max-mib", "1")
    pub = col.publisher()
    rng = random.Random(11)
    cap = 1024 * 1024
    largest = 0
    t0 = time.time()
    seq = 0
    # 20 series x 16 random numbers, 10 rounds a second: about 40 KB a second
    # of history, which fills the cap in about 20 s (bounded: 60 s); until the
    # cap has made the store drop its oldest raw data, then 3 s more.
    evicted_at = None
    while time.time() - t0 < 60 * z.SLOW:
        for pid in range(20):
            s = sample(seq, pid=2000 + pid, agent="cap%d" % pid)
            s["custom"] = {"r%d" % k: rng.random() * 1e6 for k in range(16)}
            pub.send(s)
        seq += 1
        time.sleep(0.1)
        largest = max(largest, store_bytes(path))
        if evicted_at is None and seq % 10 == 0:
            if col.metrics()['zapm_store_oldest_seconds{tier="raw"}'] > t0 + 2.0:
                evicted_at = time.time()
        if evicted_at is not None and time.time() - evicted_at > 3.0:
            break
    m = col.metrics()
    written = m.total("zapm_store_points_written_total")
    log("%d rounds in %.1f s: %d points written; largest file + WAL %d bytes (%.1f %% of the cap)",
        seq, time.time() - t0, written, largest, 100.0 * largest / cap)
    check(evicted_at is not None, "%d points written and the oldest raw data is still there: "
          "the cap was never reached", written)
    check(largest <= cap * 11 // 10, "file + WAL reached %d bytes, cap %d", largest, cap)
    check(m.total("zapm_store_bytes") <= cap * 11 // 10, "zapm_store_bytes %r",
          m.total("zapm_store_bytes"))
    # Rollups work on hour-long spans, so nothing is rolled up within this
    # run: what the cap took was raw data not rolled up yet, counted and logged.
    unrolled = m.total("zapm_store_chunks_deleted_unrolled_total")
    check(unrolled > 0, "the cap's deletes of raw not rolled up are not counted")
    check("before they were rolled up" in col.proc.output(), "no log line for them:\n%s",
          col.proc.output())
    # The oldest data went first: the raw tier no longer reaches back to the
    # start, and the newest points are still served.
    oldest = m['zapm_store_oldest_seconds{tier="raw"}']
    check(oldest > t0 + 1.0, "oldest raw point %.3f, first sent %.3f", oldest, t0)
    now = time.time()
    d = history_json(col, **{"from": "%.3f" % (t0 - 1), "to": "%.3f" % (now + 1),
                             "points": 100, "group": "series", "metric": "cpu",
                             "agent": "cap0@*"})
    line = d["series"][0]
    check(line["t"][-1] >= now - 5.0, "newest point %.3f, now %.3f", line["t"][-1], now)
    check("too much for --store-max-mib" not in col.proc.output(),
          "the cap was called too small for 40 KB a second:\n%s", col.proc.output())
    check(line["t"][0] >= oldest - 60.0, "first point %.3f before the oldest raw %.3f",
          line["t"][0], oldest)
    col.proc.stop()
    check(col.proc.popen.returncode == 0, "exit %s", col.proc.popen.returncode)


@case
def store_one_collector_per_file(procs):
    """A second collector on the same store stops at start; the file is mode 0600."""
    import stat as st
    path = os.path.join(tmpdir(procs), "history.db")
    first = procs.collector("--store", path)
    mode = st.S_IMODE(os.stat(path).st_mode)
    check(mode == 0o600, "the store's file is mode %o", mode)
    second = procs.collector("--store", path, wait=False)
    rc = second.proc.popen.wait(10 * z.SLOW)
    procs.procs.remove(second.proc)  # its exit status is what this case checks
    out = second.proc.output()
    check(rc == 1, "the second collector: exit status %s:\n%s", rc, out)
    check("is in use by another zapm-collector" in out, "message:\n%s", out)
    check(first.proc.alive() and first.get("/healthz")[0] == 200, "the first collector is hurt")
    first.proc.stop()
    # Once the first has stopped, the file is free again.
    third = procs.collector("--store", path)
    third.proc.stop()
    check(third.proc.popen.returncode == 0, "exit %s", third.proc.popen.returncode)


@case
def store_state_directory(procs):
    """$STATE_DIRECTORY: the first of a list; one that is not absolute is refused."""
    d = tmpdir(procs)
    first, second = os.path.join(d, "one"), os.path.join(d, "two")
    saved = os.environ.get("STATE_DIRECTORY")
    try:
        os.environ["STATE_DIRECTORY"] = first + ":" + second
        col = procs.collector()
        check(os.path.exists(os.path.join(first, "zapm.db")), "no zapm.db in the first directory")
        check(not os.path.exists(second), "the second directory was made")
        col.proc.stop()
        os.environ["STATE_DIRECTORY"] = ":" + second
        col = procs.collector(wait=False)
        rc = col.proc.popen.wait(10 * z.SLOW)
        procs.procs.remove(col.proc)
        out = col.proc.output()
        check(rc == 1 and "does not start with an absolute directory" in out,
              "exit status %s:\n%s", rc, out)
    finally:
        if saved is None:
            os.environ.pop("STATE_DIRECTORY", None)
        else:
            os.environ["STATE_DIRECTORY"] = saved


if __name__ == "__main__":
    z.run()
