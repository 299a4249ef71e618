"""End-to-end: the memory route of /api/history answers every sample of its window (issue 19).

Memory keeps --history points per series (here 50: 2.5 s at 20 Hz), so a plain
/api/history?seconds=N used to answer the newest 50 though the store held the
whole window. With the store on, the points before memory's oldest come from
the store, joined at the seam: every sample sent in the window exactly once, in
order, with the values sent, before and after a restart. With --store none the
answer is memory's, as before; past --query-answer-max it is memory's too, and
says so in "partial".
"""

import os
import time

import zapmtest as z
from zapmtest import case, check, log
from test_store import history_json, sample, tmpdir

SERIES = "orders@e2e:4242"
HISTORY = "50"


def publish(pub, seconds, hz=20, seq=0):
    """Samples at `hz` for `seconds`: cpu a tenth, a custom gauge; returns (time, seq) sent."""
    sent = []
    t0 = time.time()
    while time.time() - t0 < seconds:
        t = time.time()
        s = sample(seq, t=t)
        s["cpu"] = (seq % 1000) / 10.0
        s["custom"] = {"queue": float(seq % 7) + 0.5}
        pub.send(s)
        # The ISO timestamp sent is rounded to the microsecond.
        sent.append((round(t, 6), seq))
        seq += 1
        time.sleep(1.0 / hz)
    return sent


def line_of(col, seconds):
    d = history_json(col, seconds=str(seconds))
    lines = [s for s in d["series"] if s["id"] == SERIES]
    check(len(lines) == 1, "lines for %s: %r", SERIES, [s["id"] for s in d["series"]])
    return d, lines[0]


def check_window(d, line, sent, seconds, what):
    """`line` holds every sample of `sent` in the window, once, in order, as sent."""
    check("partial" not in d, "%s: partial %r", what, d.get("partial"))
    start = d["now"] - seconds
    want = [(t, seq) for t, seq in sent if t >= start]
    ts = line["t"]
    log("%s: %d points answered, %d sent in the window (%d sent in all)", what, len(ts),
        len(want), len(sent))
    check(all(b > a for a, b in zip(ts, ts[1:])), "%s: times not increasing: %r", what, ts[:8])
    check(len(ts) == len(want), "%s: %d points, %d sent in the window; first %r, want %r", what,
          len(ts), len(want), ts[:2], [t for t, _ in want[:2]])
    for i, (t, seq) in enumerate(want):
        check(abs(ts[i] - t) < 2e-6, "%s: point %d at %.6f, sent at %.6f", what, i, ts[i], t)
        check(line["cpu"][i] == (seq % 1000) / 10.0, "%s: cpu %d is %r, sent %r", what, i,
              line["cpu"][i], (seq % 1000) / 10.0)
        check(line["mem"][i] == 30.0, "%s: mem %d is %r", what, i, line["mem"][i])
        check(line["custom"]["queue"][i] == float(seq % 7) + 0.5, "%s: queue %d is %r", what, i,
              line["custom"]["queue"][i])
    return ts


@case
def window_memory_and_store(procs):
    """20 Hz, --history 50: seconds=N answers every sample in it, and again after a restart."""
    path = os.path.join(tmpdir(procs), "history.db")
    # Seal every 2 s: the older points are in sealed chunks, the newer in the head.
    flags = ("--store", path, "--history", HISTORY, "--store-seal-s", "2")
    col = procs.collector(*flags)
    pub = col.publisher()
    sent = publish(pub, 6.0)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= len(sent), 5,
                 "every sample written")
    # The whole run, then a window that starts in the middle of it.
    d, line = line_of(col, 60)
    before = check_window(d, line, sent, 60, "seconds=60")
    check(len(before) == len(sent), "seconds=60 answered %d of %d", len(before), len(sent))
    middle = time.time() - sent[len(sent) // 2][0] + 0.025
    d, line = line_of(col, middle)
    check_window(d, line, sent, middle, "seconds=%.3f" % middle)

    pub.close()
    check(col.proc.stop() == 0, "the collector did not stop cleanly")
    procs.procs.remove(col.proc)
    col2 = procs.collector(*flags)
    d, line = line_of(col2, 60)
    after = check_window(d, line, sent, 60, "seconds=60 after a restart")
    check(after == before, "the times differ after the restart")

    # New samples join after the recalled and stored ones, each once.
    pub2 = col2.publisher()
    more = publish(pub2, 1.0, seq=len(sent))
    z.wait_until(lambda: col2.metrics().total("zapm_store_samples_written_total") >= len(more), 5,
                 "the new samples written")
    d, line = line_of(col2, 60)
    check_window(d, line, sent + more, 60, "seconds=60 with new samples")


@case
def window_from_the_head(procs):
    """Seal every 60 s (the default): the points before memory are all in the head rows."""
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path, "--history", HISTORY)
    pub = col.publisher()
    sent = publish(pub, 4.0)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= len(sent), 5,
                 "every sample written")
    d, line = line_of(col, 60)
    ts = check_window(d, line, sent, 60, "seconds=60, nothing sealed")
    check(len(ts) == len(sent), "seconds=60 answered %d of %d", len(ts), len(sent))


@case
def window_store_route_seam(procs):
    """The store route (long windows) too: the points between the last seal and memory's oldest."""
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path, "--history", HISTORY)  # seal 60 s: all in the head
    pub = col.publisher()
    sent = publish(pub, 4.0)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= len(sent), 5,
                 "every sample written")
    # A bucket per 0.5 ms: each point its own bucket.
    d = history_json(col, **{"from": "%.3f" % (sent[0][0] - 0.5),
                             "to": "%.3f" % (sent[-1][0] + 0.5), "points": 10000,
                             "group": "series", "metric": "cpu"})
    lines = [s for s in d["series"] if s["id"] == SERIES]
    check(lines, "no line for %s", SERIES)
    ts, cpu = lines[0]["t"], lines[0]["cpu"]
    log("store route: %d of %d points, until %r", len(ts), len(sent), lines[0]["until"])
    check(len(ts) == len(sent), "the store route answered %d of %d points", len(ts), len(sent))
    for i, (t, seq) in enumerate(sent):
        check(abs(ts[i] - t) < 0.002 and cpu[i] == (seq % 1000) / 10.0,
              "point %d: %r at %r, sent %r at %r", i, cpu[i], ts[i], (seq % 1000) / 10.0, t)


@case
def window_store_none(procs):
    """--store none: memory's answer as before, the newest --history points."""
    col = procs.collector("--store", "none", "--history", HISTORY)
    pub = col.publisher()
    sent = publish(pub, 3.0)
    d = z.wait_until(lambda: (lambda d: d if d["series"] and d["series"][0]["t"] and abs(
        d["series"][0]["t"][-1] - sent[-1][0]) < 2e-6 else None)(history_json(col, seconds="60")),
        5, "the last sample in memory")
    line = d["series"][0]
    check("partial" not in d, "partial %r", d.get("partial"))
    check(len(line["t"]) == int(HISTORY), "%d points with --store none, memory holds %s",
          len(line["t"]), HISTORY)
    check_window(d, line, sent[-int(HISTORY):], 60, "--store none")


@case
def window_too_large(procs):
    """Past --query-answer-max: memory's answer alone, with partial: answer_max."""
    path = os.path.join(tmpdir(procs), "history.db")
    col = procs.collector("--store", path, "--history", HISTORY, "--query-answer-max", "64K")
    pub = col.publisher()
    # 10 pids at 20 Hz with 16 custom metrics each for 4 s: 800 points of 23
    # numbers, an estimate past 64 KiB.
    count, seq, t0 = 0, 0, time.time()
    while time.time() - t0 < 4.0:
        for pid in range(10):
            s = sample(seq, pid=5000 + pid)
            s["custom"] = {"c%d" % i: float(i) for i in range(16)}
            pub.send(s)
            count += 1
        seq += 1
        time.sleep(0.05)
    z.wait_until(lambda: col.metrics().total("zapm_store_samples_written_total") >= count, 5,
                 "every sample written")
    d = history_json(col, seconds="60")
    check(d.get("partial") == "answer_max", "partial %r", d.get("partial"))
    sizes = sorted({len(s["t"]) for s in d["series"]})
    check(len(d["series"]) == 10 and sizes == [int(HISTORY)], "points per series %r, memory "
          "holds %s", sizes, HISTORY)
    refused = col.metrics().total("zapm_http_query_refused_total")
    check(refused >= 1, "refusals counted: %r", refused)
    # A window memory covers needs no store, so it is whole.
    d = history_json(col, seconds="1")
    check("partial" not in d, "seconds=1: partial %r", d.get("partial"))


if __name__ == "__main__":
    z.run()
