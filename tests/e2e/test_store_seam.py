"""End-to-end: one history behind every window, across restarts (issue 19, issue 18 item 9).

A restarted collector reads the store's newest points back into memory
before it serves HTTP, so /api/history?seconds=N (the dashboard's 1, 5 and
15 minute windows) answers after a clean stop, or a kill -9, what it
answered before: the same points, the same values, each once. A custom
metric is answered by a store-backed window as by memory, and a clean stop
leaves no WAL behind.
"""

import os
import signal
import time

import zapmtest as z
from zapmtest import case, check, log
from test_store import history_json, sample, tmpdir

SERIES = "orders@e2e:4242"


def publish(pub, seconds, hz=10, seq=0):
    """Samples at `hz` for `seconds`, with a custom gauge and counter; returns their times."""
    sent = []
    t0 = time.time()
    while time.time() - t0 < seconds:
        t = time.time()
        s = sample(seq, t=t)
        s["custom"] = {"queue": float(seq % 7), "orders": float(seq * 3)}
        pub.send(s)
        sent.append(t)
        seq += 1
        time.sleep(1.0 / hz)
    return sent


def memory_line(col, seconds=300):
    d = history_json(col, seconds=str(seconds))
    lines = [s for s in d["series"] if s["id"] == SERIES]
    return lines[0] if lines else None


def same_points(before, after, what):
    """The points of `before` are in `after`, the same values, each time once."""
    ts = after["t"]
    check(all(b > a for a, b in zip(ts, ts[1:])), "%s: times not increasing (a duplicate at "
          "the seam?) %r", what, ts[:5])
    n = len(before["t"])
    check(ts[:n] == before["t"], "%s: %d points before, the first %d after differ: %r vs %r",
          what, n, n, before["t"][-3:], ts[max(0, n - 3):n])
    for key in ("cpu", "mem"):
        check(after[key][:n] == before[key], "%s: %s differs", what, key)
    for name, values in before["custom"].items():
        check(after["custom"].get(name, [])[:n] == values, "%s: custom %s differs: %r vs %r",
              what, name, values[-3:], after["custom"].get(name, [])[max(0, n - 3):n])


@case
def seam_clean_restart(procs):
    """A clean stop and a restart: seconds=300 holds what it held, the WAL is gone."""
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path)  # seal 60 s: the points are in the head at the stop
    pub = col.publisher()
    sent = publish(pub, 3.0)
    before = z.wait_until(lambda: (lambda l: l if l and len(l["t"]) == len(sent) else None)(
        memory_line(col)), 5, "every sample in memory")
    pub.close()
    check(col.proc.stop() == 0, "the collector did not stop cleanly")
    procs.procs.remove(col.proc)
    wal = path + "-wal"
    size = os.path.getsize(wal) if os.path.exists(wal) else None
    log("after a clean stop: database %d bytes, WAL %r", os.path.getsize(path), size)
    check(not size, "a clean stop left a WAL of %r bytes", size)

    col2 = procs.collector("--store", path)
    after = memory_line(col2)
    check(after is not None, "the restarted collector answers no line for %s", SERIES)
    check(len(after["t"]) == len(before["t"]), "%d points before the restart, %d after",
          len(before["t"]), len(after["t"]))
    same_points(before, after, "seconds=300 after a restart")
    agents = col2.agents()
    check([(a["id"], a["state"]) for a in agents] == [(SERIES, "left")], "agents %r", agents)

    # New samples join after the recalled ones, with no duplicate at the seam.
    pub2 = col2.publisher()
    more = publish(pub2, 1.0, seq=len(sent))
    joined = z.wait_until(lambda: (lambda l: l if l and len(l["t"]) == len(sent) + len(more)
                                   else None)(memory_line(col2)), 5, "the new samples joined")
    same_points(before, joined, "seconds=300 after new samples")


@case
def seam_crash_head(procs):
    """kill -9, restart: the last seconds before the kill are in the first answers."""
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path)
    pub = col.publisher()
    sent = publish(pub, 4.0, hz=20)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= len(sent) - 25,
                 5, "the samples but the last second committed")
    time.sleep(1.2)  # one more commit: the head holds every sample
    col.proc.stop(signal.SIGKILL)
    procs.procs.remove(col.proc)
    log("sent %d samples over %.1f s, then kill -9", len(sent), sent[-1] - sent[0])

    col2 = procs.collector("--store", path)  # returns at the first 200 of /healthz
    line = memory_line(col2)
    check(line is not None, "no line for %s at the first answer", SERIES)
    ts = line["t"]
    log("first memory answer: %d of %d points, the last %.3f s before the last sent",
        len(ts), len(sent), sent[-1] - ts[-1])
    check(len(ts) == len(sent) and abs(ts[-1] - sent[-1]) < 0.01,
          "%d of %d points served at once after the kill (last %.3f, sent %.3f)", len(ts),
          len(sent), ts[-1], sent[-1])
    check(all(b > a for a, b in zip(ts, ts[1:])), "duplicate times in %r", ts[:5])
    check(line["cpu"] == [float(i % 100) for i in range(len(sent))], "cpu %r", line["cpu"][:5])

    # A store-backed window (the dashboard's 1 h) serves them at once too.
    d = history_json(col2, **{"from": "%.3f" % (sent[0] - 1), "to": "%.3f" % (time.time() + 1),
                              "points": 10000, "group": "series", "metric": "cpu"})
    lines = [s for s in d["series"] if s["id"] == SERIES]
    check(lines and len(lines[0]["t"]) == len(sent), "the store route served %r of %d points",
          len(lines[0]["t"]) if lines else None, len(sent))


@case
def seam_custom_long_window(procs):
    """custom.* in a 1 h window from the store, as memory answers it."""
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path, "--store-seal-s", "1")
    pub = col.publisher()
    sent = publish(pub, 2.0)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= len(sent), 5,
                 "every sample written")
    now = time.time()
    d = history_json(col, **{"from": "%.3f" % (now - 3600), "to": "%.3f" % now, "points": 800,
                             "group": "series"})
    lines = [s for s in d["series"] if s["id"] == SERIES]
    check(lines, "no line for %s in %r", SERIES, [s["id"] for s in d["series"]])
    custom = lines[0].get("custom")
    log("1 h window, custom: %r", {k: [v for v in vs if v is not None][-3:]
                                   for k, vs in (custom or {}).items()})
    check(custom and set(custom) == {"queue", "orders"}, "custom in the 1 h window: %r", custom)
    queue = [v for v in custom["queue"] if v is not None]
    check(queue and all(0 <= v <= 6 for v in queue), "queue means %r", queue)


if __name__ == "__main__":
    z.run()
