"""The feed at scale: resume, reset, filters, replay, agent events, lost
samples, overload, the series cap, slow readers and /api/history.

Written against docs/HTTP-API.md.
"""

import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log


def pump(pub, n, agent="pump", color="teal", pid=4242, seq0=0, pause=0.0, **extra):
    """Sends n zapm-style samples from one python publisher; returns the last seq."""
    for i in range(n):
        s = dict(z.book_sample(color), agent=agent, host="e2e", pid=pid, seq=seq0 + i, **extra)
        pub.send(s)
        if pause:
            time.sleep(pause)
    return seq0 + n - 1


@case
def retry_at_start(procs):
    """The stream opens with a retry: line (2000 ms) before any event."""
    col = procs.collector()
    feed = col.feed()
    first = feed.next_event(timeout=2)
    check(first is not None, "nothing at stream start within 2 s")
    check(first.retry == "2000", "first block %r, want retry: 2000", first)


@case
def resume_last_event_id(procs):
    """Last-Event-ID (header, and ?lastEventId=) resumes with exactly the events after it."""
    col = procs.collector()
    ref = col.feed()
    pub = col.publisher()
    pump(pub, 30)
    got = ref.collect(lambda ev, g: len(z.samples(g)) >= 30, timeout=5, what="30 samples")
    with_ids = [e for e in got if e.id]
    cut = with_ids[9]
    after = [(e.id, e.data) for e in with_ids[10:]]
    log("resuming after %s; %d events follow it", cut.id, len(after))
    for how, feed in (("header", col.feed(headers={"Last-Event-ID": cut.id})),
                      ("query", col.feed("/feed?lastEventId=" + cut.id))):
        seen = feed.collect(lambda ev, g: len([e for e in g if e.id]) >= len(after), timeout=5,
                            what="the %d events after %s (%s)" % (len(after), cut.id, how))
        ids = [(e.id, e.data) for e in seen if e.id]
        check(not any(e.event == "reset" for e in seen), "%s: got event: reset", how)
        check(ids == after, "%s: resumed with %r..., want %r...", how,
              [i for i, _ in ids[:3]], [i for i, _ in after[:3]])
    # The header wins over the query parameter.
    feed = col.feed("/feed?lastEventId=%s" % with_ids[2].id, headers={"Last-Event-ID": cut.id})
    seen = feed.collect(lambda ev, g: len([e for e in g if e.id]) >= 1, timeout=5, what="an event")
    first = [e for e in seen if e.id][0]
    check(first.id == after[0][0], "header and query: resumed at %s, want %s", first.id, after[0][0])


@case
def resume_reset(procs):
    """An id from another boot, or older than the ring holds, gets event: reset."""
    col = procs.collector("--ring-mib", "1")
    pub = col.publisher()
    # 3 MB through a 1 MiB ring: the first events are long gone from it.
    n = 1500
    pump(pub, n, pad="r" * 2000)
    z.wait_until(lambda: (col.metrics().total("zapm_samples_received_total") or 0) >= n, 10,
                 "the collector receiving %d samples" % n)
    old = "%s-1" % col.boot
    for what, lid in (("another boot", "nosuchboot-5"), ("garbage", "zzz"),
                      ("older than the ring", old)):
        feed = col.feed(headers={"Last-Event-ID": lid})
        ev = feed.collect(lambda ev, _: ev.type is not None, timeout=3, what="a first event")[-1]
        check(ev.type == "reset", "%s (%s): first event %r, want event: reset", what, lid, ev)
        check(ev.json().get("boot") == col.boot, "%s: reset data %r", what, ev.data)
        # The stream continues with new events.
        pump(pub, 1, seq0=10000 + len(what))
        feed.collect(lambda ev, _: ev.type == "message", timeout=3, what="a sample after the reset")
        log("%s: reset, then new events", what)


@case
def agent_filter(procs):
    """?agent=<glob> passes only the matching series' samples and agent events."""
    col = procs.collector()
    feed = col.feed("/feed?agent=web-*")
    every = col.feed()
    pub = col.publisher()
    for i in range(10):
        for n, name in enumerate(("web-1", "web-2", "db")):
            pump(pub, 1, agent=name, pid=100 + n, seq0=i)
    every.collect(lambda ev, g: len(z.samples(g)) >= 30, timeout=5, what="all 30 samples")
    got = feed.read_for(1.0)
    objs = z.samples(got)
    names = sorted({s["agent"] for s in objs})
    check(names == ["web-1", "web-2"], "?agent=web-* passed %r", names)
    check(len(objs) == 20, "?agent=web-* passed %d samples, want 20", len(objs))
    for e in got:
        if e.type == "agent":
            check(e.json()["id"].startswith("web-"), "agent event for %r passed the filter", e.data)
    feed2 = col.feed("/feed?agent=db@e2e:10%5B0-9%5D")   # db@e2e:10[0-9]
    pump(pub, 1, agent="db", pid=102, seq0=10)
    pump(pub, 1, agent="web-1", pid=100, seq0=10)
    got = feed2.read_for(1.0)
    check([s["agent"] for s in z.samples(got)] == ["db"], "bracket glob passed %r", z.samples(got))


@case
def history_replay(procs):
    """?history=<seconds> first replays the recent samples with their ids; without it, none."""
    col = procs.collector()
    ref = col.feed()
    pub = col.publisher()
    pump(pub, 20, pause=0.02)
    got = ref.collect(lambda ev, g: len(z.samples(g)) >= 20, timeout=5, what="20 samples")
    held = [(e.id, e.data) for e in got if e.type == "message"]
    plain = col.feed()
    check(not z.samples(plain.read_for(0.5)), "a plain /feed replayed old samples")
    replay = col.feed("/feed?history=60")
    seen = replay.collect(lambda ev, g: len(z.samples(g)) >= 20, timeout=3, what="20 replayed samples")
    ids = [(e.id, e.data) for e in seen if e.type == "message"]
    check(ids == held, "replay %r... differs from the live stream %r...",
          [i for i, _ in ids[:3]], [i for i, _ in held[:3]])
    # A short window replays only the newest: wait, send 3 more, ask for the last second.
    time.sleep(2.0)
    pump(pub, 3, seq0=20)
    ref.collect(lambda ev, g: len(z.samples(g)) >= 3, timeout=3, what="3 more samples")
    short = col.feed("/feed?history=1")
    objs = z.samples(short.read_for(0.5))
    check([s["seq"] for s in objs] == [20, 21, 22], "?history=1 replayed seqs %r",
          [s["seq"] for s in objs])


@case
def agent_events(procs):
    """event: agent joined/left with the live count; a stopped agent leaves within ~1 s."""
    col = procs.collector()
    feed = col.feed()
    a = procs.agent(col.endpoint, "one", "red", 0.2)
    ev = feed.collect(lambda ev, _: ev.type == "agent", timeout=5, what="event: agent (joined)")[-1]
    d = ev.json()
    check(d.get("state") == "joined" and d.get("agents") == 1, "first agent event %r", d)
    check(d.get("id", "").startswith("one@"), "agent event id %r", d.get("id"))
    check(ev.id is not None, "agent event without id")
    procs.agent(col.endpoint, "two", "blue", 0.2)
    ev = feed.collect(lambda ev, _: ev.type == "agent", timeout=5, what="event: agent (second)")[-1]
    d2 = ev.json()
    check(d2.get("state") == "joined" and d2.get("agents") == 2 and d2["id"].startswith("two@"),
          "second agent event %r", d2)
    rc = a.stop()
    t0 = time.monotonic()
    check(rc == 0, "zapm-agent exited %d on SIGTERM", rc)
    ev = feed.collect(lambda ev, _: ev.type == "agent", timeout=3, what="event: agent (left)")[-1]
    took = time.monotonic() - t0
    d3 = ev.json()
    log("left after %.2f s: %r", took, d3)
    check(d3 == {"id": d["id"], "state": "left", "agents": 1}, "left event %r", d3)
    check(took < 1.2 * z.SLOW, "left reported %.2f s after the agent stopped (want ~1 s)", took)
    states = {x["id"]: x["state"] for x in col.agents()}
    check(states.get(d["id"]) == "left", "/api/agents state %r", states.get(d["id"]))
    check(col.metrics().total("zapm_series_live") == 1, "zapm_series_live != 1")


@case
def lost_samples(procs):
    """Gaps in seq are counted as lost, per series and in total."""
    col = procs.collector()
    feed = col.feed()
    pub = col.publisher()
    for seq in (0, 1, 2, 5, 6, 10, 11):
        pump(pub, 1, agent="gappy", seq0=seq)
    pump(pub, 1, agent="whole", pid=7, seq0=0)
    pump(pub, 1, agent="whole", pid=7, seq0=1)
    got = feed.collect(lambda ev, g: len(z.samples(g)) >= 9, timeout=5, what="9 samples")
    # Each jump goes out once, as `event: lost` with the series' totals, before
    # the sample that revealed it.
    lost = [e.json() for e in got if e.type == "lost"]
    check([(e["lost"], e["samples"]) for e in lost] == [(2, 4), (5, 6)],
          "lost events %r, want totals (2, 4) then (5, 6)", lost)
    check(all(e["id"].startswith("gappy") for e in lost), "lost events name gappy: %r", lost)
    agents = {x["agent"]: x for x in col.agents()}
    check(agents["gappy"].get("lost") == 5, "gappy lost %r, want 5", agents["gappy"].get("lost"))
    check(agents["gappy"].get("samples") == 7, "gappy samples %r", agents["gappy"].get("samples"))
    check(agents["whole"].get("lost") == 0, "whole lost %r", agents["whole"].get("lost"))
    total = col.metrics().total("zapm_samples_lost_total")
    check(total == 5, "zapm_samples_lost_total %r, want 5", total)


@case
def overload(procs):
    """Past --max-clients, /feed answers 200 with retry: 15000 and ends the stream."""
    col = procs.collector("--max-clients", "2")
    a, b = col.feed(), col.feed()
    check(a.status == 200 and b.status == 200, "first two /feed: %d %d", a.status, b.status)
    a.collect(lambda ev, _: ev.retry is not None, timeout=2, what="retry on client 1")
    b.collect(lambda ev, _: ev.retry is not None, timeout=2, what="retry on client 2")
    c = col.feed()
    check(c.status == 200, "third /feed: status %d (want 200)", c.status)
    check(c.headers.get("content-type", "").startswith("text/event-stream"),
          "third /feed: Content-Type %r", c.headers.get("content-type"))
    c.wait_end(timeout=2)
    check(c.retry == 15000, "third /feed: retry %r, want 15000", c.retry)
    check(col.metrics().total("zapm_clients_rejected_total") == 1, "zapm_clients_rejected_total")
    # The first two keep streaming.
    pub = col.publisher()
    pump(pub, 2)
    for cl in (a, b):
        cl.collect(lambda ev, g: len(z.samples(g)) >= 2, timeout=3, what="samples on an admitted client")
    # A freed slot is taken again.
    # Events flowing let the collector notice the closed connection.
    a.close()
    seq = iter(range(2, 1000))

    def one_client():
        pump(pub, 1, seq0=next(seq))
        return col.metrics().total("zapm_clients") == 1

    z.wait_until(one_client, 3, "zapm_clients back to 1 after a client closed")
    d = col.feed()
    first = d.next_event(timeout=2)
    check(first is not None and first.retry == "2000", "after a client left, new /feed got %r", first)


@case
def max_series(procs):
    """--max-series caps the series; samples of the others are dropped and counted."""
    col = procs.collector("--max-series", "3")
    feed = col.feed()
    pub = col.publisher()
    for i in range(5):
        pump(pub, 1, agent="s%d" % i, pid=i + 1, seq0=0)
    pump(pub, 1, agent="s0", pid=1, seq0=1)  # a known series still flows
    got = feed.read_for(1.0)
    names = [s["agent"] for s in z.samples(got)]
    check(names == ["s0", "s1", "s2", "s0"], "samples on /feed %r, want s0 s1 s2 s0", names)
    agents = sorted(x["agent"] for x in col.agents())
    check(agents == ["s0", "s1", "s2"], "/api/agents %r", agents)
    m = col.metrics()
    check(m.total("zapm_series_dropped_total") == 2, "zapm_series_dropped_total %r, want 2",
          m.total("zapm_series_dropped_total"))
    check(m.total("zapm_series") == 3, "zapm_series %r", m.total("zapm_series"))


@case
def stalled_client(procs):
    """A client that never reads neither slows a reading client nor grows the collector."""
    # A 1 MiB ring, and 6 MB sent through it while a client never reads.
    col = procs.collector("--ring-mib", "1")
    stalled = col.feed(rcvbuf=4096, read_headers=False)
    reader = col.feed()
    pub = col.publisher()
    pad = "p" * 2000
    rate, seconds = 500, 6.0
    n_total = int(rate * seconds)
    lat = []
    rss = []
    t_start = time.monotonic()
    sent = 0
    received = 0
    while sent < n_total:
        # Send at about `rate` per second, reading in between.
        due = int((time.monotonic() - t_start) * rate)
        while sent < min(due, n_total):
            pub.send({"agent": "fast", "host": "e2e", "pid": 1, "seq": sent, "color": "red",
                      "cpu": 1.0, "mem": 2.0, "t_send": time.time(), "pad": pad})
            sent += 1
        for ev in reader.read_for(0.005):
            if ev.type == "message":
                lat.append(time.time() - ev.json()["t_send"])
                received += 1
        if not rss and sent >= n_total // 3:
            rss.append(col.proc.rss_kib())   # after the 1 MiB ring has filled
        check(time.monotonic() - t_start < seconds * 3 * z.SLOW, "sender fell far behind")
    for ev in reader.read_for(1.0):
        if ev.type == "message":
            lat.append(time.time() - ev.json()["t_send"])
            received += 1
    rss.append(col.proc.rss_kib())
    lat.sort()
    p50 = statistics.median(lat) if lat else float("inf")
    p99 = lat[int(len(lat) * 0.99) - 1] if lat else float("inf")
    log("sent %d, reader got %d; latency p50 %.1f ms p99 %.1f ms max %.1f ms; RSS KiB %r; "
        "stalled client got %d bytes", sent, received, p50 * 1e3, p99 * 1e3,
        (lat[-1] if lat else 0) * 1e3, rss, stalled.received_bytes)
    check(received == sent, "the reader got %d of %d samples", received, sent)
    check(p99 < 0.1 * z.SLOW, "reader p99 latency %.1f ms (want < %d ms)", p99 * 1e3, 100 * z.SLOW)
    growth = (rss[-1] - rss[0]) / 1024
    if z.SANITIZED:
        log("RSS bound not checked: ASan's quarantine holds freed memory, TSan grows its shadow")
        growth = 0
    check(growth < 8, "collector RSS grew %.1f MiB from 1/3 to the end of %.1f MB sent", growth,
          sent * 2100 / 1e6)
    check(col.proc.alive(), "collector died")


@case
def api_history(procs):
    """/api/history: per series, arrays t, cpu, mem, sys_cpu, sys_mem, load1 of one length."""
    col = procs.collector()
    procs.agent(col.endpoint, "hist", "red", 0.1, "--system")
    pub = col.publisher()
    book = []
    for i in range(5):
        s = z.book_sample("olive", cpu=float(i), mem=10.0 + i)
        book.append(s)
        pub.send(s)
    def both_held():
        h = col.get_json("/api/history")
        series = {s["id"]: s for s in h.get("series", [])}
        mine = [s for i, s in series.items() if i.startswith("hist@")]
        if mine and len(mine[0]["t"]) >= 5 and len(series.get("olive", {}).get("t", [])) >= 5:
            return h, series, mine
        return None

    h, series, mine = z.wait_until(both_held, 5, "/api/history holding 5 points of both series")
    check(isinstance(h.get("now"), (int, float)), "now %r", h.get("now"))
    for sid, s in series.items():
        n = len(s["t"])
        for k in ("cpu", "mem", "sys_cpu", "sys_mem", "load1"):
            check(isinstance(s.get(k), list) and len(s[k]) == n, "%s: %s is %r (t has %d)", sid, k,
                  s.get(k), n)
        check(all(b >= a for a, b in zip(s["t"], s["t"][1:])), "%s: t not rising", sid)
        check(all(abs(t - h["now"]) < 60 for t in s["t"]), "%s: t far from now", sid)
    o = series["olive"]
    check(o["color"] == "olive", "olive color %r", o.get("color"))
    check(o["cpu"] == [0.0, 1.0, 2.0, 3.0, 4.0] and o["mem"] == [10.0, 11.0, 12.0, 13.0, 14.0],
          "olive cpu %r mem %r", o["cpu"], o["mem"])
    check(o["sys_cpu"] == [None] * 5 and o["load1"] == [None] * 5, "book series has sys values")
    a = mine[0]
    check(all(isinstance(x, (int, float)) for x in a["sys_cpu"] + a["sys_mem"] + a["load1"]),
          "zapm-agent series lacks sys values: %r", {k: a[k][:3] for k in ("sys_cpu", "sys_mem", "load1")})
    only = col.get_json("/api/history?agent=oli*&seconds=60")
    check([s["id"] for s in only["series"]] == ["olive"], "?agent=oli* gave %r",
          [s["id"] for s in only["series"]])
    time.sleep(2.0)
    recent = col.get_json("/api/history?agent=olive&seconds=1")
    check([len(s["t"]) for s in recent["series"]] in ([0], []), "?seconds=1 kept old points: %r",
          recent["series"])


z.run()
