"""End-to-end: the store's disk fails while the collector runs (issue 11).

A write past the process's file size limit (RLIMIT_FSIZE, lowered on the
running collector with prlimit) fails as a full disk does. Live streaming and
/api/agents must not notice; the errors are counted in /metrics and logged at
most once a minute; when the limit goes, writing resumes by itself and the
file is sound.
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
    col.proc.stop()
    check(col.proc.popen.returncode == 0, "exit %s", col.proc.popen.returncode)

    db = sqlite3.connect(path)
    try:
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check")
    finally:
        db.close()


if __name__ == "__main__":
    z.run()
