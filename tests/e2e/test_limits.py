"""Cardinality is bounded everywhere (issue 18, item 3).

A python3-zmq publisher invents identities and metric names against a real
collector with its store in a temporary directory and small limits: the
store's series and metric tables stay within --store-max-series and
--store-max-metrics (read with sqlite3 on the file), /metrics holds at most
--max-metric-names custom families, every refusal is counted under its
reason and logged once (with the top offender). A bounded churn shows the
collector's memory levelling off: VmRSS at two points after a warm-up.
"""

import os
import sqlite3
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log  # noqa: E402


def sample(agent, pid, seq, custom=None, interval=1.0):
    s = {"agent": agent, "host": "churnhost", "pid": pid, "seq": seq, "interval": interval,
         "color": "#336699", "timestamp": z.iso_now(), "cpu": 1.0, "mem": 2.0}
    if custom:
        s["custom"] = custom
    return s


def rows(db, table):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


@case
def cardinality_limits(procs):
    state = tempfile.mkdtemp(prefix="limits-", dir=os.environ["XDG_STATE_HOME"])
    db = os.path.join(state, "zapm.db")
    col = procs.collector("--store", db, "--store-seal-s", "1", "--max-series", "100",
                          "--store-max-series", "30", "--store-max-metrics", "12",
                          "--max-metric-names", "8")
    pub = col.publisher()
    # 60 identities, one sample each: the map holds them all, the store 30.
    for i in range(60):
        pub.send(sample("churn%d" % i, 1000 + i, 0))
    # One series that sends a new custom name in every sample: the store has
    # cpu and mem, so 10 names fit in its 12 rows; /metrics shows 8 families.
    for i in range(40):
        pub.send(sample("churn0", 1000, 1 + i, {"n%d" % i: i}))
    # And 9 series with 2 custom names each on /metrics (the page's limit).
    for i in range(1, 10):
        pub.send(sample("churn%d" % i, 1000 + i, 1, {"a%d" % i: 1, "b%d" % i: 2}))

    def settled():
        m = col.metrics()
        return (m.get('zapm_store_refused_total{reason="series_limit"}', 0) >= 30 and
                m.get('zapm_store_refused_total{reason="metric_limit"}', 0) >= 30 and
                m.get("zapm_store_series") == 30 and m.get("zapm_store_metrics") == 12 and m)
    m = z.wait_until(settled, 10, "the store's refusals on /metrics")
    # Every point of a refused name is counted, not only the first: churn1
    # (stored) sends one refused name 5 times, the same layout each time.
    names_refused = m['zapm_store_refused_total{reason="metric_limit"}']
    for i in range(5):
        pub.send(sample("churn1", 1001, 2 + i, {"refused_name": i}))
        time.sleep(0.02)
    z.wait_until(lambda: col.metrics().get('zapm_store_refused_total{reason="metric_limit"}')
                 == names_refused + 5, 10, "each refused point counted")
    check(m.get("zapm_series") == 60, "series in memory %s", m.get("zapm_series"))
    check(m.get('zapm_series_refused_total{reason="series_limit"}') == 0, "memory refused %s",
          m.get('zapm_series_refused_total{reason="series_limit"}'))
    # The file holds no more than the limits.
    check(rows(db, "series") == 30, "series rows %d", rows(db, "series"))
    check(rows(db, "metric") == 12, "metric rows %d", rows(db, "metric"))
    # /metrics: at most 8 custom families; the values past them are counted.
    status, _, body = col.get("/metrics")
    text = body.decode()
    customs = [l for l in text.splitlines() if l.startswith("# TYPE zapm_custom_")]
    check(len(customs) == 8, "%d custom families on /metrics", len(customs))
    m = col.metrics()
    check(m.get('zapm_metrics_refused_total{reason="metric_limit"}', 0) >= 10,
          "left off /metrics %s", m.get('zapm_metrics_refused_total{reason="metric_limit"}'))
    # The history columns of churn0 hold 16 custom names; the rest is counted.
    check(m.get('zapm_series_refused_total{reason="metric_limit"}') == 40 - 16,
          "history columns refused %s", m.get('zapm_series_refused_total{reason="metric_limit"}'))
    # Past the memory cap (all 100 live), new identities are refused and counted.
    for i in range(60, 130):
        pub.send(sample("churn%d" % i, 1000 + i, 0))
    z.wait_until(lambda: col.metrics().get('zapm_series_refused_total{reason="series_limit"}')
                 == 30, 10, "the map's refusals")
    # Logged once (at most once a minute), naming the host that sent them.
    out = col.proc.output()
    lines = [l for l in out.splitlines() if "new series refused" in l]
    check(len(lines) == 1, "%d refusal lines:\n%s", len(lines), "\n".join(lines[:5]))
    check("most from 'churnhost'" in lines[0], "no top offender in %r", lines[0])
    log("store refused %d series, %d names; %d families on /metrics",
        m['zapm_store_refused_total{reason="series_limit"}'],
        m['zapm_store_refused_total{reason="metric_limit"}'], len(customs))


@case
def cardinality_churn_rss(procs):
    """A publisher inventing identities as fast as it can for 20 s: memory levels off."""
    state = tempfile.mkdtemp(prefix="churn-", dir=os.environ["XDG_STATE_HOME"])
    db = os.path.join(state, "zapm.db")
    # Each identity says it sends every 10 ms, so it leaves after 0.5 s and
    # its slot in the map is recycled: the store sees every identity.
    # The ring (1 MiB) fills during the warm-up.
    col = procs.collector("--store", db, "--max-series", "1500", "--history", "60", "--ring-mib", "1",
                          "--store-max-series", "500")
    pub = col.publisher()
    start = time.monotonic()
    sent = 0
    rss = {}
    duration = 20.0
    marks = {6.0: "warm", duration: "end"}
    while time.monotonic() - start < duration + 0.1 and sent < 2000 * 30:
        elapsed = time.monotonic() - start
        for at, name in marks.items():
            if elapsed >= at and name not in rss:
                rss[name] = col.proc.rss_kib()
        # About 1,500 new identities a second, each sends once.
        due = min(int(elapsed * 1500) + 1, 2000 * 30)
        while sent < due:
            pub.send(sample("rss%d" % sent, 100000 + sent, 0, interval=0.01))
            sent += 1
        time.sleep(0.01)
    check("warm" in rss and "end" in rss, "RSS not sampled: %r", rss)
    m = col.metrics()
    grown = (rss["end"] - rss["warm"]) / 1024.0
    log("%d identities in %.0f s; VmRSS %.1f MiB after warm-up, %.1f MiB at the end (+%.1f)",
        sent, duration, rss["warm"] / 1024.0, rss["end"] / 1024.0, grown)
    check(sent > 15000 / z.SLOW, "only %d identities sent", sent)
    # The writer holds at most 500 (seen in the last hour); rows stay within
    # 64 x that, and here, within the hour, as many as held.
    check(m.get("zapm_store_series_held", 0) <= 500 and rows(db, "series") <= 500,
          "store series held %s, rows %d", m.get("zapm_store_series_held"), rows(db, "series"))
    check(m.get('zapm_store_refused_total{reason="series_limit"}', 0) > sent // 2,
          "store refused %s", m.get('zapm_store_refused_total{reason="series_limit"}'))
    if z.SANITIZED:
        log("sanitizer build: its allocator holds freed memory back; RSS not checked")
        return
    # Without the limits this grew by about 3.8 MiB a second (+54 MiB here).
    check(grown < 8.0, "VmRSS grew %.1f MiB in %.0f s after the warm-up", grown, duration - 6)


if __name__ == "__main__":
    z.run()
